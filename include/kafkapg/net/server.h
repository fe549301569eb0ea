/*-------------------------------------------------------------------------
 *
 * server.h
 *	  The event loop of one broker worker: listeners, connections, and the
 *	  WaitEventSet that multiplexes them with the process latch.
 *
 * Owned by one worker process; no locking.  Requests of one connection are
 * handled one at a time in arrival order, so pipelined requests are
 * answered in order.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_NET_SERVER_H
#define KAFKAPG_NET_SERVER_H

#include "lib/ilist.h"
#include "storage/latch.h"

#include "kafkapg/net/conn.h"
#include "kafkapg/net/listener.h"
#include "kafkapg/shmem.h"

/* Handles one request frame; returns false to close the connection. */
typedef bool (*KpFrameFn) (KpConn *conn, const uint8 *frame, int32 len);

/* Called after every latch wakeup; returns false to stop serving. */
typedef bool (*KpKeepServingFn) (void);

/* Retries a connection's parked request; returns false to close it. */
typedef bool (*KpRetryFn) (KpConn *conn);

/* Until when (ms since the Unix epoch) a parked request waits. */
typedef int64 (*KpParkedUntilFn) (KpConn *conn);

/*
 * Makes held output releasable up to at least 'upto' (e.g. flushes WAL up
 * to an LSN) and returns the new release point.
 */
typedef uint64 (*KpReleaseHoldFn) (uint64 upto);

/* Periodic work of the embedding worker (once a second). */
typedef void (*KpTickFn) (void);

typedef struct KpServer
{
	MemoryContext cxt;
	KpListeners listeners;
	dlist_head	conns;
	int			nconns;
	WaitEventSet *wes;
	bool		wes_dirty;
	KpFrameFn	on_frame;
	KpKeepServingFn keep_serving;
	KpRetryFn	on_retry;		/* optional: parked requests */
	KpParkedUntilFn parked_until;
	KpTickFn	on_tick;		/* optional */
	KpReleaseHoldFn release_holds;	/* optional: group commit */
	uint64		released;		/* output held up to here may go */
	KpWorkerSlot *slot;			/* statistics in shared memory */
	TimestampTz last_idle_check;
	TimestampTz last_limit_log;
} KpServer;

extern void kp_server_init(KpServer *srv, MemoryContext parent, KpWorkerSlot *slot,
						   KpFrameFn on_frame, KpKeepServingFn keep_serving);
extern void kp_server_run(KpServer *srv);
extern void kp_server_close_conn(KpServer *srv, KpConn *conn);
extern void kp_server_handle_wakeup(void);

#endif							/* KAFKAPG_NET_SERVER_H */
