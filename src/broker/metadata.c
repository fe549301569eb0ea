/*-------------------------------------------------------------------------
 *
 * metadata.c
 *	  Metadata (key 3): brokers, cluster id, controller and topics.
 *
 * The broker list and controller come from this node's identity
 * (kafkapg.node_id and the advertised address); the cluster id from the
 * catalog, cached by the worker when it saw the extension.  No topics
 * exist yet: a request for all topics gets an empty list and each named
 * topic UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID when asked by id).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

static bool
uuid_is_zero(const KpUuid *u)
{
	for (int i = 0; i < 16; i++)
	{
		if (u->b[i] != 0)
			return false;
	}
	return true;
}

/* v0: an empty list means all topics; v1+: null means all topics. */
static bool
wants_all_topics(const KpRequest *req, const KpMetadataRequest *rq)
{
	return rq->topics_count < 0 || (req->version == 0 && rq->topics_count == 0);
}

static void
fill_brokers(KpRequest *req, KpMetadataResponse *rs)
{
	KpMetadataResponseBroker *b = kp_request_alloc(req, sizeof(*b));

	b->node_id = kp_node_id;
	b->host = pstrdup(kp_guc_advertised_host());
	b->port = kp_guc_advertised_port();
	b->rack = NULL;
	rs->brokers = b;
	rs->brokers_count = 1;
	rs->cluster_id = kp_cluster_id[0] != '\0' ? kp_cluster_id : NULL;
	rs->controller_id = kp_node_id;
}

/* Answers each requested topic with error_code (or "unknown" if 0). */
static void
fill_requested_topics(KpRequest *req, const KpMetadataRequest *rq,
					  KpMetadataResponse *rs, int16 error_code)
{
	if (wants_all_topics(req, rq))
		return;
	rs->topics = kp_request_alloc(req, sizeof(KpMetadataResponseTopic) * rq->topics_count);
	rs->topics_count = rq->topics_count;
	for (int i = 0; i < rq->topics_count; i++)
	{
		const KpMetadataRequestTopic *t = &rq->topics[i];
		KpMetadataResponseTopic *out = &rs->topics[i];
		bool		by_id = t->name == NULL && !uuid_is_zero(&t->topic_id);

		kp_struct_init_defaults(&kp_desc_MetadataResponseTopic, out);
		out->name = t->name;
		out->topic_id = t->topic_id;
		if (error_code != KP_ERR_NONE)
			out->error_code = error_code;
		else if (by_id)
			out->error_code = KP_ERR_UNKNOWN_TOPIC_ID;
		else if (t->name == NULL)
			out->error_code = KP_ERR_INVALID_REQUEST;
		else
			out->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	}
}

/*
 * Kafka accepts lookups by topic id (and so null names) only from v12; in
 * v10 and v11 the whole request fails with INVALID_REQUEST.
 */
static bool
uses_topic_ids_too_early(const KpRequest *req, const KpMetadataRequest *rq)
{
	if (req->version >= 12 || wants_all_topics(req, rq))
		return false;
	for (int i = 0; i < rq->topics_count; i++)
	{
		if (rq->topics[i].name == NULL || !uuid_is_zero(&rq->topics[i].topic_id))
			return true;
	}
	return false;
}

void
kp_handle_metadata(KpRequest *req, const void *request, void *response)
{
	const KpMetadataRequest *rq = request;
	KpMetadataResponse *rs = response;

	fill_brokers(req, rs);
	fill_requested_topics(req, rq, rs,
						  uses_topic_ids_too_early(req, rq) ? KP_ERR_INVALID_REQUEST : KP_ERR_NONE);
}

bool
kp_metadata_error(KpRequest *req, const void *request, void *response,
				  int16 error_code)
{
	const KpMetadataRequest *rq = request;
	KpMetadataResponse *rs = response;

	fill_brokers(req, rs);
	fill_requested_topics(req, rq, rs, error_code);
	return true;
}
