/*-------------------------------------------------------------------------
 *
 * server.c
 *	  The broker worker's event loop.
 *
 * One WaitEventSet holds the latch, postmaster death, the listening sockets
 * and every connection.  PostgreSQL 15 cannot remove an event from a set, so
 * the set is rebuilt (at most once per loop pass) when connections come or
 * go.  A connection waits for READABLE while it has no output queued and
 * for WRITEABLE while it has; when its queued output passes a high-water
 * mark it stops reading (backpressure) until the client drains it.  It is
 * never registered for nothing, which with level-triggered epoll would spin
 * on a hung-up socket.
 *
 * A connection that sends a bad frame stops being read, gets the responses
 * to its earlier requests, and is then closed.
 *
 * A request may park on its connection (a long-poll Fetch): the connection
 * then handles no further request, so answers stay in order, and keeps
 * reading only up to a bound (then waits for WL_SOCKET_CLOSED alone).
 * Parked requests are retried after every latch wakeup (an append on a
 * partition they wait for sets the latch) and when their time is up; the
 * wait timeout is the nearest such time.
 *
 * Group commit: a response may be held (its output chunks carry a hold, e.g.
 * the WAL LSN an acks=-1 produce needs durable; conn->hold_until is the
 * largest).  Held output is not written, and a connection is not watched
 * for WRITEABLE for it; once per loop pass, before waiting, the server asks
 * release_holds() once for the largest point any connection waits for (one
 * request to the WAL flusher for everything appended in the pass) and then
 * writes, in order, every response that point released.
 *
 * Closed connections are unlinked at the end of the pass, since later
 * events of the same pass may still name them.  Single process, no locks;
 * statistics go to this worker's shared slot with atomics.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/net/server.h"

#define KP_MAX_EVENTS		64
#define KP_ACCEPT_BATCH		64
#define KP_READS_PER_WAKE	16
#define KP_OUTPUT_HIGH_WATER (16 * 1024 * 1024)
#define KP_IDLE_CHECK_MS	1000
#define KP_PARKED_INPUT_MAX (1024 * 1024)

void
kp_server_init(KpServer *srv, MemoryContext parent, KpWorkerSlot *slot,
			   KpFrameFn on_frame, KpKeepServingFn keep_serving)
{
	memset(srv, 0, sizeof(KpServer));
	srv->cxt = AllocSetContextCreate(parent, "kafkapg server", ALLOCSET_DEFAULT_SIZES);
	dlist_init(&srv->conns);
	srv->on_frame = on_frame;
	srv->keep_serving = keep_serving;
	srv->slot = slot;
	srv->wes_dirty = true;
	srv->last_idle_check = GetCurrentTimestamp();
}

static bool
input_held(KpConn *conn)
{
	return conn->parked != NULL && conn->inlen - conn->inpos > KP_PARKED_INPUT_MAX;
}

static uint32
wanted_events(KpServer *srv, KpConn *conn)
{
	/* output held for group commit cannot be written: never wait for that */
	bool		can_write = kp_conn_writable(conn, srv->released);

	if (conn->closing)
		return can_write ? WL_SOCKET_WRITEABLE : WL_SOCKET_CLOSED;
	if (input_held(conn))
		return can_write ? WL_SOCKET_WRITEABLE : WL_SOCKET_CLOSED;
	if (!can_write)
		return conn->out_bytes >= KP_OUTPUT_HIGH_WATER ? WL_SOCKET_CLOSED : WL_SOCKET_READABLE;
	if (conn->out_bytes >= KP_OUTPUT_HIGH_WATER)
		return WL_SOCKET_WRITEABLE;
	return WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE;
}

static void
rebuild_wait_set(KpServer *srv)
{
	dlist_iter	it;

	if (srv->wes != NULL)
		FreeWaitEventSet(srv->wes);
	srv->wes = CreateWaitEventSet(srv->cxt, 2 + srv->listeners.n + srv->nconns);
	AddWaitEventToSet(srv->wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(srv->wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (int i = 0; i < srv->listeners.n; i++)
		AddWaitEventToSet(srv->wes, WL_SOCKET_READABLE, srv->listeners.socks[i],
						  NULL, NULL);
	dlist_foreach(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);

		if (conn->closed)
			continue;
		conn->wes_events = wanted_events(srv, conn);
		conn->wes_pos = AddWaitEventToSet(srv->wes, conn->wes_events, conn->sock,
										  NULL, conn);
	}
	srv->wes_dirty = false;
}

static void
update_interest(KpServer *srv, KpConn *conn)
{
	uint32		want = wanted_events(srv, conn);

	if (conn->closed || conn->wes_pos < 0 || srv->wes_dirty || want == conn->wes_events)
		return;
	ModifyWaitEvent(srv->wes, conn->wes_pos, want, NULL);
	conn->wes_events = want;
}

/* Marks a connection closed; it is freed at the end of the loop pass. */
void
kp_server_close_conn(KpServer *srv, KpConn *conn)
{
	if (conn->closed)
		return;
	conn->closed = true;
	srv->wes_dirty = true;
	pg_atomic_fetch_sub_u32(&srv->slot->connections, 1);
}

static void
reap_closed(KpServer *srv)
{
	dlist_mutable_iter it;

	dlist_foreach_modify(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);

		if (!conn->closed)
			continue;
		dlist_delete(&conn->node);
		srv->nconns--;
		kp_conn_destroy(conn);
	}
}

static void
accept_connections(KpServer *srv, pgsocket lsock)
{
	for (int i = 0; i < KP_ACCEPT_BATCH; i++)
	{
		char		peer[128];
		pgsocket	s = kp_listener_accept(lsock, peer, sizeof(peer));
		KpConn	   *conn;

		if (s == PGINVALID_SOCKET)
			return;
		if (srv->nconns >= kp_max_connections)
		{
			TimestampTz now = GetCurrentTimestamp();

			if (TimestampDifferenceExceeds(srv->last_limit_log, now, 10000))
			{
				ereport(LOG,
						(errmsg("kafkapg: refusing connection from %s: kafkapg.max_connections (%d) reached",
								peer, kp_max_connections)));
				srv->last_limit_log = now;
			}
			close(s);
			continue;
		}
		conn = kp_conn_create(srv->cxt, s, peer);
		dlist_push_tail(&srv->conns, &conn->node);
		srv->nconns++;
		srv->wes_dirty = true;
		pg_atomic_fetch_add_u32(&srv->slot->connections, 1);
	}
}

static void
log_bad_frame(KpServer *srv, KpConn *conn, int32 size)
{
	if (size > kp_socket_request_max_bytes)
		ereport(LOG,
				(errmsg("kafkapg: closing connection from %s: request of %d bytes exceeds kafkapg.socket_request_max_bytes (%d)",
						conn->peer, size, kp_socket_request_max_bytes)));
	else
		ereport(LOG,
				(errmsg("kafkapg: closing connection from %s: invalid request size %d",
						conn->peer, size)));
	pg_atomic_fetch_add_u64(&srv->slot->connections_closed_on_error, 1);
}

/* Handles every whole frame in the input buffer, in order. */
static void
process_frames(KpServer *srv, KpConn *conn)
{
	while (!conn->closed && !conn->closing && conn->parked == NULL &&
		   conn->out_bytes < KP_OUTPUT_HIGH_WATER)
	{
		const uint8 *frame;
		int32		len;
		KpFrameStatus st = kp_conn_next_frame(conn, kp_socket_request_max_bytes,
											  &frame, &len);

		if (st == KP_FRAME_NEED_MORE)
			break;
		if (st == KP_FRAME_INVALID)
		{
			log_bad_frame(srv, conn, len);
			conn->closing = true;
			return;
		}
		conn->requests++;
		pg_atomic_fetch_add_u64(&srv->slot->requests, 1);
		if (!srv->on_frame(conn, frame, len))
		{
			pg_atomic_fetch_add_u64(&srv->slot->connections_closed_on_error, 1);
			conn->closing = true;
			return;
		}
	}
	kp_conn_compact(conn);
}

/*
 * Writes queued output.  A connection that saw bad input is closed once the
 * responses to the requests before it are out, as Kafka answers requests
 * in order before it reads the next one.
 */
static void
flush_conn(KpServer *srv, KpConn *conn)
{
	if (conn->closed)
		return;
	if (!kp_conn_flush(conn, srv->released) || (conn->closing && conn->out_bytes == 0))
		kp_server_close_conn(srv, conn);
}

static void
handle_readable(KpServer *srv, KpConn *conn)
{
	for (int i = 0; i < KP_READS_PER_WAKE && !conn->closed; i++)
	{
		int			n;

		if (conn->closing || conn->out_bytes >= KP_OUTPUT_HIGH_WATER || input_held(conn))
			break;
		n = kp_conn_fill(conn);
		if (n < 0)
		{
			kp_server_close_conn(srv, conn);
			return;
		}
		process_frames(srv, conn);
		/* answer now: most responses go out without waiting for WRITEABLE */
		flush_conn(srv, conn);
		if (n == 0)
			break;
	}
}

static void
handle_conn_event(KpServer *srv, KpConn *conn, uint32 events)
{
	if (conn->closed)
		return;
	if (events & WL_SOCKET_WRITEABLE)
	{
		flush_conn(srv, conn);
		/* output drained below the mark: consume input that was held back */
		if (!conn->closed && !conn->closing && conn->out_bytes < KP_OUTPUT_HIGH_WATER)
		{
			process_frames(srv, conn);
			flush_conn(srv, conn);
		}
	}
	if ((events & WL_SOCKET_READABLE) && !conn->closed)
		handle_readable(srv, conn);
	if ((events & WL_SOCKET_CLOSED) && !conn->closed)
		kp_server_close_conn(srv, conn);
	update_interest(srv, conn);
}

/* Milliseconds since the Unix epoch, the clock of parked deadlines. */
static int64
unix_ms(void)
{
	return (int64) (GetCurrentTimestamp() / 1000) +
		(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * INT64CONST(1000);
}

/*
 * Retries the parked requests that may be answerable: all of them after a
 * latch wakeup, the expired ones otherwise.  Returns the nearest time (ms)
 * a still-parked request waits until, or 0 if none.
 */
static int64
retry_parked(KpServer *srv, bool woken)
{
	int64		now = 0,
				nearest = 0;
	dlist_iter	it;

	if (srv->on_retry == NULL)
		return 0;
	dlist_foreach(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);
		int64		until;

		if (conn->closed || conn->parked == NULL)
			continue;
		if (now == 0)
			now = unix_ms();
		until = srv->parked_until(conn);
		if (woken || until <= now)
		{
			if (!srv->on_retry(conn))
				conn->closing = true;
			process_frames(srv, conn);
			flush_conn(srv, conn);
			update_interest(srv, conn);
			until = conn->parked ? srv->parked_until(conn) : 0;
		}
		if (until > 0 && (nearest == 0 || until < nearest))
			nearest = until;
	}
	return nearest;
}

/* One release (WAL flush) for all held output, then write it. */
static void
release_held(KpServer *srv)
{
	uint64		want = 0;
	dlist_iter	it;

	if (srv->release_holds == NULL)
		return;
	dlist_foreach(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);

		if (!conn->closed && conn->hold_until > srv->released)
			want = Max(want, conn->hold_until);
	}
	if (want == 0)
		return;
	srv->released = srv->release_holds(want);
	dlist_foreach(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);

		if (conn->closed || conn->hold_until == 0)
			continue;
		if (conn->hold_until <= srv->released)
			conn->hold_until = 0;
		flush_conn(srv, conn);
		update_interest(srv, conn);
	}
}

/* Milliseconds to wait: until the next parked deadline, at most a second. */
static long
wait_timeout(int64 nearest)
{
	int64		now;

	if (nearest == 0)
		return KP_IDLE_CHECK_MS;
	now = unix_ms();
	return (long) Max(0, Min(nearest - now, KP_IDLE_CHECK_MS));
}

static void
close_idle(KpServer *srv)
{
	TimestampTz now = GetCurrentTimestamp();
	dlist_iter	it;

	if (!TimestampDifferenceExceeds(srv->last_idle_check, now, KP_IDLE_CHECK_MS))
		return;
	srv->last_idle_check = now;
	if (srv->on_tick)
		srv->on_tick();
	if (kp_connections_max_idle_ms <= 0)
		return;
	dlist_foreach(it, &srv->conns)
	{
		KpConn	   *conn = dlist_container(KpConn, node, it.cur);

		if (!conn->closed && conn->parked == NULL && (conn->out_bytes == 0 || conn->closing) &&
			TimestampDifferenceExceeds(conn->last_active, now, kp_connections_max_idle_ms))
		{
			ereport(DEBUG1,
					(errmsg("kafkapg: closing idle connection from %s", conn->peer)));
			kp_server_close_conn(srv, conn);
		}
	}
}

/*
 * After a latch wakeup: resets the latch, serves interrupts (SIGTERM ends
 * the process here) and applies a pending configuration reload.  Shared by
 * the event loop and the worker's wait for the extension.
 */
void
kp_server_handle_wakeup(void)
{
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/* Returns false when the worker should stop serving. */
static bool
handle_latch(KpServer *srv)
{
	kp_server_handle_wakeup();
	return srv->keep_serving();
}

static bool
is_listener(KpServer *srv, pgsocket fd)
{
	for (int i = 0; i < srv->listeners.n; i++)
	{
		if (srv->listeners.socks[i] == fd)
			return true;
	}
	return false;
}

static void
close_all(KpServer *srv)
{
	dlist_iter	it;

	dlist_foreach(it, &srv->conns)
		kp_server_close_conn(srv, dlist_container(KpConn, node, it.cur));
	reap_closed(srv);
	kp_listeners_close(&srv->listeners);
	if (srv->wes != NULL)
		FreeWaitEventSet(srv->wes);
	srv->wes = NULL;
	srv->wes_dirty = true;
}

/*
 * Serves connections on the already-opened listeners until keep_serving
 * says stop; then closes every connection and listener.  Returns only then
 * (SIGTERM and postmaster death end the process from inside the loop).
 */
void
kp_server_run(KpServer *srv)
{
	WaitEvent	events[KP_MAX_EVENTS];
	int64		nearest = 0;

	for (;;)
	{
		int			n;
		bool		woken = false;

		if (srv->wes_dirty)
			rebuild_wait_set(srv);
		n = WaitEventSetWait(srv->wes, wait_timeout(nearest), events, KP_MAX_EVENTS,
							 PG_WAIT_EXTENSION);
		for (int i = 0; i < n; i++)
		{
			WaitEvent  *ev = &events[i];

			if (ev->events & WL_LATCH_SET)
			{
				woken = true;
				if (!handle_latch(srv))
				{
					close_all(srv);
					return;
				}
			}
			else if (ev->user_data == NULL && is_listener(srv, ev->fd))
				accept_connections(srv, ev->fd);
			else if (ev->user_data != NULL)
				handle_conn_event(srv, (KpConn *) ev->user_data, ev->events);
		}
		nearest = retry_parked(srv, woken);
		release_held(srv);
		close_idle(srv);
		reap_closed(srv);
	}
}
