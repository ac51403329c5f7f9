/*-------------------------------------------------------------------------
 * src/rowjson.c
 *		A row as jsonb, the same value to_jsonb(row) gives, built with what
 *		each column type needs looked up once per row type.
 *
 * Every transition hands its document to guards, effects, the ledger and
 * the event as jsonb, and the API returns documents as jsonb.  to_jsonb()
 * looks up each column's type category and output function again for every
 * row; here they are kept per row type (checked against the descriptor on
 * every call: column types and names, so ALTER TABLE is seen; forgotten when
 * a cast is created or dropped).  Row types with a column to_jsonb() treats
 * specially beyond scalars -- arrays, composites, json, or a user type with
 * a cast to json -- take to_jsonb() itself, so the result is always
 * to_jsonb()'s.  test/sql/row_jsonb.sql compares the two.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/inval.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

typedef enum ColKind
{
	CK_BOOL,
	CK_INT,						/* int2, int4, int8: numbers */
	CK_NUMERIC,					/* numeric: a number, NaN and infinities as strings */
	CK_FLOAT,					/* float4, float8: through their text, as to_jsonb() */
	CK_DATETIME,				/* date, timestamp, timestamptz: ISO 8601 */
	CK_JSONB,					/* embedded as it is */
	CK_TEXT,					/* text, varchar, bpchar...: the output function's string */
	CK_OTHER					/* any other scalar: the output function's string */
} ColKind;

typedef struct ColInfo
{
	Oid			typid;			/* the column's declared type */
	Oid			basetype;		/* without domains */
	NameData	name;
	bool		dropped;
	ColKind		kind;
	FmgrInfo	out;
} ColInfo;

typedef struct RowShape
{
	Oid			rowtype;
	int			natts;
	bool		fallback;		/* a column only to_jsonb() renders */
	ColInfo    *cols;
	int		   *order;			/* live columns in jsonb's key order */
	int			nlive;
} RowShape;

#define MAX_SHAPES 32

static RowShape shapes[MAX_SHAPES];
static int	nshapes = 0;
static MemoryContext shape_cxt = NULL;
static bool shapes_stale = false;

/*
 * A cast to json created or dropped changes how to_jsonb() renders a user
 * type: start over at the next row (only a flag here: the callback may run
 * while a row is being rendered with a shape).
 */
static void
shapes_forget(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	shapes_stale = true;
}

static bool
complex_column(Oid basetype)
{
	Oid			castfunc;

	if (basetype == JSONOID || OidIsValid(get_element_type(basetype)) || basetype == ANYARRAYOID ||
		basetype == RECORDARRAYOID || type_is_rowtype(basetype))
		return true;
	/* to_jsonb() honours a user type's explicit cast to json */
	return basetype >= FirstNormalObjectId &&
		find_coercion_pathway(JSONOID, basetype, COERCION_EXPLICIT, &castfunc) == COERCION_PATH_FUNC;
}

/* jsonb's order of object keys: shorter first, then bytewise */
static int
key_order_cmp(const void *a, const void *b, void *arg)
{
	const ColInfo *cols = (const ColInfo *) arg;
	const char *ka = NameStr(cols[*(const int *) a].name);
	const char *kb = NameStr(cols[*(const int *) b].name);
	size_t		la = strlen(ka),
				lb = strlen(kb);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(ka, kb, la);
}

static void
shape_build(RowShape *s, TupleDesc desc)
{
	s->rowtype = desc->tdtypeid;
	s->natts = desc->natts;
	s->fallback = false;
	s->cols = MemoryContextAllocZero(shape_cxt, sizeof(ColInfo) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ColInfo    *c = &s->cols[i];
		Oid			out;
		bool		varlena;

		c->typid = att->atttypid;
		c->name = att->attname;
		c->dropped = att->attisdropped;
		if (c->dropped)
			continue;
		c->basetype = getBaseType(att->atttypid);
		switch (c->basetype)
		{
			case BOOLOID:
				c->kind = CK_BOOL;
				break;
			case INT2OID:
			case INT4OID:
			case INT8OID:
				c->kind = CK_INT;
				break;
			case NUMERICOID:
				c->kind = CK_NUMERIC;
				break;
			case FLOAT4OID:
			case FLOAT8OID:
				c->kind = CK_FLOAT;
				break;
			case DATEOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
				c->kind = CK_DATETIME;
				break;
			case JSONBOID:
				c->kind = CK_JSONB;
				break;
			case TEXTOID:
			case VARCHAROID:
				c->kind = CK_TEXT;
				break;
			default:
				if (complex_column(c->basetype))
					s->fallback = true;
				c->kind = CK_OTHER;
				break;
		}
		getTypeOutputInfo(c->basetype, &out, &varlena);
		fmgr_info_cxt(out, &c->out, shape_cxt);
	}

	/*
	 * Keys pushed in the order jsonb keeps them: the sort every object gets
	 * at its end then finds them in order and stops after one pass.
	 */
	s->order = MemoryContextAlloc(shape_cxt, sizeof(int) * Max(desc->natts, 1));
	s->nlive = 0;
	for (int i = 0; i < desc->natts; i++)
		if (!s->cols[i].dropped)
			s->order[s->nlive++] = i;
	qsort_arg(s->order, s->nlive, sizeof(int), key_order_cmp, s->cols);
}

static bool
shape_matches(const RowShape *s, TupleDesc desc)
{
	if (s->rowtype != desc->tdtypeid || s->natts != desc->natts)
		return false;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const ColInfo *c = &s->cols[i];

		if (c->typid != att->atttypid || c->dropped != att->attisdropped ||
			strcmp(NameStr(c->name), NameStr(att->attname)) != 0)
			return false;
	}
	return true;
}

static const RowShape *
shape_for(TupleDesc desc)
{
	RowShape   *s;

	if (shapes_stale && shape_cxt != NULL)
	{
		MemoryContextReset(shape_cxt);
		nshapes = 0;
		shapes_stale = false;
	}
	for (int i = 0; i < nshapes; i++)
	{
		if (shapes[i].rowtype == desc->tdtypeid)
		{
			if (shape_matches(&shapes[i], desc))
				return &shapes[i];
			/* the table changed: this backend's shapes start over */
			MemoryContextReset(shape_cxt);
			nshapes = 0;
			break;
		}
	}
	if (shape_cxt == NULL)
	{
		shape_cxt = AllocSetContextCreate(TopMemoryContext, "procgov row shapes", ALLOCSET_SMALL_SIZES);
		CacheRegisterSyscacheCallback(CASTSOURCETARGET, shapes_forget, (Datum) 0);
	}
	if (nshapes == MAX_SHAPES)
	{
		MemoryContextReset(shape_cxt);
		nshapes = 0;
	}
	s = &shapes[nshapes];
	shape_build(s, desc);
	nshapes++;
	return s;
}

static void
push_string(JsonbParseState **st, JsonbIteratorToken tok, char *str)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = str;
	v.val.string.len = strlen(str);
	(void) pushJsonbValue(st, tok, &v);
}

static void
push_jsonb(JsonbParseState **st, Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		(void) JsonbIteratorNext(&it, &v, true);	/* the one-element array */
		(void) JsonbIteratorNext(&it, &v, true);
		(void) pushJsonbValue(st, WJB_VALUE, &v);
		return;
	}
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
		(void) pushJsonbValue(st, tok, (tok == WJB_KEY || tok == WJB_VALUE || tok == WJB_ELEM) ? &v : NULL);
}

static Jsonb *
to_jsonb_fallback(HeapTuple tup, TupleDesc desc)
{
	/* to_jsonb(row), called with an expression that names the row type */
	static FmgrInfo flinfo;
	static Const *arg = NULL;

	if (arg == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		Const	   *c = makeNullConst(RECORDOID, -1, InvalidOid);

		fmgr_info_cxt(F_TO_JSONB, &flinfo, TopMemoryContext);
		flinfo.fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(c), InvalidOid,
											   InvalidOid, COERCE_EXPLICIT_CALL);
		MemoryContextSwitchTo(old);
		arg = c;
	}
	arg->consttype = desc->tdtypeid;
	return DatumGetJsonbP(FunctionCall1(&flinfo, heap_copy_tuple_as_datum(tup, desc)));
}

/* The row as jsonb: to_jsonb(row)'s value. */
Jsonb *
procgov_row_jsonb(HeapTuple tup, TupleDesc desc)
{
	const RowShape *s;
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Datum	   *values;
	bool	   *nulls;

	/* anonymous records share one type id: nothing to keep for them */
	if (desc->tdtypeid == RECORDOID)
		return to_jsonb_fallback(tup, desc);
	s = shape_for(desc);

	if (s->fallback)
		return to_jsonb_fallback(tup, desc);

	/* the columns are read out of key order: take the row apart once */
	values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	heap_deform_tuple(tup, desc, values, nulls);
	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int k = 0; k < s->nlive; k++)
	{
		int			i = s->order[k];
		const ColInfo *c = &s->cols[i];
		bool		isnull;
		Datum		d;
		JsonbValue	v;

		push_string(&st, WJB_KEY, pstrdup(NameStr(c->name)));
		d = values[i];
		isnull = nulls[i];
		if (isnull)
		{
			v.type = jbvNull;
			(void) pushJsonbValue(&st, WJB_VALUE, &v);
			continue;
		}
		switch (c->kind)
		{
			case CK_BOOL:
				v.type = jbvBool;
				v.val.boolean = DatumGetBool(d);
				(void) pushJsonbValue(&st, WJB_VALUE, &v);
				break;
			case CK_INT:
				v.type = jbvNumeric;
				v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric,
																	Int64GetDatum(c->basetype == INT8OID ? DatumGetInt64(d)
																				  : c->basetype == INT4OID ? (int64) DatumGetInt32(d)
																				  : (int64) DatumGetInt16(d))));
				(void) pushJsonbValue(&st, WJB_VALUE, &v);
				break;
			case CK_NUMERIC:
				{
					Numeric		n = DatumGetNumeric(d);

#if PG_VERSION_NUM >= 140000
					if (numeric_is_nan(n) || numeric_is_inf(n))
#else
					if (numeric_is_nan(n))
#endif
						push_string(&st, WJB_VALUE, OutputFunctionCall(unconstify(FmgrInfo *, &c->out), d));
					else
					{
						v.type = jbvNumeric;
						v.val.numeric = n;
						(void) pushJsonbValue(&st, WJB_VALUE, &v);
					}
				}
				break;
			case CK_FLOAT:
				{
					char	   *txt = OutputFunctionCall(unconstify(FmgrInfo *, &c->out), d);

					/* as to_jsonb(): a number unless its text is NaN or Infinity */
					if (strchr(txt, 'N') != NULL || strchr(txt, 'n') != NULL)
						push_string(&st, WJB_VALUE, txt);
					else
					{
						v.type = jbvNumeric;
						v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(txt),
																			ObjectIdGetDatum(InvalidOid),
																			Int32GetDatum(-1)));
						(void) pushJsonbValue(&st, WJB_VALUE, &v);
					}
				}
				break;
			case CK_DATETIME:
				push_string(&st, WJB_VALUE, JsonEncodeDateTime(NULL, d, c->basetype, NULL));
				break;
			case CK_JSONB:
				push_jsonb(&st, DatumGetJsonbP(d));
				break;
			case CK_TEXT:
				push_string(&st, WJB_VALUE, TextDatumGetCString(d));
				break;
			case CK_OTHER:
				push_string(&st, WJB_VALUE, OutputFunctionCall(unconstify(FmgrInfo *, &c->out), d));
				break;
		}
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	pfree(values);
	pfree(nulls);
	return JsonbValueToJsonb(res);
}

/* procgov.row_jsonb(record): to_jsonb(row)'s value, faster for procgov's documents. */
PG_FUNCTION_INFO_V1(row_jsonb);
Datum
row_jsonb(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec), HeapTupleHeaderGetTypMod(rec));
	HeapTupleData tup;
	Jsonb	   *res;

	tup.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = rec;
	res = procgov_row_jsonb(&tup, desc);
	ReleaseTupleDesc(desc);
	PG_RETURN_JSONB_P(res);
}
