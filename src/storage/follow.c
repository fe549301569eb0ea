/*-------------------------------------------------------------------------
 *
 * follow.c
 *	  A hot standby's partition state following WAL redo.
 *
 * On a standby the startup process writes the log (wal/rmgr.c) while the
 * broker workers serve Metadata and Fetch from the registry they loaded
 * from the replicated catalog.  For every replayed append or segment whose
 * topic the registry holds, redo takes the partition's append_lock (as an
 * appender would), writes the files and then moves the shared state here:
 * log end, active segment size and index counts, high watermark (replayed
 * WAL is durable: the primary flushed it before sending it, the standby
 * before replaying it), and wakes parked fetches.
 *
 * Every update is a maximum, so it is idempotent: a worker that loads a
 * topic scans the files itself, and a record replayed again after a
 * restart changes nothing.  During crash recovery on a primary the
 * registry is empty and nothing here runs.
 *
 * Lock order: the registry lock (shared, to find the slot) is released
 * before append_lock is taken; the slot is checked again under it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/record/batch.h"
#include "kafkapg/storage/storage.h"
#include "kafkapg/wal/wal.h"

/*
 * Returns the registered partition with its append_lock held, or NULL if
 * the registry does not hold it (then redo only writes the files).
 */
KpPartition *
kp_follow_begin(const KpUuid *topic_id, int32 partition)
{
	KpTopicInfo t;
	KpPartition *p;

	if (!kp_topic_lookup_id(topic_id, &t) || partition < 0 || partition >= t.partitions)
		return NULL;
	p = kp_partition_at(t.first_slot + partition);
	LWLockAcquire(&p->append_lock, LW_EXCLUSIVE);
	if (!p->in_use || p->index != partition ||
		memcmp(&p->topic_id, topic_id, sizeof(KpUuid)) != 0)
	{
		LWLockRelease(&p->append_lock);
		return NULL;
	}
	return p;
}

/* A segment starting at base exists now (mutex held). */
static void
follow_new_segment(KpPartition *p, int64 base)
{
	if (p->segments > 0 && base <= p->active_base)
		return;
	kp_partition_start_segment_locked(p, base, kp_now_ms());
	if (p->log_end_offset < base)
		p->log_end_offset = base;
}

void
kp_follow_segment(KpPartition *p, int64 base)
{
	SpinLockAcquire(&p->mutex);
	follow_new_segment(p, base);
	kp_hwm_set_all_durable_locked(p);
	SpinLockRelease(&p->mutex);
	LWLockRelease(&p->append_lock);
}

void
kp_follow_append(KpPartition *p, const KpXlAppend *xl, const uint8 *data)
{
	KpBatchHeader h;
	bool		have_header = kp_batch_read_header(data, xl->len, &h);
	int64		end = xl->position + xl->len;

	SpinLockAcquire(&p->mutex);
	follow_new_segment(p, xl->seg.base);
	if (xl->seg.base == p->active_base && have_header)
	{
		if (end > p->active_size)
		{
			p->size_bytes += end - p->active_size;
			p->active_size = end;
		}
		p->log_end_offset = Max(p->log_end_offset, h.base_offset + h.last_offset_delta + 1);
		if (xl->plan.index_slot >= p->active_index_entries)
		{
			p->active_index_entries = xl->plan.index_slot + 1;
			p->active_last_index_pos = xl->plan.index.position;
		}
		if (xl->plan.time_slot >= p->active_time_entries)
		{
			p->active_time_entries = xl->plan.time_slot + 1;
			p->active_last_time_ts = xl->plan.time.timestamp;
		}
		p->active_max_timestamp = Max(p->active_max_timestamp, h.max_timestamp);
		if (h.max_timestamp > p->max_timestamp)
		{
			p->max_timestamp = h.max_timestamp;
			p->max_timestamp_offset = h.base_offset + Max(h.max_timestamp_delta, 0);
		}
		p->last_append_at = GetCurrentTimestamp();
		kp_hwm_set_all_durable_locked(p);
	}
	SpinLockRelease(&p->mutex);
	LWLockRelease(&p->append_lock);
	kp_partition_wake(p);
}

/* A topic's files are being removed: stop serving it (standby). */
void
kp_follow_drop(const KpUuid *topic_id)
{
	(void) kp_registry_remove(topic_id, NULL);
}
