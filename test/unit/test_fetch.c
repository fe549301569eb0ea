/*-------------------------------------------------------------------------
 *
 * test_fetch.c
 *	  Byte-vector tests for Fetch (API key 1) requests and responses in
 *	  every version the codec supports (0-13, flexible from 12), including
 *	  the tagged fields and tagged sub-structs of v12+ and the writer's
 *	  records hook (by-reference record data).
 *
 * Every vector below was written by hand from Kafka's FetchRequest.json
 * and FetchResponse.json; v0-v11 were cross-checked against kafka-python
 * 2.0.2 with crosscheck_kafka_python.py.  As in test_metadata.c, ONE
 * canonical request and ONE canonical response hold a value for every
 * field of every version; each per-version vector is decoded (fields
 * absent from the version must hold their defaults); both the canonical
 * struct and the decoded one must encode back to it byte for byte, and
 * every strict prefix of it must fail to decode.
 *
 * Field versions (Kafka spec):
 *	request:  cluster_id tagged 12+ (tag 0, nullable, default null),
 *			  replica_id (default -1), max_wait_ms, min_bytes, max_bytes 3+
 *			  (default 0x7fffffff), isolation_level 4+, session_id 7+,
 *			  session_epoch 7+ (default -1), topics {topic 0-12, topic_id
 *			  13+, partitions {partition, current_leader_epoch 9+ (default
 *			  -1), fetch_offset, last_fetched_epoch 12+ (default -1),
 *			  log_start_offset 5+ (default -1), partition_max_bytes}},
 *			  forgotten_topics_data 7+ {topic 7-12, topic_id 13+,
 *			  partitions []int32}, rack_id 11+ (default "")
 *	response: throttle_time_ms 1+, error_code 7+, session_id 7+,
 *			  responses {topic 0-12, topic_id 13+, partitions
 *			  {partition_index, error_code, high_watermark,
 *			  last_stable_offset 4+ (default -1), log_start_offset 5+
 *			  (default -1), diverging_epoch tagged 12+ (tag 0) {epoch,
 *			  end_offset}, current_leader tagged 12+ (tag 1) {leader_id,
 *			  leader_epoch}, snapshot_id tagged 12+ (tag 2) {end_offset,
 *			  epoch} -- all sub-fields default -1 --, aborted_transactions
 *			  4+ (nullable) {producer_id, first_offset},
 *			  preferred_read_replica 11+ (default -1), records (nullable)}}
 *
 * A tagged sub-struct is written only when it differs from its default
 * (Kafka compares it with a freshly constructed struct): one field away
 * from -1 is enough, and then the whole struct is written.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* ----------------------------------------------------- request vectors */

/*
 * Canonical request:
 *	cluster_id "c", replica_id -1, max_wait_ms 500, min_bytes 1,
 *	max_bytes 0x100000, isolation_level 1, session_id 2, session_epoch 3,
 *	topics [{"t", topic_id 00..0f, [{partition 0, current_leader_epoch 4,
 *			 fetch_offset 5, last_fetched_epoch 6, log_start_offset 7,
 *			 partition_max_bytes 0x10000}]}]
 *	forgotten_topics_data [{"f", topic_id 10..1f, [1, 2]}], rack_id "r"
 */
static const char FE_REQ_V0[] =
	"ffffffff"					/* replica_id -1 */
	"000001f4"					/* max_wait_ms 500 */
	"00000001"					/* min_bytes 1 */
	"00000001"					/* topics: 1 */
	"0001 74"					/* topic "t" */
	"00000001"					/* partitions: 1 */
	"00000000"					/* partition 0 */
	"0000000000000005"			/* fetch_offset 5 */
	"00010000";					/* partition_max_bytes */

static const char FE_REQ_V1[] =
	"ffffffff 000001f4 00000001"
	"00000001 0001 74 00000001 00000000 0000000000000005 00010000";

static const char FE_REQ_V2[] =
	"ffffffff 000001f4 00000001"
	"00000001 0001 74 00000001 00000000 0000000000000005 00010000";

static const char FE_REQ_V3[] =
	"ffffffff 000001f4 00000001"
	"00100000"					/* max_bytes */
	"00000001 0001 74 00000001 00000000 0000000000000005 00010000";

static const char FE_REQ_V4[] =
	"ffffffff 000001f4 00000001 00100000"
	"01"						/* isolation_level READ_COMMITTED */
	"00000001 0001 74 00000001 00000000 0000000000000005 00010000";

static const char FE_REQ_V5[] =
	"ffffffff 000001f4 00000001 00100000 01"
	"00000001 0001 74 00000001 00000000 0000000000000005"
	"0000000000000007"			/* log_start_offset 7 */
	"00010000";

static const char FE_REQ_V6[] =
	"ffffffff 000001f4 00000001 00100000 01"
	"00000001 0001 74 00000001 00000000 0000000000000005"
	"0000000000000007 00010000";

static const char FE_REQ_V7[] =
	"ffffffff 000001f4 00000001 00100000 01"
	"00000002 00000003"			/* session_id 2, session_epoch 3 */
	"00000001 0001 74 00000001 00000000 0000000000000005"
	"0000000000000007 00010000"
	"00000001"					/* forgotten_topics_data: 1 */
	"0001 66"					/* topic "f" */
	"00000002 00000001 00000002";	/* partitions [1, 2] */

static const char FE_REQ_V8[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"00000001 0001 74 00000001 00000000 0000000000000005"
	"0000000000000007 00010000"
	"00000001 0001 66 00000002 00000001 00000002";

static const char FE_REQ_V9[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"00000001 0001 74 00000001 00000000"
	"00000004"					/* current_leader_epoch 4 */
	"0000000000000005 0000000000000007 00010000"
	"00000001 0001 66 00000002 00000001 00000002";

static const char FE_REQ_V10[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"00000001 0001 74 00000001 00000000 00000004"
	"0000000000000005 0000000000000007 00010000"
	"00000001 0001 66 00000002 00000001 00000002";

static const char FE_REQ_V11[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"00000001 0001 74 00000001 00000000 00000004"
	"0000000000000005 0000000000000007 00010000"
	"00000001 0001 66 00000002 00000001 00000002"
	"0001 72";					/* rack_id "r" */

static const char FE_REQ_V12[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"02"						/* topics: compact, 1 */
	"02 74"						/* topic "t" */
	"02"						/* partitions: 1 */
	"00000000 00000004 0000000000000005"
	"00000006"					/* last_fetched_epoch 6 */
	"0000000000000007 00010000"
	"00"						/* partition: no tags */
	"00"						/* topic: no tags */
	"02 02 66 03 00000001 00000002 00"	/* forgotten, compact */
	"02 72"						/* rack_id "r" */
	"01 00 02 0263";			/* tag 0 cluster_id, 2 bytes: "c" */

static const char FE_REQ_V13[] =
	"ffffffff 000001f4 00000001 00100000 01 00000002 00000003"
	"02"
	"000102030405060708090a0b0c0d0e0f"	/* topic_id replaces the name */
	"02"
	"00000000 00000004 0000000000000005 00000006"
	"0000000000000007 00010000"
	"00"
	"00"
	"02"
	"101112131415161718191a1b1c1d1e1f"	/* forgotten: topic_id */
	"03 00000001 00000002 00"
	"02 72"
	"01 00 02 0263";

/* Consumer request in v12 with no cluster id: no tags at all */
static const char FE_REQ_V12_NO_CLUSTER[] =
	"ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff"
	"01"						/* topics: empty */
	"01"						/* forgotten: empty */
	"01"						/* rack_id "" */
	"00";

/* ... with an empty (not null) cluster id: the tag is written */
static const char FE_REQ_V12_EMPTY_CLUSTER[] =
	"ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff"
	"01 01 01"
	"01 00 01 01";				/* tag 0, 1 byte: compact "" */

/* ... with an explicit null cluster id tag: decodes, re-encodes without */
static const char FE_REQ_V12_NULL_CLUSTER_TAG[] =
	"ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff"
	"01 01 01"
	"01 00 01 00";				/* tag 0, 1 byte: compact null */

/* ---------------------------------------------------- response vectors */

/*
 * Canonical response:
 *	throttle_time_ms 7, error_code 0, session_id 11
 *	responses [{"t", topic_id 00..0f, [{partition_index 0, error_code 0,
 *				high_watermark 10, last_stable_offset 8, log_start_offset 1,
 *				diverging_epoch {epoch 2, end_offset 6},
 *				current_leader {leader_id 1, leader_epoch 3},
 *				snapshot_id default (omitted),
 *				aborted_transactions [{producer_id 4, first_offset 7}],
 *				preferred_read_replica 1, records aa bb cc}]}]
 */
static const char FE_RESP_V0[] =
	"00000001"					/* responses: 1 */
	"0001 74"					/* topic "t" */
	"00000001"					/* partitions: 1 */
	"00000000 0000"				/* partition_index 0, error_code 0 */
	"000000000000000a"			/* high_watermark 10 */
	"00000003 aabbcc";			/* records */

static const char FE_RESP_V1[] =
	"00000007"					/* throttle_time_ms 7 */
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"00000003 aabbcc";

static const char FE_RESP_V2[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"00000003 aabbcc";

static const char FE_RESP_V3[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"00000003 aabbcc";

static const char FE_RESP_V4[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008"			/* last_stable_offset 8 */
	"00000001"					/* aborted_transactions: 1 */
	"0000000000000004 0000000000000007"	/* producer 4, first offset 7 */
	"00000003 aabbcc";

static const char FE_RESP_V5[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008"
	"0000000000000001"			/* log_start_offset 1 */
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V6[] =
	"00000007"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V7[] =
	"00000007"
	"0000"						/* error_code 0 */
	"0000000b"					/* session_id 11 */
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V8[] =
	"00000007 0000 0000000b"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V9[] =
	"00000007 0000 0000000b"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V10[] =
	"00000007 0000 0000000b"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000003 aabbcc";

static const char FE_RESP_V11[] =
	"00000007 0000 0000000b"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"00000001 0000000000000004 0000000000000007"
	"00000001"					/* preferred_read_replica 1 */
	"00000003 aabbcc";

static const char FE_RESP_V12[] =
	"00000007 0000 0000000b"
	"02"						/* responses: compact, 1 */
	"02 74"						/* topic "t" */
	"02"						/* partitions: 1 */
	"00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"02 0000000000000004 0000000000000007 00"	/* aborted, compact */
	"00000001"
	"04 aabbcc"					/* records, compact */
	"02"						/* partition: two tagged fields */
	"00 0d"						/* tag 0 diverging_epoch, 13 bytes: */
	"00000002 0000000000000006 00"	/* epoch 2, end_offset 6, no tags */
	"01 09"						/* tag 1 current_leader, 9 bytes: */
	"00000001 00000003 00"		/* leader 1, epoch 3, no tags */
	"00"						/* topic: no tags */
	"00";						/* no tags */

static const char FE_RESP_V13[] =
	"00000007 0000 0000000b"
	"02"
	"000102030405060708090a0b0c0d0e0f"	/* topic_id replaces the name */
	"02"
	"00000000 0000 000000000000000a"
	"0000000000000008 0000000000000001"
	"02 0000000000000004 0000000000000007 00"
	"00000001"
	"04 aabbcc"
	"02 00 0d 00000002 0000000000000006 00 01 09 00000001 00000003 00"
	"00"
	"00";

/*
 * Partition-level special cases, v12: one topic "t" with one partition 0,
 * high_watermark 10, last_stable_offset 8, log_start_offset 1, no aborted
 * transactions, preferred_read_replica -1, records null; throttle 0,
 * session 0.
 */
#define FE_V12_HEAD \
	"00000000 0000 00000000 02 02 74 02" \
	"00000000 0000 000000000000000a 0000000000000008 0000000000000001" \
	"01 ffffffff 00"

/* all three sub-structs at their defaults: no tags */
static const char FE_RESP_V12_NO_TAGS[] =
	FE_V12_HEAD "00" "00 00";

/* snapshot_id only (tag 2) */
static const char FE_RESP_V12_SNAPSHOT[] =
	FE_V12_HEAD
	"01 02 0d"					/* one tag: 2, 13 bytes */
	"0000000000000009 00000005 00"	/* end_offset 9, epoch 5 */
	"00 00";

/* all three, ascending */
static const char FE_RESP_V12_ALL_TAGS[] =
	FE_V12_HEAD
	"03"
	"00 0d 00000002 0000000000000006 00"
	"01 09 00000001 00000003 00"
	"02 0d 0000000000000009 00000005 00"
	"00 00";

/* one sub-field off its default is enough: the whole struct is written */
static const char FE_RESP_V12_PARTIAL[] =
	FE_V12_HEAD
	"01 01 09 00000002 ffffffff 00"	/* current_leader {2, -1} */
	"00 00";

/* all three present on input but at their defaults: omitted on output */
static const char FE_RESP_V12_DEFAULT_TAGS[] =
	FE_V12_HEAD
	"03"
	"00 0d ffffffff ffffffffffffffff 00"
	"01 09 ffffffff ffffffff 00"
	"02 0d ffffffffffffffff ffffffff 00"
	"00 00";

/* unknown tags: in a sub-struct, in the partition, in the topic */
static const char FE_RESP_V12_UNKNOWN_TAGS[] =
	FE_V12_HEAD
	"02"
	"01 0c 00000001 00000003 01 07 01 ff"	/* current_leader + tag 7 */
	"09 02 abcd"				/* unknown tag 9 */
	"01 0a 00"					/* topic: unknown tag 10 */
	"00";

/* null vs empty aborted_transactions, null records */
static const char FE_RESP_V4_NULLS[] =
	"00000000"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008"
	"ffffffff"					/* aborted_transactions null */
	"ffffffff";					/* records null */

static const char FE_RESP_V4_EMPTY[] =
	"00000000"
	"00000001 0001 74 00000001 00000000 0000 000000000000000a"
	"0000000000000008"
	"00000000"					/* aborted_transactions empty */
	"00000000";					/* records empty */

static const char FE_RESP_V12_NULLS[] =
	"00000000 0000 00000000 02 02 74 02"
	"00000000 0000 000000000000000a 0000000000000008 0000000000000001"
	"00"						/* aborted_transactions null */
	"ffffffff"
	"00"						/* records null */
	"00 00 00";

/* top-level error, no topics (FETCH_SESSION_ID_NOT_FOUND) */
static const char FE_RESP_V7_ERROR[] = "00000000 0046 00000000 00000000";
static const char FE_RESP_V12_ERROR[] = "00000000 0046 00000000 01 00";

/* -------------------------------------------------------------- structs */

static const KpUuid topic_uuid = {{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
static const KpUuid forgotten_uuid = {{0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}};
static const KpUuid zero_uuid;
static const uint8_t rec_bytes[] = {0xaa, 0xbb, 0xcc};

static KpuMsg
fe_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_FetchRequest, v, v >= 12};

	return m;
}

static KpuMsg
fe_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_FetchResponse, v, v >= 12};

	return m;
}

static KpFetchPartition req_parts[1];
static KpFetchTopic req_topics[1];
static int32_t forgotten_parts[] = {1, 2};
static KpFetchForgottenTopic req_forgotten[1];

static void
canonical_request(KpFetchRequest *r)
{
	KpFetchPartition *p = &req_parts[0];

	p->partition = 0;
	p->current_leader_epoch = 4;
	p->fetch_offset = 5;
	p->last_fetched_epoch = 6;
	p->log_start_offset = 7;
	p->partition_max_bytes = 0x10000;
	req_topics[0].topic = "t";
	req_topics[0].topic_id = topic_uuid;
	req_topics[0].partitions_count = 1;
	req_topics[0].partitions = req_parts;
	req_forgotten[0].topic = "f";
	req_forgotten[0].topic_id = forgotten_uuid;
	req_forgotten[0].partitions_count = 2;
	req_forgotten[0].partitions = forgotten_parts;
	kp_struct_init_defaults(&kp_desc_FetchRequest, r);
	r->cluster_id = "c";
	r->replica_id = -1;
	r->max_wait_ms = 500;
	r->min_bytes = 1;
	r->max_bytes = 0x100000;
	r->isolation_level = 1;
	r->session_id = 2;
	r->session_epoch = 3;
	r->topics_count = 1;
	r->topics = req_topics;
	r->forgotten_topics_data_count = 1;
	r->forgotten_topics_data = req_forgotten;
	r->rack_id = "r";
}

/* A consumer's v12 request with no topics and every optional at default */
static void
empty_request(KpFetchRequest *r)
{
	kp_struct_init_defaults(&kp_desc_FetchRequest, r);
	r->max_wait_ms = 500;
	r->min_bytes = 1;
	r->rack_id = "";
}

static KpFetchAbortedTransaction resp_aborted[] = {
	{.producer_id = 4, .first_offset = 7},
};
static KpFetchPartitionData resp_parts[1];
static KpFetchableTopicResponse resp_topics[1];

static void
canonical_response(KpFetchResponse *r)
{
	KpFetchPartitionData *p = &resp_parts[0];

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, p);
	p->partition_index = 0;
	p->error_code = 0;
	p->high_watermark = 10;
	p->last_stable_offset = 8;
	p->log_start_offset = 1;
	p->diverging_epoch.epoch = 2;
	p->diverging_epoch.end_offset = 6;
	p->current_leader.leader_id = 1;
	p->current_leader.leader_epoch = 3;
	p->aborted_transactions_count = 1;
	p->aborted_transactions = resp_aborted;
	p->preferred_read_replica = 1;
	p->records.data = rec_bytes;
	p->records.len = 3;
	resp_topics[0].topic = "t";
	resp_topics[0].topic_id = topic_uuid;
	resp_topics[0].partitions_count = 1;
	resp_topics[0].partitions = resp_parts;
	kp_struct_init_defaults(&kp_desc_FetchResponse, r);
	r->throttle_time_ms = 7;
	r->error_code = 0;
	r->session_id = 11;
	r->responses_count = 1;
	r->responses = resp_topics;
}

/* The FE_V12_HEAD partition: tagged sub-structs at default, records null */
static void
plain_response(KpFetchResponse *r)
{
	KpFetchPartitionData *p = &resp_parts[0];

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, p);
	p->high_watermark = 10;
	p->last_stable_offset = 8;
	p->log_start_offset = 1;
	resp_topics[0].topic = "t";
	resp_topics[0].topic_id = zero_uuid;
	resp_topics[0].partitions_count = 1;
	resp_topics[0].partitions = resp_parts;
	kp_struct_init_defaults(&kp_desc_FetchResponse, r);
	r->responses_count = 1;
	r->responses = resp_topics;
}

/* ------------------------------------------------------------- checkers */

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
check_fetch_partition(const KpFetchPartition *got, const KpFetchPartition *exp,
					  int v)
{
	CHECK_INT(got->partition, exp->partition);
	CHECK_INT(got->current_leader_epoch, v >= 9 ? exp->current_leader_epoch : -1);
	CHECK_INT(got->fetch_offset, exp->fetch_offset);
	CHECK_INT(got->last_fetched_epoch, v >= 12 ? exp->last_fetched_epoch : -1);
	CHECK_INT(got->log_start_offset, v >= 5 ? exp->log_start_offset : -1);
	CHECK_INT(got->partition_max_bytes, exp->partition_max_bytes);
}

static void
check_fetch_topics(const KpFetchRequest *got, const KpFetchRequest *exp, int v)
{
	if (!CHECK_INT(got->topics_count, exp->topics_count))
		return;
	for (int i = 0; i < exp->topics_count; i++)
	{
		const KpFetchTopic *g = &got->topics[i];
		const KpFetchTopic *e = &exp->topics[i];

		CHECK_STR(g->topic, v <= 12 ? e->topic : NULL);
		CHECK_UUID(&g->topic_id, v >= 13 ? &e->topic_id : &zero_uuid);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
			check_fetch_partition(&g->partitions[j], &e->partitions[j], v);
	}
}

static void
check_forgotten(const KpFetchRequest *got, const KpFetchRequest *exp, int v)
{
	if (v < 7)
	{
		CHECK_INT(got->forgotten_topics_data_count, 0);
		return;
	}
	if (!CHECK_INT(got->forgotten_topics_data_count,
				   exp->forgotten_topics_data_count))
		return;
	for (int i = 0; i < exp->forgotten_topics_data_count; i++)
	{
		const KpFetchForgottenTopic *g = &got->forgotten_topics_data[i];
		const KpFetchForgottenTopic *e = &exp->forgotten_topics_data[i];

		CHECK_STR(g->topic, v <= 12 ? e->topic : NULL);
		CHECK_UUID(&g->topic_id, v >= 13 ? &e->topic_id : &zero_uuid);
		check_int32_array(g->partitions_count, g->partitions,
						  e->partitions_count, e->partitions);
	}
}

static void
check_fe_request(const KpFetchRequest *got, const KpFetchRequest *exp, int v)
{
	CHECK_STR(got->cluster_id, v >= 12 ? exp->cluster_id : NULL);
	CHECK_INT(got->replica_id, exp->replica_id);
	CHECK_INT(got->max_wait_ms, exp->max_wait_ms);
	CHECK_INT(got->min_bytes, exp->min_bytes);
	CHECK_INT(got->max_bytes, v >= 3 ? exp->max_bytes : INT32_MAX);
	CHECK_INT(got->isolation_level, v >= 4 ? exp->isolation_level : 0);
	CHECK_INT(got->session_id, v >= 7 ? exp->session_id : 0);
	CHECK_INT(got->session_epoch, v >= 7 ? exp->session_epoch : -1);
	check_fetch_topics(got, exp, v);
	check_forgotten(got, exp, v);
	CHECK_STR(got->rack_id, v >= 11 ? exp->rack_id : NULL);
}

static void
check_tagged_structs(const KpFetchPartitionData *got,
					 const KpFetchPartitionData *exp, int v)
{
	KpFetchPartitionData def;

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, &def);
	if (v < 12)
		exp = &def;
	CHECK_INT(got->diverging_epoch.epoch, exp->diverging_epoch.epoch);
	CHECK_INT(got->diverging_epoch.end_offset, exp->diverging_epoch.end_offset);
	CHECK_INT(got->current_leader.leader_id, exp->current_leader.leader_id);
	CHECK_INT(got->current_leader.leader_epoch, exp->current_leader.leader_epoch);
	CHECK_INT(got->snapshot_id.end_offset, exp->snapshot_id.end_offset);
	CHECK_INT(got->snapshot_id.epoch, exp->snapshot_id.epoch);
}

static void
check_aborted(const KpFetchPartitionData *got, const KpFetchPartitionData *exp,
			  int v)
{
	if (v < 4)
	{
		CHECK_INT(got->aborted_transactions_count, 0);
		return;
	}
	if (!CHECK_INT(got->aborted_transactions_count,
				   exp->aborted_transactions_count))
		return;
	if (got->aborted_transactions_count <= 0)
		CHECK_NULL(got->aborted_transactions);
	for (int i = 0; i < exp->aborted_transactions_count; i++)
	{
		CHECK_INT(got->aborted_transactions[i].producer_id,
				  exp->aborted_transactions[i].producer_id);
		CHECK_INT(got->aborted_transactions[i].first_offset,
				  exp->aborted_transactions[i].first_offset);
	}
}

static void
check_fe_partition(const KpFetchPartitionData *got,
				   const KpFetchPartitionData *exp, int v)
{
	CHECK_INT(got->partition_index, exp->partition_index);
	CHECK_INT(got->error_code, exp->error_code);
	CHECK_INT(got->high_watermark, exp->high_watermark);
	CHECK_INT(got->last_stable_offset, v >= 4 ? exp->last_stable_offset : -1);
	CHECK_INT(got->log_start_offset, v >= 5 ? exp->log_start_offset : -1);
	check_tagged_structs(got, exp, v);
	check_aborted(got, exp, v);
	CHECK_INT(got->preferred_read_replica,
			  v >= 11 ? exp->preferred_read_replica : -1);
	CHECK_KPBYTES(&got->records, &exp->records);
}

static void
check_fe_response(const KpFetchResponse *got, const KpFetchResponse *exp, int v)
{
	CHECK_INT(got->throttle_time_ms, v >= 1 ? exp->throttle_time_ms : 0);
	CHECK_INT(got->error_code, v >= 7 ? exp->error_code : 0);
	CHECK_INT(got->session_id, v >= 7 ? exp->session_id : 0);
	if (!CHECK_INT(got->responses_count, exp->responses_count))
		return;
	for (int i = 0; i < exp->responses_count; i++)
	{
		const KpFetchableTopicResponse *g = &got->responses[i];
		const KpFetchableTopicResponse *e = &exp->responses[i];

		CHECK_STR(g->topic, v <= 12 ? e->topic : NULL);
		CHECK_UUID(&g->topic_id, v >= 13 ? &e->topic_id : &zero_uuid);
		if (!CHECK_INT(g->partitions_count, e->partitions_count))
			continue;
		for (int j = 0; j < e->partitions_count; j++)
			check_fe_partition(&g->partitions[j], &e->partitions[j], v);
	}
}

/* ---------------------------------------------------- per-version tables */

static const char *const fe_req_vectors[14] = {
	FE_REQ_V0, FE_REQ_V1, FE_REQ_V2, FE_REQ_V3, FE_REQ_V4, FE_REQ_V5,
	FE_REQ_V6, FE_REQ_V7, FE_REQ_V8, FE_REQ_V9, FE_REQ_V10, FE_REQ_V11,
	FE_REQ_V12, FE_REQ_V13,
};

static const char *const fe_resp_vectors[14] = {
	FE_RESP_V0, FE_RESP_V1, FE_RESP_V2, FE_RESP_V3, FE_RESP_V4, FE_RESP_V5,
	FE_RESP_V6, FE_RESP_V7, FE_RESP_V8, FE_RESP_V9, FE_RESP_V10, FE_RESP_V11,
	FE_RESP_V12, FE_RESP_V13,
};

static void
fe_request_version(int16_t v)
{
	KpuMsg		m = fe_req(v);
	KpFetchRequest in;
	KpFetchRequest *d;

	canonical_request(&in);
	d = ROUNDTRIP(&m, &in, fe_req_vectors[v]);
	if (d == NULL)
		return;
	check_fe_request(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, fe_req_vectors[v]);
}

static void
fe_response_version(int16_t v)
{
	KpuMsg		m = fe_resp(v);
	KpFetchResponse in;
	KpFetchResponse *d;

	canonical_response(&in);
	d = ROUNDTRIP(&m, &in, fe_resp_vectors[v]);
	if (d == NULL)
		return;
	check_fe_response(d, &in, v);
	/* and the decoded struct encodes back to the same bytes */
	ENCODE_VEC(&m, d, fe_resp_vectors[v]);
}

#define FE_VERSION_TESTS(v) \
	KPU_TEST(fetch_v##v##_request) \
	{ \
		fe_request_version(v); \
	} \
	KPU_TEST(fetch_v##v##_response) \
	{ \
		fe_response_version(v); \
	}

FE_VERSION_TESTS(0)
FE_VERSION_TESTS(1)
FE_VERSION_TESTS(2)
FE_VERSION_TESTS(3)
FE_VERSION_TESTS(4)
FE_VERSION_TESTS(5)
FE_VERSION_TESTS(6)
FE_VERSION_TESTS(7)
FE_VERSION_TESTS(8)
FE_VERSION_TESTS(9)
FE_VERSION_TESTS(10)
FE_VERSION_TESTS(11)
FE_VERSION_TESTS(12)
FE_VERSION_TESTS(13)

KPU_TEST(fetch_api_table)
{
	KpuApi		exp = {KP_API_FETCH, "Fetch", 0, 13, 12,
	&kp_desc_FetchRequest, &kp_desc_FetchResponse};

	CHECK_API(&exp);
}

/* ------------------------------------------------ request tagged field */

KPU_TEST(fetch_v12_request_cluster_id_tag)
{
	KpuMsg		m = fe_req(12);
	KpFetchRequest in;
	KpFetchRequest *d;

	empty_request(&in);
	d = ROUNDTRIP(&m, &in, FE_REQ_V12_NO_CLUSTER);
	if (CHECK(d != NULL))
	{
		check_fe_request(d, &in, 12);
		CHECK_NULL(d->cluster_id);
		CHECK_INT(d->replica_id, -1);
	}
	/* "" differs from the default null: written */
	in.cluster_id = "";
	d = ROUNDTRIP(&m, &in, FE_REQ_V12_EMPTY_CLUSTER);
	if (CHECK(d != NULL))
		CHECK_STR(d->cluster_id, "");
	/* an explicit null tag decodes to null and is then omitted */
	d = DECODE_VEC(&m, FE_REQ_V12_NULL_CLUSTER_TAG);
	if (CHECK(d != NULL))
	{
		CHECK_NULL(d->cluster_id);
		ENCODE_VEC(&m, d, FE_REQ_V12_NO_CLUSTER);
	}
	PREFIXES_FAIL(&m, FE_REQ_V12_NULL_CLUSTER_TAG);
}

/* ------------------------------------------- response tagged sub-structs */

static void
fe_partition_case(const KpFetchPartitionData *p, const char *hex)
{
	KpuMsg		m = fe_resp(12);
	KpFetchResponse in;
	KpFetchResponse *d;

	plain_response(&in);
	resp_parts[0].diverging_epoch = p->diverging_epoch;
	resp_parts[0].current_leader = p->current_leader;
	resp_parts[0].snapshot_id = p->snapshot_id;
	d = ROUNDTRIP(&m, &in, hex);
	if (d != NULL)
		check_fe_response(d, &in, 12);
}

KPU_TEST(fetch_v12_response_tags_at_default_omitted)
{
	KpFetchPartitionData p;

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, &p);
	fe_partition_case(&p, FE_RESP_V12_NO_TAGS);
}

KPU_TEST(fetch_v12_response_snapshot_id_only)
{
	KpFetchPartitionData p;

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, &p);
	p.snapshot_id.end_offset = 9;
	p.snapshot_id.epoch = 5;
	fe_partition_case(&p, FE_RESP_V12_SNAPSHOT);
}

KPU_TEST(fetch_v12_response_all_tags)
{
	KpFetchPartitionData p;

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, &p);
	p.diverging_epoch.epoch = 2;
	p.diverging_epoch.end_offset = 6;
	p.current_leader.leader_id = 1;
	p.current_leader.leader_epoch = 3;
	p.snapshot_id.end_offset = 9;
	p.snapshot_id.epoch = 5;
	fe_partition_case(&p, FE_RESP_V12_ALL_TAGS);
}

KPU_TEST(fetch_v12_response_partial_sub_struct_written_whole)
{
	KpFetchPartitionData p;

	kp_struct_init_defaults(&kp_desc_FetchPartitionData, &p);
	p.current_leader.leader_id = 2;
	fe_partition_case(&p, FE_RESP_V12_PARTIAL);
}

KPU_TEST(fetch_v12_response_default_tags_on_input)
{
	KpuMsg		m = fe_resp(12);
	KpFetchResponse in;
	KpFetchResponse *d;

	plain_response(&in);
	d = DECODE_VEC(&m, FE_RESP_V12_DEFAULT_TAGS);
	REQUIRE(d != NULL);
	check_fe_response(d, &in, 12);
	PREFIXES_FAIL(&m, FE_RESP_V12_DEFAULT_TAGS);
	ENCODE_VEC(&m, d, FE_RESP_V12_NO_TAGS);
}

KPU_TEST(fetch_v12_response_unknown_tags_skipped)
{
	KpuMsg		m = fe_resp(12);
	KpFetchResponse in;
	KpFetchResponse *d;

	plain_response(&in);
	resp_parts[0].current_leader.leader_id = 1;
	resp_parts[0].current_leader.leader_epoch = 3;
	d = DECODE_VEC(&m, FE_RESP_V12_UNKNOWN_TAGS);
	REQUIRE(d != NULL);
	check_fe_response(d, &in, 12);
	PREFIXES_FAIL(&m, FE_RESP_V12_UNKNOWN_TAGS);
	ENCODE_VEC(&m, d, FE_V12_HEAD "01 01 09 00000001 00000003 00 00 00");
}

/* A tagged sub-struct shorter than its declared fields fails cleanly. */
KPU_TEST(fetch_v12_response_short_tagged_struct)
{
	KpuMsg		m = fe_resp(12);

	DECODE_FAILS(&m, FE_V12_HEAD "01 01 05 00000001 00 00 00",
				 "truncated input", "current_leader");
	DECODE_FAILS(&m, FE_V12_HEAD "01 00 0d 00000002", "truncated input", NULL);
}

/* ------------------------------------------- nulls, empties and errors */

KPU_TEST(fetch_v4_v12_response_null_and_empty)
{
	KpuMsg		m4 = fe_resp(4);
	KpuMsg		m12 = fe_resp(12);
	KpFetchResponse in;
	KpFetchResponse *d;

	plain_response(&in);
	resp_parts[0].aborted_transactions_count = -1;
	d = ROUNDTRIP(&m4, &in, FE_RESP_V4_NULLS);
	if (CHECK(d != NULL))
	{
		check_fe_response(d, &in, 4);
		CHECK_INT(d->responses[0].partitions[0].records.len, -1);
	}
	d = ROUNDTRIP(&m12, &in, FE_RESP_V12_NULLS);
	if (CHECK(d != NULL))
		check_fe_response(d, &in, 12);
	resp_parts[0].aborted_transactions_count = 0;
	resp_parts[0].records.data = rec_bytes;
	resp_parts[0].records.len = 0;
	d = ROUNDTRIP(&m4, &in, FE_RESP_V4_EMPTY);
	if (CHECK(d != NULL))
	{
		check_fe_response(d, &in, 4);
		CHECK_INT(d->responses[0].partitions[0].records.len, 0);
	}
}

KPU_TEST(fetch_v7_v12_response_top_level_error)
{
	KpuMsg		m7 = fe_resp(7);
	KpuMsg		m12 = fe_resp(12);
	KpFetchResponse in;
	KpFetchResponse *d;

	kp_struct_init_defaults(&kp_desc_FetchResponse, &in);
	in.error_code = 70;
	d = ROUNDTRIP(&m7, &in, FE_RESP_V7_ERROR);
	if (CHECK(d != NULL))
		check_fe_response(d, &in, 7);
	d = ROUNDTRIP(&m12, &in, FE_RESP_V12_ERROR);
	if (CHECK(d != NULL))
		check_fe_response(d, &in, 12);
}

/* Before v13 a topic has no id; from v13 it has no name. */
KPU_TEST(fetch_v13_topic_id_only)
{
	KpuMsg		m = fe_req(13);
	KpFetchRequest *d = DECODE_VEC(&m, FE_REQ_V13);

	REQUIRE(d != NULL);
	REQUIRE(d->topics_count == 1);
	CHECK_NULL(d->topics[0].topic);
	CHECK_UUID(&d->topics[0].topic_id, &topic_uuid);
	REQUIRE(d->forgotten_topics_data_count == 1);
	CHECK_NULL(d->forgotten_topics_data[0].topic);
}

/* ----------------------------------------------------- the records hook */

typedef struct HookLog
{
	int			calls;
	size_t		pos;			/* writer length when called */
	const uint8_t *data;
	int32_t		len;
} HookLog;

static void
log_records(void *arg, KpWriter *w, const KpBytes *b)
{
	HookLog    *log = arg;

	log->calls++;
	log->pos = w->len;
	log->data = b->data;
	log->len = b->len;
}

/* Encodes with the hook set; compares with hex (which lacks the records). */
static void
encode_with_hook(const KpuMsg *m, const KpFetchResponse *in, const char *hex,
				 HookLog *log)
{
	KpCodecCtx	ctx = {m->version, m->flexible, &kpu_allocator};
	size_t		len;
	uint8_t    *exp = kpu_hex(hex, &len);
	KpWriter	w;

	memset(log, 0, sizeof(*log));
	kp_writer_init(&w, &kpu_allocator, 1);
	w.records_hook = log_records;
	w.records_arg = log;
	if (!CHECK(kp_encode_struct(m->desc, &ctx, &w, in)))
		return;
	CHECK_BYTES(w.data, w.len, exp, len);
}

/*
 * With the hook set, the length prefix is written, the hook gets the
 * slice and the writer position right after the prefix, and the record
 * bytes themselves are not in the buffer.
 */
KPU_TEST(fetch_records_hook_v12)
{
	KpuMsg		m = fe_resp(12);
	KpFetchResponse in;
	HookLog		log;

	canonical_response(&in);
	encode_with_hook(&m, &in,
					 "00000007 0000 0000000b 02 02 74 02"
					 "00000000 0000 000000000000000a"
					 "0000000000000008 0000000000000001"
					 "02 0000000000000004 0000000000000007 00"
					 "00000001"
					 "04"		/* length prefix, then no bytes */
					 "02 00 0d 00000002 0000000000000006 00"
					 "01 09 00000001 00000003 00"
					 "00 00", &log);
	CHECK_INT(log.calls, 1);
	CHECK(log.data == rec_bytes);
	CHECK_INT(log.len, 3);
	/* 4+2+4 + 1+2 + 1 + 4+2+8 + 8+8 + 1+8+8+1 + 4 + 1 */
	CHECK_INT(log.pos, 67);
}

KPU_TEST(fetch_records_hook_v0_v11)
{
	KpuMsg		m0 = fe_resp(0);
	KpuMsg		m11 = fe_resp(11);
	KpFetchResponse in;
	HookLog		log;

	canonical_response(&in);
	encode_with_hook(&m0, &in,
					 "00000001 0001 74 00000001 00000000 0000 000000000000000a"
					 "00000003", &log);
	CHECK_INT(log.calls, 1);
	CHECK_INT(log.pos, 29);
	CHECK(log.data == rec_bytes);
	encode_with_hook(&m11, &in,
					 "00000007 0000 0000000b"
					 "00000001 0001 74 00000001 00000000 0000 000000000000000a"
					 "0000000000000008 0000000000000001"
					 "00000001 0000000000000004 0000000000000007"
					 "00000001 00000003", &log);
	CHECK_INT(log.calls, 1);
	CHECK_INT(log.len, 3);
}

/* Null and empty records have no payload: the hook is not called. */
KPU_TEST(fetch_records_hook_not_called_without_payload)
{
	KpuMsg		m4 = fe_resp(4);
	KpuMsg		m12 = fe_resp(12);
	KpFetchResponse in;
	HookLog		log;

	plain_response(&in);
	resp_parts[0].aborted_transactions_count = -1;
	encode_with_hook(&m4, &in, FE_RESP_V4_NULLS, &log);
	CHECK_INT(log.calls, 0);
	encode_with_hook(&m12, &in, FE_RESP_V12_NULLS, &log);
	CHECK_INT(log.calls, 0);
	resp_parts[0].aborted_transactions_count = 0;
	resp_parts[0].records.data = rec_bytes;
	resp_parts[0].records.len = 0;
	encode_with_hook(&m4, &in, FE_RESP_V4_EMPTY, &log);
	CHECK_INT(log.calls, 0);
}

/* Without the hook the bytes are copied (as in every roundtrip above). */
KPU_TEST(fetch_records_copied_without_hook)
{
	KpuMsg		m = fe_resp(12);
	KpFetchResponse in;

	canonical_response(&in);
	ENCODE_VEC(&m, &in, FE_RESP_V12);
}

/* Any single corrupted byte in any version: clean failure, never a crash. */
KPU_TEST(fetch_all_corrupt_bytes)
{
	KpuMsg		m12 = fe_resp(12);

	for (int16_t v = 0; v <= 13; v++)
	{
		KpuMsg		req = fe_req(v);
		KpuMsg		resp = fe_resp(v);

		CORRUPT_SAFELY(&req, fe_req_vectors[v]);
		CORRUPT_SAFELY(&resp, fe_resp_vectors[v]);
	}
	CORRUPT_SAFELY(&m12, FE_RESP_V12_ALL_TAGS);
	CORRUPT_SAFELY(&m12, FE_RESP_V12_UNKNOWN_TAGS);
}
