/*-------------------------------------------------------------------------
 * src/parse.c
 *		Error recording for the pure-C parsers (no PostgreSQL headers).
 *-------------------------------------------------------------------------
 */
#include "parse.h"

#include <stdio.h>
#include <string.h>

/* Record a failure: message and hint verbatim, detail formatted. */
int
pv_fail(pv_error *err, pv_status status, const char *message,
		const char *hint, const char *detail_fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return 0;
	err->status = status;
	snprintf(err->message, sizeof(err->message), "%s", message);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	va_start(ap, detail_fmt);
	vsnprintf(err->detail, sizeof(err->detail), detail_fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Length of the UTF-8 sequence starting at in[0] (at most len bytes
 * available), or 0 when it is not a complete, well-formed one.
 */
static size_t
utf8_seq_len(const unsigned char *in, size_t len)
{
	size_t		n,
				i;

	if (in[0] < 0x80)
		return 1;
	if (in[0] >= 0xC2 && in[0] <= 0xDF)
		n = 2;
	else if (in[0] >= 0xE0 && in[0] <= 0xEF)
		n = 3;
	else if (in[0] >= 0xF0 && in[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++)
		if ((in[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/*
 * Copy up to len bytes of untrusted input into buf for use inside a message,
 * replacing control characters and bytes that are no whole UTF-8 character
 * with '?', and cutting long input with "..." between characters, so that an
 * error never echoes megabytes, terminal escapes or half a character (which
 * the client's encoding conversion would reject, losing the error) back to
 * the client.
 */
const char *
pv_quote(const char *in, size_t len, char *buf, size_t buflen)
{
	const unsigned char *u = (const unsigned char *) in;
	size_t		i = 0,
				o = 0;
	const size_t keep = buflen > 4 ? buflen - 4 : 0;

	while (i < len)
	{
		size_t		n = utf8_seq_len(u + i, len - i);

		if (o + (n ? n : 1) > keep)
			break;
		if (n == 0)
		{
			buf[o++] = '?';
			i++;
		}
		else if (n == 1)
		{
			buf[o++] = (u[i] < 0x20 || u[i] == 0x7f) ? '?' : (char) u[i];
			i++;
		}
		else
		{
			memcpy(buf + o, in + i, n);
			o += n;
			i += n;
		}
	}
	if (i < len && buflen >= 4)
	{
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	if (buflen > 0)
		buf[o < buflen ? o : buflen - 1] = '\0';
	return buf;
}
