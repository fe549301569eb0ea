/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared state of the kafkapg processes.
 *
 * KpShared is created once by the postmaster (shmem hooks) and never moves.
 * Locking: worker slots are written only by their own worker, except that
 * other processes read pid/latch under the spinlock to wake workers; the
 * counters are atomics readable without locks (monitoring never blocks
 * the broker).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_SHMEM_H
#define KAFKAPG_SHMEM_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#define KP_MAX_WORKERS 64

typedef struct KpWorkerSlot
{
	pid_t		pid;			/* 0 when not running */
	Latch	   *latch;
	TimestampTz started_at;
	bool		listening;
	pg_atomic_uint32 connections;
	pg_atomic_uint64 requests;
	pg_atomic_uint64 connections_closed_on_error;
} KpWorkerSlot;

/*
 * The WAL flusher (wal/flusher.c): workers ask for a point to be made
 * durable (flush_request, an LSN, only ever raised) and set their bit in
 * flush_waiters; the flusher syncs the segment files appended to, flushes
 * the WAL, waits for synchronous standbys, publishes durable_lsn and sets
 * the latches of the waiters.
 */
typedef struct KpFlusherShared
{
	pg_atomic_uint64 flush_request;
	pg_atomic_uint64 durable_lsn;
	pg_atomic_uint64 flush_waiters;	/* bit i: broker worker i */
	pg_atomic_uint64 cycles;
	pg_atomic_uint64 segment_syncs;
	pg_atomic_uint64 sync_rep_waits;
	pg_atomic_uint64 last_cycle_us;
	pg_atomic_uint32 storage_failed;	/* a segment sync failed: see flusher.c */
	pid_t		pid;			/* under KpShared.mutex */
	Latch	   *latch;
} KpFlusherShared;

/* The primary's broker as a standby learned it from kafkapg.leader */
typedef struct KpLeaderInfo
{
	bool		known;
	int32		node_id;
	char		host[256];
	int32		port;
} KpLeaderInfo;

typedef struct KpShared
{
	slock_t		mutex;			/* protects pid/latch/started_at/listening,
								 * leader */
	KpFlusherShared flusher;
	KpLeaderInfo leader;
	pg_atomic_uint32 extension_generation;	/* bumped by any CREATE/DROP EXTENSION */
	pg_atomic_uint32 fault_api_key;	/* test hook: fail next request of key+1 */
	KpWorkerSlot workers[KP_MAX_WORKERS];
} KpShared;

extern KpShared *kp_shared;

extern void kp_shmem_install_hooks(void);
extern void kp_shmem_wake_workers(void);
extern void kp_shmem_wake_worker_mask(uint64 mask);
extern void kp_extension_watch_install(void);

#endif							/* KAFKAPG_SHMEM_H */
