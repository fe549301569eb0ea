/*-------------------------------------------------------------------------
 *
 * find_coordinator.c
 *	  FindCoordinator (API 10), versions 0-4.
 *
 * The broker that accepts writes is the coordinator of every group and
 * every transactional id: this one on a primary, the primary (as named in
 * kafkapg.leader) on a hot standby, whose catalog is read-only.  Version 4
 * answers a batch of keys (KIP-699), the earlier versions one key.  A key
 * type other than 0 (group) or 1 (transaction) is INVALID_REQUEST, an
 * empty group id INVALID_GROUP_ID, as Kafka answers them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/shmem.h"

#define KP_KEY_GROUP 0
#define KP_KEY_TRANSACTION 1

/* The error for a key, or KP_ERR_NONE. */
static int16
check_key(int8 key_type, const char *key)
{
	if (key_type != KP_KEY_GROUP && key_type != KP_KEY_TRANSACTION)
		return KP_ERR_INVALID_REQUEST;
	if (key == NULL || key[0] == '\0')
		return key_type == KP_KEY_GROUP ? KP_ERR_INVALID_GROUP_ID : KP_ERR_INVALID_REQUEST;
	return KP_ERR_NONE;
}

static void
fill_response(KpRequest *req, const KpFindCoordinatorRequest *rq,
			  KpFindCoordinatorResponse *rs, int16 request_error)
{
	KpLeaderInfo leader;

	kp_cluster_leader(&leader);
	if (req->version < 4)
	{
		rs->error_code = request_error != KP_ERR_NONE ? request_error :
			check_key(rq->key_type, rq->key);
		rs->node_id = rs->error_code == KP_ERR_NONE ? leader.node_id : -1;
		rs->host = rs->error_code == KP_ERR_NONE ? pstrdup(leader.host) : "";
		rs->port = rs->error_code == KP_ERR_NONE ? leader.port : -1;
		return;
	}
	rs->coordinators_count = Max(rq->coordinator_keys_count, 0);
	rs->coordinators = kp_request_alloc(req, sizeof(KpFindCoordinatorCoordinator) *
										Max(rq->coordinator_keys_count, 1));
	for (int i = 0; i < rq->coordinator_keys_count; i++)
	{
		KpFindCoordinatorCoordinator *c = &rs->coordinators[i];

		kp_struct_init_defaults(&kp_desc_FindCoordinatorCoordinator, c);
		c->key = rq->coordinator_keys[i];
		c->error_code = request_error != KP_ERR_NONE ? request_error :
			check_key(rq->key_type, c->key);
		c->node_id = c->error_code == KP_ERR_NONE ? leader.node_id : -1;
		c->host = c->error_code == KP_ERR_NONE ? pstrdup(leader.host) : "";
		c->port = c->error_code == KP_ERR_NONE ? leader.port : -1;
	}
}

void
kp_handle_find_coordinator(KpRequest *req, const void *request, void *response)
{
	fill_response(req, request, response, KP_ERR_NONE);
}

bool
kp_find_coordinator_error(KpRequest *req, const void *request, void *response,
						  int16 error_code)
{
	fill_response(req, request, response, error_code);
	return true;
}
