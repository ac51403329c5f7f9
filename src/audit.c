/*-------------------------------------------------------------------------
 * src/audit.c
 *		The audit ledger: append, seal, digest, verify, and the trigger that
 *		keeps the ledger tables append-only.
 *
 * Each entry is chained to the previous entry of its stream.  Writers of
 * different streams never wait for each other: an append locks its stream
 * only while it reads the stream's head through the (stream, seq) index and
 * inserts the new entry directly into the heap and its indexes; a writer
 * that finds the head still uncommitted waits for that transaction, as a
 * unique index would.  Each transaction also holds a shared "fence" lock
 * that only sealing looks at.  Sealing covers an entry id range: it reads the highest id
 * handed out, waits for the transactions that hold the fence at that
 * moment (every id below it belongs to one of them or to a finished one)
 * and then seals what committed.  Verification reads the ledger with one
 * sequential scan.  The hashing rules live in audit_core.c.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"
#include "audit_core.h"

#include <ctype.h>

#include "access/detoast.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/xid8.h"

#define STREAM_MAX_LEN		1000
#define ACTION_MAX_LEN		100

/* Column numbers of procgov.audit_log and procgov.audit_block. */
enum
{
	AL_ENTRY_ID = 1, AL_STREAM, AL_SEQ, AL_LOGGED_AT, AL_TXID, AL_ACTOR,
	AL_DB_USER, AL_ACTION, AL_PAYLOAD, AL_REASON, AL_PREV_HASH, AL_HASH,
	AL_NATTS = AL_HASH
};
enum
{
	AB_COL_BLOCK_ID = 1, AB_COL_FIRST, AB_COL_LAST, AB_COL_COUNT, AB_COL_ROOT,
	AB_COL_LEAVES, AB_COL_SEALED_AT, AB_COL_SEALED_BY, AB_COL_PREV_HASH, AB_COL_HASH,
	AB_COL_NATTS = AB_COL_HASH
};

static const char *const audit_log_columns[AL_NATTS] = {
	"entry_id", "stream", "seq", "logged_at", "txid", "actor", "db_user",
	"action", "payload", "reason", "prev_hash", "hash"
};
static const char *const audit_block_columns[AB_COL_NATTS] = {
	"block_id", "first_entry_id", "last_entry_id", "entry_count", "merkle_root",
	"leaves", "sealed_at", "sealed_by", "prev_hash", "hash"
};

/* The ledger's relations, looked up once and forgotten on invalidation. */
typedef struct AuditRels
{
	bool		valid;
	Oid			log;
	Oid			log_pkey;
	Oid			log_stream_seq;
	Oid			log_seq;
	Oid			block;
	Oid			block_pkey;
} AuditRels;

static AuditRels audit_rels;

static const uint8 zero_hash[AUDIT_HASH_LEN];

/* ===================================================================
 * Set-up
 * =================================================================== */

/* Forget the cached relation OIDs when one of them (or everything) is invalidated. */
static void
audit_rels_invalidate(Datum arg, Oid relid)
{
	(void) arg;
	if (relid == InvalidOid || relid == audit_rels.log || relid == audit_rels.block ||
		relid == audit_rels.log_pkey || relid == audit_rels.log_stream_seq ||
		relid == audit_rels.block_pkey || relid == audit_rels.log_seq)
		audit_rels.valid = false;
}

void
AuditInit(void)
{
	procgov_on_relcache(audit_rels_invalidate);
}

/* Check that a ledger table still has the columns, in the order, this code writes. */
static void
audit_check_columns(Oid relid, const char *const *names, int n)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < n; i++)
	{
		Form_pg_attribute att = i < desc->natts ? TupleDescAttr(desc, i) : NULL;

		if (att == NULL || att->attisdropped || strcmp(NameStr(att->attname), names[i]) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the audit ledger table %s has been altered", RelationGetRelationName(rel)),
					 errdetail("Column %d should be \"%s\".", i + 1, names[i]),
					 errhint("Restore the table as the procgov install script created it; procgov's ledger tables must not be altered.")));
	}
	table_close(rel, AccessShareLock);
}

static const AuditRels *
audit_get_rels(void)
{
	if (!audit_rels.valid)
	{
		audit_rels.log = procgov_relid("audit_log");
		audit_rels.log_pkey = procgov_relid("audit_log_pkey");
		audit_rels.log_stream_seq = procgov_relid("audit_log_stream_seq_key");
		audit_rels.log_seq = procgov_relid("audit_log_entry_id_seq");
		audit_rels.block = procgov_relid("audit_block");
		audit_rels.block_pkey = procgov_relid("audit_block_pkey");
		audit_check_columns(audit_rels.log, audit_log_columns, AL_NATTS);
		audit_check_columns(audit_rels.block, audit_block_columns, AB_COL_NATTS);
		audit_rels.valid = true;
	}
	return &audit_rels;
}

/* ===================================================================
 * Small helpers
 * =================================================================== */

/* Take one of procgov's transaction-level advisory locks. */
static void
audit_lock(uint32 key, uint16 kind, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PROCGOV_LOCK_CLASS, key, kind);
	(void) LockAcquire(&tag, mode, false, false);
}

/* Microseconds since 1970 of a timestamptz. */
static int64
unix_usec(TimestampTz ts)
{
	return ts + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

/* Canonical time text of a timestamptz, refusing what audit_core cannot print. */
static void
audit_time(TimestampTz ts, char *buf)
{
	if (TIMESTAMP_NOT_FINITE(ts) || !audit_time_text(unix_usec(ts), buf))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("audit time out of range"),
				 errdetail("Ledger times lie between the years 1 and 9999."),
				 errhint("Check the server clock.")));
}

/* A bytea column that must hold exactly one hash; NULL when it does not. */
static const uint8 *
hash_of(Datum d)
{
	bytea	   *b = DatumGetByteaPP(d);

	if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN)
		return NULL;
	return (const uint8 *) VARDATA_ANY(b);
}

static text *
hex_text(const uint8 *h)
{
	char		hex[AUDIT_HEX_LEN + 1];

	if (h == NULL)
		return NULL;
	audit_hex(h, AUDIT_HASH_LEN, hex);
	return cstring_to_text(hex);
}

static bytea *
hash_bytea(const uint8 *h)
{
	bytea	   *b = palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), h, AUDIT_HASH_LEN);
	return b;
}

/* ===================================================================
 * Entry hashing
 * =================================================================== */

/* The text of the fields an entry's hash covers, and its hash. */
typedef struct EntryText
{
	audit_field f[AE_NFIELDS];
	char		id[24];
	char		seq[24];
	char		at[AUDIT_TIME_LEN];
	char		txid[24];
} EntryText;

/*
 * Hashes are over UTF-8 text, whatever the database's encoding, so that an
 * export (COPY ... WITH (ENCODING 'UTF8')) verifies outside the database:
 * text of another server encoding is converted for hashing only (storage
 * stays in the server's encoding).  No copy for a UTF-8 database.
 */
static const char *
utf8_text(const char *s, size_t len, size_t *out_len)
{
	char	   *c;

	*out_len = len;
	if (s == NULL || GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
		return s;
	c = pg_server_to_any(s, (int) len, PG_UTF8);
	if (c != s)
		*out_len = strlen(c);
	return c;
}

static void
set_text_field(audit_field *f, text *t)
{
	if (t == NULL)
	{
		f->data = NULL;
		f->len = 0;
		return;
	}
	f->data = utf8_text(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &f->len);
}

static void
set_cstring_field(audit_field *f, const char *s)
{
	f->data = utf8_text(s, s ? strlen(s) : 0, &f->len);
}

/* Hash an entry's fields (prev_hash included) with the server's SHA-256. */
static void
entry_hash(EntryText *e, uint8 out[AUDIT_HASH_LEN])
{
	size_t		len = audit_message(AUDIT_ENTRY_TAG, e->f, AE_NFIELDS, NULL);
	uint8	   *buf;
	uint8		stackbuf[1024];

	buf = len <= sizeof(stackbuf) ? stackbuf : palloc(len);
	audit_message_hash(AUDIT_ENTRY_TAG, e->f, AE_NFIELDS, buf, audit_sha256, out);
	if (buf != stackbuf)
		pfree(buf);
}

/*
 * Fill the hashed fields of an entry from a deformed audit_log tuple; false
 * when a column is unusable (a NULL in a NOT NULL column, a hash that is not
 * 32 bytes), which is itself a sign of tampering.
 */
static bool
entry_from_tuple(EntryText *e, Datum *v, bool *n, char **payload_out)
{
	const uint8 *prev;
	char	   *payload = NULL;
	TimestampTz ts;

	if (n[AL_ENTRY_ID - 1] || n[AL_STREAM - 1] || n[AL_SEQ - 1] || n[AL_LOGGED_AT - 1] ||
		n[AL_TXID - 1] || n[AL_ACTOR - 1] || n[AL_DB_USER - 1] || n[AL_ACTION - 1] ||
		n[AL_PREV_HASH - 1] || n[AL_HASH - 1])
		return false;
	prev = hash_of(v[AL_PREV_HASH - 1]);
	if (prev == NULL || hash_of(v[AL_HASH - 1]) == NULL)
		return false;
	ts = DatumGetTimestampTz(v[AL_LOGGED_AT - 1]);
	if (TIMESTAMP_NOT_FINITE(ts) || !audit_time_text(unix_usec(ts), e->at))
		return false;

	e->f[AE_PREV_HASH].data = (const char *) prev;
	e->f[AE_PREV_HASH].len = AUDIT_HASH_LEN;
	e->f[AE_ENTRY_ID].len = audit_int64_text(DatumGetInt64(v[AL_ENTRY_ID - 1]), e->id);
	e->f[AE_ENTRY_ID].data = e->id;
	set_text_field(&e->f[AE_STREAM], DatumGetTextPP(v[AL_STREAM - 1]));
	e->f[AE_SEQ].len = audit_int64_text(DatumGetInt64(v[AL_SEQ - 1]), e->seq);
	e->f[AE_SEQ].data = e->seq;
	e->f[AE_AT].data = e->at;
	e->f[AE_AT].len = AUDIT_TIME_LEN - 1;
	e->f[AE_TXID].len = audit_uint64_text(U64FromFullTransactionId(DatumGetFullTransactionId(v[AL_TXID - 1])), e->txid);
	e->f[AE_TXID].data = e->txid;
	set_text_field(&e->f[AE_ACTOR], DatumGetTextPP(v[AL_ACTOR - 1]));
	set_text_field(&e->f[AE_DB_USER], DatumGetTextPP(v[AL_DB_USER - 1]));
	set_text_field(&e->f[AE_ACTION], DatumGetTextPP(v[AL_ACTION - 1]));
	if (!n[AL_PAYLOAD - 1])
	{
		Jsonb	   *jb = DatumGetJsonbP(v[AL_PAYLOAD - 1]);

		payload = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	}
	set_cstring_field(&e->f[AE_PAYLOAD], payload);
	set_text_field(&e->f[AE_REASON], n[AL_REASON - 1] ? NULL : DatumGetTextPP(v[AL_REASON - 1]));
	*payload_out = payload;
	return true;
}

/* ===================================================================
 * Append
 * =================================================================== */

/* Refuse a missing, empty or oversized name argument. */
static void
check_name_arg(const char *what, const char *value, size_t len, size_t max)
{
	if (value == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("audit %s must not be null", what),
				 errhint("Pass the %s the entry is about.", what)));
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("audit %s must not be empty", what),
				 errhint("Pass the %s the entry is about.", what)));
	if (len > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("audit %s is too long", what),
				 errdetail("The %s is %zu bytes long; the limit is %zu.", what, len, max),
				 errhint("Use a shorter identifier.")));
}

/*
 * Read the last entry of a stream: its seq (0 when the stream is new) and
 * hash.  A dirty snapshot sees committed entries, this transaction's own,
 * and those of appends still in progress; the caller must wait for the
 * latter, so *wait_for is set to such an append's transaction (else
 * InvalidTransactionId).  Whatever the isolation level, the head read is
 * the newest one.
 */
static int64
stream_head(Relation rel, Relation idx, text *stream, uint8 *hash, TransactionId *wait_for)
{
	SnapshotData dirty;
	ScanKeyData key;
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int64		seq = 0;

	*wait_for = InvalidTransactionId;
	InitDirtySnapshot(dirty);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(stream));
	scan = index_beginscan(rel, idx, &dirty, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	memset(hash, 0, AUDIT_HASH_LEN);
	if (index_getnext_slot(scan, BackwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d;
		const uint8 *h;

		if (TransactionIdIsValid(dirty.xmin))
			*wait_for = dirty.xmin;
		else
		{
			seq = DatumGetInt64(slot_getattr(slot, AL_SEQ, &isnull));
			d = slot_getattr(slot, AL_HASH, &isnull);
			h = isnull ? NULL : hash_of(d);
			if (h == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("the last entry of audit stream \"%s\" has no valid hash", text_to_cstring(stream)),
						 errhint("Run procgov.verify_audit() to find what was changed.")));
			memcpy(hash, h, AUDIT_HASH_LEN);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	return seq;
}

/*
 * Append one entry to the ledger in the current transaction and return its
 * entry id.  The C entry point the other parts of procgov call.
 */
int64
procgov_audit_append(text *stream, text *action, Jsonb *payload, text *reason)
{
	const AuditRels *rels;
	Relation	rel,
				idx;
	LOCKTAG		stream_tag;
	EntryText	e;
	Datum	   *values;
	bool	   *nulls;
	uint8		prev[AUDIT_HASH_LEN],
				hash[AUDIT_HASH_LEN];
	int64		seq,
				entry_id;
	TimestampTz now;
	FullTransactionId fxid;
	char	   *actor,
			   *db_user,
			   *payload_text = NULL;

	check_name_arg("stream", stream ? VARDATA_ANY(stream) : NULL,
				   stream ? VARSIZE_ANY_EXHDR(stream) : 0, STREAM_MAX_LEN);
	check_name_arg("action", action ? VARDATA_ANY(action) : NULL,
				   action ? VARSIZE_ANY_EXHDR(action) : 0, ACTION_MAX_LEN);
	PreventCommandIfReadOnly("procgov.audit_append()");
	PreventCommandIfParallelMode("procgov.audit_append()");

	rels = audit_get_rels();

	/* the fence first: sealing waits for the transactions that hold it */
	audit_lock(0, PROCGOV_LOCK_AUDIT_FENCE, ShareLock);

	/*
	 * Hold the stream's lock from reading its head until the new entry is
	 * in the index, so that two writers never read the same head.  The lock
	 * is released right after: a later writer then finds this entry
	 * uncommitted and waits for this transaction to end, so a transaction
	 * that writes to many streams holds no lock per stream.
	 */
	rel = procgov_open_insert_target(rels->log, rels->log_stream_seq, &idx);
	SET_LOCKTAG_ADVISORY(stream_tag, MyDatabaseId, PROCGOV_LOCK_CLASS,
						 hash_bytes((const unsigned char *) VARDATA_ANY(stream), VARSIZE_ANY_EXHDR(stream)),
						 PROCGOV_LOCK_AUDIT_STREAM);
	for (;;)
	{
		TransactionId wait_for;

		(void) LockAcquire(&stream_tag, ExclusiveLock, false, false);
		seq = stream_head(rel, idx, stream, prev, &wait_for) + 1;
		if (!TransactionIdIsValid(wait_for))
			break;
		LockRelease(&stream_tag, ExclusiveLock, false);
		XactLockTableWait(wait_for, rel, NULL, XLTW_None);
		CHECK_FOR_INTERRUPTS();
	}
	entry_id = nextval_internal(rels->log_seq, false);
	now = GetCurrentTimestamp();
	fxid = GetTopFullTransactionId();
	actor = procgov_actor_name();
	db_user = GetUserNameFromId(procgov_calling_role_id(), false);
	if (payload)
		payload_text = JsonbToCString(NULL, &payload->root, VARSIZE(payload));

	e.f[AE_PREV_HASH].data = (const char *) prev;
	e.f[AE_PREV_HASH].len = AUDIT_HASH_LEN;
	e.f[AE_ENTRY_ID].len = audit_int64_text(entry_id, e.id);
	e.f[AE_ENTRY_ID].data = e.id;
	set_text_field(&e.f[AE_STREAM], stream);
	e.f[AE_SEQ].len = audit_int64_text(seq, e.seq);
	e.f[AE_SEQ].data = e.seq;
	audit_time(now, e.at);
	e.f[AE_AT].data = e.at;
	e.f[AE_AT].len = AUDIT_TIME_LEN - 1;
	e.f[AE_TXID].len = audit_uint64_text(U64FromFullTransactionId(fxid), e.txid);
	e.f[AE_TXID].data = e.txid;
	set_cstring_field(&e.f[AE_ACTOR], actor);
	set_cstring_field(&e.f[AE_DB_USER], db_user);
	set_text_field(&e.f[AE_ACTION], action);
	set_cstring_field(&e.f[AE_PAYLOAD], payload_text);
	set_text_field(&e.f[AE_REASON], reason);
	entry_hash(&e, hash);

	procgov_alloc_row(rel, &values, &nulls);
	values[AL_ENTRY_ID - 1] = Int64GetDatum(entry_id);
	values[AL_STREAM - 1] = PointerGetDatum(stream);
	values[AL_SEQ - 1] = Int64GetDatum(seq);
	values[AL_LOGGED_AT - 1] = TimestampTzGetDatum(now);
	values[AL_TXID - 1] = FullTransactionIdGetDatum(fxid);
	values[AL_ACTOR - 1] = CStringGetTextDatum(actor);
	values[AL_DB_USER - 1] = CStringGetTextDatum(db_user);
	values[AL_ACTION - 1] = PointerGetDatum(action);
	values[AL_PAYLOAD - 1] = PointerGetDatum(payload);
	values[AL_REASON - 1] = PointerGetDatum(reason);
	values[AL_PREV_HASH - 1] = PointerGetDatum(hash_bytea(prev));
	values[AL_HASH - 1] = PointerGetDatum(hash_bytea(hash));
	for (int i = 0; i < AL_NATTS; i++)
		nulls[i] = false;
	nulls[AL_PAYLOAD - 1] = (payload == NULL);
	nulls[AL_REASON - 1] = (reason == NULL);

	procgov_insert_tuple(rel, heap_form_tuple(RelationGetDescr(rel), values, nulls));
	LockRelease(&stream_tag, ExclusiveLock, false);
	return entry_id;
}

PG_FUNCTION_INFO_V1(audit_append);
Datum
audit_append(PG_FUNCTION_ARGS)
{
	text	   *stream = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	text	   *action = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	Jsonb	   *payload = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	text	   *reason = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);

	PG_RETURN_INT64(procgov_audit_append(stream, action, payload, reason));
}

/* ===================================================================
 * Immutability
 * =================================================================== */

PG_FUNCTION_INFO_V1(audit_refuse_change);
Datum
audit_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *op;
	const char *relname;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.audit_refuse_change() must be called as a trigger")));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		op = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		op = "DELETE";
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		op = "TRUNCATE";
	else
		op = "this change";
	relname = RelationGetRelationName(trigdata->tg_relation);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("procgov.%s is append-only", relname),
			 errdetail("%s is refused on procgov.%s for every role, its owner and superusers included.",
					   op, relname),
			 strcmp(relname, "audit_block") == 0
			 ? errhint("Blocks are written only by procgov.seal_audit().")
			 : errhint("Record a correction as a new entry with procgov.audit_append().")));
	return PointerGetDatum(NULL);
}

/* ===================================================================
 * Rows: what changed in a row, and the trigger that records changes to
 * procgov's master data and rules
 * =================================================================== */

/*
 * The columns that differ between two versions of a row, as a jsonb object
 * {"column": [old, new], ...} with each value as to_jsonb() gives it;
 * columns whose skip[] entry (by attnum - 1) is true are left out, and those
 * whose identity[] entry is true are named with their value when they did
 * not change ({"role": "finance", ...}: which row it was).  *count is the
 * number of changed columns in it.  skip and identity may be NULL.
 */
Jsonb *
procgov_changed_columns(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const bool *skip,
						const bool *identity, int *count)
{
	StringInfoData buf;
	Jsonb	   *od = NULL,
			   *nd = NULL;
	int			written = 0;

	*count = 0;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 1; i <= desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i - 1);
		bool		onull,
					nnull,
					same;
		Datum		o,
					n;
		JsonbValue *ov,
				   *nv;
		const char *name = NameStr(att->attname);

		if (att->attisdropped || (skip && skip[i - 1]))
			continue;
		o = heap_getattr(oldtup, i, desc, &onull);
		n = heap_getattr(newtup, i, desc, &nnull);
		same = onull == nnull && (onull || datumIsEqual(o, n, att->attbyval, att->attlen));
		if (same && !(identity && identity[i - 1]))
			continue;
		if (od == NULL)
		{
			od = procgov_row_jsonb(oldtup, desc);
			nd = procgov_row_jsonb(newtup, desc);
		}
		ov = getKeyJsonValueFromContainer(&od->root, name, strlen(name), NULL);
		nv = getKeyJsonValueFromContainer(&nd->root, name, strlen(name), NULL);
		if (written++ > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, name);
		if (same)
			appendStringInfo(&buf, ": %s", nv ? JsonbToCString(NULL, &JsonbValueToJsonb(nv)->root, 0) : "null");
		else
		{
			appendStringInfo(&buf, ": [%s, %s]",
							 ov ? JsonbToCString(NULL, &JsonbValueToJsonb(ov)->root, 0) : "null",
							 nv ? JsonbToCString(NULL, &JsonbValueToJsonb(nv)->root, 0) : "null");
			(*count)++;
		}
	}
	appendStringInfoChar(&buf, '}');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* A column the trigger's arguments name, or an error naming the altered table. */
static AttrNumber
record_column(Relation rel, const char *name)
{
	AttrNumber	att = procgov_attnum(RelationGetDescr(rel), name);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("procgov table %s has no column \"%s\"", RelationGetRelationName(rel), name),
				 errhint("Restore the table as the procgov install script created it; its changes are recorded by column.")));
	return att;
}

/* The row's stream, from the trigger's arguments (below). */
static char *
row_stream(Trigger *tg, HeapTuple row, TupleDesc desc, Relation rel)
{
	StringInfoData stream;

	initStringInfo(&stream);
	appendStringInfoString(&stream, tg->tgargs[0]);
	for (int i = 1; i < tg->tgnargs; i++)
	{
		const char *col = tg->tgargs[i];
		char	   *v;

		if (col[0] == '+')
			continue;
		if (col[0] == '\0')
		{
			appendStringInfoChar(&stream, ':');	/* an empty part: no entity */
			continue;
		}
		v = procgov_column_text(row, desc, record_column(rel, col));
		appendStringInfo(&stream, ":%s", v ? v : "");
	}
	if (stream.len > STREAM_MAX_LEN)
	{
		/* cut at a character boundary, and told apart by the SHA-256 of the whole */
		uint8		h[AUDIT_HASH_LEN];
		int			keep = pg_mbcliplen(stream.data, stream.len, STREAM_MAX_LEN - 1 - 2 * AUDIT_HASH_LEN);

		audit_sha256((const uint8 *) stream.data, stream.len, h);
		stream.data[keep] = '\0';
		stream.len = keep;
		appendStringInfoChar(&stream, '#');
		for (int i = 0; i < AUDIT_HASH_LEN; i++)
			appendStringInfo(&stream, "%02x", h[i]);
	}
	return stream.data;
}

/*
 * procgov.record_change(): AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on
 * the tables a controller or an administrator edits (entities, suppliers,
 * items, contracts, budgets, approvers, the rules).  Each change is a ledger
 * entry on the row's own stream, "<label>:<part>:<part>..." from the trigger's
 * arguments: the label, then the columns that name the row (an empty
 * argument is an empty part, the entity of a row that belongs to none, so
 * that the stream reads kind:entity:rest as documents' do; a supplier's is
 * supplier:<entity>:<code>).  An argument "+column" names the row together
 * with the stream (an approver's role): an update carries its value even
 * when it did not change.  Action insert or delete carries the whole row,
 * update the columns that changed, {"column": [old, new]}, with the reason
 * from procgov.reason; whoever makes the change, procgov's own functions
 * included (a budget line's commitments: its stream is its whole history).
 * An update that renames the row (a part of its stream changes) is recorded
 * on the old stream and on the new one.  A stream longer than the ledger
 * takes is cut and ends in the SHA-256 of the whole, so it stays the row's
 * own.
 */
PG_FUNCTION_INFO_V1(record_change);
Datum
record_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	Relation	rel;
	TupleDesc	desc;
	text	   *reason;
	char	   *stream;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || trigdata->tg_trigger->tgnargs < 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.record_change() must fire AFTER ... FOR EACH ROW with a label and key columns as arguments")));
	tg = trigdata->tg_trigger;
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	reason = procgov_reason && procgov_reason[0] ? cstring_to_text(procgov_reason) : NULL;

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		bool	   *identity = palloc0(sizeof(bool) * desc->natts);
		Jsonb	   *diff;
		char	   *old_stream;
		int			n;

		for (int i = 1; i < tg->tgnargs; i++)
			if (tg->tgargs[i][0] == '+')
				identity[record_column(rel, tg->tgargs[i] + 1) - 1] = true;
		diff = procgov_changed_columns(trigdata->tg_trigtuple, trigdata->tg_newtuple, desc, NULL, identity, &n);
		if (n == 0)
			return PointerGetDatum(NULL);	/* nothing of its own changed */
		stream = row_stream(tg, trigdata->tg_newtuple, desc, rel);
		old_stream = row_stream(tg, trigdata->tg_trigtuple, desc, rel);
		if (strcmp(old_stream, stream) != 0)
			(void) procgov_audit_append(cstring_to_text(old_stream), cstring_to_text("update"), diff, reason);
		(void) procgov_audit_append(cstring_to_text(stream), cstring_to_text("update"), diff, reason);
	}
	else
	{
		HeapTuple	row = trigdata->tg_trigtuple;

		stream = row_stream(tg, row, desc, rel);
		(void) procgov_audit_append(cstring_to_text(stream),
									cstring_to_text(TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "delete" : "insert"),
									procgov_row_jsonb(row, desc), reason);
	}
	return PointerGetDatum(NULL);
}

/* ===================================================================
 * Blocks: reading, hashing, sealing
 * =================================================================== */

/* A block as read from procgov.audit_block; leaves stay toasted until needed. */
typedef struct BlockRow
{
	audit_block_info info;
	Datum		leaves;			/* copied datum, possibly a toast pointer */
} BlockRow;

/* Read a block tuple into *b (leaves as a copied datum). */
static void
block_from_slot(TupleTableSlot *slot, BlockRow *b)
{
	audit_block_info *bi = &b->info;
	Datum		v[AB_COL_NATTS];
	bool		n[AB_COL_NATTS];
	const uint8 *h;
	TimestampTz sealed_at;
	int			i;

	slot_getsomeattrs(slot, AB_COL_NATTS);
	for (i = 0; i < AB_COL_NATTS; i++)
	{
		v[i] = slot->tts_values[i];
		n[i] = slot->tts_isnull[i];
	}
	memset(b, 0, sizeof(BlockRow));
	bi->usable = true;
	for (i = 0; i < AB_COL_NATTS; i++)
		if (n[i])
			bi->usable = false;
	if (!bi->usable)
	{
		bi->block_id = n[AB_COL_BLOCK_ID - 1] ? 0 : DatumGetInt64(v[AB_COL_BLOCK_ID - 1]);
		return;
	}
	bi->block_id = DatumGetInt64(v[AB_COL_BLOCK_ID - 1]);
	bi->first_id = DatumGetInt64(v[AB_COL_FIRST - 1]);
	bi->last_id = DatumGetInt64(v[AB_COL_LAST - 1]);
	bi->count = DatumGetInt64(v[AB_COL_COUNT - 1]);
	sealed_at = DatumGetTimestampTz(v[AB_COL_SEALED_AT - 1]);
	if (TIMESTAMP_NOT_FINITE(sealed_at) || !audit_time_text(unix_usec(sealed_at), bi->sealed_at))
		bi->usable = false;
	bi->sealed_by = TextDatumGetCString(v[AB_COL_SEALED_BY - 1]);
	/* read to verify: the hashed form */
	bi->sealed_by = utf8_text(bi->sealed_by, strlen(bi->sealed_by), &bi->sealed_by_len);
	b->leaves = datumCopy(v[AB_COL_LEAVES - 1], false, -1);
	if ((h = hash_of(v[AB_COL_ROOT - 1])) != NULL)
		memcpy(bi->root, h, AUDIT_HASH_LEN);
	else
		bi->usable = false;
	if ((h = hash_of(v[AB_COL_PREV_HASH - 1])) != NULL)
		memcpy(bi->prev, h, AUDIT_HASH_LEN);
	else
		bi->usable = false;
	if ((h = hash_of(v[AB_COL_HASH - 1])) != NULL)
		memcpy(bi->hash, h, AUDIT_HASH_LEN);
	else
		bi->usable = false;
}

/*
 * Read blocks through the primary key in block id order: all of them
 * (newest_only false) or just the newest.  Returns a palloc'd array.
 */
static BlockRow *
read_blocks(const AuditRels *rels, Snapshot snap, bool newest_only, int *nblocks)
{
	Relation	rel = table_open(rels->block, AccessShareLock);
	Relation	idx = index_open(rels->block_pkey, AccessShareLock);
	IndexScanDesc scan = index_beginscan(rel, idx, snap, 0, 0);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int			cap = 16,
				n = 0;
	BlockRow   *rows = palloc(sizeof(BlockRow) * cap);

	index_rescan(scan, NULL, 0, NULL, 0);
	while (index_getnext_slot(scan, newest_only ? BackwardScanDirection : ForwardScanDirection, slot))
	{
		if (n == cap)
		{
			cap *= 2;
			rows = repalloc(rows, sizeof(BlockRow) * cap);
		}
		block_from_slot(slot, &rows[n++]);
		if (newest_only)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	*nblocks = n;
	return rows;
}

/* Highest entry id in the ledger, counting uncommitted entries; 0 when empty. */
static int64
highest_entry_id(const AuditRels *rels)
{
	Relation	rel = table_open(rels->log, AccessShareLock);
	Relation	idx = index_open(rels->log_pkey, AccessShareLock);
	SnapshotData dirty;
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int64		hi = 0;

	InitDirtySnapshot(dirty);
	scan = index_beginscan(rel, idx, &dirty, 0, 0);
	index_rescan(scan, NULL, 0, NULL, 0);
	if (index_getnext_slot(scan, BackwardScanDirection, slot))
	{
		bool		isnull;

		hi = DatumGetInt64(slot_getattr(slot, AL_ENTRY_ID, &isnull));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return hi;
}

/* Write one block covering [first_id, last_id] with the given entry hashes. */
static void
insert_block(Relation rel, audit_block_info *b, TimestampTz sealed_at,
			 const uint8 *leaves, int64 nleaves)
{
	Datum	   *values;
	bool	   *nulls;
	bytea	   *lv;
	int64		i;

	audit_merkle_of(leaves, nleaves, audit_sha256, b->root);
	b->count = nleaves;
	audit_time(sealed_at, b->sealed_at);
	{
		/* hashed in UTF-8, stored in the server's encoding */
		const char *stored = b->sealed_by;
		size_t		stored_len = b->sealed_by_len;

		b->sealed_by = utf8_text(stored, stored_len, &b->sealed_by_len);
		audit_block_hash(b, audit_sha256, b->hash);
		b->sealed_by = stored;
		b->sealed_by_len = stored_len;
	}

	lv = palloc(VARHDRSZ + nleaves * AUDIT_HASH_LEN);
	SET_VARSIZE(lv, VARHDRSZ + nleaves * AUDIT_HASH_LEN);
	memcpy(VARDATA(lv), leaves, nleaves * AUDIT_HASH_LEN);

	procgov_alloc_row(rel, &values, &nulls);
	values[AB_COL_BLOCK_ID - 1] = Int64GetDatum(b->block_id);
	values[AB_COL_FIRST - 1] = Int64GetDatum(b->first_id);
	values[AB_COL_LAST - 1] = Int64GetDatum(b->last_id);
	values[AB_COL_COUNT - 1] = Int64GetDatum(b->count);
	values[AB_COL_ROOT - 1] = PointerGetDatum(hash_bytea(b->root));
	values[AB_COL_LEAVES - 1] = PointerGetDatum(lv);
	values[AB_COL_SEALED_AT - 1] = TimestampTzGetDatum(sealed_at);
	values[AB_COL_SEALED_BY - 1] = PointerGetDatum(cstring_to_text_with_len(b->sealed_by, b->sealed_by_len));
	values[AB_COL_PREV_HASH - 1] = PointerGetDatum(hash_bytea(b->prev));
	values[AB_COL_HASH - 1] = PointerGetDatum(hash_bytea(b->hash));
	for (i = 0; i < AB_COL_NATTS; i++)
		nulls[i] = false;
	procgov_insert_tuple(rel, heap_form_tuple(RelationGetDescr(rel), values, nulls));
	pfree(lv);
}

/*
 * Seal every entry not yet sealed into blocks of at most max_entries
 * entries.  Returns the newest block id written, or 0 when there was
 * nothing to seal.  One sealer at a time (a transaction-level lock); the
 * next one continues where the last committed block ends.
 */
int64
procgov_seal_audit(int32 max_entries)
{
	const AuditRels *rels;
	LOCKTAG		fence;
	Relation	logrel,
				blockrel,
				idx;
	Snapshot	snap;
	audit_block_info prev,
				cur;
	TimestampTz sealed_at;
	BlockRow   *newest;
	int			nnewest;
	int64		lo,
				hi,
				nleaves = 0,
				last_seen = 0,
				written = 0,
				first_written = 0,
				entries_sealed = 0;
	uint8	   *leaves;
	ScanKeyData keys[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;

	if (max_entries < 1 || max_entries > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_block_entries must be between 1 and 1000000"),
				 errdetail("max_block_entries is %d.", max_entries),
				 errhint("Leave it at its default of 65536 unless blocks must be smaller.")));
	PreventCommandIfReadOnly("procgov.seal_audit()");
	PreventCommandIfParallelMode("procgov.seal_audit()");
	rels = audit_get_rels();

	audit_lock(0, PROCGOV_LOCK_AUDIT_SEAL, ExclusiveLock);
	/* this transaction's own earlier appends must be visible below */
	CommandCounterIncrement();

	newest = read_blocks(rels, GetLatestSnapshot(), true, &nnewest);
	if (nnewest > 0 && !newest[0].info.usable)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the newest audit block %lld is damaged", (long long) newest[0].info.block_id),
				 errhint("Run procgov.verify_audit() to find what was changed; no new block is sealed onto a damaged one.")));
	lo = nnewest > 0 ? newest[0].info.last_id + 1 : 1;

	/*
	 * Every id up to hi was handed out by a transaction that held the fence
	 * when it did; wait for those still running, then read what committed.
	 */
	hi = highest_entry_id(rels);
	if (hi < lo)
		return 0;
	SET_LOCKTAG_ADVISORY(fence, MyDatabaseId, PROCGOV_LOCK_CLASS, 0, PROCGOV_LOCK_AUDIT_FENCE);
	WaitForLockers(fence, ExclusiveLock, false);

	snap = RegisterSnapshot(GetLatestSnapshot());
	logrel = table_open(rels->log, AccessShareLock);
	blockrel = table_open(rels->block, RowExclusiveLock);
	idx = index_open(rels->log_pkey, AccessShareLock);
	ScanKeyInit(&keys[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(lo));
	ScanKeyInit(&keys[1], 1, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum(hi));
	scan = index_beginscan(logrel, idx, snap, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	slot = table_slot_create(logrel, NULL);
	leaves = palloc((Size) max_entries * AUDIT_HASH_LEN);

	memset(&prev, 0, sizeof(prev));
	if (nnewest > 0)
		prev = newest[0].info;
	memset(&cur, 0, sizeof(cur));
	sealed_at = GetCurrentTimestamp();
	cur.sealed_by = procgov_actor_name();
	cur.sealed_by_len = strlen(cur.sealed_by);

	for (;;)
	{
		bool		more = index_getnext_slot(scan, ForwardScanDirection, slot);
		bool		isnull;

		if (more)
		{
			Datum		d = slot_getattr(slot, AL_HASH, &isnull);
			const uint8 *h = isnull ? NULL : hash_of(d);

			last_seen = DatumGetInt64(slot_getattr(slot, AL_ENTRY_ID, &isnull));
			if (h == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("audit entry %lld has no valid hash", (long long) last_seen),
						 errhint("Run procgov.verify_audit() to find what was changed; damaged entries are not sealed.")));
			memcpy(leaves + nleaves * AUDIT_HASH_LEN, h, AUDIT_HASH_LEN);
			nleaves++;
		}
		/* close a block when it is full, and at the end with what is left */
		if (nleaves > 0 && (nleaves == max_entries || !more))
		{
			cur.block_id = prev.block_id + 1;
			cur.first_id = prev.block_id > 0 ? prev.last_id + 1 : lo;
			cur.last_id = more ? last_seen : hi;
			memcpy(cur.prev, prev.block_id > 0 ? prev.hash : zero_hash, AUDIT_HASH_LEN);
			insert_block(blockrel, &cur, sealed_at, leaves, nleaves);
			written = cur.block_id;
			if (first_written == 0)
				first_written = cur.block_id;
			entries_sealed += nleaves;
			prev = cur;
			nleaves = 0;
		}
		if (!more)
			break;
		CHECK_FOR_INTERRUPTS();
	}

	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(blockrel, NoLock);
	table_close(logrel, AccessShareLock);
	UnregisterSnapshot(snap);

	/* tell the systems that keep digests: audit.sealed with the new digest */
	if (written > 0)
	{
		ProcgovEvent ev;
		char		hex[AUDIT_HEX_LEN + 1];
		char		id[24];

		audit_hex(cur.hash, AUDIT_HASH_LEN, hex);
		snprintf(id, sizeof(id), "%lld", (long long) written);
		memset(&ev, 0, sizeof(ev));
		ev.event_type = "audit.sealed";
		ev.aggregate_kind = "audit_block";
		ev.aggregate_id = id;
		ev.payload = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(
			psprintf("{\"first_block\": %lld, \"last_block\": %lld, \"entries\": %lld, "
					 "\"last_entry_id\": %lld, \"digest\": \"%s%lld:%s\"}",
					 (long long) first_written, (long long) written, (long long) entries_sealed,
					 (long long) cur.last_id, AUDIT_DIGEST_PREFIX, (long long) written, hex))));
		procgov_emit(&ev);
	}
	return written;
}

PG_FUNCTION_INFO_V1(seal_audit);
Datum
seal_audit(PG_FUNCTION_ARGS)
{
	int64		block = procgov_seal_audit(PG_GETARG_INT32(0));

	if (block == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(block);
}

/* ===================================================================
 * Digest
 * =================================================================== */

/* Parse "procgov-audit:v1:<block id>:<64 hex digits>". */
static void
parse_digest(const char *s, int64 *block_id, uint8 *hash)
{
	size_t		plen = strlen(AUDIT_DIGEST_PREFIX);
	const char *p = s + plen;
	char	   *end;
	long long	id;

	if (strncmp(s, AUDIT_DIGEST_PREFIX, plen) != 0)
		goto bad;
	errno = 0;
	id = strtoll(p, &end, 10);
	if (errno != 0 || end == p || *end != ':' || id < 1 || !isdigit((unsigned char) *p))
		goto bad;
	if (!audit_unhex(end + 1, strlen(end + 1), hash, AUDIT_HASH_LEN))
		goto bad;
	*block_id = id;
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid audit digest: \"%s\"", s),
			 errdetail("A digest reads procgov-audit:v1:<block id>:<64 hex digits>."),
			 errhint("Pass the digest column of procgov.audit_digest() unchanged.")));
}

static void
ignore_block_problem(void *arg, const char *kind, int64_t block_id,
					 const uint8_t *expected, const uint8_t *found, const char *detail)
{
	(void) arg;
	(void) kind;
	(void) block_id;
	(void) expected;
	(void) found;
	(void) detail;
}

PG_FUNCTION_INFO_V1(verify_audit_digest);
Datum
verify_audit_digest(PG_FUNCTION_ARGS)
{
	char	   *digest = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64		block_id;
	uint8		hash[AUDIT_HASH_LEN];
	BlockRow   *blocks;
	audit_block_info *infos;
	int			n,
				i;
	bool		found = false;

	parse_digest(digest, &block_id, hash);
	blocks = read_blocks(audit_get_rels(), GetTransactionSnapshot(), false, &n);
	infos = palloc(sizeof(audit_block_info) * (n + 1));
	for (i = 0; i < n; i++)
	{
		infos[i] = blocks[i].info;
		if (infos[i].usable && infos[i].block_id == block_id &&
			memcmp(infos[i].hash, hash, AUDIT_HASH_LEN) == 0)
			found = true;
	}
	PG_RETURN_BOOL(found &&
				   audit_block_chain_check(infos, n, audit_sha256, ignore_block_problem, NULL) == 0);
}

/* ===================================================================
 * Verification
 * =================================================================== */

/* One row of verify_audit()'s result. */
typedef struct Problem
{
	const char *kind;
	int64		block_id;		/* 0: none */
	int64		entry_id;
	bool		has_entry;		/* false: the problem is not about one entry */
	char	   *stream;
	int64		seq;			/* 0: none */
	text	   *expected;
	text	   *found;
	char	   *detail;
} Problem;

/* Per-stream state of the sequential pass. */
typedef struct StreamKey
{
	uint64		h1;
	uint64		h2;
} StreamKey;

typedef struct PendingLink
{
	int64		seq;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		hash[AUDIT_HASH_LEN];
} PendingLink;

typedef struct StreamState
{
	StreamKey	key;
	int64		next_seq;
	uint8		last_hash[AUDIT_HASH_LEN];
	bool		flagged;		/* needs the precise per-stream analysis */
	char	   *name;
	List	   *pending;		/* links that arrived before their predecessor */
} StreamState;

/* A sealed block while its entries are being matched against its leaves. */
typedef struct LiveBlock
{
	BlockRow   *row;
	bool		loaded;			/* leaves read and checked */
	bool		done;			/* every leaf matched, memory released */
	bool		leaves_ok;		/* leaves present, right length, right root */
	int64		nleaves;
	uint8	   *leaves;
	int64	   *leaf_entry;		/* entry id matched to each leaf, 0 = none yet */
	uint32	   *table;			/* open addressing: leaf index + 1, 0 empty */
	uint32		mask;
	int64		matched;
	List	   *strays;			/* entries in range whose hash is not a leaf */
} LiveBlock;

typedef struct Stray
{
	int64		entry_id;
	int64		seq;
	char	   *stream;
	uint8		hash[AUDIT_HASH_LEN];
} Stray;

typedef struct VerifyState
{
	const AuditRels *rels;
	Snapshot	snap;
	List	   *problems;
	HTAB	   *streams;
	BlockRow   *blocks;
	int			nblocks;
	LiveBlock  *live;
	int64		sealed_hi;		/* highest entry id any block covers */
} VerifyState;

static void
add_problem(VerifyState *vs, const char *kind, int64 block_id, bool has_entry, int64 entry_id,
			const char *stream, int64 seq, const uint8 *expected, const uint8 *found,
			const char *detail)
{
	Problem    *p = palloc0(sizeof(Problem));

	p->kind = kind;
	p->block_id = block_id;
	p->entry_id = entry_id;
	p->has_entry = has_entry;
	p->stream = stream ? pstrdup(stream) : NULL;
	p->seq = seq;
	p->expected = hex_text(expected);
	p->found = hex_text(found);
	p->detail = pstrdup(detail);
	vs->problems = lappend(vs->problems, p);
}

static void
block_problem(void *arg, const char *kind, int64_t block_id,
			  const uint8_t *expected, const uint8_t *found, const char *detail)
{
	add_problem((VerifyState *) arg, kind, block_id, false, 0, NULL, 0, expected, found, detail);
}

/* The block whose id range holds entry_id, or NULL. */
static LiveBlock *
find_block(VerifyState *vs, int64 entry_id)
{
	int			lo = 0,
				hi = vs->nblocks - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		audit_block_info *b = &vs->blocks[mid].info;

		/*
		 * A damaged block's range is unreliable, but its neighbours' are
		 * not: step over it toward the side its block id says, so that
		 * the blocks after it are still found.
		 */
		if (!b->usable)
		{
			int			j;

			for (j = mid - 1; j >= lo && !vs->blocks[j].info.usable; j--)
				;
			if (j >= lo && entry_id <= vs->blocks[j].info.last_id)
			{
				hi = j;
				continue;
			}
			for (j = mid + 1; j <= hi && !vs->blocks[j].info.usable; j++)
				;
			if (j <= hi && entry_id >= vs->blocks[j].info.first_id)
			{
				lo = j;
				continue;
			}
			return NULL;		/* in or next to the damaged block: reported with it */
		}
		if (entry_id < b->first_id)
			hi = mid - 1;
		else if (entry_id > b->last_id)
			lo = mid + 1;
		else
			return &vs->live[mid];
	}
	return NULL;
}

/* Leaf slot index for a hash: the hash is uniform already, so its first bytes serve. */
static inline uint32
leaf_slot(const uint8 *h, uint32 mask)
{
	uint32		v;

	memcpy(&v, h, sizeof(v));
	return v & mask;
}

/* Detoast a block's leaves, check them against its root and index them. */
static void
load_block(VerifyState *vs, LiveBlock *lb)
{
	audit_block_info *b = &lb->row->info;
	bytea	   *lv;
	uint8		root[AUDIT_HASH_LEN];
	int64		n,
				i;
	uint32		size = 2;
	char		detail[200];

	lb->loaded = true;
	lv = (bytea *) detoast_attr((struct varlena *) DatumGetPointer(lb->row->leaves));
	if (VARSIZE_ANY_EXHDR(lv) % AUDIT_HASH_LEN != 0 ||
		VARSIZE_ANY_EXHDR(lv) / AUDIT_HASH_LEN != (Size) b->count || b->count < 1)
	{
		snprintf(detail, sizeof(detail),
				 "Its leaves hold %zu bytes, not %lld hashes of 32 bytes.",
				 VARSIZE_ANY_EXHDR(lv), (long long) b->count);
		add_problem(vs, "changed", b->block_id, false, 0, NULL, 0, NULL, NULL, detail);
		return;
	}
	n = b->count;
	audit_merkle_of((const uint8 *) VARDATA_ANY(lv), n, audit_sha256, root);
	if (memcmp(root, b->root, AUDIT_HASH_LEN) != 0)
	{
		add_problem(vs, "changed", b->block_id, false, 0, NULL, 0, b->root, root,
					"Its leaves do not give its Merkle root: the stored entry hashes were edited.");
		return;
	}
	lb->leaves_ok = true;
	lb->nleaves = n;
	lb->leaves = (uint8 *) VARDATA_ANY(lv);
	lb->leaf_entry = palloc0(sizeof(int64) * n);
	while (size < 2 * (uint64) n)
		size <<= 1;
	lb->table = palloc0(sizeof(uint32) * size);
	lb->mask = size - 1;
	for (i = 0; i < n; i++)
	{
		uint32		s = leaf_slot(lb->leaves + i * AUDIT_HASH_LEN, lb->mask);

		while (lb->table[s] != 0)
			s = (s + 1) & lb->mask;
		lb->table[s] = (uint32) (i + 1);
	}
}

/* Match a sealed entry's stored hash to a leaf of its block; false when none is left. */
static bool
match_leaf(LiveBlock *lb, const uint8 *hash, int64 entry_id)
{
	uint32		s = leaf_slot(hash, lb->mask);

	while (lb->table[s] != 0)
	{
		int64		i = lb->table[s] - 1;

		if (lb->leaf_entry[i] == 0 &&
			memcmp(lb->leaves + i * AUDIT_HASH_LEN, hash, AUDIT_HASH_LEN) == 0)
		{
			lb->leaf_entry[i] = entry_id;
			lb->matched++;
			return true;
		}
		s = (s + 1) & lb->mask;
	}
	return false;
}

/* Check a sealed entry against its block's leaves. */
static void
check_sealed(VerifyState *vs, int64 entry_id, const char *stream, int64 seq, const uint8 *hash)
{
	LiveBlock  *lb = find_block(vs, entry_id);
	Stray	   *s;

	if (lb == NULL)
		return;					/* in a damaged block's range; reported with the block */
	if (!lb->loaded)
		load_block(vs, lb);
	if (!lb->leaves_ok)
		return;
	if (!lb->done && match_leaf(lb, hash, entry_id))
	{
		if (lb->matched == lb->nleaves && lb->strays == NIL)
		{
			/* complete: release the block's memory */
			lb->done = true;
			pfree(lb->leaf_entry);
			pfree(lb->table);
			lb->leaf_entry = NULL;
			lb->table = NULL;
		}
		return;
	}
	if (lb->done)
	{
		add_problem(vs, "inserted", lb->row->info.block_id, true, entry_id, stream, seq, NULL, hash,
					"The entry lies in a sealed block's id range, but the block's leaves do not include it.");
		return;
	}
	s = palloc(sizeof(Stray));
	s->entry_id = entry_id;
	s->seq = seq;
	s->stream = pstrdup(stream);
	memcpy(s->hash, hash, AUDIT_HASH_LEN);
	lb->strays = lappend(lb->strays, s);
}

/* audit_block_classify() reports into verify_audit()'s result. */
typedef struct LeafReportArg
{
	VerifyState *vs;
	LiveBlock  *lb;
	Stray	  **strays;
} LeafReportArg;

static void
leaf_report(void *arg, const char *kind, int64_t leaf, long stray, int64_t below, int64_t above)
{
	LeafReportArg *a = arg;
	int64		block_id = a->lb->row->info.block_id;
	const uint8 *leafhash = leaf >= 0 ? a->lb->leaves + leaf * AUDIT_HASH_LEN : NULL;
	Stray	   *s = stray >= 0 ? a->strays[stray] : NULL;
	char		detail[256];

	if (strcmp(kind, "changed") == 0)
		snprintf(detail, sizeof(detail),
				 "The entry was rewritten: its hash is not leaf %lld of block %lld that sealed it.",
				 (long long) (leaf + 1), (long long) block_id);
	else if (strcmp(kind, "deleted") == 0)
		snprintf(detail, sizeof(detail),
				 "Leaf %lld of block %lld has no entry: the entry between ids %lld and %lld is gone.",
				 (long long) (leaf + 1), (long long) block_id, (long long) below, (long long) above);
	else
		snprintf(detail, sizeof(detail),
				 "The entry lies in block %lld's id range, but the block's leaves do not include it.",
				 (long long) block_id);
	add_problem(a->vs, kind, block_id, s != NULL, s ? s->entry_id : 0, s ? s->stream : NULL,
				s ? s->seq : 0, leafhash, s ? s->hash : NULL, detail);
}

static int
cmp_stray(const void *a, const void *b)
{
	int64		x = (*(Stray *const *) a)->entry_id,
				y = (*(Stray *const *) b)->entry_id;

	return x < y ? -1 : x > y;
}

/* A block whose leaves were not all matched: name what happened to each. */
static void
finish_block(VerifyState *vs, LiveBlock *lb)
{
	LeafReportArg arg;
	int64	   *ids;
	int			n,
				i;

	if (!lb->loaded)
		load_block(vs, lb);
	if (!lb->leaves_ok || lb->done)
		return;
	n = list_length(lb->strays);
	arg.vs = vs;
	arg.lb = lb;
	arg.strays = palloc(sizeof(Stray *) * (n + 1));
	ids = palloc(sizeof(int64) * (n + 1));
	for (i = 0; i < n; i++)
		arg.strays[i] = list_nth(lb->strays, i);
	qsort(arg.strays, n, sizeof(Stray *), cmp_stray);
	for (i = 0; i < n; i++)
		ids[i] = arg.strays[i]->entry_id;
	audit_block_classify(lb->leaf_entry, lb->nleaves, ids, n,
						 lb->row->info.first_id, lb->row->info.last_id, leaf_report, &arg);
}

/* Key of a stream in the per-stream table: two independent 64-bit hashes. */
static StreamKey
stream_key(const char *name, size_t len)
{
	StreamKey	k;

	k.h1 = hash_bytes_extended((const unsigned char *) name, (int) len, 0x9e3779b97f4a7c15ULL);
	k.h2 = hash_bytes_extended((const unsigned char *) name, (int) len, 0x243f6a8885a308d3ULL);
	return k;
}

/* Drain pending links that now follow on. */
static void
drain_pending(StreamState *st)
{
	bool		progress = true;

	while (progress && st->pending != NIL)
	{
		ListCell   *lc;

		progress = false;
		foreach(lc, st->pending)
		{
			PendingLink *pl = lfirst(lc);

			if (pl->seq == st->next_seq)
			{
				if (memcmp(pl->prev, st->last_hash, AUDIT_HASH_LEN) != 0)
					st->flagged = true;
				memcpy(st->last_hash, pl->hash, AUDIT_HASH_LEN);
				st->next_seq++;
				st->pending = foreach_delete_current(st->pending, lc);
				pfree(pl);
				progress = true;
				break;
			}
			if (pl->seq < st->next_seq)
			{
				st->flagged = true;
				st->pending = foreach_delete_current(st->pending, lc);
				pfree(pl);
				progress = true;
				break;
			}
		}
	}
}

/* Record one entry's link in its stream's state. */
static void
track_link(VerifyState *vs, const char *name, size_t len, int64 seq,
		   const uint8 *prev, const uint8 *hash, bool content_ok)
{
	StreamKey	key = stream_key(name, len);
	bool		found;
	StreamState *st = hash_search(vs->streams, &key, HASH_ENTER, &found);

	if (!found)
	{
		st->next_seq = 1;
		memset(st->last_hash, 0, AUDIT_HASH_LEN);
		st->flagged = false;
		st->name = NULL;
		st->pending = NIL;
	}
	if (!content_ok)
		st->flagged = true;
	if (seq == st->next_seq)
	{
		if (memcmp(prev, st->last_hash, AUDIT_HASH_LEN) != 0)
			st->flagged = true;
		memcpy(st->last_hash, hash, AUDIT_HASH_LEN);
		st->next_seq++;
		if (st->pending != NIL)
			drain_pending(st);
	}
	else if (seq < st->next_seq)
		st->flagged = true;
	else
	{
		PendingLink *pl = palloc(sizeof(PendingLink));

		pl->seq = seq;
		memcpy(pl->prev, prev, AUDIT_HASH_LEN);
		memcpy(pl->hash, hash, AUDIT_HASH_LEN);
		st->pending = lappend(st->pending, pl);
	}
	if ((st->flagged || st->pending != NIL) && st->name == NULL)
		st->name = pnstrdup(name, len);
}

/* audit_stream_check() reports into verify_audit()'s result. */
typedef struct ChainReportArg
{
	VerifyState *vs;
	const char *stream;
} ChainReportArg;

static void
chain_report(void *arg, audit_problem_kind kind, const audit_link *entry, int64_t seq,
			 const uint8_t *expected, const uint8_t *found, const char *detail)
{
	ChainReportArg *a = arg;

	add_problem(a->vs, audit_problem_name(kind), 0, entry != NULL, entry ? entry->entry_id : 0,
				a->stream, seq, expected, found, detail);
}

/* The precise analysis of one stream, read in (seq) order through its index. */
static void
analyse_stream(VerifyState *vs, Relation rel, const char *name)
{
	Relation	idx = index_open(vs->rels->log_stream_seq, AccessShareLock);
	ScanKeyData key;
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	text	   *stream = cstring_to_text(name);
	int			cap = 16,
				n = 0;
	audit_link *links = palloc(sizeof(audit_link) * cap);
	ChainReportArg arg;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(stream));
	scan = index_beginscan(rel, idx, vs->snap, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		EntryText	e;
		char	   *payload = NULL;
		audit_link *l;
		uint8		h[AUDIT_HASH_LEN];

		slot_getallattrs(slot);
		if (n == cap)
		{
			cap *= 2;
			links = repalloc(links, sizeof(audit_link) * cap);
		}
		if (!entry_from_tuple(&e, slot->tts_values, slot->tts_isnull, &payload))
			continue;			/* reported by the sequential pass */
		l = &links[n++];
		l->entry_id = DatumGetInt64(slot->tts_values[AL_ENTRY_ID - 1]);
		l->seq = DatumGetInt64(slot->tts_values[AL_SEQ - 1]);
		memcpy(l->prev_hash, hash_of(slot->tts_values[AL_PREV_HASH - 1]), AUDIT_HASH_LEN);
		memcpy(l->hash, hash_of(slot->tts_values[AL_HASH - 1]), AUDIT_HASH_LEN);
		entry_hash(&e, h);
		l->hash_ok = memcmp(h, l->hash, AUDIT_HASH_LEN) == 0;
		if (payload)
			pfree(payload);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);

	arg.vs = vs;
	arg.stream = name;
	if (audit_stream_check(links, n, chain_report, &arg) < 0)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	pfree(links);
}

/* Sort problems for a stable result: blocks, then entries by id, then by stream and seq. */
static int
cmp_problem(const ListCell *a, const ListCell *b)
{
	const Problem *pa = lfirst(a),
			   *pb = lfirst(b);
	int			c;

#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)
	CMP(pa->entry_id == 0 && pa->stream == NULL, pb->entry_id == 0 && pb->stream == NULL);
	CMP(pa->block_id, pb->block_id);
	c = strcmp(pa->stream ? pa->stream : "", pb->stream ? pb->stream : "");
	if (c != 0)
		return c;
	CMP(pa->seq, pb->seq);
	CMP(pa->entry_id, pb->entry_id);
	return strcmp(pa->kind, pb->kind);
#undef CMP
}

/* The sequential pass over the entries. */
static void
scan_entries(VerifyState *vs)
{
	Relation	rel = table_open(vs->rels->log, AccessShareLock);
	TableScanDesc scan = table_beginscan(rel, vs->snap, 0, NULL);
	TupleDesc	desc = RelationGetDescr(rel);
	int			natts = desc->natts;
	Datum	   *v = palloc(sizeof(Datum) * natts);
	bool	   *n = palloc(sizeof(bool) * natts);
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "verify_audit row",
												 ALLOCSET_DEFAULT_SIZES);
	MemoryContext outer = CurrentMemoryContext;
	HeapTuple	tup;
	HASH_SEQ_STATUS hs;
	StreamState *st;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		EntryText	e;
		char	   *payload;
		uint8		h[AUDIT_HASH_LEN];
		int64		entry_id,
					seq;
		const uint8 *stored,
				   *prev;
		text	   *stream;
		bool		content_ok;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(rowcxt);
		heap_deform_tuple(tup, desc, v, n);
		if (!entry_from_tuple(&e, v, n, &payload))
		{
			MemoryContextSwitchTo(outer);
			add_problem(vs, "changed", 0, !n[AL_ENTRY_ID - 1], n[AL_ENTRY_ID - 1] ? 0 : DatumGetInt64(v[AL_ENTRY_ID - 1]),
						NULL, 0, NULL, NULL,
						"A column of the entry is NULL, out of range, or a hash column is not 32 bytes.");
			MemoryContextReset(rowcxt);
			continue;
		}
		entry_hash(&e, h);
		entry_id = DatumGetInt64(v[AL_ENTRY_ID - 1]);
		seq = DatumGetInt64(v[AL_SEQ - 1]);
		stored = hash_of(v[AL_HASH - 1]);
		prev = hash_of(v[AL_PREV_HASH - 1]);
		stream = DatumGetTextPP(v[AL_STREAM - 1]);
		content_ok = memcmp(h, stored, AUDIT_HASH_LEN) == 0;

		MemoryContextSwitchTo(outer);
		if (!content_ok)
		{
			char	   *sname = text_to_cstring(stream);

			add_problem(vs, "changed", 0, true, entry_id, sname, seq, stored, h,
						"The entry's content does not hash to its stored hash: it was edited in place.");
			pfree(sname);
		}
		track_link(vs, VARDATA_ANY(stream), VARSIZE_ANY_EXHDR(stream), seq, prev, stored, content_ok);
		if (entry_id < 1)
		{
			char	   *sname = text_to_cstring(stream);

			/* the id sequence starts at 1: sealing would never reach this entry */
			add_problem(vs, "inserted", 0, true, entry_id, sname, seq, NULL, stored,
						"Entry ids start at 1: no append made this entry, and no seal would ever cover it.");
			pfree(sname);
		}
		else if (entry_id <= vs->sealed_hi)
		{
			char	   *sname = text_to_cstring(stream);

			check_sealed(vs, entry_id, sname, seq, stored);
			pfree(sname);
		}
		MemoryContextReset(rowcxt);
	}
	table_endscan(scan);

	/* streams whose links did not all follow on get the precise analysis */
	hash_seq_init(&hs, vs->streams);
	while ((st = hash_seq_search(&hs)) != NULL)
		if (st->flagged || st->pending != NIL)
			analyse_stream(vs, rel, st->name);
	table_close(rel, AccessShareLock);
	MemoryContextDelete(rowcxt);
}

PG_FUNCTION_INFO_V1(verify_audit);
Datum
verify_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	VerifyState vs;
	audit_block_info *infos;
	HASHCTL		ctl;
	ListCell   *lc;
	int			i;

	procgov_materialize_srf(fcinfo);

	memset(&vs, 0, sizeof(vs));
	vs.rels = audit_get_rels();
	vs.snap = RegisterSnapshot(GetTransactionSnapshot());

	/* blocks: chain and hashes now, leaves when their entries come by */
	vs.blocks = read_blocks(vs.rels, vs.snap, false, &vs.nblocks);
	infos = palloc(sizeof(audit_block_info) * (vs.nblocks + 1));
	vs.live = palloc0(sizeof(LiveBlock) * (vs.nblocks + 1));
	for (i = 0; i < vs.nblocks; i++)
	{
		infos[i] = vs.blocks[i].info;
		vs.live[i].row = &vs.blocks[i];
		if (infos[i].usable && infos[i].last_id > vs.sealed_hi)
			vs.sealed_hi = infos[i].last_id;
	}
	audit_block_chain_check(infos, vs.nblocks, audit_sha256, block_problem, &vs);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(StreamKey);
	ctl.entrysize = sizeof(StreamState);
	ctl.hcxt = CurrentMemoryContext;
	vs.streams = hash_create("verify_audit streams", 1024, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	scan_entries(&vs);
	for (i = 0; i < vs.nblocks; i++)
		if (vs.blocks[i].info.usable)
			finish_block(&vs, &vs.live[i]);

	list_sort(vs.problems, cmp_problem);
	foreach(lc, vs.problems)
	{
		Problem    *p = lfirst(lc);
		Datum		values[8];
		bool		nulls[8];

		memset(nulls, false, sizeof(nulls));
		values[0] = CStringGetTextDatum(p->kind);
		values[1] = Int64GetDatum(p->block_id);
		nulls[1] = p->block_id == 0;
		values[2] = Int64GetDatum(p->entry_id);
		nulls[2] = !p->has_entry;
		nulls[3] = p->stream == NULL;
		if (p->stream)
			values[3] = CStringGetTextDatum(p->stream);
		values[4] = Int64GetDatum(p->seq);
		nulls[4] = p->seq == 0;
		nulls[5] = p->expected == NULL;
		values[5] = PointerGetDatum(p->expected);
		nulls[6] = p->found == NULL;
		values[6] = PointerGetDatum(p->found);
		values[7] = CStringGetTextDatum(p->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	UnregisterSnapshot(vs.snap);
	return (Datum) 0;
}
