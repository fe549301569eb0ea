/*-------------------------------------------------------------------------
 *
 * storage.h
 *	  The partition log: topics and partitions in shared memory, segment
 *	  files with sparse indexes, append and read.
 *
 * Every process (broker workers and SQL backends) goes through this API;
 * the state that must agree between them lives in shared memory:
 *
 *	- the topic registry (names, ids, partition slots, configuration),
 *	  guarded by one LWLock (shared for lookups, exclusive for DDL);
 *	- one KpPartition per partition: append_lock (LWLock) serialises
 *	  appends and segment rolls; mutex (spinlock) guards the offsets and
 *	  sizes so that readers take consistent snapshots without waiting for
 *	  an append in progress.
 *
 * File descriptors and loaded indexes are per process (segment.c).
 * See src/storage/README.md for the on-disk format and the crash story.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_STORAGE_STORAGE_H
#define KAFKAPG_STORAGE_STORAGE_H

#include "port/atomics.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "kafkapg/protocol/codec.h"
#include "kafkapg/protocol/errors.h"

#define KP_TOPIC_NAME_MAX	249
#define KP_MAX_PARTITIONS_PER_TOPIC 100000

/* Per-topic configuration (Kafka topic config names in comments) */
typedef struct KpTopicConfig
{
	int64		segment_bytes;	/* segment.bytes */
	int64		segment_ms;		/* segment.ms */
	int32		max_message_bytes;	/* max.message.bytes */
	bool		log_append_time;	/* message.timestamp.type=LogAppendTime */
	int64		timestamp_diff_max_ms;	/* message.timestamp.difference.max.ms */
	int32		index_interval_bytes;	/* index.interval.bytes */
	int64		retention_ms;	/* retention.ms (stored; enforced later) */
	int64		retention_bytes;	/* retention.bytes (stored; enforced later) */
} KpTopicConfig;

typedef enum KpTopicState
{
	KP_TOPIC_FREE = 0,
	KP_TOPIC_PENDING,			/* created by an uncommitted transaction */
	KP_TOPIC_LIVE
} KpTopicState;

typedef struct KpTopic
{
	KpTopicState state;
	int			owner_pid;		/* creator while PENDING */
	KpUuid		id;
	char		name[KP_TOPIC_NAME_MAX + 1];
	int32		partitions;
	int32		first_slot;		/* partitions occupy consecutive slots */
	TimestampTz created_at;
	KpTopicConfig config;
} KpTopic;

/*
 * An append whose WAL is not yet known durable: the high watermark moves
 * to end_offset (and readers may see bytes up to size in segment base)
 * once the WAL up to lsn is flushed (durable.c).
 */
typedef struct KpHwmPending
{
	uint64		lsn;
	int64		end_offset;
	int64		base;
	int64		size;
} KpHwmPending;

#define KP_HWM_PENDING 8

typedef struct KpPartition
{
	LWLock		append_lock;	/* held while appending or rolling */
	slock_t		mutex;			/* guards the fields below */
	bool		in_use;
	KpUuid		topic_id;
	int32		topic_slot;
	int32		index;			/* partition number within the topic */
	int32		leader_epoch;
	int64		log_start_offset;
	int64		log_end_offset;
	int64		high_watermark; /* durable: consumers see up to here */
	int64		last_stable_offset;
	int64		hwm_base;		/* segment holding the high watermark */
	int64		hwm_size;		/* its bytes below the high watermark */
	int32		npending;		/* appends not yet durable, oldest first */
	KpHwmPending pending[KP_HWM_PENDING];
	int64		synced_base;	/* fsynced: segments before this one, */
	int64		synced_size;	/* and this many bytes of it (wal/flusher.c) */
	int64		size_bytes;		/* all segments */
	int32		segments;
	TimestampTz last_append_at;
	int64		max_timestamp;	/* largest record timestamp, -1 if none */
	int64		max_timestamp_offset;
	/* the active (last) segment */
	int64		active_base;
	int64		active_size;	/* bytes visible to readers */
	int64		active_reserved;	/* bytes fallocated in its file (append.c) */
	int64		active_created_ms;	/* for segment.ms */
	int64		active_max_timestamp;
	int32		active_index_entries;
	int32		active_time_entries;
	int64		active_last_index_pos;	/* position of the last index entry */
	int64		active_last_time_ts;	/* timestamp of the last time entry */
	uint32		seg_generation; /* bumped when the segment list changes */
	/* bit i set: broker worker i has a parked fetch on this partition */
	pg_atomic_uint64 waiters;
} KpPartition;

/* A consistent copy of a partition's offsets (taken under its mutex) */
typedef struct KpPartitionSnap
{
	int32		slot;
	int64		log_start_offset;
	int64		log_end_offset;
	int64		high_watermark;
	int64		last_stable_offset;
	int64		size_bytes;
	int32		segments;
	TimestampTz last_append_at;
	int64		max_timestamp;
	int64		max_timestamp_offset;
	int64		active_base;
	int64		active_size;
	int32		active_index_entries;
	int32		active_time_entries;
	int64		read_base;		/* readers stop at read_size in this segment */
	int64		read_size;
	uint32		seg_generation;
	int32		leader_epoch;
} KpPartitionSnap;

/* A topic as seen by a lookup (copied out of shared memory) */
typedef struct KpTopicInfo
{
	int32		slot;			/* topic slot, -1 if not found */
	KpUuid		id;
	char		name[KP_TOPIC_NAME_MAX + 1];
	int32		partitions;
	int32		first_slot;
	TimestampTz created_at;
	KpTopicConfig config;
} KpTopicInfo;

/* Outcome of an append, in Kafka's terms */
typedef struct KpAppendResult
{
	int16		error_code;
	const char *error_message;	/* static, or NULL */
	int64		base_offset;
	int64		log_append_time;	/* -1 for CreateTime topics */
	int64		log_start_offset;
	uint64		lsn;			/* end of the WAL record of the append */
} KpAppendResult;

/* A slice of a segment file to send (fetch) */
typedef struct KpFileSlice
{
	struct KpSegFile *file;		/* pinned by kp_log_read; unpin when sent */
	int			fd;
	int64		offset;
	int64		len;
} KpFileSlice;

/* Milliseconds since the Unix epoch, Kafka's clock */
static inline int64
kp_now_ms(void)
{
	return (int64) (GetCurrentTimestamp() / 1000) +
		(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * INT64CONST(1000);
}

static inline TimestampTz
kp_ms_to_timestamptz(int64 ms)
{
	return (TimestampTz) ((ms - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY *
							 INT64CONST(1000)) * 1000);
}

/* registry.c */
extern Size kp_storage_shmem_size(void);
extern void kp_storage_shmem_init(void);
extern void kp_storage_request_locks(void);
extern void kp_storage_ensure_loaded(Oid ext_oid);
extern void kp_storage_refresh_standby(void);
extern bool kp_storage_loaded_in_recovery(void);
extern Oid	kp_storage_loaded_ext_oid(void);
extern int32 kp_current_leader_epoch(void);
extern bool kp_topic_lookup(const char *name, KpTopicInfo *out);
extern bool kp_topic_lookup_id(const KpUuid *id, KpTopicInfo *out);
extern int	kp_topic_list(KpTopicInfo **out);
extern KpPartition *kp_partition_at(int32 slot);
extern void kp_partition_snapshot(int32 slot, KpPartitionSnap *snap);
extern int32 kp_partition_leader_epoch(int32 slot);
extern int32 kp_registry_reserve(const char *name, const KpUuid *id, int32 partitions,
								 const KpTopicConfig *config, TimestampTz created_at);
extern void kp_registry_publish(int32 topic_slot);
extern void kp_registry_release(int32 topic_slot);
extern bool kp_registry_remove(const KpUuid *id, int32 *topic_slot_out);
extern int	kp_registry_partition_count(void);
extern bool kp_registry_has_id(const KpUuid *id);
extern void kp_partition_mark_dirty(int32 slot);
extern void kp_partition_start_segment_locked(KpPartition *p, int64 base, int64 now_ms);

/*
 * A client's current_leader_epoch against the partition's: -1 skips the
 * check; older is fenced, newer unknown (as Kafka answers Fetch,
 * ListOffsets and OffsetForLeaderEpoch).
 */
static inline int16
kp_check_leader_epoch(int32 requested, int32 current)
{
	if (requested < 0 || requested == current)
		return KP_ERR_NONE;
	return requested > current ? KP_ERR_UNKNOWN_LEADER_EPOCH : KP_ERR_FENCED_LEADER_EPOCH;
}
extern int	kp_partition_take_dirty(int32 *slots);

/* follow.c (redo on a hot standby) */
struct KpXlAppend;
extern KpPartition *kp_follow_begin(const KpUuid *topic_id, int32 partition);
extern void kp_follow_segment(KpPartition *p, int64 base);
extern void kp_follow_append(KpPartition *p, const struct KpXlAppend *xl, const uint8 *data);
extern void kp_follow_drop(const KpUuid *topic_id);

/* durable.c */
extern uint64 kp_durable_lsn(void);
extern uint64 kp_request_durable(uint64 lsn, bool wait);
extern void kp_hwm_push(KpPartition *p, uint64 lsn, int64 end_offset, int64 base, int64 size);
extern void kp_hwm_advance_locked(KpPartition *p, uint64 durable);
extern void kp_hwm_set_all_durable_locked(KpPartition *p);

/* config.c */
extern void kp_topic_config_defaults(KpTopicConfig *c);
extern bool kp_topic_config_set(KpTopicConfig *c, const char *key, const char *value,
								const char **err);
extern bool kp_topic_config_known(const char *key);

/* paths.c */
extern void kp_partition_dir(const KpUuid *topic_id, int32 partition, char *out, size_t outlen);
extern void kp_topic_dir(const KpUuid *topic_id, char *out, size_t outlen);
extern void kp_uuid_to_string(const KpUuid *id, char *out);
extern bool kp_uuid_from_string(const char *s, KpUuid *out);
extern void kp_storage_remove_topic_files(const KpUuid *topic_id);

/* recovery.c */
extern void kp_partition_recover(int32 slot, const KpUuid *topic_id, int32 partition,
								 const KpTopicConfig *config, bool read_only);
extern void kp_storage_remove_orphans(void);

/* append.c */
struct KpBatchHeader;
extern void kp_log_append(const KpTopicInfo *topic, int32 partition, uint8 *batch,
						  size_t len, const struct KpBatchHeader *h, KpAppendResult *res);
extern void kp_partition_wake(KpPartition *p);

/* read.c */
typedef enum KpReadStatus
{
	KP_READ_OK,					/* slice filled (possibly len 0: nothing new) */
	KP_READ_OUT_OF_RANGE,
	KP_READ_IO_ERROR
} KpReadStatus;

extern KpReadStatus kp_log_read(const KpTopicInfo *topic, int32 partition, int64 offset,
								int64 max_bytes, bool read_committed, bool min_one,
								KpPartitionSnap *snap, KpFileSlice *slice);
extern int64 kp_log_offset_for_time(const KpTopicInfo *topic, int32 partition,
									int64 timestamp, int64 *found_ts);
extern bool kp_log_epoch_end(const KpTopicInfo *topic, int32 partition, int32 epoch,
							 int32 *epoch_out, int64 *end_out);
extern void kp_file_unpin(struct KpSegFile *file);
extern bool kp_pread_file(KpFileSlice *slice, void *buf);

#endif							/* KAFKAPG_STORAGE_STORAGE_H */
