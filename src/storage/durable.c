/*-------------------------------------------------------------------------
 *
 * durable.c
 *	  The high watermark: what consumers may read is what is durable.
 *
 * An append publishes its bytes (log end offset, active size) at once, but
 * consumers see them only when the WAL covering them is durable: flushed
 * by the WAL flusher (wal/flusher.c) after it synced the segment files
 * and, when synchronous_standby_names is set, confirmed by the synchronous
 * standbys.  Each partition keeps a short queue of appends not yet known
 * durable (KpHwmPending, oldest first); whoever looks at the partition
 * under its spinlock moves the high watermark over the entries at or below
 * the published durable LSN.  Appends to one partition are serialised by
 * its append_lock and their LSNs increase, so the queue is in LSN order.
 * When the queue is full the newest entry absorbs the new append: the high
 * watermark then waits for the later LSN, never runs ahead of the WAL.
 *
 * Locking: the caller of the _locked functions holds the partition mutex.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/latch.h"

#include "kafkapg/broker/worker.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/storage.h"

/* The LSN up to which every append is durable. */
uint64
kp_durable_lsn(void)
{
	return pg_atomic_read_u64(&kp_shared->flusher.durable_lsn);
}

/*
 * Asks the WAL flusher to make everything up to lsn durable and, if wait,
 * to set this broker worker's latch when it has; returns the durable LSN
 * now.  The waiter bit is set before the request so that the flusher,
 * which takes the bits before it reads the request, cannot miss us.
 */
uint64
kp_request_durable(uint64 lsn, bool wait)
{
	KpFlusherShared *f = &kp_shared->flusher;
	uint64		cur;
	Latch	   *latch;

	if (pg_atomic_read_u64(&f->durable_lsn) >= lsn)
		return pg_atomic_read_u64(&f->durable_lsn);
	if (wait && kp_my_worker_index >= 0)
		pg_atomic_fetch_or_u64(&f->flush_waiters, UINT64CONST(1) << kp_my_worker_index);
	cur = pg_atomic_read_u64(&f->flush_request);
	while (cur < lsn && !pg_atomic_compare_exchange_u64(&f->flush_request, &cur, lsn))
		;
	latch = f->latch;
	if (latch != NULL)
		SetLatch(latch);
	return pg_atomic_read_u64(&f->durable_lsn);
}

/* Queues an append (caller holds the mutex). */
void
kp_hwm_push(KpPartition *p, uint64 lsn, int64 end_offset, int64 base, int64 size)
{
	KpHwmPending *e;

	if (p->npending == KP_HWM_PENDING)
		e = &p->pending[KP_HWM_PENDING - 1];
	else
		e = &p->pending[p->npending++];
	e->lsn = lsn;
	e->end_offset = end_offset;
	e->base = base;
	e->size = size;
}

/* Moves the high watermark over the queued appends durable at 'durable'. */
void
kp_hwm_advance_locked(KpPartition *p, uint64 durable)
{
	int			n = 0;

	while (n < p->npending && p->pending[n].lsn <= durable)
	{
		const KpHwmPending *e = &p->pending[n];

		p->high_watermark = e->end_offset;
		p->last_stable_offset = e->end_offset;
		p->hwm_base = e->base;
		p->hwm_size = e->size;
		n++;
	}
	if (n == 0)
		return;
	p->npending -= n;
	memmove(&p->pending[0], &p->pending[n], sizeof(KpHwmPending) * p->npending);
}

/* Declares the whole log durable (after recovery, or on a standby). */
void
kp_hwm_set_all_durable_locked(KpPartition *p)
{
	p->npending = 0;
	p->high_watermark = p->log_end_offset;
	p->last_stable_offset = p->log_end_offset;
	p->hwm_base = p->active_base;
	p->hwm_size = p->active_size;
}
