/*-------------------------------------------------------------------------
 *
 * test_group_membership.c
 *	  Byte-vector tests for the group membership APIs other than the
 *	  rebalance pair: FindCoordinator (API key 10, versions 0-4, flexible
 *	  from 3), Heartbeat (key 12, versions 0-4, flexible from 4) and
 *	  LeaveGroup (key 13, versions 0-5, flexible from 4); and the codec's
 *	  API table rows of all eleven consumer-group APIs.
 *
 * Every vector below was written by hand from Kafka's JSON schemas
 * (FindCoordinatorRequest/Response, HeartbeatRequest/Response,
 * LeaveGroupRequest/Response).  crosscheck_kafka_python.py checks against
 * kafka-python 2.0.2 the FindCoordinator requests v0-v1 and response v0
 * (its GroupCoordinatorResponse_v1 lacks throttle_time_ms), and Heartbeat
 * and LeaveGroup v0-v1.  As in the other API tests, ONE canonical request
 * and ONE canonical response per API hold a value for every field of every
 * version, walked by VERSIONS_ROUNDTRIP (vec.h).
 *
 * Field versions (Kafka spec):
 *	FindCoordinator request:  key 0-3, key_type 1+ (0 group, 1 transaction),
 *			  coordinator_keys 4+ ([]string)
 *	FindCoordinator response: throttle_time_ms 1+, error_code 0-3,
 *			  error_message 1-3 (nullable), node_id 0-3, host 0-3, port 0-3,
 *			  coordinators 4+ {key, node_id, host, port, error_code,
 *			  error_message (nullable)}
 *	Heartbeat request:  group_id, generation_id, member_id,
 *			  group_instance_id 3+ (nullable)
 *	Heartbeat response: throttle_time_ms 1+, error_code
 *	LeaveGroup request:  group_id, member_id 0-2, members 3+ {member_id,
 *			  group_instance_id (nullable), reason 5+ (nullable)}
 *	LeaveGroup response: throttle_time_ms 1+, error_code, members 3+
 *			  {member_id, group_instance_id (nullable), error_code}
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

/* =============================================== FindCoordinator vectors */

/* Canonical request: key "g", key_type 1, coordinator_keys ["g", "h"] */
static const char FC_REQ_V0[] =
	"0001 67";					/* key "g" */

static const char FC_REQ_V1[] =
	"0001 67"
	"01";						/* key_type 1 (transaction) */

static const char FC_REQ_V2[] = "0001 67 01";

static const char FC_REQ_V3[] =
	"02 67 01"					/* compact key "g", key_type 1 */
	"00";						/* no tags */

static const char FC_REQ_V4[] =
	"01"						/* key_type 1 */
	"03 02 67 02 68"			/* coordinator_keys: compact, "g", "h" */
	"00";

/* v4 with an unknown top-level tag */
static const char FC_REQ_V4_UNKNOWN_TAGS[] =
	"01 03 02 67 02 68"
	"01 02 01 ee";				/* tag 2, 1 byte */

/*
 * Canonical response: throttle_time_ms 7, error_code 0, error_message
 * null, node_id 1, host "h", port 9092,
 * coordinators [{"g", 1, "h", 9092, 0, null},
 *				 {"x", -1, "", -1, COORDINATOR_NOT_AVAILABLE (15), "m"}]
 */
static const char FC_RESP_V0[] =
	"0000"						/* error_code */
	"00000001 0001 68 00002384";	/* node 1, host "h", port 9092 */

static const char FC_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"0000"
	"ffff"						/* error_message null */
	"00000001 0001 68 00002384";

static const char FC_RESP_V2[] = "00000007 0000 ffff 00000001 0001 68 00002384";

static const char FC_RESP_V3[] =
	"00000007 0000"
	"00"						/* error_message null */
	"00000001 02 68 00002384"
	"00";						/* no tags */

static const char FC_RESP_V4[] =
	"00000007"
	"03"						/* coordinators: compact, 2 */
	"02 67 00000001 02 68 00002384 0000 00 00"	/* "g" 1 "h" 9092 ok */
	"02 78 ffffffff 01 ffffffff 000f 02 6d 00"	/* "x" -1 "" -1 15 "m" */
	"00";

/* v1: COORDINATOR_NOT_AVAILABLE (15) with a message */
static const char FC_RESP_V1_ERROR[] =
	"00000000 000f 0001 6d ffffffff 0000 ffffffff";

/* ===================================================== Heartbeat vectors */

/* Canonical request: group "g", generation 3, member "m", instance "i" */
static const char HB_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"00000003"					/* generation_id 3 */
	"0001 6d";					/* member_id "m" */

static const char HB_REQ_V1[] = "0001 67 00000003 0001 6d";
static const char HB_REQ_V2[] = "0001 67 00000003 0001 6d";

static const char HB_REQ_V3[] =
	"0001 67 00000003 0001 6d"
	"0001 69";					/* group_instance_id "i" */

static const char HB_REQ_V4[] =
	"02 67 00000003 02 6d 02 69"
	"00";						/* no tags */

static const char HB_REQ_V3_NULL[] = "0001 67 00000003 0001 6d ffff";
static const char HB_REQ_V4_NULL[] = "02 67 00000003 02 6d 00 00";

/* Canonical response: throttle_time_ms 7, REBALANCE_IN_PROGRESS (27) */
static const char HB_RESP_V0[] =
	"001b";						/* error_code 27 */

static const char HB_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"001b";

static const char HB_RESP_V2[] = "00000007 001b";
static const char HB_RESP_V3[] = "00000007 001b";

static const char HB_RESP_V4[] =
	"00000007 001b"
	"00";						/* no tags */

/* v4 with an unknown top-level tag */
static const char HB_RESP_V4_UNKNOWN_TAGS[] =
	"00000007 001b"
	"01 00 01 ff";				/* tag 0, 1 byte */

/* ==================================================== LeaveGroup vectors */

/*
 * Canonical request: group_id "g", member_id "m" (v0-2),
 * members [{"m", "i", reason "r"}, {"n", null, null}] (v3+)
 */
static const char LG_REQ_V0[] =
	"0001 67"					/* group_id "g" */
	"0001 6d";					/* member_id "m" */

static const char LG_REQ_V1[] = "0001 67 0001 6d";
static const char LG_REQ_V2[] = "0001 67 0001 6d";

static const char LG_REQ_V3[] =
	"0001 67"
	"00000002"					/* members: 2 */
	"0001 6d 0001 69"			/* "m", instance "i" */
	"0001 6e ffff";				/* "n", instance null */

static const char LG_REQ_V4[] =
	"02 67"
	"03"						/* members: compact, 2 */
	"02 6d 02 69 00"			/* "m", "i", no tags */
	"02 6e 00 00"				/* "n", null, no tags */
	"00";

static const char LG_REQ_V5[] =
	"02 67 03"
	"02 6d 02 69 02 72 00"		/* "m", "i", reason "r" */
	"02 6e 00 00 00"			/* "n", null, reason null */
	"00";

/* v5 with unknown tags in a member and at the top level */
static const char LG_REQ_V5_UNKNOWN_TAGS[] =
	"02 67 03"
	"02 6d 02 69 02 72"
	"01 00 00"					/* "m": tag 0, empty */
	"02 6e 00 00 00"
	"01 7f 00";					/* top level: tag 127, empty */

/*
 * Canonical response: throttle_time_ms 7, error_code 0,
 * members [{"m", "i", 0}, {"n", null, UNKNOWN_MEMBER_ID (25)}]
 */
static const char LG_RESP_V0[] =
	"0000";						/* error_code */

static const char LG_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"0000";

static const char LG_RESP_V2[] = "00000007 0000";

static const char LG_RESP_V3[] =
	"00000007 0000"
	"00000002"					/* members: 2 */
	"0001 6d 0001 69 0000"		/* "m", "i", ok */
	"0001 6e ffff 0019";		/* "n", null, UNKNOWN_MEMBER_ID */

static const char LG_RESP_V4[] =
	"00000007 0000"
	"03"						/* members: compact, 2 */
	"02 6d 02 69 0000 00"
	"02 6e 00 0019 00"
	"00";

static const char LG_RESP_V5[] =
	"00000007 0000 03 02 6d 02 69 0000 00 02 6e 00 0019 00 00";

/* ======================================================= canonical structs */

static char *fc_keys[] = {"g", "h"};

static const KpFindCoordinatorRequest fc_canonical_request = {
	.key = "g", .key_type = 1, .coordinator_keys_count = 2,
	.coordinator_keys = fc_keys,
};

static KpFindCoordinatorCoordinator fc_coordinators[] = {
	{.key = "g", .node_id = 1, .host = "h", .port = 9092,
	.error_code = 0, .error_message = NULL},
	{.key = "x", .node_id = -1, .host = "", .port = -1,
	.error_code = 15, .error_message = "m"},
};

static const KpFindCoordinatorResponse fc_canonical_response = {
	.throttle_time_ms = 7, .error_code = 0, .error_message = NULL,
	.node_id = 1, .host = "h", .port = 9092, .coordinators_count = 2,
	.coordinators = fc_coordinators,
};

static const KpHeartbeatRequest hb_canonical_request = {
	.group_id = "g", .generation_id = 3, .member_id = "m",
	.group_instance_id = "i",
};

static const KpHeartbeatResponse hb_canonical_response = {
	.throttle_time_ms = 7, .error_code = 27,
};

static KpLeaveGroupMemberIdentity lg_identities[] = {
	{.member_id = "m", .group_instance_id = "i", .reason = "r"},
	{.member_id = "n", .group_instance_id = NULL, .reason = NULL},
};

static const KpLeaveGroupRequest lg_canonical_request = {
	.group_id = "g", .member_id = "m", .members_count = 2,
	.members = lg_identities,
};

static KpLeaveGroupMemberResponse lg_results[] = {
	{.member_id = "m", .group_instance_id = "i", .error_code = 0},
	{.member_id = "n", .group_instance_id = NULL, .error_code = 25},
};

static const KpLeaveGroupResponse lg_canonical_response = {
	.throttle_time_ms = 7, .error_code = 0, .members_count = 2,
	.members = lg_results,
};

static const KpuVersions fc_req = {
	&kp_desc_FindCoordinatorRequest, 0, 4, 3, &fc_canonical_request,
	{FC_REQ_V0, FC_REQ_V1, FC_REQ_V2, FC_REQ_V3, FC_REQ_V4},
};

static const KpuVersions fc_resp = {
	&kp_desc_FindCoordinatorResponse, 0, 4, 3, &fc_canonical_response,
	{FC_RESP_V0, FC_RESP_V1, FC_RESP_V2, FC_RESP_V3, FC_RESP_V4},
};

static const KpuVersions hb_req = {
	&kp_desc_HeartbeatRequest, 0, 4, 4, &hb_canonical_request,
	{HB_REQ_V0, HB_REQ_V1, HB_REQ_V2, HB_REQ_V3, HB_REQ_V4},
};

static const KpuVersions hb_resp = {
	&kp_desc_HeartbeatResponse, 0, 4, 4, &hb_canonical_response,
	{HB_RESP_V0, HB_RESP_V1, HB_RESP_V2, HB_RESP_V3, HB_RESP_V4},
};

static const KpuVersions lg_req = {
	&kp_desc_LeaveGroupRequest, 0, 5, 4, &lg_canonical_request,
	{LG_REQ_V0, LG_REQ_V1, LG_REQ_V2, LG_REQ_V3, LG_REQ_V4, LG_REQ_V5},
};

static const KpuVersions lg_resp = {
	&kp_desc_LeaveGroupResponse, 0, 5, 4, &lg_canonical_response,
	{LG_RESP_V0, LG_RESP_V1, LG_RESP_V2, LG_RESP_V3, LG_RESP_V4, LG_RESP_V5},
};

/* ===================================================== FindCoordinator */

KPU_TEST(find_coordinator_all_versions)
{
	VERSIONS_ROUNDTRIP(&fc_req);
	VERSIONS_ROUNDTRIP(&fc_resp);
}

/* key_type defaults to 0 (group); v4 drops the single key and result. */
KPU_TEST(find_coordinator_defaults)
{
	KpuMsg		q0 = VERSIONS_MSG(&fc_req, 0);
	KpuMsg		r4 = VERSIONS_MSG(&fc_resp, 4);
	KpFindCoordinatorRequest *q = DECODE_VEC(&q0, FC_REQ_V0);
	KpFindCoordinatorResponse *r = DECODE_VEC(&r4, FC_RESP_V4);

	if (CHECK(q != NULL))
	{
		CHECK_INT(q->key_type, 0);
		CHECK_INT(q->coordinator_keys_count, 0);
	}
	if (CHECK(r != NULL))
	{
		CHECK_NULL(r->host);
		CHECK_INT(r->node_id, 0);
		CHECK_NULL(r->coordinators[0].error_message);
		CHECK_STR(r->coordinators[1].error_message, "m");
	}
}

KPU_TEST(find_coordinator_v1_response_error)
{
	KpuMsg		m = VERSIONS_MSG(&fc_resp, 1);
	KpFindCoordinatorResponse in;
	KpFindCoordinatorResponse *d;

	kp_struct_init_defaults(&kp_desc_FindCoordinatorResponse, &in);
	in.error_code = 15;
	in.error_message = "m";
	in.node_id = -1;
	in.host = "";
	in.port = -1;
	d = ROUNDTRIP(&m, &in, FC_RESP_V1_ERROR);
	if (CHECK(d != NULL))
		CHECK_STRUCT(&m, d, &in);
}

/* Keys are never null: not the single key, nor a batched one. */
KPU_TEST(find_coordinator_null_keys_rejected)
{
	KpuMsg		q0 = VERSIONS_MSG(&fc_req, 0);
	KpuMsg		q4 = VERSIONS_MSG(&fc_req, 4);
	KpuMsg		r4 = VERSIONS_MSG(&fc_resp, 4);

	DECODE_FAILS(&q0, "ffff", "null value in a non-nullable field", "key");
	DECODE_FAILS(&q4, "00 02 00 00", "null value in a non-nullable field",
				 "coordinator_keys");
	DECODE_FAILS(&q4, "00 00 00", "null value in a non-nullable field",
				 "coordinator_keys");
	DECODE_FAILS(&r4, "00000000 02 00", "null value in a non-nullable field",
				 "key");
}

KPU_TEST(find_coordinator_v4_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&fc_req, 4, FC_REQ_V4_UNKNOWN_TAGS);
}

/* =========================================================== Heartbeat */

KPU_TEST(heartbeat_all_versions)
{
	VERSIONS_ROUNDTRIP(&hb_req);
	VERSIONS_ROUNDTRIP(&hb_resp);
}

/* A dynamic member has no instance id: null from v3 on. */
KPU_TEST(heartbeat_null_group_instance_id)
{
	KpuMsg		m2 = VERSIONS_MSG(&hb_req, 2);
	KpuMsg		m3 = VERSIONS_MSG(&hb_req, 3);
	KpuMsg		m4 = VERSIONS_MSG(&hb_req, 4);
	KpHeartbeatRequest *in = kpu_versions_canonical(&hb_req);
	KpHeartbeatRequest *d;

	in->group_instance_id = NULL;
	d = ROUNDTRIP(&m3, in, HB_REQ_V3_NULL);
	if (CHECK(d != NULL))
		CHECK_NULL(d->group_instance_id);
	d = ROUNDTRIP(&m4, in, HB_REQ_V4_NULL);
	if (CHECK(d != NULL))
		CHECK_NULL(d->group_instance_id);
	ENCODE_VEC(&m2, in, HB_REQ_V2);
	DECODE_FAILS(&m3, "0001 67 00000003 ffff ffff",
				 "null value in a non-nullable field", "member_id");
}

KPU_TEST(heartbeat_v4_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&hb_resp, 4, HB_RESP_V4_UNKNOWN_TAGS);
}

/* ========================================================== LeaveGroup */

KPU_TEST(leave_group_all_versions)
{
	VERSIONS_ROUNDTRIP(&lg_req);
	VERSIONS_ROUNDTRIP(&lg_resp);
}

/* The batch replaces member_id in v3; neither may be null. */
KPU_TEST(leave_group_nulls_rejected)
{
	KpuMsg		q2 = VERSIONS_MSG(&lg_req, 2);
	KpuMsg		q3 = VERSIONS_MSG(&lg_req, 3);
	KpuMsg		q5 = VERSIONS_MSG(&lg_req, 5);
	KpuMsg		r3 = VERSIONS_MSG(&lg_resp, 3);

	DECODE_FAILS(&q2, "0001 67 ffff", "null value in a non-nullable field",
				 "member_id");
	DECODE_FAILS(&q3, "0001 67 ffffffff",
				 "null value in a non-nullable field", "members");
	DECODE_FAILS(&q3, "0001 67 00000001 ffff ffff",
				 "null value in a non-nullable field", "member_id");
	DECODE_FAILS(&q5, "02 67 00 00", "null value in a non-nullable field",
				 "members");
	DECODE_FAILS(&r3, "00000000 0000 ffffffff",
				 "null value in a non-nullable field", "members");
}

KPU_TEST(leave_group_v5_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&lg_req, 5, LG_REQ_V5_UNKNOWN_TAGS);
}

/* ======================================= corruption, all three APIs */

KPU_TEST(group_membership_all_corrupt_bytes)
{
	VERSIONS_CORRUPT(&fc_req);
	VERSIONS_CORRUPT(&fc_resp);
	VERSIONS_CORRUPT(&hb_req);
	VERSIONS_CORRUPT(&hb_resp);
	VERSIONS_CORRUPT(&lg_req);
	VERSIONS_CORRUPT(&lg_resp);
}

/* ============================== API table: all consumer-group APIs */

static const KpuApi group_apis[] = {
	{8, "OffsetCommit", 0, 8, 8,
	&kp_desc_OffsetCommitRequest, &kp_desc_OffsetCommitResponse},
	{9, "OffsetFetch", 0, 8, 6,
	&kp_desc_OffsetFetchRequest, &kp_desc_OffsetFetchResponse},
	{10, "FindCoordinator", 0, 4, 3,
	&kp_desc_FindCoordinatorRequest, &kp_desc_FindCoordinatorResponse},
	{11, "JoinGroup", 0, 9, 6,
	&kp_desc_JoinGroupRequest, &kp_desc_JoinGroupResponse},
	{12, "Heartbeat", 0, 4, 4,
	&kp_desc_HeartbeatRequest, &kp_desc_HeartbeatResponse},
	{13, "LeaveGroup", 0, 5, 4,
	&kp_desc_LeaveGroupRequest, &kp_desc_LeaveGroupResponse},
	{14, "SyncGroup", 0, 5, 4,
	&kp_desc_SyncGroupRequest, &kp_desc_SyncGroupResponse},
	{15, "DescribeGroups", 0, 5, 5,
	&kp_desc_DescribeGroupsRequest, &kp_desc_DescribeGroupsResponse},
	{16, "ListGroups", 0, 4, 3,
	&kp_desc_ListGroupsRequest, &kp_desc_ListGroupsResponse},
	{42, "DeleteGroups", 0, 2, 2,
	&kp_desc_DeleteGroupsRequest, &kp_desc_DeleteGroupsResponse},
	{47, "OffsetDelete", 0, 0, KP_NEVER,
	&kp_desc_OffsetDeleteRequest, &kp_desc_OffsetDeleteResponse},
};

/* Ranges and flexible versions as in Kafka's JSON "validVersions". */
KPU_TEST(group_apis_table)
{
	for (size_t i = 0; i < sizeof(group_apis) / sizeof(group_apis[0]); i++)
		CHECK_API(&group_apis[i]);
	CHECK_INT(KP_API_OFFSET_COMMIT, 8);
	CHECK_INT(KP_API_OFFSET_FETCH, 9);
	CHECK_INT(KP_API_FIND_COORDINATOR, 10);
	CHECK_INT(KP_API_JOIN_GROUP, 11);
	CHECK_INT(KP_API_HEARTBEAT, 12);
	CHECK_INT(KP_API_LEAVE_GROUP, 13);
	CHECK_INT(KP_API_SYNC_GROUP, 14);
	CHECK_INT(KP_API_DESCRIBE_GROUPS, 15);
	CHECK_INT(KP_API_LIST_GROUPS, 16);
	CHECK_INT(KP_API_DELETE_GROUPS, 42);
	CHECK_INT(KP_API_OFFSET_DELETE, 47);
}
