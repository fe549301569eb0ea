/*-------------------------------------------------------------------------
 *
 * groups.c
 *	  SQL on consumer groups: group_state and group_member_state (behind the
 *	  kafkapg.consumer_groups and kafkapg.group_members views),
 *	  commit_offset, reset_offsets and consume.
 *
 * The views read the coordinator's shared memory on a primary and the
 * stored copy (kafkapg.consumer_group) on a hot standby; groups known only
 * by committed offsets are Empty.  Offsets written here are written in the
 * caller's transaction, so they commit or roll back with the caller's own
 * work; a group whose Kafka members are live is refused, as
 * kafka-consumer-groups refuses to reset an active group.  consume() locks
 * the offset rows of the partitions it reads (FOR UPDATE SKIP LOCKED), so
 * concurrent callers of one group take different partitions and never get
 * the same record.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "kafkapg/catalog/offsets.h"
#include "kafkapg/catalog/topics.h"
#include "kafkapg/functions/functions.h"
#include "kafkapg/group/group.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"

PG_FUNCTION_INFO_V1(kp_sql_group_state);
PG_FUNCTION_INFO_V1(kp_sql_group_member_state);
PG_FUNCTION_INFO_V1(kp_sql_commit_offset);
PG_FUNCTION_INFO_V1(kp_sql_reset_offsets);
PG_FUNCTION_INFO_V1(kp_sql_consume);

static void
require(FunctionCallInfo fcinfo, int n, const char *const *names)
{
	for (int i = 0; i < n; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", names[i])));
}

/* The coordinator is usable (loads groups on first use); errors otherwise. */
static void
groups_ready(void)
{
	int16		err;

	kp_topics_ensure_loaded();
	/* a broker worker may be loading the groups right now: wait for it */
	for (int i = 0; (err = kp_group_ready()) == KP_ERR_COORDINATOR_LOAD_IN_PROGRESS && i < 3000; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(10000L);
	}
	if (err == KP_ERR_NOT_COORDINATOR)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("consumer group offsets cannot be changed on a standby"),
				 errhint("Connect to the primary.")));
	if (err != KP_ERR_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the consumer group coordinator is not available (Kafka error %d)", err),
				 errhint("Try again in a moment.")));
}

static void
check_group_id(const char *group_id)
{
	if (group_id[0] == '\0' || strlen(group_id) >= KP_GROUP_ID_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid consumer group id \"%s\"", group_id),
				 errdetail("Group ids are 1 to %d bytes long.", KP_GROUP_ID_MAX - 1)));
}

/* The refusal rule of commit_offset, reset_offsets and consume. */
static void
refuse_live_group(const char *group_id, const char *what)
{
	groups_ready();
	if (kp_group_has_members(group_id))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("cannot %s: consumer group \"%s\" has active members", what, group_id),
				 errdetail("Kafka consumers of this group are connected; they own its offsets."),
				 errhint("Stop the group's consumers (or wait for their session timeout) and try again; kafkapg.group_members lists them.")));
}

static void
lookup_topic(const char *name, KpTopicInfo *t)
{
	if (!kp_topic_lookup(name, t))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("topic \"%s\" does not exist", name),
				 errhint("The view kafkapg.topics lists the existing topics.")));
}

static void
check_partition(const KpTopicInfo *t, int32 partition)
{
	if (partition < 0 || partition >= t->partitions)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("partition %d of topic \"%s\" does not exist", partition, t->name),
				 errdetail("The topic has %d partitions, numbered from 0.", t->partitions)));
}

/* ---------------- views ---------------- */

static void
put_group(ReturnSetInfo *rs, const char *id, const char *state, const char *type,
		  const char *protocol, int32 generation, int32 members)
{
	Datum		v[6];
	bool		n[6] = {0};

	v[0] = CStringGetTextDatum(id);
	v[1] = CStringGetTextDatum(state);
	v[2] = CStringGetTextDatum(type ? type : "");
	v[3] = protocol && protocol[0] ? CStringGetTextDatum(protocol) : (Datum) 0;
	n[3] = !(protocol && protocol[0]);
	v[4] = Int32GetDatum(generation);
	v[5] = Int32GetDatum(members);
	tuplestore_putvalues(rs->setResult, rs->setDesc, v, n);
}

/* Rows of a catalog query (group_id, state, type, protocol, generation, members). */
static void
put_catalog_groups(ReturnSetInfo *rs, const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read consumer groups");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		gen = DatumGetInt32(SPI_getbinval(tup, d, 5, &isnull));
		int32		members = DatumGetInt32(SPI_getbinval(tup, d, 6, &isnull));

		put_group(rs, SPI_getvalue(tup, d, 1), SPI_getvalue(tup, d, 2), SPI_getvalue(tup, d, 3),
				  SPI_getvalue(tup, d, 4), gen, members);
	}
	SPI_finish();
}

/*
 * kafkapg.group_state(): every group, live (primary) or as stored
 * (standby), and the groups known only by their committed offsets.
 */
Datum
kp_sql_group_state(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rs = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	kp_topics_ensure_loaded();
	if (RecoveryInProgress())
	{
		put_catalog_groups(rs,
						   "SELECT g.group_id, g.state, coalesce(g.protocol_type, ''), g.protocol,"
						   " g.generation, (SELECT count(*) FROM kafkapg.consumer_group_member m"
						   " WHERE m.group_id = g.group_id)::int FROM kafkapg.consumer_group g"
						   " UNION ALL SELECT DISTINCT o.group_id, 'Empty', '', NULL, 0, 0"
						   " FROM kafkapg.consumer_offset o WHERE NOT EXISTS (SELECT FROM"
						   " kafkapg.consumer_group g WHERE g.group_id = o.group_id)");
		return (Datum) 0;
	}
	groups_ready();
	{
		KpGroupInfo *live;
		int			n = kp_group_list(&live);
		char	  **ids;
		int			nids;

		for (int i = 0; i < n; i++)
			put_group(rs, live[i].group_id, kp_group_state_name(live[i].state),
					  live[i].protocol_type, live[i].protocol, live[i].generation,
					  live[i].nmembers);
		nids = kp_offsets_group_ids(&ids);
		for (int i = 0; i < nids; i++)
		{
			bool		dup = false;

			for (int k = 0; k < n && !dup; k++)
				dup = strcmp(live[k].group_id, ids[i]) == 0;
			if (!dup)
				put_group(rs, ids[i], "Empty", "", NULL, 0, 0);
		}
	}
	return (Datum) 0;
}

static void
put_member(ReturnSetInfo *rs, const char *group_id, const KpGroupMemberInfo *m)
{
	Datum		v[6];
	bool		n[6] = {0};
	char	   *json = kp_consumer_assignment_json(m->assignment);

	v[0] = CStringGetTextDatum(group_id);
	v[1] = CStringGetTextDatum(m->member_id);
	v[2] = m->group_instance_id ? CStringGetTextDatum(m->group_instance_id) : (Datum) 0;
	n[2] = m->group_instance_id == NULL;
	v[3] = CStringGetTextDatum(m->client_id);
	v[4] = CStringGetTextDatum(m->client_host);
	v[5] = json ? DirectFunctionCall1(jsonb_in, CStringGetDatum(json)) : (Datum) 0;
	n[5] = json == NULL;
	tuplestore_putvalues(rs->setResult, rs->setDesc, v, n);
}

/*
 * kafkapg.group_member_state(): every member of every live group, with its
 * assignment decoded from the consumer protocol ({"topic": [partitions]};
 * NULL if the group uses another protocol).
 */
Datum
kp_sql_group_member_state(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rs = (ReturnSetInfo *) fcinfo->resultinfo;
	KpGroupInfo *groups;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	kp_topics_ensure_loaded();
	if (RecoveryInProgress())
		return (Datum) 0;		/* members live on the primary only */
	groups_ready();
	n = kp_group_list(&groups);
	for (int i = 0; i < n; i++)
	{
		KpGroupInfo info;

		if (!kp_group_describe(groups[i].group_id, &info))
			continue;
		for (int k = 0; k < info.nmembers; k++)
			put_member(rs, info.group_id, &info.members[k]);
	}
	return (Datum) 0;
}

/* ---------------- commit_offset ---------------- */

/*
 * kafkapg.commit_offset(group_id, topic, partition, offset, metadata):
 * commits one offset in the caller's transaction.
 */
Datum
kp_sql_commit_offset(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"group_id", "topic", "partition", "offset"};
	char	   *group_id;
	KpTopicInfo t;
	int32		partition;
	int64		offset;
	char	   *metadata = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));

	require(fcinfo, 4, names);
	group_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	partition = PG_GETARG_INT32(2);
	offset = PG_GETARG_INT64(3);
	check_group_id(group_id);
	refuse_live_group(group_id, "commit an offset");
	lookup_topic(text_to_cstring(PG_GETARG_TEXT_PP(1)), &t);
	check_partition(&t, partition);
	if (offset < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("offset must not be negative")));
	if (metadata != NULL && strlen(metadata) > (size_t) kp_offset_metadata_max_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("offset metadata is longer than kafkapg.offset_metadata_max_bytes (%d)",
						kp_offset_metadata_max_bytes)));
	kp_offsets_commit(group_id, &t.id, partition, offset, -1, metadata);
	PG_RETURN_VOID();
}

/* ---------------- reset_offsets ---------------- */

typedef enum ResetTarget
{
	RESET_EARLIEST,
	RESET_LATEST,
	RESET_OFFSET,
	RESET_TIMESTAMP
} ResetTarget;

static ResetTarget
reset_target(const char *to, FunctionCallInfo fcinfo)
{
	if (pg_strcasecmp(to, "earliest") == 0)
		return RESET_EARLIEST;
	if (pg_strcasecmp(to, "latest") == 0)
		return RESET_LATEST;
	if (pg_strcasecmp(to, "offset") == 0)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("resetting to an offset needs the offset"),
					 errhint("For example: kafkapg.reset_offsets('group', 'topic', 'offset', \"offset\" => 42).")));
		return RESET_OFFSET;
	}
	if (pg_strcasecmp(to, "timestamp") == 0)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("resetting to a timestamp needs the timestamp"),
					 errhint("For example: kafkapg.reset_offsets('group', 'topic', 'timestamp', \"timestamp\" => now() - interval '1 hour').")));
		return RESET_TIMESTAMP;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid reset target \"%s\"", to),
			 errhint("Use 'earliest', 'latest', 'offset' or 'timestamp'.")));
	return RESET_EARLIEST;		/* keep the compiler quiet */
}

/* Where one partition goes, as kafka-consumer-groups --reset-offsets computes it. */
static int64
reset_position(const KpTopicInfo *t, int32 partition, ResetTarget target, int64 offset,
			   TimestampTz ts)
{
	KpPartitionSnap snap;
	int64		found_ts;
	int64		pos;

	kp_partition_snapshot(t->first_slot + partition, &snap);
	switch (target)
	{
		case RESET_EARLIEST:
			return snap.log_start_offset;
		case RESET_LATEST:
			return snap.high_watermark;
		case RESET_OFFSET:
			return Min(Max(offset, snap.log_start_offset), snap.high_watermark);
		case RESET_TIMESTAMP:
			pos = kp_log_offset_for_time(t, partition,
										 (int64) (ts / 1000) +
										 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
										 SECS_PER_DAY * INT64CONST(1000), &found_ts);
			return pos >= 0 ? Min(pos, snap.high_watermark) : snap.high_watermark;
	}
	return snap.high_watermark;
}

/*
 * kafkapg.reset_offsets(group_id, topic, "to", "offset", "timestamp"):
 * moves the group's committed offsets of every partition of the topic and
 * returns each partition's previous and new offset.
 */
Datum
kp_sql_reset_offsets(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"group_id", "topic", "to"};
	ReturnSetInfo *rs = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *group_id;
	KpTopicInfo t;
	ResetTarget target;
	int32		first = 0,
				last;

	require(fcinfo, 3, names);
	InitMaterializedSRF(fcinfo, 0);
	group_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	check_group_id(group_id);
	target = reset_target(text_to_cstring(PG_GETARG_TEXT_PP(2)), fcinfo);
	refuse_live_group(group_id, "reset offsets");
	lookup_topic(text_to_cstring(PG_GETARG_TEXT_PP(1)), &t);
	last = t.partitions - 1;
	for (int32 p = first; p <= last; p++)
	{
		int64		prev,
					pos;
		int32		epoch;
		char	   *md;
		Datum		v[3];
		bool		n[3] = {0};

		pos = reset_position(&t, p, target, PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3),
							 PG_ARGISNULL(4) ? 0 : PG_GETARG_TIMESTAMPTZ(4));
		n[1] = !kp_offsets_fetch(group_id, &t.id, p, &prev, &epoch, &md);
		kp_offsets_commit(group_id, &t.id, p, pos, -1, NULL);
		v[0] = Int32GetDatum(p);
		v[1] = Int64GetDatum(n[1] ? 0 : prev);
		v[2] = Int64GetDatum(pos);
		tuplestore_putvalues(rs->setResult, rs->setDesc, v, n);
	}
	return (Datum) 0;
}

/* ---------------- consume ---------------- */

static Datum
uuid_datum(const KpUuid *id)
{
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

	memcpy(u->data, id->b, UUID_LEN);
	return UUIDPGetDatum(u);
}

/*
 * Partitions without a committed offset start at their log start.  Only
 * missing rows are inserted: an insert that met a row another caller has
 * moved (and not committed yet) would wait for that caller.
 */
static void
seed_positions(const char *group_id, const KpTopicInfo *t)
{
	Oid			types[4] = {TEXTOID, UUIDOID, INT4OID, INT8OID};

	for (int32 p = 0; p < t->partitions; p++)
	{
		KpPartitionSnap snap;
		Datum		v[4];
		int64		offset;
		int32		epoch;
		char	   *md;

		if (kp_offsets_fetch(group_id, &t->id, p, &offset, &epoch, &md))
			continue;
		kp_partition_snapshot(t->first_slot + p, &snap);
		v[0] = CStringGetTextDatum(group_id);
		v[1] = uuid_datum(&t->id);
		v[2] = Int32GetDatum(p);
		v[3] = Int64GetDatum(snap.log_start_offset);
		if (SPI_execute_with_args("INSERT INTO kafkapg.consumer_offset (group_id, topic_id,"
								  " partition, committed_offset) VALUES ($1, $2, $3, $4)"
								  " ON CONFLICT DO NOTHING", 4, types, v, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "kafkapg: could not start the offsets of group \"%s\"", group_id);
	}
}

/*
 * The committed position of one partition, row-locked for this transaction;
 * false if a concurrent caller holds it (SKIP LOCKED) or it has no row.
 */
static bool
lock_position(const char *group_id, const KpTopicInfo *t, int32 partition, int64 *offset)
{
	Oid			types[3] = {TEXTOID, UUIDOID, INT4OID};
	Datum		v[3];
	bool		isnull;

	v[0] = CStringGetTextDatum(group_id);
	v[1] = uuid_datum(&t->id);
	v[2] = Int32GetDatum(partition);
	if (SPI_execute_with_args("SELECT committed_offset FROM kafkapg.consumer_offset"
							  " WHERE group_id = $1 AND topic_id = $2 AND partition = $3"
							  " FOR UPDATE SKIP LOCKED", 3, types, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not lock the offsets of group \"%s\"", group_id);
	if (SPI_processed != 1)
		return false;
	*offset = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										  &isnull));
	return true;
}

/* Is there anything past the group's position (looked at without a lock)? */
static bool
has_records(const char *group_id, const KpTopicInfo *t, int32 partition)
{
	KpPartitionSnap snap;
	int64		offset;
	int32		epoch;
	char	   *md;

	kp_partition_snapshot(t->first_slot + partition, &snap);
	if (!kp_offsets_fetch(group_id, &t->id, partition, &offset, &epoch, &md))
		return snap.high_watermark > snap.log_start_offset;
	return snap.high_watermark > offset;
}

static void
advance_position(const char *group_id, const KpTopicInfo *t, int32 partition, int64 offset)
{
	Oid			types[4] = {TEXTOID, UUIDOID, INT4OID, INT8OID};
	Datum		v[4];

	v[0] = CStringGetTextDatum(group_id);
	v[1] = uuid_datum(&t->id);
	v[2] = Int32GetDatum(partition);
	v[3] = Int64GetDatum(offset);
	if (SPI_execute_with_args("UPDATE kafkapg.consumer_offset SET committed_offset = $4,"
							  " leader_epoch = -1, committed_at = now() WHERE group_id = $1"
							  " AND topic_id = $2 AND partition = $3",
							  4, types, v, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "kafkapg: could not advance the offsets of group \"%s\"", group_id);
}

/*
 * kafkapg.consume(group_id, topic, max_records): up to max_records records
 * from the group's committed positions, across the partitions no concurrent
 * caller holds; the positions move past them in the caller's transaction.
 */
Datum
kp_sql_consume(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"group_id", "topic", "max_records"};
	ReturnSetInfo *rs = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *group_id;
	KpTopicInfo t;
	int			limit,
				done = 0;

	require(fcinfo, 3, names);
	InitMaterializedSRF(fcinfo, 0);
	group_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	limit = PG_GETARG_INT32(2);
	check_group_id(group_id);
	if (limit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_records must not be negative")));
	refuse_live_group(group_id, "consume");
	lookup_topic(text_to_cstring(PG_GETARG_TEXT_PP(1)), &t);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
	seed_positions(group_id, &t);
	for (int32 p = 0; p < t.partitions && done < limit; p++)
	{
		int64		pos,
					start;
		KpPartitionSnap snap;

		/* lock only partitions with records, so other callers get the rest */
		if (!has_records(group_id, &t, p) || !lock_position(group_id, &t, p, &pos))
			continue;
		start = pos;
		kp_partition_snapshot(t.first_slot + p, &snap);
		pos = Max(pos, snap.log_start_offset);
		while (done < limit)
		{
			int			n = kp_sql_read_chunk(rs, &t, p, &pos, limit - done);

			if (n < 0)
				break;
			done += n;
		}
		if (pos != start)
			advance_position(group_id, &t, p, pos);
	}
	SPI_finish();
	return (Datum) 0;
}
