/*-------------------------------------------------------------------------
 *
 * bench_common.h
 *	  Small helpers shared by the benchmark programs in bench/ (bench_log,
 *	  bench_rpc, bench_disk, bench_durability):
 *
 *	  - die(): prints "<program>: message" to stderr and exits 1;
 *	  - now_s(), now_ns(): CLOCK_MONOTONIC in seconds and nanoseconds;
 *	  - cmp_double() for qsort(), and percentiles(): p50/p99/max of a sample
 *		set, sorted in place;
 *	  - env_double(), env_lists(): numbers and comma-separated lists read
 *		from the environment;
 *	  - with librdkafka (its header included before this one): conf_set()
 *		and error_cb().
 *
 *	  Every program is one file compiled on its own (bench/run.sh), so the
 *	  helpers are static inline functions here rather than a library to
 *	  link: a program gets no warning for those it does not use.
 *
 *	  A program defines its name before including this header, for the
 *	  messages of die() and error_cb():
 *
 *		static const char *const bench_name = "bench_log";
 *		#include "bench_common.h"
 *
 *-------------------------------------------------------------------------
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* p50/p99/max of n samples; -1 each when there are none. */
typedef struct Pct
{
	double		p50,
				p99,
				max;
	long		n;
} Pct;

/* Prints "<bench_name>: message" to stderr and exits 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void
die(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* p50/p99/max of n samples (sorted in place). */
static inline Pct
percentiles(double *v, long n)
{
	Pct			p = {-1, -1, -1, n};

	if (n == 0)
		return p;
	qsort(v, n, sizeof(double), cmp_double);
	p.p50 = v[n / 2];
	p.p99 = v[(long) (n * 0.99)];
	p.max = v[n - 1];
	return p;
}

/* The environment variable name as a number; dflt if unset or empty. */
static inline double
env_double(const char *name, double dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? atof(v) : dflt;
}

/*
 * True if the environment variable var (a comma-separated list; unset or
 * empty: everything) names name.
 */
static inline bool
env_lists(const char *var, const char *name)
{
	const char *v = getenv(var);
	size_t		n = strlen(name);

	if (v == NULL || *v == '\0')
		return true;
	for (const char *p = v; (p = strstr(p, name)) != NULL; p += n)
		if ((p == v || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

#ifdef RD_KAFKA_VERSION

static inline void
conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char		err[512];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
		die("%s=%s: %s", k, v, err);
}

/* librdkafka's error callback: prints the error and carries on. */
static inline void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void) rk;
	(void) opaque;
	fprintf(stderr, "%s: librdkafka error: %s: %s\n",
			bench_name, rd_kafka_err2name(err), reason);
}

#endif							/* RD_KAFKA_VERSION */

#endif							/* BENCH_COMMON_H */
