/*-------------------------------------------------------------------------
 *
 * offsets.c
 *	  Committed consumer offsets in kafkapg.consumer_offset: upsert, lookup
 *	  and deletion, for the OffsetCommit/OffsetFetch/OffsetDelete handlers
 *	  and the SQL functions.
 *
 * Every function runs inside the caller's transaction (a broker worker's
 * short transaction, or the SQL caller's own) and through SPI with plans
 * prepared once per process; row locks are the table's, so two commits of
 * the same partition serialize and the later one wins, as in Kafka.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "kafkapg/catalog/offsets.h"

static SPIPlanPtr upsert_plan = NULL;
static SPIPlanPtr fetch_plan = NULL;
static SPIPlanPtr delete_plan = NULL;

static SPIPlanPtr
prepare(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL)
		elog(ERROR, "kafkapg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "kafkapg: SPI_keepplan failed");
	return plan;
}

static void
spi_begin(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
}

static Datum
uuid_datum(const KpUuid *id)
{
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

	memcpy(u->data, id->b, UUID_LEN);
	return UUIDPGetDatum(u);
}

/* Inserts or replaces one committed offset. */
void
kp_offsets_commit(const char *group_id, const KpUuid *topic_id, int32 partition,
				  int64 offset, int32 leader_epoch, const char *metadata)
{
	Datum		values[6];
	char		nulls[6] = "      ";

	spi_begin();
	if (upsert_plan == NULL)
	{
		Oid			types[6] = {TEXTOID, UUIDOID, INT4OID, INT8OID, INT4OID, TEXTOID};

		upsert_plan = prepare(
			"INSERT INTO kafkapg.consumer_offset AS o (group_id, topic_id, partition,"
			" committed_offset, leader_epoch, metadata, committed_at)"
			" VALUES ($1, $2, $3, $4, $5, $6, now())"
			" ON CONFLICT (group_id, topic_id, partition) DO UPDATE SET"
			" committed_offset = EXCLUDED.committed_offset,"
			" leader_epoch = EXCLUDED.leader_epoch, metadata = EXCLUDED.metadata,"
			" committed_at = EXCLUDED.committed_at", 6, types);
	}
	values[0] = CStringGetTextDatum(group_id);
	values[1] = uuid_datum(topic_id);
	values[2] = Int32GetDatum(partition);
	values[3] = Int64GetDatum(offset);
	values[4] = Int32GetDatum(leader_epoch);
	if (metadata != NULL)
		values[5] = CStringGetTextDatum(metadata);
	else
	{
		values[5] = (Datum) 0;
		nulls[5] = 'n';
	}
	if (SPI_execute_plan(upsert_plan, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "kafkapg: could not store a committed offset");
	SPI_finish();
}

/*
 * Looks up a committed offset; false if none.  *metadata is palloc'd in
 * the caller's memory context (NULL for a null metadata).
 */
bool
kp_offsets_fetch(const char *group_id, const KpUuid *topic_id, int32 partition,
				 int64 *offset, int32 *leader_epoch, char **metadata)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum		values[3];
	bool		found = false;

	spi_begin();
	if (fetch_plan == NULL)
	{
		Oid			types[3] = {TEXTOID, UUIDOID, INT4OID};

		fetch_plan = prepare(
			"SELECT committed_offset, leader_epoch, metadata FROM kafkapg.consumer_offset"
			" WHERE group_id = $1 AND topic_id = $2 AND partition = $3", 3, types);
	}
	values[0] = CStringGetTextDatum(group_id);
	values[1] = uuid_datum(topic_id);
	values[2] = Int32GetDatum(partition);
	if (SPI_execute_plan(fetch_plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read a committed offset");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		md;

		*offset = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		*leader_epoch = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		md = SPI_getbinval(tup, desc, 3, &isnull);
		*metadata = NULL;
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			*metadata = TextDatumGetCString(md);
			MemoryContextSwitchTo(old);
		}
		found = true;
	}
	SPI_finish();
	return found;
}

/* Deletes one committed offset; true if there was one. */
bool
kp_offsets_delete(const char *group_id, const KpUuid *topic_id, int32 partition)
{
	Datum		values[3];
	bool		deleted;

	spi_begin();
	if (delete_plan == NULL)
	{
		Oid			types[3] = {TEXTOID, UUIDOID, INT4OID};

		delete_plan = prepare(
			"DELETE FROM kafkapg.consumer_offset"
			" WHERE group_id = $1 AND topic_id = $2 AND partition = $3", 3, types);
	}
	values[0] = CStringGetTextDatum(group_id);
	values[1] = uuid_datum(topic_id);
	values[2] = Int32GetDatum(partition);
	if (SPI_execute_plan(delete_plan, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "kafkapg: could not delete a committed offset");
	deleted = SPI_processed > 0;
	SPI_finish();
	return deleted;
}

/*
 * Every committed offset of a group, ordered by topic and partition; the
 * rows (and their metadata strings) are palloc'd in the caller's context.
 */
int
kp_offsets_list(const char *group_id, KpCommittedOffset **out)
{
	static SPIPlanPtr list_plan = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	Datum		values[1];
	int			n;

	spi_begin();
	if (list_plan == NULL)
	{
		Oid			types[1] = {TEXTOID};

		list_plan = prepare(
			"SELECT topic_id, partition, committed_offset, leader_epoch, metadata"
			" FROM kafkapg.consumer_offset WHERE group_id = $1"
			" ORDER BY topic_id, partition", 1, types);
	}
	values[0] = CStringGetTextDatum(group_id);
	if (SPI_execute_plan(list_plan, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read committed offsets");
	n = (int) SPI_processed;
	*out = MemoryContextAllocZero(cxt, sizeof(KpCommittedOffset) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		KpCommittedOffset *o = &(*out)[i];
		bool		isnull;
		Datum		md;

		memcpy(o->topic_id.b, DatumGetUUIDP(SPI_getbinval(tup, desc, 1, &isnull))->data,
			   UUID_LEN);
		o->partition = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		o->offset = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		o->leader_epoch = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		md = SPI_getbinval(tup, desc, 5, &isnull);
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			o->metadata = TextDatumGetCString(md);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	return n;
}

/* Does the group have a committed offset or a stored group row? */
bool
kp_offsets_group_known(const char *group_id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(group_id)};
	bool		known;

	spi_begin();
	if (SPI_execute_with_args("SELECT 1 WHERE EXISTS (SELECT FROM kafkapg.consumer_offset"
							  " WHERE group_id = $1) OR EXISTS (SELECT FROM"
							  " kafkapg.consumer_group WHERE group_id = $1)",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read committed offsets");
	known = SPI_processed > 0;
	SPI_finish();
	return known;
}

/* The ids of groups that have committed offsets, palloc'd in the caller's context. */
int
kp_offsets_group_ids(char ***out)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			n;

	spi_begin();
	if (SPI_execute("SELECT DISTINCT group_id FROM kafkapg.consumer_offset ORDER BY 1",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read committed offsets");
	n = (int) SPI_processed;
	*out = MemoryContextAllocZero(cxt, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(cxt);

		(*out)[i] = TextDatumGetCString(d);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return n;
}

/*
 * Removes a group's committed offsets and its stored group row; true if
 * there was anything to remove.
 */
bool
kp_offsets_delete_group(const char *group_id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(group_id)};
	uint64		n;

	spi_begin();
	if (SPI_execute_with_args("DELETE FROM kafkapg.consumer_offset WHERE group_id = $1",
							  1, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "kafkapg: could not delete committed offsets");
	n = SPI_processed;
	if (SPI_execute_with_args("DELETE FROM kafkapg.consumer_group WHERE group_id = $1",
							  1, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "kafkapg: could not delete a consumer group");
	n += SPI_processed;
	SPI_finish();
	return n > 0;
}
