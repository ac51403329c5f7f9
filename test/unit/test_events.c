/*-------------------------------------------------------------------------
 * test/unit/test_events.c
 *		Unit tests of the procgov_events notification text: its exact shape,
 *		JSON escaping, and the size bound that keeps it under PostgreSQL's
 *		8000-byte NOTIFY limit whatever the event names hold.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_core.h"

static int	n_run = 0,
			n_failed = 0;

static void
check(int ok, const char *what, const char *got)
{
	n_run++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_run, what,
		   ok ? "" : " # got: ", ok ? "" : got);
}

/* Is s well-formed UTF-8? */
static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	while (*p)
	{
		int			n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return 0;
		p++;
		while (n-- > 0)
		{
			if ((*p & 0xC0) != 0x80)
				return 0;
			p++;
		}
	}
	return 1;
}

int
main(void)
{
	char	   *t;
	char		big[5000],
				ctl[700];
	int			i;

	t = events_notification(42, "po.approved", "purchase_order:ACME:PO-4711",
							"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 1, 1, 42);
	check(t && strcmp(t, "{\"id\":42,\"type\":\"po.approved\",\"aggregate\":\"purchase_order:ACME:PO-4711\","
					  "\"correlation_id\":\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\",\"schema_version\":1,"
					  "\"count\":1,\"last_id\":42}") == 0, "one event: the documented shape", t ? t : "NULL");
	free(t);

	t = events_notification(7, "po.approved", "supplier:S-1", NULL, 2, 3, 9);
	check(t && strstr(t, "\"correlation_id\":null") && strstr(t, "\"count\":3,\"last_id\":9") &&
		  strstr(t, "\"schema_version\":2"), "a coalesced notification: null correlation, count and last id",
		  t ? t : "NULL");
	free(t);

	t = events_notification(1, "po.approved", "purchase_order:ACME:\"quoted\" \\ slash/ tab\t", NULL, 1, 1, 1);
	check(t && strstr(t, "\\\"quoted\\\" \\\\ slash/ tab\\t"), "quotes, backslashes and tabs are escaped, slashes kept",
		  t ? t : "NULL");
	free(t);

	/* the worst case: long names made of bytes JSON escapes to six characters */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < (int) sizeof(ctl) - 1; i++)
		ctl[i] = (char) (1 + i % 30);
	ctl[sizeof(ctl) - 1] = '\0';
	t = events_notification(INT64_MAX, big, ctl, ctl, 1, INT64_MAX, INT64_MAX);
	check(t != NULL && strlen(t) <= EVENTS_NOTIFY_MAX, "oversized, control-character names stay under 8000 bytes",
		  t ? "too long" : "NULL");
	free(t);

	/* a cut never splits a UTF-8 character */
	{
		char		u[1000] = "purchase_order:";

		while (strlen(u) + 2 < sizeof(u) - 1)
			strcat(u, "\xc3\xa9");	/* é */
		t = events_notification(1, "po.approved", u, NULL, 1, 1, 1);
		check(t && utf8_ok(t) && strlen(t) < 600, "a long UTF-8 aggregate is cut at a character boundary",
			  t ? t : "NULL");
		free(t);
	}
	printf("1..%d\n", n_run);
	return n_failed ? 1 : 0;
}
