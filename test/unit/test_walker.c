/*-------------------------------------------------------------------------
 *
 * test_walker.c
 *	  Tests of the schema walker (codec.c) through descriptors written
 *	  here rather than generated from messages.def, to reach what the two
 *	  current messages do not: tags declared out of order, tag numbers
 *	  needing multi-byte varints, int8/uint16/float64/bytes fields, inline
 *	  sub-structs, tagged sub-structs, nullable tagged arrays, version
 *	  ranges, and kp_struct_init_defaults.
 *
 * The descriptors follow the layout messages.c generates (see codec.h).
 * Vectors are hand-written from the Kafka encoding rules.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "vec.h"

#define F(S, name, type, lo, hi, nul, tag, def) \
	{#name, KP_T_##type, KP_T_##type, offsetof(S, name), 0, lo, hi, nul, tag, \
	 def, NULL}
#define PA(S, name, type, lo, hi, nul, tag) \
	{#name, KP_T_ARRAY, KP_T_##type, offsetof(S, name), \
	 offsetof(S, name##_count), lo, hi, nul, tag, 0, NULL}
#define SUB(S, name, desc, lo, hi, tag) \
	{#name, KP_T_STRUCT, KP_T_STRUCT, offsetof(S, name), 0, lo, hi, KP_NEVER, \
	 tag, 0, &(desc)}
#define DESC(S, fields) \
	{#S, sizeof(S), fields, (int) (sizeof(fields) / sizeof(fields[0]))}

static KpuMsg
flex(const KpStructDesc *desc, int16_t v)
{
	KpuMsg		m = {desc, v, true};

	return m;
}

static KpuMsg
classic(const KpStructDesc *desc, int16_t v)
{
	KpuMsg		m = {desc, v, false};

	return m;
}

/* ---------------------------------------------------- tag order on output */

typedef struct Tagged
{
	int32_t		plain;
	int32_t		t7;				/* tag 7, default 0 */
	char	   *t130;			/* tag 130, non-nullable string */
	int16_t		t2;				/* tag 2, default -1 */
} Tagged;

/* deliberately NOT in tag order */
static const KpFieldDesc tagged_fields[] = {
	F(Tagged, plain, INT32, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 0),
	F(Tagged, t7, INT32, 0, KP_VMAX, KP_NEVER, 7, 0),
	F(Tagged, t130, STRING, 0, KP_VMAX, KP_NEVER, 130, 0),
	F(Tagged, t2, INT16, 0, KP_VMAX, KP_NEVER, 2, -1),
};
static const KpStructDesc tagged_desc = DESC(Tagged, tagged_fields);

KPU_TEST(walker_tags_ascending_on_output)
{
	const char *hex =
		"00000001"				/* plain */
		"03"					/* three tagged fields, by tag: */
		"02 02 0005"			/* tag 2, int16 5 */
		"07 04 00000009"		/* tag 7, int32 9 */
		"8201 03 03 6869";		/* tag 130, compact string "hi" */
	KpuMsg		m = flex(&tagged_desc, 0);
	Tagged		in = {1, 9, "hi", 5};
	Tagged	   *d = ROUNDTRIP(&m, &in, hex);

	REQUIRE(d != NULL);
	CHECK_INT(d->plain, 1);
	CHECK_INT(d->t7, 9);
	CHECK_STR(d->t130, "hi");
	CHECK_INT(d->t2, 5);
}

KPU_TEST(walker_tags_defaults_omitted)
{
	KpuMsg		m = flex(&tagged_desc, 0);
	Tagged		in = {1, 0, NULL, -1};
	Tagged		empty = {1, 0, "", -1};
	Tagged		only7 = {1, 7, "", -1};
	Tagged	   *d;

	d = ROUNDTRIP(&m, &in, "00000001 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->t2, -1);
	CHECK_NULL(d->t130);
	ENCODE_VEC(&m, &empty, "00000001 00");
	ENCODE_VEC(&m, &only7, "00000001 01 07 04 00000007");
}

/* Tagged fields are a flexible-version feature: absent from classic ones. */
KPU_TEST(walker_tags_absent_when_not_flexible)
{
	KpuMsg		m = classic(&tagged_desc, 0);
	Tagged		in = {1, 9, "hi", 5};
	Tagged	   *d = ROUNDTRIP(&m, &in, "00000001");

	REQUIRE(d != NULL);
	CHECK_INT(d->t7, 0);
	CHECK_INT(d->t2, -1);
}

/* ------------------------------------------------------- other types */

typedef struct Scalars
{
	int8_t		i8;
	uint16_t	u16;
	double		f64;
	KpUuid		id;
	bool		flag;
	int64_t		big;
	int32_t		newer;			/* versions 1-2 only */
} Scalars;

static const KpFieldDesc scalar_fields[] = {
	F(Scalars, i8, INT8, 0, KP_VMAX, KP_NEVER, KP_NOTAG, -3),
	F(Scalars, u16, UINT16, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 65535),
	F(Scalars, f64, FLOAT64, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 2),
	F(Scalars, id, UUID, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 0),
	F(Scalars, flag, BOOL, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 1),
	F(Scalars, big, INT64, 0, KP_VMAX, KP_NEVER, KP_NOTAG, INT64_MIN),
	F(Scalars, newer, INT32, 1, 2, KP_NEVER, KP_NOTAG, 42),
};
static const KpStructDesc scalar_desc = DESC(Scalars, scalar_fields);

KPU_TEST(walker_init_defaults)
{
	Scalars		s;

	memset(&s, 0x55, sizeof(s));
	kp_struct_init_defaults(&scalar_desc, &s);
	CHECK_INT(s.i8, -3);
	CHECK_INT(s.u16, 65535);
	CHECK(s.f64 == 2.0);
	CHECK_INT(s.id.b[0] | s.id.b[15], 0);
	CHECK_INT(s.flag, true);
	CHECK_INT(s.big, INT64_MIN);
	CHECK_INT(s.newer, 42);
}

KPU_TEST(walker_scalar_types_and_versions)
{
	const char *v0 =
		"fe"					/* int8 -2 */
		"ffff"					/* uint16 65535 */
		"3ff8000000000000"		/* float64 1.5 */
		"f0e1d2c3b4a5968778695a4b3c2d1e0f"	/* uuid */
		"02"					/* bool: any non-zero byte is true */
		"8000000000000001";		/* int64 */
	const char *v0_out =
		"fe ffff 3ff8000000000000 f0e1d2c3b4a5968778695a4b3c2d1e0f 01"
		"8000000000000001";
	const char *v1 = "fe ffff 3ff8000000000000 f0e1d2c3b4a5968778695a4b3c2d1e0f"
		"00 8000000000000001 00000007";
	KpuMsg		m0 = classic(&scalar_desc, 0);
	KpuMsg		m1 = classic(&scalar_desc, 1);
	KpuMsg		m3 = classic(&scalar_desc, 3);
	Scalars		in = {-2, 65535, 1.5,
		{{0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b,
		0x3c, 0x2d, 0x1e, 0x0f}}, true, INT64_MIN + 1, 7};
	Scalars    *d = DECODE_VEC(&m0, v0);

	REQUIRE(d != NULL);
	CHECK_INT(d->i8, -2);
	CHECK_INT(d->u16, 65535);
	CHECK(d->f64 == 1.5);
	CHECK_BYTES(d->id.b, 16, in.id.b, 16);
	CHECK_INT(d->flag, true);
	CHECK_INT(d->big, INT64_MIN + 1);
	CHECK_INT(d->newer, 42);	/* not in v0: default */
	ENCODE_VEC(&m0, &in, v0_out);
	in.flag = false;
	d = ROUNDTRIP(&m1, &in, v1);
	REQUIRE(d != NULL);
	CHECK_INT(d->newer, 7);
	ENCODE_VEC(&m3, &in, "fe ffff 3ff8000000000000 f0e1d2c3b4a5968778695a4b3c2d1e0f"
			   "00 8000000000000001");
}

/* ---------------------------------------------------------------- bytes */

typedef struct Blob
{
	KpBytes		b;				/* nullable from v1 */
} Blob;

static const KpFieldDesc blob_fields[] = {
	F(Blob, b, BYTES, 0, KP_VMAX, 1, KP_NOTAG, 0),
};
static const KpStructDesc blob_desc = DESC(Blob, blob_fields);

KPU_TEST(walker_bytes)
{
	KpuMsg		m0 = classic(&blob_desc, 0);
	KpuMsg		m1 = classic(&blob_desc, 1);
	KpuMsg		m2 = flex(&blob_desc, 2);
	Blob		abc = {{(const uint8_t *) "abc", 3}};
	Blob		null = {{NULL, -1}};
	Blob	   *d;

	d = ROUNDTRIP(&m0, &abc, "00000003 616263");
	REQUIRE(d != NULL);
	CHECK_INT(d->b.len, 3);
	CHECK_BYTES(d->b.data, 3, (const uint8_t *) "abc", 3);
	d = ROUNDTRIP(&m2, &abc, "04 616263 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->b.len, 3);
	d = ROUNDTRIP(&m1, &null, "ffffffff");
	REQUIRE(d != NULL);
	CHECK_INT(d->b.len, -1);
	CHECK_NULL(d->b.data);
	d = ROUNDTRIP(&m2, &null, "00 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->b.len, -1);
	/* v0: not nullable; null decodes as an error, encodes as empty */
	DECODE_FAILS(&m0, "ffffffff", "null value in a non-nullable field", "b");
	ENCODE_VEC(&m0, &null, "00000000");
	DECODE_FAILS(&m1, "fffffffe", "negative length", "b");
	DECODE_FAILS(&m1, "00000004 616263", "truncated input", "b");
}

/* Decoded bytes are slices of the input buffer, not copies. */
KPU_TEST(walker_bytes_point_into_input)
{
	KpCodecCtx	ctx = {1, false, &kpu_allocator};
	size_t		len;
	uint8_t    *buf = kpu_hex("00000002 abcd", &len);
	KpReader	r;
	Blob		out;

	kp_reader_init(&r, buf, len);
	REQUIRE(kp_decode_struct(&blob_desc, &ctx, &r, &out));
	CHECK(out.b.data == buf + 4);
}

/* ------------------------------------------------------------ sub-structs */

typedef struct Inner
{
	int16_t		a;
	int32_t		n_count;
	int32_t    *n;
} Inner;

static const KpFieldDesc inner_fields[] = {
	F(Inner, a, INT16, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 0),
	PA(Inner, n, INT32, 0, KP_VMAX, KP_NEVER, KP_NOTAG),
};
static const KpStructDesc inner_desc = DESC(Inner, inner_fields);

typedef struct Outer
{
	int32_t		x;
	Inner		in;				/* inline */
	Inner		tagged;			/* tag 0 */
} Outer;

static const KpFieldDesc outer_fields[] = {
	F(Outer, x, INT32, 0, KP_VMAX, KP_NEVER, KP_NOTAG, 0),
	SUB(Outer, in, inner_desc, 0, KP_VMAX, KP_NOTAG),
	SUB(Outer, tagged, inner_desc, 0, KP_VMAX, 0),
};
static const KpStructDesc outer_desc = DESC(Outer, outer_fields);

static int32_t five[] = {5};

KPU_TEST(walker_inline_sub_struct)
{
	KpuMsg		c = classic(&outer_desc, 0);
	KpuMsg		f = flex(&outer_desc, 0);
	Outer		in = {1, {2, 1, five}, {0, 0, NULL}};
	Outer	   *d;

	d = ROUNDTRIP(&c, &in, "00000001 0002 00000001 00000005");
	REQUIRE(d != NULL);
	CHECK_INT(d->in.a, 2);
	REQUIRE(d->in.n_count == 1);
	CHECK_INT(d->in.n[0], 5);
	/* flexible: the sub-struct carries its own tag section */
	d = ROUNDTRIP(&f, &in, "00000001 0002 02 00000005 00 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->in.n[0], 5);
}

KPU_TEST(walker_tagged_sub_struct)
{
	KpuMsg		f = flex(&outer_desc, 0);
	Outer		in = {1, {0, 0, NULL}, {3, 0, NULL}};
	Outer	   *d;

	d = ROUNDTRIP(&f, &in, "00000001 0000 01 00 01 00 04 0003 01 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->tagged.a, 3);
	in.tagged.a = 0;
	ENCODE_VEC(&f, &in, "00000001 0000 01 00 00");
}

/*
 * A tagged sub-struct whose only non-default member is an array must still
 * be written (Kafka compares the whole struct with its default).
 *
 * FAILS with codec.c as of commit 29344b8: struct_is_default() asks
 * value_is_default(), which returns true for every KP_T_ARRAY member, so
 * the tag is omitted and the array is lost.  Not reachable from
 * messages.def today (no KP_SUB yet).
 */
KPU_TEST(walker_tagged_sub_struct_with_array)
{
	KpuMsg		f = flex(&outer_desc, 0);
	Outer		in = {1, {0, 0, NULL}, {0, 1, five}};
	Outer	   *d;

	d = ROUNDTRIP(&f, &in,
				  "00000001"
				  "0000 01 00"			/* inline sub-struct, all zero */
				  "01 00 08"			/* tag 0, 8 bytes: */
				  "0000 02 00000005 00");	/* a 0, n [5], no tags */
	REQUIRE(d != NULL);
	REQUIRE(d->tagged.n_count == 1);
	CHECK_INT(d->tagged.n[0], 5);
}

/* ------------------------------------------------ nullable tagged arrays */

typedef struct NullableTag
{
	int32_t		ids_count;
	int32_t    *ids;			/* tag 0, nullable in all versions */
} NullableTag;

static const KpFieldDesc nullable_tag_fields[] = {
	PA(NullableTag, ids, INT32, 0, KP_VMAX, 0, 0),
};
static const KpStructDesc nullable_tag_desc = DESC(NullableTag,
												   nullable_tag_fields);

/*
 * Absent, the field decodes to its default, an empty array (count 0):
 * so an empty array may be omitted, and a null one must be written, or
 * null would come back as empty (Kafka's rule for arrays without
 * "default": "null").
 *
 * FAILS with codec.c as of commit 29344b8: field_is_default() treats
 * count -1 as the default and count 0 of a nullable array as not, the
 * opposite of what kp_struct_init_defaults() gives the decoder.  Not
 * reachable from messages.def today (no nullable tagged array yet).
 */
KPU_TEST(walker_nullable_tagged_array)
{
	KpuMsg		f = flex(&nullable_tag_desc, 0);
	NullableTag empty = {0, NULL};
	NullableTag null = {-1, NULL};
	NullableTag one = {1, five};
	NullableTag *d;

	d = DECODE_VEC(&f, "00");
	REQUIRE(d != NULL);
	CHECK_INT(d->ids_count, 0);
	d = DECODE_VEC(&f, "01 00 01 00");
	REQUIRE(d != NULL);
	CHECK_INT(d->ids_count, -1);
	d = ROUNDTRIP(&f, &one, "01 00 05 02 00000005");
	REQUIRE(d != NULL);
	CHECK_INT(d->ids[0], 5);
	ENCODE_VEC(&f, &empty, "00");
	ENCODE_VEC(&f, &null, "01 00 01 00");
}
