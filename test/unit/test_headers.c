/*-------------------------------------------------------------------------
 *
 * test_headers.c
 *	  Unit tests for the request/response headers (codec.c) and for the
 *	  header-version rules and API table of apis.c.
 *
 * Hand-written from the Kafka schemas RequestHeader.json (v0: api key,
 * api version, correlation id; v1 adds client_id, a NON-compact nullable
 * string; v2 adds a tagged-field section) and ResponseHeader.json (v0:
 * correlation id; v1 adds a tagged-field section).
 *
 *-------------------------------------------------------------------------
 */
#include "unit.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* Decodes all of hex (plus `trailing` body bytes) as a request header. */
static bool
decode_header(const char *hex, int version, size_t trailing, KpRequestHeader *h)
{
	size_t		len;
	uint8_t    *buf = kpu_hex(hex, &len);
	KpReader	r;
	bool		ok;

	kp_reader_init(&r, buf, len);
	ok = kp_decode_request_header(&r, version, &kpu_allocator, h);
	if (!CHECK_MSG(ok, "header v%d did not decode: %s", version,
				   r.error ? r.error : "?"))
		return false;
	return CHECK_INT(r.end - r.p, trailing);
}

static bool
header_fails(const char *hex, int version)
{
	size_t		len;
	uint8_t    *buf = kpu_hex(hex, &len);
	KpReader	r;
	KpRequestHeader h;

	kp_reader_init(&r, buf, len);
	if (kp_decode_request_header(&r, version, &kpu_allocator, &h))
		return false;
	return r.error != NULL;
}

static void
check_encoded_header(int version, const KpRequestHeader *h, const char *hex)
{
	KpWriter	w;
	size_t		len;
	uint8_t    *exp = kpu_hex(hex, &len);

	kp_writer_init(&w, &kpu_allocator, 1);
	kp_encode_request_header(&w, version, h);
	CHECK(w.error == NULL);
	CHECK_BYTES(w.data, w.len, exp, len);
}

static void
check_encoded_response_header(int version, int32_t correlation_id,
							  const char *hex)
{
	KpWriter	w;
	size_t		len;
	uint8_t    *exp = kpu_hex(hex, &len);

	kp_writer_init(&w, &kpu_allocator, 1);
	kp_encode_response_header(&w, version, correlation_id);
	CHECK(w.error == NULL);
	CHECK_BYTES(w.data, w.len, exp, len);
}

/* ------------------------------------------------------- request headers */

KPU_TEST(header_request_v0)
{
	/* Metadata v5, correlation id 0x01020304, then two body bytes */
	const char *hex = "0003 0005 01020304";
	KpRequestHeader h = {3, 5, 0x01020304, NULL};
	KpRequestHeader d;

	REQUIRE(decode_header("0003 0005 01020304 abcd", 0, 2, &d));
	CHECK_INT(d.request_api_key, 3);
	CHECK_INT(d.request_api_version, 5);
	CHECK_INT(d.correlation_id, 0x01020304);
	CHECK_NULL(d.client_id);
	check_encoded_header(0, &h, hex);
}

KPU_TEST(header_request_v1_client_id)
{
	/* ApiVersions v2, correlation id 7, client id "kp" (int16 length) */
	const char *hex = "0012 0002 00000007 0002 6b70";
	KpRequestHeader h = {18, 2, 7, "kp"};
	KpRequestHeader d;

	REQUIRE(decode_header(hex, 1, 0, &d));
	CHECK_INT(d.request_api_key, 18);
	CHECK_INT(d.request_api_version, 2);
	CHECK_INT(d.correlation_id, 7);
	CHECK_STR(d.client_id, "kp");
	check_encoded_header(1, &h, hex);
}

KPU_TEST(header_request_v1_null_client_id)
{
	const char *hex = "0003 0001 ffffffff ffff";
	KpRequestHeader h = {3, 1, -1, NULL};
	KpRequestHeader d;

	REQUIRE(decode_header(hex, 1, 0, &d));
	CHECK_INT(d.correlation_id, -1);
	CHECK_NULL(d.client_id);
	check_encoded_header(1, &h, hex);
}

KPU_TEST(header_request_v1_empty_client_id)
{
	const char *hex = "0003 0001 00000001 0000";
	KpRequestHeader h = {3, 1, 1, ""};
	KpRequestHeader d;

	REQUIRE(decode_header(hex, 1, 0, &d));
	CHECK_STR(d.client_id, "");
	check_encoded_header(1, &h, hex);
}

KPU_TEST(header_request_v2)
{
	/* Metadata v12, correlation 42, client id "kp" NOT compact, no tags */
	const char *hex = "0003 000c 0000002a 0002 6b70 00";
	KpRequestHeader h = {3, 12, 42, "kp"};
	KpRequestHeader d;

	REQUIRE(decode_header(hex, 2, 0, &d));
	CHECK_INT(d.request_api_key, 3);
	CHECK_INT(d.request_api_version, 12);
	CHECK_INT(d.correlation_id, 42);
	CHECK_STR(d.client_id, "kp");
	check_encoded_header(2, &h, hex);
}

KPU_TEST(header_request_v2_unknown_tags_skipped)
{
	/*
	 * Two tagged fields nobody knows: tag 5 (3 bytes) and tag 300 (uvarint
	 * ac02, empty), followed by the first body byte 0x99 which must remain.
	 */
	const char *hex = "0012 0003 00000009 ffff"
		"02 05 03 aabbcc ac02 00"
		"99";
	KpRequestHeader d;

	REQUIRE(decode_header(hex, 2, 1, &d));
	CHECK_INT(d.request_api_key, 18);
	CHECK_INT(d.request_api_version, 3);
	CHECK_INT(d.correlation_id, 9);
	CHECK_NULL(d.client_id);
}

KPU_TEST(header_request_v2_null_client_id)
{
	const char *hex = "0012 0003 00000009 ffff 00";
	KpRequestHeader h = {18, 3, 9, NULL};

	check_encoded_header(2, &h, hex);
}

KPU_TEST(header_request_malformed)
{
	/* every strict prefix of a v2 header with a tagged field */
	const char *full = "0003 000c 0000002a 0002 6b70 01 05 02 abcd";
	size_t		len;
	uint8_t    *buf = kpu_hex(full, &len);

	for (size_t n = 0; n < len; n++)
	{
		KpReader	r;
		KpRequestHeader h;

		kp_reader_init(&r, kpu_copy(buf, n), n);
		CHECK_MSG(!kp_decode_request_header(&r, 2, &kpu_allocator, &h) &&
				  r.error != NULL, "header prefix of %zu bytes decoded", n);
	}
	/* client id length below -1, and longer than the input */
	CHECK(header_fails("0003 0001 00000001 fffe", 1));
	CHECK(header_fails("0003 0001 00000001 8000", 1));
	CHECK(header_fails("0003 0001 00000001 0005 6b70", 1));
	/* tagged field larger than the rest of the input; over-long count */
	CHECK(header_fails("0003 0009 00000001 ffff 01 05 09 abcd", 2));
	CHECK(header_fails("0003 0009 00000001 ffff 8080808080 01", 2));
}

/* ------------------------------------------------------ response headers */

KPU_TEST(header_response_v0_v1)
{
	check_encoded_response_header(0, 0x01020304, "01020304");
	check_encoded_response_header(0, -1, "ffffffff");
	check_encoded_response_header(1, 0x01020304, "01020304 00");
	check_encoded_response_header(1, 0, "00000000 00");
}

/* ------------------------------------------------------------------ peek */

KPU_TEST(header_peek)
{
	size_t		len;
	uint8_t    *buf = kpu_hex("0012 0003 7fffffff 0002 6b70", &len);
	int16_t		key = 0,
				version = 0;
	int32_t		corr = 0;

	CHECK(kp_peek_request_header(buf, len, &key, &version, &corr));
	CHECK_INT(key, 18);
	CHECK_INT(version, 3);
	CHECK_INT(corr, INT32_MAX);
	/* the client id is not needed: eight bytes are enough */
	CHECK(kp_peek_request_header(kpu_copy(buf, 8), 8, &key, &version, &corr));
	for (size_t n = 0; n < 8; n++)
		CHECK_MSG(!kp_peek_request_header(kpu_copy(buf, n), n, &key, &version,
										  &corr),
				  "peek succeeded on %zu bytes", n);
}

/* ------------------------------------------------- header version rules */

KPU_TEST(header_versions_metadata)
{
	const KpApiSchema *api = kp_api_schema(KP_API_METADATA);

	REQUIRE(api != NULL);
	CHECK_INT(api->api_key, 3);
	CHECK_STR(api->name, "Metadata");
	CHECK_INT(api->min_version, 0);
	CHECK_INT(api->max_version, 12);
	CHECK_INT(api->flexible_min, 9);
	for (int16_t v = 0; v <= 12; v++)
	{
		CHECK_INT(kp_api_is_flexible(api, v), v >= 9);
		CHECK_INT(kp_request_header_version(api, v), v >= 9 ? 2 : 1);
		CHECK_INT(kp_response_header_version(api, v), v >= 9 ? 1 : 0);
	}
}

KPU_TEST(header_versions_api_versions)
{
	const KpApiSchema *api = kp_api_schema(KP_API_API_VERSIONS);

	REQUIRE(api != NULL);
	CHECK_INT(api->api_key, 18);
	CHECK_STR(api->name, "ApiVersions");
	CHECK_INT(api->min_version, 0);
	CHECK_INT(api->max_version, 3);
	CHECK_INT(api->flexible_min, 3);
	for (int16_t v = 0; v <= 3; v++)
	{
		CHECK_INT(kp_api_is_flexible(api, v), v >= 3);
		CHECK_INT(kp_request_header_version(api, v), v >= 3 ? 2 : 1);
		/* always v0, so clients can parse it before negotiating */
		CHECK_INT(kp_response_header_version(api, v), 0);
	}
}

KPU_TEST(header_api_table)
{
	const KpApiSchema *md = kp_api_schema(KP_API_METADATA);
	const KpApiSchema *av = kp_api_schema(KP_API_API_VERSIONS);

	REQUIRE(md != NULL && av != NULL);
	CHECK(md->request == &kp_desc_MetadataRequest);
	CHECK(md->response == &kp_desc_MetadataResponse);
	CHECK(av->request == &kp_desc_ApiVersionsRequest);
	CHECK(av->response == &kp_desc_ApiVersionsResponse);
	CHECK_NULL(kp_api_schema(4));	/* LeaderAndIsr: inter-broker only */
	CHECK_NULL(kp_api_schema(-1));
	CHECK_NULL(kp_api_schema(999));
	CHECK_STR(kp_api_name(3), "Metadata");
	CHECK_STR(kp_api_name(18), "ApiVersions");
	CHECK_STR(kp_api_name(999), "unknown");
}
