/*-------------------------------------------------------------------------
 *
 * read.c
 *	  Finding records in a partition's log: the file slice a fetch sends,
 *	  and the first offset at or after a timestamp.
 *
 * A read takes a snapshot of the partition's offsets under its spinlock
 * and never looks past the high watermark (or the last stable offset for
 * read_committed), so it needs no other lock: bytes below the high
 * watermark's position were fully written (and made durable) before they
 * were published, and sealed segments never change.  Files are found through this process's segment
 * cache (segment.c); a slice pins its file until the caller unpins it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/record/batch.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"

#define KP_SCAN_CHUNK 65536

/* Where a batch scan stopped */
typedef struct KpBatchPos
{
	int64		pos;			/* file position of the batch found */
	int64		size;			/* its total size */
	KpBatchHeader h;
} KpBatchPos;

/*
 * Walks batch headers from pos (a batch boundary) to end and stops at the
 * first batch whose last offset is >= offset.  Reads KP_SCAN_CHUNK bytes
 * at a time so that many small batches cost one system call.  Returns 1 if
 * found, 0 if the segment holds no such batch, -1 on an I/O error.
 */
static int
scan_batches(int fd, int64 pos, int64 end, int64 offset, KpBatchPos *out)
{
	uint8		buf[KP_SCAN_CHUNK];
	int64		buf_pos = -1;
	int64		buf_len = 0;

	while (pos + KP_BATCH_HEADER_SIZE <= end)
	{
		KpBatchHeader h;
		int64		total;

		if (buf_pos < 0 || pos < buf_pos || pos + KP_BATCH_HEADER_SIZE > buf_pos + buf_len)
		{
			buf_len = Min(end - pos, (int64) sizeof(buf));
			if (!kp_pread_full(fd, buf, buf_len, pos))
				return -1;
			buf_pos = pos;
		}
		if (!kp_batch_read_header(buf + (pos - buf_pos), KP_BATCH_HEADER_SIZE, &h))
			return -1;
		total = KP_BATCH_LOG_OVERHEAD + (int64) h.batch_length;
		if (total < KP_BATCH_HEADER_SIZE)
			return -1;
		if (h.base_offset + h.last_offset_delta >= offset)
		{
			out->pos = pos;
			out->size = total;
			out->h = h;
			return 1;
		}
		pos += total;
	}
	return 0;
}

/*
 * Shortens a slice cut by a byte limit so that it ends on a batch boundary
 * known from the offset index (entries are batch starts), so the client
 * does not receive, drop and fetch again a partial batch.  Kafka sends the
 * partial batch; both are valid answers.  Keeps len if no entry helps.
 */
static int64
whole_batches(const KpSegment *seg, int64 start, int64 len)
{
	int64		best = -1;
	int			lo = 0,
				hi = seg->nindex - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int64		pos = seg->index[mid].position;

		if (pos <= start + len)
		{
			best = pos;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return best > start ? best - start : len;
}

/*
 * End of readable bytes in a segment under the snapshot: readers stop at
 * the high watermark's position, bytes beyond it are not durable yet.
 */
static int64
written_end(const KpSegment *seg, const KpPartitionSnap *snap)
{
	return seg->base == snap->active_base ? snap->active_size : seg->size;
}

static int64
segment_end(const KpSegment *seg, const KpPartitionSnap *snap)
{
	return seg->base == snap->read_base ? snap->read_size : written_end(seg, snap);
}

static bool
prepare_segment(KpPartCache *pc, KpSegment *seg, const KpPartitionSnap *snap)
{
	bool		active = seg->base == snap->active_base;

	if (!kp_segment_open(pc, seg, false))
		return false;
	kp_segment_load_indexes(pc, seg, active, snap->active_index_entries,
							snap->active_time_entries);
	return true;
}

/*
 * Finds the batch holding offset (or the first batch after it, across
 * segments).  Returns 1 and sets seg_out and bp, 0 if there is none below
 * the snapshot's end, -1 on an I/O error.
 */
static int
locate(KpPartCache *pc, const KpPartitionSnap *snap, int64 offset,
	   KpSegment **seg_out, KpBatchPos *bp)
{
	int			i = Max(kp_segment_find(pc, offset), 0);

	for (; i < pc->nsegs; i++)
	{
		KpSegment  *seg = &pc->segs[i];
		int64		start;
		int			rc;

		if (seg->base > snap->read_base)
			break;				/* beyond the high watermark */
		if (!prepare_segment(pc, seg, snap))
			return -1;
		start = offset > seg->base ? kp_segment_index_lookup(seg, offset) : 0;
		rc = scan_batches(seg->log->fd, start, segment_end(seg, snap), offset, bp);
		if (rc != 0)
		{
			*seg_out = seg;
			return rc;
		}
	}
	return 0;
}

/*
 * Fills slice with up to max_bytes of the log starting at the batch that
 * holds offset.  With min_one, a first batch larger than max_bytes is
 * returned whole (KIP-74).  The slice may end inside a batch, as Kafka's
 * does.  snap receives the partition's offsets for the response.
 */
KpReadStatus
kp_log_read(const KpTopicInfo *topic, int32 partition, int64 offset, int64 max_bytes,
			bool read_committed, bool min_one, KpPartitionSnap *snap, KpFileSlice *slice)
{
	int32		slot = topic->first_slot + partition;
	int64		upper;
	KpPartCache *pc;
	KpSegment  *seg = NULL;
	KpBatchPos	bp;
	int			rc;
	int64		len;

	memset(slice, 0, sizeof(KpFileSlice));
	kp_partition_snapshot(slot, snap);
	upper = read_committed ? snap->last_stable_offset : snap->high_watermark;
	if (offset < snap->log_start_offset || offset > snap->log_end_offset)
		return KP_READ_OUT_OF_RANGE;
	if (offset >= upper || max_bytes <= 0)
		return KP_READ_OK;
	pc = kp_segments_get(slot, &topic->id, partition, snap->seg_generation);
	rc = locate(pc, snap, offset, &seg, &bp);
	if (rc < 0)
		return KP_READ_IO_ERROR;
	if (rc == 0 || bp.h.base_offset >= upper)
		return KP_READ_OK;
	len = Min(max_bytes, segment_end(seg, snap) - bp.pos);
	if (len < bp.size)
		len = min_one ? bp.size : 0;
	else if (len < segment_end(seg, snap) - bp.pos)
		len = whole_batches(seg, bp.pos, len);
	if (len <= 0)
		return KP_READ_OK;
	slice->file = seg->log;
	slice->fd = seg->log->fd;
	slice->offset = bp.pos;
	slice->len = len;
	seg->log->pins++;
	return KP_READ_OK;
}

/* Largest timestamp known for a segment, or PG_INT64_MAX if unknown. */
static int64
segment_max_ts(const KpSegment *seg, const KpPartitionSnap *snap, int64 active_max)
{
	if (seg->base == snap->active_base)
		return active_max;
	return seg->ntimes > 0 ? seg->times[seg->ntimes - 1].timestamp : PG_INT64_MAX;
}

/* Where to start scanning a segment for timestamp target (time index). */
static int64
time_start_pos(const KpSegment *seg, int64 target)
{
	int32		rel = -1;

	for (int i = seg->ntimes - 1; i >= 0; i--)
	{
		if (seg->times[i].timestamp < target)
		{
			rel = seg->times[i].rel_offset;
			break;
		}
	}
	return rel < 0 ? 0 : kp_segment_index_lookup(seg, seg->base + rel);
}

/* First record in the batch at bp with timestamp >= target, or -1. */
static int64
search_batch(int fd, const KpBatchPos *bp, int64 target, int64 upper, int64 *found_ts)
{
	uint8	   *buf = palloc(bp->size);
	KpRecordIter it;
	KpRecord	rec;
	const char *why;
	int64		result = -1;

	if (!kp_pread_full(fd, buf, bp->size, bp->pos) ||
		!kp_record_iter_init(&it, buf, bp->size, kp_palloc_allocator(),
							 (size_t) MaxAllocHugeSize, &why))
	{
		pfree(buf);
		return -1;
	}
	while (kp_record_iter_next(&it, &rec, &why) == 1 && rec.offset < upper)
	{
		if (rec.timestamp >= target)
		{
			result = rec.offset;
			*found_ts = rec.timestamp;
			break;
		}
	}
	pfree(buf);
	return result;
}

/* Scans one segment from the time index hint; offset found or -1. */
static int64
search_segment(KpSegment *seg, const KpPartitionSnap *snap, int64 target, int64 upper,
			   int64 *found_ts)
{
	int64		pos = time_start_pos(seg, target);
	int64		end = segment_end(seg, snap);
	KpBatchPos	bp;

	while (scan_batches(seg->log->fd, pos, end, 0, &bp) == 1 && bp.h.base_offset < upper)
	{
		if (bp.h.max_timestamp >= target)
		{
			int64		off = search_batch(seg->log->fd, &bp, target, upper, found_ts);

			if (off >= 0)
				return off;
		}
		pos = bp.pos + bp.size;
	}
	return -1;
}

/*
 * The earliest offset whose record timestamp is >= timestamp (ListOffsets
 * by time), below the high watermark; -1 if there is none.
 */
int64
kp_log_offset_for_time(const KpTopicInfo *topic, int32 partition, int64 timestamp,
					   int64 *found_ts)
{
	int32		slot = topic->first_slot + partition;
	KpPartition *p = kp_partition_at(slot);
	KpPartitionSnap snap;
	KpPartCache *pc;
	int64		active_max;

	kp_partition_snapshot(slot, &snap);
	SpinLockAcquire(&p->mutex);
	active_max = p->active_max_timestamp;
	SpinLockRelease(&p->mutex);
	pc = kp_segments_get(slot, &topic->id, partition, snap.seg_generation);
	for (int i = 0; i < pc->nsegs; i++)
	{
		KpSegment  *seg = &pc->segs[i];
		int64		off;

		if (seg->base > snap.read_base || seg->base >= snap.high_watermark)
			break;
		if (!prepare_segment(pc, seg, &snap))
			return -1;
		if (segment_max_ts(seg, &snap, active_max) < timestamp)
			continue;
		off = search_segment(seg, &snap, timestamp, snap.high_watermark, found_ts);
		if (off >= 0)
			return off;
	}
	return -1;
}

/* Copies a slice into buf (slice->len bytes) and unpins its file. */
bool
kp_pread_file(KpFileSlice *slice, void *buf)
{
	bool		ok = kp_pread_full(slice->fd, buf, slice->len, slice->offset);

	kp_file_unpin(slice->file);
	slice->file = NULL;
	return ok;
}

/* The header of the batch at pos, or false (end of segment, I/O error). */
static bool
header_at(const KpSegment *seg, int64 pos, int64 end, KpBatchHeader *h)
{
	uint8		buf[KP_BATCH_HEADER_SIZE];

	if (pos + KP_BATCH_HEADER_SIZE > end ||
		!kp_pread_full(seg->log->fd, buf, sizeof(buf), pos))
		return false;
	return kp_batch_read_header(buf, sizeof(buf), h);
}

/*
 * In segment seg, the first batch whose leader epoch is above epoch: its
 * base offset, or -1 if none.  *floor gets the epoch of the last batch at
 * or below it.  The index narrows the scan: epochs never decrease along
 * the log.
 */
static int64
first_above_in_segment(const KpSegment *seg, int64 end, int32 epoch, int32 *floor)
{
	int			lo = 0,
				hi = seg->nindex - 1;
	int64		pos = 0;
	KpBatchHeader h;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (header_at(seg, seg->index[mid].position, end, &h) &&
			h.partition_leader_epoch <= epoch)
		{
			pos = seg->index[mid].position;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	while (header_at(seg, pos, end, &h))
	{
		if (h.partition_leader_epoch > epoch)
			return h.base_offset;
		*floor = h.partition_leader_epoch;
		pos += KP_BATCH_LOG_OVERHEAD + (int64) h.batch_length;
	}
	return -1;
}

/*
 * OffsetForLeaderEpoch for one partition, as Kafka's leader answers it:
 * for the current epoch, the log end offset; for an older epoch, the start
 * offset of the first later epoch (the end of the requested one) and the
 * largest epoch at or below the requested one; for an epoch newer than
 * the current one, -1/-1.  Returns false on an I/O error.
 */
bool
kp_log_epoch_end(const KpTopicInfo *topic, int32 partition, int32 epoch,
				 int32 *epoch_out, int64 *end_out)
{
	int32		slot = topic->first_slot + partition;
	KpPartitionSnap snap;
	KpPartCache *pc;
	int32		floor = -1;
	int64		found = -1;

	kp_partition_snapshot(slot, &snap);
	*epoch_out = -1;
	*end_out = -1;
	if (epoch > snap.leader_epoch || epoch < 0)
		return true;
	if (epoch == snap.leader_epoch)
	{
		*epoch_out = epoch;
		*end_out = snap.log_end_offset;
		return true;
	}
	pc = kp_segments_get(slot, &topic->id, partition, snap.seg_generation);
	for (int i = 0; i < pc->nsegs && found < 0; i++)
	{
		KpSegment  *seg = &pc->segs[i];
		KpSegment  *next = i + 1 < pc->nsegs ? &pc->segs[i + 1] : NULL;
		KpBatchHeader h;

		if (seg->base > snap.active_base)
			break;
		if (!prepare_segment(pc, seg, &snap))
			return false;
		/* skip a segment when the next one still starts at or below epoch */
		if (next != NULL && next->base <= snap.active_base)
		{
			if (!prepare_segment(pc, next, &snap))
				return false;
			if (header_at(next, 0, written_end(next, &snap), &h) &&
				h.partition_leader_epoch <= epoch)
				continue;
		}
		found = first_above_in_segment(seg, written_end(seg, &snap), epoch, &floor);
	}
	*end_out = found >= 0 ? found : snap.log_end_offset;
	*epoch_out = floor >= 0 ? floor : epoch;
	return true;
}
