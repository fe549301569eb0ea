/*-------------------------------------------------------------------------
 *
 * test_list_offsets.c
 *	  Byte-vector tests for ListOffsets (API key 2) requests and responses
 *	  in every version the codec supports (0-7, flexible from 6).
 *
 * Every vector below was written by hand from Kafka's
 * ListOffsetsRequest.json and ListOffsetsResponse.json; requests v0-v3 and
 * responses v0-v5 were cross-checked against kafka-python 2.0.2 with
 * crosscheck_kafka_python.py (its OffsetRequest_v4/v5 encode
 * current_leader_epoch as an int64, a kafka-python bug, so those two are
 * checked by hand only).  As in test_metadata.c, ONE canonical request and
 * ONE canonical response hold a value for every field of every version;
 * each per-version vector is decoded (fields absent from the version must
 * hold their defaults); both the canonical struct and the decoded one must
 * encode back to it byte for byte, and every strict prefix of it must fail
 * to decode.
 *
 * Field versions (Kafka spec):
 *	request:  replica_id, isolation_level 2+, topics {name, partitions
 *			  {partition_index, current_leader_epoch 4+ (default -1),
 *			  timestamp, max_num_offsets 0 only (default 1)}}
 *	response: throttle_time_ms 2+, topics {name, partitions
 *			  {partition_index, error_code, old_style_offsets 0 only
 *			  ([]int64), timestamp 1+ (default -1), offset 1+ (default
 *			  -1), leader_epoch 4+ (default -1)}}
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* ----------------------------------------------------- request vectors */

/*
 * Canonical request: replica_id -1, isolation_level 1,
 * topics [{"t", [{partition_index 0, current_leader_epoch 4,
 *				   timestamp -1 (latest), max_num_offsets 2}]}]
 */
static const char LO_REQ_V0[] =
	"ffffffff"					/* replica_id -1 */
	"00000001"					/* topics: 1 */
	"0001 74"					/* name "t" */
	"00000001"					/* partitions: 1 */
	"00000000"					/* partition_index 0 */
	"ffffffffffffffff"			/* timestamp -1 */
	"00000002";					/* max_num_offsets 2 */

static const char LO_REQ_V1[] =
	"ffffffff 00000001 0001 74 00000001 00000000 ffffffffffffffff";

static const char LO_REQ_V2[] =
	"ffffffff"
	"01"						/* isolation_level READ_COMMITTED */
	"00000001 0001 74 00000001 00000000 ffffffffffffffff";

static const char LO_REQ_V3[] =
	"ffffffff 01 00000001 0001 74 00000001 00000000 ffffffffffffffff";

static const char LO_REQ_V4[] =
	"ffffffff 01 00000001 0001 74 00000001 00000000"
	"00000004"					/* current_leader_epoch 4 */
	"ffffffffffffffff";

static const char LO_REQ_V5[] =
	"ffffffff 01 00000001 0001 74 00000001 00000000 00000004"
	"ffffffffffffffff";

static const char LO_REQ_V6[] =
	"ffffffff 01"
	"02"						/* topics: compact, 1 */
	"02 74"						/* name "t" */
	"02"						/* partitions: 1 */
	"00000000 00000004 ffffffffffffffff"
	"00"						/* partition: no tags */
	"00"						/* topic: no tags */
	"00";						/* no tags */

static const char LO_REQ_V7[] =
	"ffffffff 01 02 02 74 02 00000000 00000004 ffffffffffffffff 00 00 00";

/* v6 with unknown tags at every level */
static const char LO_REQ_V6_UNKNOWN_TAGS[] =
	"ffffffff 01 02 02 74 02 00000000 00000004 ffffffffffffffff"
	"01 03 01 ff"				/* partition: tag 3, 1 byte */
	"01 04 00"					/* topic: tag 4, empty */
	"01 05 02 abcd";			/* top level: tag 5, 2 bytes */

/* ---------------------------------------------------- response vectors */

/*
 * Canonical response: throttle_time_ms 7,
 * topics [{"t", [{partition_index 0, error_code 0,
 *				   old_style_offsets [5, 0], timestamp 100, offset 5,
 *				   leader_epoch 4}]}]
 */
static const char LO_RESP_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74"					/* name "t" */
	"00000001"					/* partitions: 1 */
	"00000000 0000"				/* partition_index 0, error_code 0 */
	"00000002"					/* old_style_offsets: 2 */
	"0000000000000005 0000000000000000";

static const char LO_RESP_V1[] =
	"00000001 0001 74 00000001 00000000 0000"
	"0000000000000064"			/* timestamp 100 */
	"0000000000000005";			/* offset 5 */

static const char LO_RESP_V2[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000001 00000000 0000"
	"0000000000000064 0000000000000005";

static const char LO_RESP_V3[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000"
	"0000000000000064 0000000000000005";

static const char LO_RESP_V4[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000"
	"0000000000000064 0000000000000005"
	"00000004";					/* leader_epoch 4 */

static const char LO_RESP_V5[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000"
	"0000000000000064 0000000000000005 00000004";

static const char LO_RESP_V6[] =
	"00000007"
	"02 02 74"					/* topics: compact 1, name "t" */
	"02"						/* partitions: 1 */
	"00000000 0000 0000000000000064 0000000000000005 00000004"
	"00"						/* partition: no tags */
	"00"						/* topic: no tags */
	"00";						/* no tags */

static const char LO_RESP_V7[] =
	"00000007 02 02 74 02"
	"00000000 0000 0000000000000064 0000000000000005 00000004"
	"00 00 00";

/* OFFSET_NOT_AVAILABLE (78) with every value at its default */
static const char LO_RESP_V5_ERROR[] =
	"00000000"
	"00000001 0001 74 00000001 00000000 004e"
	"ffffffffffffffff ffffffffffffffff ffffffff";

/* v0: no offsets found */
static const char LO_RESP_V0_EMPTY[] =
	"00000001 0001 74 00000001 00000000 0003 00000000";

/* -------------------------------------------------------------- structs */

static KpuMsg
lo_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_ListOffsetsRequest, v, v >= 6};

	return m;
}

static KpuMsg
lo_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_ListOffsetsResponse, v, v >= 6};

	return m;
}

static KpListOffsetsPartition req_parts[1];
static KpListOffsetsTopic req_topics[1];

static void
canonical_request(KpListOffsetsRequest *r)
{
	req_parts[0].partition_index = 0;
	req_parts[0].current_leader_epoch = 4;
	req_parts[0].timestamp = -1;
	req_parts[0].max_num_offsets = 2;
	req_topics[0].name = "t";
	req_topics[0].partitions_count = 1;
	req_topics[0].partitions = req_parts;
	kp_struct_init_defaults(&kp_desc_ListOffsetsRequest, r);
	r->replica_id = -1;
	r->isolation_level = 1;
	r->topics_count = 1;
	r->topics = req_topics;
}

static int64_t old_offsets[] = {5, 0};
static KpListOffsetsPartitionResponse resp_parts[1];
static KpListOffsetsTopicResponse resp_topics[1];

/* One topic "t" with one partition 0, all values at defaults */
static void
plain_response(KpListOffsetsResponse *r)
{
	kp_struct_init_defaults(&kp_desc_ListOffsetsPartitionResponse, &resp_parts[0]);
	resp_topics[0].name = "t";
	resp_topics[0].partitions_count = 1;
	resp_topics[0].partitions = resp_parts;
	kp_struct_init_defaults(&kp_desc_ListOffsetsResponse, r);
	r->topics_count = 1;
	r->topics = resp_topics;
}

static void
canonical_response(KpListOffsetsResponse *r)
{
	KpListOffsetsPartitionResponse *p = &resp_parts[0];

	plain_response(r);
	p->old_style_offsets_count = 2;
	p->old_style_offsets = old_offsets;
	p->timestamp = 100;
	p->offset = 5;
	p->leader_epoch = 4;
	r->throttle_time_ms = 7;
}

/* ------------------------------------------------------------- checkers */

static void
check_lo_request(const KpListOffsetsRequest *got,
				 const KpListOffsetsRequest *exp, int v)
{
	CHECK_INT(got->replica_id, exp->replica_id);
	CHECK_INT(got->isolation_level, v >= 2 ? exp->isolation_level : 0);
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
	{
		const KpListOffsetsTopic *g = &got->topics[i];
		const KpListOffsetsTopic *e = &exp->topics[i];

		CHECK_STR(g->name, e->name);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
		{
			const KpListOffsetsPartition *gp = &g->partitions[j];
			const KpListOffsetsPartition *ep = &e->partitions[j];

			CHECK_INT(gp->partition_index, ep->partition_index);
			CHECK_INT(gp->current_leader_epoch,
					  v >= 4 ? ep->current_leader_epoch : -1);
			CHECK_INT(gp->timestamp, ep->timestamp);
			CHECK_INT(gp->max_num_offsets, v == 0 ? ep->max_num_offsets : 1);
		}
	}
}

static void
check_lo_partition(const KpListOffsetsPartitionResponse *got,
				   const KpListOffsetsPartitionResponse *exp, int v)
{
	CHECK_INT(got->partition_index, exp->partition_index);
	CHECK_INT(got->error_code, exp->error_code);
	if (v == 0 && CHECK_INT(got->old_style_offsets_count,
							exp->old_style_offsets_count))
	{
		for (int i = 0; i < exp->old_style_offsets_count; i++)
			CHECK_INT(got->old_style_offsets[i], exp->old_style_offsets[i]);
	}
	if (v > 0)
		CHECK_INT(got->old_style_offsets_count, 0);
	CHECK_INT(got->timestamp, v >= 1 ? exp->timestamp : -1);
	CHECK_INT(got->offset, v >= 1 ? exp->offset : -1);
	CHECK_INT(got->leader_epoch, v >= 4 ? exp->leader_epoch : -1);
}

static void
check_lo_response(const KpListOffsetsResponse *got,
				  const KpListOffsetsResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 2 ? exp->throttle_time_ms : 0);
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
	{
		const KpListOffsetsTopicResponse *g = &got->topics[i];
		const KpListOffsetsTopicResponse *e = &exp->topics[i];

		CHECK_STR(g->name, e->name);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
			check_lo_partition(&g->partitions[j], &e->partitions[j], v);
	}
}

/* ---------------------------------------------------- per-version tables */

static const char *const lo_req_vectors[8] = {
	LO_REQ_V0, LO_REQ_V1, LO_REQ_V2, LO_REQ_V3, LO_REQ_V4, LO_REQ_V5,
	LO_REQ_V6, LO_REQ_V7,
};

static const char *const lo_resp_vectors[8] = {
	LO_RESP_V0, LO_RESP_V1, LO_RESP_V2, LO_RESP_V3, LO_RESP_V4, LO_RESP_V5,
	LO_RESP_V6, LO_RESP_V7,
};

static void
lo_request_version(int16_t v)
{
	KpuMsg		m = lo_req(v);
	KpListOffsetsRequest in;
	KpListOffsetsRequest *d;

	canonical_request(&in);
	d = ROUNDTRIP(&m, &in, lo_req_vectors[v]);
	if (d == NULL)
		return;
	check_lo_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, lo_req_vectors[v]);
}

static void
lo_response_version(int16_t v)
{
	KpuMsg		m = lo_resp(v);
	KpListOffsetsResponse in;
	KpListOffsetsResponse *d;

	canonical_response(&in);
	d = ROUNDTRIP(&m, &in, lo_resp_vectors[v]);
	if (d == NULL)
		return;
	check_lo_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, lo_resp_vectors[v]);
}

#define LO_VERSION_TESTS(v) \
	KPU_TEST(list_offsets_v##v##_request) \
	{ \
		lo_request_version(v); \
	} \
	KPU_TEST(list_offsets_v##v##_response) \
	{ \
		lo_response_version(v); \
	}

LO_VERSION_TESTS(0)
LO_VERSION_TESTS(1)
LO_VERSION_TESTS(2)
LO_VERSION_TESTS(3)
LO_VERSION_TESTS(4)
LO_VERSION_TESTS(5)
LO_VERSION_TESTS(6)
LO_VERSION_TESTS(7)

/* ------------------------------------------------------- special cases */

KPU_TEST(list_offsets_api_table)
{
	KpuApi		exp = {KP_API_LIST_OFFSETS, "ListOffsets", 0, 7, 6,
	&kp_desc_ListOffsetsRequest, &kp_desc_ListOffsetsResponse};

	CHECK_API(&exp);
}

KPU_TEST(list_offsets_v6_request_unknown_tags_skipped)
{
	KpuMsg		m = lo_req(6);
	KpListOffsetsRequest in;
	KpListOffsetsRequest *d;

	canonical_request(&in);
	d = DECODE_VEC(&m, LO_REQ_V6_UNKNOWN_TAGS);
	REQUIRE(d != NULL);
	check_lo_request(d, &in, 6);
	PREFIXES_FAIL(&m, LO_REQ_V6_UNKNOWN_TAGS);
	ENCODE_VEC(&m, d, LO_REQ_V6);
}

/* Fields absent from the version decode to their defaults. */
KPU_TEST(list_offsets_v0_v1_defaults)
{
	KpuMsg		q1 = lo_req(1);
	KpuMsg		r0 = lo_resp(0);
	KpListOffsetsRequest *q;
	KpListOffsetsResponse *r;

	q = DECODE_VEC(&q1, LO_REQ_V1);
	if (CHECK(q != NULL))
	{
		CHECK_INT(q->topics[0].partitions[0].max_num_offsets, 1);
		CHECK_INT(q->topics[0].partitions[0].current_leader_epoch, -1);
		CHECK_INT(q->isolation_level, 0);
	}
	r = DECODE_VEC(&r0, LO_RESP_V0);
	if (CHECK(r != NULL))
	{
		CHECK_INT(r->topics[0].partitions[0].timestamp, -1);
		CHECK_INT(r->topics[0].partitions[0].offset, -1);
		CHECK_INT(r->topics[0].partitions[0].leader_epoch, -1);
	}
}

KPU_TEST(list_offsets_v0_v5_response_errors)
{
	KpuMsg		m0 = lo_resp(0);
	KpuMsg		m5 = lo_resp(5);
	KpListOffsetsResponse in;
	KpListOffsetsResponse *d;

	plain_response(&in);
	resp_parts[0].error_code = 3;
	d = ROUNDTRIP(&m0, &in, LO_RESP_V0_EMPTY);
	if (CHECK(d != NULL))
		check_lo_response(d, &in, 0);
	plain_response(&in);
	resp_parts[0].error_code = 78;
	d = ROUNDTRIP(&m5, &in, LO_RESP_V5_ERROR);
	if (CHECK(d != NULL))
		check_lo_response(d, &in, 5);
}

/* old_style_offsets is a v0, non-nullable array of int64. */
KPU_TEST(list_offsets_v0_response_old_style_offsets)
{
	KpuMsg		m = lo_resp(0);

	DECODE_FAILS(&m, "00000001 0001 74 00000001 00000000 0000 ffffffff",
				 "null value in a non-nullable field", "old_style_offsets");
	DECODE_FAILS(&m, "00000001 0001 74 00000001 00000000 0000 00000002"
				 "0000000000000005 00000000000000",
				 "truncated input", "old_style_offsets");
}

/* Any single corrupted byte in any version: clean failure, never a crash. */
KPU_TEST(list_offsets_all_corrupt_bytes)
{
	for (int16_t v = 0; v <= 7; v++)
	{
		KpuMsg		req = lo_req(v);
		KpuMsg		resp = lo_resp(v);

		CORRUPT_SAFELY(&req, lo_req_vectors[v]);
		CORRUPT_SAFELY(&resp, lo_resp_vectors[v]);
	}
}
