/*-------------------------------------------------------------------------
 *
 * test_batch.c
 *	  Unit tests for src/record/batch.c and build.c: building a batch and
 *	  validating it, header fields, every single-bit flip and truncation of
 *	  a valid batch rejected, record-level inconsistencies under a correct
 *	  CRC reported as INVALID_RECORD, unknown codecs, and the in-place
 *	  patches of append (base offset, leader epoch, LogAppendTime).
 *
 * Layouts: Kafka protocol guide, "Record Batch"; KIP-98.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "recutil.h"

static KpBatchError
validate(const uint8_t *p, size_t len, KpBatchHeader *h, const char **why)
{
	return kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, h, why);
}

/* Three records, timestamps out of order, one null key, one null value. */
static uint8_t *
three(int codec, size_t *len)
{
	KpRecordIn	r[3];

	r[0] = kpu_rin(1700000000000LL, "k0", "v0");
	r[1] = kpu_rin(1700000000500LL, NULL, "v1");
	r[2] = kpu_rin(1699999999000LL, "k2", NULL);
	return kpu_batch(r, 3, codec, 0, len);
}

KPU_TEST(batch_build_validate)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;
	const char *why = "unset";

	REQUIRE(p != NULL);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_NULL(why);
	CHECK_INT(h.base_offset, 0);
	CHECK_INT(h.batch_length, len - 12);
	CHECK_INT(h.partition_leader_epoch, -1);
	CHECK_INT(h.magic, 2);
	CHECK_INT(h.crc, kp_batch_compute_crc(p, len));
	CHECK_INT(h.attributes, 0);
	CHECK_INT(h.last_offset_delta, 2);
	CHECK_INT(h.base_timestamp, 1700000000000LL);
	CHECK_INT(h.max_timestamp, 1700000000500LL);
	CHECK_INT(h.producer_id, -1);
	CHECK_INT(h.producer_epoch, -1);
	CHECK_INT(h.base_sequence, -1);
	CHECK_INT(h.records_count, 3);
}

/* Header fields land at the documented byte offsets, big-endian. */
KPU_TEST(batch_header_layout)
{
	KpWriter	w;
	KpRecordIn	r = kpu_rin(0x0102030405060708LL, "k", "v");
	KpBatchHeader h;
	const char *why;
	uint8_t    *p;
	size_t		len;

	kp_writer_init(&w, &kpu_allocator, 16);
	REQUIRE(kp_batch_build(&w, &r, 1, KP_CODEC_NONE, 0x1122334455667788LL,
						   KP_ATTR_TRANSACTIONAL, 0x0a0b0c0d0e0f1011LL, 0x1213,
						   0x14151617));
	p = kpu_writer_copy(&w, &len);
	CHECK_INT(p[0], 0x11);
	CHECK_INT(p[7], 0x88);
	CHECK_INT(p[16], 2);
	CHECK_INT(p[21], 0x00);
	CHECK_INT(p[22], 0x10);
	CHECK_INT(p[27], 0x01);
	CHECK_INT(p[35], 0x01);
	CHECK_INT(p[43], 0x0a);
	CHECK_INT(p[51], 0x12);
	CHECK_INT(p[53], 0x14);
	CHECK_INT(p[60], 1);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.base_offset, 0x1122334455667788LL);
	CHECK_INT(h.attributes, KP_ATTR_TRANSACTIONAL);
	CHECK_INT(h.producer_id, 0x0a0b0c0d0e0f1011LL);
	CHECK_INT(h.producer_epoch, 0x1213);
	CHECK_INT(h.base_sequence, 0x14151617);
	CHECK_INT(h.base_timestamp, 0x0102030405060708LL);
}

KPU_TEST(batch_read_header_short)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;

	REQUIRE(p != NULL);
	CHECK(!kp_batch_read_header(p, 60, &h));
	CHECK(kp_batch_read_header(p, 61, &h));
	CHECK_INT(h.records_count, 3);
}

KPU_TEST(batch_total_size)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	uint8_t		hdr[12] = {0};

	REQUIRE(p != NULL);
	CHECK_INT(kp_batch_total_size(p, len), len);
	CHECK_INT(kp_batch_total_size(p, 12), len);
	CHECK_INT(kp_batch_total_size(p, 11), -1);
	hdr[11] = 13;
	CHECK_INT(kp_batch_total_size(hdr, 12), -1);
	hdr[11] = 14;
	CHECK_INT(kp_batch_total_size(hdr, 12), 26);
	memset(hdr + 8, 0xff, 4);
	CHECK_INT(kp_batch_total_size(hdr, 12), -1);
	hdr[8] = 0x7f;
	CHECK_INT(kp_batch_total_size(hdr, 12), 12 + (int64_t) INT32_MAX);
	CHECK_INT(kp_records_magic(p, len), 2);
	CHECK_INT(kp_records_magic(p, 17), 2);
	CHECK_INT(kp_records_magic(p, 16), -1);
}

KPU_TEST(batch_empty)
{
	size_t		len;
	uint8_t    *p = kpu_batch(NULL, 0, KP_CODEC_NONE, 0, &len);
	KpBatchHeader h;
	const char *why;

	REQUIRE(p != NULL);
	CHECK_INT(len, KP_BATCH_HEADER_SIZE);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.records_count, 0);
	CHECK_INT(h.last_offset_delta, -1);
	CHECK_INT(h.base_timestamp, -1);
	CHECK_INT(h.max_timestamp, -1);
	CHECK_INT(kpu_count_records(p, len), 0);
}

KPU_TEST(batch_control_and_transactional_accepted)
{
	KpWriter	w;
	KpRecordIn	r = kpu_rin(5, "\x00\x00\x00\x01", "");
	KpBatchHeader h;
	const char *why;
	uint8_t    *p;
	size_t		len;

	r.key.len = 4;
	kp_writer_init(&w, &kpu_allocator, 16);
	REQUIRE(kp_batch_build(&w, &r, 1, KP_CODEC_NONE, 0,
						   KP_ATTR_CONTROL | KP_ATTR_TRANSACTIONAL, 7, 1, -1));
	p = kpu_writer_copy(&w, &len);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.attributes, KP_ATTR_CONTROL | KP_ATTR_TRANSACTIONAL);
}

/* ------------------------------------------------------ corruption */

/*
 * Every single-bit flip in bytes the CRC or the framing covers is
 * KP_BATCH_CORRUPT; flips in the base offset and leader epoch (outside the
 * CRC by design) leave the batch valid.
 */
static void
check_bit_flips(const uint8_t *orig, size_t len)
{
	int			wrong = 0,
				base_ok = 0;

	for (size_t i = 0; i < len; i++)
	{
		for (int bit = 0; bit < 8; bit++)
		{
			uint8_t    *p = kpu_copy(orig, len);
			KpBatchHeader h;
			const char *why;
			KpBatchError err;

			p[i] ^= (uint8_t) (1 << bit);
			err = validate(p, len, &h, &why);
			if (i < 8 || (i >= 12 && i < 16))
				base_ok += (err == KP_BATCH_OK);
			else if (err != KP_BATCH_CORRUPT)
			{
				if (wrong++ < 5)
					CHECK_MSG(false, "flip of byte %zu bit %d gave %d (%s)",
							  i, bit, (int) err, why ? why : "");
			}
		}
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(base_ok, 12 * 8);
}

KPU_TEST(batch_bit_flips_rejected)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);

	REQUIRE(p != NULL);
	check_bit_flips(p, len);
}

KPU_TEST(batch_bit_flips_rejected_compressed)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_LZ4, &len);

	REQUIRE(p != NULL);
	check_bit_flips(p, len);
}

KPU_TEST(batch_truncations_rejected)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	int			wrong = 0;
	KpBatchHeader h;
	const char *why;
	uint8_t    *longer;

	REQUIRE(p != NULL);
	for (size_t n = 0; n < len; n++)
	{
		uint8_t    *q = kpu_copy(p, n);

		wrong += (validate(q, n, &h, &why) != KP_BATCH_CORRUPT);
		wrong += (kpu_count_records(q, n) != -1);
	}
	CHECK_INT(wrong, 0);
	/* one byte too many is as wrong as one too few */
	longer = kpu_malloc(len + 1);
	memcpy(longer, p, len);
	CHECK_INT(validate(longer, len + 1, &h, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "record batch length does not match its size");
}

KPU_TEST(batch_framing_reasons)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;
	const char *why;

	REQUIRE(p != NULL);
	CHECK_INT(validate(p, 60, &h, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "record batch shorter than its header");
	p[16] = 1;
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "record batch magic is not 2");
	p[16] = 2;
	p[len - 1] ^= 1;
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "record batch CRC mismatch");
}

/* ------------------------------------------- INVALID_RECORD, CRC intact */

/* Rewrites count and last offset delta of a valid batch, then its CRC. */
static KpBatchError
with_counts(int32_t count, int32_t last_delta, const char **why)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;
	KpWriter	w;

	kp_writer_init(&w, &kpu_allocator, 8);
	kp_write_int32(&w, count);
	kp_write_int32(&w, last_delta);
	memcpy(p + KP_BATCH_OFF_RECORDS_COUNT, w.data, 4);
	memcpy(p + KP_BATCH_OFF_LAST_DELTA, w.data + 4, 4);
	kp_batch_update_crc(p, len);
	return validate(p, len, &h, why);
}

KPU_TEST(batch_count_mismatch_invalid_record)
{
	const char *why;

	CHECK_INT(with_counts(3, 2, &why), KP_BATCH_OK);
	CHECK_INT(with_counts(2, 1, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "more records than the records count");
	CHECK_INT(with_counts(4, 3, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "fewer records than the records count");
	CHECK_INT(with_counts(0, -1, &why), KP_BATCH_INVALID_RECORD);
	CHECK_INT(with_counts(3, 5, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "last offset delta does not match the records count");
	CHECK_INT(with_counts(-1, -2, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "negative records count");
	CHECK_INT(with_counts(INT32_MAX, INT32_MAX - 1, &why), KP_BATCH_INVALID_RECORD);
}

/* A batch of records with the given offset deltas, count = n, lod = n-1. */
static KpBatchError
with_deltas(const int32_t *deltas, int n, const char **why)
{
	KpWriter	w;
	uint8_t    *p;
	size_t		len;
	KpBatchHeader h;

	kp_writer_init(&w, &kpu_allocator, 64);
	for (int i = 0; i < n; i++)
		kpu_raw_record(&w, i, deltas[i], kpu_str("k"), kpu_str("v"));
	p = kpu_raw_batch(w.data, w.len, n, n - 1, 0, &len);
	return validate(p, len, &h, why);
}

KPU_TEST(batch_offset_deltas)
{
	const int32_t good[] = {0, 1, 2};
	const int32_t gap[] = {0, 2, 3};
	const int32_t back[] = {0, 2, 1};
	const int32_t dup[] = {0, 0, 1};
	const int32_t neg[] = {-1, 0, 1};
	const char *why;

	CHECK_INT(with_deltas(good, 3, &why), KP_BATCH_OK);
	CHECK_INT(with_deltas(gap, 3, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "record offset delta differs from its position in the batch");
	CHECK_INT(with_deltas(back, 3, &why), KP_BATCH_INVALID_RECORD);
	CHECK_INT(with_deltas(dup, 3, &why), KP_BATCH_INVALID_RECORD);
	CHECK_INT(with_deltas(neg, 3, &why), KP_BATCH_INVALID_RECORD);
}

KPU_TEST(batch_unsupported_codec)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;
	const char *why;

	REQUIRE(p != NULL);
	for (int codec = 5; codec <= 7; codec++)
	{
		p[KP_BATCH_OFF_ATTRIBUTES + 1] = (uint8_t) codec;
		kp_batch_update_crc(p, len);
		CHECK_INT(validate(p, len, &h, &why), KP_BATCH_UNSUPPORTED_CODEC);
		CHECK_STR(why, "unknown compression codec");
	}
	/* a codec bit set on plain records: they do not decompress */
	p[KP_BATCH_OFF_ATTRIBUTES + 1] = KP_CODEC_GZIP;
	kp_batch_update_crc(p, len);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "invalid gzip data");
}

/*
 * Any single-byte change to the records section, with the CRC repaired,
 * is either still a valid batch or INVALID_RECORD; never a crash or an
 * out-of-bounds read (valgrind).
 */
KPU_TEST(batch_record_mutations_with_good_crc)
{
	KpRecordIn	r[2];
	KpBytes		hk[2],
				hv[2];
	size_t		len;
	uint8_t    *orig;
	const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
	int			wrong = 0,
				valid = 0;

	r[0] = kpu_rin(10, "key", "value");
	r[1] = kpu_rin(20, NULL, "v");
	hk[0] = kpu_str("h1");
	hv[0] = kpu_str("x");
	hk[1] = kpu_str("h2");
	hv[1] = kpu_str(NULL);
	r[1].headers_count = 2;
	r[1].header_keys = hk;
	r[1].header_values = hv;
	orig = kpu_batch(r, 2, KP_CODEC_NONE, 0, &len);
	REQUIRE(orig != NULL);
	for (size_t i = KP_BATCH_HEADER_SIZE; i < len; i++)
	{
		for (size_t v = 0; v < sizeof(values); v++)
		{
			uint8_t    *p = kpu_copy(orig, len);
			KpBatchHeader h;
			const char *why;
			KpBatchError err;

			if (p[i] == values[v])
				continue;
			p[i] = values[v];
			kp_batch_update_crc(p, len);
			err = validate(p, len, &h, &why);
			valid += (err == KP_BATCH_OK);
			wrong += (err != KP_BATCH_OK && err != KP_BATCH_INVALID_RECORD);
			wrong += (err == KP_BATCH_OK && kpu_count_records(p, len) != 2);
		}
	}
	CHECK_INT(wrong, 0);
	CHECK(valid > 0);			/* key/value bytes may change freely */
}

/* --------------------------------------------------------------- patches */

KPU_TEST(batch_set_base_offset_and_epoch)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	KpBatchHeader h;
	const char *why;
	uint32_t	crc;
	KpRecordIter it;
	KpRecord	rec;

	REQUIRE(p != NULL);
	crc = kp_batch_compute_crc(p, len);
	kp_batch_set_base_offset(p, 1000000007LL);
	kp_batch_set_leader_epoch(p, 42);
	CHECK_INT(kp_batch_compute_crc(p, len), crc);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.base_offset, 1000000007LL);
	CHECK_INT(h.partition_leader_epoch, 42);
	REQUIRE(kp_record_iter_init(&it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
	for (int i = 0; i < 3; i++)
	{
		REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
		CHECK_INT(rec.offset, 1000000007LL + i);
	}
}

static void
check_log_append_time(int codec)
{
	size_t		len;
	uint8_t    *p = three(codec, &len);
	KpBatchHeader h;
	const char *why;
	uint32_t	crc;
	KpRecordIter it;
	KpRecord	rec;
	int			n = 0;

	REQUIRE(p != NULL);
	crc = kp_batch_compute_crc(p, len);
	kp_batch_set_log_append_time(p, len, 1800000000000LL);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK(h.crc != crc);
	CHECK_INT(h.attributes, KP_ATTR_LOG_APPEND_TIME | codec);
	CHECK_INT(h.max_timestamp, 1800000000000LL);
	CHECK_INT(h.base_timestamp, 1700000000000LL);
	REQUIRE(kp_record_iter_init(&it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
	while (kp_record_iter_next(&it, &rec, &why) == 1)
	{
		CHECK_INT(rec.timestamp, 1800000000000LL);
		n++;
	}
	CHECK_INT(n, 3);
	/* idempotent; a second patch with a new time moves it again */
	crc = h.crc;
	kp_batch_set_log_append_time(p, len, 1800000000000LL);
	CHECK_INT(kp_batch_compute_crc(p, len), crc);
	kp_batch_set_log_append_time(p, len, 1800000000001LL);
	CHECK_INT(validate(p, len, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.max_timestamp, 1800000000001LL);
}

KPU_TEST(batch_log_append_time)
{
	check_log_append_time(KP_CODEC_NONE);
	check_log_append_time(KP_CODEC_ZSTD);
}

KPU_TEST(batch_create_time_timestamps)
{
	size_t		len;
	uint8_t    *p = three(KP_CODEC_NONE, &len);
	const int64_t exp[3] = {1700000000000LL, 1700000000500LL, 1699999999000LL};
	KpRecordIter it;
	KpRecord	rec;
	const char *why;

	REQUIRE(p != NULL);
	REQUIRE(kp_record_iter_init(&it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
	for (int i = 0; i < 3; i++)
	{
		REQUIRE(kp_record_iter_next(&it, &rec, &why) == 1);
		CHECK_INT(rec.timestamp, exp[i]);
	}
}

KPU_TEST(batch_build_rejects_bad_input)
{
	KpWriter	w;
	KpRecordIn	r = kpu_rin(1, "k", "v");
	KpBytes		hk = kpu_str(NULL),
				hv = kpu_str("x");

	kp_writer_init(&w, &kpu_allocator, 16);
	CHECK(!kp_batch_build(&w, &r, -1, KP_CODEC_NONE, 0, 0, -1, -1, -1));
	CHECK_STR(w.error, "negative record count");
	kp_writer_init(&w, &kpu_allocator, 16);
	CHECK(!kp_batch_build(&w, &r, 1, 9, 0, 0, -1, -1, -1));
	CHECK_STR(w.error, "unknown compression codec");
	CHECK_INT(w.len, 0);
	r.headers_count = 1;
	r.header_keys = &hk;
	r.header_values = &hv;
	kp_writer_init(&w, &kpu_allocator, 16);
	CHECK(!kp_batch_build(&w, &r, 1, KP_CODEC_NONE, 0, 0, -1, -1, -1));
	CHECK_STR(w.error, "null record header key");
}

/* Two batches appended to one writer are each valid, back to back. */
KPU_TEST(batch_build_appends)
{
	KpWriter	w;
	KpRecordIn	r = kpu_rin(1, "k", "v");
	KpBatchHeader h;
	const char *why;
	uint8_t    *p;
	size_t		len;
	int64_t		first;

	kp_writer_init(&w, &kpu_allocator, 16);
	kp_write_raw(&w, "xyz", 3);
	REQUIRE(kp_batch_build(&w, &r, 1, KP_CODEC_NONE, 0, 0, -1, -1, -1));
	REQUIRE(kp_batch_build(&w, &r, 1, KP_CODEC_GZIP, 1, 0, -1, -1, -1));
	p = kpu_writer_copy(&w, &len);
	first = kp_batch_total_size(p + 3, len - 3);
	REQUIRE(first > 0 && (size_t) first < len - 3);
	CHECK_INT(validate(kpu_copy(p + 3, first), first, &h, &why), KP_BATCH_OK);
	CHECK_INT(validate(kpu_copy(p + 3 + first, len - 3 - first),
					   len - 3 - first, &h, &why), KP_BATCH_OK);
	CHECK_INT(h.base_offset, 1);
	CHECK_INT(h.attributes, KP_CODEC_GZIP);
}
