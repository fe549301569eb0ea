/*-------------------------------------------------------------------------
 *
 * test_offset_for_leader_epoch.c
 *	  Byte-vector tests for OffsetForLeaderEpoch (API key 23) requests and
 *	  responses in every version the codec supports (0-4, flexible from 4).
 *
 * Every vector below was written by hand from Kafka's
 * OffsetForLeaderEpochRequest.json and OffsetForLeaderEpochResponse.json;
 * kafka-python 2.0.2 has no OffsetForLeaderEpoch classes, so none is
 * cross-checked by crosscheck_kafka_python.py.  As in test_list_offsets.c,
 * ONE canonical request and ONE canonical response hold a value for every
 * field of every version; each per-version vector is decoded (fields absent
 * from the version must hold their defaults); both the canonical struct and
 * the decoded one must encode back to it byte for byte, and every strict
 * prefix of it must fail to decode.
 *
 * Field versions (Kafka spec):
 *	request:  replica_id 3+ (default -2), topics {topic, partitions
 *			  {partition, current_leader_epoch 2+ (default -1),
 *			  leader_epoch}}
 *	response: throttle_time_ms 2+, topics {topic, partitions {error_code,
 *			  partition, leader_epoch 1+ (default -1), end_offset
 *			  (default -1)}}
 *
 * The broker serves it (src/broker/offset_for_leader_epoch.c); these
 * tests cover only the codec.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

/* ----------------------------------------------------- request vectors */

/*
 * Canonical request: replica_id 1 (a follower),
 * topics [{"t", [{partition 0, current_leader_epoch 5, leader_epoch 4},
 *				  {partition 1, current_leader_epoch 5, leader_epoch 2}]}]
 */
static const char OE_REQ_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74"					/* topic "t" */
	"00000002"					/* partitions: 2 */
	"00000000 00000004"			/* partition 0, leader_epoch 4 */
	"00000001 00000002";		/* partition 1, leader_epoch 2 */

static const char OE_REQ_V1[] =
	"00000001 0001 74 00000002 00000000 00000004 00000001 00000002";

static const char OE_REQ_V2[] =
	"00000001 0001 74 00000002"
	"00000000 00000005 00000004"	/* current_leader_epoch 5 */
	"00000001 00000005 00000002";

static const char OE_REQ_V3[] =
	"00000001"					/* replica_id 1 */
	"00000001 0001 74 00000002"
	"00000000 00000005 00000004 00000001 00000005 00000002";

static const char OE_REQ_V4[] =
	"00000001"
	"02"						/* topics: compact, 1 */
	"02 74"						/* topic "t" */
	"03"						/* partitions: 2 */
	"00000000 00000005 00000004 00"	/* ... partition: no tags */
	"00000001 00000005 00000002 00"
	"00"						/* topic: no tags */
	"00";						/* no tags */

/* v4 with unknown tags at every level */
static const char OE_REQ_V4_UNKNOWN_TAGS[] =
	"00000001 02 02 74 03"
	"00000000 00000005 00000004"
	"01 03 01 ff"				/* partition 0: tag 3, 1 byte */
	"00000001 00000005 00000002"
	"02 00 00 07 02 abcd"		/* partition 1: tags 0 (empty) and 7 */
	"01 04 00"					/* topic: tag 4, empty */
	"01 05 02 abcd";			/* top level: tag 5, 2 bytes */

/* A request at its defaults with no topics */
static const char OE_REQ_V3_EMPTY[] = "fffffffe 00000000";
static const char OE_REQ_V4_EMPTY[] = "fffffffe 01 00";

/* ---------------------------------------------------- response vectors */

/*
 * Canonical response: throttle_time_ms 7,
 * topics [{"t", [{error_code 0, partition 0, leader_epoch 4,
 *				   end_offset 100},
 *				  {error_code FENCED_LEADER_EPOCH, partition 1,
 *				   leader_epoch -1, end_offset -1}]}]
 */
static const char OE_RESP_V0[] =
	"00000001"					/* topics: 1 */
	"0001 74"					/* topic "t" */
	"00000002"					/* partitions: 2 */
	"0000 00000000"				/* error_code 0, partition 0 */
	"0000000000000064"			/* end_offset 100 */
	"004a 00000001"				/* FENCED_LEADER_EPOCH, partition 1 */
	"ffffffffffffffff";			/* end_offset -1 */

static const char OE_RESP_V1[] =
	"00000001 0001 74 00000002"
	"0000 00000000"
	"00000004"					/* leader_epoch 4 */
	"0000000000000064"
	"004a 00000001"
	"ffffffff"					/* leader_epoch -1 */
	"ffffffffffffffff";

static const char OE_RESP_V2[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000002"
	"0000 00000000 00000004 0000000000000064"
	"004a 00000001 ffffffff ffffffffffffffff";

static const char OE_RESP_V3[] =
	"00000007"
	"00000001 0001 74 00000002"
	"0000 00000000 00000004 0000000000000064"
	"004a 00000001 ffffffff ffffffffffffffff";

static const char OE_RESP_V4[] =
	"00000007"
	"02 02 74"					/* topics: compact 1, topic "t" */
	"03"						/* partitions: 2 */
	"0000 00000000 00000004 0000000000000064 00"	/* ... no tags */
	"004a 00000001 ffffffff ffffffffffffffff 00"
	"00"						/* topic: no tags */
	"00";						/* no tags */

/* v4 with unknown tags at every level */
static const char OE_RESP_V4_UNKNOWN_TAGS[] =
	"00000007 02 02 74 03"
	"0000 00000000 00000004 0000000000000064"
	"01 00 03 010203"			/* partition 0: tag 0, 3 bytes */
	"004a 00000001 ffffffff ffffffffffffffff 00"
	"02 01 00 7f 01 ee"			/* topic: tags 1 (empty) and 127 */
	"01 09 00";					/* top level: tag 9, empty */

/* -------------------------------------------------------------- structs */

static KpuMsg
oe_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_OffsetForLeaderEpochRequest, v, v >= 4};

	return m;
}

static KpuMsg
oe_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_OffsetForLeaderEpochResponse, v, v >= 4};

	return m;
}

static KpOffsetForLeaderPartition req_parts[2];
static KpOffsetForLeaderTopic req_topics[1];

static void
canonical_request(KpOffsetForLeaderEpochRequest *r)
{
	req_parts[0].partition = 0;
	req_parts[0].current_leader_epoch = 5;
	req_parts[0].leader_epoch = 4;
	req_parts[1].partition = 1;
	req_parts[1].current_leader_epoch = 5;
	req_parts[1].leader_epoch = 2;
	req_topics[0].topic = "t";
	req_topics[0].partitions_count = 2;
	req_topics[0].partitions = req_parts;
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderEpochRequest, r);
	r->replica_id = 1;
	r->topics_count = 1;
	r->topics = req_topics;
}

static KpOffsetForLeaderPartitionResult resp_parts[2];
static KpOffsetForLeaderTopicResult resp_topics[1];

static void
canonical_response(KpOffsetForLeaderEpochResponse *r)
{
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderPartitionResult,
							&resp_parts[0]);
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderPartitionResult,
							&resp_parts[1]);
	resp_parts[0].partition = 0;
	resp_parts[0].leader_epoch = 4;
	resp_parts[0].end_offset = 100;
	resp_parts[1].error_code = KP_ERR_FENCED_LEADER_EPOCH;
	resp_parts[1].partition = 1;
	resp_topics[0].topic = "t";
	resp_topics[0].partitions_count = 2;
	resp_topics[0].partitions = resp_parts;
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderEpochResponse, r);
	r->throttle_time_ms = 7;
	r->topics_count = 1;
	r->topics = resp_topics;
}

/* ------------------------------------------------------------- checkers */

static void
check_oe_request(const KpOffsetForLeaderEpochRequest *got,
				 const KpOffsetForLeaderEpochRequest *exp, int v)
{
	CHECK_INT(got->replica_id, v >= 3 ? exp->replica_id : -2);
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
	{
		const KpOffsetForLeaderTopic *g = &got->topics[i];
		const KpOffsetForLeaderTopic *e = &exp->topics[i];

		CHECK_STR(g->topic, e->topic);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
		{
			const KpOffsetForLeaderPartition *gp = &g->partitions[j];
			const KpOffsetForLeaderPartition *ep = &e->partitions[j];

			CHECK_INT(gp->partition, ep->partition);
			CHECK_INT(gp->current_leader_epoch,
					  v >= 2 ? ep->current_leader_epoch : -1);
			CHECK_INT(gp->leader_epoch, ep->leader_epoch);
		}
	}
}

static void
check_oe_response(const KpOffsetForLeaderEpochResponse *got,
				  const KpOffsetForLeaderEpochResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 2 ? exp->throttle_time_ms : 0);
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
	{
		const KpOffsetForLeaderTopicResult *g = &got->topics[i];
		const KpOffsetForLeaderTopicResult *e = &exp->topics[i];

		CHECK_STR(g->topic, e->topic);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
		{
			const KpOffsetForLeaderPartitionResult *gp = &g->partitions[j];
			const KpOffsetForLeaderPartitionResult *ep = &e->partitions[j];

			CHECK_INT(gp->error_code, ep->error_code);
			CHECK_INT(gp->partition, ep->partition);
			CHECK_INT(gp->leader_epoch, v >= 1 ? ep->leader_epoch : -1);
			CHECK_INT(gp->end_offset, ep->end_offset);
		}
	}
}

/* ---------------------------------------------------- per-version tables */

static const char *const oe_req_vectors[5] = {
	OE_REQ_V0, OE_REQ_V1, OE_REQ_V2, OE_REQ_V3, OE_REQ_V4,
};

static const char *const oe_resp_vectors[5] = {
	OE_RESP_V0, OE_RESP_V1, OE_RESP_V2, OE_RESP_V3, OE_RESP_V4,
};

static void
oe_request_version(int16_t v)
{
	KpuMsg		m = oe_req(v);
	KpOffsetForLeaderEpochRequest in;
	KpOffsetForLeaderEpochRequest *d;

	canonical_request(&in);
	d = ROUNDTRIP(&m, &in, oe_req_vectors[v]);
	if (d == NULL)
		return;
	check_oe_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, oe_req_vectors[v]);
}

static void
oe_response_version(int16_t v)
{
	KpuMsg		m = oe_resp(v);
	KpOffsetForLeaderEpochResponse in;
	KpOffsetForLeaderEpochResponse *d;

	canonical_response(&in);
	d = ROUNDTRIP(&m, &in, oe_resp_vectors[v]);
	if (d == NULL)
		return;
	check_oe_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, oe_resp_vectors[v]);
}

#define OE_VERSION_TESTS(v) \
	KPU_TEST(offset_for_leader_epoch_v##v##_request) \
	{ \
		oe_request_version(v); \
	} \
	KPU_TEST(offset_for_leader_epoch_v##v##_response) \
	{ \
		oe_response_version(v); \
	}

OE_VERSION_TESTS(0)
OE_VERSION_TESTS(1)
OE_VERSION_TESTS(2)
OE_VERSION_TESTS(3)
OE_VERSION_TESTS(4)

/* ------------------------------------------------------- special cases */

KPU_TEST(offset_for_leader_epoch_api_table)
{
	KpuApi		exp = {KP_API_OFFSET_FOR_LEADER_EPOCH, "OffsetForLeaderEpoch",
		0, 4, 4,
	&kp_desc_OffsetForLeaderEpochRequest, &kp_desc_OffsetForLeaderEpochResponse};

	CHECK_INT(KP_API_OFFSET_FOR_LEADER_EPOCH, 23);
	CHECK_API(&exp);
}

/* Fields absent from the version decode to their defaults. */
KPU_TEST(offset_for_leader_epoch_defaults)
{
	KpuMsg		q1 = oe_req(1);
	KpuMsg		q2 = oe_req(2);
	KpuMsg		r0 = oe_resp(0);
	KpOffsetForLeaderEpochRequest *q;
	KpOffsetForLeaderEpochResponse *r;
	KpOffsetForLeaderPartitionResult p;

	q = DECODE_VEC(&q1, OE_REQ_V1);
	if (CHECK(q != NULL))
	{
		CHECK_INT(q->replica_id, -2);
		CHECK_INT(q->topics[0].partitions[0].current_leader_epoch, -1);
		CHECK_INT(q->topics[0].partitions[1].current_leader_epoch, -1);
	}
	q = DECODE_VEC(&q2, OE_REQ_V2);
	if (CHECK(q != NULL))
	{
		CHECK_INT(q->replica_id, -2);
		CHECK_INT(q->topics[0].partitions[1].current_leader_epoch, 5);
	}
	r = DECODE_VEC(&r0, OE_RESP_V0);
	if (CHECK(r != NULL))
	{
		CHECK_INT(r->throttle_time_ms, 0);
		CHECK_INT(r->topics[0].partitions[0].leader_epoch, -1);
		CHECK_INT(r->topics[0].partitions[0].end_offset, 100);
	}
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderPartitionResult, &p);
	CHECK_INT(p.error_code, 0);
	CHECK_INT(p.leader_epoch, -1);
	CHECK_INT(p.end_offset, -1);
}

/* replica_id defaults to -2 (debug consumer) where it is on the wire too. */
KPU_TEST(offset_for_leader_epoch_v3_v4_request_defaults)
{
	KpuMsg		m3 = oe_req(3);
	KpuMsg		m4 = oe_req(4);
	KpOffsetForLeaderEpochRequest in;
	KpOffsetForLeaderEpochRequest *d;

	kp_struct_init_defaults(&kp_desc_OffsetForLeaderEpochRequest, &in);
	d = ROUNDTRIP(&m3, &in, OE_REQ_V3_EMPTY);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->replica_id, -2);
		CHECK_INT(d->topics_count, 0);
	}
	d = ROUNDTRIP(&m4, &in, OE_REQ_V4_EMPTY);
	if (CHECK(d != NULL))
	{
		CHECK_INT(d->replica_id, -2);
		CHECK_INT(d->topics_count, 0);
	}
}

KPU_TEST(offset_for_leader_epoch_v4_unknown_tags_skipped)
{
	KpuMsg		q = oe_req(4);
	KpuMsg		r = oe_resp(4);
	KpOffsetForLeaderEpochRequest rq;
	KpOffsetForLeaderEpochResponse rs;
	KpOffsetForLeaderEpochRequest *dq;
	KpOffsetForLeaderEpochResponse *dr;

	canonical_request(&rq);
	dq = DECODE_VEC(&q, OE_REQ_V4_UNKNOWN_TAGS);
	if (CHECK(dq != NULL))
	{
		check_oe_request(dq, &rq, 4);
		ENCODE_VEC(&q, dq, OE_REQ_V4);
	}
	PREFIXES_FAIL(&q, OE_REQ_V4_UNKNOWN_TAGS);

	canonical_response(&rs);
	dr = DECODE_VEC(&r, OE_RESP_V4_UNKNOWN_TAGS);
	if (CHECK(dr != NULL))
	{
		check_oe_response(dr, &rs, 4);
		ENCODE_VEC(&r, dr, OE_RESP_V4);
	}
	PREFIXES_FAIL(&r, OE_RESP_V4_UNKNOWN_TAGS);
}

/* Neither the arrays nor the topic name are nullable in any version. */
KPU_TEST(offset_for_leader_epoch_nulls_rejected)
{
	KpuMsg		q0 = oe_req(0);
	KpuMsg		q4 = oe_req(4);
	KpuMsg		r3 = oe_resp(3);
	KpuMsg		r4 = oe_resp(4);
	KpOffsetForLeaderEpochRequest in;

	DECODE_FAILS(&q0, "ffffffff",
				 "null value in a non-nullable field", "topics");
	DECODE_FAILS(&q0, "00000001 ffff",
				 "null value in a non-nullable field", "topic");
	DECODE_FAILS(&q4, "00000001 00 00",
				 "null value in a non-nullable field", "topics");
	DECODE_FAILS(&q4, "00000001 02 02 74 00 00 00",
				 "null value in a non-nullable field", "partitions");
	DECODE_FAILS(&r3, "00000000 00000001 0001 74 ffffffff",
				 "null value in a non-nullable field", "partitions");
	DECODE_FAILS(&r4, "00000000 02 00",
				 "null value in a non-nullable field", "topic");

	/* a null array where the version does not allow it is an encode error */
	kp_struct_init_defaults(&kp_desc_OffsetForLeaderEpochRequest, &in);
	in.topics_count = -1;
	ENCODE_FAILS(&q4, &in, NULL, "topics");
}

/* Any single corrupted byte in any version: clean failure, never a crash. */
KPU_TEST(offset_for_leader_epoch_all_corrupt_bytes)
{
	for (int16_t v = 0; v <= 4; v++)
	{
		KpuMsg		req = oe_req(v);
		KpuMsg		resp = oe_resp(v);

		CORRUPT_SAFELY(&req, oe_req_vectors[v]);
		CORRUPT_SAFELY(&resp, oe_resp_vectors[v]);
	}
}

KPU_TEST(offset_for_leader_epoch_v4_corrupt_tags)
{
	KpuMsg		req = oe_req(4);
	KpuMsg		resp = oe_resp(4);

	CORRUPT_SAFELY(&req, OE_REQ_V4_UNKNOWN_TAGS);
	CORRUPT_SAFELY(&resp, OE_RESP_V4_UNKNOWN_TAGS);
}
