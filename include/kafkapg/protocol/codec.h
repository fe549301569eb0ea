/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  The Kafka wire codec: a bounds-checked cursor and a schema-driven
 *	  encoder/decoder for every message described in messages.def.
 *
 * The codec is plain C99 and never calls into the PostgreSQL server: memory
 * comes from a caller-supplied allocator (palloc in the broker, malloc in the
 * unit tests), and failures are reported through return values and a static
 * message, never through ereport.  It is therefore unit-tested on its own.
 *
 * A message is a C struct generated from messages.def plus a KpStructDesc
 * describing its fields (type, offset, version range, nullability, tag).  One
 * walker reads and writes every message in every version, including flexible
 * versions (compact strings/arrays/bytes, unsigned varints, tagged fields).
 *
 * Decoded strings are NUL-terminated copies (NULL for a null string); decoded
 * bytes are slices pointing into the input buffer, which must therefore
 * outlive the decoded struct.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_PROTOCOL_CODEC_H
#define KAFKAPG_PROTOCOL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field types of the Kafka schema language */
typedef enum KpType
{
	KP_T_BOOL,
	KP_T_INT8,
	KP_T_INT16,
	KP_T_UINT16,
	KP_T_INT32,
	KP_T_INT64,
	KP_T_FLOAT64,
	KP_T_UUID,
	KP_T_STRING,
	KP_T_BYTES,
	KP_T_RECORDS,				/* nullable bytes holding record batches */
	KP_T_STRUCT,				/* an inline sub-struct */
	KP_T_ARRAY					/* array of structs or of a primitive type */
} KpType;

/* C representations of the variable-length types */
typedef struct KpBytes
{
	const uint8_t *data;		/* points into the request buffer */
	int32_t		len;			/* -1 for null */
} KpBytes;

typedef struct KpUuid
{
	uint8_t		b[16];
} KpUuid;

/* C types used by messages.def for each KpType */
#define KP_CTYPE_BOOL		bool
#define KP_CTYPE_INT8		int8_t
#define KP_CTYPE_INT16		int16_t
#define KP_CTYPE_UINT16		uint16_t
#define KP_CTYPE_INT32		int32_t
#define KP_CTYPE_INT64		int64_t
#define KP_CTYPE_FLOAT64	double
#define KP_CTYPE_UUID		KpUuid
#define KP_CTYPE_STRING		char *
#define KP_CTYPE_BYTES		KpBytes
#define KP_CTYPE_RECORDS	KpBytes

/* Version bounds used in messages.def */
#define KP_VMAX		0x7fff		/* "N+" */
#define KP_NEVER	0x7fff		/* never nullable, or never flexible */
#define KP_NOTAG	(-1)

struct KpStructDesc;

/* One field of a message struct */
typedef struct KpFieldDesc
{
	const char *name;
	KpType		type;
	KpType		elem_type;		/* for KP_T_ARRAY: element type */
	size_t		offset;			/* offset of the value (or array pointer) */
	size_t		count_offset;	/* for KP_T_ARRAY: offset of the int32 count */
	int16_t		min_version;
	int16_t		max_version;
	int16_t		nullable_min;	/* first version allowing null, or KP_NEVER */
	int16_t		tag;			/* tag in flexible versions, or KP_NOTAG */
	int64_t		default_value;	/* for numeric and bool fields */
	const struct KpStructDesc *sub;	/* for struct fields and struct arrays */
} KpFieldDesc;

typedef struct KpStructDesc
{
	const char *name;
	size_t		size;
	const KpFieldDesc *fields;
	int			nfields;
} KpStructDesc;

/* Caller-supplied memory; alloc must return zeroed or be zeroed by caller */
typedef struct KpAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);	/* zeroed memory */
	void	   *(*realloc) (void *ctx, void *ptr, size_t old_size, size_t size);
	void	   *ctx;
} KpAllocator;

/* Bounds-checked input cursor */
typedef struct KpReader
{
	const uint8_t *p;
	const uint8_t *end;
	const char *error;			/* static description of the first failure */
	const char *field;			/* field being decoded when it failed */
} KpReader;

/*
 * Emits the bytes of a RECORDS field after its length prefix has been
 * written.  Lets the broker send record data by reference (sendfile) instead
 * of copying it into the buffer: the hook notes the writer position and the
 * slice, and writes nothing.  When NULL, the bytes are copied.
 */
struct KpWriter;
typedef void (*KpRecordsHook) (void *arg, struct KpWriter *w, const KpBytes *b);

/* Growable output buffer */
typedef struct KpWriter
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	const KpAllocator *alloc;
	const char *error;			/* first failure, or NULL */
	const char *field;
	KpRecordsHook records_hook; /* optional; see KpRecordsHook */
	void	   *records_arg;
} KpWriter;

/* Version context shared by a whole message */
typedef struct KpCodecCtx
{
	int16_t		version;
	bool		flexible;
	const KpAllocator *alloc;
} KpCodecCtx;

/* Request and response headers (RequestHeader v0-v2, ResponseHeader v0-v1) */
typedef struct KpRequestHeader
{
	int16_t		request_api_key;
	int16_t		request_api_version;
	int32_t		correlation_id;
	char	   *client_id;		/* v1+, NULL if null */
} KpRequestHeader;

/* --- cursor primitives (buf.c) --- */
extern void kp_reader_init(KpReader *r, const uint8_t *data, size_t len);
extern bool kp_read_int8(KpReader *r, int8_t *v);
extern bool kp_read_int16(KpReader *r, int16_t *v);
extern bool kp_read_int32(KpReader *r, int32_t *v);
extern bool kp_read_int64(KpReader *r, int64_t *v);
extern bool kp_read_uvarint(KpReader *r, uint32_t *v);
extern bool kp_read_varint(KpReader *r, int32_t *v);
extern bool kp_read_varlong(KpReader *r, int64_t *v);
extern bool kp_read_raw(KpReader *r, size_t n, const uint8_t **out);
extern bool kp_reader_fail(KpReader *r, const char *error);

extern void kp_writer_init(KpWriter *w, const KpAllocator *alloc, size_t initial);
extern bool kp_writer_reserve(KpWriter *w, size_t extra);
extern void kp_write_int8(KpWriter *w, int8_t v);
extern void kp_write_int16(KpWriter *w, int16_t v);
extern void kp_write_int32(KpWriter *w, int32_t v);
extern void kp_write_int64(KpWriter *w, int64_t v);
extern void kp_write_uvarint(KpWriter *w, uint32_t v);
extern void kp_write_varint(KpWriter *w, int32_t v);
extern void kp_write_varlong(KpWriter *w, int64_t v);
extern void kp_write_raw(KpWriter *w, const void *data, size_t n);
extern void kp_put_int32_at(KpWriter *w, size_t pos, int32_t v);
extern size_t kp_uvarint_size(uint32_t v);

/* --- schema walker (codec.c) --- */
extern bool kp_decode_struct(const KpStructDesc *desc, const KpCodecCtx *ctx,
							 KpReader *r, void *out);
extern bool kp_encode_struct(const KpStructDesc *desc, const KpCodecCtx *ctx,
							 KpWriter *w, const void *in);
extern void kp_struct_init_defaults(const KpStructDesc *desc, void *out);

/* --- headers (codec.c) --- */
extern bool kp_peek_request_header(const uint8_t *data, size_t len,
								   int16_t *api_key, int16_t *api_version,
								   int32_t *correlation_id);
extern bool kp_decode_request_header(KpReader *r, int header_version,
									 const KpAllocator *alloc,
									 KpRequestHeader *hdr);
extern void kp_encode_request_header(KpWriter *w, int header_version,
									 const KpRequestHeader *hdr);
extern void kp_encode_response_header(KpWriter *w, int header_version,
									  int32_t correlation_id);

#endif							/* KAFKAPG_PROTOCOL_CODEC_H */
