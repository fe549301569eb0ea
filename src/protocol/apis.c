/*-------------------------------------------------------------------------
 *
 * apis.c
 *	  Table of the Kafka APIs known to the codec, and the header-version
 *	  rules that depend on them.
 *
 * Read-only data; no state, no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

static const KpApiSchema kp_apis[] = {
	{KP_API_METADATA, "Metadata", 0, 12, 9,
	&kp_desc_MetadataRequest, &kp_desc_MetadataResponse},
	{KP_API_API_VERSIONS, "ApiVersions", 0, 3, 3,
	&kp_desc_ApiVersionsRequest, &kp_desc_ApiVersionsResponse},
};

const KpApiSchema *
kp_api_schema(int16_t api_key)
{
	for (size_t i = 0; i < sizeof(kp_apis) / sizeof(kp_apis[0]); i++)
	{
		if (kp_apis[i].api_key == api_key)
			return &kp_apis[i];
	}
	return NULL;
}

const char *
kp_api_name(int16_t api_key)
{
	const KpApiSchema *api = kp_api_schema(api_key);

	return api != NULL ? api->name : "unknown";
}

bool
kp_api_is_flexible(const KpApiSchema *api, int16_t version)
{
	return version >= api->flexible_min;
}

/* Request header v2 in flexible versions, v1 otherwise. */
int
kp_request_header_version(const KpApiSchema *api, int16_t version)
{
	return kp_api_is_flexible(api, version) ? 2 : 1;
}

/*
 * Response header v1 in flexible versions, v0 otherwise -- except that an
 * ApiVersions response always uses v0, so that a client can read it before
 * it knows which versions the broker speaks.
 */
int
kp_response_header_version(const KpApiSchema *api, int16_t version)
{
	if (api->api_key == KP_API_API_VERSIONS)
		return 0;
	return kp_api_is_flexible(api, version) ? 1 : 0;
}
