/*-------------------------------------------------------------------------
 *
 * flusher.c
 *	  The kafkapg WAL flusher: group commit for the partition log.
 *
 * One background process (primary only) makes appends durable in cycles:
 *
 *	1. take the waiting workers, then the requested LSN (flush_request);
 *	2. take the set of partitions appended to since the last cycle and
 *	   fdatasync their segment files (with the directories of new ones);
 *	3. XLogFlush() up to the requested LSN;
 *	4. when synchronous_standby_names is set, wait until the synchronous
 *	   standbys confirm it (PostgreSQL's own SyncRepWaitForLSN);
 *	5. publish durable_lsn, move the high watermarks of those partitions
 *	   (storage/durable.c), wake fetches parked on them and the workers
 *	   holding acks=-1 responses.
 *
 * Everything appended while a cycle runs goes into the next one, so one
 * flush serves all requests of a cycle, and broker workers never wait for
 * the disk in their event loop.
 *
 * Syncing the segments before the WAL flush is what keeps WAL recycling
 * safe: every append at or below durable_lsn has its segment bytes on disk,
 * so a checkpoint may recycle the WAL that carried it.  Bytes not yet
 * durable may still be lost by an operating system crash; they were never
 * acknowledged to an acks=-1 producer nor shown to a consumer.
 *
 * Ordering: an append marks its partition dirty before it makes its WAL
 * record (append.c), and the flusher reads the requested LSN before it
 * takes the dirty set, so every record at or below the LSN it flushes has
 * its partition in the set.  Taking the partition's append_lock (shared)
 * waits for an append in progress to finish writing before the fsync.
 *
 * A failed fdatasync is reported at data_sync_elevel(ERROR), PANIC by
 * default as for PostgreSQL's own files: crash recovery then rewrites the
 * segment bytes from the WAL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "replication/syncrep.h"
#include "replication/walsender.h"
#include "replication/walsender_private.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/ps_status.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"
#include "kafkapg/wal/wal.h"

#define KP_FLUSHER_IDLE_MS 1000

/* What a cycle learned about one dirty partition */
typedef struct KpDirty
{
	int32		slot;
	bool		in_use;
	KpUuid		topic_id;
	int32		index;
	uint32		seg_generation;
	int64		active_base;
	int64		active_size;
	int64		synced_base;
	int64		synced_size;
} KpDirty;

static int32 *dirty_slots = NULL;

static void
clear_flusher(int code, Datum arg)
{
	SpinLockAcquire(&kp_shared->mutex);
	kp_shared->flusher.pid = 0;
	kp_shared->flusher.latch = NULL;
	SpinLockRelease(&kp_shared->mutex);
}

static void
claim_flusher(void)
{
	SpinLockAcquire(&kp_shared->mutex);
	kp_shared->flusher.pid = MyProcPid;
	kp_shared->flusher.latch = MyLatch;
	SpinLockRelease(&kp_shared->mutex);
	on_shmem_exit(clear_flusher, (Datum) 0);
}

/* Copies what the sync needs, after any append in progress has finished. */
static void
look(KpDirty *d)
{
	KpPartition *p = kp_partition_at(d->slot);

	LWLockAcquire(&p->append_lock, LW_SHARED);
	SpinLockAcquire(&p->mutex);
	d->in_use = p->in_use;
	d->topic_id = p->topic_id;
	d->index = p->index;
	d->seg_generation = p->seg_generation;
	d->active_base = p->active_base;
	d->active_size = p->active_size;
	d->synced_base = p->synced_base;
	d->synced_size = p->synced_size;
	SpinLockRelease(&p->mutex);
	LWLockRelease(&p->append_lock);
}

/* fdatasyncs one file of a segment; false if it does not exist (deleted). */
static bool
sync_file(const KpDirty *d, int64 base, const char *suffix)
{
	char		path[MAXPGPATH];
	int			fd;

	kp_segment_file_name(&d->topic_id, d->index, base, suffix, path, sizeof(path));
	fd = open(path, O_RDONLY | PG_BINARY | O_CLOEXEC);
	if (fd < 0)
	{
		if (errno != ENOENT)
			ereport(data_sync_elevel(ERROR),
					(errcode_for_file_access(),
					 errmsg("kafkapg could not open \"%s\" to fsync it: %m", path)));
		return false;
	}
	if (pg_fdatasync(fd) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("kafkapg could not fsync \"%s\": %m", path)));
	close(fd);
	pg_atomic_fetch_add_u64(&kp_shared->flusher.segment_syncs, 1);
	return true;
}

/* New segment files: make their directory entries durable too. */
static void
sync_dirs(const KpDirty *d)
{
	char		dir[MAXPGPATH];

	kp_partition_dir(&d->topic_id, d->index, dir, sizeof(dir));
	fsync_fname(dir, true);
	if (d->synced_base < 0)
	{
		kp_topic_dir(&d->topic_id, dir, sizeof(dir));
		fsync_fname(dir, true);
		fsync_fname(kp_data_directory, true);
	}
}

/*
 * fdatasyncs what the partition wrote since its last sync: the active
 * segment's log, and when segments were rolled meanwhile, every segment
 * since (with their indexes, final once sealed) and the directory.  Files
 * are opened for the sync and closed again, so the flusher holds no file
 * descriptors however many partitions there are.
 */
static void
sync_partition(KpDirty *d)
{
	look(d);
	if (!d->in_use || d->active_size == 0 ||
		(d->active_base == d->synced_base && d->active_size == d->synced_size))
		return;
	if (d->synced_base < d->active_base)
	{
		int64	   *bases;
		int			n = kp_segment_list_bases(&d->topic_id, d->index, &bases);

		for (int i = 0; i < n; i++)
		{
			if (bases[i] < d->synced_base || bases[i] >= d->active_base)
				continue;
			if (sync_file(d, bases[i], "log"))
			{
				(void) sync_file(d, bases[i], "index");
				(void) sync_file(d, bases[i], "timeindex");
			}
		}
		pfree(bases);
	}
	if (sync_file(d, d->active_base, "log") && d->synced_base < d->active_base)
		sync_dirs(d);
}

static void
note_synced(const KpDirty *d)
{
	KpPartition *p = kp_partition_at(d->slot);

	SpinLockAcquire(&p->mutex);
	if (p->in_use && p->seg_generation == d->seg_generation)
	{
		p->synced_base = d->active_base;
		p->synced_size = d->active_size;
	}
	SpinLockRelease(&p->mutex);
}

/* Moves the high watermark and wakes parked fetches; requeues the rest. */
static void
advance(int32 slot, uint64 durable)
{
	KpPartition *p = kp_partition_at(slot);
	bool		more;

	SpinLockAcquire(&p->mutex);
	kp_hwm_advance_locked(p, durable);
	more = p->in_use && p->npending > 0;
	SpinLockRelease(&p->mutex);
	if (more)
		kp_partition_mark_dirty(slot);	/* appended after our LSN: next cycle */
	kp_partition_wake(p);
}

/* Are acks=-1 appends waiting for synchronous standbys (as commits do)? */
bool
kp_sync_rep_wanted(void)
{
	return SyncRepRequested() &&
		(((volatile WalSndCtlData *) WalSndCtl)->sync_standbys_status & SYNC_STANDBY_DEFINED) != 0;
}

static void
publish(uint64 lsn)
{
	uint64		cur = pg_atomic_read_u64(&kp_shared->flusher.durable_lsn);

	while (cur < lsn &&
		   !pg_atomic_compare_exchange_u64(&kp_shared->flusher.durable_lsn, &cur, lsn))
		;
}

/* One group commit: see the file header. */
static void
cycle(uint64 want)
{
	KpFlusherShared *f = &kp_shared->flusher;
	TimestampTz start = GetCurrentTimestamp();
	int			n = kp_partition_take_dirty(dirty_slots);

	for (int i = 0; i < n; i++)
	{
		KpDirty		d = {.slot = dirty_slots[i]};

		sync_partition(&d);
		if (d.in_use)
			note_synced(&d);
	}
	XLogFlush((XLogRecPtr) want);
	if (kp_sync_rep_wanted())
	{
		pg_atomic_fetch_add_u64(&f->sync_rep_waits, 1);
		SyncRepWaitForLSN((XLogRecPtr) want, false);
		/* it returns early on SIGTERM, without the confirmation */
		CHECK_FOR_INTERRUPTS();
	}
	publish(want);
	for (int i = 0; i < n; i++)
		advance(dirty_slots[i], want);
	pg_atomic_fetch_add_u64(&f->cycles, 1);
	pg_atomic_write_u64(&f->last_cycle_us,
						(uint64) Max(GetCurrentTimestamp() - start, 0));
}

void
kp_flusher_main(Datum arg)
{
	KpFlusherShared *f = &kp_shared->flusher;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	claim_flusher();
	dirty_slots = MemoryContextAlloc(TopMemoryContext, sizeof(int32) * kp_max_partitions);
	for (;;)
	{
		uint64		waiters,
					want;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		waiters = pg_atomic_exchange_u64(&f->flush_waiters, 0);
		want = pg_atomic_read_u64(&f->flush_request);
		if (want > pg_atomic_read_u64(&f->durable_lsn))
		{
			cycle(want);
			kp_shmem_wake_worker_mask(waiters | pg_atomic_exchange_u64(&f->flush_waiters, 0));
			continue;
		}
		kp_shmem_wake_worker_mask(waiters);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 KP_FLUSHER_IDLE_MS, PG_WAIT_EXTENSION);
	}
}
