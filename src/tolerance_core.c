/*-------------------------------------------------------------------------
 * src/tolerance_core.c
 *		Tolerance parser, printer and allowance arithmetic in pure C.
 *-------------------------------------------------------------------------
 */
#include "tolerance_core.h"

#include <stdio.h>
#include <string.h>

static const char *const tol_hint =
"Write \"0\", a percentage such as \"2%\", an amount such as \"5.00 USD\", or both joined by \"or\" (the looser applies) or \"and\" (the stricter applies).";

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Trim blanks from both ends of [*p, *end). */
static void
trim(const char **p, const char **end)
{
	while (*p < *end && is_blank(**p))
		(*p)++;
	while (*end > *p && is_blank((*end)[-1]))
		(*end)--;
}

/* Find a blank-delimited word ("or", "and") in [p, end); NULL if absent. */
static const char *
find_word(const char *p, const char *end, const char *word)
{
	size_t		n = strlen(word);
	const char *s;

	for (s = p; s + n <= end; s++)
	{
		size_t		i;

		if (s > p && !is_blank(s[-1]))
			continue;
		if (s + n < end && !is_blank(s[n]))
			continue;
		for (i = 0; i < n && lower(s[i]) == word[i]; i++)
			;
		if (i == n)
			return s;
	}
	return NULL;
}

/* Parse "2.5%" (blanks allowed before %) into millionths; 0 on failure. */
static int
parse_percent(const char *p, const char *end, int32_t *pct, const char *msg, pv_error *err)
{
	char		q[48];
	const char *start = p;
	int64_t		whole = 0,
				frac = 0,
				scale = TOL_PCT_SCALE;
	int			digits = 0;

	while (p < end && *p >= '0' && *p <= '9')
	{
		whole = whole * 10 + (*p++ - '0');
		digits++;
		if (whole > TOL_PCT_MAX / TOL_PCT_SCALE)
			return pv_fail(err, PV_OUT_OF_RANGE, "tolerance percentage out of range",
						   "Use a percentage from 0% to 1000%.",
						   "\"%s\" is above 1000%%.", pv_quote(start, (size_t) (end - start), q, sizeof(q)));
	}
	if (p < end && *p == '.')
	{
		p++;
		while (p < end && *p >= '0' && *p <= '9')
		{
			if (scale > 1)
			{
				scale /= 10;
				frac += (*p - '0') * scale;
			}
			else if (*p != '0')
				return pv_fail(err, PV_MALFORMED, msg, tol_hint,
							   "The percentage \"%s\" has more than 4 decimal places.",
							   pv_quote(start, (size_t) (end - start), q, sizeof(q)));
			p++;
			digits++;
		}
	}
	if (digits == 0)
		return pv_fail(err, PV_MALFORMED, msg, tol_hint,
					   "Expected a number before \"%%\", found \"%s\".",
					   pv_quote(start, (size_t) (end - start), q, sizeof(q)));
	while (p < end && is_blank(*p))
		p++;
	if (p != end - 1 || *p != '%')
		return pv_fail(err, PV_MALFORMED, msg, tol_hint,
					   "Unexpected \"%s\" in the percentage.",
					   pv_quote(p, (size_t) (end - p), q, sizeof(q)));
	*pct = (int32_t) (whole * TOL_PCT_SCALE + frac);
	if (*pct > TOL_PCT_MAX)
		return pv_fail(err, PV_OUT_OF_RANGE, "tolerance percentage out of range",
					   "Use a percentage from 0% to 1000%.",
					   "\"%s\" is above 1000%%.", pv_quote(start, (size_t) (end - start), q, sizeof(q)));
	return 1;
}

/* One term: a percentage or a non-negative amount.  Returns its kind or -1. */
static int
parse_term(const char *p, const char *end, tolerance_t *t, const char *msg, pv_error *err)
{
	char		q[48];
	const char *term;
	bool		negative = false,
				zero;
	int			kind;

	trim(&p, &end);
	if (p == end)
		return pv_fail(err, PV_MALFORMED, msg, tol_hint, "A side of \"or\"/\"and\" is empty."), -1;
	/* a sign is allowed on either kind of term; only zero may be negative */
	term = p;
	if (*p == '+' || *p == '-')
	{
		negative = (*p == '-');
		p++;
	}
	if (end[-1] == '%')
	{
		if (!parse_percent(p, end, &t->pct, msg, err))
			return -1;
		kind = TOL_PERCENT;
		zero = (t->pct == 0);
	}
	else
	{
		/* one sign only: "+ -5 USD" must not reach the amount parser's own */
		for (const char *x = p; x < end && (*x == ' ' || *x == '\t' || *x == '+' || *x == '-'); x++)
			if (*x == '+' || *x == '-')
				return pv_fail(err, PV_MALFORMED, msg, tol_hint, "Unexpected second sign in \"%s\".",
							   pv_quote(term, (size_t) (end - term), q, sizeof(q))), -1;
		if (!amount_parse(p, (size_t) (end - p), &t->abs_units, &t->cur, err))
		{
			/* keep the amount parser's detail, but say it was a tolerance */
			if (err && err->status == PV_MALFORMED)
			{
				snprintf(err->message, sizeof(err->message), "%s", msg);
				snprintf(err->hint, sizeof(err->hint), "%s", tol_hint);
			}
			return -1;
		}
		kind = TOL_ABSOLUTE;
		zero = (t->abs_units == 0);
		if (t->abs_units < 0)
			negative = true;	/* a sign the checks above did not see */
	}
	if (negative && !zero)
		return pv_fail(err, PV_MALFORMED, msg, tol_hint,
					   "\"%s\" is negative; a tolerance is a distance and cannot be.",
					   pv_quote(term, (size_t) (end - term), q, sizeof(q))), -1;
	return kind;
}

bool
tolerance_parse(const char *in, size_t len, tolerance_t *t, pv_error *err)
{
	const char *p = in,
			   *end = in + len,
			   *op;
	char		q[48];
	char		msg[128];
	int			k1,
				k2;
	size_t		oplen;
	tol_kind	combined;

	memset(t, 0, sizeof(*t));
	pv_quote(in, len, q, sizeof(q));
	snprintf(msg, sizeof(msg), "invalid input syntax for type procgov.tolerance: \"%s\"", q);
	trim(&p, &end);
	if (p == end)
		return pv_fail(err, PV_MALFORMED, msg, tol_hint, "The tolerance is empty.");

	/* "0" (or "exact") alone means an exact match */
	if ((end - p == 1 && *p == '0') ||
		(end - p == 5 && lower(p[0]) == 'e' && find_word(p, end, "exact") == p))
	{
		t->kind = TOL_EXACT;
		return true;
	}

	if ((op = find_word(p, end, "or")) != NULL)
	{
		combined = TOL_EITHER;
		oplen = 2;
	}
	else if ((op = find_word(p, end, "and")) != NULL)
	{
		combined = TOL_BOTH;
		oplen = 3;
	}
	else
	{
		k1 = parse_term(p, end, t, msg, err);
		if (k1 < 0)
			return false;
		t->kind = (uint8_t) k1;
		return true;
	}

	k1 = parse_term(p, op, t, msg, err);
	if (k1 < 0)
		return false;
	k2 = parse_term(op + oplen, end, t, msg, err);
	if (k2 < 0)
		return false;
	if (k1 == k2)
		return pv_fail(err, PV_MALFORMED, msg, tol_hint,
					   "Both sides of \"%.*s\" are %s; combine one percentage with one amount.",
					   (int) oplen, op, k1 == TOL_PERCENT ? "percentages" : "amounts");
	t->kind = (uint8_t) combined;
	return true;
}

/* Print a percentage in millionths without trailing zeros. */
static int
format_percent(int32_t pct, char *buf, size_t len)
{
	int			whole = pct / TOL_PCT_SCALE,
				frac = pct % TOL_PCT_SCALE,
				decimals = 4;

	if (frac == 0)
		return snprintf(buf, len, "%d%%", whole);
	while (frac % 10 == 0)
	{
		frac /= 10;
		decimals--;
	}
	return snprintf(buf, len, "%d.%0*d%%", whole, decimals, frac);
}

int
tolerance_format(const tolerance_t *t, char *buf)
{
	char		a[AMOUNT_TEXT_MAX];
	char		p[24];

	switch ((tol_kind) t->kind)
	{
		case TOL_EXACT:
			return snprintf(buf, TOL_TEXT_MAX, "0");
		case TOL_PERCENT:
			return format_percent(t->pct, buf, TOL_TEXT_MAX);
		case TOL_ABSOLUTE:
			return amount_format(t->abs_units, t->cur, buf);
		case TOL_EITHER:
		case TOL_BOTH:
			format_percent(t->pct, p, sizeof(p));
			amount_format(t->abs_units, t->cur, a);
			return snprintf(buf, TOL_TEXT_MAX, "%s %s %s", p,
							t->kind == TOL_EITHER ? "or" : "and", a);
	}
	return snprintf(buf, TOL_TEXT_MAX, "?");
}

/* floor(|expected| * pct / 100%) without overflow, saturating. */
static uint64_t
percent_of(int64_t expected, int32_t pct)
{
	const uint64_t d = (uint64_t) 100 * TOL_PCT_SCALE;
	uint64_t	x = expected < 0 ? (uint64_t) 0 - (uint64_t) expected : (uint64_t) expected;
	uint64_t	hi = x / d,
				lo = x % d,
				p = (uint64_t) pct,
				a,
				b;

	if (hi != 0 && p > UINT64_MAX / hi)
		return UINT64_MAX;
	a = hi * p;
	b = lo * p / d;				/* lo < 1e6 and p <= 1e7: no overflow */
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

bool
tolerance_allowance(const tolerance_t *t, int64_t expected, uint16_t cur,
					uint64_t *allow, pv_error *err)
{
	uint64_t	pa,
				aa;

	if (t->kind != TOL_EXACT && t->kind != TOL_PERCENT && t->cur != cur)
	{
		char		tc[4],
					ec[4];

		currency_code(t->cur, tc);
		currency_code(cur, ec);
		return pv_fail(err, PV_BAD_PARAMETER,
					   "tolerance currency does not match the amount",
					   "Use a tolerance in the amount's currency, or a percentage alone.",
					   "The tolerance allows an amount in %s but the expected amount is in %s.", tc, ec);
	}
	pa = percent_of(expected, t->pct);
	aa = (uint64_t) (t->abs_units < 0 ? 0 : t->abs_units);
	switch ((tol_kind) t->kind)
	{
		case TOL_EXACT:
			*allow = 0;
			break;
		case TOL_PERCENT:
			*allow = pa;
			break;
		case TOL_ABSOLUTE:
			*allow = aa;
			break;
		case TOL_EITHER:
			*allow = pa > aa ? pa : aa;
			break;
		case TOL_BOTH:
			*allow = pa < aa ? pa : aa;
			break;
	}
	return true;
}

bool
tolerance_within(int64_t actual, int64_t expected, uint64_t allow)
{
	/* unsigned subtraction of the ordered pair is exact for any int64 pair */
	uint64_t	diff = actual >= expected
		? (uint64_t) actual - (uint64_t) expected
		: (uint64_t) expected - (uint64_t) actual;

	return diff <= allow;
}

void
tolerance_band(int64_t expected, uint64_t allow, int64_t *lo, int64_t *hi)
{
	uint64_t	room_down = (uint64_t) expected - (uint64_t) INT64_MIN;
	uint64_t	room_up = (uint64_t) INT64_MAX - (uint64_t) expected;

	*lo = allow >= room_down ? INT64_MIN : (int64_t) ((uint64_t) expected - allow);
	*hi = allow >= room_up ? INT64_MAX : (int64_t) ((uint64_t) expected + allow);
}
