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

#include "kafkapg/protocol/codec.h"

/*
 * Custom resource manager id (PostgreSQL 15 custom ids are 128-255; 128 is
 * reserved for experiments).  Changing it makes existing WAL unreadable.
 */
#define KP_RMGR_ID			171
#define KP_RMGR_NAME		"kafkapg"

/* xl_info values (high four bits) */
#define XLOG_KP_APPEND		0x00	/* batch bytes written into a segment */
#define XLOG_KP_SEGMENT		0x10	/* a new (empty) segment created */

typedef struct KpXlSegmentRef
{
	KpUuid		topic_id;
	int32		partition;
	int64		base;			/* segment base offset */
} KpXlSegmentRef;

/* XLOG_KP_APPEND: followed by len bytes of record batches */
typedef struct KpXlAppend
{
	KpXlSegmentRef seg;
	int64		position;		/* file position of the first byte */
	int32		len;
} KpXlAppend;

extern void kp_wal_register(void);
extern XLogRecPtr kp_wal_log_append(const KpUuid *topic_id, int32 partition, int64 base,
									int64 position, const uint8 *data, int32 len);
extern XLogRecPtr kp_wal_log_segment(const KpUuid *topic_id, int32 partition, int64 base);

#endif							/* KAFKAPG_WAL_WAL_H */
