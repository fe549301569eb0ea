/*-------------------------------------------------------------------------
 *
 * test_record_vectors.c
 *	  Cross-checks src/record against kafka-python 2.0.2: record batches and
 *	  legacy message sets written by that independent implementation, with
 *	  every codec, must validate, iterate and convert to exactly the records
 *	  kafka-python was given; and our builder must write the same bytes as
 *	  kafka-python for the same uncompressed records.
 *
 * The vectors live in record_vectors.h, generated once by
 *	  /usr/bin/python3 test/unit/crosscheck_records.py > test/unit/record_vectors.h
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "recutil.h"
#include "record_vectors.h"

static bool
same(KpBytes b, const char *s, int32_t len)
{
	if (len < 0)
		return b.len == -1 && b.data == NULL;
	return b.len == len && (len == 0 || memcmp(b.data, s, len) == 0);
}

static const KpvVector *
vector(const char *name)
{
	for (int i = 0; i < KPV_NVECTORS; i++)
		if (strcmp(kpv_vectors[i].name, name) == 0)
			return &kpv_vectors[i];
	return NULL;
}

/* Counts records of one iterated batch that differ from the vector's. */
static int
diff_record(const KpvRecord *exp, const KpRecord *rec, int64_t offset)
{
	KpRecordHeaderIter hi = rec->headers;
	KpBytes		k,
				v;
	int			bad = 0;

	bad += rec->offset != offset || rec->timestamp != exp->timestamp;
	bad += !same(rec->key, exp->key, exp->key_len);
	bad += !same(rec->value, exp->value, exp->value_len);
	bad += rec->headers_count != exp->nheaders;
	for (int j = 0; j < exp->nheaders && j < rec->headers_count; j++)
	{
		if (kp_record_header_next(&hi, &k, &v) != 1)
			return bad + 1;
		bad += !same(k, exp->headers[j].key, exp->headers[j].key_len);
		bad += !same(v, exp->headers[j].value, exp->headers[j].value_len);
	}
	return bad + (kp_record_header_next(&hi, &k, &v) != 0);
}

static void
check_records(const KpvVector *v, const uint8_t *batch, size_t len)
{
	KpRecordIter it;
	KpRecord	rec;
	const char *why = NULL;
	int			bad = 0;

	REQUIRE(kp_record_iter_init(&it, batch, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &why));
	for (int i = 0; i < v->nrecords; i++)
	{
		if (!CHECK_MSG(kp_record_iter_next(&it, &rec, &why) == 1, "%s: record %d: %s",
					   v->name, i, why ? why : ""))
			return;
		bad += diff_record(&v->records[i], &rec, i);
	}
	CHECK_MSG(bad == 0, "%s: %d differences", v->name, bad);
	CHECK_INT(kp_record_iter_next(&it, &rec, &why), 0);
}

/* Batch-level expectations shared by native and converted batches. */
static void
check_header(const KpvVector *v, const KpBatchHeader *h, int codec)
{
	CHECK_INT(h->base_offset, 0);
	CHECK_INT(h->attributes, codec | v->flags);
	CHECK_INT(h->records_count, v->nrecords);
	CHECK_INT(h->last_offset_delta, v->nrecords - 1);
	CHECK_INT(h->producer_id, v->producer_id);
	CHECK_INT(h->producer_epoch, v->producer_epoch);
	CHECK_INT(h->base_sequence, v->base_sequence);
	CHECK_INT(h->base_timestamp, v->records[0].timestamp);
}

KPU_TEST(vectors_v2_validate_and_iterate)
{
	int			n = 0;

	for (int i = 0; i < KPV_NVECTORS; i++)
	{
		const KpvVector *v = &kpv_vectors[i];
		size_t		len;
		uint8_t    *p;
		KpBatchHeader h;
		const char *why = NULL;
		KpBatchError err;

		if (v->magic != 2)
			continue;
		n++;
		p = kpu_hex(v->hex, &len);
		CHECK_INT(kp_records_magic(p, len), 2);
		CHECK_INT(kp_batch_total_size(p, len), len);
		err = kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why);
		if (!CHECK_MSG(err == KP_BATCH_OK, "%s: %d %s", v->name, (int) err, why ? why : ""))
			continue;
		check_header(v, &h, v->codec);
		check_records(v, p, len);
		p[len - 1] ^= 0x01;
		CHECK_INT(kp_batch_validate(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED, &h, &why),
				  KP_BATCH_CORRUPT);
	}
	CHECK_INT(n, 6);
}

KPU_TEST(vectors_legacy_convert)
{
	int			n = 0;

	for (int i = 0; i < KPV_NVECTORS; i++)
	{
		const KpvVector *v = &kpv_vectors[i];
		size_t		len,
					out_len;
		uint8_t    *p,
				   *out;
		KpBatchHeader h;
		const char *why = NULL;
		KpBatchError err;

		if (v->magic == 2)
			continue;
		n++;
		p = kpu_hex(v->hex, &len);
		CHECK_INT(kp_records_magic(p, len), v->magic);
		err = kp_msgset_to_batch(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED,
								 &out, &out_len, &why);
		if (!CHECK_MSG(err == KP_BATCH_OK, "%s: %d %s", v->name, (int) err, why ? why : ""))
			continue;
		out = kpu_copy(out, out_len);
		REQUIRE(kp_batch_validate(out, out_len, &kpu_allocator, KPU_MAX_UNCOMPRESSED,
								  &h, &why) == KP_BATCH_OK);
		check_header(v, &h, KP_CODEC_NONE);
		check_records(v, out, out_len);
		/* the last byte is covered by a message CRC */
		p[len - 1] ^= 0x01;
		CHECK_INT(kp_msgset_to_batch(p, len, &kpu_allocator, KPU_MAX_UNCOMPRESSED,
									 &out, &out_len, &why), KP_BATCH_CORRUPT);
	}
	CHECK_INT(n, 8);
}

/* Our builder writes kafka-python's bytes, except the leader epoch (-1 vs 0). */
static void
check_builder(const char *name)
{
	const KpvVector *v = vector(name);
	KpRecordIn	in[8];
	KpBytes		hk[8][2],
				hv[8][2];
	KpWriter	w;
	size_t		len;
	uint8_t    *exp;

	REQUIRE(v != NULL && v->nrecords <= 8);
	for (int i = 0; i < v->nrecords; i++)
	{
		const KpvRecord *r = &v->records[i];

		memset(&in[i], 0, sizeof(in[i]));
		in[i].timestamp = r->timestamp;
		in[i].key = (KpBytes) {(const uint8_t *) r->key, r->key_len};
		in[i].value = (KpBytes) {(const uint8_t *) r->value, r->value_len};
		for (int j = 0; j < r->nheaders; j++)
		{
			hk[i][j] = (KpBytes) {(const uint8_t *) r->headers[j].key, r->headers[j].key_len};
			hv[i][j] = (KpBytes) {(const uint8_t *) r->headers[j].value, r->headers[j].value_len};
		}
		in[i].headers_count = r->nheaders;
		in[i].header_keys = hk[i];
		in[i].header_values = hv[i];
	}
	kp_writer_init(&w, &kpu_allocator, 64);
	REQUIRE(kp_batch_build(&w, in, v->nrecords, KP_CODEC_NONE, 0, v->flags,
						   v->producer_id, v->producer_epoch, v->base_sequence));
	exp = kpu_hex(v->hex, &len);
	REQUIRE(w.len == len);
	CHECK_INT(w.data[12] & w.data[13] & w.data[14] & w.data[15], 0xff);
	memset(w.data + 12, 0, 4);
	CHECK_BYTES(w.data, w.len, exp, len);
}

KPU_TEST(vectors_builder_matches_kafka_python)
{
	check_builder("v2_none");
	check_builder("v2_transactional");
}

/* kafka-python's compressed payloads hold exactly its uncompressed records. */
KPU_TEST(vectors_v2_payloads_decompress_to_plain_records)
{
	size_t		plain_len;
	uint8_t    *plain = kpu_hex(vector("v2_none")->hex, &plain_len);

	for (int i = 0; i < KPV_NVECTORS; i++)
	{
		const KpvVector *v = &kpv_vectors[i];
		size_t		len,
					out_len;
		uint8_t    *p,
				   *out;
		const char *why = NULL;

		if (v->magic != 2 || v->codec == KP_CODEC_NONE)
			continue;
		p = kpu_hex(v->hex, &len);
		if (!CHECK_MSG(kp_decompress(v->codec, p + KP_BATCH_HEADER_SIZE,
									 len - KP_BATCH_HEADER_SIZE, &kpu_allocator,
									 1 << 20, &out, &out_len, &why),
					   "%s", v->name))
			continue;
		CHECK_BYTES(out, out_len, plain + KP_BATCH_HEADER_SIZE,
					plain_len - KP_BATCH_HEADER_SIZE);
	}
}
