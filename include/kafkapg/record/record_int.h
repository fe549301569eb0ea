/*-------------------------------------------------------------------------
 *
 * record_int.h
 *	  Helpers shared by the files of src/record only; not part of the
 *	  library's interface (see batch.h and compress.h for that).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_RECORD_RECORD_INT_H
#define KAFKAPG_RECORD_RECORD_INT_H

#include "kafkapg/record/batch.h"

static inline uint16_t
kp_get_be16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
kp_get_be32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline uint64_t
kp_get_be64(const uint8_t *p)
{
	return ((uint64_t) kp_get_be32(p) << 32) | kp_get_be32(p + 4);
}

static inline void
kp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static inline void
kp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

static inline void
kp_put_be64(uint8_t *p, uint64_t v)
{
	kp_put_be32(p, (uint32_t) (v >> 32));
	kp_put_be32(p + 4, (uint32_t) v);
}

/*
 * Reads the header of one v2 batch of exactly len bytes and checks its
 * framing (size, batch length, magic 2) but not its CRC (batch.c).
 */
extern KpBatchError kp_batch_check_frame(const uint8_t *p, size_t len,
										 KpBatchHeader *h, const char **why);

/*
 * kp_record_iter_init with an error class (records.c): KP_BATCH_CORRUPT for
 * framing and decompression failures, KP_BATCH_UNSUPPORTED_CODEC for an
 * unknown codec.  strict demands offset delta i for record i.
 */
extern KpBatchError kp_record_iter_start(KpRecordIter *it, const uint8_t *batch,
										 size_t len, const KpAllocator *alloc,
										 size_t max_uncompressed, bool strict,
										 const char **why);

#endif							/* KAFKAPG_RECORD_RECORD_INT_H */
