/*-------------------------------------------------------------------------
 * src/tolerance.c
 *		procgov.tolerance and the tolerance band over procgov.amountrange.
 *
 * procgov.within(actual, expected, tol) answers one comparison;
 * procgov.band(expected, tol) turns the same rule into a range so that
 * "which expected amounts could this amount match" is a GiST index lookup:
 * WHERE procgov.band(expected, tol) @> actual.
 *-------------------------------------------------------------------------
 */
#include "amount.h"
#include "tolerance_core.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rangetypes.h"
#include "utils/syscache.h"

#define DatumGetToleranceP(X)		((tolerance_t *) DatumGetPointer(X))
#define PG_GETARG_TOLERANCE_P(n)	DatumGetToleranceP(PG_GETARG_DATUM(n))

PG_FUNCTION_INFO_V1(tolerance_in);
Datum
tolerance_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	tolerance_t *t = palloc0(sizeof(tolerance_t));
	pv_error	err;

	if (!tolerance_parse(str, strlen(str), t, &err))
	{
		procgov_report(&err, PROCGOV_ESCONTEXT(fcinfo));
		PG_RETURN_NULL();
	}
	PG_RETURN_POINTER(t);
}

PG_FUNCTION_INFO_V1(tolerance_out);
Datum
tolerance_out(PG_FUNCTION_ARGS)
{
	char	   *buf = palloc(TOL_TEXT_MAX);

	tolerance_format(PG_GETARG_TOLERANCE_P(0), buf);
	PG_RETURN_CSTRING(buf);
}

/*
 * Binary form is the text form: a tolerance is small and rarely sent, and
 * the text parser is the one validation path.
 */
PG_FUNCTION_INFO_V1(tolerance_recv);
Datum
tolerance_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	tolerance_t *t = palloc0(sizeof(tolerance_t));
	pv_error	err;

	if (!tolerance_parse(str, (size_t) nbytes, t, &err))
		procgov_report_binary(&err, "procgov.tolerance");
	PG_RETURN_POINTER(t);
}

PG_FUNCTION_INFO_V1(tolerance_send);
Datum
tolerance_send(PG_FUNCTION_ARGS)
{
	char		text[TOL_TEXT_MAX];
	int			n = tolerance_format(PG_GETARG_TOLERANCE_P(0), text);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, text, n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static bool
tolerance_equal(const tolerance_t *a, const tolerance_t *b)
{
	return a->kind == b->kind && a->pct == b->pct &&
		a->abs_units == b->abs_units && a->cur == b->cur;
}

PG_FUNCTION_INFO_V1(tolerance_eq);
Datum
tolerance_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tolerance_equal(PG_GETARG_TOLERANCE_P(0), PG_GETARG_TOLERANCE_P(1)));
}

PG_FUNCTION_INFO_V1(tolerance_ne);
Datum
tolerance_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!tolerance_equal(PG_GETARG_TOLERANCE_P(0), PG_GETARG_TOLERANCE_P(1)));
}

/* Hash the fields that equality compares (never the padding). */
static uint64
tolerance_hash_internal(const tolerance_t *t, uint64 seed)
{
	int64		key[2];

	key[0] = t->abs_units;
	key[1] = ((int64) t->pct << 24) | ((int64) t->cur << 8) | t->kind;
	return DatumGetUInt64(hash_any_extended((const unsigned char *) key, sizeof(key), seed));
}

PG_FUNCTION_INFO_V1(tolerance_hash);
Datum
tolerance_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_UINT32((uint32) tolerance_hash_internal(PG_GETARG_TOLERANCE_P(0), 0));
}

PG_FUNCTION_INFO_V1(tolerance_hash_extended);
Datum
tolerance_hash_extended(PG_FUNCTION_ARGS)
{
	PG_RETURN_UINT64(tolerance_hash_internal(PG_GETARG_TOLERANCE_P(0),
											 DatumGetUInt64(PG_GETARG_DATUM(1))));
}

/* Allowance around expected, raising 22023 for a tolerance in another currency. */
static uint64
allowance_or_error(const tolerance_t *t, const Amount *expected)
{
	uint64		allow;
	pv_error	err;

	if (!tolerance_allowance(t, expected->units, expected->cur, &allow, &err))
		procgov_report(&err, NULL);
	return allow;
}

/* procgov.within(actual, expected, tol): is actual close enough to expected? */
PG_FUNCTION_INFO_V1(tolerance_within_sql);
Datum
tolerance_within_sql(PG_FUNCTION_ARGS)
{
	Amount	   *actual = PG_GETARG_AMOUNT_P(0);
	Amount	   *expected = PG_GETARG_AMOUNT_P(1);
	tolerance_t *t = PG_GETARG_TOLERANCE_P(2);

	amount_check_same_currency(actual, expected, "match");
	PG_RETURN_BOOL(tolerance_within(actual->units, expected->units,
									allowance_or_error(t, expected)));
}

/* procgov.allowance(expected, tol): the deviation the tolerance allows. */
PG_FUNCTION_INFO_V1(tolerance_allowance_sql);
Datum
tolerance_allowance_sql(PG_FUNCTION_ARGS)
{
	Amount	   *expected = PG_GETARG_AMOUNT_P(0);
	uint64		allow = allowance_or_error(PG_GETARG_TOLERANCE_P(1), expected);

	PG_RETURN_AMOUNT_P(amount_new(allow > (uint64) PG_INT64_MAX ? PG_INT64_MAX : (int64) allow,
								  expected->cur));
}

/*
 * The range type cache entry of procgov.amountrange.  range_get_typcache
 * keeps it in fn_extra; the first call finds the type from the call's
 * declared result type, or from the catalog when the executor gives none.
 */
static TypeCacheEntry *
amountrange_typcache(FunctionCallInfo fcinfo)
{
	Oid			typid;

	if (fcinfo->flinfo->fn_extra != NULL)
		return (TypeCacheEntry *) fcinfo->flinfo->fn_extra;
	typid = get_fn_expr_rettype(fcinfo->flinfo);
	if (!OidIsValid(typid))
		typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum("amountrange"),
								ObjectIdGetDatum(get_namespace_oid("procgov", false)));
	if (!OidIsValid(typid))
		elog(ERROR, "type procgov.amountrange does not exist");
	return range_get_typcache(fcinfo, typid);
}

/* procgov.band(expected, tol): the closed range of amounts that match expected. */
PG_FUNCTION_INFO_V1(tolerance_band_sql);
Datum
tolerance_band_sql(PG_FUNCTION_ARGS)
{
	Amount	   *expected = PG_GETARG_AMOUNT_P(0);
	uint64		allow = allowance_or_error(PG_GETARG_TOLERANCE_P(1), expected);
	TypeCacheEntry *typcache = amountrange_typcache(fcinfo);
	RangeBound	lower,
				upper;
	int64		lo,
				hi;

	tolerance_band(expected->units, allow, &lo, &hi);
	lower.val = AmountPGetDatum(amount_new(lo, expected->cur));
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = AmountPGetDatum(amount_new(hi, expected->cur));
	upper.infinite = false;
	upper.inclusive = true;
	upper.lower = false;
#if PG_VERSION_NUM >= 160000
	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false, NULL));
#else
	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
#endif
}

/*
 * The canonical function of procgov.amountrange: a bound left open takes
 * the other bound's currency, so '(,100 USD]' holds USD amounts up to 100
 * and no amount of another currency (in the btree order EUR sorts before
 * USD, so the open range would otherwise contain every EUR amount).  A
 * range open at both ends, and one whose bounds are in two currencies
 * (which GiST builds when it unions the keys of an index holding several
 * currencies), stay as they are.
 */
PG_FUNCTION_INFO_V1(amountrange_canonical);
Datum
amountrange_canonical(PG_FUNCTION_ARGS)
{
	RangeType  *r = PG_GETARG_RANGE_P(0);
	TypeCacheEntry *typcache = range_get_typcache(fcinfo, RangeTypeGetOid(r));
	RangeBound	lower,
				upper;
	bool		empty;

	range_deserialize(typcache, r, &lower, &upper, &empty);
	if (empty || lower.infinite == upper.infinite)
		PG_RETURN_RANGE_P(r);
	if (lower.infinite)
	{
		lower.val = AmountPGetDatum(amount_new(PG_INT64_MIN, DatumGetAmountP(upper.val)->cur));
		lower.infinite = false;
		lower.inclusive = true;
	}
	else
	{
		upper.val = AmountPGetDatum(amount_new(PG_INT64_MAX, DatumGetAmountP(lower.val)->cur));
		upper.infinite = false;
		upper.inclusive = true;
	}
#if PG_VERSION_NUM >= 160000
	PG_RETURN_RANGE_P(range_serialize(typcache, &lower, &upper, false, NULL));
#else
	PG_RETURN_RANGE_P(range_serialize(typcache, &lower, &upper, false));
#endif
}
