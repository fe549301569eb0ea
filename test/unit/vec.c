/*-------------------------------------------------------------------------
 *
 * vec.c
 *	  Byte-vector helpers for the codec unit tests, the descriptor-driven
 *	  struct comparison and the per-version suite runner (see vec.h).
 *
 * Inputs are copied into blocks of exactly their length, so that valgrind
 * reports any read past the end of a vector or of one of its prefixes.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vec.h"
#include "kafkapg/protocol/apis.h"

static KpCodecCtx
make_ctx(const KpuMsg *m)
{
	KpCodecCtx	ctx;

	ctx.version = m->version;
	ctx.flexible = m->flexible;
	ctx.alloc = &kpu_allocator;
	return ctx;
}

void *
kpu_decode_vec(const char *file, int line, const KpuMsg *m, const char *hex)
{
	KpCodecCtx	ctx = make_ctx(m);
	size_t		len;
	uint8_t    *buf = kpu_hex(hex, &len);
	void	   *out = kpu_malloc(m->desc->size);
	KpReader	r;

	kp_reader_init(&r, buf, len);
	if (!kpu_check(kp_decode_struct(m->desc, &ctx, &r, out), file, line,
				   "decoding %s v%d failed: %s (field %s)", m->desc->name,
				   m->version, r.error ? r.error : "?",
				   r.field ? r.field : "?"))
		return NULL;
	if (!kpu_check(r.p == r.end, file, line,
				   "decoding %s v%d left %zu of %zu bytes unread",
				   m->desc->name, m->version, (size_t) (r.end - r.p), len))
		return NULL;
	return out;
}

bool
kpu_encode_vec(const char *file, int line, const KpuMsg *m, const void *in,
			   const char *hex)
{
	KpCodecCtx	ctx = make_ctx(m);
	size_t		len;
	uint8_t    *exp = kpu_hex(hex, &len);
	KpWriter	w;
	char		what[128];

	/* start tiny so that every vector also exercises writer growth */
	kp_writer_init(&w, &kpu_allocator, 1);
	if (!kpu_check(kp_encode_struct(m->desc, &ctx, &w, in), file, line,
				   "encoding %s v%d failed: %s (field %s)", m->desc->name,
				   m->version, w.error ? w.error : "?",
				   w.field ? w.field : "?"))
		return false;
	snprintf(what, sizeof(what), "encoded %s v%d", m->desc->name, m->version);
	return kpu_check_bytes(w.data, w.len, exp, len, file, line, what);
}

bool
kpu_prefixes_fail(const char *file, int line, const KpuMsg *m, const char *hex)
{
	KpCodecCtx	ctx = make_ctx(m);
	size_t		len;
	uint8_t    *full = kpu_hex(hex, &len);

	for (size_t n = 0; n < len; n++)
	{
		uint8_t    *prefix = kpu_copy(full, n);
		void	   *out = kpu_malloc(m->desc->size);
		KpReader	r;
		bool		ok;

		kp_reader_init(&r, prefix, n);
		ok = kp_decode_struct(m->desc, &ctx, &r, out);
		if (!kpu_check(!ok && r.error != NULL, file, line,
					   "%s v%d: prefix of %zu of %zu bytes did not fail (%s)",
					   m->desc->name, m->version, n, len,
					   ok ? "decoded" : "no error message"))
			return false;
	}
	return true;
}

void *
kpu_roundtrip(const char *file, int line, const KpuMsg *m, const void *in,
			  const char *hex)
{
	kpu_encode_vec(file, line, m, in, hex);
	kpu_prefixes_fail(file, line, m, hex);
	return kpu_decode_vec(file, line, m, hex);
}

bool
kpu_corrupt_safely(const char *file, int line, const KpuMsg *m, const char *hex)
{
	static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	KpCodecCtx	ctx = make_ctx(m);
	size_t		len;
	uint8_t    *full = kpu_hex(hex, &len);

	for (size_t i = 0; i < len; i++)
	{
		for (size_t k = 0; k < sizeof(values); k++)
		{
			uint8_t    *buf = kpu_copy(full, len);
			void	   *out = kpu_malloc(m->desc->size);
			KpReader	r;
			bool		ok;

			buf[i] = values[k];
			kp_reader_init(&r, buf, len);
			ok = kp_decode_struct(m->desc, &ctx, &r, out);
			if (!kpu_check(ok == (r.error == NULL), file, line,
						   "%s v%d: byte %zu set to %02x: decode returned %d "
						   "with error %s", m->desc->name, m->version, i,
						   values[k], ok, r.error ? r.error : "NULL"))
				return false;
		}
	}
	return true;
}

static bool
error_matches(const char *got, const char *exp)
{
	return exp == NULL || (got != NULL && strcmp(got, exp) == 0);
}

bool
kpu_decode_fails(const char *file, int line, const KpuMsg *m, const char *hex,
				 const char *error, const char *field)
{
	KpCodecCtx	ctx = make_ctx(m);
	size_t		len;
	uint8_t    *buf = kpu_hex(hex, &len);
	void	   *out = kpu_malloc(m->desc->size);
	KpReader	r;

	kp_reader_init(&r, buf, len);
	if (!kpu_check(!kp_decode_struct(m->desc, &ctx, &r, out), file, line,
				   "%s v%d: malformed input decoded successfully",
				   m->desc->name, m->version))
		return false;
	if (!kpu_check(r.error != NULL && error_matches(r.error, error), file, line,
				   "%s v%d: error is \"%s\", expected \"%s\"", m->desc->name,
				   m->version, r.error ? r.error : "NULL", error ? error : "any"))
		return false;
	if (field == NULL)
		return true;
	return kpu_check(r.field != NULL && strcmp(r.field, field) == 0, file, line,
					 "%s v%d: error names field %s, expected %s", m->desc->name,
					 m->version, r.field ? r.field : "NULL", field);
}

bool
kpu_encode_fails(const char *file, int line, const KpuMsg *m, const void *in,
				 const char *error, const char *field)
{
	KpCodecCtx	ctx = make_ctx(m);
	KpWriter	w;

	kp_writer_init(&w, &kpu_allocator, 16);
	if (!kpu_check(!kp_encode_struct(m->desc, &ctx, &w, in), file, line,
				   "%s v%d: unrepresentable value encoded successfully",
				   m->desc->name, m->version))
		return false;
	if (!kpu_check(error_matches(w.error, error), file, line,
				   "%s v%d: error is \"%s\", expected \"%s\"", m->desc->name,
				   m->version, w.error ? w.error : "NULL", error ? error : "any"))
		return false;
	if (field == NULL)
		return true;
	return kpu_check(w.field != NULL && strcmp(w.field, field) == 0, file, line,
					 "%s v%d: error names field %s, expected %s", m->desc->name,
					 m->version, w.field ? w.field : "NULL", field);
}

bool
kpu_check_kpbytes(const char *file, int line, const KpBytes *got,
				  const KpBytes *exp)
{
	if (!kpu_check_int(got->len, exp->len, file, line, "bytes length",
					   "expected length"))
		return false;
	if (got->len <= 0)
		return true;
	return kpu_check_bytes(got->data, (size_t) got->len, exp->data,
						   (size_t) exp->len, file, line, "bytes");
}

bool
kpu_check_uuid(const char *file, int line, const KpUuid *got, const KpUuid *exp)
{
	return kpu_check_bytes(got->b, 16, exp->b, 16, file, line, "uuid");
}

bool
kpu_check_api(const char *file, int line, const KpuApi *exp)
{
	const KpApiSchema *api = kp_api_schema(exp->api_key);
	bool		ok = true;

	if (!kpu_check(api != NULL, file, line, "API key %d is not in apis.c",
				   exp->api_key))
		return false;
	ok &= kpu_check_str(api->name, exp->name, file, line, "api->name");
	ok &= kpu_check_str(kp_api_name(exp->api_key), exp->name, file, line,
						"kp_api_name()");
	ok &= kpu_check_int(api->min_version, exp->min_version, file, line,
						"api->min_version", "expected");
	ok &= kpu_check_int(api->max_version, exp->max_version, file, line,
						"api->max_version", "expected");
	ok &= kpu_check_int(api->flexible_min, exp->flexible_min, file, line,
						"api->flexible_min", "expected");
	ok &= kpu_check(api->request == exp->request, file, line,
					"%s: wrong request descriptor", exp->name);
	ok &= kpu_check(api->response == exp->response, file, line,
					"%s: wrong response descriptor", exp->name);
	for (int16_t v = exp->min_version; v <= exp->max_version; v++)
	{
		bool		flex = v >= exp->flexible_min;

		ok &= kpu_check(kp_api_is_flexible(api, v) == flex, file, line,
						"%s v%d: flexible should be %d", exp->name, v, flex);
		ok &= kpu_check(kp_request_header_version(api, v) == (flex ? 2 : 1),
						file, line, "%s v%d: wrong request header version",
						exp->name, v);
		ok &= kpu_check(kp_response_header_version(api, v) == (flex ? 1 : 0),
						file, line, "%s v%d: wrong response header version",
						exp->name, v);
	}
	return ok;
}

/* ---------------------------------------------- struct comparison */

static bool check_fields(const char *file, int line, const KpuMsg *m,
						 const KpStructDesc *desc, const void *got,
						 const void *exp, const char *path);

/* A field's path for failure messages; a truncated one only reads shorter. */
static void path_printf(char *dst, size_t size, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void
path_printf(char *dst, size_t size, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

static bool
field_present(const KpuMsg *m, const KpFieldDesc *f)
{
	return m->version >= f->min_version && m->version <= f->max_version &&
		(f->tag < 0 || m->flexible);
}

/* Size of one array element, by element type (structs: their size) */
static const size_t scalar_sizes[] = {
	[KP_T_BOOL] = sizeof(bool),
	[KP_T_INT8] = sizeof(int8_t),
	[KP_T_INT16] = sizeof(int16_t),
	[KP_T_UINT16] = sizeof(uint16_t),
	[KP_T_INT32] = sizeof(int32_t),
	[KP_T_INT64] = sizeof(int64_t),
	[KP_T_FLOAT64] = sizeof(double),
	[KP_T_UUID] = sizeof(KpUuid),
	[KP_T_STRING] = sizeof(char *),
	[KP_T_BYTES] = sizeof(KpBytes),
	[KP_T_RECORDS] = sizeof(KpBytes),
};

static int64_t
int_value(KpType type, const void *p)
{
	switch (type)
	{
		case KP_T_BOOL:
			return *(const bool *) p;
		case KP_T_INT8:
			return *(const int8_t *) p;
		case KP_T_INT16:
			return *(const int16_t *) p;
		case KP_T_UINT16:
			return *(const uint16_t *) p;
		case KP_T_INT32:
			return *(const int32_t *) p;
		default:
			/* INT64, and FLOAT64 compared by its bit pattern */
			return *(const int64_t *) p;
	}
}

static bool
check_value(const char *file, int line, const KpuMsg *m, const KpFieldDesc *f,
			KpType type, const void *got, const void *exp, const char *path)
{
	const KpBytes *gb = got;
	const KpBytes *eb = exp;

	switch (type)
	{
		case KP_T_STRING:
			return kpu_check_str(*(char *const *) got, *(char *const *) exp,
								 file, line, path);
		case KP_T_UUID:
			return kpu_check_bytes(got, 16, exp, 16, file, line, path);
		case KP_T_BYTES:
		case KP_T_RECORDS:
			if (!kpu_check_int(gb->len, eb->len, file, line, path,
							   "expected length"))
				return false;
			return gb->len <= 0 ||
				kpu_check_bytes(gb->data, (size_t) gb->len, eb->data,
								(size_t) eb->len, file, line, path);
		case KP_T_STRUCT:
			return check_fields(file, line, m, f->sub, got, exp, path);
		default:
			return kpu_check_int(int_value(type, got), int_value(type, exp),
								 file, line, path, "expected");
	}
}

static bool
check_array(const char *file, int line, const KpuMsg *m, const KpFieldDesc *f,
			const void *got, const void *exp, const char *path)
{
	int32_t		count = *(const int32_t *) ((const char *) exp + f->count_offset);
	const char *gi = *(const char *const *) ((const char *) got + f->offset);
	const char *ei = *(const char *const *) ((const char *) exp + f->offset);
	size_t		size = f->elem_type == KP_T_STRUCT ? f->sub->size :
		scalar_sizes[f->elem_type];
	bool		ok = true;
	char		elem[256];

	if (!kpu_check_int(*(const int32_t *) ((const char *) got + f->count_offset),
					   count, file, line, path, "expected count"))
		return false;
	for (int32_t i = 0; i < count; i++)
	{
		path_printf(elem, sizeof(elem), "%s[%d]", path, i);
		ok &= check_value(file, line, m, f, f->elem_type, gi + size * i,
						  ei + size * i, elem);
	}
	return ok;
}

/* Fields absent from the version are compared with a defaults struct. */
static bool
check_fields(const char *file, int line, const KpuMsg *m,
			 const KpStructDesc *desc, const void *got, const void *exp,
			 const char *path)
{
	void	   *defaults = kpu_malloc(desc->size);
	bool		ok = true;
	char		sub[256];

	kp_struct_init_defaults(desc, defaults);
	for (int i = 0; i < desc->nfields; i++)
	{
		const KpFieldDesc *f = &desc->fields[i];
		const void *e = field_present(m, f) ? exp : defaults;

		path_printf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->name);
		if (f->type == KP_T_ARRAY)
			ok &= check_array(file, line, m, f, got, e, sub);
		else
			ok &= check_value(file, line, m, f, f->type,
							  (const char *) got + f->offset,
							  (const char *) e + f->offset, sub);
	}
	return ok;
}

bool
kpu_check_struct(const char *file, int line, const KpuMsg *m, const void *got,
				 const void *exp)
{
	return check_fields(file, line, m, m->desc, got, exp, "");
}

/* ---------------------------------------------- version suites */

KpuMsg
kpu_versions_msg(const KpuVersions *s, int16_t v)
{
	KpuMsg		m = {s->desc, v, v >= s->flexible_min};

	return m;
}

/* A copy of s's canonical struct to modify, freed after the test. */
void *
kpu_versions_canonical(const KpuVersions *s)
{
	void	   *msg = kpu_malloc(s->desc->size);

	memcpy(msg, s->canonical, s->desc->size);
	return msg;
}

bool
kpu_versions_roundtrip(const char *file, int line, const KpuVersions *s)
{
	long		before = kpu_failures();

	if (!kpu_check(s->max_version <= KPU_MAX_VERSION, file, line,
				   "%s: raise KPU_MAX_VERSION", s->desc->name))
		return false;
	for (int16_t v = s->min_version; v <= s->max_version; v++)
	{
		KpuMsg		m = kpu_versions_msg(s, v);
		void	   *in = kpu_versions_canonical(s);
		long		at_version = kpu_failures();
		void	   *d;

		if (!kpu_check(s->vectors[v] != NULL, file, line,
					   "%s: no vector for v%d", s->desc->name, v))
			continue;
		d = kpu_roundtrip(file, line, &m, in, s->vectors[v]);
		if (d != NULL)
		{
			kpu_check_struct(file, line, &m, d, in);
			/* and the decoded struct encodes back to the same bytes */
			kpu_encode_vec(file, line, &m, d, s->vectors[v]);
		}
		kpu_check(kpu_failures() == at_version, file, line,
				  "(the failures above are in %s v%d)", s->desc->name, v);
	}
	return kpu_failures() == before;
}

bool
kpu_versions_corrupt(const char *file, int line, const KpuVersions *s)
{
	bool		ok = true;

	for (int16_t v = s->min_version; v <= s->max_version; v++)
	{
		KpuMsg		m = kpu_versions_msg(s, v);

		if (s->vectors[v] != NULL)
			ok &= kpu_corrupt_safely(file, line, &m, s->vectors[v]);
	}
	return ok;
}

bool
kpu_versions_tags_skipped(const char *file, int line, const KpuVersions *s,
						  int16_t v, const char *hex)
{
	KpuMsg		m = kpu_versions_msg(s, v);
	void	   *d = kpu_decode_vec(file, line, &m, hex);
	bool		ok = d != NULL;

	if (ok)
	{
		ok &= kpu_check_struct(file, line, &m, d, s->canonical);
		ok &= kpu_encode_vec(file, line, &m, d, s->vectors[v]);
	}
	ok &= kpu_prefixes_fail(file, line, &m, hex);
	ok &= kpu_corrupt_safely(file, line, &m, hex);
	return ok;
}
