/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Life cycle of a broker worker.
 *
 * A worker connects to kafkapg.database, then alternates between two
 * states:
 *
 *	 WAITING  -- the extension does not exist; sleep on the latch (woken by
 *				 any CREATE/DROP EXTENSION commit, see shmem.c, or every 5 s
 *				 for changes that arrive by WAL replay), logging once.
 *	 SERVING  -- listen with SO_REUSEPORT and run the event loop until the
 *				 extension is dropped; then close everything and wait again.
 *
 * SIGHUP reloads the configuration; SIGTERM ends the process (the
 * postmaster restarts a worker that died, after 1 s).  The worker's slot in
 * shared memory is set at start and cleared at exit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/resource.h>

#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/broker/worker.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/group/group.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/net/server.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"

#define KP_EXTENSION_POLL_MS 5000

static int	worker_index = -1;
int			kp_my_worker_index = -1;
static uint32 seen_generation = 0;

static void
clear_slot(int code, Datum arg)
{
	KpWorkerSlot *slot = &kp_shared->workers[worker_index];

	SpinLockAcquire(&kp_shared->mutex);
	slot->pid = 0;
	slot->latch = NULL;
	slot->listening = false;
	SpinLockRelease(&kp_shared->mutex);
	pg_atomic_write_u32(&slot->connections, 0);
}

static void
claim_slot(void)
{
	KpWorkerSlot *slot = &kp_shared->workers[worker_index];

	SpinLockAcquire(&kp_shared->mutex);
	slot->pid = MyProcPid;
	slot->latch = MyLatch;
	slot->started_at = GetCurrentTimestamp();
	slot->listening = false;
	SpinLockRelease(&kp_shared->mutex);
	pg_atomic_write_u32(&slot->connections, 0);
	on_shmem_exit(clear_slot, (Datum) 0);
}

static void
set_listening(bool on)
{
	SpinLockAcquire(&kp_shared->mutex);
	kp_shared->workers[worker_index].listening = on;
	SpinLockRelease(&kp_shared->mutex);
}

/* Many Kafka clients each hold a socket: allow as many as the hard limit. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = rl.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Returns once the extension exists (cluster id loaded). */
static void
wait_for_extension(void)
{
	bool		logged = false;

	for (;;)
	{
		uint32		gen = pg_atomic_read_u32(&kp_shared->extension_generation);

		if (kp_catalog_extension_ready())
		{
			seen_generation = gen;
			return;
		}
		if (!logged)
		{
			ereport(LOG,
					(errmsg("kafkapg broker %d: waiting for CREATE EXTENSION kafkapg in database \"%s\"",
							worker_index + 1, kp_database)));
			logged = true;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 KP_EXTENSION_POLL_MS, PG_WAIT_EXTENSION);
		kp_server_handle_wakeup();
	}
}

/*
 * Group commit: one request to the WAL flusher for every acks=-1 append of
 * a loop pass; held responses go out when it has made them durable (it
 * sets our latch).  The event loop never waits for the disk.
 */
static uint64
request_durable(uint64 upto)
{
	return kp_request_durable(upto, true);
}

/* keep_serving callback: re-checks the catalog only after extension DDL. */
static bool
extension_still_there(void)
{
	uint32		gen = pg_atomic_read_u32(&kp_shared->extension_generation);

	if (gen == seen_generation)
		return true;
	seen_generation = gen;
	return kp_catalog_extension_ready();
}

/*
 * Once a second: close idle segment files; follow the primary if a
 * standby; fire the consumer groups' timers and store changed groups.
 */
static void
tick(void)
{
	kp_segments_sweep();
	kp_catalog_standby_tick();
	kp_groups_tick();
}

static void
ensure_data_directory(void)
{
	if (MakePGDirectory(kp_data_directory) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create kafkapg data directory \"%s\": %m",
						kp_data_directory)));
}

static void
serve(KpServer *srv)
{
	ensure_data_directory();
	kp_listeners_open(&srv->listeners, kp_listen_addresses, kp_port);
	set_listening(true);
	ereport(LOG,
			(errmsg("kafkapg broker %d listening on \"%s\" port %d, advertised as %s:%d, cluster id %s",
					worker_index + 1, kp_listen_addresses, kp_port,
					kp_guc_advertised_host(), kp_guc_advertised_port(), kp_cluster_id)));
	if (worker_index == 0)
		kp_catalog_register_leader();
	kp_catalog_standby_tick();	/* a standby learns the leader at once */
	kp_server_run(srv);
	set_listening(false);
	ereport(LOG,
			(errmsg("kafkapg broker %d: extension dropped, stopped listening",
					worker_index + 1)));
}

void
kp_worker_main(Datum arg)
{
	MemoryContext worker_cxt;
	KpServer	srv;

	worker_index = DatumGetInt32(arg);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(kp_database, NULL, 0);
	pgstat_report_appname("kafkapg broker");

	claim_slot();
	kp_my_worker_index = worker_index;
	raise_fd_limit();
	worker_cxt = AllocSetContextCreate(TopMemoryContext, "kafkapg worker",
									   ALLOCSET_DEFAULT_SIZES);
	kp_dispatch_init(worker_cxt);
	kp_server_init(&srv, worker_cxt, &kp_shared->workers[worker_index],
				   kp_dispatch_frame, extension_still_there);
	srv.on_retry = kp_dispatch_retry;
	srv.parked_until = kp_dispatch_parked_until;
	srv.on_tick = tick;
	srv.release_holds = request_durable;
	for (;;)
	{
		wait_for_extension();
		serve(&srv);
	}
}
