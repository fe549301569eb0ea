/*-------------------------------------------------------------------------
 *
 * delete_topics.c
 *	  DeleteTopics (key 20), versions 0-6: by name, and from v6 by id.
 *
 * Each topic is deleted in its own transaction through the code that
 * kafkapg.delete_topic() uses; the files are removed after the deletion
 * commits (catalog/topics.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

static void
delete_in_xact(void *arg)
{
	kp_topic_delete((const KpTopicInfo *) arg);
}

static bool
uuid_is_zero(const KpUuid *u)
{
	static const KpUuid zero;

	return memcmp(u, &zero, sizeof(KpUuid)) == 0;
}

static void
delete_one(const char *name, const KpUuid *id, KpDeletableTopicResult *out)
{
	KpTopicInfo t;
	int			sqlerrcode;
	char	   *message;
	bool		by_id = name == NULL;

	out->name = (char *) name;
	if (id)
		out->topic_id = *id;
	if (by_id ? (id == NULL || uuid_is_zero(id) || !kp_topic_lookup_id(id, &t))
		: !kp_topic_lookup(name, &t))
	{
		out->error_code = by_id ? KP_ERR_UNKNOWN_TOPIC_ID : KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	out->name = pstrdup(t.name);
	out->topic_id = t.id;
	if (RecoveryInProgress())
	{
		out->error_code = KP_ERR_NOT_CONTROLLER;
		out->error_message = pstrdup("this broker is a standby: delete topics on the primary");
		return;
	}
	if (!kp_broker_run_ddl(delete_in_xact, &t, "kafkapg: deleting a topic", &sqlerrcode, &message))
	{
		out->error_code = sqlerrcode == ERRCODE_UNDEFINED_OBJECT
			? KP_ERR_UNKNOWN_TOPIC_OR_PARTITION : KP_ERR_UNKNOWN_SERVER_ERROR;
		out->error_message = message;
	}
}

static void
fill_response(KpRequest *req, const KpDeleteTopicsRequest *rq, KpDeleteTopicsResponse *rs,
			  int16 request_error)
{
	int			n = req->version >= 6 ? rq->topics_count : rq->topic_names_count;

	rs->responses_count = Max(n, 0);
	rs->responses = kp_request_alloc(req, sizeof(KpDeletableTopicResult) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		KpDeletableTopicResult *out = &rs->responses[i];
		const char *name = req->version >= 6 ? rq->topics[i].name : rq->topic_names[i];
		const KpUuid *id = req->version >= 6 ? &rq->topics[i].topic_id : NULL;

		kp_struct_init_defaults(&kp_desc_DeletableTopicResult, out);
		if (request_error != KP_ERR_NONE)
		{
			out->name = (char *) name;
			out->error_code = request_error;
		}
		else
			delete_one(name, id, out);
	}
}

void
kp_handle_delete_topics(KpRequest *req, const void *request, void *response)
{
	fill_response(req, request, response, KP_ERR_NONE);
}

bool
kp_delete_topics_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	fill_response(req, request, response, error_code);
	return true;
}
