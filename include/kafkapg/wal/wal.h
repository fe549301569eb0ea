/*-------------------------------------------------------------------------
 *
 * wal.h
 *	  kafkapg's WAL resource manager: the partition log carried by
 *	  PostgreSQL's WAL, so redo (crash recovery, standbys) writes the same
 *	  bytes at the same place of the same segment file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_WAL_WAL_H
#define KAFKAPG_WAL_WAL_H

#include "access/xlogdefs.h"
#include "fmgr.h"

#include "kafkapg/protocol/codec.h"
#include "kafkapg/storage/segment.h"

/*
 * Custom resource manager id (PostgreSQL 15 custom ids are 128-255; 128 is
 * reserved for experiments).  Changing it makes existing WAL unreadable.
 */
#define KP_RMGR_ID			171
#define KP_RMGR_NAME		"kafkapg"

/* xl_info values (high four bits) */
#define XLOG_KP_APPEND_V1	0x00	/* 0.2.0: batch bytes only (redo kept) */
#define XLOG_KP_SEGMENT_V1	0x10	/* 0.2.0: a new segment (redo kept) */
#define XLOG_KP_APPEND		0x20	/* batch bytes and the index entries due */
#define XLOG_KP_SEGMENT		0x30	/* a new segment, sealing the previous */
#define XLOG_KP_DROP		0x40	/* a deleted topic's files removed */

typedef struct KpXlSegmentRef
{
	KpUuid		topic_id;
	int32		partition;
	int64		base;			/* segment base offset */
} KpXlSegmentRef;

/* XLOG_KP_APPEND_V1: followed by len bytes of record batches */
typedef struct KpXlAppendV1
{
	KpXlSegmentRef seg;
	int64		position;		/* file position of the first byte */
	int32		len;
} KpXlAppendV1;

/*
 * The index entries an append adds (the primary decides; redo writes the
 * same entries, so a standby's index files equal the primary's).
 */
typedef struct KpXlIndexPlan
{
	int32		index_slot;		/* entry number in .index, -1 if none */
	KpIndexEntry index;
	int32		time_slot;		/* entry number in .timeindex, -1 if none */
	KpTimeEntry time;
} KpXlIndexPlan;

/* XLOG_KP_APPEND: followed by len bytes of one record batch */
typedef struct KpXlAppend
{
	KpXlSegmentRef seg;
	int64		position;		/* file position of the first byte */
	int32		len;
	KpXlIndexPlan plan;
} KpXlAppend;

/* XLOG_KP_SEGMENT: segment seg.base created; the previous one sealed */
typedef struct KpXlSegment
{
	KpXlSegmentRef seg;
	int64		sealed_base;	/* -1 if this is the partition's first */
	int32		seal_slot;		/* time entry sealing it, -1 if none */
	KpTimeEntry seal;
} KpXlSegment;

/* XLOG_KP_DROP: a topic's files are gone (logged after its deletion commits) */
typedef struct KpXlDrop
{
	KpUuid		topic_id;
} KpXlDrop;

extern void kp_wal_register(void);
extern PGDLLEXPORT void kp_flusher_main(Datum arg);
extern bool kp_sync_rep_wanted(void);
extern XLogRecPtr kp_wal_log_append(const KpUuid *topic_id, int32 partition, int64 base,
									int64 position, const uint8 *data, int32 len,
									const KpXlIndexPlan *plan);
extern XLogRecPtr kp_wal_log_segment(const KpXlSegment *xl);
extern void kp_wal_log_drop(const KpUuid *topic_id);
extern bool kp_index_plan_write(int index_fd, int time_fd, const KpXlIndexPlan *plan);

#endif							/* KAFKAPG_WAL_WAL_H */
