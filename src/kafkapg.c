/*-------------------------------------------------------------------------
 *
 * kafkapg.c
 *	  Library entry point: refuses to load outside shared_preload_libraries,
 *	  defines the GUCs, reserves shared memory and registers the broker
 *	  workers.
 *
 * _PG_init runs once, in the postmaster; every other process inherits
 * what it set up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"

#include "kafkapg/broker/worker.h"
#include "kafkapg/catalog/topics.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/shmem.h"
#include "kafkapg/wal/wal.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void
register_workers(void)
{
	for (int i = 0; i < kp_workers; i++)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
			BGWORKER_BACKEND_DATABASE_CONNECTION;
		/* hot standbys serve Metadata and Fetch too */
		worker.bgw_start_time = BgWorkerStart_ConsistentState;
		worker.bgw_restart_time = 1;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "kafkapg");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "kp_worker_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "kafkapg broker %d", i + 1);
		snprintf(worker.bgw_type, BGW_MAXLEN, "kafkapg broker");
		worker.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&worker);
	}
}

/* The WAL flusher (wal/flusher.c): primary only, no database connection. */
static void
register_flusher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "kafkapg");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "kp_flusher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "kafkapg wal flusher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "kafkapg wal flusher");
	RegisterBackgroundWorker(&worker);
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kafkapg must be loaded via shared_preload_libraries"),
				 errhint("Add kafkapg to shared_preload_libraries in postgresql.conf and restart the server.")));

	kp_guc_define();
	kp_wal_register();
	kp_shmem_install_hooks();
	kp_extension_watch_install();
	kp_topics_install_callbacks();
	register_flusher();
	register_workers();
}
