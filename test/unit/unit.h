/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  A minimal unit-test harness for the kafkapg wire codec.
 *
 * A test is written as
 *
 *		KPU_TEST(some_name)
 *		{
 *			CHECK_INT(1 + 1, 2);
 *		}
 *
 * and registers itself before main() runs (GCC constructor attribute), so
 * no central list has to be kept.  Assertions report file:line and let the
 * test continue; REQUIRE() additionally returns from the test function, for
 * checks whose failure would make the rest of the test dereference garbage.
 *
 * main() (main.c) runs every test whose name contains the optional filter
 * argument and finishes with the line "N passed, M failed", where N and M
 * count TEST FUNCTIONS: a test fails if any of its assertions failed.  The
 * number of assertions evaluated is printed on the line before.  The exit
 * status is 0 only if M is 0.
 *
 * Memory: kpu_allocator is a KpAllocator over calloc whose blocks are
 * tracked and released after each test (the server uses an arena, so the
 * codec never frees).  kpu_hex() and kpu_copy() return blocks of exactly the
 * requested size, so that valgrind flags any read past the end of an input.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_TEST_UNIT_H
#define KAFKAPG_TEST_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafkapg/protocol/codec.h"

typedef void (*KpuTestFn) (void);

extern void kpu_register(const char *name, const char *file, KpuTestFn fn);

#define KPU_TEST(name) \
	static void kpu_test_##name(void); \
	static void kpu_reg_##name(void) __attribute__((constructor)); \
	static void \
	kpu_reg_##name(void) \
	{ \
		kpu_register(#name, __FILE__, kpu_test_##name); \
	} \
	static void \
	kpu_test_##name(void)

/* --- assertion back ends (main.c); each returns whether the check held --- */
extern bool kpu_check(bool ok, const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern bool kpu_check_int(int64_t got, int64_t exp, const char *file, int line,
						  const char *got_expr, const char *exp_expr);
extern bool kpu_check_str(const char *got, const char *exp, const char *file,
						  int line, const char *got_expr);
extern bool kpu_check_bytes(const uint8_t *got, size_t got_len,
							const uint8_t *exp, size_t exp_len,
							const char *file, int line, const char *what);

/* assertions violated so far in this run, to put a failure in context */
extern long kpu_failures(void);

#define CHECK(cond) \
	kpu_check((cond) ? true : false, __FILE__, __LINE__, "CHECK(%s)", #cond)
#define CHECK_MSG(cond, ...) \
	kpu_check((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_INT(got, exp) \
	kpu_check_int((int64_t) (got), (int64_t) (exp), __FILE__, __LINE__, #got, #exp)
#define CHECK_STR(got, exp) \
	kpu_check_str((got), (exp), __FILE__, __LINE__, #got)
#define CHECK_NULL(ptr) \
	kpu_check((ptr) == NULL, __FILE__, __LINE__, "%s is not NULL", #ptr)
#define CHECK_BYTES(got, got_len, exp, exp_len) \
	kpu_check_bytes((got), (got_len), (exp), (exp_len), __FILE__, __LINE__, #got)
#define REQUIRE(cond) \
	do \
	{ \
		if (!CHECK(cond)) \
			return; \
	} while (0)

/* --- memory and byte helpers (main.c) --- */
extern const KpAllocator kpu_allocator;
extern void *kpu_malloc(size_t size);	/* zeroed, freed after the test */
extern uint8_t *kpu_hex(const char *hex, size_t *len);
extern uint8_t *kpu_copy(const uint8_t *data, size_t len);
extern void kpu_hexdump(const uint8_t *data, size_t len);

#endif							/* KAFKAPG_TEST_UNIT_H */
