/*-------------------------------------------------------------------------
 *
 * conn.h
 *	  One client connection of a broker worker: socket, input buffer with
 *	  framing, and the queue of response bytes waiting to be written.
 *
 * A connection belongs to exactly one worker for its whole life and is
 * touched only by that worker's single thread: no locking.  All its memory
 * lives in its own context, a child of the worker's, deleted on close.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_NET_CONN_H
#define KAFKAPG_NET_CONN_H

#include "lib/ilist.h"
#include "utils/timestamp.h"

/* Called when a chunk has been sent or dropped (e.g. to unpin a file) */
typedef void (*KpReleaseFn) (void *arg);

/*
 * One piece of queued output: bytes in memory, or a range of an open file
 * sent with sendfile (fd >= 0).  free_ptr, if set, is pfree'd when the
 * chunk is done, so several chunks can share one buffer (the last frees it).
 */
typedef struct KpOutChunk
{
	struct KpOutChunk *next;
	uint8	   *data;
	size_t		len;
	size_t		sent;
	void	   *free_ptr;
	int			fd;				/* file chunk if >= 0 */
	off_t		file_off;
	KpReleaseFn release;
	void	   *release_arg;
	uint64		hold;			/* written once the server released this (0: now) */
} KpOutChunk;

typedef struct KpConn
{
	dlist_node	node;
	pgsocket	sock;
	int			wes_pos;		/* position in the wait event set, or -1 */
	uint32		wes_events;		/* events registered there */
	MemoryContext cxt;
	char		peer[128];		/* "host:port" for log lines */
	uint8	   *in;				/* received bytes not yet consumed */
	size_t		inlen;
	size_t		incap;
	size_t		inpos;			/* start of the next unconsumed frame */
	KpOutChunk *out_head;
	KpOutChunk *out_tail;
	size_t		out_bytes;		/* queued and not yet written */
	TimestampTz last_active;
	bool		closed;
	bool		closing;		/* bad input seen: send what is queued, then close */
	void	   *parked;			/* a request waiting (long-poll fetch), or NULL */
	uint64		hold_until;		/* the largest hold of queued output */
	uint64		queue_hold;		/* hold given to chunks queued now */
	uint64		requests;
	uint64		serial;			/* unique within this process */
} KpConn;

/* Result of looking for the next frame in the input buffer */
typedef enum KpFrameStatus
{
	KP_FRAME_READY,				/* frame and len hold one whole request */
	KP_FRAME_NEED_MORE,			/* wait for more bytes */
	KP_FRAME_INVALID			/* size prefix out of range: close */
} KpFrameStatus;

extern KpConn *kp_conn_create(MemoryContext parent, pgsocket sock, const char *peer);
extern void kp_conn_destroy(KpConn *conn);
extern int	kp_conn_fill(KpConn *conn);
extern KpFrameStatus kp_conn_next_frame(KpConn *conn, int32 max_size,
										const uint8 **frame, int32 *len);
extern void kp_conn_compact(KpConn *conn);
extern void kp_conn_queue(KpConn *conn, uint8 *data, size_t len);
extern void kp_conn_queue_part(KpConn *conn, uint8 *data, size_t len, void *free_ptr);
extern void kp_conn_queue_file(KpConn *conn, int fd, off_t off, size_t len,
							   KpReleaseFn release, void *release_arg);
extern bool kp_conn_flush(KpConn *conn, uint64 released);
extern bool kp_conn_writable(KpConn *conn, uint64 released);

#endif							/* KAFKAPG_NET_CONN_H */
