/*-------------------------------------------------------------------------
 *
 * vec.c
 *	  Byte-vector helpers for the codec unit tests (see vec.h).
 *
 * Inputs are copied into blocks of exactly their length, so that valgrind
 * reports any read past the end of a vector or of one of its prefixes.
 *
 *-------------------------------------------------------------------------
 */
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
