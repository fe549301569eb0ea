/*-------------------------------------------------------------------------
 *
 * test_legacy.c
 *	  Unit tests for src/record/legacy.c: magic 0 and magic 1 message sets,
 *	  plain and inside gzip / snappy (raw and xerial) / lz4 wrappers,
 *	  converted to one v2 batch with keys, values and timestamps preserved;
 *	  CRC-32 mismatches, truncation, nesting, magic mismatches, codecs not
 *	  allowed in v0/v1, the decompression budget, and magic 0's broken LZ4
 *	  header checksum (KAFKA-3160).
 *
 * Message sets are written by recutil.c from the layout in Kafka's protocol
 * guide ("Message Sets"), independently of the code under test.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>

#include "recutil.h"

#define ERR_LIMIT "decompressed data exceeds the size limit"

typedef struct Expect
{
	int64_t		timestamp;
	const char *key;
	const char *value;
} Expect;

static KpBatchError
convert(const uint8_t *set, size_t len, size_t budget, uint8_t **out,
		size_t *out_len, const char **why)
{
	return kp_msgset_to_batch(kpu_copy(set, len), len, &kpu_allocator, budget,
							  out, out_len, why);
}

/* The converted batch is valid v2 and holds exactly the expected records. */
static void
check_batch(const uint8_t *batch, size_t len, const Expect *exp, int n)
{
	KpBatchHeader h;
	KpRecordIter it;
	KpRecord	rec;
	const char *why;
	int			bad = 0;
	uint8_t    *p = kpu_copy(batch, len);

	REQUIRE(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why)
			== KP_BATCH_OK);
	CHECK_INT(h.base_offset, 0);
	CHECK_INT(h.attributes, 0);
	CHECK_INT(h.producer_id, -1);
	CHECK_INT(h.producer_epoch, -1);
	CHECK_INT(h.base_sequence, -1);
	CHECK_INT(h.records_count, n);
	CHECK_INT(h.base_timestamp, exp[0].timestamp);
	REQUIRE(kp_record_iter_init(&it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
	for (int i = 0; i < n; i++)
	{
		if (!CHECK(kp_record_iter_next(&it, &rec, &why) == 1))
			return;
		bad += !CHECK_INT(rec.offset, i);
		bad += !CHECK_INT(rec.timestamp, exp[i].timestamp);
		bad += !CHECK_MSG(kpu_bytes_is(rec.key, exp[i].key), "record %d key", i);
		bad += !CHECK_MSG(kpu_bytes_is(rec.value, exp[i].value), "record %d value", i);
		CHECK_INT(rec.headers_count, 0);
	}
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
	CHECK_INT(bad, 0);
}

/* Converts and checks; reports the conversion error if any. */
static void
check_converts(const KpWriter *set, const Expect *exp, int n)
{
	uint8_t    *out;
	size_t		out_len;
	const char *why = NULL;
	KpBatchError err = convert(set->data, set->len, KPU_MAX_UNCOMPRESSED, &out,
							   &out_len, &why);

	if (!CHECK_MSG(err == KP_BATCH_OK, "conversion failed: %d %s", (int) err,
				   why ? why : ""))
		return;
	check_batch(out, out_len, exp, n);
}

static KpBatchError
convert_set(const KpWriter *set, const char **why)
{
	uint8_t    *out;
	size_t		out_len;

	return convert(set->data, set->len, KPU_MAX_UNCOMPRESSED, &out, &out_len, why);
}

static void
messages(KpWriter *w, int magic, const Expect *exp, int n)
{
	for (int i = 0; i < n; i++)
		kpu_legacy_message(w, magic, 0, i, exp[i].timestamp,
						   kpu_str(exp[i].key), kpu_str(exp[i].value));
}

static const Expect v1_records[] = {
	{1500000000000LL, "k0", "v0"},
	{1500000003000LL, NULL, "v1"},
	{1500000001000LL, "k2", NULL},
	{1500000002000LL, "", ""},
};

static const Expect v0_records[] = {
	{-1, "k0", "v0"},
	{-1, NULL, "v1"},
	{-1, "k2", NULL},
};

#define V1N 4
#define V0N 3

KPU_TEST(legacy_v0_plain)
{
	KpWriter	w;

	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 0, v0_records, V0N);
	check_converts(&w, v0_records, V0N);
}

KPU_TEST(legacy_v1_plain)
{
	KpWriter	w;
	uint8_t    *out;
	size_t		out_len;
	const char *why;
	KpBatchHeader h;

	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 1, v1_records, V1N);
	check_converts(&w, v1_records, V1N);
	REQUIRE(convert(w.data, w.len, 0, &out, &out_len, &why) == KP_BATCH_OK);
	REQUIRE(kp_batch_read_header(out, out_len, &h));
	CHECK_INT(h.max_timestamp, 1500000003000LL);
}

/* ------------------------------------------------------------- wrappers */

#define SNAPPY_XERIAL 100		/* test-only: snappy in xerial framing */

static uint8_t *
pack(int codec, const uint8_t *data, size_t len, size_t *packed_len)
{
	uint8_t    *out;
	const char *why;
	KpWriter	w;
	size_t		clen = snappy_max_compressed_length(len);
	char	   *c = kpu_malloc(clen);
	const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};

	if (codec != SNAPPY_XERIAL)
		return kp_compress(codec, data, len, &kpu_allocator, &out, packed_len, &why) ? out : NULL;
	if (snappy_compress((const char *) data, len, c, &clen) != SNAPPY_OK)
		return NULL;
	kp_writer_init(&w, &kpu_allocator, 64);
	kp_write_raw(&w, header, 16);
	kp_write_int32(&w, (int32_t) clen);
	kp_write_raw(&w, c, clen);
	*packed_len = w.len;
	return w.data;
}

/* Appends a wrapper message holding the inner set, compressed. */
static void
wrapper(KpWriter *w, int magic, int codec, int attributes, int64_t timestamp,
		const KpWriter *inner)
{
	size_t		len;
	uint8_t    *packed = pack(codec, inner->data, inner->len, &len);
	KpBytes		value = {packed, (int32_t) len};

	if (codec == SNAPPY_XERIAL)
		codec = KP_CODEC_SNAPPY;
	kpu_legacy_message(w, magic, codec | attributes, 0, timestamp,
					   kpu_str(NULL), value);
}

KPU_TEST(legacy_v1_wrappers)
{
	const int	codecs[] = {KP_CODEC_GZIP, KP_CODEC_SNAPPY, SNAPPY_XERIAL, KP_CODEC_LZ4};

	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++)
	{
		KpWriter	inner,
					w;

		kp_writer_init(&inner, &kpu_allocator, 64);
		messages(&inner, 1, v1_records, V1N);
		kp_writer_init(&w, &kpu_allocator, 64);
		wrapper(&w, 1, codecs[c], 0, 1500000003000LL, &inner);
		check_converts(&w, v1_records, V1N);
	}
}

KPU_TEST(legacy_v0_wrappers)
{
	const int	codecs[] = {KP_CODEC_GZIP, KP_CODEC_SNAPPY, SNAPPY_XERIAL, KP_CODEC_LZ4};

	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++)
	{
		KpWriter	inner,
					w;

		kp_writer_init(&inner, &kpu_allocator, 64);
		messages(&inner, 0, v0_records, V0N);
		kp_writer_init(&w, &kpu_allocator, 64);
		wrapper(&w, 0, codecs[c], 0, 0, &inner);
		check_converts(&w, v0_records, V0N);
	}
}

/* A LogAppendTime wrapper stamps its own timestamp on every inner message. */
KPU_TEST(legacy_v1_log_append_time_wrapper)
{
	KpWriter	inner,
				w;
	Expect		exp[V1N];

	for (int i = 0; i < V1N; i++)
	{
		exp[i] = v1_records[i];
		exp[i].timestamp = 1234567890123LL;
	}
	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 1, v1_records, V1N);
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0x08, 1234567890123LL, &inner);
	check_converts(&w, exp, V1N);
}

/*
 * KAFKA-3160: magic 0 LZ4 frames carry a wrong descriptor checksum, which
 * must be tolerated there and only there.
 */
KPU_TEST(legacy_lz4_header_checksum)
{
	KpWriter	inner,
				w;
	size_t		len;
	uint8_t    *frame;
	KpBytes		value;
	const char *why;

	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 0, v0_records, V0N);
	frame = pack(KP_CODEC_LZ4, inner.data, inner.len, &len);
	REQUIRE(frame != NULL && len > 7);
	CHECK_INT(frame[4] & 0x09, 0);	/* no content size, no dictionary id */
	frame[6] ^= 0x5a;			/* the HC byte */
	value.data = frame;
	value.len = (int32_t) len;
	kp_writer_init(&w, &kpu_allocator, 64);
	kpu_legacy_message(&w, 0, KP_CODEC_LZ4, 0, 0, kpu_str(NULL), value);
	check_converts(&w, v0_records, V0N);

	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 1, v1_records, V1N);
	frame = pack(KP_CODEC_LZ4, inner.data, inner.len, &len);
	frame[6] ^= 0x5a;
	value.data = frame;
	value.len = (int32_t) len;
	kp_writer_init(&w, &kpu_allocator, 64);
	kpu_legacy_message(&w, 1, KP_CODEC_LZ4, 0, 0, kpu_str(NULL), value);
	CHECK_INT(convert_set(&w, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "invalid lz4 data");
}

/* Plain v0, plain v1 and a v1 wrapper in one set, converted in order. */
KPU_TEST(legacy_mixed_set)
{
	KpWriter	inner,
				w;
	Expect		exp[4] = {
		{-1, "a", "0"},
		{77, "b", "1"},
		{88, "c", "2"},
		{99, NULL, "3"},
	};

	kp_writer_init(&w, &kpu_allocator, 64);
	kpu_legacy_message(&w, 0, 0, 0, 0, kpu_str("a"), kpu_str("0"));
	kpu_legacy_message(&w, 1, 0, 1, 77, kpu_str("b"), kpu_str("1"));
	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 1, exp + 2, 2);
	wrapper(&w, 1, KP_CODEC_SNAPPY, 0, 99, &inner);
	check_converts(&w, exp, 4);
}

/* ----------------------------------------------------------- corruption */

/* Every bit flip outside the offset fields is KP_BATCH_CORRUPT. */
KPU_TEST(legacy_bit_flips_rejected)
{
	KpWriter	w;
	size_t		first;
	int			wrong = 0,
				offset_ok = 0;

	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 1, v1_records, 2);
	first = (size_t) kp_batch_total_size(w.data, w.len);
	for (size_t i = 0; i < w.len; i++)
	{
		bool		in_offset = i < 8 || (i >= first && i < first + 8);

		for (int bit = 0; bit < 8; bit++)
		{
			uint8_t    *p = kpu_copy(w.data, w.len);
			uint8_t    *out;
			size_t		out_len;
			const char *why;
			KpBatchError err;

			p[i] ^= (uint8_t) (1 << bit);
			err = convert(p, w.len, KPU_MAX_UNCOMPRESSED, &out, &out_len, &why);
			if (in_offset)
				offset_ok += (err == KP_BATCH_OK);
			else if (err != KP_BATCH_CORRUPT && wrong++ < 5)
				CHECK_MSG(false, "flip of byte %zu bit %d gave %d", i, bit, (int) err);
		}
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(offset_ok, 2 * 64);
}

KPU_TEST(legacy_bad_crc)
{
	KpWriter	w,
				inner;
	const char *why;

	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 0, v0_records, 1);
	w.data[w.len - 1] ^= 1;		/* last value byte */
	CHECK_INT(convert_set(&w, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "message CRC mismatch");

	/* inside a wrapper */
	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 1, v1_records, 2);
	inner.data[inner.len - 1] ^= 1;
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0, 0, &inner);
	CHECK_INT(convert_set(&w, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "message CRC mismatch");
}

KPU_TEST(legacy_truncated)
{
	KpWriter	w;
	int			wrong = 0;
	const char *why;

	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 1, v1_records, V1N);
	for (size_t n = 1; n < w.len; n++)
	{
		uint8_t    *out;
		size_t		out_len;
		KpBatchError err = convert(w.data, n, KPU_MAX_UNCOMPRESSED, &out, &out_len, &why);

		/* a cut between messages leaves a shorter, valid set */
		if (err == KP_BATCH_OK)
			continue;
		wrong += (err != KP_BATCH_CORRUPT);
	}
	CHECK_INT(wrong, 0);
	kp_writer_init(&w, &kpu_allocator, 64);
	messages(&w, 1, v1_records, 1);
	w.len--;
	CHECK_INT(convert_set(&w, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "message set ends with a partial message");
	w.len = 0;
	CHECK_INT(convert_set(&w, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "empty message set");
}

/* A message with arbitrary bytes after its CRC (magic .. end), CRC correct. */
static void
raw_message(KpWriter *w, const uint8_t *body, size_t len)
{
	kp_write_int64(w, 0);
	kp_write_int32(w, (int32_t) (4 + len));
	kp_write_int32(w, (int32_t) crc32(0L, body, (uInt) len));
	kp_write_raw(w, body, len);
}

#define RAWMSG(...) \
	do \
	{ \
		const uint8_t body_[] = {__VA_ARGS__}; \
		kp_writer_init(&w, &kpu_allocator, 64); \
		raw_message(&w, body_, sizeof(body_)); \
		err = convert_set(&w, &why); \
	} while (0)

KPU_TEST(legacy_message_framing)
{
	KpWriter	w;
	KpBatchError err;
	const char *why;

	/* magic 0, attributes 0, key null, value "ab" */
	RAWMSG(0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 'a', 'b');
	CHECK_INT(err, KP_BATCH_OK);
	RAWMSG(2, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 'a', 'b');
	CHECK_INT(err, KP_BATCH_CORRUPT);
	CHECK_STR(why, "message magic is neither 0 nor 1");
	RAWMSG(0, 0, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 2, 'a', 'b');
	CHECK_INT(err, KP_BATCH_CORRUPT);
	CHECK_STR(why, "invalid message key or value length");
	RAWMSG(0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 'a', 'b');
	CHECK_INT(err, KP_BATCH_CORRUPT);
	CHECK_STR(why, "message fields overrun the message size");
	RAWMSG(0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'a', 'b');
	CHECK_INT(err, KP_BATCH_CORRUPT);
	CHECK_STR(why, "message size does not match its contents");
	/* magic 1 needs a timestamp */
	RAWMSG(1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	CHECK_INT(err, KP_BATCH_CORRUPT);
	/* size below the v0 minimum of 14 */
	RAWMSG(0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	CHECK_INT(err, KP_BATCH_CORRUPT);
	CHECK_STR(why, "message size below the minimum");
	/* codecs a v0/v1 message may not use */
	RAWMSG(1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'x');
	CHECK_INT(err, KP_BATCH_UNSUPPORTED_CODEC);
	RAWMSG(0, 7, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'x');
	CHECK_INT(err, KP_BATCH_UNSUPPORTED_CODEC);
	/* a wrapper with a null value, or an undecodable one */
	RAWMSG(0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	CHECK_INT(err, KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "compressed message has a null value");
	RAWMSG(0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'x');
	CHECK_INT(err, KP_BATCH_CORRUPT);
}

KPU_TEST(legacy_wrapper_errors)
{
	KpWriter	inner,
				w,
				deep;
	const char *why;

	/* nested compression */
	kp_writer_init(&deep, &kpu_allocator, 64);
	messages(&deep, 1, v1_records, 1);
	kp_writer_init(&inner, &kpu_allocator, 64);
	wrapper(&inner, 1, KP_CODEC_GZIP, 0, 0, &deep);
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0, 0, &inner);
	CHECK_INT(convert_set(&w, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "nested compressed message");

	/* inner magic differs */
	kp_writer_init(&inner, &kpu_allocator, 64);
	messages(&inner, 0, v0_records, 1);
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0, 0, &inner);
	CHECK_INT(convert_set(&w, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "inner message magic differs from its wrapper's");

	/* wrapper around nothing */
	kp_writer_init(&inner, &kpu_allocator, 64);
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0, 0, &inner);
	CHECK_INT(convert_set(&w, &why), KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "compressed message holds no messages");
}

/* The decompression budget covers the whole conversion. */
KPU_TEST(legacy_budget)
{
	KpWriter	inner,
				w;
	uint8_t    *big = kpu_malloc(6000);
	KpBytes		value = {big, 6000};
	uint8_t    *out;
	size_t		out_len;
	const char *why;

	kp_writer_init(&inner, &kpu_allocator, 64);
	kpu_legacy_message(&inner, 1, 0, 0, 1, kpu_str(NULL), value);
	kp_writer_init(&w, &kpu_allocator, 64);
	wrapper(&w, 1, KP_CODEC_GZIP, 0, 0, &inner);
	CHECK_INT(convert(w.data, w.len, 6100, &out, &out_len, &why), KP_BATCH_OK);
	CHECK_INT(convert(w.data, w.len, 5000, &out, &out_len, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, ERR_LIMIT);
	wrapper(&w, 1, KP_CODEC_LZ4, 0, 0, &inner);
	CHECK_INT(convert(w.data, w.len, 12200, &out, &out_len, &why), KP_BATCH_OK);
	CHECK_INT(convert(w.data, w.len, 10000, &out, &out_len, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, ERR_LIMIT);
}

/* A v2 batch is not a message set: the magic says so before the CRC. */
KPU_TEST(legacy_rejects_v2_batch)
{
	KpRecordIn	r = kpu_rin(1, "k", "v");
	size_t		len,
				out_len;
	uint8_t    *p = kpu_batch(&r, 1, KP_CODEC_NONE, 0, &len);
	uint8_t    *out;
	const char *why;

	REQUIRE(p != NULL);
	CHECK_INT(kp_msgset_to_batch(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED,
								 &out, &out_len, &why), KP_BATCH_CORRUPT);
	CHECK_STR(why, "message magic is neither 0 nor 1");
}

/* Recomputes the CRC of a set holding exactly one message. */
static void
fix_single_crc(uint8_t *p, size_t len)
{
	uint32_t	crc = (uint32_t) crc32(0L, p + 16, (uInt) (len - 16));

	p[12] = (uint8_t) (crc >> 24);
	p[13] = (uint8_t) (crc >> 16);
	p[14] = (uint8_t) (crc >> 8);
	p[15] = (uint8_t) crc;
}

/*
 * A wrapper whose compressed value is damaged under a good outer CRC fails
 * cleanly or converts to well-formed records; never crashes (valgrind).
 */
KPU_TEST(legacy_wrapper_mutations)
{
	const int	codecs[] = {KP_CODEC_GZIP, KP_CODEC_SNAPPY, SNAPPY_XERIAL, KP_CODEC_LZ4};

	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++)
	{
		KpWriter	inner,
					w;
		int			wrong = 0;

		kp_writer_init(&inner, &kpu_allocator, 64);
		messages(&inner, c % 2, c % 2 ? v1_records : v0_records, c % 2 ? V1N : V0N);
		kp_writer_init(&w, &kpu_allocator, 64);
		wrapper(&w, c % 2, codecs[c], 0, 0, &inner);
		/* value starts after offset, size, crc, magic, attributes, [ts,] key, length */
		for (size_t i = 26 + (c % 2 ? 8 : 0); i < w.len; i++)
		{
			uint8_t    *p = kpu_copy(w.data, w.len);
			uint8_t    *out;
			size_t		out_len;
			const char *why;
			KpBatchError err;

			p[i] ^= (uint8_t) (0x80 >> (i % 8));
			fix_single_crc(p, w.len);
			err = kp_msgset_to_batch(p, w.len, &kpu_allocator, 1 << 16, &out, &out_len, &why);
			if (err == KP_BATCH_OK)
				wrong += kpu_count_records(out, out_len) < 1;
		}
		CHECK_MSG(wrong == 0, "codec %d: %d bad conversions", codecs[c], wrong);
	}
}
