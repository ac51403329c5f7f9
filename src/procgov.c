/*-------------------------------------------------------------------------
 * src/procgov.c
 *		Module entry point: PG_MODULE_MAGIC, _PG_init, GUCs, and the glue
 *		that turns the pure-C parsers' failures into PostgreSQL errors.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Load-time set-up: each part registers what it needs, then the prefix is reserved. */
void
_PG_init(void)
{
	AmountInit();
	AuditInit();

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
