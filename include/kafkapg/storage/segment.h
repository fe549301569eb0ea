/*-------------------------------------------------------------------------
 *
 * segment.h
 *	  Segment files of one partition as seen by one process: the sorted
 *	  segment list, open file descriptors and the loaded sparse indexes.
 *
 * Process-local; no locking.  The list is refreshed when the partition's
 * seg_generation in shared memory changes (a roll, a deletion, a slot
 * reused by another topic).  Sealed segments never change, so their sizes
 * and indexes are loaded once; the active segment's size and index entry
 * counts come from the caller's snapshot of shared memory.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_STORAGE_SEGMENT_H
#define KAFKAPG_STORAGE_SEGMENT_H

#include "kafkapg/storage/storage.h"

#define KP_INDEX_ENTRY_SIZE 8	/* int32 relative offset, int32 position */
#define KP_TIME_ENTRY_SIZE 16	/* int64 timestamp, int32 relative offset, pad */

/* An open file, pinned while output referring to it is queued */
typedef struct KpSegFile
{
	int			fd;
	int			pins;
	bool		detached;		/* dropped from its segment: close at 0 pins */
} KpSegFile;

typedef struct KpIndexEntry
{
	int32		rel_offset;
	int32		position;
} KpIndexEntry;

typedef struct KpTimeEntry
{
	int64		timestamp;
	int32		rel_offset;
	int32		unused;			/* zero; keeps entries 16 bytes on disk */
} KpTimeEntry;

typedef struct KpSegment
{
	int64		base;
	int64		size;			/* sealed: file size; active: see snapshot */
	KpSegFile  *log;
	int			index_fd;
	int			time_fd;
	KpIndexEntry *index;
	int32		nindex;
	int32		index_cap;
	KpTimeEntry *times;
	int32		ntimes;
	int32		times_cap;
	bool		sealed_loaded;	/* sealed segment's indexes fully read */
} KpSegment;

typedef struct KpPartCache
{
	int32		slot;			/* hash key */
	bool		valid;
	KpUuid		topic_id;
	int32		partition;
	uint32		seg_generation;
	int			nsegs;
	int			cap;
	KpSegment  *segs;
} KpPartCache;

extern KpPartCache *kp_segments_get(int32 slot, const KpUuid *topic_id, int32 partition,
									uint32 seg_generation);
extern void kp_segments_invalidate(int32 slot);
extern void kp_segments_sweep(void);
extern int	kp_segment_find(KpPartCache *pc, int64 offset);
extern bool kp_segment_open(KpPartCache *pc, KpSegment *seg, bool for_write);
extern void kp_segment_load_indexes(KpPartCache *pc, KpSegment *seg, bool active,
									int32 index_entries, int32 time_entries);
extern int64 kp_segment_index_lookup(const KpSegment *seg, int64 offset);
extern void kp_segment_file_name(const KpUuid *topic_id, int32 partition, int64 base,
								 const char *suffix, char *out, size_t outlen);
extern int32 kp_file_entries(int fd, size_t esize);
extern int	kp_segment_list_bases(const KpUuid *topic_id, int32 partition, int64 **bases);
extern bool kp_pread_full(int fd, void *buf, size_t len, off_t pos);
extern bool kp_pwrite_full(int fd, const void *buf, size_t len, off_t pos);

#endif							/* KAFKAPG_STORAGE_SEGMENT_H */
