/*-------------------------------------------------------------------------
 *
 * coordinator.c
 *	  Kafka's classic group protocol: JoinGroup, SyncGroup, Heartbeat,
 *	  LeaveGroup and the membership check of OffsetCommit, with the group
 *	  state machine and its timers (README.md in this folder).
 *
 * Every entry point takes the coordinator lock exclusively, first fires the
 * group's due timers (advance), then applies the request.  Timers are also
 * fired once a second by every broker worker (kp_groups_tick), and a parked
 * JoinGroup or SyncGroup runs again at its group's deadline, so a barrier
 * completes on time even when nothing else happens.  Whatever completes a
 * barrier sets the latches of the workers parking requests on that group.
 *
 * Locking: kp_groups->lock, taken and released here; no catalog access
 * while it is held (storing a group happens afterwards, kp_group_persist).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "common/string.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "kafkapg/broker/worker.h"
#include "kafkapg/group/group_int.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/storage/storage.h"

/* What an operation did with a JoinGroup */
typedef enum JoinStep
{
	JOIN_ANSWERED,				/* the response is filled */
	JOIN_WAIT					/* the member is in the barrier */
} JoinStep;

static bool woke;				/* the current operation must wake waiters */

static void try_complete_join(KpGroup *g, int64 now);

/* ---------------- small helpers ---------------- */

static char *
dup_string(const KpGroupCaller *who, const char *s)
{
	size_t		len;
	char	   *d;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	d = who->alloc->alloc(who->alloc->ctx, len);
	memcpy(d, s, len);
	return d;
}

static KpBytes
dup_bytes(const KpGroupCaller *who, KpBytes b)
{
	KpBytes		d = {(const uint8 *) "", Max(b.len, 0)};

	if (b.len > 0)
	{
		uint8	   *p = who->alloc->alloc(who->alloc->ctx, b.len);

		memcpy(p, b.data, b.len);
		d.data = p;
	}
	return d;
}

static bool
empty_string(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* Checks that apply before the group is looked at. */
static int16
check_group_id(const char *group_id)
{
	int16		err = kp_group_ready();

	if (err != KP_ERR_NONE)
		return err;
	if (empty_string(group_id) || strlen(group_id) >= KP_GROUP_ID_MAX)
		return KP_ERR_INVALID_GROUP_ID;
	return KP_ERR_NONE;
}

static int64
rebalance_timeout(KpGroup *g)
{
	int64		t = 0;

	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending)
			t = Max(t, m->rebalance_timeout_ms);
	}
	return t;
}

/* Full (not pending) members; only those in the join barrier if joining. */
static int
count_full(KpGroup *g, bool joining)
{
	int			n = 0;

	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending && (!joining || m->awaiting_join))
			n++;
	}
	return n;
}

static int
count_members(KpGroup *g)
{
	return count_full(g, false);
}

/* A full (not pending) member by id, or -1. */
static int
find_member(KpGroup *g, const char *member_id)
{
	int			i = kp_member_find(g, member_id);

	return i >= 0 && !kp_member_at(g, i)->pending ? i : -1;
}

static bool
is_leader(KpGroup *g, int i)
{
	return g->leader == kp_member_pointer(g, i);
}

static const char *
leader_id(KpGroup *g)
{
	return DsaPointerIsValid(g->leader) ? kp_member_id(kp_member_get(g->leader)) : NULL;
}

/* Kafka's validateCurrentMember: instance fencing, then membership. */
static int16
validate_member(KpGroup *g, const char *member_id, const char *instance_id)
{
	if (instance_id != NULL)
	{
		int			i = kp_member_find_instance(g, instance_id);

		if (i < 0)
			return KP_ERR_UNKNOWN_MEMBER_ID;
		if (member_id == NULL || strcmp(kp_member_id(kp_member_at(g, i)), member_id) != 0)
			return KP_ERR_FENCED_INSTANCE_ID;
		return KP_ERR_NONE;
	}
	return find_member(g, member_id) >= 0 ? KP_ERR_NONE : KP_ERR_UNKNOWN_MEMBER_ID;
}

static void
refresh_session(KpMember *m, int64 now)
{
	m->expires_ms = now + m->session_timeout_ms;
}

/* ---------------- protocols ---------------- */

/* Is protocol 'name' offered by every full member? */
static bool
all_support(KpGroup *g, const char *name)
{
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending && !kp_member_protocol(m, name, NULL))
			return false;
	}
	return true;
}

/* Kafka's supportsProtocols: may a member offering these join? */
static bool
supports_protocols(KpGroup *g, const KpJoinGroupRequest *rq)
{
	if (empty_string(rq->protocol_type) || rq->protocols_count <= 0)
		return false;
	if (strlen(rq->protocol_type) >= KP_GROUP_NAME_MAX)
		return false;
	for (int i = 0; i < rq->protocols_count; i++)
		if (rq->protocols[i].name == NULL ||
			strlen(rq->protocols[i].name) >= KP_GROUP_NAME_MAX)
			return false;
	if (count_members(g) == 0)
		return true;
	if (strcmp(g->protocol_type, rq->protocol_type) != 0)
		return false;
	for (int i = 0; i < rq->protocols_count; i++)
		if (all_support(g, rq->protocols[i].name))
			return true;
	return false;
}

/*
 * Kafka's selectProtocol: among the protocols every member offers, each
 * member votes for the first in its own order; the most votes win (ties go
 * to the earlier in the first member's order).
 */
static const char *
select_protocol(KpGroup *g)
{
	KpMember   *first = NULL;
	const char *best = NULL;
	int			best_votes = -1;

	for (int i = 0; i < g->nmembers && first == NULL; i++)
		if (!kp_member_at(g, i)->pending)
			first = kp_member_at(g, i);
	if (first == NULL)
		return "";
	for (int c = 0; c < first->nprotocols; c++)
	{
		const char *cand = kp_member_protocol_at(first, c);
		int			votes = 0;

		if (!all_support(g, cand))
			continue;
		for (int i = 0; i < g->nmembers; i++)
		{
			KpMember   *m = kp_member_at(g, i);

			if (m->pending)
				continue;
			for (int k = 0; k < m->nprotocols; k++)
			{
				const char *p = kp_member_protocol_at(m, k);

				if (all_support(g, p))
				{
					if (strcmp(p, cand) == 0)
						votes++;
					break;
				}
			}
		}
		if (votes > best_votes)
		{
			best = cand;
			best_votes = votes;
		}
	}
	return best ? best : "";
}

/* Does the member offer exactly these protocols and metadata? */
static bool
protocols_match(const KpMember *m, const KpJoinGroupRequest *rq)
{
	if (m->nprotocols != rq->protocols_count)
		return false;
	for (int i = 0; i < m->nprotocols; i++)
	{
		KpBytes		meta;
		const KpBytes *want = &rq->protocols[i].metadata;

		if (strcmp(kp_member_protocol_at(m, i), rq->protocols[i].name) != 0 ||
			!kp_member_protocol(m, rq->protocols[i].name, &meta) ||
			meta.len != Max(want->len, 0) ||
			(meta.len > 0 && memcmp(meta.data, want->data, meta.len) != 0))
			return false;
	}
	return true;
}

/* ---------------- state transitions ---------------- */

/* Kafka's prepareRebalance */
static void
prepare_rebalance(KpGroup *g, int64 now)
{
	if (g->state == KP_GROUP_COMPLETING_REBALANCE)
	{
		/* parked SyncGroups now see the rebalance and are told so */
		for (int i = 0; i < g->nmembers; i++)
			kp_member_at(g, i)->sync_waiter = 0;
	}
	for (int i = 0; i < g->nmembers; i++)
		kp_member_at(g, i)->awaiting_sync = false;
	g->sync_deadline_ms = 0;
	if (g->state == KP_GROUP_EMPTY)
	{
		g->initial_delay = true;
		g->new_member_added = false;
		g->join_deadline_ms = now + kp_group_initial_rebalance_delay_ms;
		g->join_remaining_ms = Max(rebalance_timeout(g) - kp_group_initial_rebalance_delay_ms, 0);
	}
	else
	{
		g->initial_delay = false;
		g->join_deadline_ms = now + rebalance_timeout(g);
	}
	kp_group_set_state(g, KP_GROUP_PREPARING_REBALANCE, now);
	woke = true;
}

static void
maybe_prepare_rebalance(KpGroup *g, int64 now)
{
	if (g->state == KP_GROUP_STABLE || g->state == KP_GROUP_COMPLETING_REBALANCE ||
		g->state == KP_GROUP_EMPTY)
		prepare_rebalance(g, now);
}

/* Removes member i; the rebalance it causes follows Kafka's rules. */
static void
remove_member(KpGroup *g, int i, int64 now)
{
	KpMember   *m = kp_member_at(g, i);
	bool		pending = m->pending;

	if (m->awaiting_join)
		kp_group_remember_gone(g, m->join_waiter, KP_ERR_UNKNOWN_MEMBER_ID);
	kp_member_delete(g, i);
	woke = true;
	if (pending)
		return;
	if (g->state == KP_GROUP_STABLE || g->state == KP_GROUP_COMPLETING_REBALANCE)
		maybe_prepare_rebalance(g, now);
}

/*
 * The leader must be a member that rejoined; if it did not, another that
 * did takes over.  False if nobody rejoined (or there is no member).
 */
static bool
elect_joined_leader(KpGroup *g)
{
	if (!DsaPointerIsValid(g->leader))
		return false;
	if (kp_member_get(g->leader)->awaiting_join)
		return true;
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending && m->awaiting_join)
		{
			g->leader = kp_member_pointer(g, i);
			return true;
		}
	}
	return false;
}

/* Kafka's onCompleteJoin: the barrier is over, start the next generation. */
static void
complete_join(KpGroup *g, int64 now)
{
	for (int i = g->nmembers - 1; i >= 0; i--)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending && !m->awaiting_join && kp_member_instance(m) == NULL)
		{
			ereport(DEBUG1,
					(errmsg("kafkapg: member \"%s\" of group \"%s\" did not rejoin and was removed",
							kp_member_id(m), g->group_id)));
			kp_member_delete(g, i);
		}
	}
	if (!elect_joined_leader(g) && count_members(g) > 0)
	{
		/* only static members that have not rejoined: wait another round */
		g->initial_delay = false;
		g->join_deadline_ms = now + Max(rebalance_timeout(g), 1000);
		return;
	}
	g->generation++;
	woke = true;
	if (count_members(g) == 0)
	{
		g->protocol[0] = '\0';
		kp_group_set_state(g, KP_GROUP_EMPTY, now);
		g->version++;
		return;
	}
	strlcpy(g->protocol, select_protocol(g), sizeof(g->protocol));
	kp_group_set_state(g, KP_GROUP_COMPLETING_REBALANCE, now);
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (m->pending)
			continue;
		if (m->awaiting_join)
		{
			m->awaiting_join = false;
			m->joined_generation = g->generation;
		}
		m->is_new = false;
		m->awaiting_sync = true;
		m->sync_waiter = 0;
		refresh_session(m, now);
	}
	g->sync_deadline_ms = now + rebalance_timeout(g);
	ereport(DEBUG1,
			(errmsg("kafkapg: group \"%s\" generation %d with %d members, protocol \"%s\"",
					g->group_id, g->generation, count_members(g), g->protocol)));
}

static bool
all_joined(KpGroup *g)
{
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);

		if (m->pending || !m->awaiting_join)
			return false;
	}
	return true;
}

/*
 * Kafka's DelayedJoin and InitialDelayedJoin: a group that was Empty waits
 * group.initial.rebalance.delay.ms, extended while new members keep coming
 * (up to the rebalance timeout); otherwise the barrier completes once every
 * member has rejoined, or at the rebalance timeout.
 */
static void
try_complete_join(KpGroup *g, int64 now)
{
	if (g->state != KP_GROUP_PREPARING_REBALANCE)
		return;
	if (g->initial_delay)
	{
		if (now < g->join_deadline_ms)
			return;
		if (g->new_member_added && g->join_remaining_ms > 0)
		{
			int64		delay = Min((int64) kp_group_initial_rebalance_delay_ms,
									g->join_remaining_ms);

			g->new_member_added = false;
			g->join_remaining_ms = Max(g->join_remaining_ms - kp_group_initial_rebalance_delay_ms, 0);
			g->join_deadline_ms = now + delay;
			return;
		}
	}
	else if (!all_joined(g) && now < g->join_deadline_ms)
		return;
	complete_join(g, now);
}

/* Members that sent no SyncGroup in time are removed (Kafka's DelayedSync). */
static void
expire_pending_sync(KpGroup *g, int64 now)
{
	bool		any = false;

	for (int i = g->nmembers - 1; i >= 0; i--)
	{
		KpMember   *m = kp_member_at(g, i);

		if (!m->pending && m->awaiting_sync)
		{
			ereport(LOG,
					(errmsg("kafkapg: member \"%s\" of group \"%s\" sent no SyncGroup within the rebalance timeout and was removed",
							kp_member_id(m), g->group_id)));
			kp_member_delete(g, i);
			any = true;
		}
	}
	g->sync_deadline_ms = 0;
	if (any)
		prepare_rebalance(g, now);
}

/* Kafka's heartbeat expiry: is the member kept alive anyway? */
static bool
kept_alive(KpGroup *g, KpMember *m)
{
	if (m->is_new || m->pending)
		return false;
	return m->awaiting_join ||
		(g->state == KP_GROUP_COMPLETING_REBALANCE && m->sync_waiter != 0);
}

static void
expire_members(KpGroup *g, int64 now)
{
	for (int i = g->nmembers - 1; i >= 0; i--)
	{
		KpMember   *m = kp_member_at(g, i);

		if (now < m->expires_ms || kept_alive(g, m))
			continue;
		if (!m->pending)
			ereport(LOG,
					(errmsg("kafkapg: member \"%s\" of group \"%s\" removed: no heartbeat within its session timeout (%d ms)",
							kp_member_id(m), g->group_id, m->session_timeout_ms)));
		remove_member(g, i, now);
	}
}

/* Fires the group's due timers. */
static void
advance(KpGroup *g, int64 now)
{
	expire_members(g, now);
	try_complete_join(g, now);
	if ((g->state == KP_GROUP_COMPLETING_REBALANCE || g->state == KP_GROUP_STABLE) &&
		g->sync_deadline_ms > 0 && now >= g->sync_deadline_ms)
		expire_pending_sync(g, now);
}

/* Ends an operation on g: timers again, wakeups, what to store. */
static void
finish(KpGroup *g, int64 now, const KpGroupCaller *who, KpGroupOutcome *out)
{
	if (g == NULL)
		return;
	advance(g, now);
	if (woke)
		kp_group_wake(g);
	if (out != NULL && out->park && kp_my_worker_index >= 0)
		g->waiters |= UINT64CONST(1) << kp_my_worker_index;
	if (out != NULL && g->version > g->persisted_version)
		out->persist_group = dup_string(who, g->group_id);
}

static void
lock_groups(void)
{
	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	woke = false;
}

/* ---------------- JoinGroup ---------------- */

/* clientId-UUID, as Kafka names members */
static char *
new_member_id(const char *prefix)
{
	uint8		u[16];

	if (!pg_strong_random(u, sizeof(u)))
		ereport(ERROR, (errmsg("could not generate a random member id")));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	return psprintf("%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
					prefix ? prefix : "",
					u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
					u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void
join_error(KpJoinGroupResponse *rs, int16 error, const char *member_id)
{
	rs->error_code = error;
	rs->generation_id = -1;
	rs->member_id = (char *) (member_id ? member_id : "");
	rs->leader = "";
	rs->protocol_name = NULL;
	rs->members_count = 0;
}

/* The JoinGroup answer of member i for the current generation. */
static void
join_answer(KpGroup *g, int i, const KpGroupCaller *who, KpJoinGroupResponse *rs,
			bool with_members, const char *leader, bool skip_assignment)
{
	KpMember   *m = kp_member_at(g, i);
	int			n = 0;

	rs->error_code = KP_ERR_NONE;
	rs->generation_id = g->generation;
	rs->protocol_type = dup_string(who, g->protocol_type);
	rs->protocol_name = dup_string(who, g->protocol);
	rs->leader = dup_string(who, leader ? leader : "");
	rs->member_id = dup_string(who, kp_member_id(m));
	rs->skip_assignment = skip_assignment;
	rs->members_count = 0;
	if (!with_members)
		return;
	rs->members = who->alloc->alloc(who->alloc->ctx,
									sizeof(KpJoinGroupResponseMember) * Max(g->nmembers, 1));
	for (int k = 0; k < g->nmembers; k++)
	{
		KpMember   *o = kp_member_at(g, k);
		KpJoinGroupResponseMember *out = &rs->members[n];
		KpBytes		meta = {(const uint8 *) "", 0};

		if (o->pending)
			continue;
		kp_struct_init_defaults(&kp_desc_JoinGroupResponseMember, out);
		(void) kp_member_protocol(o, g->protocol, &meta);
		out->member_id = dup_string(who, kp_member_id(o));
		out->group_instance_id = dup_string(who, kp_member_instance(o));
		out->metadata = dup_bytes(who, meta);
		n++;
	}
	rs->members_count = n;
}

static int
rq_rebalance_timeout(const KpJoinGroupRequest *rq)
{
	return rq->rebalance_timeout_ms > 0 ? rq->rebalance_timeout_ms : rq->session_timeout_ms;
}

/* Kafka's addMemberAndRebalance */
static JoinStep
add_member(KpGroup *g, const char *member_id, const KpJoinGroupRequest *rq,
		   const KpGroupCaller *who, KpJoinGroupResponse *rs, int64 now)
{
	dsa_pointer p = kp_member_create(member_id, rq->group_instance_id, who->client_id,
									 who->client_host, rq->protocols, rq->protocols_count);
	KpMember   *m;

	if (!DsaPointerIsValid(p) || !kp_member_append(g, p))
	{
		if (DsaPointerIsValid(p))
			dsa_free(kp_groups_area(), p);
		join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, member_id);
		return JOIN_ANSWERED;
	}
	m = kp_member_get(p);
	m->session_timeout_ms = rq->session_timeout_ms;
	m->rebalance_timeout_ms = rq_rebalance_timeout(rq);
	m->awaiting_join = true;
	m->is_new = true;
	m->expires_ms = now + KP_NEW_MEMBER_JOIN_TIMEOUT_MS;
	if (count_members(g) == 1)
		strlcpy(g->protocol_type, rq->protocol_type, sizeof(g->protocol_type));
	if (!DsaPointerIsValid(g->leader))
		g->leader = p;
	if (g->state == KP_GROUP_PREPARING_REBALANCE && g->generation == 0)
		g->new_member_added = true;
	maybe_prepare_rebalance(g, now);
	return JOIN_WAIT;
}

/* Kafka's updateMember: new protocols and timeouts, back in the barrier. */
static bool
update_member(KpGroup *g, int i, const char *new_id, const KpJoinGroupRequest *rq,
			  const KpGroupCaller *who)
{
	KpMember   *m = kp_member_at(g, i);

	if (new_id != NULL || !protocols_match(m, rq))
	{
		dsa_pointer fresh = kp_member_create(new_id ? new_id : kp_member_id(m),
											 kp_member_instance(m), who->client_id,
											 who->client_host, rq->protocols,
											 rq->protocols_count);

		if (!DsaPointerIsValid(fresh))
			return false;
		kp_member_replace(g, i, fresh);
		m = kp_member_at(g, i);
	}
	m->session_timeout_ms = rq->session_timeout_ms;
	m->rebalance_timeout_ms = rq_rebalance_timeout(rq);
	m->awaiting_join = true;
	return true;
}

/* A known static member rejoins under a new member id (Kafka's updateStaticMemberAndRebalance). */
static JoinStep
replace_static_member(KpGroup *g, int i, const char *new_id, const KpJoinGroupRequest *rq,
					  const KpGroupCaller *who, KpJoinGroupResponse *rs, int64 now)
{
	KpMember   *m = kp_member_at(g, i);
	char	   *old_leader = leader_id(g) ? pstrdup(leader_id(g)) : NULL;

	if (m->awaiting_join)
		kp_group_remember_gone(g, m->join_waiter, KP_ERR_FENCED_INSTANCE_ID);
	m->awaiting_join = false;
	m->join_waiter = 0;
	m->sync_waiter = 0;
	if (!update_member(g, i, new_id, rq, who))
	{
		join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, "");
		return JOIN_ANSWERED;
	}
	m = kp_member_at(g, i);
	refresh_session(m, now);
	woke = true;
	switch (g->state)
	{
		case KP_GROUP_STABLE:
			if (strcmp(select_protocol(g), g->protocol) == 0)
			{
				bool		leads = is_leader(g, i);

				/* nothing the assignment depends on changed: no rebalance */
				m->awaiting_join = false;
				g->version++;
				if (who->version >= 9)
					join_answer(g, i, who, rs, leads, leader_id(g), leads);
				else
					join_answer(g, i, who, rs, false, old_leader, false);
				return JOIN_ANSWERED;
			}
			maybe_prepare_rebalance(g, now);
			return JOIN_WAIT;
		case KP_GROUP_COMPLETING_REBALANCE:
		case KP_GROUP_EMPTY:
			prepare_rebalance(g, now);
			return JOIN_WAIT;
		default:
			return JOIN_WAIT;
	}
}

static JoinStep
join_new_member(KpGroup *g, const KpJoinGroupRequest *rq, const KpGroupCaller *who,
				KpJoinGroupResponse *rs, int64 now, char **member_id)
{
	const char *instance = rq->group_instance_id;

	*member_id = new_member_id(instance ? instance : who->client_id);
	if (instance != NULL)
	{
		int			i = kp_member_find_instance(g, instance);

		if (i >= 0)
			return replace_static_member(g, i, *member_id, rq, who, rs, now);
		return add_member(g, *member_id, rq, who, rs, now);
	}
	if (who->version >= 4)
	{
		/* KIP-394: hand out the id and wait for the member to come back with it */
		dsa_pointer p = kp_member_create(*member_id, NULL, who->client_id, who->client_host,
										 NULL, 0);
		KpMember   *m;

		if (!DsaPointerIsValid(p) || !kp_member_append(g, p))
		{
			if (DsaPointerIsValid(p))
				dsa_free(kp_groups_area(), p);
			join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, "");
			return JOIN_ANSWERED;
		}
		m = kp_member_get(p);
		m->pending = true;
		m->session_timeout_ms = rq->session_timeout_ms;
		refresh_session(m, now);
		join_error(rs, KP_ERR_MEMBER_ID_REQUIRED, *member_id);
		return JOIN_ANSWERED;
	}
	return add_member(g, *member_id, rq, who, rs, now);
}

static JoinStep
join_known_member(KpGroup *g, const KpJoinGroupRequest *rq, const KpGroupCaller *who,
				  KpJoinGroupResponse *rs, int64 now)
{
	int			i = kp_member_find(g, rq->member_id);
	int16		err;

	if (i >= 0 && kp_member_at(g, i)->pending)
	{
		kp_member_delete(g, i);
		return add_member(g, rq->member_id, rq, who, rs, now);
	}
	err = validate_member(g, rq->member_id, rq->group_instance_id);
	if (err != KP_ERR_NONE)
	{
		join_error(rs, err, rq->member_id);
		return JOIN_ANSWERED;
	}
	i = find_member(g, rq->member_id);
	switch (g->state)
	{
		case KP_GROUP_PREPARING_REBALANCE:
			break;
		case KP_GROUP_COMPLETING_REBALANCE:
			if (protocols_match(kp_member_at(g, i), rq))
			{
				/* it missed our answer: give it again */
				join_answer(g, i, who, rs, is_leader(g, i), leader_id(g), false);
				return JOIN_ANSWERED;
			}
			break;
		case KP_GROUP_STABLE:
			if (!is_leader(g, i) && protocols_match(kp_member_at(g, i), rq))
			{
				join_answer(g, i, who, rs, false, leader_id(g), false);
				return JOIN_ANSWERED;
			}
			break;
		default:
			join_error(rs, KP_ERR_UNKNOWN_MEMBER_ID, rq->member_id);
			return JOIN_ANSWERED;
	}
	if (!update_member(g, i, NULL, rq, who))
	{
		join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
		return JOIN_ANSWERED;
	}
	maybe_prepare_rebalance(g, now);
	return JOIN_WAIT;
}

/* Kafka's acceptJoiningMember: group.max.size */
static bool
accept_joining(KpGroup *g, const char *member_id)
{
	int			i = find_member(g, member_id);

	switch (g->state)
	{
		case KP_GROUP_PREPARING_REBALANCE:
			return (i >= 0 && kp_member_at(g, i)->awaiting_join) ||
				count_full(g, true) < kp_group_max_size;
		case KP_GROUP_COMPLETING_REBALANCE:
		case KP_GROUP_STABLE:
			return i >= 0 || count_members(g) < kp_group_max_size;
		default:
			return true;
	}
}

/*
 * After the request went into the barrier: answer at once if that
 * completed it, else park until the group's deadline.
 */
static void
join_wait_or_answer(KpGroup *g, int i, const KpGroupCaller *who, KpJoinGroupResponse *rs,
					KpGroupOutcome *out, int64 now)
{
	KpMember   *m = kp_member_at(g, i);

	if (m->awaiting_join)
	{
		m->join_waiter = who->token;
		out->park = true;
		out->until_ms = Max(g->join_deadline_ms, now + 10);
		return;
	}
	m->join_waiter = 0;
	if (m->joined_generation == g->generation &&
		(g->state == KP_GROUP_COMPLETING_REBALANCE || g->state == KP_GROUP_STABLE))
		join_answer(g, i, who, rs, is_leader(g, i), leader_id(g), false);
	else
		join_error(rs, KP_ERR_REBALANCE_IN_PROGRESS, dup_string(who, kp_member_id(m)));
}

static void
join_fresh(KpGroup *g, const KpJoinGroupRequest *rq, const KpGroupCaller *who,
		   KpJoinGroupResponse *rs, KpGroupOutcome *out, int64 now)
{
	char	   *member_id = rq->member_id;
	JoinStep	step;
	int			i;

	if (!accept_joining(g, rq->member_id))
	{
		i = kp_member_find(g, rq->member_id);
		if (i >= 0)
			remove_member(g, i, now);
		join_error(rs, KP_ERR_GROUP_MAX_SIZE_REACHED, "");
		return;
	}
	if (g->state == KP_GROUP_DEAD)
	{
		join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
		return;
	}
	if (!supports_protocols(g, rq))
	{
		join_error(rs, KP_ERR_INCONSISTENT_GROUP_PROTOCOL, rq->member_id);
		return;
	}
	if (empty_string(rq->member_id))
		step = join_new_member(g, rq, who, rs, now, &member_id);
	else
		step = join_known_member(g, rq, who, rs, now);
	if (step == JOIN_ANSWERED)
		return;
	try_complete_join(g, now);
	i = find_member(g, member_id);
	if (i < 0)
	{
		join_error(rs, KP_ERR_UNKNOWN_MEMBER_ID, "");
		return;
	}
	join_wait_or_answer(g, i, who, rs, out, now);
}

/* A parked JoinGroup runs again: find its member by the waiter token. */
static void
join_retry(KpGroup *g, const KpGroupCaller *who, KpJoinGroupResponse *rs,
		   KpGroupOutcome *out, int64 now)
{
	int			i = kp_member_find_join_waiter(g, who->token);

	if (i < 0)
	{
		join_error(rs, kp_group_take_gone(g, who->token), "");
		return;
	}
	join_wait_or_answer(g, i, who, rs, out, now);
}

void
kp_group_join(const KpJoinGroupRequest *rq, const KpGroupCaller *who,
			  KpJoinGroupResponse *rs, KpGroupOutcome *out)
{
	int16		err = check_group_id(rq->group_id);
	KpGroup    *g;
	int64		now;

	memset(out, 0, sizeof(KpGroupOutcome));
	if (err == KP_ERR_NONE &&
		(rq->session_timeout_ms < kp_group_min_session_timeout_ms ||
		 rq->session_timeout_ms > kp_group_max_session_timeout_ms))
		err = KP_ERR_INVALID_SESSION_TIMEOUT;
	if (err != KP_ERR_NONE)
	{
		join_error(rs, err, rq->member_id);
		return;
	}
	lock_groups();
	now = kp_now_ms();
	g = kp_group_lookup(rq->group_id);
	if (g != NULL)
		advance(g, now);
	if (who->retry)
	{
		if (g == NULL)
			join_error(rs, KP_ERR_UNKNOWN_MEMBER_ID, "");
		else
			join_retry(g, who, rs, out, now);
	}
	else if (g == NULL && !empty_string(rq->member_id))
		join_error(rs, KP_ERR_UNKNOWN_MEMBER_ID, rq->member_id);
	else
	{
		bool		full;

		if (g == NULL)
			g = kp_group_create(rq->group_id, &full);
		if (g == NULL)
		{
			LWLockRelease(&kp_groups->lock);
			ereport(LOG,
					(errmsg("kafkapg: cannot create group \"%s\": kafkapg.max_groups (%d) groups exist",
							rq->group_id, kp_max_groups),
					 errhint("Delete unused groups or raise kafkapg.max_groups.")));
			join_error(rs, KP_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
			return;
		}
		join_fresh(g, rq, who, rs, out, now);
	}
	finish(g, now, who, out);
	LWLockRelease(&kp_groups->lock);
}

/* ---------------- SyncGroup ---------------- */

static void
sync_answer(KpGroup *g, KpMember *m, const KpGroupCaller *who, KpSyncGroupResponse *rs)
{
	rs->error_code = KP_ERR_NONE;
	rs->protocol_type = dup_string(who, g->protocol_type);
	rs->protocol_name = dup_string(who, g->protocol);
	rs->assignment = dup_bytes(who, kp_member_assignment(m));
}

/* The leader's assignment: every member gets its part (empty if none). */
static bool
store_assignments(KpGroup *g, const KpSyncGroupRequest *rq)
{
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);
		const uint8 *data = NULL;
		int32		len = 0;

		if (m->pending)
			continue;
		for (int k = 0; k < rq->assignments_count; k++)
		{
			const KpSyncGroupRequestAssignment *a = &rq->assignments[k];

			if (a->member_id != NULL && strcmp(a->member_id, kp_member_id(m)) == 0)
			{
				data = a->assignment.data;
				len = a->assignment.len;
				break;
			}
		}
		if (!kp_member_set_assignment(m, data, len))
			return false;
	}
	return true;
}

static bool
any_awaiting_sync(KpGroup *g)
{
	for (int i = 0; i < g->nmembers; i++)
		if (kp_member_at(g, i)->awaiting_sync)
			return true;
	return false;
}

static int16
validate_sync(KpGroup *g, const KpSyncGroupRequest *rq)
{
	int16		err;

	if (g->state == KP_GROUP_DEAD)
		return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	err = validate_member(g, rq->member_id, rq->group_instance_id);
	if (err != KP_ERR_NONE)
		return err;
	if (rq->generation_id != g->generation)
		return KP_ERR_ILLEGAL_GENERATION;
	if ((rq->protocol_type != NULL && strcmp(rq->protocol_type, g->protocol_type) != 0) ||
		(rq->protocol_name != NULL && strcmp(rq->protocol_name, g->protocol) != 0))
		return KP_ERR_INCONSISTENT_GROUP_PROTOCOL;
	return KP_ERR_NONE;
}

static void
sync_in_group(KpGroup *g, const KpSyncGroupRequest *rq, const KpGroupCaller *who,
			  KpSyncGroupResponse *rs, KpGroupOutcome *out, int64 now)
{
	int16		err = validate_sync(g, rq);
	int			i;
	KpMember   *m;

	if (err != KP_ERR_NONE)
	{
		rs->error_code = err;
		return;
	}
	i = find_member(g, rq->member_id);
	m = kp_member_at(g, i);
	switch (g->state)
	{
		case KP_GROUP_EMPTY:
			rs->error_code = KP_ERR_UNKNOWN_MEMBER_ID;
			return;
		case KP_GROUP_PREPARING_REBALANCE:
			rs->error_code = KP_ERR_REBALANCE_IN_PROGRESS;
			return;
		case KP_GROUP_COMPLETING_REBALANCE:
			m->awaiting_sync = false;
			if (!is_leader(g, i))
			{
				m->sync_waiter = who->token;
				out->park = true;
				out->until_ms = Max(g->sync_deadline_ms, now + 10);
				return;
			}
			if (!store_assignments(g, rq))
			{
				prepare_rebalance(g, now);
				rs->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
				return;
			}
			for (int k = 0; k < g->nmembers; k++)
				kp_member_at(g, k)->sync_waiter = 0;
			kp_group_set_state(g, KP_GROUP_STABLE, now);
			g->version++;
			woke = true;
			break;
		case KP_GROUP_STABLE:
			m->awaiting_sync = false;
			m->sync_waiter = 0;
			break;
		default:
			rs->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
			return;
	}
	if (!any_awaiting_sync(g))
		g->sync_deadline_ms = 0;
	refresh_session(m, now);
	sync_answer(g, m, who, rs);
}

void
kp_group_sync(const KpSyncGroupRequest *rq, const KpGroupCaller *who,
			  KpSyncGroupResponse *rs, KpGroupOutcome *out)
{
	int16		err = check_group_id(rq->group_id);
	KpGroup    *g;
	int64		now;

	memset(out, 0, sizeof(KpGroupOutcome));
	if (err != KP_ERR_NONE)
	{
		/* Kafka: a loading coordinator lost the rebalance, so rejoin */
		rs->error_code = err == KP_ERR_COORDINATOR_LOAD_IN_PROGRESS ?
			KP_ERR_REBALANCE_IN_PROGRESS : err;
		return;
	}
	lock_groups();
	now = kp_now_ms();
	g = kp_group_lookup(rq->group_id);
	if (g == NULL)
		rs->error_code = KP_ERR_UNKNOWN_MEMBER_ID;
	else
	{
		advance(g, now);
		sync_in_group(g, rq, who, rs, out, now);
	}
	finish(g, now, who, out);
	LWLockRelease(&kp_groups->lock);
}

/* ---------------- Heartbeat ---------------- */

static int16
heartbeat_in_group(KpGroup *g, const KpHeartbeatRequest *rq, int64 now)
{
	int16		err;

	if (g->state == KP_GROUP_DEAD)
		return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	err = validate_member(g, rq->member_id, rq->group_instance_id);
	if (err != KP_ERR_NONE)
		return err;
	if (rq->generation_id != g->generation)
		return KP_ERR_ILLEGAL_GENERATION;
	if (g->state == KP_GROUP_EMPTY)
		return KP_ERR_UNKNOWN_MEMBER_ID;
	refresh_session(kp_member_at(g, find_member(g, rq->member_id)), now);
	return g->state == KP_GROUP_PREPARING_REBALANCE ? KP_ERR_REBALANCE_IN_PROGRESS : KP_ERR_NONE;
}

int16
kp_group_heartbeat(const KpHeartbeatRequest *rq, const KpGroupCaller *who)
{
	int16		err = check_group_id(rq->group_id);
	KpGroup    *g;
	int64		now;

	if (err != KP_ERR_NONE)
		return err == KP_ERR_COORDINATOR_LOAD_IN_PROGRESS ? KP_ERR_NONE : err;
	lock_groups();
	now = kp_now_ms();
	g = kp_group_lookup(rq->group_id);
	if (g == NULL)
		err = KP_ERR_UNKNOWN_MEMBER_ID;
	else
	{
		advance(g, now);
		err = heartbeat_in_group(g, rq, now);
	}
	finish(g, now, who, NULL);
	LWLockRelease(&kp_groups->lock);
	return err;
}

/* ---------------- LeaveGroup ---------------- */

static int16
leave_one(KpGroup *g, const char *member_id, const char *instance_id, int64 now)
{
	int			i;
	int16		err;

	if (empty_string(member_id))
	{
		i = kp_member_find_instance(g, instance_id);
		if (i < 0)
			return KP_ERR_UNKNOWN_MEMBER_ID;
		remove_member(g, i, now);
		return KP_ERR_NONE;
	}
	i = kp_member_find(g, member_id);
	if (i >= 0 && kp_member_at(g, i)->pending)
	{
		remove_member(g, i, now);
		return KP_ERR_NONE;
	}
	err = validate_member(g, member_id, instance_id);
	if (err != KP_ERR_NONE)
		return err;
	remove_member(g, find_member(g, member_id), now);
	return KP_ERR_NONE;
}

static void
leave_in_group(KpGroup *g, const KpLeaveGroupRequest *rq, const KpGroupCaller *who,
			   KpLeaveGroupResponse *rs, int64 now)
{
	if (g != NULL && g->state == KP_GROUP_DEAD)
	{
		rs->error_code = KP_ERR_COORDINATOR_NOT_AVAILABLE;
		return;
	}
	if (who->version < 3)
	{
		rs->error_code = g == NULL ? KP_ERR_UNKNOWN_MEMBER_ID :
			leave_one(g, rq->member_id, NULL, now);
		return;
	}
	rs->members_count = Max(rq->members_count, 0);
	rs->members = who->alloc->alloc(who->alloc->ctx, sizeof(KpLeaveGroupMemberResponse) *
									Max(rq->members_count, 1));
	for (int k = 0; k < rq->members_count; k++)
	{
		const KpLeaveGroupMemberIdentity *in = &rq->members[k];
		KpLeaveGroupMemberResponse *o = &rs->members[k];

		kp_struct_init_defaults(&kp_desc_LeaveGroupMemberResponse, o);
		o->member_id = in->member_id;
		o->group_instance_id = in->group_instance_id;
		o->error_code = g == NULL ? KP_ERR_UNKNOWN_MEMBER_ID :
			leave_one(g, in->member_id, in->group_instance_id, now);
		if (o->error_code == KP_ERR_NONE)
			ereport(DEBUG1,
					(errmsg("kafkapg: member \"%s\" left group \"%s\"%s%s",
							in->member_id ? in->member_id : "", rq->group_id,
							in->reason ? ": " : "", in->reason ? in->reason : "")));
	}
}

void
kp_group_leave(const KpLeaveGroupRequest *rq, const KpGroupCaller *who,
			   KpLeaveGroupResponse *rs, KpGroupOutcome *out)
{
	int16		err = check_group_id(rq->group_id);
	KpGroup    *g;
	int64		now;

	memset(out, 0, sizeof(KpGroupOutcome));
	if (err != KP_ERR_NONE)
	{
		rs->error_code = err;
		return;
	}
	lock_groups();
	now = kp_now_ms();
	g = kp_group_lookup(rq->group_id);
	if (g != NULL)
		advance(g, now);
	leave_in_group(g, rq, who, rs, now);
	finish(g, now, who, out);
	LWLockRelease(&kp_groups->lock);
}

/* ---------------- OffsetCommit's membership check ---------------- */

static int16
check_commit_in_group(KpGroup *g, int32 generation, const char *member_id,
					  const char *instance_id, int64 now)
{
	int16		err;

	if (g->state == KP_GROUP_DEAD)
		return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	if (generation < 0 && g->state == KP_GROUP_EMPTY)
		return KP_ERR_NONE;
	if (generation >= 0 || !empty_string(member_id) || instance_id != NULL)
	{
		err = validate_member(g, member_id, instance_id);
		if (err != KP_ERR_NONE)
			return err;
		if (generation != g->generation)
			return KP_ERR_ILLEGAL_GENERATION;
	}
	else if (g->state != KP_GROUP_EMPTY)
		return KP_ERR_UNKNOWN_MEMBER_ID;	/* only members commit to a live group */
	if (g->state == KP_GROUP_COMPLETING_REBALANCE)
		return KP_ERR_REBALANCE_IN_PROGRESS;
	if (g->state != KP_GROUP_EMPTY)
		refresh_session(kp_member_at(g, find_member(g, member_id)), now);
	return KP_ERR_NONE;
}

/*
 * Kafka's validateOffsetCommit: the error for a whole OffsetCommit request,
 * or KP_ERR_NONE.  A group the coordinator does not know accepts only
 * commits without a generation (simple consumers, admin tools).
 */
int16
kp_group_check_commit(const char *group_id, int32 generation, const char *member_id,
					  const char *group_instance_id)
{
	int16		err = check_group_id(group_id);
	KpGroup    *g;
	int64		now;

	if (err != KP_ERR_NONE)
		return err;
	lock_groups();
	now = kp_now_ms();
	g = kp_group_lookup(group_id);
	if (g == NULL)
		err = generation < 0 ? KP_ERR_NONE : KP_ERR_ILLEGAL_GENERATION;
	else
	{
		advance(g, now);
		err = check_commit_in_group(g, generation, member_id, group_instance_id, now);
	}
	finish(g, now, NULL, NULL);
	LWLockRelease(&kp_groups->lock);
	return err;
}

/* ---------------- timers ---------------- */

/*
 * Once a second in every broker worker: fire every group's due timers
 * (session expiry, join and sync deadlines), then store changed groups;
 * broker worker 1 also applies offsets.retention.minutes.
 */
void
kp_groups_tick(void)
{
	static MemoryContext tick_cxt = NULL;
	HASH_SEQ_STATUS seq;
	KpGroup    *g;
	int64		now;
	MemoryContext old;

	if (kp_groups == NULL || !kp_groups->loaded || RecoveryInProgress())
		return;
	if (tick_cxt == NULL)
		tick_cxt = AllocSetContextCreate(TopMemoryContext, "kafkapg group tick",
										 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tick_cxt);
	lock_groups();
	now = kp_now_ms();
	hash_seq_init(&seq, kp_group_table);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		woke = false;
		advance(g, now);
		if (woke)
			kp_group_wake(g);
	}
	LWLockRelease(&kp_groups->lock);
	kp_group_persist_dirty();
	if (kp_my_worker_index == 0)
		kp_groups_expire_offsets();
	MemoryContextSwitchTo(old);
	MemoryContextReset(tick_cxt);
}
