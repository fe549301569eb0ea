/*-------------------------------------------------------------------------
 *
 * group.h
 *	  The consumer-group coordinator: Kafka's classic group protocol
 *	  (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) over group state in
 *	  shared memory, shared by every broker worker and SQL backend.
 *
 * Every function here takes the coordinator lock itself; callers hold no
 * kafkapg lock.  A request that must wait (a JoinGroup before the join
 * barrier, a follower's SyncGroup before the leader's assignment) is
 * answered with KP_GROUP_PARK: the worker parks it and runs it again when
 * its latch is set or the time given passes, and the coordinator then
 * recognises it by its waiter token.  See src/group/README.md for the
 * state machine and the catalog tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_GROUP_GROUP_H
#define KAFKAPG_GROUP_GROUP_H

#include "kafkapg/protocol/messages.h"

#define KP_GROUP_ID_MAX		256		/* longest group id + 1 */
#define KP_GROUP_NAME_MAX	128		/* longest protocol type/name + 1 */

typedef enum KpGroupState
{
	KP_GROUP_EMPTY,
	KP_GROUP_PREPARING_REBALANCE,
	KP_GROUP_COMPLETING_REBALANCE,
	KP_GROUP_STABLE,
	KP_GROUP_DEAD
} KpGroupState;

/* Who sends a group request, and whether it is a parked one run again */
typedef struct KpGroupCaller
{
	uint64		token;			/* worker and connection: see kp_group_token */
	bool		retry;			/* the request was parked before */
	int16		version;		/* of the request's API */
	const char *client_id;
	const char *client_host;
	const KpAllocator *alloc;	/* for the response's strings and arrays */
} KpGroupCaller;

/* What to do with a request once the coordinator has seen it */
typedef struct KpGroupOutcome
{
	bool		park;			/* wait; run again at until_ms or on wakeup */
	int64		until_ms;
	char	   *persist_group;	/* the group changed: store it (kp_group_persist) */
} KpGroupOutcome;

/* A group as the views, DescribeGroups and ListGroups see it */
typedef struct KpGroupMemberInfo
{
	char	   *member_id;
	char	   *group_instance_id;	/* NULL if dynamic */
	char	   *client_id;
	char	   *client_host;
	KpBytes		metadata;		/* for the group's protocol (empty if none) */
	KpBytes		assignment;
} KpGroupMemberInfo;

typedef struct KpGroupInfo
{
	char	   *group_id;
	KpGroupState state;
	char	   *protocol_type;
	char	   *protocol;
	int32		generation;
	int			nmembers;
	KpGroupMemberInfo *members;
} KpGroupInfo;

/* shmem.c */
extern Size kp_groups_shmem_size(void);
extern void kp_groups_shmem_init(void);
extern void kp_groups_request_locks(void);
extern uint64 kp_group_token(int worker_index, uint64 conn_serial);
extern const char *kp_group_state_name(KpGroupState state);
extern bool kp_group_state_from_name(const char *name, KpGroupState *state);

/* coordinator.c: the protocol (error codes in the responses) */
extern void kp_group_join(const KpJoinGroupRequest *rq, const KpGroupCaller *who,
						  KpJoinGroupResponse *rs, KpGroupOutcome *out);
extern void kp_group_sync(const KpSyncGroupRequest *rq, const KpGroupCaller *who,
						  KpSyncGroupResponse *rs, KpGroupOutcome *out);
extern int16 kp_group_heartbeat(const KpHeartbeatRequest *rq, const KpGroupCaller *who);
extern void kp_group_leave(const KpLeaveGroupRequest *rq, const KpGroupCaller *who,
						   KpLeaveGroupResponse *rs, KpGroupOutcome *out);
extern int16 kp_group_check_commit(const char *group_id, int32 generation,
								   const char *member_id, const char *group_instance_id);
extern void kp_groups_tick(void);

/* How a group uses a topic, for OffsetDelete */
typedef enum KpTopicUse
{
	KP_TOPIC_UNUSED,			/* no live group, or not subscribed */
	KP_TOPIC_SUBSCRIBED,		/* a live consumer group subscribes to it */
	KP_TOPIC_GROUP_NOT_CONSUMER	/* a live group of another protocol type */
} KpTopicUse;

/* admin.c: snapshots and removal */
extern bool kp_group_describe(const char *group_id, KpGroupInfo *info);
extern int	kp_group_list(KpGroupInfo **infos);
extern bool kp_group_has_members(const char *group_id);
extern int16 kp_group_delete(const char *group_id, bool *in_memory);
extern KpTopicUse kp_group_topic_use(const char *group_id, const char *topic);

/* consumer_protocol.c */
extern bool kp_consumer_subscribes(KpBytes metadata, const char *topic, bool *ok);
extern char *kp_consumer_assignment_json(KpBytes assignment);

/* persist.c: readiness and the catalog copy (consumer_group, consumer_group_member) */
extern int16 kp_group_ready(void);
extern void kp_group_persist(const char *group_id);
extern void kp_group_persist_dirty(void);
extern void kp_groups_expire_offsets(void);

#endif							/* KAFKAPG_GROUP_GROUP_H */
