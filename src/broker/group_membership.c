/*-------------------------------------------------------------------------
 *
 * group_membership.c
 *	  JoinGroup (API 11) 0-9, SyncGroup (14) 0-5, Heartbeat (12) 0-4 and
 *	  LeaveGroup (13) 0-5: the wire side of the group coordinator
 *	  (src/group).
 *
 * The coordinator decides; these handlers name the caller (its waiter
 * token, client id and host), park the request when the coordinator says
 * to wait (it is run again when its group's barrier moves, whichever worker
 * moved it, or at the deadline), and store the group in the catalog when
 * it changed, holding the response until that commit is durable.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/broker/worker.h"
#include "kafkapg/group/group.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

/* Kafka's client host: "/" and the peer's address without the port */
static char *
client_host(KpRequest *req)
{
	const char *peer = req->conn->peer;
	const char *colon = strrchr(peer, ':');
	int			len = colon ? (int) (colon - peer) : (int) strlen(peer);

	if (len >= 2 && peer[0] == '[' && peer[len - 1] == ']')
		return psprintf("/%.*s", len - 2, peer + 1);
	return psprintf("/%.*s", len, peer);
}

static void
caller(KpRequest *req, KpGroupCaller *who)
{
	who->token = kp_group_token(kp_my_worker_index, req->conn->serial);
	who->retry = req->retry;
	who->version = req->version;
	who->client_id = req->header.client_id ? req->header.client_id : "";
	who->client_host = client_host(req);
	who->alloc = req->alloc;
}

/* Parks the request, or stores what changed and holds the answer for it. */
static void
follow(KpRequest *req, KpGroupOutcome *out)
{
	if (out->persist_group != NULL)
	{
		kp_group_persist(out->persist_group);
		if (req->hold_until < (uint64) XactLastCommitEnd)
			req->hold_until = (uint64) XactLastCommitEnd;
	}
	if (out->park)
		req->park_until_ms = out->until_ms;
}

void
kp_handle_join_group(KpRequest *req, const void *request, void *response)
{
	KpGroupCaller who;
	KpGroupOutcome out;

	caller(req, &who);
	kp_group_join(request, &who, response, &out);
	follow(req, &out);
}

bool
kp_join_group_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	KpJoinGroupResponse *rs = response;

	rs->error_code = error_code;
	rs->member_id = "";
	rs->leader = "";
	return true;
}

void
kp_handle_sync_group(KpRequest *req, const void *request, void *response)
{
	KpGroupCaller who;
	KpGroupOutcome out;

	caller(req, &who);
	kp_group_sync(request, &who, response, &out);
	follow(req, &out);
}

bool
kp_sync_group_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	((KpSyncGroupResponse *) response)->error_code = error_code;
	return true;
}

void
kp_handle_heartbeat(KpRequest *req, const void *request, void *response)
{
	KpGroupCaller who;

	caller(req, &who);
	((KpHeartbeatResponse *) response)->error_code = kp_group_heartbeat(request, &who);
}

bool
kp_heartbeat_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	((KpHeartbeatResponse *) response)->error_code = error_code;
	return true;
}

void
kp_handle_leave_group(KpRequest *req, const void *request, void *response)
{
	KpGroupCaller who;
	KpGroupOutcome out;

	caller(req, &who);
	kp_group_leave(request, &who, response, &out);
	follow(req, &out);
}

bool
kp_leave_group_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	((KpLeaveGroupResponse *) response)->error_code = error_code;
	return true;
}
