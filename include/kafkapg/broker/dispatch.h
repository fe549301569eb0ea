/*-------------------------------------------------------------------------
 *
 * dispatch.h
 *	  From a request frame to a queued response: header and version checks,
 *	  decoding, the handler table, error recovery and response encoding.
 *
 * Runs in a broker worker only.  Per-request memory lives in a context that
 * is reset once the response is queued; the response bytes live in the
 * connection's context until sent.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_BROKER_DISPATCH_H
#define KAFKAPG_BROKER_DISPATCH_H

#include "kafkapg/net/conn.h"
#include "kafkapg/protocol/apis.h"

struct KpFileSlice;

typedef struct KpRequest
{
	KpConn	   *conn;
	const KpApiSchema *api;
	KpRequestHeader header;
	int16		version;
	const KpAllocator *alloc;	/* request-lifetime memory for the codec */
	int64		arrived_ms;		/* when the request first arrived (parking) */
	bool		retry;			/* it was parked and now runs again */
	bool		no_response;	/* set by the handler: send nothing (acks=0) */
	bool		close_connection;	/* with no_response: then close (logged) */
	int64		park_until_ms;	/* set by the handler: wait, retry until then */
	uint64		hold_until;		/* set by the handler: send once WAL is flushed to here */
	/* file slices the response sends by reference (see kp_request_add_slice) */
	struct KpFileSlice **slices;
	int			nslices;
	int			slices_cap;
} KpRequest;

/* A request parked on its connection until it can be answered */
typedef struct KpParked
{
	uint8	   *frame;			/* copy of the request frame */
	int32		len;
	int64		arrived_ms;
	int64		until_ms;
} KpParked;

/* Fills the response (pre-set to schema defaults) from the request. */
typedef void (*KpHandlerFn) (KpRequest *req, const void *request, void *response);

/*
 * Fills an error response after the handler raised an ERROR; returns false
 * if the API has no way to carry the error (the connection is then closed).
 */
typedef bool (*KpErrorFn) (KpRequest *req, const void *request, void *response,
						   int16 error_code);

typedef struct KpHandler
{
	int16		api_key;
	int16		min_version;	/* implemented range, advertised by ApiVersions */
	int16		max_version;
	KpHandlerFn handle;
	KpErrorFn	error_response;
} KpHandler;

/* handlers.c */
extern const KpHandler *kp_handler_lookup(int16 api_key);
extern int	kp_handler_count(void);
extern const KpHandler *kp_handler_at(int i);

/* dispatch.c */
extern void kp_dispatch_init(MemoryContext parent);
extern bool kp_dispatch_frame(KpConn *conn, const uint8 *frame, int32 len);
extern void *kp_request_alloc(KpRequest *req, size_t size);
extern void kp_request_add_slice(KpRequest *req, struct KpFileSlice *slice);
extern bool kp_dispatch_retry(KpConn *conn);
extern int64 kp_dispatch_parked_until(KpConn *conn);

/* api_versions.c */
extern void kp_handle_api_versions(KpRequest *req, const void *request, void *response);
extern bool kp_api_versions_error(KpRequest *req, const void *request, void *response,
								  int16 error_code);
extern void kp_api_versions_unsupported(void *response);

/* metadata.c */
extern void kp_handle_metadata(KpRequest *req, const void *request, void *response);
extern bool kp_metadata_error(KpRequest *req, const void *request, void *response,
							  int16 error_code);

/* produce.c, fetch.c, list_offsets.c */
extern void kp_handle_produce(KpRequest *req, const void *request, void *response);
extern bool kp_produce_error(KpRequest *req, const void *request, void *response,
							 int16 error_code);
extern void kp_handle_fetch(KpRequest *req, const void *request, void *response);
extern bool kp_fetch_error(KpRequest *req, const void *request, void *response,
						   int16 error_code);
extern void kp_handle_list_offsets(KpRequest *req, const void *request, void *response);
extern void kp_handle_find_coordinator(KpRequest *req, const void *request, void *response);
extern bool kp_find_coordinator_error(KpRequest *req, const void *request, void *response,
									  int16 error_code);
extern void kp_handle_offset_commit(KpRequest *req, const void *request, void *response);
extern bool kp_offset_commit_error(KpRequest *req, const void *request, void *response,
								   int16 error_code);
extern void kp_handle_offset_fetch(KpRequest *req, const void *request, void *response);
extern bool kp_offset_fetch_error(KpRequest *req, const void *request, void *response,
								  int16 error_code);
extern void kp_handle_offset_for_leader_epoch(KpRequest *req, const void *request,
											  void *response);
extern bool kp_offset_for_leader_epoch_error(KpRequest *req, const void *request,
											 void *response, int16 error_code);
extern bool kp_list_offsets_error(KpRequest *req, const void *request, void *response,
								  int16 error_code);

/* group_membership.c, group_admin.c */
#define KP_DECLARE_HANDLER(name) \
	extern void kp_handle_##name(KpRequest *req, const void *request, void *response); \
	extern bool kp_##name##_error(KpRequest *req, const void *request, void *response, \
								  int16 error_code)
KP_DECLARE_HANDLER(join_group);
KP_DECLARE_HANDLER(sync_group);
KP_DECLARE_HANDLER(heartbeat);
KP_DECLARE_HANDLER(leave_group);
KP_DECLARE_HANDLER(describe_groups);
KP_DECLARE_HANDLER(list_groups);
KP_DECLARE_HANDLER(delete_groups);
KP_DECLARE_HANDLER(offset_delete);

/* create_topics.c, delete_topics.c, describe_cluster.c */
extern void kp_handle_create_topics(KpRequest *req, const void *request, void *response);
extern bool kp_create_topics_error(KpRequest *req, const void *request, void *response,
								   int16 error_code);
extern void kp_handle_delete_topics(KpRequest *req, const void *request, void *response);
extern bool kp_delete_topics_error(KpRequest *req, const void *request, void *response,
								   int16 error_code);
extern void kp_handle_describe_cluster(KpRequest *req, const void *request, void *response);
extern bool kp_describe_cluster_error(KpRequest *req, const void *request, void *response,
									  int16 error_code);

#endif							/* KAFKAPG_BROKER_DISPATCH_H */
