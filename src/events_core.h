/*-------------------------------------------------------------------------
 * src/events_core.h
 *		The text of a procgov_events notification, built with libjson-c in
 *		pure C (no PostgreSQL headers: json-c's json_object type and the
 *		server's json_object() function share a name).
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_EVENTS_CORE_H
#define PROCGOV_EVENTS_CORE_H

#include <stdint.h>

/* PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
#define EVENTS_NOTIFY_MAX	7999

/*
 * The notification for the first of count events a transaction emitted
 * (count 1: just that event): {"id":..,"type":..,"aggregate":..,
 * "correlation_id":..|null,"schema_version":..,"count":..,"last_id":..}.
 * Text fields longer than field_max bytes are cut at a character boundary
 * so the result stays under EVENTS_NOTIFY_MAX.  Returns a malloc'd string
 * the caller frees, or NULL when out of memory.
 */
extern char *events_notification(int64_t id, const char *type, const char *aggregate,
								  const char *correlation_id, int schema_version,
								  int64_t count, int64_t last_id);

#endif							/* PROCGOV_EVENTS_CORE_H */
