/*-------------------------------------------------------------------------
 *
 * rmgr.c
 *	  The kafkapg WAL resource manager (custom rmgr id 171): logging
 *	  segment creation and appends, and their redo.
 *
 * An append is logged with its batch bytes and the index entries it adds
 * before they are written to the segment; redo writes the same bytes at the
 * same position of the same files, which is idempotent, so replaying a
 * record whose bytes already reached the file changes nothing.  Segment
 * creation (with the time entry sealing the previous segment) and the
 * removal of a deleted topic's files are logged too, so a standby's and a
 * recovered server's directories follow the primary's byte for byte.
 *
 * Redo runs in the startup process.  During crash recovery no broker
 * worker has loaded the registry and redo touches files only; on a hot
 * standby the workers serve reads meanwhile, and redo also moves the
 * partition's shared state (storage/follow.c) under its append_lock, so
 * Fetch sees each replayed batch.  The 0.2.0 record formats (_V1) are
 * still replayed.  Registered from _PG_init (shared_preload_libraries),
 * as PostgreSQL requires.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xloginsert.h"
#include "access/xlogreader.h"
#include "common/file_perm.h"
#include "storage/fd.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"
#include "kafkapg/wal/wal.h"

XLogRecPtr
kp_wal_log_append(const KpUuid *topic_id, int32 partition, int64 base, int64 position,
				  const uint8 *data, int32 len, const KpXlIndexPlan *plan)
{
	KpXlAppend	xl;

	memset(&xl, 0, sizeof(xl));
	xl.seg.topic_id = *topic_id;
	xl.seg.partition = partition;
	xl.seg.base = base;
	xl.position = position;
	xl.len = len;
	xl.plan = *plan;
	XLogBeginInsert();
	XLogRegisterData((char *) &xl, sizeof(xl));
	XLogRegisterData((char *) data, len);
	return XLogInsert(KP_RMGR_ID, XLOG_KP_APPEND);
}

XLogRecPtr
kp_wal_log_segment(const KpXlSegment *xl)
{
	XLogBeginInsert();
	XLogRegisterData((char *) xl, sizeof(KpXlSegment));
	return XLogInsert(KP_RMGR_ID, XLOG_KP_SEGMENT);
}

void
kp_wal_log_drop(const KpUuid *topic_id)
{
	KpXlDrop	xl;

	xl.topic_id = *topic_id;
	XLogBeginInsert();
	XLogRegisterData((char *) &xl, sizeof(xl));
	(void) XLogInsert(KP_RMGR_ID, XLOG_KP_DROP);
}

/* Writes an append's index entries; false (errno) if a write failed. */
bool
kp_index_plan_write(int index_fd, int time_fd, const KpXlIndexPlan *plan)
{
	bool		ok = true;

	if (plan->index_slot >= 0)
		ok = index_fd >= 0 &&
			kp_pwrite_full(index_fd, &plan->index, sizeof(KpIndexEntry),
						   (off_t) sizeof(KpIndexEntry) * plan->index_slot);
	if (ok && plan->time_slot >= 0)
		ok = time_fd >= 0 &&
			kp_pwrite_full(time_fd, &plan->time, sizeof(KpTimeEntry),
						   (off_t) sizeof(KpTimeEntry) * plan->time_slot);
	return ok;
}

/* Creates the data, topic and partition directories if missing. */
static void
redo_dirs(const KpXlSegmentRef *seg)
{
	char		dir[MAXPGPATH];

	if (MakePGDirectory(kp_data_directory) < 0 && errno != EEXIST)
		goto fail;
	kp_topic_dir(&seg->topic_id, dir, sizeof(dir));
	if (MakePGDirectory(dir) < 0 && errno != EEXIST)
		goto fail;
	kp_partition_dir(&seg->topic_id, seg->partition, dir, sizeof(dir));
	if (MakePGDirectory(dir) < 0 && errno != EEXIST)
		goto fail;
	return;
fail:
	ereport(PANIC,
			(errcode_for_file_access(),
			 errmsg("kafkapg redo could not create directory for partition %d: %m",
					seg->partition)));
}

static void
redo_write_failed(const KpXlSegmentRef *seg)
{
	ereport(PANIC,
			(errcode_for_file_access(),
			 errmsg("kafkapg redo could not write partition %d segment %lld: %m",
					seg->partition, (long long) seg->base)));
}

static int
redo_open(const KpXlSegmentRef *seg, const char *suffix, int flags)
{
	char		path[MAXPGPATH];
	int			fd;

	kp_segment_file_name(&seg->topic_id, seg->partition, seg->base, suffix, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | PG_BINARY | O_CLOEXEC | flags, pg_file_create_mode);
	if (fd < 0)
		ereport(PANIC,
				(errcode_for_file_access(),
				 errmsg("kafkapg redo could not open \"%s\": %m", path)));
	return fd;
}

/*
 * Segment creation.  An existing file is kept as it is (not truncated): on
 * a hot standby a broker worker may be reading it while an older record is
 * replayed again after a restart, and the appends that follow rewrite
 * their bytes anyway.
 */
static void
redo_segment(const KpXlSegment *xl)
{
	KpPartition *p;

	redo_dirs(&xl->seg);
	p = kp_follow_begin(&xl->seg.topic_id, xl->seg.partition);
	if (xl->seal_slot >= 0)
	{
		KpXlSegmentRef old = xl->seg;
		int			fd;

		old.base = xl->sealed_base;
		fd = redo_open(&old, "timeindex", 0);
		if (!kp_pwrite_full(fd, &xl->seal, sizeof(KpTimeEntry),
							(off_t) sizeof(KpTimeEntry) * xl->seal_slot))
			redo_write_failed(&old);
		close(fd);
	}
	close(redo_open(&xl->seg, "index", 0));
	close(redo_open(&xl->seg, "timeindex", 0));
	close(redo_open(&xl->seg, "log", 0));
	if (p != NULL)
		kp_follow_segment(p, xl->seg.base);
}

static void
redo_segment_v1(const KpXlSegmentRef *seg)
{
	KpXlSegment xl;

	memset(&xl, 0, sizeof(xl));
	xl.seg = *seg;
	xl.sealed_base = -1;
	xl.seal_slot = -1;
	redo_segment(&xl);
}

static void
redo_append(const KpXlAppend *xl, const uint8 *data)
{
	KpPartition *p;
	int			fd;

	redo_dirs(&xl->seg);
	p = kp_follow_begin(&xl->seg.topic_id, xl->seg.partition);
	fd = redo_open(&xl->seg, "log", 0);
	if (!kp_pwrite_full(fd, data, xl->len, xl->position))
		redo_write_failed(&xl->seg);
	close(fd);
	if (xl->plan.index_slot >= 0 || xl->plan.time_slot >= 0)
	{
		int			ifd = redo_open(&xl->seg, "index", 0);
		int			tfd = redo_open(&xl->seg, "timeindex", 0);

		if (!kp_index_plan_write(ifd, tfd, &xl->plan))
			redo_write_failed(&xl->seg);
		close(ifd);
		close(tfd);
	}
	if (p != NULL)
		kp_follow_append(p, xl, data);
}

static void
redo_append_v1(const KpXlAppendV1 *v1, const uint8 *data)
{
	KpXlAppend	xl;

	memset(&xl, 0, sizeof(xl));
	xl.seg = v1->seg;
	xl.position = v1->position;
	xl.len = v1->len;
	xl.plan.index_slot = xl.plan.time_slot = -1;
	redo_append(&xl, data);
}

static void
kp_rmgr_redo(XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
	char	   *data = XLogRecGetData(record);

	switch (info)
	{
		case XLOG_KP_APPEND:
			redo_append((KpXlAppend *) data, (const uint8 *) data + sizeof(KpXlAppend));
			break;
		case XLOG_KP_SEGMENT:
			redo_segment((KpXlSegment *) data);
			break;
		case XLOG_KP_DROP:
			kp_follow_drop(&((KpXlDrop *) data)->topic_id);
			kp_storage_remove_topic_files(&((KpXlDrop *) data)->topic_id);
			break;
		case XLOG_KP_APPEND_V1:
			redo_append_v1((KpXlAppendV1 *) data, (const uint8 *) data + sizeof(KpXlAppendV1));
			break;
		case XLOG_KP_SEGMENT_V1:
			redo_segment_v1((KpXlSegmentRef *) data);
			break;
		default:
			elog(PANIC, "kafkapg redo: unknown record type %u", info);
	}
}

static void
desc_segment(StringInfo buf, const KpXlSegmentRef *seg)
{
	char		u[37];

	kp_uuid_to_string(&seg->topic_id, u);
	appendStringInfo(buf, "topic %s partition %d segment %lld", u, seg->partition,
					 (long long) seg->base);
}

static void
kp_rmgr_desc(StringInfo buf, XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
	char	   *data = XLogRecGetData(record);

	if (info == XLOG_KP_APPEND)
	{
		const KpXlAppend *xl = (const KpXlAppend *) data;

		desc_segment(buf, &xl->seg);
		appendStringInfo(buf, " position %lld length %d", (long long) xl->position, xl->len);
		if (xl->plan.index_slot >= 0)
			appendStringInfo(buf, " index %d", xl->plan.index_slot);
	}
	else if (info == XLOG_KP_APPEND_V1)
	{
		const KpXlAppendV1 *xl = (const KpXlAppendV1 *) data;

		desc_segment(buf, &xl->seg);
		appendStringInfo(buf, " position %lld length %d", (long long) xl->position, xl->len);
	}
	else if (info == XLOG_KP_SEGMENT)
	{
		const KpXlSegment *xl = (const KpXlSegment *) data;

		desc_segment(buf, &xl->seg);
		if (xl->sealed_base >= 0)
			appendStringInfo(buf, " sealing %lld", (long long) xl->sealed_base);
	}
	else if (info == XLOG_KP_SEGMENT_V1)
		desc_segment(buf, (const KpXlSegmentRef *) data);
	else if (info == XLOG_KP_DROP)
	{
		char		u[37];

		kp_uuid_to_string(&((const KpXlDrop *) data)->topic_id, u);
		appendStringInfo(buf, "topic %s", u);
	}
}

static const char *
kp_rmgr_identify(uint8 info)
{
	switch (info & ~XLR_INFO_MASK)
	{
		case XLOG_KP_APPEND:
		case XLOG_KP_APPEND_V1:
			return "APPEND";
		case XLOG_KP_SEGMENT:
		case XLOG_KP_SEGMENT_V1:
			return "SEGMENT";
		case XLOG_KP_DROP:
			return "DROP";
	}
	return NULL;
}

static RmgrData kp_rmgr = {
	.rm_name = KP_RMGR_NAME,
	.rm_redo = kp_rmgr_redo,
	.rm_desc = kp_rmgr_desc,
	.rm_identify = kp_rmgr_identify,
};

void
kp_wal_register(void)
{
	RegisterCustomRmgr(KP_RMGR_ID, &kp_rmgr);
}
