/*-------------------------------------------------------------------------
 *
 * kptest.h
 *	  What the librdkafka client tests share: TAP-style result lines and
 *	  configuration that fails the test loudly.
 *
 * Each test is one single-threaded program (test/client/run.sh builds
 * test_*.c with this header next to it); failures counts its "not ok" lines.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KPTEST_H
#define KPTEST_H

#include <stdio.h>
#include <stdlib.h>

#include <librdkafka/rdkafka.h>

static int	failures = 0;

/* Prints "ok - desc" or "not ok - desc -- detail". */
static inline void
ok(int cond, const char *desc, const char *detail)
{
	if (cond)
		printf("ok - %s\n", desc);
	else
	{
		failures++;
		printf("not ok - %s%s%s\n", desc, detail ? " -- " : "", detail ? detail : "");
	}
	fflush(stdout);
}

/* Sets a configuration property; a refused one ends the test. */
static inline void
set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char		errstr[256];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
	{
		printf("not ok - %s: %s\n", name, errstr);
		exit(1);
	}
}

/* A configuration naming the broker under test. */
static inline rd_kafka_conf_t *
base_conf(const char *bootstrap)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	set(conf, "bootstrap.servers", bootstrap);
	return conf;
}

#endif							/* KPTEST_H */
