/*-------------------------------------------------------------------------
 * src/policy.c
 *		The policy engine: approval rules compiled once per policy version
 *		and evaluated in C; the policy as a JSON document (libjson-c).
 *
 * A policy version's rules are rows of procgov.approval_rule.  The first
 * evaluation against a version loads and compiles them into a per-backend
 * cache: each rule's conditions parsed once, and an index from the most
 * selective condition a rule has (cost centre, site, category prefix) to
 * the rules that name it, so a document is checked against the few rules
 * that can match rather than all of them.  Statement triggers on
 * procgov.policy and procgov.approval_rule invalidate the relcache entry
 * of the changed table at commit; the callback here marks the cache stale,
 * so every session's next evaluation sees the committed change.
 *
 * Evaluation takes the document's facts as jsonb (procgov.document_facts()
 * gathers them from the database; a UI may pass its own for a what-if) and
 * has no side effects.  docs/policy.md specifies the facts, the
 * conditions, and how matching rules combine into a step plan.
 *-------------------------------------------------------------------------
 */
/* PostgreSQL's SQL function json_object() and json-c's struct share a name:
 * the former is renamed while the server headers are read. */
#define json_object procgov_sql_json_object
#include "amount.h"
#include "tolerance_core.h"
#include "audit_core.h"

#include <ctype.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#undef json_object
#include <json-c/json.h>

#if PG_VERSION_NUM >= 140000
#define POLICY_HASH_STRINGS HASH_STRINGS
#else
#define POLICY_HASH_STRINGS 0
#endif

#define NKINDS			3
#define INDEX_KEY_MAX	96

static const char *const kind_names[NKINDS] = {"requisition", "purchase_order", "bank_change"};

enum
{
	OUT_AUTO, OUT_REQUIRE, OUT_BLOCK
};
enum
{
	CUM_NONE, CUM_REQUESTER, CUM_SUPPLIER
};

/* One compiled rule: each condition parsed once. */
typedef struct PolicyRule
{
	char	   *name;
	int			kind;			/* -1: any */
	bool		has_min,
				has_max;
	int64		min_units,
				max_units;
	uint16		band_cur;		/* CURRENCY_NONE: no amount condition */
	int			cumulative;
	char	   *window;			/* cumulative window in seconds, as text */
	char	   *category_prefix;
	int			nrisk;
	char	  **risk;
	int			nstatus;
	char	  **status;
	int			new_supplier_days;	/* 0: no condition */
	char	   *site;
	char	   *cost_center;
	int			off_contract;	/* -1: any */
	bool		has_over;
	tolerance_t over;
	int			urgent;			/* -1: any */
	char	   *signal_kind;
	double		min_score;
	double		min_confidence; /* NaN: any */
	int			outcome;
	char	   *role;
	int			approvers;
	bool		has_sla;
	Interval	sla;
	char	   *escalate_to;
	char	   *reason;
} PolicyRule;

typedef struct IndexEntry
{
	char		key[INDEX_KEY_MAX];
	int			n;
	int			cap;
	int		   *rules;
} IndexEntry;

typedef struct CompiledPolicy
{
	int64		policy_id;		/* hash key */
	int			version;
	char	   *entity;
	char	   *default_role;
	Interval	default_sla;
	Interval	expedite_sla;
	int			nrules;
	PolicyRule *rules;
	HTAB	   *index;
	uint32	   *seen;			/* epoch per rule, to visit each once */
	uint32		epoch;
	int			shapes;			/* bit (1 << shape) for each index shape in use */
} CompiledPolicy;

typedef struct ActiveEntry
{
	char		entity[NAMEDATALEN];
	int64		policy_id;		/* 0: none */
} ActiveEntry;

static struct
{
	MemoryContext cxt;			/* everything below; retired when stale */
	MemoryContext retired;		/* freed at transaction end */
	HTAB	   *compiled;		/* policy_id -> CompiledPolicy */
	HTAB	   *active;			/* entity -> active policy_id */
	bool		stale;
	Oid			policy_rel;
	Oid			rule_rel;
} pc = {NULL, NULL, NULL, NULL, true, InvalidOid, InvalidOid};

/* ===================================================================
 * The cache and its invalidation
 * =================================================================== */

static void
policy_invalidate(Datum arg, Oid relid)
{
	(void) arg;
	if (relid == InvalidOid || relid == pc.policy_rel || relid == pc.rule_rel)
		pc.stale = true;
}

static void
policy_xact_end(XactEvent event, void *arg)
{
	(void) arg;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
	{
		if (pc.retired)
			MemoryContextDeleteChildren(pc.retired);
		/* which version is active is read again in each transaction (it lived in TopTransactionContext) */
		pc.active = NULL;
	}
}

void
PolicyInit(void)
{
	procgov_on_relcache(policy_invalidate);
	RegisterXactCallback(policy_xact_end, NULL);
}

/* Start a fresh cache when the old one is stale; the old one retires until the transaction ends. */
static void
cache_ready(void)
{
	HASHCTL		ctl;

	if (!pc.stale && pc.cxt)
		return;
	if (pc.retired == NULL)
		pc.retired = AllocSetContextCreate(TopMemoryContext, "procgov retired policies", ALLOCSET_SMALL_SIZES);
	if (pc.cxt)
		MemoryContextSetParent(pc.cxt, pc.retired);
	pc.cxt = AllocSetContextCreate(TopMemoryContext, "procgov policies", ALLOCSET_DEFAULT_SIZES);
	/* cleared first: an invalidation read during the lookups below counts */
	pc.stale = false;
	pc.active = NULL;
	pc.policy_rel = procgov_relid("policy");
	pc.rule_rel = procgov_relid("approval_rule");

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(CompiledPolicy);
	ctl.hcxt = pc.cxt;
	pc.compiled = hash_create("procgov compiled policies", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* The entity -> active version map of this transaction. */
static void
active_ready(void)
{
	HASHCTL		ctl;

	if (pc.active)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(ActiveEntry);
	ctl.hcxt = TopTransactionContext;
	pc.active = hash_create("procgov active policies", 16, &ctl, HASH_ELEM | POLICY_HASH_STRINGS | HASH_CONTEXT);
}

/* ===================================================================
 * Compiling a policy version
 * =================================================================== */

static int
kind_index(const char *kind)
{
	for (int i = 0; i < NKINDS; i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return i;
	return -1;
}

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	char	   *v = SPI_getvalue(tup, desc, col);

	return v ? pstrdup(v) : NULL;
}

/* text[] as SPI renders it ({a,b,"c d"}) into a C array. */
static int
parse_text_array(HeapTuple tup, TupleDesc desc, int col, char ***out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	*out = NULL;
	if (isnull)
		return -1;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	*out = palloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
	return n;
}

static bool
amount_from_text(const char *s, int64 *units, uint16 *cur)
{
	pv_error	err;

	return s && amount_parse(s, strlen(s), units, cur, &err);
}

static void
index_add(HTAB *index, const char *key, int rule)
{
	bool		found;
	IndexEntry *e = hash_search(index, key, HASH_ENTER, &found);

	if (!found)
	{
		e->n = 0;
		e->cap = 4;
		e->rules = palloc(sizeof(int) * e->cap);
	}
	if (e->n == e->cap)
	{
		e->cap *= 2;
		e->rules = repalloc(e->rules, sizeof(int) * e->cap);
	}
	e->rules[e->n++] = rule;
}

/*
 * Index keys: kind, the shape (which of cost centre, site and category
 * prefix the rule names) and those values.  A rule goes under exactly one key
 * per kind it applies to; a document looks up, for each shape some rule
 * has, the key its own values make (one per category prefix when the shape
 * names a prefix).  Values too long for a key send the rule to the shape
 * without them, where the full check still decides.
 */
#define SHAPE_C 1
#define SHAPE_S 2
#define SHAPE_P 4

static bool
index_key(char *buf, int kind, int shape, const char *cc, const char *site, const char *prefix, size_t prefix_len)
{
	size_t		n = 0;
	size_t		lc = (shape & SHAPE_C) ? strlen(cc) : 0,
				ls = (shape & SHAPE_S) ? strlen(site) : 0;

	if (lc + ls + prefix_len + 8 > INDEX_KEY_MAX)
		return false;
	memset(buf, 0, INDEX_KEY_MAX);
	buf[n++] = (char) ('0' + kind);
	buf[n++] = (char) ('0' + shape);
	if (shape & SHAPE_C)
	{
		memcpy(buf + n, cc, lc);
		n += lc;
	}
	buf[n++] = '\x1f';
	if (shape & SHAPE_S)
	{
		memcpy(buf + n, site, ls);
		n += ls;
	}
	buf[n++] = '\x1f';
	if (shape & SHAPE_P)
		memcpy(buf + n, prefix, prefix_len);
	return true;
}

static void
index_rule(CompiledPolicy *cp, int i)
{
	PolicyRule *r = &cp->rules[i];
	char		key[INDEX_KEY_MAX];
	int			shape = (r->cost_center ? SHAPE_C : 0) | (r->site ? SHAPE_S : 0) | (r->category_prefix ? SHAPE_P : 0);

	while (!index_key(key, 0, shape, r->cost_center, r->site, r->category_prefix,
					  (shape & SHAPE_P) ? strlen(r->category_prefix) : 0))
		shape &= shape - 1;		/* drop a dimension until the key fits */
	cp->shapes |= 1 << shape;
	for (int k = 0; k < NKINDS; k++)
	{
		if (r->kind >= 0 && r->kind != k)
			continue;
		(void) index_key(key, k, shape, r->cost_center, r->site, r->category_prefix,
						 (shape & SHAPE_P) ? strlen(r->category_prefix) : 0);
		index_add(cp->index, key, i);
	}
}

#define RULE_QUERY \
	"SELECT name, doc_kind, amount_min::text, amount_max::text, cumulative, " \
	"       extract(epoch FROM cumulative_window)::bigint::text, category_prefix, supplier_risk_tiers, " \
	"       supplier_statuses::text[], new_supplier_days, site, cost_center, off_contract, over_contract::text, " \
	"       urgent, signal_kind, signal_min_score::float8, signal_min_confidence::float8, outcome, role, approvers, " \
	"       sla, escalate_to, reason " \
	"  FROM procgov.approval_rule WHERE policy_id = $1 ORDER BY rule_id"

static CompiledPolicy *
compile_policy(int64 policy_id)
{
	CompiledPolicy *cp;
	bool		found;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	MemoryContext old;
	MemoryContext caller_cxt = CurrentMemoryContext;
	MemoryContext target;
	bool		is_draft;
	HASHCTL		ctl;
	uint64		n;

	cp = hash_search(pc.compiled, &policy_id, HASH_FIND, NULL);
	if (cp)
		return cp;

	args[0] = Int64GetDatum(policy_id);
	SPI_connect();
	if (SPI_execute_with_args("SELECT entity_id, version, default_role, default_sla, expedite_sla, status = 'draft' "
							  "FROM procgov.policy WHERE policy_id = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
	{
		SPI_finish();
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("policy %lld does not exist", (long long) policy_id),
				 errhint("List the versions in procgov.policy.")));
	}
	/*
	 * An active or retired version's rules never change, so it is compiled
	 * once per backend; a draft's may, so it is compiled for this call only.
	 */
	is_draft = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6, &found));
	target = is_draft ? caller_cxt : pc.cxt;
	old = MemoryContextSwitchTo(target);
	cp = palloc0(sizeof(CompiledPolicy));
	cp->policy_id = policy_id;
	{
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;

		cp->entity = spi_text(t, d, 1);
		cp->version = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
		cp->default_role = spi_text(t, d, 3);
		cp->default_sla = *DatumGetIntervalP(SPI_getbinval(t, d, 4, &isnull));
		cp->expedite_sla = *DatumGetIntervalP(SPI_getbinval(t, d, 5, &isnull));
	}
	MemoryContextSwitchTo(old);

	if (SPI_execute_with_args(RULE_QUERY, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the rules of policy %lld", (long long) policy_id);
	n = SPI_processed;
	old = MemoryContextSwitchTo(target);
	cp->nrules = (int) n;
	cp->rules = palloc0(sizeof(PolicyRule) * (n + 1));
	cp->seen = palloc0(sizeof(uint32) * (n + 1));
	cp->epoch = 0;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = INDEX_KEY_MAX;
	ctl.entrysize = sizeof(IndexEntry);
	ctl.hcxt = target;
	cp->index = hash_create("procgov policy index", 64, &ctl, HASH_ELEM | POLICY_HASH_STRINGS | HASH_CONTEXT);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		PolicyRule *r = &cp->rules[i];
		bool		isnull;
		char	   *s;
		uint16		c2;
		Datum		v;

		r->name = spi_text(t, d, 1);
		s = spi_text(t, d, 2);
		r->kind = s ? kind_index(s) : -1;
		r->band_cur = CURRENCY_NONE;
		s = spi_text(t, d, 3);
		if (s && amount_from_text(s, &r->min_units, &r->band_cur))
			r->has_min = true;
		s = spi_text(t, d, 4);
		if (s && amount_from_text(s, &r->max_units, &c2))
		{
			r->has_max = true;
			r->band_cur = c2;
		}
		s = spi_text(t, d, 5);
		r->cumulative = s == NULL ? CUM_NONE : strcmp(s, "requester") == 0 ? CUM_REQUESTER : CUM_SUPPLIER;
		r->window = spi_text(t, d, 6);
		r->category_prefix = spi_text(t, d, 7);
		r->nrisk = parse_text_array(t, d, 8, &r->risk);
		r->nstatus = parse_text_array(t, d, 9, &r->status);
		v = SPI_getbinval(t, d, 10, &isnull);
		r->new_supplier_days = isnull ? 0 : DatumGetInt32(v);
		r->site = spi_text(t, d, 11);
		r->cost_center = spi_text(t, d, 12);
		v = SPI_getbinval(t, d, 13, &isnull);
		r->off_contract = isnull ? -1 : DatumGetBool(v);
		s = spi_text(t, d, 14);
		if (s)
		{
			pv_error	err;

			r->has_over = tolerance_parse(s, strlen(s), &r->over, &err);
		}
		v = SPI_getbinval(t, d, 15, &isnull);
		r->urgent = isnull ? -1 : DatumGetBool(v);
		r->signal_kind = spi_text(t, d, 16);
		v = SPI_getbinval(t, d, 17, &isnull);
		r->min_score = isnull ? 0 : DatumGetFloat8(v);
		v = SPI_getbinval(t, d, 18, &isnull);
		r->min_confidence = isnull ? NAN : DatumGetFloat8(v);
		s = spi_text(t, d, 19);
		r->outcome = strcmp(s, "auto_approve") == 0 ? OUT_AUTO : strcmp(s, "require") == 0 ? OUT_REQUIRE : OUT_BLOCK;
		r->role = spi_text(t, d, 20);
		r->approvers = DatumGetInt32(SPI_getbinval(t, d, 21, &isnull));
		v = SPI_getbinval(t, d, 22, &isnull);
		r->has_sla = !isnull;
		if (!isnull)
			r->sla = *DatumGetIntervalP(v);
		r->escalate_to = spi_text(t, d, 23);
		r->reason = spi_text(t, d, 24);
		index_rule(cp, (int) i);
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	if (is_draft)
		return cp;
	/* into the cache only once whole */
	{
		CompiledPolicy *entry = hash_search(pc.compiled, &policy_id, HASH_ENTER, &found);

		*entry = *cp;
		return entry;
	}
}

/* The entity's active policy version, 0 when it has none. */
static int64
active_policy(const char *entity)
{
	ActiveEntry *e;
	bool		found;
	char		key[NAMEDATALEN];
	int64		id = 0;

	if (entity == NULL || strlen(entity) >= NAMEDATALEN)
		return 0;
	active_ready();
	memset(key, 0, sizeof(key));
	memcpy(key, entity, strlen(entity));	/* shorter than NAMEDATALEN: checked above */
	e = hash_search(pc.active, key, HASH_FIND, NULL);
	if (e)
		return e->policy_id;
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(entity)};

		SPI_connect();
		if (SPI_execute_with_args("SELECT policy_id FROM procgov.policy WHERE entity_id = $1 AND status = 'active'",
								  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
		{
			bool		isnull;

			id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		}
		SPI_finish();
	}
	e = hash_search(pc.active, key, HASH_ENTER, &found);
	e->policy_id = id;
	return id;
}

/* ===================================================================
 * A document's facts
 * =================================================================== */

typedef struct FactSupplier
{
	const char *risk;
	const char *status;
	const char *since;
} FactSupplier;

typedef struct FactLine
{
	bool		has_price;
	int64		price;
	uint16		cur;
	bool		has_contract;
	int64		contract;
} FactLine;

typedef struct FactSignal
{
	const char *kind;
	double		score;
	double		confidence;
} FactSignal;

typedef struct Facts
{
	int			kind;
	const char *entity;
	bool		has_total;
	int64		total;
	uint16		cur;
	const char *requester;
	const char *site;
	const char *cost_center;
	bool		urgent;
	int			ncat;
	const char **cats;
	int			nsup;
	FactSupplier *sup;
	int			nlines;
	FactLine   *lines;
	int			nsig;
	FactSignal *sig;
	JsonbContainer *cumulative;
	const char *today;
	JsonbContainer *root;
	bool		have_suppliers;	/* the parts below are read when a rule first asks */
	bool		have_lines;
	bool		have_signals;
} Facts;

static JsonbValue *
jget(JsonbContainer *c, const char *key)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

static const char *
jstr(JsonbContainer *c, const char *key)
{
	return procgov_jsonb_value_text(jget(c, key));
}

static double
jnum(JsonbValue *v)
{
	if (v == NULL)
		return NAN;
	if (v->type == jbvNumeric)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (v->type == jbvString)
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);
		char	   *end;
		double		d = strtod(s, &end);

		return end != s && *end == '\0' ? d : NAN;
	}
	return NAN;
}

static JsonbContainer *
jcontainer(JsonbValue *v)
{
	return v && v->type == jbvBinary ? v->val.binary.data : NULL;
}

static int
jarray_len(JsonbContainer *c)
{
	return c && JsonContainerIsArray(c) ? (int) JsonContainerSize(c) : 0;
}

static void
read_facts(const char *kind, Jsonb *facts, Facts *f)
{
	JsonbContainer *root = &facts->root;
	JsonbContainer *arr;
	const char *total;
	JsonbValue *v;

	memset(f, 0, sizeof(*f));
	f->kind = kind_index(kind);
	if (f->kind < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("document kind \"%s\" has no approval policy", kind),
				 errhint("Policies govern requisition, purchase_order and bank_change.")));
	if (!JB_ROOT_IS_OBJECT(facts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the facts of a document are a jsonb object"),
				 errhint("Pass procgov.document_facts(...) or an object with the keys docs/policy.md lists.")));
	f->entity = jstr(root, "entity_id");
	total = jstr(root, "total");
	if (total)
	{
		if (!amount_from_text(total, &f->total, &f->cur))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("the facts' total \"%s\" is not an amount", total),
					 errhint("Write it as procgov.amount text, e.g. \"1200.00 EUR\".")));
		f->has_total = true;
	}
	f->requester = jstr(root, "requester");
	f->site = jstr(root, "site");
	f->cost_center = jstr(root, "cost_center");
	v = jget(root, "urgent");
	f->urgent = v && v->type == jbvBool && v->val.boolean;
	f->today = jstr(root, "today");

	arr = jcontainer(jget(root, "categories"));
	f->ncat = jarray_len(arr);
	f->cats = palloc(sizeof(char *) * (f->ncat + 1));
	for (int i = 0; i < f->ncat; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);

		f->cats[i] = e && e->type == jbvString ? pnstrdup(e->val.string.val, e->val.string.len) : "";
	}
	f->root = root;
	f->cumulative = jcontainer(jget(root, "cumulative"));
}

/* The suppliers, lines and signals of the facts, read when a rule first needs them. */
static void
need_suppliers(Facts *f)
{
	JsonbContainer *arr;

	if (f->have_suppliers)
		return;
	f->have_suppliers = true;
	arr = jcontainer(jget(f->root, "suppliers"));
	f->nsup = jarray_len(arr);
	f->sup = palloc0(sizeof(FactSupplier) * (f->nsup + 1));
	for (int i = 0; i < f->nsup; i++)
	{
		JsonbContainer *s = jcontainer(getIthJsonbValueFromContainer(arr, i));

		f->sup[i].risk = jstr(s, "risk_tier");
		f->sup[i].status = jstr(s, "status");
		f->sup[i].since = jstr(s, "since");
	}
}

static void
need_lines(Facts *f)
{
	JsonbContainer *arr;

	if (f->have_lines)
		return;
	f->have_lines = true;
	arr = jcontainer(jget(f->root, "lines"));
	f->nlines = jarray_len(arr);
	f->lines = palloc0(sizeof(FactLine) * (f->nlines + 1));
	for (int i = 0; i < f->nlines; i++)
	{
		JsonbContainer *l = jcontainer(getIthJsonbValueFromContainer(arr, i));
		uint16		c2;

		f->lines[i].has_price = amount_from_text(jstr(l, "unit_price"), &f->lines[i].price, &f->lines[i].cur);
		f->lines[i].has_contract = amount_from_text(jstr(l, "contract_price"), &f->lines[i].contract, &c2)
			&& c2 == f->lines[i].cur;
	}
}

static void
need_signals(Facts *f)
{
	JsonbContainer *arr;

	if (f->have_signals)
		return;
	f->have_signals = true;
	arr = jcontainer(jget(f->root, "signals"));
	f->nsig = jarray_len(arr);
	f->sig = palloc0(sizeof(FactSignal) * (f->nsig + 1));
	for (int i = 0; i < f->nsig; i++)
	{
		JsonbContainer *s = jcontainer(getIthJsonbValueFromContainer(arr, i));

		f->sig[i].kind = jstr(s, "kind");
		f->sig[i].score = jnum(jget(s, "score"));
		f->sig[i].confidence = jnum(jget(s, "confidence"));
	}
}

/* Days from a YYYY-MM-DD date to another; -1 when either is missing or malformed. */
static int
days_between(const char *from, const char *to)
{
	int			y1, m1, d1, y2, m2, d2;

	if (from == NULL || to == NULL || sscanf(from, "%4d-%2d-%2d", &y1, &m1, &d1) != 3 ||
		sscanf(to, "%4d-%2d-%2d", &y2, &m2, &d2) != 3)
		return -1;
	return date2j(y2, m2, d2) - date2j(y1, m1, d1);
}

/* ===================================================================
 * Matching one rule
 * =================================================================== */

static char *
units_text(int64 units, uint16 cur)
{
	char	   *buf = palloc(AMOUNT_TEXT_MAX);

	amount_format(units, cur, buf);
	return buf;
}

static bool
in_list(const char *v, char **list, int n)
{
	if (v == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

static char *
list_text(char **list, int n)
{
	StringInfoData b;

	initStringInfo(&b);
	for (int i = 0; i < n; i++)
		appendStringInfo(&b, "%s%s", i ? ", " : "", list[i]);
	return b.data;
}

/*
 * NULL when every condition of the rule holds for the facts.  Otherwise,
 * with why (explain), the first condition that does not, in words; without
 * it, a non-NULL marker (evaluation does not spend time on sentences).
 */
#define NO(...) \
	do { if (why) { appendStringInfo(why, __VA_ARGS__); return why->data; } return "no"; } while (0)

static const char *
rule_mismatch(const PolicyRule *r, Facts *f, StringInfo why)
{
	if (r->kind >= 0 && r->kind != f->kind)
		NO("it is for %s documents", kind_names[r->kind]);
	if (r->cost_center && (f->cost_center == NULL || strcmp(r->cost_center, f->cost_center) != 0))
		NO("the cost centre is %s, not %s", f->cost_center ? f->cost_center : "none", r->cost_center);
	if (r->site && (f->site == NULL || strcmp(r->site, f->site) != 0))
		NO("the site is %s, not %s", f->site ? f->site : "none", r->site);
	if (r->urgent >= 0 && (bool) r->urgent != f->urgent)
		NO("the document is %s", f->urgent ? "urgent" : "not urgent");
	if (r->band_cur != CURRENCY_NONE)
	{
		int64		amount;
		uint16		cur;
		const char *what = "the total";

		if (r->cumulative == CUM_NONE)
		{
			if (!f->has_total)
				NO("the document has no total");
			amount = f->total;
			cur = f->cur;
		}
		else
		{
			JsonbContainer *scope = jcontainer(jget(f->cumulative, r->cumulative == CUM_REQUESTER ? "requester" : "supplier"));
			const char *t = jstr(scope, r->window ? r->window : "");

			what = r->cumulative == CUM_REQUESTER ? "the requester's total in the window" : "the supplier's total in the window";
			if (!amount_from_text(t, &amount, &cur))
				NO("the facts give no cumulative %s total over %s seconds",
				   r->cumulative == CUM_REQUESTER ? "requester" : "supplier", r->window ? r->window : "?");
		}
		if (cur != r->band_cur)
		{
			char		have[4],
						want[4];

			currency_code(cur, have);
			currency_code(r->band_cur, want);
			NO("%s is in %s, the rule's band in %s", what, have, want);
		}
		if (r->has_min && amount < r->min_units)
			NO("%s %s is below %s", what, units_text(amount, cur), units_text(r->min_units, r->band_cur));
		if (r->has_max && amount >= r->max_units)
			NO("%s %s is not below %s", what, units_text(amount, cur), units_text(r->max_units, r->band_cur));
	}
	if (r->category_prefix)
	{
		bool		any = false;
		size_t		plen = strlen(r->category_prefix);

		for (int i = 0; i < f->ncat && !any; i++)
			any = strncmp(f->cats[i], r->category_prefix, plen) == 0;
		if (!any)
			NO("no line's category starts with %s", r->category_prefix);
	}
	if (r->nrisk >= 0 || r->nstatus >= 0 || r->new_supplier_days > 0)
		need_suppliers(f);
	if (r->off_contract >= 0 || r->has_over)
		need_lines(f);
	if (r->signal_kind)
		need_signals(f);
	if (r->nrisk >= 0)
	{
		bool		any = false;

		for (int i = 0; i < f->nsup && !any; i++)
			any = in_list(f->sup[i].risk, r->risk, r->nrisk);
		if (!any)
			NO("no supplier has risk tier %s", list_text(r->risk, r->nrisk));
	}
	if (r->nstatus >= 0)
	{
		bool		any = false;

		for (int i = 0; i < f->nsup && !any; i++)
			any = in_list(f->sup[i].status, r->status, r->nstatus);
		if (!any)
			NO("no supplier has status %s", list_text(r->status, r->nstatus));
	}
	if (r->new_supplier_days > 0)
	{
		bool		any = false;

		for (int i = 0; i < f->nsup && !any; i++)
		{
			int			age = days_between(f->sup[i].since, f->today);

			any = age >= 0 && age < r->new_supplier_days;
		}
		if (!any)
			NO("no supplier is newer than %d days", r->new_supplier_days);
	}
	if (r->off_contract >= 0)
	{
		bool		off = false;

		if (f->nlines == 0)
			NO("the document has no lines to hold against contracts");
		for (int i = 0; i < f->nlines && !off; i++)
			off = !f->lines[i].has_contract;
		if (off != (bool) r->off_contract)
			NO(off ? "a line has no contract" : "every line has a contract");
	}
	if (r->has_over)
	{
		bool		any = false;

		for (int i = 0; i < f->nlines && !any; i++)
		{
			const FactLine *l = &f->lines[i];
			uint64		allow;
			pv_error	err;

			if (!l->has_price || !l->has_contract || l->price <= l->contract)
				continue;
			/* a tolerance in another currency than the line's cannot vouch for it: the rule holds */
			any = !tolerance_allowance(&r->over, l->contract, l->cur, &allow, &err) ||
				!tolerance_within(l->price, l->contract, allow);
		}
		if (!any)
			NO("no line's price is above its contract price beyond the tolerance");
	}
	if (r->signal_kind)
	{
		bool		any = false;

		for (int i = 0; i < f->nsig && !any; i++)
			any = f->sig[i].kind && strcmp(f->sig[i].kind, r->signal_kind) == 0 &&
				f->sig[i].score >= r->min_score &&
				(isnan(r->min_confidence) || (!isnan(f->sig[i].confidence) && f->sig[i].confidence >= r->min_confidence));
		if (!any)
			NO("no %s signal reaches score %g%s", r->signal_kind, r->min_score,
			   isnan(r->min_confidence) ? "" : psprintf(" with confidence %g", r->min_confidence));
	}
	return NULL;
}

/* The candidates: for each index shape in use, the rules under the key the facts make. */
static int
candidates(CompiledPolicy *cp, const Facts *f, int *out)
{
	char		key[INDEX_KEY_MAX];
	int			n = 0;
	IndexEntry *e;

	if (++cp->epoch == 0)
	{
		memset(cp->seen, 0, sizeof(uint32) * (cp->nrules + 1));
		cp->epoch = 1;
	}
#define TAKE() \
	do { \
		if ((e = hash_search(cp->index, key, HASH_FIND, NULL)) != NULL) \
			for (int j = 0; j < e->n; j++) \
				if (cp->seen[e->rules[j]] != cp->epoch) \
				{ \
					cp->seen[e->rules[j]] = cp->epoch; \
					out[n++] = e->rules[j]; \
				} \
	} while (0)

	for (int shape = 0; shape < 8; shape++)
	{
		if (!(cp->shapes & (1 << shape)))
			continue;
		if (((shape & SHAPE_C) && f->cost_center == NULL) || ((shape & SHAPE_S) && f->site == NULL))
			continue;
		if (!(shape & SHAPE_P))
		{
			if (index_key(key, f->kind, shape, f->cost_center, f->site, NULL, 0))
				TAKE();
			continue;
		}
		for (int i = 0; i < f->ncat; i++)
		{
			size_t		len = strlen(f->cats[i]);

			for (size_t l = 1; l <= len; l++)
				if (index_key(key, f->kind, shape, f->cost_center, f->site, f->cats[i], l))
					TAKE();
		}
	}
#undef TAKE
	return n;
}

static int
int_cmp(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;

	return x < y ? -1 : x > y;
}

/* ===================================================================
 * The plan
 * =================================================================== */

typedef struct PlanStep
{
	int			outcome;		/* OUT_AUTO, OUT_REQUIRE, OUT_BLOCK, or 3 for a hold */
	const char *role;
	int			approvers;
	Interval	sla;
	const char *escalate_to;
	StringInfoData reason;
	int			nrules;
	const char *rules[64];
	int			more;			/* rules beyond those named */
} PlanStep;

#define OUT_HOLD 3
#define MAX_STEPS 32

static const char *const outcome_names[] = {"auto_approve", "require", "block", "hold"};

static void
step_add_rule(PlanStep *s, const char *name)
{
	if (s->nrules < (int) lengthof(s->rules))
		s->rules[s->nrules++] = name;
	else
		s->more++;
}

static bool
interval_less(const Interval *a, const Interval *b)
{
	return DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(a), IntervalPGetDatum(b))) < 0;
}

/* Combine the matching rules: a block beats everything; otherwise every
 * require applies, merged per role (most approvers, shortest SLA); holds
 * from signal rules are added; with no require, an auto_approve approves;
 * with neither, the policy's default role approves. */
static void
too_many_steps(CompiledPolicy *cp)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("policy version %d of entity %s plans more than %d approval steps for one document", cp->version,
					cp->entity, MAX_STEPS),
			 errhint("Merge rules that ask different roles for the same documents.")));
}

static int
make_plan(CompiledPolicy *cp, Facts *f, PlanStep *steps)
{
	int		   *cand = palloc(sizeof(int) * (cp->nrules + 1));
	int			nc = candidates(cp, f, cand);
	int			nsteps = 0;
	PlanStep	block,
				autos;
	bool		blocked = false,
				autoed = false,
				required = false;

	memset(&block, 0, sizeof(block));
	memset(&autos, 0, sizeof(autos));
	qsort(cand, nc, sizeof(int), int_cmp);
	for (int c = 0; c < nc; c++)
	{
		PolicyRule *r = &cp->rules[cand[c]];
		Interval	sla;

		if (rule_mismatch(r, f, NULL) != NULL)
			continue;
		sla = r->has_sla ? r->sla : cp->default_sla;
		if (f->urgent && interval_less(&cp->expedite_sla, &sla))
			sla = cp->expedite_sla;
		if (r->outcome == OUT_BLOCK && r->signal_kind == NULL)
		{
			if (!blocked)
			{
				block.outcome = OUT_BLOCK;
				initStringInfo(&block.reason);
			}
			appendStringInfo(&block.reason, "%s%s", blocked ? "; " : "", r->reason);
			step_add_rule(&block, r->name);
			blocked = true;
		}
		else if (r->outcome == OUT_BLOCK)
		{
			PlanStep   *s;

			if (nsteps == MAX_STEPS)
				too_many_steps(cp);
			s = &steps[nsteps++];
			memset(s, 0, sizeof(*s));
			s->outcome = OUT_HOLD;
			s->role = cp->default_role;
			s->approvers = 1;
			s->sla = sla;
			s->escalate_to = r->escalate_to;
			initStringInfo(&s->reason);
			appendStringInfoString(&s->reason, r->reason);
			step_add_rule(s, r->name);
		}
		else if (r->outcome == OUT_REQUIRE)
		{
			PlanStep   *s = NULL;

			/* a signal adds review; it never stands in for the default approver */
			if (r->signal_kind == NULL)
				required = true;
			for (int i = 0; i < nsteps; i++)
				if (steps[i].outcome == OUT_REQUIRE && strcmp(steps[i].role, r->role) == 0)
					s = &steps[i];
			if (s == NULL)
			{
				if (nsteps == MAX_STEPS)
					too_many_steps(cp);
				s = &steps[nsteps++];
				memset(s, 0, sizeof(*s));
				s->outcome = OUT_REQUIRE;
				s->role = r->role;
				s->sla = sla;
				s->escalate_to = r->escalate_to;
			}
			else if (interval_less(&sla, &s->sla))
			{
				/* the escalation target of the rule with the shortest SLA */
				s->sla = sla;
				s->escalate_to = r->escalate_to;
			}
			if (r->approvers > s->approvers)
				s->approvers = r->approvers;
			step_add_rule(s, r->name);
		}
		else
		{
			autoed = true;
			step_add_rule(&autos, r->name);
		}
	}
	if (blocked)
	{
		steps[0] = block;
		return 1;
	}
	if (!required && autoed && nsteps == 0)
	{
		autos.outcome = OUT_AUTO;
		steps[0] = autos;
		return 1;
	}
	if (!required && !autoed)
	{
		/* no rule covers the document: the default role approves, first */
		if (nsteps == MAX_STEPS)
			too_many_steps(cp);
		memmove(&steps[1], &steps[0], sizeof(PlanStep) * nsteps);
		memset(&steps[0], 0, sizeof(PlanStep));
		steps[0].outcome = OUT_REQUIRE;
		steps[0].role = cp->default_role;
		steps[0].approvers = 1;
		steps[0].sla = f->urgent && interval_less(&cp->expedite_sla, &cp->default_sla) ? cp->expedite_sla : cp->default_sla;
		initStringInfo(&steps[0].reason);
		appendStringInfoString(&steps[0].reason, "no rule covers the document: the policy's default role approves");
		nsteps++;
	}
	return nsteps;
}

static CompiledPolicy *
policy_for(const Facts *f, bool have_id, int64 policy_id)
{
	cache_ready();
	if (!have_id)
		policy_id = active_policy(f->entity);
	if (policy_id == 0)
		return NULL;
	return compile_policy(policy_id);
}

PG_FUNCTION_INFO_V1(policy_evaluate);
Datum
policy_evaluate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *kind;
	Facts		f;
	CompiledPolicy *cp;
	PlanStep	steps[MAX_STEPS];
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("procgov.evaluate() needs a document kind and its facts"),
				 errhint("Pass procgov.document_facts(...) as the facts.")));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	read_facts(kind, PG_GETARG_JSONB_P(1), &f);
	procgov_materialize_srf(fcinfo);
	cp = policy_for(&f, !PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
	if (cp == NULL)
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, true, false, true, true, false, false};

		values[0] = Int32GetDatum(1);
		values[1] = CStringGetTextDatum("require");
		values[3] = Int32GetDatum(1);
		values[6] = CStringGetTextDatum(psprintf("entity %s has no active policy: one approval by someone other than the author",
												  f.entity ? f.entity : "(none)"));
		values[7] = PointerGetDatum(construct_empty_array(TEXTOID));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}
	n = make_plan(cp, &f, steps);
	for (int i = 0; i < n; i++)
	{
		PlanStep   *s = &steps[i];
		Datum		values[8];
		bool		nulls[8] = {false};
		Datum	   *names = palloc(sizeof(Datum) * (s->nrules + 1));

		for (int j = 0; j < s->nrules; j++)
			names[j] = CStringGetTextDatum(s->rules[j]);
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(outcome_names[s->outcome]);
		nulls[2] = s->role == NULL;
		values[2] = s->role ? CStringGetTextDatum(s->role) : (Datum) 0;
		nulls[3] = s->outcome == OUT_AUTO || s->outcome == OUT_BLOCK;
		values[3] = Int32GetDatum(s->approvers);
		nulls[4] = nulls[3];
		values[4] = IntervalPGetDatum(&s->sla);
		nulls[5] = s->escalate_to == NULL;
		values[5] = s->escalate_to ? CStringGetTextDatum(s->escalate_to) : (Datum) 0;
		nulls[6] = s->reason.data == NULL;
		values[6] = s->reason.data ? CStringGetTextDatum(s->more ? psprintf("%s (and %d more rules)", s->reason.data, s->more)
													   : s->reason.data) : (Datum) 0;
		values[7] = PointerGetDatum(construct_array(names, s->nrules, TEXTOID, -1, false, TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static char *
rule_summary(const PolicyRule *r)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "every condition holds");
	if (r->kind >= 0)
		appendStringInfo(&b, "; kind %s", kind_names[r->kind]);
	if (r->band_cur != CURRENCY_NONE)
		appendStringInfo(&b, "; %s in [%s, %s)", r->cumulative == CUM_NONE ? "total" : "cumulative total",
						 r->has_min ? units_text(r->min_units, r->band_cur) : "-",
						 r->has_max ? units_text(r->max_units, r->band_cur) : "-");
	if (r->cost_center)
		appendStringInfo(&b, "; cost centre %s", r->cost_center);
	if (r->site)
		appendStringInfo(&b, "; site %s", r->site);
	if (r->category_prefix)
		appendStringInfo(&b, "; a category starts with %s", r->category_prefix);
	if (r->nrisk >= 0)
		appendStringInfo(&b, "; supplier risk %s", list_text(r->risk, r->nrisk));
	if (r->nstatus >= 0)
		appendStringInfo(&b, "; supplier status %s", list_text(r->status, r->nstatus));
	if (r->new_supplier_days > 0)
		appendStringInfo(&b, "; a supplier newer than %d days", r->new_supplier_days);
	if (r->off_contract >= 0)
		appendStringInfo(&b, r->off_contract ? "; off contract" : "; on contract");
	if (r->has_over)
		appendStringInfoString(&b, "; a price above contract beyond tolerance");
	if (r->urgent >= 0)
		appendStringInfo(&b, r->urgent ? "; urgent" : "; not urgent");
	if (r->signal_kind)
		appendStringInfo(&b, "; a %s signal of score >= %g", r->signal_kind, r->min_score);
	return b.data;
}

PG_FUNCTION_INFO_V1(policy_explain);
Datum
policy_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *kind;
	Facts		f;
	CompiledPolicy *cp;
	bool		covered = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("procgov.explain() needs a document kind and its facts"),
				 errhint("Pass procgov.document_facts(...) as the facts.")));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	read_facts(kind, PG_GETARG_JSONB_P(1), &f);
	procgov_materialize_srf(fcinfo);
	cp = policy_for(&f, !PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
	if (cp == NULL)
	{
		Datum		values[4];
		bool		nulls[4] = {false};

		values[0] = CStringGetTextDatum("(no active policy)");
		values[1] = BoolGetDatum(true);
		values[2] = CStringGetTextDatum("require");
		values[3] = CStringGetTextDatum(psprintf("entity %s has no active policy: one approval by someone other than the author",
												  f.entity ? f.entity : "(none)"));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}
	for (int i = 0; i < cp->nrules; i++)
	{
		PolicyRule *r = &cp->rules[i];
		StringInfoData why;
		const char *miss;
		Datum		values[4];
		bool		nulls[4] = {false};

		initStringInfo(&why);
		miss = rule_mismatch(r, &f, &why);
		if (miss == NULL && r->signal_kind == NULL && r->outcome != OUT_BLOCK)
			covered = true;
		values[0] = CStringGetTextDatum(r->name);
		values[1] = BoolGetDatum(miss == NULL);
		values[2] = CStringGetTextDatum(r->outcome == OUT_BLOCK && r->signal_kind ? "hold" : outcome_names[r->outcome]);
		values[3] = CStringGetTextDatum(miss ? miss : rule_summary(r));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (!covered)
	{
		Datum		values[4];
		bool		nulls[4] = {false};

		values[0] = CStringGetTextDatum("(default)");
		values[1] = BoolGetDatum(true);
		values[2] = CStringGetTextDatum("require");
		values[3] = CStringGetTextDatum(psprintf("no rule covers the document: one approval by role %s", cp->default_role));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ===================================================================
 * The policy as a JSON document
 * =================================================================== */

/* Run fn with IntervalStyle = iso_8601, so intervals read the same everywhere. */
static void
iso_intervals_begin(int *nestlevel)
{
	*nestlevel = NewGUCNestLevel();
	(void) set_config_option("intervalstyle", "iso_8601", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

static struct json_object *
jtext(HeapTuple t, TupleDesc d, int col)
{
	char	   *v = SPI_getvalue(t, d, col);

	return v ? json_object_new_string(v) : NULL;
}

/* Add key: value to o unless value is NULL (json-c takes ownership). */
static void
jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (v)
		json_object_object_add(o, key, v);
}

static struct json_object *
jtext_array(HeapTuple t, TupleDesc d, int col)
{
	char	  **items;
	int			n = parse_text_array(t, d, col, &items);
	struct json_object *a;

	if (n < 0)
		return NULL;
	a = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(items[i]));
	return a;
}

static struct json_object *
jbool(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);

	return isnull ? NULL : json_object_new_boolean(DatumGetBool(v));
}

static struct json_object *
jint(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);

	return isnull ? NULL : json_object_new_int(DatumGetInt32(v));
}

static struct json_object *
jdouble(HeapTuple t, TupleDesc d, int col)
{
	char	   *v = SPI_getvalue(t, d, col);

	return v ? json_object_new_double_s(strtod(v, NULL), v) : NULL;
}

#define EXPORT_RULES \
	"SELECT name, doc_kind, amount_min::text, amount_max::text, cumulative, cumulative_window::text, category_prefix, " \
	"       supplier_risk_tiers, supplier_statuses::text[], new_supplier_days, site, cost_center, off_contract, " \
	"       over_contract::text, urgent, signal_kind, signal_min_score::text, signal_min_confidence::text, " \
	"       outcome, role, approvers, sla::text, escalate_to, reason " \
	"  FROM procgov.approval_rule WHERE entity_id = $1 AND policy_id = $2 ORDER BY rule_id"

#define EXPORT_MATCH_RULES \
	"SELECT name, supplier_code, category_prefix, qty_tolerance::text, price_tolerance::text, two_way, owner, " \
	"       sla::text, variance_role, duplicate_period::text, duplicate_window::text " \
	"  FROM procgov.match_rule WHERE entity_id = $1 AND policy_id = $2 ORDER BY rule_id"

static char *
SPI_pstrdup_text(const char *s)
{
	char	   *out = SPI_palloc(strlen(s) + 1);

	strcpy(out, s);
	return out;
}

/* The export as text, in the caller's memory; the caller has connected SPI. */
static char *
export_text(const char *entity, int version, bool with_version, bool approvers, bool for_hash)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	struct json_object *volatile doc = NULL;
	char	   *volatile out = NULL;
	int			nest;
	int64		policy_id;

	args[0] = CStringGetTextDatum(entity);
	args[1] = Int32GetDatum(version);
	iso_intervals_begin(&nest);
	PG_TRY();
	{
		struct json_object *settings,
				   *rules;
		HeapTuple	t;
		TupleDesc	d;
		bool		isnull;
		const char *status;

		if (with_version)
		{
			if (SPI_execute_with_args("SELECT policy_id, version, name, default_role, default_sla::text, change_tolerance::text, "
									  "expedite_sla::text, buyer_may_receive, status::text FROM procgov.policy "
									  "WHERE entity_id = $1 AND version = $2", 2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT
				|| SPI_processed != 1)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("policy version %d of entity %s does not exist", version, entity),
						 errhint("List the versions in procgov.policy.")));
		}
		else if (SPI_execute_with_args("SELECT policy_id, version, name, default_role, default_sla::text, change_tolerance::text, "
									   "expedite_sla::text, buyer_may_receive, status::text FROM procgov.policy "
									   "WHERE entity_id = $1 AND status = 'active'", 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT
				 || SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("entity %s has no active policy", entity),
					 errhint("Name the version to export.")));
		t = SPI_tuptable->vals[0];
		d = SPI_tuptable->tupdesc;
		policy_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
		status = SPI_getvalue(t, d, 9);
		doc = json_object_new_object();
		json_object_object_add(doc, "format", json_object_new_string("procgov policy 1"));
		json_object_object_add(doc, "entity", json_object_new_string(entity));
		json_object_object_add(doc, "version", json_object_new_int(DatumGetInt32(SPI_getbinval(t, d, 2, &isnull))));
		if (!for_hash)			/* the hash is of the content, whatever the version's status */
			json_object_object_add(doc, "status", json_object_new_string(status));
		jadd(doc, "name", jtext(t, d, 3));
		/* every container hangs on doc as soon as it exists, so an error frees it with doc */
		settings = json_object_new_object();
		json_object_object_add(doc, "settings", settings);
		jadd(settings, "default_role", jtext(t, d, 4));
		jadd(settings, "default_sla", jtext(t, d, 5));
		jadd(settings, "change_tolerance", jtext(t, d, 6));
		jadd(settings, "expedite_sla", jtext(t, d, 7));
		jadd(settings, "buyer_may_receive", jbool(t, d, 8));

		args[1] = Int64GetDatum(policy_id);
		argtypes[1] = INT8OID;
		if (SPI_execute_with_args(EXPORT_RULES, 2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the rules of policy %lld", (long long) policy_id);
		rules = json_object_new_array();
		json_object_object_add(doc, "rules", rules);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			struct json_object *rule = json_object_new_object(),
					   *when,
					   *then;

			json_object_array_add(rules, rule);
			jadd(rule, "name", jtext(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
			when = json_object_new_object();
			json_object_object_add(rule, "when", when);
			then = json_object_new_object();
			json_object_object_add(rule, "then", then);
			t = SPI_tuptable->vals[i];
			d = SPI_tuptable->tupdesc;
			jadd(when, "kind", jtext(t, d, 2));
			if (SPI_getvalue(t, d, 3) || SPI_getvalue(t, d, 4))
			{
				struct json_object *band = json_object_new_object();

				json_object_object_add(when, "amount", band);
				jadd(band, "min", jtext(t, d, 3));
				jadd(band, "max", jtext(t, d, 4));
			}
			if (SPI_getvalue(t, d, 5))
			{
				struct json_object *cum = json_object_new_object();

				json_object_object_add(when, "cumulative", cum);
				jadd(cum, "per", jtext(t, d, 5));
				jadd(cum, "window", jtext(t, d, 6));
			}
			jadd(when, "category_prefix", jtext(t, d, 7));
			jadd(when, "supplier_risk", jtext_array(t, d, 8));
			jadd(when, "supplier_status", jtext_array(t, d, 9));
			jadd(when, "new_supplier_days", jint(t, d, 10));
			jadd(when, "site", jtext(t, d, 11));
			jadd(when, "cost_center", jtext(t, d, 12));
			jadd(when, "off_contract", jbool(t, d, 13));
			jadd(when, "over_contract", jtext(t, d, 14));
			jadd(when, "urgent", jbool(t, d, 15));
			if (SPI_getvalue(t, d, 16))
			{
				struct json_object *sig = json_object_new_object();

				json_object_object_add(when, "signal", sig);
				jadd(sig, "kind", jtext(t, d, 16));
				jadd(sig, "min_score", jdouble(t, d, 17));
				jadd(sig, "min_confidence", jdouble(t, d, 18));
			}
			jadd(then, "outcome", jtext(t, d, 19));
			jadd(then, "role", jtext(t, d, 20));
			if (strcmp(SPI_getvalue(t, d, 19), "require") == 0)
				jadd(then, "approvers", jint(t, d, 21));
			jadd(then, "sla", jtext(t, d, 22));
			jadd(then, "escalate_to", jtext(t, d, 23));
			jadd(then, "reason", jtext(t, d, 24));
		}

		/* match rules (docs/matching.md), only when the version has some */
		if (SPI_execute_with_args(EXPORT_MATCH_RULES, 2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the match rules of policy %lld", (long long) policy_id);
		if (SPI_processed > 0)
		{
			struct json_object *list = json_object_new_array();

			json_object_object_add(doc, "match_rules", list);
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				struct json_object *m = json_object_new_object();

				json_object_array_add(list, m);
				t = SPI_tuptable->vals[i];
				d = SPI_tuptable->tupdesc;
				jadd(m, "name", jtext(t, d, 1));
				jadd(m, "supplier", jtext(t, d, 2));
				jadd(m, "category_prefix", jtext(t, d, 3));
				jadd(m, "qty_tolerance", jtext(t, d, 4));
				jadd(m, "price_tolerance", jtext(t, d, 5));
				jadd(m, "two_way", jbool(t, d, 6));
				jadd(m, "owner", jtext(t, d, 7));
				jadd(m, "sla", jtext(t, d, 8));
				jadd(m, "variance_role", jtext(t, d, 9));
				jadd(m, "duplicate_period", jtext(t, d, 10));
				jadd(m, "duplicate_window", jtext(t, d, 11));
			}
		}

		if (approvers)
		{
			struct json_object *list = json_object_new_array();

			json_object_object_add(doc, "approvers", list);
			if (SPI_execute_with_args("SELECT person, role, approval_limit::text, active FROM procgov.approver "
									  "WHERE entity_id = $1 ORDER BY person, role", 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read the approvers of entity %s", entity);
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				struct json_object *a = json_object_new_object();

				json_object_array_add(list, a);
				t = SPI_tuptable->vals[i];
				d = SPI_tuptable->tupdesc;
				jadd(a, "person", jtext(t, d, 1));
				jadd(a, "role", jtext(t, d, 2));
				jadd(a, "limit", jtext(t, d, 3));
				jadd(a, "active", jbool(t, d, 4));
			}
		}
		out = SPI_pstrdup_text(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
													 JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	PG_FINALLY();
	{
		if (doc)
			json_object_put(doc);
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nest);
	return out;
}

PG_FUNCTION_INFO_V1(export_policy);
Datum
export_policy(PG_FUNCTION_ARGS)
{
	char	   *entity;
	char	   *out;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("procgov.export_policy() needs an entity"),
				 errhint("Pass the entity whose policy to export.")));
	entity = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SPI_connect();
	out = export_text(entity, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1), !PG_ARGISNULL(1),
					  PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2), false);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

PG_FUNCTION_INFO_V1(policy_hash);
Datum
policy_hash(PG_FUNCTION_ARGS)
{
	char	   *entity = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *out;
	uint8		hash[AUDIT_HASH_LEN];
	bytea	   *result;

	SPI_connect();
	out = export_text(entity, PG_GETARG_INT32(1), true, false, true);
	audit_sha256((const uint8 *) out, strlen(out), hash);
	SPI_finish();
	result = palloc(VARHDRSZ + AUDIT_HASH_LEN);
	SET_VARSIZE(result, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(result), hash, AUDIT_HASH_LEN);
	PG_RETURN_BYTEA_P(result);
}

/* ---- import ---- */

/* The JSON path of the value being read, for messages: $.rules[2].when.amount.min */
typedef struct ImportPath
{
	StringInfoData buf;
} ImportPath;

static void
path_push(ImportPath *p, const char *key, int index, int *saved)
{
	*saved = p->buf.len;
	if (key)
		appendStringInfo(&p->buf, ".%s", key);
	else
		appendStringInfo(&p->buf, "[%d]", index);
}

static void
path_pop(ImportPath *p, int saved)
{
	p->buf.len = saved;
	p->buf.data[saved] = '\0';
}

static void
import_error(ImportPath *p, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid policy document at %s", p->buf.data),
			 errdetail("%s", detail),
			 errhint("%s", hint ? hint : "docs/policy.md describes the format, with a complete example.")));
}

static const char *const json_type_names[] = {"null", "a boolean", "a number", "a number", "an object", "an array", "a string"};

static void
expect_type(ImportPath *p, struct json_object *v, json_type want)
{
	json_type	have = json_object_get_type(v);

	if (have == want || (want == json_type_double && have == json_type_int))
		return;
	import_error(p, psprintf("It is %s, not %s.", json_type_names[have], json_type_names[want]), NULL);
}

/* Check that an object has only known keys. */
static void
known_keys(ImportPath *p, struct json_object *o, const char *const *keys)
{
	json_object_object_foreach(o, key, val)
	{
		bool		ok = false;
		int			saved;

		(void) val;
		for (int i = 0; keys[i]; i++)
			ok = ok || strcmp(key, keys[i]) == 0;
		if (!ok)
		{
			StringInfoData list;

			initStringInfo(&list);
			for (int i = 0; keys[i]; i++)
				appendStringInfo(&list, "%s%s", i ? ", " : "", keys[i]);
			path_push(p, key, 0, &saved);
			import_error(p, psprintf("\"%s\" is not a key of this object.", key),
						 psprintf("The keys here are: %s.", list.data));
		}
	}
}

/* A string member (NULL when absent or JSON null), type-checked. */
static char *
member_text(ImportPath *p, struct json_object *o, const char *key, bool required)
{
	struct json_object *v;
	int			saved;
	char	   *s = NULL;

	path_push(p, key, 0, &saved);
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
	{
		if (required)
			import_error(p, "It is missing.", NULL);
	}
	else
	{
		expect_type(p, v, json_type_string);
		s = pstrdup(json_object_get_string(v));
		if (required && s[0] == '\0')
			import_error(p, "It is empty.", NULL);
	}
	path_pop(p, saved);
	return s;
}

/* A member that must parse as a PostgreSQL value of a type, checked now so the path is named. */
static char *
member_value(ImportPath *p, struct json_object *o, const char *key, bool required, const char *type)
{
	char	   *s = member_text(p, o, key, required);
	int			saved;

	if (s == NULL)
		return NULL;
	path_push(p, key, 0, &saved);
	if (strcmp(type, "amount") == 0)
	{
		int64		u;
		uint16		c;
		pv_error	err;

		if (!amount_parse(s, strlen(s), &u, &c, &err))
			import_error(p, psprintf("\"%s\" is not a procgov.amount.", s), "Write an amount as \"10000.00 EUR\".");
	}
	else if (strcmp(type, "tolerance") == 0)
	{
		tolerance_t t;
		pv_error	err;

		if (!tolerance_parse(s, strlen(s), &t, &err))
			import_error(p, psprintf("\"%s\" is not a procgov.tolerance.", s), "Write a tolerance as \"2%\", \"50.00 EUR\" or \"2% or 50.00 EUR\".");
	}
	else if (strcmp(type, "interval") == 0)
	{
		/* ISO 8601 (P2D, PT4H) or PostgreSQL's words (2 days, 4 hours) */
		bool		ok = strlen(s) > 0 && strlen(s) < 64;

		for (const char *c = s; ok && *c; c++)
			ok = isalnum((unsigned char) *c) || *c == ' ' || *c == ':' || *c == '.' || *c == '-' || *c == '+';
		if (!ok)
			import_error(p, psprintf("\"%s\" is not an interval.", s), "Write an interval as \"2 days\", \"4 hours\" or \"P2D\".");
	}
	path_pop(p, saved);
	return s;
}

static int
member_int(ImportPath *p, struct json_object *o, const char *key, int dflt, int lo, int hi)
{
	struct json_object *v;
	int			saved;
	int64		n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return dflt;
	path_push(p, key, 0, &saved);
	expect_type(p, v, json_type_int);
	n = json_object_get_int64(v);
	if (n < lo || n > hi)
		import_error(p, psprintf("%lld is outside %d to %d.", (long long) n, lo, hi), NULL);
	path_pop(p, saved);
	return (int) n;
}

static int
member_bool(ImportPath *p, struct json_object *o, const char *key)
{
	struct json_object *v;
	int			saved;
	int			b;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -1;
	path_push(p, key, 0, &saved);
	expect_type(p, v, json_type_boolean);
	b = json_object_get_boolean(v);
	path_pop(p, saved);
	return b;
}

static char *
member_number_text(ImportPath *p, struct json_object *o, const char *key, bool required)
{
	struct json_object *v;
	int			saved;
	double		d;
	char	   *s;

	path_push(p, key, 0, &saved);
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
	{
		if (required)
			import_error(p, "It is missing.", NULL);
		path_pop(p, saved);
		return NULL;
	}
	expect_type(p, v, json_type_double);
	d = json_object_get_double(v);
	if (!(d >= 0 && d <= 1))
		import_error(p, psprintf("%g is outside 0 to 1.", d), "Scores and confidences lie between 0 and 1.");
	s = psprintf("%.15g", d);
	path_pop(p, saved);
	return s;
}

/* A text array member: checked strings from an allowed set, as a PostgreSQL array literal. */
static char *
member_list(ImportPath *p, struct json_object *o, const char *key, const char *const *allowed)
{
	struct json_object *v;
	int			saved;
	StringInfoData lit;
	size_t		n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	path_push(p, key, 0, &saved);
	expect_type(p, v, json_type_array);
	n = json_object_array_length(v);
	if (n == 0)
		import_error(p, "The list is empty.", "Leave the condition out to match any.");
	initStringInfo(&lit);
	appendStringInfoChar(&lit, '{');
	for (size_t i = 0; i < n; i++)
	{
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;
		bool		ok = false;
		int			s2;

		path_push(p, NULL, (int) i, &s2);
		expect_type(p, e, json_type_string);
		s = json_object_get_string(e);
		for (int k = 0; allowed[k]; k++)
			ok = ok || strcmp(s, allowed[k]) == 0;
		if (!ok)
		{
			StringInfoData al;

			initStringInfo(&al);
			for (int k = 0; allowed[k]; k++)
				appendStringInfo(&al, "%s%s", k ? ", " : "", allowed[k]);
			import_error(p, psprintf("\"%s\" is not one of %s.", s, al.data), NULL);
		}
		appendStringInfo(&lit, "%s\"%s\"", i ? "," : "", s);
		path_pop(p, s2);
	}
	appendStringInfoChar(&lit, '}');
	path_pop(p, saved);
	return lit.data;
}

static struct json_object *
member_object(ImportPath *p, struct json_object *o, const char *key, bool required)
{
	struct json_object *v;
	int			saved;

	path_push(p, key, 0, &saved);
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
	{
		if (required)
			import_error(p, "It is missing.", NULL);
		path_pop(p, saved);
		return NULL;
	}
	expect_type(p, v, json_type_object);
	path_pop(p, saved);
	return v;
}

#define NRULECOLS 26

static const char *const top_keys[] = {"format", "entity", "version", "status", "name", "settings", "rules", "match_rules",
"approvers", NULL};
static const char *const match_rule_keys[] = {"name", "supplier", "category_prefix", "qty_tolerance", "price_tolerance", "two_way",
"owner", "sla", "variance_role", "duplicate_period", "duplicate_window", NULL};
static const char *const settings_keys[] = {"default_role", "default_sla", "change_tolerance", "expedite_sla", "buyer_may_receive", NULL};
static const char *const rule_keys[] = {"name", "when", "then", NULL};
static const char *const when_keys[] = {"kind", "amount", "cumulative", "category_prefix", "supplier_risk", "supplier_status",
	"new_supplier_days", "site", "cost_center", "off_contract", "over_contract", "urgent", "signal", NULL};
static const char *const then_keys[] = {"outcome", "role", "approvers", "sla", "escalate_to", "reason", NULL};
static const char *const band_keys[] = {"min", "max", NULL};
static const char *const cum_keys[] = {"per", "window", NULL};
static const char *const signal_keys[] = {"kind", "min_score", "min_confidence", NULL};
static const char *const approver_keys[] = {"person", "role", "limit", "active", NULL};
static const char *const kinds_allowed[] = {"requisition", "purchase_order", "bank_change", NULL};
static const char *const risk_allowed[] = {"low", "medium", "high", NULL};
static const char *const status_allowed[] = {"prospective", "approved", "on_hold", "blocked", NULL};
static const char *const outcome_allowed[] = {"auto_approve", "require", "block", NULL};
static const char *const per_allowed[] = {"requester", "supplier", NULL};

static void
check_one_of(ImportPath *p, struct json_object *o, const char *key, const char *value, const char *const *allowed)
{
	int			saved;
	StringInfoData al;

	if (value == NULL)
		return;
	for (int k = 0; allowed[k]; k++)
		if (strcmp(value, allowed[k]) == 0)
			return;
	initStringInfo(&al);
	for (int k = 0; allowed[k]; k++)
		appendStringInfo(&al, "%s%s", k ? ", " : "", allowed[k]);
	(void) o;
	path_push(p, key, 0, &saved);
	import_error(p, psprintf("\"%s\" is not one of %s.", value, al.data), NULL);
}

static Datum
text_or_null(const char *s, char *nullflag)
{
	*nullflag = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * Any error while a rule is inserted (a CHECK constraint, say) names the
 * rule's path too, through this context callback.
 */
static bool import_in_insert = false;

static bool
only_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return *s == '\0';
}

/* Where the tokener stopped; json_tokener_get_parse_end() arrived in json-c 0.15. */
static size_t
parse_end(struct json_tokener *tok)
{
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	return json_tokener_get_parse_end(tok);
#else
	return (size_t) tok->char_offset;
#endif
}

static void
import_context(void *arg)
{
	if (import_in_insert)
		errcontext("policy document at %s", ((ImportPath *) arg)->buf.data);
}

PG_FUNCTION_INFO_V1(import_policy);
Datum
import_policy(PG_FUNCTION_ARGS)
{
	text	   *doc_text = PG_GETARG_TEXT_PP(0);
	char	   *src = text_to_cstring(doc_text);
	struct json_object *doc = NULL;
	struct json_tokener *tok = json_tokener_new();
	ImportPath	path;
	int			version = 0;
	size_t		end;
	ErrorContextCallback ctxcb;

	initStringInfo(&path.buf);
	appendStringInfoChar(&path.buf, '$');
	doc = json_tokener_parse_ex(tok, src, (int) strlen(src));
	end = parse_end(tok);
	if (doc == NULL && json_tokener_get_error(tok) == json_tokener_continue)
	{
		doc = json_tokener_parse_ex(tok, "", 1);	/* the end of the input ends a number, or is an error */
		end = strlen(src);
	}
	if (doc == NULL || json_tokener_get_error(tok) != json_tokener_success || !only_space(src + Min(end, strlen(src))))
	{
		const char *msg = doc != NULL && json_tokener_get_error(tok) == json_tokener_success
			? "more follows the document" : json_tokener_error_desc(json_tokener_get_error(tok));
		size_t		off = end;

		json_tokener_free(tok);
		if (doc)
			json_object_put(doc);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid policy document at $"),
				 errdetail("It is not valid JSON: %s at character %zu.", msg, off),
				 errhint("docs/policy.md describes the format, with a complete example.")));
	}
	json_tokener_free(tok);

	ctxcb.callback = import_context;
	ctxcb.arg = &path;
	ctxcb.previous = error_context_stack;
	error_context_stack = &ctxcb;
	PG_TRY();
	{
		struct json_object *settings,
				   *rules,
				   *match_rules,
				   *approvers;
		char	   *entity,
				   *name,
				   *fmt;
		Oid			types[NRULECOLS];
		Datum		vals[NRULECOLS];
		char		nulls[NRULECOLS + 1];
		int64		policy_id;
		bool		isnull;
		int			saved;

		expect_type(&path, doc, json_type_object);
		known_keys(&path, doc, top_keys);
		fmt = member_text(&path, doc, "format", false);
		if (fmt && strcmp(fmt, "procgov policy 1") != 0)
		{
			path_push(&path, "format", 0, &saved);
			import_error(&path, psprintf("\"%s\" is not a format this procgov reads.", fmt), "Write \"procgov policy 1\", or leave it out.");
		}
		entity = member_text(&path, doc, "entity", true);
		name = member_text(&path, doc, "name", true);
		settings = member_object(&path, doc, "settings", false);
		if (settings)
		{
			path_push(&path, "settings", 0, &saved);
			known_keys(&path, settings, settings_keys);
			path_pop(&path, saved);
		}
		path_push(&path, "rules", 0, &saved);
		if (!json_object_object_get_ex(doc, "rules", &rules) || rules == NULL)
			import_error(&path, "It is missing.", "Give the rules as an array (it may be empty).");
		expect_type(&path, rules, json_type_array);
		path_pop(&path, saved);

		SPI_connect();
		{
			Oid			t1[1] = {TEXTOID};
			Datum		v1[1] = {CStringGetTextDatum(entity)};

			if (SPI_execute_with_args("SELECT coalesce(max(p.version), 0) + 1 FROM procgov.entity e "
									  "LEFT JOIN procgov.policy p ON p.entity_id = e.entity_id WHERE e.entity_id = $1 "
									  "GROUP BY e.entity_id", 1, t1, v1, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			{
				path_push(&path, "entity", 0, &saved);
				import_error(&path, psprintf("Entity \"%s\" does not exist.", entity), "Add it to procgov.entity first.");
			}
			version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		}
		{
			Oid			pt[8] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
			Datum		pv[8];
			char		pn[9] = "        ";
			int			b;
			char	   *sla,
					   *tol,
					   *exp;

			path_push(&path, "settings", 0, &saved);
			pv[0] = CStringGetTextDatum(entity);
			pv[1] = Int32GetDatum(version);
			pv[2] = CStringGetTextDatum(name);
			pv[3] = text_or_null(settings ? member_text(&path, settings, "default_role", false) : NULL, &pn[3]);
			sla = settings ? member_value(&path, settings, "default_sla", false, "interval") : NULL;
			tol = settings ? member_value(&path, settings, "change_tolerance", false, "tolerance") : NULL;
			exp = settings ? member_value(&path, settings, "expedite_sla", false, "interval") : NULL;
			pv[4] = text_or_null(sla, &pn[4]);
			pv[5] = text_or_null(tol, &pn[5]);
			pv[6] = text_or_null(exp, &pn[6]);
			b = settings ? member_bool(&path, settings, "buyer_may_receive") : -1;
			pv[7] = BoolGetDatum(b == 1);
			pn[7] = b < 0 ? 'n' : ' ';
			if (SPI_execute_with_args("INSERT INTO procgov.policy (entity_id, version, name, default_role, default_sla, "
									  "change_tolerance, expedite_sla, buyer_may_receive) "
									  "VALUES ($1, $2, $3, coalesce($4, 'approver'), coalesce($5::interval, '2 days'), "
									  "coalesce($6::procgov.tolerance, '0'), coalesce($7::interval, '4 hours'), coalesce($8, false)) "
									  "RETURNING policy_id", 8, pt, pv, pn, false, 1) != SPI_OK_INSERT_RETURNING)
				elog(ERROR, "could not insert the policy");
			policy_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			path_pop(&path, saved);
		}

		for (int i = 0; i < NRULECOLS; i++)
			types[i] = TEXTOID;
		types[1] = INT8OID;
		for (size_t i = 0; i < json_object_array_length(rules); i++)
		{
			struct json_object *rule = json_object_array_get_idx(rules, i),
					   *when,
					   *then,
					   *band,
					   *cum,
					   *sig;
			int			s_rules,
						s_rule,
						s2;
			int			b;

			path_push(&path, "rules", 0, &s_rules);
			path_push(&path, NULL, (int) i, &s_rule);
			expect_type(&path, rule, json_type_object);
			known_keys(&path, rule, rule_keys);
			memset(nulls, 'n', NRULECOLS);
			nulls[NRULECOLS] = '\0';
			vals[0] = text_or_null(entity, &nulls[0]);
			vals[1] = Int64GetDatum(policy_id);
			nulls[1] = ' ';
			vals[2] = text_or_null(member_text(&path, rule, "name", true), &nulls[2]);
			when = member_object(&path, rule, "when", false);
			if (when)
			{
				char	   *kind;

				path_push(&path, "when", 0, &s2);
				known_keys(&path, when, when_keys);
				kind = member_text(&path, when, "kind", false);
				check_one_of(&path, when, "kind", kind, kinds_allowed);
				vals[3] = text_or_null(kind, &nulls[3]);
				band = member_object(&path, when, "amount", false);
				if (band)
				{
					int			s3;

					path_push(&path, "amount", 0, &s3);
					known_keys(&path, band, band_keys);
					vals[4] = text_or_null(member_value(&path, band, "min", false, "amount"), &nulls[4]);
					vals[5] = text_or_null(member_value(&path, band, "max", false, "amount"), &nulls[5]);
					if (nulls[4] == 'n' && nulls[5] == 'n')
						import_error(&path, "It has neither min nor max.", "Give min, max or both.");
					path_pop(&path, s3);
				}
				cum = member_object(&path, when, "cumulative", false);
				if (cum)
				{
					int			s3;
					char	   *per;

					path_push(&path, "cumulative", 0, &s3);
					known_keys(&path, cum, cum_keys);
					per = member_text(&path, cum, "per", true);
					check_one_of(&path, cum, "per", per, per_allowed);
					vals[6] = text_or_null(per, &nulls[6]);
					vals[7] = text_or_null(member_value(&path, cum, "window", true, "interval"), &nulls[7]);
					path_pop(&path, s3);
				}
				vals[8] = text_or_null(member_text(&path, when, "category_prefix", false), &nulls[8]);
				vals[9] = text_or_null(member_list(&path, when, "supplier_risk", risk_allowed), &nulls[9]);
				vals[10] = text_or_null(member_list(&path, when, "supplier_status", status_allowed), &nulls[10]);
				b = member_int(&path, when, "new_supplier_days", -1, 1, 100000);
				vals[11] = text_or_null(b < 0 ? NULL : psprintf("%d", b), &nulls[11]);
				vals[12] = text_or_null(member_text(&path, when, "site", false), &nulls[12]);
				vals[13] = text_or_null(member_text(&path, when, "cost_center", false), &nulls[13]);
				b = member_bool(&path, when, "off_contract");
				vals[14] = text_or_null(b < 0 ? NULL : b ? "true" : "false", &nulls[14]);
				vals[15] = text_or_null(member_value(&path, when, "over_contract", false, "tolerance"), &nulls[15]);
				b = member_bool(&path, when, "urgent");
				vals[16] = text_or_null(b < 0 ? NULL : b ? "true" : "false", &nulls[16]);
				sig = member_object(&path, when, "signal", false);
				if (sig)
				{
					int			s3;

					path_push(&path, "signal", 0, &s3);
					known_keys(&path, sig, signal_keys);
					vals[17] = text_or_null(member_text(&path, sig, "kind", true), &nulls[17]);
					vals[18] = text_or_null(member_number_text(&path, sig, "min_score", true), &nulls[18]);
					vals[19] = text_or_null(member_number_text(&path, sig, "min_confidence", false), &nulls[19]);
					path_pop(&path, s3);
				}
				path_pop(&path, s2);
			}
			then = member_object(&path, rule, "then", true);
			path_push(&path, "then", 0, &s2);
			known_keys(&path, then, then_keys);
			{
				char	   *outcome = member_text(&path, then, "outcome", true);

				check_one_of(&path, then, "outcome", outcome, outcome_allowed);
				if (strcmp(outcome, "auto_approve") == 0 && nulls[17] == ' ')
				{
					int			s3;

					path_push(&path, "outcome", 0, &s3);
					import_error(&path, "A rule on an advisory signal may add review or hold a document, never approve one.",
								 "Use require or block.");
				}
				vals[20] = text_or_null(outcome, &nulls[20]);
				vals[21] = text_or_null(member_text(&path, then, "role", strcmp(outcome, "require") == 0), &nulls[21]);
				b = member_int(&path, then, "approvers", 1, 1, 10);
				vals[22] = text_or_null(psprintf("%d", b), &nulls[22]);
				vals[23] = text_or_null(member_value(&path, then, "sla", false, "interval"), &nulls[23]);
				vals[24] = text_or_null(member_text(&path, then, "escalate_to", false), &nulls[24]);
				vals[25] = text_or_null(member_text(&path, then, "reason", strcmp(outcome, "block") == 0), &nulls[25]);
			}
			path_pop(&path, s2);
			/* constraint violations here carry this rule's path in their context */
			import_in_insert = true;
			if (SPI_execute_with_args("INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, "
									  "amount_max, cumulative, cumulative_window, category_prefix, supplier_risk_tiers, "
									  "supplier_statuses, new_supplier_days, site, cost_center, off_contract, over_contract, "
									  "urgent, signal_kind, signal_min_score, signal_min_confidence, outcome, role, approvers, "
									  "sla, escalate_to, reason) VALUES ($1, $2, $3, $4, $5::procgov.amount, $6::procgov.amount, "
									  "$7, $8::interval, $9, $10::text[], $11::procgov.supplier_status[], $12::integer, $13, $14, "
									  "$15::boolean, $16::procgov.tolerance, $17::boolean, $18, $19::numeric, $20::numeric, $21, "
									  "$22, $23::integer, $24::interval, $25, $26)",
									  NRULECOLS, types, vals, nulls, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not insert a rule");
			import_in_insert = false;
			path_pop(&path, s_rule);
			path_pop(&path, s_rules);
		}

		path_push(&path, "match_rules", 0, &saved);
		if (json_object_object_get_ex(doc, "match_rules", &match_rules) && match_rules != NULL)
		{
			Oid			mt[13];
			Datum		mv[13];
			char		mn[14];

			expect_type(&path, match_rules, json_type_array);
			for (int k = 0; k < 13; k++)
				mt[k] = TEXTOID;
			mt[1] = INT8OID;
			for (size_t i = 0; i < json_object_array_length(match_rules); i++)
			{
				struct json_object *m = json_object_array_get_idx(match_rules, i);
				int			s2;
				int			b;

				path_push(&path, NULL, (int) i, &s2);
				expect_type(&path, m, json_type_object);
				known_keys(&path, m, match_rule_keys);
				memset(mn, 'n', 13);
				mn[13] = '\0';
				mv[0] = text_or_null(entity, &mn[0]);
				mv[1] = Int64GetDatum(policy_id);
				mn[1] = ' ';
				mv[2] = text_or_null(member_text(&path, m, "name", true), &mn[2]);
				mv[3] = text_or_null(member_text(&path, m, "supplier", false), &mn[3]);
				mv[4] = text_or_null(member_text(&path, m, "category_prefix", false), &mn[4]);
				mv[5] = text_or_null(member_value(&path, m, "qty_tolerance", false, "tolerance"), &mn[5]);
				mv[6] = text_or_null(member_value(&path, m, "price_tolerance", false, "tolerance"), &mn[6]);
				b = member_bool(&path, m, "two_way");
				mv[7] = text_or_null(b < 0 ? NULL : b ? "true" : "false", &mn[7]);
				mv[8] = text_or_null(member_text(&path, m, "owner", false), &mn[8]);
				mv[9] = text_or_null(member_value(&path, m, "sla", false, "interval"), &mn[9]);
				mv[10] = text_or_null(member_text(&path, m, "variance_role", false), &mn[10]);
				mv[11] = text_or_null(member_value(&path, m, "duplicate_period", false, "interval"), &mn[11]);
				mv[12] = text_or_null(member_value(&path, m, "duplicate_window", false, "interval"), &mn[12]);
				import_in_insert = true;
				if (SPI_execute_with_args("INSERT INTO procgov.match_rule (entity_id, policy_id, name, supplier_code, "
										  "category_prefix, qty_tolerance, price_tolerance, two_way, owner, sla, variance_role, "
										  "duplicate_period, duplicate_window) VALUES ($1, $2, $3, $4, $5, $6::procgov.tolerance, "
										  "$7::procgov.tolerance, $8::boolean, $9, $10::interval, $11, $12::interval, $13::interval)",
										  13, mt, mv, mn, false, 0) != SPI_OK_INSERT)
					elog(ERROR, "could not insert a match rule");
				import_in_insert = false;
				path_pop(&path, s2);
			}
		}
		path_pop(&path, saved);

		path_push(&path, "approvers", 0, &saved);
		if (json_object_object_get_ex(doc, "approvers", &approvers) && approvers != NULL)
		{
			Oid			at[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
			Oid			t1[1] = {TEXTOID};
			Datum		v1[1] = {CStringGetTextDatum(entity)};

			expect_type(&path, approvers, json_type_array);
			/* the list replaces the entity's approvers */
			if (SPI_execute_with_args("DELETE FROM procgov.approver WHERE entity_id = $1", 1, t1, v1, NULL, false, 0) != SPI_OK_DELETE)
				elog(ERROR, "could not replace the approvers");
			for (size_t i = 0; i < json_object_array_length(approvers); i++)
			{
				struct json_object *a = json_object_array_get_idx(approvers, i);
				Datum		av[5];
				char		an[6] = "     ";
				int			s2;
				int			b;

				path_push(&path, NULL, (int) i, &s2);
				expect_type(&path, a, json_type_object);
				known_keys(&path, a, approver_keys);
				av[0] = CStringGetTextDatum(entity);
				av[1] = text_or_null(member_text(&path, a, "person", true), &an[1]);
				av[2] = text_or_null(member_text(&path, a, "role", true), &an[2]);
				av[3] = text_or_null(member_value(&path, a, "limit", false, "amount"), &an[3]);
				b = member_bool(&path, a, "active");
				av[4] = text_or_null(b == 0 ? "false" : "true", &an[4]);
				if (SPI_execute_with_args("INSERT INTO procgov.approver (entity_id, person, role, approval_limit, active) "
										  "VALUES ($1, $2, $3, $4::procgov.amount, $5::boolean)",
										  5, at, av, an, false, 0) != SPI_OK_INSERT)
					elog(ERROR, "could not insert an approver");
				path_pop(&path, s2);
			}
		}
		path_pop(&path, saved);
		SPI_finish();
	}
	PG_FINALLY();
	{
		import_in_insert = false;
		json_object_put(doc);
	}
	PG_END_TRY();
	error_context_stack = ctxcb.previous;
	PG_RETURN_INT32(version);
}
