/*-------------------------------------------------------------------------
 *
 * index.h
 *	  Building a segment's sparse offset and time indexes (index.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_STORAGE_INDEX_H
#define KAFKAPG_STORAGE_INDEX_H

#include "kafkapg/record/batch.h"
#include "kafkapg/storage/segment.h"

typedef struct KpIndexBuilder
{
	int64		base;			/* segment base offset */
	int32		interval;		/* index.interval.bytes */
	int64		last_pos;		/* position of the last offset entry */
	int64		last_time_ts;	/* timestamp of the last time entry */
	int32		last_rel;		/* relative base offset of the last batch */
	int64		max_ts;			/* largest timestamp so far */
	int64		max_ts_offset;	/* last offset of the batch holding it */
	int64		next_offset;	/* offset after the last batch */
	KpIndexEntry *index;
	int32		nindex;
	int32		index_cap;
	KpTimeEntry *times;
	int32		ntimes;
	int32		times_cap;
} KpIndexBuilder;

extern bool kp_index_due(int32 entries, int64 last_pos, int64 pos, int32 interval);
extern void kp_index_builder_init(KpIndexBuilder *b, int64 base, int32 interval);
extern void kp_index_builder_add(KpIndexBuilder *b, int64 pos, const KpBatchHeader *h);
extern void kp_index_builder_seal(KpIndexBuilder *b);
extern bool kp_index_builder_write(KpIndexBuilder *b, int index_fd, int time_fd);
extern void kp_index_builder_free(KpIndexBuilder *b);
extern int64 kp_index_scan_segment(int fd, int64 size, KpIndexBuilder *b);

#endif							/* KAFKAPG_STORAGE_INDEX_H */
