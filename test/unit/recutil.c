/*-------------------------------------------------------------------------
 *
 * recutil.c
 *	  Helpers for the record-batch unit tests (see recutil.h).
 *
 * Legacy messages are written here by hand from the message-set layout in
 * src/record/README.md, independently of src/record/legacy.c.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <zlib.h>

#include "recutil.h"

KpBytes
kpu_str(const char *s)
{
	KpBytes		b;

	b.data = (const uint8_t *) s;
	b.len = s ? (int32_t) strlen(s) : -1;
	return b;
}

KpRecordIn
kpu_rin(int64_t timestamp, const char *key, const char *value)
{
	KpRecordIn	r;

	memset(&r, 0, sizeof(r));
	r.timestamp = timestamp;
	r.key = kpu_str(key);
	r.value = kpu_str(value);
	return r;
}

bool
kpu_bytes_is(KpBytes b, const char *s)
{
	if (s == NULL)
		return b.len == -1 && b.data == NULL;
	return b.len == (int32_t) strlen(s) &&
		(b.len == 0 || memcmp(b.data, s, b.len) == 0);
}

uint8_t *
kpu_writer_copy(const KpWriter *w, size_t *len)
{
	*len = w->len;
	return kpu_copy(w->data, w->len);
}

uint8_t *
kpu_batch(const KpRecordIn *recs, int n, int codec, int64_t base_offset,
		  size_t *len)
{
	KpWriter	w;

	kp_writer_init(&w, &kpu_allocator, 64);
	if (!kp_batch_build(&w, recs, n, codec, base_offset, 0, -1, -1, -1))
		return NULL;
	return kpu_writer_copy(&w, len);
}

static void
write_varint_bytes(KpWriter *w, KpBytes b)
{
	kp_write_varint(w, b.len);
	if (b.len > 0)
		kp_write_raw(w, b.data, b.len);
}

void
kpu_raw_record(KpWriter *w, int64_t timestamp_delta, int32_t offset_delta,
			   KpBytes key, KpBytes value)
{
	KpWriter	body;

	kp_writer_init(&body, &kpu_allocator, 64);
	kp_write_int8(&body, 0);
	kp_write_varlong(&body, timestamp_delta);
	kp_write_varint(&body, offset_delta);
	write_varint_bytes(&body, key);
	write_varint_bytes(&body, value);
	kp_write_varint(&body, 0);
	kp_write_varint(w, (int32_t) body.len);
	kp_write_raw(w, body.data, body.len);
}

uint8_t *
kpu_raw_batch(const uint8_t *records, size_t records_len, int32_t count,
			  int32_t last_offset_delta, int16_t attributes, size_t *len)
{
	KpWriter	w;
	uint8_t    *p;

	kp_writer_init(&w, &kpu_allocator, 64);
	kp_write_int64(&w, 0);		/* base offset */
	kp_write_int32(&w, (int32_t) (KP_BATCH_HEADER_SIZE - KP_BATCH_LOG_OVERHEAD + records_len));
	kp_write_int32(&w, -1);		/* leader epoch */
	kp_write_int8(&w, 2);
	kp_write_int32(&w, 0);		/* crc */
	kp_write_int16(&w, attributes);
	kp_write_int32(&w, last_offset_delta);
	kp_write_int64(&w, 1000);	/* base timestamp */
	kp_write_int64(&w, 1000);	/* max timestamp */
	kp_write_int64(&w, -1);
	kp_write_int16(&w, -1);
	kp_write_int32(&w, -1);
	kp_write_int32(&w, count);
	kp_write_raw(&w, records, records_len);
	p = kpu_writer_copy(&w, len);
	kp_batch_update_crc(p, *len);
	return p;
}

static void
write_int32_bytes(KpWriter *w, KpBytes b)
{
	kp_write_int32(w, b.len);
	if (b.len > 0)
		kp_write_raw(w, b.data, b.len);
}

void
kpu_legacy_message(KpWriter *w, int magic, int attributes, int64_t offset,
				   int64_t timestamp, KpBytes key, KpBytes value)
{
	KpWriter	m;				/* magic .. value, the CRC-covered part */

	kp_writer_init(&m, &kpu_allocator, 64);
	kp_write_int8(&m, (int8_t) magic);
	kp_write_int8(&m, (int8_t) attributes);
	if (magic == 1)
		kp_write_int64(&m, timestamp);
	write_int32_bytes(&m, key);
	write_int32_bytes(&m, value);
	kp_write_int64(w, offset);
	kp_write_int32(w, (int32_t) (4 + m.len));
	kp_write_int32(w, (int32_t) crc32(0L, m.data, (uInt) m.len));
	kp_write_raw(w, m.data, m.len);
}

int
kpu_count_records(const uint8_t *batch, size_t len)
{
	KpRecordIter it;
	KpRecord	rec;
	const char *why;
	int			n = 0;
	int			rc;

	if (!kp_record_iter_init(&it, batch, len, &kpu_allocator,
							 KPU_MAX_UNCOMPRESSED, &why))
		return -1;
	while ((rc = kp_record_iter_next(&it, &rec, &why)) == 1)
		n++;
	return rc == 0 ? n : -1;
}

void
kpu_random_bytes(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t	x = seed ? seed : 1;

	for (size_t i = 0; i < len; i++)
	{
		/* xorshift32 */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t) (x >> 24);
	}
}
