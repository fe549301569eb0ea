/*-------------------------------------------------------------------------
 *
 * records.c
 *	  Iteration over the records of one v2 batch, and over the headers of
 *	  one record.
 *
 * A record is varint-framed (KIP-98):
 *	  length varint, attributes int8, timestampDelta varlong, offsetDelta
 *	  varint, key (varint length, -1 = null), value (likewise), header count
 *	  varint, then per header a key (varint length >= 0) and a value
 *	  (varint length, -1 = null).
 * Every record is parsed in full, headers included, before it is returned,
 * and its fields must fill its length exactly; so header iteration over a
 * returned record cannot run outside it.  Errors are sticky: they are
 * latched in the iterator's KpReader, and every later call fails with the
 * same message.
 *
 * A compressed batch is decompressed once, at init, into memory from the
 * caller's allocator.  No shared state, no server calls.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kafkapg/record/record_int.h"

/* One parsed record, before the batch header is applied */
typedef struct RecordBody
{
	int64_t		timestamp_delta;
	int32_t		offset_delta;
	KpBytes		key;
	KpBytes		value;
	int32_t		headers_count;
	const uint8_t *headers;		/* first header */
	const uint8_t *end;			/* end of the record */
} RecordBody;

/* Varint-prefixed bytes; -1 is null where allowed, other negatives fail. */
static bool
read_bytes(KpReader *r, bool nullable, KpBytes *b, const char *bad_length)
{
	int32_t		n;
	const uint8_t *data;

	if (!kp_read_varint(r, &n))
		return false;
	if (n == -1 && nullable)
	{
		b->data = NULL;
		b->len = -1;
		return true;
	}
	if (n < 0)
		return kp_reader_fail(r, bad_length);
	if (!kp_read_raw(r, (size_t) n, &data))
		return false;
	b->data = data;
	b->len = n;
	return true;
}

static bool
read_header(KpReader *r, KpBytes *key, KpBytes *value)
{
	return read_bytes(r, false, key, "invalid record header key length") &&
		read_bytes(r, true, value, "invalid record header value length");
}

/* The fields of a record whose length has been read; r spans exactly it. */
static bool
parse_body(KpReader *r, RecordBody *b)
{
	int8_t		attributes;
	KpBytes		hkey,
				hvalue;

	if (!kp_read_int8(r, &attributes) ||
		!kp_read_varlong(r, &b->timestamp_delta) ||
		!kp_read_varint(r, &b->offset_delta) ||
		!read_bytes(r, true, &b->key, "invalid record key length") ||
		!read_bytes(r, true, &b->value, "invalid record value length") ||
		!kp_read_varint(r, &b->headers_count))
		return false;
	if (b->headers_count < 0)
		return kp_reader_fail(r, "negative record headers count");
	b->headers = r->p;
	for (int32_t i = 0; i < b->headers_count; i++)
		if (!read_header(r, &hkey, &hvalue))
			return false;
	if (r->p != r->end)
		return kp_reader_fail(r, "record length does not match its contents");
	b->end = r->end;
	return true;
}

/* One length-framed record from r; failures are latched in r. */
static bool
parse_record(KpReader *r, RecordBody *b)
{
	int32_t		len;
	KpReader	body = *r;

	/* a scratch cursor, so that our message wins over the reader's */
	if (!kp_read_varint(&body, &len))
		return kp_reader_fail(r, "malformed record length");
	r->p = body.p;
	if (len < 0)
		return kp_reader_fail(r, "negative record length");
	if ((size_t) (r->end - r->p) < (size_t) len)
		return kp_reader_fail(r, "record length exceeds the batch");
	kp_reader_init(&body, r->p, (size_t) len);
	r->p += len;
	if (parse_body(&body, b))
		return true;
	if (strcmp(body.error, "truncated input") == 0)
		return kp_reader_fail(r, "record fields overrun the record length");
	return kp_reader_fail(r, body.error);
}

/* ------------------------------------------------------------ iteration */

KpBatchError
kp_record_iter_start(KpRecordIter *it, const uint8_t *batch, size_t len,
					 const KpAllocator *alloc, size_t max_uncompressed,
					 bool strict, const char **why)
{
	KpBatchError err;
	int			codec;
	const uint8_t *records;
	size_t		records_len;
	uint8_t    *plain;

	/* until init succeeds, next() reports why it failed */
	memset(it, 0, sizeof(*it));
	kp_reader_init(&it->r, (const uint8_t *) "", 0);
	kp_reader_fail(&it->r, "record iterator not initialised");
	err = kp_batch_check_frame(batch, len, &it->h, why);
	if (err != KP_BATCH_OK)
		return err;
	codec = it->h.attributes & KP_ATTR_COMPRESSION_MASK;
	if (codec > KP_CODEC_ZSTD)
	{
		*why = "unknown compression codec";
		return KP_BATCH_UNSUPPORTED_CODEC;
	}
	records = batch + KP_BATCH_HEADER_SIZE;
	records_len = len - KP_BATCH_HEADER_SIZE;
	if (codec != KP_CODEC_NONE)
	{
		if (!kp_decompress(codec, records, records_len, alloc,
						   max_uncompressed, &plain, &records_len, why))
			return KP_BATCH_CORRUPT;
		records = plain;
	}
	kp_reader_init(&it->r, records, records_len);
	it->strict = strict;
	it->last_delta = -1;
	return KP_BATCH_OK;
}

bool
kp_record_iter_init(KpRecordIter *it, const uint8_t *batch, size_t len,
					const KpAllocator *alloc, size_t max_uncompressed,
					const char **why)
{
	return kp_record_iter_start(it, batch, len, alloc, max_uncompressed,
								false, why) == KP_BATCH_OK;
}

static int
iter_fail(KpRecordIter *it, const char *reason, const char **why)
{
	kp_reader_fail(&it->r, reason);
	*why = it->r.error;
	return -1;
}

/* Offset deltas: i for record i when strict, else increasing and in range. */
static bool
check_delta(KpRecordIter *it, int32_t delta, const char **reason)
{
	if (it->strict && delta != it->index)
		*reason = "record offset delta differs from its position in the batch";
	else if (delta <= it->last_delta)
		*reason = "record offset deltas do not increase";
	else if (delta > it->h.last_offset_delta)
		*reason = "record offset delta beyond the batch's last offset delta";
	else
		return true;
	return false;
}

static void
fill_record(const KpRecordIter *it, const RecordBody *b, KpRecord *rec)
{
	rec->offset = (int64_t) ((uint64_t) it->h.base_offset + (uint64_t) b->offset_delta);
	if (it->h.attributes & KP_ATTR_LOG_APPEND_TIME)
		rec->timestamp = it->h.max_timestamp;
	else
		rec->timestamp = (int64_t) ((uint64_t) it->h.base_timestamp +
									(uint64_t) b->timestamp_delta);
	rec->key = b->key;
	rec->value = b->value;
	rec->headers_count = b->headers_count;
	rec->headers.p = b->headers;
	rec->headers.end = b->end;
	rec->headers.remaining = b->headers_count;
}

int
kp_record_iter_next(KpRecordIter *it, KpRecord *rec, const char **why)
{
	RecordBody	b;
	const char *reason;

	if (it->r.error != NULL)
		return iter_fail(it, it->r.error, why);
	if (it->index >= it->h.records_count)
	{
		if (it->r.p != it->r.end)
			return iter_fail(it, "more records than the records count", why);
		return 0;
	}
	if (it->r.p == it->r.end)
		return iter_fail(it, "fewer records than the records count", why);
	if (!parse_record(&it->r, &b))
		return iter_fail(it, it->r.error, why);
	if (!check_delta(it, b.offset_delta, &reason))
		return iter_fail(it, reason, why);
	fill_record(it, &b, rec);
	it->last_delta = b.offset_delta;
	it->index++;
	return 1;
}

int
kp_record_header_next(KpRecordHeaderIter *hi, KpBytes *key, KpBytes *value)
{
	KpReader	r;

	if (hi->remaining <= 0)
		return 0;
	kp_reader_init(&r, hi->p, (size_t) (hi->end - hi->p));
	if (!read_header(&r, key, value))
		return -1;
	hi->p = r.p;
	hi->remaining--;
	return 1;
}
