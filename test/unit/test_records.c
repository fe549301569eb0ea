/*-------------------------------------------------------------------------
 *
 * test_records.c
 *	  Unit tests for src/record/records.c: iterating records (offsets,
 *	  timestamps, null and empty keys and values, headers), the iterator's
 *	  framing checks, sticky errors, relaxed offset deltas, and every way a
 *	  record's varint framing can be inconsistent.
 *
 * Record layout: Kafka protocol guide, "Record"; KIP-98.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "recutil.h"

static bool
iter(KpRecordIter *it, const uint8_t *p, size_t len, const char **why)
{
	return kp_record_iter_init(it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, why);
}

KPU_TEST(records_keys_and_values)
{
	KpRecordIn	r[5];
	uint8_t		bin[4] = {0, 1, 0, 0xff};
	size_t		len;
	uint8_t    *p;
	KpRecordIter it;
	KpRecord	rec;
	const char *why;

	r[0] = kpu_rin(100, NULL, NULL);
	r[1] = kpu_rin(101, "", "");
	r[2] = kpu_rin(102, "key", NULL);
	r[3] = kpu_rin(103, NULL, "value");
	r[4] = kpu_rin(104, "k", "v");
	r[4].value.data = bin;
	r[4].value.len = 4;
	p = kpu_batch(r, 5, KP_CODEC_NONE, 50, &len);
	REQUIRE(p != NULL);
	REQUIRE(iter(&it, p, len, &why));

	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK_INT(rec.offset, 50);
	CHECK_INT(rec.timestamp, 100);
	CHECK(kpu_bytes_is(rec.key, NULL));
	CHECK(kpu_bytes_is(rec.value, NULL));
	CHECK_INT(rec.headers_count, 0);

	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK_INT(rec.offset, 51);
	CHECK(rec.key.len == 0 && rec.key.data != NULL);
	CHECK(rec.value.len == 0 && rec.value.data != NULL);

	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK(kpu_bytes_is(rec.key, "key"));
	CHECK(kpu_bytes_is(rec.value, NULL));

	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK(kpu_bytes_is(rec.key, NULL));
	CHECK(kpu_bytes_is(rec.value, "value"));

	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK_INT(rec.offset, 54);
	CHECK_INT(rec.timestamp, 104);
	CHECK_BYTES(rec.value.data, (size_t) rec.value.len, bin, 4);

	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
}

KPU_TEST(records_headers)
{
	KpRecordIn	r = kpu_rin(7, "k", "v");
	KpBytes		hk[3],
				hv[3],
				k,
				v;
	size_t		len;
	uint8_t    *p;
	KpRecordIter it;
	KpRecord	rec;
	const char *why;

	hk[0] = kpu_str("trace");
	hv[0] = kpu_str("abc");
	hk[1] = kpu_str("");
	hv[1] = kpu_str(NULL);
	hk[2] = kpu_str("empty");
	hv[2] = kpu_str("");
	r.headers_count = 3;
	r.header_keys = hk;
	r.header_values = hv;
	p = kpu_batch(&r, 1, KP_CODEC_NONE, 0, &len);
	REQUIRE(p != NULL);
	REQUIRE(iter(&it, p, len, &why));
	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK(kpu_bytes_is(rec.value, "v"));
	CHECK_INT(rec.headers_count, 3);
	REQUIRE(kp_record_header_next(&rec.headers, &k, &v) == 1);
	CHECK(kpu_bytes_is(k, "trace"));
	CHECK(kpu_bytes_is(v, "abc"));
	REQUIRE(kp_record_header_next(&rec.headers, &k, &v) == 1);
	CHECK(kpu_bytes_is(k, ""));
	CHECK(kpu_bytes_is(v, NULL));
	REQUIRE(kp_record_header_next(&rec.headers, &k, &v) == 1);
	CHECK(kpu_bytes_is(k, "empty"));
	CHECK(v.len == 0);
	CHECK_INT(kp_record_header_next(&rec.headers, &k, &v), 0);
	CHECK_INT(kp_record_header_next(&rec.headers, &k, &v), 0);
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
}

KPU_TEST(records_header_iter_malformed)
{
	/* key length -1 (null key) is not allowed; then a truncated value */
	const uint8_t null_key[] = {0x01, 0x00};
	const uint8_t short_value[] = {0x02, 'a', 0x06, 'x'};
	KpRecordHeaderIter hi;
	KpBytes		k,
				v;

	hi.p = null_key;
	hi.end = null_key + sizeof(null_key);
	hi.remaining = 1;
	CHECK_INT(kp_record_header_next(&hi, &k, &v), -1);
	hi.p = short_value;
	hi.end = short_value + sizeof(short_value);
	hi.remaining = 1;
	CHECK_INT(kp_record_header_next(&hi, &k, &v), -1);
	hi.remaining = 0;
	CHECK_INT(kp_record_header_next(&hi, &k, &v), 0);
}

/* Timestamp deltas may be negative; offsets and timestamps are exact. */
KPU_TEST(records_timestamps)
{
	KpRecordIn	r[4];
	const int64_t ts[4] = {INT64_C(1) << 40, (INT64_C(1) << 40) - 86400000, 0, (INT64_C(1) << 41)};
	size_t		len;
	uint8_t    *p;
	KpRecordIter it;
	KpRecord	rec;
	KpBatchHeader h;
	const char *why;

	for (int i = 0; i < 4; i++)
		r[i] = kpu_rin(ts[i], "k", "v");
	p = kpu_batch(r, 4, KP_CODEC_NONE, 0, &len);
	REQUIRE(p != NULL);
	REQUIRE(kp_batch_read_header(p, len, &h));
	CHECK_INT(h.base_timestamp, ts[0]);
	CHECK_INT(h.max_timestamp, ts[3]);
	REQUIRE(iter(&it, p, len, &why));
	for (int i = 0; i < 4; i++)
	{
		REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
		CHECK_INT(rec.timestamp, ts[i]);
		CHECK_INT(rec.offset, i);
	}
}

/* Value sizes crossing every varint length boundary */
KPU_TEST(records_many_sizes)
{
	const int	n = 300;
	KpRecordIn *r = kpu_malloc(n * sizeof(KpRecordIn));
	uint8_t    *blob = kpu_malloc(20000);
	size_t		len;
	uint8_t    *p;
	KpRecordIter it;
	KpRecord	rec;
	KpBatchHeader h;
	const char *why;
	int			bad = 0;

	kpu_random_bytes(blob, 20000, 7);
	for (int i = 0; i < n; i++)
	{
		r[i] = kpu_rin(1000 + i, NULL, NULL);
		r[i].value.data = blob;
		r[i].value.len = (i * 67) % 20000;
	}
	p = kpu_batch(r, n, KP_CODEC_NONE, 0, &len);
	REQUIRE(p != NULL);
	CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why),
			  KP_BATCH_OK);
	REQUIRE(iter(&it, p, len, &why));
	for (int i = 0; i < n; i++)
	{
		if (kp_record_iter_next(&it, &rec, &why) != 1)
		{
			bad++;
			break;
		}
		bad += (rec.value.len != r[i].value.len || rec.offset != i ||
				rec.timestamp != 1000 + i);
		bad += (rec.value.len > 0 && memcmp(rec.value.data, blob, rec.value.len) != 0);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
}

KPU_TEST(records_iter_init_errors)
{
	KpRecordIn	r = kpu_rin(1, "k", "v");
	size_t		len;
	uint8_t    *p = kpu_batch(&r, 1, KP_CODEC_NONE, 0, &len);
	KpRecordIter it;
	KpRecord	rec;
	const char *why;

	REQUIRE(p != NULL);
	CHECK(!iter(&it, p, 60, &why));
	CHECK_STR(why, "record batch shorter than its header");
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), -1);
	CHECK(!iter(&it, p, len - 1, &why));
	CHECK_STR(why, "record batch length does not match its size");
	p[16] = 1;
	CHECK(!iter(&it, p, len, &why));
	CHECK_STR(why, "record batch magic is not 2");
	p[16] = 2;
	p[22] = 6;
	CHECK(!iter(&it, p, len, &why));
	CHECK_STR(why, "unknown compression codec");
	p[22] = KP_CODEC_SNAPPY;
	CHECK(!iter(&it, p, len, &why));
	CHECK_STR(why, "invalid snappy data");
	/* the iterator does not check the CRC: that is validation's job */
	p[22] = 0;
	p[KP_BATCH_OFF_CRC] ^= 0xff;
	CHECK(iter(&it, p, len, &why));
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 1);
}

/* One raw record in a batch with count 1; returns the iterator's verdict. */
static int
one_raw(const uint8_t *record, size_t record_len, const char **why)
{
	size_t		len;
	uint8_t    *p = kpu_raw_batch(record, record_len, 1, 0, 0, &len);
	KpRecordIter it;
	KpRecord	rec;
	KpBatchHeader h;
	const char *vwhy;
	int			rc;

	if (!iter(&it, p, len, why))
		return -2;
	rc = kp_record_iter_next(&it, &rec, why);
	if (rc == 1)
		rc = kp_record_iter_next(&it, &rec, why) == 0 ? 1 : -1;
	/* validation must agree, as INVALID_RECORD */
	if ((kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &vwhy)
		 == KP_BATCH_OK) != (rc == 1))
		return -3;
	return rc;
}

#define RAW(...) \
	do \
	{ \
		const uint8_t raw_[] = {__VA_ARGS__}; \
		rc = one_raw(raw_, sizeof(raw_), &why); \
	} while (0)

/*
 * A valid record is: length 8 (varint 0x10), attributes 0, timestamp delta
 * 0, offset delta 0, key 'k' (length varint 0x02), value 'v', 0 headers.
 */
KPU_TEST(records_framing_errors)
{
	int			rc;
	const char *why;

	RAW(0x10, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0);
	CHECK_INT(rc, 1);
	RAW(0x01);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "negative record length");
	RAW(0x12, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "record length exceeds the batch");
	RAW(0x0e, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "record fields overrun the record length");
	RAW(0x12, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0, 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "record length does not match its contents");
	RAW(0x10, 0, 0, 0, 0x03, 'k', 0x02, 'v', 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "invalid record key length");
	RAW(0x10, 0, 0, 0, 0x02, 'k', 0x05, 'v', 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "invalid record value length");
	RAW(0x10, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0x01);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "negative record headers count");
	RAW(0x14, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0x02, 0x01, 0x00);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "invalid record header key length");
	RAW(0x14, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0x02, 0x00, 0x03);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "invalid record header value length");
	RAW(0x14, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0x04, 0x00, 0x01);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "record fields overrun the record length");
	/* one header: key "" and null value; record of 10 bytes */
	RAW(0x14, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0x02, 0x00, 0x01);
	CHECK_INT(rc, 1);
	/* a six-byte varint length */
	RAW(0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "malformed record length");
	/* offset delta 1 in a batch whose last offset delta is 0 */
	RAW(0x10, 0, 0, 0x02, 0x02, 'k', 0x02, 'v', 0);
	CHECK_INT(rc, -1);
	CHECK_STR(why, "record offset delta beyond the batch's last offset delta");
}

/* Errors are sticky: the same message on every later call. */
KPU_TEST(records_iter_error_sticky)
{
	const uint8_t raw[] = {0x10, 0, 0, 0, 0x03, 'k', 0x02, 'v', 0};
	size_t		len;
	uint8_t    *p = kpu_raw_batch(raw, sizeof(raw), 1, 0, 0, &len);
	KpRecordIter it;
	KpRecord	rec;
	const char *why;

	REQUIRE(iter(&it, p, len, &why));
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), -1);
	CHECK_STR(why, "invalid record key length");
	why = NULL;
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), -1);
	CHECK_STR(why, "invalid record key length");
}

/*
 * The iterator (for stored batches) accepts increasing deltas with gaps,
 * as compacted Kafka batches have; validation (for produce) does not.
 */
KPU_TEST(records_iter_relaxed_deltas)
{
	KpWriter	w;
	uint8_t    *p;
	size_t		len;
	KpRecordIter it;
	KpRecord	rec;
	KpBatchHeader h;
	const char *why;

	kp_writer_init(&w, &kpu_allocator, 64);
	kpu_raw_record(&w, 0, 0, kpu_str("a"), kpu_str("1"));
	kpu_raw_record(&w, 5, 3, kpu_str("b"), kpu_str("2"));
	p = kpu_raw_batch(w.data, w.len, 2, 3, 0, &len);
	kp_batch_set_base_offset(p, 10);
	CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why),
			  KP_BATCH_INVALID_RECORD);
	REQUIRE(iter(&it, p, len, &why));
	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK_INT(rec.offset, 10);
	CHECK_INT(rec.timestamp, 1000);
	REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
	CHECK_INT(rec.offset, 13);
	CHECK_INT(rec.timestamp, 1005);
	CHECK(kpu_bytes_is(rec.key, "b"));
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);

	/* but never decreasing */
	kp_writer_init(&w, &kpu_allocator, 64);
	kpu_raw_record(&w, 0, 2, kpu_str("a"), kpu_str("1"));
	kpu_raw_record(&w, 0, 1, kpu_str("b"), kpu_str("2"));
	p = kpu_raw_batch(w.data, w.len, 2, 3, 0, &len);
	REQUIRE(iter(&it, p, len, &why));
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 1);
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), -1);
	CHECK_STR(why, "record offset deltas do not increase");
}
