/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  Kafka record batches (magic 2, KIP-98) and legacy message sets
 *	  (magic 0 and 1): header access, validation, in-place patches on append,
 *	  record iteration, building, and legacy-to-v2 conversion.
 *
 * Like the wire codec this library is plain C and never calls into the
 * PostgreSQL server: memory comes from a caller-supplied KpAllocator (an
 * arena: nothing is freed here), errors are return values plus a static
 * message.  Its only PostgreSQL dependency is CRC32C (src/record/crc32c.c).
 * See src/record/README.md for the byte layouts.
 *
 * Integers in batches are big-endian; record fields are zig-zag varints.
 * Decoded keys, values and headers are slices into the batch, or into the
 * decompressed copy when the batch is compressed; either must outlive them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_RECORD_BATCH_H
#define KAFKAPG_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafkapg/protocol/codec.h"
#include "kafkapg/record/compress.h"

#define KP_BATCH_HEADER_SIZE	61	/* base offset .. records count */
#define KP_BATCH_LOG_OVERHEAD	12	/* base offset + batch length */

/* Byte offsets of the header fields */
#define KP_BATCH_OFF_BASE_OFFSET	0
#define KP_BATCH_OFF_LENGTH			8
#define KP_BATCH_OFF_LEADER_EPOCH	12
#define KP_BATCH_OFF_MAGIC			16
#define KP_BATCH_OFF_CRC			17
#define KP_BATCH_OFF_ATTRIBUTES		21	/* the CRC covers from here to the end */
#define KP_BATCH_OFF_LAST_DELTA		23
#define KP_BATCH_OFF_BASE_TIMESTAMP 27
#define KP_BATCH_OFF_MAX_TIMESTAMP	35
#define KP_BATCH_OFF_PRODUCER_ID	43
#define KP_BATCH_OFF_PRODUCER_EPOCH 51
#define KP_BATCH_OFF_BASE_SEQUENCE	53
#define KP_BATCH_OFF_RECORDS_COUNT	57

/* Smallest legacy message (v0: crc, magic, attributes, key and value lengths) */
#define KP_LEGACY_MIN_MESSAGE_SIZE	14

/* Batch attributes */
#define KP_ATTR_COMPRESSION_MASK	0x07
#define KP_ATTR_LOG_APPEND_TIME		0x08
#define KP_ATTR_TRANSACTIONAL		0x10
#define KP_ATTR_CONTROL				0x20

#define KP_NO_TIMESTAMP			(-1)
#define KP_NO_PRODUCER_ID		(-1)
#define KP_NO_PARTITION_LEADER_EPOCH (-1)

typedef struct KpBatchHeader
{
	int64_t		base_offset;
	int32_t		batch_length;	/* bytes after this field */
	int32_t		partition_leader_epoch;
	int8_t		magic;
	uint32_t	crc;			/* CRC32C of attributes .. end */
	int16_t		attributes;
	int32_t		last_offset_delta;
	int64_t		base_timestamp;
	int64_t		max_timestamp;
	int64_t		producer_id;
	int16_t		producer_epoch;
	int32_t		base_sequence;
	int32_t		records_count;
	/* derived, not on the wire: set by kp_batch_validate, else -1 */
	int32_t		max_timestamp_delta;	/* first record with the largest timestamp */
} KpBatchHeader;

typedef enum KpBatchError
{
	KP_BATCH_OK = 0,
	KP_BATCH_CORRUPT,			/* sizes, magic, CRC: Kafka's CORRUPT_MESSAGE */
	KP_BATCH_INVALID_RECORD,	/* good CRC, inconsistent records: INVALID_RECORD */
	KP_BATCH_UNSUPPORTED_CODEC	/* codec id unknown or not allowed: UNSUPPORTED_COMPRESSION_TYPE */
} KpBatchError;

/* --- CRC32C (crc32c.c) --- */
extern uint32_t kp_crc32c(const void *data, size_t len);

/* --- header, validation, patches (batch.c) --- */

/* Reads the 61-byte header (big-endian); false if len < 61. */
extern bool kp_batch_read_header(const uint8_t *p, size_t len, KpBatchHeader *h);

/*
 * Size of the first batch (or legacy message) at p: 12 + its length field,
 * which may exceed len.  -1 if len < 12 or the length field is below the
 * smallest legacy message (14), as Kafka's log reader decides.
 */
extern int64_t kp_batch_total_size(const uint8_t *p, size_t len);

/* Magic byte at offset 16 (batch or legacy message), or -1 if len < 17. */
extern int	kp_records_magic(const uint8_t *p, size_t len);

/* CRC32C the batch should carry: attributes .. end; len >= 61. */
extern uint32_t kp_batch_compute_crc(const uint8_t *p, size_t len);

/* Recomputes and stores the CRC field; len >= 61. */
extern void kp_batch_update_crc(uint8_t *p, size_t len);

/*
 * Full validation of ONE v2 batch occupying exactly len bytes: sizes, magic
 * 2 and CRC (KP_BATCH_CORRUPT), codec (KP_BATCH_UNSUPPORTED_CODEC), then
 * records (KP_BATCH_INVALID_RECORD): records_count >= 0 and equal to the
 * records present, record i has offset delta i, last_offset_delta ==
 * count - 1, every record's length framing and key/value/header lengths
 * consistent.  Compressed records are decompressed with alloc, bounded by
 * max_uncompressed (a payload that inflates beyond it, or fails to
 * decompress, is KP_BATCH_CORRUPT).  Control and transactional batches are
 * accepted as is.  Fills *h whenever len >= 61; *why is a static reason.
 */
extern KpBatchError kp_batch_validate(const uint8_t *p, size_t len,
									  const KpAllocator *alloc,
									  size_t max_uncompressed,
									  KpBatchHeader *h, const char **why);

/* In-place patches on append; base offset and leader epoch lie outside the CRC. */
extern void kp_batch_set_base_offset(uint8_t *p, int64_t base_offset);
extern void kp_batch_set_leader_epoch(uint8_t *p, int32_t epoch);

/*
 * What Kafka does for a topic with LogAppendTime: sets the timestamp-type
 * attribute bit and max_timestamp to append_time_ms (base_timestamp and the
 * record deltas are left alone; readers then report max_timestamp for every
 * record), and recomputes the CRC.  len is the whole batch, >= 61.
 */
extern void kp_batch_set_log_append_time(uint8_t *p, size_t len,
										 int64_t append_time_ms);

/* --- record iteration (records.c) --- */

typedef struct KpRecordHeaderIter
{
	const uint8_t *p;
	const uint8_t *end;
	int32_t		remaining;
} KpRecordHeaderIter;

typedef struct KpRecord
{
	int64_t		offset;			/* base_offset + offset delta */
	int64_t		timestamp;		/* see kp_record_iter_next */
	KpBytes		key;			/* len -1 = null */
	KpBytes		value;			/* len -1 = null */
	int32_t		headers_count;
	KpRecordHeaderIter headers;
} KpRecord;

/* Iterator state; fields are private to records.c */
typedef struct KpRecordIter
{
	KpBatchHeader h;
	KpReader	r;				/* over the (decompressed) records section */
	int32_t		index;			/* records returned so far */
	int64_t		last_delta;		/* offset delta of the previous record */
	bool		strict;			/* record i must have offset delta i */
} KpRecordIter;

/*
 * Prepares iteration over one batch of exactly len bytes, decompressing its
 * records into alloc'd memory (at most max_uncompressed bytes) if needed.
 * Checks the framing (len >= 61, batch length, magic 2, codec) but not the
 * CRC: use it on validated or stored batches.  False with *why on failure.
 */
extern bool kp_record_iter_init(KpRecordIter *it, const uint8_t *batch,
								size_t len, const KpAllocator *alloc,
								size_t max_uncompressed, const char **why);

/*
 * Next record: 1 = *rec filled, 0 = end, -1 = malformed (*why set; every
 * later call returns -1).  Offsets are base_offset + delta; deltas must
 * increase and stay within last_offset_delta.  The timestamp is
 * base_timestamp + delta, or max_timestamp in a LogAppendTime batch.  The
 * end is only reported once exactly records_count records have been read
 * and no bytes remain.
 */
extern int	kp_record_iter_next(KpRecordIter *it, KpRecord *rec, const char **why);

/* Next header of a record: 1 = key/value filled (value len -1 = null), 0 = end, -1 = malformed. */
extern int	kp_record_header_next(KpRecordHeaderIter *hi, KpBytes *key, KpBytes *value);

/* --- building (build.c) --- */

typedef struct KpRecordIn
{
	int64_t		timestamp;
	KpBytes		key;			/* len -1 = null */
	KpBytes		value;			/* len -1 = null */
	int32_t		headers_count;
	const KpBytes *header_keys; /* never null */
	const KpBytes *header_values;	/* len -1 = null */
} KpRecordIn;

/*
 * Appends one complete v2 batch holding recs[0..n-1] (offset deltas 0..n-1,
 * base timestamp = first record's, max timestamp = largest; -1 for an empty
 * batch), compressed with codec, partition leader epoch -1 and the correct
 * CRC.  extra_attributes is OR-ed into the attributes (timestamp type,
 * transactional, control; its codec bits are ignored: codec decides).  False if the writer failed (w->error says why:
 * allocation, compression, a null header key, n < 0).
 */
extern bool kp_batch_build(KpWriter *w, const KpRecordIn *recs, int n, int codec,
						   int64_t base_offset, int16_t extra_attributes,
						   int64_t producer_id, int16_t producer_epoch,
						   int32_t base_sequence);

/* --- legacy message sets (legacy.c) --- */

/*
 * Converts a whole magic 0/1 message set (several messages, possibly
 * compressed wrappers holding an inner message set in gzip, snappy raw or
 * xerial, or lz4, including magic 0's broken LZ4 header checksum) into ONE
 * uncompressed v2 batch with base offset 0, producer id/epoch/sequence -1,
 * CreateTime, keys and values preserved, timestamps from v1 messages (a
 * LogAppendTime wrapper's own timestamp for its inner messages) and -1 for
 * v0.  Every message's CRC-32 is checked.  The whole conversion
 * decompresses at most max_uncompressed bytes.  *out is allocated with
 * alloc.
 */
extern KpBatchError kp_msgset_to_batch(const uint8_t *p, size_t len,
									   const KpAllocator *alloc,
									   size_t max_uncompressed,
									   uint8_t **out, size_t *out_len,
									   const char **why);

#endif							/* KAFKAPG_RECORD_BATCH_H */
