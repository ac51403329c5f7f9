/*-------------------------------------------------------------------------
 * src/parse.h
 *		Result type shared by procgov's pure-C parsers.
 *
 * Files that include this header include no PostgreSQL header, so the
 * parsers can be unit-tested and fuzzed on their own.  The PostgreSQL glue
 * turns a pv_error into an ereport() with the matching SQLSTATE.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_PARSE_H
#define PROCGOV_PARSE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* What went wrong; the glue maps each onto one SQLSTATE. */
typedef enum pv_status
{
	PV_OK = 0,
	PV_MALFORMED,				/* 22P02 invalid_text_representation */
	PV_OUT_OF_RANGE,			/* 22003 numeric_value_out_of_range */
	PV_BAD_PARAMETER			/* 22023 invalid_parameter_value */
} pv_status;

typedef struct pv_error
{
	pv_status	status;
	char		message[128];	/* lower case, no final period */
	char		detail[256];	/* full sentence naming the bad part */
	char		hint[256];		/* full sentence saying what to do */
} pv_error;

/* Record a failure in *err (which may be NULL) and return 0. */
extern int	pv_fail(pv_error *err, pv_status status, const char *message,
					const char *hint, const char *detail_fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 5, 6)))
#endif
			;

/* Quote at most a short prefix of untrusted input into buf, for messages. */
extern const char *pv_quote(const char *in, size_t len, char *buf, size_t buflen);

#endif							/* PROCGOV_PARSE_H */
