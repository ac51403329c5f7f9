/*-------------------------------------------------------------------------
 * test/fuzz/fuzz_gtin.c
 *		libFuzzer harness for the procgov.gtin parser, validator and printer.
 *
 * Properties checked on every input (abort() on violation): the parser
 * never reads past the input; a refusal is PV_MALFORMED with a message,
 * detail and hint, valid UTF-8 whenever the input is; an accepted GTIN is at
 * most 14 digits with a correct check digit, passes gtin_validate, and each
 * of its 8-, 12-, 13- and 14-digit spellings that exists parses back to the
 * same value.  The first 8 bytes, read as a number, also exercise
 * gtin_validate against the definition.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identifiers_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when s[0..len) is well-formed UTF-8. */
static int
utf8_ok(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		size_t		n,
					k;

		if (s[i] < 0x80)
			n = 1;
		else if ((s[i] & 0xE0) == 0xC0 && s[i] >= 0xC2)
			n = 2;
		else if ((s[i] & 0xF0) == 0xE0)
			n = 3;
		else if ((s[i] & 0xF8) == 0xF0 && s[i] <= 0xF4)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* Every spelling of an accepted value re-parses to it; gtin_validate agrees. */
static void
check_value(uint64_t v)
{
	static const int lengths[] = {8, 12, 13, 14};
	char		text[GTIN_DIGITS + 1];
	uint64_t	v2;
	pv_error	err;
	size_t		i;

	if (v > (uint64_t) GTIN_MAX || (int) (v % 10) != gtin_check_digit(v))
		abort();
	if (!gtin_validate((int64_t) v, &err))
		abort();
	if (!gtin_format(v, GTIN_DIGITS, text) || strlen(text) != GTIN_DIGITS)
		abort();
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
	{
		if (!gtin_format(v, lengths[i], text))
			continue;
		if (strlen(text) != (size_t) lengths[i])
			abort();
		if (!gtin_parse(text, strlen(text), &v2, &err) || v2 != v)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy so ASan catches any read past the end */
	char	   *in = malloc(size ? size : 1);
	uint64_t	v = 0;
	pv_error	err;

	memcpy(in, data, size);
	memset(&err, 0, sizeof(err));
	if (gtin_parse(in, size, &v, &err))
		check_value(v);
	else if (err.status != PV_MALFORMED || err.message[0] == '\0' ||
			 err.detail[0] == '\0' || err.hint[0] == '\0')
		abort();
	else if (utf8_ok(data, size) &&
			 (!utf8_ok((const unsigned char *) err.message, strlen(err.message)) ||
			  !utf8_ok((const unsigned char *) err.detail, strlen(err.detail))))
		abort();

	/* the numeric validator: accepted exactly when in range with the right check digit */
	if (size >= 8)
	{
		int64_t		n;
		uint64_t	u = 0;
		int			i;
		bool		want;

		for (i = 0; i < 8; i++)
			u = (u << 8) | data[i];
		/* fold half the inputs into range so that both outcomes are common */
		if (u & 1)
			u %= (uint64_t) GTIN_MAX + 1;
		n = (int64_t) u;
		want = n >= 0 && n <= GTIN_MAX && (int) (n % 10) == gtin_check_digit((uint64_t) n);
		memset(&err, 0, sizeof(err));
		if (gtin_validate(n, &err) != want)
			abort();
		if (want)
			check_value((uint64_t) n);
		else if (err.detail[0] == '\0' ||
				 err.status != ((n < 0 || n > GTIN_MAX) ? PV_OUT_OF_RANGE : PV_BAD_PARAMETER))
			abort();
	}
	free(in);
	return 0;
}
