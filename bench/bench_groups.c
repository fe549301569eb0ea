/*-------------------------------------------------------------------------
 *
 * bench_groups.c
 *	  Consumer-group benchmarks against kafkapg (librdkafka clients):
 *
 *	  rebalance  a settled group of 10 members (range assignor, heartbeat
 *	             every heartbeat.interval.ms, default 3000) is joined by one
 *	             more; measured from the newcomer's subscribe to the moment
 *	             all 11 hold their new assignment.  Repeated
 *	             BENCH_REBALANCES times (default 3).
 *	  commits    one client commits offsets as fast as the broker takes
 *	             them (asynchronous OffsetCommit, pipelined); commits/s over
 *	             BENCH_COMMITS commits (default 20000).
 *	  lag        SELECT of kafkapg.consumer_lag over 100 groups x 100
 *	             partitions (10,000 committed offsets); best and median of
 *	             10 runs, timed by the server (EXPLAIN ANALYZE).
 *
 *	  Usage: bench_groups BOOTSTRAP PSQL_COMMAND INITIAL_DELAY_MS
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

static const char *const bench_name = "bench_groups";

#include "bench_common.h"

#define MEMBERS 10
#define MAX_MEMBERS 16
#define REBALANCE_PARTITIONS 32

static const char *bootstrap;
static const char *psql;

/* ---- psql --------------------------------------------------------------- */

static char *
psql_lines(const char *sql)
{
	char		cmd[4096];
	char	   *buf = calloc(1, 1 << 16);
	size_t		n = 0;
	FILE	   *f;

	snprintf(cmd, sizeof(cmd), "%s -c \"%s\"", psql, sql);
	if ((f = popen(cmd, "r")) == NULL)
		die("popen %s: %s", cmd, strerror(errno));
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	if (pclose(f) != 0)
		die("failed: %s", cmd);
	return buf;
}

/* ---- rebalance ---------------------------------------------------------- */

typedef struct Member
{
	pthread_t	thread;
	rd_kafka_t *rk;
	int			assigned;		/* partitions held now */
	volatile int stop;
	char		group[64];
} Member;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
			 void *opaque)
{
	Member	   *m = opaque;

	pthread_mutex_lock(&mu);
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
	{
		rd_kafka_assign(rk, parts);
		m->assigned = parts->cnt;
	}
	else
	{
		rd_kafka_assign(rk, NULL);
		m->assigned = -1;		/* revoked, waiting for the next assignment */
	}
	pthread_mutex_unlock(&mu);
}

static void *
member_main(void *arg)
{
	Member	   *m = arg;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char		err[512];
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);

	conf_set(conf, "bootstrap.servers", bootstrap);
	conf_set(conf, "group.id", m->group);
	conf_set(conf, "partition.assignment.strategy", "range");
	conf_set(conf, "session.timeout.ms", "10000");
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	rd_kafka_conf_set_opaque(conf, m);
	if ((m->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) == NULL)
		die("rd_kafka_new: %s", err);
	rd_kafka_poll_set_consumer(m->rk);
	rd_kafka_topic_partition_list_add(topics, "bench-groups", RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(m->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	while (!m->stop)
	{
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, 20);

		if (msg)
			rd_kafka_message_destroy(msg);
	}
	rd_kafka_consumer_close(m->rk);
	rd_kafka_destroy(m->rk);
	return NULL;
}

/* Do the first n members hold every partition, each a settled share? */
static bool
settled(Member *ms, int n)
{
	int			total = 0;

	pthread_mutex_lock(&mu);
	for (int i = 0; i < n; i++)
	{
		if (ms[i].assigned < 0)
		{
			pthread_mutex_unlock(&mu);
			return false;
		}
		total += ms[i].assigned;
	}
	pthread_mutex_unlock(&mu);
	return total == REBALANCE_PARTITIONS;
}

static void
start_member(Member *m, const char *group)
{
	m->assigned = -1;
	m->stop = 0;
	snprintf(m->group, sizeof(m->group), "%s", group);
	pthread_create(&m->thread, NULL, member_main, m);
}

/* Waits until the first n members settle; returns seconds, or -1 after 60 s. */
static double
wait_settled(Member *ms, int n, double t0)
{
	while (!settled(ms, n))
	{
		if (now_s() - t0 > 60)
			return -1;
		usleep(1000);
	}
	return now_s() - t0;
}

static void
bench_rebalance(int initial_delay_ms)
{
	Member		ms[MAX_MEMBERS];
	int			rounds = (int) env_double("BENCH_REBALANCES", 3);
	double		t0 = now_s();

	memset(ms, 0, sizeof(ms));
	for (int i = 0; i < MEMBERS; i++)
		start_member(&ms[i], "bench-rebalance");
	if (wait_settled(ms, MEMBERS, t0) < 0)
		die("the first %d members did not settle", MEMBERS);
	printf("| rebalance | %d members settle from nothing | %.0f ms | |\n", MEMBERS,
		   (now_s() - t0) * 1000);
	for (int r = 0; r < rounds && MEMBERS + r < MAX_MEMBERS; r++)
	{
		double		took;

		sleep(2);				/* let the heartbeats fall where they may */
		t0 = now_s();
		start_member(&ms[MEMBERS + r], "bench-rebalance");
		usleep(200000);			/* the newcomer has not been assigned yet */
		took = wait_settled(ms, MEMBERS + r + 1, t0);
		printf("| rebalance | member %d joins a settled group | %.0f ms | %s (target %d ms) |\n",
			   MEMBERS + r + 1, took * 1000,
			   took >= 0 && took * 1000 <= initial_delay_ms + 100 ? "met" : "not met",
			   initial_delay_ms + 100);
		fflush(stdout);
	}
	for (int i = 0; i < MEMBERS + rounds && i < MAX_MEMBERS; i++)
		ms[i].stop = 1;
	for (int i = 0; i < MEMBERS + rounds && i < MAX_MEMBERS; i++)
		pthread_join(ms[i].thread, NULL);
}

/* ---- commits ------------------------------------------------------------ */

static volatile long commits_done,
			commits_failed;

static void
commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
		  void *opaque)
{
	(void) rk;
	(void) offsets;
	(void) opaque;
	if (err)
		commits_failed++;
	else
		commits_done++;
}

static void
bench_commits(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char		err[512];
	long		n = (long) env_double("BENCH_COMMITS", 20000);
	double		t0;
	char	   *before,
			   *after;

	conf_set(conf, "bootstrap.servers", bootstrap);
	conf_set(conf, "group.id", "bench-commits");
	conf_set(conf, "enable.auto.commit", "false");
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rd_kafka_conf_set_offset_commit_cb(conf, commit_cb);
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) == NULL)
		die("rd_kafka_new: %s", err);
	rd_kafka_poll_set_consumer(rk);
	/* one synchronous commit first: coordinator found, connection up */
	{
		rd_kafka_topic_partition_list_t *o = rd_kafka_topic_partition_list_new(1);

		rd_kafka_topic_partition_list_add(o, "bench-groups", 0)->offset = 0;
		if (rd_kafka_commit(rk, o, 0) != RD_KAFKA_RESP_ERR_NO_ERROR)
			die("first commit failed");
		rd_kafka_topic_partition_list_destroy(o);
	}
	before = psql_lines("SELECT sum(requests) FROM kafkapg.broker_workers");
	t0 = now_s();
	for (long i = 1; i <= n; i++)
	{
		rd_kafka_topic_partition_list_t *o = rd_kafka_topic_partition_list_new(1);

		rd_kafka_topic_partition_list_add(o, "bench-groups", (int) (i % REBALANCE_PARTITIONS))->offset = i;
		while (rd_kafka_commit(rk, o, 1) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 1);
		rd_kafka_topic_partition_list_destroy(o);
		if ((i & 255) == 0)
			rd_kafka_poll(rk, 0);
		while (i - commits_done - commits_failed > 2000)
			rd_kafka_consumer_poll(rk, 1);
	}
	while (commits_done + commits_failed < n && now_s() - t0 < 120)
	{
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 10);

		if (m)
			rd_kafka_message_destroy(m);
	}
	{
		double		secs = now_s() - t0;
		double		rate = commits_done / secs;

		/* the broker's request count shows each commit was its own request */
		after = psql_lines("SELECT sum(requests) FROM kafkapg.broker_workers");
		printf("| commits | one client, asynchronous, %ld commits (%ld requests) | %.0f commits/s | %s (target 5000/s)%s |\n",
			   n, atol(after) - atol(before) - 1, rate, rate >= 5000 ? "met" : "not met",
			   commits_failed ? " -- some failed" : "");
		free(before);
		free(after);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

/* ---- lag ---------------------------------------------------------------- */

static void
bench_lag(void)
{
	double		ms[10];
	char	   *out;

	out = psql_lines("SELECT kafkapg.create_topic('bench-lag', 100)");
	free(out);
	out = psql_lines("SELECT count(kafkapg.commit_offset('lag-' || g, 'bench-lag', p, p))"
					 " FROM generate_series(1, 100) g, generate_series(0, 99) p");
	free(out);
	for (int i = 0; i < 10; i++)
	{
		char	   *line;

		out = psql_lines("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT TEXT)"
						 " SELECT * FROM kafkapg.consumer_lag");
		line = strstr(out, "Execution Time: ");
		ms[i] = line ? atof(line + strlen("Execution Time: ")) : -1;
		free(out);
	}
	qsort(ms, 10, sizeof(double), cmp_double);
	printf("| lag | kafkapg.consumer_lag, 100 groups x 100 partitions | best %.1f ms, median %.1f ms | %s (target 50 ms) |\n",
		   ms[0], ms[5], ms[5] >= 0 && ms[5] < 50 ? "met" : "not met");
}

int
main(int argc, char **argv)
{
	int			initial_delay_ms;
	char	   *out;

	if (argc != 4)
		die("usage: bench_groups BOOTSTRAP PSQL_COMMAND INITIAL_DELAY_MS");
	bootstrap = argv[1];
	psql = argv[2];
	initial_delay_ms = atoi(argv[3]);
	out = psql_lines("SELECT kafkapg.create_topic('bench-groups', 32)");
	free(out);
	printf("| benchmark | what | result | target |\n|---|---|---|---|\n");
	if (env_lists("BENCH_GROUPS", "rebalance"))
		bench_rebalance(initial_delay_ms);
	if (env_lists("BENCH_GROUPS", "commits"))
		bench_commits();
	if (env_lists("BENCH_GROUPS", "lag"))
		bench_lag();
	return 0;
}
