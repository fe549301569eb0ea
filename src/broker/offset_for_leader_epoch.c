/*-------------------------------------------------------------------------
 *
 * offset_for_leader_epoch.c
 *	  OffsetForLeaderEpoch (key 23, versions 0-4).
 *
 * A consumer (KIP-320) or a follower that saw a leader change asks, for
 * the last epoch it fetched, where that epoch ends on the current leader;
 * if its position is beyond that end, its log diverged (it read from a
 * primary whose last appends never reached the standby that was promoted)
 * and it truncates there.  Epochs are PostgreSQL timelines minus one
 * (storage/registry.c); the answer comes from the leader epochs stamped in
 * the batches (storage/read.c).  current_leader_epoch (v2+) is checked
 * as Fetch checks it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

static void
answer_partition(const KpTopicInfo *t, const KpOffsetForLeaderPartition *in,
				 KpOffsetForLeaderPartitionResult *out)
{
	int32		slot = t->first_slot + in->partition;

	out->error_code = kp_check_leader_epoch(in->current_leader_epoch,
										  kp_partition_leader_epoch(slot));
	if (out->error_code != KP_ERR_NONE)
		return;
	if (!kp_log_epoch_end(t, in->partition, in->leader_epoch, &out->leader_epoch,
						  &out->end_offset))
		out->error_code = KP_ERR_KAFKA_STORAGE_ERROR;
}

static void
answer_topic(KpRequest *req, const KpOffsetForLeaderTopic *in, KpOffsetForLeaderTopicResult *out,
			 int16 request_error)
{
	KpTopicInfo t;
	bool		found = request_error == KP_ERR_NONE && in->topic != NULL &&
		kp_topic_lookup(in->topic, &t);

	out->topic = in->topic;
	out->partitions_count = Max(in->partitions_count, 0);
	out->partitions = kp_request_alloc(req, sizeof(KpOffsetForLeaderPartitionResult) *
									   Max(in->partitions_count, 1));
	for (int i = 0; i < in->partitions_count; i++)
	{
		const KpOffsetForLeaderPartition *pin = &in->partitions[i];
		KpOffsetForLeaderPartitionResult *po = &out->partitions[i];

		kp_struct_init_defaults(&kp_desc_OffsetForLeaderPartitionResult, po);
		po->partition = pin->partition;
		if (request_error != KP_ERR_NONE)
			po->error_code = request_error;
		else if (!found || pin->partition < 0 || pin->partition >= t.partitions)
			po->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		else
			answer_partition(&t, pin, po);
	}
}

static void
fill_response(KpRequest *req, const KpOffsetForLeaderEpochRequest *rq,
			  KpOffsetForLeaderEpochResponse *rs, int16 request_error)
{
	rs->topics_count = Max(rq->topics_count, 0);
	rs->topics = kp_request_alloc(req, sizeof(KpOffsetForLeaderTopicResult) *
								  Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
		answer_topic(req, &rq->topics[i], &rs->topics[i], request_error);
}

void
kp_handle_offset_for_leader_epoch(KpRequest *req, const void *request, void *response)
{
	fill_response(req, request, response, KP_ERR_NONE);
}

bool
kp_offset_for_leader_epoch_error(KpRequest *req, const void *request, void *response,
								 int16 error_code)
{
	fill_response(req, request, response, error_code);
	return true;
}
