/*-------------------------------------------------------------------------
 *
 * topics.c
 *	  Topic DDL: validation as Kafka does it, the catalog row in
 *	  kafkapg.topic, and the registry change made at commit.
 *
 * Creation reserves the registry slots first (which detects duplicate
 * names, including topics being created by transactions still open) and
 * then inserts the row; the reservation is published when the transaction
 * commits and released if it (or the subtransaction that made it) aborts.
 * Deletion removes the row; the topic leaves the registry and its files
 * are removed only after the deletion committed.  Both run in the caller's
 * transaction, so SQL DDL is transactional like any other.
 *
 * Pending changes are process-local lists, consumed by the transaction
 * callbacks; PREPARE TRANSACTION with pending topic DDL is refused because
 * the change could not follow the prepared transaction to its end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "kafkapg/catalog/topics.h"
#include "kafkapg/wal/wal.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/storage/segment.h"

typedef struct KpPendingDdl
{
	bool		create;			/* else delete */
	int32		topic_slot;		/* create: the reservation */
	KpUuid		id;
	SubTransactionId subid;
} KpPendingDdl;

static List *pending = NIL;

/* ---------------------------------------------------------------- loading */

static void
load_row(HeapTuple tup, TupleDesc desc, KpTopicLoadFn fn)
{
	bool		isnull;
	char	   *name = SPI_getvalue(tup, desc, 1);
	char	   *id_text = SPI_getvalue(tup, desc, 2);
	int32		nparts = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	TimestampTz created = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
	Datum		keys_d = SPI_getbinval(tup, desc, 5, &isnull);
	Datum		vals_d = SPI_getbinval(tup, desc, 6, &isnull);
	Datum	   *keys,
			   *vals;
	int			nk,
				nv;
	KpTopicConfig config;
	KpUuid		id;

	if (!kp_uuid_from_string(id_text, &id))
		elog(ERROR, "kafkapg.topic holds a malformed topic id \"%s\"", id_text);
	deconstruct_array(DatumGetArrayTypeP(keys_d), TEXTOID, -1, false, TYPALIGN_INT,
					  &keys, NULL, &nk);
	deconstruct_array(DatumGetArrayTypeP(vals_d), TEXTOID, -1, false, TYPALIGN_INT,
					  &vals, NULL, &nv);
	kp_topic_config_defaults(&config);
	for (int i = 0; i < nk && i < nv; i++)
	{
		const char *err;

		/* validated at creation; a key unknown to this version is kept but ignored */
		(void) kp_topic_config_set(&config, TextDatumGetCString(keys[i]),
								   TextDatumGetCString(vals[i]), &err);
	}
	fn(name, &id, nparts, &config, created);
}

/* Calls fn for every topic in kafkapg.topic; runs in the caller's transaction. */
void
kp_catalog_load_topics(KpTopicLoadFn fn)
{
	const char *sql =
		"SELECT name, topic_id::text, partitions, created_at,"
		" ARRAY(SELECT key FROM jsonb_each_text(config) ORDER BY key),"
		" ARRAY(SELECT value FROM jsonb_each_text(config) ORDER BY key)"
		" FROM kafkapg.topic ORDER BY created_at, name";

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read kafkapg.topic");
	for (uint64 i = 0; i < SPI_processed; i++)
		load_row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, fn);
	SPI_finish();
}

/*
 * Refuses to go on outside kafkapg.database: topics and their files belong
 * to the extension in that database, which the broker workers serve.  An
 * extension in another database (created there, or copied from a template)
 * must never load its empty catalog over them.
 */
void
kp_check_database(void)
{
	char	   *db = get_database_name(MyDatabaseId);

	if (db == NULL || strcmp(db, kp_database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kafkapg is served from database \"%s\", not \"%s\"",
						kp_database, db ? db : "?"),
				 errdetail("kafkapg.database names the one database whose catalog holds the topics."),
				 errhint("Connect to database \"%s\", or set kafkapg.database and restart the server.",
						 kp_database)));
}

/*
 * Loads the registry for the current kafkapg extension if needed and
 * returns the extension's OID.  For SQL functions; needs a transaction.
 */
Oid
kp_topics_ensure_loaded(void)
{
	Oid			ext;

	kp_check_database();
	ext = get_extension_oid(KAFKAPG_EXTENSION, false);

	kp_storage_ensure_loaded(ext);
	return ext;
}

/* ------------------------------------------------------------- validation */

static bool
verdict(KpTopicVerdict *v, int16 code, char *message)
{
	v->error_code = code;
	v->message = message;
	return code == KP_ERR_NONE;
}

/* Kafka's topic name rules: [a-zA-Z0-9._-]{1,249}, not "." or "..". */
bool
kp_topic_check_name(const char *name, KpTopicVerdict *v)
{
	size_t		n = name ? strlen(name) : 0;

	if (n == 0)
		return verdict(v, KP_ERR_INVALID_TOPIC_EXCEPTION, pstrdup("Topic name is illegal, it can't be empty"));
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return verdict(v, KP_ERR_INVALID_TOPIC_EXCEPTION, pstrdup("Topic name cannot be \".\" or \"..\""));
	if (n > KP_TOPIC_NAME_MAX)
		return verdict(v, KP_ERR_INVALID_TOPIC_EXCEPTION,
					   psprintf("Topic name is illegal, it can't be longer than %d characters, topic name: %s",
								KP_TOPIC_NAME_MAX, name));
	for (size_t i = 0; i < n; i++)
	{
		char		c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-'))
			return verdict(v, KP_ERR_INVALID_TOPIC_EXCEPTION,
						   psprintf("Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'",
									name));
	}
	return verdict(v, KP_ERR_NONE, NULL);
}

/*
 * Checks a creation request as Kafka would (name, partition count,
 * configuration, existing topic) and fills spec->config.
 */
bool
kp_topic_check(KpTopicSpec *spec, KpTopicVerdict *v)
{
	KpTopicInfo existing;

	if (!kp_topic_check_name(spec->name, v))
		return false;
	if (spec->partitions <= 0 || spec->partitions > KP_MAX_PARTITIONS_PER_TOPIC)
		return verdict(v, KP_ERR_INVALID_PARTITIONS,
					   psprintf("Number of partitions must be between 1 and %d, got %d",
								KP_MAX_PARTITIONS_PER_TOPIC, spec->partitions));
	kp_topic_config_defaults(&spec->config);
	for (int i = 0; i < spec->nconfigs; i++)
	{
		const char *err;

		if (!kp_topic_config_known(spec->keys[i]))
			return verdict(v, KP_ERR_INVALID_CONFIG,
						   psprintf("Unknown topic config name: %s", spec->keys[i]));
		if (spec->values[i] == NULL)
			return verdict(v, KP_ERR_INVALID_CONFIG,
						   psprintf("Null value not supported for topic config \"%s\"", spec->keys[i]));
		if (!kp_topic_config_set(&spec->config, spec->keys[i], spec->values[i], &err))
			return verdict(v, KP_ERR_INVALID_CONFIG,
						   psprintf("Invalid value \"%s\" for configuration \"%s\": %s",
									spec->values[i], spec->keys[i], err));
	}
	if (kp_topic_lookup(spec->name, &existing))
		return verdict(v, KP_ERR_TOPIC_ALREADY_EXISTS,
					   psprintf("Topic '%s' already exists.", spec->name));
	return verdict(v, KP_ERR_NONE, NULL);
}

/* ------------------------------------------------------------------- DDL */

static void
remember(bool create, int32 slot, const KpUuid *id)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	KpPendingDdl *d = palloc(sizeof(KpPendingDdl));

	d->create = create;
	d->topic_slot = slot;
	d->id = *id;
	d->subid = GetCurrentSubTransactionId();
	pending = lappend(pending, d);
	MemoryContextSwitchTo(old);
}

static void
random_uuid(KpUuid *id)
{
	if (!pg_strong_random(id->b, sizeof(id->b)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random topic id")));
	id->b[6] = (id->b[6] & 0x0f) | 0x40;	/* version 4 */
	id->b[8] = (id->b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
}

static char *
config_json(const KpTopicSpec *spec)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < spec->nconfigs; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, spec->keys[i]);
		appendStringInfoString(&buf, ": ");
		escape_json(&buf, spec->values[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static void
insert_row(const KpTopicSpec *spec, const KpUuid *id)
{
	Oid			types[4] = {TEXTOID, TEXTOID, INT4OID, TEXTOID};
	Datum		values[4];
	char		idtext[37];

	kp_uuid_to_string(id, idtext);
	values[0] = CStringGetTextDatum(idtext);
	values[1] = CStringGetTextDatum(spec->name);
	values[2] = Int32GetDatum(spec->partitions);
	values[3] = CStringGetTextDatum(config_json(spec));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("INSERT INTO kafkapg.topic (topic_id, name, partitions, config)"
							  " VALUES ($1::uuid, $2, $3, $4::jsonb)",
							  4, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into kafkapg.topic");
	SPI_finish();
}

/*
 * Creates a checked topic in the current transaction; it becomes visible
 * to producers and consumers when the transaction commits.  ERROR if the
 * name is taken (also by an uncommitted creation) or there is no room.
 */
void
kp_topic_create(const KpTopicSpec *spec, KpUuid *id_out)
{
	int32		slot;

	random_uuid(id_out);
	slot = kp_registry_reserve(spec->name, id_out, spec->partitions, &spec->config,
							   GetCurrentTransactionStartTimestamp());
	remember(true, slot, id_out);
	insert_row(spec, id_out);
}

/* Deletes a topic in the current transaction; files go after commit. */
void
kp_topic_delete(const KpTopicInfo *topic)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char		idtext[37];

	kp_uuid_to_string(&topic->id, idtext);
	values[0] = CStringGetTextDatum(idtext);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("DELETE FROM kafkapg.topic WHERE topic_id = $1::uuid",
							  1, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from kafkapg.topic");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("topic \"%s\" does not exist", topic->name),
				 errdetail("It was deleted by a concurrent transaction.")));
	SPI_finish();
	remember(false, topic->slot, &topic->id);
}

/* ------------------------------------------------------------- callbacks */

static void
apply_commit(KpPendingDdl *d)
{
	if (d->create)
		kp_registry_publish(d->topic_slot);
	else if (kp_registry_remove(&d->id, NULL))
	{
		kp_segments_sweep();
		/* standbys remove the files when they replay this */
		kp_wal_log_drop(&d->id);
		kp_storage_remove_topic_files(&d->id);
	}
}

static void
topics_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (pending == NIL)
		return;
	if (event == XACT_EVENT_PRE_PREPARE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that created or deleted kafkapg topics")));
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, pending)
	{
		KpPendingDdl *d = lfirst(lc);

		if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
			apply_commit(d);
		else if (d->create)
			kp_registry_release(d->topic_slot);
	}
	list_free_deep(pending);
	pending = NIL;
}

static void
topics_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	List	   *keep = NIL;
	ListCell   *lc;
	MemoryContext old;

	if (pending == NIL ||
		(event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB))
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	foreach(lc, pending)
	{
		KpPendingDdl *d = lfirst(lc);

		if (d->subid != mySubid)
			keep = lappend(keep, d);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			d->subid = parentSubid;
			keep = lappend(keep, d);
		}
		else
		{
			if (d->create)
				kp_registry_release(d->topic_slot);
			pfree(d);
		}
	}
	list_free(pending);
	pending = keep;
	MemoryContextSwitchTo(old);
}

void
kp_topics_install_callbacks(void)
{
	RegisterXactCallback(topics_xact_callback, NULL);
	RegisterSubXactCallback(topics_subxact_callback, NULL);
}
