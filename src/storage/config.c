/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Topic configuration: Kafka's topic config names, their types, ranges
 *	  and defaults, and the subset the log enforces.
 *
 * Validation is shared by CreateTopics and kafkapg.create_topic(), so both
 * accept and reject exactly the same configurations.  Keys the broker
 * stores but does not act on yet are validated all the same (README: known
 * limits).  Pure functions; no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "kafkapg/storage/storage.h"

typedef enum KpConfType
{
	KP_CONF_LONG,
	KP_CONF_INT,
	KP_CONF_BOOL,
	KP_CONF_DOUBLE,
	KP_CONF_ENUM,				/* one of a list */
	KP_CONF_LIST,				/* comma-separated subset of a list */
	KP_CONF_STRING
} KpConfType;

typedef struct KpConfKey
{
	const char *name;
	KpConfType	type;
	int64		min;
	int64		max;
	const char *choices;		/* "a|b|c" for ENUM and LIST */
	size_t		field;			/* offset in KpTopicConfig, or -1 if stored only */
} KpConfKey;

#define STORED_ONLY ((size_t) -1)
#define F(member) offsetof(KpTopicConfig, member)

static const KpConfKey conf_keys[] = {
	{"cleanup.policy", KP_CONF_LIST, 0, 0, "delete|compact", STORED_ONLY},
	{"compression.type", KP_CONF_ENUM, 0, 0, "uncompressed|zstd|lz4|snappy|gzip|producer", STORED_ONLY},
	{"delete.retention.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"file.delete.delay.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"flush.messages", KP_CONF_LONG, 1, PG_INT64_MAX, NULL, STORED_ONLY},
	{"flush.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"index.interval.bytes", KP_CONF_INT, 0, PG_INT32_MAX, NULL, F(index_interval_bytes)},
	{"max.compaction.lag.ms", KP_CONF_LONG, 1, PG_INT64_MAX, NULL, STORED_ONLY},
	{"max.message.bytes", KP_CONF_INT, 0, PG_INT32_MAX, NULL, F(max_message_bytes)},
	{"message.downconversion.enable", KP_CONF_BOOL, 0, 0, NULL, STORED_ONLY},
	{"message.format.version", KP_CONF_STRING, 0, 0, NULL, STORED_ONLY},
	{"message.timestamp.after.max.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"message.timestamp.before.max.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"message.timestamp.difference.max.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, F(timestamp_diff_max_ms)},
	{"message.timestamp.type", KP_CONF_ENUM, 0, 0, "CreateTime|LogAppendTime", F(log_append_time)},
	{"min.cleanable.dirty.ratio", KP_CONF_DOUBLE, 0, 1, NULL, STORED_ONLY},
	{"min.compaction.lag.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"min.insync.replicas", KP_CONF_INT, 1, PG_INT32_MAX, NULL, STORED_ONLY},
	{"preallocate", KP_CONF_BOOL, 0, 0, NULL, STORED_ONLY},
	{"retention.bytes", KP_CONF_LONG, PG_INT64_MIN, PG_INT64_MAX, NULL, F(retention_bytes)},
	{"retention.ms", KP_CONF_LONG, -1, PG_INT64_MAX, NULL, F(retention_ms)},
	{"segment.bytes", KP_CONF_INT, 14, PG_INT32_MAX, NULL, F(segment_bytes)},
	{"segment.index.bytes", KP_CONF_INT, 4, PG_INT32_MAX, NULL, STORED_ONLY},
	{"segment.jitter.ms", KP_CONF_LONG, 0, PG_INT64_MAX, NULL, STORED_ONLY},
	{"segment.ms", KP_CONF_LONG, 1, PG_INT64_MAX, NULL, F(segment_ms)},
	{"unclean.leader.election.enable", KP_CONF_BOOL, 0, 0, NULL, STORED_ONLY},
};

/* Kafka's defaults for the enforced keys */
void
kp_topic_config_defaults(KpTopicConfig *c)
{
	memset(c, 0, sizeof(KpTopicConfig));
	c->segment_bytes = 1073741824;
	c->segment_ms = 604800000;
	c->max_message_bytes = 1048588;
	c->log_append_time = false;
	c->timestamp_diff_max_ms = PG_INT64_MAX;
	c->index_interval_bytes = 4096;
	c->retention_ms = 604800000;
	c->retention_bytes = -1;
}

static const KpConfKey *
find_key(const char *key)
{
	for (int i = 0; i < lengthof(conf_keys); i++)
	{
		if (strcmp(conf_keys[i].name, key) == 0)
			return &conf_keys[i];
	}
	return NULL;
}

bool
kp_topic_config_known(const char *key)
{
	return find_key(key) != NULL;
}

/* Is word (of length len) one of the '|'-separated choices? */
static bool
in_choices(const char *choices, const char *word, size_t len)
{
	const char *p = choices;

	while (*p)
	{
		const char *bar = strchr(p, '|');
		size_t		n = bar ? (size_t) (bar - p) : strlen(p);

		if (n == len && strncmp(p, word, len) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

static bool
parse_list(const KpConfKey *k, const char *value)
{
	const char *p = value;

	for (;;)
	{
		const char *comma = strchr(p, ',');
		size_t		n = comma ? (size_t) (comma - p) : strlen(p);

		while (n > 0 && *p == ' ')
			p++, n--;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (!in_choices(k->choices, p, n))
			return false;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

static bool
parse_integer(const KpConfKey *k, const char *value, int64 *out)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max)
		return false;
	*out = v;
	return true;
}

static void
store(const KpConfKey *k, KpTopicConfig *c, int64 v)
{
	char	   *dst = (char *) c + k->field;

	if (k->field == STORED_ONLY)
		return;
	if (k->type == KP_CONF_INT)
		*(int32 *) dst = (int32) v;
	else if (k->type == KP_CONF_ENUM)
		*(bool *) dst = v != 0;
	else
		*(int64 *) dst = v;
}

/*
 * Validates one key=value pair as Kafka would and applies it to c.  On
 * failure returns false with a static reason in *err (INVALID_CONFIG).
 */
bool
kp_topic_config_set(KpTopicConfig *c, const char *key, const char *value,
					const char **err)
{
	const KpConfKey *k = find_key(key);
	int64		v = 0;

	if (k == NULL)
		return (*err = "unknown topic configuration key"), false;
	switch (k->type)
	{
		case KP_CONF_LONG:
		case KP_CONF_INT:
			if (!parse_integer(k, value, &v))
				return (*err = "value is not an integer in the allowed range"), false;
			break;
		case KP_CONF_BOOL:
			if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
				return (*err = "value must be true or false"), false;
			break;
		case KP_CONF_DOUBLE:
			{
				char	   *end;
				double		d = strtod(value, &end);

				if (end == value || *end != '\0' || isnan(d) || d < k->min || d > k->max)
					return (*err = "value is not a number in the allowed range"), false;
				break;
			}
		case KP_CONF_ENUM:
			if (!in_choices(k->choices, value, strlen(value)))
				return (*err = "value is not one of the allowed values"), false;
			/* the only enforced enum: LogAppendTime is the second choice */
			v = strcmp(value, "LogAppendTime") == 0;
			break;
		case KP_CONF_LIST:
			if (!parse_list(k, value))
				return (*err = "value is not a list of allowed values"), false;
			break;
		case KP_CONF_STRING:
			break;
	}
	store(k, c, v);
	return true;
}
