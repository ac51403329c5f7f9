/*-------------------------------------------------------------------------
 * src/identifiers_core.c
 *		IBAN and GTIN parsers, validators and printers in pure C.
 *
 * No PostgreSQL header is included here: test/fuzz and test/unit build this
 * file on its own.  Every refusal names the exact problem (the character and
 * its position, the length found and the length wanted, the check digit
 * found) because a purchase order rejected for "invalid input" alone sends
 * someone to the phone.
 *-------------------------------------------------------------------------
 */
#include "identifiers_core.h"

#include <stdio.h>
#include <string.h>

/*
 * Country code and IBAN length of every country in the SWIFT IBAN registry
 * as published in 2024-2025 (89 countries), sorted by code.  Territories
 * that use their parent's code (AX uses FI; GF, GP, MQ, RE and others use
 * FR; IM, JE, GG use GB) have no entry of their own.  Codes found only in
 * "experimental" lists (AO, DZ, MA, ...) are not IBANs and are refused.
 */
static const char *const iban_registry =
"AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27"
"DK18DO28EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HN28HR21HU28"
"IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22"
"MK19MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24"
"SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29VA22VG24XK20YE30";

static const char *const iban_hint =
"Write the IBAN as printed on the account statement, for example 'DE89 3704 0044 0532 0130 00'; blanks between characters are allowed, other punctuation is not.";

static const char *const iban_check_hint =
"Check the IBAN for a mistyped or swapped character; do not change the check digits to make it pass.";

static const char *const gtin_hint =
"Write the 8, 12, 13 or 14 digits of the GTIN, for example '4006381333931'; blanks or hyphens between digits are allowed.";

static const char *const gtin_check_hint =
"Check the number for a mistyped or swapped digit; do not change the check digit to make it pass.";

static inline bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_utf8_continuation(char c)
{
	return ((unsigned char) c & 0xC0) == 0x80;
}

/* 1-based position of p in the input, counting characters (UTF-8) rather than bytes. */
static size_t
char_position(const char *start, const char *p)
{
	size_t		pos = 1;

	for (; start < p; start++)
		if (!is_utf8_continuation(*start))
			pos++;
	return pos;
}

/*
 * Describe the offending character at p for a Detail sentence ending in
 * "what": the character quoted, or its byte value when it is a control
 * character that would not show.
 */
static int
fail_bad_char(pv_error *err, const char *msg, const char *hint,
			  const char *in, const char *p, const char *end, const char *what)
{
	size_t		pos = char_position(in, p);
	size_t		n = 1;
	unsigned char c = (unsigned char) *p;
	char		q[16];

	if (c < 0x20 || c == 0x7f)
		return pv_fail(err, PV_MALFORMED, msg, hint,
					   "The character at position %zu (byte 0x%02X) is not %s.",
					   pos, (unsigned) c, what);
	if (c >= 0x80)
		while (n < 4 && p + n < end && is_utf8_continuation(p[n]))
			n++;
	return pv_fail(err, PV_MALFORMED, msg, hint,
				   "Character \"%s\" at position %zu is not %s.",
				   pv_quote(p, n, q, sizeof(q)), pos, what);
}

int
iban_country_length(const char *cc)
{
	const char *p;

	if (!is_upper(cc[0]) || !is_upper(cc[1]))
		return 0;
	for (p = iban_registry; *p; p += 4)
		if (p[0] == cc[0] && p[1] == cc[1])
			return (p[2] - '0') * 10 + (p[3] - '0');
	return 0;
}

int
iban_country_at(int i, char cc[3])
{
	const char *p;

	if (i < 0 || i >= IBAN_COUNTRIES)
		return 0;
	p = iban_registry + 4 * i;
	cc[0] = p[0];
	cc[1] = p[1];
	cc[2] = '\0';
	return (p[2] - '0') * 10 + (p[3] - '0');
}

int
iban_mod97(const char *iban, size_t len)
{
	unsigned	r = 0;
	size_t		i;

	/* one or two decimal digits at a time keeps r below 97 * 100 */
	for (i = 0; i < len; i++)
	{
		char		c = iban[(i + 4) % len];

		if (is_digit(c))
			r = (r * 10 + (unsigned) (c - '0')) % 97;
		else
			r = (r * 100 + (unsigned) (c - 'A' + 10)) % 97;
	}
	return (int) r;
}

bool
iban_parse(const char *in, size_t len, char *out, size_t *outlen, pv_error *err)
{
	const char *p,
			   *end = in + len;
	char		q[48],
				msg[128],
				hint[160],
				cc[3];
	size_t		n = 0;
	int			expect,
				rem;

	pv_quote(in, len, q, sizeof(q));
	snprintf(msg, sizeof(msg), "invalid input syntax for type procgov.iban: \"%s\"", q);

	/* compact and upper-case; count past the maximum to report the length */
	for (p = in; p < end; p++)
	{
		char		c = *p;

		if (c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		if (!is_upper(c) && !is_digit(c))
			return fail_bad_char(err, msg, iban_hint, in, p, end,
								 "a letter (A-Z) or digit");
		if (n < IBAN_MAX_LEN)
			out[n] = c;
		n++;
	}

	if (n == 0)
		return pv_fail(err, PV_MALFORMED, msg, iban_hint, "The IBAN is empty.");

	if (n < 2 || !is_upper(out[0]) || !is_upper(out[1]))
		return pv_fail(err, PV_MALFORMED, msg, iban_hint,
					   "An IBAN starts with a two-letter country code, not \"%.*s\".",
					   n < 2 ? 1 : 2, out);

	cc[0] = out[0];
	cc[1] = out[1];
	cc[2] = '\0';
	expect = iban_country_length(cc);
	if (expect == 0)
	{
		snprintf(msg, sizeof(msg), "unknown IBAN country code \"%s\"", cc);
		return pv_fail(err, PV_MALFORMED, msg,
					   "Check the first two letters; docs/types.md lists the countries of the SWIFT IBAN registry that procgov accepts.",
					   "\"%s\" is not a country in the SWIFT IBAN registry.", cc);
	}

	if (n != (size_t) expect)
	{
		snprintf(hint, sizeof(hint),
				 "Check for a missing or extra character: %s IBANs have exactly %d letters and digits.",
				 cc, expect);
		return pv_fail(err, PV_MALFORMED, msg, hint,
					   "The IBAN has %zu characters, but %s IBANs have %d.",
					   n, cc, expect);
	}

	if (!is_digit(out[2]) || !is_digit(out[3]))
		return pv_fail(err, PV_MALFORMED, msg, iban_hint,
					   "The check digits (positions 3 and 4 of the IBAN) are \"%.2s\", not two digits.",
					   out + 2);

	snprintf(msg, sizeof(msg), "invalid check digits for IBAN: \"%s\"", q);
	if ((out[2] == '0' && out[3] <= '1') || (out[2] == '9' && out[3] == '9'))
		return pv_fail(err, PV_MALFORMED, msg, iban_check_hint,
					   "Check digits \"%.2s\" are never issued; IBAN check digits lie between 02 and 98.",
					   out + 2);

	rem = iban_mod97(out, n);
	if (rem != 1)
		return pv_fail(err, PV_MALFORMED, msg, iban_check_hint,
					   "Check digits \"%.2s\" do not verify: the mod-97 remainder is %d, not 1.",
					   out + 2, rem);

	out[n] = '\0';
	*outlen = n;
	return true;
}

size_t
iban_format_print(const char *iban, size_t len, char *out)
{
	size_t		i,
				o = 0;

	if (len > IBAN_MAX_LEN)
		len = IBAN_MAX_LEN;
	for (i = 0; i < len; i++)
	{
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = iban[i];
	}
	out[o] = '\0';
	return o;
}

int
gtin_check_digit(uint64_t value)
{
	uint64_t	body = value / 10;
	unsigned	sum = 0,
				weight = 3;

	/* GS1: weights 3, 1, 3, ... from the digit left of the check digit */
	while (body > 0)
	{
		sum += (unsigned) (body % 10) * weight;
		body /= 10;
		weight = 4 - weight;
	}
	return (int) ((10 - sum % 10) % 10);
}

bool
gtin_parse(const char *in, size_t len, uint64_t *value, pv_error *err)
{
	const char *p,
			   *end = in + len,
			   *hyphen = NULL;
	char		q[48],
				msg[128];
	uint64_t	v = 0;
	size_t		ndigits = 0;
	bool		after_digit = false;
	int			expect;

	pv_quote(in, len, q, sizeof(q));
	snprintf(msg, sizeof(msg), "invalid input syntax for type procgov.gtin: \"%s\"", q);

	for (p = in; p < end; p++)
	{
		char		c = *p;

		if (c == ' ' || c == '\t')
			continue;
		if (is_digit(c))
		{
			if (ndigits < GTIN_DIGITS)
				v = v * 10 + (uint64_t) (c - '0');
			ndigits++;
			after_digit = true;
			hyphen = NULL;
			continue;
		}
		if (c == '-')
		{
			if (!after_digit)
				return pv_fail(err, PV_MALFORMED, msg, gtin_hint,
							   "The hyphen at position %zu does not follow a digit.",
							   char_position(in, p));
			after_digit = false;
			hyphen = p;
			continue;
		}
		return fail_bad_char(err, msg, gtin_hint, in, p, end, "a digit");
	}

	if (hyphen != NULL)
		return pv_fail(err, PV_MALFORMED, msg, gtin_hint,
					   "The hyphen at position %zu is not followed by a digit.",
					   char_position(in, hyphen));
	if (ndigits == 0)
		return pv_fail(err, PV_MALFORMED, msg, gtin_hint, "The GTIN is empty.");
	if (ndigits != 8 && ndigits != 12 && ndigits != 13 && ndigits != 14)
		return pv_fail(err, PV_MALFORMED, msg, gtin_hint,
					   "The GTIN has %zu digits; a GTIN has 8, 12, 13 or 14.", ndigits);

	expect = gtin_check_digit(v);
	if ((int) (v % 10) != expect)
	{
		snprintf(msg, sizeof(msg), "invalid check digit for GTIN: \"%s\"", q);
		return pv_fail(err, PV_MALFORMED, msg, gtin_check_hint,
					   "Check digit %d is wrong: the digits before it call for %d.",
					   (int) (v % 10), expect);
	}
	*value = v;
	return true;
}

bool
gtin_validate(int64_t value, pv_error *err)
{
	char		msg[128];
	int			expect;

	if (value < 0 || value > GTIN_MAX)
		return pv_fail(err, PV_OUT_OF_RANGE, "value out of range for type procgov.gtin",
					   "A GTIN is the number its 14-digit form spells, leading zeros dropped.",
					   "%lld is not between 0 and 99999999999999.", (long long) value);
	expect = gtin_check_digit((uint64_t) value);
	if ((int) (value % 10) != expect)
	{
		snprintf(msg, sizeof(msg), "invalid check digit for GTIN: \"%014lld\"",
				 (long long) value);
		return pv_fail(err, PV_BAD_PARAMETER, msg, gtin_check_hint,
					   "Check digit %d is wrong: the digits before it call for %d.",
					   (int) (value % 10), expect);
	}
	return true;
}

bool
gtin_format(uint64_t value, int ndigits, char *out)
{
	char		buf[32];
	int			drop,
				i;

	if (value > (uint64_t) GTIN_MAX ||
		(ndigits != 8 && ndigits != 12 && ndigits != 13 && ndigits != 14))
		return false;
	snprintf(buf, sizeof(buf), "%014llu", (unsigned long long) value);
	drop = GTIN_DIGITS - ndigits;
	for (i = 0; i < drop; i++)
		if (buf[i] != '0')
			return false;
	memcpy(out, buf + drop, (size_t) ndigits + 1);
	return true;
}
