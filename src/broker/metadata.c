/*-------------------------------------------------------------------------
 *
 * metadata.c
 *	  Metadata (key 3): brokers, cluster id, controller and topics.
 *
 * The broker list and controller come from this node's identity
 * (kafkapg.node_id and the advertised address); the cluster id from the
 * catalog, cached by the worker when it saw the extension.  Topics come
 * from the shared registry; every partition is led by this broker.  An
 * unknown topic named in the request is created when
 * kafkapg.auto_create_topics and the request's allow_auto_topic_creation
 * both allow it (in its own short transaction), and is described at once;
 * otherwise it gets UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION for
 * an illegal name, or UNKNOWN_TOPIC_ID when asked by id.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/shmem.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

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

/*
 * The leader (this broker, or on a hot standby the primary named in
 * kafkapg.leader) and, on a standby with its own node id, this broker as a
 * follower replica.
 */
static KpLeaderInfo leader;
static int32 replicas[2];
static int	nreplicas;

static void
fill_brokers(KpRequest *req, KpMetadataResponse *rs)
{
	KpMetadataResponseBroker *b = kp_request_alloc(req, sizeof(*b) * 2);

	kp_cluster_leader(&leader);
	replicas[0] = leader.node_id;
	nreplicas = 1;
	b[0].node_id = leader.node_id;
	b[0].host = pstrdup(leader.host);
	b[0].port = leader.port;
	b[0].rack = NULL;
	if (leader.node_id != kp_node_id)
	{
		b[1].node_id = kp_node_id;
		b[1].host = pstrdup(kp_guc_advertised_host());
		b[1].port = kp_guc_advertised_port();
		b[1].rack = NULL;
		replicas[nreplicas++] = kp_node_id;
	}
	rs->brokers = b;
	rs->brokers_count = nreplicas;
	rs->cluster_id = kp_cluster_id[0] != '\0' ? kp_cluster_id : NULL;
	rs->controller_id = leader.node_id;
}

/* Describes a live topic: every partition led by the leader. */
static void
describe_topic(KpRequest *req, const KpTopicInfo *t, KpMetadataResponseTopic *out)
{
	KpMetadataResponsePartition *parts =
		kp_request_alloc(req, sizeof(KpMetadataResponsePartition) * Max(t->partitions, 1));

	out->error_code = KP_ERR_NONE;
	out->name = pstrdup(t->name);
	out->topic_id = t->id;
	out->partitions = parts;
	out->partitions_count = t->partitions;
	for (int32 i = 0; i < t->partitions; i++)
	{
		KpMetadataResponsePartition *p = &parts[i];

		p->partition_index = i;
		p->leader_id = leader.node_id;
		p->leader_epoch = kp_partition_leader_epoch(t->first_slot + i);
		p->replica_nodes = replicas;
		p->replica_nodes_count = nreplicas;
		p->isr_nodes = replicas;
		p->isr_nodes_count = nreplicas;
		p->offline_replicas_count = 0;
	}
}

static void
fill_all_topics(KpRequest *req, KpMetadataResponse *rs)
{
	KpTopicInfo *topics;
	int			n = kp_topic_list(&topics);

	rs->topics = kp_request_alloc(req, sizeof(KpMetadataResponseTopic) * Max(n, 1));
	rs->topics_count = n;
	for (int i = 0; i < n; i++)
	{
		kp_struct_init_defaults(&kp_desc_MetadataResponseTopic, &rs->topics[i]);
		describe_topic(req, &topics[i], &rs->topics[i]);
	}
}

/* Kafka creates unknown topics named in Metadata when both sides allow it. */
static bool
auto_create(KpRequest *req, const KpMetadataRequest *rq, const char *name, KpTopicInfo *t,
			int16 *error)
{
	KpTopicSpec spec = {0};
	KpTopicVerdict v;
	KpUuid		id;
	char	   *message;

	if (!kp_auto_create_topics || !rq->allow_auto_topic_creation || RecoveryInProgress())
		return false;			/* a standby creates nothing */
	spec.name = name;
	spec.partitions = kp_num_partitions;
	if (!kp_topic_check(&spec, &v))
	{
		*error = v.error_code == KP_ERR_TOPIC_ALREADY_EXISTS ? KP_ERR_NONE : v.error_code;
		return v.error_code == KP_ERR_TOPIC_ALREADY_EXISTS && kp_topic_lookup(name, t);
	}
	*error = kp_broker_create_topic(&spec, &id, &message);
	if (*error == KP_ERR_TOPIC_ALREADY_EXISTS)
		*error = KP_ERR_NONE;	/* created meanwhile by someone else */
	return *error == KP_ERR_NONE && kp_topic_lookup(name, t);
}

static void
answer_named(KpRequest *req, const KpMetadataRequest *rq, const KpMetadataRequestTopic *rt,
			 KpMetadataResponseTopic *out)
{
	KpTopicInfo t;
	int16		error = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	KpTopicVerdict v;

	if (kp_topic_lookup(rt->name, &t) || auto_create(req, rq, rt->name, &t, &error))
	{
		describe_topic(req, &t, out);
		return;
	}
	if (!kp_topic_check_name(rt->name, &v))
		error = KP_ERR_INVALID_TOPIC_EXCEPTION;
	out->error_code = error;
}

/* Answers each requested topic, or each with error_code when it is set. */
static void
fill_requested_topics(KpRequest *req, const KpMetadataRequest *rq,
					  KpMetadataResponse *rs, int16 error_code)
{
	if (wants_all_topics(req, rq))
	{
		if (error_code == KP_ERR_NONE)
			fill_all_topics(req, rs);
		return;
	}
	rs->topics = kp_request_alloc(req, sizeof(KpMetadataResponseTopic) * rq->topics_count);
	rs->topics_count = rq->topics_count;
	for (int i = 0; i < rq->topics_count; i++)
	{
		const KpMetadataRequestTopic *t = &rq->topics[i];
		KpMetadataResponseTopic *out = &rs->topics[i];
		bool		by_id = t->name == NULL && !uuid_is_zero(&t->topic_id);
		KpTopicInfo info;

		kp_struct_init_defaults(&kp_desc_MetadataResponseTopic, out);
		out->name = t->name;
		out->topic_id = t->topic_id;
		if (error_code != KP_ERR_NONE)
			out->error_code = error_code;
		else if (by_id && kp_topic_lookup_id(&t->topic_id, &info))
			describe_topic(req, &info, out);
		else if (by_id)
			out->error_code = KP_ERR_UNKNOWN_TOPIC_ID;
		else if (t->name == NULL)
			out->error_code = KP_ERR_INVALID_REQUEST;
		else
			answer_named(req, rq, t, out);
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
