/*-------------------------------------------------------------------------
 * src/match.c
 *		Matching: invoice lines against order lines and receipts, within
 *		the tolerances the active policy's match rules give, in C.
 *
 * One engine serves three callers.  procgov.match_lines() (behind
 * procgov.three_way_match()) reports the figures for one invoice without
 * changing anything.  procgov.match_run() (behind procgov.match_pending()
 * and procgov.match_invoice()) locks unmatched invoices with SKIP LOCKED,
 * locks their orders in key order (so two runs never deadlock and never
 * bill one order line twice), reads every line in one query, decides in C
 * and writes the outcome set-based: order lines' invoiced quantities,
 * invoice states (through the governance trigger, which audits and emits)
 * and exception cases (procgov.match_exceptions()).  The operator ~= compares
 * an invoice line with an order line under the same rules.
 *
 * Quantities travel as int8 ten-thousandths (numeric(18,4) scaled), money
 * as procgov.amount units, so the per-line decision is integer arithmetic;
 * docs/matching.md specifies it.
 *-------------------------------------------------------------------------
 */
#include "amount.h"
#include "tolerance_core.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#ifndef HAVE_INT128
#error "procgov's matching needs a 128-bit integer type"
#endif

#define QTY_SCALE		INT64_C(10000)
#define FETCH_ROWS		10000
#define CHUNK_INVOICES	2000

typedef enum MatchResult
{
	MR_MATCHED = 0,
	MR_DUPLICATE,
	MR_NO_ORDER,
	MR_CURRENCY,
	MR_FULLY_INVOICED,
	MR_NO_RECEIPT,
	MR_QTY_OVER_RECEIVED,
	MR_QTY_OVER_ORDERED,
	MR_PRICE_OVER,
	MR_PRICE_UNDER,
	MR_COUNT
} MatchResult;

/* nesting depth of matching's own moves of invoices to matched */
static int match_moving = 0;

static const char *const result_names[MR_COUNT] = {
	"matched", "duplicate_invoice", "no_order", "currency_mismatch", "fully_invoiced",
	"no_receipt", "quantity_over_received", "quantity_over_ordered", "price_over", "price_under"
};

/* ---- match rules: the active policy's, per entity ---- */

typedef struct MatchRule
{
	int64		supplier_id;	/* 0: any supplier; -1: a supplier code not on file */
	char	   *prefix;			/* category prefix, "" for any */
	int			prefix_len;
	bool		has_qty,
				has_price,
				has_two_way,
				has_sla,
				has_period,
				has_window;
	tolerance_t qty,
				price;
	bool		two_way;
	char	   *owner;
	char	   *variance_role;
	Interval	sla,
				period,
				window;
} MatchRule;

/* What applies to one line once the rules are combined. */
typedef struct Applied
{
	tolerance_t qty,
				price;
	bool		two_way;
	const char *owner;
	const char *variance_role;
	Interval	sla,
				period,
				window;
} Applied;

typedef struct Entity
{
	char	   *id;
	int			nrules;
	MatchRule  *rules;
	/* memo of the last lookup: lines of one invoice share it */
	int64		memo_supplier;
	char	   *memo_category;
	Applied		memo;
} Entity;

typedef struct Engine
{
	MemoryContext cxt;
	bool		read_only;		/* false: every query sees what committed before it */
	int			nentities;
	int			maxentities;
	Entity	   *entities;
	HTAB	   *consumed;		/* order line -> quantity billed earlier in this run */
	HTAB	   *categories;		/* item -> its category code, read once per run */
	SPIPlanPtr	category_plan;
} Engine;

typedef struct ConsumedKey
{
	int64		po_id;
	int32		line_no;
	int32		entity;
} ConsumedKey;

typedef struct Consumed
{
	ConsumedKey key;
	int64		qty;			/* ten-thousandths */
} Consumed;

typedef struct CategoryKey
{
	int64		item_id;
	int32		entity;
	int32		pad;			/* zero: the key is hashed as bytes */
} CategoryKey;

typedef struct Category
{
	CategoryKey key;
	char	   *code;			/* "" when the item has none */
} Category;

static Interval
make_days(int days)
{
	Interval	i;

	memset(&i, 0, sizeof(i));
	i.day = days;
	return i;
}

static bool
col_null(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;

	(void) SPI_getbinval(t, d, col, &isnull);
	return isnull;
}

static Datum
col(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;

	return SPI_getbinval(t, d, col, &isnull);
}

static char *
col_text(HeapTuple t, TupleDesc d, int c)
{
	return col_null(t, d, c) ? NULL : TextDatumGetCString(col(t, d, c));
}

/* Load one entity's rules from the active policy (the caller is connected to SPI). */
static void
load_rules(Engine *eng, Entity *e)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	MemoryContext old;

	args[0] = CStringGetTextDatum(e->id);
	if (SPI_execute_with_args(
							  "SELECT CASE WHEN r.supplier_code IS NULL THEN 0 ELSE coalesce(s.supplier_id, -1) END,"
							  "       coalesce(r.category_prefix, ''), r.qty_tolerance, r.price_tolerance, r.two_way,"
							  "       r.owner, r.sla, r.duplicate_period, r.duplicate_window, r.variance_role"
							  "  FROM procgov.match_rule r"
							  "  JOIN procgov.policy p ON p.entity_id = r.entity_id AND p.policy_id = r.policy_id"
							  "  LEFT JOIN procgov.supplier s ON s.entity_id = r.entity_id AND s.code = r.supplier_code"
							  " WHERE r.entity_id = $1 AND p.status = 'active'",
							  1, argtypes, args, NULL, eng->read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read procgov.match_rule");
	old = MemoryContextSwitchTo(eng->cxt);
	e->nrules = (int) SPI_processed;
	e->rules = palloc0(sizeof(MatchRule) * Max(e->nrules, 1));
	for (int i = 0; i < e->nrules; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		MatchRule  *r = &e->rules[i];

		r->supplier_id = DatumGetInt64(col(t, d, 1));
		r->prefix = col_text(t, d, 2);
		r->prefix_len = strlen(r->prefix);
		if ((r->has_qty = !col_null(t, d, 3)))
			memcpy(&r->qty, DatumGetPointer(col(t, d, 3)), sizeof(tolerance_t));
		if ((r->has_price = !col_null(t, d, 4)))
			memcpy(&r->price, DatumGetPointer(col(t, d, 4)), sizeof(tolerance_t));
		if ((r->has_two_way = !col_null(t, d, 5)))
			r->two_way = DatumGetBool(col(t, d, 5));
		r->owner = col_text(t, d, 6);
		if ((r->has_sla = !col_null(t, d, 7)))
			r->sla = *DatumGetIntervalP(col(t, d, 7));
		if ((r->has_period = !col_null(t, d, 8)))
			r->period = *DatumGetIntervalP(col(t, d, 8));
		if ((r->has_window = !col_null(t, d, 9)))
			r->window = *DatumGetIntervalP(col(t, d, 9));
		r->variance_role = col_text(t, d, 10);
	}
	MemoryContextSwitchTo(old);
}

static int
entity_index(Engine *eng, const char *id)
{
	for (int i = eng->nentities - 1; i >= 0; i--)
		if (strcmp(eng->entities[i].id, id) == 0)
			return i;
	if (eng->nentities == eng->maxentities)
	{
		eng->maxentities *= 2;
		eng->entities = repalloc(eng->entities, sizeof(Entity) * eng->maxentities);
	}
	{
		Entity	   *e = &eng->entities[eng->nentities];

		memset(e, 0, sizeof(Entity));
		e->id = MemoryContextStrdup(eng->cxt, id);
		e->memo_supplier = PG_INT64_MIN;
		load_rules(eng, e);
	}
	return eng->nentities++;
}

/* A rule applies when its supplier and category prefix both fit. */
static int
rule_rank(const MatchRule *r, int64 supplier_id, const char *category)
{
	if (r->supplier_id != 0 && r->supplier_id != supplier_id)
		return -1;
	if (r->prefix_len > 0 && strncmp(category, r->prefix, r->prefix_len) != 0)
		return -1;
	/* a supplier's rule beats any category rule; a longer prefix beats a shorter */
	return (r->supplier_id != 0 ? 100000 : 0) + r->prefix_len;
}

/*
 * Combine the rules that apply, most specific first: each setting comes from
 * the most specific rule that names it, else the documented default.
 */
static const Applied *
applied(Entity *e, int64 supplier_id, const char *category)
{
	Applied    *a = &e->memo;
	int			best[6];
	pv_error	err;

	if (e->memo_category && e->memo_supplier == supplier_id && strcmp(e->memo_category, category) == 0)
		return a;
	for (int k = 0; k < 6; k++)
		best[k] = -1;
	memset(a, 0, sizeof(Applied));
	(void) tolerance_parse("0", 1, &a->qty, &err);
	a->price = a->qty;
	a->two_way = false;
	a->owner = "accounts_payable";
	a->variance_role = "controller";
	a->sla = make_days(3);
	a->period = make_days(365);
	a->window = make_days(3);
	for (int i = 0; i < e->nrules; i++)
	{
		MatchRule  *r = &e->rules[i];
		int			rank = rule_rank(r, supplier_id, category);

		if (rank < 0)
			continue;
#define TAKE(k, has, stmt) do { if ((has) && rank > best[k]) { best[k] = rank; stmt; } } while (0)
		TAKE(0, r->has_qty, a->qty = r->qty);
		TAKE(1, r->has_price, a->price = r->price);
		TAKE(2, r->has_two_way, a->two_way = r->two_way);
		TAKE(3, r->owner != NULL, a->owner = r->owner);
		TAKE(4, r->has_sla, a->sla = r->sla);
		TAKE(5, r->variance_role != NULL, a->variance_role = r->variance_role);
#undef TAKE
	}
	/* duplicate detection is per supplier: category rules do not set it */
	{
		int			bp = -1,
					bw = -1;

		for (int i = 0; i < e->nrules; i++)
		{
			MatchRule  *r = &e->rules[i];
			int			rank;

			if (r->prefix_len > 0 || (rank = rule_rank(r, supplier_id, "")) < 0)
				continue;
			if (r->has_period && rank > bp)
			{
				bp = rank;
				a->period = r->period;
			}
			if (r->has_window && rank > bw)
			{
				bw = rank;
				a->window = r->window;
			}
		}
	}
	if (e->memo_category)
		pfree(e->memo_category);
	e->memo_category = MemoryContextStrdup(GetMemoryChunkContext(e->id), category);
	e->memo_supplier = supplier_id;
	return a;
}

static Engine *
engine_create(bool read_only)
{
	Engine	   *eng = palloc0(sizeof(Engine));
	HASHCTL		ctl;

	eng->read_only = read_only;
	eng->cxt = CurrentMemoryContext;
	eng->maxentities = 4;
	eng->entities = palloc(sizeof(Entity) * eng->maxentities);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ConsumedKey);
	ctl.entrysize = sizeof(Consumed);
	ctl.hcxt = CurrentMemoryContext;
	eng->consumed = hash_create("procgov match consumption", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CategoryKey);
	ctl.entrysize = sizeof(Category);
	eng->categories = hash_create("procgov match item categories", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return eng;
}

/*
 * The category code of an order line's item, "" for none.  A run reads each
 * item once, at its first line: its lines share a few items, and a join per
 * line would look the same item up again and again.  (A category changed
 * while a run goes on is seen by the next run, as a rule edited mid-run is.)
 */
static const char *
item_category(Engine *eng, int ent, int64 item_id)
{
	CategoryKey key;
	Category   *c;
	MemoryContext caller = CurrentMemoryContext;
	Datum		args[2];
	char	   *code = "";
	bool		isnull;

	memset(&key, 0, sizeof(key));
	key.item_id = item_id;
	key.entity = ent;
	c = hash_search(eng->categories, &key, HASH_FIND, NULL);
	if (c != NULL)
		return c->code;
	if (eng->category_plan == NULL)
	{
		Oid			types[2] = {TEXTOID, INT8OID};

		eng->category_plan = SPI_prepare("SELECT it.category_code FROM procgov.item it"
										 " WHERE it.entity_id = $1 AND it.item_id = $2", 2, types);
		if (eng->category_plan == NULL)
			elog(ERROR, "could not prepare the item lookup: %s", SPI_result_code_string(SPI_result));
	}
	args[0] = CStringGetTextDatum(eng->entities[ent].id);
	args[1] = Int64GetDatum(item_id);
	if (SPI_execute_plan(eng->category_plan, args, NULL, eng->read_only, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read procgov.item");
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			code = MemoryContextStrdup(eng->cxt, TextDatumGetCString(d));
	}
	SPI_freetuptable(SPI_tuptable);
	/* SPI returns in its own context: the caller's rows go on in theirs */
	MemoryContextSwitchTo(caller);
	c = hash_search(eng->categories, &key, HASH_ENTER, NULL);
	c->code = code;
	return code;
}

/* ---- the decision for one line ---- */

typedef struct LineIn
{
	int64		qty;			/* invoiced, ten-thousandths */
	int64		price;			/* invoiced unit price, amount units */
	uint16		cur;
	bool		has_order;
	int64		po_qty;
	int64		po_price;
	uint16		po_cur;
	int64		received;
	int64		invoiced;		/* before this invoice, this run included */
	bool		duplicate;
} LineIn;

typedef struct LineOut
{
	MatchResult result;
	int64		billable;		/* what may still be billed, ten-thousandths */
	int64		price_allow;	/* allowed deviation of the line's value, amount units */
	int64		price_variance; /* the line's value at the invoiced price minus at the order price */
} LineOut;

/*
 * qty (ten-thousandths) times a unit price (amount units): the line's value
 * rounded once, half away from zero, to the currency's minor units, and
 * returned in amount units.
 */
static int64
line_value(int64 qty, int64 price, uint16 cur)
{
	int			minor = currency_minor_units(cur);
	int128		v = (int128) qty * price;	/* 1e-8 of the major unit */
	int128		div = QTY_SCALE;
	int128		up = 1;
	int128		q,
				r;

	if (minor < 0 || minor > AMOUNT_DECIMALS)
		minor = AMOUNT_DECIMALS;
	for (int i = minor; i < AMOUNT_DECIMALS; i++)
	{
		div *= 10;
		up *= 10;
	}
	q = v / div;
	r = v % div;
	if (r * 2 >= div)
		q++;
	else if (r * 2 <= -div)
		q--;
	q *= up;
	if (q > PG_INT64_MAX || q < PG_INT64_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a line value is out of range for procgov.amount"),
				 errhint("Check the line's quantity and unit price.")));
	return (int64) q;
}

/*
 * The allowance of a tolerance around an expected amount, in the currency's
 * minor units.  An absolute part in another currency does not apply to this
 * line: its percentage part alone counts ('2% and 50.00 EUR' on a USD line
 * is 2%), and an absolute-only tolerance means exact.
 */
static int64
minor_allowance(const tolerance_t *tin, int64 expected, uint16 cur)
{
	tolerance_t t = *tin;
	uint64		allow;
	int64		rounded;
	pv_error	err;

	if ((t.kind == TOL_ABSOLUTE || t.kind == TOL_EITHER || t.kind == TOL_BOTH) && t.cur != cur)
	{
		t.kind = t.kind == TOL_ABSOLUTE ? TOL_EXACT : TOL_PERCENT;
		t.abs_units = 0;
		t.cur = cur;
		if (t.kind == TOL_EXACT)
			t.pct = 0;
	}
	if (!tolerance_allowance(&t, expected, cur, &allow, &err))
		procgov_report(&err, NULL);
	if (allow > (uint64) PG_INT64_MAX)
		return PG_INT64_MAX;
	if (!amount_round_minor((int64) allow, cur, &rounded))
		return PG_INT64_MAX;
	return rounded;
}

static inline int64
line_abs(int64 v)
{
	return v < 0 ? -v : v;		/* line values are far from PG_INT64_MIN */
}

static void
decide(const LineIn *in, const Applied *a, bool two_way, LineOut *out)
{
	int64		limit;

	memset(out, 0, sizeof(*out));
	if (!in->has_order)
	{
		out->result = in->duplicate ? MR_DUPLICATE : MR_NO_ORDER;
		return;
	}
	limit = two_way ? in->po_qty : in->received;
	out->billable = limit - in->invoiced;
	if (in->cur == in->po_cur)
	{
		/* the price is judged on the line: what the billed quantity costs at each price */
		int64		expected = line_value(in->qty, in->po_price, in->po_cur);

		out->price_variance = line_value(in->qty, in->price, in->cur) - expected;
		out->price_allow = minor_allowance(&a->price, expected, in->po_cur);
	}
	if (in->duplicate)
		out->result = MR_DUPLICATE;
	else if (in->cur != in->po_cur)
		out->result = MR_CURRENCY;
	else if (in->invoiced >= in->po_qty)
		out->result = MR_FULLY_INVOICED;
	else if (!two_way && in->received == 0)
		out->result = MR_NO_RECEIPT;
	/*
	 * The quantity tolerance covers the line's whole billing: what this
	 * invoice and the ones before it bill beyond what was received (or
	 * ordered), against the tolerance of that quantity, so that an absolute
	 * tolerance is not granted again to every invoice.
	 */
	else if (in->qty > out->billable &&
			 (a->qty.kind == TOL_EXACT ||
			  line_value(in->qty - out->billable, in->po_price, in->po_cur) >
			  minor_allowance(&a->qty, line_value(limit, in->po_price, in->po_cur), in->po_cur)))
		out->result = two_way ? MR_QTY_OVER_ORDERED : MR_QTY_OVER_RECEIVED;
	else if (out->price_variance > out->price_allow)
		out->result = MR_PRICE_OVER;
	else if (out->price_variance < -out->price_allow)
		out->result = MR_PRICE_UNDER;
	else
		out->result = MR_MATCHED;
}

static Numeric
units_numeric(int64 v)
{
#if PG_VERSION_NUM >= 150000
	return int64_div_fast_to_numeric(v, 4);
#else
	char		buf[32];
	uint64		a = v < 0 ? -(uint64) v : (uint64) v;

	snprintf(buf, sizeof(buf), "%s" UINT64_FORMAT ".%04d", v < 0 ? "-" : "", a / 10000, (int) (a % 10000));
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
#endif
}

/* ---- reading invoices ---- */

typedef struct Header
{
	char	   *entity;
	int64		invoice_id;
	char	   *number;
	int64		supplier_id;
	char	   *state;
	char	   *duplicate_of;
	int			entity_idx;
	int			nsettled;
	struct Settled *settled;	/* lines of its resolved variance cases */
} Header;

/*
 * A line of a resolved variance case, with the figures the resolution saw:
 * it settles that line's finding of that kind only while the finding is no
 * larger (another invoice billing the same order line meanwhile makes the
 * excess quantity grow, and a new case opens for it).
 */
typedef struct Settled
{
	char	   *key;			/* "kind:line" */
	bool		credit;			/* a credit note request, else an accepted variance */
	int64		qty;			/* the line's quantity then, ten-thousandths */
	int64		billable;		/* what could be billed then */
	Amount	   *price;			/* the invoiced and the order's unit price then */
	Amount	   *order_price;
} Settled;

static const char *const header_sql =
"SELECT i.entity_id, i.invoice_id, i.number, i.supplier_id, i.state::text, i.invoice_date,"
"       d1.number, d1.invoice_date, d2.number, d2.invoice_date, ac.keys, ac.credit, ac.qty, ac.billable,"
"       ac.price, ac.order_price"
"  FROM unnest($1::text[], $2::bigint[]) AS u(e, id)"
"  JOIN procgov.invoice i ON i.entity_id = u.e AND i.invoice_id = u.id"
"  LEFT JOIN LATERAL (SELECT d.number, d.invoice_date FROM procgov.invoice d"
"        WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id"
"          AND d.supplier_invoice_key = i.supplier_invoice_key"
"          AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'"
"        ORDER BY abs(d.invoice_date - i.invoice_date), d.invoice_id LIMIT 1) d1 ON true"
"  LEFT JOIN LATERAL (SELECT d.number, d.invoice_date FROM procgov.invoice d"
"        WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id"
"          AND d.total OPERATOR(procgov.=) i.total AND d.supplier_invoice_key <> i.supplier_invoice_key"
"          AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'"
"        ORDER BY abs(d.invoice_date - i.invoice_date), d.invoice_id LIMIT 1) d2 ON true"
"  LEFT JOIN LATERAL (SELECT array_agg(c.kind || ':' || (l.v->>'line') ORDER BY c.case_id, l.n) AS keys,"
"                            array_agg(c.resolution = 'credit_requested' ORDER BY c.case_id, l.n) AS credit,"
"                            array_agg(((l.v->>'quantity')::numeric * 10000)::int8 ORDER BY c.case_id, l.n) AS qty,"
"                            array_agg(((l.v->>'billable')::numeric * 10000)::int8 ORDER BY c.case_id, l.n) AS billable,"
"                            array_agg(l.v->>'unit_price' ORDER BY c.case_id, l.n) AS price,"
"                            array_agg(l.v->>'order_price' ORDER BY c.case_id, l.n) AS order_price"
"        FROM procgov.exception_case c CROSS JOIN LATERAL jsonb_array_elements(c.details->'lines') WITH ORDINALITY AS l(v, n)"
"        WHERE i.state = 'disputed' AND c.entity_id = i.entity_id AND c.doc_kind = 'invoice' AND c.doc_number = i.number"
"          AND c.status = 'resolved' AND c.resolution IN ('variance_accepted', 'credit_requested')) ac ON true"
" ORDER BY i.entity_id, i.invoice_id";

/*
 * The lines of the invoices with the order lines they bill.  Only an order
 * that was approved can be billed: a line of a draft, one waiting for
 * (re-)approval, a rejected or a cancelled order counts as no order line
 * (no_order), and matches once the order is approved (procgov.order_billable,
 * an SQL function the planner inlines).
 */
#define LINE_COLS 13
static const char *const lines_sql =
"SELECT l.entity_id, l.invoice_id, l.line_no, coalesce(l.po_id, i.po_id), l.po_line_no,"
"       (l.quantity * 10000)::int8, l.unit_price, pl.line_no IS NOT NULL,"
"       (pl.quantity * 10000)::int8, pl.unit_price, (pl.received_qty * 10000)::int8,"
"       (pl.invoiced_qty * 10000)::int8, pl.item_id"
"  FROM unnest($1::text[], $2::bigint[]) AS u(e, id)"
"  JOIN procgov.invoice i ON i.entity_id = u.e AND i.invoice_id = u.id"
"  JOIN procgov.invoice_line l ON l.entity_id = i.entity_id AND l.invoice_id = i.invoice_id"
"  LEFT JOIN (procgov.purchase_order_line pl"
"        JOIN procgov.purchase_order po ON po.entity_id = pl.entity_id AND po.po_id = pl.po_id"
"         AND procgov.order_billable(po.state))"
"    ON pl.entity_id = l.entity_id AND pl.po_id = coalesce(l.po_id, i.po_id) AND pl.line_no = l.po_line_no"
" ORDER BY l.entity_id, l.invoice_id, l.line_no";

/* The elements of an array column of the header query (NULL elements as NULL). */
static int
array_elems(Datum d, Oid elemtype, int16 len, bool byval, char align, Datum **elems, bool **nulls)
{
	int			n;

	deconstruct_array(DatumGetArrayTypeP(d), elemtype, len, byval, align, elems, nulls, &n);
	return n;
}

/* The settled lines of an invoice from the header query's columns 11-16. */
static int
read_settled(HeapTuple t, TupleDesc d, Settled **out)
{
	Datum	   *keys,
			   *credit,
			   *qty,
			   *billable,
			   *price,
			   *order_price;
	bool	   *nk,
			   *nc,
			   *nq,
			   *nb,
			   *np,
			   *no;
	int			n = array_elems(col(t, d, 11), TEXTOID, -1, false, TYPALIGN_INT, &keys, &nk);
	int			m = 0;

	(void) array_elems(col(t, d, 12), BOOLOID, 1, true, TYPALIGN_CHAR, &credit, &nc);
	(void) array_elems(col(t, d, 13), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &qty, &nq);
	(void) array_elems(col(t, d, 14), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &billable, &nb);
	(void) array_elems(col(t, d, 15), TEXTOID, -1, false, TYPALIGN_INT, &price, &np);
	(void) array_elems(col(t, d, 16), TEXTOID, -1, false, TYPALIGN_INT, &order_price, &no);
	*out = palloc0(sizeof(Settled) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		Settled    *s = &(*out)[m];

		/* only variance kinds are settled this way, and their lines have all figures */
		if (nk[i] || nc[i] || nq[i] || nb[i] || np[i] || no[i])
			continue;
		s->key = TextDatumGetCString(keys[i]);
		s->credit = DatumGetBool(credit[i]);
		s->qty = DatumGetInt64(qty[i]);
		s->billable = DatumGetInt64(billable[i]);
		s->price = amount_from_cstring(TextDatumGetCString(price[i]));
		s->order_price = amount_from_cstring(TextDatumGetCString(order_price[i]));
		m++;
	}
	return m;
}

/* |a - b| within the period: b - period < a < b + period */
static bool
dates_within(DateADT a, DateADT b, const Interval *period, bool inclusive)
{
	Timestamp	ta = date2timestamp_no_overflow(a);
	Timestamp	lo = DatumGetTimestamp(DirectFunctionCall2(date_mi_interval, DateADTGetDatum(b), IntervalPGetDatum(period)));
	Timestamp	hi = DatumGetTimestamp(DirectFunctionCall2(date_pl_interval, DateADTGetDatum(b), IntervalPGetDatum(period)));

	return inclusive ? (ta >= lo && ta <= hi) : (ta > lo && ta < hi);
}

static Header *
read_headers(Engine *eng, MemoryContext hold, Datum entities, Datum ids, int *nheaders)
{
	Oid			argtypes[2] = {TEXTARRAYOID, INT8ARRAYOID};
	Datum		args[2] = {entities, ids};
	SPITupleTable *tt;
	Header	   *h;
	uint64		n;

	if (SPI_execute_with_args(header_sql, 2, argtypes, args, NULL, eng->read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read invoices to match");
	/* keep our own pointer: loading an entity's rules runs another query */
	tt = SPI_tuptable;
	n = SPI_processed;
	h = MemoryContextAllocZero(hold, sizeof(Header) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	t = tt->vals[i];
		TupleDesc	d = tt->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(hold);
		Header	   *x = &h[i];
		const Applied *a;
		DateADT		date = DatumGetDateADT(col(t, d, 6));

		x->entity = col_text(t, d, 1);
		x->invoice_id = DatumGetInt64(col(t, d, 2));
		x->number = col_text(t, d, 3);
		x->supplier_id = DatumGetInt64(col(t, d, 4));
		x->state = col_text(t, d, 5);
		if (!col_null(t, d, 11))
			x->nsettled = read_settled(t, d, &x->settled);
		MemoryContextSwitchTo(old);
		x->entity_idx = entity_index(eng, x->entity);
		a = applied(&eng->entities[x->entity_idx], x->supplier_id, "");
		if (!col_null(t, d, 7) && dates_within(date, DatumGetDateADT(col(t, d, 8)), &a->period, false))
			x->duplicate_of = MemoryContextStrdup(hold, TextDatumGetCString(col(t, d, 7)));
		else if (!col_null(t, d, 9) && dates_within(date, DatumGetDateADT(col(t, d, 10)), &a->window, true))
			x->duplicate_of = MemoryContextStrdup(hold, TextDatumGetCString(col(t, d, 9)));
	}
	SPI_freetuptable(tt);
	*nheaders = (int) n;
	return h;
}

/* One evaluated line, as the callers need it. */
typedef struct Line
{
	int32		line_no;
	int64		po_id;			/* 0: none */
	int32		po_line_no;		/* 0: none */
	LineIn		in;
	LineOut		out;
	bool		accepted;		/* the result stands by a resolved case */
	bool		credited;		/* ... by a credit note request */
	int64		consume;		/* what it bills against its order line */
	Applied		applied;
	bool		two_way;
} Line;

typedef void (*InvoiceDone) (void *arg, Header *h, Line *lines, int nlines, bool all_ok);
typedef void (*ChunkDone) (void *arg);

static int64
consumed_get(Engine *eng, int ent, int64 po_id, int32 line_no, bool add, int64 qty)
{
	ConsumedKey key;
	Consumed   *c;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.po_id = po_id;
	key.line_no = line_no;
	key.entity = ent;
	c = hash_search(eng->consumed, &key, add ? HASH_ENTER : HASH_FIND, &found);
	if (!add)
		return c ? c->qty : 0;
	if (!found)
		c->qty = 0;
	c->qty += qty;
	return c->qty;
}

/*
 * Whether a settled line still covers a line's finding of the same kind: a
 * quantity excess no larger than the one resolved, a price variance (the
 * line's value at the invoiced price against the order's, in the order's
 * currency) no larger than the one resolved.
 */
static bool
settled_covers(const Settled *s, const Line *l)
{
	switch (l->out.result)
	{
		case MR_QTY_OVER_RECEIVED:
		case MR_QTY_OVER_ORDERED:
			return l->in.qty - l->out.billable <= s->qty - s->billable;
		case MR_PRICE_OVER:
		case MR_PRICE_UNDER:
			{
				int64		then;

				if (s->price->cur != l->in.cur || s->order_price->cur != l->in.po_cur)
					return false;
				then = line_value(s->qty, s->price->units, s->price->cur) -
					line_value(s->qty, s->order_price->units, s->order_price->cur);
				return line_abs(l->out.price_variance) <= line_abs(then);
			}
		default:
			return false;
	}
}

/* An invoice's lines are all read: decide the invoice and count what it bills. */
static void
finish_invoice(Engine *eng, Header *h, Line *lines, int nlines, InvoiceDone done, void *arg)
{
	bool		all_ok = true;

	for (int i = 0; i < nlines; i++)
		if (lines[i].out.result != MR_MATCHED && !lines[i].accepted)
			all_ok = false;
	if (all_ok)
		for (int i = 0; i < nlines; i++)
			if (lines[i].in.has_order && lines[i].consume > 0)
				(void) consumed_get(eng, h->entity_idx, lines[i].po_id, lines[i].po_line_no, true, lines[i].consume);
	done(arg, h, lines, nlines, all_ok);
}

/* A line's columns (lines_sql), each fetched row deformed once. */
#define LC(n)		(v[(n) - 1])
#define LC_NULL(n)	(isnull[(n) - 1])

/*
 * A resolution settles the lines its case listed, for that kind only, and
 * only while the finding is no larger than the one it saw: marks the line
 * accepted for its current finding, and credited too when a credit note
 * request (not an accepted variance) settles it.
 */
static void
settle_line(const Header *cur, Line *l)
{
	char	   *key;

	if (l->out.result == MR_MATCHED || cur->nsettled == 0)
		return;
	key = psprintf("%s:%d", result_names[l->out.result], l->line_no);
	/* an accepted variance before a credit note request, as always */
	for (int i = 0; i < cur->nsettled && !l->accepted; i++)
	{
		const Settled *s = &cur->settled[i];

		if (strcmp(s->key, key) != 0 || !settled_covers(s, l))
			continue;
		if (s->credit)
			l->credited = true;
		else
			l->accepted = true;
	}
	if (l->accepted)
		l->credited = false;
	if (l->credited)
		l->accepted = true;
	pfree(key);
}

static void
read_line(Engine *eng, Header *cur, const Datum *v, const bool *isnull, Line *lines, int nlines, int force_two_way)
{
	Line	   *l = &lines[nlines];
	Amount	   *price = DatumGetAmountP(LC(7));

	memset(l, 0, sizeof(Line));
	l->line_no = DatumGetInt32(LC(3));
	l->po_id = LC_NULL(4) ? 0 : DatumGetInt64(LC(4));
	l->po_line_no = LC_NULL(5) ? 0 : DatumGetInt32(LC(5));
	l->in.qty = DatumGetInt64(LC(6));
	l->in.price = price->units;
	l->in.cur = price->cur;
	l->in.has_order = DatumGetBool(LC(8));
	l->in.duplicate = cur->duplicate_of != NULL;
	if (l->in.has_order)
	{
		Amount	   *op = DatumGetAmountP(LC(10));
		int64		earlier = consumed_get(eng, cur->entity_idx, l->po_id, l->po_line_no, false, 0);

		l->in.po_qty = DatumGetInt64(LC(9));
		l->in.po_price = op->units;
		l->in.po_cur = op->cur;
		l->in.received = DatumGetInt64(LC(11));
		/* lines of this invoice before this one, on the same order line */
		for (int i = 0; i < nlines; i++)
			if (lines[i].in.has_order && lines[i].po_id == l->po_id && lines[i].po_line_no == l->po_line_no)
				earlier += lines[i].in.qty;
		l->in.invoiced = DatumGetInt64(LC(12)) + earlier;
	}
	l->applied = *applied(&eng->entities[cur->entity_idx], cur->supplier_id,
						  l->in.has_order && !LC_NULL(13) ? item_category(eng, cur->entity_idx, DatumGetInt64(LC(13))) : "");
	l->two_way = force_two_way >= 0 ? (bool) force_two_way : l->applied.two_way;
	decide(&l->in, &l->applied, l->two_way, &l->out);
	settle_line(cur, l);
	/* a credit note request settles the excess quantity: bill what may be billed */
	l->consume = l->in.qty;
	if (l->credited && (l->out.result == MR_QTY_OVER_RECEIVED || l->out.result == MR_QTY_OVER_ORDERED))
		l->consume = Min(l->in.qty, Max(l->out.billable, 0));

	/*
	 * decide() names a line's first finding only.  A settled quantity finding
	 * settles the quantity, not the price: the price is still judged, and a
	 * price beyond tolerance is a finding (and a case) of its own, settled
	 * only by its own resolution — else accepting one more unit delivered
	 * would pay any price billed for it.
	 */
	if (l->accepted && (l->out.result == MR_QTY_OVER_RECEIVED || l->out.result == MR_QTY_OVER_ORDERED) &&
		(l->out.price_variance > l->out.price_allow || l->out.price_variance < -l->out.price_allow))
	{
		l->out.result = l->out.price_variance > 0 ? MR_PRICE_OVER : MR_PRICE_UNDER;
		l->accepted = false;
		l->credited = false;
		settle_line(cur, l);
	}
}

static void
evaluate_chunk(Engine *eng, Datum entities, Datum ids, int force_two_way, InvoiceDone done, void *arg)
{
	Oid			argtypes[2] = {TEXTARRAYOID, INT8ARRAYOID};
	Datum		args[2] = {entities, ids};
	int			nheaders;
	/* what this chunk reads lives as long as the chunk */
	MemoryContext hold = AllocSetContextCreate(eng->cxt, "procgov match chunk data", ALLOCSET_DEFAULT_SIZES);
	Header	   *headers = read_headers(eng, hold, entities, ids, &nheaders);
	int			h = 0;
	Portal		portal;
	int			maxlines = 64;
	int			nlines = 0;
	Line	   *lines = MemoryContextAlloc(hold, sizeof(Line) * maxlines);
	MemoryContext batch = AllocSetContextCreate(hold, "procgov match batch", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	Header	   *cur = NULL;
	Datum		v[LINE_COLS];
	bool		isnull[LINE_COLS];

	portal = SPI_cursor_open_with_args(NULL, lines_sql, 2, argtypes, args, NULL, eng->read_only, 0);
	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		tt = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		if (tt->tupdesc->natts != LINE_COLS)
			elog(ERROR, "procgov match lines query returned %d columns, not %d", tt->tupdesc->natts, LINE_COLS);
		old = MemoryContextSwitchTo(batch);
		for (uint64 r = 0; r < n; r++)
		{
			char	   *ent;
			int64		invoice_id;

			heap_deform_tuple(tt->vals[r], tt->tupdesc, v, isnull);
			ent = TextDatumGetCString(LC(1));
			invoice_id = DatumGetInt64(LC(2));

			if (cur != NULL && (invoice_id != cur->invoice_id || strcmp(ent, cur->entity) != 0))
			{
				finish_invoice(eng, cur, lines, nlines, done, arg);
				nlines = 0;
				cur = NULL;
			}
			if (cur == NULL)
			{
				while (h < nheaders && (headers[h].invoice_id != invoice_id || strcmp(headers[h].entity, ent) != 0))
					h++;
				if (h == nheaders)
					elog(ERROR, "invoice line without its invoice in the match run");
				cur = &headers[h];
			}
			if (nlines == maxlines)
			{
				maxlines *= 2;
				lines = repalloc(lines, sizeof(Line) * maxlines);
			}
			read_line(eng, cur, v, isnull, lines, nlines, force_two_way);
			nlines++;
		}
		MemoryContextSwitchTo(old);
		SPI_freetuptable(tt);
		MemoryContextReset(batch);
	}
	if (cur != NULL)
		finish_invoice(eng, cur, lines, nlines, done, arg);
	SPI_cursor_close(portal);
	MemoryContextDelete(hold);
}

/*
 * Evaluate the invoices given as (entity, id) arrays, sorted by entity and
 * id, calling done() once per invoice with its lines and chunk_done() after
 * each few thousand invoices (their lines sort in memory, and what they bill
 * is written before the next chunk reads the order lines).  Earlier
 * invoices' billed quantities count against later ones in the same run.
 */
static void
evaluate(Engine *eng, Datum entities, Datum ids, int force_two_way, InvoiceDone done, ChunkDone chunk_done, void *arg)
{
	Datum	   *ents,
			   *nums;
	bool	   *enulls,
			   *nnulls;
	int			n,
				n2;

	deconstruct_array(DatumGetArrayTypeP(entities), TEXTOID, -1, false, TYPALIGN_INT, &ents, &enulls, &n);
	deconstruct_array(DatumGetArrayTypeP(ids), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &nums, &nnulls, &n2);
	Assert(n == n2);
	for (int start = 0; start < n; start += CHUNK_INVOICES)
	{
		int			k = Min(CHUNK_INVOICES, n - start);

		evaluate_chunk(eng,
					   PointerGetDatum(construct_array(ents + start, k, TEXTOID, -1, false, TYPALIGN_INT)),
					   PointerGetDatum(construct_array(nums + start, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
					   force_two_way, done, arg);
		if (chunk_done)
			chunk_done(arg);
	}
	/* the plan ends with this SPI connection; an engine kept longer prepares it again */
	if (eng->category_plan != NULL)
	{
		SPI_freeplan(eng->category_plan);
		eng->category_plan = NULL;
	}
}

/* ---- procgov.match_lines(): one invoice's figures, read-only ---- */

typedef struct LinesOut
{
	ReturnSetInfo *rsinfo;
} LinesOut;

static Datum
amount_datum(int64 units, uint16 cur)
{
	return PointerGetDatum(amount_new(units, cur));
}

static Datum
tolerance_datum(const tolerance_t *t)
{
	tolerance_t *c = palloc(sizeof(tolerance_t));

	memcpy(c, t, sizeof(tolerance_t));
	return PointerGetDatum(c);
}

#define LINES_COLS 21

static void
lines_done(void *arg, Header *h, Line *lines, int nlines, bool all_ok)
{
	LinesOut   *o = arg;

	for (int i = 0; i < nlines; i++)
	{
		Line	   *l = &lines[i];
		Datum		v[LINES_COLS];
		bool		n[LINES_COLS];

		memset(n, 0, sizeof(n));
		v[0] = Int32GetDatum(l->line_no);
		n[1] = l->po_id == 0;
		v[1] = Int64GetDatum(l->po_id);
		n[2] = l->po_line_no == 0;
		v[2] = Int32GetDatum(l->po_line_no);
		v[3] = CStringGetTextDatum(result_names[l->out.result]);
		v[4] = BoolGetDatum(l->accepted);
		v[5] = NumericGetDatum(units_numeric(l->in.qty));
		v[6] = amount_datum(l->in.price, l->in.cur);
		if (l->in.has_order)
		{
			v[7] = NumericGetDatum(units_numeric(l->in.po_qty));
			v[8] = amount_datum(l->in.po_price, l->in.po_cur);
			v[9] = NumericGetDatum(units_numeric(l->in.received));
			v[10] = NumericGetDatum(units_numeric(l->in.invoiced));
			v[11] = NumericGetDatum(units_numeric(l->out.billable));
		}
		else
			n[7] = n[8] = n[9] = n[10] = n[11] = true;
		if (l->in.has_order && l->in.cur == l->in.po_cur)
		{
			v[12] = amount_datum(l->out.price_variance, l->in.cur);
			v[13] = amount_datum(l->out.price_allow, l->in.cur);
		}
		else
			n[12] = n[13] = true;
		v[14] = tolerance_datum(&l->applied.qty);
		v[15] = tolerance_datum(&l->applied.price);
		v[16] = BoolGetDatum(l->two_way);
		n[17] = h->duplicate_of == NULL;
		v[17] = h->duplicate_of ? CStringGetTextDatum(h->duplicate_of) : (Datum) 0;
		v[18] = CStringGetTextDatum(l->applied.owner);
		v[19] = IntervalPGetDatum(&l->applied.sla);
		v[20] = CStringGetTextDatum(all_ok ? "matched" : "disputed");
		tuplestore_putvalues(o->rsinfo->setResult, o->rsinfo->setDesc, v, n);
	}
}

static Datum
one_text_array(const char *s)
{
	Datum		d = CStringGetTextDatum(s);

	return PointerGetDatum(construct_array(&d, 1, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
one_int8_array(int64 v)
{
	Datum		d = Int64GetDatum(v);

	return PointerGetDatum(construct_array(&d, 1, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(match_lines);
Datum
match_lines(PG_FUNCTION_ARGS)
{
	LinesOut	o;
	Engine	   *eng;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	procgov_materialize_srf(fcinfo);
	o.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SPI_connect();
	eng = engine_create(true);
	evaluate(eng, one_text_array(text_to_cstring(PG_GETARG_TEXT_PP(0))), one_int8_array(PG_GETARG_INT64(1)),
			 PG_ARGISNULL(2) ? -1 : (int) PG_GETARG_BOOL(2), lines_done, NULL, &o);
	SPI_finish();
	return (Datum) 0;
}

/* ---- procgov.match_run(): match and act, set-based ---- */

typedef struct Acc
{
	int			n,
				max;
	Datum	   *v;
} Acc;

static void
acc_add(Acc *a, Datum d)
{
	if (a->n == a->max)
	{
		a->max = a->max ? a->max * 2 : 256;
		a->v = a->v ? repalloc_huge(a->v, sizeof(Datum) * a->max) : palloc(sizeof(Datum) * a->max);
	}
	a->v[a->n++] = d;
}

static Datum
acc_array(Acc *a, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(a->v, a->n, type, typlen, typbyval, typalign));
}

/* What one chunk collects before run_flush() writes it. */
typedef struct Pending
{
	Acc			m_ent,
				m_id;			/* to matched */
	Acc			d_ent,
				d_id;			/* to disputed */
	Acc			r_ent,
				r_num;			/* were disputed: cases whose finding is gone are cleared */
	/* mismatching lines, for the exception cases */
	Acc			x_ent,
				x_num,
				x_line,
				x_po,
				x_po_line,
				x_kind,
				x_qty,
				x_price,
				x_ordered,
				x_order_price,
				x_received,
				x_invoiced,
				x_billable,
				x_allow,
				x_owner,
				x_sla,
				x_role,
				x_dup;
} Pending;

typedef struct Run
{
	Engine	   *eng;
	MemoryContext chunk_cxt;	/* holds the pending chunk, reset after it is written */
	Pending		p;
	int64		exceptions;
	int64		invoices,
				lines,
				matched,
				disputed;
	bool		closed_orders;	/* a locked order is closed with a budget line: billing it is spending */
} Run;

static void
run_done(void *arg, Header *h, Line *lines, int nlines, bool all_ok)
{
	Run		   *run = arg;
	MemoryContext old = MemoryContextSwitchTo(run->chunk_cxt);
	Datum		ent = CStringGetTextDatum(h->entity);
	bool		was_disputed = strcmp(h->state, "disputed") == 0;

	run->invoices++;
	run->lines += nlines;
	if (was_disputed)
	{
		acc_add(&run->p.r_ent, ent);
		acc_add(&run->p.r_num, CStringGetTextDatum(h->number));
	}
	if (all_ok)
	{
		run->matched++;
		acc_add(&run->p.m_ent, ent);
		acc_add(&run->p.m_id, Int64GetDatum(h->invoice_id));
	}
	else
	{
		run->disputed++;
		if (!was_disputed)
		{
			acc_add(&run->p.d_ent, ent);
			acc_add(&run->p.d_id, Int64GetDatum(h->invoice_id));
		}
		for (int i = 0; i < nlines; i++)
		{
			Line	   *l = &lines[i];
			bool		order = l->in.has_order;

			if (l->out.result == MR_MATCHED || l->accepted)
				continue;
			acc_add(&run->p.x_ent, ent);
			acc_add(&run->p.x_num, CStringGetTextDatum(h->number));
			acc_add(&run->p.x_line, Int32GetDatum(l->line_no));
			acc_add(&run->p.x_po, Int64GetDatum(l->po_id));
			acc_add(&run->p.x_po_line, Int32GetDatum(l->po_line_no));
			acc_add(&run->p.x_kind, CStringGetTextDatum(result_names[l->out.result]));
			acc_add(&run->p.x_qty, NumericGetDatum(units_numeric(l->in.qty)));
			acc_add(&run->p.x_price, amount_datum(l->in.price, l->in.cur));
			acc_add(&run->p.x_ordered, NumericGetDatum(units_numeric(order ? l->in.po_qty : 0)));
			acc_add(&run->p.x_order_price, amount_datum(order ? l->in.po_price : 0, order ? l->in.po_cur : l->in.cur));
			acc_add(&run->p.x_received, NumericGetDatum(units_numeric(l->in.received)));
			acc_add(&run->p.x_invoiced, NumericGetDatum(units_numeric(l->in.invoiced)));
			acc_add(&run->p.x_billable, NumericGetDatum(units_numeric(l->out.billable)));
			acc_add(&run->p.x_allow, amount_datum(l->out.price_allow, order ? l->in.po_cur : l->in.cur));
			acc_add(&run->p.x_owner, CStringGetTextDatum(l->applied.owner));
			{
				Interval   *sla = palloc(sizeof(Interval));

				*sla = l->applied.sla;
				acc_add(&run->p.x_sla, IntervalPGetDatum(sla));
			}
			acc_add(&run->p.x_role, CStringGetTextDatum(l->applied.variance_role));
			acc_add(&run->p.x_dup, h->duplicate_of ? CStringGetTextDatum(h->duplicate_of) : CStringGetTextDatum(""));
		}
	}
	MemoryContextSwitchTo(old);
}

static void
run_sql(const char *sql, int nargs, Oid *types, Datum *args, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);

	if (rc != expect)
		elog(ERROR, "procgov match step failed: %s", SPI_result_code_string(rc));
}

/*
 * Act on one chunk's outcome, set-based: what its matched invoices bill
 * (before the next chunk reads the order lines), their states through the
 * governance trigger, and the exception cases of the others.  Then forget
 * the chunk: the order lines now carry what it billed.
 */
static void
run_flush(void *arg)
{
	Run		   *run = arg;
	Oid			types2[2] = {TEXTARRAYOID, INT8ARRAYOID};
	HASH_SEQ_STATUS seq;
	Consumed   *c;
	bool		isnull;
	Acc			c_ent = {0},
				c_po = {0},
				c_line = {0},
				c_qty = {0};
	MemoryContext old = MemoryContextSwitchTo(run->chunk_cxt);

	hash_seq_init(&seq, run->eng->consumed);
	while ((c = hash_seq_search(&seq)) != NULL)
	{
		acc_add(&c_ent, CStringGetTextDatum(run->eng->entities[c->key.entity].id));
		acc_add(&c_po, Int64GetDatum(c->key.po_id));
		acc_add(&c_line, Int32GetDatum(c->key.line_no));
		acc_add(&c_qty, NumericGetDatum(units_numeric(c->qty)));
	}
	if (c_ent.n > 0)
	{
		Oid			t4[4] = {TEXTARRAYOID, INT8ARRAYOID, INT4ARRAYOID, NUMERICARRAYOID};
		Datum		a4[4] = {acc_array(&c_ent, TEXTOID), acc_array(&c_po, INT8OID),
		acc_array(&c_line, INT4OID), acc_array(&c_qty, NUMERICOID)};

		run_sql("UPDATE procgov.purchase_order_line pl SET invoiced_qty = pl.invoiced_qty + u.q"
				"  FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::numeric[]) AS u(e, po, ln, q)"
				" WHERE pl.entity_id = u.e AND pl.po_id = u.po AND pl.line_no = u.ln", 4, t4, a4, SPI_OK_UPDATE);

		/*
		 * An order closed before its invoice came released its commitment and
		 * spent what was billed then: what is billed now is spent as well, on
		 * its budget line (in the line values matching judges, minor units).
		 */
		if (run->closed_orders)
			run_sql("UPDATE procgov.budget b SET spent = b.spent OPERATOR(procgov.+) s.amount"
					"  FROM (SELECT po.entity_id, po.budget_id,"
					"               procgov.sum(procgov.round(pl.unit_price OPERATOR(procgov.*) u.q)) AS amount"
					"          FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::numeric[]) AS u(e, po, ln, q)"
					"          JOIN procgov.purchase_order po ON po.entity_id = u.e AND po.po_id = u.po"
					"           AND po.state = 'closed' AND po.budget_id IS NOT NULL"
					"          JOIN procgov.purchase_order_line pl ON pl.entity_id = u.e AND pl.po_id = u.po AND pl.line_no = u.ln"
					"         GROUP BY po.entity_id, po.budget_id) s"
					" WHERE b.entity_id = s.entity_id AND b.budget_id = s.budget_id", 4, t4, a4, SPI_OK_UPDATE);
	}
	if (run->p.x_ent.n > 0 || run->p.r_ent.n > 0)
	{
		Oid			t[20];
		Datum		a[20];

		a[0] = acc_array(&run->p.x_ent, TEXTOID);
		t[0] = TEXTARRAYOID;
		a[1] = acc_array(&run->p.x_num, TEXTOID);
		t[1] = TEXTARRAYOID;
		a[2] = acc_array(&run->p.x_line, INT4OID);
		t[2] = INT4ARRAYOID;
		a[3] = acc_array(&run->p.x_po, INT8OID);
		t[3] = INT8ARRAYOID;
		a[4] = acc_array(&run->p.x_po_line, INT4OID);
		t[4] = INT4ARRAYOID;
		a[5] = acc_array(&run->p.x_kind, TEXTOID);
		t[5] = TEXTARRAYOID;
		a[6] = acc_array(&run->p.x_qty, NUMERICOID);
		t[6] = NUMERICARRAYOID;
		a[7] = acc_array(&run->p.x_ordered, NUMERICOID);
		t[7] = NUMERICARRAYOID;
		a[8] = acc_array(&run->p.x_received, NUMERICOID);
		t[8] = NUMERICARRAYOID;
		a[9] = acc_array(&run->p.x_invoiced, NUMERICOID);
		t[9] = NUMERICARRAYOID;
		a[10] = acc_array(&run->p.x_billable, NUMERICOID);
		t[10] = NUMERICARRAYOID;
		a[11] = acc_array(&run->p.x_owner, TEXTOID);
		t[11] = TEXTARRAYOID;
		a[12] = acc_array(&run->p.x_sla, INTERVALOID);
		t[12] = INTERVALARRAYOID;
		a[13] = acc_array(&run->p.x_dup, TEXTOID);
		t[13] = TEXTARRAYOID;
		a[14] = acc_array(&run->p.r_ent, TEXTOID);
		t[14] = TEXTARRAYOID;
		a[15] = acc_array(&run->p.r_num, TEXTOID);
		t[15] = TEXTARRAYOID;
		/* amounts travel as text: their array type is the extension's own */
		{
			Acc		   *am[3] = {&run->p.x_price, &run->p.x_order_price, &run->p.x_allow};

			for (int k = 0; k < 3; k++)
			{
				Acc			txt = {0};

				for (int i = 0; i < am[k]->n; i++)
					acc_add(&txt, CStringGetTextDatum(amount_to_cstring(DatumGetAmountP(am[k]->v[i]))));
				a[16 + k] = acc_array(&txt, TEXTOID);
				t[16 + k] = TEXTARRAYOID;
			}
		}
		a[19] = acc_array(&run->p.x_role, TEXTOID);
		t[19] = TEXTARRAYOID;
		if (SPI_execute_with_args("SELECT procgov.match_exceptions($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
								  " $12, $13, $14, $15, $16, $17::procgov.amount[], $18::procgov.amount[], $19::procgov.amount[], $20)",
								  20, t, a, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not record the match exceptions");
		run->exceptions += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	if (run->p.d_ent.n > 0)
	{
		Datum		a2[2] = {acc_array(&run->p.d_ent, TEXTOID), acc_array(&run->p.d_id, INT8OID)};

		run_sql("UPDATE procgov.invoice i SET state = 'disputed'"
				"  FROM unnest($1::text[], $2::bigint[]) AS u(e, id)"
				" WHERE i.entity_id = u.e AND i.invoice_id = u.id", 2, types2, a2, SPI_OK_UPDATE);
	}
	if (run->p.m_ent.n > 0)
	{
		Datum		a2[2] = {acc_array(&run->p.m_ent, TEXTOID), acc_array(&run->p.m_id, INT8OID)};

		/* the guard matched_by_matching lets these moves, and only these, through */
		match_moving++;
		PG_TRY();
		{
			run_sql("UPDATE procgov.invoice i SET state = 'matched'"
					"  FROM unnest($1::text[], $2::bigint[]) AS u(e, id)"
					" WHERE i.entity_id = u.e AND i.invoice_id = u.id", 2, types2, a2, SPI_OK_UPDATE);
		}
		PG_FINALLY();
		{
			match_moving--;
		}
		PG_END_TRY();
	}
	/* the next chunk starts clean */
	hash_seq_init(&seq, run->eng->consumed);
	while ((c = hash_seq_search(&seq)) != NULL)
		(void) hash_search(run->eng->consumed, &c->key, HASH_REMOVE, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextReset(run->chunk_cxt);
	memset(&run->p, 0, sizeof(run->p));
}

/*
 * Whether procgov's matching is moving invoices to matched right now: the
 * guard matched_by_matching holds only then, so that no UPDATE of an
 * invoice's state, whoever makes it, gets an invoice past matching.
 */
bool
procgov_match_moving(void)
{
	return match_moving > 0;
}

PG_FUNCTION_INFO_V1(match_run);
Datum
match_run(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Run			run;
	Datum		ents,
				ids;
	bool		isnull;
	Datum		result[5];
	bool		rnulls[5] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(&run, 0, sizeof(run));
	SPI_connect();
	run.eng = engine_create(false);

	/* 1. the invoices: one named (waiting for it), or every unmatched one nobody else holds */
	{
		Oid			types[3] = {TEXTOID, TEXTOID, INT4OID};
		Datum		args[3];
		char		nulls[3] = {' ', ' ', ' '};

		args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
		args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
		args[2] = PG_ARGISNULL(2) ? Int32GetDatum(PG_INT32_MAX) : PG_GETARG_DATUM(2);
		nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
		nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';
		if (SPI_execute_with_args(PG_ARGISNULL(1)
								  ? "SELECT array_agg(x.entity_id), array_agg(x.invoice_id) FROM ("
								  "  SELECT i.entity_id, i.invoice_id FROM procgov.invoice i"
								  "   WHERE i.state IN ('submitted', 'disputed') AND ($1::text IS NULL OR i.entity_id = $1)"
								  "     AND $2::text IS NULL"
								  "   ORDER BY i.entity_id, i.invoice_id LIMIT $3"
								  "   FOR UPDATE OF i SKIP LOCKED) x"
								  : "SELECT array_agg(x.entity_id), array_agg(x.invoice_id) FROM ("
								  "  SELECT i.entity_id, i.invoice_id FROM procgov.invoice i"
								  "   WHERE i.entity_id = $1 AND i.number = $2 AND i.state IN ('submitted', 'disputed')"
								  "     AND $3 > 0"
								  "   FOR UPDATE OF i) x",
								  3, types, args, nulls, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not lock invoices to match");
		ents = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	}
	if (!isnull)
	{
		Oid			types2[2] = {TEXTARRAYOID, INT8ARRAYOID};
		Datum		args2[2];

		args2[0] = ents;
		args2[1] = ids;

		/*
		 * 2. their orders, in key order: receipts and other runs on the same
		 * order wait; and whether any is closed with a budget line (its
		 * billing is then spending, run_flush())
		 */
		run_sql("SELECT count(*) FILTER (WHERE x.closed) > 0 FROM ("
				"  SELECT po.state = 'closed' AND po.budget_id IS NOT NULL AS closed FROM procgov.purchase_order po"
				"   WHERE (po.entity_id, po.po_id) IN ("
				"         SELECT l.entity_id, coalesce(l.po_id, i.po_id)"
				"           FROM unnest($1::text[], $2::bigint[]) AS u(e, id)"
				"           JOIN procgov.invoice i ON i.entity_id = u.e AND i.invoice_id = u.id"
				"           JOIN procgov.invoice_line l ON l.entity_id = i.entity_id AND l.invoice_id = i.invoice_id)"
				"   ORDER BY po.entity_id, po.po_id"
				"   FOR NO KEY UPDATE OF po) x", 2, types2, args2, SPI_OK_SELECT);
		{
			bool		n;

			run.closed_orders = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n)) && !n;
		}

		/* 3. decide, chunk by chunk, and act on each: see run_flush() */
		run.chunk_cxt = AllocSetContextCreate(run.eng->cxt, "procgov match chunk", ALLOCSET_DEFAULT_SIZES);
		evaluate(run.eng, ents, ids, -1, run_done, run_flush, &run);
	}
	SPI_finish();
	result[0] = Int64GetDatum(run.invoices);
	result[1] = Int64GetDatum(run.lines);
	result[2] = Int64GetDatum(run.matched);
	result[3] = Int64GetDatum(run.disputed);
	result[4] = Int64GetDatum(run.exceptions);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), result, rnulls)));
}

/* ---- the operator: invoice_line ~= purchase_order_line ---- */

typedef struct OpCache
{
	Engine	   *eng;
	char	   *entity;			/* last order looked up */
	int64		po_id;
	int64		item_id;
	bool		item_null;
	int64		supplier_id;
	char	   *category;
} OpCache;

static int64
numeric_units(Datum n)
{
	static Datum scale = (Datum) 0;

	if (scale == (Datum) 0)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		scale = DirectFunctionCall1(int8_numeric, Int64GetDatum(QTY_SCALE));
		MemoryContextSwitchTo(old);
	}
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, DirectFunctionCall2(numeric_mul, n, scale)));
}

PG_FUNCTION_INFO_V1(match_line_op);
Datum
match_line_op(PG_FUNCTION_ARGS)
{
	HeapTupleHeader inv = PG_GETARG_HEAPTUPLEHEADER(0);
	HeapTupleHeader po = PG_GETARG_HEAPTUPLEHEADER(1);
	OpCache    *cache = fcinfo->flinfo->fn_extra;
	bool		n1,
				n2,
				n3;
	char	   *ent;
	int64		po_id,
				item_id;
	bool		item_null;
	LineIn		in;
	LineOut		out;
	Amount	   *price,
			   *po_price;
	const Applied *a;

	{
		Datum		e1 = GetAttributeByName(inv, "entity_id", &n1);
		Datum		e2 = GetAttributeByName(po, "entity_id", &n2);

		if (n1 || n2)
			PG_RETURN_BOOL(false);
		ent = TextDatumGetCString(e1);
		if (strcmp(ent, TextDatumGetCString(e2)) != 0)
			PG_RETURN_BOOL(false);
	}

	/*
	 * It reads the order and the entity's match rules as procgov (SECURITY
	 * DEFINER): rows the caller built for an entity it may not see would
	 * reveal that entity's orders and tolerances.  The answer is kept per
	 * statement, so a join pays one lookup.
	 */
	procgov_check_entity_access(ent);
	po_id = DatumGetInt64(GetAttributeByName(po, "po_id", &n1));
	if (n1)
		PG_RETURN_BOOL(false);
	item_id = DatumGetInt64(GetAttributeByName(po, "item_id", &item_null));
	if (item_null)
		item_id = 0;
	if (cache == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		cache = palloc0(sizeof(OpCache));
		cache->eng = engine_create(true);
		fcinfo->flinfo->fn_extra = cache;
		MemoryContextSwitchTo(old);
	}
	SPI_connect();
	if (cache->entity == NULL || strcmp(cache->entity, ent) != 0 || cache->po_id != po_id ||
		cache->item_id != item_id || cache->item_null != item_null)
	{
		Oid			types[3] = {TEXTOID, INT8OID, INT8OID};
		Datum		args[3] = {CStringGetTextDatum(ent), Int64GetDatum(po_id), Int64GetDatum(item_id)};
		MemoryContext old;

		if (SPI_execute_with_args("SELECT po.supplier_id, coalesce((SELECT it.category_code FROM procgov.item it"
								  "  WHERE it.entity_id = po.entity_id AND it.item_id = $3), '')"
								  "  FROM procgov.purchase_order po WHERE po.entity_id = $1 AND po.po_id = $2",
								  3, types, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the order of an order line");
		if (SPI_processed == 0)
		{
			SPI_finish();
			PG_RETURN_BOOL(false);
		}
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		if (cache->entity)
			pfree(cache->entity);
		if (cache->category)
			pfree(cache->category);
		cache->entity = pstrdup(ent);
		cache->po_id = po_id;
		cache->item_id = item_id;
		cache->item_null = item_null;
		cache->supplier_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n3));
		cache->category = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &n3));
		MemoryContextSwitchTo(old);
	}
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		int			e = entity_index(cache->eng, ent);

		a = applied(&cache->eng->entities[e], cache->supplier_id, cache->category);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	memset(&in, 0, sizeof(in));
	price = DatumGetAmountP(GetAttributeByName(inv, "unit_price", &n1));
	po_price = DatumGetAmountP(GetAttributeByName(po, "unit_price", &n2));
	if (n1 || n2)
		PG_RETURN_BOOL(false);
	in.qty = numeric_units(GetAttributeByName(inv, "quantity", &n1));
	in.po_qty = numeric_units(GetAttributeByName(po, "quantity", &n2));
	if (n1 || n2)
		PG_RETURN_BOOL(false);
	in.price = price->units;
	in.cur = price->cur;
	in.po_price = po_price->units;
	in.po_cur = po_price->cur;
	in.has_order = true;
	in.received = in.po_qty;
	decide(&in, a, true, &out);
	PG_RETURN_BOOL(out.result == MR_MATCHED);
}
