/*-------------------------------------------------------------------------
 * src/amount.h
 *		procgov.amount as PostgreSQL sees it: a 16-byte fixed-length,
 *		pass-by-reference value shared with tolerance.c.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_AMOUNT_H
#define PROCGOV_AMOUNT_H

#include "procgov.h"
#include "amount_core.h"

typedef struct Amount
{
	int64		units;			/* ten-thousandths of the major unit */
	uint16		cur;			/* packed ISO 4217 code, see amount_core.h */
	uint16		pad16;			/* always zero */
	uint32		pad32;			/* always zero */
} Amount;

#define DatumGetAmountP(X)		((Amount *) DatumGetPointer(X))
#define AmountPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_AMOUNT_P(n)	DatumGetAmountP(PG_GETARG_DATUM(n))
#define PG_RETURN_AMOUNT_P(x)	return AmountPGetDatum(x)

/* A new zero-padded amount. */
extern Amount *amount_new(int64 units, uint16 cur);

/* An amount from its text form, or the input error amount_in raises. */
extern Amount *amount_from_cstring(const char *str);

/* Text form of an amount, palloc'd, for messages. */
extern char *amount_to_cstring(const Amount *a);

/* Raise 22023 when two amounts are in different currencies. */
extern void amount_check_same_currency(const Amount *a, const Amount *b,
									   const char *what);

/* SQL-callable functions other parts call with DirectFunctionCall (as the operators behave) */
extern PGDLLEXPORT Datum amount_sub(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum amount_gt(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum amount_currency(PG_FUNCTION_ARGS);

#endif							/* PROCGOV_AMOUNT_H */
