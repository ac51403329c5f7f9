/*-------------------------------------------------------------------------
 * test/fuzz/fuzz_iban.c
 *		libFuzzer harness for the procgov.iban parser and printer.
 *
 * Properties checked on every input (abort() on violation): the parser
 * never reads past the input; a refusal is PV_MALFORMED with a message,
 * detail and hint, valid UTF-8 whenever the input is; an accepted IBAN is
 * upper-case letters and digits of exactly its registry country's length
 * with mod-97 remainder 1, and its print form and its lower-case form both
 * parse back to the same electronic form.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identifiers_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when s[0..len) is well-formed UTF-8 (no overlong or surrogate check needed here). */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy so ASan catches any read past the end */
	char	   *in = malloc(size ? size : 1);
	char		out[IBAN_MAX_LEN + 1],
				again[IBAN_MAX_LEN + 1],
				print[IBAN_PRINT_MAX],
				lower[IBAN_MAX_LEN + 1],
				cc[3];
	size_t		n = 0,
				n2 = 0,
				i,
				plen;
	pv_error	err;

	memcpy(in, data, size);
	memset(&err, 0, sizeof(err));
	if (!iban_parse(in, size, out, &n, &err))
	{
		if (err.status != PV_MALFORMED || err.message[0] == '\0' ||
			err.detail[0] == '\0' || err.hint[0] == '\0')
			abort();
		if (utf8_ok(data, size) &&
			(!utf8_ok((const unsigned char *) err.message, strlen(err.message)) ||
			 !utf8_ok((const unsigned char *) err.detail, strlen(err.detail))))
			abort();
		free(in);
		return 0;
	}

	/* the electronic form: country letters, check digits, alphanumeric, right length */
	if (n < 5 || n > IBAN_MAX_LEN || strlen(out) != n)
		abort();
	cc[0] = out[0];
	cc[1] = out[1];
	cc[2] = '\0';
	if (iban_country_length(cc) != (int) n)
		abort();
	if (out[2] < '0' || out[2] > '9' || out[3] < '0' || out[3] > '9')
		abort();
	for (i = 0; i < n; i++)
		if (!((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9')))
			abort();
	if (iban_mod97(out, n) != 1)
		abort();

	/* print form: groups of four, parses back to the same IBAN */
	plen = iban_format_print(out, n, print);
	if (plen != n + (n - 1) / 4 || plen >= IBAN_PRINT_MAX || strlen(print) != plen)
		abort();
	if (!iban_parse(print, plen, again, &n2, &err) || n2 != n || memcmp(again, out, n) != 0)
		abort();

	/* the compact form is a fixed point, and case does not matter */
	if (!iban_parse(out, n, again, &n2, &err) || n2 != n || memcmp(again, out, n) != 0)
		abort();
	for (i = 0; i < n; i++)
		lower[i] = (out[i] >= 'A' && out[i] <= 'Z') ? (char) (out[i] - 'A' + 'a') : out[i];
	if (!iban_parse(lower, n, again, &n2, &err) || n2 != n || memcmp(again, out, n) != 0)
		abort();

	free(in);
	return 0;
}
