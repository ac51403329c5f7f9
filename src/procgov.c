/*-------------------------------------------------------------------------
 * src/procgov.c
 *		Module entry point: PG_MODULE_MAGIC, _PG_init, GUCs, and the glue
 *		that turns the pure-C parsers' failures into PostgreSQL errors.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/resowner.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif

PG_MODULE_MAGIC;

void		_PG_init(void);

/* procgov.actor: the end user an ERP names per transaction (SET LOCAL). */
char	   *procgov_actor = NULL;

/* procgov.notify: how emitted events are announced on procgov_events. */
int			procgov_notify = PROCGOV_NOTIFY_TRANSACTION;

static const struct config_enum_entry notify_options[] = {
	{"transaction", PROCGOV_NOTIFY_TRANSACTION, false},
	{"event", PROCGOV_NOTIFY_EVENT, false},
	{"off", PROCGOV_NOTIFY_OFF, false},
	{"relay", PROCGOV_NOTIFY_RELAY, false},
	{NULL, 0, false}
};

#define ACTOR_MAX_LEN		200
#define REASON_MAX_LEN		500

static bool procgov_applying_bank_change = false;

/* Refuse a reason too long to read. */
static bool
check_reason(char **newval, void **extra, GucSource source)
{
	(void) extra;
	(void) source;
	if (*newval && strlen(*newval) > REASON_MAX_LEN)
	{
		GUC_check_errdetail("procgov.reason is %d bytes long; the limit is %d.",
							(int) strlen(*newval), REASON_MAX_LEN);
		GUC_check_errhint("Give a short reason; put details in the document.");
		return false;
	}
	return true;
}

/* Refuse an actor name that is too long to be a person's login. */
static bool
check_actor(char **newval, void **extra, GucSource source)
{
	(void) extra;
	(void) source;
	if (*newval && strlen(*newval) > ACTOR_MAX_LEN)
	{
		GUC_check_errdetail("procgov.actor is %d bytes long; the limit is %d.",
							(int) strlen(*newval), ACTOR_MAX_LEN);
		GUC_check_errhint("Set it to the end user's login name.");
		return false;
	}
	return true;
}

/* Load-time set-up: the settings, each part's hooks, then the prefix is reserved. */
void
_PG_init(void)
{
	DefineCustomStringVariable("procgov.actor",
							   gettext_noop("The end user acting in this transaction, recorded in the audit ledger and in events."),
							   gettext_noop("ERPs that share one database login set it per transaction with SET LOCAL; "
											"when it is empty the database user is recorded."),
							   &procgov_actor,
							   "",
							   PGC_USERSET,
							   0,
							   check_actor, NULL, NULL);
	DefineCustomEnumVariable("procgov.notify",
							 gettext_noop("How emitted events are announced on the channel procgov_events."),
							 gettext_noop("transaction: one notification per committing transaction that emitted "
										  "events (the first event and the count); event: one per event; off: none, "
										  "consumers poll the outbox; relay: none at commit, the notification relay "
										  "(procgov.relay_events()) announces the events shortly after."),
							 &procgov_notify,
							 PROCGOV_NOTIFY_TRANSACTION,
							 notify_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	InsertInit();
	DefineCustomBoolVariable("procgov.enforce",
							 gettext_noop("Whether procgov enforces the transition rules on governed documents."),
							 gettext_noop("Superusers may turn it off to load history during a migration; every change "
										  "is still stamped and audited, marked as not enforced."),
							 &procgov_enforce,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("procgov.reason",
							   gettext_noop("The reason recorded in the audit ledger for the changes of this transaction."),
							   gettext_noop("Set it with SET LOCAL before cancelling, rejecting or correcting a document."),
							   &procgov_reason,
							   "",
							   PGC_USERSET,
							   0,
							   check_reason, NULL, NULL);
	DefineCustomBoolVariable("procgov.applying_bank_change",
							 gettext_noop("Set by procgov while it applies an approved bank account change."),
							 gettext_noop("A supplier's bank account changes only through procgov.request_bank_change() "
										  "and its approval; this setting is how the approval's effect says so."),
							 &procgov_applying_bank_change,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	AmountInit();
	AuditInit();
	EventsInit();
	TransitionInit();
	PolicyInit();
	ErpInit();
	GuardsInit();
	RelayInit();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("procgov");
#else
	EmitWarningsOnPlaceholders("procgov");
#endif
}

/* Map a parser status onto the SQLSTATE a client can act on. */
static int
procgov_sqlstate(pv_status status)
{
	switch (status)
	{
		case PV_OUT_OF_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case PV_BAD_PARAMETER:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case PV_MALFORMED:
		case PV_OK:
			break;
	}
	return ERRCODE_INVALID_TEXT_REPRESENTATION;
}

/*
 * Report a parser failure.  With a soft-error context (PostgreSQL 16+ input
 * functions called by pg_input_is_valid and friends) this saves the error and
 * returns; otherwise it throws.
 */
void
procgov_report(const pv_error *err, Node *escontext)
{
#if PG_VERSION_NUM >= 160000
	errsave(escontext,
			(errcode(procgov_sqlstate(err->status)),
			 errmsg_internal("%s", err->message),
			 err->detail[0] ? errdetail_internal("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
#else
	(void) escontext;
	ereport(ERROR,
			(errcode(procgov_sqlstate(err->status)),
			 errmsg_internal("%s", err->message),
			 err->detail[0] ? errdetail_internal("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
#endif
}

/*
 * Report a binary value (a type's receive function) that the parser
 * refused: 22P03 whatever the parser's own code, keeping its detail (or its
 * message when it has none) and hint.
 */
void
procgov_report_binary(const pv_error *err, const char *type)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external binary value for type %s", type),
			 errdetail_internal("%s", err->detail[0] ? err->detail : err->message),
			 err->hint[0] ? errhint("%s", err->hint) : 0));
}

/*
 * Prepare a set-returning function's materialized result: a tuplestore and
 * the row descriptor, in the per-query context (what InitMaterializedSRF()
 * does on PostgreSQL 15+, spelled out for 13 and 14).
 */
void
procgov_materialize_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	MemoryContextSwitchTo(old);
}

/*
 * The role procgov judges as the caller: the one outside every SECURITY
 * DEFINER function (the login, or its SET ROLE).  Inside a security-
 * restricted operation (ANALYZE, VACUUM, CREATE INDEX, REFRESH MATERIALIZED
 * VIEW, autovacuum) a table's own code runs as the table's owner while the
 * outer role stays whoever started the maintenance: there the owner is the
 * caller.  If a SECURITY DEFINER function stands between that code and
 * procgov, the owner cannot be told from the definer, and procgov refuses
 * rather than act with the maintenance role's rights.
 */
Oid
procgov_calling_role_id(void)
{
	Oid			current;
	int			sec;

	if (!InSecurityRestrictedOperation())
		return GetOuterUserId();
	GetUserIdAndSecContext(&current, &sec);
	if ((sec & SECURITY_LOCAL_USERID_CHANGE) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("procgov cannot tell who is acting inside a security-restricted operation"),
				 errdetail("A SECURITY DEFINER function was called from code that ANALYZE, VACUUM, CREATE INDEX or REFRESH MATERIALIZED VIEW runs as a table's owner."),
				 errhint("Call procgov's functions outside index expressions and maintenance; a materialized view over procgov's views reads them directly.")));
	return current;
}

/*
 * The acting end user: the person procgov.actor names when the calling role
 * (outside any SECURITY DEFINER function) has procgov_service's privileges,
 * else that role itself.  A login that may not name people names nobody: it
 * acts, and is recorded, as itself (docs/security.md), so that it cannot
 * approve as someone else or write entries in another's name.
 */
char *
procgov_actor_name(void)
{
	Oid			caller = procgov_calling_role_id();

	if (procgov_actor && procgov_actor[0] != '\0' && procgov_may_name_people(caller))
		return procgov_actor;
	return GetUserNameFromId(caller, false);
}

/* Whether a role may name people in procgov.actor: it has procgov_service's privileges. */
bool
procgov_may_name_people(Oid role)
{
	Oid			service = get_role_oid("procgov_service", true);

	return OidIsValid(service) && has_privs_of_role(role, service);
}

/* Text form of a column through its type's output function; NULL for SQL NULL, no row or column 0. */
char *
procgov_column_text(HeapTuple tup, TupleDesc desc, AttrNumber att)
{
	bool		isnull;
	Datum		d;
	Oid			out;
	bool		varlena;

	if (tup == NULL || att == 0)
		return NULL;
	d = heap_getattr(tup, att, desc, &isnull);
	if (isnull)
		return NULL;
	getTypeOutputInfo(TupleDescAttr(desc, att - 1)->atttypid, &out, &varlena);
	return OidOutputFunctionCall(out, d);
}

char *
procgov_words(const char *ident)
{
	char	   *label = pstrdup(ident ? ident : "");

	for (char *p = label; *p; p++)
		if (*p == '_')
			*p = ' ';
	return label;
}

AttrNumber
procgov_attnum(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/* OID of a relation (table, index, sequence) in schema procgov, or an error. */
Oid
procgov_relid(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("procgov", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("procgov relation procgov.%s does not exist", name),
				 errhint("Install the extension with CREATE EXTENSION procgov; procgov's own tables must not be dropped.")));
	return relid;
}

/* Values and nulls arrays for a table that may have gained columns after ours (all NULL). */
void
procgov_alloc_row(Relation rel, Datum **values, bool **nulls)
{
	int			natts = RelationGetDescr(rel)->natts;

	*values = palloc0(sizeof(Datum) * natts);
	*nulls = palloc(sizeof(bool) * natts);
	memset(*nulls, true, sizeof(bool) * natts);
}

/*
 * Inserting into procgov's own tables.  What index insertion needs (the
 * result relation, its indexes' IndexInfo, compiled index expressions, the
 * index AMs' own caches, a slot) is built once per table per backend and
 * kept across transactions, so an append or an emit pays for one heap and
 * one insertion per index, not for setting up an executor.  Each
 * transaction opens and locks the table and its indexes again (that cannot
 * be kept).  Correctness rests on the relcache callback: any invalidation of
 * the table or of one of its indexes (DDL, a new or rebuilt index, VACUUM's
 * statistics), and any invalidation at all while a target is being built,
 * makes the next transaction build it anew.  The check that the relcache
 * entries are the same objects as before is a second line only (a freed
 * entry's memory can be reused for a new one).
 */
typedef struct InsertTarget
{
	Oid			relid;
	bool		valid;			/* usable in this transaction */
	bool		reusable;		/* and in the next: nothing invalidated since the build */
	bool		open;			/* relations opened in this transaction */
	MemoryContext cxt;			/* everything below lives here */
	Relation	rel;			/* the relcache entries the state was built for */
	int			nindexes;
	Oid		   *index_oids;		/* kept apart: the callback may not touch the relations */
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;		/* over a copy of the descriptor: pins nothing */
} InsertTarget;

#define MAX_INSERT_TARGETS 16
static InsertTarget targets[MAX_INSERT_TARGETS];
static int	ntargets = 0;
static MemoryContext targets_cxt = NULL;
static uint64 relcache_invalidations = 0;	/* every call of the callback below */

/* Close relations opened for a target (locks stay to the end of the transaction). */
static void
close_relations(Relation rel, Relation *indexes, int nindexes)
{
	ResourceOwner saved = CurrentResourceOwner;
	int			i;

	CurrentResourceOwner = TopTransactionResourceOwner;
	for (i = 0; i < nindexes; i++)
		if (indexes[i] != NULL)
			index_close(indexes[i], NoLock);
	if (rel != NULL)
		table_close(rel, NoLock);
	CurrentResourceOwner = saved;
}

/* Give back this transaction's references to a target's relations. */
static void
release_target(InsertTarget *t)
{
	if (!t->open)
		return;
	t->open = false;
#if PG_VERSION_NUM >= 170000
	{
		/*
		 * From PostgreSQL 17 an index AM may hold buffers between inserts
		 * (BRIN keeps its revmap) until index_insert_cleanup(): clean up
		 * under the owner the inserts ran under, and build the state anew
		 * next time, as the executor does per statement.
		 */
		ResourceOwner saved = CurrentResourceOwner;
		int			i;

		CurrentResourceOwner = TopTransactionResourceOwner;
		for (i = 0; i < t->nindexes; i++)
			index_insert_cleanup(t->rri->ri_IndexRelationDescs[i], t->rri->ri_IndexRelationInfo[i]);
		CurrentResourceOwner = saved;
		t->reusable = false;
	}
#endif
	close_relations(t->rel, t->rri->ri_IndexRelationDescs, t->nindexes);
}

/* Release every open target, keeping what was built for the next transaction. */
static void
release_all_targets(void)
{
	int			i;

	for (i = 0; i < ntargets; i++)
		release_target(&targets[i]);
}

/* Free a target's state; its relations must not be open. */
static void
free_target(InsertTarget *t)
{
	Oid			relid = t->relid;

	if (t->cxt)
		MemoryContextDelete(t->cxt);	/* the estate's context is a child */
	memset(t, 0, sizeof(*t));
	t->relid = relid;
}

/* Before commit or prepare: release the relations.  On abort the resource owner does. */
static void
insert_targets_xact_callback(XactEvent event, void *arg)
{
	int			i;

	(void) arg;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE ||
		event == XACT_EVENT_PARALLEL_PRE_COMMIT)
		release_all_targets();
	else
		for (i = 0; i < ntargets; i++)
		{
			/* abort, or an insert after our pre-commit pass: the transaction cleans up */
			targets[i].open = false;
#if PG_VERSION_NUM >= 170000
			targets[i].reusable = false;	/* its AM state may name released buffers */
#endif
		}
}

/*
 * A rolled-back subtransaction may have created a relation that a target
 * now holds (an index made and used inside a savepoint): give the
 * relations back before the relation cache forgets what the subtransaction
 * made.  The next insert opens them again.
 */
static void
insert_targets_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg)
{
	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		release_all_targets();
}

static void
insert_targets_invalidate(Datum arg, Oid relid)
{
	int			i,
				j;

	(void) arg;
	relcache_invalidations++;
	for (i = 0; i < ntargets; i++)
	{
		InsertTarget *t = &targets[i];
		bool		hit = (relid == InvalidOid || relid == t->relid);

		for (j = 0; j < t->nindexes && !hit; j++)
			hit = (relid == t->index_oids[j]);
		if (hit)
			t->valid = t->reusable = false;
	}
}

/*
 * Before any utility statement, release the targets' relations: a TRUNCATE,
 * ALTER TABLE, CREATE INDEX or DROP EXTENSION of a table they hold open
 * would otherwise find it "in use" by this session.
 */
static ProcessUtility_hook_type prev_process_utility = NULL;

static void
procgov_process_utility(PlannedStmt *pstmt, const char *queryString,
#if PG_VERSION_NUM >= 140000
						bool readOnlyTree,
#endif
						ProcessUtilityContext context, ParamListInfo params,
						QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (ntargets > 0 && IsTransactionState())
		release_all_targets();
#if PG_VERSION_NUM >= 140000
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
#else
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, context, params, queryEnv, dest, qc);
#endif
}

/*
 * Build a target's state for its table: open the table and its indexes (as
 * ExecOpenIndices would, but knowing at every step what is open, so that an
 * error half way closes it again) and build their IndexInfo.  Valid for
 * this transaction; reusable in the next only if no invalidation at all
 * arrived meanwhile (one for an index not yet in the list would be missed).
 */
static void
build_target(InsertTarget *t)
{
	uint64		invalidations = relcache_invalidations;
	Relation volatile rel = NULL;	/* set in PG_TRY, read in PG_CATCH */
	Relation   *volatile indexes = NULL;
	volatile int nopen = 0;
	List	   *oids;
	ListCell   *lc;
	MemoryContext old;

	t->cxt = AllocSetContextCreate(targets_cxt, "procgov insert target", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(t->cxt);
	PG_TRY();
	{
		rel = table_open(t->relid, RowExclusiveLock);
		oids = RelationGetIndexList(rel);
		t->nindexes = list_length(oids);
		indexes = palloc0(sizeof(Relation) * Max(t->nindexes, 1));
		t->index_oids = palloc(sizeof(Oid) * Max(t->nindexes, 1));
		t->estate = CreateExecutorState();
		t->rri = makeNode(ResultRelInfo);
		InitResultRelInfo(t->rri, rel, 1, NULL, 0);
		t->rri->ri_NumIndices = t->nindexes;
		t->rri->ri_IndexRelationDescs = indexes;
		t->rri->ri_IndexRelationInfo = palloc0(sizeof(IndexInfo *) * Max(t->nindexes, 1));
		foreach(lc, oids)
		{
			indexes[nopen] = index_open(lfirst_oid(lc), RowExclusiveLock);
			t->index_oids[nopen] = lfirst_oid(lc);
			t->rri->ri_IndexRelationInfo[nopen] = BuildIndexInfo(indexes[nopen]);
			nopen++;
		}
		t->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)), &TTSOpsHeapTuple);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		close_relations(rel, indexes, nopen);
		free_target(t);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	t->rel = rel;
	t->valid = true;
	t->reusable = (relcache_invalidations == invalidations);
	t->open = true;
}

/*
 * Open a reusable target in this transaction.  False when what the state
 * was built for changed meanwhile (the caller builds it anew); whatever was
 * opened is then closed again, as it is when opening fails.
 */
static bool
reopen_target(InsertTarget *t)
{
	Relation volatile rel = NULL;	/* set in PG_TRY, read in PG_CATCH */
	Relation   *opened = palloc0(sizeof(Relation) * Max(t->nindexes, 1));
	volatile int nopen = 0;
	volatile bool same = true;

	PG_TRY();
	{
		/* the lock taken here processes what other sessions' DDL sent */
		rel = table_open(t->relid, RowExclusiveLock);
		same = t->reusable && rel == t->rel;
		while (same && nopen < t->nindexes)
		{
			opened[nopen] = index_open(t->index_oids[nopen], RowExclusiveLock);
			same = t->reusable && opened[nopen] == t->rri->ri_IndexRelationDescs[nopen];
			nopen++;
		}
	}
	PG_CATCH();
	{
		close_relations(rel, opened, nopen);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (same)
		t->valid = t->open = true;
	else
		close_relations(rel, opened, nopen);
	pfree(opened);
	return same;
}

/* Open a target in this transaction, building it anew when it cannot be reused. */
static void
open_target(InsertTarget *t)
{
	if (t->open)
		release_target(t);		/* invalidated in this transaction */
	if (!t->reusable || !reopen_target(t))
	{
		free_target(t);
		build_target(t);
	}
}

/* The target slot of a relation: its own, else a free one (kept out of line of the PG_TRY below). */
static pg_noinline InsertTarget *
find_target(Oid relid)
{
	InsertTarget *t = NULL;
	int			i;

	for (i = 0; i < ntargets; i++)
		if (targets[i].relid == relid)
			return &targets[i];

	/* a new slot, or one whose table is gone (a dropped and re-created extension) */
	for (i = 0; i < ntargets && t == NULL; i++)
		if (!targets[i].reusable && !targets[i].open)
			t = &targets[i];
	if (t == NULL)
	{
		if (ntargets == MAX_INSERT_TARGETS)
			elog(ERROR, "too many procgov tables written in one session");
		t = &targets[ntargets++];
		memset(t, 0, sizeof(*t));
	}
	if (targets_cxt == NULL)
		targets_cxt = AllocSetContextCreate(TopMemoryContext, "procgov insert targets",
											ALLOCSET_SMALL_SIZES);
	free_target(t);
	t->relid = relid;
	return t;
}

/* The insert target for a relation, opened in this transaction. */
static InsertTarget *
insert_target(Oid relid)
{
	InsertTarget *const t = find_target(relid);
	ResourceOwner saved;

	if (t->open && t->valid)
		return t;

	/*
	 * The relations are opened for the top transaction, not for the
	 * statement's portal nor a subtransaction, so that the references and
	 * locks outlive both.  A target is marked open or valid only once every
	 * step succeeded, so an error half way (a lock timeout, a cancel) leaves
	 * a target that the next use builds anew.
	 */
	saved = CurrentResourceOwner;
	CurrentResourceOwner = TopTransactionResourceOwner;
	PG_TRY();
	{
		open_target(t);
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = saved;
	}
	PG_END_TRY();
	return t;
}

/*
 * One relcache callback for all of procgov: the server has ten slots for
 * every extension a backend loads together, and each part of procgov keeps
 * caches that a relation's change must flush.
 */
#define MAX_RELCACHE_HANDLERS 8

static RelcacheCallbackFunction relcache_handlers[MAX_RELCACHE_HANDLERS];
static int	n_relcache_handlers = 0;

static void
procgov_relcache_dispatch(Datum arg, Oid relid)
{
	for (int i = 0; i < n_relcache_handlers; i++)
		relcache_handlers[i] (arg, relid);
}

void
procgov_on_relcache(RelcacheCallbackFunction fn)
{
	if (n_relcache_handlers == MAX_RELCACHE_HANDLERS)
		elog(ERROR, "too many procgov relcache handlers");
	if (n_relcache_handlers == 0)
		CacheRegisterRelcacheCallback(procgov_relcache_dispatch, (Datum) 0);
	relcache_handlers[n_relcache_handlers++] = fn;
}

void
InsertInit(void)
{
	RegisterXactCallback(insert_targets_xact_callback, NULL);
	RegisterSubXactCallback(insert_targets_subxact_callback, NULL);
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = procgov_process_utility;
	procgov_on_relcache(insert_targets_invalidate);
}

/*
 * Open one of procgov's own tables for inserting, through its insert target,
 * RowExclusiveLock'ed to the end of the transaction.  When index_oid is
 * given, *index_out is that index, already open, for a caller that reads it
 * before inserting (the ledger reads a stream's head through its own index).
 * The caller closes nothing; the relations stay open until the next
 * procgov_insert_tuple() or procgov_open_insert_target() call, a utility
 * statement or a rolled-back subtransaction, any of which may close them
 * (the locks stay): use them before that, and pass the table to
 * procgov_insert_tuple() last.
 */
Relation
procgov_open_insert_target(Oid relid, Oid index_oid, Relation *index_out)
{
	InsertTarget *t = insert_target(relid);
	int			i;

	if (index_out)
	{
		*index_out = NULL;
		for (i = 0; i < t->nindexes; i++)
			if (t->index_oids[i] == index_oid)
				*index_out = t->rri->ri_IndexRelationDescs[i];
		if (*index_out == NULL)
		{
			char	   *name = get_rel_name(index_oid);

			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("procgov index %s is not an index of procgov.%s",
							name ? name : "(dropped)", RelationGetRelationName(t->rel)),
					 errhint("Restore the table as the procgov install script created it; procgov's tables must not be altered.")));
		}
	}
	return t->rel;
}

/*
 * Insert a tuple into one of procgov's own tables and all of its indexes,
 * unique checks included, without the executor's permission checks: those
 * tables grant INSERT to nobody, so procgov's functions are their only
 * writers.  Triggers do not fire (procgov's tables have none on INSERT).
 */
void
procgov_insert_tuple(Relation rel, HeapTuple tup)
{
	InsertTarget *t = insert_target(RelationGetRelid(rel));

	ResetPerTupleExprContext(t->estate);
	ExecStoreHeapTuple(tup, t->slot, false);
	simple_table_tuple_insert(t->rel, t->slot);
	if (t->nindexes > 0)
	{
#if PG_VERSION_NUM >= 170000
		/* buffers an AM keeps between inserts belong to the transaction (release_target) */
		ResourceOwner saved = CurrentResourceOwner;

		CurrentResourceOwner = TopTransactionResourceOwner;
		list_free(ExecInsertIndexTuples(t->rri, t->slot, t->estate, false, false, NULL, NIL, false));
		CurrentResourceOwner = saved;
#elif PG_VERSION_NUM >= 160000
		list_free(ExecInsertIndexTuples(t->rri, t->slot, t->estate, false, false, NULL, NIL, false));
#elif PG_VERSION_NUM >= 140000
		list_free(ExecInsertIndexTuples(t->rri, t->slot, t->estate, false, false, NULL, NIL));
#else
		t->estate->es_result_relation_info = t->rri;
		list_free(ExecInsertIndexTuples(t->slot, t->estate, false, NULL, NIL));
#endif
	}
	ExecClearTuple(t->slot);
}

/*
 * Generic plans made while procgov's tables were nearly empty (a fresh
 * install) find a document by a scan of its whole entity: to the planner, any
 * index that leads with entity_id is then as good as the document's key.
 * Autovacuum's ANALYZE replaces them a minute later, but never within one
 * transaction, so a bulk load would take quadratic time.  Writers call this
 * with a table for each row they add to it: the first time a backend sees
 * the table (its plans may be older than that size) and whenever the table
 * has doubled since, the backend's plans are remade at their next use.  That
 * happens a few times in the life of a table, and never below the size at
 * which the planner stops assuming ten pages for a table never analyzed.
 */
#define REPLAN_MIN_BLOCKS	16

typedef struct ReplanWatch
{
	Oid			relid;			/* hash key */
	BlockNumber replan_at;
} ReplanWatch;

static HTAB *replan_watch = NULL;

void
procgov_replan_as_table_grows(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	ReplanWatch *w;
	BlockNumber nblocks;
	bool		found;

	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return;
	if (replan_watch == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ReplanWatch);
		replan_watch = hash_create("procgov replan watch", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	w = hash_search(replan_watch, &relid, HASH_ENTER, &found);
	if (!found)
		w->replan_at = REPLAN_MIN_BLOCKS;
	nblocks = RelationGetNumberOfBlocks(rel);
	if (nblocks >= w->replan_at)
	{
		ResetPlanCache();
		w->replan_at = 2 * nblocks;
	}
}

/*
 * Trigger on procgov's rule tables (event types, transitions, guards,
 * effects): a relcache invalidation of the table tells every backend to
 * reload what it compiled from it, at its next use.
 */
PG_FUNCTION_INFO_V1(config_changed);
Datum
config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.config_changed() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);	/* a statement trigger returns NULL, without the isnull flag */
}

/* procgov.calling_role(): the role outside any SECURITY DEFINER function (the login or its SET ROLE). */
PG_FUNCTION_INFO_V1(calling_role);
Datum
calling_role(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(procgov_calling_role_id(), false)));
}

/* procgov.enforcing(): whether the rules are on (procgov.enforce), for the SQL parts. */
PG_FUNCTION_INFO_V1(enforcing);
Datum
enforcing(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_BOOL(procgov_enforce);
}

/* procgov.current_actor(): the acting end user, as the ledger records it. */
PG_FUNCTION_INFO_V1(current_actor);
Datum
current_actor(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(procgov_actor_name()));
}
