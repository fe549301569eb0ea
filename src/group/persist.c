/*-------------------------------------------------------------------------
 *
 * persist.c
 *	  The catalog copy of the groups (kafkapg.consumer_group and
 *	  kafkapg.consumer_group_member): stored when a group becomes Stable or
 *	  Empty, loaded back into shared memory on first use after a start, a
 *	  crash or a promotion.
 *
 * A group's version counts its changes worth storing; a snapshot taken
 * under the coordinator lock is written afterwards, in its own short
 * transaction, and only over an older version (the upsert's WHERE), so two
 * workers storing the same group cannot go back in time.  As Kafka stores
 * only the selected protocol's metadata of each member, so do we; a loaded
 * group with members is Stable at its stored generation, its members' session
 * timers restarted, and they carry on with their heartbeats.
 *
 * Loading is claimed by one process at a time (kp_groups->loading); others
 * answer COORDINATOR_LOAD_IN_PROGRESS meanwhile, as Kafka does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "kafkapg/broker/ddl.h"
#include "kafkapg/group/group_int.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/errors.h"
#include "kafkapg/storage/storage.h"

typedef struct SnapMember
{
	char	   *member_id;
	char	   *instance_id;
	char	   *client_id;
	char	   *client_host;
	int32		session_timeout_ms;
	int32		rebalance_timeout_ms;
	KpBytes		subscription;
	KpBytes		assignment;
} SnapMember;

typedef struct GroupSnapshot
{
	char	   *group_id;
	uint64		version;
	KpGroupState state;
	int32		generation;
	char	   *protocol_type;
	char	   *protocol;
	char	   *leader;
	int64		state_since_ms;
	int			nmembers;
	SnapMember *members;
	struct GroupSnapshot *next;		/* when loading */
} GroupSnapshot;

static char *
copy_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/* Under the lock: the group as it is to be stored, or NULL if nothing to do. */
static GroupSnapshot *
take_snapshot(KpGroup *g)
{
	GroupSnapshot   *s;
	int			n = 0;

	if (g->version <= g->persisted_version ||
		(g->state != KP_GROUP_STABLE && g->state != KP_GROUP_EMPTY))
		return NULL;
	s = palloc0(sizeof(GroupSnapshot));
	s->group_id = pstrdup(g->group_id);
	s->version = g->version;
	s->state = g->state;
	s->generation = g->generation;
	s->protocol_type = pstrdup(g->protocol_type);
	s->protocol = pstrdup(g->protocol);
	s->leader = DsaPointerIsValid(g->leader) ?
		pstrdup(kp_member_id(kp_member_get(g->leader))) : NULL;
	s->state_since_ms = g->state_since_ms;
	s->members = palloc0(sizeof(SnapMember) * Max(g->nmembers, 1));
	for (int i = 0; i < g->nmembers; i++)
	{
		KpMember   *m = kp_member_at(g, i);
		SnapMember *o = &s->members[n];
		KpBytes		sub = {(const uint8 *) "", 0};

		if (m->pending)
			continue;
		(void) kp_member_protocol(m, g->protocol, &sub);
		o->member_id = pstrdup(kp_member_id(m));
		o->instance_id = copy_or_null(kp_member_instance(m));
		o->client_id = pstrdup(kp_member_client_id(m));
		o->client_host = pstrdup(kp_member_client_host(m));
		o->session_timeout_ms = m->session_timeout_ms;
		o->rebalance_timeout_ms = m->rebalance_timeout_ms;
		o->subscription = kp_group_copy_bytes(sub);
		o->assignment = kp_group_copy_bytes(kp_member_assignment(m));
		n++;
	}
	s->nmembers = n;
	return s;
}

static Datum
bytea_datum(KpBytes b)
{
	bytea	   *v = palloc(VARHDRSZ + Max(b.len, 0));

	SET_VARSIZE(v, VARHDRSZ + Max(b.len, 0));
	if (b.len > 0)
		memcpy(VARDATA(v), b.data, b.len);
	return PointerGetDatum(v);
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static void
write_members(GroupSnapshot *s)
{
	Oid			types[10] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	INT4OID, INT4OID, BYTEAOID, BYTEAOID};

	for (int i = 0; i < s->nmembers; i++)
	{
		SnapMember *m = &s->members[i];
		Datum		v[10];
		char		n[11] = "          ";

		v[0] = CStringGetTextDatum(s->group_id);
		v[1] = Int32GetDatum(i);
		v[2] = CStringGetTextDatum(m->member_id);
		v[3] = text_or_null(m->instance_id, &n[3]);
		v[4] = CStringGetTextDatum(m->client_id);
		v[5] = CStringGetTextDatum(m->client_host);
		v[6] = Int32GetDatum(m->session_timeout_ms);
		v[7] = Int32GetDatum(m->rebalance_timeout_ms);
		v[8] = bytea_datum(m->subscription);
		v[9] = bytea_datum(m->assignment);
		if (SPI_execute_with_args(
								  "INSERT INTO kafkapg.consumer_group_member (group_id, ordinal,"
								  " member_id, group_instance_id, client_id, client_host,"
								  " session_timeout_ms, rebalance_timeout_ms, subscription, assignment)"
								  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
								  10, types, v, n, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "kafkapg: could not store a member of group \"%s\"", s->group_id);
	}
}

/* Runs in the storing transaction (kp_broker_run_ddl). */
static void
write_snapshot(void *arg)
{
	GroupSnapshot   *s = arg;
	Oid			types[8] = {TEXTOID, INT8OID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	TIMESTAMPTZOID};
	Datum		v[8];
	char		n[9] = "        ";
	Oid			dtype[1] = {TEXTOID};
	Datum		dv[1];

	(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	v[0] = CStringGetTextDatum(s->group_id);
	v[1] = Int64GetDatum((int64) s->version);
	v[2] = CStringGetTextDatum(kp_group_state_name(s->state));
	v[3] = Int32GetDatum(s->generation);
	v[4] = text_or_null(s->protocol_type[0] ? s->protocol_type : NULL, &n[4]);
	v[5] = text_or_null(s->protocol[0] ? s->protocol : NULL, &n[5]);
	v[6] = text_or_null(s->leader, &n[6]);
	v[7] = TimestampTzGetDatum(kp_ms_to_timestamptz(s->state_since_ms));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
	if (SPI_execute_with_args(
							  "INSERT INTO kafkapg.consumer_group AS g (group_id, version, state,"
							  " generation, protocol_type, protocol, leader, state_changed_at)"
							  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
							  " ON CONFLICT (group_id) DO UPDATE SET version = EXCLUDED.version,"
							  " state = EXCLUDED.state, generation = EXCLUDED.generation,"
							  " protocol_type = EXCLUDED.protocol_type, protocol = EXCLUDED.protocol,"
							  " leader = EXCLUDED.leader, state_changed_at = EXCLUDED.state_changed_at"
							  " WHERE g.version < EXCLUDED.version RETURNING 1",
							  8, types, v, n, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "kafkapg: could not store group \"%s\"", s->group_id);
	if (SPI_processed == 1)
	{
		dv[0] = v[0];
		if (SPI_execute_with_args("DELETE FROM kafkapg.consumer_group_member WHERE group_id = $1",
								  1, dtype, dv, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "kafkapg: could not store group \"%s\"", s->group_id);
		write_members(s);
	}
	SPI_finish();
}

static void
mark_persisted(const char *group_id, uint64 version)
{
	KpGroup    *g;

	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	g = kp_group_lookup(group_id);
	if (g != NULL && g->persisted_version < version)
		g->persisted_version = version;
	LWLockRelease(&kp_groups->lock);
}

static void
store(GroupSnapshot *s)
{
	int			sqlerrcode;
	char	   *message;

	if (!kp_broker_run_ddl(write_snapshot, s, "kafkapg: storing a consumer group",
						   &sqlerrcode, &message))
	{
		ereport(LOG,
				(errmsg("kafkapg: could not store consumer group \"%s\": %s",
						s->group_id, message),
				 errdetail("It is tried again within a second.")));
		return;
	}
	mark_persisted(s->group_id, s->version);
}

/*
 * Stores the group if it changed since last stored.  Called by broker
 * workers outside any transaction, after the request that changed it.
 */
void
kp_group_persist(const char *group_id)
{
	GroupSnapshot   *s = NULL;
	KpGroup    *g;

	if (group_id == NULL || IsTransactionState())
		return;
	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	g = kp_group_lookup(group_id);
	if (g != NULL)
		s = take_snapshot(g);
	LWLockRelease(&kp_groups->lock);
	if (s != NULL)
		store(s);
}

/* Stores every group that changed since last stored (the worker tick). */
void
kp_group_persist_dirty(void)
{
	HASH_SEQ_STATUS seq;
	KpGroup    *g;
	List	   *todo = NIL;
	ListCell   *lc;

	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	hash_seq_init(&seq, kp_group_table);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		GroupSnapshot   *s = take_snapshot(g);

		if (s != NULL)
			todo = lappend(todo, s);
	}
	LWLockRelease(&kp_groups->lock);
	foreach(lc, todo)
		store(lfirst(lc));
}

/* ---------------- loading ---------------- */

static char *
get_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static KpBytes
get_bytes(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	KpBytes		b = {(const uint8 *) "", 0};

	if (!isnull)
	{
		bytea	   *v = DatumGetByteaPCopy(d);

		b.data = (const uint8 *) VARDATA(v);
		b.len = VARSIZE(v) - VARHDRSZ;
	}
	return b;
}

static int64
get_int(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

typedef struct LoadState
{
	MemoryContext cxt;			/* outlives the transaction */
	GroupSnapshot   *groups;
	int			ngroups;
} LoadState;

static void
read_members(LoadState *st, GroupSnapshot *s)
{
	Oid			types[1] = {TEXTOID};
	Datum		v[1] = {CStringGetTextDatum(s->group_id)};

	if (SPI_execute_with_args("SELECT member_id, group_instance_id, client_id, client_host,"
							  " session_timeout_ms::int8, rebalance_timeout_ms::int8,"
							  " subscription, assignment FROM kafkapg.consumer_group_member"
							  " WHERE group_id = $1 ORDER BY ordinal",
							  1, types, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read the members of group \"%s\"", s->group_id);
	s->nmembers = (int) SPI_processed;
	s->members = MemoryContextAllocZero(st->cxt, sizeof(SnapMember) * Max(s->nmembers, 1));
	for (int i = 0; i < s->nmembers; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		SnapMember *m = &s->members[i];
		MemoryContext old = MemoryContextSwitchTo(st->cxt);

		m->member_id = get_text(t, d, 1);
		m->instance_id = get_text(t, d, 2);
		m->client_id = get_text(t, d, 3);
		m->client_host = get_text(t, d, 4);
		m->session_timeout_ms = (int32) get_int(t, d, 5);
		m->rebalance_timeout_ms = (int32) get_int(t, d, 6);
		m->subscription = get_bytes(t, d, 7);
		m->assignment = get_bytes(t, d, 8);
		MemoryContextSwitchTo(old);
	}
}

/* Reads both tables into st (in its own or the caller's transaction). */
static void
read_catalog(void *arg)
{
	LoadState  *st = arg;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
	if (SPI_execute("SELECT group_id, version, state, generation::int8, protocol_type, protocol,"
					" leader, (extract(epoch FROM state_changed_at) * 1000)::int8"
					" FROM kafkapg.consumer_group", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "kafkapg: could not read kafkapg.consumer_group");
	else
	{
		SPITupleTable *tt = SPI_tuptable;
		int			n = (int) SPI_processed;

		for (int i = 0; i < n; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(st->cxt);
			GroupSnapshot   *s = palloc0(sizeof(GroupSnapshot));
			char	   *state = get_text(tt->vals[i], tt->tupdesc, 3);

			s->group_id = get_text(tt->vals[i], tt->tupdesc, 1);
			s->version = (uint64) get_int(tt->vals[i], tt->tupdesc, 2);
			if (!kp_group_state_from_name(state, &s->state))
				s->state = KP_GROUP_EMPTY;
			s->generation = (int32) get_int(tt->vals[i], tt->tupdesc, 4);
			s->protocol_type = get_text(tt->vals[i], tt->tupdesc, 5);
			s->protocol = get_text(tt->vals[i], tt->tupdesc, 6);
			s->leader = get_text(tt->vals[i], tt->tupdesc, 7);
			s->state_since_ms = get_int(tt->vals[i], tt->tupdesc, 8);
			MemoryContextSwitchTo(old);
			s->next = st->groups;
			st->groups = s;
			st->ngroups++;
		}
		for (GroupSnapshot *s = st->groups; s != NULL; s = s->next)
			read_members(st, s);
	}
	SPI_finish();
}

/* Under the lock: one stored group back into shared memory. */
static void
install(GroupSnapshot *s, int64 now)
{
	bool		full;
	KpGroup    *g = kp_group_create(s->group_id, &full);

	if (g == NULL)
	{
		ereport(LOG,
				(errmsg("kafkapg: consumer group \"%s\" not loaded: kafkapg.max_groups (%d) reached",
						s->group_id, kp_max_groups)));
		return;
	}
	g->generation = s->generation;
	g->version = g->persisted_version = s->version;
	strlcpy(g->protocol_type, s->protocol_type ? s->protocol_type : "", sizeof(g->protocol_type));
	strlcpy(g->protocol, s->protocol ? s->protocol : "", sizeof(g->protocol));
	for (int i = 0; i < s->nmembers; i++)
	{
		SnapMember *sm = &s->members[i];
		dsa_pointer p = kp_member_create_loaded(sm->member_id, sm->instance_id, sm->client_id,
												sm->client_host, g->protocol,
												sm->subscription);
		KpMember   *m;

		if (!DsaPointerIsValid(p) || !kp_member_append(g, p))
			break;
		m = kp_member_get(p);
		m->session_timeout_ms = sm->session_timeout_ms;
		m->rebalance_timeout_ms = sm->rebalance_timeout_ms;
		m->joined_generation = g->generation;
		m->expires_ms = now + sm->session_timeout_ms;
		(void) kp_member_set_assignment(m, sm->assignment.data, sm->assignment.len);
		if (s->leader != NULL && strcmp(s->leader, sm->member_id) == 0)
			g->leader = p;
	}
	if (!DsaPointerIsValid(g->leader) && g->nmembers > 0)
		g->leader = kp_member_pointer(g, 0);
	kp_group_set_state(g, g->nmembers > 0 ? KP_GROUP_STABLE : KP_GROUP_EMPTY,
					   g->nmembers > 0 ? now : s->state_since_ms);
}

static void
install_all(LoadState *st, Oid ext)
{
	HASH_SEQ_STATUS seq;
	KpGroup    *g;
	int64		now = kp_now_ms();

	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, kp_group_table);
	while ((g = hash_seq_search(&seq)) != NULL)
		kp_group_drop(g);
	for (GroupSnapshot *s = st->groups; s != NULL; s = s->next)
		install(s, now);
	kp_groups->loaded = true;
	kp_groups->loaded_ext_oid = ext;
	kp_groups->loading = false;
	LWLockRelease(&kp_groups->lock);
	if (st->ngroups > 0)
		ereport(LOG,
				(errmsg("kafkapg: loaded %d consumer groups from the catalog", st->ngroups)));
}

static void
give_up_loading(void)
{
	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	kp_groups->loading = false;
	LWLockRelease(&kp_groups->lock);
}

/* Loads the catalog copy; false if it could not be read (logged). */
static bool
load(Oid ext)
{
	LoadState	st = {0};
	bool		ok = true;

	st.cxt = AllocSetContextCreate(CurrentMemoryContext, "kafkapg group load",
								   ALLOCSET_DEFAULT_SIZES);
	if (IsTransactionState())
	{
		PG_TRY();
		{
			read_catalog(&st);
		}
		PG_CATCH();
		{
			give_up_loading();
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	else
	{
		int			sqlerrcode;
		char	   *message;

		ok = kp_broker_run_ddl(read_catalog, &st, "kafkapg: loading consumer groups",
							   &sqlerrcode, &message);
		if (!ok)
			ereport(LOG,
					(errmsg("kafkapg: could not load consumer groups: %s", message)));
	}
	if (ok)
		install_all(&st, ext);
	else
		give_up_loading();
	MemoryContextDelete(st.cxt);
	return ok;
}

/*
 * Whether group requests can be served now: NOT_COORDINATOR on a standby,
 * COORDINATOR_LOAD_IN_PROGRESS while another process loads the groups,
 * COORDINATOR_NOT_AVAILABLE if they cannot be loaded; loads them if this
 * is the first group request since the start (or the extension changed).
 */
int16
kp_group_ready(void)
{
	Oid			ext;
	bool		claimed = false;
	bool		loaded;

	if (RecoveryInProgress())
		return KP_ERR_NOT_COORDINATOR;
	ext = kp_storage_loaded_ext_oid();
	if (!OidIsValid(ext))
		return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	loaded = kp_groups->loaded && kp_groups->loaded_ext_oid == ext;
	LWLockRelease(&kp_groups->lock);
	if (loaded)
		return KP_ERR_NONE;		/* the common case */
	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	if (kp_groups->loaded && kp_groups->loaded_ext_oid == ext)
	{
		LWLockRelease(&kp_groups->lock);
		return KP_ERR_NONE;
	}
	if (!kp_groups->loading)
	{
		kp_groups->loading = true;
		claimed = true;
	}
	LWLockRelease(&kp_groups->lock);
	if (!claimed)
		return KP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
	return load(ext) ? KP_ERR_NONE : KP_ERR_COORDINATOR_NOT_AVAILABLE;
}

/* ---------------- offsets retention ---------------- */

typedef struct Retention
{
	List	   *keep;			/* groups whose offsets stay: live ones */
	List	   *expired;		/* Empty longer than the retention: all offsets go */
	int64		removed;
} Retention;

static Datum
text_array(List *names)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(names), 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, names)
		d[i++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(d, i, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Runs in its own transaction (kp_broker_run_ddl). */
static void
expire_offsets(void *arg)
{
	Retention  *r = arg;
	Oid			types[3] = {TEXTARRAYOID, TEXTARRAYOID, INT8OID};
	Datum		v[3];

	v[0] = text_array(r->keep);
	v[1] = text_array(r->expired);
	v[2] = Int64GetDatum((int64) kp_offsets_retention_minutes * 60);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kafkapg: SPI_connect failed");
	if (SPI_execute_with_args("DELETE FROM kafkapg.consumer_offset WHERE group_id <> ALL ($1)"
							  " AND (group_id = ANY ($2)"
							  " OR committed_at < now() - make_interval(secs => $3))",
							  3, types, v, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "kafkapg: could not remove expired offsets");
	r->removed = (int64) SPI_processed;
	if (SPI_execute_with_args("DELETE FROM kafkapg.consumer_group WHERE group_id = ANY ($2)",
							  3, types, v, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "kafkapg: could not remove expired groups");
	SPI_finish();
}

/* Under the lock: sorts the held groups into kept and expired. */
static void
classify_groups(Retention *r, int64 now)
{
	HASH_SEQ_STATUS seq;
	KpGroup    *g;
	int64		retention_ms = (int64) kp_offsets_retention_minutes * 60 * 1000;

	hash_seq_init(&seq, kp_group_table);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		if (g->state == KP_GROUP_EMPTY && g->state_since_ms + retention_ms <= now)
			r->expired = lappend(r->expired, pstrdup(g->group_id));
		else
			r->keep = lappend(r->keep, pstrdup(g->group_id));
	}
}

/* Drops the expired groups that are still Empty from shared memory. */
static void
drop_expired(Retention *r, int64 now)
{
	ListCell   *lc;
	int64		retention_ms = (int64) kp_offsets_retention_minutes * 60 * 1000;

	LWLockAcquire(&kp_groups->lock, LW_EXCLUSIVE);
	foreach(lc, r->expired)
	{
		KpGroup    *g = kp_group_lookup(lfirst(lc));

		if (g != NULL && g->state == KP_GROUP_EMPTY && g->state_since_ms + retention_ms <= now &&
			g->nmembers == 0)
			kp_group_drop(g);
	}
	LWLockRelease(&kp_groups->lock);
}

/*
 * offsets.retention.minutes: the committed offsets of a group that has
 * been Empty that long go (and the group with them); so do the offsets of a
 * group the coordinator does not hold (a simple consumer) committed that
 * long ago.  Groups with members keep theirs.  Run by broker worker 1
 * every kafkapg.offsets_retention_check_interval_ms.
 */
void
kp_groups_expire_offsets(void)
{
	Retention	r = {NIL, NIL, 0};
	int64		now = kp_now_ms();
	int			sqlerrcode;
	char	   *message;

	if (now < kp_groups->next_retention_ms)
		return;
	kp_groups->next_retention_ms = now + kp_offsets_retention_check_interval_ms;
	LWLockAcquire(&kp_groups->lock, LW_SHARED);
	classify_groups(&r, now);
	LWLockRelease(&kp_groups->lock);
	if (!kp_broker_run_ddl(expire_offsets, &r, "kafkapg: removing expired offsets",
						   &sqlerrcode, &message))
	{
		ereport(LOG, (errmsg("kafkapg: could not remove expired offsets: %s", message)));
		return;
	}
	drop_expired(&r, now);
	if (r.removed > 0 || r.expired != NIL)
		ereport(LOG,
				(errmsg("kafkapg: removed %lld committed offsets older than kafkapg.offsets_retention_minutes (%d) and %d expired empty groups",
						(long long) r.removed, kp_offsets_retention_minutes,
						list_length(r.expired))));
}
