/*-------------------------------------------------------------------------
 * src/identifiers.c
 *		procgov.iban and procgov.gtin: bank account and trade item
 *		identifiers that cannot hold a mistyped value.
 *
 * procgov.iban is a varlena holding the IBAN's electronic form (upper-case
 * letters and digits, like text); procgov.gtin is an 8-byte integer, the
 * 14-digit form of a GTIN-8, -12, -13 or -14.  Text input, binary input and
 * the casts all validate through the pure-C parsers in identifiers_core.c.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"
#include "identifiers_core.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

/* ===================================================================
 * procgov.iban
 * =================================================================== */

/*
 * The one validation path for IBANs (text input, binary input, cast from
 * text): parse and normalise, then build the varlena.  Returns NULL after a
 * soft error, which only text input asks for.
 */
static text *
iban_make(const char *str, size_t len, Node *escontext, bool binary)
{
	char		compact[IBAN_MAX_LEN + 1];
	size_t		n;
	pv_error	err;

	if (!iban_parse(str, len, compact, &n, &err))
	{
		if (binary)
			procgov_report_binary(&err, "procgov.iban");
		procgov_report(&err, escontext);
		return NULL;
	}
	return cstring_to_text_with_len(compact, (int) n);
}

/* Text input: blanks and lower case allowed, stored compact and upper case. */
PG_FUNCTION_INFO_V1(iban_in);
Datum
iban_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	text	   *result = iban_make(str, strlen(str), PROCGOV_ESCONTEXT(fcinfo), false);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/* Text output: the electronic form, no blanks. */
PG_FUNCTION_INFO_V1(iban_out);
Datum
iban_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

/* Binary input: the characters as text_recv reads them, validated like text input. */
PG_FUNCTION_INFO_V1(iban_recv);
Datum
iban_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_TEXT_P(iban_make(str, (size_t) nbytes, NULL, true));
}

/* Binary output: the electronic form as text_send writes it. */
PG_FUNCTION_INFO_V1(iban_send);
Datum
iban_send(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast text to procgov.iban: validates and normalises like text input. */
PG_FUNCTION_INFO_V1(iban_from_text);
Datum
iban_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(iban_make(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), NULL, false));
}

/* Byte order of the electronic forms, shorter first on a tie: the C collation of text. */
static int
iban_cmp_internal(const text *a, const text *b)
{
	int			la = VARSIZE_ANY_EXHDR(a),
				lb = VARSIZE_ANY_EXHDR(b);
	int			r = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (la > lb) - (la < lb);
}

/* Shared body of the comparison functions: compare, free detoasted copies, return. */
#define IBAN_COMPARE(fname, expr) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	text	   *a = PG_GETARG_TEXT_PP(0); \
	text	   *b = PG_GETARG_TEXT_PP(1); \
	int			c = iban_cmp_internal(a, b); \
\
	PG_FREE_IF_COPY(a, 0); \
	PG_FREE_IF_COPY(b, 1); \
	expr; \
}

/* = <> < <= > >= and the btree support function, all from iban_cmp_internal. */
IBAN_COMPARE(iban_eq, PG_RETURN_BOOL(c == 0))
IBAN_COMPARE(iban_ne, PG_RETURN_BOOL(c != 0))
IBAN_COMPARE(iban_lt, PG_RETURN_BOOL(c < 0))
IBAN_COMPARE(iban_le, PG_RETURN_BOOL(c <= 0))
IBAN_COMPARE(iban_gt, PG_RETURN_BOOL(c > 0))
IBAN_COMPARE(iban_ge, PG_RETURN_BOOL(c >= 0))
IBAN_COMPARE(iban_cmp, PG_RETURN_INT32(c))

/* Hash support 1: hash_any over the electronic form, as for text. */
PG_FUNCTION_INFO_V1(iban_hash);
Datum
iban_hash(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	Datum		h = hash_any((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	PG_FREE_IF_COPY(t, 0);
	return h;
}

/* Hash support 2: the seeded 64-bit hash that hash partitioning needs. */
PG_FUNCTION_INFO_V1(iban_hash_extended);
Datum
iban_hash_extended(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	Datum		h = hash_any_extended((const unsigned char *) VARDATA_ANY(t),
									  VARSIZE_ANY_EXHDR(t), (uint64) PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(t, 0);
	return h;
}

/* The two-letter ISO 3166 country code an IBAN starts with. */
PG_FUNCTION_INFO_V1(iban_country);
Datum
iban_country(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	if (VARSIZE_ANY_EXHDR(t) < 2)
		elog(ERROR, "corrupt procgov.iban value of length %d", (int) VARSIZE_ANY_EXHDR(t));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(t), 2));
}

/* The print form: groups of four characters separated by one space. */
PG_FUNCTION_INFO_V1(iban_format);
Datum
iban_format(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		buf[IBAN_PRINT_MAX];
	size_t		n = iban_format_print(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), buf);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) n));
}

/* ===================================================================
 * procgov.gtin
 * =================================================================== */

/* Text input: 8, 12, 13 or 14 digits, blanks or hyphens between them. */
PG_FUNCTION_INFO_V1(gtin_in);
Datum
gtin_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	uint64_t	v;
	pv_error	err;

	if (!gtin_parse(str, strlen(str), &v, &err))
	{
		procgov_report(&err, PROCGOV_ESCONTEXT(fcinfo));
		PG_RETURN_NULL();
	}
	PG_RETURN_INT64((int64) v);
}

/* The 14-digit form in a palloc'd string; a stored value out of range is corruption. */
static char *
gtin_to_cstring(int64 v)
{
	char	   *buf = palloc(GTIN_DIGITS + 1);

	if (v < 0 || !gtin_format((uint64_t) v, GTIN_DIGITS, buf))
		elog(ERROR, "corrupt procgov.gtin value " INT64_FORMAT, v);
	return buf;
}

/* Text output: always exactly 14 digits. */
PG_FUNCTION_INFO_V1(gtin_out);
Datum
gtin_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(gtin_to_cstring(PG_GETARG_INT64(0)));
}

/* Binary input: an int8, checked for range and check digit like the bigint cast. */
PG_FUNCTION_INFO_V1(gtin_recv);
Datum
gtin_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		v = pq_getmsgint64(buf);
	pv_error	err;

	if (!gtin_validate(v, &err))
		procgov_report_binary(&err, "procgov.gtin");
	PG_RETURN_INT64(v);
}

/* Binary output: the value as an int8. */
PG_FUNCTION_INFO_V1(gtin_send);
Datum
gtin_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, PG_GETARG_INT64(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast bigint to procgov.gtin: 22003 outside 0..99999999999999, 22023 for a wrong check digit. */
PG_FUNCTION_INFO_V1(gtin_from_int8);
Datum
gtin_from_int8(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	pv_error	err;

	if (!gtin_validate(v, &err))
		procgov_report(&err, NULL);
	PG_RETURN_INT64(v);
}

/* Cast text to procgov.gtin: validates like text input. */
PG_FUNCTION_INFO_V1(gtin_from_text);
Datum
gtin_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint64_t	v;
	pv_error	err;

	if (!gtin_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &v, &err))
		procgov_report(&err, NULL);
	PG_RETURN_INT64((int64) v);
}

/* Shared body of the comparison functions on the 14-digit value. */
#define GTIN_COMPARE(fname, expr) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	int64		a = PG_GETARG_INT64(0); \
	int64		b = PG_GETARG_INT64(1); \
\
	expr; \
}

/* = <> < <= > >= and the btree support function: numeric order is 14-digit text order. */
GTIN_COMPARE(gtin_eq, PG_RETURN_BOOL(a == b))
GTIN_COMPARE(gtin_ne, PG_RETURN_BOOL(a != b))
GTIN_COMPARE(gtin_lt, PG_RETURN_BOOL(a < b))
GTIN_COMPARE(gtin_le, PG_RETURN_BOOL(a <= b))
GTIN_COMPARE(gtin_gt, PG_RETURN_BOOL(a > b))
GTIN_COMPARE(gtin_ge, PG_RETURN_BOOL(a >= b))
GTIN_COMPARE(gtin_cmp, PG_RETURN_INT32((a > b) - (a < b)))

/* Hash support 1: the int8 hash, so a GTIN hashes like its bigint value. */
PG_FUNCTION_INFO_V1(gtin_hash);
Datum
gtin_hash(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(hashint8, PG_GETARG_DATUM(0));
}

/* Hash support 2: the seeded 64-bit int8 hash. */
PG_FUNCTION_INFO_V1(gtin_hash_extended);
Datum
gtin_hash_extended(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2(hashint8extended, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

/*
 * The GTIN written with 8, 12, 13 or 14 digits; NULL when a leading digit
 * that would be dropped is not zero.  Any other digit count is 22023.
 */
static Datum
gtin_short_form(FunctionCallInfo fcinfo, int64 v, int32 ndigits)
{
	char		buf[GTIN_DIGITS + 1];

	if (ndigits != 8 && ndigits != 12 && ndigits != 13 && ndigits != 14)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of digits for a GTIN: %d", ndigits),
				 errdetail("A GTIN is written with 8, 12, 13 or 14 digits."),
				 errhint("Pass 8, 12, 13 or 14 as the number of digits.")));
	if (v < 0 || !gtin_format((uint64_t) v, ndigits, buf))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* procgov.gtin_format(gtin, digits): the GTIN-8, -12, -13 or -14 spelling. */
PG_FUNCTION_INFO_V1(gtin_format_sql);
Datum
gtin_format_sql(PG_FUNCTION_ARGS)
{
	return gtin_short_form(fcinfo, PG_GETARG_INT64(0), PG_GETARG_INT32(1));
}

/* procgov.gtin13(gtin): the EAN-13 spelling, NULL for a GTIN-14 with indicator 1-9. */
PG_FUNCTION_INFO_V1(gtin13);
Datum
gtin13(PG_FUNCTION_ARGS)
{
	return gtin_short_form(fcinfo, PG_GETARG_INT64(0), 13);
}
