/*-------------------------------------------------------------------------
 *
 * test_group_admin.c
 *	  Byte-vector tests for the group admin APIs DescribeGroups (API key 15,
 *	  versions 0-5, flexible from 5), ListGroups (key 16, versions 0-4,
 *	  flexible from 3) and DeleteGroups (key 42, versions 0-2, flexible
 *	  from 2), requests and responses, in every version.
 *
 * Every vector below was written by hand from Kafka's JSON schemas
 * (DescribeGroupsRequest/Response, ListGroupsRequest/Response,
 * DeleteGroupsRequest/Response); DescribeGroups v0-v3, ListGroups v0-v2
 * and DeleteGroups v0-v1 are cross-checked against kafka-python 2.0.2
 * with crosscheck_kafka_python.py.  As in the other API tests, ONE
 * canonical request and ONE canonical response per API hold a value for
 * every field of every version, walked by VERSIONS_ROUNDTRIP (vec.h).
 *
 * Field versions (Kafka spec):
 *	DescribeGroups request:  groups ([]string), include_authorized_operations
 *			  3+
 *	DescribeGroups response: throttle_time_ms 1+, groups {error_code,
 *			  group_id, group_state, protocol_type, protocol_data, members
 *			  {member_id, group_instance_id 4+ (nullable), client_id,
 *			  client_host, member_metadata (bytes), member_assignment
 *			  (bytes)}, authorized_operations 3+ (default INT32_MIN)}
 *	ListGroups request:  states_filter 4+ ([]string); empty before
 *	ListGroups response: throttle_time_ms 1+, error_code, groups {group_id,
 *			  protocol_type, group_state 4+}
 *	DeleteGroups request:  groups_names ([]string)
 *	DeleteGroups response: throttle_time_ms (every version), results
 *			  {group_id, error_code}
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

/* ================================================ DescribeGroups vectors */

/* Canonical request: groups ["g", "x"], include_authorized_operations */
static const char DESCG_REQ_V0[] =
	"00000002 0001 67 0001 78";	/* groups: "g", "x" */

static const char DESCG_REQ_V1[] = "00000002 0001 67 0001 78";
static const char DESCG_REQ_V2[] = "00000002 0001 67 0001 78";

static const char DESCG_REQ_V3[] =
	"00000002 0001 67 0001 78"
	"01";						/* include_authorized_operations */

static const char DESCG_REQ_V4[] = "00000002 0001 67 0001 78 01";

static const char DESCG_REQ_V5[] =
	"03 02 67 02 78"			/* groups: compact, "g", "x" */
	"01"
	"00";						/* no tags */

/*
 * Canonical response: throttle_time_ms 7,
 * groups [{0, "g", "Stable", "consumer", "range",
 *			members [{"m", instance "i", client "c", host "h", 010203, 0a0b},
 *					 {"n", instance null, "c", "h", empty, empty}],
 *			authorized_operations 0x148},
 *		   {GROUP_ID_NOT_FOUND (69), "x", "Dead", "", "", [], INT32_MIN}]
 */
static const char DESCG_RESP_V0[] =
	"00000002"					/* groups: 2 */
	"0000 0001 67"				/* error_code 0, group_id "g" */
	"0006 537461626c65"			/* group_state "Stable" */
	"0008 636f6e73756d6572"		/* protocol_type "consumer" */
	"0005 72616e6765"			/* protocol_data "range" */
	"00000002"					/* members: 2 */
	"0001 6d 0001 63 0001 68"	/* "m", client "c", host "h" */
	"00000003 010203 00000002 0a0b"	/* metadata, assignment */
	"0001 6e 0001 63 0001 68 00000000 00000000"
	"0045 0001 78"				/* GROUP_ID_NOT_FOUND, "x" */
	"0004 44656164"				/* group_state "Dead" */
	"0000 0000 00000000";		/* "", "", no members */

static const char DESCG_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000002"
	"0000 0001 67 0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
	"00000002 0001 6d 0001 63 0001 68 00000003 010203 00000002 0a0b"
	"0001 6e 0001 63 0001 68 00000000 00000000"
	"0045 0001 78 0004 44656164 0000 0000 00000000";

static const char DESCG_RESP_V2[] =
	"00000007 00000002"
	"0000 0001 67 0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
	"00000002 0001 6d 0001 63 0001 68 00000003 010203 00000002 0a0b"
	"0001 6e 0001 63 0001 68 00000000 00000000"
	"0045 0001 78 0004 44656164 0000 0000 00000000";

static const char DESCG_RESP_V3[] =
	"00000007 00000002"
	"0000 0001 67 0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
	"00000002 0001 6d 0001 63 0001 68 00000003 010203 00000002 0a0b"
	"0001 6e 0001 63 0001 68 00000000 00000000"
	"00000148"					/* authorized_operations */
	"0045 0001 78 0004 44656164 0000 0000 00000000"
	"80000000";					/* authorized_operations unknown */

static const char DESCG_RESP_V4[] =
	"00000007 00000002"
	"0000 0001 67 0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
	"00000002"
	"0001 6d 0001 69"			/* "m", group_instance_id "i" */
	"0001 63 0001 68 00000003 010203 00000002 0a0b"
	"0001 6e ffff"				/* "n", group_instance_id null */
	"0001 63 0001 68 00000000 00000000"
	"00000148"
	"0045 0001 78 0004 44656164 0000 0000 00000000 80000000";

static const char DESCG_RESP_V5[] =
	"00000007"
	"03"						/* groups: compact, 2 */
	"0000 02 67 07 537461626c65 09 636f6e73756d6572 06 72616e6765"
	"03"						/* members: compact, 2 */
	"02 6d 02 69 02 63 02 68 04 010203 03 0a0b 00"
	"02 6e 00 02 63 02 68 01 01 00"
	"00000148 00"				/* authorized_operations, no tags */
	"0045 02 78 05 44656164 01 01 01 80000000 00"
	"00";

/* v5 with unknown tags in a member and in a group */
static const char DESCG_RESP_V5_UNKNOWN_TAGS[] =
	"00000007 03"
	"0000 02 67 07 537461626c65 09 636f6e73756d6572 06 72616e6765 03"
	"02 6d 02 69 02 63 02 68 04 010203 03 0a0b 00"
	"02 6e 00 02 63 02 68 01 01"
	"01 04 01 ff"				/* member "n": tag 4, 1 byte */
	"00000148 00"
	"0045 02 78 05 44656164 01 01 01 80000000"
	"01 00 00"					/* group "x": tag 0, empty */
	"00";

/* ==================================================== ListGroups vectors */

/* Canonical request: states_filter ["Stable", "Empty"] (v4 only) */
static const char LISTG_REQ_V0[] = "";
static const char LISTG_REQ_V1[] = "";
static const char LISTG_REQ_V2[] = "";

static const char LISTG_REQ_V3[] =
	"00";						/* only the tag section */

static const char LISTG_REQ_V4[] =
	"03"						/* states_filter: compact, 2 */
	"07 537461626c65"			/* "Stable" */
	"06 456d707479"				/* "Empty" */
	"00";

/* v3: an unknown tag in a struct that has no field in this version */
static const char LISTG_REQ_V3_UNKNOWN_TAGS[] =
	"01 00 02 abcd";			/* tag 0, 2 bytes */

/*
 * Canonical response: throttle_time_ms 7, error_code 0,
 * groups [{"g", "consumer", "Stable"}, {"h", "", "Empty"}]
 */
static const char LISTG_RESP_V0[] =
	"0000"						/* error_code */
	"00000002"					/* groups: 2 */
	"0001 67 0008 636f6e73756d6572"	/* "g", "consumer" */
	"0001 68 0000";				/* "h", "" */

static const char LISTG_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"0000 00000002 0001 67 0008 636f6e73756d6572 0001 68 0000";

static const char LISTG_RESP_V2[] =
	"00000007 0000 00000002 0001 67 0008 636f6e73756d6572 0001 68 0000";

static const char LISTG_RESP_V3[] =
	"00000007 0000"
	"03"						/* groups: compact, 2 */
	"02 67 09 636f6e73756d6572 00"	/* "g", "consumer", no tags */
	"02 68 01 00"				/* "h", "", no tags */
	"00";

static const char LISTG_RESP_V4[] =
	"00000007 0000 03"
	"02 67 09 636f6e73756d6572 07 537461626c65 00"	/* ... "Stable" */
	"02 68 01 06 456d707479 00"	/* ... "Empty" */
	"00";

/* ================================================== DeleteGroups vectors */

/* Canonical request: groups_names ["g", "x"] */
static const char DELG_REQ_V0[] =
	"00000002 0001 67 0001 78";	/* groups_names: "g", "x" */

static const char DELG_REQ_V1[] = "00000002 0001 67 0001 78";

static const char DELG_REQ_V2[] =
	"03 02 67 02 78"			/* compact, "g", "x" */
	"00";

/*
 * Canonical response: throttle_time_ms 7,
 * results [{"g", 0}, {"x", GROUP_ID_NOT_FOUND (69)}]
 */
static const char DELG_RESP_V0[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000002"					/* results: 2 */
	"0001 67 0000"				/* "g", ok */
	"0001 78 0045";				/* "x", GROUP_ID_NOT_FOUND */

static const char DELG_RESP_V1[] = "00000007 00000002 0001 67 0000 0001 78 0045";

static const char DELG_RESP_V2[] =
	"00000007"
	"03"						/* results: compact, 2 */
	"02 67 0000 00"
	"02 78 0045 00"
	"00";

/* v2 with an unknown tag in a result */
static const char DELG_RESP_V2_UNKNOWN_TAGS[] =
	"00000007 03"
	"02 67 0000"
	"01 01 00"					/* "g": tag 1, empty */
	"02 78 0045 00 00";

/* ======================================================= canonical structs */

static const uint8_t bytes_010203[] = {0x01, 0x02, 0x03};
static const uint8_t bytes_0a0b[] = {0x0a, 0x0b};
static char *two_groups[] = {"g", "x"};

static const KpDescribeGroupsRequest descg_canonical_request = {
	.groups_count = 2, .groups = two_groups,
	.include_authorized_operations = true,
};

static KpDescribedGroupMember descg_members[] = {
	{.member_id = "m", .group_instance_id = "i", .client_id = "c",
		.client_host = "h", .member_metadata = {bytes_010203, 3},
	.member_assignment = {bytes_0a0b, 2}},
	{.member_id = "n", .group_instance_id = NULL, .client_id = "c",
		.client_host = "h", .member_metadata = {NULL, 0},
	.member_assignment = {NULL, 0}},
};

static KpDescribedGroup descg_groups[] = {
	{.error_code = 0, .group_id = "g", .group_state = "Stable",
		.protocol_type = "consumer", .protocol_data = "range",
		.members_count = 2, .members = descg_members,
	.authorized_operations = 0x148},
	{.error_code = 69, .group_id = "x", .group_state = "Dead",
		.protocol_type = "", .protocol_data = "", .members_count = 0,
	.members = NULL, .authorized_operations = INT32_MIN},
};

static const KpDescribeGroupsResponse descg_canonical_response = {
	.throttle_time_ms = 7, .groups_count = 2, .groups = descg_groups,
};

static char *listg_states[] = {"Stable", "Empty"};

static const KpListGroupsRequest listg_canonical_request = {
	.states_filter_count = 2, .states_filter = listg_states,
};

static KpListedGroup listg_groups[] = {
	{.group_id = "g", .protocol_type = "consumer", .group_state = "Stable"},
	{.group_id = "h", .protocol_type = "", .group_state = "Empty"},
};

static const KpListGroupsResponse listg_canonical_response = {
	.throttle_time_ms = 7, .error_code = 0, .groups_count = 2,
	.groups = listg_groups,
};

static const KpDeleteGroupsRequest delg_canonical_request = {
	.groups_names_count = 2, .groups_names = two_groups,
};

static KpDeletableGroupResult delg_results[] = {
	{.group_id = "g", .error_code = 0},
	{.group_id = "x", .error_code = 69},
};

static const KpDeleteGroupsResponse delg_canonical_response = {
	.throttle_time_ms = 7, .results_count = 2, .results = delg_results,
};

static const KpuVersions descg_req = {
	&kp_desc_DescribeGroupsRequest, 0, 5, 5, &descg_canonical_request,
	{DESCG_REQ_V0, DESCG_REQ_V1, DESCG_REQ_V2, DESCG_REQ_V3, DESCG_REQ_V4,
	DESCG_REQ_V5},
};

static const KpuVersions descg_resp = {
	&kp_desc_DescribeGroupsResponse, 0, 5, 5, &descg_canonical_response,
	{DESCG_RESP_V0, DESCG_RESP_V1, DESCG_RESP_V2, DESCG_RESP_V3,
	DESCG_RESP_V4, DESCG_RESP_V5},
};

static const KpuVersions listg_req = {
	&kp_desc_ListGroupsRequest, 0, 4, 3, &listg_canonical_request,
	{LISTG_REQ_V0, LISTG_REQ_V1, LISTG_REQ_V2, LISTG_REQ_V3, LISTG_REQ_V4},
};

static const KpuVersions listg_resp = {
	&kp_desc_ListGroupsResponse, 0, 4, 3, &listg_canonical_response,
	{LISTG_RESP_V0, LISTG_RESP_V1, LISTG_RESP_V2, LISTG_RESP_V3,
	LISTG_RESP_V4},
};

static const KpuVersions delg_req = {
	&kp_desc_DeleteGroupsRequest, 0, 2, 2, &delg_canonical_request,
	{DELG_REQ_V0, DELG_REQ_V1, DELG_REQ_V2},
};

static const KpuVersions delg_resp = {
	&kp_desc_DeleteGroupsResponse, 0, 2, 2, &delg_canonical_response,
	{DELG_RESP_V0, DELG_RESP_V1, DELG_RESP_V2},
};

/* ====================================================== DescribeGroups */

KPU_TEST(describe_groups_all_versions)
{
	VERSIONS_ROUNDTRIP(&descg_req);
	VERSIONS_ROUNDTRIP(&descg_resp);
}

/* Absent before v3 and v4, these decode to their defaults. */
KPU_TEST(describe_groups_defaults)
{
	KpuMsg		q2 = VERSIONS_MSG(&descg_req, 2);
	KpuMsg		r2 = VERSIONS_MSG(&descg_resp, 2);
	KpuMsg		r3 = VERSIONS_MSG(&descg_resp, 3);
	KpDescribeGroupsRequest *q = DECODE_VEC(&q2, DESCG_REQ_V2);
	KpDescribeGroupsResponse *r = DECODE_VEC(&r2, DESCG_RESP_V2);

	if (CHECK(q != NULL))
		CHECK_INT(q->include_authorized_operations, false);
	if (CHECK(r != NULL))
	{
		CHECK_INT(r->groups[0].authorized_operations, INT32_MIN);
		CHECK_NULL(r->groups[0].members[0].group_instance_id);
	}
	r = DECODE_VEC(&r3, DESCG_RESP_V3);
	if (CHECK(r != NULL))
	{
		CHECK_INT(r->groups[0].authorized_operations, 0x148);
		CHECK_NULL(r->groups[0].members[0].group_instance_id);
	}
}

/* Only group_instance_id is nullable, from v4; bytes never are. */
KPU_TEST(describe_groups_nulls)
{
	KpuMsg		r3 = VERSIONS_MSG(&descg_resp, 3);
	KpuMsg		r5 = VERSIONS_MSG(&descg_resp, 5);
	KpuMsg		q5 = VERSIONS_MSG(&descg_req, 5);

	DECODE_FAILS(&r3, "00000000 00000001 0000 0001 67 ffff",
				 "null value in a non-nullable field", "group_state");
	DECODE_FAILS(&r5, "00000000 02 0000 02 67 01 01 01 02 02 6d 00 02 63"
				 "02 68 00", "null value in a non-nullable field",
				 "member_metadata");
	DECODE_FAILS(&q5, "02 00 00", "null value in a non-nullable field",
				 "groups");
}

KPU_TEST(describe_groups_v5_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&descg_resp, 5, DESCG_RESP_V5_UNKNOWN_TAGS);
}

/* ========================================================== ListGroups */

KPU_TEST(list_groups_all_versions)
{
	VERSIONS_ROUNDTRIP(&listg_req);
	VERSIONS_ROUNDTRIP(&listg_resp);
}

/* The v0-v3 request has no field: v3 is a bare tag section. */
KPU_TEST(list_groups_v3_request_unknown_tags_skipped)
{
	KpuMsg		m = VERSIONS_MSG(&listg_req, 3);
	KpListGroupsRequest *d = DECODE_VEC(&m, LISTG_REQ_V3_UNKNOWN_TAGS);

	REQUIRE(d != NULL);
	CHECK_INT(d->states_filter_count, 0);
	PREFIXES_FAIL(&m, LISTG_REQ_V3_UNKNOWN_TAGS);
	ENCODE_VEC(&m, d, LISTG_REQ_V3);
}

KPU_TEST(list_groups_nulls_rejected)
{
	KpuMsg		q4 = VERSIONS_MSG(&listg_req, 4);
	KpuMsg		r4 = VERSIONS_MSG(&listg_resp, 4);
	KpListGroupsRequest in;

	DECODE_FAILS(&q4, "00 00", "null value in a non-nullable field",
				 "states_filter");
	DECODE_FAILS(&r4, "00000000 0000 02 02 67 01 00 00 00",
				 "null value in a non-nullable field", "group_state");
	kp_struct_init_defaults(&kp_desc_ListGroupsRequest, &in);
	in.states_filter_count = -1;
	ENCODE_FAILS(&q4, &in, "null array in a non-nullable field",
				 "states_filter");
}

/* ======================================================== DeleteGroups */

KPU_TEST(delete_groups_all_versions)
{
	VERSIONS_ROUNDTRIP(&delg_req);
	VERSIONS_ROUNDTRIP(&delg_resp);
}

KPU_TEST(delete_groups_nulls_rejected)
{
	KpuMsg		q0 = VERSIONS_MSG(&delg_req, 0);
	KpuMsg		q2 = VERSIONS_MSG(&delg_req, 2);

	DECODE_FAILS(&q0, "ffffffff", "null value in a non-nullable field",
				 "groups_names");
	DECODE_FAILS(&q0, "00000001 ffff", "null value in a non-nullable field",
				 "groups_names");
	DECODE_FAILS(&q2, "02 00 00", "null value in a non-nullable field",
				 "groups_names");
}

KPU_TEST(delete_groups_v2_unknown_tags_skipped)
{
	VERSIONS_TAGS_SKIPPED(&delg_resp, 2, DELG_RESP_V2_UNKNOWN_TAGS);
}

/* ======================================= corruption, all three APIs */

KPU_TEST(group_admin_all_corrupt_bytes)
{
	VERSIONS_CORRUPT(&descg_req);
	VERSIONS_CORRUPT(&descg_resp);
	VERSIONS_CORRUPT(&listg_req);
	VERSIONS_CORRUPT(&listg_resp);
	VERSIONS_CORRUPT(&delg_req);
	VERSIONS_CORRUPT(&delg_resp);
}
