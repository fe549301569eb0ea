/*-------------------------------------------------------------------------
 *
 * test_produce.c
 *	  Byte-vector tests for Produce (API key 0) requests and responses in
 *	  every version the codec supports (0-9, flexible from 9).
 *
 * Every vector below was written by hand from Kafka's ProduceRequest.json
 * and ProduceResponse.json; the requests v0-v8 and responses v0-v7 were
 * cross-checked against kafka-python 2.0.2 with crosscheck_kafka_python.py
 * (its ProduceResponse_v8 lacks record_errors and error_message, so v8 is
 * checked by hand only).  As in test_metadata.c, ONE canonical request and
 * ONE canonical response hold a value for every field of every version;
 * each per-version vector is decoded (fields absent from the version must
 * hold their defaults); both the canonical struct and the decoded one must
 * encode back to it byte for byte, and every strict prefix of it must fail
 * to decode.
 *
 * Field versions (Kafka spec):
 *	request:  transactional_id 3+ (nullable 3+, default null), acks,
 *			  timeout_ms, topic_data {name, partition_data {index, records
 *			  (RECORDS, nullable)}}
 *	response: responses {name, partition_responses {index, error_code,
 *			  base_offset, log_append_time_ms 2+ (default -1),
 *			  log_start_offset 5+ (default -1), record_errors 8+
 *			  {batch_index, batch_index_error_message (nullable)},
 *			  error_message 8+ (nullable, default null)}},
 *			  throttle_time_ms 1+
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* ----------------------------------------------------- request vectors */

/*
 * Canonical request: transactional_id "x", acks -1, timeout_ms 1000,
 * topic_data [{"t", [{index 0, records aa bb cc}]}].
 */
static const char PR_REQ_V0[] =
	"ffff"						/* acks -1 */
	"000003e8"					/* timeout_ms 1000 */
	"00000001"					/* topic_data: 1 */
	"0001 74"					/* name "t" */
	"00000001"					/* partition_data: 1 */
	"00000000"					/* index 0 */
	"00000003 aabbcc";			/* records, 3 bytes */

static const char PR_REQ_V1[] =
	"ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V2[] =
	"ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V3[] =
	"0001 78"					/* transactional_id "x" */
	"ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V4[] =
	"0001 78 ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V5[] =
	"0001 78 ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V6[] =
	"0001 78 ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V7[] =
	"0001 78 ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V8[] =
	"0001 78 ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 aabbcc";

static const char PR_REQ_V9[] =
	"02 78"						/* transactional_id "x" (compact) */
	"ffff 000003e8"
	"02"						/* topic_data: compact, 1 */
	"02 74"						/* name "t" */
	"02"						/* partition_data: 1 */
	"00000000"
	"04 aabbcc"					/* records: compact, 3 bytes */
	"00"						/* partition: no tags */
	"00"						/* topic: no tags */
	"00";						/* no tags */

/* Non-transactional producer (null id), null records, acks 1 */
static const char PR_REQ_V3_NULLS[] =
	"ffff"						/* transactional_id null */
	"0001 00007530"				/* acks 1, timeout 30000 */
	"00000001 0001 74 00000001 00000000"
	"ffffffff";					/* records null */

static const char PR_REQ_V9_NULLS[] =
	"00"						/* transactional_id null */
	"0001 00007530"
	"02 02 74 02 00000000"
	"00"						/* records null */
	"00 00 00";

/* acks 0, no topics; unknown tags at every level are skipped */
static const char PR_REQ_V9_UNKNOWN_TAGS[] =
	"00 0000 00000000"
	"02 02 74"
	"02 00000000 01"			/* partition 0, records empty */
	"01 05 02 abcd"				/* partition: tag 5, 2 bytes */
	"01 7f 00"					/* topic: tag 127, empty */
	"01 8001 01 ff";			/* top level: tag 128, 1 byte */

/* ---------------------------------------------------- response vectors */

/*
 * Canonical response:
 *	responses [{"t", [{index 0, error_code 0, base_offset 5,
 *				 log_append_time_ms 100, log_start_offset 2,
 *				 record_errors [{1, "e"}, {2, null}], error_message "m"}]}]
 *	throttle_time_ms 7
 */
static const char PR_RESP_V0[] =
	"00000001"					/* responses: 1 */
	"0001 74"					/* name "t" */
	"00000001"					/* partition_responses: 1 */
	"00000000 0000"				/* index 0, error_code 0 */
	"0000000000000005";			/* base_offset 5 */

static const char PR_RESP_V1[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"00000007";					/* throttle_time_ms 7 */

static const char PR_RESP_V2[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064"			/* log_append_time_ms 100 */
	"00000007";

static const char PR_RESP_V3[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064 00000007";

static const char PR_RESP_V4[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064 00000007";

static const char PR_RESP_V5[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064"
	"0000000000000002"			/* log_start_offset 2 */
	"00000007";

static const char PR_RESP_V6[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064 0000000000000002 00000007";

static const char PR_RESP_V7[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064 0000000000000002 00000007";

static const char PR_RESP_V8[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"0000000000000064 0000000000000002"
	"00000002"					/* record_errors: 2 */
	"00000001 0001 65"			/* batch 1, "e" */
	"00000002 ffff"				/* batch 2, null message */
	"0001 6d"					/* error_message "m" */
	"00000007";

static const char PR_RESP_V9[] =
	"02 02 74"					/* responses: 1, name "t" */
	"02"						/* partition_responses: 1 */
	"00000000 0000 0000000000000005"
	"0000000000000064 0000000000000002"
	"03"						/* record_errors: compact, 2 */
	"00000001 02 65 00"			/* batch 1, "e", no tags */
	"00000002 00 00"			/* batch 2, null, no tags */
	"02 6d"						/* error_message "m" */
	"00"						/* partition: no tags */
	"00"						/* topic: no tags */
	"00000007"
	"00";						/* no tags */

/* A success in v8/v9: no record errors, null error message */
static const char PR_RESP_V8_OK[] =
	"00000001 0001 74 00000001 00000000 0000 0000000000000005"
	"ffffffffffffffff"			/* log_append_time_ms -1 (CreateTime) */
	"0000000000000000"			/* log_start_offset 0 */
	"00000000"					/* record_errors: empty */
	"ffff"						/* error_message null */
	"00000000";

static const char PR_RESP_V9_OK[] =
	"02 02 74 02 00000000 0000 0000000000000005"
	"ffffffffffffffff 0000000000000000"
	"01"						/* record_errors: empty */
	"00"						/* error_message null */
	"00 00"
	"00000000 00";

/* -------------------------------------------------------------- structs */

static const uint8_t rec_bytes[] = {0xaa, 0xbb, 0xcc};

static KpuMsg
pr_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_ProduceRequest, v, v >= 9};

	return m;
}

static KpuMsg
pr_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_ProduceResponse, v, v >= 9};

	return m;
}

static KpPartitionProduceData req_parts[1];
static KpTopicProduceData req_topics[1];

/* One topic "t", one partition 0 with the given records */
static void
plain_request(KpProduceRequest *r, const char *txn, int16_t acks,
			  int32_t timeout, KpBytes records)
{
	kp_struct_init_defaults(&kp_desc_ProduceRequest, r);
	req_parts[0].index = 0;
	req_parts[0].records = records;
	req_topics[0].name = "t";
	req_topics[0].partition_data_count = 1;
	req_topics[0].partition_data = req_parts;
	r->transactional_id = (char *) txn;
	r->acks = acks;
	r->timeout_ms = timeout;
	r->topic_data_count = 1;
	r->topic_data = req_topics;
}

static void
canonical_request(KpProduceRequest *r)
{
	KpBytes		b = {rec_bytes, 3};

	plain_request(r, "x", -1, 1000, b);
}

static KpBatchIndexAndErrorMessage resp_record_errors[] = {
	{.batch_index = 1, .batch_index_error_message = "e"},
	{.batch_index = 2, .batch_index_error_message = NULL},
};
static KpPartitionProduceResponse resp_parts[1];
static KpTopicProduceResponse resp_topics[1];

static void
canonical_response(KpProduceResponse *r)
{
	KpPartitionProduceResponse *p = &resp_parts[0];

	kp_struct_init_defaults(&kp_desc_PartitionProduceResponse, p);
	p->index = 0;
	p->error_code = 0;
	p->base_offset = 5;
	p->log_append_time_ms = 100;
	p->log_start_offset = 2;
	p->record_errors_count = 2;
	p->record_errors = resp_record_errors;
	p->error_message = "m";
	resp_topics[0].name = "t";
	resp_topics[0].partition_responses_count = 1;
	resp_topics[0].partition_responses = resp_parts;
	kp_struct_init_defaults(&kp_desc_ProduceResponse, r);
	r->responses_count = 1;
	r->responses = resp_topics;
	r->throttle_time_ms = 7;
}

/* ------------------------------------------------------------- checkers */

static void
check_pr_request(const KpProduceRequest *got, const KpProduceRequest *exp,
				 int v)
{
	CHECK_STR(got->transactional_id, v >= 3 ? exp->transactional_id : NULL);
	CHECK_INT(got->acks, exp->acks);
	CHECK_INT(got->timeout_ms, exp->timeout_ms);
	if (!CHECK_INT(got->topic_data_count, exp->topic_data_count))
		return;
	for (int i = 0; i < exp->topic_data_count; i++)
	{
		const KpTopicProduceData *g = &got->topic_data[i];
		const KpTopicProduceData *e = &exp->topic_data[i];

		CHECK_STR(g->name, e->name);
		if (!CHECK_INT(g->partition_data_count, e->partition_data_count))
			continue;
		for (int j = 0; j < e->partition_data_count; j++)
		{
			CHECK_INT(g->partition_data[j].index, e->partition_data[j].index);
			CHECK_KPBYTES(&g->partition_data[j].records,
						  &e->partition_data[j].records);
		}
	}
}

static void
check_record_errors(const KpPartitionProduceResponse *got,
					const KpPartitionProduceResponse *exp, int v)
{
	if (v < 8)
	{
		CHECK_INT(got->record_errors_count, 0);
		return;
	}
	if (!CHECK_INT(got->record_errors_count, exp->record_errors_count))
		return;
	for (int i = 0; i < exp->record_errors_count; i++)
	{
		CHECK_INT(got->record_errors[i].batch_index,
				  exp->record_errors[i].batch_index);
		CHECK_STR(got->record_errors[i].batch_index_error_message,
				  exp->record_errors[i].batch_index_error_message);
	}
}

static void
check_pr_partition(const KpPartitionProduceResponse *got,
				   const KpPartitionProduceResponse *exp, int v)
{
	CHECK_INT(got->index, exp->index);
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_INT(got->base_offset, exp->base_offset);
	CHECK_INT(got->log_append_time_ms, v >= 2 ? exp->log_append_time_ms : -1);
	CHECK_INT(got->log_start_offset, v >= 5 ? exp->log_start_offset : -1);
	check_record_errors(got, exp, v);
	CHECK_STR(got->error_message, v >= 8 ? exp->error_message : NULL);
}

static void
check_pr_response(const KpProduceResponse *got, const KpProduceResponse *exp,
				  int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 1 ? exp->throttle_time_ms : 0);
	if (!CHECK_INT(got->responses_count, exp->responses_count))
		return;
	for (int i = 0; i < exp->responses_count; i++)
	{
		const KpTopicProduceResponse *g = &got->responses[i];
		const KpTopicProduceResponse *e = &exp->responses[i];

		CHECK_STR(g->name, e->name);
		if (!CHECK_INT(g->partition_responses_count, e->partition_responses_count))
			continue;
		for (int j = 0; j < e->partition_responses_count; j++)
			check_pr_partition(&g->partition_responses[j],
							   &e->partition_responses[j], v);
	}
}

/* ---------------------------------------------------- per-version tables */

static const char *const pr_req_vectors[10] = {
	PR_REQ_V0, PR_REQ_V1, PR_REQ_V2, PR_REQ_V3, PR_REQ_V4, PR_REQ_V5,
	PR_REQ_V6, PR_REQ_V7, PR_REQ_V8, PR_REQ_V9,
};

static const char *const pr_resp_vectors[10] = {
	PR_RESP_V0, PR_RESP_V1, PR_RESP_V2, PR_RESP_V3, PR_RESP_V4, PR_RESP_V5,
	PR_RESP_V6, PR_RESP_V7, PR_RESP_V8, PR_RESP_V9,
};

static void
pr_request_version(int16_t v)
{
	KpuMsg		m = pr_req(v);
	KpProduceRequest in;
	KpProduceRequest *d;

	canonical_request(&in);
	d = ROUNDTRIP(&m, &in, pr_req_vectors[v]);
	if (d == NULL)
		return;
	check_pr_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, pr_req_vectors[v]);
}

static void
pr_response_version(int16_t v)
{
	KpuMsg		m = pr_resp(v);
	KpProduceResponse in;
	KpProduceResponse *d;

	canonical_response(&in);
	d = ROUNDTRIP(&m, &in, pr_resp_vectors[v]);
	if (d == NULL)
		return;
	check_pr_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, pr_resp_vectors[v]);
}

#define PR_VERSION_TESTS(v) \
	KPU_TEST(produce_v##v##_request) \
	{ \
		pr_request_version(v); \
	} \
	KPU_TEST(produce_v##v##_response) \
	{ \
		pr_response_version(v); \
	}

PR_VERSION_TESTS(0)
PR_VERSION_TESTS(1)
PR_VERSION_TESTS(2)
PR_VERSION_TESTS(3)
PR_VERSION_TESTS(4)
PR_VERSION_TESTS(5)
PR_VERSION_TESTS(6)
PR_VERSION_TESTS(7)
PR_VERSION_TESTS(8)
PR_VERSION_TESTS(9)

/* ------------------------------------------------------- special cases */

KPU_TEST(produce_api_table)
{
	KpuApi		exp = {KP_API_PRODUCE, "Produce", 0, 9, 9,
	&kp_desc_ProduceRequest, &kp_desc_ProduceResponse};

	CHECK_API(&exp);
}

/* A non-transactional producer sends a null id; records may be null. */
KPU_TEST(produce_v3_v9_request_nulls)
{
	KpBytes		null = {NULL, -1};
	KpProduceRequest in;
	KpProduceRequest *d;
	KpuMsg		m3 = pr_req(3);
	KpuMsg		m9 = pr_req(9);

	plain_request(&in, NULL, 1, 30000, null);
	d = ROUNDTRIP(&m3, &in, PR_REQ_V3_NULLS);
	if (CHECK(d != NULL))
	{
		check_pr_request(d, &in, 3);
		CHECK_NULL(d->transactional_id);
		CHECK_NULL(d->topic_data[0].partition_data[0].records.data);
	}
	d = ROUNDTRIP(&m9, &in, PR_REQ_V9_NULLS);
	if (CHECK(d != NULL))
		check_pr_request(d, &in, 9);
}

/* Decoded records are a slice of the request buffer, never a copy. */
KPU_TEST(produce_v9_request_records_point_into_input)
{
	KpCodecCtx	ctx = {9, true, &kpu_allocator};
	size_t		len;
	uint8_t    *buf = kpu_hex(PR_REQ_V9, &len);
	KpProduceRequest out;
	KpReader	r;

	kp_reader_init(&r, buf, len);
	REQUIRE(kp_decode_struct(&kp_desc_ProduceRequest, &ctx, &r, &out));
	REQUIRE(out.topic_data_count == 1);
	REQUIRE(out.topic_data[0].partition_data_count == 1);
	/* 2 (txn) + 2 (acks) + 4 (timeout) + 1 + 2 + 1 + 4 + 1 (length) */
	CHECK(out.topic_data[0].partition_data[0].records.data == buf + 17);
}

KPU_TEST(produce_v9_request_unknown_tags_skipped)
{
	KpuMsg		m = pr_req(9);
	KpBytes		empty = {NULL, 0};
	KpProduceRequest in;
	KpProduceRequest *d;

	plain_request(&in, NULL, 0, 0, empty);
	d = DECODE_VEC(&m, PR_REQ_V9_UNKNOWN_TAGS);
	REQUIRE(d != NULL);
	check_pr_request(d, &in, 9);
	PREFIXES_FAIL(&m, PR_REQ_V9_UNKNOWN_TAGS);
	ENCODE_VEC(&m, d, "00 0000 00000000 02 02 74 02 00000000 01 00 00 00");
}

/* Before v3 there is no transactional id: it is neither read nor written. */
KPU_TEST(produce_v0_v2_request_no_transactional_id)
{
	KpuMsg		m2 = pr_req(2);
	KpuMsg		m3 = pr_req(3);

	/* the v3 vector read as v2: "0001 78 ffff" is not a valid v2 start */
	DECODE_FAILS(&m2, PR_REQ_V3, NULL, NULL);
	DECODE_FAILS(&m3, PR_REQ_V2, NULL, NULL);
}

KPU_TEST(produce_v8_v9_response_success)
{
	KpProduceResponse in;
	KpProduceResponse *d;
	KpuMsg		m8 = pr_resp(8);
	KpuMsg		m9 = pr_resp(9);

	canonical_response(&in);
	resp_parts[0].log_append_time_ms = -1;
	resp_parts[0].log_start_offset = 0;
	resp_parts[0].record_errors_count = 0;
	resp_parts[0].record_errors = NULL;
	resp_parts[0].error_message = NULL;
	in.throttle_time_ms = 0;
	d = ROUNDTRIP(&m8, &in, PR_RESP_V8_OK);
	if (CHECK(d != NULL))
	{
		check_pr_response(d, &in, 8);
		CHECK_NULL(d->responses[0].partition_responses[0].error_message);
	}
	d = ROUNDTRIP(&m9, &in, PR_RESP_V9_OK);
	if (CHECK(d != NULL))
		check_pr_response(d, &in, 9);
}

/* record_errors is not nullable: a null array is an encode error. */
KPU_TEST(produce_v8_response_null_record_errors_rejected)
{
	KpuMsg		m8 = pr_resp(8);
	KpuMsg		m9 = pr_resp(9);
	KpProduceResponse in;

	canonical_response(&in);
	resp_parts[0].record_errors_count = -1;
	resp_parts[0].record_errors = NULL;
	ENCODE_FAILS(&m8, &in, "null array in a non-nullable field", "record_errors");
	DECODE_FAILS(&m8, "00000001 0001 74 00000001 00000000 0000 0000000000000005"
				 "0000000000000064 0000000000000002 ffffffff",
				 "null value in a non-nullable field", "record_errors");
	DECODE_FAILS(&m9, "02 02 74 02 00000000 0000 0000000000000005"
				 "0000000000000064 0000000000000002 00",
				 "null value in a non-nullable field", "record_errors");
}

/* Any single corrupted byte in any version: clean failure, never a crash. */
KPU_TEST(produce_all_corrupt_bytes)
{
	for (int16_t v = 0; v <= 9; v++)
	{
		KpuMsg		req = pr_req(v);
		KpuMsg		resp = pr_resp(v);

		CORRUPT_SAFELY(&req, pr_req_vectors[v]);
		CORRUPT_SAFELY(&resp, pr_resp_vectors[v]);
	}
}
