/*-------------------------------------------------------------------------
 *
 * bench_durability.c
 *	  Durable produce on kafkapg (librdkafka, 1 KiB records, 4-partition
 *	  topics) against what the disk under its PGDATA can do, measured in the
 *	  same run by bench_disk (whose output line is passed in):
 *
 *	  - throughput, acks=-1, 1 producer (round robin over the partitions)
 *		and 4 concurrent producers (one partition each, one thread and one
 *		librdkafka instance each); acks=1, 1 producer, for comparison.  Each
 *		producer sends as fast as it can for BENCH_DUR_SECONDS with
 *		batching (linger.ms=5), timed from the first produce() to the last
 *		delivery report;
 *	  - WAL bytes per record byte of the throughput runs:
 *		pg_wal_lsn_diff(pg_current_wal_insert_lsn() after, before) / payload
 *		bytes (the insert position, not pg_current_wal_lsn(): after an acks=1
 *		run the write position still lags the WAL the run generated);
 *	  - closed-loop request latency, acks=-1, linger.ms=0, 1 and 4
 *		producers, each with one record in flight: produce() to delivery
 *		report;
 *	  - paced latency, acks=-1, linger.ms=0: one producer at
 *		BENCH_DUR_PACED_RATE records/s for BENCH_DUR_PACED_SECONDS after a
 *		0.5 s warm-up, produce() to delivery report (a thread of its own
 *		polls for the reports);
 *	  - the project's targets: acks=-1 throughput >= 0.40 x the sustained sequential
 *		write bandwidth (bench_disk.c says why sustained), paced p99 < 3 x
 *		fdatasync p50 + 2 ms.
 *
 *	  Before each throughput run the instance checkpoints (CHECKPOINT) and
 *	  the file system of DATA_DIR is synced (syncfs), so every run starts
 *	  without the previous one's dirty pages.
 *
 *	  usage: bench_durability KAFKAPG_HOST:PORT PSQL_COMMAND DATA_DIR DISK_LINE
 *
 *	  PSQL_COMMAND is a psql invocation (connection options, -X -qAt) to
 *	  which -c 'SQL' is appended; DISK_LINE is bench_disk's output.
 *
 * Environment: BENCH_DUR_SECONDS (default 10) is the sending time of a
 * throughput run, BENCH_DUR_LAT_SECONDS (default 3) the measured time of a
 * closed-loop run, BENCH_DUR_PACED_RATE (default 5000) and
 * BENCH_DUR_PACED_SECONDS (default 5) set the paced run, BENCH_DUR_PHASES a
 * comma-separated subset of tput,closed,paced (default all; the machine rows
 * are always printed).  BENCH_DUR_DUMP=FILE writes the paced run's latency
 * samples, in delivery order, one per line.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const bench_name = "bench_durability";

#include "bench_common.h"

#define PARTS 4
#define SIZE 1024
#define MAX_PRODUCERS 4
#define TPUT_LINGER_MS "5"
#define TPUT_QUEUE_KBYTES "32768"	/* bounds the drain after a timed run */
#define WARMUP_NS 500000000
#define MAX_SAMPLES 2000000

typedef struct Disk
{
	double		seq_mbps,
				burst_mbps,
				direct_mbps,
				sync_p50_ms,
				sync_p99_ms,
				sync_max_ms;
} Disk;

/* One producer (one librdkafka instance) and what it measured. */
typedef struct Prod
{
	const char *bootstrap;
	const char *topic;
	int			acks;
	const char *linger;
	int			partition;		/* -1: round robin over the partitions */
	double		secs;
	pthread_barrier_t *start;
	rd_kafka_t *rk;
	/* delivery reports */
	long		ok,
				failed;
	rd_kafka_resp_err_t first_err;
	volatile bool pending;		/* closed loop: the record in flight */
	int64_t		measure_from;	/* samples sent before this are warm-up */
	double	   *lat_ms;			/* produce() to delivery report */
	long		nlat,
				cap;
	/* timed span of a throughput run */
	double		t0,
				t1;
} Prod;

static int	run_id;

/* ---- the instance: psql and the file system ---------------------------- */

/* First output line of psql -c sql (malloc'd, without the newline). */
static char *
psql_value(const char *psql, const char *sql)
{
	char		cmd[2048],
				line[256] = "";
	FILE	   *f;

	snprintf(cmd, sizeof(cmd), "%s -c \"%s\"", psql, sql);
	if ((f = popen(cmd, "r")) == NULL)
		die("popen %s: %s", cmd, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	if (pclose(f) != 0)
		die("failed: %s", cmd);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

/* Bytes of WAL between two LSNs. */
static double
wal_bytes(const char *psql, const char *from, const char *to)
{
	char		sql[256];
	char	   *v;
	double		d;

	snprintf(sql, sizeof(sql), "SELECT pg_wal_lsn_diff('%s', '%s')", to, from);
	v = psql_value(psql, sql);
	d = atof(v);
	free(v);
	return d;
}

/* Checkpoints the instance and writes back the dirty pages of its file system. */
static void
settle(const char *psql, const char *data_dir)
{
	int			fd = open(data_dir, O_RDONLY | O_DIRECTORY);

	free(psql_value(psql, "CHECKPOINT"));
	if (fd < 0)
		die("%s: %s", data_dir, strerror(errno));
	if (syncfs(fd) != 0)
		die("syncfs %s: %s", data_dir, strerror(errno));
	close(fd);
}

static Disk
parse_disk(const char *line)
{
	Disk		d;

	if (sscanf(line, "seq_write_MBps=%lf burst_write_MBps=%lf direct_write_MBps=%lf "
			   "fdatasync_p50_ms=%lf fdatasync_p99_ms=%lf fdatasync_max_ms=%lf",
			   &d.seq_mbps, &d.burst_mbps, &d.direct_mbps,
			   &d.sync_p50_ms, &d.sync_p99_ms, &d.sync_max_ms) != 6)
		die("cannot parse bench_disk's line: %s", line);
	return d;
}

/* ---- librdkafka -------------------------------------------------------- */

/* Counts the report; a record sent with its send time records its latency. */
static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	Prod	   *p = opaque;
	int64_t		sent = (int64_t) (intptr_t) m->_private;

	(void) rk;
	if (m->err)
	{
		if (p->failed++ == 0)
			p->first_err = m->err;
	}
	else
	{
		p->ok++;
		if (sent != 0 && sent >= p->measure_from && p->nlat < p->cap)
			p->lat_ms[p->nlat++] = (now_ns() - sent) / 1e6;
	}
	p->pending = false;
}

/*
 * Creates the producer of p.  TCP_NODELAY is on, as in the Java client
 * (librdkafka leaves Nagle on by default).
 */
static void
prod_open(Prod *p)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char		err[512],
				a[8];

	snprintf(a, sizeof(a), "%d", p->acks);
	conf_set(conf, "bootstrap.servers", p->bootstrap);
	conf_set(conf, "acks", a);
	conf_set(conf, "linger.ms", p->linger);
	conf_set(conf, "enable.idempotence", "false");
	conf_set(conf, "compression.type", "none");
	conf_set(conf, "socket.nagle.disable", "true");
	conf_set(conf, "queue.buffering.max.messages", "1000000");
	conf_set(conf, "queue.buffering.max.kbytes", TPUT_QUEUE_KBYTES);
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (p->rk == NULL)
		die("rd_kafka_new: %s", err);
	p->measure_from = INT64_MAX;
}

/* Waits until the client knows the topic's leaders (connection is up). */
static void
prod_warm_up(Prod *p)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->rk, p->topic, NULL);
	const rd_kafka_metadata_t *md;
	rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, rkt, &md, 10000);

	if (e)
		die("metadata for %s: %s", p->topic, rd_kafka_err2str(e));
	if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt != PARTS)
		die("topic %s: unexpected metadata", p->topic);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

/* Fails the benchmark unless every record of p was delivered. */
static void
prod_close(Prod *p)
{
	if (rd_kafka_flush(p->rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("%s: flush timed out", p->topic);
	if (p->failed > 0)
		die("%s: %ld records failed (%s)", p->topic, p->failed, rd_kafka_err2str(p->first_err));
	rd_kafka_destroy(p->rk);
	p->rk = NULL;
}

/* Queues one record; sent != 0 makes its delivery report a latency sample. */
static void
produce_one(Prod *p, int partition, const char *val, int64_t sent)
{
	for (;;)
	{
		rd_kafka_resp_err_t e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(p->topic),
												  RD_KAFKA_V_PARTITION(partition),
												  RD_KAFKA_V_VALUE((void *) val, SIZE),
												  RD_KAFKA_V_OPAQUE((void *) (intptr_t) sent),
												  RD_KAFKA_V_END);

		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			return;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			die("produce: %s", rd_kafka_err2str(e));
		rd_kafka_poll(p->rk, 1);
	}
}

static void
create_topic(const char *bootstrap, const char *topic)
{
	char		err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	rd_kafka_NewTopic_t *nt;
	rd_kafka_event_t *ev;
	const rd_kafka_topic_result_t **res;
	size_t		nres;

	conf_set(conf, "bootstrap.servers", bootstrap);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) == NULL)
		die("rd_kafka_new: %s", err);
	q = rd_kafka_queue_new(rk);
	if ((nt = rd_kafka_NewTopic_new(topic, PARTS, 1, err, sizeof(err))) == NULL)
		die("NewTopic: %s", err);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	if ((ev = rd_kafka_queue_poll(q, 60000)) == NULL)
		die("CreateTopics %s: no answer", topic);
	if (rd_kafka_event_error(ev))
		die("CreateTopics %s: %s", topic, rd_kafka_event_error_string(ev));
	res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &nres);
	if (nres != 1 || rd_kafka_topic_result_error(res[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("CreateTopics %s: %s", topic, nres == 1 ? rd_kafka_topic_result_error_string(res[0]) : "no result");
	rd_kafka_event_destroy(ev);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
}

/* A new 4-partition topic named after the run and the cell. */
static char *
new_topic(const char *bootstrap, const char *cell)
{
	char		name[200];

	snprintf(name, sizeof(name), "bench-dur-%d-%s", run_id, cell);
	create_topic(bootstrap, name);
	return strdup(name);
}

/* ---- throughput and closed-loop runs (one thread per producer) --------- */

static int
next_partition(Prod *p, long i)
{
	return p->partition >= 0 ? p->partition : (int) (i % PARTS);
}

/* As fast as the queue allows for p->secs, then until every report is in. */
static void
tput_loop(Prod *p, const char *val)
{
	double		stop;
	long		i = 0;

	p->t0 = now_s();
	stop = p->t0 + p->secs;
	while (now_s() < stop)
	{
		for (int k = 0; k < 256; k++, i++)
			produce_one(p, next_partition(p, i), val, 0);
		rd_kafka_poll(p->rk, 0);
	}
	if (rd_kafka_flush(p->rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("%s: flush timed out", p->topic);
	p->t1 = now_s();
}

/* One record in flight: produce, wait for its report, again; 0.5 s warm-up. */
static void
closed_loop(Prod *p, const char *val)
{
	int64_t		start = now_ns(),
				stop = start + WARMUP_NS + (int64_t) (p->secs * 1e9);
	long		i = 0;

	p->measure_from = start + WARMUP_NS;
	while (now_ns() < stop)
	{
		p->pending = true;
		produce_one(p, next_partition(p, i++), val, now_ns());
		while (p->pending)
			rd_kafka_poll(p->rk, 1000);
	}
}

typedef enum Mode
{
	MODE_TPUT,
	MODE_CLOSED_LOOP
} Mode;

typedef struct Job
{
	Prod	   *p;
	Mode		mode;
} Job;

static void *
prod_thread(void *arg)
{
	Job		   *j = arg;
	char	   *val = malloc(SIZE);

	memset(val, 'x', SIZE);
	prod_open(j->p);
	prod_warm_up(j->p);
	pthread_barrier_wait(j->p->start);
	if (j->mode == MODE_TPUT)
		tput_loop(j->p, val);
	else
		closed_loop(j->p, val);
	prod_close(j->p);
	free(val);
	return NULL;
}

/*
 * Runs n producers at once on a new topic (n = 1: round robin over its
 * partitions; else producer i writes partition i), all started together.
 */
static void
run_producers(Prod *ps, int n, const char *bootstrap, const char *cell, int acks,
			  Mode mode, double secs)
{
	pthread_t	th[MAX_PRODUCERS];
	Job			jobs[MAX_PRODUCERS];
	pthread_barrier_t start;
	char	   *topic = new_topic(bootstrap, cell);

	pthread_barrier_init(&start, NULL, n);
	for (int i = 0; i < n; i++)
	{
		memset(&ps[i], 0, sizeof(Prod));
		ps[i].bootstrap = bootstrap;
		ps[i].topic = topic;
		ps[i].acks = acks;
		ps[i].linger = mode == MODE_TPUT ? TPUT_LINGER_MS : "0";
		ps[i].partition = n == 1 ? -1 : i;
		ps[i].secs = secs;
		ps[i].start = &start;
		ps[i].cap = mode == MODE_CLOSED_LOOP ? MAX_SAMPLES : 0;
		ps[i].lat_ms = ps[i].cap ? malloc(sizeof(double) * ps[i].cap) : NULL;
		jobs[i] = (Job) {&ps[i], mode};
		pthread_create(&th[i], NULL, prod_thread, &jobs[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	free(topic);
}

typedef struct Tput
{
	double		mbps,
				rps,
				wal_per_byte;
} Tput;

/*
 * Throughput of n producers: all records over the span from the first
 * start to the last report; WAL written meanwhile per payload byte.
 */
static Tput
run_tput(const char *bootstrap, const char *psql, const char *data_dir, const char *cell,
		 int acks, int n, double secs)
{
	Prod		ps[MAX_PRODUCERS];
	char	   *before,
			   *after;
	double		t0 = 1e300,
				t1 = 0;
	long		records = 0;
	Tput		r;

	settle(psql, data_dir);
	before = psql_value(psql, "SELECT pg_current_wal_insert_lsn()");
	run_producers(ps, n, bootstrap, cell, acks, MODE_TPUT, secs);
	after = psql_value(psql, "SELECT pg_current_wal_insert_lsn()");
	for (int i = 0; i < n; i++)
	{
		t0 = ps[i].t0 < t0 ? ps[i].t0 : t0;
		t1 = ps[i].t1 > t1 ? ps[i].t1 : t1;
		records += ps[i].ok;
	}
	r.rps = records / (t1 - t0);
	r.mbps = r.rps * SIZE / 1e6;
	r.wal_per_byte = wal_bytes(psql, before, after) / ((double) records * SIZE);
	free(before);
	free(after);
	return r;
}

/* Closed-loop latency of n producers, all samples pooled; *rps: requests/s. */
static Pct
run_closed_loop(const char *bootstrap, const char *cell, int n, double secs, double *rps)
{
	Prod		ps[MAX_PRODUCERS];
	double	   *all = malloc(sizeof(double) * MAX_SAMPLES * n);
	long		m = 0;
	Pct			p;

	run_producers(ps, n, bootstrap, cell, -1, MODE_CLOSED_LOOP, secs);
	for (int i = 0; i < n; i++)
	{
		memcpy(all + m, ps[i].lat_ms, sizeof(double) * ps[i].nlat);
		m += ps[i].nlat;
		free(ps[i].lat_ms);
	}
	*rps = m / secs;
	p = percentiles(all, m);
	free(all);
	return p;
}

/* ---- paced run ---------------------------------------------------------- */

typedef struct Poller
{
	Prod	   *p;
	volatile bool stop;
} Poller;

/* Serves delivery reports as they arrive, so their time is the arrival's. */
static void *
poll_thread(void *arg)
{
	Poller	   *pl = arg;

	while (!pl->stop)
		rd_kafka_poll(pl->p->rk, 50);
	return NULL;
}

/* BENCH_DUR_DUMP=FILE: the samples in send order, one latency (ms) a line. */
static void
dump_samples(const double *ms, long n)
{
	const char *path = getenv("BENCH_DUR_DUMP");
	FILE	   *f;

	if (path == NULL || *path == '\0')
		return;
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	for (long i = 0; i < n; i++)
		fprintf(f, "%.3f\n", ms[i]);
	fclose(f);
}

/* One producer at rate records/s for secs after a 0.5 s warm-up. */
static Pct
run_paced(const char *bootstrap, double rate, double secs, long *lost)
{
	Prod		p = {0};
	Poller		pl = {&p, false};
	pthread_t	th;
	char	   *val = calloc(1, SIZE);
	int64_t		period = (int64_t) (1e9 / rate),
				start,
				stop;
	long		sent = 0;
	Pct			r;

	p.bootstrap = bootstrap;
	p.topic = new_topic(bootstrap, "paced");
	p.acks = -1;
	p.linger = "0";
	p.cap = (long) (rate * secs) + 1000;
	p.lat_ms = malloc(sizeof(double) * p.cap);
	prod_open(&p);
	prod_warm_up(&p);
	start = now_ns();
	p.measure_from = start + WARMUP_NS;
	pthread_create(&th, NULL, poll_thread, &pl);
	stop = p.measure_from + (int64_t) (secs * 1e9);
	for (long i = 0;; i++)
	{
		int64_t		next = start + i * period;
		struct timespec ts = {next / 1000000000, next % 1000000000};

		if (next >= stop)
			break;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		produce_one(&p, (int) (i % PARTS), val, now_ns());
		sent += next >= p.measure_from;
	}
	pl.stop = true;
	pthread_join(th, NULL);
	prod_close(&p);
	*lost = sent - p.nlat;
	dump_samples(p.lat_ms, p.nlat);
	r = percentiles(p.lat_ms, p.nlat);
	free(p.lat_ms);
	free((char *) p.topic);
	free(val);
	return r;
}

/* ---- table ------------------------------------------------------------- */

/* True if BENCH_DUR_PHASES (comma-separated; default all) names this phase. */
static bool
phase(const char *name)
{
	return env_lists("BENCH_DUR_PHASES", name);
}

static void
row(const char *cell, const char *unit, double v, const char *fmt, const char *target, int met)
{
	char		a[32];

	snprintf(a, sizeof(a), fmt, v);
	printf("| %s | %s | %s | %s | %s |\n", cell, unit, a, target,
		   met < 0 ? "" : met ? "yes" : "**no**");
	fflush(stdout);
}

static void
pct_rows(const char *cell, Pct p)
{
	row(cell, "p50 ms", p.p50, "%.2f", "", -1);
	row(cell, "p99 ms", p.p99, "%.2f", "", -1);
	row(cell, "max ms", p.max, "%.2f", "", -1);
}

static void
tput_rows(const char *cell, Tput t)
{
	row(cell, "MB/s", t.mbps, "%.1f", "", -1);
	row(cell, "records/s", t.rps, "%.0f", "", -1);
	row(cell, "WAL bytes / record byte", t.wal_per_byte, "%.2f", "", -1);
}

static void
print_settings(double secs, double lat_secs, double rate, double paced_secs)
{
	printf("librdkafka %s, 1 KiB records (value only, no key), 4-partition topics (a new one per "
		   "cell), enable.idempotence=false, compression none, socket.nagle.disable=true.\n\n"
		   "- Machine: bench_disk on the file system of PGDATA: 256 MiB in 1 MiB writes to a new "
		   "file + one fdatasync (median of 3 files); 1,000 x (4 KiB append + fdatasync).\n"
		   "- Throughput: linger.ms=%s, batch sizes at librdkafka's defaults, "
		   "queue.buffering.max.kbytes=%s; each producer sends for %.0f s, timed from the first "
		   "produce() to the last delivery report. 1 producer: round robin over the 4 partitions; "
		   "4 producers: 4 threads with a librdkafka instance each, one partition each. CHECKPOINT "
		   "and syncfs before each run; WAL = pg_wal_lsn_diff of pg_current_wal_insert_lsn() around "
		   "the run / payload bytes.\n"
		   "- Closed-loop latency: linger.ms=0, one record in flight per producer, produce() to "
		   "delivery report, %.0f s after 0.5 s warm-up.\n"
		   "- Paced latency: linger.ms=0, one producer at %.0f records/s round robin over the "
		   "partitions, produce() to delivery report (reports served by a polling thread), %.0f s "
		   "after 0.5 s warm-up.\n"
		   "- MB = 10^6 bytes of record values.\n\n",
		   rd_kafka_version_str(), TPUT_LINGER_MS, TPUT_QUEUE_KBYTES, secs, lat_secs, rate,
		   paced_secs);
	printf("| cell | unit | kafkapg | target | met |\n");
	printf("|---|---|---:|---|---|\n");
	fflush(stdout);
}

static void
disk_rows(Disk d)
{
	row("machine: sequential write, sustained (4 GiB buffered + fdatasync)", "MB/s", d.seq_mbps,
		"%.0f", "", -1);
	row("machine: burst write (256 MiB buffered + fdatasync, not a target)", "MB/s", d.burst_mbps,
		"%.0f", "", -1);
	row("machine: direct write (1 GiB O_DIRECT, not a target)", "MB/s", d.direct_mbps, "%.0f", "", -1);
	row("machine: 4 KiB append + fdatasync", "p50 ms", d.sync_p50_ms, "%.3f", "", -1);
	row("machine: 4 KiB append + fdatasync", "p99 ms", d.sync_p99_ms, "%.3f", "", -1);
	row("machine: 4 KiB append + fdatasync", "max ms", d.sync_max_ms, "%.3f", "", -1);
}

/* The durable produce runs: throughput (with WAL), then latency. */
static void
run_tput_phase(const char *kp, const char *psql, const char *data_dir, double secs,
			   Tput *t1, Tput *t4)
{
	Tput		ta1;

	*t1 = run_tput(kp, psql, data_dir, "tput-all-1", -1, 1, secs);
	tput_rows("produce 1 KiB, acks=-1, 1 producer", *t1);
	*t4 = run_tput(kp, psql, data_dir, "tput-all-4", -1, 4, secs);
	tput_rows("produce 1 KiB, acks=-1, 4 producers", *t4);
	ta1 = run_tput(kp, psql, data_dir, "tput-one-1", 1, 1, secs);
	tput_rows("produce 1 KiB, acks=1, 1 producer", ta1);
}

static void
run_closed_phase(const char *kp, double secs)
{
	for (int n = 1; n <= MAX_PRODUCERS; n *= MAX_PRODUCERS)
	{
		char		cell[128],
					topic[32];
		double		rps;
		Pct			p;

		snprintf(topic, sizeof(topic), "closed-%d", n);
		p = run_closed_loop(kp, topic, n, secs, &rps);
		snprintf(cell, sizeof(cell), "closed-loop latency, acks=-1, %d producer%s (%.0f requests/s)",
				 n, n > 1 ? "s" : "", rps);
		pct_rows(cell, p);
	}
}

static Pct
run_paced_phase(const char *kp, double rate, double secs)
{
	char		cell[128];
	long		lost;
	Pct			p = run_paced(kp, rate, secs, &lost);

	snprintf(cell, sizeof(cell), "paced latency, acks=-1, %.0f records/s", rate);
	pct_rows(cell, p);
	if (lost != 0)
		fprintf(stderr, "bench_durability: paced run: %ld records without a latency sample\n", lost);
	return p;
}

/* The project's targets, from the figures of this run. */
static void
target_rows(Disk d, const Tput *t1, const Tput *t4, const Pct *paced)
{
	if (t1 != NULL)
	{
		row("acks=-1 throughput, 1 producer / sequential write", "ratio", t1->mbps / d.seq_mbps,
			"%.2f", ">= 0.40", t1->mbps / d.seq_mbps >= 0.40);
		row("acks=-1 throughput, 4 producers / sequential write", "ratio", t4->mbps / d.seq_mbps,
			"%.2f", ">= 0.40", t4->mbps / d.seq_mbps >= 0.40);
	}
	if (paced != NULL)
	{
		double		bound = 3 * d.sync_p50_ms + 2;
		char		unit[64];

		snprintf(unit, sizeof(unit), "ratio (bound %.2f ms)", bound);
		row("paced p99 / (3 x fdatasync p50 + 2 ms)", unit, paced->p99 / bound, "%.2f",
			"< 1.00", paced->p99 < bound);
	}
}

int
main(int argc, char **argv)
{
	double		secs = env_double("BENCH_DUR_SECONDS", 10),
				lat_secs = env_double("BENCH_DUR_LAT_SECONDS", 3),
				rate = env_double("BENCH_DUR_PACED_RATE", 5000),
				paced_secs = env_double("BENCH_DUR_PACED_SECONDS", 5);
	Disk		d;
	Tput		t1,
				t4;
	Pct			pc;

	if (argc != 5)
	{
		fprintf(stderr, "usage: %s KAFKAPG_HOST:PORT PSQL_COMMAND DATA_DIR DISK_LINE\n", argv[0]);
		return 2;
	}
	d = parse_disk(argv[4]);
	run_id = (int) (time(NULL) % 100000);
	print_settings(secs, lat_secs, rate, paced_secs);
	disk_rows(d);
	if (phase("tput"))
		run_tput_phase(argv[1], argv[2], argv[3], secs, &t1, &t4);
	if (phase("closed"))
		run_closed_phase(argv[1], lat_secs);
	if (phase("paced"))
		pc = run_paced_phase(argv[1], rate, paced_secs);
	target_rows(d, phase("tput") ? &t1 : NULL, phase("tput") ? &t4 : NULL,
				phase("paced") ? &pc : NULL);
	return 0;
}
