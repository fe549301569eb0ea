/*-------------------------------------------------------------------------
 *
 * test_metadata.c
 *	  Byte-vector tests for Metadata (API key 3) requests and responses in
 *	  every version the codec supports (0-12, flexible from 9).
 *
 * Every vector below was written by hand from Kafka's MetadataRequest.json
 * and MetadataResponse.json; v0-v5 were cross-checked against kafka-python
 * 2.0.2 with crosscheck_kafka_python.py.  Each vector is decoded (field
 * values asserted; fields absent from the version must hold their schema
 * defaults), re-encoded from a struct built here (byte-for-byte equal), and
 * every strict prefix of it must fail to decode.
 *
 * The per-version tables use ONE canonical request and ONE canonical
 * response holding a value for every field of every version; the encoder
 * must drop what the version lacks, the decoder must fill it with defaults.
 *
 * Field versions (Kafka spec):
 *	request:  topics (nullable 1+) {topic_id uuid 10+, name (nullable 10+)},
 *			  allow_auto_topic_creation 4+ (default true),
 *			  include_cluster_authorized_operations 8-10,
 *			  include_topic_authorized_operations 8+
 *	response: throttle_time_ms 3+, brokers {node_id, host, port, rack 1+
 *			  nullable}, cluster_id 2+ nullable, controller_id 1+ (default
 *			  -1), topics {error_code, name (nullable 12+), topic_id 10+,
 *			  is_internal 1+, partitions {error_code, partition_index,
 *			  leader_id, leader_epoch 7+ (default -1), replica_nodes,
 *			  isr_nodes, offline_replicas 5+}, topic_authorized_operations
 *			  8+ (default INT32_MIN)}, cluster_authorized_operations 8-10
 *			  (default INT32_MIN)
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/messages.h"

/* ----------------------------------------------------- request vectors */

/*
 * Canonical request: one topic {topic_id 00..0f, name "t"},
 * allow_auto_topic_creation false, both include_* flags true.
 */
static const char MD_REQ_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74";					/* name "t" */

static const char MD_REQ_V1[] =
	"00000001"
	"0001 74";

static const char MD_REQ_V2[] =
	"00000001"
	"0001 74";

static const char MD_REQ_V3[] =
	"00000001"
	"0001 74";

static const char MD_REQ_V4[] =
	"00000001"
	"0001 74"
	"00";						/* allow_auto_topic_creation false */

static const char MD_REQ_V5[] =
	"00000001"
	"0001 74"
	"00";

static const char MD_REQ_V6[] =
	"00000001"
	"0001 74"
	"00";

static const char MD_REQ_V7[] =
	"00000001"
	"0001 74"
	"00";

static const char MD_REQ_V8[] =
	"00000001"
	"0001 74"
	"00"
	"01"						/* include_cluster_authorized_operations */
	"01";						/* include_topic_authorized_operations */

static const char MD_REQ_V9[] =
	"02"						/* topics: compact, 1 */
	"02 74"						/* name "t" (compact) */
	"00"						/* topic: no tagged fields */
	"00"
	"01"
	"01"
	"00";						/* no tagged fields */

static const char MD_REQ_V10[] =
	"02"
	"000102030405060708090a0b0c0d0e0f"	/* topic_id */
	"02 74"
	"00"
	"00"
	"01"
	"01"
	"00";

static const char MD_REQ_V11[] =
	"02"
	"000102030405060708090a0b0c0d0e0f"
	"02 74"
	"00"
	"00"						/* allow_auto_topic_creation false */
	"01"						/* include_topic_authorized_operations */
	"00";

static const char MD_REQ_V12[] =
	"02"
	"000102030405060708090a0b0c0d0e0f"
	"02 74"
	"00"
	"00"
	"01"
	"00";

/* Special request cases */
static const char MD_REQ_V0_EMPTY[] = "00000000";	/* v0: all topics */
static const char MD_REQ_V1_NULL[] = "ffffffff";	/* v1+: all topics */
static const char MD_REQ_V1_EMPTY[] = "00000000";	/* v1+: no topics */
static const char MD_REQ_V4_NULL[] = "ffffffff 01";

static const char MD_REQ_V9_NULL[] =
	"00"						/* topics: null */
	"01 00 00"
	"00";

static const char MD_REQ_V9_EMPTY[] =
	"01"						/* topics: empty */
	"01 00 00"
	"00";

static const char MD_REQ_V10_NULL_NAME[] =
	"02"
	"000102030405060708090a0b0c0d0e0f"
	"00"						/* name: null (by topic id) */
	"00"
	"01 00 00"
	"00";

static const char MD_REQ_V12_NULL_NAME[] =
	"02"
	"000102030405060708090a0b0c0d0e0f"
	"00"
	"00"
	"01 00"
	"00";

static const char MD_REQ_V9_UNKNOWN_TAGS[] =
	"02"
	"02 74"
	"01 07 01 ff"				/* topic: unknown tag 7, 1 byte */
	"01 00 00"
	"02"						/* top level: two unknown tags */
	"0a 00"						/* tag 10, empty */
	"8001 02 abcd";				/* tag 128, 2 bytes */

/* ---------------------------------------------------- response vectors */

/*
 * Canonical response:
 *	throttle_time_ms 7
 *	brokers [{1, "a", 9092, rack "r"}, {2, "b", 9093, rack null}]
 *	cluster_id "c", controller_id 1
 *	topics [{error 0, "t", topic_id 00..0f, is_internal true,
 *			 partitions [{error 9, index 0, leader 1, leader_epoch 5,
 *						  replicas [1, 2], isr [1], offline [2]}],
 *			 topic_authorized_operations 0xf8}]
 *	cluster_authorized_operations 0xf00
 */
static const char MD_RESP_V0[] =
	"00000002"					/* brokers: 2 */
	"00000001 0001 61 00002384"	/* node 1, host "a", port 9092 */
	"00000002 0001 62 00002385"	/* node 2, host "b", port 9093 */
	"00000001"					/* topics: 1 */
	"0000 0001 74"				/* error 0, name "t" */
	"00000001"					/* partitions: 1 */
	"0009 00000000 00000001"	/* error 9, index 0, leader 1 */
	"00000002 00000001 00000002"	/* replicas [1, 2] */
	"00000001 00000001";		/* isr [1] */

static const char MD_RESP_V1[] =
	"00000002"
	"00000001 0001 61 00002384 0001 72"	/* rack "r" */
	"00000002 0001 62 00002385 ffff"	/* rack null */
	"00000001"					/* controller_id 1 */
	"00000001"
	"0000 0001 74 01"			/* is_internal true */
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001";

static const char MD_RESP_V2[] =
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"					/* cluster_id "c" */
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001";

static const char MD_RESP_V3[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001";

static const char MD_RESP_V4[] =
	"00000007"
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001";

static const char MD_RESP_V5[] =
	"00000007"
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001"
	"00000001 00000002";		/* offline_replicas [2] */

static const char MD_RESP_V6[] =
	"00000007"
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001"
	"00000002 00000001 00000002"
	"00000001 00000001"
	"00000001 00000002";

static const char MD_RESP_V7[] =
	"00000007"
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001 00000005"	/* leader_epoch 5 */
	"00000002 00000001 00000002"
	"00000001 00000001"
	"00000001 00000002";

static const char MD_RESP_V8[] =
	"00000007"
	"00000002"
	"00000001 0001 61 00002384 0001 72"
	"00000002 0001 62 00002385 ffff"
	"0001 63"
	"00000001"
	"00000001"
	"0000 0001 74 01"
	"00000001"
	"0009 00000000 00000001 00000005"
	"00000002 00000001 00000002"
	"00000001 00000001"
	"00000001 00000002"
	"000000f8"					/* topic_authorized_operations */
	"00000f00";					/* cluster_authorized_operations */

static const char MD_RESP_V9[] =
	"00000007"
	"03"						/* brokers: compact, 2 */
	"00000001 02 61 00002384 02 72 00"	/* ... rack "r", no tags */
	"00000002 02 62 00002385 00 00"	/* ... rack null, no tags */
	"02 63"						/* cluster_id "c" */
	"00000001"
	"02"						/* topics: 1 */
	"0000 02 74 01"
	"02"						/* partitions: 1 */
	"0009 00000000 00000001 00000005"
	"03 00000001 00000002"		/* replicas (compact) */
	"02 00000001"				/* isr */
	"02 00000002"				/* offline */
	"00"						/* partition: no tags */
	"000000f8"
	"00"						/* topic: no tags */
	"00000f00"
	"00";						/* no tags */

static const char MD_RESP_V10[] =
	"00000007"
	"03"
	"00000001 02 61 00002384 02 72 00"
	"00000002 02 62 00002385 00 00"
	"02 63"
	"00000001"
	"02"
	"0000 02 74 000102030405060708090a0b0c0d0e0f 01"	/* + topic_id */
	"02"
	"0009 00000000 00000001 00000005"
	"03 00000001 00000002"
	"02 00000001"
	"02 00000002"
	"00"
	"000000f8"
	"00"
	"00000f00"
	"00";

static const char MD_RESP_V11[] =
	"00000007"
	"03"
	"00000001 02 61 00002384 02 72 00"
	"00000002 02 62 00002385 00 00"
	"02 63"
	"00000001"
	"02"
	"0000 02 74 000102030405060708090a0b0c0d0e0f 01"
	"02"
	"0009 00000000 00000001 00000005"
	"03 00000001 00000002"
	"02 00000001"
	"02 00000002"
	"00"
	"000000f8"
	"00"
	"00";						/* no cluster_authorized_operations */

static const char MD_RESP_V12[] =
	"00000007"
	"03"
	"00000001 02 61 00002384 02 72 00"
	"00000002 02 62 00002385 00 00"
	"02 63"
	"00000001"
	"02"
	"0000 02 74 000102030405060708090a0b0c0d0e0f 01"
	"02"
	"0009 00000000 00000001 00000005"
	"03 00000001 00000002"
	"02 00000001"
	"02 00000002"
	"00"
	"000000f8"
	"00"
	"00";

/* Special response cases: no brokers, no topics unless stated */
static const char MD_RESP_V2_NULL_CLUSTER[] =
	"00000000"					/* brokers: 0 */
	"ffff"						/* cluster_id null */
	"ffffffff"					/* controller_id -1 */
	"00000000";					/* topics: 0 */

static const char MD_RESP_V9_NULL_CLUSTER[] =
	"00000000"
	"01"						/* brokers: empty */
	"00"						/* cluster_id null */
	"ffffffff"
	"01"						/* topics: empty */
	"80000000"					/* cluster_authorized_operations default */
	"00";

static const char MD_RESP_V12_NULL_NAME[] =
	"00000000"
	"01"
	"00"
	"ffffffff"
	"02"						/* topics: 1 */
	"0003"						/* UNKNOWN_TOPIC_OR_PARTITION */
	"00"						/* name null */
	"000102030405060708090a0b0c0d0e0f"
	"00"						/* is_internal false */
	"01"						/* partitions: empty */
	"80000000"					/* topic_authorized_operations default */
	"00"
	"00";

/* -------------------------------------------------------------- structs */

static const KpUuid topic_uuid = {{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};

static KpuMsg
md_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_MetadataRequest, v, v >= 9};

	return m;
}

static KpuMsg
md_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_MetadataResponse, v, v >= 9};

	return m;
}

static KpMetadataRequestTopic req_topics[1];

static void
canonical_request(KpMetadataRequest *r)
{
	kp_struct_init_defaults(&kp_desc_MetadataRequest, r);
	req_topics[0].topic_id = topic_uuid;
	req_topics[0].name = "t";
	r->topics_count = 1;
	r->topics = req_topics;
	r->allow_auto_topic_creation = false;
	r->include_cluster_authorized_operations = true;
	r->include_topic_authorized_operations = true;
}

/* Request with the given topics array and all flags at their defaults */
static void
plain_request(KpMetadataRequest *r, int32_t count, KpMetadataRequestTopic *t)
{
	kp_struct_init_defaults(&kp_desc_MetadataRequest, r);
	r->topics_count = count;
	r->topics = t;
}

static int32_t replicas[] = {1, 2};
static int32_t isr[] = {1};
static int32_t offline[] = {2};

static KpMetadataResponsePartition resp_partitions[] = {
	{
		.error_code = 9, .partition_index = 0, .leader_id = 1,
		.leader_epoch = 5,
		.replica_nodes_count = 2, .replica_nodes = replicas,
		.isr_nodes_count = 1, .isr_nodes = isr,
		.offline_replicas_count = 1, .offline_replicas = offline,
	},
};

static KpMetadataResponseTopic resp_topics[1];

static KpMetadataResponseBroker resp_brokers[] = {
	{.node_id = 1, .host = "a", .port = 9092, .rack = "r"},
	{.node_id = 2, .host = "b", .port = 9093, .rack = NULL},
};

static void
canonical_response(KpMetadataResponse *r)
{
	KpMetadataResponseTopic *t = &resp_topics[0];

	t->error_code = 0;
	t->name = "t";
	t->topic_id = topic_uuid;
	t->is_internal = true;
	t->partitions_count = 1;
	t->partitions = resp_partitions;
	t->topic_authorized_operations = 0xf8;
	kp_struct_init_defaults(&kp_desc_MetadataResponse, r);
	r->throttle_time_ms = 7;
	r->brokers_count = 2;
	r->brokers = resp_brokers;
	r->cluster_id = "c";
	r->controller_id = 1;
	r->topics_count = 1;
	r->topics = resp_topics;
	r->cluster_authorized_operations = 0xf00;
}

/* ------------------------------------------------------------- checkers */

static void
check_uuid(const KpUuid *got, const KpUuid *exp)
{
	CHECK_BYTES(got->b, 16, exp->b, 16);
}

static const KpUuid zero_uuid;

static void
check_md_request(const KpMetadataRequest *got, const KpMetadataRequest *exp,
				 int v)
{
	if (CHECK_INT(got->topics_count, exp->topics_count))
	{
		if (got->topics_count <= 0)
			CHECK_NULL(got->topics);
		for (int i = 0; i < exp->topics_count; i++)
		{
			check_uuid(&got->topics[i].topic_id,
					   v >= 10 ? &exp->topics[i].topic_id : &zero_uuid);
			CHECK_STR(got->topics[i].name, exp->topics[i].name);
		}
	}
	CHECK_INT(got->allow_auto_topic_creation,
			  v >= 4 ? exp->allow_auto_topic_creation : true);
	CHECK_INT(got->include_cluster_authorized_operations,
			  v >= 8 && v <= 10 ? exp->include_cluster_authorized_operations : false);
	CHECK_INT(got->include_topic_authorized_operations,
			  v >= 8 ? exp->include_topic_authorized_operations : false);
}

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
check_partition(const KpMetadataResponsePartition *got,
				const KpMetadataResponsePartition *exp, int v)
{
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_INT(got->partition_index, exp->partition_index);
	CHECK_INT(got->leader_id, exp->leader_id);
	CHECK_INT(got->leader_epoch, v >= 7 ? exp->leader_epoch : -1);
	check_int32_array(got->replica_nodes_count, got->replica_nodes,
					  exp->replica_nodes_count, exp->replica_nodes);
	check_int32_array(got->isr_nodes_count, got->isr_nodes,
					  exp->isr_nodes_count, exp->isr_nodes);
	if (v >= 5)
		check_int32_array(got->offline_replicas_count, got->offline_replicas,
						  exp->offline_replicas_count, exp->offline_replicas);
	else
		CHECK_INT(got->offline_replicas_count, 0);
}

static void
check_topic(const KpMetadataResponseTopic *got,
			const KpMetadataResponseTopic *exp, int v)
{
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_STR(got->name, exp->name);
	check_uuid(&got->topic_id, v >= 10 ? &exp->topic_id : &zero_uuid);
	CHECK_INT(got->is_internal, v >= 1 ? exp->is_internal : false);
	if (CHECK_INT(got->partitions_count, exp->partitions_count))
	{
		for (int i = 0; i < exp->partitions_count; i++)
			check_partition(&got->partitions[i], &exp->partitions[i], v);
	}
	CHECK_INT(got->topic_authorized_operations,
			  v >= 8 ? exp->topic_authorized_operations : INT32_MIN);
}

static void
check_broker(const KpMetadataResponseBroker *got,
			 const KpMetadataResponseBroker *exp, int v)
{
	CHECK_INT(got->node_id, exp->node_id);
	CHECK_STR(got->host, exp->host);
	CHECK_INT(got->port, exp->port);
	CHECK_STR(got->rack, v >= 1 ? exp->rack : NULL);
}

static void
check_md_response(const KpMetadataResponse *got, const KpMetadataResponse *exp,
				  int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 3 ? exp->throttle_time_ms : 0);
	if (CHECK_INT(got->brokers_count, exp->brokers_count))
	{
		for (int i = 0; i < exp->brokers_count; i++)
			check_broker(&got->brokers[i], &exp->brokers[i], v);
	}
	CHECK_STR(got->cluster_id, v >= 2 ? exp->cluster_id : NULL);
	CHECK_INT(got->controller_id, v >= 1 ? exp->controller_id : -1);
	if (CHECK_INT(got->topics_count, exp->topics_count))
	{
		for (int i = 0; i < exp->topics_count; i++)
			check_topic(&got->topics[i], &exp->topics[i], v);
	}
	CHECK_INT(got->cluster_authorized_operations,
			  v >= 8 && v <= 10 ? exp->cluster_authorized_operations : INT32_MIN);
}

/* ---------------------------------------------------- per-version tables */

static const char *const md_req_vectors[13] = {
	MD_REQ_V0, MD_REQ_V1, MD_REQ_V2, MD_REQ_V3, MD_REQ_V4, MD_REQ_V5,
	MD_REQ_V6, MD_REQ_V7, MD_REQ_V8, MD_REQ_V9, MD_REQ_V10, MD_REQ_V11,
	MD_REQ_V12,
};

static const char *const md_resp_vectors[13] = {
	MD_RESP_V0, MD_RESP_V1, MD_RESP_V2, MD_RESP_V3, MD_RESP_V4, MD_RESP_V5,
	MD_RESP_V6, MD_RESP_V7, MD_RESP_V8, MD_RESP_V9, MD_RESP_V10, MD_RESP_V11,
	MD_RESP_V12,
};

static void
md_request_version(int16_t v)
{
	KpuMsg		m = md_req(v);
	KpMetadataRequest in;
	KpMetadataRequest *d;

	canonical_request(&in);
	d = ROUNDTRIP(&m, &in, md_req_vectors[v]);
	if (d != NULL)
		check_md_request(d, &in, v);
}

static void
md_response_version(int16_t v)
{
	KpuMsg		m = md_resp(v);
	KpMetadataResponse in;
	KpMetadataResponse *d;

	canonical_response(&in);
	d = ROUNDTRIP(&m, &in, md_resp_vectors[v]);
	if (d != NULL)
		check_md_response(d, &in, v);
}

/* Tests per version, so that e.g. "kp_unit metadata_v12" runs just v12 */
#define MD_VERSION_TESTS(v) \
	KPU_TEST(metadata_v##v##_request) \
	{ \
		md_request_version(v); \
	} \
	KPU_TEST(metadata_v##v##_response) \
	{ \
		md_response_version(v); \
	}

MD_VERSION_TESTS(0)
MD_VERSION_TESTS(1)
MD_VERSION_TESTS(2)
MD_VERSION_TESTS(3)
MD_VERSION_TESTS(4)
MD_VERSION_TESTS(5)
MD_VERSION_TESTS(6)
MD_VERSION_TESTS(7)
MD_VERSION_TESTS(8)
MD_VERSION_TESTS(9)
MD_VERSION_TESTS(10)
MD_VERSION_TESTS(11)
MD_VERSION_TESTS(12)

/* ------------------------------------------------ special request cases */

/* v0: an empty array means "all topics"; null does not exist yet. */
KPU_TEST(metadata_v0_request_empty_topics)
{
	KpuMsg		m = md_req(0);
	KpMetadataRequest in;
	KpMetadataRequest *d;

	plain_request(&in, 0, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V0_EMPTY);
	REQUIRE(d != NULL);
	check_md_request(d, &in, 0);
	DECODE_FAILS(&m, MD_REQ_V1_NULL, "null value in a non-nullable field",
				 "topics");
	plain_request(&in, -1, NULL);
	ENCODE_FAILS(&m, &in, "null array in a non-nullable field", "topics");
}

/* v1+: null means "all topics", empty means "no topics". */
KPU_TEST(metadata_v1_request_null_vs_empty_topics)
{
	KpuMsg		m = md_req(1);
	KpMetadataRequest in;
	KpMetadataRequest *d;

	plain_request(&in, -1, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V1_NULL);
	REQUIRE(d != NULL);
	CHECK_INT(d->topics_count, -1);
	CHECK_NULL(d->topics);
	plain_request(&in, 0, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V1_EMPTY);
	REQUIRE(d != NULL);
	CHECK_INT(d->topics_count, 0);
}

KPU_TEST(metadata_v4_request_null_topics)
{
	KpuMsg		m = md_req(4);
	KpMetadataRequest in;
	KpMetadataRequest *d;

	plain_request(&in, -1, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V4_NULL);
	REQUIRE(d != NULL);
	check_md_request(d, &in, 4);
	CHECK_INT(d->allow_auto_topic_creation, true);
}

KPU_TEST(metadata_v9_request_null_vs_empty_topics)
{
	KpuMsg		m = md_req(9);
	KpMetadataRequest in;
	KpMetadataRequest *d;

	plain_request(&in, -1, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V9_NULL);
	REQUIRE(d != NULL);
	check_md_request(d, &in, 9);
	plain_request(&in, 0, NULL);
	d = ROUNDTRIP(&m, &in, MD_REQ_V9_EMPTY);
	REQUIRE(d != NULL);
	check_md_request(d, &in, 9);
}

/* v10+: a topic may be named by id alone, with a null name. */
KPU_TEST(metadata_v10_v12_request_topic_id_null_name)
{
	KpMetadataRequestTopic t = {.topic_id = topic_uuid, .name = NULL};
	KpMetadataRequest in;
	KpMetadataRequest *d;
	KpuMsg		m10 = md_req(10);
	KpuMsg		m12 = md_req(12);

	plain_request(&in, 1, &t);
	d = ROUNDTRIP(&m10, &in, MD_REQ_V10_NULL_NAME);
	if (CHECK(d != NULL))
	{
		check_md_request(d, &in, 10);
		CHECK_NULL(d->topics[0].name);
	}
	d = ROUNDTRIP(&m12, &in, MD_REQ_V12_NULL_NAME);
	if (CHECK(d != NULL))
		check_md_request(d, &in, 12);
}

KPU_TEST(metadata_v9_request_null_name_rejected)
{
	KpuMsg		m = md_req(9);

	DECODE_FAILS(&m, "02 00 00 01 00 00 00",
				 "null value in a non-nullable field", "name");
}

KPU_TEST(metadata_v9_request_unknown_tags_skipped)
{
	KpuMsg		m = md_req(9);
	KpMetadataRequestTopic t = {.name = "t"};
	KpMetadataRequest in;
	KpMetadataRequest *d;

	plain_request(&in, 1, &t);
	d = DECODE_VEC(&m, MD_REQ_V9_UNKNOWN_TAGS);
	REQUIRE(d != NULL);
	check_md_request(d, &in, 9);
	PREFIXES_FAIL(&m, MD_REQ_V9_UNKNOWN_TAGS);
	/* re-encoded without the unknown tags */
	ENCODE_VEC(&m, d, "02 0274 00 01 00 00 00");
}

/* ----------------------------------------------- special response cases */

static void
empty_response(KpMetadataResponse *r)
{
	kp_struct_init_defaults(&kp_desc_MetadataResponse, r);
	r->cluster_id = NULL;
}

KPU_TEST(metadata_v2_v9_response_null_cluster_id)
{
	KpMetadataResponse in;
	KpMetadataResponse *d;
	KpuMsg		m2 = md_resp(2);
	KpuMsg		m9 = md_resp(9);

	empty_response(&in);
	d = ROUNDTRIP(&m2, &in, MD_RESP_V2_NULL_CLUSTER);
	if (CHECK(d != NULL))
	{
		check_md_response(d, &in, 2);
		CHECK_NULL(d->cluster_id);
		CHECK_INT(d->controller_id, -1);
	}
	d = ROUNDTRIP(&m9, &in, MD_RESP_V9_NULL_CLUSTER);
	if (CHECK(d != NULL))
	{
		check_md_response(d, &in, 9);
		CHECK_NULL(d->cluster_id);
		CHECK_INT(d->cluster_authorized_operations, INT32_MIN);
	}
}

KPU_TEST(metadata_v12_response_null_topic_name)
{
	KpMetadataResponseTopic t;
	KpMetadataResponse in;
	KpMetadataResponse *d;
	KpuMsg		m12 = md_resp(12);
	KpuMsg		m11 = md_resp(11);

	kp_struct_init_defaults(&kp_desc_MetadataResponseTopic, &t);
	t.error_code = 3;
	t.name = NULL;
	t.topic_id = topic_uuid;
	empty_response(&in);
	in.topics_count = 1;
	in.topics = &t;
	d = ROUNDTRIP(&m12, &in, MD_RESP_V12_NULL_NAME);
	REQUIRE(d != NULL);
	check_md_response(d, &in, 12);
	CHECK_NULL(d->topics[0].name);
	/* before v12 a topic name cannot be null */
	DECODE_FAILS(&m11, MD_RESP_V12_NULL_NAME,
				 "null value in a non-nullable field", "name");
}

/* Fields absent from v0 decode to their schema defaults. */
KPU_TEST(metadata_v0_response_defaults)
{
	KpuMsg		m = md_resp(0);
	KpMetadataResponse *d = DECODE_VEC(&m, MD_RESP_V0);

	REQUIRE(d != NULL);
	CHECK_INT(d->throttle_time_ms, 0);
	CHECK_NULL(d->brokers[1].rack);
	CHECK_NULL(d->cluster_id);
	CHECK_INT(d->controller_id, -1);
	CHECK_INT(d->topics[0].is_internal, false);
	CHECK_INT(d->topics[0].topic_authorized_operations, INT32_MIN);
	CHECK_INT(d->topics[0].partitions[0].leader_epoch, -1);
	CHECK_INT(d->topics[0].partitions[0].offline_replicas_count, 0);
	CHECK_INT(d->cluster_authorized_operations, INT32_MIN);
}

/* cluster_authorized_operations is in v8-10 only. */
KPU_TEST(metadata_all_response_cluster_authorized_operations)
{
	for (int16_t v = 0; v <= 12; v++)
	{
		KpuMsg		m = md_resp(v);
		KpMetadataResponse *d = DECODE_VEC(&m, md_resp_vectors[v]);

		if (d != NULL)
			CHECK_INT(d->cluster_authorized_operations,
					  v >= 8 && v <= 10 ? 0xf00 : INT32_MIN);
	}
}

/* Any single corrupted byte in any version: clean failure, never a crash. */
KPU_TEST(metadata_all_corrupt_bytes)
{
	for (int16_t v = 0; v <= 12; v++)
	{
		KpuMsg		req = md_req(v);
		KpuMsg		resp = md_resp(v);

		CORRUPT_SAFELY(&req, md_req_vectors[v]);
		CORRUPT_SAFELY(&resp, md_resp_vectors[v]);
	}
}
