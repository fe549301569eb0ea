/*-------------------------------------------------------------------------
 *
 * cluster.c
 *	  The cluster identity: whether the extension exists in this database,
 *	  the persisted cluster id, and generating a new id.
 *
 * The cluster id is created once by CREATE EXTENSION (a random UUID in
 * Kafka's unpadded base64url form, never starting with '-', as Kafka's
 * Uuid.randomUuid) and stored in kafkapg.cluster, so it survives restarts
 * and replicates with the WAL.  A broker worker reads it in a short
 * transaction when it sees the extension appear, never per request.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "common/base64.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "kafkapg/catalog/cluster.h"
#include "kafkapg/kafkapg.h"
#include "kafkapg/storage/storage.h"

char		kp_cluster_id[64] = "";

/* Writes a fresh random cluster id (22 characters) into out. */
void
kp_cluster_id_generate(char *out, size_t outlen)
{
	uint8		raw[16];
	char		b64[32];
	int			n;

	do
	{
		if (!pg_strong_random(raw, sizeof(raw)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random cluster id")));
		n = pg_b64_encode((const char *) raw, sizeof(raw), b64, sizeof(b64));
		if (n < 0)
			elog(ERROR, "base64 encoding of cluster id failed");
		while (n > 0 && b64[n - 1] == '=')
			n--;
		b64[n] = '\0';
		for (int i = 0; i < n; i++)
		{
			if (b64[i] == '+')
				b64[i] = '-';
			else if (b64[i] == '/')
				b64[i] = '_';
		}
	} while (b64[0] == '-');
	strlcpy(out, b64, outlen);
}

static void
load_cluster_id(void)
{
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute("SELECT cluster_id FROM kafkapg.cluster", true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("kafkapg.cluster must hold exactly one row")));
	strlcpy(kp_cluster_id, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
			sizeof(kp_cluster_id));
	SPI_finish();
}

/*
 * Is the installed extension the version this library implements?  An
 * older one lacks catalog objects the broker needs; say how to fix it once.
 */
static bool
version_matches(void)
{
	static char warned[64] = "";
	char	   *v;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'kafkapg'",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the kafkapg extension version");
	v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(v, KAFKAPG_VERSION) == 0)
	{
		SPI_finish();
		return true;
	}
	if (strcmp(warned, v) != 0)
	{
		ereport(LOG,
				(errmsg("kafkapg: extension version %s in database \"%s\" does not match the library (%s)",
						v, kp_database, KAFKAPG_VERSION),
				 errhint("Run ALTER EXTENSION kafkapg UPDATE in database \"%s\".", kp_database)));
		strlcpy(warned, v, sizeof(warned));
	}
	SPI_finish();
	return false;
}

/*
 * A broker worker's own short transaction for catalog work, with a
 * snapshot and the activity shown in pg_stat_activity.
 */
void
kp_catalog_xact_begin(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

void
kp_catalog_xact_end(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * True if the kafkapg extension exists in this database at the library's
 * version; then also (re)loads the cluster id and the topic registry.
 * Runs its own short transaction.
 */
bool
kp_catalog_extension_ready(void)
{
	bool		ready;
	Oid			ext;

	kp_catalog_xact_begin("kafkapg: reading cluster identity");
	ext = get_extension_oid(KAFKAPG_EXTENSION, true);
	ready = OidIsValid(ext) && version_matches();
	if (ready)
	{
		load_cluster_id();
		kp_storage_ensure_loaded(ext);
	}
	else
		kp_cluster_id[0] = '\0';
	kp_catalog_xact_end();
	return ready;
}
