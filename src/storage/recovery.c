/*-------------------------------------------------------------------------
 *
 * recovery.c
 *	  Rebuilds a partition's shared state from its segment files when the
 *	  registry is loaded (server start, or first use after CREATE EXTENSION).
 *
 * The active (last) segment is scanned batch by batch: framing, magic and
 * CRC32C are checked, and the file is truncated after the last intact
 * batch, so a tail torn by a crash never becomes visible.  Its indexes are
 * rebuilt from the scan.  Sealed segments are trusted (they were complete
 * when sealed) unless their index files are missing, in which case those
 * are rebuilt too.  Runs with the registry lock held exclusively, before
 * any lookup can find the partition.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_perm.h"

#include "kafkapg/storage/index.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"

typedef struct KpSegFiles
{
	int			log;
	int			index;
	int			time;
	int64		size;
} KpSegFiles;

static void
open_segment_files(const KpUuid *id, int32 partition, int64 base, KpSegFiles *f)
{
	char		path[MAXPGPATH];
	struct stat st;

	kp_segment_file_name(id, partition, base, "log", path, sizeof(path));
	f->log = open(path, O_RDWR | PG_BINARY | O_CLOEXEC);
	if (f->log < 0 || fstat(f->log, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open segment file \"%s\": %m", path)));
	f->size = st.st_size;
	kp_segment_file_name(id, partition, base, "index", path, sizeof(path));
	f->index = open(path, O_RDWR | O_CREAT | PG_BINARY | O_CLOEXEC, pg_file_create_mode);
	kp_segment_file_name(id, partition, base, "timeindex", path, sizeof(path));
	f->time = open(path, O_RDWR | O_CREAT | PG_BINARY | O_CLOEXEC, pg_file_create_mode);
	if (f->index < 0 || f->time < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open index files of segment %lld in \"%s\": %m",
						(long long) base, path)));
}

static void
close_segment_files(KpSegFiles *f)
{
	close(f->log);
	close(f->index);
	close(f->time);
}

static void
write_indexes(KpIndexBuilder *b, KpSegFiles *f, int64 base)
{
	if (!kp_index_builder_write(b, f->index, f->time))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write index files of segment %lld: %m",
						(long long) base)));
}

/* Largest timestamp of a sealed segment: its last time index entry. */
static void
sealed_max_timestamp(KpSegFiles *f, int64 base, int64 *max_ts, int64 *max_off)
{
	struct stat st;
	KpTimeEntry e;

	if (fstat(f->time, &st) != 0 || st.st_size < (off_t) sizeof(e))
		return;
	if (!kp_pread_full(f->time, &e, sizeof(e), st.st_size / sizeof(e) * sizeof(e) - sizeof(e)))
		return;
	if (e.timestamp > *max_ts)
	{
		*max_ts = e.timestamp;
		*max_off = base + e.rel_offset;
	}
}

static bool
indexes_missing(KpSegFiles *f)
{
	struct stat si,
				st;

	if (f->size == 0)
		return false;
	return fstat(f->index, &si) != 0 || si.st_size == 0 ||
		fstat(f->time, &st) != 0 || st.st_size == 0;
}

static void
recover_sealed(const KpUuid *id, int32 partition, int64 base, int32 interval,
			   KpPartition *p, bool read_only)
{
	KpSegFiles	f;

	open_segment_files(id, partition, base, &f);
	if (!read_only && indexes_missing(&f))
	{
		KpIndexBuilder b;

		kp_index_builder_init(&b, base, interval);
		(void) kp_index_scan_segment(f.log, f.size, &b);
		kp_index_builder_seal(&b);
		write_indexes(&b, &f, base);
		kp_index_builder_free(&b);
	}
	sealed_max_timestamp(&f, base, &p->max_timestamp, &p->max_timestamp_offset);
	p->size_bytes += f.size;
	close_segment_files(&f);
}

/*
 * Scans the active segment, truncates a torn tail, rebuilds its indexes.
 * read_only (a hot standby, where redo writes the files): only reads, and
 * stops at the end of the last whole batch.
 */
static void
recover_active(const KpUuid *id, int32 partition, int64 base, int32 interval,
			   KpPartition *p, bool read_only)
{
	KpSegFiles	f;
	KpIndexBuilder b;
	int64		end;

	open_segment_files(id, partition, base, &f);
	kp_index_builder_init(&b, base, interval);
	end = kp_index_scan_segment(f.log, f.size, &b);
	if (read_only)
	{
		b.nindex = Min(b.nindex, kp_file_entries(f.index, sizeof(KpIndexEntry)));
		b.ntimes = Min(b.ntimes, kp_file_entries(f.time, sizeof(KpTimeEntry)));
	}
	else if (end < f.size)
	{
		ereport(LOG,
				(errmsg("kafkapg: truncating torn tail of partition %d segment %lld from %lld to %lld bytes",
						partition, (long long) base, (long long) f.size, (long long) end)));
		if (ftruncate(f.log, end) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not truncate segment %lld: %m", (long long) base)));
	}
	if (!read_only)
		write_indexes(&b, &f, base);
	p->size_bytes += end;
	p->active_base = base;
	p->active_size = end;
	p->active_created_ms = kp_now_ms();
	p->active_max_timestamp = b.max_ts;
	p->active_index_entries = b.nindex;
	p->active_time_entries = b.ntimes;
	p->active_last_index_pos = b.last_pos;
	p->active_last_time_ts = b.last_time_ts;
	p->log_end_offset = b.next_offset;
	if (b.max_ts > p->max_timestamp)
	{
		p->max_timestamp = b.max_ts;
		p->max_timestamp_offset = b.max_ts_offset;
	}
	kp_index_builder_free(&b);
	close_segment_files(&f);
}

/*
 * Rebuilds the shared state of partition slot from its directory.  The
 * slot has been reset (empty log) by the registry.  read_only on a hot
 * standby: nothing is written (redo owns the files there).
 */
void
kp_partition_recover(int32 slot, const KpUuid *id, int32 partition, const KpTopicConfig *config,
					 bool read_only)
{
	KpPartition *p = kp_partition_at(slot);
	int64	   *bases;
	int			n = kp_segment_list_bases(id, partition, &bases);

	if (n == 0)
		return;
	for (int i = 0; i < n - 1; i++)
		recover_sealed(id, partition, bases[i], config->index_interval_bytes, p, read_only);
	recover_active(id, partition, bases[n - 1], config->index_interval_bytes, p, read_only);
	p->segments = n;
	p->log_start_offset = bases[0];
	/* what survived a restart is durable: WAL redo ran before us */
	kp_hwm_set_all_durable_locked(p);
	p->seg_generation++;
	kp_segments_invalidate(slot);
	pfree(bases);
}
