/*-------------------------------------------------------------------------
 * src/procgov.h
 *		Declarations shared by procgov's PostgreSQL-facing C files.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_H
#define PROCGOV_H

#include "postgres.h"
#include "fmgr.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "nodes/nodes.h"
#include "utils/jsonb.h"
#include "utils/inval.h"
#include "utils/relcache.h"
#include "utils/uuid.h"

#include "parse.h"

/*
 * Input functions report softly on PostgreSQL 16+ (so pg_input_is_valid()
 * works); before that there is no error-saving context and they throw.
 */
#if PG_VERSION_NUM >= 160000
#define PROCGOV_ESCONTEXT(fcinfo)	((fcinfo)->context)
#else
#define PROCGOV_ESCONTEXT(fcinfo)	((Node *) NULL)
#endif

/* Turn a parser failure into an error with its SQLSTATE (soft if asked). */
extern void procgov_report(const pv_error *err, Node *escontext);
/* The same for a receive function: 22P03 "invalid external binary value". */
extern void procgov_report_binary(const pv_error *err, const char *type) pg_attribute_noreturn();

/* A jsonb value as ->> renders it; NULL for SQL NULL (absent or JSON null). (api.c) */
extern char *procgov_jsonb_value_text(JsonbValue *v);

/* Set up a materialized result (tuplestore) for a set-returning function. */
extern void procgov_materialize_srf(FunctionCallInfo fcinfo);

/* Per-part initialisation called from _PG_init. */
extern void InsertInit(void);
extern void AmountInit(void);
extern void AuditInit(void);
extern void EventsInit(void);
extern void TransitionInit(void);
extern void PolicyInit(void);
extern void ErpInit(void);
extern void GuardsInit(void);

/* ---- settings (procgov.c) ---- */

/* procgov.actor: the end user named by the application for this transaction. */
extern char *procgov_actor;

/* procgov.enforce (superusers may turn the rules off for a migration) and procgov.reason */
extern bool procgov_enforce;
extern char *procgov_reason;

/* procgov.notify */
typedef enum ProcgovNotify
{
	PROCGOV_NOTIFY_TRANSACTION,
	PROCGOV_NOTIFY_EVENT,
	PROCGOV_NOTIFY_OFF,
	PROCGOV_NOTIFY_RELAY
} ProcgovNotify;
extern int	procgov_notify;

/*
 * Advisory lock keys (pg_locks shows them as locktype advisory with classid
 * 0x70726f63, "proc"): objsubid 10 is the ledger's seal fence, 11 a ledger
 * stream (objid = hash of its name), 12 the sealer, 13 the notification
 * relay.  User advisory locks use objsubid 1 and 2, so these never collide
 * with an application's.
 */
#define PROCGOV_LOCK_CLASS			0x70726f63
#define PROCGOV_LOCK_AUDIT_FENCE	10
#define PROCGOV_LOCK_AUDIT_STREAM	11
#define PROCGOV_LOCK_AUDIT_SEAL		12
#define PROCGOV_LOCK_RELAY			13

/* the notification relay's background worker (src/relay.c) */
extern void RelayInit(void);

/* ---- helpers shared by the parts (procgov.c) ---- */

/* The acting end user: procgov.actor, else the calling database role. */
extern char *procgov_actor_name(void);
extern bool procgov_may_name_people(Oid role);
extern void procgov_check_entity_access(const char *entity);
extern bool procgov_match_moving(void);
extern Oid	procgov_calling_role_id(void);

/* Register a part's relcache handler; procgov takes one of the server's slots for all. */
extern void procgov_on_relcache(RelcacheCallbackFunction fn);

/* A row as jsonb, to_jsonb(row)'s value (rowjson.c). */
extern Jsonb *procgov_row_jsonb(HeapTuple tup, TupleDesc desc);

/* Text form of a column (type output function); NULL for SQL NULL, a NULL row or column 0. */
extern char *procgov_column_text(HeapTuple tup, TupleDesc desc, AttrNumber att);

/* An identifier in words, as replace(s, '_', ' '): a kind, a state, a status; palloc'd, NULL gives "". */
extern char *procgov_words(const char *ident);

/* The number of a live column by name; InvalidAttrNumber (0) when there is none. */
extern AttrNumber procgov_attnum(TupleDesc desc, const char *name);

/* OID of a relation in schema procgov; an error when it is missing. */
extern Oid	procgov_relid(const char *name);

/* Values/nulls arrays sized for rel, all NULL. */
extern void procgov_alloc_row(Relation rel, Datum **values, bool **nulls);

/* Open one of procgov's own tables (and one of its indexes) for inserting, to the end of the transaction. */
extern Relation procgov_open_insert_target(Oid relid, Oid index_oid, Relation *index_out);

/* Insert into one of procgov's own tables and its indexes, bypassing permission checks. */
extern void procgov_insert_tuple(Relation rel, HeapTuple tup);

/* Replan this backend when a table procgov writes has doubled since it last did. */
extern void procgov_replan_as_table_grows(Relation rel);

/* ---- ERP adapter (erp.c) ---- */

/* The local status change of a governed ERP row being applied to its document. */
typedef struct ProcgovLocalChange
{
	const char *table;			/* the ERP table, qualified */
	const char *entity;			/* the document's entity and number */
	const char *number;
	const char *from;			/* local status before (NULL: a new row) and after */
	const char *to;
} ProcgovLocalChange;
extern ProcgovLocalChange *procgov_local_change;

/* The governance trigger's work on a governed ERP table (govern_document hands it over). */
extern Datum procgov_govern_mapped(FunctionCallInfo fcinfo);

/* ---- audit ledger (audit.c): the API the other parts call ---- */

/* Append one ledger entry in the current transaction; payload and reason may be NULL. */
extern int64 procgov_audit_append(text *stream, text *action, Jsonb *payload, text *reason);

/* The columns that differ between two versions of a row, {"col": [old, new]}; skip[attnum - 1] leaves one
 * out, identity[attnum - 1] names one with its value when it did not change; either may be NULL. */
extern Jsonb *procgov_changed_columns(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const bool *skip,
									  const bool *identity, int *count);

/* Seal unsealed entries into blocks; returns the newest block id written, 0 if none. */
extern int64 procgov_seal_audit(int32 max_entries);

/* ---- events (events.c): the API the other parts call ---- */

/* One event; the text fields are NUL-terminated, optional ones may be NULL. */
typedef struct ProcgovEvent
{
	const char *event_type;		/* one of procgov.event_type */
	const char *aggregate_kind; /* e.g. purchase_order */
	const char *aggregate_id;	/* e.g. ACME:PO-4711 */
	const char *entity;			/* optional */
	int64		aggregate_version;	/* 0: unknown */
	pg_uuid_t  *correlation_id; /* optional */
	int64		causation_id;	/* 0: none */
	Jsonb	   *payload;
} ProcgovEvent;

/* Write one event to the outbox in the current transaction; returns its id. */
extern int64 procgov_emit(const ProcgovEvent *event);

#endif							/* PROCGOV_H */
