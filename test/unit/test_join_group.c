/*-------------------------------------------------------------------------
 *
 * test_join_group.c
 *	  Byte-vector tests for the rebalance pair JoinGroup (API key 11,
 *	  versions 0-9, flexible from 6) and SyncGroup (key 14, versions 0-5,
 *	  flexible from 4), requests and responses, in every version.
 *
 * Every vector below was written by hand from Kafka's JSON schemas
 * (JoinGroupRequest/Response, SyncGroupRequest/Response); JoinGroup v0-v2
 * and SyncGroup v0-v1 are cross-checked against kafka-python 2.0.2 with
 * crosscheck_kafka_python.py.  As in the other API tests, ONE canonical
 * request and ONE canonical response per API hold a value for every field
 * of every version; VERSIONS_ROUNDTRIP (vec.h) encodes it in each version
 * and compares with the vector, decodes the vector and compares the result
 * field by field (CHECK_STRUCT: fields absent from the version must hold
 * their defaults), encodes the decoded struct back, and checks that every
 * strict prefix fails to decode.
 *
 * Field versions (Kafka spec):
 *	JoinGroup request:  group_id, session_timeout_ms, rebalance_timeout_ms
 *			  1+ (default -1), member_id, group_instance_id 5+ (nullable),
 *			  protocol_type, protocols {name, metadata (bytes)}, reason 8+
 *			  (nullable)
 *	JoinGroup response: throttle_time_ms 2+, error_code, generation_id
 *			  (default -1), protocol_type 7+ (nullable), protocol_name
 *			  (nullable 7+), leader, skip_assignment 9+, member_id,
 *			  members {member_id, group_instance_id 5+ (nullable),
 *			  metadata (bytes)}
 *	SyncGroup request:  group_id, generation_id, member_id,
 *			  group_instance_id 3+ (nullable), protocol_type 5+ (nullable),
 *			  protocol_name 5+ (nullable), assignments {member_id,
 *			  assignment (bytes)}
 *	SyncGroup response: throttle_time_ms 1+, error_code, protocol_type 5+
 *			  (nullable), protocol_name 5+ (nullable), assignment (bytes)
 *
 * No field of either API is tagged; the flexible vectors carry empty tag
 * sections, and the *_UNKNOWN_TAGS vectors check that unknown tags at
 * every level are skipped.  Metadata and assignment bytes are never
 * nullable.  The broker has no handler for these APIs yet, so ApiVersions
 * does not advertise them.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

static const uint8_t bytes_010203[] = {0x01, 0x02, 0x03};
static const uint8_t bytes_0a0b[] = {0x0a, 0x0b};

/* ===================================================== JoinGroup vectors */

/*
 * Canonical request: group_id "g", session_timeout_ms 10000,
 * rebalance_timeout_ms 30000, member_id "m", group_instance_id "i",
 * protocol_type "consumer", protocols [{"a", 010203}, {"b", empty}],
 * reason "r"
 */
static const char JG_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00002710"					/* session_timeout_ms 10000 */
	"0001 6d"					/* member_id "m" */
	"0008 636f6e73756d6572"		/* protocol_type "consumer" */
	"00000002"					/* protocols: 2 */
	"0001 61 00000003 010203"	/* "a", metadata 010203 */
	"0001 62 00000000";			/* "b", metadata empty */

static const char JG_REQ_V1[] =
	"0001 67 00002710"
	"00007530"					/* rebalance_timeout_ms 30000 */
	"0001 6d 0008 636f6e73756d6572"
	"00000002 0001 61 00000003 010203 0001 62 00000000";

static const char JG_REQ_V2[] =
	"0001 67 00002710 00007530 0001 6d 0008 636f6e73756d6572"
	"00000002 0001 61 00000003 010203 0001 62 00000000";

static const char JG_REQ_V3[] =
	"0001 67 00002710 00007530 0001 6d 0008 636f6e73756d6572"
	"00000002 0001 61 00000003 010203 0001 62 00000000";

static const char JG_REQ_V4[] =
	"0001 67 00002710 00007530 0001 6d 0008 636f6e73756d6572"
	"00000002 0001 61 00000003 010203 0001 62 00000000";

static const char JG_REQ_V5[] =
	"0001 67 00002710 00007530 0001 6d"
	"0001 69"					/* group_instance_id "i" */
	"0008 636f6e73756d6572"
	"00000002 0001 61 00000003 010203 0001 62 00000000";

static const char JG_REQ_V6[] =
	"02 67 00002710 00007530"	/* compact "g", timeouts */
	"02 6d 02 69"				/* member_id "m", group_instance_id "i" */
	"09 636f6e73756d6572"		/* protocol_type "consumer" */
	"03"						/* protocols: compact, 2 */
	"02 61 04 010203 00"		/* "a", metadata 010203, no tags */
	"02 62 01 00"				/* "b", metadata empty, no tags */
	"00";						/* no tags */

static const char JG_REQ_V7[] =
	"02 67 00002710 00007530 02 6d 02 69 09 636f6e73756d6572"
	"03 02 61 04 010203 00 02 62 01 00 00";

static const char JG_REQ_V8[] =
	"02 67 00002710 00007530 02 6d 02 69 09 636f6e73756d6572"
	"03 02 61 04 010203 00 02 62 01 00"
	"02 72"						/* reason "r" */
	"00";

static const char JG_REQ_V9[] =
	"02 67 00002710 00007530 02 6d 02 69 09 636f6e73756d6572"
	"03 02 61 04 010203 00 02 62 01 00 02 72 00";

/* A first join: null group_instance_id and reason, no protocols */
static const char JG_REQ_V5_NULLS[] =
	"0001 67 00002710 00007530 0001 6d"
	"ffff"						/* group_instance_id null */
	"0008 636f6e73756d6572 00000000";

static const char JG_REQ_V8_NULLS[] =
	"02 67 00002710 00007530 02 6d"
	"00"						/* group_instance_id null */
	"09 636f6e73756d6572 01"
	"00"						/* reason null */
	"00";

/* v6 with unknown tags in a protocol and at the top level */
static const char JG_REQ_V6_UNKNOWN_TAGS[] =
	"02 67 00002710 00007530 02 6d 02 69 09 636f6e73756d6572 03"
	"02 61 04 010203"
	"01 05 01 ff"				/* "a": tag 5, 1 byte */
	"02 62 01 00"
	"02 00 00 7f 02 abcd";		/* top level: tags 0 (empty) and 127 */

/*
 * Canonical response: throttle_time_ms 7, error_code 0, generation_id 3,
 * protocol_type "consumer", protocol_name "range", leader "l",
 * skip_assignment true, member_id "m",
 * members [{"l", group_instance_id "i", 010203}, {"m", null, empty}]
 */
static const char JG_RESP_V0[] =
	"0000"						/* error_code */
	"00000003"					/* generation_id 3 */
	"0005 72616e6765"			/* protocol_name "range" */
	"0001 6c"					/* leader "l" */
	"0001 6d"					/* member_id "m" */
	"00000002"					/* members: 2 */
	"0001 6c 00000003 010203"	/* "l", metadata 010203 */
	"0001 6d 00000000";			/* "m", metadata empty */

static const char JG_RESP_V1[] =
	"0000 00000003 0005 72616e6765 0001 6c 0001 6d"
	"00000002 0001 6c 00000003 010203 0001 6d 00000000";

static const char JG_RESP_V2[] =
	"00000007"					/* throttle_time_ms 7 */
	"0000 00000003 0005 72616e6765 0001 6c 0001 6d"
	"00000002 0001 6c 00000003 010203 0001 6d 00000000";

static const char JG_RESP_V3[] =
	"00000007 0000 00000003 0005 72616e6765 0001 6c 0001 6d"
	"00000002 0001 6c 00000003 010203 0001 6d 00000000";

static const char JG_RESP_V4[] =
	"00000007 0000 00000003 0005 72616e6765 0001 6c 0001 6d"
	"00000002 0001 6c 00000003 010203 0001 6d 00000000";

static const char JG_RESP_V5[] =
	"00000007 0000 00000003 0005 72616e6765 0001 6c 0001 6d"
	"00000002"
	"0001 6c 0001 69 00000003 010203"	/* "l", instance "i" */
	"0001 6d ffff 00000000";	/* "m", instance null */

static const char JG_RESP_V6[] =
	"00000007 0000 00000003"
	"06 72616e6765 02 6c 02 6d"	/* compact "range", "l", "m" */
	"03"						/* members: compact, 2 */
	"02 6c 02 69 04 010203 00"	/* "l", "i", 010203, no tags */
	"02 6d 00 01 00"			/* "m", null, empty, no tags */
	"00";						/* no tags */

static const char JG_RESP_V7[] =
	"00000007 0000 00000003"
	"09 636f6e73756d6572"		/* protocol_type "consumer" */
	"06 72616e6765 02 6c 02 6d"
	"03 02 6c 02 69 04 010203 00 02 6d 00 01 00 00";

static const char JG_RESP_V8[] =
	"00000007 0000 00000003 09 636f6e73756d6572 06 72616e6765 02 6c 02 6d"
	"03 02 6c 02 69 04 010203 00 02 6d 00 01 00 00";

static const char JG_RESP_V9[] =
	"00000007 0000 00000003 09 636f6e73756d6572 06 72616e6765 02 6c"
	"01"						/* skip_assignment true */
	"02 6d"
	"03 02 6c 02 69 04 010203 00 02 6d 00 01 00 00";

/* MEMBER_ID_REQUIRED (79): no generation, null protocol type and name */
static const char JG_RESP_V7_ERROR[] =
	"00000000 004f"
	"ffffffff"					/* generation_id -1 */
	"00 00"						/* protocol_type, protocol_name null */
	"01"						/* leader "" */
	"02 6d"						/* member_id "m" */
	"01"						/* members: empty */
	"00";

/* ===================================================== SyncGroup vectors */

/*
 * Canonical request: group_id "g", generation_id 3, member_id "m",
 * group_instance_id "i", protocol_type "consumer", protocol_name "range",
 * assignments [{"l", 0a0b}, {"m", empty}]
 */
static const char SG_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00000003"					/* generation_id 3 */
	"0001 6d"					/* member_id "m" */
	"00000002"					/* assignments: 2 */
	"0001 6c 00000002 0a0b"		/* "l", assignment 0a0b */
	"0001 6d 00000000";			/* "m", assignment empty */

static const char SG_REQ_V1[] =
	"0001 67 00000003 0001 6d 00000002 0001 6c 00000002 0a0b 0001 6d 00000000";

static const char SG_REQ_V2[] =
	"0001 67 00000003 0001 6d 00000002 0001 6c 00000002 0a0b 0001 6d 00000000";

static const char SG_REQ_V3[] =
	"0001 67 00000003 0001 6d"
	"0001 69"					/* group_instance_id "i" */
	"00000002 0001 6c 00000002 0a0b 0001 6d 00000000";

static const char SG_REQ_V4[] =
	"02 67 00000003 02 6d 02 69"
	"03"						/* assignments: compact, 2 */
	"02 6c 03 0a0b 00"			/* "l", 0a0b, no tags */
	"02 6d 01 00"				/* "m", empty, no tags */
	"00";

static const char SG_REQ_V5[] =
	"02 67 00000003 02 6d 02 69"
	"09 636f6e73756d6572"		/* protocol_type "consumer" */
	"06 72616e6765"				/* protocol_name "range" */
	"03 02 6c 03 0a0b 00 02 6d 01 00 00";

/* v5 with an unknown tag in an assignment */
static const char SG_REQ_V5_UNKNOWN_TAGS[] =
	"02 67 00000003 02 6d 02 69 09 636f6e73756d6572 06 72616e6765 03"
	"02 6c 03 0a0b 01 01 00"	/* "l": tag 1, empty */
	"02 6d 01 00 00";

/* a follower without instance id, type or name; no assignments */
static const char SG_REQ_V5_NULLS[] =
	"02 67 00000003 02 6d 00 00 00 01 00";

/*
 * Canonical response: throttle_time_ms 7, error_code 0,
 * protocol_type "consumer", protocol_name "range", assignment 0a0b
 */
static const char SG_RESP_V0[] =
	"0000"						/* error_code */
	"00000002 0a0b";			/* assignment */

static const char SG_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"0000 00000002 0a0b";

static const char SG_RESP_V2[] = "00000007 0000 00000002 0a0b";
static const char SG_RESP_V3[] = "00000007 0000 00000002 0a0b";

static const char SG_RESP_V4[] =
	"00000007 0000"
	"03 0a0b"					/* assignment: compact */
	"00";

static const char SG_RESP_V5[] =
	"00000007 0000"
	"09 636f6e73756d6572 06 72616e6765"	/* type and name */
	"03 0a0b 00";

/* REBALANCE_IN_PROGRESS (27): null type and name, empty assignment */
static const char SG_RESP_V5_ERROR[] = "00000000 001b 00 00 01 00";

/* v4 with an unknown top-level tag */
static const char SG_RESP_V4_UNKNOWN_TAGS[] =
	"00000007 0000 03 0a0b"
	"01 03 02 abcd";			/* tag 3, 2 bytes */

/* ======================================================= canonical structs */

static KpJoinGroupRequestProtocol jg_protocols[] = {
	{.name = "a", .metadata = {bytes_010203, 3}},
	{.name = "b", .metadata = {NULL, 0}},
};

static const KpJoinGroupRequest jg_canonical_request = {
	.group_id = "g", .session_timeout_ms = 10000,
	.rebalance_timeout_ms = 30000, .member_id = "m",
	.group_instance_id = "i", .protocol_type = "consumer",
	.protocols_count = 2, .protocols = jg_protocols, .reason = "r",
};

static KpJoinGroupResponseMember jg_members[] = {
	{.member_id = "l", .group_instance_id = "i", .metadata = {bytes_010203, 3}},
	{.member_id = "m", .group_instance_id = NULL, .metadata = {NULL, 0}},
};

static const KpJoinGroupResponse jg_canonical_response = {
	.throttle_time_ms = 7, .error_code = 0, .generation_id = 3,
	.protocol_type = "consumer", .protocol_name = "range", .leader = "l",
	.skip_assignment = true, .member_id = "m", .members_count = 2,
	.members = jg_members,
};

static KpSyncGroupRequestAssignment sg_assignments[] = {
	{.member_id = "l", .assignment = {bytes_0a0b, 2}},
	{.member_id = "m", .assignment = {NULL, 0}},
};

static const KpSyncGroupRequest sg_canonical_request = {
	.group_id = "g", .generation_id = 3, .member_id = "m",
	.group_instance_id = "i", .protocol_type = "consumer",
	.protocol_name = "range", .assignments_count = 2,
	.assignments = sg_assignments,
};

static const KpSyncGroupResponse sg_canonical_response = {
	.throttle_time_ms = 7, .error_code = 0, .protocol_type = "consumer",
	.protocol_name = "range", .assignment = {bytes_0a0b, 2},
};

static const KpuVersions jg_req = {
	&kp_desc_JoinGroupRequest, 0, 9, 6, &jg_canonical_request,
	{JG_REQ_V0, JG_REQ_V1, JG_REQ_V2, JG_REQ_V3, JG_REQ_V4, JG_REQ_V5,
	JG_REQ_V6, JG_REQ_V7, JG_REQ_V8, JG_REQ_V9},
};

static const KpuVersions jg_resp = {
	&kp_desc_JoinGroupResponse, 0, 9, 6, &jg_canonical_response,
	{JG_RESP_V0, JG_RESP_V1, JG_RESP_V2, JG_RESP_V3, JG_RESP_V4, JG_RESP_V5,
	JG_RESP_V6, JG_RESP_V7, JG_RESP_V8, JG_RESP_V9},
};

static const KpuVersions sg_req = {
	&kp_desc_SyncGroupRequest, 0, 5, 4, &sg_canonical_request,
	{SG_REQ_V0, SG_REQ_V1, SG_REQ_V2, SG_REQ_V3, SG_REQ_V4, SG_REQ_V5},
};

static const KpuVersions sg_resp = {
	&kp_desc_SyncGroupResponse, 0, 5, 4, &sg_canonical_response,
	{SG_RESP_V0, SG_RESP_V1, SG_RESP_V2, SG_RESP_V3, SG_RESP_V4, SG_RESP_V5},
};

/* ========================================================= JoinGroup */

KPU_TEST(join_group_all_versions)
{
	VERSIONS_ROUNDTRIP(&jg_req);
	VERSIONS_ROUNDTRIP(&jg_resp);
}

/* Kafka's defaults, which fields absent from a version decode to. */
KPU_TEST(join_group_defaults)
{
	KpuMsg		q0 = VERSIONS_MSG(&jg_req, 0);
	KpuMsg		r8 = VERSIONS_MSG(&jg_resp, 8);
	KpJoinGroupRequest *q = DECODE_VEC(&q0, JG_REQ_V0);
	KpJoinGroupResponse *r = DECODE_VEC(&r8, JG_RESP_V8);
	KpJoinGroupResponse dr;

	if (CHECK(q != NULL))
	{
		CHECK_INT(q->rebalance_timeout_ms, -1);
		CHECK_NULL(q->group_instance_id);
		CHECK_NULL(q->reason);
	}
	if (CHECK(r != NULL))
		CHECK_INT(r->skip_assignment, false);
	kp_struct_init_defaults(&kp_desc_JoinGroupResponse, &dr);
	CHECK_INT(dr.generation_id, -1);
	CHECK_NULL(dr.protocol_type);
	CHECK_NULL(dr.protocol_name);
}

/* A static member's first join: instance id and reason null. */
KPU_TEST(join_group_request_nulls)
{
	KpuMsg		m5 = VERSIONS_MSG(&jg_req, 5);
	KpuMsg		m8 = VERSIONS_MSG(&jg_req, 8);
	KpJoinGroupRequest *in = kpu_versions_canonical(&jg_req);
	KpJoinGroupRequest *d;

	in->group_instance_id = NULL;
	in->reason = NULL;
	in->protocols_count = 0;
	d = ROUNDTRIP(&m5, in, JG_REQ_V5_NULLS);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&m5, d, in);
	d = ROUNDTRIP(&m8, in, JG_REQ_V8_NULLS);
	if (CHECK(d != NULL))
	{
		CHECK_STRUCT(&m8, d, in);
		CHECK_NULL(d->group_instance_id);
		CHECK_NULL(d->reason);
	}
}

/* protocol_type and protocol_name are nullable from v7 only. */
KPU_TEST(join_group_response_v7_nulls)
{
	KpuMsg		m6 = VERSIONS_MSG(&jg_resp, 6);
	KpuMsg		m7 = VERSIONS_MSG(&jg_resp, 7);
	KpJoinGroupResponse in;
	KpJoinGroupResponse *d;

	kp_struct_init_defaults(&kp_desc_JoinGroupResponse, &in);
	in.error_code = 79;
	in.leader = "";
	in.member_id = "m";
	d = ROUNDTRIP(&m7, &in, JG_RESP_V7_ERROR);
	if (CHECK(d != NULL))
	{
		CHECK_STRUCT(&m7, d, &in);
		CHECK_NULL(d->protocol_name);
	}
	/* before v7 a null name decodes as an error and encodes as "" */
	DECODE_FAILS(&m6, "00000000 004f ffffffff 00 01 02 6d 01 00",
				 "null value in a non-nullable field", "protocol_name");
	ENCODE_VEC(&m6, &in, "00000000 004f ffffffff 01 01 02 6d 01 00");
}

/* Member metadata is bytes, never null: null is rejected, written empty. */
KPU_TEST(join_group_null_metadata)
{
	KpuMsg		q0 = VERSIONS_MSG(&jg_req, 0);
	KpuMsg		r6 = VERSIONS_MSG(&jg_resp, 6);
	KpJoinGroupRequest *in = kpu_versions_canonical(&jg_req);
	KpJoinGroupRequestProtocol protocols[2];

	DECODE_FAILS(&q0, "0001 67 00002710 0001 6d 0001 63 00000001 0001 61 ffffffff",
				 "null value in a non-nullable field", "metadata");
	DECODE_FAILS(&r6, "00000000 0000 00000001 01 01 01 02 02 6c 00 00 00 00",
				 "null value in a non-nullable field", "metadata");
	memcpy(protocols, jg_protocols, sizeof(protocols));
	protocols[1].metadata.len = -1;
	in->protocols = protocols;
	ENCODE_VEC(&q0, in, JG_REQ_V0);
}

KPU_TEST(join_group_v6_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&jg_req, 6, JG_REQ_V6_UNKNOWN_TAGS);
}

/* ========================================================= SyncGroup */

KPU_TEST(sync_group_all_versions)
{
	VERSIONS_ROUNDTRIP(&sg_req);
	VERSIONS_ROUNDTRIP(&sg_resp);
}

KPU_TEST(sync_group_nulls)
{
	KpuMsg		q5 = VERSIONS_MSG(&sg_req, 5);
	KpuMsg		r5 = VERSIONS_MSG(&sg_resp, 5);
	KpuMsg		r4 = VERSIONS_MSG(&sg_resp, 4);
	KpSyncGroupRequest *q = kpu_versions_canonical(&sg_req);
	KpSyncGroupResponse r;
	void	   *d;

	q->group_instance_id = NULL;
	q->protocol_type = NULL;
	q->protocol_name = NULL;
	q->assignments_count = 0;
	d = ROUNDTRIP(&q5, q, SG_REQ_V5_NULLS);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&q5, d, q);

	kp_struct_init_defaults(&kp_desc_SyncGroupResponse, &r);
	r.error_code = 27;
	r.assignment.len = 0;
	d = ROUNDTRIP(&r5, &r, SG_RESP_V5_ERROR);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&r5, d, &r);
	DECODE_FAILS(&r4, "00000000 001b 00 00",
				 "null value in a non-nullable field", "assignment");
}

KPU_TEST(sync_group_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&sg_req, 5, SG_REQ_V5_UNKNOWN_TAGS);
	VERSIONS_TAGS_SKIPPED(&sg_resp, 4, SG_RESP_V4_UNKNOWN_TAGS);
}

/* =========================================== corruption, both APIs */

KPU_TEST(join_sync_group_all_corrupt_bytes)
{
	VERSIONS_CORRUPT(&jg_req);
	VERSIONS_CORRUPT(&jg_resp);
	VERSIONS_CORRUPT(&sg_req);
	VERSIONS_CORRUPT(&sg_resp);
}
