/*-------------------------------------------------------------------------
 *
 * durability.c
 *	  kafkapg.durability(): how far the log is durable, and the WAL that
 *	  crash recovery still needs.
 *
 * Reads the WAL flusher's counters (atomics in shared memory) and the
 * server's WAL positions; takes no lock the broker waits for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/pg_lsn.h"

#include "kafkapg/shmem.h"
#include "kafkapg/wal/wal.h"

PG_FUNCTION_INFO_V1(kp_sql_durability);

static Datum
lsn_or_null(uint64 lsn, bool *isnull)
{
	*isnull = lsn == 0;
	return LSNGetDatum((XLogRecPtr) lsn);
}

Datum
kp_sql_durability(PG_FUNCTION_ARGS)
{
	KpFlusherShared *f = &kp_shared->flusher;
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10] = {0};
	bool		recovery = RecoveryInProgress();
	XLogRecPtr	insert = recovery ? GetXLogReplayRecPtr(NULL) : GetXLogInsertRecPtr();
	XLogRecPtr	redo = GetRedoRecPtr();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	/* on a standby everything replayed is durable */
	values[0] = lsn_or_null(recovery ? insert : pg_atomic_read_u64(&f->durable_lsn), &nulls[0]);
	values[1] = lsn_or_null(pg_atomic_read_u64(&f->flush_request), &nulls[1]);
	values[2] = LSNGetDatum(insert);
	values[3] = LSNGetDatum(redo);
	values[4] = DirectFunctionCall1(int8_numeric,
									Int64GetDatum(insert > redo ? (int64) (insert - redo) : 0));
	values[5] = BoolGetDatum(!recovery && kp_sync_rep_wanted());
	values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&f->cycles));
	values[7] = Int64GetDatum((int64) pg_atomic_read_u64(&f->segment_syncs));
	values[8] = Float8GetDatum(pg_atomic_read_u64(&f->last_cycle_us) / 1000.0);
	values[9] = BoolGetDatum(recovery);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
