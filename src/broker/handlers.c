/*-------------------------------------------------------------------------
 *
 * handlers.c
 *	  The broker's handler table, indexed by API key: what is implemented,
 *	  in which versions, and by which function.
 *
 * ApiVersions advertises exactly this table.  Every range must lie within
 * the codec's schema range (protocol/apis.c).  Read-only data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"

static const KpHandler kp_handlers[] = {
	/* api key              versions  handler                  error response */
	{KP_API_METADATA, 0, 12, kp_handle_metadata, kp_metadata_error},
	{KP_API_API_VERSIONS, 0, 3, kp_handle_api_versions, kp_api_versions_error},
};

const KpHandler *
kp_handler_lookup(int16 api_key)
{
	for (int i = 0; i < lengthof(kp_handlers); i++)
	{
		if (kp_handlers[i].api_key == api_key)
			return &kp_handlers[i];
	}
	return NULL;
}

int
kp_handler_count(void)
{
	return lengthof(kp_handlers);
}

const KpHandler *
kp_handler_at(int i)
{
	return &kp_handlers[i];
}
