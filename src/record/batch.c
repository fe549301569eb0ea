/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  The RecordBatch v2 header: reading it, sizing a batch in a buffer,
 *	  validating one batch as Kafka's broker does on produce, and the
 *	  in-place patches the broker applies on append.
 *
 * Validation goes from the outside in, and the first failure decides the
 * error class: framing (length, magic, CRC) is KP_BATCH_CORRUPT; a codec we
 * cannot read is KP_BATCH_UNSUPPORTED_CODEC; once the CRC holds, anything
 * wrong inside the records is KP_BATCH_INVALID_RECORD, except compressed
 * data that does not decompress (KP_BATCH_CORRUPT).  Record parsing itself
 * lives in records.c; this file only drives it.
 *
 * Patches touch the caller's buffer only; the CRC is recomputed whenever a
 * covered byte changes.  No shared state, no server calls.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kafkapg/record/record_int.h"

bool
kp_batch_read_header(const uint8_t *p, size_t len, KpBatchHeader *h)
{
	if (len < KP_BATCH_HEADER_SIZE)
		return false;
	h->base_offset = (int64_t) kp_get_be64(p + KP_BATCH_OFF_BASE_OFFSET);
	h->batch_length = (int32_t) kp_get_be32(p + KP_BATCH_OFF_LENGTH);
	h->partition_leader_epoch = (int32_t) kp_get_be32(p + KP_BATCH_OFF_LEADER_EPOCH);
	h->magic = (int8_t) p[KP_BATCH_OFF_MAGIC];
	h->crc = kp_get_be32(p + KP_BATCH_OFF_CRC);
	h->attributes = (int16_t) kp_get_be16(p + KP_BATCH_OFF_ATTRIBUTES);
	h->last_offset_delta = (int32_t) kp_get_be32(p + KP_BATCH_OFF_LAST_DELTA);
	h->base_timestamp = (int64_t) kp_get_be64(p + KP_BATCH_OFF_BASE_TIMESTAMP);
	h->max_timestamp = (int64_t) kp_get_be64(p + KP_BATCH_OFF_MAX_TIMESTAMP);
	h->max_timestamp_delta = -1;
	h->producer_id = (int64_t) kp_get_be64(p + KP_BATCH_OFF_PRODUCER_ID);
	h->producer_epoch = (int16_t) kp_get_be16(p + KP_BATCH_OFF_PRODUCER_EPOCH);
	h->base_sequence = (int32_t) kp_get_be32(p + KP_BATCH_OFF_BASE_SEQUENCE);
	h->records_count = (int32_t) kp_get_be32(p + KP_BATCH_OFF_RECORDS_COUNT);
	return true;
}

int64_t
kp_batch_total_size(const uint8_t *p, size_t len)
{
	int32_t		length;

	if (len < KP_BATCH_LOG_OVERHEAD)
		return -1;
	length = (int32_t) kp_get_be32(p + KP_BATCH_OFF_LENGTH);
	/* the smallest legacy message; stricter checks come with the magic */
	if (length < KP_LEGACY_MIN_MESSAGE_SIZE)
		return -1;
	return (int64_t) KP_BATCH_LOG_OVERHEAD + length;
}

int
kp_records_magic(const uint8_t *p, size_t len)
{
	if (len <= KP_BATCH_OFF_MAGIC)
		return -1;
	return (int8_t) p[KP_BATCH_OFF_MAGIC];
}

uint32_t
kp_batch_compute_crc(const uint8_t *p, size_t len)
{
	return kp_crc32c(p + KP_BATCH_OFF_ATTRIBUTES, len - KP_BATCH_OFF_ATTRIBUTES);
}

void
kp_batch_update_crc(uint8_t *p, size_t len)
{
	kp_put_be32(p + KP_BATCH_OFF_CRC, kp_batch_compute_crc(p, len));
}

/* ------------------------------------------------------------ validation */

static KpBatchError
fail(const char **why, KpBatchError err, const char *reason)
{
	*why = reason;
	return err;
}

/* Size, batch length and magic; the CRC is left to the caller. */
KpBatchError
kp_batch_check_frame(const uint8_t *p, size_t len, KpBatchHeader *h,
					 const char **why)
{
	if (!kp_batch_read_header(p, len, h))
		return fail(why, KP_BATCH_CORRUPT, "record batch shorter than its header");
	if (h->batch_length < KP_BATCH_HEADER_SIZE - KP_BATCH_LOG_OVERHEAD ||
		(uint64_t) h->batch_length + KP_BATCH_LOG_OVERHEAD != len)
		return fail(why, KP_BATCH_CORRUPT, "record batch length does not match its size");
	if (h->magic != 2)
		return fail(why, KP_BATCH_CORRUPT, "record batch magic is not 2");
	return KP_BATCH_OK;
}

/* Length, magic and CRC: everything Kafka reports as CORRUPT_MESSAGE. */
static KpBatchError
check_framing(const uint8_t *p, size_t len, KpBatchHeader *h, const char **why)
{
	KpBatchError err = kp_batch_check_frame(p, len, h, why);

	if (err != KP_BATCH_OK)
		return err;
	if (kp_batch_compute_crc(p, len) != h->crc)
		return fail(why, KP_BATCH_CORRUPT, "record batch CRC mismatch");
	return KP_BATCH_OK;
}

/* Header fields that must agree with each other before records are read. */
static KpBatchError
check_counts(const KpBatchHeader *h, const char **why)
{
	if (h->records_count < 0)
		return fail(why, KP_BATCH_INVALID_RECORD, "negative records count");
	if ((int64_t) h->last_offset_delta != (int64_t) h->records_count - 1)
		return fail(why, KP_BATCH_INVALID_RECORD,
					"last offset delta does not match the records count");
	return KP_BATCH_OK;
}

/*
 * Walks every record; the iterator checks framing, deltas and the count.
 * Notes the first record with the largest timestamp (KIP-734).
 */
static KpBatchError
check_records(const uint8_t *p, size_t len, const KpAllocator *alloc,
			  size_t max_uncompressed, KpBatchHeader *h, const char **why)
{
	KpRecordIter it;
	KpRecord	rec;
	KpBatchError err;
	int			rc;
	int64_t		best = INT64_MIN;

	err = kp_record_iter_start(&it, p, len, alloc, max_uncompressed, true, why);
	if (err != KP_BATCH_OK)
		return err;
	while ((rc = kp_record_iter_next(&it, &rec, why)) == 1)
	{
		if (rec.timestamp > best)
		{
			best = rec.timestamp;
			h->max_timestamp_delta = (int32_t) (rec.offset - h->base_offset);
		}
	}
	return rc == 0 ? KP_BATCH_OK : KP_BATCH_INVALID_RECORD;
}

KpBatchError
kp_batch_validate(const uint8_t *p, size_t len, const KpAllocator *alloc,
				  size_t max_uncompressed, KpBatchHeader *h, const char **why)
{
	KpBatchError err;

	*why = NULL;
	err = check_framing(p, len, h, why);
	if (err == KP_BATCH_OK && (h->attributes & KP_ATTR_COMPRESSION_MASK) > KP_CODEC_ZSTD)
		err = fail(why, KP_BATCH_UNSUPPORTED_CODEC, "unknown compression codec");
	if (err == KP_BATCH_OK)
		err = check_counts(h, why);
	if (err == KP_BATCH_OK)
		err = check_records(p, len, alloc, max_uncompressed, h, why);
	return err;
}

/* --------------------------------------------------------------- patches */

void
kp_batch_set_base_offset(uint8_t *p, int64_t base_offset)
{
	kp_put_be64(p + KP_BATCH_OFF_BASE_OFFSET, (uint64_t) base_offset);
}

void
kp_batch_set_leader_epoch(uint8_t *p, int32_t epoch)
{
	kp_put_be32(p + KP_BATCH_OFF_LEADER_EPOCH, (uint32_t) epoch);
}

void
kp_batch_set_log_append_time(uint8_t *p, size_t len, int64_t append_time_ms)
{
	uint16_t	attributes = kp_get_be16(p + KP_BATCH_OFF_ATTRIBUTES);

	/* Kafka skips the CRC when nothing changes; so do we */
	if ((attributes & KP_ATTR_LOG_APPEND_TIME) != 0 &&
		(int64_t) kp_get_be64(p + KP_BATCH_OFF_MAX_TIMESTAMP) == append_time_ms)
		return;
	kp_put_be16(p + KP_BATCH_OFF_ATTRIBUTES, attributes | KP_ATTR_LOG_APPEND_TIME);
	kp_put_be64(p + KP_BATCH_OFF_MAX_TIMESTAMP, (uint64_t) append_time_ms);
	kp_batch_update_crc(p, len);
}
