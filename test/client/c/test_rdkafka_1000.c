/*
 * test_rdkafka_1000.c
 *	  librdkafka (C) against kafkapg: a topic with 1,000 partitions, from
 *	  the admin API through produce and consume to SQL, then deletion.
 *
 * Proves that:
 *   - rd_kafka_CreateTopics creates "kp-rdkafka-1000" with 1000 partitions
 *     (kafkapg.topics says 1000; client metadata lists 1000 partitions led
 *     by broker 1);
 *   - a producer sends one record to each partition (key "k<i>", value
 *     "v<i>", header "p" = "<i>"): 1000 delivery reports, all without
 *     error, partition i at offset 0;
 *   - kafkapg.partitions then has 1000 rows for the topic, every high
 *     watermark 1;
 *   - a consumer assigned all 1000 partitions from the beginning (group.id
 *     set but never joined, no commits) receives exactly one record per
 *     partition, with its key, value and header;
 *   - kafkapg.read() returns the same record for partitions 0, 499, 999;
 *   - rd_kafka_DeleteTopics deletes it (gone from kafkapg.topics and
 *     kafkapg.partitions) and gives UNKNOWN_TOPIC_OR_PART for an unknown
 *     topic.
 *
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kptest.h"

#define TOPIC		"kp-rdkafka-1000"
#define NPART		1000
#define TIMEOUT_MS	30000

static int	delivered = 0;
static int	delivery_errors = 0;
static int	delivery_wrong = 0;
static char delivery_detail[256];

/* First line printed by a shell command, without its newline. */
static void
command_line(const char *cmd, char *out, size_t size)
{
	FILE	   *f = popen(cmd, "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int) size, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	pclose(f);
}

/* Runs one admin call's result event; returns its first topic's error. */
static rd_kafka_resp_err_t
admin_wait(rd_kafka_t *rk, rd_kafka_queue_t *q, int create, char *detail, size_t size)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS);
	const rd_kafka_topic_result_t **res;
	size_t		n = 0;
	rd_kafka_resp_err_t err;

	(void) rk;
	if (ev == NULL)
	{
		snprintf(detail, size, "no result event");
		return RD_KAFKA_RESP_ERR__TIMED_OUT;
	}
	err = rd_kafka_event_error(ev);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		res = create
			? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
			: rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
		err = n == 1 ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
		snprintf(detail, size, "%zu results, %s: %s", n, rd_kafka_err2name(err),
				 n == 1 && rd_kafka_topic_result_error_string(res[0])
				 ? rd_kafka_topic_result_error_string(res[0]) : "");
	}
	else
		snprintf(detail, size, "event error %s", rd_kafka_err2name(err));
	rd_kafka_event_destroy(ev);
	return err;
}

static void
create_topic(rd_kafka_t *rk, rd_kafka_queue_t *q)
{
	char		errstr[256];
	char		detail[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(TOPIC, NPART, 1, errstr, sizeof(errstr));
	rd_kafka_resp_err_t err;

	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	err = admin_wait(rk, q, 1, detail, sizeof(detail));
	rd_kafka_NewTopic_destroy(nt);
	ok(err == RD_KAFKA_RESP_ERR_NO_ERROR, "rd_kafka_CreateTopics: " TOPIC " with 1000 partitions",
	   detail);
	command_line("psql -XAtc \"SELECT partitions FROM kafkapg.topics WHERE topic = '" TOPIC "'\"",
				 detail, sizeof(detail));
	ok(strcmp(detail, "1000") == 0, "kafkapg.topics shows 1000 partitions", detail);
}

static void
check_metadata(rd_kafka_t *rk)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, TOPIC, NULL);
	const struct rd_kafka_metadata *md;
	char		detail[256];
	int			led = 0;

	if (rd_kafka_metadata(rk, 0, rkt, &md, TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		ok(0, "client metadata lists 1000 partitions led by broker 1", "metadata failed");
		rd_kafka_topic_destroy(rkt);
		return;
	}
	for (int i = 0; md->topic_cnt == 1 && i < md->topics[0].partition_cnt; i++)
		led += md->topics[0].partitions[i].id == i && md->topics[0].partitions[i].leader == 1;
	snprintf(detail, sizeof(detail), "%d partitions, %d in order led by 1",
			 md->topic_cnt == 1 ? md->topics[0].partition_cnt : -1, led);
	ok(led == NPART, "client metadata lists 1000 partitions led by broker 1", detail);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void) rk;
	(void) opaque;
	delivered++;
	if (m->err)
	{
		delivery_errors++;
		snprintf(delivery_detail, sizeof(delivery_detail), "partition %d: %s",
				 m->partition, rd_kafka_err2name(m->err));
	}
	else if (m->offset != 0 || m->_private == NULL ||
			 (intptr_t) m->_private - 1 != m->partition)
		delivery_wrong++;
}

static void
produce_all(const char *bootstrap)
{
	rd_kafka_conf_t *conf = base_conf(bootstrap);
	char		errstr[256];
	char		detail[512];
	rd_kafka_t *rk;

	set(conf, "linger.ms", "20");
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL)
	{
		printf("not ok - producer: %s\n", errstr);
		exit(1);
	}
	for (int i = 0; i < NPART; i++)
	{
		char		key[16],
					value[16],
					hv[16];
		rd_kafka_resp_err_t err;

		snprintf(key, sizeof(key), "k%d", i);
		snprintf(value, sizeof(value), "v%d", i);
		snprintf(hv, sizeof(hv), "%d", i);
		err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(i),
								RD_KAFKA_V_KEY(key, strlen(key)),
								RD_KAFKA_V_VALUE(value, strlen(value)),
								RD_KAFKA_V_HEADER("p", hv, (ssize_t) strlen(hv)),
								RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
								RD_KAFKA_V_OPAQUE((void *) (intptr_t) (i + 1)),
								RD_KAFKA_V_END);
		if (err)
		{
			snprintf(detail, sizeof(detail), "partition %d: %s", i, rd_kafka_err2name(err));
			ok(0, "rd_kafka_producev accepts every record", detail);
			break;
		}
	}
	rd_kafka_flush(rk, TIMEOUT_MS);
	snprintf(detail, sizeof(detail), "%d delivered, %d errors (%s), %d wrong partition/offset",
			 delivered, delivery_errors, delivery_detail, delivery_wrong);
	ok(delivered == NPART && delivery_errors == 0 && delivery_wrong == 0,
	   "1000 delivery reports without error, record i at partition i offset 0", detail);
	rd_kafka_destroy(rk);

	command_line("psql -XAtc \"SELECT count(*) || '|' || min(high_watermark) || '|' ||"
				 " max(high_watermark) FROM kafkapg.partitions WHERE topic = '" TOPIC "'\"",
				 detail, sizeof(detail));
	ok(strcmp(detail, "1000|1|1") == 0,
	   "kafkapg.partitions: 1000 rows, every high watermark 1", detail);
}

static int
check_message(const rd_kafka_message_t *m)
{
	char		want[16];
	const void *hv;
	size_t		hlen;
	rd_kafka_headers_t *hdrs;

	snprintf(want, sizeof(want), "v%d", m->partition);
	if (m->offset != 0 || m->len != strlen(want) || memcmp(m->payload, want, m->len) != 0)
		return 0;
	snprintf(want, sizeof(want), "k%d", m->partition);
	if (m->key_len != strlen(want) || memcmp(m->key, want, m->key_len) != 0)
		return 0;
	snprintf(want, sizeof(want), "%d", m->partition);
	if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
		rd_kafka_header_get_last(hdrs, "p", &hv, &hlen) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	return hlen == strlen(want) && memcmp(hv, want, hlen) == 0;
}

static void
consume_all(const char *bootstrap)
{
	rd_kafka_conf_t *conf = base_conf(bootstrap);
	char		errstr[256];
	char		detail[512];
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(NPART);
	static int	seen[NPART];
	int			got = 0,
				good = 0,
				dup = 0;
	time_t		deadline = time(NULL) + 60;

	set(conf, "group.id", "kp-rdkafka-1000");	/* required; never joined */
	set(conf, "enable.auto.commit", "false");
	set(conf, "enable.auto.offset.store", "false");
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (rk == NULL)
	{
		printf("not ok - consumer: %s\n", errstr);
		exit(1);
	}
	for (int i = 0; i < NPART; i++)
		rd_kafka_topic_partition_list_add(parts, TOPIC, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	while (got < NPART && time(NULL) < deadline)
	{
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);

		if (m == NULL)
			continue;
		if (!m->err && m->partition >= 0 && m->partition < NPART)
		{
			got++;
			dup += seen[m->partition]++ > 0;
			good += check_message(m);
		}
		rd_kafka_message_destroy(m);
	}
	snprintf(detail, sizeof(detail), "%d received, %d as produced, %d duplicates", got, good, dup);
	ok(got == NPART && good == NPART && dup == 0,
	   "a consumer assigned all 1000 partitions receives one record from each, as produced",
	   detail);
	rd_kafka_assign(rk, NULL);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);

	command_line("psql -XAtc \"SELECT string_agg(partition || ':' || convert_from(key, 'UTF8') ||"
				 " ':' || convert_from(value, 'UTF8') || ':' || (headers->0->>'value'), ',')"
				 " FROM (SELECT * FROM kafkapg.read('" TOPIC "', 0) UNION ALL"
				 " SELECT * FROM kafkapg.read('" TOPIC "', 499) UNION ALL"
				 " SELECT * FROM kafkapg.read('" TOPIC "', 999)) r\"", detail, sizeof(detail));
	ok(strcmp(detail, "0:k0:v0:0,499:k499:v499:499,999:k999:v999:999") == 0,
	   "kafkapg.read() of partitions 0, 499, 999 gives their records", detail);
}

static void
delete_topics(rd_kafka_t *rk, rd_kafka_queue_t *q)
{
	char		detail[512];
	rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(TOPIC);
	rd_kafka_resp_err_t err;

	rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
	err = admin_wait(rk, q, 0, detail, sizeof(detail));
	rd_kafka_DeleteTopic_destroy(dt);
	ok(err == RD_KAFKA_RESP_ERR_NO_ERROR, "rd_kafka_DeleteTopics deletes " TOPIC, detail);
	command_line("psql -XAtc \"SELECT (SELECT count(*) FROM kafkapg.topics WHERE topic = '" TOPIC
				 "') || '|' || (SELECT count(*) FROM kafkapg.partitions WHERE topic = '" TOPIC "')\"",
				 detail, sizeof(detail));
	ok(strcmp(detail, "0|0") == 0, "gone from kafkapg.topics and kafkapg.partitions", detail);

	dt = rd_kafka_DeleteTopic_new("kp-rdkafka-never-existed");
	rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
	err = admin_wait(rk, q, 0, detail, sizeof(detail));
	rd_kafka_DeleteTopic_destroy(dt);
	ok(err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
	   "rd_kafka_DeleteTopics of an unknown topic: UNKNOWN_TOPIC_OR_PART", detail);
}

int
main(void)
{
	const char *bootstrap = getenv("KP_BOOTSTRAP");
	char		errstr[256];
	rd_kafka_t *admin;
	rd_kafka_queue_t *q;

	if (bootstrap == NULL)
	{
		printf("not ok - KP_BOOTSTRAP must be set\n");
		return 1;
	}
	admin = rd_kafka_new(RD_KAFKA_PRODUCER, base_conf(bootstrap), errstr, sizeof(errstr));
	if (admin == NULL)
	{
		printf("not ok - admin handle: %s\n", errstr);
		return 1;
	}
	q = rd_kafka_queue_new(admin);
	create_topic(admin, q);
	check_metadata(admin);
	produce_all(bootstrap);
	consume_all(bootstrap);
	delete_topics(admin, q);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(admin);
	return failures ? 1 : 0;
}
