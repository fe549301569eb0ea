/*-------------------------------------------------------------------------
 *
 * compress.c
 *	  Whole-buffer compression and bounded decompression for Kafka's codecs:
 *	  gzip (zlib), snappy (raw and xerial framing), LZ4 frames, zstd.
 *
 * Decompression writes into one growing output buffer (OutBuf) whose
 * capacity never exceeds max_out + 1 bytes: a decompressor that still wants
 * room once max_out + 1 bytes are out has proved the payload too large, so
 * a decompression bomb costs at most max_out + 1 bytes of memory.  Sizes
 * announced by the data itself (snappy lengths, zstd content sizes) are
 * never trusted beyond that bound.
 *
 * The output buffers come from the caller's allocator and are never freed
 * here (old blocks of a grown buffer are left to the arena).  The codec
 * libraries malloc their own working state; every path below frees it
 * before returning, and nothing here can longjmp.  No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "kafkapg/record/record_int.h"

#define ERR_LIMIT	"decompressed data exceeds the size limit"
#define ERR_NOMEM	"out of memory"

/* Growing output of a decompression, bounded by limit = max_out + 1 */
typedef struct OutBuf
{
	const KpAllocator *alloc;
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	size_t		limit;
} OutBuf;

static bool
fail(const char **why, const char *reason)
{
	*why = reason;
	return false;
}

const char *
kp_codec_name(int codec)
{
	switch (codec)
	{
		case KP_CODEC_NONE:
			return "none";
		case KP_CODEC_GZIP:
			return "gzip";
		case KP_CODEC_SNAPPY:
			return "snappy";
		case KP_CODEC_LZ4:
			return "lz4";
		case KP_CODEC_ZSTD:
			return "zstd";
	}
	return "unknown";
}

/* ------------------------------------------------------------ OutBuf */

static bool
out_init(OutBuf *o, const KpAllocator *alloc, size_t max_out, size_t hint,
		 const char **why)
{
	o->alloc = alloc;
	o->len = 0;
	o->limit = max_out < SIZE_MAX ? max_out + 1 : SIZE_MAX;
	o->cap = hint < 256 ? 256 : hint;
	if (o->cap > o->limit)
		o->cap = o->limit;
	o->data = alloc->alloc(alloc->ctx, o->cap);
	return o->data != NULL || fail(why, ERR_NOMEM);
}

/* Grows the buffer to at least want bytes, never beyond the limit. */
static bool
out_grow(OutBuf *o, size_t want, const char **why)
{
	size_t		newcap = o->cap;
	uint8_t    *p;

	if (want > o->limit)
		return fail(why, ERR_LIMIT);
	while (newcap < want)
		newcap = newcap > o->limit / 2 ? o->limit : newcap * 2;
	p = o->alloc->realloc(o->alloc->ctx, o->data, o->len, newcap);
	if (p == NULL)
		return fail(why, ERR_NOMEM);
	o->data = p;
	o->cap = newcap;
	return true;
}

/* Guarantees some free room (streaming decoders), or fails at the limit. */
static bool
out_room(OutBuf *o, const char **why)
{
	if (o->len < o->cap)
		return true;
	if (o->cap == o->limit)
		return fail(why, ERR_LIMIT);
	return out_grow(o, o->cap + 1, why);
}

/* Guarantees n free bytes (decoders that know their output size). */
static bool
out_reserve(OutBuf *o, size_t n, const char **why)
{
	if (o->len >= o->limit || n > o->limit - 1 - o->len)
		return fail(why, ERR_LIMIT);
	if (o->cap - o->len >= n)
		return true;
	return out_grow(o, o->len + n, why);
}

/* Hands the result over if it stayed within max_out. */
static bool
out_finish(OutBuf *o, uint8_t **out, size_t *out_len, const char **why)
{
	if (o->len > o->limit - 1)
		return fail(why, ERR_LIMIT);
	*out = o->data;
	*out_len = o->len;
	return true;
}

/* --------------------------------------------------------------- gzip */

static bool
inflate_all(z_stream *zs, OutBuf *o, const char **why)
{
	for (;;)
	{
		size_t		room;
		int			rc;

		if (!out_room(o, why))
			return false;
		room = o->cap - o->len < UINT_MAX ? o->cap - o->len : UINT_MAX;
		zs->next_out = o->data + o->len;
		zs->avail_out = (uInt) room;
		rc = inflate(zs, Z_NO_FLUSH);
		o->len += room - zs->avail_out;
		if (rc == Z_STREAM_END && zs->avail_in == 0)
			return true;
		if (rc == Z_STREAM_END)
			rc = inflateReset(zs);	/* another gzip member follows */
		else if (rc == Z_BUF_ERROR && zs->avail_in == 0)
			return fail(why, "gzip data truncated");
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fail(why, "invalid gzip data");
	}
}

static bool
gunzip(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	z_stream	zs;
	bool		ok;

	if (in_len > UINT_MAX)
		return fail(why, "gzip input too large");
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return fail(why, ERR_NOMEM);
	zs.next_in = (Bytef *) in;
	zs.avail_in = (uInt) in_len;
	ok = inflate_all(&zs, o, why);
	inflateEnd(&zs);
	return ok;
}

/* ------------------------------------------------------------- snappy */

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

#define XERIAL_HEADER_SIZE	16	/* magic, int32 version, int32 compatible */

static bool
is_xerial(const uint8_t *in, size_t len)
{
	return len >= XERIAL_HEADER_SIZE && memcmp(in, xerial_magic, 8) == 0;
}

/* Appends one raw snappy block to o. */
static bool
unsnappy_block(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	size_t		n;

	if (snappy_uncompressed_length((const char *) in, in_len, &n) != SNAPPY_OK)
		return fail(why, "invalid snappy data");
	if (!out_reserve(o, n, why))
		return false;
	if (snappy_uncompress((const char *) in, in_len,
						  (char *) o->data + o->len, &n) != SNAPPY_OK)
		return fail(why, "invalid snappy data");
	o->len += n;
	return true;
}

/* snappy-java stream: header, then [int32 length][block]...; headers may repeat. */
static bool
unsnappy_xerial(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	size_t		pos = 0;

	while (pos < in_len)
	{
		int32_t		n;

		if (is_xerial(in + pos, in_len - pos))
		{
			pos += XERIAL_HEADER_SIZE;
			continue;
		}
		if (in_len - pos < 4)
			return fail(why, "xerial snappy block truncated");
		n = (int32_t) kp_get_be32(in + pos);
		pos += 4;
		if (n < 0 || (size_t) n > in_len - pos)
			return fail(why, "xerial snappy block truncated");
		if (!unsnappy_block(o, in + pos, n, why))
			return false;
		pos += n;
	}
	return true;
}

static bool
unsnappy(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	if (is_xerial(in, in_len))
		return unsnappy_xerial(o, in, in_len, why);
	return unsnappy_block(o, in, in_len, why);
}

/* ---------------------------------------------------------------- lz4 */

static bool
lz4_frames(LZ4F_dctx *dctx, OutBuf *o, const uint8_t *in, size_t in_len,
		   const char **why)
{
	size_t		pos = 0;

	for (;;)
	{
		size_t		room,
					dst,
					src = in_len - pos;
		size_t		rc;

		if (!out_room(o, why))
			return false;
		room = dst = o->cap - o->len;
		rc = LZ4F_decompress(dctx, o->data + o->len, &dst, in + pos, &src, NULL);
		if (LZ4F_isError(rc))
			return fail(why, "invalid lz4 data");
		pos += src;
		o->len += dst;
		if (rc == 0 && pos == in_len)
			return true;		/* a frame ended with the input */
		if (rc != 0 && pos == in_len && dst < room)
			return fail(why, "lz4 data truncated");
	}
}

static bool
unlz4(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	LZ4F_dctx  *dctx;
	bool		ok;

	if (in_len == 0)
		return fail(why, "lz4 data truncated");
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return fail(why, ERR_NOMEM);
	ok = lz4_frames(dctx, o, in, in_len, why);
	LZ4F_freeDecompressionContext(dctx);
	return ok;
}

/* --------------------------------------------------------------- zstd */

static bool
zstd_frames(ZSTD_DCtx *dctx, OutBuf *o, const uint8_t *in, size_t in_len,
			const char **why)
{
	ZSTD_inBuffer ib = {in, in_len, 0};

	for (;;)
	{
		ZSTD_outBuffer ob;
		size_t		rc;

		if (!out_room(o, why))
			return false;
		ob.dst = o->data + o->len;
		ob.size = o->cap - o->len;
		ob.pos = 0;
		rc = ZSTD_decompressStream(dctx, &ob, &ib);
		if (ZSTD_isError(rc))
			return fail(why, "invalid zstd data");
		o->len += ob.pos;
		if (rc == 0 && ib.pos == ib.size)
			return true;		/* a frame ended with the input */
		if (rc != 0 && ib.pos == ib.size && ob.pos < ob.size)
			return fail(why, "zstd data truncated");
	}
}

static bool
unzstd(OutBuf *o, const uint8_t *in, size_t in_len, const char **why)
{
	ZSTD_DCtx  *dctx;
	bool		ok;

	if (in_len == 0)
		return fail(why, "zstd data truncated");
	dctx = ZSTD_createDCtx();
	if (dctx == NULL)
		return fail(why, ERR_NOMEM);
	ok = zstd_frames(dctx, o, in, in_len, why);
	ZSTD_freeDCtx(dctx);
	return ok;
}

/* ---------------------------------------------------------- dispatch */

bool
kp_decompress(int codec, const uint8_t *in, size_t in_len,
			  const KpAllocator *alloc, size_t max_out, uint8_t **out,
			  size_t *out_len, const char **why)
{
	OutBuf		o;
	bool		ok;

	if (codec < KP_CODEC_NONE || codec > KP_CODEC_ZSTD)
		return fail(why, "unknown compression codec");
	/* compressed Kafka payloads rarely shrink below a quarter */
	if (!out_init(&o, alloc, max_out, in_len < SIZE_MAX / 4 ? in_len * 4 : in_len, why))
		return false;
	switch (codec)
	{
		case KP_CODEC_GZIP:
			ok = gunzip(&o, in, in_len, why);
			break;
		case KP_CODEC_SNAPPY:
			ok = unsnappy(&o, in, in_len, why);
			break;
		case KP_CODEC_LZ4:
			ok = unlz4(&o, in, in_len, why);
			break;
		case KP_CODEC_ZSTD:
			ok = unzstd(&o, in, in_len, why);
			break;
		default:				/* KP_CODEC_NONE */
			ok = out_reserve(&o, in_len, why);
			if (ok && in_len > 0)
				memcpy(o.data, in, in_len);
			o.len = ok ? in_len : 0;
			break;
	}
	return ok && out_finish(&o, out, out_len, why);
}

/* --------------------------------------------------------- compression */

static bool
gzip_into(uint8_t *dst, size_t *dst_len, const uint8_t *in, size_t in_len,
		  z_stream *zs)
{
	zs->next_in = (Bytef *) in;
	zs->avail_in = (uInt) in_len;
	zs->next_out = dst;
	zs->avail_out = (uInt) (*dst_len);
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return false;
	*dst_len = zs->total_out;
	return true;
}

static bool
pack_gzip(const uint8_t *in, size_t in_len, const KpAllocator *alloc,
		  uint8_t **out, size_t *out_len, const char **why)
{
	z_stream	zs;
	bool		ok;

	if (in_len > UINT_MAX / 2)
		return fail(why, "gzip input too large");
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
		return fail(why, ERR_NOMEM);
	*out_len = deflateBound(&zs, in_len);
	*out = alloc->alloc(alloc->ctx, *out_len);
	ok = *out != NULL && gzip_into(*out, out_len, in, in_len, &zs);
	deflateEnd(&zs);
	return ok || fail(why, "gzip compression failed");
}

static bool
pack_snappy(const uint8_t *in, size_t in_len, const KpAllocator *alloc,
			uint8_t **out, size_t *out_len, const char **why)
{
	*out_len = snappy_max_compressed_length(in_len);
	*out = alloc->alloc(alloc->ctx, *out_len);
	if (*out == NULL)
		return fail(why, ERR_NOMEM);
	if (snappy_compress((const char *) in, in_len, (char *) *out, out_len) != SNAPPY_OK)
		return fail(why, "snappy compression failed");
	return true;
}

static bool
pack_lz4(const uint8_t *in, size_t in_len, const KpAllocator *alloc,
		 uint8_t **out, size_t *out_len, const char **why)
{
	LZ4F_preferences_t prefs;
	size_t		bound,
				n;

	/* Kafka's Java reader rejects dependent (linked) blocks */
	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.blockMode = LZ4F_blockIndependent;
	bound = LZ4F_compressFrameBound(in_len, &prefs);
	*out = alloc->alloc(alloc->ctx, bound);
	if (*out == NULL)
		return fail(why, ERR_NOMEM);
	n = LZ4F_compressFrame(*out, bound, in, in_len, &prefs);
	if (LZ4F_isError(n))
		return fail(why, "lz4 compression failed");
	*out_len = n;
	return true;
}

static bool
pack_zstd(const uint8_t *in, size_t in_len, const KpAllocator *alloc,
		  uint8_t **out, size_t *out_len, const char **why)
{
	size_t		bound = ZSTD_compressBound(in_len);
	size_t		n;

	*out = alloc->alloc(alloc->ctx, bound);
	if (*out == NULL)
		return fail(why, ERR_NOMEM);
	n = ZSTD_compress(*out, bound, in, in_len, ZSTD_CLEVEL_DEFAULT);
	if (ZSTD_isError(n))
		return fail(why, "zstd compression failed");
	*out_len = n;
	return true;
}

static bool
pack_copy(const uint8_t *in, size_t in_len, const KpAllocator *alloc,
		  uint8_t **out, size_t *out_len, const char **why)
{
	*out = alloc->alloc(alloc->ctx, in_len > 0 ? in_len : 1);
	if (*out == NULL)
		return fail(why, ERR_NOMEM);
	if (in_len > 0)
		memcpy(*out, in, in_len);
	*out_len = in_len;
	return true;
}

bool
kp_compress(int codec, const uint8_t *in, size_t in_len,
			const KpAllocator *alloc, uint8_t **out, size_t *out_len,
			const char **why)
{
	switch (codec)
	{
		case KP_CODEC_NONE:
			return pack_copy(in, in_len, alloc, out, out_len, why);
		case KP_CODEC_GZIP:
			return pack_gzip(in, in_len, alloc, out, out_len, why);
		case KP_CODEC_SNAPPY:
			return pack_snappy(in, in_len, alloc, out, out_len, why);
		case KP_CODEC_LZ4:
			return pack_lz4(in, in_len, alloc, out, out_len, why);
		case KP_CODEC_ZSTD:
			return pack_zstd(in, in_len, alloc, out, out_len, why);
	}
	return fail(why, "unknown compression codec");
}
