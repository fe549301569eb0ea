/*-------------------------------------------------------------------------
 *
 * create_topics.c
 *	  CreateTopics (key 19), versions 0-7.
 *
 * Each topic is checked as Kafka checks it (name, partition count or -1
 * for kafkapg.num_partitions, replication factor 1 or -1 on this single
 * broker, manual assignments naming only this broker, configuration keys
 * and values, existing topic, the same name twice in one request) and,
 * unless validate_only, created in its own transaction through the code
 * kafkapg.create_topic() uses.  One topic's failure does not affect the
 * others.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "utils/elog.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

typedef struct KpCreateArg
{
	KpTopicSpec *spec;
	KpUuid		id;
} KpCreateArg;

static void
create_in_xact(void *arg)
{
	KpCreateArg *a = arg;

	kp_topic_create(a->spec, &a->id);
}

/* Creates a checked topic in its own transaction; a Kafka error code. */
int16
kp_broker_create_topic(KpTopicSpec *spec, KpUuid *id, char **message)
{
	KpCreateArg a = {spec};
	int			sqlerrcode;

	if (RecoveryInProgress())
	{
		*message = pstrdup("this broker is a standby: create topics on the primary");
		return KP_ERR_NOT_CONTROLLER;
	}
	if (!kp_broker_run_ddl(create_in_xact, &a, "kafkapg: creating a topic", &sqlerrcode,
						   message))
	{
		ereport(LOG,
				(errmsg("kafkapg: could not create topic \"%s\": %s", spec->name, *message)));
		return sqlerrcode == ERRCODE_DUPLICATE_OBJECT ||
			sqlerrcode == ERRCODE_UNIQUE_VIOLATION
			? KP_ERR_TOPIC_ALREADY_EXISTS : KP_ERR_UNKNOWN_SERVER_ERROR;
	}
	*id = a.id;
	*message = NULL;
	return KP_ERR_NONE;
}

static bool
reject(KpCreatableTopicResult *out, int16 code, char *message)
{
	out->error_code = code;
	out->error_message = message;
	return false;
}

/* Replication factor and manual assignments, on a single-broker cluster. */
static bool
check_placement(const KpCreatableTopic *ct, KpTopicSpec *spec, KpCreatableTopicResult *out)
{
	if (ct->assignments_count > 0)
	{
		if (ct->num_partitions != -1 || ct->replication_factor != -1)
			return reject(out, KP_ERR_INVALID_REQUEST,
						  pstrdup("Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."));
		for (int i = 0; i < ct->assignments_count; i++)
		{
			const KpCreatableReplicaAssignment *a = &ct->assignments[i];

			if (a->partition_index != i)
				return reject(out, KP_ERR_INVALID_REPLICA_ASSIGNMENT,
							  pstrdup("Partitions should be a consecutive 0-based integer sequence"));
			if (a->broker_ids_count != 1 || a->broker_ids[0] != kp_node_id)
				return reject(out, KP_ERR_INVALID_REPLICA_ASSIGNMENT,
							  psprintf("Replica assignment for partition %d must name only broker %d",
									   i, kp_node_id));
		}
		spec->partitions = ct->assignments_count;
		return true;
	}
	if (ct->replication_factor != 1 && ct->replication_factor != -1)
		return reject(out, KP_ERR_INVALID_REPLICATION_FACTOR,
					  psprintf("Unable to replicate the partition %d time(s): The target replication factor of %d cannot be reached because only 1 broker(s) are registered.",
							   ct->replication_factor, ct->replication_factor));
	spec->partitions = ct->num_partitions == -1 ? kp_num_partitions : ct->num_partitions;
	return true;
}

static void
spec_configs(KpRequest *req, const KpCreatableTopic *ct, KpTopicSpec *spec)
{
	spec->nconfigs = Max(ct->configs_count, 0);
	spec->keys = kp_request_alloc(req, sizeof(char *) * Max(spec->nconfigs, 1));
	spec->values = kp_request_alloc(req, sizeof(char *) * Max(spec->nconfigs, 1));
	for (int i = 0; i < spec->nconfigs; i++)
	{
		spec->keys[i] = ct->configs[i].name ? ct->configs[i].name : "";
		spec->values[i] = ct->configs[i].value;
	}
}

/* v5+: the configuration the topic got (those set in the request). */
static void
describe_result(KpRequest *req, const KpTopicSpec *spec, KpCreatableTopicResult *out)
{
	out->num_partitions = spec->partitions;
	out->replication_factor = 1;
	out->configs_count = spec->nconfigs;
	out->configs = kp_request_alloc(req, sizeof(KpCreatableTopicConfigs) * Max(spec->nconfigs, 1));
	for (int i = 0; i < spec->nconfigs; i++)
	{
		KpCreatableTopicConfigs *c = &out->configs[i];

		kp_struct_init_defaults(&kp_desc_CreatableTopicConfigs, c);
		c->name = (char *) spec->keys[i];
		c->value = (char *) spec->values[i];
		c->config_source = 1;	/* DYNAMIC_TOPIC_CONFIG */
	}
}

static bool
named_twice(const KpCreateTopicsRequest *rq, int i)
{
	for (int j = 0; j < rq->topics_count; j++)
	{
		if (j != i && rq->topics[j].name && rq->topics[i].name &&
			strcmp(rq->topics[j].name, rq->topics[i].name) == 0)
			return true;
	}
	return false;
}

static void
create_one(KpRequest *req, const KpCreateTopicsRequest *rq, int i, KpCreatableTopicResult *out)
{
	const KpCreatableTopic *ct = &rq->topics[i];
	KpTopicSpec spec = {0};
	KpTopicVerdict v;

	out->name = ct->name;
	spec.name = ct->name;
	if (named_twice(rq, i))
	{
		reject(out, KP_ERR_INVALID_REQUEST,
			   psprintf("Create topics request from client `%s` contains multiple entries for the following topics: %s",
						req->header.client_id ? req->header.client_id : "", ct->name));
		return;
	}
	if (!check_placement(ct, &spec, out))
		return;
	spec_configs(req, ct, &spec);
	if (!kp_topic_check(&spec, &v))
	{
		reject(out, v.error_code, v.message);
		return;
	}
	if (!rq->validate_only)
	{
		out->error_code = kp_broker_create_topic(&spec, &out->topic_id, &out->error_message);
		if (out->error_code != KP_ERR_NONE)
			return;
	}
	describe_result(req, &spec, out);
}

static void
fill_response(KpRequest *req, const KpCreateTopicsRequest *rq, KpCreateTopicsResponse *rs,
			  int16 request_error)
{
	rs->topics_count = Max(rq->topics_count, 0);
	rs->topics = kp_request_alloc(req, sizeof(KpCreatableTopicResult) * Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
	{
		KpCreatableTopicResult *out = &rs->topics[i];

		kp_struct_init_defaults(&kp_desc_CreatableTopicResult, out);
		if (request_error != KP_ERR_NONE)
		{
			out->name = rq->topics[i].name;
			out->error_code = request_error;
		}
		else
			create_one(req, rq, i, out);
	}
}

void
kp_handle_create_topics(KpRequest *req, const void *request, void *response)
{
	fill_response(req, request, response, KP_ERR_NONE);
}

bool
kp_create_topics_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	fill_response(req, request, response, error_code);
	return true;
}
