/*-------------------------------------------------------------------------
 *
 * buf.c
 *	  Bounds-checked reader and growable writer for Kafka's primitive types.
 *
 * Every read checks the remaining length first and, on failure, records a
 * static error in the reader and returns false; callers bail out to one
 * error path.  Writers grow through the caller's allocator and latch the
 * first failure, so a sequence of writes needs a single check at the end.
 * Integers are big-endian; varints are unsigned LEB128 and zig-zag signed.
 *
 * Pure C, no server calls, no shared state.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kafkapg/protocol/codec.h"

void
kp_reader_init(KpReader *r, const uint8_t *data, size_t len)
{
	r->p = data;
	r->end = data + len;
	r->error = NULL;
	r->field = NULL;
}

bool
kp_reader_fail(KpReader *r, const char *error)
{
	if (r->error == NULL)
		r->error = error;
	return false;
}

static inline bool
need(KpReader *r, size_t n)
{
	if (r->error != NULL)
		return false;
	if ((size_t) (r->end - r->p) < n)
		return kp_reader_fail(r, "truncated input");
	return true;
}

bool
kp_read_raw(KpReader *r, size_t n, const uint8_t **out)
{
	if (!need(r, n))
		return false;
	*out = r->p;
	r->p += n;
	return true;
}

bool
kp_read_int8(KpReader *r, int8_t *v)
{
	if (!need(r, 1))
		return false;
	*v = (int8_t) r->p[0];
	r->p += 1;
	return true;
}

bool
kp_read_int16(KpReader *r, int16_t *v)
{
	if (!need(r, 2))
		return false;
	*v = (int16_t) (((uint16_t) r->p[0] << 8) | r->p[1]);
	r->p += 2;
	return true;
}

bool
kp_read_int32(KpReader *r, int32_t *v)
{
	if (!need(r, 4))
		return false;
	*v = (int32_t) (((uint32_t) r->p[0] << 24) | ((uint32_t) r->p[1] << 16) |
					((uint32_t) r->p[2] << 8) | (uint32_t) r->p[3]);
	r->p += 4;
	return true;
}

bool
kp_read_int64(KpReader *r, int64_t *v)
{
	uint64_t	u = 0;

	if (!need(r, 8))
		return false;
	for (int i = 0; i < 8; i++)
		u = (u << 8) | r->p[i];
	*v = (int64_t) u;
	r->p += 8;
	return true;
}

/* Reads an unsigned LEB128 value of at most max_bytes bytes. */
static bool
read_leb128(KpReader *r, int max_bytes, uint64_t *v)
{
	uint64_t	result = 0;

	for (int i = 0; i < max_bytes; i++)
	{
		uint8_t		b;

		if (!need(r, 1))
			return false;
		b = *r->p++;
		result |= (uint64_t) (b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0)
		{
			*v = result;
			return true;
		}
	}
	return kp_reader_fail(r, "varint too long");
}

bool
kp_read_uvarint(KpReader *r, uint32_t *v)
{
	uint64_t	u = 0;

	if (!read_leb128(r, 5, &u))
		return false;
	if (u > UINT32_MAX)
		return kp_reader_fail(r, "varint out of range");
	*v = (uint32_t) u;
	return true;
}

bool
kp_read_varint(KpReader *r, int32_t *v)
{
	uint32_t	u;

	if (!kp_read_uvarint(r, &u))
		return false;
	*v = (int32_t) ((u >> 1) ^ -(u & 1));
	return true;
}

bool
kp_read_varlong(KpReader *r, int64_t *v)
{
	uint64_t	u = 0;

	if (!read_leb128(r, 10, &u))
		return false;
	*v = (int64_t) ((u >> 1) ^ -(u & 1));
	return true;
}

void
kp_writer_init(KpWriter *w, const KpAllocator *alloc, size_t initial)
{
	w->alloc = alloc;
	w->len = 0;
	w->cap = initial > 0 ? initial : 256;
	w->error = NULL;
	w->field = NULL;
	w->records_hook = NULL;
	w->records_arg = NULL;
	w->data = alloc->alloc(alloc->ctx, w->cap);
	if (w->data == NULL)
	{
		w->cap = 0;
		w->error = "out of memory";
	}
}

/* Guarantees room for extra more bytes, or latches an error. */
bool
kp_writer_reserve(KpWriter *w, size_t extra)
{
	size_t		newcap;
	uint8_t    *p;

	if (w->error != NULL)
		return false;
	if (w->len + extra <= w->cap)
		return true;
	newcap = w->cap * 2;
	while (newcap < w->len + extra)
		newcap *= 2;
	p = w->alloc->realloc(w->alloc->ctx, w->data, w->cap, newcap);
	if (p == NULL)
	{
		w->error = "out of memory";
		return false;
	}
	w->data = p;
	w->cap = newcap;
	return true;
}

void
kp_write_raw(KpWriter *w, const void *data, size_t n)
{
	if (n == 0 || !kp_writer_reserve(w, n))
		return;
	memcpy(w->data + w->len, data, n);
	w->len += n;
}

void
kp_write_int8(KpWriter *w, int8_t v)
{
	uint8_t		b = (uint8_t) v;

	kp_write_raw(w, &b, 1);
}

void
kp_write_int16(KpWriter *w, int16_t v)
{
	uint8_t		b[2] = {(uint8_t) ((uint16_t) v >> 8), (uint8_t) v};

	kp_write_raw(w, b, 2);
}

void
kp_write_int32(KpWriter *w, int32_t v)
{
	uint32_t	u = (uint32_t) v;
	uint8_t		b[4] = {u >> 24, u >> 16, u >> 8, u};

	kp_write_raw(w, b, 4);
}

void
kp_write_int64(KpWriter *w, int64_t v)
{
	uint64_t	u = (uint64_t) v;
	uint8_t		b[8];

	for (int i = 7; i >= 0; i--)
	{
		b[i] = (uint8_t) u;
		u >>= 8;
	}
	kp_write_raw(w, b, 8);
}

static void
write_leb128(KpWriter *w, uint64_t u)
{
	uint8_t		b[10];
	int			n = 0;

	do
	{
		b[n] = u & 0x7f;
		u >>= 7;
		if (u != 0)
			b[n] |= 0x80;
		n++;
	} while (u != 0);
	kp_write_raw(w, b, n);
}

void
kp_write_uvarint(KpWriter *w, uint32_t v)
{
	write_leb128(w, v);
}

void
kp_write_varint(KpWriter *w, int32_t v)
{
	write_leb128(w, (uint32_t) (((uint32_t) v << 1) ^ (uint32_t) (v >> 31)));
}

void
kp_write_varlong(KpWriter *w, int64_t v)
{
	write_leb128(w, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}

size_t
kp_uvarint_size(uint32_t v)
{
	size_t		n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* Overwrites four bytes at pos (used for size prefixes written last). */
void
kp_put_int32_at(KpWriter *w, size_t pos, int32_t v)
{
	uint32_t	u = (uint32_t) v;

	if (w->error != NULL || pos + 4 > w->len)
		return;
	w->data[pos] = u >> 24;
	w->data[pos + 1] = u >> 16;
	w->data[pos + 2] = u >> 8;
	w->data[pos + 3] = u;
}
