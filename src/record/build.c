/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Writing one complete RecordBatch v2 into a KpWriter: the header as a
 *	  producer fills it, the records (compressed if asked), then the batch
 *	  length and the CRC patched in last.
 *
 * Used by the legacy conversion, by tests and by tools; the broker never
 * rebuilds a client's batch.  Records get offset deltas 0..n-1 and
 * timestamp deltas against the first record's timestamp, as Kafka's
 * producer writes them.  Failures are latched in the writer (w->error).
 * No shared state, no server calls.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kafkapg/record/record_int.h"

/* Bytes of a zig-zag varint/varlong */
static size_t
zigzag_size(int64_t v)
{
	uint64_t	u = ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
	size_t		n = 1;

	while (u >= 0x80)
	{
		u >>= 7;
		n++;
	}
	return n;
}

static size_t
bytes_size(KpBytes b)
{
	return b.len < 0 ? 1 : zigzag_size(b.len) + (size_t) b.len;
}

/* Size of a record after its length varint */
static size_t
body_size(const KpRecordIn *rec, int64_t timestamp_delta, int32_t offset_delta)
{
	size_t		n = 1;			/* attributes */

	n += zigzag_size(timestamp_delta) + zigzag_size(offset_delta);
	n += bytes_size(rec->key) + bytes_size(rec->value);
	n += zigzag_size(rec->headers_count);
	for (int32_t i = 0; i < rec->headers_count; i++)
		n += bytes_size(rec->header_keys[i]) + bytes_size(rec->header_values[i]);
	return n;
}

static void
write_bytes(KpWriter *w, KpBytes b)
{
	kp_write_varint(w, b.len < 0 ? -1 : b.len);
	if (b.len > 0)
		kp_write_raw(w, b.data, (size_t) b.len);
}

static void
write_record(KpWriter *w, const KpRecordIn *rec, int64_t base_timestamp,
			 int32_t offset_delta)
{
	int64_t		timestamp_delta = (int64_t) ((uint64_t) rec->timestamp -
											 (uint64_t) base_timestamp);
	size_t		size = body_size(rec, timestamp_delta, offset_delta);

	if (size > INT32_MAX)
	{
		w->error = w->error ? w->error : "record too large";
		return;
	}
	kp_write_varint(w, (int32_t) size);
	kp_write_int8(w, 0);		/* attributes: unused */
	kp_write_varlong(w, timestamp_delta);
	kp_write_varint(w, offset_delta);
	write_bytes(w, rec->key);
	write_bytes(w, rec->value);
	kp_write_varint(w, rec->headers_count);
	for (int32_t i = 0; i < rec->headers_count; i++)
	{
		write_bytes(w, rec->header_keys[i]);
		write_bytes(w, rec->header_values[i]);
	}
}

/* Kafka header keys are non-null strings; counts cannot be negative. */
static const char *
check_inputs(const KpRecordIn *recs, int n)
{
	if (n < 0)
		return "negative record count";
	for (int i = 0; i < n; i++)
	{
		if (recs[i].headers_count < 0)
			return "negative record headers count";
		for (int32_t j = 0; j < recs[i].headers_count; j++)
			if (recs[i].header_keys[j].len < 0)
				return "null record header key";
	}
	return NULL;
}

static void
write_records(KpWriter *w, const KpRecordIn *recs, int n, int64_t base_timestamp)
{
	for (int i = 0; i < n; i++)
		write_record(w, &recs[i], base_timestamp, i);
}

/* Records into a scratch writer, compressed onto w. */
static void
write_compressed(KpWriter *w, const KpRecordIn *recs, int n, int codec,
				 int64_t base_timestamp)
{
	KpWriter	plain;
	uint8_t    *packed;
	size_t		packed_len;
	const char *why;

	kp_writer_init(&plain, w->alloc, 256);
	write_records(&plain, recs, n, base_timestamp);
	if (plain.error != NULL)
		w->error = w->error ? w->error : plain.error;
	else if (!kp_compress(codec, plain.data, plain.len, w->alloc, &packed,
						  &packed_len, &why))
		w->error = w->error ? w->error : why;
	else
		kp_write_raw(w, packed, packed_len);
}

static void
timestamps(const KpRecordIn *recs, int n, int64_t *base, int64_t *max)
{
	*base = n > 0 ? recs[0].timestamp : KP_NO_TIMESTAMP;
	*max = *base;
	for (int i = 1; i < n; i++)
		if (recs[i].timestamp > *max)
			*max = recs[i].timestamp;
}

bool
kp_batch_build(KpWriter *w, const KpRecordIn *recs, int n, int codec,
			   int64_t base_offset, int16_t extra_attributes,
			   int64_t producer_id, int16_t producer_epoch,
			   int32_t base_sequence)
{
	size_t		start = w->len;
	const char *bad = check_inputs(recs, n);
	int64_t		base_ts,
				max_ts;

	if (bad == NULL && (codec < KP_CODEC_NONE || codec > KP_CODEC_ZSTD))
		bad = "unknown compression codec";
	if (bad != NULL && w->error == NULL)
		w->error = bad;
	if (w->error != NULL)
		return false;
	timestamps(recs, n, &base_ts, &max_ts);
	kp_write_int64(w, base_offset);
	kp_write_int32(w, 0);		/* batchLength, patched below */
	kp_write_int32(w, KP_NO_PARTITION_LEADER_EPOCH);
	kp_write_int8(w, 2);		/* magic */
	kp_write_int32(w, 0);		/* crc, patched below */
	kp_write_int16(w, (int16_t) ((extra_attributes & ~KP_ATTR_COMPRESSION_MASK) | codec));
	kp_write_int32(w, n - 1);	/* lastOffsetDelta */
	kp_write_int64(w, base_ts);
	kp_write_int64(w, max_ts);
	kp_write_int64(w, producer_id);
	kp_write_int16(w, producer_epoch);
	kp_write_int32(w, base_sequence);
	kp_write_int32(w, n);
	if (codec == KP_CODEC_NONE)
		write_records(w, recs, n, base_ts);
	else
		write_compressed(w, recs, n, codec, base_ts);
	if (w->error == NULL && w->len - start - KP_BATCH_LOG_OVERHEAD > INT32_MAX)
		w->error = "record batch too large";
	if (w->error != NULL)
		return false;
	kp_put_int32_at(w, start + KP_BATCH_OFF_LENGTH,
					(int32_t) (w->len - start - KP_BATCH_LOG_OVERHEAD));
	kp_batch_update_crc(w->data + start, w->len - start);
	return true;
}
