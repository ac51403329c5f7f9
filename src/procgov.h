/*-------------------------------------------------------------------------
 * src/procgov.h
 *		Declarations shared by procgov's PostgreSQL-facing C files.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_H
#define PROCGOV_H

#include "postgres.h"
#include "fmgr.h"
#include "nodes/nodes.h"
#include "utils/jsonb.h"

#include "parse.h"

/*
 * Input functions report softly on PostgreSQL 16+ (so pg_input_is_valid()
 * works); before that there is no error-saving context and they throw.
 */
#if PG_VERSION_NUM >= 160000
#define PROCGOV_ESCONTEXT(fcinfo)	((fcinfo)->context)
#else
#define PROCGOV_ESCONTEXT(fcinfo)	((Node *) NULL)
#endif

/* Turn a parser failure into an error with its SQLSTATE (soft if asked). */
extern void procgov_report(const pv_error *err, Node *escontext);

/* Set up a materialized result (tuplestore) for a set-returning function. */
extern void procgov_materialize_srf(FunctionCallInfo fcinfo);

/* Per-part initialisation called from _PG_init. */
extern void AmountInit(void);
extern void AuditInit(void);

/* ---- audit ledger (audit.c): the API the other parts call ---- */

/* procgov.actor: the end user named by the application for this transaction. */
extern char *procgov_actor;

/* Append one ledger entry in the current transaction; payload and reason may be NULL. */
extern int64 procgov_audit_append(text *stream, text *action, Jsonb *payload, text *reason);

/* Seal unsealed entries into blocks; returns the newest block id written, 0 if none. */
extern int64 procgov_seal_audit(int32 max_entries);

#endif							/* PROCGOV_H */
