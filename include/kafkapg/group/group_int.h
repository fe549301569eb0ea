/*-------------------------------------------------------------------------
 *
 * group_int.h
 *	  The coordinator's shared-memory layout, for src/group only.
 *
 * Groups live in a fixed shared hash table keyed by group id
 * (kafkapg.max_groups entries).  Members are variable-sized chunks of a
 * DSA area created in place in the main shared memory (it grows by DSM
 * segments): one chunk per member holds its ids, timeouts and the
 * protocols it offered with their metadata; its assignment is a chunk of
 * its own.  A group's member list is a DSA array of chunk pointers, in
 * join order.
 *
 * Locking: everything here, the hash table and the DSA contents, is
 * protected by one LWLock (kp_groups->lock): exclusive to change, shared to
 * read.  Group traffic is a few requests per member per heartbeat interval,
 * far from needing finer locks.  Nothing blocking (catalog access, I/O) is
 * done while it is held.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_GROUP_GROUP_INT_H
#define KAFKAPG_GROUP_GROUP_INT_H

#include "storage/lwlock.h"
#include "utils/dsa.h"

#include "kafkapg/group/group.h"

#define KP_GROUP_GONE_SLOTS	8
#define KP_NEW_MEMBER_JOIN_TIMEOUT_MS 300000	/* Kafka's, for unjoined members */

typedef struct KpMember
{
	Size		size;			/* of this chunk */
	int32		session_timeout_ms;
	int32		rebalance_timeout_ms;
	int64		expires_ms;		/* removed then unless kept alive */
	uint64		join_waiter;	/* token of its parked JoinGroup, 0 if none */
	uint64		sync_waiter;	/* token of its parked SyncGroup, 0 if none */
	int32		joined_generation;	/* its JoinGroup answer is ready for this */
	bool		pending;		/* got MEMBER_ID_REQUIRED, not joined yet */
	bool		awaiting_join;	/* in the join barrier */
	bool		awaiting_sync;	/* joined, SyncGroup not seen yet */
	bool		is_new;			/* never completed a join */
	dsa_pointer assignment;		/* bytes, or InvalidDsaPointer */
	int32		assignment_len;
	int32		nprotocols;
	uint32		off_member_id;	/* offsets into data[] */
	uint32		off_instance_id;	/* 0: no group.instance.id */
	uint32		off_client_id;
	uint32		off_client_host;
	uint32		off_protocols;	/* [int32 len][name][NUL][int32 len][metadata]... */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} KpMember;

typedef struct KpGroup
{
	char		group_id[KP_GROUP_ID_MAX];	/* hash key: keep first */
	KpGroupState state;
	int32		generation;
	int64		state_since_ms;
	char		protocol_type[KP_GROUP_NAME_MAX];	/* "" while none */
	char		protocol[KP_GROUP_NAME_MAX];	/* "" while none */
	dsa_pointer leader;			/* member chunk, or InvalidDsaPointer */
	int32		nmembers;		/* entries used in members (pending too) */
	int32		members_cap;
	dsa_pointer members;		/* dsa_pointer[members_cap] */
	int64		join_deadline_ms;	/* PreparingRebalance: complete by then */
	int64		join_remaining_ms;	/* how far the initial delay may still extend */
	bool		initial_delay;	/* join_deadline_ms is the initial delay */
	bool		new_member_added;	/* during the initial delay */
	int64		sync_deadline_ms;	/* CompletingRebalance: SyncGroup due by then */
	uint64		waiters;		/* bit i: worker i parks a request on us */
	uint64		version;		/* bumped by each change worth storing */
	uint64		persisted_version;
	/* parked JoinGroups whose member was removed or fenced */
	uint64		gone_token[KP_GROUP_GONE_SLOTS];
	int16		gone_error[KP_GROUP_GONE_SLOTS];
	int			gone_next;
} KpGroup;

typedef struct KpGroupsShared
{
	LWLock		lock;
	int			tranche_id;
	bool		loaded;			/* catalog copy loaded (under lock) */
	bool		loading;		/* a process is loading it */
	Oid			loaded_ext_oid;	/* the extension it was loaded for */
	int64		next_retention_ms;	/* next offsets-retention pass */
	/* the DSA area's control and first segment follow (KP_GROUPS_DSA_SIZE) */
} KpGroupsShared;

extern KpGroupsShared *kp_groups;
extern HTAB *kp_group_table;

/* shmem.c: DSA access and member chunks */
extern dsa_area *kp_groups_area(void);
extern KpMember *kp_member_at(KpGroup *g, int i);
extern KpMember *kp_member_get(dsa_pointer p);
extern dsa_pointer kp_member_pointer(KpGroup *g, int i);
extern const char *kp_member_id(const KpMember *m);
extern const char *kp_member_instance(const KpMember *m);
extern const char *kp_member_client_id(const KpMember *m);
extern const char *kp_member_client_host(const KpMember *m);
extern bool kp_member_protocol(const KpMember *m, const char *name, KpBytes *metadata);
extern const char *kp_member_protocol_at(const KpMember *m, int i);
extern int	kp_member_find(KpGroup *g, const char *member_id);
extern int	kp_member_find_instance(KpGroup *g, const char *instance_id);
extern int	kp_member_find_join_waiter(KpGroup *g, uint64 token);
extern dsa_pointer kp_member_create(const char *member_id, const char *instance_id,
									const char *client_id, const char *client_host,
									const KpJoinGroupRequestProtocol *protocols,
									int nprotocols);
extern dsa_pointer kp_member_create_loaded(const char *member_id, const char *instance_id,
										   const char *client_id, const char *client_host,
										   const char *protocol, KpBytes subscription);
extern void kp_member_replace(KpGroup *g, int i, dsa_pointer fresh);
extern bool kp_member_append(KpGroup *g, dsa_pointer p);
extern void kp_member_delete(KpGroup *g, int i);
extern bool kp_member_set_assignment(KpMember *m, const uint8 *data, int32 len);
extern KpBytes kp_member_assignment(const KpMember *m);
extern KpBytes kp_group_copy_bytes(KpBytes b);
extern KpGroup *kp_group_lookup(const char *group_id);
extern KpGroup *kp_group_create(const char *group_id, bool *full);
extern void kp_group_drop(KpGroup *g);
extern void kp_group_set_state(KpGroup *g, KpGroupState state, int64 now_ms);
extern void kp_group_wake(KpGroup *g);
extern void kp_group_remember_gone(KpGroup *g, uint64 token, int16 error);
extern int16 kp_group_take_gone(KpGroup *g, uint64 token);

#endif							/* KAFKAPG_GROUP_GROUP_INT_H */
