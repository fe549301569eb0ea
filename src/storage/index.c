/*-------------------------------------------------------------------------
 *
 * index.c
 *	  The sparse offset and time indexes of a segment: when an entry is
 *	  due, and scanning a segment's batches to rebuild them.
 *
 * Offset index entry: (base offset of a batch - segment base, file
 * position of that batch), added for the first batch of a segment and then
 * whenever more than index.interval.bytes were appended since the last
 * entry.  Time index entry: (largest record timestamp in the segment up to
 * and including that batch, its relative base offset), added with an
 * offset entry when the timestamp grew, and once more when the segment is
 * sealed, so a sealed segment's last time entry holds its max timestamp.
 * Every record before an entry's batch has a timestamp <= the entry's.
 *
 * Callers hold the partition's append_lock (appends, rolls) or the
 * registry lock exclusively (recovery at load).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "kafkapg/record/batch.h"
#include "kafkapg/storage/index.h"
#include "kafkapg/storage/segment.h"

bool
kp_index_due(int32 entries, int64 last_pos, int64 pos, int32 interval)
{
	return entries == 0 || pos - last_pos > interval;
}

void
kp_index_builder_init(KpIndexBuilder *b, int64 base, int32 interval)
{
	memset(b, 0, sizeof(KpIndexBuilder));
	b->base = base;
	b->interval = interval;
	b->last_pos = -1;
	b->last_time_ts = -1;
	b->max_ts = -1;
	b->max_ts_offset = -1;
	b->next_offset = base;
}

static void
push_index(KpIndexBuilder *b, int32 rel, int32 pos)
{
	if (b->nindex == b->index_cap)
	{
		b->index_cap = Max(64, b->index_cap * 2);
		b->index = b->index ? repalloc(b->index, sizeof(KpIndexEntry) * b->index_cap)
			: palloc(sizeof(KpIndexEntry) * b->index_cap);
	}
	b->index[b->nindex].rel_offset = rel;
	b->index[b->nindex].position = pos;
	b->nindex++;
}

static void
push_time(KpIndexBuilder *b, int64 ts, int32 rel)
{
	if (b->ntimes == b->times_cap)
	{
		b->times_cap = Max(64, b->times_cap * 2);
		b->times = b->times ? repalloc(b->times, sizeof(KpTimeEntry) * b->times_cap)
			: palloc(sizeof(KpTimeEntry) * b->times_cap);
	}
	b->times[b->ntimes].timestamp = ts;
	b->times[b->ntimes].rel_offset = rel;
	b->times[b->ntimes].unused = 0;
	b->ntimes++;
	b->last_time_ts = ts;
}

/* Accounts for one batch at pos, adding the entries that are due. */
void
kp_index_builder_add(KpIndexBuilder *b, int64 pos, const KpBatchHeader *h)
{
	int32		rel = (int32) (h->base_offset - b->base);
	int64		batch_max = h->max_timestamp;

	if (batch_max > b->max_ts)
	{
		b->max_ts = batch_max;
		b->max_ts_offset = h->base_offset + h->last_offset_delta;
	}
	if (kp_index_due(b->nindex, b->last_pos, pos, b->interval))
	{
		push_index(b, rel, (int32) pos);
		b->last_pos = pos;
		if (b->max_ts > b->last_time_ts)
			push_time(b, b->max_ts, rel);
	}
	b->last_rel = rel;
	b->next_offset = h->base_offset + h->last_offset_delta + 1;
}

/* For a segment being sealed: the final time entry with its max timestamp. */
void
kp_index_builder_seal(KpIndexBuilder *b)
{
	if (b->max_ts > b->last_time_ts)
		push_time(b, b->max_ts, b->last_rel);
}

/* Rewrites both index files from the builder; false (errno) on failure. */
bool
kp_index_builder_write(KpIndexBuilder *b, int index_fd, int time_fd)
{
	if (ftruncate(index_fd, 0) != 0 || ftruncate(time_fd, 0) != 0)
		return false;
	if (b->nindex > 0 &&
		!kp_pwrite_full(index_fd, b->index, sizeof(KpIndexEntry) * b->nindex, 0))
		return false;
	if (b->ntimes > 0 &&
		!kp_pwrite_full(time_fd, b->times, sizeof(KpTimeEntry) * b->ntimes, 0))
		return false;
	return true;
}

/* Checks the batch at buf (total bytes) as recovery must: framing and CRC. */
static bool
batch_intact(const uint8 *buf, int64 total, KpBatchHeader *h)
{
	if (total < KP_BATCH_HEADER_SIZE || !kp_batch_read_header(buf, total, h))
		return false;
	if (h->magic != 2 || h->last_offset_delta < 0)
		return false;
	return kp_crc32c(buf + 21, total - 21) == h->crc;
}

/*
 * Scans a segment from position 0, feeding every intact batch to b, and
 * returns the position after the last intact batch (where a torn tail, if
 * any, begins).  Batches must follow each other's offsets.
 */
int64
kp_index_scan_segment(int fd, int64 size, KpIndexBuilder *b)
{
	int64		pos = 0;
	size_t		cap = 65536;
	uint8	   *buf = palloc(cap);

	while (pos + KP_BATCH_LOG_OVERHEAD <= size)
	{
		KpBatchHeader h;
		uint8		head[KP_BATCH_LOG_OVERHEAD];
		int64		total;

		if (!kp_pread_full(fd, head, sizeof(head), pos))
			break;
		total = kp_batch_total_size(head, sizeof(head));
		if (total < KP_BATCH_HEADER_SIZE || pos + total > size)
			break;
		if ((size_t) total > cap)
			buf = repalloc_huge(buf, cap = (size_t) total);
		if (!kp_pread_full(fd, buf, total, pos) || !batch_intact(buf, total, &h) ||
			h.base_offset < b->next_offset)
			break;
		kp_index_builder_add(b, pos, &h);
		pos += total;
	}
	pfree(buf);
	return pos;
}

void
kp_index_builder_free(KpIndexBuilder *b)
{
	if (b->index)
		pfree(b->index);
	if (b->times)
		pfree(b->times);
}
