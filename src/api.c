/*-------------------------------------------------------------------------
 * src/api.c
 *		C helpers of the SQL API: document lines given as a jsonb array,
 *		read and checked field by field (each failure naming the line), the
 *		small jsonb result every API function returns, and the form in which
 *		an idempotency key compares a call's input.
 *
 * The API functions (create_requisition, create_purchase_order, post_receipt,
 * ...) take lines as [{"item": ..., "quantity": ..., "unit_price": ...}, ...].
 * These helpers are what they read them with: in C because an order of
 * five lines reads some twenty fields, and a PL/pgSQL helper per field
 * (with an exception block per quantity) cost more than the order itself.
 * The trigger that keeps a document's total the sum of its lines is here
 * too, for the same reason.
 *-------------------------------------------------------------------------
 */
#include "amount.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/value.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#define LINE_HINT "Give each line item or description, quantity and unit_price (and supplier on requisitions)."

/* Line i (0-based) of an array, or NULL when there is none. */
static JsonbValue *
line_at(Jsonb *lines, int i)
{
	if (lines == NULL || i < 0 || !JB_ROOT_IS_ARRAY(lines) || JB_ROOT_IS_SCALAR(lines))
		return NULL;
	return getIthJsonbValueFromContainer(&lines->root, (uint32) i);
}

/* The line as jsonb text for messages, or "missing". */
static char *
line_text(JsonbValue *line)
{
	if (line == NULL)
		return pstrdup("missing");
	if (line->type == jbvBinary)
		return JsonbToCString(NULL, line->val.binary.data, line->val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb(line)->root, 0);
}

/* A field as text, as ->> renders it (NULL for a missing field or JSON null). */
static char *
field_text(JsonbValue *line, const char *field)
{
	JsonbValue *v;

	if (line == NULL || line->type != jbvBinary || !JsonContainerIsObject(line->val.binary.data))
		return NULL;
	v = getKeyJsonValueFromContainer(line->val.binary.data, field, strlen(field), NULL);
	return procgov_jsonb_value_text(v);
}

/* A jsonb value as ->> renders it; NULL for SQL NULL (absent or JSON null). */
char *
procgov_jsonb_value_text(JsonbValue *v)
{
	if (v == NULL)
		return NULL;
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return NULL;
	}
}

/* One field of line i, or an error naming the line when it is required and absent. */
static char *
line_field_internal(Jsonb *lines, int i, const char *field, bool required)
{
	JsonbValue *line = line_at(lines, i);
	char	   *v = field_text(line, field);

	/* a blank required field is a missing one: a line described as "" describes nothing */
	if (required && (v == NULL || v[strspn(v, " \t\r\n")] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("line %d has no \"%s\"", i + 1, field),
				 errdetail("The line is %s.", line_text(line)),
				 errhint(LINE_HINT)));
	return v;
}

/* A plain decimal number: digits with at most one point, an optional sign and exponent. */
static bool
is_decimal(const char *s)
{
	bool		digits = false;

	while (*s == ' ')
		s++;
	if (*s == '+' || *s == '-')
		s++;
	while (*s >= '0' && *s <= '9')
		s++, digits = true;
	if (*s == '.')
	{
		s++;
		while (*s >= '0' && *s <= '9')
			s++, digits = true;
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E')
	{
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	while (*s == ' ')
		s++;
	return *s == '\0';
}

PG_FUNCTION_INFO_V1(check_lines);
Datum
check_lines(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);

	if (lines == NULL || !JB_ROOT_IS_ARRAY(lines) || JB_ROOT_IS_SCALAR(lines) || JB_ROOT_COUNT(lines) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lines must be a non-empty jsonb array"),
				 errdetail("lines is %s.", lines ? JsonbToCString(NULL, &lines->root, VARSIZE(lines)) : "NULL"),
				 errhint("Pass [{\"item\": \"SKU-1\", \"quantity\": 40, \"unit_price\": \"18.75 EUR\"}, ...].")));
	PG_RETURN_INT32(JB_ROOT_COUNT(lines));
}

PG_FUNCTION_INFO_V1(line_field);
Datum
line_field(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	int32		i = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	char	   *field = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	bool		required = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	char	   *v = line_field_internal(lines, i, field, required);

	if (v == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(v));
}

/* A value for a message: cut to 40 characters, so 1e400 does not fill the screen. */
static char *
value_for_message(const char *v)
{
	if (strlen(v) <= 40)
		return pstrdup(v);
	return psprintf("%.37s...", v);
}

static void out_of_range(int i, const char *field, const char *v) pg_attribute_noreturn();

/* The error for a quantity the quantity columns, numeric(18,4), cannot hold. */
static void
out_of_range(int i, const char *field, const char *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("line %d has a %s out of range: %s", i + 1, field, value_for_message(v)),
			 errdetail("Quantities are below 100000000000000 (numeric(18,4))."),
			 errhint("Check the line's %s.", field)));
}

/*
 * A quantity field of line i as numeric: a plain decimal (NaN and Infinity
 * are numerics, not quantities) that fits the quantity columns,
 * numeric(18,4); positive, or with allow_zero not negative.  NULL when the
 * field is absent and not required.  Each failure names the line.
 */
static Numeric
line_decimal_internal(Jsonb *lines, int i, const char *field, bool required, bool allow_zero)
{
	char	   *v = line_field_internal(lines, i, field, required);
	Numeric		q;
	char	   *exp;
	Datum		zero,
				rounded;
	bool		ok;

	if (v == NULL)
		return NULL;
	if (!is_decimal(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("line %d has an invalid %s: \"%s\"", i + 1, field, value_for_message(v)),
				 errdetail("The line is %s.", line_text(line_at(lines, i))),
				 errhint("Write the %s as a number, e.g. 40 or 12.5.", field)));
	/* an exponent numeric_in cannot take ("1e99999" as a string) is out of range too */
	exp = strpbrk(v, "eE");
	if (exp != NULL && labs(strtol(exp + 1, NULL, 10)) > 1000)
		out_of_range(i, field, v);
	q = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(v),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	zero = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	ok = DatumGetBool(DirectFunctionCall2(allow_zero ? numeric_ge : numeric_gt, NumericGetDatum(q), zero));
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("line %d has a %s of %s", i + 1, field,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(q)))),
				 errdetail("The line is %s.", line_text(line_at(lines, i))),
				 errhint("%s", allow_zero ? "Give zero or more: zero when the supplier cannot deliver the line." :
						 "Quantities are positive.")));
	/* what numeric(18,4) takes: below 10^14 once rounded to four places */
	rounded = DirectFunctionCall2(numeric_round, NumericGetDatum(q), Int32GetDatum(4));
	if (!DatumGetBool(DirectFunctionCall2(numeric_lt, rounded,
										  DirectFunctionCall1(int8_numeric, Int64GetDatum(INT64CONST(100000000000000))))))
		out_of_range(i, field, v);
	/* and no more than four decimals: stored rounded, totals would disagree with what was given */
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, rounded, NumericGetDatum(q))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("line %d has a %s of %s, with more than four decimals", i + 1, field,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(q)))),
				 errdetail("The line is %s.", line_text(line_at(lines, i))),
				 errhint("Quantities carry at most four decimals; round it before sending.")));
	return q;
}

PG_FUNCTION_INFO_V1(line_quantity);
Datum
line_quantity(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	int32		i = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);

	PG_RETURN_NUMERIC(line_decimal_internal(lines, i, "quantity", true, false));
}

/*
 * procgov.line_decimal(lines, i, field): an optional quantity field of one
 * line (confirmed_qty): NULL when absent, else zero or more and within
 * numeric(18,4), or an error naming the line and the value.
 */
PG_FUNCTION_INFO_V1(line_decimal);
Datum
line_decimal(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	int32		i = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	char	   *field = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	Numeric		q = line_decimal_internal(lines, i, field, false, true);

	if (q == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(q);
}

/*
 * Text as date_in reads it, without throwing: false for what date_in
 * refuses, and for infinity and -infinity (no delivery is due then).
 */
static bool
parse_date(char *s, DateADT *result)
{
#if PG_VERSION_NUM >= 160000
	ErrorSaveContext escontext;
	Datum		d;

	memset(&escontext, 0, sizeof(escontext));
	escontext.type = T_ErrorSaveContext;
	if (!DirectInputFunctionCallSafe(date_in, s, InvalidOid, -1, (Node *) &escontext, &d))
		return false;
	*result = DatumGetDateADT(d);
#else
	fsec_t		fsec;
	struct pg_tm tt,
			   *tm = &tt;
	int			tzp;
	int			dtype;
	int			nf;
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	char		workbuf[MAXDATELEN + 1];

	if (ParseDateTime(s, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, tm, &fsec, &tzp) != 0)
		return false;
	if (dtype == DTK_EPOCH)
		GetEpochTime(tm);
	else if (dtype != DTK_DATE)
		return false;
	if (!IS_VALID_JULIAN(tm->tm_year, tm->tm_mon, tm->tm_mday))
		return false;
	*result = date2j(tm->tm_year, tm->tm_mon, tm->tm_mday) - POSTGRES_EPOCH_JDATE;
	if (!IS_VALID_DATE(*result))
		return false;
#endif
	return !DATE_NOT_FINITE(*result);
}

/*
 * procgov.line_date(lines, i, field): an optional date field of one line
 * (need_by, confirmed_date): NULL when absent, else the date, or an error
 * naming the line and the value.
 */
PG_FUNCTION_INFO_V1(line_date);
Datum
line_date(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	int32		i = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	char	   *field = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *v = line_field_internal(lines, i, field, false);
	DateADT		d;

	if (v == NULL)
		PG_RETURN_NULL();
	if (!parse_date(v, &d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("line %d has an invalid %s: \"%s\"", i + 1, field, value_for_message(v)),
				 errdetail("The line is %s.", line_text(line_at(lines, i))),
				 errhint("Write the date as YYYY-MM-DD, e.g. 2026-11-28.")));
	PG_RETURN_DATEADT(d);
}

PG_FUNCTION_INFO_V1(line_price);
Datum
line_price(PG_FUNCTION_ARGS)
{
	Jsonb	   *lines = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	int32		i = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	char	   *v = line_field_internal(lines, i, "unit_price", true);
	Amount	   *p = amount_from_cstring(v);

	if (p->units < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("line %d has a negative unit price: %s", i + 1, amount_to_cstring(p)),
				 errhint("Record credits as their own documents.")));
	if (!PG_ARGISNULL(2))
	{
		char	   *want = text_to_cstring(PG_GETARG_TEXT_PP(2));
		char		have[4];

		currency_code(p->cur, have);
		if (strcmp(have, want) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("line %d is in %s, the document in %s", i + 1, have, want),
					 errhint("All lines of a document share one currency.")));
	}
	PG_RETURN_AMOUNT_P(p);
}

/*
 * procgov.doc_result(kind, document): {"kind", "entity", "number", "state",
 * "total", "version", "correlation_id"} taken from the document's row as
 * jsonb, leaving out what it has not.
 */
PG_FUNCTION_INFO_V1(doc_result);
Datum
doc_result(PG_FUNCTION_ARGS)
{
	static const char *const fields[][2] = {
		{"entity", "entity_id"}, {"number", "number"}, {"state", "state"}, {"total", "total"},
		{"version", "version"}, {"correlation_id", "correlation_id"}
	};
	text	   *kind = PG_GETARG_TEXT_PP(0);
	Jsonb	   *doc = PG_GETARG_JSONB_P(1);
	JsonbParseState *st = NULL;
	JsonbValue	k,
				v;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "kind";
	k.val.string.len = 4;
	(void) pushJsonbValue(&st, WJB_KEY, &k);
	v.type = jbvString;
	v.val.string.val = VARDATA_ANY(kind);
	v.val.string.len = VARSIZE_ANY_EXHDR(kind);
	(void) pushJsonbValue(&st, WJB_VALUE, &v);
	if (JB_ROOT_IS_OBJECT(doc))
		for (int i = 0; i < (int) lengthof(fields); i++)
		{
			JsonbValue *f = getKeyJsonValueFromContainer(&doc->root, fields[i][1], strlen(fields[i][1]), NULL);

			if (f == NULL || f->type == jbvNull)
				continue;
			k.val.string.val = unconstify(char *, fields[i][0]);
			k.val.string.len = strlen(fields[i][0]);
			(void) pushJsonbValue(&st, WJB_KEY, &k);
			(void) pushJsonbValue(&st, WJB_VALUE, f);
		}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL)));
}

/* A jsonb number without trailing zeros: 10.0 is 10, 1.50 is 1.5. */
static void
trim_number(JsonbValue *v)
{
	if (v->type == jbvNumeric)
		v->val.numeric = DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(v->val.numeric)));
}

/*
 * procgov.idempotency_form(request): the request as an idempotency key
 * compares it, so that the same input written differently is the same
 * request: numbers by value (trailing zeros trimmed), object fields whose
 * value is JSON null left out at every level (as jsonb_strip_nulls leaves
 * them out).  Strings stay as written: "10" is not 10.  One pass over the
 * jsonb, on every call that has a key.
 */
PG_FUNCTION_INFO_V1(idempotency_form);
Datum
idempotency_form(PG_FUNCTION_ARGS)
{
	Jsonb	   *in = PG_GETARG_JSONB_P(0);
	JsonbIterator *it;
	JsonbParseState *st = NULL;
	JsonbValue	v,
				k,
			   *res = NULL;
	JsonbIteratorToken tok;
	bool		pending_key = false;

	if (JB_ROOT_IS_SCALAR(in))
	{
		if (!JsonbExtractScalar(&in->root, &v) || v.type != jbvNumeric)
			PG_RETURN_JSONB_P(in);
		trim_number(&v);
		PG_RETURN_JSONB_P(JsonbValueToJsonb(&v));
	}
	it = JsonbIteratorInit(&in->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			/* held back until its value shows whether the field stays */
			k = v;
			pending_key = true;
			continue;
		}
		if (pending_key)
		{
			pending_key = false;
			if (tok == WJB_VALUE && v.type == jbvNull)
				continue;
			(void) pushJsonbValue(&st, WJB_KEY, &k);
		}
		if (tok == WJB_VALUE || tok == WJB_ELEM)
		{
			trim_number(&v);
			res = pushJsonbValue(&st, tok, &v);
		}
		else
			res = pushJsonbValue(&st, tok, NULL);
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * procgov.lines_changed(): the trigger on order and requisition lines that
 * keeps the document's total the sum of its lines.  Per statement for
 * inserts and deletes it reads the transition table itself and refreshes
 * each document once (procgov.refresh_order_total() or
 * refresh_requisition_total(), which also refuse changes to an order being
 * received or finished); per row for an update that changed a quantity or
 * a price, or moved the line to another document (then both).  In C
 * because a PL/pgSQL trigger that asked the transition table for its
 * documents cost more than creating the order's lines.
 */
typedef struct LineDoc
{
	int64		id;				/* hash key: ids are all but unique across entities */
	List	   *entities;		/* the entities seen with it, usually one */
} LineDoc;

/* One document to refresh. */
typedef struct DocRef
{
	char	   *entity;
	int64		id;
} DocRef;

/* Add a document to *docs unless seen already has it. */
static void
add_document(HTAB *seen, List **docs, char *entity, int64 id)
{
	bool		found;
	LineDoc    *d = hash_search(seen, &id, HASH_ENTER, &found);
	ListCell   *lc;
	DocRef	   *r;

	if (!found)
		d->entities = NIL;
	foreach(lc, d->entities)
		if (strcmp(lfirst(lc), entity) == 0)
			return;
	d->entities = lappend(d->entities, entity);
	r = palloc(sizeof(DocRef));
	r->entity = entity;
	r->id = id;
	*docs = lappend(*docs, r);
}

static int
doc_ref_cmp(const ListCell *a, const ListCell *b)
{
	const DocRef *x = lfirst(a),
			   *y = lfirst(b);

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->entity, y->entity);
}

/*
 * Refresh each document's total, in key order: the refresh locks the
 * document, so two statements over the same documents never deadlock.
 */
static void
refresh_documents(FmgrInfo *flinfo, List *docs)
{
	ListCell   *lc;

	list_sort(docs, doc_ref_cmp);
	foreach(lc, docs)
	{
		DocRef	   *r = lfirst(lc);
		LOCAL_FCINFO(fcinfo, 2);

		InitFunctionCallInfoData(*fcinfo, flinfo, 2, DEFAULT_COLLATION_OID, NULL, NULL);
		fcinfo->args[0].value = CStringGetTextDatum(r->entity);
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = Int64GetDatum(r->id);
		fcinfo->args[1].isnull = false;
		(void) FunctionCallInvoke(fcinfo);	/* returns void */
	}
}

PG_FUNCTION_INFO_V1(lines_changed);
Datum
lines_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	bool		orders;
	AttrNumber	ent_att,
				id_att;
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	FmgrInfo	refresh;
	HASHCTL		ctl;
	HTAB	   *seen;
	List	   *docs = NIL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.lines_changed() must be called as an AFTER trigger")));
	desc = RelationGetDescr(td->tg_relation);
	orders = strcmp(RelationGetRelationName(td->tg_relation), "purchase_order_line") == 0;
	ent_att = procgov_attnum(desc, "entity_id");
	id_att = procgov_attnum(desc, orders ? "po_id" : "requisition_id");
	if (ent_att == InvalidAttrNumber || id_att == InvalidAttrNumber ||
		TupleDescAttr(desc, ent_att - 1)->atttypid != TEXTOID ||
		TupleDescAttr(desc, id_att - 1)->atttypid != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.lines_changed() fired on %s, which is not a table of document lines",
						RelationGetRelationName(td->tg_relation)),
				 errdetail("Document lines have entity_id text and %s bigint.", orders ? "po_id" : "requisition_id")));
	fmgr_info(LookupFuncName(list_make2(makeString("procgov"),
										makeString(orders ? "refresh_order_total" : "refresh_requisition_total")),
							 2, argtypes, false), &refresh);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(LineDoc);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("procgov lines documents", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (TRIGGER_FIRED_FOR_ROW(td->tg_event))
	{
		/* the line's document, and the one it left when an update moved it */
		HeapTuple	tups[2] = {TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple,
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_trigtuple : NULL};

		for (int i = 0; i < 2 && tups[i] != NULL; i++)
		{
			bool		n1,
						n2;
			Datum		e = heap_getattr(tups[i], ent_att, desc, &n1);
			Datum		id = heap_getattr(tups[i], id_att, desc, &n2);

			if (!n1 && !n2)
				add_document(seen, &docs, TextDatumGetCString(e), DatumGetInt64(id));
		}
	}
	else
	{
		/* each document of the statement's lines */
		Tuplestorestate *ts = TRIGGER_FIRED_BY_DELETE(td->tg_event) ? td->tg_oldtable : td->tg_newtable;
		TupleTableSlot *slot;
		int			ptr;

		if (ts == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("procgov.lines_changed() needs the statement's transition table"),
					 errhint("Create the trigger with REFERENCING NEW TABLE (inserts) or OLD TABLE (deletes).")));
		slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		/* our own read position: other triggers of the statement read the same table */
		ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
		tuplestore_select_read_pointer(ts, ptr);
		tuplestore_rescan(ts);
		while (tuplestore_gettupleslot(ts, true, false, slot))
		{
			bool		n1,
						n2;
			Datum		e = slot_getattr(slot, ent_att, &n1);
			Datum		id = slot_getattr(slot, id_att, &n2);

			if (!n1 && !n2)
				add_document(seen, &docs, TextDatumGetCString(e), DatumGetInt64(id));
		}
		tuplestore_select_read_pointer(ts, 0);
		ExecDropSingleTupleTableSlot(slot);
	}
	refresh_documents(&refresh, docs);
	hash_destroy(seen);
	return PointerGetDatum(NULL);
}
