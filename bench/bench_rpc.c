/*-------------------------------------------------------------------------
 *
 * bench_rpc.c
 *	  Request/response benchmark over raw sockets: ApiVersions and Metadata
 *	  round trips per second and latency, against kafkapg and a reference
 *	  broker in the same run, printed as one table with the ratio.
 *
 *	  usage: bench_rpc SECONDS KAFKAPG_HOST:PORT REF_HOST:PORT
 *
 * Both brokers are asked for their ApiVersions first; each scenario uses
 * the highest version of the API that both support, so the bytes on the
 * wire are comparable.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
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

static const char *const bench_name = "bench_rpc";

#include "bench_common.h"

#define MAX_SAMPLES 4000000

typedef struct Target
{
	char		host[64];
	int			port;
} Target;

typedef struct Result
{
	double		rps;
	double		p50_us;
	double		p99_us;
} Result;

static int
connect_to(const Target *t)
{
	struct sockaddr_in a = {0};
	int			s = socket(AF_INET, SOCK_STREAM, 0);
	int			one = 1;

	a.sin_family = AF_INET;
	a.sin_port = htons(t->port);
	inet_pton(AF_INET, t->host, &a.sin_addr);
	if (connect(s, (struct sockaddr *) &a, sizeof(a)) != 0)
	{
		perror("connect");
		exit(1);
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

static void
read_full(int s, uint8_t *buf, size_t n)
{
	while (n > 0)
	{
		ssize_t		r = read(s, buf, n);

		if (r <= 0)
		{
			fprintf(stderr, "connection closed by broker\n");
			exit(1);
		}
		buf += r;
		n -= r;
	}
}

/* Reads one response frame into buf (at most cap bytes); returns its size. */
static size_t
read_frame(int s, uint8_t *buf, size_t cap)
{
	uint8_t		h[4];
	uint32_t	n;

	read_full(s, h, 4);
	n = ((uint32_t) h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
	if (n > cap)
	{
		fprintf(stderr, "response too large\n");
		exit(1);
	}
	read_full(s, buf, n);
	return n;
}

/*
 * Builds a request frame for api/version: header v1 or v2 and an empty
 * body in the API's encoding (ApiVersions: no fields below v3; Metadata:
 * null topic array = all topics).
 */
static size_t
build_request(uint8_t *out, int api, int ver, int corr)
{
	uint8_t    *p = out + 4;
	bool		flexible = (api == 18 && ver >= 3) || (api == 3 && ver >= 9);

	*p++ = api >> 8; *p++ = api;
	*p++ = ver >> 8; *p++ = ver;
	*p++ = corr >> 24; *p++ = corr >> 16; *p++ = corr >> 8; *p++ = corr;
	*p++ = 0; *p++ = 5; memcpy(p, "bench", 5); p += 5;	/* client id */
	if (flexible)
		*p++ = 0;				/* header tags */
	if (api == 18 && ver >= 3)
	{
		*p++ = 6; memcpy(p, "bench", 5); p += 5;
		*p++ = 4; memcpy(p, "1.0", 3); p += 3;
		*p++ = 0;
	}
	if (api == 3)
	{
		if (flexible)
			*p++ = 0;			/* null compact array */
		else if (ver >= 1)
		{
			*p++ = 0xff; *p++ = 0xff; *p++ = 0xff; *p++ = 0xff;
		}
		else
		{
			*p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;
		}
		if (ver >= 4)
			*p++ = 0;			/* allow_auto_topic_creation */
		if (ver >= 8 && ver <= 10)
			*p++ = 0;
		if (ver >= 8)
			*p++ = 0;
		if (flexible)
			*p++ = 0;
	}
	{
		uint32_t	n = (uint32_t) (p - out - 4);

		out[0] = n >> 24; out[1] = n >> 16; out[2] = n >> 8; out[3] = n;
	}
	return (size_t) (p - out);
}

/* Highest version of api that the broker at t advertises (ApiVersions v0). */
static int
probe_max_version(const Target *t, int api)
{
	uint8_t		req[64],
				resp[65536];
	int			s = connect_to(t);
	size_t		n = build_request(req, 18, 0, 1);
	int32_t		count;

	write(s, req, n);
	read_frame(s, resp, sizeof(resp));
	close(s);
	count = (int32_t) ((resp[6] << 24) | (resp[7] << 16) | (resp[8] << 8) | resp[9]);
	for (int i = 0; i < count; i++)
	{
		uint8_t    *e = resp + 10 + 6 * i;

		if (((e[0] << 8) | e[1]) == api)
			return (e[4] << 8) | e[5];
	}
	return -1;
}

typedef struct Job
{
	const Target *t;
	int			api;
	int			ver;
	int			depth;			/* requests in flight per connection */
	double		seconds;
	long		done;
	double	   *lat;			/* per-request latency, depth 1 only */
	long		nlat;
} Job;

static void *
run_job(void *arg)
{
	Job		   *j = arg;
	uint8_t		req[256 * 64],
				resp[1 << 16];
	int			s = connect_to(j->t);
	size_t		one = build_request(req, j->api, j->ver, 7);
	double		end = now_s() + j->seconds;

	for (int i = 1; i < j->depth; i++)
		memcpy(req + one * i, req, one);
	while (now_s() < end)
	{
		double		t0 = now_s();

		if (write(s, req, one * j->depth) != (ssize_t) (one * j->depth))
			exit(1);
		for (int i = 0; i < j->depth; i++)
			read_frame(s, resp, sizeof(resp));
		if (j->lat != NULL && j->nlat < MAX_SAMPLES)
			j->lat[j->nlat++] = (now_s() - t0) * 1e6;
		j->done += j->depth;
	}
	close(s);
	return NULL;
}

static Result
run_scenario(const Target *t, int api, int ver, int conns, int depth, double seconds)
{
	pthread_t	th[16];
	Job			jobs[16];
	Result		r = {0};
	long		total = 0;

	for (int i = 0; i < conns; i++)
	{
		jobs[i] = (Job) {t, api, ver, depth, seconds, 0, NULL, 0};
		if (i == 0 && depth == 1)
			jobs[i].lat = malloc(sizeof(double) * MAX_SAMPLES);
		pthread_create(&th[i], NULL, run_job, &jobs[i]);
	}
	for (int i = 0; i < conns; i++)
	{
		pthread_join(th[i], NULL);
		total += jobs[i].done;
	}
	r.rps = total / seconds;
	if (jobs[0].lat != NULL && jobs[0].nlat > 0)
	{
		Pct			p = percentiles(jobs[0].lat, jobs[0].nlat);

		r.p50_us = p.p50;
		r.p99_us = p.p99;
		free(jobs[0].lat);
	}
	return r;
}

static void
parse_target(const char *s, Target *t)
{
	const char *c = strrchr(s, ':');

	if (c == NULL || (size_t) (c - s) >= sizeof(t->host))
	{
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	memcpy(t->host, s, c - s);
	t->host[c - s] = '\0';
	t->port = atoi(c + 1);
}

static int
min_version(const Target *a, const Target *b, int api)
{
	int			x = probe_max_version(a, api),
				y = probe_max_version(b, api);

	return x < y ? x : y;
}

int
main(int argc, char **argv)
{
	Target		kp,
				ref;
	double		secs;
	int			av,
				md;
	struct
	{
		const char *name;
		int			api;
		int			conns;
		int			depth;
	}			sc[] = {
		{"ApiVersions, 1 conn, sequential", 18, 1, 1},
		{"Metadata, 1 conn, sequential", 3, 1, 1},
		{"ApiVersions, 1 conn, pipelined x64", 18, 1, 64},
		{"Metadata, 4 conns, sequential", 3, 4, 1},
	};

	if (argc != 4)
	{
		fprintf(stderr, "usage: %s SECONDS KAFKAPG_HOST:PORT REF_HOST:PORT\n", argv[0]);
		return 2;
	}
	secs = atof(argv[1]);
	parse_target(argv[2], &kp);
	parse_target(argv[3], &ref);
	av = min_version(&kp, &ref, 18);
	md = min_version(&kp, &ref, 3);
	printf("ApiVersions v%d and Metadata v%d (highest versions both brokers speak), %.0f s per cell\n\n",
		   av, md, secs);
	printf("| scenario | kafkapg req/s | reference req/s | ratio | kafkapg p50/p99 us | reference p50/p99 us |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
	{
		int			v = sc[i].api == 18 ? av : md;
		Result		a = run_scenario(&kp, sc[i].api, v, sc[i].conns, sc[i].depth, secs);
		Result		b = run_scenario(&ref, sc[i].api, v, sc[i].conns, sc[i].depth, secs);

		printf("| %s | %.0f | %.0f | %.2f |", sc[i].name, a.rps, b.rps, a.rps / b.rps);
		if (sc[i].conns == 1 && sc[i].depth == 1)
			printf(" %.0f / %.0f | %.0f / %.0f |\n", a.p50_us, a.p99_us, b.p50_us, b.p99_us);
		else
			printf(" - | - |\n");
	}
	return 0;
}
