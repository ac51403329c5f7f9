/*-------------------------------------------------------------------------
 * src/amount_core.h
 *		Money with an ISO 4217 currency: representation, parser and printer,
 *		in pure C (no PostgreSQL headers) so they can be fuzzed alone.
 *
 * An amount is a signed 64-bit count of ten-thousandths of the currency's
 * major unit plus the currency, packed as a number in 0..17575 computed from
 * its three letters (AAA = 0, ZZZ = 17575); the packing is stable on disk
 * whatever the currency table says.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_AMOUNT_CORE_H
#define PROCGOV_AMOUNT_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

#define AMOUNT_DECIMALS		4
#define AMOUNT_SCALE		INT64_C(10000)
#define CURRENCY_NONE		UINT16_MAX

/* Longest text form: sign, 15 integer digits, point, 4 decimals, space, code. */
#define AMOUNT_TEXT_MAX		32

/* Pack a three-letter code (any case); CURRENCY_NONE unless it is in ISO 4217. */
extern uint16_t currency_lookup(const char *code, size_t len);

/* Decimal places the currency prints with (JPY 0, USD 2, BHD 3); -1 if unknown. */
extern int	currency_minor_units(uint16_t cur);

/* Write the upper-case three-letter code and a NUL into out[4]. */
extern void currency_code(uint16_t cur, char out[4]);

/*
 * Parse "1234.56 USD" (optional sign, at most 4 decimals, optional blanks
 * around the number and the code) into units and currency.
 */
extern bool amount_parse(const char *in, size_t len, int64_t *units,
						 uint16_t *cur, pv_error *err);

/* Decimals the text form shows: the minor units, or more if the value has them. */
extern int	amount_print_decimals(int64_t units, uint16_t cur);

/*
 * Print with the currency's minor units, and more decimals only when the
 * value carries them, so that the text form always reads back unchanged.
 * Returns the length written (buf needs AMOUNT_TEXT_MAX bytes).
 */
extern int	amount_format(int64_t units, uint16_t cur, char *buf);

/* Round to the currency's minor units, half away from zero; false on overflow. */
extern bool amount_round_minor(int64_t units, uint16_t cur, int64_t *result);

#endif							/* PROCGOV_AMOUNT_CORE_H */
