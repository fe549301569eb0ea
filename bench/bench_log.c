/*-------------------------------------------------------------------------
 *
 * bench_log.c
 *	  Produce/consume benchmark on librdkafka against kafkapg and a
 *	  reference broker in the same run, printed as one table with the
 *	  ratio kafkapg / reference:
 *
 *	  - produce throughput: one producer, N records on a 4-partition topic
 *		(round robin over the partitions), timed until every delivery
 *		report is in; 1 KiB and 100 B records, acks=1 and acks=-1;
 *	  - consume throughput: a consumer assign()ed the 4 partitions at offset
 *		0, timed until it has read them; the reference broker keeps only the
 *		last 5 MiB of a partition, so a 4 MB-a-partition data set is read
 *		many times, alternating between the brokers;
 *	  - end-to-end latency: a producer paced at a steady rate with its send
 *		time in the value, a consumer thread in the same process, p50/p99
 *		of receive - send;
 *	  - kafkapg only: VmRSS (and RssAnon/RssShmem/RssFile) of the broker
 *		worker with a 1,000-partition topic and 1,000 idle connections
 *		(each sent one ApiVersions);
 *	  - Metadata latency (raw socket, v2: the reference broker's highest):
 *		all topics with 10,000 partitions in 1,000-partition topics (kafkapg
 *		only: the reference broker creates topics of 4 partitions), and
 *		2,500 named topics of 4 partitions on both brokers;
 *	  - the machine: MB/s of writing 1 GiB to a new file in SCRATCH_DIR (the
 *		file system of the partition logs) and of writing it again, to tell
 *		the cost of new page-cache pages from the broker's own.
 *
 *	  usage: bench_log KAFKAPG_HOST:PORT REF_HOST:PORT KAFKAPG_WORKER_PID [SCRATCH_DIR]
 *
 * Environment: BENCH_SCALE multiplies the record counts (default 1),
 * BENCH_LAT_SECONDS is the measured time of a latency cell (default 5),
 * BENCH_LAT_RATE its records/s (default 5000), BENCH_PHASES a comma-separated
 * subset of produce,latency,consume,memory,metadata,machine (default all; metadata
 * includes memory, which creates its first 1,000-partition topic).
 * BENCH_LAT_LINGER_MS is the latency producer's linger.ms (default 0).
 * BENCH_VERBOSE=1 prints the time of every produce and consume pass.
 * BENCH_LAT_DUMP=PREFIX writes each latency sample to PREFIX-BROKER-TOPIC.txt.
 *
 * Topics are created on kafkapg with CreateTopics (librdkafka admin API);
 * the reference broker (librdkafka's mock cluster) has no CreateTopics and
 * creates a topic of 4 partitions when a Metadata request names it.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *const bench_name = "bench_log";

#include "bench_common.h"

#define PARTS 4
#define LINGER_MS "5"
#define FETCH_WAIT_MS "100"
#define MEM_CONNS 1000
#define MEM_PARTITIONS 1000
#define MD_BIG_TOPICS 10
#define MD_BIG_PARTS 1000
#define MD_SMALL_TOPICS 2500
#define MD_REQUESTS 20

typedef struct Target
{
	const char *name;
	char		bootstrap[128];
	char		host[64];
	int			port;
	bool		kafkapg;
} Target;

static int	run_id;				/* makes topic names unique per run */

/* ---- raw protocol: connections, Metadata v2, ApiVersions v0 ----------- */

static int
connect_to(const Target *t)
{
	struct sockaddr_in a = {0};
	int			s = socket(AF_INET, SOCK_STREAM, 0);
	int			one = 1;

	if (s < 0)
		die("socket: %s (raise ulimit -n)", strerror(errno));
	a.sin_family = AF_INET;
	a.sin_port = htons(t->port);
	inet_pton(AF_INET, t->host, &a.sin_addr);
	if (connect(s, (struct sockaddr *) &a, sizeof(a)) != 0)
		die("connect to %s: %s", t->bootstrap, strerror(errno));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

static void
write_full(int s, const uint8_t *buf, size_t n)
{
	while (n > 0)
	{
		ssize_t		w = write(s, buf, n);

		if (w <= 0)
			die("write: %s", strerror(errno));
		buf += w;
		n -= w;
	}
}

static void
read_full(int s, uint8_t *buf, size_t n)
{
	while (n > 0)
	{
		ssize_t		r = read(s, buf, n);

		if (r <= 0)
			die("connection closed by broker");
		buf += r;
		n -= r;
	}
}

/* Reads one response frame into *buf (grown as needed); returns its size. */
static size_t
read_frame(int s, uint8_t **buf, size_t *cap)
{
	uint8_t		h[4];
	uint32_t	n;

	read_full(s, h, 4);
	n = ((uint32_t) h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
	if (n > *cap)
	{
		*cap = n;
		*buf = realloc(*buf, n);
	}
	read_full(s, *buf, n);
	return n;
}

typedef struct Wbuf
{
	uint8_t    *p;
	size_t		len,
				cap;
} Wbuf;

static void
wb_put(Wbuf *w, const void *d, size_t n)
{
	if (w->len + n > w->cap)
	{
		w->cap = (w->len + n) * 2;
		w->p = realloc(w->p, w->cap);
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
wb_i16(Wbuf *w, int v)
{
	uint8_t		b[2] = {v >> 8, v};

	wb_put(w, b, 2);
}

static void
wb_i32(Wbuf *w, int32_t v)
{
	uint8_t		b[4] = {v >> 24, v >> 16, v >> 8, v};

	wb_put(w, b, 4);
}

static void
wb_str(Wbuf *w, const char *s)
{
	wb_i16(w, (int) strlen(s));
	wb_put(w, s, strlen(s));
}

/* Request frame with header v1; the body is appended by the caller. */
static void
wb_header(Wbuf *w, int api, int ver, int corr)
{
	w->len = 0;
	wb_i32(w, 0);				/* size, patched by wb_finish */
	wb_i16(w, api);
	wb_i16(w, ver);
	wb_i32(w, corr);
	wb_str(w, "bench_log");
}

static void
wb_finish(Wbuf *w)
{
	uint32_t	n = (uint32_t) w->len - 4;

	w->p[0] = n >> 24;
	w->p[1] = n >> 16;
	w->p[2] = n >> 8;
	w->p[3] = n;
}

/*
 * Metadata v2 (the highest version the reference broker speaks): names, or
 * NULL for all topics.  Below v4 a named unknown topic is auto-created.
 */
static void
metadata_request(Wbuf *w, char **names, int n)
{
	wb_header(w, 3, 2, 42);
	if (names == NULL)
		wb_i32(w, -1);
	else
	{
		wb_i32(w, n);
		for (int i = 0; i < n; i++)
			wb_str(w, names[i]);
	}
	wb_finish(w);
}

typedef struct Rd
{
	const uint8_t *p,
			   *end;
} Rd;

static void
rd_need(Rd *r, size_t n)
{
	if ((size_t) (r->end - r->p) < n)
		die("truncated Metadata response");
}

static int32_t
rd_i32(Rd *r)
{
	int32_t		v;

	rd_need(r, 4);
	v = (int32_t) (((uint32_t) r->p[0] << 24) | (r->p[1] << 16) | (r->p[2] << 8) | r->p[3]);
	r->p += 4;
	return v;
}

static int
rd_i16(Rd *r)
{
	int16_t		v;

	rd_need(r, 2);
	v = (int16_t) ((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	return v;
}

static void
rd_skip_str(Rd *r)
{
	int			n = rd_i16(r);

	if (n > 0)
	{
		rd_need(r, n);
		r->p += n;
	}
}

typedef struct MdCount
{
	int			topics;
	int			partitions;
	int			errors;			/* topic or partition error codes != 0 */
	int			min_parts;		/* fewest partitions of a topic */
	size_t		bytes;			/* size of the response frame */
} MdCount;

/* Parses a Metadata v2 response (after the size) and counts its contents. */
static MdCount
metadata_parse(const uint8_t *buf, size_t len)
{
	Rd			r = {buf, buf + len};
	MdCount		c = {0, 0, 0, 1 << 30, 0};
	int			n;

	rd_i32(&r);					/* correlation id */
	n = rd_i32(&r);
	for (int i = 0; i < n; i++)
	{
		rd_i32(&r);
		rd_skip_str(&r);
		rd_i32(&r);
		rd_skip_str(&r);
	}
	rd_skip_str(&r);			/* cluster id */
	rd_i32(&r);					/* controller */
	c.topics = rd_i32(&r);
	for (int t = 0; t < c.topics; t++)
	{
		int			np;

		c.errors += rd_i16(&r) != 0;
		rd_skip_str(&r);
		rd_need(&r, 1);
		r.p++;					/* is_internal */
		np = rd_i32(&r);
		if (np < c.min_parts)
			c.min_parts = np;
		c.partitions += np;
		for (int p = 0; p < np; p++)
		{
			c.errors += rd_i16(&r) != 0;
			rd_i32(&r);
			rd_i32(&r);
			for (int k = 0; k < 2; k++)
			{
				int			m = rd_i32(&r);

				for (int j = 0; j < m; j++)
					rd_i32(&r);
			}
		}
	}
	return c;
}

/* One Metadata round trip on socket s; returns its time in ms. */
static double
metadata_rtt(int s, Wbuf *req, uint8_t **resp, size_t *cap, MdCount *count)
{
	double		t0 = now_s();
	size_t		n;

	write_full(s, req->p, req->len);
	n = read_frame(s, resp, cap);
	t0 = (now_s() - t0) * 1e3;
	if (count != NULL)
	{
		*count = metadata_parse(*resp, n);
		count->bytes = n + 4;
	}
	return t0;
}

/* ---- topic creation --------------------------------------------------- */

static char *
topic_name(const char *fmt,...)
{
	char		buf[200];
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = snprintf(buf, sizeof(buf), "bench-%d-", run_id);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	return strdup(buf);
}

/*
 * Creates topics of nparts partitions: CreateTopics on kafkapg (in batches
 * of 100 per request), named Metadata requests (auto-creation, 4
 * partitions) on the reference broker.  Checks the partition counts.
 */
static void
create_topics(const Target *t, char **names, int n, int nparts)
{
	if (t->kafkapg)
	{
		char		err[512];
		rd_kafka_conf_t *conf = rd_kafka_conf_new();
		rd_kafka_t *rk;
		rd_kafka_queue_t *q;

		rd_kafka_conf_set(conf, "bootstrap.servers", t->bootstrap, NULL, 0);
		rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
		if (rk == NULL)
			die("rd_kafka_new: %s", err);
		q = rd_kafka_queue_new(rk);
		for (int i = 0; i < n; i += 100)
		{
			int			m = n - i < 100 ? n - i : 100;
			rd_kafka_NewTopic_t *nt[100];
			rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
			rd_kafka_event_t *ev;
			const rd_kafka_topic_result_t **res;
			size_t		nres;

			rd_kafka_AdminOptions_set_request_timeout(opt, 120000, err, sizeof(err));
			rd_kafka_AdminOptions_set_operation_timeout(opt, 60000, err, sizeof(err));
			for (int j = 0; j < m; j++)
				if ((nt[j] = rd_kafka_NewTopic_new(names[i + j], nparts, 1, err, sizeof(err))) == NULL)
					die("NewTopic: %s", err);
			rd_kafka_CreateTopics(rk, nt, m, opt, q);
			ev = rd_kafka_queue_poll(q, 180000);
			if (ev == NULL)
				die("CreateTopics: no answer");
			if (rd_kafka_event_error(ev))
				die("CreateTopics: %s", rd_kafka_event_error_string(ev));
			res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &nres);
			for (size_t j = 0; j < nres; j++)
				if (rd_kafka_topic_result_error(res[j]) != RD_KAFKA_RESP_ERR_NO_ERROR &&
					rd_kafka_topic_result_error(res[j]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
					die("CreateTopics %s: %s", rd_kafka_topic_result_name(res[j]),
						rd_kafka_topic_result_error_string(res[j]));
			rd_kafka_event_destroy(ev);
			rd_kafka_NewTopic_destroy_array(nt, m);
			rd_kafka_AdminOptions_destroy(opt);
		}
		rd_kafka_queue_destroy(q);
		rd_kafka_destroy(rk);
	}
	else
	{
		int			s = connect_to(t);
		Wbuf		req = {0};
		uint8_t    *resp = NULL;
		size_t		cap = 0;
		MdCount		c;

		if (nparts != 4)
			die("the reference broker creates topics of 4 partitions only");
		for (int i = 0; i < n; i += 100)
		{
			int			m = n - i < 100 ? n - i : 100;

			metadata_request(&req, names + i, m);
			metadata_rtt(s, &req, &resp, &cap, &c);
		}
		close(s);
		free(req.p);
		free(resp);
	}

	/* both: every topic is there with nparts partitions */
	{
		int			s = connect_to(t);
		Wbuf		req = {0};
		uint8_t    *resp = NULL;
		size_t		cap = 0;
		MdCount		c;

		for (int i = 0; i < n; i += 100)
		{
			int			m = n - i < 100 ? n - i : 100;

			metadata_request(&req, names + i, m);
			metadata_rtt(s, &req, &resp, &cap, &c);
			if (c.topics != m || c.errors != 0 || c.partitions != m * nparts)
				die("%s: topic %s: %d topics, %d partitions, %d errors after creation",
					t->name, names[i], c.topics, c.partitions, c.errors);
		}
		close(s);
		free(req.p);
		free(resp);
	}
}

/* ---- librdkafka clients ---------------------------------------------- */

typedef struct DrCount
{
	long		ok;
	long		failed;
	rd_kafka_resp_err_t first_err;
} DrCount;

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	DrCount    *c = opaque;

	(void) rk;
	if (m->err)
	{
		if (c->failed++ == 0)
			c->first_err = m->err;
	}
	else
		c->ok++;
}

static rd_kafka_t *
new_producer(const Target *t, int acks, const char *linger, DrCount *dr)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char		err[512],
				a[8];
	rd_kafka_t *rk;

	snprintf(a, sizeof(a), "%d", acks);
	conf_set(conf, "bootstrap.servers", t->bootstrap);
	conf_set(conf, "acks", a);
	conf_set(conf, "linger.ms", linger);
	conf_set(conf, "enable.idempotence", "false");
	conf_set(conf, "compression.type", "none");
	conf_set(conf, "queue.buffering.max.messages", "1000000");
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rd_kafka_conf_set_opaque(conf, dr);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL)
		die("rd_kafka_new: %s", err);
	return rk;
}

/* Waits until the client knows the topic's leaders (connection is up). */
static void
warm_up(rd_kafka_t *rk, const char *topic)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const rd_kafka_metadata_t *md;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);

	if (e)
		die("metadata for %s: %s", topic, rd_kafka_err2str(e));
	if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt != PARTS)
		die("topic %s: unexpected metadata", topic);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

static void
produce_one(rd_kafka_t *rk, const char *topic, int partition, void *val, size_t len, int flags)
{
	for (;;)
	{
		rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
												  RD_KAFKA_V_PARTITION(partition),
												  RD_KAFKA_V_VALUE(val, len),
												  RD_KAFKA_V_MSGFLAGS(flags),
												  RD_KAFKA_V_END);

		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			return;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			die("produce: %s", rd_kafka_err2str(e));
		rd_kafka_poll(rk, 1);
	}
}

typedef struct Tput
{
	double		seconds;
	long		records;
	long		bytes;
} Tput;

/* N records of size bytes, round robin over the partitions. */
static Tput
run_produce(const Target *t, const char *topic, int acks, int size, long n)
{
	DrCount		dr = {0, 0, 0};
	rd_kafka_t *rk = new_producer(t, acks, LINGER_MS, &dr);
	char	   *val = malloc(size);
	double		t0;
	Tput		r;

	memset(val, 'x', size);
	warm_up(rk, topic);
	t0 = now_s();
	for (long i = 0; i < n; i++)
	{
		produce_one(rk, topic, (int) (i % PARTS), val, size, 0);
		if ((i & 1023) == 0)
			rd_kafka_poll(rk, 0);
	}
	if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("%s: flush timed out", t->name);
	r.seconds = now_s() - t0;
	if (getenv("BENCH_VERBOSE") != NULL)
		fprintf(stderr, "bench_log: %s: produced %ld records in %.1f ms\n", t->name, n, r.seconds * 1e3);
	if (dr.failed > 0 || dr.ok != n)
		die("%s: %ld of %ld records failed (%s)", t->name, dr.failed, n,
			rd_kafka_err2str(dr.first_err));
	r.records = n;
	r.bytes = n * (long) size;
	rd_kafka_destroy(rk);
	free(val);
	return r;
}

/* A consumer assigned the topic's partitions from offset 0. */
static rd_kafka_t *
new_consumer(const Target *t, const char *topic)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char		err[512];
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(PARTS);

	conf_set(conf, "bootstrap.servers", t->bootstrap);
	/* assign() needs a group; nothing is ever committed or subscribed */
	conf_set(conf, "group.id", "kafkapg-bench");
	conf_set(conf, "enable.auto.commit", "false");
	conf_set(conf, "enable.auto.offset.store", "false");
	conf_set(conf, "fetch.wait.max.ms", FETCH_WAIT_MS);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (rk == NULL)
		die("rd_kafka_new: %s", err);
	rd_kafka_poll_set_consumer(rk);
	warm_up(rk, topic);
	for (int p = 0; p < PARTS; p++)
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = 0;
	if (rd_kafka_assign(rk, l) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("assign failed");
	rd_kafka_topic_partition_list_destroy(l);
	return rk;
}

static void
close_consumer(rd_kafka_t *rk)
{
	rd_kafka_assign(rk, NULL);
	rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

/*
 * Checks that the broker still holds all n records of the topic from
 * offset 0 (the reference broker keeps only the last 5 MiB or 100,000
 * batches of a partition).
 */
static void
check_retained(const Target *t, const char *topic, long n)
{
	DrCount		dr = {0, 0, 0};
	rd_kafka_t *rk = new_producer(t, 1, LINGER_MS, &dr);
	long		total = 0;

	for (int p = 0; p < PARTS; p++)
	{
		int64_t		lo,
					hi;
		rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);

		if (e)
			die("%s: watermarks of %s: %s", t->name, topic, rd_kafka_err2str(e));
		if (lo != 0)
			die("%s: %s [%d] starts at offset %" PRId64 ": the broker dropped data",
				t->name, topic, p, lo);
		total += hi;
	}
	if (total != n)
		die("%s: %s holds %ld records, not %ld", t->name, topic, total, n);
	rd_kafka_destroy(rk);
}

/* One pass: a new consumer reads the topic's n records from offset 0. */
static void
consume_pass(const Target *t, const char *topic, long n, int pass, Tput *r)
{
	rd_kafka_t *rk = new_consumer(t, topic);
	double		t0 = now_s(),
				deadline = t0 + 60;
	long		got = 0;

	while (got < n)
	{
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

		if (now_s() > deadline)
			die("%s: consumed only %ld of %ld records", t->name, got, n);
		if (m == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		{
			got++;
			r->bytes += m->len;
		}
		else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			die("%s: consume: %s", t->name, rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
	}
	r->seconds += now_s() - t0;
	r->records += got;
	if (getenv("BENCH_VERBOSE") != NULL)
		fprintf(stderr, "bench_log: %s: consume pass %d: %ld records in %.1f ms\n",
				t->name, pass, got, (now_s() - t0) * 1e3);
	close_consumer(rk);
}

/*
 * Reads the topic's n records passes times from each broker, alternating
 * between them, each pass with a new consumer; times from assign() to the
 * last record of each pass (the connection is up and the metadata known
 * before assign()).  Offset 0 is assigned, not BEGINNING: with BEGINNING,
 * librdkafka 2.0.2 sometimes starts the offset query of some partitions
 * before it knows their leader and retries it only after 500 ms.
 */
static void
run_consume(const Target *a, const Target *b, const char *topic, long n, int passes,
			Tput *ra, Tput *rb)
{
	memset(ra, 0, sizeof(Tput));
	memset(rb, 0, sizeof(Tput));
	for (int pass = 0; pass < passes; pass++)
	{
		consume_pass(a, topic, n, pass, ra);
		consume_pass(b, topic, n, pass, rb);
	}
}

/* ---- end-to-end latency ---------------------------------------------- */

/* linger.ms of the latency producer: BENCH_LAT_LINGER_MS, default 0 */
static const char *
lat_linger(void)
{
	const char *v = getenv("BENCH_LAT_LINGER_MS");

	return v != NULL && *v != '\0' ? v : "0";
}

typedef struct LatRun
{
	rd_kafka_t *consumer;
	volatile int64_t measure_from;	/* send times before this are warm-up */
	volatile long expected;		/* set when the producer is done */
	volatile bool ready;		/* first record received */
	long		received;
	double	   *lat_us;
	int64_t    *sent_ns;		/* send time of each sample */
	long		nlat;
	long		cap;
} LatRun;

static void *
lat_consumer(void *arg)
{
	LatRun	   *l = arg;
	double		deadline = 0;

	for (;;)
	{
		rd_kafka_message_t *m = rd_kafka_consumer_poll(l->consumer, 20);
		int64_t		t = now_ns();

		if (m != NULL)
		{
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len >= 8)
			{
				int64_t		sent;

				memcpy(&sent, m->payload, 8);
				l->received++;
				l->ready = true;
				if (sent >= l->measure_from && l->nlat < l->cap)
				{
					l->sent_ns[l->nlat] = sent;
					l->lat_us[l->nlat++] = (t - sent) / 1e3;
				}
			}
			rd_kafka_message_destroy(m);
		}
		if (l->expected > 0 && l->received >= l->expected)
			break;
		if (l->expected > 0)
		{
			if (deadline == 0)
				deadline = now_s() + 10;
			else if (now_s() > deadline)
				break;
		}
	}
	return NULL;
}

typedef struct Lat
{
	double		p50_ms,
				p99_ms,
				max_ms;
	long		samples;
	long		lost;
} Lat;

static Lat
run_latency(const Target *t, const char *topic, int acks, int size, double rate, double secs)
{
	DrCount		dr = {0, 0, 0};
	rd_kafka_t *rk = new_producer(t, acks, lat_linger(), &dr);
	LatRun		l = {0};
	pthread_t	th;
	char	   *val = calloc(1, size);
	int64_t		period = (int64_t) (1e9 / rate),
				start;
	long		i = 0,
				seq = 0,
				measured = 0;
	Lat			r;
	Pct			p;
	struct timespec ts;

	warm_up(rk, topic);
	l.consumer = new_consumer(t, topic);
	l.measure_from = INT64_MAX;
	l.cap = (long) (rate * secs * 2) + 1000;
	l.lat_us = malloc(sizeof(double) * l.cap);
	l.sent_ns = malloc(sizeof(int64_t) * l.cap);
	pthread_create(&th, NULL, lat_consumer, &l);

	/* warm-up: paced records until the consumer sees them, at least 1 s */
	start = now_ns();
	for (;;)
	{
		int64_t		next = start + i * period;
		int64_t		sent;

		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (l.measure_from == INT64_MAX && l.ready && next - start >= 1000000000)
		{
			l.measure_from = next;
			start = next;
			i = 0;
		}
		if (l.measure_from != INT64_MAX && next - start >= (int64_t) (secs * 1e9))
			break;
		if (next - start > 30 * (int64_t) 1000000000)
			die("%s: latency consumer received nothing", t->name);
		sent = now_ns();
		memcpy(val, &sent, 8);
		produce_one(rk, topic, (int) (seq++ % PARTS), val, size, RD_KAFKA_MSG_F_COPY);
		rd_kafka_poll(rk, 0);
		if (l.measure_from != INT64_MAX)
			measured++;
		i++;
	}
	rd_kafka_flush(rk, 30000);
	l.expected = dr.ok + dr.failed;
	pthread_join(th, NULL);
	if (dr.failed > 0)
		die("%s: %ld latency records failed (%s)", t->name, dr.failed, rd_kafka_err2str(dr.first_err));
	if (getenv("BENCH_LAT_DUMP") != NULL)
	{
		/* send time (ms from the start of the measurement) and latency (us) */
		char		path[300];
		FILE	   *f;

		snprintf(path, sizeof(path), "%s-%s-%s.txt", getenv("BENCH_LAT_DUMP"), t->name, topic);
		if ((f = fopen(path, "w")) != NULL)
		{
			for (long k = 0; k < l.nlat; k++)
				fprintf(f, "%.3f %.0f\n", (l.sent_ns[k] - l.measure_from) / 1e6, l.lat_us[k]);
			fclose(f);
		}
	}
	p = percentiles(l.lat_us, l.nlat);
	r.samples = l.nlat;
	r.lost = measured - l.nlat;
	r.p50_ms = l.nlat ? p.p50 / 1e3 : -1;
	r.p99_ms = l.nlat ? p.p99 / 1e3 : -1;
	r.max_ms = l.nlat ? p.max / 1e3 : -1;
	close_consumer(l.consumer);
	rd_kafka_destroy(rk);
	free(l.lat_us);
	free(l.sent_ns);
	free(val);
	return r;
}

/* ---- memory ------------------------------------------------------------ */

typedef struct Rss
{
	long		vmrss_kb,
				anon_kb,
				file_kb,
				shmem_kb;
} Rss;

static Rss
read_rss(int pid)
{
	char		path[64],
				line[256];
	FILE	   *f;
	Rss			r = {-1, -1, -1, -1};

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
	{
		sscanf(line, "VmRSS: %ld", &r.vmrss_kb);
		sscanf(line, "RssAnon: %ld", &r.anon_kb);
		sscanf(line, "RssFile: %ld", &r.file_kb);
		sscanf(line, "RssShmem: %ld", &r.shmem_kb);
	}
	fclose(f);
	return r;
}

/* ---- machine ----------------------------------------------------------- */

/* Writes 1 GiB in 1 MiB blocks to a new file in dir, then again; MB/s. */
static void
page_cache_write(const char *dir, double *first, double *again)
{
	char		path[512];
	size_t		blk = 1 << 20;
	char	   *buf = malloc(blk);
	int			fd;

	memset(buf, 'x', blk);
	snprintf(path, sizeof(path), "%s/bench_log_pagecache.tmp", dir);
	if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600)) < 0)
		die("%s: %s", path, strerror(errno));
	for (int round = 0; round < 2; round++)
	{
		double		t0 = now_s();

		for (int i = 0; i < 1024; i++)
			if (pwrite(fd, buf, blk, (off_t) i * blk) != (ssize_t) blk)
				die("%s: %s", path, strerror(errno));
		*(round == 0 ? first : again) = 1024.0 * blk / (now_s() - t0) / 1e6;
	}
	close(fd);
	unlink(path);
	free(buf);
}

/* ---- table ------------------------------------------------------------- */

static void
row(const char *cell, const char *unit, double kp, double ref, const char *fmt,
	const char *target, int met)
{
	char		a[32],
				b[32],
				ratio[32];

	snprintf(a, sizeof(a), fmt, kp);
	if (ref >= 0)
	{
		snprintf(b, sizeof(b), fmt, ref);
		snprintf(ratio, sizeof(ratio), "%.2f", ref > 0 ? kp / ref : 0);
	}
	else
	{
		strcpy(b, "-");
		strcpy(ratio, "-");
	}
	printf("| %s | %s | %s | %s | %s | %s | %s |\n", cell, unit, a, b, ratio, target,
		   met < 0 ? "" : met ? "yes" : "**no**");
	fflush(stdout);
}

static void
parse_target(const char *s, Target *t, const char *name, bool kafkapg)
{
	const char *c = strrchr(s, ':');

	if (c == NULL || (size_t) (c - s) >= sizeof(t->host) || strlen(s) >= sizeof(t->bootstrap))
		die("bad address %s", s);
	memcpy(t->host, s, c - s);
	t->host[c - s] = '\0';
	t->port = atoi(c + 1);
	strcpy(t->bootstrap, s);
	t->name = name;
	t->kafkapg = kafkapg;
}

/* True if BENCH_PHASES (comma-separated; default all) names this phase. */
static bool
phase(const char *name)
{
	return env_lists("BENCH_PHASES", name);
}

static const char *
size_name(int size)
{
	return size == 1024 ? "1 KiB" : "100 B";
}

int
main(int argc, char **argv)
{
	Target		kp,
				ref;
	int			pid;
	double		scale = env_double("BENCH_SCALE", 1),
				lat_secs = env_double("BENCH_LAT_SECONDS", 5),
				lat_rate = env_double("BENCH_LAT_RATE", 5000);
	int			sizes[] = {1024, 100};
	int			acks[] = {1, -1};
	long		counts[] = {(long) (1000000 * scale), (long) (5000000 * scale)};
	/* 4.1 MB / 4.4 MB a partition: under the reference broker's 5 MiB */
	long		cset[] = {16000, 160000};
	int			passes[] = {(int) (50 * scale + 0.5), (int) (15 * scale + 0.5)};
	char		tgt[64];

	if (argc != 4 && argc != 5)
	{
		fprintf(stderr, "usage: %s KAFKAPG_HOST:PORT REF_HOST:PORT KAFKAPG_WORKER_PID [SCRATCH_DIR]\n",
				argv[0]);
		return 2;
	}
	parse_target(argv[1], &kp, "kafkapg", true);
	parse_target(argv[2], &ref, "reference", false);
	pid = atoi(argv[3]);
	run_id = (int) (time(NULL) % 100000);

	if (passes[0] < 1)
		passes[0] = 1;
	if (passes[1] < 1)
		passes[1] = 1;
	printf("librdkafka %s, same client settings for both brokers.\n\n"
		   "- Produce: linger.ms=%s, batch.size and batch.num.messages at librdkafka's defaults "
		   "(1000000 B, 10000), no compression, no idempotence, no key, records round robin over "
		   "the %d partitions; %ld x 1 KiB and %ld x 100 B records per cell, timed from the first "
		   "produce() to the last delivery report.\n"
		   "- Consume: assign() of the %d partitions at offset 0 (group.id set, nothing committed), "
		   "fetch.wait.max.ms=%s, other settings default, timed from assign() to the last record. "
		   "The reference broker keeps only the last 5 MiB of a partition, so the data set is "
		   "%ld x 1 KiB / %ld x 100 B records (about 4 MB a partition), read %d / %d times from "
		   "each broker (alternating), each time by a new consumer.\n"
		   "- End-to-end: a producer paced at %.0f records/s with linger.ms=%s and the send time "
		   "in the value, a consumer (settings as above) in a thread of the same process; %.0f s "
		   "measured after a warm-up of at least 1 s.\n"
		   "- MB = 10^6 bytes of record values. Ratio = kafkapg / reference (for latency, lower "
		   "is better). The reference broker answers a Fetch that finds no data only after "
		   "fetch.wait.max.ms, even when records arrive meanwhile, so its end-to-end latency is "
		   "about uniform over 0-%s ms.\n\n",
		   rd_kafka_version_str(), LINGER_MS, PARTS, counts[0], counts[1], PARTS, FETCH_WAIT_MS,
		   cset[0], cset[1], passes[0], passes[1], lat_rate, lat_linger(), lat_secs, FETCH_WAIT_MS);
	fflush(stdout);
	printf("| cell | unit | kafkapg | reference | ratio | target | met |\n");
	printf("|---|---|---:|---:|---:|---|---|\n");
	fflush(stdout);

	for (int si = 0; si < 2; si++)
	{
		int			size = sizes[si];
		char	   *ctopic = topic_name("consume-%d", size);
		char		cell[128];
		Tput		ck,
					cr;

		for (int ai = 0; ai < 2; ai++)
		{
			int			a = acks[ai];
			long		n = counts[si];
			char	   *topic = topic_name("produce-%d-%d", size, a);
			char	   *ltopic = topic_name("latency-%d-%d", size, a);
			Tput		pk,
						pr;
			Lat			lk,
						lr;
			double		want = size == 1024 ? 0.5 : 0.4;

			snprintf(tgt, sizeof(tgt), "ratio >= %.2f", want);
			if (phase("produce"))
			{
				create_topics(&kp, &topic, 1, PARTS);
				create_topics(&ref, &topic, 1, PARTS);
				pk = run_produce(&kp, topic, a, size, n);
				pr = run_produce(&ref, topic, a, size, n);
				snprintf(cell, sizeof(cell), "produce %s, acks=%d", size_name(size), a);
				row(cell, "MB/s", pk.bytes / pk.seconds / 1e6, pr.bytes / pr.seconds / 1e6, "%.1f",
					tgt, pr.seconds / pk.seconds >= want);
				row(cell, "records/s", pk.records / pk.seconds, pr.records / pr.seconds, "%.0f",
					tgt, pr.seconds / pk.seconds >= want);
			}
			if (phase("latency"))
			{
				create_topics(&kp, &ltopic, 1, PARTS);
				create_topics(&ref, &ltopic, 1, PARTS);
				lk = run_latency(&kp, ltopic, a, size, lat_rate, lat_secs);
				lr = run_latency(&ref, ltopic, a, size, lat_rate, lat_secs);
				snprintf(cell, sizeof(cell), "end-to-end %s, acks=%d, %.0f records/s", size_name(size), a, lat_rate);
				row(cell, "p50 ms", lk.p50_ms, lr.p50_ms, "%.2f", "", -1);
				row(cell, "p99 ms", lk.p99_ms, lr.p99_ms, "%.2f", "kafkapg < 5 ms", lk.p99_ms < 5);
				row(cell, "max ms", lk.max_ms, lr.max_ms, "%.2f", "", -1);
				if (lk.lost != 0 || lr.lost != 0)
					fprintf(stderr, "bench_log: %s: records not received: kafkapg %ld, reference %ld\n",
							cell, lk.lost, lr.lost);
			}
			free(topic);
			free(ltopic);
		}

		/* consume: a data set the reference broker keeps whole, read passes times */
		if (!phase("consume"))
		{
			free(ctopic);
			continue;
		}
		create_topics(&kp, &ctopic, 1, PARTS);
		create_topics(&ref, &ctopic, 1, PARTS);
		run_produce(&kp, ctopic, 1, size, cset[si]);
		run_produce(&ref, ctopic, 1, size, cset[si]);
		check_retained(&kp, ctopic, cset[si]);
		check_retained(&ref, ctopic, cset[si]);
		run_consume(&kp, &ref, ctopic, cset[si], passes[si], &ck, &cr);
		snprintf(cell, sizeof(cell), "consume %s", size_name(size));
		row(cell, "MB/s", ck.bytes / ck.seconds / 1e6, cr.bytes / cr.seconds / 1e6, "%.1f",
			"ratio >= 0.80", cr.seconds / ck.seconds >= 0.8);
		row(cell, "records/s", ck.records / ck.seconds, cr.records / cr.seconds, "%.0f",
			"ratio >= 0.80", cr.seconds / ck.seconds >= 0.8);
		free(ctopic);
	}

	/* memory: kafkapg worker with a 1,000-partition topic and 1,000 idle connections */
	if (phase("memory") || phase("metadata"))
	{
		char	   *topic = topic_name("mem-%d", MEM_PARTITIONS);
		int		   *socks = malloc(sizeof(int) * MEM_CONNS);
		Wbuf		req = {0};
		uint8_t    *resp = NULL;
		size_t		cap = 0;
		Rss			before,
					with;
		char		unit[64];

		create_topics(&kp, &topic, 1, MEM_PARTITIONS);
		sleep(1);
		before = read_rss(pid);
		wb_header(&req, 18, 0, 1);
		wb_finish(&req);
		for (int i = 0; i < MEM_CONNS; i++)
		{
			socks[i] = connect_to(&kp);
			write_full(socks[i], req.p, req.len);
		}
		for (int i = 0; i < MEM_CONNS; i++)
			read_frame(socks[i], &resp, &cap);
		sleep(2);
		with = read_rss(pid);
		snprintf(unit, sizeof(unit), "MB VmRSS (before the connections: %.1f)", before.vmrss_kb / 1024.0);
		row("kafkapg worker, 1,000-partition topic + 1,000 idle connections", unit,
			with.vmrss_kb / 1024.0, -1, "%.1f", "< 100 MB", with.vmrss_kb < 100 * 1024);
		snprintf(unit, sizeof(unit), "MB RssAnon (before: %.1f)", before.anon_kb / 1024.0);
		row("", unit, with.anon_kb / 1024.0, -1, "%.1f", "", -1);
		snprintf(unit, sizeof(unit), "MB RssShmem (before: %.1f)", before.shmem_kb / 1024.0);
		row("", unit, with.shmem_kb / 1024.0, -1, "%.1f", "", -1);
		snprintf(unit, sizeof(unit), "MB RssFile (before: %.1f)", before.file_kb / 1024.0);
		row("", unit, with.file_kb / 1024.0, -1, "%.1f", "", -1);
		for (int i = 0; i < MEM_CONNS; i++)
			close(socks[i]);
		free(socks);
		free(req.p);
		free(resp);
		free(topic);
	}

	/* Metadata: all topics, 10,000 partitions in 1,000-partition topics (kafkapg) */
	if (phase("metadata"))
	{
		char	   *names[MD_BIG_TOPICS];
		int			s;
		Wbuf		req = {0};
		uint8_t    *resp = NULL;
		size_t		cap = 0;
		double		ms[MD_REQUESTS];
		MdCount		c;
		char		cell[160];

		names[0] = topic_name("mem-%d", MEM_PARTITIONS);	/* exists */
		for (int i = 1; i < MD_BIG_TOPICS; i++)
			names[i] = topic_name("md-%d-%d", MD_BIG_PARTS, i);
		create_topics(&kp, names + 1, MD_BIG_TOPICS - 1, MD_BIG_PARTS);
		s = connect_to(&kp);
		metadata_request(&req, NULL, 0);
		for (int i = 0; i < 2; i++)
			metadata_rtt(s, &req, &resp, &cap, &c);
		for (int i = 0; i < MD_REQUESTS; i++)
			ms[i] = metadata_rtt(s, &req, &resp, &cap, &c);
		close(s);
		qsort(ms, MD_REQUESTS, sizeof(double), cmp_double);
		snprintf(cell, sizeof(cell), "Metadata v2, all topics: %d topics, %d partitions, %zu-byte answer",
				 c.topics, c.partitions, c.bytes);
		row(cell, "p50 ms", ms[MD_REQUESTS / 2], -1, "%.2f", "", -1);
		row(cell, "max ms (20 requests)", ms[MD_REQUESTS - 1], -1, "%.2f", "< 50 ms",
			c.partitions >= 10000 && ms[MD_REQUESTS - 1] < 50);
		for (int i = 0; i < MD_BIG_TOPICS; i++)
			free(names[i]);
		free(req.p);
		free(resp);
	}

	/* Metadata: 2,500 named topics of 4 partitions, both brokers */
	if (phase("metadata"))
	{
		char	  **names = malloc(sizeof(char *) * MD_SMALL_TOPICS);
		double		p50[2],
					mx[2];
		MdCount		c[2];
		size_t		bytes[2];
		char		cell[160];

		for (int i = 0; i < MD_SMALL_TOPICS; i++)
			names[i] = topic_name("small-%d", i);
		for (int b = 0; b < 2; b++)
		{
			const Target *t = b == 0 ? &kp : &ref;
			int			s;
			Wbuf		req = {0};
			uint8_t    *resp = NULL;
			size_t		cap = 0;
			double		ms[MD_REQUESTS];

			create_topics(t, names, MD_SMALL_TOPICS, PARTS);
			s = connect_to(t);
			metadata_request(&req, names, MD_SMALL_TOPICS);
			for (int i = 0; i < 2; i++)
				metadata_rtt(s, &req, &resp, &cap, &c[b]);
			for (int i = 0; i < MD_REQUESTS; i++)
				ms[i] = metadata_rtt(s, &req, &resp, &cap, &c[b]);
			close(s);
			qsort(ms, MD_REQUESTS, sizeof(double), cmp_double);
			p50[b] = ms[MD_REQUESTS / 2];
			mx[b] = ms[MD_REQUESTS - 1];
			bytes[b] = c[b].bytes;
			free(req.p);
			free(resp);
		}
		if (c[0].partitions != c[1].partitions || c[0].errors || c[1].errors)
			die("Metadata for named topics: %d vs %d partitions", c[0].partitions, c[1].partitions);
		snprintf(cell, sizeof(cell), "Metadata v2, %d named topics: %d partitions, %zu / %zu-byte answers",
				 c[0].topics, c[0].partitions, bytes[0], bytes[1]);
		row(cell, "p50 ms", p50[0], p50[1], "%.2f", "", -1);
		row(cell, "max ms (20 requests)", mx[0], mx[1], "%.2f", "", -1);
		for (int i = 0; i < MD_SMALL_TOPICS; i++)
			free(names[i]);
		free(names);
	}

	/* the machine: new page-cache pages versus pages already cached */
	if (argc == 5 && phase("machine"))
	{
		double		first,
					again;

		page_cache_write(argv[4], &first, &again);
		row("machine: write 1 GiB to a new file in the log file system (new page-cache pages)",
			"MB/s", first, -1, "%.0f", "", -1);
		row("machine: write the same 1 GiB again (pages already cached)", "MB/s", again, -1,
			"%.0f", "", -1);
	}
	return 0;
}
