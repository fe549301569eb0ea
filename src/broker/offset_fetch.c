/*-------------------------------------------------------------------------
 *
 * offset_fetch.c
 *	  OffsetFetch (API 9), versions 0-8.
 *
 * Reads kafkapg.consumer_offset in one short read-only transaction per
 * group.  Versions 0-7 ask for one group, version 8 for several (KIP-709);
 * a null topic list (version 2 on) asks for every committed offset of the
 * group.  A partition without a committed offset answers offset -1, no
 * metadata and no error, as Kafka does; an empty group id is
 * INVALID_GROUP_ID.  require_stable needs no wait: offsets are committed
 * only by whole transactions, so none is ever pending.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/offsets.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

/* One partition's answer, in the shape shared by every version. */
typedef struct KpFetchedOffset
{
	int32		partition;
	int64		offset;
	int32		leader_epoch;
	char	   *metadata;
	int16		error_code;
} KpFetchedOffset;

/* One topic's answer. */
typedef struct KpFetchedTopic
{
	const char *name;
	int			count;
	KpFetchedOffset *parts;
} KpFetchedTopic;

/* What one group asked (topics NULL: all) and what it gets. */
typedef struct KpGroupFetch
{
	KpRequest  *req;
	const char *group_id;
	int			ntopics;		/* -1: every committed offset */
	const char **topic_names;
	int		   *counts;
	int32	  **partitions;
	/* the answer */
	int			nresult;
	KpFetchedTopic *result;
	int16		error_code;
} KpGroupFetch;

static void
answer_named(KpGroupFetch *g)
{
	g->nresult = g->ntopics;
	g->result = kp_request_alloc(g->req, sizeof(KpFetchedTopic) * Max(g->ntopics, 1));
	for (int i = 0; i < g->ntopics; i++)
	{
		KpFetchedTopic *t = &g->result[i];
		KpTopicInfo info;
		bool		known = g->topic_names[i] != NULL &&
			kp_topic_lookup(g->topic_names[i], &info);

		t->name = g->topic_names[i];
		t->count = Max(g->counts[i], 0);
		t->parts = kp_request_alloc(g->req, sizeof(KpFetchedOffset) * Max(t->count, 1));
		for (int j = 0; j < t->count; j++)
		{
			KpFetchedOffset *o = &t->parts[j];

			o->partition = g->partitions[i][j];
			o->offset = -1;
			o->leader_epoch = -1;
			o->metadata = "";
			if (known &&
				!kp_offsets_fetch(g->group_id, &info.id, o->partition, &o->offset,
								  &o->leader_epoch, &o->metadata))
				o->metadata = "";
			if (o->metadata == NULL)
				o->metadata = "";
		}
	}
}

/* Every committed offset of the group, grouped by topic. */
static void
answer_all(KpGroupFetch *g)
{
	KpCommittedOffset *rows;
	int			n = kp_offsets_list(g->group_id, &rows);

	g->nresult = 0;
	g->result = kp_request_alloc(g->req, sizeof(KpFetchedTopic) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		KpFetchedTopic *t;
		KpFetchedOffset *o;
		KpTopicInfo info;

		if (!kp_topic_lookup_id(&rows[i].topic_id, &info))
			continue;
		if (g->nresult == 0 || strcmp(g->result[g->nresult - 1].name, info.name) != 0)
		{
			t = &g->result[g->nresult++];
			t->name = pstrdup(info.name);
			t->count = 0;
			t->parts = kp_request_alloc(g->req, sizeof(KpFetchedOffset) * (n - i));
		}
		t = &g->result[g->nresult - 1];
		o = &t->parts[t->count++];
		o->partition = rows[i].partition;
		o->offset = rows[i].offset;
		o->leader_epoch = rows[i].leader_epoch;
		o->metadata = rows[i].metadata != NULL ? rows[i].metadata : "";
		o->error_code = KP_ERR_NONE;
	}
}

static void
read_offsets(void *arg)
{
	KpGroupFetch *g = arg;

	if (g->ntopics < 0)
		answer_all(g);
	else
		answer_named(g);
}

/* Fills g's answer (or its error code) for one group. */
static void
fetch_group(KpGroupFetch *g, int16 request_error)
{
	int			sqlerrcode;
	char	   *message;

	g->error_code = request_error;
	if (g->error_code == KP_ERR_NONE && (g->group_id == NULL || g->group_id[0] == '\0'))
		g->error_code = KP_ERR_INVALID_GROUP_ID;
	if (g->error_code == KP_ERR_NONE &&
		!kp_broker_run_ddl(read_offsets, g, "kafkapg: OffsetFetch", &sqlerrcode, &message))
	{
		ereport(LOG,
				(errmsg("kafkapg: could not read offsets of group \"%s\": %s",
						g->group_id, message)));
		g->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
	}
	if (g->error_code != KP_ERR_NONE)
	{
		/* the named partitions, each with the group's error */
		g->nresult = Max(g->ntopics, 0);
		g->result = kp_request_alloc(g->req, sizeof(KpFetchedTopic) * Max(g->nresult, 1));
		for (int i = 0; i < g->nresult; i++)
		{
			KpFetchedTopic *t = &g->result[i];

			t->name = g->topic_names[i];
			t->count = Max(g->counts[i], 0);
			t->parts = kp_request_alloc(g->req, sizeof(KpFetchedOffset) * Max(t->count, 1));
			for (int j = 0; j < t->count; j++)
				t->parts[j] = (KpFetchedOffset)
				{
					g->partitions[i][j], -1, -1, "", g->error_code
				};
		}
	}
}

/* Versions 0-7: one group, the answer in the top-level topics array. */
static void
fill_v0(KpRequest *req, const KpOffsetFetchRequest *rq, KpOffsetFetchResponse *rs,
		int16 request_error)
{
	KpGroupFetch g = {.req = req, .group_id = rq->group_id};

	g.ntopics = rq->topics == NULL ? -1 : rq->topics_count;
	g.topic_names = kp_request_alloc(req, sizeof(char *) * Max(g.ntopics, 1));
	g.counts = kp_request_alloc(req, sizeof(int) * Max(g.ntopics, 1));
	g.partitions = kp_request_alloc(req, sizeof(int32 *) * Max(g.ntopics, 1));
	for (int i = 0; i < g.ntopics; i++)
	{
		g.topic_names[i] = rq->topics[i].name;
		g.counts[i] = rq->topics[i].partition_indexes_count;
		g.partitions[i] = rq->topics[i].partition_indexes;
	}
	fetch_group(&g, request_error);
	rs->error_code = req->version >= 2 ? g.error_code : KP_ERR_NONE;
	rs->topics_count = g.nresult;
	rs->topics = kp_request_alloc(req, sizeof(KpOffsetFetchResponseTopic) * Max(g.nresult, 1));
	for (int i = 0; i < g.nresult; i++)
	{
		KpOffsetFetchResponseTopic *t = &rs->topics[i];

		t->name = unconstify(char *, g.result[i].name);
		t->partitions_count = g.result[i].count;
		t->partitions = kp_request_alloc(req, sizeof(KpOffsetFetchResponsePartition) *
										 Max(t->partitions_count, 1));
		for (int j = 0; j < t->partitions_count; j++)
		{
			const KpFetchedOffset *o = &g.result[i].parts[j];
			KpOffsetFetchResponsePartition *p = &t->partitions[j];

			p->partition_index = o->partition;
			p->committed_offset = o->offset;
			p->committed_leader_epoch = o->leader_epoch;
			p->metadata = o->metadata;
			p->error_code = o->error_code;
		}
	}
}

/* Version 8: a batch of groups, each answered in its own entry. */
static void
fill_v8(KpRequest *req, const KpOffsetFetchRequest *rq, KpOffsetFetchResponse *rs,
		int16 request_error)
{
	rs->groups_count = Max(rq->groups_count, 0);
	rs->groups = kp_request_alloc(req, sizeof(KpOffsetFetchResponseGroup) *
								  Max(rq->groups_count, 1));
	for (int k = 0; k < rq->groups_count; k++)
	{
		const KpOffsetFetchRequestGroup *in = &rq->groups[k];
		KpOffsetFetchResponseGroup *out = &rs->groups[k];
		KpGroupFetch g = {.req = req, .group_id = in->group_id};

		g.ntopics = in->topics == NULL ? -1 : in->topics_count;
		g.topic_names = kp_request_alloc(req, sizeof(char *) * Max(g.ntopics, 1));
		g.counts = kp_request_alloc(req, sizeof(int) * Max(g.ntopics, 1));
		g.partitions = kp_request_alloc(req, sizeof(int32 *) * Max(g.ntopics, 1));
		for (int i = 0; i < g.ntopics; i++)
		{
			g.topic_names[i] = in->topics[i].name;
			g.counts[i] = in->topics[i].partition_indexes_count;
			g.partitions[i] = in->topics[i].partition_indexes;
		}
		fetch_group(&g, request_error);
		out->group_id = in->group_id;
		out->error_code = g.error_code;
		out->topics_count = g.nresult;
		out->topics = kp_request_alloc(req, sizeof(KpOffsetFetchResponseTopics) *
									   Max(g.nresult, 1));
		for (int i = 0; i < g.nresult; i++)
		{
			KpOffsetFetchResponseTopics *t = &out->topics[i];

			t->name = unconstify(char *, g.result[i].name);
			t->partitions_count = g.result[i].count;
			t->partitions = kp_request_alloc(req, sizeof(KpOffsetFetchResponsePartitions) *
											 Max(t->partitions_count, 1));
			for (int j = 0; j < t->partitions_count; j++)
			{
				const KpFetchedOffset *o = &g.result[i].parts[j];
				KpOffsetFetchResponsePartitions *p = &t->partitions[j];

				p->partition_index = o->partition;
				p->committed_offset = o->offset;
				p->committed_leader_epoch = o->leader_epoch;
				p->metadata = o->metadata;
				p->error_code = o->error_code;
			}
		}
	}
}

void
kp_handle_offset_fetch(KpRequest *req, const void *request, void *response)
{
	if (req->version >= 8)
		fill_v8(req, request, response, KP_ERR_NONE);
	else
		fill_v0(req, request, response, KP_ERR_NONE);
}

bool
kp_offset_fetch_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	if (req->version >= 8)
		fill_v8(req, request, response, error_code);
	else
		fill_v0(req, request, response, error_code);
	return true;
}
