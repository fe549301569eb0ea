/*-------------------------------------------------------------------------
 *
 * segment.c
 *	  This process's view of each partition's segment files: the sorted
 *	  list of segments, their open descriptors and their loaded indexes.
 *
 * Everything here is process-local (a hash in TopMemoryContext keyed by
 * partition slot), so no locks are taken.  A cache entry is rebuilt from
 * the directory listing when the partition's seg_generation in shared
 * memory moves; segments that survive the rebuild keep their descriptors
 * and indexes.  A descriptor still pinned by queued output (sendfile) is
 * closed only when its last pin goes.
 *
 * Descriptors are plain open(2) descriptors, not PostgreSQL virtual file
 * descriptors, because sendfile needs a real one; broker workers raise
 * their descriptor limit at start.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_perm.h"

#include "storage/fd.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "kafkapg/storage/segment.h"

static HTAB *caches = NULL;

bool
kp_pread_full(int fd, void *buf, size_t len, off_t pos)
{
	char	   *p = buf;

	while (len > 0)
	{
		ssize_t		n = pread(fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		pos += n;
		len -= n;
	}
	return true;
}

bool
kp_pwrite_full(int fd, const void *buf, size_t len, off_t pos)
{
	const char *p = buf;

	while (len > 0)
	{
		ssize_t		n = pwrite(fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			if (n == 0)
				errno = ENOSPC;
			return false;
		}
		p += n;
		pos += n;
		len -= n;
	}
	return true;
}

void
kp_segment_file_name(const KpUuid *topic_id, int32 partition, int64 base,
					 const char *suffix, char *out, size_t outlen)
{
	char		dir[MAXPGPATH];

	kp_partition_dir(topic_id, partition, dir, sizeof(dir));
	snprintf(out, outlen, "%s/%020lld.%s", dir, (long long) base, suffix);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* Base offsets of the partition's "*.log" files, sorted; palloc'd. */
int
kp_segment_list_bases(const KpUuid *topic_id, int32 partition, int64 **bases)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	int			n = 0,
				cap = 16;

	*bases = palloc(sizeof(int64) * cap);
	kp_partition_dir(topic_id, partition, dir, sizeof(dir));
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
	{
		char	   *end;
		long long	v;

		if (strlen(de->d_name) != 24 || strcmp(de->d_name + 20, ".log") != 0)
			continue;
		v = strtoll(de->d_name, &end, 10);
		if (end != de->d_name + 20 || v < 0)
			continue;
		if (n == cap)
			*bases = repalloc(*bases, sizeof(int64) * (cap *= 2));
		(*bases)[n++] = v;
	}
	closedir(d);
	qsort(*bases, n, sizeof(int64), cmp_int64);
	return n;
}

static void
file_unpin_or_close(KpSegFile *f)
{
	if (f == NULL)
		return;
	f->detached = true;
	if (f->pins == 0)
	{
		close(f->fd);
		pfree(f);
	}
}

void
kp_file_unpin(KpSegFile *f)
{
	Assert(f->pins > 0);
	if (--f->pins == 0 && f->detached)
	{
		close(f->fd);
		pfree(f);
	}
}

static void
segment_release(KpSegment *seg)
{
	file_unpin_or_close(seg->log);
	if (seg->index_fd >= 0)
		close(seg->index_fd);
	if (seg->time_fd >= 0)
		close(seg->time_fd);
	if (seg->index)
		pfree(seg->index);
	if (seg->times)
		pfree(seg->times);
}

static void
segment_init(KpSegment *seg, int64 base)
{
	memset(seg, 0, sizeof(KpSegment));
	seg->base = base;
	seg->size = -1;
	seg->index_fd = -1;
	seg->time_fd = -1;
}

static void
cache_clear(KpPartCache *pc)
{
	for (int i = 0; i < pc->nsegs; i++)
		segment_release(&pc->segs[i]);
	pc->nsegs = 0;
}

/* Rebuilds the segment list from the directory, keeping surviving entries. */
static void
cache_refresh(KpPartCache *pc)
{
	int64	   *bases;
	int			n = kp_segment_list_bases(&pc->topic_id, pc->partition, &bases);
	KpSegment  *segs = MemoryContextAllocZero(TopMemoryContext,
											  sizeof(KpSegment) * Max(n, 1));
	int			j = 0;

	for (int i = 0; i < n; i++)
	{
		while (j < pc->nsegs && pc->segs[j].base < bases[i])
			segment_release(&pc->segs[j++]);
		if (j < pc->nsegs && pc->segs[j].base == bases[i])
		{
			segs[i] = pc->segs[j++];
			segs[i].size = -1;	/* may have been the active one: re-stat */
			segs[i].sealed_loaded = false;
			segs[i].nindex = segs[i].ntimes = 0;
		}
		else
			segment_init(&segs[i], bases[i]);
	}
	while (j < pc->nsegs)
		segment_release(&pc->segs[j++]);
	if (pc->segs)
		pfree(pc->segs);
	pfree(bases);
	pc->segs = segs;
	pc->nsegs = n;
	pc->cap = Max(n, 1);
}

/*
 * The cache entry for a partition slot, current as of seg_generation.
 * A slot reused by another topic gets a fresh entry.
 */
KpPartCache *
kp_segments_get(int32 slot, const KpUuid *topic_id, int32 partition, uint32 seg_generation)
{
	KpPartCache *pc;
	bool		found;

	if (caches == NULL)
	{
		HASHCTL		info;

		info.keysize = sizeof(int32);
		info.entrysize = sizeof(KpPartCache);
		info.hcxt = TopMemoryContext;
		caches = hash_create("kafkapg segment caches", 256, &info,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	pc = hash_search(caches, &slot, HASH_ENTER, &found);
	if (!found)
	{
		pc->valid = false;
		pc->nsegs = 0;
		pc->segs = NULL;
	}
	if (pc->valid && (memcmp(&pc->topic_id, topic_id, sizeof(KpUuid)) != 0 ||
					  pc->partition != partition))
	{
		cache_clear(pc);
		pc->valid = false;
	}
	if (!pc->valid || pc->seg_generation != seg_generation)
	{
		pc->topic_id = *topic_id;
		pc->partition = partition;
		cache_refresh(pc);
		pc->seg_generation = seg_generation;
		pc->valid = true;
	}
	return pc;
}

void
kp_segments_invalidate(int32 slot)
{
	KpPartCache *pc;

	if (caches == NULL)
		return;
	pc = hash_search(caches, &slot, HASH_FIND, NULL);
	if (pc != NULL)
		pc->valid = false;
}

/*
 * Closes the files of partitions that were deleted (or whose slot now
 * belongs to another topic), so their disk space is given back.  Called
 * periodically by broker workers and after a deletion commits.
 */
void
kp_segments_sweep(void)
{
	HASH_SEQ_STATUS seq;
	KpPartCache *pc;

	if (caches == NULL)
		return;
	hash_seq_init(&seq, caches);
	while ((pc = hash_seq_search(&seq)) != NULL)
	{
		KpPartition *p = kp_partition_at(pc->slot);
		bool		live;

		SpinLockAcquire(&p->mutex);
		live = p->in_use && memcmp(&p->topic_id, &pc->topic_id, sizeof(KpUuid)) == 0;
		SpinLockRelease(&p->mutex);
		if (live && pc->valid)
			continue;
		cache_clear(pc);
		if (pc->segs)
			pfree(pc->segs);
		(void) hash_search(caches, &pc->slot, HASH_REMOVE, NULL);
	}
}

/* Index of the segment holding offset (the last with base <= offset), or -1. */
int
kp_segment_find(KpPartCache *pc, int64 offset)
{
	int			lo = 0,
				hi = pc->nsegs - 1,
				found = -1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (pc->segs[mid].base <= offset)
		{
			found = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return found;
}

static int
open_one(KpPartCache *pc, int64 base, const char *suffix, bool for_write)
{
	char		path[MAXPGPATH];
	int			fd;

	/* read-write even for readers: this process may append to it later */
	kp_segment_file_name(&pc->topic_id, pc->partition, base, suffix, path, sizeof(path));
	fd = open(path, (for_write ? O_RDWR | O_CREAT : O_RDWR) | PG_BINARY | O_CLOEXEC,
			  pg_file_create_mode);
	return fd;
}

/* Opens the segment's files if needed; false (errno set) on failure. */
bool
kp_segment_open(KpPartCache *pc, KpSegment *seg, bool for_write)
{
	if (seg->log == NULL)
	{
		int			fd = open_one(pc, seg->base, "log", for_write);

		if (fd < 0)
			return false;
		seg->log = MemoryContextAllocZero(TopMemoryContext, sizeof(KpSegFile));
		seg->log->fd = fd;
	}
	if (seg->index_fd < 0)
		seg->index_fd = open_one(pc, seg->base, "index", for_write);
	if (seg->time_fd < 0)
		seg->time_fd = open_one(pc, seg->base, "timeindex", for_write);
	if (seg->size < 0)
	{
		struct stat st;

		if (fstat(seg->log->fd, &st) != 0)
			return false;
		seg->size = st.st_size;
	}
	return true;
}

/* Reads entries [have, want) of an index file into a growing array. */
static int32
load_entries(int fd, void **arr, int32 *cap, int32 have, int32 want, size_t esize)
{
	if (fd < 0 || want <= have)
		return have;
	if (want > *cap)
	{
		int32		ncap = Max(want, *cap * 2);

		*arr = *arr ? repalloc(*arr, esize * ncap)
			: MemoryContextAlloc(TopMemoryContext, esize * ncap);
		*cap = ncap;
	}
	if (!kp_pread_full(fd, (char *) *arr + esize * have, esize * (want - have),
					   (off_t) esize * have))
		return have;
	return want;
}

/* Whole entries of esize bytes in an (index) file; 0 if unreadable. */
int32
kp_file_entries(int fd, size_t esize)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0)
		return 0;
	return (int32) (st.st_size / esize);
}

/*
 * Makes the segment's indexes available in memory: a sealed segment's
 * whole files once; the active segment's first index_entries/time_entries
 * entries (from the caller's snapshot), reading only what is new.
 */
void
kp_segment_load_indexes(KpPartCache *pc, KpSegment *seg, bool active,
						int32 index_entries, int32 time_entries)
{
	if (!active)
	{
		if (seg->sealed_loaded)
			return;
		index_entries = kp_file_entries(seg->index_fd, KP_INDEX_ENTRY_SIZE);
		time_entries = kp_file_entries(seg->time_fd, KP_TIME_ENTRY_SIZE);
	}
	seg->nindex = load_entries(seg->index_fd, (void **) &seg->index, &seg->index_cap,
							   seg->nindex, index_entries, sizeof(KpIndexEntry));
	seg->ntimes = load_entries(seg->time_fd, (void **) &seg->times, &seg->times_cap,
							   seg->ntimes, time_entries, sizeof(KpTimeEntry));
	if (!active)
		seg->sealed_loaded = true;
}

/* File position of the last indexed batch starting at or before offset. */
int64
kp_segment_index_lookup(const KpSegment *seg, int64 offset)
{
	int64		rel = offset - seg->base;
	int			lo = 0,
				hi = seg->nindex - 1;
	int64		pos = 0;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (seg->index[mid].rel_offset <= rel)
		{
			pos = seg->index[mid].position;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return pos;
}
