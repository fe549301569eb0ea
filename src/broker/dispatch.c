/*-------------------------------------------------------------------------
 *
 * dispatch.c
 *	  Turns one request frame into one queued response.
 *
 * Order of checks follows Kafka: an unknown API key or an unsupported
 * version of anything but ApiVersions closes the connection (Kafka cannot
 * parse such a request either); an unsupported ApiVersions version gets
 * the KIP-511 fallback; a body that does not parse closes the connection
 * with a LOG line.  A handler that raises ERROR is recovered from here: the
 * transaction is aborted, locks released, request memory reset, and the
 * client gets UNKNOWN_SERVER_ERROR through the API's error response.
 *
 * Broker worker only; single-threaded.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/lwlock.h"
#include "utils/memutils.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/segment.h"
#include "kafkapg/storage/storage.h"

static MemoryContext request_cxt = NULL;

void
kp_dispatch_init(MemoryContext parent)
{
	request_cxt = AllocSetContextCreate(parent, "kafkapg request",
										ALLOCSET_DEFAULT_SIZES);
}

void *
kp_request_alloc(KpRequest *req, size_t size)
{
	return req->alloc->alloc(req->alloc->ctx, size);
}

/*
 * Registers a pinned file slice that the response's RECORDS field refers
 * to (KpBytes.data points at the slice).  The pin passes to the output
 * queue, or is dropped if the response is not sent.
 */
void
kp_request_add_slice(KpRequest *req, KpFileSlice *slice)
{
	if (req->nslices == req->slices_cap)
	{
		req->slices_cap = Max(8, req->slices_cap * 2);
		req->slices = req->slices
			? repalloc(req->slices, sizeof(KpFileSlice *) * req->slices_cap)
			: palloc(sizeof(KpFileSlice *) * req->slices_cap);
	}
	req->slices[req->nslices++] = slice;
}

static void
unpin_slices(KpRequest *req)
{
	for (int i = 0; i < req->nslices; i++)
	{
		if (req->slices[i]->file != NULL)
			kp_file_unpin(req->slices[i]->file);
		req->slices[i]->file = NULL;
	}
	req->nslices = 0;
}

/* Where, in the encoded response, each by-reference slice goes */
typedef struct KpRefs
{
	int			n;
	size_t		pos[1024];
	KpFileSlice *slice[1024];
	bool		overflow;
} KpRefs;

static void
records_hook(void *arg, KpWriter *w, const KpBytes *b)
{
	KpRefs	   *refs = arg;

	if (refs->n == lengthof(refs->pos))
	{
		/* more partitions with data than we track: copy this one */
		KpFileSlice *s = (KpFileSlice *) b->data;
		size_t		at = w->len;

		kp_writer_reserve(w, s->len);
		if (w->error == NULL && kp_pread_full(s->fd, w->data + at, s->len, s->offset))
			w->len += s->len;
		else
			refs->overflow = true;
		return;
	}
	refs->pos[refs->n] = w->len;
	refs->slice[refs->n] = (KpFileSlice *) b->data;
	refs->n++;
}

/* Queues the encoded bytes interleaved with the referenced file slices. */
static void
queue_with_refs(KpConn *conn, KpWriter *w, KpRefs *refs)
{
	size_t		prev = 0;
	int64		total = (int64) w->len - 4;

	for (int i = 0; i < refs->n; i++)
		total += refs->slice[i]->len;
	kp_put_int32_at(w, 0, (int32) total);
	for (int i = 0; i < refs->n; i++)
	{
		KpFileSlice *s = refs->slice[i];

		kp_conn_queue_part(conn, w->data + prev, refs->pos[i] - prev, NULL);
		kp_conn_queue_file(conn, s->fd, (off_t) s->offset, (size_t) s->len,
						   (KpReleaseFn) kp_file_unpin, s->file);
		s->file = NULL;			/* the pin now belongs to the queue */
		prev = refs->pos[i];
	}
	kp_conn_queue_part(conn, w->data + prev, w->len - prev, w->data);
}

/* Encodes [size][response header][body] and queues it on the connection. */
static bool
queue_response(KpConn *conn, const KpApiSchema *api, int16 version,
			   int32 correlation_id, const void *body, KpRequest *req)
{
	KpAllocator alloc;
	KpCodecCtx	ctx = {version, kp_api_is_flexible(api, version), &alloc};
	KpWriter	w;
	KpRefs	   *refs = NULL;

	kp_palloc_allocator_in(&alloc, conn->cxt);

	kp_writer_init(&w, &alloc, 256);
	if (req != NULL && req->nslices > 0)
	{
		refs = palloc0(sizeof(KpRefs));
		w.records_hook = records_hook;
		w.records_arg = refs;
	}
	kp_write_int32(&w, 0);		/* size, patched below */
	kp_encode_response_header(&w, kp_response_header_version(api, version),
							  correlation_id);
	if (!kp_encode_struct(api->response, &ctx, &w, body))
	{
		ereport(LOG,
				(errmsg("kafkapg: could not encode %s v%d response for %s: %s (field %s)",
						api->name, version, conn->peer, w.error,
						w.field ? w.field : "?")));
		pfree(w.data);
		return false;
	}
	if (refs != NULL && refs->n > 0)
	{
		queue_with_refs(conn, &w, refs);
		return true;
	}
	kp_put_int32_at(&w, 0, (int32) (w.len - 4));
	kp_conn_queue(conn, w.data, w.len);
	return true;
}

/* KIP-511: UNSUPPORTED_VERSION with our ApiVersions range, as a v0 response. */
static bool
answer_unsupported_api_versions(KpConn *conn, const KpApiSchema *api, int32 corr)
{
	KpApiVersionsResponse rs;
	KpApiVersion one;

	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, &rs);
	rs.api_keys = &one;
	kp_api_versions_unsupported(&rs);
	return queue_response(conn, api, 0, corr, &rs, NULL);
}

/* Test hook: kafkapg.debug_fail_next_request() arms a failure for one key. */
static void
maybe_inject_fault(KpRequest *req)
{
	uint32		armed = pg_atomic_read_u32(&kp_shared->fault_api_key);

	if (armed != (uint32) req->api->api_key + 1)
		return;
	if (pg_atomic_compare_exchange_u32(&kp_shared->fault_api_key, &armed, 0))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("kafkapg: injected fault in %s request", req->api->name)));
}

/*
 * Runs the handler; on ERROR, recovers the worker and builds the API's
 * error response.  Returns false if no response can be sent.
 */
static bool
run_handler(const KpHandler *h, KpRequest *req, const void *request, void *response)
{
	volatile bool failed = false;

	PG_TRY();
	{
		maybe_inject_fault(req);
		h->handle(req, request, response);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(request_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		LWLockReleaseAll();
		ereport(LOG,
				(errmsg("kafkapg: %s v%d request from %s failed: %s",
						req->api->name, req->version, req->conn->peer,
						edata->message)));
		FreeErrorData(edata);
		failed = true;
	}
	PG_END_TRY();

	if (!failed)
		return true;
	kp_struct_init_defaults(req->api->response, response);
	return h->error_response != NULL &&
		h->error_response(req, request, response, KP_ERR_UNKNOWN_SERVER_ERROR);
}

/* Decodes header and body; logs and returns false on malformed input. */
static bool
decode_request(KpRequest *req, const uint8 *frame, int32 len, void *body)
{
	KpCodecCtx	ctx = {req->version, kp_api_is_flexible(req->api, req->version), req->alloc};
	KpReader	r;

	kp_reader_init(&r, frame, len);
	if (kp_decode_request_header(&r, kp_request_header_version(req->api, req->version),
								 req->alloc, &req->header) &&
		kp_decode_struct(req->api->request, &ctx, &r, body))
		return true;
	ereport(LOG,
			(errmsg("kafkapg: closing connection from %s: malformed %s v%d request: %s in field \"%s\"",
					req->conn->peer, req->api->name, req->version,
					r.error ? r.error : "?", r.field ? r.field : "?")));
	return false;
}

/* Keeps a copy of the frame on the connection until the request can be answered. */
static void
park(KpConn *conn, const uint8 *frame, int32 len, int64 arrived_ms, int64 until_ms)
{
	KpParked   *p = MemoryContextAlloc(conn->cxt, sizeof(KpParked));

	p->frame = MemoryContextAlloc(conn->cxt, len);
	memcpy(p->frame, frame, len);
	p->len = len;
	p->arrived_ms = arrived_ms;
	p->until_ms = until_ms;
	conn->parked = p;
}

static bool
dispatch_known(KpConn *conn, const KpHandler *h, const KpApiSchema *api,
			   int16 version, const uint8 *frame, int32 len, int64 arrived_ms,
			   bool retry)
{
	KpAllocator alloc;
	KpRequest	req = {conn, api, {0}, version, &alloc};
	void	   *request = palloc0(api->request->size);
	void	   *response = palloc0(api->response->size);
	bool		ok;

	kp_palloc_allocator_in(&alloc, request_cxt);
	req.arrived_ms = arrived_ms;
	req.retry = retry;
	if (!decode_request(&req, frame, len, request))
		return false;
	kp_struct_init_defaults(api->response, response);
	if (!run_handler(h, &req, request, response))
	{
		unpin_slices(&req);
		return false;
	}
	if (req.park_until_ms > 0)
	{
		unpin_slices(&req);
		park(conn, frame, len, arrived_ms, req.park_until_ms);
		return true;
	}
	if (req.no_response)
	{
		unpin_slices(&req);
		if (req.close_connection)
			ereport(LOG,
					(errmsg("kafkapg: closing connection from %s: %s v%d request with acks=0 failed",
							conn->peer, api->name, version)));
		return !req.close_connection;
	}
	/* group commit: the response's chunks wait for this point (server.c) */
	conn->queue_hold = req.hold_until;
	ok = queue_response(conn, api, version, req.header.correlation_id, response, &req);
	conn->queue_hold = 0;
	unpin_slices(&req);			/* those not handed to the queue */
	return ok;
}

static bool dispatch(KpConn *conn, const uint8 *frame, int32 len, int64 arrived_ms,
					 bool retry);

/*
 * Handles one frame (the bytes after the size prefix).  Returns false when
 * the connection must be closed; the reason has been logged.  The request
 * may instead be parked on the connection (conn->parked), to be retried.
 */
bool
kp_dispatch_frame(KpConn *conn, const uint8 *frame, int32 len)
{
	return dispatch(conn, frame, len, kp_now_ms(), false);
}

/* Runs the connection's parked request again; it may park once more. */
bool
kp_dispatch_retry(KpConn *conn)
{
	KpParked   *p = conn->parked;
	bool		ok;

	conn->parked = NULL;
	ok = dispatch(conn, p->frame, p->len, p->arrived_ms, true);
	pfree(p->frame);
	pfree(p);
	return ok;
}

/* Until when the connection's parked request waits (ms), or 0. */
int64
kp_dispatch_parked_until(KpConn *conn)
{
	return conn->parked ? ((KpParked *) conn->parked)->until_ms : 0;
}

static bool
dispatch(KpConn *conn, const uint8 *frame, int32 len, int64 arrived_ms, bool retry)
{
	int16		api_key,
				version;
	int32		corr;
	const KpHandler *h;
	const KpApiSchema *api;
	MemoryContext old;
	bool		ok;

	if (!kp_peek_request_header(frame, len, &api_key, &version, &corr))
		return false;			/* cannot happen: frames are >= 8 bytes */
	h = kp_handler_lookup(api_key);
	api = kp_api_schema(api_key);
	if (h == NULL || api == NULL)
	{
		ereport(LOG,
				(errmsg("kafkapg: closing connection from %s: unknown API key %d",
						conn->peer, api_key)));
		return false;
	}
	if (version < h->min_version || version > h->max_version)
	{
		if (api_key == KP_API_API_VERSIONS)
			return answer_unsupported_api_versions(conn, api, corr);
		ereport(LOG,
				(errmsg("kafkapg: closing connection from %s: unsupported %s version %d (supported %d to %d)",
						conn->peer, api->name, version, h->min_version, h->max_version)));
		return false;
	}
	old = MemoryContextSwitchTo(request_cxt);
	ok = dispatch_known(conn, h, api, version, frame, len, arrived_ms, retry);
	MemoryContextSwitchTo(old);
	MemoryContextReset(request_cxt);
	return ok;
}
