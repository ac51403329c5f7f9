/*-------------------------------------------------------------------------
 * src/events.c
 *		Events: procgov.emit() writes one row to the durable outbox in the
 *		caller's transaction and, at commit, a small NOTIFY on the channel
 *		procgov_events tells listeners to read it.
 *
 * The notification is built with libjson-c and always fits PostgreSQL's
 * 8000-byte limit: it names the event (id, type, aggregate, correlation id,
 * schema version), never carries the payload, which consumers read from
 * the outbox.  NOTIFY takes a database-wide lock at commit, so by default a
 * transaction sends one notification for all the events it emitted
 * (procgov.notify = transaction); procgov.notify = event sends one per
 * event, off sends none, relay leaves them to procgov.relay_events() (at
 * the end of this file), which announces many transactions' events at once.
 * Notifications are queued just before commit, so a rolled-back transaction
 * or subtransaction announces nothing, and a prepared transaction (which may
 * not NOTIFY) still emits its events.
 *
 * The accepted event types are the rows of procgov.event_type, cached per
 * backend and reloaded when a trigger on that table says they changed.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"
#include "events_core.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

/* string keys are dynahash's default before PostgreSQL 14, which names them */
#if PG_VERSION_NUM >= 140000
#define PROCGOV_HASH_STRINGS HASH_STRINGS
#else
#define PROCGOV_HASH_STRINGS 0
#endif

#define EVENTS_CHANNEL		"procgov_events"
#define EVENT_TYPE_MAX_LEN	63
#define AGG_KIND_MAX_LEN	63
#define AGG_ID_MAX_LEN		500
#define ENTITY_MAX_LEN		100

/* Column numbers of procgov.outbox and procgov.event_type. */
enum
{
	OB_ID = 1, OB_TYPE, OB_SCHEMA_VERSION, OB_OCCURRED_AT, OB_ENTITY,
	OB_AGGREGATETYPE, OB_AGGREGATEID, OB_AGGREGATE_VERSION, OB_CORRELATION_ID,
	OB_CAUSATION_ID, OB_ACTOR, OB_PAYLOAD, OB_TXID, OB_RELAY,
	OB_NATTS = OB_RELAY
};
enum
{
	ET_EVENT_TYPE = 1, ET_SCHEMA_VERSION
};

/* The outbox's relations and the accepted event types, per backend. */
typedef struct EventsCache
{
	bool		rels_valid;
	Oid			outbox;
	Oid			outbox_seq;
	Oid			event_type;
	HTAB	   *types;			/* the accepted types, in cxt */
	MemoryContext cxt;
	bool		types_valid;	/* false: reload from procgov.event_type */
} EventsCache;

static EventsCache cache;

typedef struct TypeEntry
{
	char		name[EVENT_TYPE_MAX_LEN + 1];
	int32		schema_version;
} TypeEntry;

/* An event emitted in the current transaction, waiting for its notification. */
typedef struct PendingEvent
{
	int64		id;
	char	   *type;
	char	   *aggregate;		/* kind:id */
	bool		has_correlation;
	pg_uuid_t	correlation;
	int32		schema_version;
	int			nest_level;		/* subtransaction that emitted it */
} PendingEvent;

static List *pending = NIL;		/* in TopTransactionContext */

/* this transaction ran a relay pass, and so holds the relay's lock until it ends */
static bool relay_pass_here = false;

/* ===================================================================
 * Caches
 * =================================================================== */

static void
events_invalidate(Datum arg, Oid relid)
{
	(void) arg;
	/*
	 * Only marked: this callback can run inside load_types() itself (opening
	 * the table processes pending invalidations), where freeing the table
	 * being built would leave it writing into freed memory.
	 */
	if (relid == InvalidOid || relid == cache.event_type)
		cache.types_valid = false;
	if (relid == InvalidOid || relid == cache.outbox || relid == cache.outbox_seq ||
		relid == cache.event_type)
		cache.rels_valid = false;
}

static void
events_rels(void)
{
	if (cache.rels_valid)
		return;
	cache.outbox = procgov_relid("outbox");
	cache.outbox_seq = procgov_relid("outbox_id_seq");
	cache.event_type = procgov_relid("event_type");
	cache.rels_valid = true;
}

/*
 * Load procgov.event_type into the per-backend hash table.  The table is
 * built in a context of its own and replaces the old one only once the scan
 * is done and no invalidation arrived meanwhile (else it is built again).
 */
static void
load_types(void)
{
	do
	{
		HASHCTL		ctl;
		Relation	rel;
		TableScanDesc scan;
		HeapTuple	tup;
		Snapshot	snap;
		HTAB	   *types;
		MemoryContext cxt;

		events_rels();
		cache.types_valid = true;
		/* opening the table may run events_invalidate(), which only marks */
		rel = table_open(cache.event_type, AccessShareLock);
		cxt = AllocSetContextCreate(TopMemoryContext, "procgov event types", ALLOCSET_SMALL_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = EVENT_TYPE_MAX_LEN + 1;
		ctl.entrysize = sizeof(TypeEntry);
		ctl.hcxt = cxt;
		types = hash_create("procgov event types", 64, &ctl, HASH_ELEM | PROCGOV_HASH_STRINGS | HASH_CONTEXT);
		PG_TRY();
		{
			snap = RegisterSnapshot(GetLatestSnapshot());
			scan = table_beginscan(rel, snap, 0, NULL);
			while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
			{
				bool		isnull;
				Datum		d = heap_getattr(tup, ET_EVENT_TYPE, RelationGetDescr(rel), &isnull);
				char	   *name;
				TypeEntry  *e;

				if (isnull)
					continue;
				name = TextDatumGetCString(d);
				if (strlen(name) > EVENT_TYPE_MAX_LEN)
					continue;
				e = hash_search(types, name, HASH_ENTER, NULL);
				d = heap_getattr(tup, ET_SCHEMA_VERSION, RelationGetDescr(rel), &isnull);
				e->schema_version = isnull ? 1 : DatumGetInt32(d);
			}
			table_endscan(scan);
			UnregisterSnapshot(snap);
		}
		PG_CATCH();
		{
			MemoryContextDelete(cxt);
			cache.types_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
		table_close(rel, AccessShareLock);
		if (cache.cxt)
			MemoryContextDelete(cache.cxt);
		cache.cxt = cxt;
		cache.types = types;
	} while (!cache.types_valid);
}

/* Schema version of an accepted event type; an error for any other. */
static int32
event_type_version(const char *name)
{
	TypeEntry  *e = NULL;

	if (cache.types == NULL || !cache.types_valid)
		load_types();
	if (strlen(name) <= EVENT_TYPE_MAX_LEN)
		e = hash_search(cache.types, name, HASH_FIND, NULL);
	if (e == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown event type \"%s\"", name),
				 errdetail("procgov.event_type has no row \"%s\".", name),
				 errhint("Use one of the types in procgov.event_type (docs/events.md lists them), or add the type there first.")));
	return e->schema_version;
}

/* ===================================================================
 * Notifications
 * =================================================================== */

/*
 * The notification text for one event, or for the first of count events
 * (with the count and the last id), in palloc'd memory.
 */
static char *
notification_text(const PendingEvent *first, int64 count, int64 last_id)
{
	char		uuid[UUID_LEN * 2 + 5];
	char	   *json;
	char	   *result = palloc(EVENTS_NOTIFY_MAX + 1);	/* before json-c's malloc: nothing can leak */

	if (first->has_correlation)
	{
		const unsigned char *u = first->correlation.data;

		snprintf(uuid, sizeof(uuid),
				 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
				 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
				 u[10], u[11], u[12], u[13], u[14], u[15]);
	}
	json = events_notification(first->id, first->type, first->aggregate,
							   first->has_correlation ? uuid : NULL,
							   first->schema_version, count, last_id);
	if (json == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while building the notification of event %lld",
						(long long) first->id)));
	strcpy(result, json);		/* events_notification() keeps it under the limit */
	free(json);
	return result;
}

/* Queue the notifications of this transaction's events (called just before commit). */
static void
send_notifications(void)
{
	ListCell   *lc;

	/*
	 * The events emitted under relay are not in the list: the relay announces
	 * them.  Those emitted before the setting changed to relay within the
	 * transaction are announced as one notification, as under transaction.
	 */
	if (pending == NIL || procgov_notify == PROCGOV_NOTIFY_OFF)
		return;
	if (procgov_notify == PROCGOV_NOTIFY_EVENT)
	{
		foreach(lc, pending)
		{
			PendingEvent *e = lfirst(lc);

			Async_Notify(EVENTS_CHANNEL, notification_text(e, 1, e->id));
		}
	}
	else
	{
		PendingEvent *first = linitial(pending);
		PendingEvent *last = llast(pending);

		Async_Notify(EVENTS_CHANNEL, notification_text(first, list_length(pending), last->id));
	}
}

static void
events_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			send_notifications();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (relay_pass_here)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that ran procgov.relay_events()"),
						 errdetail("The pass holds the relay's lock until its transaction ends; prepared, it would stop the relay until COMMIT PREPARED or ROLLBACK PREPARED."),
						 errhint("Run the pass in a transaction of its own.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the list lived in TopTransactionContext, which goes away */
			pending = NIL;
			relay_pass_here = false;
			break;
		default:
			break;
	}
}

/* A rolled-back subtransaction's events are gone; a committed one's belong to its parent. */
static void
events_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, pending)
		{
			PendingEvent *e = lfirst(lc);

			if (e->nest_level >= level)
				pending = foreach_delete_current(pending, lc);
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, pending)
		{
			PendingEvent *e = lfirst(lc);

			if (e->nest_level >= level)
				e->nest_level = level - 1;
		}
	}
}

void
EventsInit(void)
{
	procgov_on_relcache(events_invalidate);
	RegisterXactCallback(events_xact_callback, NULL);
	RegisterSubXactCallback(events_subxact_callback, NULL);
}

/* ===================================================================
 * Emit
 * =================================================================== */

/* Refuse a missing, empty or oversized text argument. */
static void
check_text_arg(const char *what, const char *value, size_t max, bool required)
{
	size_t		len = value ? strlen(value) : 0;

	if (value == NULL && required)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("event %s must not be null", what),
				 errhint("Pass the event's %s.", what)));
	if (value != NULL && len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event %s must not be empty", what),
				 errhint("Pass the event's %s.", what)));
	if (len > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event %s is too long", what),
				 errdetail("The %s is %zu bytes long; the limit is %zu.", what, len, max),
				 errhint("Use a shorter identifier.")));
}

/* An aggregate kind is a lower-case identifier: purchase_order, supplier, ... */
static bool
valid_kind(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int64
procgov_emit(const ProcgovEvent *ev)
{
	Relation	rel;
	Datum	   *values;
	bool	   *nulls;
	int64		id;
	int32		version;
	TimestampTz now;
	MemoryContext old;
	PendingEvent *pe;
	int			i;

	check_text_arg("type", ev->event_type, EVENT_TYPE_MAX_LEN, true);
	check_text_arg("aggregate kind", ev->aggregate_kind, AGG_KIND_MAX_LEN, true);
	check_text_arg("aggregate id", ev->aggregate_id, AGG_ID_MAX_LEN, true);
	check_text_arg("entity", ev->entity, ENTITY_MAX_LEN, false);
	if (!valid_kind(ev->aggregate_kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid aggregate kind \"%s\"", ev->aggregate_kind),
				 errdetail("An aggregate kind is lower-case letters, digits and \"_\", starting with a letter."),
				 errhint("Write the aggregate as kind:id, e.g. purchase_order:ACME:PO-4711.")));
	if (ev->payload == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("event payload must not be null"),
				 errhint("Pass '{}' for an event that carries no data.")));
	version = event_type_version(ev->event_type);
	PreventCommandIfReadOnly("procgov.emit()");
	PreventCommandIfParallelMode("procgov.emit()");

	events_rels();
	rel = table_open(cache.outbox, RowExclusiveLock);
	id = nextval_internal(cache.outbox_seq, false);
	now = GetCurrentTimestamp();

	procgov_alloc_row(rel, &values, &nulls);
	for (i = 0; i < OB_NATTS; i++)
		nulls[i] = false;
	values[OB_ID - 1] = Int64GetDatum(id);
	values[OB_TYPE - 1] = CStringGetTextDatum(ev->event_type);
	values[OB_SCHEMA_VERSION - 1] = Int32GetDatum(version);
	values[OB_OCCURRED_AT - 1] = TimestampTzGetDatum(now);
	if (ev->entity)
		values[OB_ENTITY - 1] = CStringGetTextDatum(ev->entity);
	else
		nulls[OB_ENTITY - 1] = true;
	values[OB_AGGREGATETYPE - 1] = CStringGetTextDatum(ev->aggregate_kind);
	values[OB_AGGREGATEID - 1] = CStringGetTextDatum(ev->aggregate_id);
	values[OB_AGGREGATE_VERSION - 1] = Int64GetDatum(ev->aggregate_version);
	nulls[OB_AGGREGATE_VERSION - 1] = (ev->aggregate_version == 0);
	values[OB_CORRELATION_ID - 1] = UUIDPGetDatum(ev->correlation_id);
	nulls[OB_CORRELATION_ID - 1] = (ev->correlation_id == NULL);
	values[OB_CAUSATION_ID - 1] = Int64GetDatum(ev->causation_id);
	nulls[OB_CAUSATION_ID - 1] = (ev->causation_id == 0);
	values[OB_ACTOR - 1] = CStringGetTextDatum(procgov_actor_name());
	values[OB_PAYLOAD - 1] = PointerGetDatum(ev->payload);
	values[OB_TXID - 1] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[OB_RELAY - 1] = BoolGetDatum(procgov_notify == PROCGOV_NOTIFY_RELAY);
	procgov_insert_tuple(rel, heap_form_tuple(RelationGetDescr(rel), values, nulls));
	table_close(rel, NoLock);

	/* the relay announces it, after the commit */
	if (procgov_notify == PROCGOV_NOTIFY_RELAY)
		return id;

	/* remember it for the notification at commit */
	old = MemoryContextSwitchTo(TopTransactionContext);
	pe = palloc(sizeof(PendingEvent));
	pe->id = id;
	pe->type = pstrdup(ev->event_type);
	pe->aggregate = psprintf("%s:%s", ev->aggregate_kind, ev->aggregate_id);
	pe->has_correlation = (ev->correlation_id != NULL);
	if (ev->correlation_id)
		pe->correlation = *ev->correlation_id;
	pe->schema_version = version;
	pe->nest_level = GetCurrentTransactionNestLevel();
	pending = lappend(pending, pe);
	MemoryContextSwitchTo(old);
	return id;
}

/*
 * procgov.emit(event_type, aggregate, payload, correlation_id, causation_id,
 * aggregate_version, entity): the aggregate is written kind:id; when the id
 * itself reads entity:key and no entity is given, the entity is taken from
 * it (purchase_order:ACME:PO-4711 belongs to ACME).
 */
PG_FUNCTION_INFO_V1(emit);
Datum
emit(PG_FUNCTION_ARGS)
{
	ProcgovEvent ev;
	char	   *aggregate;
	char	   *colon;

	memset(&ev, 0, sizeof(ev));
	ev.event_type = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	aggregate = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	ev.payload = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	ev.correlation_id = PG_ARGISNULL(3) ? NULL : PG_GETARG_UUID_P(3);
	ev.causation_id = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4);
	ev.aggregate_version = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT64(5);
	ev.entity = PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6));

	check_text_arg("aggregate", aggregate, AGG_KIND_MAX_LEN + 1 + AGG_ID_MAX_LEN, true);
	colon = strchr(aggregate, ':');
	if (colon == NULL || colon == aggregate || colon[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid aggregate \"%s\"", aggregate),
				 errdetail("An aggregate is written kind:id, with both parts present."),
				 errhint("Write it like purchase_order:ACME:PO-4711 or supplier:ACME:S-9.")));
	*colon = '\0';
	ev.aggregate_kind = aggregate;
	ev.aggregate_id = colon + 1;
	if (ev.entity == NULL && strchr(ev.aggregate_id, ':') != NULL)
	{
		char	   *c2 = strchr(ev.aggregate_id, ':');

		/* an id's first part longer than any entity code is no entity: none is derived */
		if (c2 > ev.aggregate_id && (size_t) (c2 - ev.aggregate_id) <= ENTITY_MAX_LEN)
			ev.entity = pnstrdup(ev.aggregate_id, c2 - ev.aggregate_id);
	}
	if (ev.causation_id < 0 || ev.aggregate_version < 0 ||
		(!PG_ARGISNULL(4) && ev.causation_id == 0) || (!PG_ARGISNULL(5) && ev.aggregate_version == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("causation_id and aggregate_version must be positive"),
				 errdetail("causation_id is %lld and aggregate_version is %lld.",
						   (long long) ev.causation_id, (long long) ev.aggregate_version),
				 errhint("Pass NULL when there is no causing event or no version.")));
	PG_RETURN_INT64(procgov_emit(&ev));
}

/* ===================================================================
 * The notification relay
 * =================================================================== */

/* An empty pass moves the relay's position on once the xmin horizon has moved this far. */
#define RELAY_ADVANCE_XIDS	1000

/* A statement of the relay, planned once per backend. */
static SPIPlanPtr
relay_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "procgov.relay_events(): SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*slot = plan;
	}
	return *slot;
}

/*
 * procgov.relay_events(): one pass of the relay.  An event emitted under
 * procgov.notify = relay is marked so in the outbox (column relay) and its
 * transaction sends no NOTIFY; this sends one notification for all such
 * events whose transactions committed since the previous pass (the
 * snapshots in procgov.relay_state, read the way poll() reads them, so an
 * event with a lower id that commits later is announced by a later pass),
 * naming the first of them with the count and the last id, and moves the
 * position on.  A pass that finds another one running returns 0 at once: that
 * one, or the next, announces the same events.
 *
 * The order matters.  The lock comes first; then the snapshot up to which
 * this pass announces, in a statement of its own; then, in a later statement
 * with a newer snapshot, the position and the outbox, which so see every
 * transaction the first snapshot counts as committed, and a pass that
 * committed before this one took the lock.  (Read with one older snapshot,
 * an event that committed in between was counted as done and never
 * announced, and two passes announced the same events.)
 *
 * A pass that finds nothing writes nothing, unless the oldest running
 * transaction has moved on by RELAY_ADVANCE_XIDS since the position was
 * written: then it moves the position on, so that later passes do not read
 * the outbox from an ever older transaction id.
 */
PG_FUNCTION_INFO_V1(relay_events);
Datum
relay_events(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr snap_plan = NULL;
	static SPIPlanPtr find_plan = NULL;
	static SPIPlanPtr done_plan = NULL;
	static SPIPlanPtr advance_plan = NULL;
	Oid			find_types[1] = {PG_SNAPSHOTOID};
	Oid			done_types[2] = {PG_SNAPSHOTOID, INT8OID};
	LOCKTAG		tag;
	int64		count = 0;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	Datum		snap,
				first,
				args[2];

	(void) fcinfo;
	PreventCommandIfReadOnly("procgov.relay_events()");
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("procgov.relay_events() must run in a READ COMMITTED transaction"),
				 errdetail("A pass reads what committed up to the moment it runs; this transaction's snapshot was taken at its start."),
				 errhint("Call it outside a REPEATABLE READ or SERIALIZABLE transaction.")));
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PROCGOV_LOCK_CLASS, 0, PROCGOV_LOCK_RELAY);
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		PG_RETURN_INT64(0);
	relay_pass_here = true;

	SPI_connect();

	/*
	 * Each statement with a snapshot of its own, taken after the lock; the
	 * first one's plan touches no table, and the others are planned after it
	 * ran, so that no lock on procgov.relay_state is waited for before it.
	 */
	relay_plan(&snap_plan, "SELECT procgov.consumer_snapshot()", 0, NULL);
	if (SPI_execute_plan(snap_plan, NULL, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "procgov.relay_events(): could not take a snapshot");
	snap = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	snap = datumCopy(snap, false, -1);
	args[0] = snap;
	relay_plan(&find_plan,
			   "SELECT b.first_id, b.last_id, b.events, o.type, o.aggregatetype, o.aggregateid, "
			   "       o.correlation_id, o.schema_version, "
			   "       (pg_snapshot_xmin($1)::text)::bigint - (pg_snapshot_xmin(r.done_snapshot)::text)::bigint "
			   "  FROM procgov.relay_state r, LATERAL procgov.events_between(r.done_snapshot, $1, true) b "
			   "  LEFT JOIN procgov.outbox o ON o.id = b.first_id",
			   1, find_types);
	relay_plan(&done_plan,
			   "UPDATE procgov.relay_state SET done_snapshot = $1, relayed_at = now(), "
			   "       notifications = notifications + 1, events = events + $2",
			   2, done_types);
	relay_plan(&advance_plan, "UPDATE procgov.relay_state SET done_snapshot = $1", 1, find_types);
	if (SPI_execute_plan(find_plan, args, NULL, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("procgov.relay_state has no row"),
				 errdetail("The relay keeps its position in the one row of procgov.relay_state."),
				 errhint("Restore it: INSERT INTO procgov.relay_state (done_snapshot) VALUES (pg_current_snapshot());")));
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	first = SPI_getbinval(row, desc, 1, &isnull);
	if (!isnull)
	{
		PendingEvent pe;
		int64		last_id;
		Datum		d;

		memset(&pe, 0, sizeof(pe));
		pe.id = DatumGetInt64(first);
		pe.type = SPI_getvalue(row, desc, 4);	/* read with the snapshot that found its id */
		last_id = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
		count = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
		pe.aggregate = psprintf("%s:%s", SPI_getvalue(row, desc, 5), SPI_getvalue(row, desc, 6));
		d = SPI_getbinval(row, desc, 7, &isnull);
		pe.has_correlation = !isnull;
		if (!isnull)
			pe.correlation = *DatumGetUUIDP(d);
		pe.schema_version = DatumGetInt32(SPI_getbinval(row, desc, 8, &isnull));
		Async_Notify(EVENTS_CHANNEL, notification_text(&pe, count, last_id));
		args[1] = Int64GetDatum(count);
		if (SPI_execute_plan(done_plan, args, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "procgov.relay_events(): could not move the relay's position");
	}
	else if (DatumGetInt64(SPI_getbinval(row, desc, 9, &isnull)) >= RELAY_ADVANCE_XIDS)
	{
		if (SPI_execute_plan(advance_plan, args, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "procgov.relay_events(): could not move the relay's position");
	}
	SPI_finish();
	PG_RETURN_INT64(count);
}
