/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Running catalog changes (topic creation and deletion) from a broker
 *	  worker: one short transaction per change, its failure contained.
 *
 * A failed change is rolled back and reported to the caller with its
 * SQLSTATE and message, so one topic of a CreateTopics request can fail
 * while the others succeed; the worker itself is unaffected.  The topic
 * registry changes in the transaction callbacks (catalog/topics.c), so a
 * committed change is visible to every worker when this returns.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/catalog/cluster.h"

/*
 * Runs fn(arg) in its own transaction and commits it, with the caller's
 * memory context current (what fn allocates outlives the transaction; the
 * caller resets that context).  Returns true on
 * success; on ERROR rolls back and returns false with *sqlerrcode and
 * *message (allocated in the caller's memory context).
 */
bool
kp_broker_run_ddl(KpDdlFn fn, void *arg, const char *activity, int *sqlerrcode,
				  char **message)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = true;

	kp_catalog_xact_begin(activity);
	/* fn's results outlive the transaction: allocate in the caller's context */
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		*sqlerrcode = edata->sqlerrcode;
		*message = pstrdup(edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(cxt);
	return ok;
}
