/*-------------------------------------------------------------------------
 * test/fuzz/fuzz_tolerance.c
 *		libFuzzer harness for the procgov.tolerance parser and arithmetic.
 *
 * Properties: a refusal explains itself; an accepted tolerance prints in
 * TOL_TEXT_MAX bytes and reads back equal; the band around any expected
 * amount agrees with within() at its edges and one unit beyond them.
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "tolerance_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *in;
	pv_error	err;
	tolerance_t t,
				t2;
	char		text[TOL_TEXT_MAX];
	int			n;
	int64_t		expected = 0,
				lo,
				hi;
	uint64_t	allow;

	/* the first 8 bytes, when present, choose the expected amount */
	if (size >= 8)
	{
		memcpy(&expected, data, 8);
		data += 8;
		size -= 8;
	}
	in = malloc(size ? size : 1);
	memcpy(in, data, size);
	memset(&err, 0, sizeof(err));
	if (!tolerance_parse(in, size, &t, &err))
	{
		if (err.status == PV_OK || err.message[0] == '\0' || err.detail[0] == '\0')
			abort();
		free(in);
		return 0;
	}
	n = tolerance_format(&t, text);
	if (n <= 0 || n >= TOL_TEXT_MAX)
		abort();
	if (!tolerance_parse(text, (size_t) n, &t2, &err) || memcmp(&t, &t2, sizeof(t)) != 0)
		abort();
	if (tolerance_allowance(&t, expected, t.cur, &allow, &err))
	{
		tolerance_band(expected, allow, &lo, &hi);
		if (lo > expected || hi < expected)
			abort();
		if (!tolerance_within(lo, expected, allow) || !tolerance_within(hi, expected, allow))
			abort();
		if (lo > INT64_MIN && tolerance_within(lo - 1, expected, allow))
			abort();
		if (hi < INT64_MAX && tolerance_within(hi + 1, expected, allow))
			abort();
	}
	free(in);
	return 0;
}
