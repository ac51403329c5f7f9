/*-------------------------------------------------------------------------
 * src/tolerance_core.h
 *		Match tolerances in pure C (no PostgreSQL headers): "2%",
 *		"5.00 USD", "2% or 5.00 USD" (the looser), "2% and 5.00 USD" (the
 *		stricter), "0" (exact).
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_TOLERANCE_CORE_H
#define PROCGOV_TOLERANCE_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "amount_core.h"
#include "parse.h"

typedef enum tol_kind
{
	TOL_EXACT = 0,
	TOL_PERCENT = 1,
	TOL_ABSOLUTE = 2,
	TOL_EITHER = 3,				/* percent or absolute: the looser */
	TOL_BOTH = 4				/* percent and absolute: the stricter */
} tol_kind;

/* Percentages are kept in millionths (1% = 10000, so 4 decimals of a percent). */
#define TOL_PCT_SCALE		10000
#define TOL_PCT_MAX			(1000 * TOL_PCT_SCALE)	/* 1000% */
#define TOL_TEXT_MAX		(AMOUNT_TEXT_MAX + 32)

typedef struct tolerance_t
{
	int64_t		abs_units;		/* absolute part, ten-thousandths */
	int32_t		pct;			/* percent part, 1/10000 of a percent */
	uint16_t	cur;			/* currency of the absolute part */
	uint8_t		kind;			/* tol_kind */
	uint8_t		pad;			/* always zero */
} tolerance_t;

extern bool tolerance_parse(const char *in, size_t len, tolerance_t *t, pv_error *err);

/* Canonical text form; returns its length (buf needs TOL_TEXT_MAX bytes). */
extern int	tolerance_format(const tolerance_t *t, char *buf);

/*
 * The deviation allowed around an expected amount, in ten-thousandths
 * (saturating at UINT64_MAX).  Fails when the absolute part is in another
 * currency than the expected amount.
 */
extern bool tolerance_allowance(const tolerance_t *t, int64_t expected, uint16_t cur,
								uint64_t *allow, pv_error *err);

/* Is |actual - expected| within the allowance?  Exact in 64-bit arithmetic. */
extern bool tolerance_within(int64_t actual, int64_t expected, uint64_t allow);

/* The closed band [expected - allow, expected + allow], clamped to the int64 range. */
extern void tolerance_band(int64_t expected, uint64_t allow, int64_t *lo, int64_t *hi);

#endif							/* PROCGOV_TOLERANCE_CORE_H */
