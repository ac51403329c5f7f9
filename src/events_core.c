/*-------------------------------------------------------------------------
 * src/events_core.c
 *		The text of a procgov_events notification, with libjson-c.
 *		See events_core.h.
 *-------------------------------------------------------------------------
 */
#include "events_core.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/*
 * Longest text field kept whole: with JSON's worst-case escaping (\u00XX,
 * six bytes per input byte) three such fields stay far below 8000 bytes.
 */
#define FIELD_MAX	400

/* A JSON string of at most FIELD_MAX bytes of s, cut at a UTF-8 character boundary. */
static struct json_object *
bounded_string(const char *s)
{
	size_t		len = strlen(s);

	if (len > FIELD_MAX)
	{
		len = FIELD_MAX;
		while (len > 0 && ((unsigned char) s[len] & 0xC0) == 0x80)
			len--;
	}
	return json_object_new_string_len(s, (int) len);
}

static int
add(struct json_object *o, const char *key, struct json_object *v, int may_be_null)
{
	if (v == NULL && !may_be_null)
		return 0;
	if (json_object_object_add(o, key, v) != 0)
	{
		json_object_put(v);
		return 0;
	}
	return 1;
}

char *
events_notification(int64_t id, const char *type, const char *aggregate,
					const char *correlation_id, int schema_version,
					int64_t count, int64_t last_id)
{
	struct json_object *o = json_object_new_object();
	const char *txt;
	char	   *result = NULL;
	int			ok = (o != NULL);

	ok = ok && add(o, "id", json_object_new_int64(id), 0);
	ok = ok && add(o, "type", bounded_string(type), 0);
	ok = ok && add(o, "aggregate", bounded_string(aggregate), 0);
	ok = ok && add(o, "correlation_id", correlation_id ? bounded_string(correlation_id) : NULL,
				   correlation_id == NULL);
	ok = ok && add(o, "schema_version", json_object_new_int(schema_version), 0);
	ok = ok && add(o, "count", json_object_new_int64(count), 0);
	ok = ok && add(o, "last_id", json_object_new_int64(last_id), 0);
	if (ok && (txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
													JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL &&
		strlen(txt) <= EVENTS_NOTIFY_MAX)
	{
		result = malloc(strlen(txt) + 1);
		if (result)
			strcpy(result, txt);
	}
	if (o)
		json_object_put(o);
	return result;
}
