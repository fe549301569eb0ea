/*-------------------------------------------------------------------------
 *
 * messages.h
 *	  C structs for every Kafka message, generated from messages.def, and
 *	  the descriptors (messages.c) the codec walks to read and write them.
 *
 * A struct KpFoo has one member per field of Foo in any version; members
 * absent from the version being decoded hold the schema default.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_PROTOCOL_MESSAGES_H
#define KAFKAPG_PROTOCOL_MESSAGES_H

#include "kafkapg/protocol/codec.h"

/* Pass 1: forward typedefs so structs may point to each other */
#define KP_STRUCT_BEGIN(S)	typedef struct Kp##S Kp##S;
#define KP_FIELD(S, f, T, lo, hi, nul, tag, def)
#define KP_ARRAY(S, f, E, lo, hi, nul, tag)
#define KP_PARRAY(S, f, T, lo, hi, nul, tag)
#define KP_SUB(S, f, Sub, lo, hi, tag)
#define KP_STRUCT_END(S)
#include "kafkapg/protocol/messages.def"
#undef KP_STRUCT_BEGIN
#undef KP_FIELD
#undef KP_ARRAY
#undef KP_PARRAY
#undef KP_SUB
#undef KP_STRUCT_END

/* Pass 2: the struct bodies */
#define KP_STRUCT_BEGIN(S)	struct Kp##S {
#define KP_FIELD(S, f, T, lo, hi, nul, tag, def)	KP_CTYPE_##T f;
#define KP_ARRAY(S, f, E, lo, hi, nul, tag)	int32_t f##_count; Kp##E *f;
#define KP_PARRAY(S, f, T, lo, hi, nul, tag)	int32_t f##_count; KP_CTYPE_##T *f;
#define KP_SUB(S, f, Sub, lo, hi, tag)	Kp##Sub f;
#define KP_STRUCT_END(S)	};
#include "kafkapg/protocol/messages.def"
#undef KP_STRUCT_BEGIN
#undef KP_FIELD
#undef KP_ARRAY
#undef KP_PARRAY
#undef KP_SUB
#undef KP_STRUCT_END

/* Pass 3: descriptor declarations */
#define KP_STRUCT_BEGIN(S)	extern const KpStructDesc kp_desc_##S;
#define KP_FIELD(S, f, T, lo, hi, nul, tag, def)
#define KP_ARRAY(S, f, E, lo, hi, nul, tag)
#define KP_PARRAY(S, f, T, lo, hi, nul, tag)
#define KP_SUB(S, f, Sub, lo, hi, tag)
#define KP_STRUCT_END(S)
#include "kafkapg/protocol/messages.def"
#undef KP_STRUCT_BEGIN
#undef KP_FIELD
#undef KP_ARRAY
#undef KP_PARRAY
#undef KP_SUB
#undef KP_STRUCT_END

#endif							/* KAFKAPG_PROTOCOL_MESSAGES_H */
