/*-------------------------------------------------------------------------
 * src/erp.c
 *		The ERP adapter: an ERP's own tables under the governance trigger.
 *
 * procgov.govern() registers a table in procgov.governed_table, its local
 * status values in procgov.state_map, and installs procgov.govern_document
 * on it with the argument 'mapped'.  That trigger (src/transition.c hands
 * such calls here) compiles the mapping once per backend (column numbers,
 * the status map), reads the mapped values of each changed row and hands
 * them to procgov.erp_order_changed() or procgov.erp_line_changed(), which
 * keep the row's canonical document (a procgov.purchase_order and its lines)
 * in step through the canonical tables, so the same rules, guards, policy,
 * ledger, events, matching and jobs apply to it.  A refused change fails
 * the ERP's own statement, with the local status values in the message.
 *
 * procgov.adopt_rows() brings the rows a table already holds under
 * governance, through the same path, with the rules off (their history
 * happened before procgov was there; every adoption is audited as such).
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#define MAX_STATUS_COLUMNS	4

/* One local status value and what it means canonically. */
typedef struct StateEntry
{
	char	   *local;
	char	   *state;			/* NULL: the canonical state stays */
	char	   *via;			/* text form of procgov.state[] */
} StateEntry;

/* The compiled mapping of one governed table. */
typedef struct Mapping
{
	Oid			relid;
	bool		valid;
	MemoryContext cxt;
	bool		is_line;
	char	   *table;			/* qualified name, for messages */
	AttrNumber	key;
	int			nstatus;
	AttrNumber	status[MAX_STATUS_COLUMNS];
	char	   *entity_const;
	AttrNumber	entity;
	AttrNumber	number;
	AttrNumber	supplier;
	AttrNumber	requester;
	AttrNumber	amount;
	char	   *currency_const;
	AttrNumber	currency;
	AttrNumber	correlation;
	Oid			parent;
	AttrNumber	parent_key;
	AttrNumber	line_number;
	AttrNumber	quantity;
	AttrNumber	unit_price;
	AttrNumber	received;
	AttrNumber	invoiced;
	AttrNumber	description;
	AttrNumber	item;
	int			nstates;
	StateEntry *states;
} Mapping;

/* relid -> Mapping; entries stay where they are (a trigger up the stack may hold one) */
static HTAB *maps = NULL;
static Oid	registry_rel = InvalidOid;
static Oid	state_map_rel = InvalidOid;
static Oid	owner_cache = InvalidOid;

/* The local change being applied, for the ledger and event (transition.c reads it). */
ProcgovLocalChange *procgov_local_change = NULL;

static void
erp_invalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS hs;
	Mapping    *m;

	(void) arg;
	if (relid == InvalidOid)
		owner_cache = InvalidOid;	/* owners may have changed too */
	if (maps == NULL)
		return;
	hash_seq_init(&hs, maps);
	while ((m = hash_seq_search(&hs)) != NULL)
		if (relid == InvalidOid || relid == m->relid || relid == registry_rel || relid == state_map_rel)
			m->valid = false;
}

void
ErpInit(void)
{
	procgov_on_relcache(erp_invalidate);
}

static AttrNumber
column_of(Relation rel, const char *table, const char *name, bool required)
{
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	att;

	if (name == NULL)
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("the governance mapping of %s is incomplete", table),
					 errhint("Call procgov.ungovern() and procgov.govern() again with every column it needs.")));
		return 0;
	}
	att = procgov_attnum(desc, name);
	if (att != InvalidAttrNumber)
		return att;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of governed table %s no longer exists", name, table),
			 errdetail("procgov.governed_table maps it; the table was altered after procgov.govern()."),
			 errhint("Call procgov.ungovern() and procgov.govern() again with the table's current columns.")));
	return 0;					/* keep the compiler quiet */
}

static char *
spi_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* Run f as the owner of procgov's functions, on procgov's search_path. */
typedef struct AsOwner
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
} AsOwner;

static Oid
extension_owner(void)
{
	if (!OidIsValid(owner_cache))
	{
		Oid			argtypes[1] = {TEXTOID};
		Oid			fn = LookupFuncName(list_make2(makeString("procgov"), makeString("kind_label")), 1, argtypes, false);
		HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));

		if (!HeapTupleIsValid(proc))
			elog(ERROR, "cache lookup failed for function %u", fn);
		owner_cache = ((Form_pg_proc) GETSTRUCT(proc))->proowner;
		ReleaseSysCache(proc);
	}
	return owner_cache;
}

static void
as_owner_begin(AsOwner *s)
{
	GetUserIdAndSecContext(&s->save_userid, &s->save_sec);
	s->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, procgov, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	SetUserIdAndSecContext(extension_owner(), s->save_sec | SECURITY_LOCAL_USERID_CHANGE);
}

static void
as_owner_end(AsOwner *s)
{
	SetUserIdAndSecContext(s->save_userid, s->save_sec);
	AtEOXact_GUC(true, s->nestlevel);
}

static void
load_mapping(Mapping *m, Relation rel)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	MemoryContext old;
	AsOwner		own;
	char	   *v;

	if (m->cxt)
		MemoryContextReset(m->cxt);
	else
		m->cxt = AllocSetContextCreate(TopMemoryContext, "procgov governed table", ALLOCSET_SMALL_SIZES);
	registry_rel = procgov_relid("governed_table");
	state_map_rel = procgov_relid("state_map");
	m->relid = RelationGetRelid(rel);
	args[0] = ObjectIdGetDatum(m->relid);

	as_owner_begin(&own);
	SPI_connect();
	if (SPI_execute_with_args("SELECT kind, key_column, status_columns, entity_id, entity_column, number_column,"
							  " supplier_column, requester_column, amount_column, currency, currency_column,"
							  " correlation_column, parent::oid, parent_key_column, line_number_column, quantity_column,"
							  " unit_price_column, received_column, invoiced_column, description_column, item_column,"
							  " relid::text"
							  "  FROM procgov.governed_table WHERE relid = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading procgov.governed_table failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is not governed by procgov", RelationGetRelationName(rel)),
				 errdetail("It has procgov's governance trigger, but procgov.governed_table has no row for it."),
				 errhint("Call procgov.govern() for it, or drop the trigger procgov_govern.")));

	old = MemoryContextSwitchTo(m->cxt);
	m->table = pstrdup(spi_text(0, 22));
	m->is_line = strcmp(spi_text(0, 1), "purchase_order_line") == 0;
	m->key = column_of(rel, m->table, spi_text(0, 2), true);
	m->nstatus = 0;
	if ((v = spi_text(0, 3)) != NULL)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (n > MAX_STATUS_COLUMNS)
			n = MAX_STATUS_COLUMNS;
		for (int i = 0; i < n; i++)
			m->status[m->nstatus++] = column_of(rel, m->table, nulls[i] ? NULL : TextDatumGetCString(elems[i]), true);
	}
	m->entity_const = (v = spi_text(0, 4)) ? pstrdup(v) : NULL;
	m->entity = column_of(rel, m->table, spi_text(0, 5), false);
	m->number = column_of(rel, m->table, spi_text(0, 6), false);
	m->supplier = column_of(rel, m->table, spi_text(0, 7), false);
	m->requester = column_of(rel, m->table, spi_text(0, 8), false);
	m->amount = column_of(rel, m->table, spi_text(0, 9), false);
	m->currency_const = (v = spi_text(0, 10)) ? pstrdup(v) : NULL;
	m->currency = column_of(rel, m->table, spi_text(0, 11), false);
	m->correlation = column_of(rel, m->table, spi_text(0, 12), false);
	m->parent = (v = spi_text(0, 13)) ? (Oid) strtoul(v, NULL, 10) : InvalidOid;
	m->parent_key = column_of(rel, m->table, spi_text(0, 14), m->is_line);
	m->line_number = column_of(rel, m->table, spi_text(0, 15), false);
	m->quantity = column_of(rel, m->table, spi_text(0, 16), m->is_line);
	m->unit_price = column_of(rel, m->table, spi_text(0, 17), m->is_line);
	m->received = column_of(rel, m->table, spi_text(0, 18), false);
	m->invoiced = column_of(rel, m->table, spi_text(0, 19), false);
	m->description = column_of(rel, m->table, spi_text(0, 20), false);
	m->item = column_of(rel, m->table, spi_text(0, 21), false);
	MemoryContextSwitchTo(old);

	if (SPI_execute_with_args("SELECT local_status, state::text, via::text FROM procgov.state_map WHERE relid = $1 ORDER BY local_status",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading procgov.state_map failed");
	old = MemoryContextSwitchTo(m->cxt);
	m->nstates = (int) SPI_processed;
	m->states = palloc0(sizeof(StateEntry) * (m->nstates + 1));
	for (int i = 0; i < m->nstates; i++)
	{
		m->states[i].local = pstrdup(spi_text(i, 1));
		m->states[i].state = (v = spi_text(i, 2)) ? pstrdup(v) : NULL;
		m->states[i].via = pstrdup(spi_text(i, 3));
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	as_owner_end(&own);
	m->valid = true;
}

static Mapping *
mapping_for(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	Mapping    *m;
	bool		found;

	if (maps == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(Mapping);
		ctl.hcxt = TopMemoryContext;
		maps = hash_create("procgov governed tables", 32, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	m = hash_search(maps, &relid, HASH_ENTER, &found);
	if (!found)
	{
		memset(m, 0, sizeof(Mapping));
		m->relid = relid;
	}
	if (!m->valid)
		load_mapping(m, rel);
	return m;
}

/* The local status: the status columns' values joined by '/', NULL as ''. */
static char *
local_status(const Mapping *m, HeapTuple tup, TupleDesc desc)
{
	StringInfoData buf;

	if (tup == NULL || m->nstatus == 0)
		return NULL;
	initStringInfo(&buf);
	for (int i = 0; i < m->nstatus; i++)
	{
		char	   *v = procgov_column_text(tup, desc, m->status[i]);

		if (i > 0)
			appendStringInfoChar(&buf, '/');
		if (v)
			appendStringInfoString(&buf, v);
	}
	return buf.data;
}

static const StateEntry *
find_state(const Mapping *m, const char *local, const char *key)
{
	StringInfoData known;

	for (int i = 0; i < m->nstates; i++)
		if (strcmp(m->states[i].local, local) == 0)
			return &m->states[i];
	initStringInfo(&known);
	for (int i = 0; i < m->nstates; i++)
		appendStringInfo(&known, "%s\"%s\"", i ? ", " : "", m->states[i].local);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("status \"%s\" of row %s of %s has no canonical state", local, key ? key : "?", m->table),
			 errdetail("procgov.state_map maps these statuses of %s: %s.", m->table,
					   m->nstates ? known.data : "none"),
			 errhint("Map it first, e.g. INSERT INTO procgov.state_map (relid, local_status, state) VALUES (%s, %s, 'draft').",
					 quote_literal_cstr(m->table), quote_literal_cstr(local))));
	return NULL;
}

static bool
changed(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Call a procgov function by name with text arguments (NULL: SQL NULL) and a boolean last. */
static void
call_sync(const char *fname, Oid *fn, int ntext, char **vals, bool adopt)
{
	LOCAL_FCINFO(fcinfo, 20);
	FmgrInfo	flinfo;

	Assert(ntext < 20);
	if (!OidIsValid(*fn) || !SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(*fn)))
	{
		Oid			argtypes[20];

		argtypes[0] = REGCLASSOID;
		for (int i = 1; i < ntext; i++)
			argtypes[i] = TEXTOID;
		argtypes[ntext] = BOOLOID;
		*fn = LookupFuncName(list_make2(makeString("procgov"), makeString(unconstify(char *, fname))),
							 ntext + 1, argtypes, false);
	}
	fmgr_info(*fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, ntext + 1, InvalidOid, NULL, NULL);
	/* the first argument is the table, as an oid given in vals[0] */
	fcinfo->args[0].value = ObjectIdGetDatum((Oid) strtoul(vals[0], NULL, 10));
	fcinfo->args[0].isnull = false;
	for (int i = 1; i < ntext; i++)
	{
		fcinfo->args[i].isnull = (vals[i] == NULL);
		fcinfo->args[i].value = vals[i] ? CStringGetTextDatum(vals[i]) : (Datum) 0;
	}
	fcinfo->args[ntext].value = BoolGetDatum(adopt);
	fcinfo->args[ntext].isnull = false;
	(void) FunctionCallInvoke(fcinfo);
}

/*
 * The text of columns atts[0..n) of a row, into vals; with an old row, whether
 * any of them differs there (the old row's texts are not kept).
 */
static bool
columns_text(HeapTuple tup, HeapTuple oldtup, TupleDesc desc, const AttrNumber *atts, int n, char **vals)
{
	bool		differ = false;

	for (int i = 0; i < n; i++)
	{
		vals[i] = procgov_column_text(tup, desc, atts[i]);
		if (oldtup && !differ)
			differ = changed(procgov_column_text(oldtup, desc, atts[i]), vals[i]);
	}
	return differ;
}

/*
 * An order row changed (op: INSERT, UPDATE, DELETE; adopt: an existing row
 * brought under governance).  Refuses what the document cannot follow; hands
 * the rest to procgov.erp_order_changed().
 */
static void
order_changed(const Mapping *m, TupleDesc desc, const char *op, HeapTuple oldtup, HeapTuple newtup, bool adopt)
{
	static Oid	fn = InvalidOid;
	HeapTuple	row = newtup ? newtup : oldtup;
	HeapTuple	before = newtup ? oldtup : NULL;	/* an update: compare with it */
	/* what names the document, and the fields it follows */
	const AttrNumber names[3] = {m->key, m->entity, m->number};
	const AttrNumber fields[5] = {m->supplier, m->requester, m->amount, m->currency, m->correlation};
	char	   *name[3];
	char	   *field[5];
	char	   *from = local_status(m, oldtup, desc),
			   *to = local_status(m, newtup, desc);
	const StateEntry *st = NULL;
	char	   *vals[15];
	char		relid[16];
	ProcgovLocalChange lc;
	ProcgovLocalChange *save = procgov_local_change;
	MemoryContext cxt = CurrentMemoryContext;

	if (columns_text(row, before, desc, names, 3, name))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of %s cannot change its key, entity or number under governance",
						procgov_column_text(oldtup, desc, m->key), m->table),
				 errdetail("They name its document in procgov and in the audit ledger."),
				 errhint("Cancel the order and create a new one instead.")));
	/* nothing procgov maps changed: nothing to do; only the status: say so */
	if (!columns_text(row, before, desc, fields, 5, field) && before)
	{
		if (!changed(from, to))
			return;
		op = "STATUS";
	}
	if (newtup)
		st = find_state(m, to, name[0]);

	snprintf(relid, sizeof(relid), "%u", m->relid);
	vals[0] = relid;
	vals[1] = unconstify(char *, op);
	vals[2] = name[0];
	vals[3] = m->entity_const ? m->entity_const : name[1];
	vals[4] = m->number ? name[2] : name[0];
	vals[5] = from;
	vals[6] = to;
	vals[7] = st ? st->state : NULL;
	vals[8] = st ? st->via : NULL;
	vals[9] = field[0];
	vals[10] = field[1];
	vals[11] = field[2];
	vals[12] = m->currency_const ? m->currency_const : field[3];
	vals[13] = field[4];

	lc.table = m->table;
	lc.entity = vals[3];
	lc.number = vals[4];
	lc.from = from;
	lc.to = to;
	procgov_local_change = &lc;
	PG_TRY();
	{
		call_sync("erp_order_changed", &fn, 14, vals, adopt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		procgov_local_change = save;
		if (!changed(from, to) || newtup == NULL)
			PG_RE_THROW();
		/* name the local statuses, so the ERP's user sees what they did */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		edata->message = psprintf("%s (%s row %s: status \"%s\" to \"%s\")", edata->message, m->table,
								  name[0] ? name[0] : "?", from ? from : "(new)", to);
		ReThrowError(edata);
	}
	PG_END_TRY();
	procgov_local_change = save;
}

/* What an error met while applying a line says it was doing (its CONTEXT line). */
typedef struct LineContext
{
	const char *table;
	const char *key;
	const char *op;
	bool		adopt;
} LineContext;

static void
line_context(void *arg)
{
	const LineContext *lc = arg;

	errcontext("procgov %s line %s of %s", lc->adopt ? "adopting" : strcmp(lc->op, "DELETE") == 0 ? "removing" :
			   strcmp(lc->op, "INSERT") == 0 ? "adding" : "changing", lc->key ? lc->key : "?", lc->table);
}

/* An order line row changed: handed to procgov.erp_line_changed(). */
static void
line_changed(const Mapping *m, TupleDesc desc, const char *op, HeapTuple oldtup, HeapTuple newtup, bool adopt)
{
	static Oid	fn = InvalidOid;
	HeapTuple	row = newtup ? newtup : oldtup;
	HeapTuple	before = newtup ? oldtup : NULL;	/* an update: compare with it */
	/* what names the line, and what it carries */
	const AttrNumber names[3] = {m->key, m->parent_key, m->line_number};
	const AttrNumber fields[6] = {m->quantity, m->unit_price, m->received, m->invoiced, m->description, m->item};
	char	   *vals[16];
	char	   *field[6];
	char		relid[16];
	char		parent[16];

	snprintf(relid, sizeof(relid), "%u", m->relid);
	snprintf(parent, sizeof(parent), "%u", m->parent);
	vals[0] = relid;
	vals[1] = parent;
	vals[2] = unconstify(char *, op);
	if (columns_text(row, before, desc, names, 3, &vals[3]))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("line %s of %s cannot change its key, order or line number under governance",
						procgov_column_text(oldtup, desc, m->key), m->table),
				 errdetail("They name the order line in procgov."),
				 errhint("Delete the line and add a new one instead.")));
	if (!columns_text(newtup, before, desc, fields, 6, field) && before)
		return;					/* nothing procgov maps changed */
	vals[6] = field[0];
	vals[7] = field[1];
	vals[8] = procgov_column_text(oldtup, desc, m->received);
	vals[9] = field[2];
	vals[10] = procgov_column_text(oldtup, desc, m->invoiced);
	vals[11] = field[3];
	vals[12] = field[4];
	vals[13] = field[5];
	{
		/* an error names the ERP row, as an order row's does in its message */
		LineContext lc = {m->table, vals[3], op, adopt};
		ErrorContextCallback cb = {error_context_stack, line_context, &lc};

		error_context_stack = &cb;
		call_sync("erp_line_changed", &fn, 14, vals, adopt);
		error_context_stack = cb.previous;
	}
}

/* The trigger on a governed ERP table: AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW. */
Datum
procgov_govern_mapped(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	Mapping    *m;
	const char *op;
	HeapTuple	oldtup = NULL,
				newtup = NULL;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.govern_document() on a governed ERP table must fire AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW"),
				 errhint("procgov.govern() installs it so.")));
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		op = "INSERT";
		newtup = td->tg_trigtuple;
		/* what procgov writes for the row grows with the table */
		procgov_replan_as_table_grows(rel);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		op = "UPDATE";
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
	}
	else
	{
		op = "DELETE";
		oldtup = td->tg_trigtuple;
	}
	m = mapping_for(rel);
	if (m->is_line)
		line_changed(m, desc, op, oldtup, newtup, false);
	else
		order_changed(m, desc, op, oldtup, newtup, false);
	return PointerGetDatum(NULL);
}

/*
 * A governed table opened for reading its rows: an ordinary heap table
 * (partitioned tables, views and foreign tables have no rows of their own
 * to scan), without row-level security (its rows are read as procgov's
 * owner, which such a table's policies would not see applied).
 */
static Relation
open_governed(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);

	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_tableam == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not an ordinary table", RelationGetRelationName(rel)),
				 errhint("procgov governs ordinary tables; govern each partition of a partitioned table.")));
	if (rel->rd_rel->relrowsecurity)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s has row-level security", RelationGetRelationName(rel)),
				 errdetail("procgov reads a governed table's rows as its own owner, past the table's policies."),
				 errhint("Govern tables without row-level security.")));
	return rel;
}

/* How many rows of a governed table have a document. */
static int64
linked_rows(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	bool		isnull;
	int64		n;

	SPI_connect();
	if (SPI_execute_with_args("SELECT count(*) FROM procgov.governed_row WHERE relid = $1",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "counting procgov.governed_row failed");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return n;
}

/*
 * procgov.adopt_rows(tbl): every row the governed table holds gets its
 * canonical document (rows that have one already are left alone), with the
 * rules off: their history happened before governance.  Returns the number
 * of rows adopted.  SECURITY DEFINER; the caller must be able to read the
 * table and add triggers to it.
 */
PG_FUNCTION_INFO_V1(adopt_rows);
Datum
adopt_rows(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			caller;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Mapping    *m;
	int64		before;
	int			nestlevel;
	Snapshot	snap;
	Relation	links;
	MemoryContext row_cxt,
				old;

	/* each right on its own: pg_class_aclcheck() is satisfied by any bit of a mask */
	caller = procgov_calling_role_id();
	if (pg_class_aclcheck(relid, caller, ACL_SELECT) != ACLCHECK_OK ||
		pg_class_aclcheck(relid, caller, ACL_TRIGGER) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to adopt the rows of %s", get_rel_name(relid) ? get_rel_name(relid) : "?"),
				 errdetail("Adopting needs SELECT and TRIGGER on the table."),
				 errhint("Have the table's owner grant them, or govern it as its owner.")));
	rel = open_governed(relid);
	m = mapping_for(rel);

	/* the rules are off for the history; every entry says so */
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("procgov.enforce", "off", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	before = linked_rows(relid);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "procgov adopt row", ALLOCSET_DEFAULT_SIZES);
	snap = RegisterSnapshot(GetLatestSnapshot());
	/* each adopted row links to its document: replan as the links grow */
	links = table_open(procgov_relid("governed_row"), AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		procgov_replan_as_table_grows(links);
		old = MemoryContextSwitchTo(row_cxt);
		if (m->is_line)
			line_changed(m, RelationGetDescr(rel), "INSERT", NULL, tup, true);
		else
			order_changed(m, RelationGetDescr(rel), "INSERT", NULL, tup, true);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_cxt);
	}
	table_endscan(scan);
	table_close(links, AccessShareLock);
	UnregisterSnapshot(snap);
	AtEOXact_GUC(true, nestlevel);
	table_close(rel, AccessShareLock);
	PG_RETURN_INT64(linked_rows(relid) - before);
}

/*
 * Every row of a governed table as procgov reads it, each column through its
 * type's output function exactly as the trigger does, for reconciliation to
 * compare with what procgov accepted: procgov.erp_rows(tbl) for an order
 * table (key, entity, number, local status), procgov.erp_line_rows(tbl) for
 * an order line table (key, its order's key, quantity, unit price,
 * received).  No SQL runs against the table, so no code of its owner's
 * (casts, operators, domain checks) runs with procgov's rights.
 */
static Datum
governed_rows(FunctionCallInfo fcinfo, bool lines)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	Mapping    *m;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	MemoryContext row_cxt,
				old;
	int			ncols = lines ? 5 : 4;

	procgov_materialize_srf(fcinfo);
	rel = open_governed(relid);
	m = mapping_for(rel);
	if (m->is_line != lines)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is governed as %s table", m->table, m->is_line ? "a line" : "an order"),
				 errhint("procgov.%s() reads order%s tables.", lines ? "erp_line_rows" : "erp_rows", lines ? " line" : "")));
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "procgov erp row", ALLOCSET_DEFAULT_SIZES);
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		Datum		values[5];
		bool		nulls[5];
		char	   *v[5];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(row_cxt);
		v[0] = procgov_column_text(tup, desc, m->key);
		if (lines)
		{
			v[1] = procgov_column_text(tup, desc, m->parent_key);
			v[2] = procgov_column_text(tup, desc, m->quantity);
			v[3] = procgov_column_text(tup, desc, m->unit_price);
			v[4] = m->received ? procgov_column_text(tup, desc, m->received) : NULL;
		}
		else
		{
			v[1] = m->entity_const ? m->entity_const : procgov_column_text(tup, desc, m->entity);
			v[2] = m->number ? procgov_column_text(tup, desc, m->number) : v[0];
			v[3] = local_status(m, tup, desc);
		}
		MemoryContextSwitchTo(old);
		for (int i = 0; i < ncols; i++)
		{
			nulls[i] = (v[i] == NULL);
			values[i] = v[i] ? CStringGetTextDatum(v[i]) : (Datum) 0;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextReset(row_cxt);
	}
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(erp_rows);
Datum
erp_rows(PG_FUNCTION_ARGS)
{
	return governed_rows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(erp_line_rows);
Datum
erp_line_rows(PG_FUNCTION_ARGS)
{
	return governed_rows(fcinfo, true);
}
