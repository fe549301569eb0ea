/*-------------------------------------------------------------------------
 *
 * vec.h
 *	  Helpers that check the codec against hand-written byte vectors.
 *
 * A vector is a hex string (white space ignored) written by hand from the
 * Kafka message schemas; the helpers decode it, encode a struct and compare
 * the bytes, check that every strict prefix of it fails to decode, or check
 * that it is rejected with a given error.  Each reports through unit.h with
 * the caller's file:line.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_TEST_VEC_H
#define KAFKAPG_TEST_VEC_H

#include "unit.h"

/* A message type at one version */
typedef struct KpuMsg
{
	const KpStructDesc *desc;
	int16_t		version;
	bool		flexible;
} KpuMsg;

extern void *kpu_decode_vec(const char *file, int line, const KpuMsg *m,
							const char *hex);
extern bool kpu_encode_vec(const char *file, int line, const KpuMsg *m,
						   const void *in, const char *hex);
extern bool kpu_prefixes_fail(const char *file, int line, const KpuMsg *m,
							  const char *hex);
extern void *kpu_roundtrip(const char *file, int line, const KpuMsg *m,
						   const void *in, const char *hex);
extern bool kpu_decode_fails(const char *file, int line, const KpuMsg *m,
							 const char *hex, const char *error,
							 const char *field);
extern bool kpu_corrupt_safely(const char *file, int line, const KpuMsg *m,
							   const char *hex);
extern bool kpu_encode_fails(const char *file, int line, const KpuMsg *m,
							 const void *in, const char *error,
							 const char *field);

/*
 * DECODE_VEC: decodes all of hex; returns the struct, or NULL (reported).
 * ENCODE_VEC: encodes in and compares with hex byte for byte.
 * PREFIXES_FAIL: every strict prefix of hex must fail to decode.
 * ROUNDTRIP: all three; returns the decoded struct or NULL.
 * CORRUPT_SAFELY: overwriting any one byte of hex with 00, 01, 7f, 80 or
 * ff must either decode or fail with an error set (and never crash or read
 * out of bounds -- run under valgrind).
 * DECODE_FAILS / ENCODE_FAILS: must fail with this error string (NULL:
 * any) and, if field is not NULL, name this field.
 */
#define DECODE_VEC(m, hex)	kpu_decode_vec(__FILE__, __LINE__, (m), (hex))
#define ENCODE_VEC(m, in, hex)	kpu_encode_vec(__FILE__, __LINE__, (m), (in), (hex))
#define PREFIXES_FAIL(m, hex)	kpu_prefixes_fail(__FILE__, __LINE__, (m), (hex))
#define ROUNDTRIP(m, in, hex)	kpu_roundtrip(__FILE__, __LINE__, (m), (in), (hex))
#define CORRUPT_SAFELY(m, hex)	kpu_corrupt_safely(__FILE__, __LINE__, (m), (hex))
#define DECODE_FAILS(m, hex, err, field) \
	kpu_decode_fails(__FILE__, __LINE__, (m), (hex), (err), (field))
#define ENCODE_FAILS(m, in, err, field) \
	kpu_encode_fails(__FILE__, __LINE__, (m), (in), (err), (field))

#endif							/* KAFKAPG_TEST_VEC_H */
