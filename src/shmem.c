/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Creation of KpShared, and the watcher that wakes the broker workers
 *	  when an extension is created or dropped.
 *
 * Workers wait for CREATE EXTENSION kafkapg (and stop serving after DROP)
 * without polling: any backend that creates or drops an extension bumps
 * extension_generation at commit and sets every worker's latch, and the
 * workers then look at the catalog.  See shmem.h for locking.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "kafkapg/group/group.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/storage.h"

KpShared   *kp_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static object_access_hook_type prev_object_access_hook = NULL;
static bool extension_changed = false;

static void
kp_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(KpShared)));
	RequestAddinShmemSpace(kp_storage_shmem_size());
	RequestAddinShmemSpace(kp_groups_shmem_size());
	kp_storage_request_locks();
	kp_groups_request_locks();
}

static void
kp_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	kp_shared = ShmemInitStruct("kafkapg", sizeof(KpShared), &found);
	if (!found)
	{
		memset(kp_shared, 0, sizeof(KpShared));
		SpinLockInit(&kp_shared->mutex);
		pg_atomic_init_u32(&kp_shared->extension_generation, 0);
		pg_atomic_init_u32(&kp_shared->fault_api_key, 0);
		pg_atomic_init_u64(&kp_shared->flusher.flush_request, 0);
		pg_atomic_init_u64(&kp_shared->flusher.durable_lsn, 0);
		pg_atomic_init_u64(&kp_shared->flusher.flush_waiters, 0);
		pg_atomic_init_u64(&kp_shared->flusher.cycles, 0);
		pg_atomic_init_u64(&kp_shared->flusher.segment_syncs, 0);
		pg_atomic_init_u64(&kp_shared->flusher.sync_rep_waits, 0);
		pg_atomic_init_u64(&kp_shared->flusher.last_cycle_us, 0);
		pg_atomic_init_u32(&kp_shared->flusher.storage_failed, 0);
		for (int i = 0; i < KP_MAX_WORKERS; i++)
		{
			pg_atomic_init_u32(&kp_shared->workers[i].connections, 0);
			pg_atomic_init_u64(&kp_shared->workers[i].requests, 0);
			pg_atomic_init_u64(&kp_shared->workers[i].connections_closed_on_error, 0);
		}
	}
	kp_storage_shmem_init();
	kp_groups_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

void
kp_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = kp_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = kp_shmem_startup;
}

/* Sets the latch of every running broker worker. */
void
kp_shmem_wake_workers(void)
{
	if (kp_shared == NULL)
		return;
	SpinLockAcquire(&kp_shared->mutex);
	for (int i = 0; i < KP_MAX_WORKERS; i++)
	{
		if (kp_shared->workers[i].pid != 0 && kp_shared->workers[i].latch != NULL)
			SetLatch(kp_shared->workers[i].latch);
	}
	SpinLockRelease(&kp_shared->mutex);
}

/*
 * Sets the latches of the broker workers whose bits are set in mask (bit i
 * is worker i): the wakeup of parked fetches and of held acks=-1 output.
 */
void
kp_shmem_wake_worker_mask(uint64 mask)
{
	for (int i = 0; mask != 0 && i < KP_MAX_WORKERS; i++)
	{
		if (mask & (UINT64CONST(1) << i))
		{
			Latch	   *latch = kp_shared->workers[i].latch;

			if (latch != NULL)
				SetLatch(latch);
			mask &= ~(UINT64CONST(1) << i);
		}
	}
}

static void
kp_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				 int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (classId == ExtensionRelationId &&
		(access == OAT_POST_CREATE || access == OAT_POST_ALTER || access == OAT_DROP))
		extension_changed = true;
}

static void
kp_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (extension_changed && kp_shared != NULL)
			{
				pg_atomic_fetch_add_u32(&kp_shared->extension_generation, 1);
				kp_shmem_wake_workers();
			}
			extension_changed = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			extension_changed = false;
			break;
		default:
			break;
	}
}

/* Installs the hooks that report extension creation/drop to the workers. */
void
kp_extension_watch_install(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = kp_object_access;
	RegisterXactCallback(kp_xact_callback, NULL);
}
