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

/*
 * Value checks for the codec's own C types:
 * CHECK_KPBYTES: same length (-1 = null) and, if not null, same bytes.
 * CHECK_UUID: same 16 bytes.
 */
extern bool kpu_check_kpbytes(const char *file, int line, const KpBytes *got,
							  const KpBytes *exp);
extern bool kpu_check_uuid(const char *file, int line, const KpUuid *got,
						   const KpUuid *exp);

#define CHECK_KPBYTES(got, exp)	kpu_check_kpbytes(__FILE__, __LINE__, (got), (exp))
#define CHECK_UUID(got, exp)	kpu_check_uuid(__FILE__, __LINE__, (got), (exp))

/*
 * CHECK_API: the codec's API table (apis.c) has this entry, and its header
 * versions follow the flexible rule (request v2 / response v1 from
 * flexible_min on, v1 / v0 before) in every version of the range.
 */
typedef struct KpuApi
{
	int16_t		api_key;
	const char *name;
	int16_t		min_version;
	int16_t		max_version;
	int16_t		flexible_min;
	const KpStructDesc *request;
	const KpStructDesc *response;
} KpuApi;

extern bool kpu_check_api(const char *file, int line, const KpuApi *exp);

#define CHECK_API(exp)	kpu_check_api(__FILE__, __LINE__, (exp))

#endif							/* KAFKAPG_TEST_VEC_H */
