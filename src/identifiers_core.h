/*-------------------------------------------------------------------------
 * src/identifiers_core.h
 *		IBAN (ISO 13616) and GTIN (GS1) parsers, validators and printers in
 *		pure C (no PostgreSQL headers) so they can be fuzzed and unit-tested
 *		alone.
 *
 * An IBAN is kept in its electronic form: upper-case letters and digits, no
 * blanks, at most 34 characters.  A GTIN (GTIN-8, -12, -13 or -14) is kept
 * as the number its 14-digit zero-padded form spells, 0 to 99999999999999.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_IDENTIFIERS_CORE_H
#define PROCGOV_IDENTIFIERS_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

/* Longest IBAN (ISO 13616), and its print form: groups of 4, NUL included. */
#define IBAN_MAX_LEN		34
#define IBAN_PRINT_MAX		(IBAN_MAX_LEN + (IBAN_MAX_LEN - 1) / 4 + 1)

/* Number of countries in the embedded SWIFT IBAN registry table. */
#define IBAN_COUNTRIES		89

/* Digits of the stored GTIN form and its largest value. */
#define GTIN_DIGITS			14
#define GTIN_MAX			INT64_C(99999999999999)

/*
 * IBAN length of a registry country given as two upper-case letters, or 0
 * when the code is not in the SWIFT IBAN registry.
 */
extern int	iban_country_length(const char *cc);

/* The i-th registry country (0 <= i < IBAN_COUNTRIES): code into cc[3], length returned. */
extern int	iban_country_at(int i, char cc[3]);

/*
 * ISO 7064 mod-97-10 remainder of a compact IBAN (first four characters
 * moved to the end, letters A=10..Z=35); a valid IBAN gives 1.  The input
 * must be upper-case letters and digits.
 */
extern int	iban_mod97(const char *iban, size_t len);

/*
 * Parse an IBAN typed with blanks (spaces, tabs) anywhere and in any case;
 * on success write the compact upper-case form and a NUL into
 * out[IBAN_MAX_LEN + 1] and its length into *outlen.  Validates country,
 * length, check digits and the mod-97 checksum.
 */
extern bool iban_parse(const char *in, size_t len, char *out, size_t *outlen,
					   pv_error *err);

/*
 * Write a compact IBAN in its print form, groups of four separated by one
 * space, into out[IBAN_PRINT_MAX]; returns the length written.
 */
extern size_t iban_format_print(const char *iban, size_t len, char *out);

/*
 * Parse a GTIN-8, -12, -13 or -14 typed with optional blanks or hyphens
 * between digits; on success *value is the 14-digit zero-padded number.
 * Validates the GS1 mod-10 check digit.
 */
extern bool gtin_parse(const char *in, size_t len, uint64_t *value, pv_error *err);

/* The GS1 check digit the first 13 digits of a 14-digit GTIN value call for. */
extern int	gtin_check_digit(uint64_t value);

/*
 * Validate a GTIN given as a number (casts from bigint, binary input): range
 * 0..GTIN_MAX (PV_OUT_OF_RANGE) and check digit (PV_BAD_PARAMETER).
 */
extern bool gtin_validate(int64_t value, pv_error *err);

/*
 * Write the GTIN with ndigits digits (8, 12, 13 or 14) and a NUL into
 * out[GTIN_DIGITS + 1]; false when it does not fit, that is when a digit
 * that would be dropped is not zero, or ndigits is not a GTIN length.
 */
extern bool gtin_format(uint64_t value, int ndigits, char *out);

#endif							/* PROCGOV_IDENTIFIERS_CORE_H */
