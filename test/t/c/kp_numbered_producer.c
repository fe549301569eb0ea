/*
 * kp_numbered_producer: produces the numbers first..first+count-1 as record
 * values (key = value) to one partition with acks=all and no retries, one
 * record every pace_us, and prints "n offset" for every acknowledged record
 * as soon as its delivery report arrives.  Used by the crash TAP tests:
 * what this prints is exactly what the broker acknowledged.
 *
 *   kp_numbered_producer BOOTSTRAP TOPIC PARTITION FIRST COUNT PACE_US
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void) rk;
	(void) opaque;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		printf("%.*s %lld\n", (int) m->len, (const char *) m->payload, (long long) m->offset);
		fflush(stdout);
	}
}

static void
set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char		err[256];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
	{
		fprintf(stderr, "%s: %s\n", k, err);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char		err[256];
	long		first,
				count,
				pace;
	int			partition;

	if (argc != 7)
	{
		fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITION FIRST COUNT PACE_US\n", argv[0]);
		return 2;
	}
	partition = atoi(argv[3]);
	first = atol(argv[4]);
	count = atol(argv[5]);
	pace = atol(argv[6]);
	set(conf, "bootstrap.servers", argv[1]);
	set(conf, "acks", "all");
	set(conf, "message.send.max.retries", "0");
	set(conf, "enable.idempotence", "false");
	set(conf, "linger.ms", "1");
	set(conf, "message.timeout.ms", "1500");
	set(conf, "socket.timeout.ms", "1000");
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL)
	{
		fprintf(stderr, "rd_kafka_new: %s\n", err);
		return 2;
	}
	for (long n = first; n < first + count; n++)
	{
		char		v[32];
		int			len = snprintf(v, sizeof(v), "%ld", n);

		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]),
								 RD_KAFKA_V_PARTITION(partition),
								 RD_KAFKA_V_VALUE(v, len), RD_KAFKA_V_KEY(v, len),
								 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
								 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 10);
		rd_kafka_poll(rk, 0);
		if (pace > 0)
			usleep(pace);
	}
	rd_kafka_flush(rk, 3000);
	rd_kafka_destroy(rk);
	return 0;
}
