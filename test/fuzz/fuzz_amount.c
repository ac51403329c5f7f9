/*-------------------------------------------------------------------------
 * test/fuzz/fuzz_amount.c
 *		libFuzzer harness for the procgov.amount parser and printer.
 *
 * Properties checked on every input: the parser never reads past the input;
 * a refusal always explains itself; an accepted amount prints in at most
 * AMOUNT_TEXT_MAX bytes, and the printed form parses back to the same value
 * and prints identically (text round trip, as pg_dump relies on).
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy so ASan catches any read past the end */
	char	   *in = malloc(size ? size : 1);
	pv_error	err;
	int64_t		units,
				units2;
	uint16_t	cur,
				cur2;
	char		text[AMOUNT_TEXT_MAX],
				text2[AMOUNT_TEXT_MAX];
	int			n;

	memcpy(in, data, size);
	memset(&err, 0, sizeof(err));
	if (!amount_parse(in, size, &units, &cur, &err))
	{
		if (err.status == PV_OK || err.message[0] == '\0' || err.detail[0] == '\0')
			abort();
		free(in);
		return 0;
	}
	if (currency_minor_units(cur) < 0)
		abort();
	n = amount_format(units, cur, text);
	if (n <= 0 || n >= AMOUNT_TEXT_MAX)
		abort();
	if (!amount_parse(text, (size_t) n, &units2, &cur2, &err) || units2 != units || cur2 != cur)
		abort();
	if (amount_format(units2, cur2, text2) != n || memcmp(text, text2, (size_t) n) != 0)
		abort();
	free(in);
	return 0;
}
