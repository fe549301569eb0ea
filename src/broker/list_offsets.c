/*-------------------------------------------------------------------------
 *
 * list_offsets.c
 *	  ListOffsets (key 2), versions 0-7: earliest (-2), latest (-1), max
 *	  timestamp (-3, KIP-734) and the first offset at or after a timestamp.
 *
 * Offsets come from the partition's shared state; a timestamp lookup goes
 * through the segments' time indexes and then the records of one batch
 * (storage/read.c).  "Latest" is the high watermark, or the last stable
 * offset for read_committed.  v0 answers in old_style_offsets.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

#define KP_LATEST_TIMESTAMP		(-1)
#define KP_EARLIEST_TIMESTAMP	(-2)
#define KP_MAX_TIMESTAMP		(-3)

static void
lookup_offset(const KpTopicInfo *t, int32 partition, const KpPartitionSnap *snap,
			  int64 target, bool read_committed, int64 *offset, int64 *timestamp)
{
	*timestamp = -1;
	if (target == KP_EARLIEST_TIMESTAMP)
		*offset = snap->log_start_offset;
	else if (target == KP_LATEST_TIMESTAMP)
		*offset = read_committed ? snap->last_stable_offset : snap->high_watermark;
	else if (target == KP_MAX_TIMESTAMP)
	{
		*offset = snap->max_timestamp_offset;
		*timestamp = snap->max_timestamp_offset >= 0 ? snap->max_timestamp : -1;
	}
	else
		*offset = kp_log_offset_for_time(t, partition, target, timestamp);
}

static void
list_partition(KpRequest *req, const KpListOffsetsRequest *rq, const KpTopicInfo *t,
			   const KpListOffsetsPartition *lp, KpListOffsetsPartitionResponse *out)
{
	KpPartitionSnap snap;
	int64		offset,
				ts;

	kp_partition_snapshot(t->first_slot + lp->partition_index, &snap);
	if (lp->current_leader_epoch >= 0 && lp->current_leader_epoch != snap.leader_epoch)
	{
		out->error_code = lp->current_leader_epoch > snap.leader_epoch
			? KP_ERR_UNKNOWN_LEADER_EPOCH : KP_ERR_FENCED_LEADER_EPOCH;
		return;
	}
	lookup_offset(t, lp->partition_index, &snap, lp->timestamp, rq->isolation_level == 1,
				  &offset, &ts);
	out->timestamp = ts;
	out->offset = offset;
	out->leader_epoch = offset >= 0 ? snap.leader_epoch : -1;
	if (req->version == 0)
	{
		out->old_style_offsets = kp_request_alloc(req, sizeof(int64));
		out->old_style_offsets[0] = offset;
		out->old_style_offsets_count = offset >= 0 && lp->max_num_offsets > 0 ? 1 : 0;
	}
}

/* Kafka answers INVALID_REQUEST to every copy of a partition named twice (v1+). */
static bool
duplicate_partition(const KpListOffsetsRequest *rq, const KpListOffsetsTopic *lt, int32 index)
{
	int			seen = 0;

	for (int i = 0; i < rq->topics_count; i++)
	{
		const KpListOffsetsTopic *o = &rq->topics[i];

		if (o->name == NULL || lt->name == NULL || strcmp(o->name, lt->name) != 0)
			continue;
		for (int j = 0; j < o->partitions_count; j++)
			seen += o->partitions[j].partition_index == index;
	}
	return seen > 1;
}

static void
list_topic(KpRequest *req, const KpListOffsetsRequest *rq, const KpListOffsetsTopic *lt,
		   KpListOffsetsTopicResponse *out, int16 request_error)
{
	KpTopicInfo t;
	bool		found = request_error == KP_ERR_NONE && lt->name != NULL &&
		kp_topic_lookup(lt->name, &t);

	out->name = lt->name;
	out->partitions_count = Max(lt->partitions_count, 0);
	out->partitions = kp_request_alloc(req, sizeof(KpListOffsetsPartitionResponse) *
									   Max(lt->partitions_count, 1));
	for (int i = 0; i < lt->partitions_count; i++)
	{
		const KpListOffsetsPartition *lp = &lt->partitions[i];
		KpListOffsetsPartitionResponse *po = &out->partitions[i];

		kp_struct_init_defaults(&kp_desc_ListOffsetsPartitionResponse, po);
		po->partition_index = lp->partition_index;
		if (request_error != KP_ERR_NONE)
			po->error_code = request_error;
		else if (req->version >= 1 && duplicate_partition(rq, lt, lp->partition_index))
			po->error_code = KP_ERR_INVALID_REQUEST;
		else if (!found || lp->partition_index < 0 || lp->partition_index >= t.partitions)
			po->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		else
			list_partition(req, rq, &t, lp, po);
	}
}

static void
fill_response(KpRequest *req, const KpListOffsetsRequest *rq, KpListOffsetsResponse *rs,
			  int16 request_error)
{
	rs->topics_count = Max(rq->topics_count, 0);
	rs->topics = kp_request_alloc(req, sizeof(KpListOffsetsTopicResponse) *
								  Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
		list_topic(req, rq, &rq->topics[i], &rs->topics[i], request_error);
}

void
kp_handle_list_offsets(KpRequest *req, const void *request, void *response)
{
	fill_response(req, request, response, KP_ERR_NONE);
}

bool
kp_list_offsets_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	fill_response(req, request, response, error_code);
	return true;
}
