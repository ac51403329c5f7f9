/*-------------------------------------------------------------------------
 * src/amount.c
 *		procgov.amount: money in an ISO 4217 currency.
 *
 * Fixed point, 4 decimals, 64 bits, overflow-checked; arithmetic and
 * comparison refuse to mix currencies.  The btree support function orders
 * by currency and then value so that ORDER BY, DISTINCT and indexes work on
 * columns holding several currencies, while < and friends (and min, max,
 * sum) refuse to compare across currencies.
 *-------------------------------------------------------------------------
 */
#include "amount.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

/* Helper: a numeric from an int64, portable to PostgreSQL 13. */
static Numeric
int64_numeric(int64 v)
{
	return DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)));
}

void
AmountInit(void)
{
	/* fill the currency lookup now rather than inside the first query */
	(void) currency_lookup("USD", 3);
}

Amount *
amount_new(int64 units, uint16 cur)
{
	Amount	   *a = (Amount *) palloc0(sizeof(Amount));

	a->units = units;
	a->cur = cur;
	return a;
}

char *
amount_to_cstring(const Amount *a)
{
	char	   *buf = palloc(AMOUNT_TEXT_MAX);

	amount_format(a->units, a->cur, buf);
	return buf;
}

void
amount_check_same_currency(const Amount *a, const Amount *b, const char *what)
{
	if (a->cur != b->cur)
	{
		char		ca[4],
					cb[4];

		currency_code(a->cur, ca);
		currency_code(b->cur, cb);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot %s amounts in different currencies", what),
				 errdetail("The amounts are %s and %s.",
						   amount_to_cstring(a), amount_to_cstring(b)),
				 errhint("Convert one amount to %s or %s before you %s them.", ca, cb, what)));
	}
}

/* Raise 22003 for an amount result that does not fit; expr shows the operation. */
static void
amount_overflow(const char *op, const Amount *a, const char *other)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("procgov.amount out of range"),
			 other ? errdetail("The result of %s %s %s is outside -922337203685477.5808 to 922337203685477.5807.",
							   amount_to_cstring(a), op, other)
			 : errdetail("The result of %s(%s) is outside -922337203685477.5808 to 922337203685477.5807.",
						 op, amount_to_cstring(a))));
}

/* Validate an external currency code (recv, constructor) or raise 22P02/22023. */
static uint16
currency_or_error(const char *code, size_t len, int sqlstate)
{
	uint16		cur = currency_lookup(code, len);

	if (cur == CURRENCY_NONE)
	{
		char		q[48];

		pv_quote(code, len, q, sizeof(q));
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("unknown currency code \"%s\"", q),
				 errdetail("\"%s\" is not an ISO 4217 currency code with minor units.", q),
				 errhint("Use an ISO 4217 code such as USD, EUR or JPY; docs/types.md lists the codes procgov accepts.")));
	}
	return cur;
}

/*
 * A numeric value in major units to ten-thousandths, rounded half away from
 * zero; false when it is NaN, infinite or does not fit in 64 bits.  The
 * bounds are built once per backend.
 */
static bool
numeric_to_units(Numeric n, int64 *units)
{
	static Numeric scale = NULL,
				lo = NULL,
				hi = NULL;
	Datum		scaled;

	if (scale == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		scale = int64_numeric(AMOUNT_SCALE);
		lo = int64_numeric(PG_INT64_MIN);
		hi = int64_numeric(PG_INT64_MAX);
		MemoryContextSwitchTo(old);
	}
	if (numeric_is_nan(n))
		return false;
	scaled = DirectFunctionCall2(numeric_mul, NumericGetDatum(n), NumericGetDatum(scale));
	scaled = DirectFunctionCall2(numeric_round, scaled, Int32GetDatum(0));
	/* infinities compare beyond the bounds, so this also refuses them */
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, scaled, NumericGetDatum(hi))) > 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, scaled, NumericGetDatum(lo))) < 0)
		return false;
	*units = DatumGetInt64(DirectFunctionCall1(numeric_int8, scaled));
	return true;
}

/* An amount as numeric in major units, with the scale it prints with. */
static Numeric
amount_numeric(const Amount *a)
{
	static Numeric scale = NULL;
	Datum		v;

	if (scale == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		scale = int64_numeric(AMOUNT_SCALE);
		MemoryContextSwitchTo(old);
	}
	v = DirectFunctionCall2(numeric_div, NumericGetDatum(int64_numeric(a->units)),
							NumericGetDatum(scale));
	v = DirectFunctionCall2(numeric_round, v,
							Int32GetDatum(amount_print_decimals(a->units, a->cur)));
	return DatumGetNumeric(v);
}

Amount *
amount_from_cstring(const char *str)
{
	pv_error	err;
	int64		units;
	uint16		cur;

	if (!amount_parse(str, strlen(str), &units, &cur, &err))
		procgov_report(&err, NULL);
	return amount_new(units, cur);
}

/* Text input: the pure-C parser, with its failure reported softly where possible. */
PG_FUNCTION_INFO_V1(amount_in);
Datum
amount_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	pv_error	err;
	int64		units;
	uint16		cur;

	if (!amount_parse(str, strlen(str), &units, &cur, &err))
	{
		procgov_report(&err, PROCGOV_ESCONTEXT(fcinfo));
		PG_RETURN_NULL();
	}
	PG_RETURN_AMOUNT_P(amount_new(units, cur));
}

PG_FUNCTION_INFO_V1(amount_out);
Datum
amount_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(amount_to_cstring(PG_GETARG_AMOUNT_P(0)));
}

/* Binary form: int64 ten-thousandths, then the three ASCII letters of the code. */
PG_FUNCTION_INFO_V1(amount_recv);
Datum
amount_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		units = pq_getmsgint64(buf);
	const char *code = pq_getmsgbytes(buf, 3);

	PG_RETURN_AMOUNT_P(amount_new(units,
								  currency_or_error(code, 3, ERRCODE_INVALID_BINARY_REPRESENTATION)));
}

PG_FUNCTION_INFO_V1(amount_send);
Datum
amount_send(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	StringInfoData buf;
	char		code[4];

	currency_code(a->cur, code);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, a->units);
	pq_sendbytes(&buf, code, 3);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* procgov.amount(numeric, text): rounds half away from zero to 4 decimals. */
PG_FUNCTION_INFO_V1(amount_make);
Datum
amount_make(PG_FUNCTION_ARGS)
{
	Numeric		n = PG_GETARG_NUMERIC(0);
	text	   *code = PG_GETARG_TEXT_PP(1);
	uint16		cur = currency_or_error(VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code),
										ERRCODE_INVALID_PARAMETER_VALUE);
	int64		units;

	if (numeric_is_nan(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot make a procgov.amount from NaN"),
				 errhint("Pass a finite number.")));
	if (!numeric_to_units(n, &units))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range for type procgov.amount"),
				 errdetail("%s is outside the range -922337203685477.5808 to 922337203685477.5807.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)))),
				 errhint("Pass a finite value within that range.")));
	PG_RETURN_AMOUNT_P(amount_new(units, cur));
}

PG_FUNCTION_INFO_V1(amount_currency);
Datum
amount_currency(PG_FUNCTION_ARGS)
{
	char		code[4];

	currency_code(PG_GETARG_AMOUNT_P(0)->cur, code);
	PG_RETURN_TEXT_P(cstring_to_text(code));
}

PG_FUNCTION_INFO_V1(amount_value);
Datum
amount_value(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(amount_numeric(PG_GETARG_AMOUNT_P(0)));
}

/* Minor units of a currency code, for clients that format amounts themselves. */
PG_FUNCTION_INFO_V1(currency_minor_units_sql);
Datum
currency_minor_units_sql(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_TEXT_PP(0);
	uint16		cur = currency_or_error(VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code),
										ERRCODE_INVALID_PARAMETER_VALUE);

	PG_RETURN_INT32(currency_minor_units(cur));
}

/* ---- arithmetic ---- */

PG_FUNCTION_INFO_V1(amount_add);
Datum
amount_add(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);
	int64		r;

	amount_check_same_currency(a, b, "add");
	if (pg_add_s64_overflow(a->units, b->units, &r))
		amount_overflow("+", a, amount_to_cstring(b));
	PG_RETURN_AMOUNT_P(amount_new(r, a->cur));
}

PG_FUNCTION_INFO_V1(amount_sub);
Datum
amount_sub(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);
	int64		r;

	amount_check_same_currency(a, b, "subtract");
	if (pg_sub_s64_overflow(a->units, b->units, &r))
		amount_overflow("-", a, amount_to_cstring(b));
	PG_RETURN_AMOUNT_P(amount_new(r, a->cur));
}

PG_FUNCTION_INFO_V1(amount_neg);
Datum
amount_neg(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	if (a->units == PG_INT64_MIN)
		amount_overflow("-", a, NULL);
	PG_RETURN_AMOUNT_P(amount_new(-a->units, a->cur));
}

PG_FUNCTION_INFO_V1(amount_abs);
Datum
amount_abs(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	if (a->units == PG_INT64_MIN)
		amount_overflow("abs", a, NULL);
	PG_RETURN_AMOUNT_P(amount_new(a->units < 0 ? -a->units : a->units, a->cur));
}

/* Round to the currency's minor units (half away from zero). */
PG_FUNCTION_INFO_V1(amount_round);
Datum
amount_round(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int64		r;

	if (!amount_round_minor(a->units, a->cur, &r))
		amount_overflow("round", a, NULL);
	PG_RETURN_AMOUNT_P(amount_new(r, a->cur));
}

/* NaN, Infinity or -Infinity as printed, or NULL for a finite numeric. */
static const char *
numeric_nonfinite(Numeric n)
{
	char	   *s;

	if (numeric_is_nan(n))
		return "NaN";
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
	if (strcmp(s, "Infinity") == 0)
		return "Infinity";
	if (strcmp(s, "-Infinity") == 0)
		return "-Infinity";
	return NULL;
}

/* Multiply by an exact numeric factor, rounding the product to 4 decimals. */
static Amount *
amount_times_numeric(Amount *a, Numeric factor)
{
	const char *bad = numeric_nonfinite(factor);
	Datum		prod;
	int64		units;

	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot multiply procgov.amount by %s", bad),
				 errdetail("The amount is %s.", amount_to_cstring(a)),
				 errhint("Pass a finite factor.")));
	prod = DirectFunctionCall2(numeric_mul,
							   NumericGetDatum(int64_numeric(a->units)),
							   NumericGetDatum(factor));
	prod = DirectFunctionCall2(numeric_round, prod, Int32GetDatum(0));
	if (!numeric_to_units(DatumGetNumeric(DirectFunctionCall2(numeric_div, prod,
															  NumericGetDatum(int64_numeric(AMOUNT_SCALE)))),
						  &units))
		amount_overflow("*", a,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(factor))));
	return amount_new(units, a->cur);
}

PG_FUNCTION_INFO_V1(amount_mul_numeric);
Datum
amount_mul_numeric(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_times_numeric(PG_GETARG_AMOUNT_P(0), PG_GETARG_NUMERIC(1)));
}

PG_FUNCTION_INFO_V1(numeric_mul_amount);
Datum
numeric_mul_amount(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_times_numeric(PG_GETARG_AMOUNT_P(1), PG_GETARG_NUMERIC(0)));
}

/* Integer factors stay in 64-bit arithmetic. */
static Amount *
amount_times_int(Amount *a, int64 factor)
{
	int64		r;

	if (pg_mul_s64_overflow(a->units, factor, &r))
		amount_overflow("*", a, psprintf(INT64_FORMAT, factor));
	return amount_new(r, a->cur);
}

PG_FUNCTION_INFO_V1(amount_mul_int4);
Datum
amount_mul_int4(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_times_int(PG_GETARG_AMOUNT_P(0), PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(int4_mul_amount);
Datum
int4_mul_amount(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_times_int(PG_GETARG_AMOUNT_P(1), PG_GETARG_INT32(0)));
}

static void
division_by_zero(const Amount *a)
{
	ereport(ERROR,
			(errcode(ERRCODE_DIVISION_BY_ZERO),
			 errmsg("division by zero"),
			 errdetail("The dividend is %s.", amount_to_cstring(a))));
}

/* Divide by an integer, rounding half away from zero to 4 decimals. */
PG_FUNCTION_INFO_V1(amount_div_int4);
Datum
amount_div_int4(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int64		d = PG_GETARG_INT32(1);
	int64		q,
				r;

	if (d == 0)
		division_by_zero(a);
	if (d == -1 && a->units == PG_INT64_MIN)
		amount_overflow("/", a, "-1");
	q = a->units / d;
	r = a->units % d;
	if (r != 0 && (r < 0 ? -r : r) * 2 >= (d < 0 ? -d : d))
		q += ((a->units < 0) != (d < 0)) ? -1 : 1;
	PG_RETURN_AMOUNT_P(amount_new(q, a->cur));
}

/*
 * Divide by a numeric, rounding the exact quotient half away from zero to 4
 * decimals: the truncated quotient and the remainder are exact, so the
 * result is rounded once (numeric_div would round to its own scale first).
 */
PG_FUNCTION_INFO_V1(amount_div_numeric);
Datum
amount_div_numeric(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		d = PG_GETARG_NUMERIC(1);
	const char *bad = numeric_nonfinite(d);
	Datum		units_n,
				q,
				r;
	int64		units;

	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot divide procgov.amount by %s", bad),
				 errdetail("The amount is %s.", amount_to_cstring(a)),
				 errhint("Pass a finite divisor.")));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(d),
										  NumericGetDatum(int64_numeric(0)))) == 0)
		division_by_zero(a);
	units_n = NumericGetDatum(int64_numeric(a->units));
	q = DirectFunctionCall2(numeric_div_trunc, units_n, NumericGetDatum(d));
	r = DirectFunctionCall2(numeric_mod, units_n, NumericGetDatum(d));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  DirectFunctionCall2(numeric_mul, DirectFunctionCall1(numeric_abs, r),
															  NumericGetDatum(int64_numeric(2))),
										  DirectFunctionCall1(numeric_abs, NumericGetDatum(d)))) >= 0)
	{
		/* half or more of the divisor left over: away from zero, the quotient's sign */
		bool		negative = (a->units < 0) !=
			(DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(d),
											   NumericGetDatum(int64_numeric(0)))) < 0);

		q = DirectFunctionCall2(negative ? numeric_sub : numeric_add, q,
								NumericGetDatum(int64_numeric(1)));
	}
	if (!numeric_to_units(DatumGetNumeric(DirectFunctionCall2(numeric_div, q,
															  NumericGetDatum(int64_numeric(AMOUNT_SCALE)))),
						  &units))
		amount_overflow("/", a,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(d))));
	PG_RETURN_AMOUNT_P(amount_new(units, a->cur));
}

/* amount / amount in one currency: the ratio as numeric. */
PG_FUNCTION_INFO_V1(amount_div_amount);
Datum
amount_div_amount(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	amount_check_same_currency(a, b, "divide");
	if (b->units == 0)
		division_by_zero(a);
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										NumericGetDatum(int64_numeric(a->units)),
										NumericGetDatum(int64_numeric(b->units))));
}

/* ---- comparison ---- */

/* Total order for btree: currency first, then value.  Never raises. */
static inline int
amount_cmp_internal(const Amount *a, const Amount *b)
{
	if (a->cur != b->cur)
		return a->cur < b->cur ? -1 : 1;
	if (a->units != b->units)
		return a->units < b->units ? -1 : 1;
	return 0;
}

PG_FUNCTION_INFO_V1(amount_cmp);
Datum
amount_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)));
}

PG_FUNCTION_INFO_V1(amount_eq);
Datum
amount_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) == 0);
}

PG_FUNCTION_INFO_V1(amount_ne);
Datum
amount_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) != 0);
}

/* Ordering operators compare within one currency only. */
#define AMOUNT_ORDER_FN(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	Amount	   *a = PG_GETARG_AMOUNT_P(0); \
	Amount	   *b = PG_GETARG_AMOUNT_P(1); \
	amount_check_same_currency(a, b, "compare"); \
	PG_RETURN_BOOL(a->units test b->units); \
}

AMOUNT_ORDER_FN(amount_lt, <)
AMOUNT_ORDER_FN(amount_le, <=)
AMOUNT_ORDER_FN(amount_gt, >)
AMOUNT_ORDER_FN(amount_ge, >=)

/*
 * The total order as operators (~<~, ~<=~, ~>=~, ~>~): currency code, then
 * value, never raising.  They are the btree operator class's strategies, so
 * an index scan, a sort and a merge join agree with each other and with a
 * sequential scan using them.
 */
#define AMOUNT_TOTAL_FN(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) test 0); \
}

AMOUNT_TOTAL_FN(amount_total_lt, <)
AMOUNT_TOTAL_FN(amount_total_le, <=)
AMOUNT_TOTAL_FN(amount_total_gt, >)
AMOUNT_TOTAL_FN(amount_total_ge, >=)

/*
 * Selectivity of <, <=, > and >= (which raise across currencies): the
 * estimate of the total-order operator of the same name, so that planning
 * never calls a raising operator on statistics that hold other currencies
 * (which would refuse a query that filters by currency as well).
 */
static Oid
total_order_operator(Oid op)
{
	static Oid	cached_op = InvalidOid,
				cached_total = InvalidOid;
	HeapTuple	tup;
	Form_pg_operator form;
	char		name[8];
	List	   *qualified;

	if (op == cached_op)
		return cached_total;
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", op);
	form = (Form_pg_operator) GETSTRUCT(tup);
	snprintf(name, sizeof(name), "~%s~", NameStr(form->oprname));
	qualified = list_make2(makeString(get_namespace_name(form->oprnamespace)), makeString(name));
	cached_total = OpernameGetOprid(qualified, form->oprleft, form->oprright);
	ReleaseSysCache(tup);
	if (!OidIsValid(cached_total))
		elog(ERROR, "operator %s of procgov.amount is missing", name);
	cached_op = op;
	return cached_total;
}

#define AMOUNT_SEL_FN(name, builtin) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	return DirectFunctionCall4Coll(builtin, PG_GET_COLLATION(), PG_GETARG_DATUM(0), \
								   ObjectIdGetDatum(total_order_operator(PG_GETARG_OID(1))), \
								   PG_GETARG_DATUM(2), PG_GETARG_DATUM(3)); \
}

AMOUNT_SEL_FN(amount_ltsel, scalarltsel)
AMOUNT_SEL_FN(amount_lesel, scalarlesel)
AMOUNT_SEL_FN(amount_gtsel, scalargtsel)
AMOUNT_SEL_FN(amount_gesel, scalargesel)

/*
 * Hashes of the value and the currency together, as one 10-byte key, so
 * that the extended hash with seed 0 has the standard hash in its low 32
 * bits, as PostgreSQL expects of a hash operator class.
 */
static inline void
amount_hash_key(const Amount *a, unsigned char key[10])
{
	memcpy(key, &a->units, sizeof(a->units));
	memcpy(key + sizeof(a->units), &a->cur, sizeof(a->cur));
}

PG_FUNCTION_INFO_V1(amount_hash);
Datum
amount_hash(PG_FUNCTION_ARGS)
{
	unsigned char key[10];

	amount_hash_key(PG_GETARG_AMOUNT_P(0), key);
	return hash_any(key, sizeof(key));
}

PG_FUNCTION_INFO_V1(amount_hash_extended);
Datum
amount_hash_extended(PG_FUNCTION_ARGS)
{
	unsigned char key[10];

	amount_hash_key(PG_GETARG_AMOUNT_P(0), key);
	return hash_any_extended(key, sizeof(key), DatumGetUInt64(PG_GETARG_DATUM(1)));
}

/* Distance between two amounts for GiST penalties on procgov.amountrange. */
PG_FUNCTION_INFO_V1(amount_subdiff);
Datum
amount_subdiff(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	/* currencies lie 2e15 major units apart, beyond any value's range */
	PG_RETURN_FLOAT8(((double) a->cur - (double) b->cur) * 2e15 +
					 ((double) a->units - (double) b->units) / (double) AMOUNT_SCALE);
}

/* ---- aggregates ---- */

/*
 * sum() transition and combine function.  Called as an aggregate, the state
 * is the aggregate's own copy (strict, no initial value), so it is updated in
 * place instead of allocating a new amount per row.
 */
PG_FUNCTION_INFO_V1(amount_sum_accum);
Datum
amount_sum_accum(PG_FUNCTION_ARGS)
{
	Amount	   *state = PG_GETARG_AMOUNT_P(0);
	Amount	   *v = PG_GETARG_AMOUNT_P(1);
	int64		r;

	if (unlikely(state->cur != v->cur))
	{
		char		ca[4],
					cb[4];

		currency_code(state->cur, ca);
		currency_code(v->cur, cb);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot aggregate amounts in different currencies"),
				 errdetail("The input holds amounts in both %s and %s.", ca, cb),
				 errhint("Group by procgov.currency(...), or convert to one currency first.")));
	}
	if (unlikely(pg_add_s64_overflow(state->units, v->units, &r)))
		amount_overflow("+", state, amount_to_cstring(v));
	if (AggCheckCallContext(fcinfo, NULL))
	{
		state->units = r;
		PG_RETURN_AMOUNT_P(state);
	}
	PG_RETURN_AMOUNT_P(amount_new(r, state->cur));
}

/* min() and max(): return one of the inputs, refusing mixed currencies. */
PG_FUNCTION_INFO_V1(amount_smaller);
Datum
amount_smaller(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	amount_check_same_currency(a, b, "compare");
	PG_RETURN_AMOUNT_P(b->units < a->units ? b : a);
}

PG_FUNCTION_INFO_V1(amount_larger);
Datum
amount_larger(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	amount_check_same_currency(a, b, "compare");
	PG_RETURN_AMOUNT_P(b->units > a->units ? b : a);
}

/* avg() state: running sum, count and currency; internal, serialisable. */
typedef struct AmountAvgState
{
	int64		sum;
	int64		count;
	uint16		cur;
} AmountAvgState;

static AmountAvgState *
avg_state(FunctionCallInfo fcinfo, int argno)
{
	MemoryContext aggcontext;
	AmountAvgState *st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "procgov.amount avg function called in non-aggregate context");
	if (!PG_ARGISNULL(argno))
		return (AmountAvgState *) PG_GETARG_POINTER(argno);
	st = (AmountAvgState *) MemoryContextAllocZero(aggcontext, sizeof(AmountAvgState));
	st->cur = CURRENCY_NONE;
	return st;
}

/* Fold n values summing to (sum, cur) into the state. */
static void
avg_add(AmountAvgState *st, int64 sum, int64 count, uint16 cur)
{
	if (count == 0)
		return;
	if (st->count > 0 && st->cur != cur)
	{
		char		ca[4],
					cb[4];

		currency_code(st->cur, ca);
		currency_code(cur, cb);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot aggregate amounts in different currencies"),
				 errdetail("The input holds amounts in both %s and %s.", ca, cb),
				 errhint("Group by procgov.currency(...), or convert to one currency first.")));
	}
	if (pg_add_s64_overflow(st->sum, sum, &st->sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("procgov.amount out of range"),
				 errdetail("The running total of avg() passes 922337203685477.5807.")));
	st->count += count;
	st->cur = cur;
}

PG_FUNCTION_INFO_V1(amount_avg_accum);
Datum
amount_avg_accum(PG_FUNCTION_ARGS)
{
	AmountAvgState *st = avg_state(fcinfo, 0);

	if (!PG_ARGISNULL(1))
	{
		Amount	   *v = PG_GETARG_AMOUNT_P(1);

		avg_add(st, v->units, 1, v->cur);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(amount_avg_combine);
Datum
amount_avg_combine(PG_FUNCTION_ARGS)
{
	AmountAvgState *st = avg_state(fcinfo, 0);

	if (!PG_ARGISNULL(1))
	{
		AmountAvgState *other = (AmountAvgState *) PG_GETARG_POINTER(1);

		avg_add(st, other->sum, other->count, other->cur);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(amount_avg_serialize);
Datum
amount_avg_serialize(PG_FUNCTION_ARGS)
{
	AmountAvgState *st = (AmountAvgState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->sum);
	pq_sendint64(&buf, st->count);
	pq_sendint16(&buf, st->cur);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(amount_avg_deserialize);
Datum
amount_avg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext;
	AmountAvgState *st;
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "procgov.amount avg function called in non-aggregate context");
	st = (AmountAvgState *) MemoryContextAllocZero(aggcontext, sizeof(AmountAvgState));
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	st->sum = pq_getmsgint64(&buf);
	st->count = pq_getmsgint64(&buf);
	st->cur = (uint16) pq_getmsgint(&buf, 2);
	pq_getmsgend(&buf);
	pfree(buf.data);
	PG_RETURN_POINTER(st);
}

/* The mean, rounded half away from zero to 4 decimals; NULL for no rows. */
PG_FUNCTION_INFO_V1(amount_avg_final);
Datum
amount_avg_final(PG_FUNCTION_ARGS)
{
	AmountAvgState *st;
	int64		q,
				r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (AmountAvgState *) PG_GETARG_POINTER(0);
	if (st->count == 0)
		PG_RETURN_NULL();
	q = st->sum / st->count;
	r = st->sum % st->count;
	if (r != 0 && (uint64) (r < 0 ? -r : r) * 2 >= (uint64) st->count)
		q += st->sum < 0 ? -1 : 1;
	PG_RETURN_AMOUNT_P(amount_new(q, st->cur));
}
