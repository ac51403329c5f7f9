/*-------------------------------------------------------------------------
 * src/guards.c
 *		The built-in guards that nearly every lifecycle passes, in C over
 *		direct index lookups: has_lines, supplier_active, order_receivable
 *		and the receiving family (fully_received, partly_received,
 *		nothing_received, over guard_received()).
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
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* A table a guard reads, and its index that leads with (entity_id, key). */
typedef struct GuardTable
{
	const char *name;
	const char *index;
	const char *key;
	Oid			relid;
	Oid			indexid;
} GuardTable;

enum
{
	GT_PO_LINE, GT_REQUISITION_LINE, GT_INVOICE_LINE, GT_RECEIPT_LINE, GT_SUPPLIER, GT_PO, GT_COUNT
};

static GuardTable guard_tables[GT_COUNT] = {
	{"purchase_order_line", "purchase_order_line_pkey", "po_id", InvalidOid, InvalidOid},
	{"requisition_line", "requisition_line_pkey", "requisition_id", InvalidOid, InvalidOid},
	{"invoice_line", "invoice_line_pkey", "invoice_id", InvalidOid, InvalidOid},
	{"receipt_line", "receipt_line_pkey", "receipt_id", InvalidOid, InvalidOid},
	{"supplier", "supplier_pkey", "supplier_id", InvalidOid, InvalidOid},
	{"purchase_order", "purchase_order_pkey", "po_id", InvalidOid, InvalidOid},
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
} GuardScan;

/* Find a guard's table and index by name, and check the index's leading columns. */
static void
guard_table_resolve(GuardTable *t)
{
	Oid			relid = procgov_relid(t->name),
				indexid = procgov_relid(t->index);
	Relation	rel = table_open(relid, AccessShareLock);
	Relation	idx = index_open(indexid, AccessShareLock);

	/* the index must lead with the two columns the scan keys name */
	if (idx->rd_index->indrelid != relid || idx->rd_index->indnkeyatts < 2 ||
		idx->rd_index->indkey.values[0] != guard_column(rel, "entity_id") ||
		idx->rd_index->indkey.values[1] != guard_column(rel, t->key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("procgov index %s does not lead with (entity_id, %s)", t->index, t->key),
				 errhint("Restore the index as the procgov install script created it; procgov's guards read through it.")));
	/* locks kept to the end of the transaction, as a query keeps them */
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	t->relid = relid;
	t->indexid = indexid;
}

static void
guard_scan_begin(GuardScan *gs, int which, const char *entity, int64 id)
{
	GuardTable *t = &guard_tables[which];
	ScanKeyData keys[2];

	for (;;)
	{
		Oid			relid,
					indexid;

		if (!OidIsValid(t->relid) || !OidIsValid(t->indexid))
			guard_table_resolve(t);
		relid = t->relid;
		indexid = t->indexid;
		gs->rel = table_open(relid, AccessShareLock);
		/* locking it took in invalidations: if they reset the entry, look the names up again */
		if (t->relid == relid && t->indexid == indexid)
		{
			gs->idx = index_open(indexid, AccessShareLock);
			break;
		}
		table_close(gs->rel, NoLock);
	}
	/* with the index's own collations, so that the descent follows its order */
	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid, gs->idx->rd_indcollation[0],
						   F_TEXTEQ, CStringGetTextDatum(entity));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid, gs->idx->rd_indcollation[1],
						   F_INT8EQ, Int64GetDatum(id));
	gs->scan = index_beginscan(gs->rel, gs->idx, GetActiveSnapshot(), 2, 0);
	index_rescan(gs->scan, keys, 2, NULL, 0);
	gs->slot = table_slot_create(gs->rel, NULL);
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

/* replace(s, '_', ' ') */
static char *
words(const char *s)
{
	char	   *w = pstrdup(or_empty(s));

	for (char *p = w; *p; p++)
		if (*p == '_')
			*p = ' ';
	return w;
}

/*
 * The row of a table that the document's entity_id and idkey name: its
 * columns cols[] as text into out[] (NULL for NULL).  False when the
 * document names none or there is none.
 */
static bool
lookup_row(int which, Jsonb *doc, const char *idkey, const char *const *cols, int ncols, char **out)
{
	int64		id = 0;
	/* the id first: the cast fails on a malformed id whatever else the document holds */
	bool		has_id = doc_id_field(doc, idkey, &id);
	char	   *entity = doc_field(doc, "entity_id");
	bool		found = false;

	for (int i = 0; i < ncols; i++)
		out[i] = NULL;
	if (entity != NULL && has_id)
	{
		GuardScan	gs;

		guard_scan_begin(&gs, which, entity, id);
		if ((found = guard_scan_next(&gs)))
			for (int i = 0; i < ncols; i++)
				out[i] = slot_text(&gs, guard_column(gs.rel, cols[i]));
		guard_scan_end(&gs);
	}
	return found;
}

#define RETURN_REASON(...) PG_RETURN_TEXT_P(cstring_to_text(psprintf(__VA_ARGS__)))

/*
 * What has been received against the order a document names (its po_id):
 * want NULL: nothing; true: every line in full; false: some but not all.
 * NULL when that holds, else why not.
 */
static Datum
received(FunctionCallInfo fcinfo, int want)
{
	Jsonb	   *doc = doc_arg(fcinfo);
	int64		po_id = 0;
	bool		has_id = doc_id_field(doc, "po_id", &po_id);
	char	   *entity = doc_field(doc, "entity_id");
	int64		n_lines = 0,
				n_full = 0,
				n_any = 0;

	/* the line table's key cannot be NULL: a document without both has no lines */
	if (entity != NULL && has_id)
	{
		GuardScan	gs;
		AttrNumber	quantity,
					received_qty;
		Datum		zero = DirectFunctionCall1(int8_numeric, Int64GetDatum(0));

		guard_scan_begin(&gs, GT_PO_LINE, entity, po_id);
		quantity = guard_column(gs.rel, "quantity");
		received_qty = guard_column(gs.rel, "received_qty");
		while (guard_scan_next(&gs))
		{
			bool		qnull,
						rnull;
			Datum		q = slot_getattr(gs.slot, quantity, &qnull),
						r = slot_getattr(gs.slot, received_qty, &rnull);

			n_lines++;
			if (!qnull && !rnull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, r, q)) >= 0)
				n_full++;
			if (!rnull && DatumGetInt32(DirectFunctionCall2(numeric_cmp, r, zero)) > 0)
				n_any++;
		}
		guard_scan_end(&gs);
	}

	if (want < 0)				/* nothing received yet */
	{
		if (n_any == 0)
			PG_RETURN_NULL();
		RETURN_REASON("%lld of its %lld lines have receipts.", (long long) n_any, (long long) n_lines);
	}
	if (want > 0)
	{
		if (n_lines > 0 && n_full == n_lines)
			PG_RETURN_NULL();
		RETURN_REASON("%lld of its %lld lines are fully received.", (long long) n_full, (long long) n_lines);
	}
	if (n_any > 0 && n_full < n_lines)
		PG_RETURN_NULL();
	if (n_any == 0)
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
		const char *id;			/* procgov.doc_id()'s key */
		int			table;		/* its lines, or -1 */
	}			kinds[] = {
		{"purchase_order", "Purchase Order", "po_id", GT_PO_LINE},
		{"requisition", "Requisition", "requisition_id", GT_REQUISITION_LINE},
		{"invoice", "Invoice", "invoice_id", GT_INVOICE_LINE},
		{"receipt", "Receipt", "receipt_id", GT_RECEIPT_LINE},
		{"bank_change", NULL, "bank_change_id", -1},
	};
	int			k;
	int64		id = 0;
	bool		has_id;
	char	   *entity;
	bool		found = false;

	for (k = 0; k < (int) lengthof(kinds); k++)
		if (kind != NULL && strcmp(kind, kinds[k].kind) == 0)
			break;
	/* the id first, for every kind (doc_id()'s key, "id" for others): a malformed one fails the cast */
	has_id = doc_id_field(doc, k < (int) lengthof(kinds) ? kinds[k].id : "id", &id);
	if (k == (int) lengthof(kinds) || kinds[k].table < 0)
		PG_RETURN_NULL();		/* a kind without lines */
	entity = doc_field(doc, "entity_id");
	if (entity != NULL && has_id)
	{
		GuardScan	gs;

		guard_scan_begin(&gs, kinds[k].table, entity, id);
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
		RETURN_REASON("Supplier %s (%s) is %s.", or_empty(v[0]), or_empty(v[1]), words(v[2]));
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
				  or_empty(v[0]), words(state));
}
