/*-------------------------------------------------------------------------
 *
 * api_versions.c
 *	  ApiVersions (key 18): the APIs and version ranges this broker serves.
 *
 * The list is the handler table, so nothing is advertised that is not
 * implemented.  A v3+ request must name its client software with Kafka's
 * allowed characters (KIP-511), else INVALID_REQUEST.  An ApiVersions
 * request of an unsupported version gets UNSUPPORTED_VERSION in a v0
 * response listing the ApiVersions range (built by dispatch.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

/* Kafka: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? */
static bool
valid_software_field(const char *s)
{
	size_t		n = s != NULL ? strlen(s) : 0;

	if (n == 0 || !isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (!isalnum(c) && c != '-' && c != '.')
			return false;
	}
	return true;
}

void
kp_handle_api_versions(KpRequest *req, const void *request, void *response)
{
	const KpApiVersionsRequest *rq = request;
	KpApiVersionsResponse *rs = response;
	int			n = kp_handler_count();

	if (req->version >= 3 &&
		(!valid_software_field(rq->client_software_name) ||
		 !valid_software_field(rq->client_software_version)))
	{
		rs->error_code = KP_ERR_INVALID_REQUEST;
		return;
	}
	rs->api_keys = kp_request_alloc(req, sizeof(KpApiVersion) * n);
	rs->api_keys_count = n;
	for (int i = 0; i < n; i++)
	{
		const KpHandler *h = kp_handler_at(i);

		rs->api_keys[i].api_key = h->api_key;
		rs->api_keys[i].min_version = h->min_version;
		rs->api_keys[i].max_version = h->max_version;
	}
}

bool
kp_api_versions_error(KpRequest *req, const void *request, void *response,
					  int16 error_code)
{
	((KpApiVersionsResponse *) response)->error_code = error_code;
	return true;
}

/*
 * KIP-511: the answer to an ApiVersions request of a version we do not
 * speak; the caller encodes it as a v0 response.  The response struct must
 * hold room for one ApiVersion in *api_keys.
 */
void
kp_api_versions_unsupported(void *response)
{
	KpApiVersionsResponse *rs = response;
	const KpHandler *h = kp_handler_lookup(KP_API_API_VERSIONS);

	rs->error_code = KP_ERR_UNSUPPORTED_VERSION;
	rs->api_keys_count = 1;
	rs->api_keys[0].api_key = h->api_key;
	rs->api_keys[0].min_version = h->min_version;
	rs->api_keys[0].max_version = h->max_version;
}
