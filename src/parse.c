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
 * Copy up to len bytes of untrusted input into buf for use inside a message,
 * replacing control characters and cutting long input with "...", so that an
 * error never echoes megabytes or terminal escapes back to the client.
 */
const char *
pv_quote(const char *in, size_t len, char *buf, size_t buflen)
{
	size_t		i,
				o = 0;
	const size_t keep = buflen > 4 ? buflen - 4 : 0;

	for (i = 0; i < len && o < keep; i++)
	{
		unsigned char c = (unsigned char) in[i];

		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
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
