/*-------------------------------------------------------------------------
 *
 * handlers.c
 *	  The broker's handler table, indexed by API key: what is implemented,
 *	  in which versions, and by which function.
 *
 * ApiVersions advertises exactly this table.  Every range must lie within
 * the codec's schema range (protocol/apis.c).  Read-only data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"

static const KpHandler kp_handlers[] = {
	/* api key              versions  handler                  error response */
	{KP_API_PRODUCE, 0, 9, kp_handle_produce, kp_produce_error},
	{KP_API_FETCH, 4, 13, kp_handle_fetch, kp_fetch_error},
	{KP_API_LIST_OFFSETS, 0, 7, kp_handle_list_offsets, kp_list_offsets_error},
	{KP_API_METADATA, 0, 12, kp_handle_metadata, kp_metadata_error},
	{KP_API_OFFSET_COMMIT, 0, 8, kp_handle_offset_commit, kp_offset_commit_error},
	{KP_API_OFFSET_FETCH, 0, 8, kp_handle_offset_fetch, kp_offset_fetch_error},
	{KP_API_FIND_COORDINATOR, 0, 4, kp_handle_find_coordinator, kp_find_coordinator_error},
	{KP_API_JOIN_GROUP, 0, 9, kp_handle_join_group, kp_join_group_error},
	{KP_API_HEARTBEAT, 0, 4, kp_handle_heartbeat, kp_heartbeat_error},
	{KP_API_LEAVE_GROUP, 0, 5, kp_handle_leave_group, kp_leave_group_error},
	{KP_API_SYNC_GROUP, 0, 5, kp_handle_sync_group, kp_sync_group_error},
	{KP_API_DESCRIBE_GROUPS, 0, 5, kp_handle_describe_groups, kp_describe_groups_error},
	{KP_API_LIST_GROUPS, 0, 4, kp_handle_list_groups, kp_list_groups_error},
	{KP_API_API_VERSIONS, 0, 3, kp_handle_api_versions, kp_api_versions_error},
	{KP_API_CREATE_TOPICS, 0, 7, kp_handle_create_topics, kp_create_topics_error},
	{KP_API_DELETE_TOPICS, 0, 6, kp_handle_delete_topics, kp_delete_topics_error},
	{KP_API_OFFSET_FOR_LEADER_EPOCH, 0, 4, kp_handle_offset_for_leader_epoch,
	kp_offset_for_leader_epoch_error},
	{KP_API_DELETE_GROUPS, 0, 2, kp_handle_delete_groups, kp_delete_groups_error},
	{KP_API_OFFSET_DELETE, 0, 0, kp_handle_offset_delete, kp_offset_delete_error},
	{KP_API_DESCRIBE_CLUSTER, 0, 1, kp_handle_describe_cluster, kp_describe_cluster_error},
};

const KpHandler *
kp_handler_lookup(int16 api_key)
{
	for (int i = 0; i < lengthof(kp_handlers); i++)
	{
		if (kp_handlers[i].api_key == api_key)
			return &kp_handlers[i];
	}
	return NULL;
}

int
kp_handler_count(void)
{
	return lengthof(kp_handlers);
}

const KpHandler *
kp_handler_at(int i)
{
	return &kp_handlers[i];
}
