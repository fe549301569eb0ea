/*-------------------------------------------------------------------------
 *
 * compress.h
 *	  Whole-buffer compression and decompression for the codecs of Kafka's
 *	  record formats (the compression bits of batch and message attributes).
 *
 * Decompression accepts what Kafka clients write in practice:
 *	  gzip	  - one or more gzip members (zlib inflate, gzip header only);
 *	  snappy  - a raw snappy block, or the xerial/snappy-java stream framing
 *				(8-byte magic 0x82 "SNAPPY" 0x00, int32 version, int32
 *				compatible version, then [int32 BE length][snappy block]...);
 *	  lz4	  - the LZ4 frame format (one or more frames);
 *	  zstd	  - one or more zstd frames, with or without a content size
 *				(decoded by streaming, never by trusting the header).
 * The output never exceeds max_out bytes: a payload that would inflate
 * beyond it fails cleanly after producing at most max_out + 1 bytes.
 *
 * Compression writes gzip (with gzip header), raw snappy, an LZ4 frame with
 * independent blocks (what Kafka's Java reader requires) and a zstd frame.
 *
 * Output buffers come from the caller's allocator and are never freed here
 * (the server passes an arena).  The compression libraries' own working
 * state is malloc'ed by them and released before every return.  No server
 * calls; failures are a false return plus a static message in *why.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_RECORD_COMPRESS_H
#define KAFKAPG_RECORD_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafkapg/protocol/codec.h"

/* Compression codec ids, as in the low three attribute bits */
#define KP_CODEC_NONE	0
#define KP_CODEC_GZIP	1
#define KP_CODEC_SNAPPY 2
#define KP_CODEC_LZ4	3
#define KP_CODEC_ZSTD	4

/* Name of a codec for messages ("none", "gzip", ...; "unknown" otherwise) */
extern const char *kp_codec_name(int codec);

/*
 * Decompresses a whole payload of the given codec into *out (allocated with
 * alloc, *out_len bytes).  KP_CODEC_NONE copies.  False with *why set on
 * unknown codec, malformed or truncated data, or output over max_out.
 */
extern bool kp_decompress(int codec, const uint8_t *in, size_t in_len,
						  const KpAllocator *alloc, size_t max_out,
						  uint8_t **out, size_t *out_len, const char **why);

/*
 * Compresses a whole payload (gzip with header, raw snappy, LZ4 frame,
 * zstd frame).  KP_CODEC_NONE copies.  False with *why set on failure.
 */
extern bool kp_compress(int codec, const uint8_t *in, size_t in_len,
						const KpAllocator *alloc, uint8_t **out,
						size_t *out_len, const char **why);

#endif							/* KAFKAPG_RECORD_COMPRESS_H */
