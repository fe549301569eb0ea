/*-------------------------------------------------------------------------
 *
 * main.c
 *	  Runner for the codec unit tests: registration table, assertion
 *	  reporting, tracked test allocator and hex helpers (see unit.h).
 *
 * Usage: kp_unit [filter]
 *	  Runs every registered test whose name contains "filter" (all tests
 *	  if omitted), prints "ok"/"FAIL" per test, the number of assertions,
 *	  and finally "N passed, M failed" counting test functions.  Exits 0
 *	  only if no test failed; exits 2 if the filter matches no test.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define KPU_MAX_TESTS	1024

typedef struct KpuTest
{
	const char *name;
	const char *file;
	KpuTestFn	fn;
	int			seq;			/* registration order within the binary */
} KpuTest;

/* every block handed out during a test, released when the test ends */
typedef union KpuBlock
{
	union KpuBlock *next;
	long double align_ld;
	void	   *align_p;
	int64_t		align_i;
} KpuBlock;

static KpuTest tests[KPU_MAX_TESTS];
static int	ntests;
static KpuBlock *blocks;
static bool current_failed;
static long assertions;
static long assertion_failures;

void
kpu_register(const char *name, const char *file, KpuTestFn fn)
{
	if (ntests >= KPU_MAX_TESTS)
	{
		fprintf(stderr, "too many tests (raise KPU_MAX_TESTS)\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].file = file;
	tests[ntests].fn = fn;
	tests[ntests].seq = ntests;
	ntests++;
}

/* ---------------------------------------------------------------- memory */

void *
kpu_malloc(size_t size)
{
	KpuBlock   *b = calloc(1, sizeof(KpuBlock) + size);

	if (b == NULL)
	{
		fprintf(stderr, "test harness out of memory\n");
		exit(2);
	}
	b->next = blocks;
	blocks = b;
	return b + 1;
}

static void
release_blocks(void)
{
	while (blocks != NULL)
	{
		KpuBlock   *next = blocks->next;

		free(blocks);
		blocks = next;
	}
}

static void *
kpu_alloc_cb(void *ctx, size_t size)
{
	(void) ctx;
	return kpu_malloc(size);
}

/* Like an arena: the old block stays allocated until the test ends. */
static void *
kpu_realloc_cb(void *ctx, void *ptr, size_t old_size, size_t size)
{
	void	   *p = kpu_malloc(size);

	(void) ctx;
	if (ptr != NULL)
		memcpy(p, ptr, old_size < size ? old_size : size);
	return p;
}

const KpAllocator kpu_allocator = {kpu_alloc_cb, kpu_realloc_cb, NULL};

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses hex digits, ignoring white space, into a block of exactly the
 * decoded size.  A malformed literal is a bug in the test: abort loudly.
 */
uint8_t *
kpu_hex(const char *hex, size_t *len)
{
	size_t		digits = 0;
	uint8_t    *out;
	size_t		n = 0;
	int			hi = -1;

	for (const char *c = hex; *c; c++)
	{
		if (hex_digit(*c) >= 0)
			digits++;
		else if (*c != ' ' && *c != '\t' && *c != '\n')
		{
			fprintf(stderr, "bad character '%c' in hex literal \"%s\"\n", *c, hex);
			abort();
		}
	}
	if (digits % 2 != 0)
	{
		fprintf(stderr, "odd number of digits in hex literal \"%s\"\n", hex);
		abort();
	}
	out = kpu_malloc(digits / 2);
	for (const char *c = hex; *c; c++)
	{
		int			d = hex_digit(*c);

		if (d < 0)
			continue;
		if (hi < 0)
			hi = d;
		else
		{
			out[n++] = (uint8_t) (hi << 4 | d);
			hi = -1;
		}
	}
	*len = n;
	return out;
}

uint8_t *
kpu_copy(const uint8_t *data, size_t len)
{
	uint8_t    *p = kpu_malloc(len);

	if (len > 0)
		memcpy(p, data, len);
	return p;
}

void
kpu_hexdump(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%s%02x", (i > 0 && i % 4 == 0) ? " " : "", data[i]);
}

/* ------------------------------------------------------------ assertions */

static bool
record(bool ok)
{
	assertions++;
	if (!ok)
	{
		assertion_failures++;
		current_failed = true;
	}
	return ok;
}

long
kpu_failures(void)
{
	return assertion_failures;
}

bool
kpu_check(bool ok, const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	if (record(ok))
		return true;
	printf("  %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

bool
kpu_check_int(int64_t got, int64_t exp, const char *file, int line,
			  const char *got_expr, const char *exp_expr)
{
	if (record(got == exp))
		return true;
	printf("  %s:%d: %s == %lld, expected %s == %lld\n", file, line, got_expr,
		   (long long) got, exp_expr, (long long) exp);
	return false;
}

bool
kpu_check_str(const char *got, const char *exp, const char *file, int line,
			  const char *got_expr)
{
	bool		ok;

	if (got == NULL || exp == NULL)
		ok = (got == exp);
	else
		ok = (strcmp(got, exp) == 0);
	if (record(ok))
		return true;
	printf("  %s:%d: %s is %s%s%s, expected %s%s%s\n", file, line, got_expr,
		   got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
		   exp ? "\"" : "", exp ? exp : "NULL", exp ? "\"" : "");
	return false;
}

bool
kpu_check_bytes(const uint8_t *got, size_t got_len, const uint8_t *exp,
				size_t exp_len, const char *file, int line, const char *what)
{
	size_t		i = 0;

	if (got_len == exp_len && (exp_len == 0 || memcmp(got, exp, exp_len) == 0))
		return record(true);
	record(false);
	while (i < got_len && i < exp_len && got[i] == exp[i])
		i++;
	printf("  %s:%d: %s differs at byte %zu (got %zu bytes, expected %zu)\n",
		   file, line, what, i, got_len, exp_len);
	printf("    got:      ");
	kpu_hexdump(got, got_len);
	printf("\n    expected: ");
	kpu_hexdump(exp, exp_len);
	printf("\n");
	return false;
}

/* ------------------------------------------------------------------ main */

/* Stable order: by source file, then by registration order. */
static int
test_cmp(const void *a, const void *b)
{
	const KpuTest *ta = a;
	const KpuTest *tb = b;
	int			c = strcmp(ta->file, tb->file);

	return c != 0 ? c : ta->seq - tb->seq;
}

int
main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int			passed = 0;
	int			failed = 0;

	qsort(tests, ntests, sizeof(KpuTest), test_cmp);
	for (int i = 0; i < ntests; i++)
	{
		if (filter != NULL && strstr(tests[i].name, filter) == NULL)
			continue;
		current_failed = false;
		tests[i].fn();
		release_blocks();
		printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tests[i].name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	if (passed + failed == 0)
	{
		fprintf(stderr, "no test name contains \"%s\"\n", filter ? filter : "");
		return 2;
	}
	printf("assertions: %ld checked, %ld violated\n", assertions,
		   assertion_failures);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
