/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  SQL functions about the broker itself: version, cluster id
 *	  generation, the broker workers view, and the fault-injection hook.
 *
 * kafkapg.broker_workers() reads shared memory without blocking the
 * workers (a spinlock held for a few loads, atomics for counters).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "kafkapg/catalog/cluster.h"
#include "kafkapg/catalog/topics.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/protocol/apis.h"
#include "kafkapg/shmem.h"

PG_FUNCTION_INFO_V1(kp_sql_version);
PG_FUNCTION_INFO_V1(kp_sql_check_database);
PG_FUNCTION_INFO_V1(kp_sql_generate_cluster_id);
PG_FUNCTION_INFO_V1(kp_sql_broker_workers);
PG_FUNCTION_INFO_V1(kp_sql_debug_fail_next_request);

Datum
kp_sql_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(KAFKAPG_VERSION));
}

/* Called by the install script: the extension belongs in kafkapg.database. */
Datum
kp_sql_check_database(PG_FUNCTION_ARGS)
{
	kp_check_database();
	PG_RETURN_VOID();
}

Datum
kp_sql_generate_cluster_id(PG_FUNCTION_ARGS)
{
	char		id[64];

	kp_cluster_id_generate(id, sizeof(id));
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

#define BROKER_WORKERS_COLS 7

/* One row per configured broker worker. */
Datum
kp_sql_broker_workers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < kp_workers; i++)
	{
		KpWorkerSlot *slot = &kp_shared->workers[i];
		Datum		values[BROKER_WORKERS_COLS];
		bool		nulls[BROKER_WORKERS_COLS] = {0};
		pid_t		pid;
		bool		listening;
		TimestampTz started;

		SpinLockAcquire(&kp_shared->mutex);
		pid = slot->pid;
		listening = slot->listening;
		started = slot->started_at;
		SpinLockRelease(&kp_shared->mutex);

		values[0] = Int32GetDatum(i + 1);
		values[1] = Int32GetDatum(pid);
		nulls[1] = (pid == 0);
		values[2] = BoolGetDatum(pid != 0 && listening);
		values[3] = Int32GetDatum(pid != 0 ? pg_atomic_read_u32(&slot->connections) : 0);
		values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&slot->requests));
		values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&slot->connections_closed_on_error));
		values[6] = TimestampTzGetDatum(started);
		nulls[6] = (pid == 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Arms a one-shot ERROR in the next request of the given API key. */
Datum
kp_sql_debug_fail_next_request(PG_FUNCTION_ARGS)
{
	int32		api_key = PG_GETARG_INT32(0);

	if (kp_api_schema((int16) api_key) == NULL || api_key < 0 || api_key > INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown Kafka API key %d", api_key),
				 errhint("Use the key of an API the broker implements, e.g. 3 for Metadata or 18 for ApiVersions.")));
	pg_atomic_write_u32(&kp_shared->fault_api_key, (uint32) api_key + 1);
	PG_RETURN_VOID();
}
