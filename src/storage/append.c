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
 * the new end offset under the partition's spinlock.  Readers see the batch
 * only once its WAL is durable (durable.c): the WAL flusher then moves the
 * high watermark and wakes parked fetches.  The partition is marked dirty
 * before its WAL record is made, so the flush that covers the record also
 * syncs the segment file (wal/flusher.c).
 *
 * Any process may append: broker workers (Produce) and, later, SQL
 * backends; they share nothing but shared memory and the files.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xlog.h"
#include "common/file_perm.h"
#include "storage/fd.h"
#include "utils/timestamp.h"

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
	/* pairs with the barrier of the fetch_or a parking fetch does first */
	pg_memory_barrier();
	if (pg_atomic_read_u64(&p->waiters) != 0)
		kp_shmem_wake_worker_mask(pg_atomic_exchange_u64(&p->waiters, 0));
}

#define KP_RESERVE_AHEAD (1024 * 1024)

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

/*
 * The time entry that seals the active segment when it is rolled away
 * from (its largest timestamp), carried by the new segment's WAL record.
 */
static void
plan_seal(KpPartition *p, KpXlSegment *xl)
{
	xl->sealed_base = p->segments > 0 ? p->active_base : -1;
	xl->seal_slot = -1;
	if (p->segments == 0 || p->active_max_timestamp <= p->active_last_time_ts)
		return;
	xl->seal_slot = p->active_time_entries;
	xl->seal.timestamp = p->active_max_timestamp;
	xl->seal.rel_offset = (int32) (p->log_end_offset - 1 - p->active_base);
}

/* Starts a new active segment at the log end; caller holds append_lock. */
static bool
roll(const KpTopicInfo *topic, int32 partition, KpPartition *p, KpPartCache *pc, int64 now)
{
	int64		base = p->log_end_offset;
	KpXlSegment xl;

	if (p->segments == 0 && !ensure_dirs(&topic->id, partition))
		return false;
	memset(&xl, 0, sizeof(xl));
	xl.seg.topic_id = topic->id;
	xl.seg.partition = partition;
	xl.seg.base = base;
	plan_seal(p, &xl);
	/* files first: out of space, nothing is logged and nothing changes */
	if (!create_segment_files(&topic->id, partition, base))
		return false;
	(void) kp_wal_log_segment(&xl);
	if (xl.seal_slot >= 0 && pc->nsegs > 0)
	{
		KpSegment  *seg = &pc->segs[pc->nsegs - 1];

		if (kp_segment_open(pc, seg, true))
			(void) kp_pwrite_full(seg->time_fd, &xl.seal, sizeof(KpTimeEntry),
								  (off_t) sizeof(KpTimeEntry) * xl.seal_slot);
	}
	SpinLockAcquire(&p->mutex);
	kp_partition_start_segment_locked(p, base, now);
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

/* Decides the index entries due for a batch at pos (before its WAL record). */
static void
plan_index_entries(KpPartition *p, int64 pos, const KpBatchHeader *h, int32 interval,
				   int64 seg_max_ts, KpXlIndexPlan *plan)
{
	memset(plan, 0, sizeof(KpXlIndexPlan));
	plan->index_slot = plan->time_slot = -1;
	if (!kp_index_due(p->active_index_entries, p->active_last_index_pos, pos, interval))
		return;
	plan->index_slot = p->active_index_entries;
	plan->index.rel_offset = (int32) (h->base_offset - p->active_base);
	plan->index.position = (int32) pos;
	if (seg_max_ts > p->active_last_time_ts)
	{
		plan->time_slot = p->active_time_entries;
		plan->time.timestamp = seg_max_ts;
		plan->time.rel_offset = (int32) (h->base_offset - p->active_base);
	}
}

/* Publishes the appended batch to readers. */
static void
publish(KpPartition *p, int64 pos, size_t len, const KpBatchHeader *h, int64 seg_max_ts,
		bool added_index, bool added_time, int64 now, uint64 lsn)
{
	int64		last = h->base_offset + h->last_offset_delta;

	SpinLockAcquire(&p->mutex);
	p->active_size = pos + (int64) len;
	p->size_bytes += (int64) len;
	p->log_end_offset = last + 1;
	kp_hwm_push(p, lsn, last + 1, p->active_base, p->active_size);
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

/*
 * Reserves disk blocks for [pos, pos + len) of the active segment before
 * the append's WAL record is made (fallocate, keeping the file size, a
 * megabyte ahead), so that running out of space refuses the produce with
 * KAFKA_STORAGE_ERROR instead of failing a write the WAL already promises;
 * appends resume by themselves when space returns.  Where the file system
 * cannot preallocate, the write itself is the check.
 */
static bool
reserve_space(KpPartition *p, int fd, int64 pos, size_t len, int64 segment_bytes)
{
	static bool unsupported = false;
	int64		need = pos + (int64) len;
	int64		upto;

	if (unsupported || need <= p->active_reserved)
		return true;
	upto = Max(need, Min(pos + KP_RESERVE_AHEAD, segment_bytes));
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, pos, upto - pos) == 0)
	{
		p->active_reserved = upto;
		return true;
	}
	if (errno == EOPNOTSUPP || errno == ENOSYS)
	{
		unsupported = true;
		return true;
	}
	return false;
}

static void
fail_storage(KpAppendResult *res, const char *what)
{
	static TimestampTz last_log = 0;
	TimestampTz now = GetCurrentTimestamp();

	/* a full disk fails every produce: say so every ten seconds */
	if (TimestampDifferenceExceeds(last_log, now, 10000))
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("kafkapg: could not %s: %m", what),
				 errhint("Produce requests get KAFKA_STORAGE_ERROR until this is fixed; they succeed again by themselves.")));
		last_log = now;
	}
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
	KpXlIndexPlan plan;

	kp_partition_mark_dirty(topic->first_slot + partition);
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
	if (!reserve_space(p, seg->log->fd, pos, len, topic->config.segment_bytes))
	{
		fail_storage(res, "reserve space in a segment file");
		return;
	}
	seg_max_ts = Max(p->active_max_timestamp, h->max_timestamp);
	plan_index_entries(p, pos, h, topic->config.index_interval_bytes, seg_max_ts, &plan);
	/* WAL first: redo can then always rewrite what the file may lack */
	res->lsn = kp_wal_log_append(&topic->id, partition, p->active_base, pos, batch, (int32) len,
								 &plan);
	/*
	 * The space is reserved, so this fails only on an I/O error.  The WAL
	 * record exists: as PostgreSQL does when it cannot write what its WAL
	 * promises, stop, and let crash recovery rewrite the bytes from the WAL
	 * (no offset is reused for other data).
	 */
	if (!kp_pwrite_full(seg->log->fd, batch, len, pos))
		ereport(PANIC,
				(errcode_for_file_access(),
				 errmsg("kafkapg could not write partition %d segment %lld at %lld: %m",
						partition, (long long) p->active_base, (long long) pos)));
	/* an index entry that fails to write is rebuilt at start: the append stands */
	(void) kp_index_plan_write(seg->index_fd, seg->time_fd, &plan);
	publish(p, pos, len, h, seg_max_ts, plan.index_slot >= 0, plan.time_slot >= 0, now,
			res->lsn);
	/*
	 * Once more, now that the append is queued for the high watermark: a
	 * flusher cycle that took the first mark before the queue entry existed
	 * would not carry the partition into the next cycle, and its high
	 * watermark would wait for the partition's next append.
	 */
	kp_partition_mark_dirty(topic->first_slot + partition);
	res->base_offset = h->base_offset;
	res->log_start_offset = p->log_start_offset;
}

/*
 * Appends one validated batch (len bytes, patched in place) to the
 * partition and fills res: the base offset assigned, the LogAppendTime
 * used (or -1), the log start offset and the LSN that must be durable
 * before consumers see it (kp_request_durable); or an error code.
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
	if (RecoveryInProgress())
	{
		res->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;	/* standby: redo writes */
		return;
	}
	LWLockAcquire(&p->append_lock, LW_EXCLUSIVE);
	if (!p->in_use || p->topic_slot != topic->slot || p->index != partition)
		res->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	else
		append_locked(topic, partition, p, batch, len, &h, res);
	LWLockRelease(&p->append_lock);
}
