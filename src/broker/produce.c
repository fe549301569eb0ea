/*-------------------------------------------------------------------------
 *
 * produce.c
 *	  Produce (key 0), versions 0-9: validate each partition's records and
 *	  append them, with per-partition errors as Kafka gives them.
 *
 * Each partition is judged alone, so one bad batch fails only its own
 * partition.  Order of checks follows Kafka's LogValidator: required acks,
 * topic and partition, the magic the request version allows (v3+ carries
 * exactly one RecordBatch v2; v0-v2 may carry legacy message sets, which
 * are converted to one v2 batch), max.message.bytes, then the batch itself
 * (sizes, CRC32C, records) and its timestamps.  The records are patched in
 * place in the request buffer and written once to the segment: no copy on
 * the hot path, no SPI, no transaction.  acks=0 gets no response at all;
 * an acks=-1 response is held until the WAL of its appends is flushed,
 * which the event loop does once per pass for all of them (group commit).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/record/batch.h"
#include "kafkapg/storage/storage.h"

#define KP_MAX_UNCOMPRESSED ((size_t) 256 * 1024 * 1024)

typedef struct KpProduceVerdict
{
	int16		error_code;
	const char *message;
} KpProduceVerdict;

static bool
fail(KpProduceVerdict *v, int16 code, const char *message)
{
	v->error_code = code;
	v->message = message;
	return false;
}

static int16
batch_error_code(KpBatchError e)
{
	switch (e)
	{
		case KP_BATCH_OK:
			return KP_ERR_NONE;
		case KP_BATCH_CORRUPT:
			return KP_ERR_CORRUPT_MESSAGE;
		case KP_BATCH_INVALID_RECORD:
			return KP_ERR_INVALID_RECORD;
		case KP_BATCH_UNSUPPORTED_CODEC:
			return KP_ERR_UNSUPPORTED_COMPRESSION_TYPE;
	}
	return KP_ERR_CORRUPT_MESSAGE;
}

/*
 * Brings the partition's records to one v2 batch (data, len): legacy
 * message sets (allowed up to Produce v2) are converted.
 */
static bool
normalise(KpRequest *req, uint8 **data, size_t *len, KpProduceVerdict *v)
{
	int			magic = kp_records_magic(*data, *len);
	int64		total;

	if (magic < 0)
		return fail(v, KP_ERR_CORRUPT_MESSAGE, "records are too short to hold a batch");
	if (magic < 2)
	{
		uint8	   *out;
		size_t		out_len;
		KpBatchError e;

		if (req->version >= 3)
			return fail(v, KP_ERR_INVALID_RECORD,
						"Produce v3 and later must carry record batches of magic 2");
		e = kp_msgset_to_batch(*data, *len, req->alloc, KP_MAX_UNCOMPRESSED,
							   &out, &out_len, &v->message);
		if (e != KP_BATCH_OK)
			return fail(v, batch_error_code(e), v->message);
		*data = out;
		*len = out_len;
		return true;
	}
	if (magic > 2)
		return fail(v, KP_ERR_CORRUPT_MESSAGE, "unknown record batch magic");
	total = kp_batch_total_size(*data, *len);
	if (total < 0)
		return fail(v, KP_ERR_CORRUPT_MESSAGE, "invalid record batch length");
	if ((size_t) total > *len)
		return fail(v, KP_ERR_INVALID_RECORD, "record batch length exceeds the records sent");
	if ((size_t) total < *len)
		return fail(v, KP_ERR_INVALID_RECORD,
					"Produce requests must carry exactly one record batch per partition");
	return true;
}

/* CreateTime topics: message.timestamp.difference.max.ms. */
static bool
timestamps_ok(const KpTopicInfo *t, const KpBatchHeader *h, KpProduceVerdict *v)
{
	int64		max_diff = t->config.timestamp_diff_max_ms;
	int64		now;

	if (t->config.log_append_time || max_diff == PG_INT64_MAX)
		return true;
	now = kp_now_ms();
	if ((h->base_timestamp >= 0 && Abs(now - h->base_timestamp) > max_diff) ||
		(h->max_timestamp >= 0 && Abs(now - h->max_timestamp) > max_diff))
		return fail(v, KP_ERR_INVALID_TIMESTAMP,
					"record timestamp is outside message.timestamp.difference.max.ms");
	return true;
}

/* Checks one partition's records; on success *h describes the batch. */
static bool
check_records(KpRequest *req, const KpTopicInfo *t, uint8 **data, size_t *len,
			  KpBatchHeader *h, KpProduceVerdict *v)
{
	KpBatchError e;

	if (*data == NULL || *len == 0)
		return fail(v, KP_ERR_INVALID_RECORD, "no records");
	if (!normalise(req, data, len, v))
		return false;
	if (*len > (size_t) t->config.max_message_bytes)
		return fail(v, KP_ERR_MESSAGE_TOO_LARGE,
					"the record batch is larger than max.message.bytes");
	e = kp_batch_validate(*data, *len, req->alloc, KP_MAX_UNCOMPRESSED, h, &v->message);
	if (e != KP_BATCH_OK)
		return fail(v, batch_error_code(e), v->message);
	if ((h->attributes & KP_ATTR_COMPRESSION_MASK) == KP_CODEC_ZSTD && req->version < 7)
		return fail(v, KP_ERR_UNSUPPORTED_COMPRESSION_TYPE,
					"zstd compression needs Produce version 7 or later");
	if (h->records_count <= 0)
		return fail(v, KP_ERR_INVALID_RECORD, "a record batch must hold at least one record");
	if (h->attributes & KP_ATTR_CONTROL)
		return fail(v, KP_ERR_INVALID_RECORD, "clients may not produce control batches");
	return timestamps_ok(t, h, v);
}

static void
produce_partition(KpRequest *req, const KpTopicInfo *t, const KpPartitionProduceData *pd,
				  KpPartitionProduceResponse *out)
{
	uint8	   *data = (uint8 *) pd->records.data;	/* request buffer, ours to patch */
	size_t		len = pd->records.len > 0 ? (size_t) pd->records.len : 0;
	KpBatchHeader h;
	KpProduceVerdict v = {KP_ERR_NONE, NULL};
	KpAppendResult res;

	if (!check_records(req, t, &data, &len, &h, &v))
	{
		out->error_code = v.error_code;
		out->error_message = v.message ? pstrdup(v.message) : NULL;
		return;
	}
	kp_log_append(t, pd->index, data, len, &h, &res);
	if (res.error_code == KP_ERR_NONE && req->hold_until < res.lsn)
		req->hold_until = res.lsn;
	out->error_code = res.error_code;
	out->error_message = res.error_message ? pstrdup(res.error_message) : NULL;
	out->base_offset = res.base_offset;
	out->log_append_time_ms = res.log_append_time;
	out->log_start_offset = res.log_start_offset;
}

static void
produce_topic(KpRequest *req, const KpProduceRequest *rq, const KpTopicProduceData *td,
			  KpTopicProduceResponse *out, int16 request_error)
{
	KpTopicInfo t;
	bool		found = request_error == KP_ERR_NONE && td->name != NULL &&
		kp_topic_lookup(td->name, &t);

	out->name = td->name;
	out->partition_responses_count = Max(td->partition_data_count, 0);
	out->partition_responses =
		kp_request_alloc(req, sizeof(KpPartitionProduceResponse) * Max(td->partition_data_count, 1));
	for (int i = 0; i < td->partition_data_count; i++)
	{
		const KpPartitionProduceData *pd = &td->partition_data[i];
		KpPartitionProduceResponse *po = &out->partition_responses[i];

		kp_struct_init_defaults(&kp_desc_PartitionProduceResponse, po);
		po->index = pd->index;
		po->base_offset = -1;	/* Kafka's INVALID_OFFSET unless appended */
		if (request_error != KP_ERR_NONE)
			po->error_code = request_error;
		else if (!found || pd->index < 0 || pd->index >= t.partitions)
			po->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		else
			produce_partition(req, &t, pd, po);
	}
}

static void
fill_response(KpRequest *req, const KpProduceRequest *rq, KpProduceResponse *rs,
			  int16 request_error)
{
	rs->responses_count = Max(rq->topic_data_count, 0);
	rs->responses = kp_request_alloc(req, sizeof(KpTopicProduceResponse) *
									 Max(rq->topic_data_count, 1));
	for (int i = 0; i < rq->topic_data_count; i++)
		produce_topic(req, rq, &rq->topic_data[i], &rs->responses[i], request_error);
}

static bool
any_error(const KpProduceRequest *rq, const KpProduceResponse *rs)
{
	for (int i = 0; i < rs->responses_count; i++)
	{
		for (int j = 0; j < rs->responses[i].partition_responses_count; j++)
		{
			if (rs->responses[i].partition_responses[j].error_code != KP_ERR_NONE)
				return true;
		}
	}
	return false;
}

void
kp_handle_produce(KpRequest *req, const void *request, void *response)
{
	const KpProduceRequest *rq = request;
	bool		acks_ok = rq->acks == 0 || rq->acks == 1 || rq->acks == -1;

	int16		error = !acks_ok ? KP_ERR_INVALID_REQUIRED_ACKS
		: RecoveryInProgress() ? KP_ERR_NOT_LEADER_OR_FOLLOWER	/* a standby */
		: KP_ERR_NONE;

	fill_response(req, rq, response, error);
	if (rq->acks != -1 && req->hold_until != 0)
	{
		/* consumers see it once durable; only acks=-1 waits for that */
		(void) kp_request_durable(req->hold_until, false);
		req->hold_until = 0;
	}
	if (rq->acks == 0)
	{
		req->no_response = true;
		/* as Kafka: an acks=0 producer learns of a failure by the connection closing */
		req->close_connection = any_error(rq, response);
	}
}

bool
kp_produce_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	const KpProduceRequest *rq = request;

	fill_response(req, rq, response, error_code);
	/* acks=0 producers never read a response; Kafka closes the connection */
	return rq->acks != 0;
}
