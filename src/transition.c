/*-------------------------------------------------------------------------
 * src/transition.c
 *		The state machine: one C trigger on every governed document table.
 *
 * On a state change it looks the transition up in procgov.transition
 * (compiled once per backend, reloaded when the rules change), refuses a
 * transition that has no row or whose guards do not hold, runs the
 * transition's effects, stamps who and when, and in the same transaction
 * appends to the audit ledger and emits the transition's event.  Changes
 * that are not transitions are audited with the columns they changed.  A
 * purchase order changed materially after approval gets a new version and,
 * when its total grows or its supplier changes, goes back for approval.
 *
 * Guards and effects are SQL functions named in procgov.guard and
 * procgov.effect; the trigger calls them through fmgr with the document as
 * jsonb, each as the owner of its function (never with the rights of the
 * SECURITY DEFINER API that caused the update).  Anything that updates the table goes through this trigger, so
 * no client gets around the rules: procgov.enforce = off (superusers only)
 * lets a migration load history, and even then every change is audited.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/syscache.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/numeric.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#if PG_VERSION_NUM >= 140000
#define PROCGOV_HASH_STRINGS HASH_STRINGS
#else
#define PROCGOV_HASH_STRINGS 0
#endif

#define KIND_MAX		63
#define RULE_KEY_MAX	(KIND_MAX + 2 * NAMEDATALEN + 3)

/* Column numbers of procgov.transition, procgov.guard and procgov.effect. */
enum
{
	TR_KIND = 1, TR_FROM, TR_TO, TR_GUARDS, TR_EFFECTS, TR_EVENT_TYPE
};
enum
{
	GD_GUARD = 1, GD_FUNCTION, GD_DESCRIPTION, GD_HINT
};
enum
{
	EF_EFFECT = 1, EF_FUNCTION
};

/* One guard or effect a rule refers to, resolved to its function. */
typedef struct RuleFunction
{
	char	   *name;
	Oid			fn;				/* InvalidOid: no such guard/effect */
	char	   *hint;			/* guards only */
	Oid			owner;			/* the function runs as its owner */
	bool		bad_signature;	/* not what a guard or effect must be: never called */
	FmgrInfo	flinfo;
	bool		flinfo_valid;
} RuleFunction;

/* A compiled transition. */
typedef struct Rule
{
	char		key[RULE_KEY_MAX];	/* kind|from|to, from empty for creation */
	int			nguards;
	RuleFunction *guards;
	int			neffects;
	RuleFunction *effects;
	char	   *event_type;		/* NULL: none */
} Rule;

typedef struct StateMachine
{
	HTAB	   *rules;			/* NULL: reload */
	MemoryContext cxt;			/* the current rules */
	MemoryContext retired;		/* replaced rules, freed at transaction end */
	Oid			transition_rel;
	Oid			guard_rel;
	Oid			effect_rel;
} StateMachine;

static StateMachine sm;

/*
 * What a document's approval steps are planned for besides its lines (the
 * facts procgov.plan_approval reads: supplier, total, requester or buyer,
 * site, cost centre, urgency), each as the column and the word an error
 * uses.  A document awaiting approval keeps them.
 */
static const char *const planned_columns[] = {
	"supplier_id", "total", "buyer", "requester", "cost_center", "site", "urgent"
};
static const char *const planned_words[lengthof(planned_columns)] = {
	"supplier", "total", "buyer", "requester", "cost center", "site", "urgency"
};

/* Where the common columns of a governed table are (0: absent). */
typedef struct TableInfo
{
	Oid			relid;
	bool		valid;
	AttrNumber	state;
	AttrNumber	number;
	AttrNumber	entity;
	AttrNumber	correlation;
	AttrNumber	changed_at;
	AttrNumber	changed_by;
	AttrNumber	version;
	AttrNumber	supplier;
	AttrNumber	total;
	AttrNumber	approved_total;
	AttrNumber	created_by;
	AttrNumber	protected_cols[4];	/* set only by procgov: policy_id, submitted_by, submitted_at, submitters */
	AttrNumber	planned[lengthof(planned_columns)];
} TableInfo;

#define MAX_TABLES 32
static TableInfo tables[MAX_TABLES];
static int	ntables = 0;

/* procgov.enforce and procgov.reason (procgov.c registers them). */
bool		procgov_enforce = true;
char	   *procgov_reason = NULL;

/* ===================================================================
 * Compiling the rules
 * =================================================================== */

static void
transition_invalidate(Datum arg, Oid relid)
{
	int			i;

	(void) arg;
	/* only marked: a trigger further up the stack may still hold a rule */
	if (relid == InvalidOid || relid == sm.transition_rel || relid == sm.guard_rel || relid == sm.effect_rel)
		sm.rules = NULL;
	for (i = 0; i < ntables; i++)
		if (relid == InvalidOid || relid == tables[i].relid)
			tables[i].valid = false;
}

/* A function changed (owner, body, dropped): compile the rules again. */
static void
transition_proc_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	sm.rules = NULL;
}

/* Rules replaced during a transaction are freed when it ends. */
static void
transition_xact_end(XactEvent event, void *arg)
{
	(void) arg;
	if ((event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		 event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		 event == XACT_EVENT_PREPARE) && sm.retired)
		MemoryContextDeleteChildren(sm.retired);
}

void
TransitionInit(void)
{
	procgov_on_relcache(transition_invalidate);
	CacheRegisterSyscacheCallback(PROCOID, transition_proc_changed, (Datum) 0);
	RegisterXactCallback(transition_xact_end, NULL);
}

static char *
text_col(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, col, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * Whether a function is what a guard is, (text, jsonb) returns text, or an
 * effect, (text, jsonb, procgov.state, procgov.state) returns jsonb: a plain,
 * non-set function of exactly those types.  Anything else is never called,
 * whoever managed to register it (calling a C function with other argument
 * types would read them as something they are not).
 */
static bool
rule_signature_ok(Form_pg_proc p, bool guard)
{
	Oid			state = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("state"),
										ObjectIdGetDatum(get_namespace_oid("procgov", false)));
	int			nargs = guard ? 2 : 4;

	if (p->prokind != PROKIND_FUNCTION || p->proretset || p->pronargs != nargs ||
		p->prorettype != (guard ? TEXTOID : JSONBOID))
		return false;
	for (int i = 0; i < nargs; i++)
		if (p->proargtypes.values[i] != (i == 0 ? TEXTOID : i == 1 ? JSONBOID : state))
			return false;
	return true;
}

/* Name -> (function, hint) for every row of procgov.guard or procgov.effect. */
static HTAB *
load_functions(Oid relid, bool with_hint, Snapshot snap)
{
	HASHCTL		ctl;
	HTAB	   *h;
	Relation	rel = table_open(relid, AccessShareLock);
	TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);
	HeapTuple	tup;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(RuleFunction) + NAMEDATALEN;
	ctl.hcxt = CurrentMemoryContext;
	h = hash_create("procgov rule functions", 32, &ctl, HASH_ELEM | PROCGOV_HASH_STRINGS | HASH_CONTEXT);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		char	   *name = text_col(tup, RelationGetDescr(rel), 1);
		bool		isnull;
		Datum		fn = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
		char	   *entry;
		RuleFunction *rf;

		if (name == NULL || strlen(name) >= NAMEDATALEN)
			continue;
		entry = hash_search(h, name, HASH_ENTER, NULL);
		rf = (RuleFunction *) (entry + NAMEDATALEN);
		rf->name = pstrdup(name);
		rf->fn = isnull ? InvalidOid : DatumGetObjectId(fn);
		rf->owner = InvalidOid;
		rf->bad_signature = false;
		if (OidIsValid(rf->fn))
		{
			HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(rf->fn));

			if (HeapTupleIsValid(proc))
			{
				rf->owner = ((Form_pg_proc) GETSTRUCT(proc))->proowner;
				rf->bad_signature = !rule_signature_ok((Form_pg_proc) GETSTRUCT(proc), with_hint);
				ReleaseSysCache(proc);
			}
			else
				rf->fn = InvalidOid;	/* dropped: reported as unknown */
		}
		rf->hint = with_hint ? text_col(tup, RelationGetDescr(rel), GD_HINT) : NULL;
		rf->flinfo_valid = false;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return h;
}

/* Resolve the names of a text[] column against a function table. */
static RuleFunction *
resolve_names(Datum arr, bool isnull, HTAB *fns, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	RuleFunction *out;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(arr), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	out = palloc0(sizeof(RuleFunction) * (count + 1));
	for (i = 0; i < count; i++)
	{
		char	   *name = nulls[i] ? pstrdup("(null)") : TextDatumGetCString(elems[i]);
		char	   *entry = strlen(name) < NAMEDATALEN ? hash_search(fns, name, HASH_FIND, NULL) : NULL;

		if (entry)
			out[i] = *(RuleFunction *) (entry + NAMEDATALEN);
		else
		{
			out[i].name = name;
			out[i].fn = InvalidOid;
		}
	}
	*n = count;
	return out;
}

static void
rule_key(char *key, const char *kind, const char *from, const char *to)
{
	snprintf(key, RULE_KEY_MAX, "%s|%s|%s", kind, from ? from : "", to);
}

static void
load_rules(void)
{
	HASHCTL		ctl;
	HTAB	   *rules,
			   *guards,
			   *effects;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	MemoryContext old;

	sm.transition_rel = procgov_relid("transition");
	sm.guard_rel = procgov_relid("guard");
	sm.effect_rel = procgov_relid("effect");
	/*
	 * A new context for the new rules; the old ones may still be in use by a
	 * trigger further up the stack (a guard that edits the rules, or an
	 * invalidation read while a guard runs), so they retire until the
	 * transaction ends.
	 */
	if (sm.retired == NULL)
		sm.retired = AllocSetContextCreate(TopMemoryContext, "procgov retired rules", ALLOCSET_SMALL_SIZES);
	if (sm.cxt)
		MemoryContextSetParent(sm.cxt, sm.retired);
	sm.cxt = AllocSetContextCreate(TopMemoryContext, "procgov state machine", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(sm.cxt);
	snap = RegisterSnapshot(GetLatestSnapshot());
	guards = load_functions(sm.guard_rel, true, snap);
	effects = load_functions(sm.effect_rel, false, snap);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = RULE_KEY_MAX;
	ctl.entrysize = sizeof(Rule);
	ctl.hcxt = sm.cxt;
	rules = hash_create("procgov transitions", 128, &ctl, HASH_ELEM | PROCGOV_HASH_STRINGS | HASH_CONTEXT);

	rel = table_open(sm.transition_rel, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		char		key[RULE_KEY_MAX];
		char	   *kind = text_col(tup, desc, TR_KIND);
		bool		isnull;
		Datum		d;
		char	   *from = NULL,
				   *to;
		Rule	   *r;

		d = heap_getattr(tup, TR_FROM, desc, &isnull);
		if (!isnull)
			from = DatumGetCString(DirectFunctionCall1(enum_out, d));
		d = heap_getattr(tup, TR_TO, desc, &isnull);
		if (isnull || kind == NULL)
			continue;
		to = DatumGetCString(DirectFunctionCall1(enum_out, d));
		rule_key(key, kind, from, to);
		r = hash_search(rules, key, HASH_ENTER, NULL);
		d = heap_getattr(tup, TR_GUARDS, desc, &isnull);
		r->guards = resolve_names(d, isnull, guards, &r->nguards);
		d = heap_getattr(tup, TR_EFFECTS, desc, &isnull);
		r->effects = resolve_names(d, isnull, effects, &r->neffects);
		r->event_type = text_col(tup, desc, TR_EVENT_TYPE);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	sm.rules = rules;
}

static Rule *
find_rule(const char *kind, const char *from, const char *to)
{
	char		key[RULE_KEY_MAX];

	if (sm.rules == NULL)
		load_rules();
	rule_key(key, kind, from, to);
	return hash_search(sm.rules, key, HASH_FIND, NULL);
}

/* The states a document of this kind may move to from one state, for a hint, in state order. */
static const char *const state_order[] = {
	"draft", "submitted", "pending_approval", "approved", "rejected", "transmitted", "acknowledged",
	"shipped", "partially_received", "received", "matched", "disputed", "posted", "closed", "cancelled"
};

static int
state_rank(const char *state)
{
	for (int i = 0; i < (int) lengthof(state_order); i++)
		if (strcmp(state, state_order[i]) == 0)
			return i;
	return (int) lengthof(state_order);
}

static int
state_cmp(const void *a, const void *b)
{
	const char *sa = *(const char *const *) a;
	const char *sb = *(const char *const *) b;
	int			ra = state_rank(sa),
				rb = state_rank(sb);

	return ra != rb ? (ra < rb ? -1 : 1) : strcmp(sa, sb);
}

static char *
next_states(const char *kind, const char *from)
{
	HASH_SEQ_STATUS hs;
	Rule	   *r;
	StringInfoData buf;
	char		prefix[RULE_KEY_MAX];
	const char **found;
	int			n = 0;

	snprintf(prefix, sizeof(prefix), "%s|%s|", kind, from ? from : "");
	found = palloc(sizeof(char *) * (hash_get_num_entries(sm.rules) + 1));
	hash_seq_init(&hs, sm.rules);
	while ((r = hash_seq_search(&hs)) != NULL)
		if (strncmp(r->key, prefix, strlen(prefix)) == 0)
			found[n++] = r->key + strlen(prefix);
	if (n == 0)
		return NULL;
	qsort(found, n, sizeof(char *), state_cmp);
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", found[i]);
	return buf.data;
}

/* ===================================================================
 * The governed table's columns
 * =================================================================== */

static TableInfo *
table_info(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	TableInfo  *t = NULL;
	int			i;

	for (i = 0; i < ntables; i++)
		if (tables[i].relid == relid)
		{
			t = &tables[i];
			if (t->valid)
				return t;
			break;
		}
	if (t == NULL)
	{
		if (ntables == MAX_TABLES)
			ntables = 0;		/* forget them all; they are cheap to find again */
		t = &tables[ntables++];
	}
	t->relid = relid;
	t->state = procgov_attnum(desc, "state");
	t->number = procgov_attnum(desc, "number");
	t->entity = procgov_attnum(desc, "entity_id");
	t->correlation = procgov_attnum(desc, "correlation_id");
	t->changed_at = procgov_attnum(desc, "state_changed_at");
	t->changed_by = procgov_attnum(desc, "state_changed_by");
	t->version = procgov_attnum(desc, "version");
	t->supplier = procgov_attnum(desc, "supplier_id");
	t->total = procgov_attnum(desc, "total");
	t->approved_total = procgov_attnum(desc, "approved_total");
	t->created_by = procgov_attnum(desc, "created_by");
	t->protected_cols[0] = procgov_attnum(desc, "policy_id");
	t->protected_cols[1] = procgov_attnum(desc, "submitted_by");
	t->protected_cols[2] = procgov_attnum(desc, "submitted_at");
	t->protected_cols[3] = procgov_attnum(desc, "submitters");
	for (i = 0; i < (int) lengthof(planned_columns); i++)
		t->planned[i] = procgov_attnum(desc, planned_columns[i]);
	if (t->state == 0 || t->number == 0 || t->entity == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("table %s cannot be governed by procgov.govern_document()", RelationGetRelationName(rel)),
				 errdetail("A governed document table needs the columns state, number and entity_id."),
				 errhint("Put existing ERP tables under governance with procgov.govern() instead.")));
	t->valid = true;
	return t;
}

/* ===================================================================
 * Calling guards and effects
 * =================================================================== */

/* The row as the jsonb document guards, effects and events see. */
static Jsonb *
row_document(HeapTuple tup, TupleDesc desc)
{
	return procgov_row_jsonb(tup, desc);
}

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = unconstify(char *, key);
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
push_text(JsonbParseState **st, const char *key, const char *val)
{
	JsonbValue	v;

	push_key(st, key);
	if (val == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = unconstify(char *, val);
		v.val.string.len = strlen(val);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * What the ledger and the event say about a transition: {"from", "to"},
 * the version when the document has one, "enforced": false when the rules
 * were off, and the document itself for events.  Built as jsonb directly.
 */
static Jsonb *
transition_payload(const char *from, const char *to, const char *version, bool enforced, Jsonb *document,
				   const ProcgovLocalChange *local)
{
	JsonbParseState *st = NULL;
	JsonbValue	v;
	JsonbValue *res;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_text(&st, "from", from);
	push_text(&st, "to", to);
	if (local)
	{
		/* a governed ERP row's status change moved the document */
		push_key(&st, "local");
		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_text(&st, "table", local->table);
		push_text(&st, "from", local->from);
		push_text(&st, "to", local->to);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	if (version)
	{
		push_key(&st, "version");
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(version),
															ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	if (!enforced)
	{
		push_key(&st, "enforced");
		v.type = jbvBool;
		v.val.boolean = false;
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	if (document)
	{
		push_key(&st, "document");
		v.type = jbvBinary;
		v.val.binary.data = &document->root;
		v.val.binary.len = VARSIZE(document) - VARHDRSZ;
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* Call fn(args...) allowing a NULL result. */
static Datum
call_rule_function(RuleFunction *rf, int nargs, Datum *args, bool *argnull, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, 4);
	Datum		result;
	int			i;
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel = 0;
	bool		switch_user;

	if (rf->bad_signature)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("procgov rule function for \"%s\" is not a %s", rf->name, nargs == 2 ? "guard" : "effect"),
				 errdetail("%s is not (kind text, document jsonb%s) returns %s.", format_procedure(rf->fn),
						   nargs == 2 ? "" : ", from_state procgov.state, to_state procgov.state",
						   nargs == 2 ? "text" : "jsonb"),
				 errhint("Point procgov.%s at a function of that signature.", nargs == 2 ? "guard" : "effect")));
	if (!rf->flinfo_valid)
	{
		fmgr_info_cxt(rf->fn, &rf->flinfo, sm.cxt);
		rf->flinfo_valid = true;
	}
	if (rf->flinfo.fn_nargs != nargs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("procgov rule function for \"%s\" takes %d arguments, not %d",
						rf->name, rf->flinfo.fn_nargs, nargs),
				 errhint("A guard is (kind text, document jsonb) returns text; an effect is (kind text, document jsonb, from_state procgov.state, to_state procgov.state) returns jsonb.")));
	InitFunctionCallInfoData(*fcinfo, &rf->flinfo, nargs, InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = argnull[i];
	}

	/*
	 * A guard or effect runs as the owner of its function, as a foreign-key
	 * check runs as the table's owner: the API functions are SECURITY
	 * DEFINER, and a site's own guard must not run with their rights.  An
	 * error unwinds the switch with the (sub)transaction.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	switch_user = OidIsValid(rf->owner) && rf->owner != save_userid;
	if (switch_user)
	{
		/* and on procgov's search_path, so the caller's cannot redirect what it calls */
		save_nestlevel = NewGUCNestLevel();
		(void) set_config_option("search_path", "pg_catalog, procgov, pg_temp", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		SetUserIdAndSecContext(rf->owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	}
	result = FunctionCallInvoke(fcinfo);
	if (switch_user)
	{
		SetUserIdAndSecContext(save_userid, save_sec);
		AtEOXact_GUC(true, save_nestlevel);
	}
	*isnull = fcinfo->isnull;
	return result;
}

/* Apply an effect's {"column": value, ...} to the new row. */
static HeapTuple
apply_changes(HeapTuple tup, TupleDesc desc, Jsonb *changes, const char *effect)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0,
				cap = 8;
	int		   *cols = palloc(sizeof(int) * cap);
	Datum	   *vals = palloc(sizeof(Datum) * cap);
	bool	   *nulls = palloc(sizeof(bool) * cap);
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(changes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("procgov effect \"%s\" returned %s, not a jsonb object", effect,
						JsonbToCString(NULL, &changes->root, VARSIZE(changes))),
				 errhint("An effect returns NULL or {\"column\": value, ...} for the document row.")));
	it = JsonbIteratorInit(&changes->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE && key)
		{
			AttrNumber	att = procgov_attnum(desc, key);
			char	   *txt;
			Oid			in,
						ioparam;

			if (att == 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("procgov effect \"%s\" sets column \"%s\", which the document has not", effect, key),
						 errhint("Fix the effect function named in procgov.effect.")));
			/* scalars as their text; an array or object as its JSON text (a jsonb column) */
			txt = procgov_jsonb_value_text(&v);
			if (n == cap)
			{
				cap *= 2;
				cols = repalloc(cols, sizeof(int) * cap);
				vals = repalloc(vals, sizeof(Datum) * cap);
				nulls = repalloc(nulls, sizeof(bool) * cap);
			}
			getTypeInputInfo(TupleDescAttr(desc, att - 1)->atttypid, &in, &ioparam);
			cols[n] = att;
			nulls[n] = (txt == NULL);
			vals[n] = txt ? OidInputFunctionCall(in, txt, ioparam, TupleDescAttr(desc, att - 1)->atttypmod) : (Datum) 0;
			n++;
			key = NULL;
		}
	}
	return n ? heap_modify_tuple_by_cols(tup, desc, n, cols, vals, nulls) : tup;
}

/* ===================================================================
 * The trigger
 * =================================================================== */

/*
 * What segregation of duties rests on is recorded by procgov, never by the
 * statement: the policy a document was submitted under and who submitted it
 * (set by the effect plan_approval), and who created it (set here).
 */
static void
check_protected(const TableInfo *t, TupleDesc desc, HeapTuple oldtup, HeapTuple newtup, const char *label)
{
	AttrNumber	cols[lengthof(t->protected_cols) + 1];
	int			n = 0;

	for (int i = 0; i < (int) lengthof(t->protected_cols); i++)
		if (t->protected_cols[i])
			cols[n++] = t->protected_cols[i];
	if (oldtup && t->created_by)
		cols[n++] = t->created_by;
	for (int i = 0; i < n; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, cols[i] - 1);
		bool		nnull,
					onull = true;
		Datum		nv = heap_getattr(newtup, cols[i], desc, &nnull);
		Datum		ov = oldtup ? heap_getattr(oldtup, cols[i], desc, &onull) : (Datum) 0;
		char	   *was;
		char	   *now;

		if (nnull == onull && (nnull || datumIsEqual(ov, nv, att->attbyval, att->attlen)))
			continue;
		was = oldtup ? procgov_column_text(oldtup, desc, cols[i]) : NULL;
		now = procgov_column_text(newtup, desc, cols[i]);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: column %s is recorded by procgov, not set by a statement", label, NameStr(att->attname)),
				 errdetail("The statement would change it from %s to %s.", was ? was : "NULL", now ? now : "NULL"),
				 errhint("policy_id, submitted_by, submitted_at and submitters are recorded when the document is submitted, created_by when it is created.")));
	}
}

/* "purchase order PO-1001 (ACME)" for messages. */
static char *
doc_label(const char *kind, const char *number, const char *entity)
{
	return psprintf("%s %s (%s)", procgov_words(kind), number ? number : "(no number)", entity ? entity : "?");
}

/* Set one column of the new row from a text value. */
static HeapTuple
set_column(HeapTuple tup, TupleDesc desc, AttrNumber att, const char *txt)
{
	Oid			in,
				ioparam;
	int			cols[1];
	Datum		vals[1];
	bool		nulls[1];

	if (att == 0)
		return tup;
	getTypeInputInfo(TupleDescAttr(desc, att - 1)->atttypid, &in, &ioparam);
	cols[0] = att;
	nulls[0] = (txt == NULL);
	vals[0] = txt ? OidInputFunctionCall(in, unconstify(char *, txt), ioparam, TupleDescAttr(desc, att - 1)->atttypmod) : (Datum) 0;
	return heap_modify_tuple_by_cols(tup, desc, 1, cols, vals, nulls);
}

/*
 * The columns an update changed, as {"column": [old, new], ...}, leaving out
 * the stamps.  Values are rendered as in the row's JSON form (ISO dates,
 * numbers as numbers), so the ledger does not depend on DateStyle.
 */
static Jsonb *
changed_columns(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const TableInfo *t, int *count)
{
	bool	   *skip = palloc0(sizeof(bool) * desc->natts);

	/* the stamps of who and when change with everything */
	if (t->changed_at > 0)
		skip[t->changed_at - 1] = true;
	if (t->changed_by > 0)
		skip[t->changed_by - 1] = true;
	return procgov_changed_columns(oldtup, newtup, desc, skip, NULL, count);
}

static text *
stream_of(const char *kind, const char *entity, const char *number)
{
	return cstring_to_text(psprintf("%s:%s:%s", kind, entity ? entity : "", number ? number : ""));
}

/*
 * A purchase order changed materially after approval (its total or its
 * supplier): record a new version, and send it back for approval when the
 * total grew or the supplier changed.  Returns the new row.
 */
static HeapTuple
version_order(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const TableInfo *t,
			  char **to_state)
{
	static Oid	fn = InvalidOid;
	Oid			argtypes[2] = {JSONBOID, JSONBOID};
	Datum		result;
	HeapTupleHeader rec;
	bool		isnull;
	int32		version;
	bool		reapprove;
	char		vtxt[16];

	/* called through fmgr, not SQL: whoever may update the order may version it */
	if (!OidIsValid(fn) || !SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(fn)))
		fn = LookupFuncName(list_make2(makeString("procgov"), makeString("record_order_version")),
							2, argtypes, false);
	result = OidFunctionCall2(fn, JsonbPGetDatum(row_document(oldtup, desc)),
							  JsonbPGetDatum(row_document(newtup, desc)));
	rec = DatumGetHeapTupleHeader(result);
	version = DatumGetInt32(GetAttributeByNum(rec, 1, &isnull));
	reapprove = DatumGetBool(GetAttributeByNum(rec, 2, &isnull));

	snprintf(vtxt, sizeof(vtxt), "%d", version);
	newtup = set_column(newtup, desc, t->version, vtxt);
	if (reapprove)
	{
		newtup = set_column(newtup, desc, t->state, "pending_approval");
		*to_state = "pending_approval";
	}
	return newtup;
}

/*
 * The first of the columns a plan reads (planned_columns) that an update
 * changes, or -1; with its text before and after in *o and *n when asked.
 */
static int
changed_planned_column(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const TableInfo *t,
					   char **o, char **n)
{
	for (int i = 0; i < (int) lengthof(planned_columns); i++)
	{
		char	   *before,
				   *after;

		if (t->planned[i] == 0)
			continue;
		before = procgov_column_text(oldtup, desc, t->planned[i]);
		after = procgov_column_text(newtup, desc, t->planned[i]);
		if ((before == NULL) != (after == NULL) || (before && after && strcmp(before, after) != 0))
		{
			if (o)
				*o = before;
			if (n)
				*n = after;
			return i;
		}
	}
	return -1;
}

PG_FUNCTION_INFO_V1(govern_document);
Datum
govern_document(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	TableInfo  *t;
	const char *kind;
	HeapTuple	oldtup = NULL,
				newtup;
	char	   *from = NULL,
			   *to,
			   *number,
			   *entity,
			   *correlation;
	Rule	   *rule;
	Jsonb	   *doc = NULL;
	char	   *label;
	char	   *nexts;
	int			i;
	bool		is_insert;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.govern_document() must be called as a trigger")));
	/* on an ERP table procgov.govern() put under governance: through its mapping */
	if (td->tg_trigger->tgnargs >= 2 && strcmp(td->tg_trigger->tgargs[1], "mapped") == 0)
		return procgov_govern_mapped(fcinfo);
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)) ||
		td->tg_trigger->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.govern_document() must fire BEFORE INSERT OR UPDATE FOR EACH ROW with the document kind as argument")));

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	kind = td->tg_trigger->tgargs[0];
	t = table_info(rel);
	is_insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	if (is_insert)
		procgov_replan_as_table_grows(rel);
	newtup = is_insert ? td->tg_trigtuple : td->tg_newtuple;
	if (!is_insert)
	{
		oldtup = td->tg_trigtuple;
		from = procgov_column_text(oldtup, desc, t->state);
	}
	to = procgov_column_text(newtup, desc, t->state);
	number = procgov_column_text(newtup, desc, t->number);
	entity = procgov_column_text(newtup, desc, t->entity);
	correlation = procgov_column_text(newtup, desc, t->correlation);
	label = doc_label(kind, number, entity);

	if (to == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("%s has no state", label),
				 errhint("Every governed document has a state.")));
	if (procgov_enforce)
		check_protected(t, desc, oldtup, newtup, label);
	if (is_insert && t->created_by)
	{
		bool		isnull;

		/* a migration with the rules off may load who created the document */
		(void) heap_getattr(newtup, t->created_by, desc, &isnull);
		if (procgov_enforce || isnull)
			newtup = set_column(newtup, desc, t->created_by, procgov_actor_name());
	}

	/* a change that is not a transition */
	if (!is_insert && strcmp(from, to) == 0)
	{
		int			nchanged;
		Jsonb	   *diff;

		/*
		 * A purchase order changed materially after approval gets a new
		 * version: a change of anything its plan read (supplier, total, buyer,
		 * cost centre, site, urgency); record_order_version() decides whether
		 * it goes back for approval.
		 */
		if (strcmp(kind, "purchase_order") == 0 && procgov_enforce &&
			(strcmp(from, "approved") == 0 || strcmp(from, "transmitted") == 0 ||
			 strcmp(from, "acknowledged") == 0 || strcmp(from, "shipped") == 0) &&
			changed_planned_column(oldtup, newtup, desc, t, NULL, NULL) >= 0)
			newtup = version_order(oldtup, newtup, desc, t, &to);

		/*
		 * A document awaiting approval keeps what its steps were planned for
		 * (its lines are held the same way, by procgov.lines_changed).  The
		 * plan is made on the move to pending_approval: a requisition that
		 * is only submitted has none yet, and procgov.submit() still sets its
		 * urgency there.
		 */
		if ((strcmp(kind, "purchase_order") == 0 || strcmp(kind, "requisition") == 0) && procgov_enforce &&
			strcmp(from, "pending_approval") == 0)
		{
			char	   *o,
					   *n;
			int			c = changed_planned_column(oldtup, newtup, desc, t, &o, &n);

			if (c >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s cannot change its %s while it awaits approval", label, planned_words[c]),
						 errdetail("It is %s; its approval steps were planned for the %s it was submitted with (%s, now %s).",
								   from, planned_words[c], o ? o : "none", n ? n : "none"),
						 errhint("Have it rejected (it goes back as a draft), change it and submit it again; or cancel it.")));
		}
		if (strcmp(from, to) == 0)
		{
			diff = changed_columns(oldtup, newtup, desc, t, &nchanged);
			if (nchanged > 0)
				(void) procgov_audit_append(stream_of(kind, entity, number), cstring_to_text("update"),
											diff, procgov_reason && procgov_reason[0] ? cstring_to_text(procgov_reason) : NULL);
			return PointerGetDatum(newtup);
		}
	}

	if (procgov_enforce)
	{
		rule = find_rule(kind, from, to);
		if (rule == NULL)
		{
			if (is_insert)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s cannot be created in state %s", label, to),
						 errdetail("procgov.transition has no row for %s created in %s.", kind, to),
						 (nexts = next_states(kind, NULL)) != NULL
						 ? errhint("A %s is created in: %s.", kind, nexts)
						 : errhint("procgov.transition has no creation row for %s: add one (from_state NULL).", kind)));
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s cannot move from %s to %s", label, from, to),
					 errdetail("procgov.transition has no row for %s from %s to %s.", kind, from, to),
					 (nexts = next_states(kind, from)) != NULL
					 ? errhint("From %s a %s may move to: %s.", from, kind, nexts)
					 : errhint("A %s in state %s moves no further.", kind, from)));
		}

		/* guards, in order: the first that does not hold refuses the transition */
		for (i = 0; i < rule->nguards; i++)
		{
			RuleFunction *g = &rule->guards[i];
			Datum		args[2];
			bool		argnull[2] = {false, false};
			bool		isnull;
			Datum		reason;

			if (!OidIsValid(g->fn))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("transition of %s from %s to %s names unknown guard \"%s\"",
								kind, from ? from : "(creation)", to, g->name),
						 errhint("Add the guard to procgov.guard or remove it from procgov.transition.")));
			if (doc == NULL)
				doc = row_document(newtup, desc);
			args[0] = CStringGetTextDatum(kind);
			args[1] = JsonbPGetDatum(doc);
			reason = call_rule_function(g, 2, args, argnull, &isnull);
			if (!isnull)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 is_insert
						 ? errmsg("%s cannot be created in state %s: guard %s does not hold", label, to, g->name)
						 : errmsg("%s cannot move from %s to %s: guard %s does not hold", label, from, to, g->name),
						 errdetail_internal("%s", TextDatumGetCString(reason)),
						 g->hint ? errhint("%s", g->hint) : 0));
		}

		/* effects, in order; each may set columns of the document */
		for (i = 0; i < rule->neffects; i++)
		{
			RuleFunction *e = &rule->effects[i];
			Datum		args[4];
			bool		argnull[4] = {false, false, is_insert, false};
			bool		isnull;
			Datum		changes;

			if (!OidIsValid(e->fn))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("transition of %s from %s to %s names unknown effect \"%s\"",
								kind, from ? from : "(creation)", to, e->name),
						 errhint("Add the effect to procgov.effect or remove it from procgov.transition.")));
			if (doc == NULL)
				doc = row_document(newtup, desc);
			args[0] = CStringGetTextDatum(kind);
			args[1] = JsonbPGetDatum(doc);
			args[2] = is_insert ? (Datum) 0 : heap_getattr(oldtup, t->state, desc, &isnull);
			args[3] = heap_getattr(newtup, t->state, desc, &isnull);
			changes = call_rule_function(e, 4, args, argnull, &isnull);
			if (!isnull)
			{
				newtup = apply_changes(newtup, desc, DatumGetJsonbP(changes), e->name);
				doc = NULL;		/* the document changed */
			}
		}
	}
	else
		rule = NULL;

	/* stamp who and when */
	if (t->changed_at && TupleDescAttr(desc, t->changed_at - 1)->atttypid == TIMESTAMPTZOID)
	{
		int			col = t->changed_at;
		Datum		now = TimestampTzGetDatum(GetCurrentTimestamp());
		bool		notnull = false;

		newtup = heap_modify_tuple_by_cols(newtup, desc, 1, &col, &now, &notnull);
	}
	if (t->changed_by)
		newtup = set_column(newtup, desc, t->changed_by, procgov_actor_name());

	/* the ledger and the event, in this transaction */
	{
		char	   *version = procgov_column_text(newtup, desc, t->version);
		const ProcgovLocalChange *local = procgov_local_change;

		if (local && (strcmp(kind, "purchase_order") != 0 || entity == NULL || number == NULL ||
					  local->entity == NULL || local->number == NULL ||
					  strcmp(local->entity, entity) != 0 || strcmp(local->number, number) != 0))
			local = NULL;		/* another document, changed on the way */
		(void) procgov_audit_append(stream_of(kind, entity, number),
									cstring_to_text(is_insert ? "create" : "transition"),
									transition_payload(from, to, version, procgov_enforce, NULL, local),
									procgov_reason && procgov_reason[0] ? cstring_to_text(procgov_reason) : NULL);

		if (rule && rule->event_type)
		{
			ProcgovEvent ev;

			memset(&ev, 0, sizeof(ev));
			ev.event_type = rule->event_type;
			ev.aggregate_kind = kind;
			ev.aggregate_id = psprintf("%s:%s", entity, number);
			ev.entity = entity;
			ev.aggregate_version = version ? strtol(version, NULL, 10) : 0;
			if (correlation)
				ev.correlation_id = DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(correlation)));
			ev.payload = transition_payload(from, to, NULL, true, row_document(newtup, desc), local);
			(void) procgov_emit(&ev);
		}
	}
	return PointerGetDatum(newtup);
}
