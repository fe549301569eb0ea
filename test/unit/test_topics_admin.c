/*-------------------------------------------------------------------------
 *
 * test_topics_admin.c
 *	  Byte-vector tests for the admin APIs CreateTopics (key 19, versions
 *	  0-7, flexible from 5), DeleteTopics (key 20, versions 0-6, flexible
 *	  from 4) and DescribeCluster (key 60, versions 0-1, always flexible).
 *
 * Every vector below was written by hand from Kafka's JSON schemas
 * (CreateTopicsRequest/Response, DeleteTopicsRequest/Response,
 * DescribeClusterRequest/Response); CreateTopics and DeleteTopics v0-v3
 * were cross-checked against kafka-python 2.0.2 with
 * crosscheck_kafka_python.py (kafka-python has no DescribeCluster).  As in
 * test_metadata.c, ONE canonical request and ONE canonical response per
 * API hold a value for every field of every version; each per-version
 * vector is decoded (fields absent from the version must hold their
 * defaults); both the canonical struct and the decoded one must encode back
 * to it byte for byte, and every strict prefix of it must fail to decode.
 *
 * Field versions (Kafka spec):
 *	CreateTopics request:  topics {name, num_partitions, replication_factor,
 *			  assignments {partition_index, broker_ids}, configs {name,
 *			  value (nullable)}}, timeout_ms (default 60000),
 *			  validate_only 1+
 *	CreateTopics response: throttle_time_ms 2+, topics {name, topic_id 7+,
 *			  error_code, error_message 1+ (nullable),
 *			  topic_config_error_code tagged 5+ (tag 0), num_partitions
 *			  5+ (default -1), replication_factor 5+ (default -1),
 *			  configs 5+ (nullable) {name, value (nullable), read_only,
 *			  config_source (default -1), is_sensitive}}
 *	DeleteTopics request:  topics 6+ {name (nullable), topic_id},
 *			  topic_names 0-5 ([]string), timeout_ms
 *	DeleteTopics response: throttle_time_ms 1+, responses {name (nullable
 *			  6+), topic_id 6+, error_code, error_message 5+ (nullable)}
 *	DescribeCluster request:  include_cluster_authorized_operations,
 *			  endpoint_type 1+ (default 1)
 *	DescribeCluster response: throttle_time_ms, error_code, error_message
 *			  (nullable), endpoint_type 1+ (default 1), cluster_id,
 *			  controller_id (default -1), brokers {broker_id, host, port,
 *			  rack (nullable)}, cluster_authorized_operations (default
 *			  INT32_MIN)
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

static const KpUuid uuid1 = {{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
static const KpUuid uuid2 = {{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}};
static const KpUuid zero_uuid;

static KpuMsg
msg(const KpStructDesc *desc, int16_t v, int16_t flexible_min)
{
	KpuMsg		m = {desc, v, v >= flexible_min};

	return m;
}

#define CT_REQ(v)	msg(&kp_desc_CreateTopicsRequest, (v), 5)
#define CT_RESP(v)	msg(&kp_desc_CreateTopicsResponse, (v), 5)
#define DT_REQ(v)	msg(&kp_desc_DeleteTopicsRequest, (v), 4)
#define DT_RESP(v)	msg(&kp_desc_DeleteTopicsResponse, (v), 4)
#define DC_REQ(v)	msg(&kp_desc_DescribeClusterRequest, (v), 0)
#define DC_RESP(v)	msg(&kp_desc_DescribeClusterResponse, (v), 0)

/* ================================================== CreateTopics vectors */

/*
 * Canonical request:
 *	topics [{"t", num_partitions -1, replication_factor -1,
 *			 assignments [{0, [1]}], configs [{"k", "v"}, {"n", null}]}]
 *	timeout_ms 1000, validate_only true
 */
static const char CT_REQ_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74"					/* name "t" */
	"ffffffff ffff"				/* num_partitions -1, replication -1 */
	"00000001"					/* assignments: 1 */
	"00000000 00000001 00000001"	/* partition 0, broker_ids [1] */
	"00000002"					/* configs: 2 */
	"0001 6b 0001 76"			/* "k" = "v" */
	"0001 6e ffff"				/* "n" = null */
	"000003e8";					/* timeout_ms 1000 */

static const char CT_REQ_V1[] =
	"00000001 0001 74 ffffffff ffff"
	"00000001 00000000 00000001 00000001"
	"00000002 0001 6b 0001 76 0001 6e ffff"
	"000003e8"
	"01";						/* validate_only true */

static const char CT_REQ_V2[] =
	"00000001 0001 74 ffffffff ffff"
	"00000001 00000000 00000001 00000001"
	"00000002 0001 6b 0001 76 0001 6e ffff"
	"000003e8 01";

static const char CT_REQ_V3[] =
	"00000001 0001 74 ffffffff ffff"
	"00000001 00000000 00000001 00000001"
	"00000002 0001 6b 0001 76 0001 6e ffff"
	"000003e8 01";

static const char CT_REQ_V4[] =
	"00000001 0001 74 ffffffff ffff"
	"00000001 00000000 00000001 00000001"
	"00000002 0001 6b 0001 76 0001 6e ffff"
	"000003e8 01";

static const char CT_REQ_V5[] =
	"02 02 74 ffffffff ffff"	/* topics: compact 1, "t", -1, -1 */
	"02 00000000 02 00000001 00"	/* assignments: [{0, [1]}] */
	"03 02 6b 02 76 00"			/* configs: "k" = "v" */
	"02 6e 00 00"				/* "n" = null */
	"00"						/* topic: no tags */
	"000003e8 01"
	"00";						/* no tags */

static const char CT_REQ_V6[] =
	"02 02 74 ffffffff ffff 02 00000000 02 00000001 00"
	"03 02 6b 02 76 00 02 6e 00 00 00 000003e8 01 00";

static const char CT_REQ_V7[] =
	"02 02 74 ffffffff ffff 02 00000000 02 00000001 00"
	"03 02 6b 02 76 00 02 6e 00 00 00 000003e8 01 00";

/*
 * Canonical response:
 *	throttle_time_ms 7
 *	topics [{"t", topic_id 00..0f, error_code 0, error_message "m",
 *			 topic_config_error_code 29, num_partitions 3,
 *			 replication_factor 1,
 *			 configs [{"k", "v", read_only false, config_source 5,
 *					   is_sensitive false},
 *					  {"s", null, read_only true, config_source 1,
 *					   is_sensitive true}]}]
 */
static const char CT_RESP_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74 0000";				/* "t", error_code 0 */

static const char CT_RESP_V1[] =
	"00000001 0001 74 0000"
	"0001 6d";					/* error_message "m" */

static const char CT_RESP_V2[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 0000 0001 6d";

static const char CT_RESP_V3[] =
	"00000007 00000001 0001 74 0000 0001 6d";

static const char CT_RESP_V4[] =
	"00000007 00000001 0001 74 0000 0001 6d";

static const char CT_RESP_V5[] =
	"00000007"
	"02 02 74 0000 02 6d"		/* topics: 1, "t", 0, "m" */
	"00000003 0001"				/* num_partitions 3, replication 1 */
	"03"						/* configs: compact, 2 */
	"02 6b 02 76 00 05 00 00"	/* "k" "v" rw, source 5, not sensitive */
	"02 73 00 01 01 01 00"		/* "s" null ro, source 1, sensitive */
	"01 00 02 001d"				/* tag 0 topic_config_error_code 29 */
	"00";						/* no tags */

static const char CT_RESP_V6[] =
	"00000007 02 02 74 0000 02 6d 00000003 0001"
	"03 02 6b 02 76 00 05 00 00 02 73 00 01 01 01 00"
	"01 00 02 001d 00";

static const char CT_RESP_V7[] =
	"00000007 02 02 74"
	"000102030405060708090a0b0c0d0e0f"	/* topic_id */
	"0000 02 6d 00000003 0001"
	"03 02 6b 02 76 00 05 00 00 02 73 00 01 01 01 00"
	"01 00 02 001d 00";

/* v5: null configs, null message, config error tag at default 0 */
static const char CT_RESP_V5_NULLS[] =
	"00000000"
	"02 02 74 0024 00"			/* "t", TOPIC_ALREADY_EXISTS, null msg */
	"ffffffff ffff"				/* num_partitions -1, replication -1 */
	"00"						/* configs: null */
	"00"						/* no tags */
	"00";

/* v1: TOPIC_ALREADY_EXISTS (36) with a null message */
static const char CT_RESP_V1_NULL_MESSAGE[] =
	"00000001 0001 74 0024 ffff";

/* ================================================== DeleteTopics vectors */

/*
 * Canonical request: topics [{"t", 00..0f}, {null, 10..1f}] (v6+),
 * topic_names ["t", "u"] (v0-5), timeout_ms 1000.
 */
static const char DT_REQ_V0[] =
	"00000002"					/* topic_names: 2 */
	"0001 74 0001 75"			/* "t", "u" */
	"000003e8";					/* timeout_ms 1000 */

static const char DT_REQ_V1[] = "00000002 0001 74 0001 75 000003e8";
static const char DT_REQ_V2[] = "00000002 0001 74 0001 75 000003e8";
static const char DT_REQ_V3[] = "00000002 0001 74 0001 75 000003e8";

static const char DT_REQ_V4[] =
	"03 02 74 02 75"			/* topic_names: compact, 2 */
	"000003e8"
	"00";						/* no tags */

static const char DT_REQ_V5[] = "03 02 74 02 75 000003e8 00";

static const char DT_REQ_V6[] =
	"03"						/* topics: compact, 2 */
	"02 74 000102030405060708090a0b0c0d0e0f 00"	/* "t", id, no tags */
	"00 101112131415161718191a1b1c1d1e1f 00"	/* null name, id */
	"000003e8"
	"00";

/*
 * Canonical response: throttle_time_ms 7,
 * responses [{"t", 00..0f, error 0, message null},
 *			  {"u", 10..1f, TOPIC_DELETION_DISABLED (73), message "m"}]
 */
static const char DT_RESP_V0[] =
	"00000002"					/* responses: 2 */
	"0001 74 0000"				/* "t", error 0 */
	"0001 75 0049";				/* "u", error 73 */

static const char DT_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000002 0001 74 0000 0001 75 0049";

static const char DT_RESP_V2[] = "00000007 00000002 0001 74 0000 0001 75 0049";
static const char DT_RESP_V3[] = "00000007 00000002 0001 74 0000 0001 75 0049";

static const char DT_RESP_V4[] =
	"00000007"
	"03"						/* responses: compact, 2 */
	"02 74 0000 00"				/* "t", 0, no tags */
	"02 75 0049 00"				/* "u", 73, no tags */
	"00";

static const char DT_RESP_V5[] =
	"00000007 03"
	"02 74 0000 00 00"			/* ..., error_message null */
	"02 75 0049 02 6d 00"		/* ..., error_message "m" */
	"00";

static const char DT_RESP_V6[] =
	"00000007 03"
	"02 74 000102030405060708090a0b0c0d0e0f 0000 00 00"
	"02 75 101112131415161718191a1b1c1d1e1f 0049 02 6d 00"
	"00";

/* v6: deleted by id, name unknown (UNKNOWN_TOPIC_ID, 100) */
static const char DT_RESP_V6_NULL_NAME[] =
	"00000000 02"
	"00 101112131415161718191a1b1c1d1e1f 0064 00 00"
	"00";

/* =============================================== DescribeCluster vectors */

/* Canonical request: include_cluster_authorized_operations, endpoint 2 */
static const char DC_REQ_V0[] =
	"01"						/* include_cluster_authorized_operations */
	"00";						/* no tags */

static const char DC_REQ_V1[] =
	"01"
	"02"						/* endpoint_type 2 (controllers) */
	"00";

/*
 * Canonical response: throttle_time_ms 7, error 0, message null,
 * endpoint_type 2, cluster_id "c", controller_id 1,
 * brokers [{1, "a", 9092, "r"}, {2, "b", 9093, null}],
 * cluster_authorized_operations 0xf00
 */
static const char DC_RESP_V0[] =
	"00000007"					/* throttle_time_ms */
	"0000"						/* error_code */
	"00"						/* error_message null */
	"02 63"						/* cluster_id "c" */
	"00000001"					/* controller_id 1 */
	"03"						/* brokers: compact, 2 */
	"00000001 02 61 00002384 02 72 00"	/* 1 "a" 9092 "r" */
	"00000002 02 62 00002385 00 00"	/* 2 "b" 9093 null */
	"00000f00"					/* cluster_authorized_operations */
	"00";						/* no tags */

static const char DC_RESP_V1[] =
	"00000007 0000 00"
	"02"						/* endpoint_type 2 */
	"02 63 00000001"
	"03 00000001 02 61 00002384 02 72 00 00000002 02 62 00002385 00 00"
	"00000f00 00";

/* CLUSTER_AUTHORIZATION_FAILED (31) with a message, defaults elsewhere */
static const char DC_RESP_V1_ERROR[] =
	"00000000 001f 02 6d"
	"01"						/* endpoint_type 1 (brokers) */
	"01"						/* cluster_id "" */
	"ffffffff"					/* controller_id -1 */
	"01"						/* brokers: empty */
	"80000000"					/* cluster_authorized_operations unknown */
	"00";

/* =========================================================== structs */

static KpCreatableReplicaAssignment ct_assignments[1];
static int32_t ct_brokers[] = {1};
static KpCreatableTopicConfig ct_configs[] = {
	{.name = "k", .value = "v"},
	{.name = "n", .value = NULL},
};
static KpCreatableTopic ct_topics[1];

static void
ct_canonical_request(KpCreateTopicsRequest *r)
{
	ct_assignments[0].partition_index = 0;
	ct_assignments[0].broker_ids_count = 1;
	ct_assignments[0].broker_ids = ct_brokers;
	ct_topics[0].name = "t";
	ct_topics[0].num_partitions = -1;
	ct_topics[0].replication_factor = -1;
	ct_topics[0].assignments_count = 1;
	ct_topics[0].assignments = ct_assignments;
	ct_topics[0].configs_count = 2;
	ct_topics[0].configs = ct_configs;
	kp_struct_init_defaults(&kp_desc_CreateTopicsRequest, r);
	r->topics_count = 1;
	r->topics = ct_topics;
	r->timeout_ms = 1000;
	r->validate_only = true;
}

static KpCreatableTopicConfigs ct_result_configs[] = {
	{.name = "k", .value = "v", .read_only = false, .config_source = 5,
	.is_sensitive = false},
	{.name = "s", .value = NULL, .read_only = true, .config_source = 1,
	.is_sensitive = true},
};
static KpCreatableTopicResult ct_results[1];

static void
ct_canonical_response(KpCreateTopicsResponse *r)
{
	KpCreatableTopicResult *t = &ct_results[0];

	kp_struct_init_defaults(&kp_desc_CreatableTopicResult, t);
	t->name = "t";
	t->topic_id = uuid1;
	t->error_code = 0;
	t->error_message = "m";
	t->topic_config_error_code = 29;
	t->num_partitions = 3;
	t->replication_factor = 1;
	t->configs_count = 2;
	t->configs = ct_result_configs;
	kp_struct_init_defaults(&kp_desc_CreateTopicsResponse, r);
	r->throttle_time_ms = 7;
	r->topics_count = 1;
	r->topics = ct_results;
}

static KpDeleteTopicState dt_states[] = {
	{.name = "t", .topic_id = {{0}}},
	{.name = NULL, .topic_id = {{0}}},
};
static char *dt_names[] = {"t", "u"};

static void
dt_canonical_request(KpDeleteTopicsRequest *r)
{
	dt_states[0].topic_id = uuid1;
	dt_states[1].topic_id = uuid2;
	kp_struct_init_defaults(&kp_desc_DeleteTopicsRequest, r);
	r->topics_count = 2;
	r->topics = dt_states;
	r->topic_names_count = 2;
	r->topic_names = dt_names;
	r->timeout_ms = 1000;
}

static KpDeletableTopicResult dt_results[2];

static void
dt_canonical_response(KpDeleteTopicsResponse *r)
{
	dt_results[0].name = "t";
	dt_results[0].topic_id = uuid1;
	dt_results[0].error_code = 0;
	dt_results[0].error_message = NULL;
	dt_results[1].name = "u";
	dt_results[1].topic_id = uuid2;
	dt_results[1].error_code = 73;
	dt_results[1].error_message = "m";
	kp_struct_init_defaults(&kp_desc_DeleteTopicsResponse, r);
	r->throttle_time_ms = 7;
	r->responses_count = 2;
	r->responses = dt_results;
}

static KpDescribeClusterBroker dc_brokers[] = {
	{.broker_id = 1, .host = "a", .port = 9092, .rack = "r"},
	{.broker_id = 2, .host = "b", .port = 9093, .rack = NULL},
};

static void
dc_canonical_response(KpDescribeClusterResponse *r)
{
	kp_struct_init_defaults(&kp_desc_DescribeClusterResponse, r);
	r->throttle_time_ms = 7;
	r->error_code = 0;
	r->error_message = NULL;
	r->endpoint_type = 2;
	r->cluster_id = "c";
	r->controller_id = 1;
	r->brokers_count = 2;
	r->brokers = dc_brokers;
	r->cluster_authorized_operations = 0xf00;
}

/* ========================================================== checkers */

static void
check_int32_array(int32_t got_count, const int32_t *got, int32_t exp_count,
				  const int32_t *exp)
{
	if (!CHECK_INT(got_count, exp_count))
		return;
	for (int i = 0; i < exp_count; i++)
		CHECK_INT(got[i], exp[i]);
}

static void
check_ct_topic(const KpCreatableTopic *got, const KpCreatableTopic *exp)
{
	CHECK_STR(got->name, exp->name);
	CHECK_INT(got->num_partitions, exp->num_partitions);
	CHECK_INT(got->replication_factor, exp->replication_factor);
	if (CHECK_INT(got->assignments_count, exp->assignments_count))
	{
		for (int i = 0; i < exp->assignments_count; i++)
		{
			CHECK_INT(got->assignments[i].partition_index,
					  exp->assignments[i].partition_index);
			check_int32_array(got->assignments[i].broker_ids_count,
							  got->assignments[i].broker_ids,
							  exp->assignments[i].broker_ids_count,
							  exp->assignments[i].broker_ids);
		}
	}
	if (CHECK_INT(got->configs_count, exp->configs_count))
	{
		for (int i = 0; i < exp->configs_count; i++)
		{
			CHECK_STR(got->configs[i].name, exp->configs[i].name);
			CHECK_STR(got->configs[i].value, exp->configs[i].value);
		}
	}
}

static void
check_ct_request(const KpCreateTopicsRequest *got,
				 const KpCreateTopicsRequest *exp, int v)
{
	if (CHECK_INT(got->topics_count, exp->topics_count))
	{
		for (int i = 0; i < exp->topics_count; i++)
			check_ct_topic(&got->topics[i], &exp->topics[i]);
	}
	CHECK_INT(got->timeout_ms, exp->timeout_ms);
	CHECK_INT(got->validate_only, v >= 1 ? exp->validate_only : false);
}

static void
check_ct_configs(const KpCreatableTopicResult *got,
				 const KpCreatableTopicResult *exp, int v)
{
	if (v < 5)
	{
		CHECK_INT(got->configs_count, 0);
		return;
	}
	if (!CHECK_INT(got->configs_count, exp->configs_count))
		return;
	for (int i = 0; i < exp->configs_count; i++)
	{
		const KpCreatableTopicConfigs *g = &got->configs[i];
		const KpCreatableTopicConfigs *e = &exp->configs[i];

		CHECK_STR(g->name, e->name);
		CHECK_STR(g->value, e->value);
		CHECK_INT(g->read_only, e->read_only);
		CHECK_INT(g->config_source, e->config_source);
		CHECK_INT(g->is_sensitive, e->is_sensitive);
	}
}

static void
check_ct_result(const KpCreatableTopicResult *got,
				const KpCreatableTopicResult *exp, int v)
{
	CHECK_STR(got->name, exp->name);
	CHECK_UUID(&got->topic_id, v >= 7 ? &exp->topic_id : &zero_uuid);
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_STR(got->error_message, v >= 1 ? exp->error_message : NULL);
	CHECK_INT(got->topic_config_error_code,
			  v >= 5 ? exp->topic_config_error_code : 0);
	CHECK_INT(got->num_partitions, v >= 5 ? exp->num_partitions : -1);
	CHECK_INT(got->replication_factor, v >= 5 ? exp->replication_factor : -1);
	check_ct_configs(got, exp, v);
}

static void
check_ct_response(const KpCreateTopicsResponse *got,
				  const KpCreateTopicsResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 2 ? exp->throttle_time_ms : 0);
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
		check_ct_result(&got->topics[i], &exp->topics[i], v);
}

static void
check_dt_request(const KpDeleteTopicsRequest *got,
				 const KpDeleteTopicsRequest *exp, int v)
{
	if (v >= 6 && CHECK_INT(got->topics_count, exp->topics_count))
	{
		for (int i = 0; i < exp->topics_count; i++)
		{
			CHECK_STR(got->topics[i].name, exp->topics[i].name);
			CHECK_UUID(&got->topics[i].topic_id, &exp->topics[i].topic_id);
		}
	}
	if (v < 6)
		CHECK_INT(got->topics_count, 0);
	if (v <= 5 && CHECK_INT(got->topic_names_count, exp->topic_names_count))
	{
		for (int i = 0; i < exp->topic_names_count; i++)
			CHECK_STR(got->topic_names[i], exp->topic_names[i]);
	}
	if (v > 5)
		CHECK_INT(got->topic_names_count, 0);
	CHECK_INT(got->timeout_ms, exp->timeout_ms);
}

static void
check_dt_response(const KpDeleteTopicsResponse *got,
				  const KpDeleteTopicsResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 1 ? exp->throttle_time_ms : 0);
	if (!CHECK_INT(got->responses_count, exp->responses_count))
		return;
	for (int i = 0; i < exp->responses_count; i++)
	{
		const KpDeletableTopicResult *g = &got->responses[i];
		const KpDeletableTopicResult *e = &exp->responses[i];

		CHECK_STR(g->name, e->name);
		CHECK_UUID(&g->topic_id, v >= 6 ? &e->topic_id : &zero_uuid);
		CHECK_INT(g->error_code, e->error_code);
		CHECK_STR(g->error_message, v >= 5 ? e->error_message : NULL);
	}
}

static void
check_dc_response(const KpDescribeClusterResponse *got,
				  const KpDescribeClusterResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, exp->throttle_time_ms);
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_STR(got->error_message, exp->error_message);
	CHECK_INT(got->endpoint_type, v >= 1 ? exp->endpoint_type : 1);
	CHECK_STR(got->cluster_id, exp->cluster_id);
	CHECK_INT(got->controller_id, exp->controller_id);
	if (CHECK_INT(got->brokers_count, exp->brokers_count))
	{
		for (int i = 0; i < exp->brokers_count; i++)
		{
			CHECK_INT(got->brokers[i].broker_id, exp->brokers[i].broker_id);
			CHECK_STR(got->brokers[i].host, exp->brokers[i].host);
			CHECK_INT(got->brokers[i].port, exp->brokers[i].port);
			CHECK_STR(got->brokers[i].rack, exp->brokers[i].rack);
		}
	}
	CHECK_INT(got->cluster_authorized_operations,
			  exp->cluster_authorized_operations);
}

/* ====================================================== CreateTopics */

static const char *const ct_req_vectors[8] = {
	CT_REQ_V0, CT_REQ_V1, CT_REQ_V2, CT_REQ_V3, CT_REQ_V4, CT_REQ_V5,
	CT_REQ_V6, CT_REQ_V7,
};

static const char *const ct_resp_vectors[8] = {
	CT_RESP_V0, CT_RESP_V1, CT_RESP_V2, CT_RESP_V3, CT_RESP_V4, CT_RESP_V5,
	CT_RESP_V6, CT_RESP_V7,
};

static void
ct_request_version(int16_t v)
{
	KpuMsg		m = CT_REQ(v);
	KpCreateTopicsRequest in;
	KpCreateTopicsRequest *d;

	ct_canonical_request(&in);
	d = ROUNDTRIP(&m, &in, ct_req_vectors[v]);
	if (d == NULL)
		return;
	check_ct_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, ct_req_vectors[v]);
}

static void
ct_response_version(int16_t v)
{
	KpuMsg		m = CT_RESP(v);
	KpCreateTopicsResponse in;
	KpCreateTopicsResponse *d;

	ct_canonical_response(&in);
	d = ROUNDTRIP(&m, &in, ct_resp_vectors[v]);
	if (d == NULL)
		return;
	check_ct_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, ct_resp_vectors[v]);
}

#define CT_VERSION_TESTS(v) \
	KPU_TEST(create_topics_v##v##_request) \
	{ \
		ct_request_version(v); \
	} \
	KPU_TEST(create_topics_v##v##_response) \
	{ \
		ct_response_version(v); \
	}

CT_VERSION_TESTS(0)
CT_VERSION_TESTS(1)
CT_VERSION_TESTS(2)
CT_VERSION_TESTS(3)
CT_VERSION_TESTS(4)
CT_VERSION_TESTS(5)
CT_VERSION_TESTS(6)
CT_VERSION_TESTS(7)

KPU_TEST(create_topics_api_table)
{
	KpuApi		exp = {KP_API_CREATE_TOPICS, "CreateTopics", 0, 7, 5,
	&kp_desc_CreateTopicsRequest, &kp_desc_CreateTopicsResponse};

	CHECK_API(&exp);
}

/* timeout_ms defaults to 60000; absent fields of v0 decode to defaults. */
KPU_TEST(create_topics_defaults)
{
	KpCreateTopicsRequest r;
	KpuMsg		m = CT_RESP(4);
	KpCreateTopicsResponse *d;

	kp_struct_init_defaults(&kp_desc_CreateTopicsRequest, &r);
	CHECK_INT(r.timeout_ms, 60000);
	CHECK_INT(r.validate_only, false);
	d = DECODE_VEC(&m, CT_RESP_V4);
	REQUIRE(d != NULL);
	CHECK_INT(d->topics[0].num_partitions, -1);
	CHECK_INT(d->topics[0].replication_factor, -1);
	CHECK_INT(d->topics[0].topic_config_error_code, 0);
	CHECK_INT(d->topics[0].configs_count, 0);
}

/* The tagged topic_config_error_code is omitted at 0, and configs null. */
KPU_TEST(create_topics_v5_response_nulls)
{
	KpuMsg		m = CT_RESP(5);
	KpuMsg		m4 = CT_RESP(4);
	KpCreateTopicsResponse in;
	KpCreateTopicsResponse *d;

	ct_canonical_response(&in);
	in.throttle_time_ms = 0;
	ct_results[0].error_code = 36;
	ct_results[0].error_message = NULL;
	ct_results[0].topic_config_error_code = 0;
	ct_results[0].num_partitions = -1;
	ct_results[0].replication_factor = -1;
	ct_results[0].configs_count = -1;
	ct_results[0].configs = NULL;
	d = ROUNDTRIP(&m, &in, CT_RESP_V5_NULLS);
	if (CHECK(d != NULL))
	{
		check_ct_response(d, &in, 5);
		CHECK_INT(d->topics[0].configs_count, -1);
	}
	/* a null configs array before v5 is simply not written */
	ENCODE_VEC(&m4, &in, "00000000 00000001 0001 74 0024 ffff");
}

/* error_message is nullable in every version that has it (Kafka: "0+"). */
KPU_TEST(create_topics_v1_response_null_message)
{
	KpuMsg		m = CT_RESP(1);
	KpCreateTopicsResponse in;
	KpCreateTopicsResponse *d;

	ct_canonical_response(&in);
	ct_results[0].error_code = 36;
	ct_results[0].error_message = NULL;
	d = ROUNDTRIP(&m, &in, CT_RESP_V1_NULL_MESSAGE);
	if (CHECK(d != NULL))
		check_ct_response(d, &in, 1);
}

/* Config names are not nullable, values are. */
KPU_TEST(create_topics_request_null_config_name_rejected)
{
	KpuMsg		m0 = CT_REQ(0);
	KpuMsg		m5 = CT_REQ(5);

	DECODE_FAILS(&m0, "00000001 0001 74 ffffffff ffff 00000000"
				 "00000001 ffff ffff 000003e8",
				 "null value in a non-nullable field", "name");
	DECODE_FAILS(&m5, "02 02 74 ffffffff ffff 01 02 00 00 00 00 000003e8 00 00",
				 "null value in a non-nullable field", "name");
}

KPU_TEST(create_topics_v5_response_unknown_tags_skipped)
{
	KpuMsg		m = CT_RESP(5);
	KpCreateTopicsResponse in;
	KpCreateTopicsResponse *d;
	const char *hex =
		"00000000 02 02 74 0000 00 00000001 0001 01"
		"02"					/* two tags: */
		"00 02 0028"			/* known tag 0: INVALID_CONFIG */
		"03 01 ff"				/* unknown tag 3 */
		"01 09 00";				/* top level: unknown tag 9 */

	ct_canonical_response(&in);
	in.throttle_time_ms = 0;
	ct_results[0].error_message = NULL;
	ct_results[0].topic_config_error_code = 40;
	ct_results[0].num_partitions = 1;
	ct_results[0].replication_factor = 1;
	ct_results[0].configs_count = 0;
	d = DECODE_VEC(&m, hex);
	REQUIRE(d != NULL);
	check_ct_response(d, &in, 5);
	PREFIXES_FAIL(&m, hex);
	ENCODE_VEC(&m, d, "00000000 02 02 74 0000 00 00000001 0001 01"
			   "01 00 02 0028 00");
}

/* ====================================================== DeleteTopics */

static const char *const dt_req_vectors[7] = {
	DT_REQ_V0, DT_REQ_V1, DT_REQ_V2, DT_REQ_V3, DT_REQ_V4, DT_REQ_V5,
	DT_REQ_V6,
};

static const char *const dt_resp_vectors[7] = {
	DT_RESP_V0, DT_RESP_V1, DT_RESP_V2, DT_RESP_V3, DT_RESP_V4, DT_RESP_V5,
	DT_RESP_V6,
};

static void
dt_request_version(int16_t v)
{
	KpuMsg		m = DT_REQ(v);
	KpDeleteTopicsRequest in;
	KpDeleteTopicsRequest *d;

	dt_canonical_request(&in);
	d = ROUNDTRIP(&m, &in, dt_req_vectors[v]);
	if (d == NULL)
		return;
	check_dt_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, dt_req_vectors[v]);
}

static void
dt_response_version(int16_t v)
{
	KpuMsg		m = DT_RESP(v);
	KpDeleteTopicsResponse in;
	KpDeleteTopicsResponse *d;

	dt_canonical_response(&in);
	d = ROUNDTRIP(&m, &in, dt_resp_vectors[v]);
	if (d == NULL)
		return;
	check_dt_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, dt_resp_vectors[v]);
}

#define DT_VERSION_TESTS(v) \
	KPU_TEST(delete_topics_v##v##_request) \
	{ \
		dt_request_version(v); \
	} \
	KPU_TEST(delete_topics_v##v##_response) \
	{ \
		dt_response_version(v); \
	}

DT_VERSION_TESTS(0)
DT_VERSION_TESTS(1)
DT_VERSION_TESTS(2)
DT_VERSION_TESTS(3)
DT_VERSION_TESTS(4)
DT_VERSION_TESTS(5)
DT_VERSION_TESTS(6)

KPU_TEST(delete_topics_api_table)
{
	KpuApi		exp = {KP_API_DELETE_TOPICS, "DeleteTopics", 0, 6, 4,
	&kp_desc_DeleteTopicsRequest, &kp_desc_DeleteTopicsResponse};

	CHECK_API(&exp);
}

/* Names are nullable only from v6 (a topic may be named by id alone). */
KPU_TEST(delete_topics_v6_response_null_name)
{
	KpuMsg		m6 = DT_RESP(6);
	KpuMsg		m5 = DT_RESP(5);
	KpDeletableTopicResult r = {.name = NULL, .topic_id = {{0}},
	.error_code = 100};
	KpDeleteTopicsResponse in;
	KpDeleteTopicsResponse *d;

	r.topic_id = uuid2;
	kp_struct_init_defaults(&kp_desc_DeleteTopicsResponse, &in);
	in.responses_count = 1;
	in.responses = &r;
	d = ROUNDTRIP(&m6, &in, DT_RESP_V6_NULL_NAME);
	if (CHECK(d != NULL))
	{
		check_dt_response(d, &in, 6);
		CHECK_NULL(d->responses[0].name);
	}
	DECODE_FAILS(&m5, "00000000 02 00 0064 00 00 00",
				 "null value in a non-nullable field", "name");
	/* encoded before v6, a null name is the default "" */
	ENCODE_VEC(&m5, &in, "00000000 02 01 0064 00 00 00");
}

KPU_TEST(delete_topics_null_topic_names_rejected)
{
	KpuMsg		m0 = DT_REQ(0);
	KpuMsg		m4 = DT_REQ(4);

	DECODE_FAILS(&m0, "ffffffff 000003e8",
				 "null value in a non-nullable field", "topic_names");
	DECODE_FAILS(&m0, "00000001 ffff 000003e8",
				 "null value in a non-nullable field", "topic_names");
	DECODE_FAILS(&m4, "00 000003e8 00",
				 "null value in a non-nullable field", "topic_names");
}

/* =================================================== DescribeCluster */

KPU_TEST(describe_cluster_api_table)
{
	KpuApi		exp = {KP_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, 1, 0,
	&kp_desc_DescribeClusterRequest, &kp_desc_DescribeClusterResponse};

	CHECK_API(&exp);
}

KPU_TEST(describe_cluster_v0_v1_request)
{
	KpuMsg		m0 = DC_REQ(0);
	KpuMsg		m1 = DC_REQ(1);
	KpDescribeClusterRequest in = {true, 2};
	KpDescribeClusterRequest *d;

	d = ROUNDTRIP(&m0, &in, DC_REQ_V0);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->include_cluster_authorized_operations, true);
		CHECK_INT(d->endpoint_type, 1);
	}
	d = ROUNDTRIP(&m1, &in, DC_REQ_V1);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->include_cluster_authorized_operations, true);
		CHECK_INT(d->endpoint_type, 2);
	}
	kp_struct_init_defaults(&kp_desc_DescribeClusterRequest, &in);
	CHECK_INT(in.endpoint_type, 1);
	ROUNDTRIP(&m1, &in, "00 01 00");
}

KPU_TEST(describe_cluster_v0_v1_response)
{
	KpuMsg		m0 = DC_RESP(0);
	KpuMsg		m1 = DC_RESP(1);
	KpDescribeClusterResponse in;
	KpDescribeClusterResponse *d;

	dc_canonical_response(&in);
	d = ROUNDTRIP(&m0, &in, DC_RESP_V0);
	if (CHECK(d != NULL))
	{
		check_dc_response(d, &in, 0);
		ENCODE_VEC(&m0, d, DC_RESP_V0);
	}
	d = ROUNDTRIP(&m1, &in, DC_RESP_V1);
	if (CHECK(d != NULL))
	{
		check_dc_response(d, &in, 1);
		ENCODE_VEC(&m1, d, DC_RESP_V1);
	}
}

KPU_TEST(describe_cluster_v1_response_error)
{
	KpuMsg		m = DC_RESP(1);
	KpDescribeClusterResponse in;
	KpDescribeClusterResponse *d;

	kp_struct_init_defaults(&kp_desc_DescribeClusterResponse, &in);
	in.error_code = 31;
	in.error_message = "m";
	in.cluster_id = "";
	d = ROUNDTRIP(&m, &in, DC_RESP_V1_ERROR);
	REQUIRE(d != NULL);
	check_dc_response(d, &in, 1);
	CHECK_INT(d->controller_id, -1);
	CHECK_INT(d->cluster_authorized_operations, INT32_MIN);
}

KPU_TEST(describe_cluster_unknown_tags_skipped)
{
	KpuMsg		m = DC_REQ(1);
	KpDescribeClusterRequest *d = DECODE_VEC(&m, "01 02 02 00 00 7f 01 ff");

	REQUIRE(d != NULL);
	CHECK_INT(d->endpoint_type, 2);
	PREFIXES_FAIL(&m, "01 02 02 00 00 7f 01 ff");
	ENCODE_VEC(&m, d, DC_REQ_V1);
}

/* ========================================== corruption, all three APIs */

KPU_TEST(topics_admin_all_corrupt_bytes)
{
	for (int16_t v = 0; v <= 7; v++)
	{
		KpuMsg		req = CT_REQ(v);
		KpuMsg		resp = CT_RESP(v);

		CORRUPT_SAFELY(&req, ct_req_vectors[v]);
		CORRUPT_SAFELY(&resp, ct_resp_vectors[v]);
	}
	for (int16_t v = 0; v <= 6; v++)
	{
		KpuMsg		req = DT_REQ(v);
		KpuMsg		resp = DT_RESP(v);

		CORRUPT_SAFELY(&req, dt_req_vectors[v]);
		CORRUPT_SAFELY(&resp, dt_resp_vectors[v]);
	}
	for (int16_t v = 0; v <= 1; v++)
	{
		KpuMsg		req = DC_REQ(v);
		KpuMsg		resp = DC_RESP(v);

		CORRUPT_SAFELY(&req, v == 0 ? DC_REQ_V0 : DC_REQ_V1);
		CORRUPT_SAFELY(&resp, v == 0 ? DC_RESP_V0 : DC_RESP_V1);
	}
}
