/*-------------------------------------------------------------------------
 *
 * group_admin.c
 *	  DescribeGroups (API 15) 0-5, ListGroups (16) 0-4, DeleteGroups (42)
 *	  0-2 and OffsetDelete (47) 0: the administrative group APIs.
 *
 * Live groups come from the coordinator's shared memory; a group known
 * only by its committed offsets (a consumer that never joined, or whose
 * group state was not kept) is Empty with no protocol type, as Kafka shows
 * it.  Catalog work runs in short transactions of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/offsets.h"
#include "kafkapg/group/group.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"
#include "kafkapg/storage/storage.h"

/* Kafka's AclOperation codes: READ 3, DELETE 6, DESCRIBE 8 */
#define KP_GROUP_AUTHORIZED_OPERATIONS ((1 << 3) | (1 << 6) | (1 << 8))

/* One catalog function of a group id, run in a transaction of its own */
typedef struct KpGroupCatalogCall
{
	bool		(*fn) (const char *group_id);
	const char *group_id;
	bool		result;
} KpGroupCatalogCall;

static void
call_in_xact(void *arg)
{
	KpGroupCatalogCall *c = arg;

	c->result = c->fn(c->group_id);
}

/* Runs fn(group_id) in its own transaction; false (logged) if it failed. */
static bool
group_catalog_call(bool (*fn) (const char *), const char *group_id, const char *activity,
				   bool *result)
{
	KpGroupCatalogCall c = {fn, group_id, false};
	int			sqlerrcode;
	char	   *message;

	if (!kp_broker_run_ddl(call_in_xact, &c, activity, &sqlerrcode, &message))
	{
		ereport(LOG, (errmsg("%s: group \"%s\": %s", activity, group_id, message)));
		return false;
	}
	*result = c.result;
	return true;
}

/* Does the catalog know the group (offsets or a stored row)? */
static bool
catalog_knows(const char *group_id, int16 *err)
{
	bool		known = false;

	*err = KP_ERR_NONE;
	if (!group_catalog_call(kp_offsets_group_known, group_id, "kafkapg: looking up a group",
							&known))
		*err = KP_ERR_COORDINATOR_NOT_AVAILABLE;
	return known;
}

/* ---------------- DescribeGroups ---------------- */

static void
describe_live(KpRequest *req, const KpGroupInfo *info, KpDescribedGroup *out)
{
	bool		stable = info->state == KP_GROUP_STABLE;

	out->group_state = (char *) kp_group_state_name(info->state);
	out->protocol_type = info->protocol_type;
	out->protocol_data = stable ? info->protocol : "";
	out->members_count = info->nmembers;
	out->members = kp_request_alloc(req, sizeof(KpDescribedGroupMember) * Max(info->nmembers, 1));
	for (int i = 0; i < info->nmembers; i++)
	{
		KpDescribedGroupMember *m = &out->members[i];
		const KpGroupMemberInfo *in = &info->members[i];
		KpBytes		none = {(const uint8 *) "", 0};

		kp_struct_init_defaults(&kp_desc_DescribedGroupMember, m);
		m->member_id = in->member_id;
		m->group_instance_id = in->group_instance_id;
		m->client_id = in->client_id;
		m->client_host = in->client_host;
		/* Kafka shows metadata and assignment only once the group is Stable */
		m->member_metadata = stable ? in->metadata : none;
		m->member_assignment = stable ? in->assignment : none;
	}
}

static void
describe_one(KpRequest *req, const char *group_id, KpDescribedGroup *out)
{
	KpGroupInfo info;
	int16		err = kp_group_ready();

	out->group_id = (char *) (group_id ? group_id : "");
	out->group_state = "Dead";
	out->protocol_type = "";
	out->protocol_data = "";
	out->members_count = 0;
	if (err != KP_ERR_NONE)
	{
		out->error_code = err;
		return;
	}
	if (group_id != NULL && kp_group_describe(group_id, &info))
		describe_live(req, &info, out);
	else if (group_id != NULL && catalog_knows(group_id, &err))
		out->group_state = "Empty";
	out->error_code = err;
}

void
kp_handle_describe_groups(KpRequest *req, const void *request, void *response)
{
	const KpDescribeGroupsRequest *rq = request;
	KpDescribeGroupsResponse *rs = response;

	rs->groups_count = Max(rq->groups_count, 0);
	rs->groups = kp_request_alloc(req, sizeof(KpDescribedGroup) * Max(rq->groups_count, 1));
	for (int i = 0; i < rq->groups_count; i++)
	{
		kp_struct_init_defaults(&kp_desc_DescribedGroup, &rs->groups[i]);
		describe_one(req, rq->groups[i], &rs->groups[i]);
		if (rq->include_authorized_operations)
			rs->groups[i].authorized_operations = KP_GROUP_AUTHORIZED_OPERATIONS;
	}
}

bool
kp_describe_groups_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	const KpDescribeGroupsRequest *rq = request;
	KpDescribeGroupsResponse *rs = response;

	rs->groups_count = Max(rq->groups_count, 0);
	rs->groups = kp_request_alloc(req, sizeof(KpDescribedGroup) * Max(rq->groups_count, 1));
	for (int i = 0; i < rq->groups_count; i++)
	{
		kp_struct_init_defaults(&kp_desc_DescribedGroup, &rs->groups[i]);
		rs->groups[i].group_id = rq->groups[i] ? rq->groups[i] : "";
		rs->groups[i].error_code = error_code;
	}
	return true;
}

/* ---------------- ListGroups ---------------- */

typedef struct KpOffsetGroups
{
	int			n;
	char	  **ids;
} KpOffsetGroups;

static void
read_offset_groups(void *arg)
{
	KpOffsetGroups *o = arg;

	o->n = kp_offsets_group_ids(&o->ids);
}

static bool
state_wanted(const KpListGroupsRequest *rq, const char *state)
{
	if (rq->states_filter_count <= 0)
		return true;
	for (int i = 0; i < rq->states_filter_count; i++)
		if (rq->states_filter[i] != NULL && pg_strcasecmp(rq->states_filter[i], state) == 0)
			return true;
	return false;
}

static void
add_listed(KpListGroupsResponse *rs, const char *id, const char *type, const char *state)
{
	KpListedGroup *g = &rs->groups[rs->groups_count++];

	kp_struct_init_defaults(&kp_desc_ListedGroup, g);
	g->group_id = (char *) id;
	g->protocol_type = (char *) type;
	g->group_state = (char *) state;
}

void
kp_handle_list_groups(KpRequest *req, const void *request, void *response)
{
	const KpListGroupsRequest *rq = request;
	KpListGroupsResponse *rs = response;
	KpGroupInfo *live;
	int			nlive;
	KpOffsetGroups og = {0};
	int			sqlerrcode;
	char	   *message;

	rs->error_code = kp_group_ready();
	if (rs->error_code != KP_ERR_NONE)
		return;
	nlive = kp_group_list(&live);
	if (!kp_broker_run_ddl(read_offset_groups, &og, "kafkapg: listing groups",
						   &sqlerrcode, &message))
	{
		ereport(LOG, (errmsg("kafkapg: could not list groups: %s", message)));
		rs->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
		return;
	}
	rs->groups = kp_request_alloc(req, sizeof(KpListedGroup) * Max(nlive + og.n, 1));
	rs->groups_count = 0;
	for (int i = 0; i < nlive; i++)
		if (state_wanted(rq, kp_group_state_name(live[i].state)))
			add_listed(rs, live[i].group_id, live[i].protocol_type,
					   kp_group_state_name(live[i].state));
	for (int i = 0; i < og.n; i++)
	{
		bool		dup = false;

		for (int k = 0; k < nlive && !dup; k++)
			dup = strcmp(live[k].group_id, og.ids[i]) == 0;
		if (!dup && state_wanted(rq, "Empty"))
			add_listed(rs, og.ids[i], "", "Empty");
	}
}

bool
kp_list_groups_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	((KpListGroupsResponse *) response)->error_code = error_code;
	return true;
}

/* ---------------- DeleteGroups ---------------- */

static int16
delete_one(const char *group_id)
{
	bool		in_memory;
	bool		deleted = false;
	int16		err = kp_group_ready();

	if (err != KP_ERR_NONE)
		return err;
	if (group_id == NULL)
		return KP_ERR_INVALID_GROUP_ID;
	err = kp_group_delete(group_id, &in_memory);
	if (err != KP_ERR_NONE)
		return err;
	if (!group_catalog_call(kp_offsets_delete_group, group_id, "kafkapg: DeleteGroups", &deleted))
		return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	return in_memory || deleted ? KP_ERR_NONE : KP_ERR_GROUP_ID_NOT_FOUND;
}

void
kp_handle_delete_groups(KpRequest *req, const void *request, void *response)
{
	const KpDeleteGroupsRequest *rq = request;
	KpDeleteGroupsResponse *rs = response;

	rs->results_count = Max(rq->groups_names_count, 0);
	rs->results = kp_request_alloc(req, sizeof(KpDeletableGroupResult) *
								   Max(rq->groups_names_count, 1));
	for (int i = 0; i < rq->groups_names_count; i++)
	{
		kp_struct_init_defaults(&kp_desc_DeletableGroupResult, &rs->results[i]);
		rs->results[i].group_id = rq->groups_names[i] ? rq->groups_names[i] : "";
		rs->results[i].error_code = delete_one(rq->groups_names[i]);
	}
}

bool
kp_delete_groups_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	const KpDeleteGroupsRequest *rq = request;
	KpDeleteGroupsResponse *rs = response;

	rs->results_count = Max(rq->groups_names_count, 0);
	rs->results = kp_request_alloc(req, sizeof(KpDeletableGroupResult) *
								   Max(rq->groups_names_count, 1));
	for (int i = 0; i < rq->groups_names_count; i++)
	{
		kp_struct_init_defaults(&kp_desc_DeletableGroupResult, &rs->results[i]);
		rs->results[i].group_id = rq->groups_names[i] ? rq->groups_names[i] : "";
		rs->results[i].error_code = error_code;
	}
	return true;
}

/* ---------------- OffsetDelete ---------------- */

typedef struct KpOffsetDeletion
{
	const KpOffsetDeleteRequest *rq;
	KpOffsetDeleteResponse *rs;
	KpTopicInfo *topics;
} KpOffsetDeletion;

static void
delete_offsets(void *arg)
{
	KpOffsetDeletion *d = arg;

	for (int i = 0; i < d->rs->topics_count; i++)
		for (int j = 0; j < d->rs->topics[i].partitions_count; j++)
			if (d->rs->topics[i].partitions[j].error_code == KP_ERR_NONE)
				(void) kp_offsets_delete(d->rq->group_id, &d->topics[i].id,
										 d->rs->topics[i].partitions[j].partition_index);
}

/* Shapes the response; returns a top-level error or NONE. */
static int16
check_offset_deletes(KpRequest *req, const KpOffsetDeleteRequest *rq,
					 KpOffsetDeleteResponse *rs, KpTopicInfo *topics)
{
	rs->topics_count = Max(rq->topics_count, 0);
	rs->topics = kp_request_alloc(req, sizeof(KpOffsetDeleteResponseTopic) *
								  Max(rq->topics_count, 1));
	for (int i = 0; i < rq->topics_count; i++)
	{
		const KpOffsetDeleteRequestTopic *in = &rq->topics[i];
		KpOffsetDeleteResponseTopic *out = &rs->topics[i];
		KpTopicUse	use = in->name ? kp_group_topic_use(rq->group_id, in->name) : KP_TOPIC_UNUSED;
		bool		known = in->name != NULL && kp_topic_lookup(in->name, &topics[i]);

		if (use == KP_TOPIC_GROUP_NOT_CONSUMER)
			return KP_ERR_NON_EMPTY_GROUP;
		out->name = in->name;
		out->partitions_count = Max(in->partitions_count, 0);
		out->partitions = kp_request_alloc(req, sizeof(KpOffsetDeleteResponsePartition) *
										   Max(in->partitions_count, 1));
		for (int j = 0; j < in->partitions_count; j++)
		{
			KpOffsetDeleteResponsePartition *p = &out->partitions[j];
			int32		part = in->partitions[j].partition_index;

			p->partition_index = part;
			if (!known || part < 0 || part >= topics[i].partitions)
				p->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
			else if (use == KP_TOPIC_SUBSCRIBED)
				p->error_code = KP_ERR_GROUP_SUBSCRIBED_TO_TOPIC;
			else
				p->error_code = KP_ERR_NONE;
		}
	}
	return KP_ERR_NONE;
}

void
kp_handle_offset_delete(KpRequest *req, const void *request, void *response)
{
	const KpOffsetDeleteRequest *rq = request;
	KpOffsetDeleteResponse *rs = response;
	KpOffsetDeletion d = {rq, rs};
	KpGroupInfo info;
	int			sqlerrcode;
	char	   *message;
	int16		err = kp_group_ready();

	if (err == KP_ERR_NONE && (rq->group_id == NULL || rq->group_id[0] == '\0'))
		err = KP_ERR_INVALID_GROUP_ID;
	if (err == KP_ERR_NONE && !kp_group_describe(rq->group_id, &info) &&
		!catalog_knows(rq->group_id, &err) && err == KP_ERR_NONE)
		err = KP_ERR_GROUP_ID_NOT_FOUND;
	d.topics = kp_request_alloc(req, sizeof(KpTopicInfo) * Max(rq->topics_count, 1));
	if (err == KP_ERR_NONE)
		err = check_offset_deletes(req, rq, rs, d.topics);
	if (err != KP_ERR_NONE)
	{
		rs->error_code = err;
		rs->topics_count = 0;
		return;
	}
	if (!kp_broker_run_ddl(delete_offsets, &d, "kafkapg: OffsetDelete", &sqlerrcode, &message))
	{
		ereport(LOG, (errmsg("kafkapg: could not delete offsets of group \"%s\": %s",
							 rq->group_id, message)));
		rs->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
		rs->topics_count = 0;
	}
}

bool
kp_offset_delete_error(KpRequest *req, const void *request, void *response, int16 error_code)
{
	KpOffsetDeleteResponse *rs = response;

	rs->error_code = error_code;
	rs->topics_count = 0;
	return true;
}
