/*-------------------------------------------------------------------------
 *
 * leader.c
 *	  Who leads the partitions: the primary registers its advertised
 *	  address in kafkapg.leader; a hot standby reads it back.
 *
 * The row is written by broker worker 1 of the primary when it starts
 * serving (and after a promotion), only when it changed, so it costs no
 * WAL in steady state.  It replicates like any table: a standby's workers
 * read it about once a second (with the topic list, see
 * kp_storage_refresh_standby) into shared memory, and Metadata names that
 * broker as the leader of every partition.  A standby that has not seen a
 * row names itself.
 *
 * Locking: KpShared.leader is read and written under KpShared.mutex.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "kafkapg/broker/worker.h"
#include "kafkapg/catalog/cluster.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/shmem.h"
#include "kafkapg/storage/storage.h"

void
kp_cluster_leader(KpLeaderInfo *out)
{
	if (RecoveryInProgress())
	{
		SpinLockAcquire(&kp_shared->mutex);
		*out = kp_shared->leader;
		SpinLockRelease(&kp_shared->mutex);
		if (out->known)
			return;
	}
	out->known = true;
	out->node_id = kp_node_id;
	strlcpy(out->host, kp_guc_advertised_host(), sizeof(out->host));
	out->port = kp_guc_advertised_port();
}

static void
begin(const char *what)
{
	kp_catalog_xact_begin(what);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
end(void)
{
	SPI_finish();
	kp_catalog_xact_end();
}

/* Primary: records this broker's address (in its own transaction). */
void
kp_catalog_register_leader(void)
{
	Oid			types[4] = {INT4OID, TEXTOID, INT4OID, INT4OID};
	Datum		values[4];

	if (RecoveryInProgress())
		return;
	begin("kafkapg: registering the leader");
	values[0] = Int32GetDatum(kp_node_id);
	values[1] = CStringGetTextDatum(kp_guc_advertised_host());
	values[2] = Int32GetDatum(kp_guc_advertised_port());
	values[3] = Int32GetDatum(kp_current_leader_epoch() + 1);
	if (SPI_execute_with_args("INSERT INTO kafkapg.leader (node_id, host, port, timeline)"
							  " VALUES ($1, $2, $3, $4) ON CONFLICT (one) DO UPDATE"
							  " SET node_id = $1, host = $2, port = $3, timeline = $4,"
							  " updated_at = now()"
							  " WHERE (kafkapg.leader.node_id, kafkapg.leader.host,"
							  " kafkapg.leader.port, kafkapg.leader.timeline)"
							  " IS DISTINCT FROM ($1, $2, $3, $4)",
							  4, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not register the kafkapg leader");
	end();
}

static void
read_leader(void)
{
	KpLeaderInfo l = {0};

	if (SPI_execute("SELECT node_id, host, port FROM kafkapg.leader", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		null1,
					null3;
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		l.node_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &null1));
		strlcpy(l.host, SPI_getvalue(tup, desc, 2), sizeof(l.host));
		l.port = DatumGetInt32(SPI_getbinval(tup, desc, 3, &null3));
		l.known = !null1 && !null3;
	}
	SpinLockAcquire(&kp_shared->mutex);
	kp_shared->leader = l;
	SpinLockRelease(&kp_shared->mutex);
}

/*
 * A broker worker's periodic catalog work on a hot standby: follow the
 * topic list and the leader's address.  After a promotion, reload the
 * registry as a primary (new leader epoch) and register as the leader.
 */
void
kp_catalog_standby_tick(void)
{
	if (!kp_storage_loaded_in_recovery())
		return;
	if (!RecoveryInProgress())
	{
		ereport(LOG,
				(errmsg("kafkapg: promoted; serving as the leader with leader epoch %d",
						kp_current_leader_epoch())));
		(void) kp_catalog_extension_ready();
		if (kp_my_worker_index == 0)
			kp_catalog_register_leader();
		return;
	}
	begin("kafkapg: following the primary's catalog");
	kp_storage_refresh_standby();
	read_leader();
	end();
}
