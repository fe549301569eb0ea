/*-------------------------------------------------------------------------
 *
 * topics.c
 *	  SQL functions on topics: create_topic, delete_topic, partition_state
 *	  (behind the kafkapg.partitions view) and read.
 *
 * DDL runs through catalog/topics.c, the same code the protocol uses, in
 * the caller's transaction.  partition_state reads shared memory under
 * each partition's spinlock only; read goes through the storage API and
 * never returns records at or past the high watermark.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "kafkapg/catalog/topics.h"
#include "kafkapg/functions/functions.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/record/batch.h"
#include "kafkapg/storage/storage.h"

PG_FUNCTION_INFO_V1(kp_sql_create_topic);
PG_FUNCTION_INFO_V1(kp_sql_delete_topic);
PG_FUNCTION_INFO_V1(kp_sql_partition_state);
PG_FUNCTION_INFO_V1(kp_sql_read);

#define KP_SQL_READ_CHUNK (1024 * 1024)

static void
require_args(FunctionCallInfo fcinfo, int n, const char *const *names)
{
	for (int i = 0; i < n; i++)
	{
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", names[i])));
	}
}

/* Turns a jsonb object into parallel key/value string arrays. */
static int
config_pairs(Jsonb *jb, const char ***keys, const char ***values)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0,
				cap;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("topic configuration must be a JSON object"),
				 errhint("For example '{\"retention.ms\": \"86400000\"}'.")));
	cap = Max(JB_ROOT_COUNT(jb), 1);
	*keys = palloc(sizeof(char *) * cap);
	*values = palloc(sizeof(char *) * cap);
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			char	   *val;

			if (v.type == jbvString)
				val = pnstrdup(v.val.string.val, v.val.string.len);
			else if (v.type == jbvNumeric)
				val = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
			else if (v.type == jbvBool)
				val = pstrdup(v.val.boolean ? "true" : "false");
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value of topic configuration \"%s\" must be a string, number or boolean", key)));
			(*keys)[n] = key;
			(*values)[n] = val;
			n++;
		}
	}
	return n;
}

/* Reports a failed check as PostgreSQL users expect. */
static void
report_verdict(const KpTopicSpec *spec, const KpTopicVerdict *v)
{
	switch (v->error_code)
	{
		case KP_ERR_INVALID_TOPIC_EXCEPTION:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("invalid topic name \"%s\"", spec->name),
					 errdetail("%s", v->message),
					 errhint("Topic names are 1 to 249 characters from ASCII letters, digits, '.', '_' and '-'.")));
			break;
		case KP_ERR_INVALID_PARTITIONS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid number of partitions: %d", spec->partitions),
					 errdetail("%s", v->message)));
			break;
		case KP_ERR_INVALID_CONFIG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid topic configuration"),
					 errdetail("%s", v->message),
					 errhint("Keys and values are Kafka's topic configurations, e.g. {\"segment.bytes\": \"1048576\"}; the README lists them.")));
			break;
		case KP_ERR_TOPIC_ALREADY_EXISTS:
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("topic \"%s\" already exists", spec->name),
					 errhint("Choose another name, or delete the topic first with kafkapg.delete_topic().")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not create topic \"%s\": %s", spec->name,
							v->message ? v->message : "unknown error")));
	}
}

Datum
kp_sql_create_topic(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"topic", "partitions", "config"};
	KpTopicSpec spec = {0};
	KpTopicVerdict v;
	KpUuid		id;
	pg_uuid_t  *out = palloc(sizeof(pg_uuid_t));

	require_args(fcinfo, 3, names);
	kp_topics_ensure_loaded();
	spec.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	spec.partitions = PG_GETARG_INT32(1);
	spec.nconfigs = config_pairs(PG_GETARG_JSONB_P(2), &spec.keys, &spec.values);
	if (!kp_topic_check(&spec, &v))
		report_verdict(&spec, &v);
	kp_topic_create(&spec, &id);
	memcpy(out->data, id.b, UUID_LEN);
	PG_RETURN_UUID_P(out);
}

static void
lookup_or_error(const char *name, KpTopicInfo *t)
{
	if (!kp_topic_lookup(name, t))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("topic \"%s\" does not exist", name),
				 errhint("The view kafkapg.topics lists the existing topics.")));
}

Datum
kp_sql_delete_topic(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"topic"};
	KpTopicInfo t;

	require_args(fcinfo, 1, names);
	kp_topics_ensure_loaded();
	lookup_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)), &t);
	kp_topic_delete(&t);
	PG_RETURN_VOID();
}

static void
emit_partition(ReturnSetInfo *rsinfo, const KpTopicInfo *t, int32 i)
{
	KpPartitionSnap s;
	Datum		values[10];
	bool		nulls[10] = {0};

	kp_partition_snapshot(t->first_slot + i, &s);
	values[0] = CStringGetTextDatum(t->name);
	values[1] = Int32GetDatum(i);
	values[2] = Int64GetDatum(s.log_start_offset);
	values[3] = Int64GetDatum(s.high_watermark);
	values[4] = Int64GetDatum(s.last_stable_offset);
	values[5] = Int64GetDatum(s.size_bytes);
	values[6] = Int32GetDatum(s.segments);
	values[7] = TimestampTzGetDatum(s.last_append_at);
	nulls[7] = s.last_append_at == 0;
	values[8] = Int64GetDatum(s.log_end_offset);
	values[9] = Int32GetDatum(s.leader_epoch);
	/* 0.2.0 declared the first eight columns: the server may be mid-upgrade */
	Assert(rsinfo->setDesc->natts == 8 || rsinfo->setDesc->natts == 10);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
kp_sql_partition_state(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KpTopicInfo *topics;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	kp_topics_ensure_loaded();
	n = kp_topic_list(&topics);
	for (int i = 0; i < n; i++)
	{
		for (int32 p = 0; p < topics[i].partitions; p++)
			emit_partition(rsinfo, &topics[i], p);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------------ read */

static void
append_json_bytes(StringInfo buf, const char *field, const KpBytes *b)
{
	escape_json(buf, field);
	appendStringInfoString(buf, ": ");
	if (b->len < 0)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	if (memchr(b->data, '\0', b->len) == NULL &&
		pg_verify_mbstr(GetDatabaseEncoding(), (const char *) b->data, b->len, true))
	{
		escape_json(buf, pnstrdup((const char *) b->data, b->len));
		return;
	}
	{
		int			cap = pg_b64_enc_len(b->len) + 1;
		char	   *enc = palloc(cap);
		int			n = pg_b64_encode((const char *) b->data, b->len, enc, cap);

		enc[Max(n, 0)] = '\0';
		appendStringInfo(buf, "{\"base64\": \"%s\"}", enc);
	}
}

/* Record headers as a jsonb array of {"key": ..., "value": ...}. */
static Datum
headers_jsonb(KpRecord *rec)
{
	StringInfoData buf;
	KpBytes		k,
				v;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	while (kp_record_header_next(&rec->headers, &k, &v) == 1)
	{
		appendStringInfoString(&buf, first ? "{" : ", {");
		append_json_bytes(&buf, "key", &k);
		appendStringInfoString(&buf, ", ");
		append_json_bytes(&buf, "value", &v);
		appendStringInfoChar(&buf, '}');
		first = false;
	}
	appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

static Datum
bytes_datum(const KpBytes *b, bool *isnull)
{
	bytea	   *r;

	*isnull = b->len < 0;
	if (*isnull)
		return (Datum) 0;
	r = palloc(VARHDRSZ + b->len);
	SET_VARSIZE(r, VARHDRSZ + b->len);
	memcpy(VARDATA(r), b->data, b->len);
	return PointerGetDatum(r);
}

static void
emit_record(ReturnSetInfo *rsinfo, int32 partition, KpRecord *rec)
{
	Datum		values[6];
	bool		nulls[6] = {0};

	values[0] = Int32GetDatum(partition);
	values[1] = Int64GetDatum(rec->offset);
	values[2] = TimestampTzGetDatum(kp_ms_to_timestamptz(rec->timestamp));
	nulls[2] = rec->timestamp < 0;
	values[3] = bytes_datum(&rec->key, &nulls[3]);
	values[4] = bytes_datum(&rec->value, &nulls[4]);
	values[5] = headers_jsonb(rec);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Emits the records of one batch in [from, upper); returns how many, and
 * sets *next past the last one emitted.
 */
static int
emit_batch(ReturnSetInfo *rsinfo, int32 partition, const uint8 *batch, size_t len,
		   int64 from, int64 upper, int limit, int64 *next)
{
	KpRecordIter it;
	KpRecord	rec;
	const char *why;
	int			n = 0,
				rc;

	if (!kp_record_iter_init(&it, batch, len, kp_palloc_allocator(),
							 (size_t) MaxAllocHugeSize, &why))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not read a record batch of partition %d: %s", partition, why)));
	while (n < limit && (rc = kp_record_iter_next(&it, &rec, &why)) == 1)
	{
		if (rec.offset >= upper)
			break;
		if (rec.offset < from)
			continue;
		emit_record(rsinfo, partition, &rec);
		*next = rec.offset + 1;
		n++;
	}
	if (n < limit && rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not read a record of partition %d: %s", partition, why)));
	return n;
}

/*
 * Reads one chunk of the log at *offset and emits up to 'limit' records;
 * advances *offset past what was read: past each whole batch, or just past
 * the last record emitted when the limit stops inside a batch (so that
 * kafkapg.consume() commits exactly what it returned).  Returns records
 * emitted, or -1 when there is nothing more to read.
 */
int
kp_sql_read_chunk(ReturnSetInfo *rsinfo, const KpTopicInfo *t, int32 partition, int64 *offset,
				  int limit)
{
	KpPartitionSnap snap;
	KpFileSlice slice;
	uint8	   *buf;
	size_t		pos = 0;
	int			n = 0;

	if (kp_log_read(t, partition, *offset, KP_SQL_READ_CHUNK, false, true, &snap, &slice) != KP_READ_OK ||
		slice.len == 0)
		return -1;
	buf = palloc(slice.len);
	if (!kp_pread_file(&slice, buf))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read partition %d of topic \"%s\": %m", partition, t->name)));
	while (n < limit && pos + KP_BATCH_HEADER_SIZE <= (size_t) slice.len)
	{
		KpBatchHeader h;
		int64		total = kp_batch_total_size(buf + pos, slice.len - pos);
		int64		batch_end;
		int64		next = *offset;

		if (total < KP_BATCH_HEADER_SIZE || pos + total > (size_t) slice.len ||
			!kp_batch_read_header(buf + pos, total, &h))
			break;
		batch_end = h.base_offset + h.last_offset_delta + 1;

		if (!(h.attributes & KP_ATTR_CONTROL))
		{
			int			want = limit - n;
			int			got = emit_batch(rsinfo, partition, buf + pos, total, *offset,
										 snap.high_watermark, want, &next);

			n += got;
			if (got == want && next < batch_end)
			{
				*offset = Max(*offset, next);	/* stopped inside the batch */
				break;
			}
		}
		*offset = Max(*offset, batch_end);
		pos += total;
	}
	pfree(buf);
	return pos == 0 && n == 0 ? -1 : n;
}

Datum
kp_sql_read(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"topic", "partition", "from_offset", "max_records"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KpTopicInfo t;
	int32		partition;
	int64		offset;
	int			limit,
				done = 0;

	require_args(fcinfo, 4, names);
	InitMaterializedSRF(fcinfo, 0);
	kp_topics_ensure_loaded();
	lookup_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)), &t);
	partition = PG_GETARG_INT32(1);
	offset = PG_GETARG_INT64(2);
	limit = PG_GETARG_INT32(3);
	if (partition < 0 || partition >= t.partitions)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("partition %d of topic \"%s\" does not exist", partition, t.name),
				 errdetail("The topic has %d partitions, numbered from 0.", t.partitions)));
	if (offset < 0 || limit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_offset and max_records must not be negative")));
	{
		KpPartitionSnap snap;

		kp_partition_snapshot(t.first_slot + partition, &snap);
		offset = Max(offset, snap.log_start_offset);
	}
	while (done < limit)
	{
		int			n = kp_sql_read_chunk(rsinfo, &t, partition, &offset, limit - done);

		if (n < 0)
			break;
		done += n;
	}
	return (Datum) 0;
}
