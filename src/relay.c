/*-------------------------------------------------------------------------
 * src/relay.c
 *		The notification relay's background worker.
 *
 * NOTIFY takes a database-wide lock when a transaction commits and holds it
 * until the commit is done, so notifying transactions commit one at a time
 * (docs/events.md, "Many writers").  Under procgov.notify = relay, emitting
 * transactions send nothing; procgov.relay_events() (src/events.c) sends one
 * notification per pass for every event committed since the last.  With
 * procgov in shared_preload_libraries, this file starts one worker per
 * database named in procgov.relay_databases, which makes that pass every
 * procgov.relay_naptime milliseconds: one notifying commit per pass instead
 * of one per emitting transaction.
 *
 * A pass in a database without procgov (or with a procgov that has no
 * relay_events()) does nothing.  A pass that fails is reported in the server
 * log and undone, and the next waits RELAY_ERROR_PAUSE_MS; a worker that
 * ends (a FATAL error, pg_terminate_backend()) is started again by the
 * postmaster after RELAY_RESTART_SECONDS.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "commands/async.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/pg_list.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"

#define RELAY_RESTART_SECONDS	10
#define RELAY_ERROR_PAUSE_MS	10000

/* procgov.relay_databases, procgov.relay_role and procgov.relay_naptime */
static char *relay_databases = NULL;
static char *relay_role = NULL;
static int	relay_naptime = 100;

/* the role this worker connected as, for messages */
static char *relay_role_name = NULL;

PGDLLEXPORT void procgov_relay_main(Datum main_arg);

/* The list of database names, or NULL (and a message) when it is not one. */
static List *
relay_database_list(const char *value, const char **problem)
{
	char	   *raw = pstrdup(value);
	List	   *names = NIL;

	*problem = NULL;
	if (!SplitIdentifierString(raw, ',', &names))
	{
		*problem = "It is not a comma-separated list of database names (quote a name with upper-case letters, commas or spaces).";
		return NULL;
	}
	for (int i = 0; i < list_length(names); i++)
	{
		const char *name = list_nth(names, i);

		if (strlen(name) >= NAMEDATALEN)
		{
			*problem = psprintf("Database name \"%s\" is too long.", name);
			return NULL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(list_nth(names, j), name) == 0)
			{
				*problem = psprintf("Database \"%s\" is named twice.", name);
				return NULL;
			}
	}
	return names;
}

static bool
check_relay_databases(char **newval, void **extra, GucSource source)
{
	const char *problem;

	(void) extra;
	(void) source;
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (relay_database_list(*newval, &problem) == NULL)
	{
		GUC_check_errdetail("%s", problem);
		GUC_check_errhint("Set procgov.relay_databases to the databases the relay serves, e.g. 'erp, erp_test'.");
		return false;
	}
	return true;
}

/* The settings, and one worker per database when the server loads procgov at start. */
void
RelayInit(void)
{
	List	   *names;
	ListCell   *lc;
	const char *problem;

	DefineCustomIntVariable("procgov.relay_naptime",
							gettext_noop("How long the notification relay waits between passes."),
							gettext_noop("The longest an event waits for its notification under procgov.notify = relay."),
							&relay_naptime,
							100,
							10,
							60000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	/* a setting read at server start only exists when the server loads procgov then */
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomStringVariable("procgov.relay_databases",
							   gettext_noop("Databases in which procgov's notification relay runs."),
							   gettext_noop("One background worker per database announces the events committed there, "
											"for sessions that set procgov.notify = relay.  Needs procgov in "
											"shared_preload_libraries; takes effect at server start."),
							   &relay_databases,
							   "",
							   PGC_POSTMASTER,
							   0,
							   check_relay_databases, NULL, NULL);
	DefineCustomStringVariable("procgov.relay_role",
							   gettext_noop("Role procgov's notification relay connects as."),
							   gettext_noop("A role that may log in and is a member of procgov_relay (which may run "
											"procgov.relay_events() and nothing else); empty: the bootstrap "
											"superuser.  Takes effect at server start."),
							   &relay_role,
							   "",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	if (relay_databases == NULL || relay_databases[0] == '\0')
		return;
	/* a role that cannot be must not leave the relay to the superuser: no relay then */
	if (relay_role != NULL && strlen(relay_role) >= NAMEDATALEN)
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("procgov.relay_role \"%s\" is longer than a role name can be; no notification relay runs",
						relay_role),
				 errhint("Set procgov.relay_role to a role that may log in and is a member of procgov_relay, and restart.")));
		return;
	}
	names = relay_database_list(relay_databases, &problem);
	foreach(lc, names)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = RELAY_RESTART_SECONDS;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "procgov");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "procgov_relay_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "procgov relay for database %s", (char *) lfirst(lc));
		snprintf(worker.bgw_type, BGW_MAXLEN, "procgov relay");
		snprintf(worker.bgw_extra, BGW_EXTRALEN, "%s", (char *) lfirst(lc));
		RegisterBackgroundWorker(&worker);
	}
}

/*
 * One pass in its own transaction: procgov.relay_events(), when this
 * database has procgov.  The function must be the extension's own: the
 * worker may run as the bootstrap superuser, and in a database without
 * procgov anyone allowed to create a schema could otherwise name one procgov
 * and put a function of that name in it.  A direct call checks no
 * privilege, so the worker checks the one a session would need: EXECUTE,
 * which procgov grants to procgov_relay (and procgov_admin).
 */
static void
relay_pass(void)
{
	Oid			ext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT procgov.relay_events()");
	ext = get_extension_oid("procgov", true);
	if (OidIsValid(ext))
	{
		Oid			fn = LookupFuncName(list_make2(makeString("procgov"), makeString("relay_events")), 0, NULL, true);

		if (OidIsValid(fn) && getExtensionOfObject(ProcedureRelationId, fn) == ext)
		{
#if PG_VERSION_NUM >= 160000
			AclResult	acl = object_aclcheck(ProcedureRelationId, fn, GetUserId(), ACL_EXECUTE);
#else
			AclResult	acl = pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE);
#endif

			if (acl != ACLCHECK_OK)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("procgov relay role \"%s\" may not run procgov.relay_events()",
								relay_role_name),
						 errdetail("procgov.relay_role names the role the notification relay connects as; "
								   "events emitted under procgov.notify = relay wait unannounced."),
						 errhint("GRANT procgov_relay TO %s; or set procgov.relay_role to a member of procgov_relay.",
								 quote_identifier(relay_role_name))));
			(void) OidFunctionCall0(fn);
		}
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
#if PG_VERSION_NUM < 150000
	/* before 15, a background worker wakes the listeners itself */
	ProcessCompletedNotifies();
#endif
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* A reload asked for by SIGHUP (procgov.relay_naptime is read again). */
static void
relay_reload_if_asked(void)
{
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/*
 * The pause before the next pass: procgov.relay_naptime, or until the latch
 * is set (a reload, a signal).  After a failed pass, RELAY_ERROR_PAUSE_MS,
 * and a set latch (a reload, or one still set from the worker's start) does
 * not cut it short, so the pass is not retried at once and a lasting
 * problem is logged once per pause; a reload is taken in between.  A
 * pending interrupt ends any pause: the loop handles it (terminate, cancel,
 * a barrier or another request a backend must answer).  No pause exceeds
 * its length, even if the clock steps back.
 */
static void
relay_pause(bool failed)
{
	long		ms = failed ? RELAY_ERROR_PAUSE_MS : relay_naptime;
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left = Min(ms, TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until));

		if (left <= 0 || InterruptPending)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		if (!failed)
			return;
		relay_reload_if_asked();
	}
}

void
procgov_relay_main(Datum main_arg)
{
	(void) main_arg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra,
										 relay_role != NULL && relay_role[0] != '\0' ? relay_role : NULL, 0);
	/* a pass reads what committed up to its statements, and writes */
	SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	/* the role's name is a catalog lookup, which needs a transaction */
	StartTransactionCommand();
	relay_role_name = MemoryContextStrdup(TopMemoryContext, GetUserNameFromId(GetUserId(), false));
	CommitTransactionCommand();
	ereport(LOG,
			(errmsg("procgov relay started in database \"%s\" as role \"%s\"", MyBgworkerEntry->bgw_extra,
					relay_role_name)));

	for (;;)
	{
		bool		failed = false;

		relay_reload_if_asked();

		/*
		 * A pass that fails (procgov being dropped meanwhile, its position
		 * deleted) is reported and undone; the next comes after a longer
		 * pause, so a lasting problem does not flood the log.
		 */
		PG_TRY();
		{
			/* a cancel (pg_cancel_backend()) is an error of this pass, not the end of the worker */
			CHECK_FOR_INTERRUPTS();
			relay_pass();
		}
		PG_CATCH();
		{
			HOLD_INTERRUPTS();
			EmitErrorReport();
			AbortOutOfAnyTransaction();
			FlushErrorState();
			RESUME_INTERRUPTS();
			pgstat_report_activity(STATE_IDLE, NULL);
			failed = true;
		}
		PG_END_TRY();
		relay_pause(failed);
	}
}
