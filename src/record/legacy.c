/*-------------------------------------------------------------------------
 *
 * legacy.c
 *	  Conversion of magic 0 and magic 1 message sets (Produce v0-v2 from old
 *	  producers) into one uncompressed RecordBatch v2.
 *
 * A message set is a sequence of [offset int64][size int32][message]; a
 * message is crc, magic, attributes, (magic 1: timestamp), key, value.  A
 * message whose attributes name a codec is a wrapper: its value is an
 * inner message set, compressed.  Conversion walks the set, unwraps at most
 * one level (Kafka forbids nesting), collects every plain message as a
 * KpRecordIn pointing into the input or into the decompressed copy, and
 * builds the batch at the end.  Producer offsets are ignored: the batch gets
 * base offset 0 and offset deltas 0..n-1, as the broker reassigns offsets
 * anyway.
 *
 * Error classes follow Kafka: bad CRC, sizes and undecodable compressed
 * data are KP_BATCH_CORRUPT; nesting, a null or empty wrapper and inner
 * magic mismatches are KP_BATCH_INVALID_RECORD; zstd or an unknown codec
 * in a v0/v1 message is KP_BATCH_UNSUPPORTED_CODEC.
 *
 * Magic 0 LZ4 (KAFKA-3160): Kafka 0.8-0.9 computed the frame descriptor
 * checksum over the frame magic too, so standard LZ4 readers reject those
 * frames.  Kafka never checked it for magic 0; we recompute it correctly on
 * a copy before decoding.  No shared state, no server calls.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <zlib.h>

#include "kafkapg/record/record_int.h"

/* One decoded legacy message */
typedef struct LegacyMessage
{
	int8_t		magic;
	int8_t		attributes;
	int64_t		timestamp;		/* -1 for magic 0 */
	KpBytes		key;
	KpBytes		value;
} LegacyMessage;

/* State of one conversion */
typedef struct Conversion
{
	const KpAllocator *alloc;
	size_t		budget;			/* decompressed bytes still allowed */
	KpRecordIn *recs;
	int			n;
	int			cap;
	const char *why;
} Conversion;

#define LEGACY_ATTR_CODEC		0x07
#define LEGACY_ATTR_LOG_APPEND	0x08

static KpBatchError
fail(Conversion *c, KpBatchError err, const char *why)
{
	c->why = why;
	return err;
}

/* ---------------------------------------------------------- xxh32 (LZ4) */

#define XXH_P1 0x9E3779B1U
#define XXH_P2 0x85EBCA77U
#define XXH_P3 0xC2B2AE3DU
#define XXH_P4 0x27D4EB2FU
#define XXH_P5 0x165667B1U

static uint32_t
rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static uint32_t
xxh32_round(uint32_t acc, uint32_t lane)
{
	return rotl32(acc + lane * XXH_P2, 13) * XXH_P1;
}

/* XXH32 (xxHash specification), as the LZ4 frame format uses it. */
static uint32_t
xxh32(const uint8_t *p, size_t len, uint32_t seed)
{
	const uint8_t *end = p + len;
	uint32_t	h;

	if (len >= 16)
	{
		uint32_t	v[4] = {seed + XXH_P1 + XXH_P2, seed + XXH_P2, seed, seed - XXH_P1};

		for (; end - p >= 16; p += 16)
			for (int i = 0; i < 4; i++)
				v[i] = xxh32_round(v[i], le32(p + 4 * i));
		h = rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) + rotl32(v[3], 18);
	}
	else
		h = seed + XXH_P5;
	h += (uint32_t) len;
	for (; end - p >= 4; p += 4)
		h = rotl32(h + le32(p) * XXH_P3, 17) * XXH_P4;
	for (; p < end; p++)
		h = rotl32(h + *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 15;
	h *= XXH_P2;
	h ^= h >> 13;
	h *= XXH_P3;
	h ^= h >> 16;
	return h;
}

/*
 * Rewrites the descriptor checksum (HC) of an LZ4 frame: the second byte of
 * xxh32 over FLG..end of descriptor.  Leaves anything that is not an LZ4
 * frame header alone, for the decoder to reject.
 */
static void
repair_lz4_header_checksum(uint8_t *frame, size_t len)
{
	size_t		desc = 2;		/* FLG, BD */

	if (len < 7 || le32(frame) != 0x184D2204U)
		return;
	if (frame[4] & 0x08)		/* content size */
		desc += 8;
	if (frame[4] & 0x01)		/* dictionary id */
		desc += 4;
	if (len < 4 + desc + 1)
		return;
	frame[4 + desc] = (uint8_t) (xxh32(frame + 4, desc, 0) >> 8);
}

/* ------------------------------------------------------------- messages */

static bool
read_legacy_bytes(KpReader *r, KpBytes *b)
{
	int32_t		n;
	const uint8_t *data = NULL;

	if (!kp_read_int32(r, &n))
		return false;
	if (n < -1)
		return kp_reader_fail(r, "invalid message key or value length");
	if (n >= 0 && !kp_read_raw(r, (size_t) n, &data))
		return false;
	b->data = data;
	b->len = n;
	return true;
}

/* Decodes one message of size bytes at p (just after its size field). */
static KpBatchError
parse_message(Conversion *c, const uint8_t *p, int32_t size, LegacyMessage *m)
{
	KpReader	r;

	m->magic = (int8_t) p[4];
	m->attributes = (int8_t) p[5];
	/* before the CRC, so that a v2 batch passed here says what it is */
	if (m->magic != 0 && m->magic != 1)
		return fail(c, KP_BATCH_CORRUPT, "message magic is neither 0 nor 1");
	if (kp_get_be32(p) != (uint32_t) crc32(0L, p + 4, (uInt) (size - 4)))
		return fail(c, KP_BATCH_CORRUPT, "message CRC mismatch");
	kp_reader_init(&r, p + 6, (size_t) size - 6);
	m->timestamp = KP_NO_TIMESTAMP;
	if ((m->magic == 1 && !kp_read_int64(&r, &m->timestamp)) ||
		!read_legacy_bytes(&r, &m->key) || !read_legacy_bytes(&r, &m->value))
		return fail(c, KP_BATCH_CORRUPT, strcmp(r.error, "truncated input") == 0 ?
					"message fields overrun the message size" : r.error);
	if (r.p != r.end)
		return fail(c, KP_BATCH_CORRUPT, "message size does not match its contents");
	return KP_BATCH_OK;
}

static KpBatchError
add_record(Conversion *c, int64_t timestamp, const LegacyMessage *m)
{
	KpRecordIn *rec;

	if (c->n == c->cap)
	{
		int			cap = c->cap == 0 ? 16 : c->cap * 2;
		KpRecordIn *p = c->alloc->realloc(c->alloc->ctx, c->recs,
										  c->cap * sizeof(KpRecordIn),
										  cap * sizeof(KpRecordIn));

		if (p == NULL)
			return fail(c, KP_BATCH_CORRUPT, "out of memory");
		c->recs = p;
		c->cap = cap;
	}
	rec = &c->recs[c->n++];
	memset(rec, 0, sizeof(*rec));
	rec->timestamp = timestamp;
	rec->key = m->key;
	rec->value = m->value;
	return KP_BATCH_OK;
}

static KpBatchError walk_set(Conversion *c, const uint8_t *p, size_t len,
							 const LegacyMessage *wrapper);

/* Decompresses a wrapper's value and converts the inner message set. */
static KpBatchError
unwrap(Conversion *c, const LegacyMessage *m)
{
	int			codec = m->attributes & LEGACY_ATTR_CODEC;
	const uint8_t *packed = m->value.data;
	uint8_t    *plain;
	size_t		plain_len;

	if (m->value.len < 0)
		return fail(c, KP_BATCH_INVALID_RECORD, "compressed message has a null value");
	if (codec == KP_CODEC_LZ4 && m->magic == 0)
	{
		uint8_t    *copy = c->alloc->alloc(c->alloc->ctx, m->value.len + 1);

		if (copy == NULL)
			return fail(c, KP_BATCH_CORRUPT, "out of memory");
		memcpy(copy, m->value.data, m->value.len);
		repair_lz4_header_checksum(copy, m->value.len);
		packed = copy;
	}
	if (!kp_decompress(codec, packed, m->value.len, c->alloc, c->budget,
					   &plain, &plain_len, &c->why))
		return KP_BATCH_CORRUPT;
	c->budget -= plain_len;
	return walk_set(c, plain, plain_len, m);
}

/* A message of the top-level set: a record, or a wrapper to unwrap. */
static KpBatchError
add_outer(Conversion *c, const LegacyMessage *m)
{
	int			codec = m->attributes & LEGACY_ATTR_CODEC;

	if (codec == KP_CODEC_NONE)
		return add_record(c, m->timestamp, m);
	if (codec > KP_CODEC_LZ4)
		return fail(c, KP_BATCH_UNSUPPORTED_CODEC,
					"compression codec not allowed in message format v0/v1");
	return unwrap(c, m);
}

/* A message inside a wrapper: plain, same magic; v1 timestamps per wrapper. */
static KpBatchError
add_inner(Conversion *c, const LegacyMessage *m, const LegacyMessage *w)
{
	int64_t		timestamp = m->timestamp;

	if ((m->attributes & LEGACY_ATTR_CODEC) != KP_CODEC_NONE)
		return fail(c, KP_BATCH_INVALID_RECORD, "nested compressed message");
	if (m->magic != w->magic)
		return fail(c, KP_BATCH_INVALID_RECORD,
					"inner message magic differs from its wrapper's");
	if (m->magic == 1 && (w->attributes & LEGACY_ATTR_LOG_APPEND))
		timestamp = w->timestamp;
	return add_record(c, timestamp, m);
}

/* Converts every message of a set; wrapper is NULL at the top level. */
static KpBatchError
walk_set(Conversion *c, const uint8_t *p, size_t len, const LegacyMessage *wrapper)
{
	size_t		pos = 0;

	if (len == 0)
		return fail(c, KP_BATCH_INVALID_RECORD, wrapper ?
					"compressed message holds no messages" : "empty message set");
	while (pos < len)
	{
		LegacyMessage m;
		int32_t		size;
		KpBatchError err;

		if (len - pos < KP_BATCH_LOG_OVERHEAD)
			return fail(c, KP_BATCH_CORRUPT, "message set ends with a partial message");
		size = (int32_t) kp_get_be32(p + pos + KP_BATCH_OFF_LENGTH);
		if (size < KP_LEGACY_MIN_MESSAGE_SIZE)
			return fail(c, KP_BATCH_CORRUPT, "message size below the minimum");
		if ((size_t) size > len - pos - KP_BATCH_LOG_OVERHEAD)
			return fail(c, KP_BATCH_CORRUPT, "message set ends with a partial message");
		err = parse_message(c, p + pos + KP_BATCH_LOG_OVERHEAD, size, &m);
		if (err == KP_BATCH_OK)
			err = wrapper ? add_inner(c, &m, wrapper) : add_outer(c, &m);
		if (err != KP_BATCH_OK)
			return err;
		pos += KP_BATCH_LOG_OVERHEAD + (size_t) size;
	}
	return KP_BATCH_OK;
}

KpBatchError
kp_msgset_to_batch(const uint8_t *p, size_t len, const KpAllocator *alloc,
				   size_t max_uncompressed, uint8_t **out, size_t *out_len,
				   const char **why)
{
	Conversion	c;
	KpWriter	w;
	KpBatchError err;

	memset(&c, 0, sizeof(c));
	c.alloc = alloc;
	c.budget = max_uncompressed;
	err = walk_set(&c, p, len, NULL);
	*why = c.why;
	if (err != KP_BATCH_OK)
		return err;
	kp_writer_init(&w, alloc, len + KP_BATCH_HEADER_SIZE + 64);
	if (!kp_batch_build(&w, c.recs, c.n, KP_CODEC_NONE, 0, 0,
						KP_NO_PRODUCER_ID, -1, -1))
	{
		*why = w.error;
		return KP_BATCH_CORRUPT;
	}
	*out = w.data;
	*out_len = w.len;
	return KP_BATCH_OK;
}
