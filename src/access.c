/*-------------------------------------------------------------------------
 * src/access.c
 *		Who may see and act on which entity: the rule behind row-level
 *		security and the API's entity checks (docs/security.md), decided
 *		once per statement (per transaction under REPEATABLE READ).
 *
 * The names whose grants in procgov.entity_grant apply are the calling role
 * (procgov_calling_role_id(): outside every SECURITY DEFINER function; in a
 * security-restricted operation, the table owner whose code runs), each role
 * whose privileges it has (pg_has_role(..., 'USAGE')), and the person
 * procgov.actor names when the calling role is a member of procgov_service
 * -- never a name that is a role's, so naming procgov_auditor borrows
 * nothing.  procgov_admin members (superusers among them) and grantees of a
 * grant without entity see every entity.
 *
 * One API call asks several times (lock_document, set_state,
 * idempotent_begin, check_entity ...), so the answer is kept for one
 * statement (under READ COMMITTED, as the SQL it replaces saw grants
 * committed by others from the next statement on) or for the transaction
 * (REPEATABLE READ and SERIALIZABLE, whose snapshot would not show them
 * anyway), and for one calling role and actor.  Changes in this backend
 * forget it at once: procgov.entity_grant's statement trigger
 * (procgov.entity_grant_changed(), enabled ALWAYS so that replica-mode
 * sessions count too), a subtransaction that rolls back, and role
 * memberships or roles changing (syscache callbacks).  An answer being
 * computed when one of those arrives is not kept.  The grants are read
 * with a plain heap scan: no SQL runs, so neither row-level security nor
 * anyone's search_path takes part.
 *-------------------------------------------------------------------------
 */
#include "procgov.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_authid.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#if PG_VERSION_NUM >= 170000
#define CURRENT_LXID (MyProc->vxid.lxid)
#else
#define CURRENT_LXID (MyProc->lxid)
#endif

typedef struct Access
{
	bool		valid;
	LocalTransactionId lxid;
	TimestampTz statement;		/* under READ COMMITTED: the statement it holds for */
	Oid			caller;
	char	   *actor;			/* procgov.actor as it was, "" for none */
	bool		service;		/* the caller has procgov_service's privileges */
	bool		sees_all;
	List	   *entities;		/* char *: the entities granted */
} Access;

static Access acc;
static MemoryContext access_cxt = NULL;
static uint64 access_generation = 0;	/* bumped by everything that forgets the answer */

static void
access_forget(void)
{
	acc.valid = false;
	access_generation++;
}

static void
access_roles_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	access_forget();
}

static void
access_subxact(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		access_forget();
}

static TimestampTz
access_statement(void)
{
	return IsolationUsesXactSnapshot() ? 0 : GetCurrentStatementStartTimestamp();
}

static const char *
actor_setting(void)
{
	return procgov_actor ? procgov_actor : "";
}

static const Access *
current_access(void)
{
	Oid			caller = procgov_calling_role_id();
	const char *actor = actor_setting();
	Oid			relid,
				admin;
	const char *person = NULL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	AttrNumber	grantee_att,
				entity_att;
	bool		pushed = false;
	TimestampTz statement = access_statement();
	uint64		generation;

	if (acc.valid && acc.lxid == CURRENT_LXID && acc.statement == statement && acc.caller == caller &&
		strcmp(acc.actor, actor) == 0)
		return &acc;

	if (access_cxt == NULL)
	{
		access_cxt = AllocSetContextCreate(TopMemoryContext, "procgov entity access", ALLOCSET_SMALL_SIZES);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, access_roles_changed, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, access_roles_changed, (Datum) 0);
		RegisterSubXactCallback(access_subxact, NULL);
	}
	acc.valid = false;
	generation = access_generation;
	MemoryContextReset(access_cxt);
	acc.entities = NIL;

	relid = procgov_relid("entity_grant");
	admin = get_role_oid("procgov_admin", true);

	acc.sees_all = OidIsValid(admin) && has_privs_of_role(caller, admin);
	acc.service = procgov_may_name_people(caller);
	if (actor[0] != '\0' && acc.service && !OidIsValid(get_role_oid(actor, true)))
		person = actor;

	rel = table_open(relid, AccessShareLock);
	grantee_att = get_attnum(relid, "grantee");
	entity_att = get_attnum(relid, "entity_id");
	if (grantee_att == InvalidAttrNumber || entity_att == InvalidAttrNumber)
		elog(ERROR, "procgov.entity_grant lacks its columns");
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		gnull,
					enull;
		Datum		g = heap_getattr(tup, grantee_att, RelationGetDescr(rel), &gnull);
		Datum		e = heap_getattr(tup, entity_att, RelationGetDescr(rel), &enull);
		char	   *grantee;
		Oid			role;
		bool		applies;

		if (gnull)
			continue;
		grantee = TextDatumGetCString(g);
		role = get_role_oid(grantee, true);
		applies = OidIsValid(role) ? has_privs_of_role(caller, role)
			: (person != NULL && strcmp(grantee, person) == 0);
		pfree(grantee);
		if (!applies)
			continue;
		if (enull)
			acc.sees_all = true;
		else
		{
			MemoryContext old = MemoryContextSwitchTo(access_cxt);

			acc.entities = lappend(acc.entities, TextDatumGetCString(e));
			MemoryContextSwitchTo(old);
		}
	}
	table_endscan(scan);
	if (pushed)
		PopActiveSnapshot();
	table_close(rel, AccessShareLock);

	acc.actor = MemoryContextStrdup(access_cxt, actor);
	acc.caller = caller;
	acc.lxid = CURRENT_LXID;
	acc.statement = statement;
	/* kept only when nothing forgot it while it was being computed */
	acc.valid = (generation == access_generation);
	return &acc;
}

static bool
entity_granted(const Access *a, const char *entity)
{
	ListCell   *lc;

	foreach(lc, a->entities)
	{
		if (strcmp((const char *) lfirst(lc), entity) == 0)
			return true;
	}
	return false;
}

/*
 * The check every API function makes before it reads or changes an
 * entity's documents: an error (42501) unless the caller may act on it.
 */
void
procgov_check_entity_access(const char *entity)
{
	const Access *a = current_access();
	const char *who;

	if (a->sees_all || (entity != NULL && entity_granted(a, entity)))
		return;
	who = GetUserNameFromId(procgov_calling_role_id(), false);
	if (a->actor[0] != '\0' && a->service)
		who = psprintf("%s (through %s)", a->actor, who);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for entity %s", entity ? entity : "NULL"),
			 errdetail("%s holds no grant of entity %s.", who, entity ? entity : "NULL"),
			 errhint("procgov_admin grants entities in procgov.entity_grant.")));
}

/* procgov.entity_grant_changed(): statement trigger on procgov.entity_grant. */
PG_FUNCTION_INFO_V1(entity_grant_changed);
Datum
entity_grant_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("procgov.entity_grant_changed() must be called as a trigger")));
	access_forget();
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(check_entity_access);
Datum
check_entity_access(PG_FUNCTION_ARGS)
{
	procgov_check_entity_access(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/* procgov.sees_all_entities(): true when the current query may see every entity. */
PG_FUNCTION_INFO_V1(sees_all_entities);
Datum
sees_all_entities(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_BOOL(current_access()->sees_all);
}

/* as array_agg(DISTINCT entity_id) sorts: the database's collation */
static int
entity_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *) a;
	const char *y = *(const char *const *) b;

	return varstr_cmp(x, strlen(x), y, strlen(y), DEFAULT_COLLATION_OID);
}

/* procgov.visible_entities(): the entities granted to the current query, sorted, without repeats. */
PG_FUNCTION_INFO_V1(visible_entities);
Datum
visible_entities(PG_FUNCTION_ARGS)
{
	const Access *a = current_access();
	int			n = list_length(a->entities);
	Datum	   *elems = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	char	  **names = palloc(sizeof(char *) * (n > 0 ? n : 1));
	int			k = 0;
	ListCell   *lc;

	(void) fcinfo;
	foreach(lc, a->entities)
		names[k++] = (char *) lfirst(lc);
	qsort(names, n, sizeof(char *), entity_cmp);
	k = 0;
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		elems[k++] = CStringGetTextDatum(names[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, k, TEXTOID, -1, false, TYPALIGN_INT));
}
