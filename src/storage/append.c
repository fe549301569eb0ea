/*-------------------------------------------------------------------------
 *
 * append.c
 *	  Appending one validated record batch to a partition's log.
 *
 * The caller has validated the batch (record/batch.c) and checked the topic
 * limits.  Under the partition's append_lock (exclusive) this file rolls the
 * segment if due, assigns the base offset and leader epoch in place
 * (outside the CRC), stamps LogAppendTime when the topic asks for it
 * (recomputing the CRC as Kafka does), writes the batch at the end of the
 * active segment, adds the index entries that are due, and then publishes
 * the new end offset under the partition's spinlock so readers never see a
 * partly written batch.  Parked fetches on the partition are woken last.
 *
 * Any process may append: broker workers (Produce) and, later, SQL
 * backends; they share nothing but shared memory and the files.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xlog.h"
#include "common/file_perm.h"
#include "storage/fd.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/record/batch.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/index.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"
#include "kafkapg/wal/wal.h"

/* Sets the latch of every broker worker with a parked fetch on p. */
void
kp_partition_wake(KpPartition *p)
{
	uint64		mask;

	/* pairs with the barrier of the fetch_or a parking fetch does first */
	pg_memory_barrier();
	if (pg_atomic_read_u64(&p->waiters) == 0)
		return;
	mask = pg_atomic_exchange_u64(&p->waiters, 0);
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

static bool
ensure_dirs(const KpUuid *id, int32 partition)
{
	char		dir[MAXPGPATH];

	if (MakePGDirectory(kp_data_directory) < 0 && errno != EEXIST)
		return false;
	kp_topic_dir(id, dir, sizeof(dir));
	if (MakePGDirectory(dir) < 0 && errno != EEXIST)
		return false;
	kp_partition_dir(id, partition, dir, sizeof(dir));
	return MakePGDirectory(dir) == 0 || errno == EEXIST;
}

/* Creates empty files for a segment at base; false (errno) on failure. */
static bool
create_segment_files(const KpUuid *id, int32 partition, int64 base)
{
	static const char *const suffixes[] = {"index", "timeindex", "log"};

	for (int i = 0; i < lengthof(suffixes); i++)
	{
		char		path[MAXPGPATH];
		int			fd;

		kp_segment_file_name(id, partition, base, suffixes[i], path, sizeof(path));
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY | O_CLOEXEC,
				  pg_file_create_mode);
		if (fd < 0)
			return false;
		close(fd);
	}
	return true;
}

/* Appends the sealing time entry of the segment being rolled away from. */
static void
seal_active(KpPartCache *pc, KpPartition *p)
{
	KpSegment  *seg = pc->nsegs > 0 ? &pc->segs[pc->nsegs - 1] : NULL;
	KpTimeEntry e = {0};

	if (seg == NULL || p->active_max_timestamp <= p->active_last_time_ts ||
		!kp_segment_open(pc, seg, true))
		return;
	e.timestamp = p->active_max_timestamp;
	e.rel_offset = (int32) (p->log_end_offset - 1 - p->active_base);
	(void) kp_pwrite_full(seg->time_fd, &e, sizeof(e),
						  (off_t) sizeof(e) * p->active_time_entries);
}

/* Starts a new active segment at the log end; caller holds append_lock. */
static bool
roll(const KpTopicInfo *topic, int32 partition, KpPartition *p, KpPartCache *pc, int64 now)
{
	int64		base = p->log_end_offset;

	if (p->segments == 0 && !ensure_dirs(&topic->id, partition))
		return false;
	if (p->segments > 0)
		seal_active(pc, p);
	(void) kp_wal_log_segment(&topic->id, partition, base);
	if (!create_segment_files(&topic->id, partition, base))
		return false;
	SpinLockAcquire(&p->mutex);
	p->active_base = base;
	p->active_size = 0;
	p->active_created_ms = now;
	p->active_max_timestamp = -1;
	p->active_index_entries = 0;
	p->active_time_entries = 0;
	p->active_last_index_pos = -1;
	p->active_last_time_ts = -1;
	if (p->segments == 0)
		p->log_start_offset = base;
	p->segments++;
	p->seg_generation++;
	SpinLockRelease(&p->mutex);
	return true;
}

static bool
roll_due(const KpTopicConfig *c, KpPartition *p, size_t len, int64 now)
{
	if (p->segments == 0)
		return true;
	if (p->active_size == 0)
		return false;
	return p->active_size + (int64) len > c->segment_bytes ||
		now - p->active_created_ms >= c->segment_ms;
}

/* Writes the index entries due for a batch at pos; returns counts added. */
static void
add_index_entries(KpSegment *seg, KpPartition *p, int64 pos, const KpBatchHeader *h,
				  int32 interval, int64 seg_max_ts, bool *added_index, bool *added_time)
{
	*added_index = *added_time = false;
	if (!kp_index_due(p->active_index_entries, p->active_last_index_pos, pos, interval))
		return;
	{
		KpIndexEntry ie = {(int32) (h->base_offset - p->active_base), (int32) pos};

		*added_index = kp_pwrite_full(seg->index_fd, &ie, sizeof(ie),
									  (off_t) sizeof(ie) * p->active_index_entries);
	}
	if (*added_index && seg_max_ts > p->active_last_time_ts)
	{
		KpTimeEntry te = {seg_max_ts, (int32) (h->base_offset - p->active_base), 0};

		*added_time = kp_pwrite_full(seg->time_fd, &te, sizeof(te),
									 (off_t) sizeof(te) * p->active_time_entries);
	}
}

/* Publishes the appended batch to readers. */
static void
publish(KpPartition *p, int64 pos, size_t len, const KpBatchHeader *h, int64 seg_max_ts,
		bool added_index, bool added_time, int64 now)
{
	int64		last = h->base_offset + h->last_offset_delta;

	SpinLockAcquire(&p->mutex);
	p->active_size = pos + (int64) len;
	p->size_bytes += (int64) len;
	p->log_end_offset = last + 1;
	p->high_watermark = last + 1;
	p->last_stable_offset = last + 1;
	p->last_append_at = kp_ms_to_timestamptz(now);
	p->active_max_timestamp = seg_max_ts;
	if (added_index)
	{
		p->active_index_entries++;
		p->active_last_index_pos = pos;
	}
	if (added_time)
	{
		p->active_time_entries++;
		p->active_last_time_ts = seg_max_ts;
	}
	if (h->max_timestamp > p->max_timestamp)
	{
		p->max_timestamp = h->max_timestamp;
		p->max_timestamp_offset = h->max_timestamp_delta >= 0 && !(h->attributes & KP_ATTR_LOG_APPEND_TIME)
			? h->base_offset + h->max_timestamp_delta : h->base_offset;
	}
	SpinLockRelease(&p->mutex);
}

static void
fail_storage(KpAppendResult *res, const char *what)
{
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("kafkapg: could not %s: %m", what)));
	res->error_code = KP_ERR_KAFKA_STORAGE_ERROR;
	res->error_message = "the broker could not write the partition log";
}

/* The body of kp_log_append, with append_lock held. */
static void
append_locked(const KpTopicInfo *topic, int32 partition, KpPartition *p, uint8 *batch,
			  size_t len, KpBatchHeader *h, KpAppendResult *res)
{
	int64		now = kp_now_ms();
	KpPartCache *pc;
	KpSegment  *seg;
	int64		pos,
				seg_max_ts;
	bool		added_index,
				added_time;

	pc = kp_segments_get(topic->first_slot + partition, &topic->id, partition, p->seg_generation);
	if (roll_due(&topic->config, p, len, now))
	{
		if (!roll(topic, partition, p, pc, now))
		{
			fail_storage(res, "create a segment file");
			return;
		}
		pc = kp_segments_get(topic->first_slot + partition, &topic->id, partition,
							 p->seg_generation);
	}
	seg = pc->nsegs > 0 ? &pc->segs[pc->nsegs - 1] : NULL;
	if (seg == NULL || seg->base != p->active_base || !kp_segment_open(pc, seg, true))
	{
		fail_storage(res, "open the active segment");
		return;
	}

	h->base_offset = p->log_end_offset;
	h->partition_leader_epoch = p->leader_epoch;
	kp_batch_set_base_offset(batch, h->base_offset);
	kp_batch_set_leader_epoch(batch, h->partition_leader_epoch);
	if (topic->config.log_append_time)
	{
		kp_batch_set_log_append_time(batch, len, now);
		h->max_timestamp = now;
		h->attributes |= KP_ATTR_LOG_APPEND_TIME;
		res->log_append_time = now;
	}
	pos = p->active_size;
	/* WAL first: redo can then always rewrite what the file may lack */
	res->lsn = kp_wal_log_append(&topic->id, partition, p->active_base, pos, batch, (int32) len);
	/* have the WAL writer flush it soon even if nobody waits for it */
	XLogSetAsyncXactLSN(res->lsn);
	if (!kp_pwrite_full(seg->log->fd, batch, len, pos))
	{
		int			save = errno;

		if (ftruncate(seg->log->fd, pos) != 0)	/* drop a partial write */
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("kafkapg: could not truncate a partial write: %m")));
		errno = save;
		fail_storage(res, "write to a segment file");
		return;
	}
	seg_max_ts = Max(p->active_max_timestamp, h->max_timestamp);
	add_index_entries(seg, p, pos, h, topic->config.index_interval_bytes, seg_max_ts,
					  &added_index, &added_time);
	publish(p, pos, len, h, seg_max_ts, added_index, added_time, now);
	res->base_offset = h->base_offset;
	res->log_start_offset = p->log_start_offset;
}

/*
 * Appends one validated batch (len bytes, patched in place) to the
 * partition and fills res: the base offset assigned, the LogAppendTime
 * used (or -1) and the log start offset; or an error code.
 */
void
kp_log_append(const KpTopicInfo *topic, int32 partition, uint8 *batch, size_t len,
			  const KpBatchHeader *hdr, KpAppendResult *res)
{
	KpPartition *p = kp_partition_at(topic->first_slot + partition);
	KpBatchHeader h = *hdr;

	memset(res, 0, sizeof(KpAppendResult));
	res->base_offset = -1;
	res->log_append_time = -1;
	res->log_start_offset = -1;
	LWLockAcquire(&p->append_lock, LW_EXCLUSIVE);
	if (!p->in_use || p->topic_slot != topic->slot || p->index != partition)
		res->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	else
		append_locked(topic, partition, p, batch, len, &h, res);
	LWLockRelease(&p->append_lock);
	if (res->error_code == KP_ERR_NONE)
		kp_partition_wake(p);
}
