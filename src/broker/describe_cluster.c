/*-------------------------------------------------------------------------
 *
 * describe_cluster.c
 *	  DescribeCluster (key 60), versions 0-1: this broker, the cluster id
 *	  and the controller, as Metadata reports them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kafkapg/broker/dispatch.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/protocol/messages.h"

#define KP_ENDPOINT_BROKERS 1
#define KP_ERR_UNSUPPORTED_ENDPOINT_TYPE 114

void
kp_handle_describe_cluster(KpRequest *req, const void *request, void *response)
{
	const KpDescribeClusterRequest *rq = request;
	KpDescribeClusterResponse *rs = response;
	KpDescribeClusterBroker *b;

	rs->cluster_id = kp_cluster_id;
	rs->controller_id = kp_node_id;
	rs->endpoint_type = rq->endpoint_type;
	if (rq->endpoint_type != KP_ENDPOINT_BROKERS)
	{
		rs->error_code = KP_ERR_UNSUPPORTED_ENDPOINT_TYPE;
		rs->error_message = "only broker endpoints are available";
		return;
	}
	b = kp_request_alloc(req, sizeof(*b));
	b->broker_id = kp_node_id;
	b->host = pstrdup(kp_guc_advertised_host());
	b->port = kp_guc_advertised_port();
	b->rack = NULL;
	rs->brokers = b;
	rs->brokers_count = 1;
}

bool
kp_describe_cluster_error(KpRequest *req, const void *request, void *response,
						  int16 error_code)
{
	KpDescribeClusterResponse *rs = response;

	rs->cluster_id = kp_cluster_id;
	rs->error_code = error_code;
	return true;
}
