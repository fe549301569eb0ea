/*-------------------------------------------------------------------------
 *
 * test_api_versions.c
 *	  Byte-vector tests for ApiVersions (API key 18) requests and responses
 *	  in every version the codec supports (0-3, flexible from 3).
 *
 * Every vector below was written by hand from Kafka's
 * ApiVersionsRequest.json / ApiVersionsResponse.json; the non-flexible
 * ones (v0-v2) were cross-checked against kafka-python 2.0.2 with
 * crosscheck_kafka_python.py.  Each vector is decoded (field values
 * asserted, fields absent from the version must hold their defaults),
 * re-encoded from a struct built here (byte-for-byte equal), and every
 * strict prefix of it must fail to decode.
 *
 * Response v3 tagged fields: 0 supported_features, 1 finalized_features_epoch
 * (default -1), 2 finalized_features, 3 zk_migration_ready (default false).
 * Tags equal to their default are omitted; tags are written in ascending
 * order; unknown tags are skipped on input.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/messages.h"

/* ------------------------------------------------------------- vectors */

/* Requests v0-v2 have no fields at all. */
static const char AV_REQ_V0[] = "";
static const char AV_REQ_V1[] = "";
static const char AV_REQ_V2[] = "";

static const char AV_REQ_V3[] =
	"03 6b70"					/* client_software_name "kp" (compact) */
	"04 312e30"					/* client_software_version "1.0" */
	"00";						/* no tagged fields */

static const char AV_REQ_V3_UNKNOWN_TAGS[] =
	"03 6b70"
	"04 312e30"
	"02"						/* two tagged fields, both unknown: */
	"05 02 abcd"				/* tag 5, 2 bytes */
	"c801 00";					/* tag 200 (uvarint c8 01), 0 bytes */

/* Response: api_keys [{3, 0, 12}, {18, 0, 3}], throttle 5 ms (v1+) */
static const char AV_RESP_V0[] =
	"0000"						/* error_code 0 */
	"00000002"					/* api_keys: 2 */
	"0003 0000 000c"			/* Metadata 0-12 */
	"0012 0000 0003";			/* ApiVersions 0-3 */

static const char AV_RESP_V1[] =
	"0000"
	"00000002"
	"0003 0000 000c"
	"0012 0000 0003"
	"00000005";					/* throttle_time_ms 5 */

static const char AV_RESP_V2[] =
	"0000"
	"00000002"
	"0003 0000 000c"
	"0012 0000 0003"
	"00000005";

static const char AV_RESP_V3_NO_TAGS[] =
	"0000"
	"03"						/* api_keys: compact, 2 */
	"0003 0000 000c 00"			/* each element ends with a tag section */
	"0012 0000 0003 00"
	"00000005"
	"00";						/* all tagged fields at default: none */

static const char AV_RESP_V3_ALL_TAGS[] =
	"0000"
	"03"
	"0003 0000 000c 00"
	"0012 0000 0003 00"
	"00000005"
	"04"						/* four tagged fields, ascending */
	"00 08"						/* tag 0 supported_features, 8 bytes: */
	"02 0266 0001 0002 00"		/* [{"f", min 1, max 2}] */
	"01 08"						/* tag 1 finalized_features_epoch, 8 bytes */
	"0000000000000007"			/* epoch 7 */
	"02 08"						/* tag 2 finalized_features, 8 bytes: */
	"02 0266 0002 0001 00"		/* [{"f", max_level 2, min_level 1}] */
	"03 01 01";					/* tag 3 zk_migration_ready true */

static const char AV_RESP_V3_SOME_TAGS[] =
	"0000"
	"01"						/* api_keys: empty */
	"00000000"
	"02"
	"01 08 0000000000000000"	/* epoch 0 is not the default (-1) */
	"03 01 01";					/* zk_migration_ready true */

/* The same values as AV_RESP_V3_NO_TAGS, with tags explicitly at default. */
static const char AV_RESP_V3_DEFAULT_TAGS[] =
	"0000"
	"03"
	"0003 0000 000c 00"
	"0012 0000 0003 00"
	"00000005"
	"04"
	"00 01 01"					/* supported_features: empty array */
	"01 08 ffffffffffffffff"	/* epoch -1 */
	"02 01 01"					/* finalized_features: empty array */
	"03 01 00";					/* zk_migration_ready false */

static const char AV_RESP_V3_UNKNOWN_TAGS[] =
	"0000"
	"02"						/* api_keys: 1 */
	"0012 0000 0003"
	"01 63 01 ff"				/* element: unknown tag 99, 1 byte */
	"00000005"
	"02"
	"01 08 0000000000000007"	/* known tag 1: epoch 7 */
	"0a 03 010203";				/* unknown tag 10, 3 bytes */

/* UNSUPPORTED_VERSION (35): the reply to a version the broker lacks */
static const char AV_RESP_V0_ERROR[] =
	"0023"
	"00000000";

static const char AV_RESP_V3_ERROR[] =
	"0023"
	"01"
	"00000000"
	"00";

/* -------------------------------------------------------------- structs */

static KpApiVersion av_keys[] = {
	{.api_key = 3, .min_version = 0, .max_version = 12},
	{.api_key = 18, .min_version = 0, .max_version = 3},
};

static KpSupportedFeatureKey av_supported[] = {
	{.name = "f", .min_version = 1, .max_version = 2},
};

static KpFinalizedFeatureKey av_finalized[] = {
	{.name = "f", .max_version_level = 2, .min_version_level = 1},
};

static KpuMsg
av_req(int16_t v)
{
	KpuMsg		m = {&kp_desc_ApiVersionsRequest, v, v >= 3};

	return m;
}

static KpuMsg
av_resp(int16_t v)
{
	KpuMsg		m = {&kp_desc_ApiVersionsResponse, v, v >= 3};

	return m;
}

/* api_keys and throttle; tagged fields at their defaults */
static void
av_response(KpApiVersionsResponse *r)
{
	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, r);
	r->api_keys_count = 2;
	r->api_keys = av_keys;
	r->throttle_time_ms = 5;
}

/* ... plus all four tagged fields set to non-default values */
static void
av_response_all_tags(KpApiVersionsResponse *r)
{
	av_response(r);
	r->supported_features_count = 1;
	r->supported_features = av_supported;
	r->finalized_features_epoch = 7;
	r->finalized_features_count = 1;
	r->finalized_features = av_finalized;
	r->zk_migration_ready = true;
}

/* ------------------------------------------------------------- checkers */

static void
check_av_request(const KpApiVersionsRequest *got, const char *name,
				 const char *version)
{
	CHECK_STR(got->client_software_name, name);
	CHECK_STR(got->client_software_version, version);
}

static void
check_api_keys(const KpApiVersionsResponse *got, const KpApiVersionsResponse *exp)
{
	if (!CHECK_INT(got->api_keys_count, exp->api_keys_count))
		return;
	for (int i = 0; i < exp->api_keys_count; i++)
	{
		CHECK_INT(got->api_keys[i].api_key, exp->api_keys[i].api_key);
		CHECK_INT(got->api_keys[i].min_version, exp->api_keys[i].min_version);
		CHECK_INT(got->api_keys[i].max_version, exp->api_keys[i].max_version);
	}
}

static void
check_features(const KpApiVersionsResponse *got, const KpApiVersionsResponse *exp)
{
	CHECK_INT(got->finalized_features_epoch, exp->finalized_features_epoch);
	CHECK_INT(got->zk_migration_ready, exp->zk_migration_ready);
	if (CHECK_INT(got->supported_features_count, exp->supported_features_count))
	{
		for (int i = 0; i < exp->supported_features_count; i++)
		{
			const KpSupportedFeatureKey *g = &got->supported_features[i];
			const KpSupportedFeatureKey *e = &exp->supported_features[i];

			CHECK_STR(g->name, e->name);
			CHECK_INT(g->min_version, e->min_version);
			CHECK_INT(g->max_version, e->max_version);
		}
	}
	if (CHECK_INT(got->finalized_features_count, exp->finalized_features_count))
	{
		for (int i = 0; i < exp->finalized_features_count; i++)
		{
			const KpFinalizedFeatureKey *g = &got->finalized_features[i];
			const KpFinalizedFeatureKey *e = &exp->finalized_features[i];

			CHECK_STR(g->name, e->name);
			CHECK_INT(g->max_version_level, e->max_version_level);
			CHECK_INT(g->min_version_level, e->min_version_level);
		}
	}
}

/* Fields absent from version v must hold the schema defaults. */
static void
check_av_response(const KpApiVersionsResponse *got,
				  const KpApiVersionsResponse *exp, int v)
{
	KpApiVersionsResponse defaults;

	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, &defaults);
	CHECK_INT(got->error_code, exp->error_code);
	check_api_keys(got, exp);
	CHECK_INT(got->throttle_time_ms, v >= 1 ? exp->throttle_time_ms : 0);
	check_features(got, v >= 3 ? exp : &defaults);
}

/* -------------------------------------------------------------- requests */

KPU_TEST(api_versions_v0_v2_request)
{
	const char *const vec[] = {AV_REQ_V0, AV_REQ_V1, AV_REQ_V2};
	KpApiVersionsRequest in;

	kp_struct_init_defaults(&kp_desc_ApiVersionsRequest, &in);
	in.client_software_name = "kp";	/* v3+ only: must not be written */
	in.client_software_version = "1.0";
	for (int16_t v = 0; v <= 2; v++)
	{
		KpuMsg		m = av_req(v);
		KpApiVersionsRequest *d = ROUNDTRIP(&m, &in, vec[v]);

		if (d != NULL)
			check_av_request(d, NULL, NULL);
	}
}

KPU_TEST(api_versions_v3_request)
{
	KpuMsg		m = av_req(3);
	KpApiVersionsRequest in = {"kp", "1.0"};
	KpApiVersionsRequest *d = ROUNDTRIP(&m, &in, AV_REQ_V3);

	REQUIRE(d != NULL);
	check_av_request(d, "kp", "1.0");
}

KPU_TEST(api_versions_v3_request_unknown_tags_skipped)
{
	KpuMsg		m = av_req(3);
	KpApiVersionsRequest in = {"kp", "1.0"};
	KpApiVersionsRequest *d = DECODE_VEC(&m, AV_REQ_V3_UNKNOWN_TAGS);

	REQUIRE(d != NULL);
	check_av_request(d, "kp", "1.0");
	PREFIXES_FAIL(&m, AV_REQ_V3_UNKNOWN_TAGS);
	/* unknown tags are not preserved */
	ENCODE_VEC(&m, &in, AV_REQ_V3);
}

/* A null (or absent) non-nullable string is written as the default "". */
KPU_TEST(api_versions_v3_request_null_name_encodes_empty)
{
	KpuMsg		m = av_req(3);
	KpApiVersionsRequest in = {NULL, NULL};

	ENCODE_VEC(&m, &in, "01 01 00");
}

/* ------------------------------------------------------------- responses */

KPU_TEST(api_versions_v0_v2_response)
{
	const char *const vec[] = {AV_RESP_V0, AV_RESP_V1, AV_RESP_V2};
	KpApiVersionsResponse in;

	/* tagged fields are v3+: set, they must still not be written */
	av_response_all_tags(&in);
	for (int16_t v = 0; v <= 2; v++)
	{
		KpuMsg		m = av_resp(v);
		KpApiVersionsResponse *d = ROUNDTRIP(&m, &in, vec[v]);

		if (d != NULL)
			check_av_response(d, &in, v);
	}
}

KPU_TEST(api_versions_v3_response_no_tags)
{
	KpuMsg		m = av_resp(3);
	KpApiVersionsResponse in;
	KpApiVersionsResponse *d;

	av_response(&in);
	d = ROUNDTRIP(&m, &in, AV_RESP_V3_NO_TAGS);
	REQUIRE(d != NULL);
	check_av_response(d, &in, 3);
	CHECK_INT(d->finalized_features_epoch, -1);
	CHECK_INT(d->zk_migration_ready, false);
	CHECK_INT(d->supported_features_count, 0);
	CHECK_INT(d->finalized_features_count, 0);
}

KPU_TEST(api_versions_v3_response_all_tags)
{
	KpuMsg		m = av_resp(3);
	KpApiVersionsResponse in;
	KpApiVersionsResponse *d;

	av_response_all_tags(&in);
	d = ROUNDTRIP(&m, &in, AV_RESP_V3_ALL_TAGS);
	REQUIRE(d != NULL);
	check_av_response(d, &in, 3);
	REQUIRE(d->supported_features_count == 1);
	CHECK_STR(d->supported_features[0].name, "f");
	CHECK_INT(d->finalized_features_epoch, 7);
	CHECK_INT(d->zk_migration_ready, true);
}

KPU_TEST(api_versions_v3_response_some_tags)
{
	KpuMsg		m = av_resp(3);
	KpApiVersionsResponse in;
	KpApiVersionsResponse *d;

	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, &in);
	in.finalized_features_epoch = 0;
	in.zk_migration_ready = true;
	d = ROUNDTRIP(&m, &in, AV_RESP_V3_SOME_TAGS);
	REQUIRE(d != NULL);
	check_av_response(d, &in, 3);
}

/* Tags present on input with default values decode, and are then omitted. */
KPU_TEST(api_versions_v3_response_default_tags_omitted)
{
	KpuMsg		m = av_resp(3);
	KpApiVersionsResponse in;
	KpApiVersionsResponse *d;

	av_response(&in);
	d = DECODE_VEC(&m, AV_RESP_V3_DEFAULT_TAGS);
	REQUIRE(d != NULL);
	check_av_response(d, &in, 3);
	PREFIXES_FAIL(&m, AV_RESP_V3_DEFAULT_TAGS);
	ENCODE_VEC(&m, d, AV_RESP_V3_NO_TAGS);
}

/* Unknown tags, in an array element and at top level, are skipped. */
KPU_TEST(api_versions_v3_response_unknown_tags_skipped)
{
	KpuMsg		m = av_resp(3);
	KpApiVersionsResponse *d = DECODE_VEC(&m, AV_RESP_V3_UNKNOWN_TAGS);

	REQUIRE(d != NULL);
	REQUIRE(d->api_keys_count == 1);
	CHECK_INT(d->api_keys[0].api_key, 18);
	CHECK_INT(d->api_keys[0].min_version, 0);
	CHECK_INT(d->api_keys[0].max_version, 3);
	CHECK_INT(d->throttle_time_ms, 5);
	CHECK_INT(d->finalized_features_epoch, 7);
	CHECK_INT(d->zk_migration_ready, false);
	CHECK_INT(d->supported_features_count, 0);
	PREFIXES_FAIL(&m, AV_RESP_V3_UNKNOWN_TAGS);
}

KPU_TEST(api_versions_v0_v3_response_error)
{
	KpApiVersionsResponse in;
	KpuMsg		m0 = av_resp(0);
	KpuMsg		m3 = av_resp(3);
	KpApiVersionsResponse *d;

	kp_struct_init_defaults(&kp_desc_ApiVersionsResponse, &in);
	in.error_code = 35;
	d = ROUNDTRIP(&m0, &in, AV_RESP_V0_ERROR);
	if (d != NULL)
		check_av_response(d, &in, 0);
	d = ROUNDTRIP(&m3, &in, AV_RESP_V3_ERROR);
	if (d != NULL)
		check_av_response(d, &in, 3);
}

/* Any single corrupted byte: clean failure, never a crash. */
KPU_TEST(api_versions_all_corrupt_bytes)
{
	KpuMsg		req = av_req(3);
	KpuMsg		r0 = av_resp(0);
	KpuMsg		r1 = av_resp(1);
	KpuMsg		r3 = av_resp(3);

	CORRUPT_SAFELY(&req, AV_REQ_V3_UNKNOWN_TAGS);
	CORRUPT_SAFELY(&r0, AV_RESP_V0);
	CORRUPT_SAFELY(&r1, AV_RESP_V1);
	CORRUPT_SAFELY(&r3, AV_RESP_V3_ALL_TAGS);
	CORRUPT_SAFELY(&r3, AV_RESP_V3_UNKNOWN_TAGS);
}
