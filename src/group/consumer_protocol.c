/*-------------------------------------------------------------------------
 *
 * consumer_protocol.c
 *	  Reading the "consumer" embedded protocol: the topics of a member's
 *	  subscription and the partitions of its assignment.
 *
 * The broker only relays these bytes (the assignor runs in the clients),
 * but OffsetDelete needs to know which topics a group consumes and the
 * group_members view shows assignments as jsonb.  Every version starts with
 * the version 0 layout, which is all we read:
 *   Subscription: int16 version, [string topic], bytes user_data, ...
 *   Assignment:   int16 version, [string topic, [int32 partition]], ...
 * Strings are int16-length prefixed, arrays int32-count prefixed, all big
 * endian.  Bytes that do not parse are reported, never trusted.
 *
 * No locks; pure functions over the given bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/json.h"

#include "kafkapg/group/group.h"

typedef struct Cursor
{
	const uint8 *p;
	const uint8 *end;
	bool		bad;
} Cursor;

static int32
take_int(Cursor *c, int width)
{
	uint32		v = 0;

	if (c->bad || c->end - c->p < width)
	{
		c->bad = true;
		return 0;
	}
	for (int i = 0; i < width; i++)
		v = (v << 8) | c->p[i];
	c->p += width;
	return width == 2 ? (int32) (int16) v : (int32) v;
}

/* A string's bytes (not terminated) and length, or NULL. */
static const char *
take_string(Cursor *c, int *len)
{
	int32		n = take_int(c, 2);
	const char *s = (const char *) c->p;

	if (c->bad || n < 0 || c->end - c->p < n)
	{
		c->bad = true;
		return NULL;
	}
	c->p += n;
	*len = n;
	return s;
}

static int32
take_count(Cursor *c)
{
	int32		n = take_int(c, 4);

	if (n < 0 || n > c->end - c->p)
		c->bad = true;
	return c->bad ? 0 : n;
}

/*
 * Does the subscription name 'topic'?  *ok is false if the bytes are not a
 * consumer subscription.
 */
bool
kp_consumer_subscribes(KpBytes metadata, const char *topic, bool *ok)
{
	Cursor		c = {metadata.data, metadata.data + Max(metadata.len, 0), false};
	int32		n;
	bool		found = false;
	size_t		tlen = strlen(topic);

	(void) take_int(&c, 2);
	n = take_count(&c);
	for (int i = 0; i < n && !c.bad; i++)
	{
		int			len;
		const char *s = take_string(&c, &len);

		if (s != NULL && (size_t) len == tlen && memcmp(s, topic, len) == 0)
			found = true;
	}
	*ok = !c.bad;
	return found;
}

/*
 * The assignment as jsonb text {"topic": [partitions...]}, or NULL if the
 * bytes are not a consumer assignment.  An empty assignment is {}.
 */
char *
kp_consumer_assignment_json(KpBytes assignment)
{
	Cursor		c = {assignment.data, assignment.data + Max(assignment.len, 0), false};
	StringInfoData buf;
	int32		ntopics;

	if (assignment.len <= 0)
		return pstrdup("{}");
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	(void) take_int(&c, 2);
	ntopics = take_count(&c);
	for (int i = 0; i < ntopics && !c.bad; i++)
	{
		int			len = 0;
		const char *s = take_string(&c, &len);
		int32		nparts;
		char	   *name;

		if (c.bad)
			break;
		name = pnstrdup(s, len);
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, name);
		appendStringInfoString(&buf, ": [");
		nparts = take_count(&c);
		for (int k = 0; k < nparts && !c.bad; k++)
			appendStringInfo(&buf, "%s%d", k > 0 ? ", " : "", take_int(&c, 4));
		appendStringInfoChar(&buf, ']');
	}
	if (c.bad)
	{
		pfree(buf.data);
		return NULL;
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
