/*-------------------------------------------------------------------------
 *
 * apis.c
 *	  Table of the Kafka APIs known to the codec, and the header-version
 *	  rules that depend on them.
 *
 * Read-only data; no state, no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "kafkapg/protocol/apis.h"
#include "kafkapg/protocol/messages.h"

/* by API key; ranges are what the codec can parse, not what is advertised */
static const KpApiSchema kp_apis[] = {
	{KP_API_PRODUCE, "Produce", 0, 9, 9,
	&kp_desc_ProduceRequest, &kp_desc_ProduceResponse},
	{KP_API_FETCH, "Fetch", 0, 13, 12,
	&kp_desc_FetchRequest, &kp_desc_FetchResponse},
	{KP_API_LIST_OFFSETS, "ListOffsets", 0, 7, 6,
	&kp_desc_ListOffsetsRequest, &kp_desc_ListOffsetsResponse},
	{KP_API_METADATA, "Metadata", 0, 12, 9,
	&kp_desc_MetadataRequest, &kp_desc_MetadataResponse},
	{KP_API_OFFSET_COMMIT, "OffsetCommit", 0, 8, 8,
	&kp_desc_OffsetCommitRequest, &kp_desc_OffsetCommitResponse},
	{KP_API_OFFSET_FETCH, "OffsetFetch", 0, 8, 6,
	&kp_desc_OffsetFetchRequest, &kp_desc_OffsetFetchResponse},
	{KP_API_FIND_COORDINATOR, "FindCoordinator", 0, 4, 3,
	&kp_desc_FindCoordinatorRequest, &kp_desc_FindCoordinatorResponse},
	{KP_API_JOIN_GROUP, "JoinGroup", 0, 9, 6,
	&kp_desc_JoinGroupRequest, &kp_desc_JoinGroupResponse},
	{KP_API_HEARTBEAT, "Heartbeat", 0, 4, 4,
	&kp_desc_HeartbeatRequest, &kp_desc_HeartbeatResponse},
	{KP_API_LEAVE_GROUP, "LeaveGroup", 0, 5, 4,
	&kp_desc_LeaveGroupRequest, &kp_desc_LeaveGroupResponse},
	{KP_API_SYNC_GROUP, "SyncGroup", 0, 5, 4,
	&kp_desc_SyncGroupRequest, &kp_desc_SyncGroupResponse},
	{KP_API_DESCRIBE_GROUPS, "DescribeGroups", 0, 5, 5,
	&kp_desc_DescribeGroupsRequest, &kp_desc_DescribeGroupsResponse},
	{KP_API_LIST_GROUPS, "ListGroups", 0, 4, 3,
	&kp_desc_ListGroupsRequest, &kp_desc_ListGroupsResponse},
	{KP_API_API_VERSIONS, "ApiVersions", 0, 3, 3,
	&kp_desc_ApiVersionsRequest, &kp_desc_ApiVersionsResponse},
	{KP_API_CREATE_TOPICS, "CreateTopics", 0, 7, 5,
	&kp_desc_CreateTopicsRequest, &kp_desc_CreateTopicsResponse},
	{KP_API_DELETE_TOPICS, "DeleteTopics", 0, 6, 4,
	&kp_desc_DeleteTopicsRequest, &kp_desc_DeleteTopicsResponse},
	{KP_API_OFFSET_FOR_LEADER_EPOCH, "OffsetForLeaderEpoch", 0, 4, 4,
	&kp_desc_OffsetForLeaderEpochRequest, &kp_desc_OffsetForLeaderEpochResponse},
	{KP_API_DELETE_GROUPS, "DeleteGroups", 0, 2, 2,
	&kp_desc_DeleteGroupsRequest, &kp_desc_DeleteGroupsResponse},
	{KP_API_OFFSET_DELETE, "OffsetDelete", 0, 0, KP_NEVER,
	&kp_desc_OffsetDeleteRequest, &kp_desc_OffsetDeleteResponse},
	{KP_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, 1, 0,
	&kp_desc_DescribeClusterRequest, &kp_desc_DescribeClusterResponse},
};

const KpApiSchema *
kp_api_schema(int16_t api_key)
{
	for (size_t i = 0; i < sizeof(kp_apis) / sizeof(kp_apis[0]); i++)
	{
		if (kp_apis[i].api_key == api_key)
			return &kp_apis[i];
	}
	return NULL;
}

const char *
kp_api_name(int16_t api_key)
{
	const KpApiSchema *api = kp_api_schema(api_key);

	return api != NULL ? api->name : "unknown";
}

bool
kp_api_is_flexible(const KpApiSchema *api, int16_t version)
{
	return version >= api->flexible_min;
}

/* Request header v2 in flexible versions, v1 otherwise. */
int
kp_request_header_version(const KpApiSchema *api, int16_t version)
{
	return kp_api_is_flexible(api, version) ? 2 : 1;
}

/*
 * Response header v1 in flexible versions, v0 otherwise -- except that an
 * ApiVersions response always uses v0, so that a client can read it before
 * it knows which versions the broker speaks.
 */
int
kp_response_header_version(const KpApiSchema *api, int16_t version)
{
	if (api->api_key == KP_API_API_VERSIONS)
		return 0;
	return kp_api_is_flexible(api, version) ? 1 : 0;
}
