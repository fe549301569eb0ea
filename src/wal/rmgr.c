/*-------------------------------------------------------------------------
 *
 * rmgr.c
 *	  The kafkapg WAL resource manager (custom rmgr id 171): logging
 *	  segment creation and appends, and their redo.
 *
 * An append is logged with its batch bytes before they are written to the
 * segment; redo writes the same bytes at the same position of the same
 * file, which is idempotent, so replaying a record whose bytes already
 * reached the file changes nothing.  Segment creation is logged too and
 * redone by creating (truncating) the same empty files, so a standby's and
 * a recovered server's directories follow the primary's.  Redo runs in the
 * startup process, before any broker worker loads the registry; it touches
 * files only.  Registered from _PG_init (shared_preload_libraries), as
 * PostgreSQL requires.
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
				  const uint8 *data, int32 len)
{
	KpXlAppend	xl;

	memset(&xl, 0, sizeof(xl));
	xl.seg.topic_id = *topic_id;
	xl.seg.partition = partition;
	xl.seg.base = base;
	xl.position = position;
	xl.len = len;
	XLogBeginInsert();
	XLogRegisterData((char *) &xl, sizeof(xl));
	XLogRegisterData((char *) data, len);
	return XLogInsert(KP_RMGR_ID, XLOG_KP_APPEND);
}

XLogRecPtr
kp_wal_log_segment(const KpUuid *topic_id, int32 partition, int64 base)
{
	KpXlSegmentRef xl;

	memset(&xl, 0, sizeof(xl));
	xl.topic_id = *topic_id;
	xl.partition = partition;
	xl.base = base;
	XLogBeginInsert();
	XLogRegisterData((char *) &xl, sizeof(xl));
	return XLogInsert(KP_RMGR_ID, XLOG_KP_SEGMENT);
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

static void
redo_segment(const KpXlSegmentRef *seg)
{
	redo_dirs(seg);
	close(redo_open(seg, "index", O_TRUNC));
	close(redo_open(seg, "timeindex", O_TRUNC));
	close(redo_open(seg, "log", O_TRUNC));
}

static void
redo_append(const KpXlAppend *xl, const uint8 *data)
{
	int			fd;

	redo_dirs(&xl->seg);
	fd = redo_open(&xl->seg, "log", 0);
	if (!kp_pwrite_full(fd, data, xl->len, xl->position))
		ereport(PANIC,
				(errcode_for_file_access(),
				 errmsg("kafkapg redo could not write partition %d segment %lld: %m",
						xl->seg.partition, (long long) xl->seg.base)));
	close(fd);
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
			redo_segment((KpXlSegmentRef *) data);
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
	}
	else if (info == XLOG_KP_SEGMENT)
		desc_segment(buf, (const KpXlSegmentRef *) data);
}

static const char *
kp_rmgr_identify(uint8 info)
{
	switch (info & ~XLR_INFO_MASK)
	{
		case XLOG_KP_APPEND:
			return "APPEND";
		case XLOG_KP_SEGMENT:
			return "SEGMENT";
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
