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

/*
 * CHECK_STRUCT: got holds exp's value in every field that message m
 * carries at its version (tagged fields only when flexible), and the
 * schema default in every other field, recursing into arrays and
 * sub-structs; a failure names the field path ("topics[0].name").
 */
extern bool kpu_check_struct(const char *file, int line, const KpuMsg *m,
							 const void *got, const void *exp);

#define CHECK_STRUCT(m, got, exp) \
	kpu_check_struct(__FILE__, __LINE__, (m), (got), (exp))

/*
 * One message type across its version range, walked the way every API test
 * walks it: *canonical is a struct holding a value for every field of every
 * version (every field set, as it is not passed through the defaults), and
 * vectors[v] is that struct written by hand in version v from Kafka's
 * schema.
 */
#define KPU_MAX_VERSION	31

typedef struct KpuVersions
{
	const KpStructDesc *desc;
	int16_t		min_version;
	int16_t		max_version;
	int16_t		flexible_min;	/* KP_NEVER if no version is flexible */
	const void *canonical;
	const char *vectors[KPU_MAX_VERSION + 1];	/* indexed by version */
} KpuVersions;

extern KpuMsg kpu_versions_msg(const KpuVersions *s, int16_t v);
extern void *kpu_versions_canonical(const KpuVersions *s);
extern bool kpu_versions_roundtrip(const char *file, int line,
								   const KpuVersions *s);
extern bool kpu_versions_corrupt(const char *file, int line,
								 const KpuVersions *s);
extern bool kpu_versions_tags_skipped(const char *file, int line,
									  const KpuVersions *s, int16_t v,
									  const char *hex);

/*
 * VERSIONS_MSG: the KpuMsg of s at version v (flexible from flexible_min).
 * VERSIONS_ROUNDTRIP: in every version, ROUNDTRIP of the canonical struct
 * against vectors[v], CHECK_STRUCT of the decoded struct against it, and
 * the decoded struct encoding back to vectors[v].
 * VERSIONS_CORRUPT: CORRUPT_SAFELY on the vector of every version.
 * VERSIONS_TAGS_SKIPPED: hex, vectors[v] with unknown tags added, decodes
 * to the canonical struct and encodes back without them (to vectors[v]);
 * every strict prefix of it fails, and CORRUPT_SAFELY holds for it.
 */
#define VERSIONS_MSG(s, v)	kpu_versions_msg((s), (v))
#define VERSIONS_ROUNDTRIP(s)	kpu_versions_roundtrip(__FILE__, __LINE__, (s))
#define VERSIONS_CORRUPT(s)	kpu_versions_corrupt(__FILE__, __LINE__, (s))
#define VERSIONS_TAGS_SKIPPED(s, v, hex) \
	kpu_versions_tags_skipped(__FILE__, __LINE__, (s), (v), (hex))

#endif							/* KAFKAPG_TEST_VEC_H */
