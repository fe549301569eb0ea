/*-------------------------------------------------------------------------
 *
 * test_group_offsets.c
 *	  Byte-vector tests for the committed-offset APIs OffsetCommit (API key
 *	  8, versions 0-8, flexible from 8), OffsetFetch (key 9, versions 0-8,
 *	  flexible from 6) and OffsetDelete (key 47, version 0, never
 *	  flexible), requests and responses, in every version.
 *
 * Every vector below was written by hand from Kafka's JSON schemas
 * (OffsetCommitRequest/Response, OffsetFetchRequest/Response,
 * OffsetDeleteRequest/Response); OffsetCommit and OffsetFetch v0-v3 are
 * cross-checked against kafka-python 2.0.2 with crosscheck_kafka_python.py
 * (it has no OffsetDelete).  As in the other API tests, ONE canonical
 * request and ONE canonical response per API hold a value for every field
 * of every version, walked by VERSIONS_ROUNDTRIP (vec.h).
 *
 * Field versions (Kafka spec):
 *	OffsetCommit request:  group_id, generation_id 1+ (default -1),
 *			  member_id 1+, group_instance_id 7+ (nullable),
 *			  retention_time_ms 2-4 (default -1), topics {name, partitions
 *			  {partition_index, committed_offset, committed_leader_epoch 6+
 *			  (default -1), commit_timestamp 1 only (default -1),
 *			  committed_metadata (nullable)}}
 *	OffsetCommit response: throttle_time_ms 3+, topics {name, partitions
 *			  {partition_index, error_code}}
 *	OffsetFetch request:  group_id 0-7, topics 0-7 (nullable 2+: all
 *			  topics) {name, partition_indexes}, groups 8+ {group_id, topics
 *			  (nullable) {name, partition_indexes}}, require_stable 7+
 *	OffsetFetch response: throttle_time_ms 3+, topics 0-7 {name,
 *			  partitions {partition_index, committed_offset,
 *			  committed_leader_epoch 5-7 (default -1), metadata (nullable),
 *			  error_code}}, error_code 2-7, groups 8+ {group_id, topics
 *			  {name, partitions {the same, epoch in every version}},
 *			  error_code}
 *	OffsetDelete request:  group_id, topics {name, partitions
 *			  {partition_index}}
 *	OffsetDelete response: error_code, throttle_time_ms, topics {name,
 *			  partitions {partition_index, error_code}}
 *
 * No field of these APIs is tagged; the *_UNKNOWN_TAGS vectors check that
 * unknown tags are skipped.  The broker has no handler for them yet.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* ================================================== OffsetCommit vectors */

/*
 * Canonical request: group_id "g", generation_id 3, member_id "m",
 * group_instance_id "i", retention_time_ms 86400000,
 * topics [{"t", [{0, offset 100, leader_epoch 4, timestamp 1000, "x"},
 *				  {1, offset 200, leader_epoch -1, timestamp -1, null}]}]
 */
static const char OC_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00000001 0001 74"			/* topics: 1, "t" */
	"00000002"					/* partitions: 2 */
	"00000000 0000000000000064 0001 78"	/* 0, offset 100, "x" */
	"00000001 00000000000000c8 ffff";	/* 1, offset 200, null */

static const char OC_REQ_V1[] =
	"0001 67"
	"00000003 0001 6d"			/* generation_id 3, member_id "m" */
	"00000001 0001 74 00000002"
	"00000000 0000000000000064"
	"00000000000003e8"			/* commit_timestamp 1000 */
	"0001 78"
	"00000001 00000000000000c8"
	"ffffffffffffffff"			/* commit_timestamp -1 */
	"ffff";

static const char OC_REQ_V2[] =
	"0001 67 00000003 0001 6d"
	"0000000005265c00"			/* retention_time_ms 86400000 */
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 00000001 00000000000000c8 ffff";

static const char OC_REQ_V3[] =
	"0001 67 00000003 0001 6d 0000000005265c00 00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 00000001 00000000000000c8 ffff";

static const char OC_REQ_V4[] =
	"0001 67 00000003 0001 6d 0000000005265c00 00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 00000001 00000000000000c8 ffff";

static const char OC_REQ_V5[] =
	"0001 67 00000003 0001 6d"	/* retention_time_ms gone */
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 00000001 00000000000000c8 ffff";

static const char OC_REQ_V6[] =
	"0001 67 00000003 0001 6d 00000001 0001 74 00000002"
	"00000000 0000000000000064"
	"00000004"					/* committed_leader_epoch 4 */
	"0001 78"
	"00000001 00000000000000c8"
	"ffffffff"					/* committed_leader_epoch -1 */
	"ffff";

static const char OC_REQ_V7[] =
	"0001 67 00000003 0001 6d"
	"0001 69"					/* group_instance_id "i" */
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 00000004 0001 78"
	"00000001 00000000000000c8 ffffffff ffff";

static const char OC_REQ_V8[] =
	"02 67 00000003 02 6d 02 69"	/* compact "g", 3, "m", "i" */
	"02 02 74"					/* topics: compact 1, "t" */
	"03"						/* partitions: compact, 2 */
	"00000000 0000000000000064 00000004 02 78 00"	/* ..., "x", no tags */
	"00000001 00000000000000c8 ffffffff 00 00"	/* ..., null, no tags */
	"00"						/* topic: no tags */
	"00";						/* no tags */

/* v8 with unknown tags in a partition and in the topic */
static const char OC_REQ_V8_UNKNOWN_TAGS[] =
	"02 67 00000003 02 6d 02 69 02 02 74 03"
	"00000000 0000000000000064 00000004 02 78"
	"01 00 01 ff"				/* partition 0: tag 0, 1 byte */
	"00000001 00000000000000c8 ffffffff 00 00"
	"01 03 00"					/* topic: tag 3, empty */
	"00";

/* A dynamic member (null group_instance_id) committing nothing */
static const char OC_REQ_V7_NULL[] = "0001 67 00000003 0001 6d ffff 00000000";
static const char OC_REQ_V8_NULL[] = "02 67 00000003 02 6d 00 01 00";

/*
 * Canonical response: throttle_time_ms 7,
 * topics [{"t", [{0, 0}, {1, ILLEGAL_GENERATION (22)}]}]
 */
static const char OC_RESP_V0[] =
	"00000001 0001 74"			/* topics: 1, "t" */
	"00000002"					/* partitions: 2 */
	"00000000 0000"				/* 0, ok */
	"00000001 0016";			/* 1, ILLEGAL_GENERATION */

static const char OC_RESP_V1[] =
	"00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V2[] =
	"00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V3[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V4[] =
	"00000007 00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V5[] =
	"00000007 00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V6[] =
	"00000007 00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V7[] =
	"00000007 00000001 0001 74 00000002 00000000 0000 00000001 0016";

static const char OC_RESP_V8[] =
	"00000007"
	"02 02 74 03"				/* topics: 1, "t", partitions: 2 */
	"00000000 0000 00"
	"00000001 0016 00"
	"00 00";					/* topic and top level: no tags */

/* =================================================== OffsetFetch vectors */

/*
 * Canonical request: group_id "g", topics [{"t", [0, 1]}] (v0-7),
 * groups [{"g", [{"t", [0, 1]}]}, {"h", null (all topics)}] (v8),
 * require_stable true
 */
static const char OF_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00000001 0001 74"			/* topics: 1, "t" */
	"00000002 00000000 00000001";	/* partition_indexes [0, 1] */

static const char OF_REQ_V1[] = "0001 67 00000001 0001 74 00000002 00000000 00000001";
static const char OF_REQ_V2[] = "0001 67 00000001 0001 74 00000002 00000000 00000001";
static const char OF_REQ_V3[] = "0001 67 00000001 0001 74 00000002 00000000 00000001";
static const char OF_REQ_V4[] = "0001 67 00000001 0001 74 00000002 00000000 00000001";
static const char OF_REQ_V5[] = "0001 67 00000001 0001 74 00000002 00000000 00000001";

static const char OF_REQ_V6[] =
	"02 67"						/* group_id "g" */
	"02 02 74"					/* topics: compact 1, "t" */
	"03 00000000 00000001"		/* partition_indexes: compact, [0, 1] */
	"00"						/* topic: no tags */
	"00";						/* no tags */

static const char OF_REQ_V7[] =
	"02 67 02 02 74 03 00000000 00000001 00"
	"01"						/* require_stable */
	"00";

static const char OF_REQ_V8[] =
	"03"						/* groups: compact, 2 */
	"02 67 02 02 74 03 00000000 00000001 00 00"	/* "g": [{"t", [0, 1]}] */
	"02 68 00 00"				/* "h": topics null */
	"01"						/* require_stable */
	"00";

/* v2+: a null topics array asks for every committed offset */
static const char OF_REQ_V2_ALL[] = "0001 67 ffffffff";
static const char OF_REQ_V7_ALL[] = "02 67 00 00 00";

/* v8 with unknown tags in a group */
static const char OF_REQ_V8_UNKNOWN_TAGS[] =
	"03 02 67 02 02 74 03 00000000 00000001 00 00"
	"02 68 00"
	"01 05 02 abcd"				/* "h": tag 5, 2 bytes */
	"01 00";

/*
 * Canonical response: throttle_time_ms 7, error_code 0,
 * topics [{"t", [{0, offset 100, leader_epoch 4, "x", 0},
 *				  {1, offset -1, leader_epoch -1, null,
 *				   UNSTABLE_OFFSET_COMMIT (88)}]}] (v0-7),
 * groups [{"g", [the same topic], 0}, {"h", [], NOT_COORDINATOR (16)}] (v8)
 */
static const char OF_RESP_V0[] =
	"00000001 0001 74"			/* topics: 1, "t" */
	"00000002"					/* partitions: 2 */
	"00000000 0000000000000064 0001 78 0000"	/* 0, 100, "x", ok */
	"00000001 ffffffffffffffff ffff 0058";	/* 1, -1, null, 88 */

static const char OF_RESP_V1[] =
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 0000"
	"00000001 ffffffffffffffff ffff 0058";

static const char OF_RESP_V2[] =
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 0000"
	"00000001 ffffffffffffffff ffff 0058"
	"0000";						/* error_code */

static const char OF_RESP_V3[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 0000"
	"00000001 ffffffffffffffff ffff 0058 0000";

static const char OF_RESP_V4[] =
	"00000007 00000001 0001 74 00000002"
	"00000000 0000000000000064 0001 78 0000"
	"00000001 ffffffffffffffff ffff 0058 0000";

static const char OF_RESP_V5[] =
	"00000007 00000001 0001 74 00000002"
	"00000000 0000000000000064"
	"00000004"					/* committed_leader_epoch 4 */
	"0001 78 0000"
	"00000001 ffffffffffffffff"
	"ffffffff"					/* committed_leader_epoch -1 */
	"ffff 0058 0000";

static const char OF_RESP_V6[] =
	"00000007"
	"02 02 74 03"				/* topics: 1, "t", partitions: 2 */
	"00000000 0000000000000064 00000004 02 78 0000 00"
	"00000001 ffffffffffffffff ffffffff 00 0058 00"
	"00"						/* topic: no tags */
	"0000"						/* error_code */
	"00";

static const char OF_RESP_V7[] =
	"00000007 02 02 74 03"
	"00000000 0000000000000064 00000004 02 78 0000 00"
	"00000001 ffffffffffffffff ffffffff 00 0058 00"
	"00 0000 00";

static const char OF_RESP_V8[] =
	"00000007"
	"03"						/* groups: compact, 2 */
	"02 67 02 02 74 03"			/* "g", topics: 1, "t", partitions: 2 */
	"00000000 0000000000000064 00000004 02 78 0000 00"
	"00000001 ffffffffffffffff ffffffff 00 0058 00"
	"00"						/* topic: no tags */
	"0000 00"					/* group error_code 0, no tags */
	"02 68 01 0010 00"			/* "h", no topics, NOT_COORDINATOR */
	"00";

/* ================================================== OffsetDelete vectors */

/* Canonical request: group_id "g", topics [{"t", [{0}, {1}]}] */
static const char OD_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00000001 0001 74"			/* topics: 1, "t" */
	"00000002 00000000 00000001";	/* partitions 0 and 1 */

/*
 * Canonical response: error_code 0, throttle_time_ms 7,
 * topics [{"t", [{0, 0}, {1, GROUP_SUBSCRIBED_TO_TOPIC (86)}]}]
 */
static const char OD_RESP_V0[] =
	"0000"						/* error_code */
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000002"
	"00000000 0000"				/* 0, ok */
	"00000001 0056";			/* 1, GROUP_SUBSCRIBED_TO_TOPIC */

/* GROUP_ID_NOT_FOUND (69) with no topics */
static const char OD_RESP_V0_ERROR[] = "0045 00000000 00000000";

/* ======================================================= canonical structs */

static KpOffsetCommitRequestPartition oc_parts[] = {
	{.partition_index = 0, .committed_offset = 100,
		.committed_leader_epoch = 4, .commit_timestamp = 1000,
	.committed_metadata = "x"},
	{.partition_index = 1, .committed_offset = 200,
		.committed_leader_epoch = -1, .commit_timestamp = -1,
	.committed_metadata = NULL},
};
static KpOffsetCommitRequestTopic oc_topics[] = {{"t", 2, oc_parts}};

static const KpOffsetCommitRequest oc_canonical_request = {
	.group_id = "g", .generation_id = 3, .member_id = "m",
	.group_instance_id = "i", .retention_time_ms = 86400000,
	.topics_count = 1, .topics = oc_topics,
};

static KpOffsetCommitResponsePartition oc_results[] = {{0, 0}, {1, 22}};
static KpOffsetCommitResponseTopic oc_result_topics[] = {{"t", 2, oc_results}};

static const KpOffsetCommitResponse oc_canonical_response = {
	.throttle_time_ms = 7, .topics_count = 1, .topics = oc_result_topics,
};

static int32_t of_indexes[] = {0, 1};
static KpOffsetFetchRequestTopic of_topics[] = {{"t", 2, of_indexes}};
static KpOffsetFetchRequestTopics of_group_topics[] = {{"t", 2, of_indexes}};

/* "h" asks for all its topics */
static KpOffsetFetchRequestGroup of_groups[] = {
	{"g", 1, of_group_topics}, {"h", -1, NULL},
};

static const KpOffsetFetchRequest of_canonical_request = {
	.group_id = "g", .topics_count = 1, .topics = of_topics,
	.groups_count = 2, .groups = of_groups, .require_stable = true,
};

/* v0-7 and v8 partitions: the same values in distinct C types */
static KpOffsetFetchResponsePartition of_results[] = {
	{0, 100, 4, "x", 0}, {1, -1, -1, NULL, 88},
};
static KpOffsetFetchResponsePartitions of_group_results[] = {
	{0, 100, 4, "x", 0}, {1, -1, -1, NULL, 88},
};
static KpOffsetFetchResponseTopic of_result_topics[] = {{"t", 2, of_results}};
static KpOffsetFetchResponseTopics of_group_result_topics[] = {
	{"t", 2, of_group_results},
};
static KpOffsetFetchResponseGroup of_result_groups[] = {
	{"g", 1, of_group_result_topics, 0}, {"h", 0, NULL, 16},
};

static const KpOffsetFetchResponse of_canonical_response = {
	.throttle_time_ms = 7, .topics_count = 1, .topics = of_result_topics,
	.error_code = 0, .groups_count = 2, .groups = of_result_groups,
};

static KpOffsetDeleteRequestPartition od_parts[] = {{0}, {1}};
static KpOffsetDeleteRequestTopic od_topics[] = {{"t", 2, od_parts}};

static const KpOffsetDeleteRequest od_canonical_request = {
	.group_id = "g", .topics_count = 1, .topics = od_topics,
};

static KpOffsetDeleteResponsePartition od_results[] = {{0, 0}, {1, 86}};
static KpOffsetDeleteResponseTopic od_result_topics[] = {{"t", 2, od_results}};

static const KpOffsetDeleteResponse od_canonical_response = {
	.error_code = 0, .throttle_time_ms = 7, .topics_count = 1,
	.topics = od_result_topics,
};

static const KpuVersions oc_req = {
	&kp_desc_OffsetCommitRequest, 0, 8, 8, &oc_canonical_request,
	{OC_REQ_V0, OC_REQ_V1, OC_REQ_V2, OC_REQ_V3, OC_REQ_V4, OC_REQ_V5,
	OC_REQ_V6, OC_REQ_V7, OC_REQ_V8},
};

static const KpuVersions oc_resp = {
	&kp_desc_OffsetCommitResponse, 0, 8, 8, &oc_canonical_response,
	{OC_RESP_V0, OC_RESP_V1, OC_RESP_V2, OC_RESP_V3, OC_RESP_V4, OC_RESP_V5,
	OC_RESP_V6, OC_RESP_V7, OC_RESP_V8},
};

static const KpuVersions of_req = {
	&kp_desc_OffsetFetchRequest, 0, 8, 6, &of_canonical_request,
	{OF_REQ_V0, OF_REQ_V1, OF_REQ_V2, OF_REQ_V3, OF_REQ_V4, OF_REQ_V5,
	OF_REQ_V6, OF_REQ_V7, OF_REQ_V8},
};

static const KpuVersions of_resp = {
	&kp_desc_OffsetFetchResponse, 0, 8, 6, &of_canonical_response,
	{OF_RESP_V0, OF_RESP_V1, OF_RESP_V2, OF_RESP_V3, OF_RESP_V4, OF_RESP_V5,
	OF_RESP_V6, OF_RESP_V7, OF_RESP_V8},
};

static const KpuVersions od_req = {
	&kp_desc_OffsetDeleteRequest, 0, 0, KP_NEVER, &od_canonical_request,
	{OD_REQ_V0},
};

static const KpuVersions od_resp = {
	&kp_desc_OffsetDeleteResponse, 0, 0, KP_NEVER, &od_canonical_response,
	{OD_RESP_V0},
};

/* ======================================================== OffsetCommit */

KPU_TEST(offset_commit_all_versions)
{
	VERSIONS_ROUNDTRIP(&oc_req);
	VERSIONS_ROUNDTRIP(&oc_resp);
}

/* Absent fields decode to their defaults: -1 for times and epochs. */
KPU_TEST(offset_commit_defaults)
{
	KpuMsg		m0 = VERSIONS_MSG(&oc_req, 0);
	KpuMsg		m5 = VERSIONS_MSG(&oc_req, 5);
	KpOffsetCommitRequest *d = DECODE_VEC(&m0, OC_REQ_V0);

	if (CHECK(d != NULL))
	{
		CHECK_INT(d->generation_id, -1);
		CHECK_NULL(d->member_id);
		CHECK_INT(d->retention_time_ms, -1);
		CHECK_INT(d->topics[0].partitions[0].committed_leader_epoch, -1);
		CHECK_INT(d->topics[0].partitions[0].commit_timestamp, -1);
		CHECK_NULL(d->topics[0].partitions[1].committed_metadata);
	}
	d = DECODE_VEC(&m5, OC_REQ_V5);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->generation_id, 3);
		CHECK_INT(d->retention_time_ms, -1);
		CHECK_INT(d->topics[0].partitions[0].commit_timestamp, -1);
		CHECK_NULL(d->group_instance_id);
	}
}

KPU_TEST(offset_commit_null_group_instance_id)
{
	KpuMsg		m7 = VERSIONS_MSG(&oc_req, 7);
	KpuMsg		m8 = VERSIONS_MSG(&oc_req, 8);
	KpOffsetCommitRequest *in = kpu_versions_canonical(&oc_req);
	KpOffsetCommitRequest *d;

	in->group_instance_id = NULL;
	in->topics_count = 0;
	d = ROUNDTRIP(&m7, in, OC_REQ_V7_NULL);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&m7, d, in);
	d = ROUNDTRIP(&m8, in, OC_REQ_V8_NULL);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&m8, d, in);
	DECODE_FAILS(&m8, "02 67 00000003 02 6d 00 02 00",
				 "null value in a non-nullable field", "name");
}

KPU_TEST(offset_commit_v8_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&oc_req, 8, OC_REQ_V8_UNKNOWN_TAGS);
}

/* ========================================================= OffsetFetch */

KPU_TEST(offset_fetch_all_versions)
{
	VERSIONS_ROUNDTRIP(&of_req);
	VERSIONS_ROUNDTRIP(&of_resp);
}

/* The leader epoch is absent before v5 and decodes to -1. */
KPU_TEST(offset_fetch_defaults)
{
	KpuMsg		r4 = VERSIONS_MSG(&of_resp, 4);
	KpuMsg		r8 = VERSIONS_MSG(&of_resp, 8);
	KpOffsetFetchResponse *d = DECODE_VEC(&r4, OF_RESP_V4);

	if (CHECK(d != NULL))
	{
		CHECK_INT(d->topics[0].partitions[0].committed_leader_epoch, -1);
		CHECK_INT(d->groups_count, 0);
	}
	d = DECODE_VEC(&r8, OF_RESP_V8);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->topics_count, 0);
		CHECK_INT(d->error_code, 0);
		CHECK_INT(d->groups[0].topics[0].partitions[0].committed_leader_epoch, 4);
		CHECK_INT(d->groups[1].error_code, 16);
	}
}

/* A null topics array ("all topics") is allowed from v2 on only. */
KPU_TEST(offset_fetch_all_topics)
{
	KpuMsg		m1 = VERSIONS_MSG(&of_req, 1);
	KpuMsg		m2 = VERSIONS_MSG(&of_req, 2);
	KpuMsg		m7 = VERSIONS_MSG(&of_req, 7);
	KpOffsetFetchRequest *in = kpu_versions_canonical(&of_req);
	KpOffsetFetchRequest *d;

	in->topics_count = -1;
	in->topics = NULL;
	in->require_stable = false;
	d = ROUNDTRIP(&m2, in, OF_REQ_V2_ALL);
	if (CHECK(d != NULL))
		CHECK_INT(d->topics_count, -1);
	d = ROUNDTRIP(&m7, in, OF_REQ_V7_ALL);
	if (CHECK(d != NULL))
		CHECK_INT(d->topics_count, -1);
	DECODE_FAILS(&m1, OF_REQ_V2_ALL, "null value in a non-nullable field",
				 "topics");
	ENCODE_FAILS(&m1, in, "null array in a non-nullable field", "topics");
}

KPU_TEST(offset_fetch_v8_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&of_req, 8, OF_REQ_V8_UNKNOWN_TAGS);
}

/* The v8 response's topics per group are never null. */
KPU_TEST(offset_fetch_v8_response_null_topics_rejected)
{
	KpuMsg		m = VERSIONS_MSG(&of_resp, 8);

	DECODE_FAILS(&m, "00000000 02 02 67 00 0000 00 00",
				 "null value in a non-nullable field", "topics");
}

/* ======================================================== OffsetDelete */

KPU_TEST(offset_delete_v0)
{
	VERSIONS_ROUNDTRIP(&od_req);
	VERSIONS_ROUNDTRIP(&od_resp);
}

KPU_TEST(offset_delete_response_error)
{
	KpuMsg		m = VERSIONS_MSG(&od_resp, 0);
	KpOffsetDeleteResponse in;
	KpOffsetDeleteResponse *d;

	kp_struct_init_defaults(&kp_desc_OffsetDeleteResponse, &in);
	in.error_code = 69;
	d = ROUNDTRIP(&m, &in, OD_RESP_V0_ERROR);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&m, d, &in);
	DECODE_FAILS(&m, "0000 00000000 ffffffff",
				 "null value in a non-nullable field", "topics");
}

/* ======================================= corruption, all three APIs */

KPU_TEST(group_offsets_all_corrupt_bytes)
{
	VERSIONS_CORRUPT(&oc_req);
	VERSIONS_CORRUPT(&oc_resp);
	VERSIONS_CORRUPT(&of_req);
	VERSIONS_CORRUPT(&of_resp);
	VERSIONS_CORRUPT(&od_req);
	VERSIONS_CORRUPT(&od_resp);
}
