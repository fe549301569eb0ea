/*
 * test_rdkafka_metadata.c
 *	  librdkafka (the C client under kcat, confluent-kafka, ...) against
 *	  kafkapg: ApiVersions negotiation and Metadata.
 *
 * Proves that a librdkafka producer handle, bootstrapped at KP_BOOTSTRAP:
 *   - gets all-topics metadata listing exactly one broker, id 1, at
 *     KP_HOST:KP_PORT, and as many topics as kafkapg.topics holds;
 *   - reads the cluster id (rd_kafka_clusterid) equal to what
 *     SELECT kafkapg.cluster_id() returns, and controller id 1;
 *   - creates a missing topic it names (a producer handle allows
 *     auto-creation), with one partition, also in kafkapg.topics;
 *   - gets UNKNOWN_TOPIC_OR_PART for a missing topic through a consumer
 *     handle with allow.auto.create.topics=false, which creates nothing;
 *   - negotiated with ApiVersions v3 (librdkafka's newest) and then used
 *     Metadata v4 (the newest librdkafka 2.0 speaks), and logged no error
 *     (level <= LOG_ERR) while doing so.
 *
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "kptest.h"

#define TIMEOUT_MS 10000

static int	error_logs = 0;
static char last_error_log[512];
static int	saw_api_versions_v3 = 0;
static int	saw_metadata_v4 = 0;

static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void) rk;
	if (strstr(buf, "Received ApiVersionResponse (v3,") != NULL)
		saw_api_versions_v3 = 1;
	if (strstr(buf, "Received MetadataResponse (v4,") != NULL)
		saw_metadata_v4 = 1;
	if (level <= 3)
	{
		error_logs++;
		snprintf(last_error_log, sizeof(last_error_log), "%s: %s", fac, buf);
	}
}

/* First line printed by a shell command, without its newline. */
static int
command_line(const char *cmd, char *out, size_t size)
{
	FILE	   *f = popen(cmd, "r");
	int			rc;

	out[0] = '\0';
	if (f == NULL)
		return -1;
	if (fgets(out, (int) size, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	rc = pclose(f);
	return rc;
}

/* A consumer handle, allow.auto.create.topics=false: no creation. */
static void
missing_topic_consumer(const char *bootstrap)
{
	const char *name = "kp-rdkafka-metadata-missing";
	char		errstr[512];
	char		detail[512];
	char		row[64];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
		rd_kafka_conf_set(conf, "group.id", "kp-rdkafka-metadata", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
		rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
		(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr))) == NULL)
	{
		ok(0, "consumer handle created", errstr);
		return;
	}
	rkt = rd_kafka_topic_new(rk, name, NULL);
	err = rd_kafka_metadata(rk, 0, rkt, &md, TIMEOUT_MS);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		snprintf(detail, sizeof(detail), "topic_cnt %d, first '%s' err %s",
				 md->topic_cnt,
				 md->topic_cnt > 0 ? md->topics[0].topic : "",
				 md->topic_cnt > 0 ? rd_kafka_err2name(md->topics[0].err) : "");
		ok(md->topic_cnt == 1 && strcmp(md->topics[0].topic, name) == 0 &&
		   md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
		   md->topics[0].partition_cnt == 0,
		   "consumer (no auto-creation) metadata for a missing topic: UNKNOWN_TOPIC_OR_PART",
		   detail);
		rd_kafka_metadata_destroy(md);
	}
	else
		ok(0, "consumer metadata for a missing topic: UNKNOWN_TOPIC_OR_PART", rd_kafka_err2str(err));
	rd_kafka_topic_destroy(rkt);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	command_line("psql -XAtc \"SELECT count(*) FROM kafkapg.topics"
				 " WHERE topic = 'kp-rdkafka-metadata-missing'\"", row, sizeof(row));
	ok(strcmp(row, "0") == 0, "... and the topic was not created", row);
}

int
main(void)
{
	const char *bootstrap = getenv("KP_BOOTSTRAP");
	const char *host = getenv("KP_HOST");
	const char *port_s = getenv("KP_PORT");
	char		errstr[512];
	char		expected_cluster_id[128];
	char		sql_topic_count[64];
	char		detail[1024];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	char	   *cluster_id;
	int32_t		controller;
	int			port;

	if (bootstrap == NULL || host == NULL || port_s == NULL)
	{
		printf("not ok - KP_BOOTSTRAP, KP_HOST and KP_PORT must be set\n");
		return 1;
	}
	port = atoi(port_s);

	if (command_line("psql -XAtc 'SELECT kafkapg.cluster_id()'",
					 expected_cluster_id, sizeof(expected_cluster_id)) != 0 ||
		strlen(expected_cluster_id) != 22)
	{
		printf("not ok - psql returned cluster id '%s'\n", expected_cluster_id);
		return 1;
	}

	command_line("psql -XAtc \"SELECT kafkapg.create_topic('kp-rdkafka-metadata-sql', 2)\"",
				 detail, sizeof(detail));
	command_line("psql -XAtc 'SELECT count(*) FROM kafkapg.topics'",
				 sql_topic_count, sizeof(sql_topic_count));

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
		rd_kafka_conf_set(conf, "client.id", "kafkapg-rdkafka-test", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
		rd_kafka_conf_set(conf, "debug", "protocol", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
	{
		printf("not ok - rd_kafka_conf_set: %s\n", errstr);
		return 1;
	}
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL)
	{
		printf("not ok - rd_kafka_new: %s\n", errstr);
		return 1;
	}

	/* All-topics metadata */
	err = rd_kafka_metadata(rk, 1, NULL, &md, TIMEOUT_MS);
	ok(err == RD_KAFKA_RESP_ERR_NO_ERROR, "rd_kafka_metadata(all topics) succeeds",
	   rd_kafka_err2str(err));
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		snprintf(detail, sizeof(detail), "broker_cnt %d", md->broker_cnt);
		ok(md->broker_cnt == 1, "metadata lists exactly one broker", detail);
		if (md->broker_cnt >= 1)
		{
			snprintf(detail, sizeof(detail), "broker %d at %s:%d, want 1 at %s:%d",
					 md->brokers[0].id, md->brokers[0].host, md->brokers[0].port,
					 host, port);
			ok(md->brokers[0].id == 1, "broker id is 1", detail);
			ok(strcmp(md->brokers[0].host, host) == 0, "broker host is KP_HOST", detail);
			ok(md->brokers[0].port == port, "broker port is KP_PORT", detail);
		}
		snprintf(detail, sizeof(detail), "topic_cnt %d, kafkapg.topics has %s",
				 md->topic_cnt, sql_topic_count);
		ok(md->topic_cnt == atoi(sql_topic_count) && sql_topic_count[0] != '\0',
		   "metadata lists as many topics as kafkapg.topics", detail);
		rd_kafka_metadata_destroy(md);
		md = NULL;
	}

	/* Cluster id and controller, from the cached metadata */
	cluster_id = rd_kafka_clusterid(rk, TIMEOUT_MS);
	snprintf(detail, sizeof(detail), "got '%s', psql says '%s'",
			 cluster_id ? cluster_id : "(null)", expected_cluster_id);
	ok(cluster_id != NULL && strcmp(cluster_id, expected_cluster_id) == 0,
	   "rd_kafka_clusterid equals kafkapg.cluster_id()", detail);
	if (cluster_id)
		rd_kafka_mem_free(rk, cluster_id);

	controller = rd_kafka_controllerid(rk, TIMEOUT_MS);
	snprintf(detail, sizeof(detail), "got %d", controller);
	ok(controller == 1, "rd_kafka_controllerid is 1", detail);

	/* A named topic that does not exist: the producer handle creates it */
	{
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "kp-rdkafka-metadata-auto", NULL);
		char		row[64];

		err = rd_kafka_metadata(rk, 0, rkt, &md, TIMEOUT_MS);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		{
			snprintf(detail, sizeof(detail), "topic_cnt %d, first '%s' err %s partitions %d",
					 md->topic_cnt,
					 md->topic_cnt > 0 ? md->topics[0].topic : "",
					 md->topic_cnt > 0 ? rd_kafka_err2name(md->topics[0].err) : "",
					 md->topic_cnt > 0 ? md->topics[0].partition_cnt : -1);
			ok(md->topic_cnt == 1 &&
			   strcmp(md->topics[0].topic, "kp-rdkafka-metadata-auto") == 0 &&
			   md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
			   md->topics[0].partition_cnt == 1 &&
			   md->topics[0].partitions[0].leader == 1,
			   "producer metadata for a missing topic: auto-created, 1 partition led by 1", detail);
			rd_kafka_metadata_destroy(md);
		}
		else
			ok(0, "producer metadata for a missing topic: auto-created", rd_kafka_err2str(err));
		rd_kafka_topic_destroy(rkt);
		command_line("psql -XAtc \"SELECT partitions FROM kafkapg.topics"
					 " WHERE topic = 'kp-rdkafka-metadata-auto'\"", row, sizeof(row));
		ok(strcmp(row, "1") == 0, "the auto-created topic is in kafkapg.topics, 1 partition", row);
	}

	/* ... and a consumer that disallows auto-creation gets an error */
	missing_topic_consumer(bootstrap);
	/* the log callback runs on librdkafka's threads: read after they end */
	rd_kafka_destroy(rk);
	ok(saw_api_versions_v3, "librdkafka received an ApiVersions v3 response", NULL);
	ok(saw_metadata_v4, "librdkafka received Metadata v4 responses", NULL);
	snprintf(detail, sizeof(detail), "%d error logs, last: %s", error_logs, last_error_log);
	ok(error_logs == 0, "librdkafka logged no errors", detail);
	return failures ? 1 : 0;
}
