/*-------------------------------------------------------------------------
 *
 * recutil.h
 *	  Helpers for the record-batch unit tests (test_batch.c, test_records.c,
 *	  test_compress.c, test_legacy.c, test_record_vectors.c): building
 *	  batches and legacy message sets, exact-size copies, and comparing
 *	  KpBytes with C strings.
 *
 * Every buffer handed to the library under test is an exact-size block from
 * the test allocator, so that valgrind flags any read past its end.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_TEST_RECUTIL_H
#define KAFKAPG_TEST_RECUTIL_H

#include "unit.h"
#include "kafkapg/record/batch.h"

#define KPU_MAX_UNCOMPRESSED	((size_t) 64 << 20)

/* A C string as KpBytes (without its NUL); NULL gives a null KpBytes. */
extern KpBytes kpu_str(const char *s);

/* A record without headers */
extern KpRecordIn kpu_rin(int64_t timestamp, const char *key, const char *value);

/* Whether b holds exactly the characters of s (NULL = null). */
extern bool kpu_bytes_is(KpBytes b, const char *s);

/* Exact-size copy of what a writer holds */
extern uint8_t *kpu_writer_copy(const KpWriter *w, size_t *len);

/* One batch from kp_batch_build with producer id/epoch/sequence -1; NULL on failure. */
extern uint8_t *kpu_batch(const KpRecordIn *recs, int n, int codec,
						  int64_t base_offset, size_t *len);

/* Appends a v2 record with arbitrary deltas, no headers, to w. */
extern void kpu_raw_record(KpWriter *w, int64_t timestamp_delta,
						   int32_t offset_delta, KpBytes key, KpBytes value);

/*
 * A v2 batch around a raw records section, with the given count, last
 * offset delta and attributes, base timestamp 1000, correct length and CRC.
 */
extern uint8_t *kpu_raw_batch(const uint8_t *records, size_t records_len,
							  int32_t count, int32_t last_offset_delta,
							  int16_t attributes, size_t *len);

/* Appends one legacy message (magic 0 or 1) with a correct CRC-32 to w. */
extern void kpu_legacy_message(KpWriter *w, int magic, int attributes,
							   int64_t offset, int64_t timestamp,
							   KpBytes key, KpBytes value);

/* Number of records a batch iterates to, or -1 if iteration fails. */
extern int	kpu_count_records(const uint8_t *batch, size_t len);

/* Fills p[0..len-1] with reproducible pseudo-random bytes. */
extern void kpu_random_bytes(uint8_t *p, size_t len, uint32_t seed);

#endif							/* KAFKAPG_TEST_RECUTIL_H */
