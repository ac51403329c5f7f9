/*-------------------------------------------------------------------------
 * src/amount_core.c
 *		ISO 4217 currency table, amount parser and printer in pure C.
 *
 * No PostgreSQL header is included here: test/fuzz and test/unit build this
 * file on its own.
 *-------------------------------------------------------------------------
 */
#include "amount_core.h"

#include <stdio.h>
#include <string.h>

#define CURRENCY_SLOTS	(26 * 26 * 26)

/*
 * ISO 4217 codes with their minor units: the active list as of 2025, plus
 * HRK, ANG, CUC, SLL and ZWL, withdrawn recently but still found in ERP
 * history.  Codes without minor units (XAU, XDR, XXX, ...) are not money a
 * purchase order is written in and are not accepted.
 */
static const char *const currency_table =
"AED2AFN2ALL2AMD2ANG2AOA2ARS2AUD2AWG2AZN2BAM2BBD2BDT2BGN2BHD3BIF0BMD2BND2"
"BOB2BOV2BRL2BSD2BTN2BWP2BYN2BZD2CAD2CDF2CHE2CHF2CHW2CLF4CLP0CNY2COP2COU2"
"CRC2CUC2CUP2CVE2CZK2DJF0DKK2DOP2DZD2EGP2ERN2ETB2EUR2FJD2FKP2GBP2GEL2GHS2"
"GIP2GMD2GNF0GTQ2GYD2HKD2HNL2HRK2HTG2HUF2IDR2ILS2INR2IQD3IRR2ISK0JMD2JOD3"
"JPY0KES2KGS2KHR2KMF0KPW2KRW0KWD3KYD2KZT2LAK2LBP2LKR2LRD2LSL2LYD3MAD2MDL2"
"MGA2MKD2MMK2MNT2MOP2MRU2MUR2MVR2MWK2MXN2MXV2MYR2MZN2NAD2NGN2NIO2NOK2NPR2"
"NZD2OMR3PAB2PEN2PGK2PHP2PKR2PLN2PYG0QAR2RON2RSD2RUB2RWF0SAR2SBD2SCR2SDG2"
"SEK2SGD2SHP2SLE2SLL2SOS2SRD2SSP2STN2SVC2SYP2SZL2THB2TJS2TMT2TND3TOP2TRY2"
"TTD2TWD2TZS2UAH2UGX0USD2USN2UYI0UYU2UYW4UZS2VED2VES2VND0VUV0WST2XAF0XCD2"
"XCG2XOF0XPF0YER2ZAR2ZMW2ZWG2ZWL2";

/* minor units + 1 per packed code, 0 = not a currency; filled on first use */
static int8_t minor_by_code[CURRENCY_SLOTS];
static bool minor_ready = false;

static const char *const amount_hint =
"Write a number with at most 4 decimal places followed by an ISO 4217 currency code, for example '1234.56 USD'.";

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int
letter_index(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	return -1;
}

/* Build the packed-code lookup once per process. */
static void
currency_init(void)
{
	const char *p;

	for (p = currency_table; *p; p += 4)
	{
		int			slot = (letter_index(p[0]) * 26 + letter_index(p[1])) * 26 + letter_index(p[2]);

		minor_by_code[slot] = (int8_t) (p[3] - '0' + 1);
	}
	minor_ready = true;
}

uint16_t
currency_lookup(const char *code, size_t len)
{
	int			a,
				b,
				c,
				slot;

	if (len != 3)
		return CURRENCY_NONE;
	a = letter_index(code[0]);
	b = letter_index(code[1]);
	c = letter_index(code[2]);
	if (a < 0 || b < 0 || c < 0)
		return CURRENCY_NONE;
	if (!minor_ready)
		currency_init();
	slot = (a * 26 + b) * 26 + c;
	return minor_by_code[slot] ? (uint16_t) slot : CURRENCY_NONE;
}

int
currency_minor_units(uint16_t cur)
{
	if (cur >= CURRENCY_SLOTS)
		return -1;
	if (!minor_ready)
		currency_init();
	return minor_by_code[cur] - 1;
}

void
currency_code(uint16_t cur, char out[4])
{
	if (cur >= CURRENCY_SLOTS)
	{
		memcpy(out, "???", 4);
		return;
	}
	out[0] = (char) ('A' + cur / 676);
	out[1] = (char) ('A' + (cur / 26) % 26);
	out[2] = (char) ('A' + cur % 26);
	out[3] = '\0';
}

bool
amount_parse(const char *in, size_t len, int64_t *units, uint16_t *cur, pv_error *err)
{
	const char *p = in,
			   *end = in + len,
			   *num_start,
			   *code_start;
	char		q[48];
	char		msg[128];
	bool		negative = false;
	uint64_t	mag = 0;
	int			int_digits = 0,
				frac_digits = 0;
	uint64_t	limit;

	pv_quote(in, len, q, sizeof(q));
	snprintf(msg, sizeof(msg), "invalid input syntax for type procgov.amount: \"%s\"", q);

	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return pv_fail(err, PV_MALFORMED, msg, amount_hint, "The amount is empty.");

	num_start = p;
	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');

	/* integer part: overflow is judged on the magnitude before the sign */
	limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
	while (p < end && *p >= '0' && *p <= '9')
	{
		if (mag > (limit / 10) / (uint64_t) AMOUNT_SCALE)
			goto overflow;
		mag = mag * 10 + (uint64_t) (*p - '0');
		int_digits++;
		p++;
	}
	if (mag > limit / (uint64_t) AMOUNT_SCALE)
		goto overflow;
	mag *= (uint64_t) AMOUNT_SCALE;

	if (p < end && *p == '.')
	{
		uint64_t	frac = 0,
					scale = (uint64_t) AMOUNT_SCALE;

		p++;
		while (p < end && *p >= '0' && *p <= '9')
		{
			if (frac_digits < AMOUNT_DECIMALS)
			{
				scale /= 10;
				frac += (uint64_t) (*p - '0') * scale;
			}
			else if (*p != '0')
			{
				const char *d = p;

				while (d < end && *d >= '0' && *d <= '9')
					d++;
				return pv_fail(err, PV_MALFORMED, msg, amount_hint,
							   "\"%s\" has %d decimal places; procgov.amount keeps at most %d.",
							   pv_quote(num_start, (size_t) (d - num_start), q, sizeof(q)),
							   (int) (d - p) + frac_digits, AMOUNT_DECIMALS);
			}
			frac_digits++;
			p++;
		}
		if (mag > limit - frac)
			goto overflow;
		mag += frac;
	}

	if (int_digits == 0 && frac_digits == 0)
		return pv_fail(err, PV_MALFORMED, msg, amount_hint,
					   "Expected a number at \"%s\".",
					   pv_quote(num_start, (size_t) (end - num_start), q, sizeof(q)));

	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return pv_fail(err, PV_MALFORMED, msg, amount_hint,
					   "The amount has no currency code.");

	code_start = p;
	while (p < end && letter_index(*p) >= 0)
		p++;
	if (p - code_start != 3)
	{
		const char *w = code_start;

		while (w < end && !is_blank(*w))
			w++;
		return pv_fail(err, PV_MALFORMED, msg, amount_hint,
					   "Expected a three-letter currency code, found \"%s\".",
					   pv_quote(code_start, (size_t) (w - code_start), q, sizeof(q)));
	}
	*cur = currency_lookup(code_start, 3);
	if (*cur == CURRENCY_NONE)
	{
		pv_quote(code_start, 3, q, sizeof(q));
		snprintf(msg, sizeof(msg), "unknown currency code \"%s\"", q);
		return pv_fail(err, PV_MALFORMED, msg,
					   "Use an ISO 4217 code such as USD, EUR or JPY; docs/types.md lists the codes procgov accepts.",
					   "\"%s\" is not an ISO 4217 currency code with minor units.", q);
	}

	while (p < end && is_blank(*p))
		p++;
	if (p != end)
		return pv_fail(err, PV_MALFORMED, msg, amount_hint,
					   "Unexpected \"%s\" after the currency code.",
					   pv_quote(p, (size_t) (end - p), q, sizeof(q)));

	*units = negative ? (int64_t) (0 - mag) : (int64_t) mag;
	return true;

overflow:
	{
		const char *d = p;

		while (d < end && ((*d >= '0' && *d <= '9') || *d == '.'))
			d++;
		return pv_fail(err, PV_OUT_OF_RANGE, "value out of range for type procgov.amount",
					   "Split the amount, or check the input for a misplaced decimal point.",
					   "\"%s\" is outside the range -922337203685477.5808 to 922337203685477.5807.",
					   pv_quote(num_start, (size_t) (d - num_start), q, sizeof(q)));
	}
}

int
amount_print_decimals(int64_t units, uint16_t cur)
{
	int			decimals = currency_minor_units(cur);
	int			needed = AMOUNT_DECIMALS;
	int64_t		f = units % AMOUNT_SCALE;

	/* decimals the value actually carries: 4 minus its trailing zeros */
	if (f == 0)
		needed = 0;
	else
		while (f % 10 == 0)
		{
			f /= 10;
			needed--;
		}
	return decimals < needed ? needed : decimals;
}

int
amount_format(int64_t units, uint16_t cur, char *buf)
{
	uint64_t	mag = units < 0 ? (uint64_t) 0 - (uint64_t) units : (uint64_t) units;
	uint64_t	whole = mag / (uint64_t) AMOUNT_SCALE;
	unsigned	frac = (unsigned) (mag % (uint64_t) AMOUNT_SCALE);
	int			decimals = amount_print_decimals(units, cur);
	char		code[4];
	char		digits[8];
	int			n;

	currency_code(cur, code);
	snprintf(digits, sizeof(digits), "%04u", frac);
	if (decimals > 0)
		n = snprintf(buf, AMOUNT_TEXT_MAX, "%s%llu.%.*s %s", units < 0 ? "-" : "",
					 (unsigned long long) whole, decimals, digits, code);
	else
		n = snprintf(buf, AMOUNT_TEXT_MAX, "%s%llu %s", units < 0 ? "-" : "",
					 (unsigned long long) whole, code);
	return n;
}

bool
amount_round_minor(int64_t units, uint16_t cur, int64_t *result)
{
	int			minor = currency_minor_units(cur);
	int64_t		factor = 1,
				q,
				r;
	int			i;

	if (minor < 0)
		minor = AMOUNT_DECIMALS;
	for (i = minor; i < AMOUNT_DECIMALS; i++)
		factor *= 10;
	q = units / factor;
	r = units % factor;
	if (r != 0 && (r < 0 ? -r : r) * 2 >= factor)
		q += units < 0 ? -1 : 1;
	if (q > INT64_MAX / factor || q < INT64_MIN / factor)
		return false;
	*result = q * factor;
	return true;
}
