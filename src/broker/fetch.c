/*-------------------------------------------------------------------------
 *
 * fetch.c
 *	  Fetch (key 1), versions 4-13: record data straight from the segment
 *	  files, and the long poll.
 *
 * Each partition's records are a pinned slice of a segment file; the
 * response encoder leaves their place empty and the connection sends them
 * with sendfile (dispatch.c), so record bytes are never copied in user
 * space.  Limits follow Kafka: partition_max_bytes per partition,
 * max_bytes for the whole response, but the first batch of the first
 * non-empty partition is returned whole even if larger (KIP-74).
 *
 * Long poll: when fewer than min_bytes are available and max_wait_ms has
 * not passed, the request parks on its connection.  Before reading, the
 * handler sets this worker's bit in each partition's waiter mask, so an
 * append after our snapshot is sure to set our latch; the request is then
 * retried and answered within a loop pass of the append.
 *
 * Fetch sessions (KIP-227) are not kept: session id 0 is answered, which
 * tells clients to send full fetch requests.  Leader epoch checks use the
 * partition's epoch in shared memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/broker/worker.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

typedef struct KpFetchState
{
	KpRequest  *req;
	const KpFetchRequest *rq;
	bool		read_committed;
	bool		may_park;
	int64		remaining;		/* of max_bytes */
	int64		total;			/* record bytes in the response */
	bool		any_error;
} KpFetchState;

static bool
resolve_topic(const KpFetchState *fs, const KpFetchTopic *ft, KpTopicInfo *t, int16 *err)
{
	if (fs->req->version >= 13)
	{
		*err = KP_ERR_UNKNOWN_TOPIC_ID;
		return kp_topic_lookup_id(&ft->topic_id, t);
	}
	*err = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	return ft->topic != NULL && kp_topic_lookup(ft->topic, t);
}

static void
set_offsets(KpFetchPartitionData *out, const KpPartitionSnap *snap)
{
	out->high_watermark = snap->high_watermark;
	out->last_stable_offset = snap->last_stable_offset;
	out->log_start_offset = snap->log_start_offset;
}

static void
wait_on(int32 slot)
{
	KpPartition *p = kp_partition_at(slot);

	if (kp_my_worker_index >= 0)
		pg_atomic_fetch_or_u64(&p->waiters, UINT64CONST(1) << kp_my_worker_index);
}

static void
read_partition(KpFetchState *fs, const KpTopicInfo *t, const KpFetchPartition *fp,
			   KpFetchPartitionData *out)
{
	int32		slot = t->first_slot + fp->partition;
	int64		limit = Min((int64) Max(fp->partition_max_bytes, 0), fs->remaining);
	KpPartitionSnap snap;
	KpFileSlice *slice = kp_request_alloc(fs->req, sizeof(KpFileSlice));
	KpReadStatus st;

	out->error_code = kp_check_leader_epoch(fp->current_leader_epoch,
											kp_partition_leader_epoch(slot));
	if (out->error_code != KP_ERR_NONE)
		return;
	if (fs->may_park)
		wait_on(slot);
	st = kp_log_read(t, fp->partition, fp->fetch_offset, limit, fs->read_committed,
					 fs->total == 0, &snap, slice);
	set_offsets(out, &snap);
	if (st == KP_READ_OUT_OF_RANGE)
		out->error_code = KP_ERR_OFFSET_OUT_OF_RANGE;
	else if (st == KP_READ_IO_ERROR)
		out->error_code = KP_ERR_KAFKA_STORAGE_ERROR;
	if (st != KP_READ_OK || slice->len == 0)
		return;
	out->records.data = (const uint8 *) slice;	/* by reference: see dispatch.c */
	out->records.len = (int32) slice->len;
	kp_request_add_slice(fs->req, slice);
	fs->total += slice->len;
	fs->remaining = Max(fs->remaining - slice->len, 0);
}

static void
fetch_topic(KpFetchState *fs, const KpFetchTopic *ft, KpFetchableTopicResponse *out)
{
	KpTopicInfo t;
	int16		unknown;
	bool		found = resolve_topic(fs, ft, &t, &unknown);

	out->topic = ft->topic;
	out->topic_id = ft->topic_id;
	out->partitions_count = Max(ft->partitions_count, 0);
	out->partitions = kp_request_alloc(fs->req, sizeof(KpFetchPartitionData) *
									   Max(ft->partitions_count, 1));
	for (int i = 0; i < ft->partitions_count; i++)
	{
		const KpFetchPartition *fp = &ft->partitions[i];
		KpFetchPartitionData *po = &out->partitions[i];

		kp_struct_init_defaults(&kp_desc_FetchPartitionData, po);
		po->partition_index = fp->partition;
		po->high_watermark = -1;
		po->records.len = 0;
		if (!found || fp->partition < 0 || fp->partition >= t.partitions)
			po->error_code = unknown;
		else
			read_partition(fs, &t, fp, po);
		fs->any_error |= po->error_code != KP_ERR_NONE;
	}
}

static void
fill_response(KpFetchState *fs, KpFetchResponse *rs)
{
	const KpFetchRequest *rq = fs->rq;

	rs->session_id = 0;
	rs->responses_count = Max(rq->topics_count, 0);
	rs->responses = kp_request_alloc(fs->req, sizeof(KpFetchableTopicResponse) *
									 Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
		fetch_topic(fs, &rq->topics[i], &rs->responses[i]);
}

void
kp_handle_fetch(KpRequest *req, const void *request, void *response)
{
	const KpFetchRequest *rq = request;
	KpFetchResponse *rs = response;
	KpFetchState fs = {req, rq};
	int64		until = req->arrived_ms + Max(rq->max_wait_ms, 0);

	if (rq->session_id != 0)
	{
		/* we never hand out sessions, so any id is unknown */
		rs->error_code = KP_ERR_FETCH_SESSION_ID_NOT_FOUND;
		return;
	}
	fs.read_committed = rq->isolation_level == 1;
	fs.remaining = rq->max_bytes > 0 ? rq->max_bytes : 0;
	fs.may_park = rq->min_bytes > 0 && kp_now_ms() < until;
	fill_response(&fs, rs);
	if (fs.may_park && !fs.any_error && fs.total < rq->min_bytes)
		req->park_until_ms = until;
}

bool
kp_fetch_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	KpFetchResponse *rs = response;

	rs->error_code = error_code;
	return true;
}
