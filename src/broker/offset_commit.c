/*-------------------------------------------------------------------------
 *
 * offset_commit.c
 *	  OffsetCommit (API 8), versions 0-8.
 *
 * The offsets of one request are written to kafkapg.consumer_offset in one
 * short transaction that commits without waiting for the disk
 * (synchronous_commit = off for that transaction only); the response is
 * then held until the WAL flusher has made the commit record durable (and
 * confirmed by synchronous standbys when they are configured), as acks=-1
 * produce is.  Commits of many requests thus share one WAL flush, and an
 * acknowledged commit is never lost.
 *
 * Without group membership (generation -1, no member id) a commit is a
 * "simple" commit, accepted as Kafka accepts it for groups that do not use
 * the coordinator; a request naming a generation of a group that has no
 * members gets ILLEGAL_GENERATION.  Per partition: UNKNOWN_TOPIC_OR_PARTITION
 * for a partition that does not exist, OFFSET_METADATA_TOO_LARGE past
 * kafkapg.offset_metadata_max_bytes.  A hot standby answers NOT_COORDINATOR
 * (FindCoordinator names the primary).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "utils/guc.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/offsets.h"
#include "kafkapg/group/group.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

typedef struct KpCommitWork
{
	const KpOffsetCommitRequest *rq;
	KpOffsetCommitResponse *rs;
	KpTopicInfo *topics;		/* per request topic; slot -1 if unknown */
} KpCommitWork;

/* Runs inside the commit's transaction (kp_broker_run_ddl). */
static void
store_offsets(void *arg)
{
	KpCommitWork *w = arg;

	(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	for (int i = 0; i < w->rq->topics_count; i++)
	{
		const KpOffsetCommitRequestTopic *t = &w->rq->topics[i];

		for (int j = 0; j < t->partitions_count; j++)
		{
			const KpOffsetCommitRequestPartition *p = &t->partitions[j];

			if (w->rs->topics[i].partitions[j].error_code != KP_ERR_NONE)
				continue;
			kp_offsets_commit(w->rq->group_id, &w->topics[i].id, p->partition_index,
							  p->committed_offset, p->committed_leader_epoch,
							  p->committed_metadata);
		}
	}
}

/* The error of one partition before anything is written. */
static int16
check_partition(const KpTopicInfo *t, const KpOffsetCommitRequestPartition *p)
{
	if (t->slot < 0 || p->partition_index < 0 || p->partition_index >= t->partitions)
		return KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (p->committed_metadata != NULL &&
		strlen(p->committed_metadata) > (size_t) kp_offset_metadata_max_bytes)
		return KP_ERR_OFFSET_METADATA_TOO_LARGE;
	return KP_ERR_NONE;
}

/* The error of the whole request (membership, see group/coordinator.c), or NONE. */
static int16
check_request(const KpOffsetCommitRequest *rq)
{
	if (RecoveryInProgress())
		return KP_ERR_NOT_COORDINATOR;
	if (rq->group_id == NULL || rq->group_id[0] == '\0')
		return KP_ERR_INVALID_GROUP_ID;
	return kp_group_check_commit(rq->group_id, rq->generation_id, rq->member_id,
								 rq->group_instance_id);
}

/* Sizes the response like the request, every partition with 'error'. */
static KpTopicInfo *
shape_response(KpRequest *req, const KpOffsetCommitRequest *rq, KpOffsetCommitResponse *rs,
			   int16 error, bool *any_ok)
{
	KpTopicInfo *topics = kp_request_alloc(req, sizeof(KpTopicInfo) * Max(rq->topics_count, 1));

	*any_ok = false;
	rs->topics_count = Max(rq->topics_count, 0);
	rs->topics = kp_request_alloc(req, sizeof(KpOffsetCommitResponseTopic) *
								  Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
	{
		const KpOffsetCommitRequestTopic *in = &rq->topics[i];
		KpOffsetCommitResponseTopic *out = &rs->topics[i];

		topics[i].slot = -1;
		if (error == KP_ERR_NONE && in->name != NULL)
			(void) kp_topic_lookup(in->name, &topics[i]);
		out->name = in->name;
		out->partitions_count = Max(in->partitions_count, 0);
		out->partitions = kp_request_alloc(req, sizeof(KpOffsetCommitResponsePartition) *
										   Max(in->partitions_count, 1));
		for (int j = 0; j < in->partitions_count; j++)
		{
			KpOffsetCommitResponsePartition *po = &out->partitions[j];

			po->partition_index = in->partitions[j].partition_index;
			po->error_code = error != KP_ERR_NONE ? error :
				check_partition(&topics[i], &in->partitions[j]);
			*any_ok |= po->error_code == KP_ERR_NONE;
		}
	}
	return topics;
}

/* After a failed transaction: the valid partitions get 'error'. */
static void
fail_stored(KpOffsetCommitResponse *rs, int16 error)
{
	for (int i = 0; i < rs->topics_count; i++)
		for (int j = 0; j < rs->topics[i].partitions_count; j++)
			if (rs->topics[i].partitions[j].error_code == KP_ERR_NONE)
				rs->topics[i].partitions[j].error_code = error;
}

void
kp_handle_offset_commit(KpRequest *req, const void *request, void *response)
{
	const KpOffsetCommitRequest *rq = request;
	KpOffsetCommitResponse *rs = response;
	KpCommitWork w = {.rq = rq, .rs = rs};
	bool		any_ok;
	int			sqlerrcode;
	char	   *message;

	w.topics = shape_response(req, rq, rs, check_request(rq), &any_ok);
	if (!any_ok)
		return;
	if (!kp_broker_run_ddl(store_offsets, &w, "kafkapg: OffsetCommit", &sqlerrcode, &message))
	{
		ereport(LOG,
				(errmsg("kafkapg: could not commit offsets of group \"%s\": %s",
						rq->group_id, message)));
		fail_stored(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE);
		return;
	}
	/* answer once the commit record is durable (see the file header) */
	if (req->hold_until < (uint64) XactLastCommitEnd)
		req->hold_until = (uint64) XactLastCommitEnd;
}

bool
kp_offset_commit_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	bool		any_ok;

	(void) shape_response(req, request, response, error_code, &any_ok);
	return true;
}
