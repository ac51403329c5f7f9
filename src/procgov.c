/*-------------------------------------------------------------------------
 * src/procgov.c
 *		Module entry point: PG_MODULE_MAGIC, _PG_init, GUCs, and the glue
 *		that turns the pure-C parsers' failures into PostgreSQL errors.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "utils/guc.h"
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
