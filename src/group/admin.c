/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  Looking at groups from outside the protocol: DescribeGroups,
 *	  ListGroups, the SQL views, DeleteGroups and OffsetDelete's check.
 *
 * Snapshots are copied into the caller's memory context under the shared
 * coordinator lock, so a view or a response never points into shared
 * memory after the lock is released.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"

#include "kafkapg/group/group_int.h"
#include "kafkapg/protocol/errors.h"

static void
fill_info(KpGroup *g, KpGroupInfo *info, bool with_members)
{
	int			n = 0;

	info->group_id = pstrdup(g->group_id);
	info->state = g->state;
	info->protocol_type = pstrdup(g->protocol_type);
	info->protocol = pstrdup(g->protocol);
	info->generation = g->generation;
	info->nmembers = 0;
	info->members = NULL;
	for (int i = 0; i < g->nmembers; i++)
		if (!kp_member_at(g, i)->pending)
			n++;
	info->nmembers = n;
	if (!with_members)
		return;
	info->members = palloc0(sizeof(KpGroupMemberInfo) * Max(n, 1));
	n = 0;
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);
		KpGroupMemberInfo *o = &info->members[n];
		KpBytes		meta = {(const uint8 *) "", 0};
		const char *inst = kp_member_instance(m);

		if (m->pending)
			continue;
		(void) kp_member_protocol(m, g->protocol, &meta);
		o->member_id = pstrdup(kp_member_id(m));
		o->group_instance_id = inst ? pstrdup(inst) : NULL;
		o->client_id = pstrdup(kp_member_client_id(m));
		o->client_host = pstrdup(kp_member_client_host(m));
		o->metadata = kp_group_copy_bytes(meta);
		o->assignment = kp_group_copy_bytes(kp_member_assignment(m));
		n++;
	}
}

/* The live state of a group; false if the coordinator does not hold it. */
bool
kp_group_describe(const char *group_id, KpGroupInfo *info)
{
	KpGroup    *g;

	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	g = kp_group_lookup(group_id);
	if (g != NULL)
		fill_info(g, info, true);
	LWLockRelease(&kp_groups->lock);
	return g != NULL;
}

/* Every group the coordinator holds, without members. */
int
kp_group_list(KpGroupInfo **infos)
{
	HASH_SEQ_STATUS seq;
	KpGroup    *g;
	int			n = 0;
	long		cap;

	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	cap = Max(hash_get_num_entries(kp_group_table), 1);
	*infos = palloc0(sizeof(KpGroupInfo) * cap);
	hash_seq_init(&seq, kp_group_table);
	while ((g = hash_seq_search(&seq)) != NULL)
		fill_info(g, &(*infos)[n++], false);
	LWLockRelease(&kp_groups->lock);
	return n;
}

bool
kp_group_has_members(const char *group_id)
{
	KpGroup    *g;
	bool		live = false;

	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	g = kp_group_lookup(group_id);
	if (g != NULL)
		for (int i = 0; i < g->nmembers && !live; i++)
			live = !kp_member_at(g, i)->pending;
	LWLockRelease(&kp_groups->lock);
	return live;
}

/*
 * The shared-memory half of DeleteGroups: an Empty group is removed
 * (NONE, *in_memory true); a group with members is NON_EMPTY_GROUP.  A
 * group the coordinator does not hold is NONE with *in_memory false: the
 * caller decides from the catalog whether it existed.
 */
int16
kp_group_delete(const char *group_id, bool *in_memory)
{
	KpGroup    *g;
	int16		err = KP_ERR_NONE;

	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	g = kp_group_lookup(group_id);
	*in_memory = g != NULL;
	if (g != NULL)
	{
		bool		live = false;

		for (int i = 0; i < g->nmembers && !live; i++)
			live = !kp_member_at(g, i)->pending;
		if (live || g->state != KP_GROUP_EMPTY)
			err = KP_ERR_NON_EMPTY_GROUP;
		else
		{
			kp_group_set_state(g, KP_GROUP_DEAD, 0);
			kp_group_wake(g);
			kp_group_drop(g);
		}
	}
	LWLockRelease(&kp_groups->lock);
	return err;
}

/* Kafka's OffsetDelete rule: may a group's offsets of 'topic' go? */
KpTopicUse
kp_group_topic_use(const char *group_id, const char *topic)
{
	KpGroup    *g;
	KpTopicUse	use = KP_TOPIC_UNUSED;

	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	g = kp_group_lookup(group_id);
	if (g != NULL && g->state != KP_GROUP_EMPTY && g->state != KP_GROUP_DEAD)
	{
		if (strcmp(g->protocol_type, "consumer") != 0)
			use = KP_TOPIC_GROUP_NOT_CONSUMER;
		else
		{
			for (int i = 0; i < g->nmembers && use == KP_TOPIC_UNUSED; i++)
			{
				KpMember   *m = kp_member_at(g, i);
				KpBytes		meta;
				bool		ok;

				if (m->pending || m->nprotocols == 0)
					continue;
				/* before a protocol is chosen, any offered one counts */
				if (!kp_member_protocol(m, g->protocol[0] ? g->protocol :
										kp_member_protocol_at(m, 0), &meta))
					continue;
				if (kp_consumer_subscribes(meta, topic, &ok) || !ok)
					use = KP_TOPIC_SUBSCRIBED;
			}
		}
	}
	LWLockRelease(&kp_groups->lock);
	return use;
}
