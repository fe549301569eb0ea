/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  The coordinator's shared memory: the group hash table, the DSA area
 *	  holding members, and the member chunks' accessors.
 *
 * The DSA area is created in place by the postmaster (shmem startup) and
 * each process attaches to it on first use, with its mappings pinned for
 * the life of the process.  Allocation failures are returned, never
 * raised, so a full area cannot leave a group half changed.
 *
 * Locking: callers hold kp_groups->lock (group_int.h) as that header says;
 * the functions here do not take it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "kafkapg/group/group_int.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/storage.h"

#define KP_GROUPS_DSA_SIZE	(1024 * 1024)

KpGroupsShared *kp_groups = NULL;
HTAB	   *kp_group_table = NULL;
static dsa_area *area = NULL;

static const char *const state_names[] = {
	"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
};

static void *
dsa_place(void)
{
	return (char *) kp_groups + MAXALIGN(sizeof(KpGroupsShared));
}

Size
kp_groups_shmem_size(void)
{
	return add_size(add_size(MAXALIGN(sizeof(KpGroupsShared)), KP_GROUPS_DSA_SIZE),
					hash_estimate_size(kp_max_groups, sizeof(KpGroup)));
}

void
kp_groups_request_locks(void)
{
	RequestNamedLWLockTranche("kafkapg groups", 1);
}

/* Called from the shmem startup hook with AddinShmemInitLock held. */
void
kp_groups_shmem_init(void)
{
	HASHCTL		info;
	bool		found;

	kp_groups = ShmemInitStruct("kafkapg groups",
								MAXALIGN(sizeof(KpGroupsShared)) + KP_GROUPS_DSA_SIZE,
								&found);
	if (!found)
	{
		LWLockPadded *lock = GetNamedLWLockTranche("kafkapg groups");
		dsa_area   *a;

		memset(kp_groups, 0, sizeof(KpGroupsShared));
		kp_groups->tranche_id = lock->lock.tranche;
		LWLockInitialize(&kp_groups->lock, kp_groups->tranche_id);
		a = dsa_create_in_place(dsa_place(), KP_GROUPS_DSA_SIZE, kp_groups->tranche_id, NULL);
		dsa_detach(a);			/* the area outlives us: its refcount stays 1 */
	}
	memset(&info, 0, sizeof(info));
	info.keysize = KP_GROUP_ID_MAX;
	info.entrysize = sizeof(KpGroup);
	kp_group_table = ShmemInitHash("kafkapg group table", kp_max_groups, kp_max_groups,
								   &info, HASH_ELEM | HASH_STRINGS);
}

/* This process's attachment to the members' DSA area. */
dsa_area *
kp_groups_area(void)
{
	if (area == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		area = dsa_attach_in_place(dsa_place(), NULL);
		MemoryContextSwitchTo(old);
		dsa_pin_mapping(area);
		on_shmem_exit(dsa_on_shmem_exit_release_in_place, PointerGetDatum(dsa_place()));
	}
	return area;
}

/*
 * A parked request's identity: the worker (1-based, high 16 bits) and the
 * connection's serial number within that worker.
 */
uint64
kp_group_token(int worker_index, uint64 conn_serial)
{
	return ((uint64) (worker_index + 1) << 48) | (conn_serial & UINT64CONST(0xFFFFFFFFFFFF));
}

const char *
kp_group_state_name(KpGroupState state)
{
	return state_names[state];
}

bool
kp_group_state_from_name(const char *name, KpGroupState *state)
{
	for (int i = 0; i < lengthof(state_names); i++)
	{
		if (pg_strcasecmp(name, state_names[i]) == 0)
		{
			*state = (KpGroupState) i;
			return true;
		}
	}
	return false;
}

/* ---------------- member chunks ---------------- */

KpMember *
kp_member_get(dsa_pointer p)
{
	return (KpMember *) dsa_get_address(kp_groups_area(), p);
}

dsa_pointer
kp_member_pointer(KpGroup *g, int i)
{
	dsa_pointer *arr = dsa_get_address(kp_groups_area(), g->members);

	return arr[i];
}

KpMember *
kp_member_at(KpGroup *g, int i)
{
	return kp_member_get(kp_member_pointer(g, i));
}

const char *
kp_member_id(const KpMember *m)
{
	return m->data + m->off_member_id;
}

const char *
kp_member_instance(const KpMember *m)
{
	return m->off_instance_id ? m->data + m->off_instance_id : NULL;
}

const char *
kp_member_client_id(const KpMember *m)
{
	return m->data + m->off_client_id;
}

const char *
kp_member_client_host(const KpMember *m)
{
	return m->data + m->off_client_host;
}

/* Steps over one [int32 len][bytes] item of the protocol list. */
static const char *
next_item(const char *p, int32 *len, const char **bytes)
{
	memcpy(len, p, sizeof(int32));
	*bytes = p + sizeof(int32);
	return *bytes + Max(*len, 0);
}

/* The metadata the member offered for protocol 'name'; false if none. */
bool
kp_member_protocol(const KpMember *m, const char *name, KpBytes *metadata)
{
	const char *p = m->data + m->off_protocols;

	for (int i = 0; i < m->nprotocols; i++)
	{
		int32		nlen,
					mlen;
		const char *pname,
				   *meta;

		p = next_item(p, &nlen, &pname);
		p = next_item(p, &mlen, &meta);
		if (strcmp(pname, name) == 0)
		{
			if (metadata != NULL)
			{
				metadata->data = (const uint8 *) meta;
				metadata->len = mlen;
			}
			return true;
		}
	}
	return false;
}

/* The name of the member's i-th protocol, in its order of preference. */
const char *
kp_member_protocol_at(const KpMember *m, int i)
{
	const char *p = m->data + m->off_protocols;

	if (i < 0 || i >= m->nprotocols)
		return "";
	for (int k = 0;; k++)
	{
		int32		nlen,
					mlen;
		const char *pname,
				   *meta;

		p = next_item(p, &nlen, &pname);
		if (k == i)
			return pname;
		p = next_item(p, &mlen, &meta);
	}
}

int
kp_member_find(KpGroup *g, const char *member_id)
{
	if (member_id == NULL || member_id[0] == '\0')
		return -1;
	for (int i = 0; i < g->nmembers; i++)
		if (strcmp(kp_member_id(kp_member_at(g, i)), member_id) == 0)
			return i;
	return -1;
}

int
kp_member_find_instance(KpGroup *g, const char *instance_id)
{
	if (instance_id == NULL)
		return -1;
	for (int i = 0; i < g->nmembers; i++)
	{
		const char *inst = kp_member_instance(kp_member_at(g, i));

		if (inst != NULL && strcmp(inst, instance_id) == 0)
			return i;
	}
	return -1;
}

int
kp_member_find_join_waiter(KpGroup *g, uint64 token)
{
	for (int i = 0; i < g->nmembers; i++)
		if (kp_member_at(g, i)->join_waiter == token)
			return i;
	return -1;
}

/* Appends a string with its NUL; returns its offset. */
static uint32
put_string(char *data, Size *pos, const char *s)
{
	uint32		at = (uint32) *pos;
	Size		len = strlen(s) + 1;

	memcpy(data + at, s, len);
	*pos += len;
	return at;
}

static void
put_item(char *data, Size *pos, const char *bytes, int32 len, bool nul)
{
	int32		stored = len < 0 ? len : len + (nul ? 1 : 0);

	memcpy(data + *pos, &stored, sizeof(int32));
	*pos += sizeof(int32);
	if (len > 0)
		memcpy(data + *pos, bytes, len);
	*pos += Max(len, 0);
	if (nul)
		data[(*pos)++] = '\0';
}

/* Allocates and fills a member chunk; InvalidDsaPointer if out of memory. */
static dsa_pointer
member_build(const char *member_id, const char *instance_id, const char *client_id,
			 const char *client_host, int nprotocols, const char *const *names,
			 const KpBytes *metas)
{
	Size		size = offsetof(KpMember, data) + 1;
	dsa_pointer p;
	KpMember   *m;
	Size		pos = 1;		/* offset 0 means "no instance id" */

	size += strlen(member_id) + 1 + strlen(client_id) + 1 + strlen(client_host) + 1;
	if (instance_id != NULL)
		size += strlen(instance_id) + 1;
	for (int i = 0; i < nprotocols; i++)
		size += 2 * sizeof(int32) + strlen(names[i]) + 1 + Max(metas[i].len, 0);
	p = dsa_allocate_extended(kp_groups_area(), size, DSA_ALLOC_NO_OOM);
	if (!DsaPointerIsValid(p))
		return InvalidDsaPointer;
	m = kp_member_get(p);
	memset(m, 0, offsetof(KpMember, data));
	m->size = size;
	m->assignment = InvalidDsaPointer;
	m->joined_generation = -1;
	m->data[0] = '\0';
	m->off_member_id = put_string(m->data, &pos, member_id);
	m->off_instance_id = instance_id ? put_string(m->data, &pos, instance_id) : 0;
	m->off_client_id = put_string(m->data, &pos, client_id);
	m->off_client_host = put_string(m->data, &pos, client_host);
	m->off_protocols = (uint32) pos;
	m->nprotocols = nprotocols;
	for (int i = 0; i < nprotocols; i++)
	{
		put_item(m->data, &pos, names[i], (int32) strlen(names[i]), true);
		put_item(m->data, &pos, (const char *) metas[i].data, metas[i].len, false);
	}
	Assert(offsetof(KpMember, data) + pos == size);
	return p;
}

/* A member from a JoinGroup request's protocols. */
dsa_pointer
kp_member_create(const char *member_id, const char *instance_id, const char *client_id,
				 const char *client_host, const KpJoinGroupRequestProtocol *protocols,
				 int nprotocols)
{
	const char **names = palloc(sizeof(char *) * Max(nprotocols, 1));
	KpBytes    *metas = palloc(sizeof(KpBytes) * Max(nprotocols, 1));
	dsa_pointer p;

	for (int i = 0; i < nprotocols; i++)
	{
		names[i] = protocols[i].name ? protocols[i].name : "";
		metas[i] = protocols[i].metadata;
	}
	p = member_build(member_id, instance_id, client_id, client_host, nprotocols, names, metas);
	pfree(names);
	pfree(metas);
	return p;
}

/* A member as the catalog stored it: one protocol, the group's. */
dsa_pointer
kp_member_create_loaded(const char *member_id, const char *instance_id, const char *client_id,
						const char *client_host, const char *protocol, KpBytes subscription)
{
	int			n = protocol != NULL && protocol[0] != '\0' ? 1 : 0;

	return member_build(member_id, instance_id, client_id, client_host, n, &protocol,
						&subscription);
}

/*
 * Puts a fresh chunk (new protocols, or a new member id) in place of member
 * i, carrying over its state, and frees the old one.
 */
void
kp_member_replace(KpGroup *g, int i, dsa_pointer fresh)
{
	dsa_pointer old = kp_member_pointer(g, i);
	KpMember   *o = kp_member_get(old);
	KpMember   *n = kp_member_get(fresh);
	dsa_pointer *arr = dsa_get_address(kp_groups_area(), g->members);

	n->session_timeout_ms = o->session_timeout_ms;
	n->rebalance_timeout_ms = o->rebalance_timeout_ms;
	n->expires_ms = o->expires_ms;
	n->join_waiter = o->join_waiter;
	n->sync_waiter = o->sync_waiter;
	n->joined_generation = o->joined_generation;
	n->pending = o->pending;
	n->awaiting_join = o->awaiting_join;
	n->awaiting_sync = o->awaiting_sync;
	n->is_new = o->is_new;
	n->assignment = o->assignment;
	n->assignment_len = o->assignment_len;
	arr[i] = fresh;
	if (g->leader == old)
		g->leader = fresh;
	dsa_free(kp_groups_area(), old);
}

/* Adds a member at the end of the list; false if out of memory. */
bool
kp_member_append(KpGroup *g, dsa_pointer p)
{
	dsa_area   *a = kp_groups_area();
	dsa_pointer *arr;

	if (g->nmembers == g->members_cap)
	{
		int			cap = Max(8, g->members_cap * 2);
		dsa_pointer grown = dsa_allocate_extended(a, sizeof(dsa_pointer) * cap,
												  DSA_ALLOC_NO_OOM);

		if (!DsaPointerIsValid(grown))
			return false;
		if (g->members_cap > 0)
		{
			memcpy(dsa_get_address(a, grown), dsa_get_address(a, g->members),
				   sizeof(dsa_pointer) * g->nmembers);
			dsa_free(a, g->members);
		}
		g->members = grown;
		g->members_cap = cap;
	}
	arr = dsa_get_address(a, g->members);
	arr[g->nmembers++] = p;
	return true;
}

/* Removes member i (the list keeps its order) and frees its chunks. */
void
kp_member_delete(KpGroup *g, int i)
{
	dsa_area   *a = kp_groups_area();
	dsa_pointer *arr = dsa_get_address(a, g->members);
	dsa_pointer p = arr[i];
	KpMember   *m = kp_member_get(p);

	if (DsaPointerIsValid(m->assignment))
		dsa_free(a, m->assignment);
	memmove(&arr[i], &arr[i + 1], sizeof(dsa_pointer) * (g->nmembers - i - 1));
	g->nmembers--;
	if (g->leader == p)
	{
		g->leader = InvalidDsaPointer;
		for (int k = 0; k < g->nmembers; k++)
			if (!kp_member_at(g, k)->pending)
			{
				g->leader = arr[k];
				break;
			}
	}
	dsa_free(a, p);
}

/* Stores the member's assignment; false if out of memory (old one kept). */
bool
kp_member_set_assignment(KpMember *m, const uint8 *data, int32 len)
{
	dsa_area   *a = kp_groups_area();
	dsa_pointer p = InvalidDsaPointer;

	if (len > 0)
	{
		p = dsa_allocate_extended(a, len, DSA_ALLOC_NO_OOM);
		if (!DsaPointerIsValid(p))
			return false;
		memcpy(dsa_get_address(a, p), data, len);
	}
	if (DsaPointerIsValid(m->assignment))
		dsa_free(a, m->assignment);
	m->assignment = p;
	m->assignment_len = Max(len, 0);
	return true;
}

/* A palloc'd copy of bytes in shared memory (empty, never null, if none). */
KpBytes
kp_group_copy_bytes(KpBytes b)
{
	KpBytes		d = {(const uint8 *) "", Max(b.len, 0)};

	if (b.len > 0)
	{
		uint8	   *p = palloc(b.len);

		memcpy(p, b.data, b.len);
		d.data = p;
	}
	return d;
}

KpBytes
kp_member_assignment(const KpMember *m)
{
	KpBytes		b = {(const uint8 *) "", 0};

	if (DsaPointerIsValid(m->assignment))
	{
		b.data = dsa_get_address(kp_groups_area(), m->assignment);
		b.len = m->assignment_len;
	}
	return b;
}

/* ---------------- groups ---------------- */

KpGroup *
kp_group_lookup(const char *group_id)
{
	char		key[KP_GROUP_ID_MAX];

	if (strlen(group_id) >= KP_GROUP_ID_MAX)
		return NULL;
	memset(key, 0, sizeof(key));
	strlcpy(key, group_id, sizeof(key));
	return hash_search(kp_group_table, key, HASH_FIND, NULL);
}

/* A new Empty group; NULL with *full set when the table is full. */
KpGroup *
kp_group_create(const char *group_id, bool *full)
{
	char		key[KP_GROUP_ID_MAX];
	KpGroup    *g;
	bool		found;

	*full = false;
	memset(key, 0, sizeof(key));
	strlcpy(key, group_id, sizeof(key));
	g = hash_search(kp_group_table, key, HASH_ENTER_NULL, &found);
	if (g == NULL)
	{
		*full = true;
		return NULL;
	}
	if (!found)
	{
		memset((char *) g + KP_GROUP_ID_MAX, 0, sizeof(KpGroup) - KP_GROUP_ID_MAX);
		g->state = KP_GROUP_EMPTY;
		g->leader = InvalidDsaPointer;
		g->members = InvalidDsaPointer;
		g->state_since_ms = kp_now_ms();
	}
	return g;
}

/* Frees every member and removes the group from the table. */
void
kp_group_drop(KpGroup *g)
{
	char		key[KP_GROUP_ID_MAX];

	while (g->nmembers > 0)
		kp_member_delete(g, g->nmembers - 1);
	if (DsaPointerIsValid(g->members))
		dsa_free(kp_groups_area(), g->members);
	memcpy(key, g->group_id, sizeof(key));
	(void) hash_search(kp_group_table, key, HASH_REMOVE, NULL);
}

void
kp_group_set_state(KpGroup *g, KpGroupState state, int64 now_ms)
{
	g->state = state;
	g->state_since_ms = now_ms;
}

/* Sets the latches of the workers with requests parked on the group. */
void
kp_group_wake(KpGroup *g)
{
	uint64		mask = g->waiters;

	g->waiters = 0;
	kp_shmem_wake_worker_mask(mask);
}

/* A parked JoinGroup whose member is gone gets 'error' on its next run. */
void
kp_group_remember_gone(KpGroup *g, uint64 token, int16 error)
{
	if (token == 0)
		return;
	g->gone_token[g->gone_next] = token;
	g->gone_error[g->gone_next] = error;
	g->gone_next = (g->gone_next + 1) % KP_GROUP_GONE_SLOTS;
}

int16
kp_group_take_gone(KpGroup *g, uint64 token)
{
	for (int i = 0; i < KP_GROUP_GONE_SLOTS; i++)
	{
		if (g->gone_token[i] == token)
		{
			g->gone_token[i] = 0;
			return g->gone_error[i];
		}
	}
	return KP_ERR_UNKNOWN_MEMBER_ID;
}
