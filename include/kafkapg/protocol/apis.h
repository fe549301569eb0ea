/*-------------------------------------------------------------------------
 *
 * apis.h
 *	  The Kafka APIs the codec knows: key, name, schema version range,
 *	  first flexible version, and the request/response descriptors.
 *
 * This is what the codec can parse, not what the broker advertises: the
 * broker's handler table (broker/handlers.c) states implemented ranges,
 * which must lie inside these.  Read-only data.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_PROTOCOL_APIS_H
#define KAFKAPG_PROTOCOL_APIS_H

#include "kafkapg/protocol/codec.h"

/* API keys (Kafka protocol guide, "Api Keys") */
#define KP_API_PRODUCE			0
#define KP_API_FETCH			1
#define KP_API_LIST_OFFSETS		2
#define KP_API_METADATA			3
#define KP_API_OFFSET_COMMIT	8
#define KP_API_OFFSET_FETCH		9
#define KP_API_FIND_COORDINATOR	10
#define KP_API_JOIN_GROUP		11
#define KP_API_HEARTBEAT		12
#define KP_API_LEAVE_GROUP		13
#define KP_API_SYNC_GROUP		14
#define KP_API_DESCRIBE_GROUPS	15
#define KP_API_LIST_GROUPS		16
#define KP_API_API_VERSIONS		18
#define KP_API_CREATE_TOPICS	19
#define KP_API_DELETE_TOPICS	20
#define KP_API_OFFSET_FOR_LEADER_EPOCH	23
#define KP_API_DELETE_GROUPS	42
#define KP_API_OFFSET_DELETE	47
#define KP_API_DESCRIBE_CLUSTER	60

typedef struct KpApiSchema
{
	int16_t		api_key;
	const char *name;
	int16_t		min_version;
	int16_t		max_version;
	int16_t		flexible_min;	/* first flexible version, or KP_NEVER */
	const KpStructDesc *request;
	const KpStructDesc *response;
} KpApiSchema;

extern const KpApiSchema *kp_api_schema(int16_t api_key);
extern const char *kp_api_name(int16_t api_key);
extern bool kp_api_is_flexible(const KpApiSchema *api, int16_t version);
extern int	kp_request_header_version(const KpApiSchema *api, int16_t version);
extern int	kp_response_header_version(const KpApiSchema *api, int16_t version);

#endif							/* KAFKAPG_PROTOCOL_APIS_H */
