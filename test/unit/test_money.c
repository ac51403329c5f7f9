/*-------------------------------------------------------------------------
 * test/unit/test_money.c
 *		Unit tests of the pure-C amount and tolerance cores, without a
 *		server.  Prints TAP ("ok N - ...") and exits non-zero on failure.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "amount_core.h"
#include "tolerance_core.h"

static int	n_run = 0,
			n_failed = 0;

static void
check(int ok, const char *what, const char *got)
{
	n_run++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_run, what,
		   ok ? "" : " # got: ", ok ? "" : got);
}

/* Parse then print; expect the printed text, or a detail containing err. */
static void
amount_case(const char *in, const char *out, const char *err)
{
	int64_t		u;
	uint16_t	c;
	pv_error	e;
	char		buf[AMOUNT_TEXT_MAX],
				what[160];

	memset(&e, 0, sizeof(e));
	snprintf(what, sizeof(what), "amount '%s' -> %s", in, out ? out : err);
	if (amount_parse(in, strlen(in), &u, &c, &e))
	{
		amount_format(u, c, buf);
		check(out && strcmp(buf, out) == 0, what, buf);
	}
	else
		check(err && (strstr(e.detail, err) || strstr(e.message, err)), what, e.detail);
}

static void
tolerance_case(const char *in, const char *out, const char *err)
{
	tolerance_t t;
	pv_error	e;
	char		buf[TOL_TEXT_MAX],
				what[160];

	memset(&e, 0, sizeof(e));
	snprintf(what, sizeof(what), "tolerance '%s' -> %s", in, out ? out : err);
	if (tolerance_parse(in, strlen(in), &t, &e))
	{
		tolerance_format(&t, buf);
		check(out && strcmp(buf, out) == 0, what, buf);
	}
	else
		check(err && (strstr(e.detail, err) || strstr(e.message, err)), what, e.detail);
}

/* within(actual, expected, tol) on amounts given as text */
static void
within_case(const char *actual, const char *expected, const char *tol, int want)
{
	int64_t		a,
				x;
	uint16_t	ca,
				cx;
	tolerance_t t;
	uint64_t	allow = 0;
	char		what[160];
	int			got;

	amount_parse(actual, strlen(actual), &a, &ca, NULL);
	amount_parse(expected, strlen(expected), &x, &cx, NULL);
	tolerance_parse(tol, strlen(tol), &t, NULL);
	got = tolerance_allowance(&t, x, cx, &allow, NULL) && tolerance_within(a, x, allow);
	snprintf(what, sizeof(what), "within(%s, %s, %s) = %s", actual, expected, tol, want ? "true" : "false");
	check(got == want, what, got ? "true" : "false");
}

/* pv_quote: the quoted text for messages */
static void
quote_case(const char *in, size_t buflen, const char *out)
{
	char		buf[64],
				what[160];

	snprintf(what, sizeof(what), "pv_quote('%s', %zu) -> '%s'", in, buflen, out);
	pv_quote(in, strlen(in), buf, buflen);
	check(strcmp(buf, out) == 0, what, buf);
}

int
main(void)
{
	int64_t		r,
				lo,
				hi;

	/* a cut never splits a UTF-8 character; broken bytes and controls become ? */
	quote_case("abc", 16, "abc");
	quote_case("abcdefgh", 8, "abcd...");
	quote_case("ab\xc3\xa9\xc3\xa9", 8, "ab\xc3\xa9...");
	quote_case("a\xc3\xa9\xc3\xa9", 8, "a\xc3\xa9...");
	quote_case("abc\xc3\xa9", 8, "abc...");
	quote_case("\xe2\x82\xac 5", 16, "\xe2\x82\xac 5");
	quote_case("x\xc3", 16, "x?");
	quote_case("\xff\x01z", 16, "??z");
	quote_case("\xc3(", 16, "?(");

	amount_case("1234.56 USD", "1234.56 USD", NULL);
	amount_case("1234.5 usd", "1234.50 USD", NULL);
	amount_case("12.5 JPY", "12.5 JPY", NULL);
	amount_case("12 JPY", "12 JPY", NULL);
	amount_case("1.2 BHD", "1.200 BHD", NULL);
	amount_case("0.0001 CLF", "0.0001 CLF", NULL);
	amount_case("-0.01 EUR", "-0.01 EUR", NULL);
	amount_case("-0 EUR", "0.00 EUR", NULL);
	amount_case("922337203685477.5807 USD", "922337203685477.5807 USD", NULL);
	amount_case("-922337203685477.5808 USD", "-922337203685477.5808 USD", NULL);
	amount_case("922337203685477.5808 USD", NULL, "outside the range");
	amount_case("-922337203685477.5809 USD", NULL, "outside the range");
	amount_case("1.23456 USD", NULL, "5 decimal places");
	amount_case("1.23450 USD", "1.2345 USD", NULL);
	amount_case("", NULL, "empty");
	amount_case("12", NULL, "no currency");
	amount_case("12 XYZ", NULL, "not an ISO 4217");
	amount_case("12 US", NULL, "three-letter");
	amount_case("12 USD x", NULL, "Unexpected");
	amount_case("abc", NULL, "Expected a number");

	check(currency_minor_units(currency_lookup("JPY", 3)) == 0, "JPY has 0 minor units", "");
	check(currency_minor_units(currency_lookup("kwd", 3)) == 3, "KWD has 3 minor units", "");
	check(currency_lookup("XAU", 3) == CURRENCY_NONE, "XAU is refused", "");
	check(currency_lookup("US", 2) == CURRENCY_NONE, "two letters are refused", "");
	check(amount_round_minor(10050, currency_lookup("USD", 3), &r) && r == 10100, "round 1.005 USD = 1.01", "");
	check(amount_round_minor(-10050, currency_lookup("USD", 3), &r) && r == -10100, "round -1.005 USD = -1.01", "");
	check(amount_round_minor(25000, currency_lookup("JPY", 3), &r) && r == 30000, "round 2.5 JPY = 3", "");
	check(!amount_round_minor(INT64_MAX, currency_lookup("JPY", 3), &r), "rounding the largest JPY overflows", "");

	tolerance_case("0", "0", NULL);
	tolerance_case("2%", "2%", NULL);
	tolerance_case("2.50%", "2.5%", NULL);
	tolerance_case("5 USD", "5.00 USD", NULL);
	tolerance_case("5 USD or 2%", "2% or 5.00 USD", NULL);
	tolerance_case("2% AND 5 USD", "2% and 5.00 USD", NULL);
	tolerance_case("1000%", "1000%", NULL);
	tolerance_case("1000.0001%", NULL, "above 1000%");
	tolerance_case("-1%", NULL, "negative");
	/* a sign on either kind of term; zero may carry a minus */
	tolerance_case("+2%", "2%", NULL);
	tolerance_case("+5 USD", "5.00 USD", NULL);
	tolerance_case("-0 USD", "0.00 USD", NULL);
	tolerance_case("-0%", "0%", NULL);
	tolerance_case("-5 USD", NULL, "negative");
	tolerance_case("2% or -1 USD", NULL, "negative");
	tolerance_case("--1 USD", NULL, "second sign");
	tolerance_case("+-1 USD", NULL, "second sign");
	tolerance_case("+ -05 USD", NULL, "second sign");
	tolerance_case("- -5 USD", NULL, "second sign");
	tolerance_case("2% or 3%", NULL, "percentages");
	tolerance_case("2% or", NULL, "empty");
	tolerance_case("orange", NULL, "Expected a number");

	within_case("102 USD", "100 USD", "2%", 1);
	within_case("102.0001 USD", "100 USD", "2%", 0);
	within_case("98 USD", "100 USD", "2%", 1);
	within_case("97.9999 USD", "100 USD", "2%", 0);
	within_case("104 USD", "100 USD", "2% or 5 USD", 1);
	within_case("104 USD", "100 USD", "2% and 5 USD", 0);
	within_case("1 USD", "1 USD", "1 EUR", 0);
	within_case("-922337203685477.5808 USD", "922337203685477.5807 USD", "1000%", 1);
	within_case("-922337203685477.5808 USD", "922337203685477.5807 USD", "5 USD", 0);

	tolerance_band(INT64_MAX - 5, 10, &lo, &hi);
	check(lo == INT64_MAX - 15 && hi == INT64_MAX, "band clamps at the top", "");
	tolerance_band(INT64_MIN + 5, 10, &lo, &hi);
	check(lo == INT64_MIN && hi == INT64_MIN + 15, "band clamps at the bottom", "");
	tolerance_band(0, UINT64_MAX, &lo, &hi);
	check(lo == INT64_MIN && hi == INT64_MAX, "unbounded allowance covers everything", "");

	printf("1..%d\n", n_run);
	return n_failed ? 1 : 0;
}
