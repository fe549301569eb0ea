/*-------------------------------------------------------------------------
 *
 * test_malformed.c
 *	  Malformed input must be rejected cleanly: decode returns false with
 *	  a static error and the failing field named, never crashes, never
 *	  reads past the input, never allocates in proportion to a length that
 *	  the input cannot back.  Also: values that cannot be encoded.
 *
 * Covered here: null in a non-nullable string/array, string length below
 * -1, negative array counts, compact length overflow, array counts larger
 * than the remaining bytes, over-long varints, tagged fields that are too
 * short or run past the input.  Truncation at EVERY byte offset of EVERY
 * valid vector is covered by the ROUNDTRIP/PREFIXES_FAIL calls in
 * test_metadata.c and test_api_versions.c, single-byte corruption by their
 * *_all_corrupt_bytes tests.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/messages.h"

#define NULL_ERR	"null value in a non-nullable field"
#define NEG_ERR		"negative length"
#define TRUNC_ERR	"truncated input"
#define COUNT_ERR	"array count exceeds remaining bytes"

static KpuMsg
msg(const KpStructDesc *desc, int16_t v, bool flexible)
{
	KpuMsg		m = {desc, v, flexible};

	return m;
}

#define MD_REQ(v)	msg(&kp_desc_MetadataRequest, (v), (v) >= 9)
#define MD_RESP(v)	msg(&kp_desc_MetadataResponse, (v), (v) >= 9)
#define AV_REQ(v)	msg(&kp_desc_ApiVersionsRequest, (v), (v) >= 3)
#define AV_RESP(v)	msg(&kp_desc_ApiVersionsResponse, (v), (v) >= 3)

/* ------------------------------------------------------ null, not nullable */

KPU_TEST(malformed_null_not_nullable)
{
	KpuMsg		m;

	m = MD_REQ(0);				/* topics null before v1 */
	DECODE_FAILS(&m, "ffffffff", NULL_ERR, "topics");
	m = MD_REQ(9);				/* topic name null before v10 */
	DECODE_FAILS(&m, "02 00 00 01 00 00 00", NULL_ERR, "name");
	m = MD_RESP(0);				/* broker host */
	DECODE_FAILS(&m, "00000001 00000001 ffff 00000001 00000000", NULL_ERR,
				 "host");
	m = MD_RESP(9);
	DECODE_FAILS(&m, "00000000 02 00000001 00 00000001 00 00", NULL_ERR, "host");
	m = MD_RESP(0);				/* topic name before v12 */
	DECODE_FAILS(&m, "00000000 00000001 0000 ffff 00000000", NULL_ERR, "name");
	m = MD_RESP(0);				/* replica_nodes is never nullable */
	DECODE_FAILS(&m, "00000000 00000001 0000 0001 74 00000001"
				 "0000 00000000 00000001 ffffffff 00000000", NULL_ERR,
				 "replica_nodes");
	m = MD_RESP(1);				/* brokers is never nullable */
	DECODE_FAILS(&m, "ffffffff 00000001 00000000", NULL_ERR, "brokers");
	m = AV_REQ(3);				/* client_software_name */
	DECODE_FAILS(&m, "00 04 312e30 00", NULL_ERR, "client_software_name");
	m = AV_RESP(3);				/* api_keys, compact null */
	DECODE_FAILS(&m, "0000 00 00000000 00", NULL_ERR, "api_keys");
}

/* ------------------------------------------------------ negative lengths */

KPU_TEST(malformed_negative_lengths)
{
	KpuMsg		m = MD_RESP(0);

	DECODE_FAILS(&m, "00000001 00000001 fffe 61 00000001 00000000", NEG_ERR,
				 "host");
	DECODE_FAILS(&m, "00000001 00000001 8000 61 00000001 00000000", NEG_ERR,
				 "host");
	DECODE_FAILS(&m, "80000000 00000000", NEG_ERR, "brokers");
	m = MD_REQ(1);				/* null is -1; -2 is not a count */
	DECODE_FAILS(&m, "fffffffe", NEG_ERR, "topics");
	m = MD_RESP(2);				/* nullable string, length -2 */
	DECODE_FAILS(&m, "00000000 fffe ffffffff 00000000", NEG_ERR, "cluster_id");
}

/* ------------------------------------------------ compact length overflow */

KPU_TEST(malformed_compact_length_overflow)
{
	KpuMsg		m = MD_REQ(9);

	/* length+1 = 0xffffffff and 0x80000000: beyond int32 */
	DECODE_FAILS(&m, "02 ffffffff0f", "length out of range", "name");
	DECODE_FAILS(&m, "8080808008", "length out of range", "topics");
	/* length+1 = INT32_MAX: representable, but far beyond the input */
	DECODE_FAILS(&m, "02 ffffffff07 74 00 01 00 00 00", TRUNC_ERR, "name");
	DECODE_FAILS(&m, "ffffffff07 00", COUNT_ERR, "topics");
	/* a 33-bit uvarint is rejected before it is used as a length */
	DECODE_FAILS(&m, "02 ffffffff1f", "varint out of range", "name");
}

/* ----------------------------------------- counts beyond remaining bytes */

static size_t largest_alloc;

static void *
watching_alloc(void *ctx, size_t size)
{
	(void) ctx;
	if (size > largest_alloc)
		largest_alloc = size;
	return kpu_allocator.alloc(kpu_allocator.ctx, size);
}

static const KpAllocator watching = {watching_alloc, NULL, NULL};

/* Decodes hex with the watching allocator; returns the decode result. */
static bool
decode_watched(const KpuMsg *m, const char *hex, KpReader *r)
{
	KpCodecCtx	ctx = {m->version, m->flexible, &watching};
	size_t		len;
	uint8_t    *buf = kpu_hex(hex, &len);
	void	   *out = kpu_malloc(m->desc->size);

	largest_alloc = 0;
	kp_reader_init(r, buf, len);
	return kp_decode_struct(m->desc, &ctx, r, out);
}

KPU_TEST(malformed_array_count_exceeds_input)
{
	KpuMsg		m = MD_REQ(0);
	KpuMsg		m9 = MD_RESP(9);
	KpReader	r;

	/* INT32_MAX topics in four bytes: refused before allocating */
	CHECK(!decode_watched(&m, "7fffffff 0001 74", &r));
	CHECK_STR(r.error, COUNT_ERR);
	CHECK_STR(r.field, "topics");
	CHECK(largest_alloc < 1024);
	/* a count the input could back, but the elements are missing */
	DECODE_FAILS(&m, "00000002 0001 74", TRUNC_ERR, "name");
	/* compact: 1000 brokers announced, 6 bytes follow */
	CHECK(!decode_watched(&m9, "00000000 e807 00000001 0161", &r));
	CHECK_STR(r.error, COUNT_ERR);
	CHECK(largest_alloc < 1024);
	/* int32 arrays: count below remaining bytes, but 4 bytes each */
	m = MD_RESP(0);
	DECODE_FAILS(&m, "00000000 00000001 0000 0001 74 00000001"
				 "0000 00000000 00000001 00000005 00000001 00000001",
				 TRUNC_ERR, NULL);
}

/* ------------------------------------------------------ over-long varints */

KPU_TEST(malformed_overlong_varints)
{
	KpuMsg		m = MD_REQ(9);
	KpuMsg		av = AV_RESP(3);

	/* compact array length in six bytes */
	DECODE_FAILS(&m, "808080808001 00", "varint too long", "topics");
	/* tagged-field count, tag number and tag size */
	DECODE_FAILS(&m, "01 01 00 00 8080808080 01", "varint too long", NULL);
	DECODE_FAILS(&m, "01 01 00 00 01 ffffffffff01 00", "varint too long", NULL);
	DECODE_FAILS(&m, "01 01 00 00 01 05 8080808080 00", "varint too long", NULL);
	/* compact string length inside an array element */
	DECODE_FAILS(&m, "02 ffffffffff01", "varint too long", "name");
	DECODE_FAILS(&av, "0000 01 00000000 01 00 8080808080808001",
				 "varint too long", NULL);
}

/* --------------------------------------------------------- tagged fields */

KPU_TEST(malformed_tagged_fields)
{
	KpuMsg		m = AV_RESP(3);
	KpuMsg		r9 = MD_REQ(9);

	/* tag size runs past the input */
	DECODE_FAILS(&m, "0000 01 00000000 01 05 7f 00", TRUNC_ERR, NULL);
	DECODE_FAILS(&r9, "01 01 00 00 01 0a 02 ff", TRUNC_ERR, NULL);
	/* known tags whose content is shorter than their type */
	DECODE_FAILS(&m, "0000 01 00000000 01 01 04 00000007", TRUNC_ERR,
				 "finalized_features_epoch");
	DECODE_FAILS(&m, "0000 01 00000000 01 03 00", TRUNC_ERR,
				 "zk_migration_ready");
	DECODE_FAILS(&m, "0000 01 00000000 01 02 00", TRUNC_ERR,
				 "finalized_features");
	/* a known tag whose content is itself malformed (null name) */
	DECODE_FAILS(&m, "0000 01 00000000 01 00 07 02 00 0001 0002 00",
				 NULL_ERR, "supported_features");
	/* tagged array count larger than the tag's own bytes */
	DECODE_FAILS(&m, "0000 01 00000000 01 00 02 05 00", COUNT_ERR,
				 "supported_features");
}

/* Bytes after a complete message are the caller's business, not an error. */
KPU_TEST(malformed_trailing_bytes_left_unread)
{
	KpCodecCtx	ctx = {1, false, &kpu_allocator};
	size_t		len;
	uint8_t    *buf = kpu_hex("ffffffff 0102", &len);
	KpMetadataRequest out;
	KpReader	r;

	kp_reader_init(&r, buf, len);
	CHECK(kp_decode_struct(&kp_desc_MetadataRequest, &ctx, &r, &out));
	CHECK_INT(r.end - r.p, 2);
}

/* ------------------------------------------------- unencodable values */

KPU_TEST(malformed_encode_errors)
{
	static char long_name[40000];
	KpMetadataRequestTopic t = {.name = long_name};
	KpMetadataRequest req;
	KpMetadataResponse resp;
	KpApiVersionsResponse av;
	KpuMsg		m;

	memset(long_name, 'x', sizeof(long_name) - 1);
	kp_struct_init_defaults(&kp_desc_MetadataRequest, &req);
	req.topics_count = 1;
	req.topics = &t;
	m = MD_REQ(1);
	ENCODE_FAILS(&m, &req, "string longer than 32767 bytes", "name");
	m = MD_REQ(9);
	ENCODE_FAILS(&m, &req, "string longer than 32767 bytes", "name");
	req.topics = NULL;
	ENCODE_FAILS(&m, &req, "array count set without elements", "topics");

	kp_struct_init_defaults(&kp_desc_MetadataResponse, &resp);
	resp.brokers_count = -1;
	m = MD_RESP(9);
	ENCODE_FAILS(&m, &resp, "null array in a non-nullable field", "brokers");

	/* an error inside a tagged field reaches the caller */
	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, &av);
	av.supported_features_count = 1;
	m = AV_RESP(3);
	ENCODE_FAILS(&m, &av, "array count set without elements",
				 "supported_features");
}

/* A string of exactly 32767 bytes is still representable. */
KPU_TEST(malformed_encode_longest_string)
{
	static char name[32768];
	KpMetadataRequestTopic t = {.name = name};
	KpMetadataRequest req;
	KpCodecCtx	ctx = {1, false, &kpu_allocator};
	KpWriter	w;

	memset(name, 'x', sizeof(name) - 1);
	kp_struct_init_defaults(&kp_desc_MetadataRequest, &req);
	req.topics_count = 1;
	req.topics = &t;
	kp_writer_init(&w, &kpu_allocator, 1);
	CHECK(kp_encode_struct(&kp_desc_MetadataRequest, &ctx, &w, &req));
	CHECK_INT(w.len, 4 + 2 + 32767);
	CHECK_INT(w.data[4], 0x7f);
	CHECK_INT(w.data[5], 0xff);
}
