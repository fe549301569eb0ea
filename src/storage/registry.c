/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  The topic registry and the partition table in shared memory.
 *
 * Topics live in a fixed array of kafkapg.max_topics slots, found by name
 * and by id through two shared hash tables; their partitions occupy
 * consecutive slots of a fixed array of kafkapg.max_partitions.  The
 * registry LWLock guards the topic array, both hashes and the in_use flags
 * of partition slots: shared for lookups (the produce/fetch path copies
 * what it needs out and releases it at once), exclusive for DDL and load.
 *
 * The catalog (kafkapg.topic) is the truth; the registry is rebuilt from it
 * by kp_storage_ensure_loaded() whenever the extension it was loaded for is
 * not the current one.  Topic DDL reserves slots in the creating
 * transaction (state PENDING, invisible to lookups) and publishes or
 * releases them at commit or abort (catalog/topics.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "miscadmin.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "kafkapg/catalog/topics.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/storage/storage.h"

typedef struct KpRegistry
{
	Oid			loaded_ext_oid; /* extension the registry was loaded for */
	bool		loaded_in_recovery; /* ... on a hot standby (read-only) */
	int			partition_tranche;
	int32		live_partitions;
	KpTopic		topics[FLEXIBLE_ARRAY_MEMBER];
} KpRegistry;

typedef struct KpNameEntry
{
	char		name[KP_TOPIC_NAME_MAX + 1];
	int32		slot;
} KpNameEntry;

typedef struct KpIdEntry
{
	KpUuid		id;
	int32		slot;
} KpIdEntry;

static KpRegistry *registry = NULL;
static KpPartition *partitions = NULL;
static pg_atomic_uint64 *dirty_bits = NULL;	/* one bit per partition slot */
static HTAB *by_name = NULL;
static HTAB *by_id = NULL;
static LWLock *registry_lock = NULL;

static Size
registry_size(void)
{
	return add_size(offsetof(KpRegistry, topics),
					mul_size(kp_max_topics, sizeof(KpTopic)));
}

static int
dirty_words(void)
{
	return (kp_max_partitions + 63) / 64;
}

Size
kp_storage_shmem_size(void)
{
	Size		sz = MAXALIGN(registry_size());

	sz = add_size(sz, MAXALIGN(mul_size(dirty_words(), sizeof(pg_atomic_uint64))));
	sz = add_size(sz, MAXALIGN(mul_size(kp_max_partitions, sizeof(KpPartition))));
	sz = add_size(sz, hash_estimate_size(kp_max_topics, sizeof(KpNameEntry)));
	sz = add_size(sz, hash_estimate_size(kp_max_topics, sizeof(KpIdEntry)));
	return sz;
}

void
kp_storage_request_locks(void)
{
	RequestNamedLWLockTranche("kafkapg registry", 1);
}

static void
init_partitions(void)
{
	registry->partition_tranche = LWLockNewTrancheId();
	for (int i = 0; i < kp_max_partitions; i++)
	{
		KpPartition *p = &partitions[i];

		memset(p, 0, sizeof(KpPartition));
		LWLockInitialize(&p->append_lock, registry->partition_tranche);
		SpinLockInit(&p->mutex);
		pg_atomic_init_u64(&p->waiters, 0);
	}
}

/* Called from the shmem startup hook with AddinShmemInitLock held. */
void
kp_storage_shmem_init(void)
{
	bool		found_r,
				found_p;
	HASHCTL		info;

	registry = ShmemInitStruct("kafkapg registry", registry_size(), &found_r);
	partitions = ShmemInitStruct("kafkapg partitions",
								 mul_size(kp_max_partitions, sizeof(KpPartition)),
								 &found_p);
	if (!found_r)
	{
		memset(registry, 0, registry_size());
		registry->loaded_ext_oid = InvalidOid;
	}
	if (!found_p)
		init_partitions();
	dirty_bits = ShmemInitStruct("kafkapg dirty partitions",
								 mul_size(dirty_words(), sizeof(pg_atomic_uint64)), &found_p);
	if (!found_p)
	{
		for (int i = 0; i < dirty_words(); i++)
			pg_atomic_init_u64(&dirty_bits[i], 0);
	}
	LWLockRegisterTranche(registry->partition_tranche, "kafkapg partition");

	info.keysize = KP_TOPIC_NAME_MAX + 1;
	info.entrysize = sizeof(KpNameEntry);
	by_name = ShmemInitHash("kafkapg topics by name", kp_max_topics, kp_max_topics,
							&info, HASH_ELEM | HASH_STRINGS);
	info.keysize = sizeof(KpUuid);
	info.entrysize = sizeof(KpIdEntry);
	by_id = ShmemInitHash("kafkapg topics by id", kp_max_topics, kp_max_topics,
						  &info, HASH_ELEM | HASH_BLOBS);
	registry_lock = &(GetNamedLWLockTranche("kafkapg registry"))->lock;
}

KpPartition *
kp_partition_at(int32 slot)
{
	Assert(slot >= 0 && slot < kp_max_partitions);
	return &partitions[slot];
}

/*
 * Marks a partition as appended to since the WAL flusher last synced it;
 * called under its append_lock before the append's WAL record is made, so
 * that a flush covering the record also finds the partition (durable.c).
 */
void
kp_partition_mark_dirty(int32 slot)
{
	uint64		bit = UINT64CONST(1) << (slot % 64);

	if ((pg_atomic_read_u64(&dirty_bits[slot / 64]) & bit) == 0)
		pg_atomic_fetch_or_u64(&dirty_bits[slot / 64], bit);
}

/*
 * Makes a new empty segment at base the active one (the caller holds the
 * partition's append_lock and mutex): an append's roll, or redo of one.
 */
void
kp_partition_start_segment_locked(KpPartition *p, int64 base, int64 now_ms)
{
	p->active_base = base;
	p->active_size = 0;
	p->active_reserved = 0;
	p->active_created_ms = now_ms;
	p->active_max_timestamp = -1;
	p->active_index_entries = 0;
	p->active_time_entries = 0;
	p->active_last_index_pos = -1;
	p->active_last_time_ts = -1;
	if (p->segments == 0)
		p->log_start_offset = base;
	p->segments++;
	p->seg_generation++;
}

/* Takes (and clears) the set of dirty partitions; returns their count. */
int
kp_partition_take_dirty(int32 *slots)
{
	int			n = 0;

	for (int w = 0; w < dirty_words(); w++)
	{
		uint64		bits;

		if (pg_atomic_read_u64(&dirty_bits[w]) == 0)
			continue;
		bits = pg_atomic_exchange_u64(&dirty_bits[w], 0);
		for (int b = 0; bits != 0; b++, bits >>= 1)
		{
			if (bits & 1)
				slots[n++] = w * 64 + b;
		}
	}
	return n;
}

int
kp_registry_partition_count(void)
{
	return registry->live_partitions;
}

static void
copy_info(int32 slot, KpTopicInfo *out)
{
	KpTopic    *t = &registry->topics[slot];

	out->slot = slot;
	out->id = t->id;
	memcpy(out->name, t->name, sizeof(out->name));
	out->partitions = t->partitions;
	out->first_slot = t->first_slot;
	out->created_at = t->created_at;
	out->config = t->config;
}

/* Finds a live topic by name; false (out->slot = -1) if there is none. */
bool
kp_topic_lookup(const char *name, KpTopicInfo *out)
{
	char		key[KP_TOPIC_NAME_MAX + 1];
	KpNameEntry *e;
	bool		found = false;

	out->slot = -1;
	if (strlen(name) > KP_TOPIC_NAME_MAX)
		return false;
	memset(key, 0, sizeof(key));
	strlcpy(key, name, sizeof(key));
	LWLockAcquire(registry_lock, LW_SHARED);
	e = hash_search(by_name, key, HASH_FIND, NULL);
	if (e != NULL && registry->topics[e->slot].state == KP_TOPIC_LIVE)
	{
		copy_info(e->slot, out);
		found = true;
	}
	LWLockRelease(registry_lock);
	return found;
}

bool
kp_topic_lookup_id(const KpUuid *id, KpTopicInfo *out)
{
	KpIdEntry  *e;
	bool		found = false;

	out->slot = -1;
	LWLockAcquire(registry_lock, LW_SHARED);
	e = hash_search(by_id, id, HASH_FIND, NULL);
	if (e != NULL && registry->topics[e->slot].state == KP_TOPIC_LIVE)
	{
		copy_info(e->slot, out);
		found = true;
	}
	LWLockRelease(registry_lock);
	return found;
}

/* Copies every live topic into a palloc'd array, in slot order. */
int
kp_topic_list(KpTopicInfo **out)
{
	int			n = 0;

	LWLockAcquire(registry_lock, LW_SHARED);
	*out = palloc(sizeof(KpTopicInfo) * Max(hash_get_num_entries(by_id), 1));
	for (int i = 0; i < kp_max_topics; i++)
	{
		if (registry->topics[i].state == KP_TOPIC_LIVE)
			copy_info(i, &(*out)[n++]);
	}
	LWLockRelease(registry_lock);
	return n;
}

/* The partition's current leader epoch (no full snapshot needed). */
int32
kp_partition_leader_epoch(int32 slot)
{
	KpPartition *p = &partitions[slot];
	int32		epoch;

	SpinLockAcquire(&p->mutex);
	epoch = p->leader_epoch;
	SpinLockRelease(&p->mutex);
	return epoch;
}

void
kp_partition_snapshot(int32 slot, KpPartitionSnap *s)
{
	KpPartition *p = &partitions[slot];
	uint64		durable = kp_durable_lsn();

	s->slot = slot;
	SpinLockAcquire(&p->mutex);
	if (p->npending > 0)
		kp_hwm_advance_locked(p, durable);
	s->read_base = p->hwm_base;
	s->read_size = p->hwm_size;
	s->log_start_offset = p->log_start_offset;
	s->log_end_offset = p->log_end_offset;
	s->high_watermark = p->high_watermark;
	s->last_stable_offset = p->last_stable_offset;
	s->size_bytes = p->size_bytes;
	s->segments = p->segments;
	s->last_append_at = p->last_append_at;
	s->max_timestamp = p->max_timestamp;
	s->max_timestamp_offset = p->max_timestamp_offset;
	s->active_base = p->active_base;
	s->active_size = p->active_size;
	s->active_index_entries = p->active_index_entries;
	s->active_time_entries = p->active_time_entries;
	s->seg_generation = p->seg_generation;
	s->leader_epoch = p->leader_epoch;
	SpinLockRelease(&p->mutex);
}

static int
count_topics(void)
{
	int			n = 0;

	for (int i = 0; i < kp_max_topics; i++)
		n += registry->topics[i].state != KP_TOPIC_FREE;
	return n;
}

/* First fit of n consecutive free partition slots, or -1. */
static int32
find_free_slots(int32 n)
{
	int32		run = 0;

	for (int32 i = 0; i < kp_max_partitions; i++)
	{
		run = partitions[i].in_use ? 0 : run + 1;
		if (run == n)
			return i - n + 1;
	}
	return -1;
}

static int32
find_free_topic(void)
{
	for (int32 i = 0; i < kp_max_topics; i++)
	{
		if (registry->topics[i].state == KP_TOPIC_FREE)
			return i;
	}
	return -1;
}

static void
reset_partition(KpPartition *p, const KpUuid *id, int32 topic_slot, int32 index)
{
	SpinLockAcquire(&p->mutex);
	p->in_use = true;
	p->topic_id = *id;
	p->topic_slot = topic_slot;
	p->index = index;
	p->leader_epoch = kp_current_leader_epoch();
	p->log_start_offset = p->log_end_offset = 0;
	p->high_watermark = p->last_stable_offset = 0;
	p->hwm_base = p->hwm_size = 0;
	p->npending = 0;
	p->synced_base = -1;
	p->synced_size = 0;
	p->size_bytes = 0;
	p->segments = 0;
	p->last_append_at = 0;
	p->max_timestamp = -1;
	p->max_timestamp_offset = -1;
	p->active_base = p->active_size = 0;
	p->active_reserved = 0;
	p->active_created_ms = 0;
	p->active_max_timestamp = -1;
	p->active_index_entries = p->active_time_entries = 0;
	p->active_last_index_pos = -1;
	p->active_last_time_ts = -1;
	p->seg_generation++;
	SpinLockRelease(&p->mutex);
}

static void
install_topic(int32 ts, int32 first, const char *name, const KpUuid *id,
			  int32 nparts, const KpTopicConfig *config, TimestampTz created_at)
{
	KpTopic    *t = &registry->topics[ts];
	char		key[KP_TOPIC_NAME_MAX + 1];
	KpNameEntry *ne;
	KpIdEntry  *ie;

	memset(t, 0, sizeof(KpTopic));
	t->state = KP_TOPIC_PENDING;
	t->owner_pid = MyProcPid;
	t->id = *id;
	strlcpy(t->name, name, sizeof(t->name));
	t->partitions = nparts;
	t->first_slot = first;
	t->created_at = created_at;
	t->config = *config;
	for (int32 i = 0; i < nparts; i++)
		reset_partition(&partitions[first + i], id, ts, i);
	memset(key, 0, sizeof(key));
	strlcpy(key, name, sizeof(key));
	ne = hash_search(by_name, key, HASH_ENTER, NULL);
	ne->slot = ts;
	ie = hash_search(by_id, id, HASH_ENTER, NULL);
	ie->slot = ts;
}

/*
 * Reserves a topic slot and its partition slots for a topic being created.
 * Returns the topic slot, or raises an ERROR (duplicate name, registry
 * full).  The topic is invisible until kp_registry_publish().
 */
int32
kp_registry_reserve(const char *name, const KpUuid *id, int32 nparts,
					const KpTopicConfig *config, TimestampTz created_at)
{
	char		key[KP_TOPIC_NAME_MAX + 1];
	int32		ts,
				first;

	memset(key, 0, sizeof(key));
	strlcpy(key, name, sizeof(key));
	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	if (hash_search(by_name, key, HASH_FIND, NULL) != NULL)
	{
		LWLockRelease(registry_lock);
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("topic \"%s\" already exists", name),
				 errhint("Choose another name, or delete the topic first with kafkapg.delete_topic().")));
	}
	ts = find_free_topic();
	first = ts < 0 ? -1 : find_free_slots(nparts);
	if (ts < 0 || first < 0)
	{
		LWLockRelease(registry_lock);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("no room for topic \"%s\" with %d partitions", name, nparts),
				 errdetail("%d topics and %d partitions are in use.",
						   count_topics(), registry->live_partitions),
				 errhint("Raise kafkapg.max_topics or kafkapg.max_partitions and restart the server.")));
	}
	install_topic(ts, first, name, id, nparts, config, created_at);
	registry->live_partitions += nparts;
	LWLockRelease(registry_lock);
	return ts;
}

/* Makes a reserved topic visible (at commit of its creating transaction). */
void
kp_registry_publish(int32 ts)
{
	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	if (registry->topics[ts].state == KP_TOPIC_PENDING &&
		registry->topics[ts].owner_pid == MyProcPid)
		registry->topics[ts].state = KP_TOPIC_LIVE;
	LWLockRelease(registry_lock);
}

static void
free_topic(int32 ts)
{
	KpTopic    *t = &registry->topics[ts];
	char		key[KP_TOPIC_NAME_MAX + 1];

	memset(key, 0, sizeof(key));
	strlcpy(key, t->name, sizeof(key));
	(void) hash_search(by_name, key, HASH_REMOVE, NULL);
	(void) hash_search(by_id, &t->id, HASH_REMOVE, NULL);
	for (int32 i = 0; i < t->partitions; i++)
	{
		KpPartition *p = &partitions[t->first_slot + i];

		SpinLockAcquire(&p->mutex);
		p->in_use = false;
		p->seg_generation++;
		SpinLockRelease(&p->mutex);
		kp_partition_wake(p);
	}
	registry->live_partitions -= t->partitions;
	t->state = KP_TOPIC_FREE;
}

/* Drops a reservation (at abort of its creating transaction). */
void
kp_registry_release(int32 ts)
{
	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	if (registry->topics[ts].state == KP_TOPIC_PENDING &&
		registry->topics[ts].owner_pid == MyProcPid)
		free_topic(ts);
	LWLockRelease(registry_lock);
}

/* Removes a live topic (at commit of its deletion); false if absent. */
bool
kp_registry_remove(const KpUuid *id, int32 *ts_out)
{
	KpIdEntry  *e;
	bool		found = false;

	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	e = hash_search(by_id, id, HASH_FIND, NULL);
	if (e != NULL)
	{
		if (ts_out)
			*ts_out = e->slot;
		free_topic(e->slot);
		found = true;
	}
	LWLockRelease(registry_lock);
	return found;
}

static void
clear_registry(void)
{
	for (int32 i = 0; i < kp_max_topics; i++)
	{
		if (registry->topics[i].state != KP_TOPIC_FREE)
			free_topic(i);
	}
	registry->live_partitions = 0;
}

/*
 * The leader epoch of every partition: the PostgreSQL timeline minus one.
 * Each promotion (and each point-in-time recovery) starts a new timeline,
 * so the epoch grows exactly when the log's history may have forked, and
 * a standby, which follows the primary's timeline, reports the same one.
 */
int32
kp_current_leader_epoch(void)
{
	TimeLineID	tli;

	if (RecoveryInProgress())
		(void) GetXLogReplayRecPtr(&tli);
	else
		tli = GetWALInsertionTimeLine();
	return tli > 0 ? (int32) tli - 1 : 0;
}

/* Installs one catalog topic as live and recovers its logs. */
static void
install_loaded(const char *name, const KpUuid *id, int32 nparts,
			   const KpTopicConfig *config, TimestampTz created_at, bool read_only)
{
	int32		ts = find_free_topic();
	int32		first = ts < 0 ? -1 : find_free_slots(nparts);

	if (ts < 0 || first < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("kafkapg cannot load topic \"%s\": no room in shared memory", name),
				 errhint("Raise kafkapg.max_topics or kafkapg.max_partitions and restart the server.")));
	install_topic(ts, first, name, id, nparts, config, created_at);
	registry->topics[ts].state = KP_TOPIC_LIVE;
	registry->live_partitions += nparts;
	for (int32 i = 0; i < nparts; i++)
		kp_partition_recover(first + i, id, i, config, read_only);
}

static void
load_one(const char *name, const KpUuid *id, int32 nparts,
		 const KpTopicConfig *config, TimestampTz created_at)
{
	install_loaded(name, id, nparts, config, created_at, false);
}

static void
load_one_standby(const char *name, const KpUuid *id, int32 nparts,
				 const KpTopicConfig *config, TimestampTz created_at)
{
	install_loaded(name, id, nparts, config, created_at, true);
}

/*
 * Makes the registry reflect the catalog of the extension with OID ext_oid:
 * if it was loaded for another (or no) extension, or before a promotion,
 * it is cleared and filled from kafkapg.topic, every partition's log is
 * recovered from its segment files, and (on a primary) directories of
 * topics the catalog does not know are removed.  On a hot standby the
 * files are only read.  Must be called inside a transaction.
 */
void
kp_storage_ensure_loaded(Oid ext_oid)
{
	bool		standby = RecoveryInProgress();

	if (registry->loaded_ext_oid == ext_oid && registry->loaded_in_recovery == standby)
		return;
	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	if (registry->loaded_ext_oid != ext_oid || registry->loaded_in_recovery != standby)
	{
		registry->loaded_ext_oid = InvalidOid;
		clear_registry();
		kp_catalog_load_topics(standby ? load_one_standby : load_one);
		if (!standby)
			kp_storage_remove_orphans();
		registry->loaded_in_recovery = standby;
		registry->loaded_ext_oid = ext_oid;
	}
	LWLockRelease(registry_lock);
}

/* The extension the registry was last loaded for (InvalidOid if none). */
Oid
kp_storage_loaded_ext_oid(void)
{
	return registry->loaded_ext_oid;
}

bool
kp_storage_loaded_in_recovery(void)
{
	return registry->loaded_in_recovery && OidIsValid(registry->loaded_ext_oid);
}

/* A catalog row kept for kp_storage_refresh_standby() */
typedef struct KpCatalogTopic
{
	char		name[KP_TOPIC_NAME_MAX + 1];
	KpUuid		id;
	int32		partitions;
	KpTopicConfig config;
	TimestampTz created_at;
} KpCatalogTopic;

static List *catalog_rows = NIL;
static MemoryContext collect_cxt = NULL;	/* outlives the SPI call */

static void
collect_one(const char *name, const KpUuid *id, int32 nparts,
			const KpTopicConfig *config, TimestampTz created_at)
{
	MemoryContext old = MemoryContextSwitchTo(collect_cxt);
	KpCatalogTopic *c = palloc(sizeof(KpCatalogTopic));

	strlcpy(c->name, name, sizeof(c->name));
	c->id = *id;
	c->partitions = nparts;
	c->config = *config;
	c->created_at = created_at;
	catalog_rows = lappend(catalog_rows, c);
	MemoryContextSwitchTo(old);
}

/*
 * On a hot standby, topics come and go by WAL replay of the catalog: loads
 * the topics the registry lacks and drops those the catalog lost, keeping
 * the rest (and their state, which redo moves) as they are.  Called by the
 * broker workers about once a second; needs a transaction.
 */
void
kp_storage_refresh_standby(void)
{
	bool	   *seen = palloc0(sizeof(bool) * kp_max_topics);
	ListCell   *lc;

	catalog_rows = NIL;
	collect_cxt = CurrentMemoryContext;
	kp_catalog_load_topics(collect_one);
	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	foreach(lc, catalog_rows)
	{
		KpCatalogTopic *c = lfirst(lc);
		KpIdEntry  *e = hash_search(by_id, &c->id, HASH_FIND, NULL);

		if (e == NULL)
		{
			install_loaded(c->name, &c->id, c->partitions, &c->config, c->created_at, true);
			e = hash_search(by_id, &c->id, HASH_FIND, NULL);
		}
		if (e != NULL)
			seen[e->slot] = true;
	}
	for (int32 i = 0; i < kp_max_topics; i++)
	{
		if (registry->topics[i].state == KP_TOPIC_LIVE && !seen[i])
			free_topic(i);
	}
	LWLockRelease(registry_lock);
	list_free_deep(catalog_rows);
	catalog_rows = NIL;
	pfree(seen);
}

/* Is there a live or pending topic with this id?  (orphan detection) */
bool
kp_registry_has_id(const KpUuid *id)
{
	return hash_search(by_id, id, HASH_FIND, NULL) != NULL;
}
