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

/* Per-part initialisation called from _PG_init. */
extern void AmountInit(void);

#endif							/* PROCGOV_H */
