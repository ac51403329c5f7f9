/*-------------------------------------------------------------------------
 * src/guards.c
 *		The built-in guards that nearly every lifecycle passes, in C over
 *		direct index lookups: has_lines, approval_complete, supplier_active,
 *		budget_available, order_receivable, receiver_not_buyer and the
 *		receiving family (fully_received, partly_received, nothing_received,
 *		over guard_received()).
 *
 * They are guards like any other: procgov.guard names them, the governance
 * trigger calls them through fmgr as their owner with the document as
 * jsonb, and a text result refuses the transition with that text as the
 * detail.  Written in PL/pgSQL each cost a function call layer or two and
 * an executor start-up per transition; here a guard is one index scan of
 * the rows it reads, under the active snapshot, as the PL/pgSQL versions
 * read them (STABLE functions: the snapshot of the statement that fired the
 * trigger).  Their results and messages are those of the PL/pgSQL
 * versions, word for word.
 *
 * Being C over the heap, they see rows whatever the caller's privileges:
 * EXECUTE is revoked from PUBLIC and granted to nobody, and the trigger
 * runs them as procgov's owner.
 *
 * procgov.lock_document(), with which every API call finds and locks its
 * document, uses the same lookups and takes the row lock as SELECT ... FOR
 * UPDATE would (src/guards.c's last part).
 *-------------------------------------------------------------------------
 */
#include "amount.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* A table a guard reads, and its index that leads with the columns its scans name. */
typedef struct GuardTable
{
	const char *name;
	const char *index;
	const char *cols[4];		/* the index's leading columns, entity_id first */
	int			ncols;
	Oid			relid;
	Oid			indexid;
} GuardTable;

enum
{
	GT_PO_LINE, GT_REQUISITION_LINE, GT_INVOICE_LINE, GT_RECEIPT_LINE, GT_SUPPLIER, GT_PO,
	GT_POLICY, GT_APPROVAL_STEP, GT_APPROVAL,
	GT_PO_NUMBER, GT_REQUISITION_NUMBER, GT_RECEIPT_NUMBER, GT_INVOICE_NUMBER, GT_BANK_CHANGE_NUMBER,
	GT_BUDGET, GT_COUNT
};

static GuardTable guard_tables[GT_COUNT] = {
	{"purchase_order_line", "purchase_order_line_pkey", {"entity_id", "po_id"}, 2, InvalidOid, InvalidOid},
	{"requisition_line", "requisition_line_pkey", {"entity_id", "requisition_id"}, 2, InvalidOid, InvalidOid},
	{"invoice_line", "invoice_line_pkey", {"entity_id", "invoice_id"}, 2, InvalidOid, InvalidOid},
	{"receipt_line", "receipt_line_pkey", {"entity_id", "receipt_id"}, 2, InvalidOid, InvalidOid},
	{"supplier", "supplier_pkey", {"entity_id", "supplier_id"}, 2, InvalidOid, InvalidOid},
	{"purchase_order", "purchase_order_pkey", {"entity_id", "po_id"}, 2, InvalidOid, InvalidOid},
	{"policy", "policy_pkey", {"entity_id", "policy_id"}, 2, InvalidOid, InvalidOid},
	{"approval_step", "approval_step_doc", {"entity_id", "doc_kind", "doc_id"}, 3, InvalidOid, InvalidOid},
	{"approval", "approval_doc", {"entity_id", "doc_kind", "doc_id", "doc_version"}, 4, InvalidOid, InvalidOid},
	{"purchase_order", "purchase_order_number_key", {"entity_id", "number"}, 2, InvalidOid, InvalidOid},
	{"requisition", "requisition_number_key", {"entity_id", "number"}, 2, InvalidOid, InvalidOid},
	{"receipt", "receipt_number_key", {"entity_id", "number"}, 2, InvalidOid, InvalidOid},
	{"invoice", "invoice_number_key", {"entity_id", "number"}, 2, InvalidOid, InvalidOid},
	{"bank_change", "bank_change_number_key", {"entity_id", "number"}, 2, InvalidOid, InvalidOid},
	{"budget", "budget_pkey", {"entity_id", "budget_id"}, 2, InvalidOid, InvalidOid},
};

/* Forget the tables when one of them (or everything) is invalidated. */
static void
guards_invalidate(Datum arg, Oid relid)
{
	(void) arg;
	for (int i = 0; i < GT_COUNT; i++)
		if (relid == InvalidOid || relid == guard_tables[i].relid || relid == guard_tables[i].indexid)
			guard_tables[i].relid = guard_tables[i].indexid = InvalidOid;
}

void
GuardsInit(void)
{
	procgov_on_relcache(guards_invalidate);
}

/* A column of a guard's table by name, or an error naming the altered table. */
static AttrNumber
guard_column(Relation rel, const char *name)
{
	AttrNumber	att = procgov_attnum(RelationGetDescr(rel), name);

	if (att != InvalidAttrNumber)
		return att;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("procgov table %s has no column \"%s\"", RelationGetRelationName(rel), name),
			 errhint("Restore the table as the procgov install script created it; procgov's guards read it.")));
	return InvalidAttrNumber;	/* not reached */
}

/* A scan of the rows of one table with (entity_id, key) = (entity, id). */
typedef struct GuardScan
{
	Relation	rel;
	Relation	idx;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	latest;			/* registered by guard_scan_doc_latest(), else NULL */
} GuardScan;

/* Find a guard's table and index by name, and check the index's leading columns. */
static void
guard_table_resolve(GuardTable *t)
{
	Oid			relid = procgov_relid(t->name),
				indexid = procgov_relid(t->index);
	Relation	rel = table_open(relid, AccessShareLock);
	Relation	idx = index_open(indexid, AccessShareLock);
	bool		ok;

	/* the index must lead with the columns the scan keys name */
	ok = idx->rd_index->indrelid == relid && idx->rd_index->indnkeyatts >= t->ncols;

	for (int i = 0; ok && i < t->ncols; i++)
		ok = idx->rd_index->indkey.values[i] == guard_column(rel, t->cols[i]);
	if (!ok)
	{
		StringInfoData cols;

		initStringInfo(&cols);
		for (int i = 1; i < t->ncols; i++)
			appendStringInfo(&cols, "%s%s", i > 1 ? ", " : "", t->cols[i]);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("procgov index %s does not lead with (entity_id, %s)", t->index, cols.data),
				 errhint("Restore the index as the procgov install script created it; procgov's guards read through it.")));
	}
	/* locks kept to the end of the transaction, as a query keeps them */
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	t->relid = relid;
	t->indexid = indexid;
}

/*
 * Begin a scan of the rows whose leading index columns equal vals[] (one per
 * column of the table's entry), the table locked in lockmode, under
 * gs->latest when it is set, else the active snapshot.
 */
static void
guard_scan_start(GuardScan *gs, int which, const Datum *vals, LOCKMODE lockmode)
{
	GuardTable *t = &guard_tables[which];
	ScanKeyData keys[4];

	for (;;)
	{
		Oid			relid,
					indexid;

		if (!OidIsValid(t->relid) || !OidIsValid(t->indexid))
			guard_table_resolve(t);
		relid = t->relid;
		indexid = t->indexid;
		gs->rel = table_open(relid, lockmode);
		/* locking it took in invalidations: if they reset the entry, look the names up again */
		if (t->relid == relid && t->indexid == indexid)
		{
			gs->idx = index_open(indexid, AccessShareLock);
			break;
		}
		table_close(gs->rel, NoLock);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		Oid			type = TupleDescAttr(RelationGetDescr(gs->idx), i)->atttypid;
		RegProcedure eq = type == TEXTOID ? F_TEXTEQ : type == INT8OID ? F_INT8EQ : type == INT4OID ? F_INT4EQ : InvalidOid;

		if (eq == InvalidOid)
			elog(ERROR, "procgov index %s: column %d has a type the guards do not compare", t->index, i + 1);
		/* with the index's own collations, so that the descent follows its order */
		ScanKeyEntryInitialize(&keys[i], 0, i + 1, BTEqualStrategyNumber, InvalidOid, gs->idx->rd_indcollation[i],
							   eq, vals[i]);
	}
	gs->scan = index_beginscan(gs->rel, gs->idx, gs->latest ? gs->latest : GetActiveSnapshot(), t->ncols, 0);
	index_rescan(gs->scan, keys, t->ncols, NULL, 0);
	gs->slot = table_slot_create(gs->rel, NULL);
}

/* The same under the active snapshot. */
static void
guard_scan_begin(GuardScan *gs, int which, const Datum *vals, LOCKMODE lockmode)
{
	gs->latest = NULL;
	guard_scan_start(gs, which, vals, lockmode);
}

/* The rows of a table keyed (entity_id, id). */
static void
guard_scan_doc(GuardScan *gs, int which, const char *entity, int64 id)
{
	Datum		vals[2] = {CStringGetTextDatum(entity), Int64GetDatum(id)};

	guard_scan_begin(gs, which, vals, AccessShareLock);
}

/*
 * The same, reading what is committed now rather than what the transaction's
 * snapshot shows: under REPEATABLE READ or SERIALIZABLE, received() compares
 * the two.
 */
static void
guard_scan_doc_latest(GuardScan *gs, int which, const char *entity, int64 id)
{
	Datum		vals[2] = {CStringGetTextDatum(entity), Int64GetDatum(id)};

	gs->latest = RegisterSnapshot(GetLatestSnapshot());
	guard_scan_start(gs, which, vals, AccessShareLock);
}

static bool
guard_scan_next(GuardScan *gs)
{
	return index_getnext_slot(gs->scan, ForwardScanDirection, gs->slot);
}

static void
guard_scan_end(GuardScan *gs)
{
	index_endscan(gs->scan);
	ExecDropSingleTupleTableSlot(gs->slot);
	index_close(gs->idx, NoLock);
	table_close(gs->rel, NoLock);
	if (gs->latest)
		UnregisterSnapshot(gs->latest);
	gs->latest = NULL;
}

/* A column of the current row as text (NULL for NULL), as a record field prints. */
static char *
slot_text(GuardScan *gs, AttrNumber att)
{
	HeapTuple	tup = ExecFetchSlotHeapTuple(gs->slot, false, NULL);

	return procgov_column_text(tup, RelationGetDescr(gs->rel), att);
}

/* The document argument (these functions are not strict, as the PL/pgSQL ones were not). */
static Jsonb *
doc_arg(FunctionCallInfo fcinfo)
{
	return PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
}

/* doc->>key */
static char *
doc_field(Jsonb *doc, const char *key)
{
	if (doc == NULL || !JB_ROOT_IS_OBJECT(doc))
		return NULL;
	return procgov_jsonb_value_text(getKeyJsonValueFromContainer(&doc->root, key, strlen(key), NULL));
}

/* (doc->>key)::bigint: false for NULL; a value that is no bigint fails as the cast does. */
static bool
doc_id_field(Jsonb *doc, const char *key, int64 *id)
{
	char	   *txt = doc_field(doc, key);

	if (txt == NULL)
		return false;
	*id = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(txt)));
	return true;
}

/* format()'s %s of a text that may be NULL: the empty string */
static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/*
 * The row of a table keyed (entity_id, id): its columns cols[] as text into
 * out[] (NULL for NULL).  False when there is none.
 */
static bool
lookup_key(int which, const char *entity, int64 id, const char *const *cols, int ncols, char **out)
{
	GuardScan	gs;
	bool		found;

	for (int i = 0; i < ncols; i++)
		out[i] = NULL;
	guard_scan_doc(&gs, which, entity, id);
	if ((found = guard_scan_next(&gs)))
		for (int i = 0; i < ncols; i++)
			out[i] = slot_text(&gs, guard_column(gs.rel, cols[i]));
	guard_scan_end(&gs);
	return found;
}

/* The same for the row the document's entity_id and idkey name; false when the document names none. */
static bool
lookup_row(int which, Jsonb *doc, const char *idkey, const char *const *cols, int ncols, char **out)
{
	int64		id = 0;
	/* the id first: the cast fails on a malformed id whatever else the document holds */
	bool		has_id = doc_id_field(doc, idkey, &id);
	char	   *entity = doc_field(doc, "entity_id");

	if (entity != NULL && has_id)
		return lookup_key(which, entity, id, cols, ncols, out);
	for (int i = 0; i < ncols; i++)
		out[i] = NULL;
	return false;
}

/* procgov.doc_id()'s key for a kind */
static const char *
doc_id_key(const char *kind)
{
	static const char *const keys[][2] = {
		{"purchase_order", "po_id"}, {"receipt", "receipt_id"}, {"invoice", "invoice_id"},
		{"requisition", "requisition_id"}, {"bank_change", "bank_change_id"},
	};

	for (int i = 0; kind != NULL && i < (int) lengthof(keys); i++)
		if (strcmp(kind, keys[i][0]) == 0)
			return keys[i][1];
	return "id";
}

/* initcap(procgov.kind_label(kind)): purchase_order becomes Purchase Order; NULL the empty string */
static char *
kind_title(const char *kind)
{
	if (kind == NULL)
		return "";
	return TextDatumGetCString(DirectFunctionCall1Coll(initcap, DEFAULT_COLLATION_OID,
													   CStringGetTextDatum(procgov_words(kind))));
}

#define RETURN_REASON(...) PG_RETURN_TEXT_P(cstring_to_text(psprintf(__VA_ARGS__)))

/* What an order's lines say: how many, fully received, some received, billed, billed in full. */
typedef struct LineCounts
{
	int64		lines,
				full,
				any,
				billed,
				billed_full;
} LineCounts;

static void
count_lines(const char *entity, int64 po_id, bool latest, LineCounts *c)
{
	GuardScan	gs;
	AttrNumber	quantity,
				received_qty,
				invoiced_qty;
	Datum		zero = DirectFunctionCall1(int8_numeric, Int64GetDatum(0));

	memset(c, 0, sizeof(*c));
	if (latest)
		guard_scan_doc_latest(&gs, GT_PO_LINE, entity, po_id);
	else
		guard_scan_doc(&gs, GT_PO_LINE, entity, po_id);
	quantity = guard_column(gs.rel, "quantity");
	received_qty = guard_column(gs.rel, "received_qty");
	invoiced_qty = guard_column(gs.rel, "invoiced_qty");
	while (guard_scan_next(&gs))
	{
		bool		qnull,
					rnull,
					inull;
		Datum		q = slot_getattr(gs.slot, quantity, &qnull),
					r = slot_getattr(gs.slot, received_qty, &rnull),
					b = slot_getattr(gs.slot, invoiced_qty, &inull);

		c->lines++;
		if (!qnull && !rnull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, r, q)) >= 0)
			c->full++;
		if (!rnull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, r, zero)) > 0)
			c->any++;
		if (!inull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, b, zero)) > 0)
			c->billed++;
		if (!inull && !qnull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, b, q)) >= 0)
			c->billed_full++;
	}
	guard_scan_end(&gs);
}

/*
 * What has been received against the order a document names (its po_id):
 * want -1: nothing (nor billed); 1: every line in full; 0: some but not all;
 * 2: every line billed in full (matched invoices: a service order); 3: some
 * line billed (an order closed short on what was billed).
 * NULL when that holds, else why not.
 *
 * An order's lines move (received, billed) under its row lock, which the
 * transition's caller holds.  Under READ COMMITTED each statement's snapshot
 * is taken after that lock and sees them.  Under REPEATABLE READ or
 * SERIALIZABLE the transaction's snapshot may predate a writer that
 * committed while the lock was awaited: the guard, and the effects after it,
 * would judge an order whose line was just billed as unbilled.  So the lines
 * are read as committed now too, and when the two disagree the transaction
 * fails as a serialization failure, to be retried (as foreign-key checks do
 * with their crosscheck snapshot, ri_triggers.c).
 */
static Datum
received(FunctionCallInfo fcinfo, int want)
{
	Jsonb	   *doc = doc_arg(fcinfo);
	int64		po_id = 0;
	bool		has_id = doc_id_field(doc, "po_id", &po_id);
	char	   *entity = doc_field(doc, "entity_id");
	LineCounts	c;

	memset(&c, 0, sizeof(c));
	/* the line table's key cannot be NULL: a document without both has no lines */
	if (entity != NULL && has_id)
	{
		count_lines(entity, po_id, false, &c);
		if (IsolationUsesXactSnapshot())
		{
			LineCounts	now;

			count_lines(entity, po_id, true, &now);
			if (memcmp(&c, &now, sizeof(c)) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update"),
						 errdetail("The lines of the order a guard reads were received or billed by a transaction that committed after this one began."),
						 errhint("Retry the transaction.")));
		}
	}

	if (want < 0)				/* nothing received (or billed: services) yet */
	{
		if (c.any == 0 && c.billed == 0)
			PG_RETURN_NULL();
		if (c.any == 0)
			RETURN_REASON("%lld of its %lld lines are billed.", (long long) c.billed, (long long) c.lines);
		RETURN_REASON("%lld of its %lld lines have receipts.", (long long) c.any, (long long) c.lines);
	}
	if (want == 2)				/* every line billed in full: a service order's end */
	{
		if (c.lines > 0 && c.billed_full == c.lines)
			PG_RETURN_NULL();
		RETURN_REASON("%lld of its %lld lines are billed in full.", (long long) c.billed_full, (long long) c.lines);
	}
	if (want == 3)				/* something billed: closed on what was billed */
	{
		if (c.billed > 0)
			PG_RETURN_NULL();
		RETURN_REASON("None of its %lld lines is billed.", (long long) c.lines);
	}
	if (want > 0)
	{
		if (c.lines > 0 && c.full == c.lines)
			PG_RETURN_NULL();
		RETURN_REASON("%lld of its %lld lines are fully received.", (long long) c.full, (long long) c.lines);
	}
	if (c.any > 0 && c.full < c.lines)
		PG_RETURN_NULL();
	if (c.any == 0)
		RETURN_REASON("Nothing has been received.");
	RETURN_REASON("Every line is fully received.");
}

/* procgov.guard_received(kind, doc, want_full boolean): the family's one body */
PG_FUNCTION_INFO_V1(guard_received);
Datum
guard_received(PG_FUNCTION_ARGS)
{
	return received(fcinfo, PG_ARGISNULL(2) ? -1 : PG_GETARG_BOOL(2) ? 1 : 0);
}

PG_FUNCTION_INFO_V1(guard_fully_received);
Datum
guard_fully_received(PG_FUNCTION_ARGS)
{
	return received(fcinfo, 1);
}

PG_FUNCTION_INFO_V1(guard_partly_received);
Datum
guard_partly_received(PG_FUNCTION_ARGS)
{
	return received(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(guard_fully_billed);
Datum
guard_fully_billed(PG_FUNCTION_ARGS)
{
	return received(fcinfo, 2);
}

PG_FUNCTION_INFO_V1(guard_billed);
Datum
guard_billed(PG_FUNCTION_ARGS)
{
	return received(fcinfo, 3);
}

PG_FUNCTION_INFO_V1(guard_nothing_received);
Datum
guard_nothing_received(PG_FUNCTION_ARGS)
{
	return received(fcinfo, -1);
}

/* procgov.guard_has_lines(kind, doc): the document has at least one line */
PG_FUNCTION_INFO_V1(guard_has_lines);
Datum
guard_has_lines(PG_FUNCTION_ARGS)
{
	char	   *kind = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *doc = doc_arg(fcinfo);
	static const struct
	{
		const char *kind;
		const char *label;		/* initcap(kind_label(kind)) */
		int			table;		/* its lines */
	}			kinds[] = {
		{"purchase_order", "Purchase Order", GT_PO_LINE},
		{"requisition", "Requisition", GT_REQUISITION_LINE},
		{"invoice", "Invoice", GT_INVOICE_LINE},
		{"receipt", "Receipt", GT_RECEIPT_LINE},
	};
	int			k;
	int64		id = 0;
	/* the id first, for every kind: a malformed one fails procgov.doc_id()'s cast */
	bool		has_id = doc_id_field(doc, doc_id_key(kind), &id);
	char	   *entity;
	bool		found = false;

	for (k = 0; k < (int) lengthof(kinds); k++)
		if (kind != NULL && strcmp(kind, kinds[k].kind) == 0)
			break;
	if (k == (int) lengthof(kinds))
		PG_RETURN_NULL();		/* a kind without lines */
	entity = doc_field(doc, "entity_id");
	if (entity != NULL && has_id)
	{
		GuardScan	gs;

		guard_scan_doc(&gs, kinds[k].table, entity, id);
		found = guard_scan_next(&gs);
		guard_scan_end(&gs);
	}
	if (found)
		PG_RETURN_NULL();
	RETURN_REASON("%s %s has no lines.", kinds[k].label, or_empty(doc_field(doc, "number")));
}

/* procgov.guard_supplier_active(kind, doc): the document's supplier is approved */
PG_FUNCTION_INFO_V1(guard_supplier_active);
Datum
guard_supplier_active(PG_FUNCTION_ARGS)
{
	static const char *const cols[] = {"code", "name", "status"};
	Jsonb	   *doc = doc_arg(fcinfo);
	char	   *v[3];

	if (!lookup_row(GT_SUPPLIER, doc, "supplier_id", cols, 3, v))
		RETURN_REASON("Supplier %s does not exist.", or_empty(doc_field(doc, "supplier_id")));
	/* NULL <> 'approved' is not true: only a status other than approved refuses */
	if (v[2] != NULL && strcmp(v[2], "approved") != 0)
		RETURN_REASON("Supplier %s (%s) is %s.", or_empty(v[0]), or_empty(v[1]), procgov_words(v[2]));
	PG_RETURN_NULL();
}

/* procgov.guard_order_receivable(kind, doc): the receipt's order is transmitted and not fully received */
PG_FUNCTION_INFO_V1(guard_order_receivable);
Datum
guard_order_receivable(PG_FUNCTION_ARGS)
{
	static const char *const cols[] = {"number", "state"};
	char	   *v[2];
	const char *state;

	(void) lookup_row(GT_PO, doc_arg(fcinfo), "po_id", cols, 2, v);
	state = v[1];
	if (state != NULL &&
		(strcmp(state, "transmitted") == 0 || strcmp(state, "acknowledged") == 0 ||
		 strcmp(state, "shipped") == 0 || strcmp(state, "partially_received") == 0))
		PG_RETURN_NULL();
	RETURN_REASON("Purchase order %s is %s; goods are received only against a transmitted order.",
				  or_empty(v[0]), procgov_words(state));
}

/* procgov.guard_matched_by_matching(kind, doc): the invoice is moved by procgov's matching, not by hand */
PG_FUNCTION_INFO_V1(guard_matched_by_matching);
Datum
guard_matched_by_matching(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	if (procgov_match_moving())
		PG_RETURN_NULL();
	RETURN_REASON("Only procgov's matching moves an invoice to matched, once every line matches or its case is resolved.");
}

/* procgov.guard_receiver_not_buyer(kind, doc): under a policy that says so, the buyer who raised the order does not post its receipt */
PG_FUNCTION_INFO_V1(guard_receiver_not_buyer);
Datum
guard_receiver_not_buyer(PG_FUNCTION_ARGS)
{
	static const char *const po_cols[] = {"entity_id", "number", "buyer", "policy_id", "created_by", "submitted_by"};
	static const int author_cols[] = {2, 4, 5};
	static const char *const policy_cols[] = {"policy_id", "buyer_may_receive", "version"};
	char	   *po[6],
			   *pol[3] = {NULL, NULL, NULL};
	const char *actor;

	(void) lookup_row(GT_PO, doc_arg(fcinfo), "po_id", po_cols, 6, po);
	if (po[0] != NULL && po[3] != NULL)
		(void) lookup_key(GT_POLICY, po[0], DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(po[3]))),
						  policy_cols, 3, pol);
	/* no policy, a policy that lets the buyer receive, or someone else receiving: it holds */
	if (pol[0] == NULL || (pol[1] != NULL && strcmp(pol[1], "t") == 0))
		PG_RETURN_NULL();
	/* whoever raised it: the buyer it names, who created it, who submitted it (po_cols) */
	actor = procgov_actor_name();
	for (int i = 0; i < (int) lengthof(author_cols); i++)
	{
		const char *author = po[author_cols[i]];

		if (author != NULL && strcmp(author, actor) == 0)
			RETURN_REASON("%s raised purchase order %s and may not post its receipt under policy version %s.",
						  actor, or_empty(po[1]), or_empty(pol[2]));
	}
	PG_RETURN_NULL();
}

/* An open approval step, for the list in approval_complete's sentence. */
typedef struct OpenStep
{
	int32		step_no;
	int			seen;			/* scan order: ties keep it */
	char	   *text;
} OpenStep;

static int
open_step_cmp(const void *a, const void *b)
{
	const OpenStep *x = a,
			   *y = b;

	if (x->step_no != y->step_no)
		return x->step_no < y->step_no ? -1 : 1;
	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

/*
 * Who authored a document (segregation of duties): these fields of its row,
 * then everyone who ever submitted it (submitters: a re-submission or a
 * re-plan after a change names a new submitted_by, and the earlier one stays
 * an author), each person once, in this order.  A palloc'd array.
 */
static const char *const author_fields[] = {"buyer", "requester", "requested_by", "created_by", "submitted_by"};

static void
add_author(char **authors, int *n, char *a)
{
	for (int j = 0; a != NULL && j < *n; j++)
		if (strcmp(authors[j], a) == 0)
			return;
	if (a != NULL)
		authors[(*n)++] = a;
}

static int
doc_author_list(Jsonb *doc, char ***out)
{
	JsonbValue *subs = NULL;
	int			nsubs = 0;
	int			nauthors = 0;
	char	  **authors;

	if (doc != NULL && JB_ROOT_IS_OBJECT(doc))
		subs = getKeyJsonValueFromContainer(&doc->root, "submitters", strlen("submitters"), NULL);
	if (subs != NULL && subs->type == jbvBinary && JsonContainerIsArray(subs->val.binary.data))
		nsubs = JsonContainerSize(subs->val.binary.data);
	else
		subs = NULL;
	authors = palloc(sizeof(char *) * (lengthof(author_fields) + nsubs + 1));
	for (int i = 0; i < (int) lengthof(author_fields); i++)
		add_author(authors, &nauthors, doc_field(doc, author_fields[i]));
	for (int i = 0; i < nsubs; i++)
		add_author(authors, &nauthors,
				   procgov_jsonb_value_text(getIthJsonbValueFromContainer(subs->val.binary.data, i)));
	*out = authors;
	return nauthors;
}

/* procgov.doc_authors(doc): the authors as text[] (empty, never NULL). */
PG_FUNCTION_INFO_V1(doc_authors);
Datum
doc_authors(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	char	  **authors;
	int			n = doc_author_list(doc, &authors);
	Datum	   *elems = palloc(sizeof(Datum) * (n + 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(authors[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * procgov.guard_approval_complete(kind, doc): submitted under a policy,
 * every step of its plan is approved; without one, the current version has
 * an approval by someone other than its authors (segregation of duties).
 */
PG_FUNCTION_INFO_V1(guard_approval_complete);
Datum
guard_approval_complete(PG_FUNCTION_ARGS)
{
	char	   *kind = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *doc = doc_arg(fcinfo);
	char	   *entity = doc_field(doc, "entity_id");
	int64		id = 0;
	bool		has_id = doc_id_field(doc, doc_id_key(kind), &id);
	char	   *vtxt = doc_field(doc, "version");
	int32		version = vtxt ? DatumGetInt32(DirectFunctionCall1(int4in, CStringGetDatum(vtxt))) : 1;
	char	  **authors;
	int			nauthors = doc_author_list(doc, &authors);
	bool		keyed = entity != NULL && kind != NULL && has_id;
	StringInfoData list;

	/* submitted under a policy: every step of its plan is approved (none for an auto-approval) */
	if (doc_field(doc, "policy_id") != NULL)
	{
		OpenStep   *open = NULL;
		int			nopen = 0,
					cap = 0;

		if (keyed)
		{
			GuardScan	gs;
			Datum		vals[3] = {CStringGetTextDatum(entity), CStringGetTextDatum(kind), Int64GetDatum(id)};
			AttrNumber	status_col,
						step_no_col,
						step_id_col,
						role_col,
						approved_col,
						required_col;

			guard_scan_begin(&gs, GT_APPROVAL_STEP, vals, AccessShareLock);
			status_col = guard_column(gs.rel, "status");
			step_no_col = guard_column(gs.rel, "step_no");
			step_id_col = guard_column(gs.rel, "step_id");
			role_col = guard_column(gs.rel, "role");
			approved_col = guard_column(gs.rel, "approved");
			required_col = guard_column(gs.rel, "required");
			while (guard_scan_next(&gs))
			{
				char	   *status = slot_text(&gs, status_col);
				bool		isnull;
				Datum		step_no;

				if (status == NULL || (strcmp(status, "pending") != 0 && strcmp(status, "held") != 0 &&
									   strcmp(status, "rejected") != 0))
					continue;
				if (nopen == cap)
				{
					cap = cap ? cap * 2 : 8;
					open = open ? repalloc(open, sizeof(OpenStep) * cap) : palloc(sizeof(OpenStep) * cap);
				}
				step_no = slot_getattr(gs.slot, step_no_col, &isnull);
				open[nopen].step_no = isnull ? PG_INT32_MAX : DatumGetInt32(step_no);
				open[nopen].seen = nopen;
				open[nopen].text = psprintf("step %s (%s, %s of %s, %s)",
											or_empty(slot_text(&gs, step_id_col)), or_empty(slot_text(&gs, role_col)),
											or_empty(slot_text(&gs, approved_col)), or_empty(slot_text(&gs, required_col)),
											status);
				nopen++;
			}
			guard_scan_end(&gs);
		}
		if (nopen == 0)
			PG_RETURN_NULL();
		qsort(open, nopen, sizeof(OpenStep), open_step_cmp);
		initStringInfo(&list);
		for (int i = 0; i < nopen; i++)
			appendStringInfo(&list, "%s%s", i > 0 ? ", " : "", open[i].text);
		RETURN_REASON("%s %s has %d open approval step(s): %s.", kind_title(kind),
					  or_empty(doc_field(doc, "number")), nopen, list.data);
	}

	/* no policy: one approval by someone other than the author */
	if (keyed)
	{
		GuardScan	gs;
		Datum		vals[4] = {CStringGetTextDatum(entity), CStringGetTextDatum(kind), Int64GetDatum(id),
							   Int32GetDatum(version)};
		AttrNumber	decision_col,
					decided_by_col;
		bool		approved = false;

		guard_scan_begin(&gs, GT_APPROVAL, vals, AccessShareLock);
		decision_col = guard_column(gs.rel, "decision");
		decided_by_col = guard_column(gs.rel, "decided_by");
		while (!approved && guard_scan_next(&gs))
		{
			char	   *decision = slot_text(&gs, decision_col);
			char	   *by = slot_text(&gs, decided_by_col);
			bool		other = by != NULL;

			for (int j = 0; other && j < nauthors; j++)
				other = strcmp(by, authors[j]) != 0;
			approved = decision != NULL && strcmp(decision, "approved") == 0 && other;
		}
		guard_scan_end(&gs);
		if (approved)
			PG_RETURN_NULL();
	}
	initStringInfo(&list);
	for (int i = 0; i < nauthors; i++)
		appendStringInfo(&list, "%s%s", i > 0 ? " or " : "", authors[i]);
	RETURN_REASON("%s %s (version %d) has no approval by anyone other than %s.", kind_title(kind),
				  or_empty(doc_field(doc, "number")), version, list.len > 0 ? list.data : "its author");
}

/* ===================================================================
 * Documents locked for the API
 * =================================================================== */

/*
 * Lock the row the scan stands on, as SELECT ... FOR UPDATE does: wait for
 * a writer; under READ COMMITTED take its newest version if it still has
 * the key it was found by (the entry's columns as text equal to
 * key_texts[]), under REPEATABLE READ or SERIALIZABLE fail
 * as a serialization failure when it changed.  The locked version, or NULL
 * when the document is gone (deleted, or changed by this transaction after
 * the statement began, which SELECT ... FOR UPDATE skips too).
 */
static TupleTableSlot *
lock_current_row(GuardScan *gs, const GuardTable *t, char *const *key_texts)
{
	TupleTableSlot *slot = table_slot_create(gs->rel, NULL);
	ItemPointerData tid = gs->slot->tts_tid;
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	TM_FailureData tmfd;
	TM_Result	res;

	res = table_tuple_lock(gs->rel, &tid, GetActiveSnapshot(), slot, GetCurrentCommandId(true),
						   LockTupleExclusive, LockWaitBlock,
						   TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
						   (xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION), &tmfd);
	switch (res)
	{
		case TM_Ok:
			if (tmfd.traversed)
			{
				/* a newer version: does it still have the key it was looked up by? */
				HeapTuple	tup = ExecFetchSlotHeapTuple(slot, false, NULL);
				bool		same = true;

				for (int i = 0; same && i < t->ncols; i++)
				{
					char	   *v = procgov_column_text(tup, RelationGetDescr(gs->rel), guard_column(gs->rel, t->cols[i]));

					same = v != NULL && strcmp(v, key_texts[i]) == 0;
				}
				if (!same)
					break;
			}
			return slot;
		case TM_SelfModified:
			break;
		case TM_Updated:
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update")));
			elog(ERROR, "unexpected table_tuple_lock status: %u", res);
			break;
		case TM_Deleted:
			/* as ExecLockRows words it */
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update")));
			break;
		case TM_Invisible:
			elog(ERROR, "attempted to lock invisible tuple");
			break;
		default:
			elog(ERROR, "unrecognized table_tuple_lock status: %u", res);
			break;
	}
	ExecDropSingleTupleTableSlot(slot);
	return NULL;
}

/* A row lock writes: refused where the locking SELECT was refused. */
static void
row_lock_allowed(void)
{
	PreventCommandIfReadOnly("SELECT FOR UPDATE");
	PreventCommandIfParallelMode("SELECT FOR UPDATE");
}

/*
 * Begin a scan for the row whose key is vals[] (key_texts[] the same as
 * text) and lock it as SELECT ... FOR UPDATE would, the table in
 * RowShareLock as FOR UPDATE takes it.  The locked version, or NULL when
 * there is none; the caller drops it and ends the scan.
 */
static TupleTableSlot *
lock_by_key(GuardScan *gs, int which, const Datum *vals, char *const *key_texts)
{
	guard_scan_begin(gs, which, vals, RowShareLock);
	if (!guard_scan_next(gs))
		return NULL;
	return lock_current_row(gs, &guard_tables[which], key_texts);
}

/* The document kinds, each with the table that finds it by number. */
static const struct
{
	const char *kind;
	int			table;
}			doc_kinds[] = {
	{"purchase_order", GT_PO_NUMBER}, {"requisition", GT_REQUISITION_NUMBER}, {"receipt", GT_RECEIPT_NUMBER},
	{"invoice", GT_INVOICE_NUMBER}, {"bank_change", GT_BANK_CHANGE_NUMBER},
};

/* The index of a kind in doc_kinds, or the error for a NULL or unknown one. */
static int
doc_kind_index(const char *kind)
{
	for (int k = 0; k < (int) lengthof(doc_kinds); k++)
		if (kind != NULL && strcmp(kind, doc_kinds[k].kind) == 0)
			return k;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown document kind \"%s\"", kind ? kind : "<NULL>"),
			 errhint("Use requisition, purchase_order, receipt, invoice or bank_change.")));
	pg_unreachable();
}

/* procgov.check_kind(kind): the kind, or the error for a NULL or unknown one. */
PG_FUNCTION_INFO_V1(check_kind);
Datum
check_kind(PG_FUNCTION_ARGS)
{
	(void) doc_kind_index(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/*
 * procgov.lock_document(kind, entity, number): the document as jsonb, its
 * row locked for the rest of the transaction; an error when there is none
 * (or the caller may not act on the entity).  What every API call starts
 * with: in C, one index lookup and a row lock instead of a PL/pgSQL call
 * with two statements.
 */
PG_FUNCTION_INFO_V1(lock_document);
Datum
lock_document(PG_FUNCTION_ARGS)
{
	char	   *kind = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *entity = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *number = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	Jsonb	   *doc = NULL;
	int			k;

	procgov_check_entity_access(entity);
	k = doc_kind_index(kind);
	row_lock_allowed();
	if (entity != NULL && number != NULL)
	{
		GuardScan	gs;
		Datum		vals[2] = {CStringGetTextDatum(entity), CStringGetTextDatum(number)};
		char	   *key_texts[2] = {entity, number};
		TupleTableSlot *locked = lock_by_key(&gs, doc_kinds[k].table, vals, key_texts);

		if (locked != NULL)
		{
			doc = procgov_row_jsonb(ExecFetchSlotHeapTuple(locked, false, NULL), RelationGetDescr(gs.rel));
			ExecDropSingleTupleTableSlot(locked);
		}
		guard_scan_end(&gs);
	}
	if (doc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s %s does not exist in entity %s", procgov_words(kind), number ? number : "NULL",
						entity ? entity : "<NULL>"),
				 errhint("Check the document number and the entity.")));
	PG_RETURN_JSONB_P(doc);
}

/* An amount's currency code, as procgov.currency() gives it. */
static char *
currency_of(Datum amount)
{
	return TextDatumGetCString(DirectFunctionCall1(amount_currency, amount));
}

/*
 * procgov.guard_budget_available(kind, doc): the budget line has the
 * document's total available (amount - committed - spent).  The line is
 * locked, as SELECT ... FOR UPDATE locks it, so that two approvals never
 * spend the same money: the second waits and sees the first.
 */
PG_FUNCTION_INFO_V1(guard_budget_available);
Datum
guard_budget_available(PG_FUNCTION_ARGS)
{
	char	   *kind = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *doc = doc_arg(fcinfo);
	char	   *total = doc_field(doc, "total");
	/* the document's total first, as the PL/pgSQL cast it first */
	Amount	   *need = total ? amount_from_cstring(total) : NULL;
	char	   *budget_txt = doc_field(doc, "budget_id");
	char	   *entity;
	int64		budget_id;
	bool		found = false;
	char	   *cost_center = NULL,
			   *period = NULL;
	Datum		amount = (Datum) 0,
				committed = (Datum) 0,
				spent = (Datum) 0;
	Datum		available;

	if (budget_txt == NULL)
		PG_RETURN_NULL();		/* not charged to a budget line */
	budget_id = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(budget_txt)));
	entity = doc_field(doc, "entity_id");
	row_lock_allowed();
	if (entity != NULL)
	{
		GuardScan	gs;
		Datum		vals[2] = {CStringGetTextDatum(entity), Int64GetDatum(budget_id)};
		char	   *key_texts[2] = {entity, psprintf(INT64_FORMAT, budget_id)};
		TupleTableSlot *locked = lock_by_key(&gs, GT_BUDGET, vals, key_texts);

		if (locked != NULL)
		{
			HeapTuple	tup = ExecFetchSlotHeapTuple(locked, false, NULL);
			TupleDesc	desc = RelationGetDescr(gs.rel);
			bool		isnull;

			found = true;
			cost_center = procgov_column_text(tup, desc, guard_column(gs.rel, "cost_center"));
			period = procgov_column_text(tup, desc, guard_column(gs.rel, "period"));
			/* copied out: the slot and its buffer go before the arithmetic */
			amount = datumCopy(heap_getattr(tup, guard_column(gs.rel, "amount"), desc, &isnull), false, sizeof(Amount));
			committed = datumCopy(heap_getattr(tup, guard_column(gs.rel, "committed"), desc, &isnull), false, sizeof(Amount));
			spent = datumCopy(heap_getattr(tup, guard_column(gs.rel, "spent"), desc, &isnull), false, sizeof(Amount));
			ExecDropSingleTupleTableSlot(locked);
		}
		guard_scan_end(&gs);
	}
	if (!found)
		RETURN_REASON("Budget line %s does not exist.", budget_txt);
	if (need != NULL && strcmp(currency_of(amount), currency_of(AmountPGetDatum(need))) != 0)
		RETURN_REASON("Budget %s %s is kept in %s, the %s in %s.", or_empty(cost_center), or_empty(period),
					  currency_of(amount), procgov_words(kind), currency_of(AmountPGetDatum(need)));
	available = DirectFunctionCall2(amount_sub, DirectFunctionCall2(amount_sub, amount, committed), spent);
	if (need != NULL && DatumGetBool(DirectFunctionCall2(amount_gt, AmountPGetDatum(need), available)))
		RETURN_REASON("Budget %s %s has %s available; %s %s needs %s.", or_empty(cost_center), or_empty(period),
					  amount_to_cstring(DatumGetAmountP(available)), procgov_words(kind),
					  or_empty(doc_field(doc, "number")), amount_to_cstring(need));
	PG_RETURN_NULL();
}
