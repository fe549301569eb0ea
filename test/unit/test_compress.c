/*-------------------------------------------------------------------------
 *
 * test_compress.c
 *	  Unit tests for src/record/compress.c: every codec round-trips, the
 *	  output bound holds exactly (max_out passes, max_out - 1 fails, bombs
 *	  fail cleanly), snappy's xerial framing, zstd frames without a content
 *	  size, concatenated gzip members, truncated and garbage input, and
 *	  compressed batches that validate and iterate.
 *
 * Independent encoders (snappy-c, zstd, zlib called directly) produce the
 * inputs the library did not write itself.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "recutil.h"

#define ERR_LIMIT "decompressed data exceeds the size limit"

static const int codecs[] = {KP_CODEC_NONE, KP_CODEC_GZIP, KP_CODEC_SNAPPY,
KP_CODEC_LZ4, KP_CODEC_ZSTD};

#define NCODECS ((int) (sizeof(codecs) / sizeof(codecs[0])))

static bool
unpack(int codec, const uint8_t *in, size_t in_len, size_t max_out,
	   uint8_t **out, size_t *out_len, const char **why)
{
	/* exact-size input so that valgrind sees overreads */
	return kp_decompress(codec, kpu_copy(in, in_len), in_len, &kpu_allocator,
						 max_out, out, out_len, why);
}

/* Compress, then decompress with the exact bound and one byte less. */
static void
roundtrip(int codec, const uint8_t *data, size_t len)
{
	uint8_t    *packed,
			   *plain;
	size_t		packed_len,
				plain_len;
	const char *why = "";
	bool		ok;

	ok = kp_compress(codec, data, len, &kpu_allocator, &packed, &packed_len, &why);
	if (!CHECK_MSG(ok, "%s compress %zu bytes: %s", kp_codec_name(codec), len, why))
		return;
	ok = unpack(codec, packed, packed_len, len, &plain, &plain_len, &why);
	if (!CHECK_MSG(ok, "%s decompress %zu bytes: %s", kp_codec_name(codec), len, why))
		return;
	CHECK_BYTES(plain, plain_len, data, len);
	if (len > 0)
	{
		CHECK_MSG(!unpack(codec, packed, packed_len, len - 1, &plain, &plain_len, &why),
				  "%s: %zu bytes fit in %zu", kp_codec_name(codec), len, len - 1);
		CHECK_STR(why, ERR_LIMIT);
	}
}

KPU_TEST(compress_roundtrip_every_codec)
{
	const size_t sizes[] = {0, 1, 100, 4096, 70000, 300000};
	uint8_t    *random = kpu_malloc(300000);
	uint8_t    *text = kpu_malloc(300000);

	kpu_random_bytes(random, 300000, 42);
	for (size_t i = 0; i < 300000; i++)
		text[i] = "the quick brown fox "[i % 20] ^ (uint8_t) (i / 4000);
	for (int c = 0; c < NCODECS; c++)
	{
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		{
			roundtrip(codecs[c], random, sizes[s]);
			roundtrip(codecs[c], text, sizes[s]);
		}
	}
}

KPU_TEST(compress_codec_names_and_unknown)
{
	uint8_t    *out;
	size_t		out_len;
	const char *why;

	CHECK_STR(kp_codec_name(KP_CODEC_SNAPPY), "snappy");
	CHECK_STR(kp_codec_name(9), "unknown");
	CHECK(!kp_compress(5, (const uint8_t *) "x", 1, &kpu_allocator, &out, &out_len, &why));
	CHECK_STR(why, "unknown compression codec");
	CHECK(!kp_decompress(-1, (const uint8_t *) "x", 1, &kpu_allocator, 10, &out, &out_len, &why));
	CHECK_STR(why, "unknown compression codec");
}

/* 8 MB of zeros squeezed by each codec, opened with a 256 kB bound. */
KPU_TEST(compress_bomb_fails_cleanly)
{
	size_t		big = 8 << 20;
	uint8_t    *zeros = kpu_malloc(big);

	for (int c = 1; c < NCODECS; c++)
	{
		uint8_t    *packed,
				   *plain;
		size_t		packed_len,
					plain_len;
		const char *why;

		REQUIRE(kp_compress(codecs[c], zeros, big, &kpu_allocator, &packed,
							&packed_len, &why));
		CHECK(packed_len < big / 10);
		CHECK(!unpack(codecs[c], packed, packed_len, 256 << 10, &plain, &plain_len, &why));
		CHECK_STR(why, ERR_LIMIT);
		CHECK(!unpack(codecs[c], packed, packed_len, 0, &plain, &plain_len, &why));
		CHECK_STR(why, ERR_LIMIT);
	}
}

/* A raw snappy block whose header announces 4 GB must not be trusted. */
KPU_TEST(compress_snappy_lying_length)
{
	const uint8_t lie[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
	uint8_t    *out;
	size_t		out_len;
	const char *why;

	CHECK(!unpack(KP_CODEC_SNAPPY, lie, sizeof(lie), 1 << 20, &out, &out_len, &why));
	CHECK_STR(why, ERR_LIMIT);
}

/* --------------------------------------------------------------- snappy */

/* xerial/snappy-java stream of data in blocks of block bytes */
static uint8_t *
xerial(const uint8_t *data, size_t len, size_t block, size_t *out_len)
{
	KpWriter	w;
	const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};

	kp_writer_init(&w, &kpu_allocator, 64);
	kp_write_raw(&w, header, 16);
	for (size_t pos = 0; pos < len; pos += block)
	{
		size_t		n = len - pos < block ? len - pos : block;
		size_t		clen = snappy_max_compressed_length(n);
		char	   *c = kpu_malloc(clen);

		if (snappy_compress((const char *) data + pos, n, c, &clen) != SNAPPY_OK)
			return NULL;
		kp_write_int32(&w, (int32_t) clen);
		kp_write_raw(&w, c, clen);
	}
	return kpu_writer_copy(&w, out_len);
}

KPU_TEST(compress_snappy_xerial)
{
	size_t		len = 100000,
				xlen,
				out_len;
	uint8_t    *data = kpu_malloc(len);
	uint8_t    *x,
			   *out;
	const char *why;
	KpWriter	w;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t) (i % 251);
	x = xerial(data, len, 32768, &xlen);
	REQUIRE(x != NULL);
	REQUIRE(unpack(KP_CODEC_SNAPPY, x, xlen, len, &out, &out_len, &why));
	CHECK_BYTES(out, out_len, data, len);
	CHECK(!unpack(KP_CODEC_SNAPPY, x, xlen, len - 1, &out, &out_len, &why));
	CHECK_STR(why, ERR_LIMIT);

	/* empty stream: header only */
	REQUIRE(unpack(KP_CODEC_SNAPPY, x, 16, 10, &out, &out_len, &why));
	CHECK_INT(out_len, 0);

	/* a cut inside a block length or a block */
	CHECK(!unpack(KP_CODEC_SNAPPY, x, 18, len, &out, &out_len, &why));
	CHECK_STR(why, "xerial snappy block truncated");
	CHECK(!unpack(KP_CODEC_SNAPPY, x, xlen - 1, len, &out, &out_len, &why));

	/* two streams back to back (snappy-java reads concatenations) */
	kp_writer_init(&w, &kpu_allocator, 2 * xlen);
	kp_write_raw(&w, x, xlen);
	kp_write_raw(&w, x, xlen);
	REQUIRE(unpack(KP_CODEC_SNAPPY, w.data, w.len, 2 * len, &out, &out_len, &why));
	CHECK_INT(out_len, 2 * len);
	CHECK_BYTES(out + len, out_len - len, data, len);
}

/* ----------------------------------------------------------------- zstd */

KPU_TEST(compress_zstd_without_content_size)
{
	size_t		len = 200000,
				out_len;
	uint8_t    *data = kpu_malloc(len);
	size_t		cap = ZSTD_compressBound(len);
	uint8_t    *c = kpu_malloc(cap),
			   *out;
	ZSTD_CCtx  *cctx = ZSTD_createCCtx();
	size_t		clen;
	const char *why;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t) ((i * 7) % 13);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
	clen = ZSTD_compress2(cctx, c, cap, data, len);
	ZSTD_freeCCtx(cctx);
	REQUIRE(!ZSTD_isError(clen));
	CHECK(ZSTD_getFrameContentSize(c, clen) == ZSTD_CONTENTSIZE_UNKNOWN);
	REQUIRE(unpack(KP_CODEC_ZSTD, c, clen, len, &out, &out_len, &why));
	CHECK_BYTES(out, out_len, data, len);
	CHECK(!unpack(KP_CODEC_ZSTD, c, clen, len - 1, &out, &out_len, &why));
	CHECK_STR(why, ERR_LIMIT);
}

/* Concatenated zstd frames decode as one payload. */
KPU_TEST(compress_zstd_two_frames)
{
	uint8_t    *a,
			   *b,
			   *out;
	size_t		alen,
				blen,
				out_len;
	const char *why;
	KpWriter	w;

	REQUIRE(kp_compress(KP_CODEC_ZSTD, (const uint8_t *) "hello ", 6, &kpu_allocator, &a, &alen, &why));
	REQUIRE(kp_compress(KP_CODEC_ZSTD, (const uint8_t *) "world", 5, &kpu_allocator, &b, &blen, &why));
	kp_writer_init(&w, &kpu_allocator, 64);
	kp_write_raw(&w, a, alen);
	kp_write_raw(&w, b, blen);
	REQUIRE(unpack(KP_CODEC_ZSTD, w.data, w.len, 100, &out, &out_len, &why));
	CHECK_BYTES(out, out_len, (const uint8_t *) "hello world", 11);
}

/* ----------------------------------------------------------------- gzip */

KPU_TEST(compress_gzip_two_members)
{
	uint8_t    *a,
			   *b,
			   *out;
	size_t		alen,
				blen,
				out_len;
	const char *why;
	KpWriter	w;

	REQUIRE(kp_compress(KP_CODEC_GZIP, (const uint8_t *) "abc", 3, &kpu_allocator, &a, &alen, &why));
	REQUIRE(kp_compress(KP_CODEC_GZIP, (const uint8_t *) "def", 3, &kpu_allocator, &b, &blen, &why));
	CHECK_INT(a[0], 0x1f);
	CHECK_INT(a[1], 0x8b);
	kp_writer_init(&w, &kpu_allocator, 64);
	kp_write_raw(&w, a, alen);
	kp_write_raw(&w, b, blen);
	REQUIRE(unpack(KP_CODEC_GZIP, w.data, w.len, 100, &out, &out_len, &why));
	CHECK_BYTES(out, out_len, (const uint8_t *) "abcdef", 6);
	/* a zlib (not gzip) stream is rejected, as Java's GZIPInputStream does */
	{
		uint8_t		z[64];
		uLongf		zlen = sizeof(z);

		REQUIRE(compress(z, &zlen, (const Bytef *) "abc", 3) == Z_OK);
		CHECK(!unpack(KP_CODEC_GZIP, z, zlen, 100, &out, &out_len, &why));
		CHECK_STR(why, "invalid gzip data");
	}
}

/* ----------------------------------------------------- truncation, junk */

KPU_TEST(compress_truncated_and_garbage)
{
	size_t		len = 5000;
	uint8_t    *data = kpu_malloc(len);
	uint8_t    *junk = kpu_malloc(512);

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t) (i % 61);
	kpu_random_bytes(junk, 512, 99);
	for (int c = 1; c < NCODECS; c++)
	{
		uint8_t    *packed,
				   *out;
		size_t		packed_len,
					out_len;
		const char *why;
		int			accepted = 0;

		REQUIRE(kp_compress(codecs[c], data, len, &kpu_allocator, &packed, &packed_len, &why));
		for (size_t n = 0; n < packed_len; n++)
			accepted += unpack(codecs[c], packed, n, len, &out, &out_len, &why);
		CHECK_MSG(accepted == 0, "%s: %d truncations accepted", kp_codec_name(codecs[c]), accepted);
		for (size_t n = 1; n <= 512; n *= 2)
			CHECK(!unpack(codecs[c], junk, n, 1 << 20, &out, &out_len, &why));
		/* trailing garbage after a complete payload */
		{
			uint8_t    *tail = kpu_malloc(packed_len + 3);

			memcpy(tail, packed, packed_len);
			memcpy(tail + packed_len, "xyz", 3);
			CHECK_MSG(!unpack(codecs[c], tail, packed_len + 3, len, &out, &out_len, &why),
					  "%s: trailing garbage accepted", kp_codec_name(codecs[c]));
		}
	}
}

/* ------------------------------------------------------ compressed batches */

KPU_TEST(compress_batches_validate_and_iterate)
{
	KpRecordIn	r[20];
	char		keys[20][16],
				values[20][64];

	for (int i = 0; i < 20; i++)
	{
		snprintf(keys[i], sizeof(keys[i]), "key-%d", i);
		snprintf(values[i], sizeof(values[i]), "value %d value %d value %d", i, i, i);
		r[i] = kpu_rin(1600000000000LL + i * 3, i % 4 == 3 ? NULL : keys[i], values[i]);
	}
	for (int c = 0; c < NCODECS; c++)
	{
		size_t		len;
		uint8_t    *p = kpu_batch(r, 20, codecs[c], 500, &len);
		KpBatchHeader h;
		KpRecordIter it;
		KpRecord	rec;
		const char *why;
		int			bad = 0;

		REQUIRE(p != NULL);
		CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why),
				  KP_BATCH_OK);
		CHECK_INT(h.attributes & KP_ATTR_COMPRESSION_MASK, codecs[c]);
		REQUIRE(kp_record_iter_init(&it, p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
		for (int i = 0; i < 20; i++)
		{
			if (kp_record_iter_next(&it, &rec, &why) != 1)
			{
				bad++;
				break;
			}
			bad += rec.offset != 500 + i || rec.timestamp != 1600000000000LL + i * 3;
			bad += !kpu_bytes_is(rec.key, i % 4 == 3 ? NULL : keys[i]);
			bad += !kpu_bytes_is(rec.value, values[i]);
		}
		CHECK_MSG(bad == 0, "%s batch iterated wrongly", kp_codec_name(codecs[c]));
		CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
		if (codecs[c] != KP_CODEC_NONE)
		{
			/* too small a bound for the records: corrupt, cleanly */
			CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, 100, &h, &why),
					  KP_BATCH_CORRUPT);
			CHECK_STR(why, ERR_LIMIT);
		}
	}
}

/* A compressed batch whose records disagree with its count: INVALID_RECORD */
KPU_TEST(compress_batch_count_mismatch)
{
	KpRecordIn	r[3];
	size_t		len;
	uint8_t    *p;
	KpBatchHeader h;
	const char *why;

	r[0] = kpu_rin(1, "a", "1");
	r[1] = kpu_rin(2, "b", "2");
	r[2] = kpu_rin(3, "c", "3");
	p = kpu_batch(r, 3, KP_CODEC_GZIP, 0, &len);
	REQUIRE(p != NULL);
	p[KP_BATCH_OFF_RECORDS_COUNT + 3] = 2;
	p[KP_BATCH_OFF_LAST_DELTA + 3] = 1;
	kp_batch_update_crc(p, len);
	CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why),
			  KP_BATCH_INVALID_RECORD);
	CHECK_STR(why, "more records than the records count");
}

/*
 * Damaged compressed payloads under a repaired CRC: every codec's decoder
 * and the record parser behind it must fail cleanly (or, rarely, accept a
 * payload that still decodes to well-formed records) -- never crash or
 * read out of bounds (valgrind).
 */
KPU_TEST(compress_batch_payload_mutations)
{
	KpRecordIn	r[6];

	for (int i = 0; i < 6; i++)
		r[i] = kpu_rin(i, "some key", "some value, some value, some value");
	for (int c = 1; c < NCODECS; c++)
	{
		size_t		len;
		uint8_t    *orig = kpu_batch(r, 6, codecs[c], 0, &len);
		int			wrong = 0;

		REQUIRE(orig != NULL);
		for (size_t i = KP_BATCH_HEADER_SIZE; i < len; i++)
		{
			uint8_t    *p = kpu_copy(orig, len);
			KpBatchHeader h;
			const char *why;
			KpBatchError err;

			p[i] ^= (uint8_t) (0x01 << (i % 8));
			kp_batch_update_crc(p, len);
			err = kp_batch_validate(p, len, &kpu_allocator, 1 << 16, &h, &why);
			wrong += (err == KP_BATCH_UNSUPPORTED_CODEC);
			wrong += (err == KP_BATCH_OK && kpu_count_records(p, len) != 6);
		}
		CHECK_MSG(wrong == 0, "%s: %d wrong verdicts", kp_codec_name(codecs[c]), wrong);
	}
}
