/*-------------------------------------------------------------------------
 *
 * conn.c
 *	  Input framing and output queueing for one client connection.
 *
 * Input: bytes are appended to conn->in; frames (int32 size + payload) are
 * consumed from conn->inpos without copying, and the unconsumed tail is
 * moved to the front once per read pass (kp_conn_compact).  The buffer
 * grows to the largest frame seen, bounded by socket_request_max_bytes.
 *
 * Output: each response is one chunk allocated in the connection context;
 * kp_conn_flush writes as much as the socket takes with one sendmsg and
 * frees what was fully sent.  Single-threaded, owned by one worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "utils/memutils.h"

#include "kafkapg/net/conn.h"

#define KP_READ_CHUNK	65536
#define KP_IOV_MAX		64

KpConn *
kp_conn_create(MemoryContext parent, pgsocket sock, const char *peer)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "kafkapg connection",
											  ALLOCSET_SMALL_SIZES);
	KpConn	   *conn = MemoryContextAllocZero(cxt, sizeof(KpConn));

	conn->cxt = cxt;
	conn->sock = sock;
	conn->wes_pos = -1;
	strlcpy(conn->peer, peer, sizeof(conn->peer));
	conn->incap = KP_READ_CHUNK;
	conn->in = MemoryContextAlloc(cxt, conn->incap);
	conn->last_active = GetCurrentTimestamp();
	return conn;
}

/* Closes the socket and frees everything the connection owns. */
void
kp_conn_destroy(KpConn *conn)
{
	if (conn->sock != PGINVALID_SOCKET)
		close(conn->sock);
	MemoryContextDelete(conn->cxt);
}

/*
 * Reads what the socket has.  Returns the number of bytes read, 0 when the
 * socket would block, -1 on end of stream or error.
 */
int
kp_conn_fill(KpConn *conn)
{
	ssize_t		n;

	if (conn->incap - conn->inlen < KP_READ_CHUNK / 4)
	{
		conn->incap = Max(conn->incap * 2, conn->inlen + KP_READ_CHUNK);
		conn->in = repalloc_huge(conn->in, conn->incap);
	}
	n = recv(conn->sock, conn->in + conn->inlen, conn->incap - conn->inlen, 0);
	if (n > 0)
	{
		conn->inlen += n;
		conn->last_active = GetCurrentTimestamp();
		return (int) n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return -1;
}

/*
 * Finds the next whole frame.  A size below 8 (no room for api key, version
 * and correlation id) or above max_size is invalid.  When a frame is only
 * partly here, makes room for all of it so the next reads can complete it.
 */
KpFrameStatus
kp_conn_next_frame(KpConn *conn, int32 max_size, const uint8 **frame, int32 *len)
{
	size_t		avail = conn->inlen - conn->inpos;
	const uint8 *p = conn->in + conn->inpos;
	int32		size;

	if (avail < 4)
		return KP_FRAME_NEED_MORE;
	size = (int32) (((uint32) p[0] << 24) | ((uint32) p[1] << 16) |
					((uint32) p[2] << 8) | (uint32) p[3]);
	if (size < 8 || size > max_size)
	{
		*len = size;
		return KP_FRAME_INVALID;
	}
	if (avail - 4 < (size_t) size)
	{
		if (conn->incap < (size_t) size + 4 + KP_READ_CHUNK)
		{
			kp_conn_compact(conn);
			conn->incap = (size_t) size + 4 + KP_READ_CHUNK;
			conn->in = repalloc_huge(conn->in, conn->incap);
		}
		return KP_FRAME_NEED_MORE;
	}
	*frame = p + 4;
	*len = size;
	conn->inpos += 4 + (size_t) size;
	return KP_FRAME_READY;
}

/* Moves unconsumed input to the front of the buffer. */
void
kp_conn_compact(KpConn *conn)
{
	size_t		rest = conn->inlen - conn->inpos;

	if (conn->inpos == 0)
		return;
	if (rest > 0)
		memmove(conn->in, conn->in + conn->inpos, rest);
	conn->inlen = rest;
	conn->inpos = 0;
}

/* Appends a response; data must be allocated in conn->cxt (freed when sent). */
void
kp_conn_queue(KpConn *conn, uint8 *data, size_t len)
{
	KpOutChunk *c = MemoryContextAlloc(conn->cxt, sizeof(KpOutChunk));

	c->next = NULL;
	c->data = data;
	c->len = len;
	c->sent = 0;
	if (conn->out_tail)
		conn->out_tail->next = c;
	else
		conn->out_head = c;
	conn->out_tail = c;
	conn->out_bytes += len;
}

static void
consume_output(KpConn *conn, size_t n)
{
	conn->out_bytes -= n;
	while (n > 0 && conn->out_head != NULL)
	{
		KpOutChunk *c = conn->out_head;
		size_t		left = c->len - c->sent;
		size_t		take = Min(left, n);

		c->sent += take;
		n -= take;
		if (c->sent == c->len)
		{
			conn->out_head = c->next;
			if (conn->out_head == NULL)
				conn->out_tail = NULL;
			pfree(c->data);
			pfree(c);
		}
	}
}

/*
 * Writes queued output until done or the socket would block.  Returns false
 * if the connection failed.
 */
bool
kp_conn_flush(KpConn *conn)
{
	while (conn->out_head != NULL)
	{
		struct iovec iov[KP_IOV_MAX];
		struct msghdr msg;
		int			n = 0;
		ssize_t		w;

		for (KpOutChunk *c = conn->out_head; c != NULL && n < KP_IOV_MAX; c = c->next)
		{
			iov[n].iov_base = c->data + c->sent;
			iov[n].iov_len = c->len - c->sent;
			n++;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = n;
		/* MSG_NOSIGNAL: a vanished peer is an error return, not SIGPIPE */
		w = sendmsg(conn->sock, &msg, MSG_NOSIGNAL);
		if (w < 0)
		{
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return true;
			return false;
		}
		consume_output(conn, (size_t) w);
		conn->last_active = GetCurrentTimestamp();
	}
	return true;
}
