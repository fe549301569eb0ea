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
 * Output: a response is one chunk allocated in the connection context, or,
 * when it carries record data, memory chunks interleaved with file chunks
 * that sendfile() sends straight from the segment files.  kp_conn_flush
 * writes consecutive memory chunks with one sendmsg and each file chunk
 * with sendfile, and frees (or releases) what was fully sent.  Memory
 * chunks before a file chunk are sent with MSG_MORE so the kernel can
 * coalesce them with the file data.  Single-threaded, owned by one worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "utils/memutils.h"

#include "kafkapg/net/conn.h"

#define KP_READ_CHUNK	65536
#define KP_IOV_MAX		64

/*
 * Connection serial numbers start from the clock, so a restarted worker
 * never reuses the serials (and group waiter tokens) of its predecessor.
 */
static uint64 next_serial = 0;

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
	if (next_serial == 0)
		next_serial = (uint64) conn->last_active;
	conn->serial = next_serial++;
	return conn;
}

static void
chunk_done(KpOutChunk *c)
{
	if (c->release)
		c->release(c->release_arg);
	if (c->free_ptr)
		pfree(c->free_ptr);
	pfree(c);
}

/* Closes the socket and frees everything the connection owns. */
void
kp_conn_destroy(KpConn *conn)
{
	while (conn->out_head != NULL)
	{
		KpOutChunk *c = conn->out_head;

		conn->out_head = c->next;
		chunk_done(c);			/* unpins files */
	}
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

/* Is there output that may be written now? */
bool
kp_conn_writable(KpConn *conn, uint64 released)
{
	return conn->out_head != NULL && conn->out_head->hold <= released;
}

static KpOutChunk *
new_chunk(KpConn *conn, size_t len)
{
	KpOutChunk *c = MemoryContextAllocZero(conn->cxt, sizeof(KpOutChunk));

	c->hold = conn->queue_hold;
	if (c->hold > conn->hold_until)
		conn->hold_until = c->hold;

	c->len = len;
	c->fd = -1;
	if (conn->out_tail)
		conn->out_tail->next = c;
	else
		conn->out_head = c;
	conn->out_tail = c;
	conn->out_bytes += len;
	return c;
}

/* Appends a response; data must be allocated in conn->cxt (freed when sent). */
void
kp_conn_queue(KpConn *conn, uint8 *data, size_t len)
{
	kp_conn_queue_part(conn, data, len, data);
}

/* Appends bytes of a shared buffer; free_ptr (or NULL) is freed when sent. */
void
kp_conn_queue_part(KpConn *conn, uint8 *data, size_t len, void *free_ptr)
{
	KpOutChunk *c = new_chunk(conn, len);

	c->data = data;
	c->free_ptr = free_ptr;
}

/* Appends len bytes of file fd from off; release(arg) runs when done. */
void
kp_conn_queue_file(KpConn *conn, int fd, off_t off, size_t len,
				   KpReleaseFn release, void *release_arg)
{
	KpOutChunk *c = new_chunk(conn, len);

	c->fd = fd;
	c->file_off = off;
	c->release = release;
	c->release_arg = release_arg;
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
			chunk_done(c);
		}
	}
	/* zero-length chunks at the head are done too */
	while (conn->out_head != NULL && conn->out_head->len == conn->out_head->sent)
	{
		KpOutChunk *c = conn->out_head;

		conn->out_head = c->next;
		if (conn->out_head == NULL)
			conn->out_tail = NULL;
		chunk_done(c);
	}
}

/* sendfile for the file chunk at the head; bytes written or -1 (errno). */
static ssize_t
send_file_chunk(KpConn *conn, KpOutChunk *c)
{
	off_t		off = c->file_off + (off_t) c->sent;

	return sendfile(conn->sock, c->fd, &off, c->len - c->sent);
}

/* sendmsg for the memory chunks at the head; bytes written or -1 (errno). */
static ssize_t
send_memory_chunks(KpConn *conn, uint64 released)
{
	struct iovec iov[KP_IOV_MAX];
	struct msghdr msg;
	int			n = 0;
	int			flags = MSG_NOSIGNAL;
	KpOutChunk *c;

	for (c = conn->out_head; c != NULL && c->fd < 0 && c->hold <= released && n < KP_IOV_MAX;
		 c = c->next)
	{
		iov[n].iov_base = c->data + c->sent;
		iov[n].iov_len = c->len - c->sent;
		n++;
	}
	if (c != NULL && c->fd >= 0 && c->hold <= released)
		flags |= MSG_MORE;		/* file data follows */
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = n;
	/* MSG_NOSIGNAL: a vanished peer is an error return, not SIGPIPE */
	return sendmsg(conn->sock, &msg, flags);
}

/*
 * Writes queued output until done, until a chunk held beyond 'released'
 * (group commit: its response waits for the WAL flusher), or until the
 * socket would block.  Returns false if the connection failed.
 */
bool
kp_conn_flush(KpConn *conn, uint64 released)
{
	while (kp_conn_writable(conn, released))
	{
		KpOutChunk *c = conn->out_head;
		ssize_t		w = c->fd >= 0 ? send_file_chunk(conn, c) : send_memory_chunks(conn, released);

		if (w < 0)
		{
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return true;
			return false;
		}
		if (w == 0 && c->fd >= 0)
			return false;		/* the file is shorter than promised */
		consume_output(conn, (size_t) w);
		conn->last_active = GetCurrentTimestamp();
	}
	return true;
}
