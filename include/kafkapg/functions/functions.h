/*-------------------------------------------------------------------------
 *
 * functions.h
 *	  What the SQL function files share: reading a partition's records
 *	  into a materialized set-returning function's tuple store.
 *
 * Runs in SQL backends, inside the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_FUNCTIONS_FUNCTIONS_H
#define KAFKAPG_FUNCTIONS_FUNCTIONS_H

#include "fmgr.h"
#include "funcapi.h"

#include "kafkapg/storage/storage.h"

extern int	kp_sql_read_chunk(ReturnSetInfo *rsinfo, const KpTopicInfo *t, int32 partition,
							  int64 *offset, int limit);

#endif							/* KAFKAPG_FUNCTIONS_FUNCTIONS_H */
