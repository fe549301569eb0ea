/*-------------------------------------------------------------------------
 *
 * test_buf.c
 *	  Unit tests for the cursor primitives of src/protocol/buf.c: big-endian
 *	  integers, unsigned varints and zig-zag varints/varlongs at their
 *	  boundary values, truncated and over-long input, sticky reader errors,
 *	  writer growth, allocation failure and kp_put_int32_at.
 *
 * Expected encodings are written out by hand (Kafka protocol guide,
 * "Protocol Primitive Types"; varints are protobuf LEB128 with zig-zag).
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "unit.h"

/* Writer over the test allocator, started tiny to force growth. */
static void
writer(KpWriter *w)
{
	kp_writer_init(w, &kpu_allocator, 1);
}

/* Reader over a private exact-size copy of hex. */
static void
reader(KpReader *r, const char *hex)
{
	size_t		len;
	uint8_t    *p = kpu_hex(hex, &len);

	kp_reader_init(r, p, len);
}

/* The writer holds exactly the bytes of hex. */
#define CHECK_WRITTEN(w, hex) \
	do \
	{ \
		size_t		exp_len_; \
		uint8_t    *exp_ = kpu_hex((hex), &exp_len_); \
		CHECK((w)->error == NULL); \
		CHECK_BYTES((w)->data, (w)->len, exp_, exp_len_); \
	} while (0)

/* The reader consumed all of its input without error. */
#define CHECK_DRAINED(r) \
	do \
	{ \
		CHECK((r)->error == NULL); \
		CHECK((r)->p == (r)->end); \
	} while (0)

/* ------------------------------------------------------------- integers */

static void
check_int16(int16_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	int16_t		got = 0;

	writer(&w);
	kp_write_int16(&w, v);
	CHECK_WRITTEN(&w, hex);
	reader(&r, hex);
	CHECK(kp_read_int16(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

static void
check_int32(int32_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	int32_t		got = 0;

	writer(&w);
	kp_write_int32(&w, v);
	CHECK_WRITTEN(&w, hex);
	reader(&r, hex);
	CHECK(kp_read_int32(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

static void
check_int64(int64_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	int64_t		got = 0;

	writer(&w);
	kp_write_int64(&w, v);
	CHECK_WRITTEN(&w, hex);
	reader(&r, hex);
	CHECK(kp_read_int64(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

KPU_TEST(buf_int8)
{
	KpWriter	w;
	KpReader	r;
	int8_t		a = 0,
				b = 0;

	writer(&w);
	kp_write_int8(&w, -1);
	kp_write_int8(&w, 0x7f);
	CHECK_WRITTEN(&w, "ff 7f");
	reader(&r, "ff 7f");
	CHECK(kp_read_int8(&r, &a));
	CHECK(kp_read_int8(&r, &b));
	CHECK_INT(a, -1);
	CHECK_INT(b, 127);
	CHECK_DRAINED(&r);
}

KPU_TEST(buf_int16_big_endian)
{
	check_int16(0, "0000");
	check_int16(0x0102, "0102");
	check_int16(-1, "ffff");
	check_int16(-2, "fffe");
	check_int16(INT16_MAX, "7fff");
	check_int16(INT16_MIN, "8000");
}

KPU_TEST(buf_int32_big_endian)
{
	check_int32(0, "00000000");
	check_int32(0x01020304, "01020304");
	check_int32(9092, "00002384");
	check_int32(-1, "ffffffff");
	check_int32(INT32_MAX, "7fffffff");
	check_int32(INT32_MIN, "80000000");
}

KPU_TEST(buf_int64_big_endian)
{
	check_int64(0, "0000000000000000");
	check_int64(0x0102030405060708LL, "0102030405060708");
	check_int64(-1, "ffffffffffffffff");
	check_int64(INT64_MAX, "7fffffffffffffff");
	check_int64(INT64_MIN, "8000000000000000");
}

KPU_TEST(buf_int_truncated)
{
	KpReader	r;
	int16_t		i16;
	int32_t		i32;
	int64_t		i64;
	int8_t		i8;

	reader(&r, "");
	CHECK(!kp_read_int8(&r, &i8));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "01");
	CHECK(!kp_read_int16(&r, &i16));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "010203");
	CHECK(!kp_read_int32(&r, &i32));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "01020304050607");
	CHECK(!kp_read_int64(&r, &i64));
	CHECK_STR(r.error, "truncated input");
	/* a failed read consumes nothing */
	CHECK_INT(r.end - r.p, 7);
}

/* -------------------------------------------------------------- varints */

static void
check_uvarint(uint32_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	uint32_t	got = 0;

	writer(&w);
	kp_write_uvarint(&w, v);
	CHECK_WRITTEN(&w, hex);
	CHECK_INT(kp_uvarint_size(v), w.len);
	reader(&r, hex);
	CHECK(kp_read_uvarint(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

static void
check_varint(int32_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	int32_t		got = 0;

	writer(&w);
	kp_write_varint(&w, v);
	CHECK_WRITTEN(&w, hex);
	reader(&r, hex);
	CHECK(kp_read_varint(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

static void
check_varlong(int64_t v, const char *hex)
{
	KpWriter	w;
	KpReader	r;
	int64_t		got = 0;

	writer(&w);
	kp_write_varlong(&w, v);
	CHECK_WRITTEN(&w, hex);
	reader(&r, hex);
	CHECK(kp_read_varlong(&r, &got));
	CHECK_INT(got, v);
	CHECK_DRAINED(&r);
}

KPU_TEST(buf_uvarint_boundaries)
{
	check_uvarint(0, "00");
	check_uvarint(1, "01");
	check_uvarint(127, "7f");
	check_uvarint(128, "8001");
	check_uvarint(300, "ac02");
	check_uvarint(16383, "ff7f");
	check_uvarint(16384, "808001");
	check_uvarint(2097151, "ffff7f");
	check_uvarint(2097152, "80808001");
	check_uvarint(268435455, "ffffff7f");
	check_uvarint(268435456, "8080808001");
	check_uvarint(INT32_MAX, "ffffffff07");
	check_uvarint(UINT32_MAX, "ffffffff0f");
}

KPU_TEST(buf_varint_zigzag)
{
	check_varint(0, "00");
	check_varint(-1, "01");
	check_varint(1, "02");
	check_varint(-2, "03");
	check_varint(63, "7e");
	check_varint(-64, "7f");
	check_varint(64, "8001");
	check_varint(-65, "8101");
	check_varint(8191, "fe7f");
	check_varint(8192, "808001");
	check_varint(INT32_MAX, "feffffff0f");
	check_varint(INT32_MIN, "ffffffff0f");
}

KPU_TEST(buf_varlong_zigzag)
{
	check_varlong(0, "00");
	check_varlong(-1, "01");
	check_varlong(1, "02");
	check_varlong(64, "8001");
	check_varlong(INT32_MAX, "feffffff0f");
	check_varlong(INT32_MIN, "ffffffff0f");
	check_varlong((int64_t) INT32_MAX + 1, "8080808010");
	check_varlong(INT64_MAX, "feffffffffffffffff01");
	check_varlong(INT64_MIN, "ffffffffffffffffff01");
}

/* Kafka readers accept redundant continuation bytes; so do we. */
KPU_TEST(buf_uvarint_non_minimal)
{
	KpReader	r;
	uint32_t	v = 99;

	reader(&r, "8000");
	CHECK(kp_read_uvarint(&r, &v));
	CHECK_INT(v, 0);
	CHECK_DRAINED(&r);
}

KPU_TEST(buf_varint_truncated)
{
	KpReader	r;
	uint32_t	u;
	int32_t		i;
	int64_t		l;

	reader(&r, "");
	CHECK(!kp_read_uvarint(&r, &u));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "80");
	CHECK(!kp_read_uvarint(&r, &u));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "ffffffff");
	CHECK(!kp_read_varint(&r, &i));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "ffffffffffffffffff");
	CHECK(!kp_read_varlong(&r, &l));
	CHECK_STR(r.error, "truncated input");
}

KPU_TEST(buf_varint_overlong)
{
	KpReader	r;
	uint32_t	u;
	int32_t		i;
	int64_t		l;

	/* six bytes: more than any 32-bit varint needs */
	reader(&r, "808080808000");
	CHECK(!kp_read_uvarint(&r, &u));
	CHECK_STR(r.error, "varint too long");
	reader(&r, "ffffffffff01");
	CHECK(!kp_read_varint(&r, &i));
	CHECK_STR(r.error, "varint too long");
	/* five bytes whose value needs 33 bits */
	reader(&r, "8080808010");
	CHECK(!kp_read_uvarint(&r, &u));
	CHECK_STR(r.error, "varint out of range");
	reader(&r, "ffffffff7f");
	CHECK(!kp_read_varint(&r, &i));
	CHECK_STR(r.error, "varint out of range");
	/* eleven bytes: more than any 64-bit varlong needs */
	reader(&r, "8080808080808080808000");
	CHECK(!kp_read_varlong(&r, &l));
	CHECK_STR(r.error, "varint too long");
}

/* ------------------------------------------------------------ raw, errors */

KPU_TEST(buf_read_raw)
{
	KpReader	r;
	const uint8_t *p = NULL;

	reader(&r, "0102 03");
	CHECK(kp_read_raw(&r, 0, &p));
	CHECK(kp_read_raw(&r, 2, &p));
	CHECK_INT(p[0], 1);
	CHECK_INT(p[1], 2);
	CHECK(!kp_read_raw(&r, 2, &p));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "0102 03");
	CHECK(kp_read_raw(&r, 3, &p));
	CHECK_DRAINED(&r);
	reader(&r, "01");
	CHECK(!kp_read_raw(&r, SIZE_MAX, &p));
}

/* The first error sticks: later reads fail even with bytes available. */
KPU_TEST(buf_reader_error_is_sticky)
{
	KpReader	r;
	int16_t		v;
	int32_t		i;

	reader(&r, "01 0203");
	CHECK(!kp_read_int32(&r, &i));
	CHECK(!kp_read_int16(&r, &v));
	CHECK_STR(r.error, "truncated input");
	reader(&r, "0102");
	CHECK(!kp_reader_fail(&r, "first"));
	CHECK(!kp_reader_fail(&r, "second"));
	CHECK_STR(r.error, "first");
	CHECK(!kp_read_int16(&r, &v));
	CHECK_STR(r.error, "first");
}

/* ---------------------------------------------------------------- writer */

KPU_TEST(buf_writer_growth)
{
	KpWriter	w;
	KpReader	r;
	int32_t		v;
	bool		ok = true;

	kp_writer_init(&w, &kpu_allocator, 1);
	CHECK_INT(w.cap, 1);
	for (int32_t i = 0; i < 1000; i++)
		kp_write_int32(&w, i * 7919);
	CHECK(w.error == NULL);
	CHECK_INT(w.len, 4000);
	CHECK(w.cap >= w.len);
	kp_reader_init(&r, w.data, w.len);
	for (int32_t i = 0; i < 1000; i++)
		ok = ok && kp_read_int32(&r, &v) && v == i * 7919;
	CHECK(ok);
	CHECK_DRAINED(&r);
}

KPU_TEST(buf_writer_default_capacity)
{
	KpWriter	w;

	kp_writer_init(&w, &kpu_allocator, 0);
	CHECK_INT(w.cap, 256);
	CHECK_INT(w.len, 0);
	CHECK(w.error == NULL);
	kp_write_raw(&w, "", 0);
	CHECK_INT(w.len, 0);
}

static int	fail_after;			/* allocations left before failing */

static void *
failing_alloc(void *ctx, size_t size)
{
	(void) ctx;
	if (fail_after-- <= 0)
		return NULL;
	return kpu_malloc(size);
}

static void *
failing_realloc(void *ctx, void *ptr, size_t old_size, size_t size)
{
	void	   *p = failing_alloc(ctx, size);

	if (p != NULL)
		memcpy(p, ptr, old_size);
	return p;
}

static const KpAllocator failing = {failing_alloc, failing_realloc, NULL};

KPU_TEST(buf_writer_out_of_memory)
{
	KpWriter	w;

	fail_after = 0;
	kp_writer_init(&w, &failing, 8);
	CHECK_STR(w.error, "out of memory");
	kp_write_int64(&w, 1);
	CHECK_INT(w.len, 0);

	/* initial block succeeds, growth fails: error latched, data kept */
	fail_after = 1;
	kp_writer_init(&w, &failing, 4);
	kp_write_int32(&w, 0x01020304);
	kp_write_int32(&w, 5);
	CHECK_STR(w.error, "out of memory");
	CHECK_INT(w.len, 4);
	CHECK(!kp_writer_reserve(&w, 1));
	kp_write_int8(&w, 1);
	CHECK_INT(w.len, 4);
}

KPU_TEST(buf_put_int32_at)
{
	KpWriter	w;

	writer(&w);
	kp_write_int32(&w, 0);
	kp_write_int16(&w, 0x0a0b);
	kp_put_int32_at(&w, 0, 0x01020304);
	CHECK_WRITTEN(&w, "01020304 0a0b");
	/* a position that does not lie inside the buffer is ignored */
	kp_put_int32_at(&w, 3, -1);
	CHECK_WRITTEN(&w, "01020304 0a0b");
	kp_put_int32_at(&w, 2, -1);
	CHECK_WRITTEN(&w, "0102ffff ffff");
}
