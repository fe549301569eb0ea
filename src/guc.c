/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every kafkapg configuration parameter, defined in one place and
 *	  grouped by subsystem.  All live under the reserved "kafkapg." prefix.
 *
 * Parameters that shape the process layout or node identity (addresses,
 * port, workers, database, node id, data directory) need a restart;
 * advertised address and connection limits are reloadable (SIGHUP).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <unistd.h>

#include "utils/guc.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/storage/storage.h"

char	   *kp_listen_addresses = NULL;
int			kp_port = 9092;
char	   *kp_advertised_host = NULL;
int			kp_advertised_port = 0;
char	   *kp_database = NULL;
int			kp_workers = 1;
int			kp_node_id = 1;
char	   *kp_data_directory = NULL;

int			kp_socket_request_max_bytes = 104857600;
int			kp_max_connections = 10000;
int			kp_connections_max_idle_ms = 600000;

int			kp_offset_metadata_max_bytes = 4096;
int			kp_max_groups = 4096;
int			kp_group_initial_rebalance_delay_ms = 3000;
int			kp_group_min_session_timeout_ms = 6000;
int			kp_group_max_session_timeout_ms = 1800000;
int			kp_group_max_size = INT_MAX;
int			kp_offsets_retention_minutes = 10080;
int			kp_offsets_retention_check_interval_ms = 600000;

bool		kp_auto_create_topics = true;
int			kp_num_partitions = 1;
int			kp_max_topics = 4096;
int			kp_max_partitions = 32768;

static void
define_listener_gucs(void)
{
	DefineCustomStringVariable("kafkapg.listen_addresses",
							   "Addresses the Kafka listener binds to.",
							   "Comma-separated host names or IP addresses; * for all.",
							   &kp_listen_addresses, "localhost",
							   PGC_POSTMASTER, GUC_LIST_INPUT, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.port",
							"TCP port of the Kafka listener.",
							NULL, &kp_port, 9092, 1, 65535,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kafkapg.advertised_host",
							   "Host name given to clients in Metadata responses.",
							   "Empty means the first listen address, or the machine's host name when listening on all addresses.",
							   &kp_advertised_host, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.advertised_port",
							"Port given to clients in Metadata responses.",
							"0 means the same as kafkapg.port.",
							&kp_advertised_port, 0, 0, 65535,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.workers",
							"Number of broker worker processes sharing the port.",
							"Each takes one background worker slot (max_worker_processes).",
							&kp_workers, 1, 1, 64,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
}

static void
define_identity_gucs(void)
{
	DefineCustomStringVariable("kafkapg.database",
							   "Database in which the broker workers run.",
							   "CREATE EXTENSION kafkapg must be run in this database.",
							   &kp_database, "postgres",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.node_id",
							"Kafka node (broker) id of this server.",
							NULL, &kp_node_id, 1, 0, INT_MAX,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kafkapg.data_directory",
							   "Directory holding the partition logs.",
							   "A relative path is taken from the data directory.",
							   &kp_data_directory, "kafkapg",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
}

static void
define_connection_gucs(void)
{
	DefineCustomIntVariable("kafkapg.socket_request_max_bytes",
							"Largest request frame accepted (Kafka socket.request.max.bytes).",
							"A larger frame closes the connection.",
							&kp_socket_request_max_bytes, 104857600, 1024, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.max_connections",
							"Most client connections per broker worker (Kafka max.connections).",
							NULL, &kp_max_connections, 10000, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.connections_max_idle_ms",
							"Idle connections are closed after this time (Kafka connections.max.idle.ms).",
							"0 disables the idle timeout.",
							&kp_connections_max_idle_ms, 600000, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

static void
define_group_gucs(void)
{
	DefineCustomIntVariable("kafkapg.max_groups",
							"Most consumer groups the coordinator holds in shared memory.",
							NULL, &kp_max_groups, 4096, 16, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.group_initial_rebalance_delay_ms",
							"How long the first rebalance of an empty group waits for more members (Kafka group.initial.rebalance.delay.ms).",
							NULL, &kp_group_initial_rebalance_delay_ms, 3000, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.group_min_session_timeout_ms",
							"Shortest session timeout a member may ask for (Kafka group.min.session.timeout.ms).",
							NULL, &kp_group_min_session_timeout_ms, 6000, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.group_max_session_timeout_ms",
							"Longest session timeout a member may ask for (Kafka group.max.session.timeout.ms).",
							NULL, &kp_group_max_session_timeout_ms, 1800000, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.group_max_size",
							"Most members of one consumer group (Kafka group.max.size).",
							NULL, &kp_group_max_size, INT_MAX, 1, INT_MAX,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.offset_metadata_max_bytes",
							"Longest metadata string of a committed offset (Kafka offset.metadata.max.bytes).",
							NULL, &kp_offset_metadata_max_bytes, 4096, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.offsets_retention_minutes",
							"How long the committed offsets of an empty group are kept (Kafka offsets.retention.minutes).",
							NULL, &kp_offsets_retention_minutes, 10080, 1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.offsets_retention_check_interval_ms",
							"How often expired committed offsets are removed (Kafka offsets.retention.check.interval.ms).",
							NULL, &kp_offsets_retention_check_interval_ms, 600000, 1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

static void
define_topic_gucs(void)
{
	DefineCustomBoolVariable("kafkapg.auto_create_topics",
							 "Creates unknown topics named in Metadata requests (Kafka auto.create.topics.enable).",
							 "Only when the request allows it (allow_auto_topic_creation).",
							 &kp_auto_create_topics, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.num_partitions",
							"Partitions of an auto-created topic, and of CreateTopics with -1 (Kafka num.partitions).",
							NULL, &kp_num_partitions, 1, 1, KP_MAX_PARTITIONS_PER_TOPIC,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.max_topics",
							"Most topics that can exist (sizes shared memory).",
							NULL, &kp_max_topics, 4096, 1, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kafkapg.max_partitions",
							"Most partitions, over all topics, that can exist (sizes shared memory).",
							NULL, &kp_max_partitions, 32768, 1, 10000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
}

/* Defines every kafkapg.* parameter and reserves the prefix. */
void
kp_guc_define(void)
{
	define_listener_gucs();
	define_identity_gucs();
	define_connection_gucs();
	define_topic_gucs();
	define_group_gucs();
	MarkGUCPrefixReserved("kafkapg");
}

/*
 * The host clients should connect to: kafkapg.advertised_host if set, else
 * the first listen address, else (listening on all addresses) our host name.
 * The result is valid until the next configuration reload.
 */
const char *
kp_guc_advertised_host(void)
{
	static char buf[256];
	const char *la = kp_listen_addresses;
	size_t		n;

	if (kp_advertised_host != NULL && kp_advertised_host[0] != '\0')
		return kp_advertised_host;
	while (*la == ' ')
		la++;
	n = strcspn(la, ", ");
	if (n > 0 && n < sizeof(buf) && strncmp(la, "*", n) != 0 &&
		strncmp(la, "0.0.0.0", n) != 0 && strncmp(la, "::", n) != 0)
	{
		memcpy(buf, la, n);
		buf[n] = '\0';
		return buf;
	}
	if (gethostname(buf, sizeof(buf)) != 0)
		strlcpy(buf, "localhost", sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	return buf;
}

int
kp_guc_advertised_port(void)
{
	return kp_advertised_port > 0 ? kp_advertised_port : kp_port;
}
