/*-------------------------------------------------------------------------
 *
 * codec.c
 *	  Schema-driven encoding and decoding of Kafka messages and headers.
 *
 * One walker serves every message: it visits the fields of a KpStructDesc
 * that exist in the version at hand, reading or writing each by type.  In
 * flexible versions strings, bytes and arrays use compact (uvarint length+1)
 * encodings and every struct ends with a tagged-field section; tagged fields
 * are written only when they differ from their default, in ascending tag
 * order, and unknown tags are skipped on input.
 *
 * Invariant: a decode either fills the whole struct or fails with r->error
 * set (and r->field naming the field); an encode either appends the whole
 * message or latches w->error.  Pure C; memory only through KpAllocator.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "kafkapg/protocol/codec.h"

#define FIELD_PTR(base, off)	((void *) ((char *) (base) + (off)))
#define CFIELD_PTR(base, off)	((const void *) ((const char *) (base) + (off)))

static bool decode_value(const KpFieldDesc *f, KpType type, const KpCodecCtx *ctx,
						 KpReader *r, void *dst);
static void encode_value(const KpFieldDesc *f, KpType type, const KpCodecCtx *ctx,
						 KpWriter *w, const void *src);
static bool value_is_default(const KpFieldDesc *f, KpType type,
							 const KpCodecCtx *ctx, const void *src);
static bool field_is_default(const KpFieldDesc *f, const KpCodecCtx *ctx,
							 const void *base);

static inline bool
in_version(const KpFieldDesc *f, int16_t version)
{
	return version >= f->min_version && version <= f->max_version;
}

static inline bool
nullable(const KpFieldDesc *f, int16_t version)
{
	return version >= f->nullable_min;
}

static size_t
type_size(KpType type, const KpFieldDesc *f)
{
	switch (type)
	{
		case KP_T_BOOL:
			return sizeof(bool);
		case KP_T_INT8:
			return sizeof(int8_t);
		case KP_T_INT16:
			return sizeof(int16_t);
		case KP_T_UINT16:
			return sizeof(uint16_t);
		case KP_T_INT32:
			return sizeof(int32_t);
		case KP_T_INT64:
			return sizeof(int64_t);
		case KP_T_FLOAT64:
			return sizeof(double);
		case KP_T_UUID:
			return sizeof(KpUuid);
		case KP_T_STRING:
			return sizeof(char *);
		case KP_T_BYTES:
		case KP_T_RECORDS:
			return sizeof(KpBytes);
		case KP_T_STRUCT:
			return f->sub->size;
		case KP_T_ARRAY:
			break;
	}
	return 0;
}

/* ---------------------------------------------------------------- defaults */

static void
set_int_default(KpType type, void *dst, int64_t v)
{
	switch (type)
	{
		case KP_T_BOOL:
			*(bool *) dst = (v != 0);
			break;
		case KP_T_INT8:
			*(int8_t *) dst = (int8_t) v;
			break;
		case KP_T_INT16:
			*(int16_t *) dst = (int16_t) v;
			break;
		case KP_T_UINT16:
			*(uint16_t *) dst = (uint16_t) v;
			break;
		case KP_T_INT32:
			*(int32_t *) dst = (int32_t) v;
			break;
		case KP_T_INT64:
			*(int64_t *) dst = v;
			break;
		case KP_T_FLOAT64:
			*(double *) dst = (double) v;
			break;
		default:
			break;
	}
}

/*
 * Sets every field to its schema default: numbers to their default value,
 * strings to NULL (encoded as "" where not nullable), arrays to empty,
 * bytes to null.
 */
void
kp_struct_init_defaults(const KpStructDesc *desc, void *out)
{
	memset(out, 0, desc->size);
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];
		void	   *dst = FIELD_PTR(out, f->offset);

		if (f->type == KP_T_STRUCT)
			kp_struct_init_defaults(f->sub, dst);
		else if (f->type == KP_T_BYTES || f->type == KP_T_RECORDS)
			((KpBytes *) dst)->len = -1;
		else if (f->type != KP_T_ARRAY)
			set_int_default(f->type, dst, f->default_value);
	}
}

/* ---------------------------------------------------------------- decoding */

/* Reads a string or array length: compact (n+1) or int16/int32; -1 = null. */
static bool
read_length(KpReader *r, const KpCodecCtx *ctx, bool wide, int32_t *len)
{
	if (ctx->flexible)
	{
		uint32_t	n;

		if (!kp_read_uvarint(r, &n))
			return false;
		if (n > (uint32_t) INT32_MAX)
			return kp_reader_fail(r, "length out of range");
		*len = (int32_t) n - 1;
		return true;
	}
	if (wide)
		return kp_read_int32(r, len);
	else
	{
		int16_t		n;

		if (!kp_read_int16(r, &n))
			return false;
		*len = n;
		return true;
	}
}

static bool
check_null(const KpFieldDesc *f, const KpCodecCtx *ctx, KpReader *r, int32_t len)
{
	if (len < -1)
		return kp_reader_fail(r, "negative length");
	if (len == -1 && !nullable(f, ctx->version))
		return kp_reader_fail(r, "null value in a non-nullable field");
	return true;
}

static bool
decode_string(const KpFieldDesc *f, const KpCodecCtx *ctx, KpReader *r, char **dst)
{
	int32_t		len = 0;
	const uint8_t *p;
	char	   *s;

	if (!read_length(r, ctx, false, &len) || !check_null(f, ctx, r, len))
		return false;
	if (len == -1)
	{
		*dst = NULL;
		return true;
	}
	if (!kp_read_raw(r, (size_t) len, &p))
		return false;
	s = ctx->alloc->alloc(ctx->alloc->ctx, (size_t) len + 1);
	if (s == NULL)
		return kp_reader_fail(r, "out of memory");
	memcpy(s, p, len);
	s[len] = '\0';
	*dst = s;
	return true;
}

static bool
decode_bytes(const KpFieldDesc *f, const KpCodecCtx *ctx, KpReader *r, KpBytes *dst)
{
	int32_t		len = 0;

	if (!read_length(r, ctx, true, &len) || !check_null(f, ctx, r, len))
		return false;
	dst->len = len;
	dst->data = NULL;
	if (len == -1)
		return true;
	return kp_read_raw(r, (size_t) len, &dst->data);
}

static bool
decode_array(const KpFieldDesc *f, const KpCodecCtx *ctx, KpReader *r, void *base)
{
	int32_t    *count = FIELD_PTR(base, f->count_offset);
	void	  **items = FIELD_PTR(base, f->offset);
	size_t		esize = type_size(f->elem_type, f);
	char	   *arr;

	if (!read_length(r, ctx, true, count) || !check_null(f, ctx, r, *count))
		return false;
	*items = NULL;
	if (*count <= 0)
		return true;
	/* every element takes at least one byte: refuse absurd counts early */
	if ((size_t) *count > (size_t) (r->end - r->p))
		return kp_reader_fail(r, "array count exceeds remaining bytes");
	arr = ctx->alloc->alloc(ctx->alloc->ctx, esize * (size_t) *count);
	if (arr == NULL)
		return kp_reader_fail(r, "out of memory");
	for (int32_t i = 0; i < *count; i++)
	{
		if (!decode_value(f, f->elem_type, ctx, r, arr + esize * i))
			return false;
	}
	*items = arr;
	return true;
}

static bool
decode_value(const KpFieldDesc *f, KpType type, const KpCodecCtx *ctx,
			 KpReader *r, void *dst)
{
	switch (type)
	{
		case KP_T_BOOL:
			{
				int8_t		b;

				if (!kp_read_int8(r, &b))
					return false;
				*(bool *) dst = (b != 0);
				return true;
			}
		case KP_T_INT8:
			return kp_read_int8(r, dst);
		case KP_T_INT16:
		case KP_T_UINT16:
			return kp_read_int16(r, dst);
		case KP_T_INT32:
			return kp_read_int32(r, dst);
		case KP_T_INT64:
		case KP_T_FLOAT64:
			/* a double travels as its IEEE 754 bit pattern */
			return kp_read_int64(r, dst);
		case KP_T_UUID:
			{
				const uint8_t *p;

				if (!kp_read_raw(r, 16, &p))
					return false;
				memcpy(dst, p, 16);
				return true;
			}
		case KP_T_STRING:
			return decode_string(f, ctx, r, dst);
		case KP_T_BYTES:
		case KP_T_RECORDS:
			return decode_bytes(f, ctx, r, dst);
		case KP_T_STRUCT:
			return kp_decode_struct(f->sub, ctx, r, dst);
		case KP_T_ARRAY:
			break;
	}
	return kp_reader_fail(r, "unsupported field type");
}

static const KpFieldDesc *
find_tag(const KpStructDesc *desc, int16_t version, uint32_t tag)
{
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];

		if (f->tag >= 0 && (uint32_t) f->tag == tag && in_version(f, version))
			return f;
	}
	return NULL;
}

/* Reads a tagged-field section, decoding known tags and skipping others. */
static bool
decode_tagged(const KpStructDesc *desc, const KpCodecCtx *ctx, KpReader *r, void *out)
{
	uint32_t	n;

	if (!kp_read_uvarint(r, &n))
		return false;
	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	tag,
					size;
		const uint8_t *p;
		const KpFieldDesc *f;
		KpReader	sub;

		if (!kp_read_uvarint(r, &tag) || !kp_read_uvarint(r, &size) ||
			!kp_read_raw(r, size, &p))
			return false;
		f = desc != NULL ? find_tag(desc, ctx->version, tag) : NULL;
		if (f == NULL)
			continue;
		kp_reader_init(&sub, p, size);
		r->field = f->name;
		if (f->type == KP_T_ARRAY ? !decode_array(f, ctx, &sub, out) :
			!decode_value(f, f->type, ctx, &sub, FIELD_PTR(out, f->offset)))
			return kp_reader_fail(r, sub.error);
	}
	return true;
}

/*
 * Decodes one struct of the given version.  Fields absent from the version
 * hold their defaults.  Returns false with r->error and r->field set.
 */
bool
kp_decode_struct(const KpStructDesc *desc, const KpCodecCtx *ctx,
				 KpReader *r, void *out)
{
	kp_struct_init_defaults(desc, out);
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];
		bool		ok;

		/* tagged fields live in the tagged section (flexible versions only) */
		if (!in_version(f, ctx->version) || f->tag >= 0)
			continue;
		r->field = f->name;
		if (f->type == KP_T_ARRAY)
			ok = decode_array(f, ctx, r, out);
		else
			ok = decode_value(f, f->type, ctx, r, FIELD_PTR(out, f->offset));
		if (!ok)
			return false;
	}
	if (ctx->flexible)
		return decode_tagged(desc, ctx, r, out);
	return true;
}

/* ---------------------------------------------------------------- encoding */

static void
write_length(KpWriter *w, const KpCodecCtx *ctx, bool wide, int32_t len)
{
	if (ctx->flexible)
		kp_write_uvarint(w, (uint32_t) (len + 1));
	else if (wide)
		kp_write_int32(w, len);
	else
		kp_write_int16(w, (int16_t) len);
}

static void
encode_fail(KpWriter *w, const KpFieldDesc *f, const char *error)
{
	if (w->error == NULL)
	{
		w->error = error;
		w->field = f->name;
	}
}

static void
encode_string(const KpFieldDesc *f, const KpCodecCtx *ctx, KpWriter *w, const char *s)
{
	size_t		len;

	/* NULL in a non-nullable string is the schema default "" */
	if (s == NULL && nullable(f, ctx->version))
	{
		write_length(w, ctx, false, -1);
		return;
	}
	len = s != NULL ? strlen(s) : 0;
	if (len > INT16_MAX)
	{
		encode_fail(w, f, "string longer than 32767 bytes");
		return;
	}
	write_length(w, ctx, false, (int32_t) len);
	kp_write_raw(w, s, len);
}

static void
encode_bytes(const KpFieldDesc *f, const KpCodecCtx *ctx, KpWriter *w, const KpBytes *b)
{
	if (b->len < 0 && !nullable(f, ctx->version))
	{
		/* null bytes in a non-nullable field: the default, empty */
		write_length(w, ctx, true, 0);
		return;
	}
	write_length(w, ctx, true, b->len < 0 ? -1 : b->len);
	if (b->len > 0)
		kp_write_raw(w, b->data, (size_t) b->len);
}

/* Like bytes, but the payload may be emitted by the writer's records hook. */
static void
encode_records(const KpFieldDesc *f, const KpCodecCtx *ctx, KpWriter *w, const KpBytes *b)
{
	if (w->records_hook == NULL || b->len <= 0)
	{
		encode_bytes(f, ctx, w, b);
		return;
	}
	write_length(w, ctx, true, b->len);
	w->records_hook(w->records_arg, w, b);
}

static void
encode_array(const KpFieldDesc *f, const KpCodecCtx *ctx, KpWriter *w, const void *base)
{
	int32_t		count = *(const int32_t *) CFIELD_PTR(base, f->count_offset);
	const char *items = *(const char *const *) CFIELD_PTR(base, f->offset);
	size_t		esize = type_size(f->elem_type, f);

	if (count < 0 && !nullable(f, ctx->version))
	{
		encode_fail(w, f, "null array in a non-nullable field");
		return;
	}
	if (count > 0 && items == NULL)
	{
		encode_fail(w, f, "array count set without elements");
		return;
	}
	write_length(w, ctx, true, count < 0 ? -1 : count);
	for (int32_t i = 0; i < count; i++)
		encode_value(f, f->elem_type, ctx, w, items + esize * i);
}

static void
encode_value(const KpFieldDesc *f, KpType type, const KpCodecCtx *ctx,
			 KpWriter *w, const void *src)
{
	switch (type)
	{
		case KP_T_BOOL:
			kp_write_int8(w, *(const bool *) src ? 1 : 0);
			break;
		case KP_T_INT8:
			kp_write_int8(w, *(const int8_t *) src);
			break;
		case KP_T_INT16:
		case KP_T_UINT16:
			kp_write_int16(w, *(const int16_t *) src);
			break;
		case KP_T_INT32:
			kp_write_int32(w, *(const int32_t *) src);
			break;
		case KP_T_INT64:
		case KP_T_FLOAT64:
			kp_write_int64(w, *(const int64_t *) src);
			break;
		case KP_T_UUID:
			kp_write_raw(w, src, 16);
			break;
		case KP_T_STRING:
			encode_string(f, ctx, w, *(char *const *) src);
			break;
		case KP_T_BYTES:
			encode_bytes(f, ctx, w, src);
			break;
		case KP_T_RECORDS:
			encode_records(f, ctx, w, src);
			break;
		case KP_T_STRUCT:
			kp_encode_struct(f->sub, ctx, w, src);
			break;
		case KP_T_ARRAY:
			encode_fail(w, f, "nested array type");
			break;
	}
}

static bool
struct_is_default(const KpStructDesc *desc, const KpCodecCtx *ctx, const void *src)
{
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];

		if (in_version(f, ctx->version) && !field_is_default(f, ctx, src))
			return false;
	}
	return true;
}

/* True when a tagged field holds its default and is therefore omitted. */
static bool
value_is_default(const KpFieldDesc *f, KpType type, const KpCodecCtx *ctx,
				 const void *src)
{
	static const KpUuid zero_uuid;
	bool		can_null = nullable(f, ctx->version);

	switch (type)
	{
		case KP_T_BOOL:
			return (*(const bool *) src ? 1 : 0) == (f->default_value != 0);
		case KP_T_INT8:
			return *(const int8_t *) src == f->default_value;
		case KP_T_INT16:
			return *(const int16_t *) src == f->default_value;
		case KP_T_UINT16:
			return *(const uint16_t *) src == f->default_value;
		case KP_T_INT32:
			return *(const int32_t *) src == f->default_value;
		case KP_T_INT64:
			return *(const int64_t *) src == f->default_value;
		case KP_T_FLOAT64:
			return *(const double *) src == (double) f->default_value;
		case KP_T_UUID:
			return memcmp(src, &zero_uuid, 16) == 0;
		case KP_T_STRING:
			{
				const char *s = *(char *const *) src;

				return s == NULL || (!can_null && s[0] == '\0');
			}
		case KP_T_BYTES:
		case KP_T_RECORDS:
			{
				int32_t		len = ((const KpBytes *) src)->len;

				return len < 0 || (!can_null && len == 0);
			}
		case KP_T_STRUCT:
			return struct_is_default(f->sub, ctx, src);
		case KP_T_ARRAY:
			break;
	}
	return true;
}

static bool
field_is_default(const KpFieldDesc *f, const KpCodecCtx *ctx, const void *base)
{
	if (f->type == KP_T_ARRAY)
	{
		/* the decoder's default for an absent array is empty, never null */
		return *(const int32_t *) CFIELD_PTR(base, f->count_offset) == 0;
	}
	return value_is_default(f, f->type, ctx, CFIELD_PTR(base, f->offset));
}

static void
encode_field(const KpFieldDesc *f, const KpCodecCtx *ctx, KpWriter *w, const void *base)
{
	if (f->type == KP_T_ARRAY)
		encode_array(f, ctx, w, base);
	else
		encode_value(f, f->type, ctx, w, CFIELD_PTR(base, f->offset));
}

/* Writes the tagged-field section: non-default tagged fields by tag order. */
static void
encode_tagged(const KpStructDesc *desc, const KpCodecCtx *ctx, KpWriter *w, const void *in)
{
	const KpFieldDesc *present[64];
	int			n = 0;

	for (int i = 0; i < desc->nfields && n < 64; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];
		int			j;

		if (f->tag < 0 || !in_version(f, ctx->version) || field_is_default(f, ctx, in))
			continue;
		/* insertion sort by tag: schemas list tags in order, so this is cheap */
		for (j = n; j > 0 && present[j - 1]->tag > f->tag; j--)
			present[j] = present[j - 1];
		present[j] = f;
		n++;
	}
	kp_write_uvarint(w, (uint32_t) n);
	for (int i = 0; i < n; i++)
	{
		size_t		start,
					len,
					lensz;

		kp_write_uvarint(w, (uint32_t) present[i]->tag);
		/* encode in place, then slide the value up to insert its size */
		start = w->len;
		encode_field(present[i], ctx, w, in);
		len = w->len - start;
		lensz = kp_uvarint_size((uint32_t) len);
		if (!kp_writer_reserve(w, lensz))
			return;
		memmove(w->data + start + lensz, w->data + start, len);
		w->len = start;
		kp_write_uvarint(w, (uint32_t) len);
		w->len = start + lensz + len;
	}
}

/*
 * Appends one struct in the given version.  Returns false (with w->error and
 * w->field set) if a value cannot be represented in that version.
 */
bool
kp_encode_struct(const KpStructDesc *desc, const KpCodecCtx *ctx,
				 KpWriter *w, const void *in)
{
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];

		if (!in_version(f, ctx->version) || f->tag >= 0)
			continue;
		encode_field(f, ctx, w, in);
	}
	if (ctx->flexible)
		encode_tagged(desc, ctx, w, in);
	return w->error == NULL;
}

/* ----------------------------------------------------------------- headers */

/* The header's client id: a classic nullable string in every header version */
static const KpFieldDesc header_client_id = {
	"client_id", KP_T_STRING, KP_T_STRING, 0, 0, 0, KP_VMAX, 0, KP_NOTAG, 0, NULL
};

/* Reads api key, version and correlation id without consuming anything. */
bool
kp_peek_request_header(const uint8_t *data, size_t len, int16_t *api_key,
					   int16_t *api_version, int32_t *correlation_id)
{
	KpReader	r;

	kp_reader_init(&r, data, len);
	return kp_read_int16(&r, api_key) && kp_read_int16(&r, api_version) &&
		kp_read_int32(&r, correlation_id);
}

/*
 * Decodes a request header of version 0, 1 or 2.  The client id is a
 * classic (non-compact) nullable string even in header v2; v2 adds a tagged
 * field section, none of whose tags we use.
 */
bool
kp_decode_request_header(KpReader *r, int header_version,
						 const KpAllocator *alloc, KpRequestHeader *hdr)
{
	KpCodecCtx	classic = {0, false, alloc};

	hdr->client_id = NULL;
	r->field = "header";
	if (!kp_read_int16(r, &hdr->request_api_key) ||
		!kp_read_int16(r, &hdr->request_api_version) ||
		!kp_read_int32(r, &hdr->correlation_id))
		return false;
	if (header_version >= 1 && !decode_string(&header_client_id, &classic, r, &hdr->client_id))
		return false;
	if (header_version >= 2)
	{
		KpCodecCtx	flex = {0, true, alloc};

		return decode_tagged(NULL, &flex, r, NULL);
	}
	return true;
}

void
kp_encode_request_header(KpWriter *w, int header_version, const KpRequestHeader *hdr)
{
	KpCodecCtx	classic = {0, false, w->alloc};

	kp_write_int16(w, hdr->request_api_key);
	kp_write_int16(w, hdr->request_api_version);
	kp_write_int32(w, hdr->correlation_id);
	if (header_version >= 1)
		encode_string(&header_client_id, &classic, w, hdr->client_id);
	if (header_version >= 2)
		kp_write_uvarint(w, 0);
}

void
kp_encode_response_header(KpWriter *w, int header_version, int32_t correlation_id)
{
	kp_write_int32(w, correlation_id);
	if (header_version >= 1)
		kp_write_uvarint(w, 0);
}
