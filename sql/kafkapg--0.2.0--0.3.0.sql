-- kafkapg 0.2.0 -> 0.3.0: durability and replication through the WAL.
\echo Use "ALTER EXTENSION kafkapg UPDATE" to load this file. \quit

SELECT kafkapg._check_database();

-- ---------------------------------------------------------------- leader
-- The broker that accepts writes (the primary) registers its advertised
-- address here; the table replicates, so a standby's broker names the
-- primary as the leader of every partition in Metadata.
CREATE TABLE kafkapg.leader (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    node_id int NOT NULL,
    host text NOT NULL,
    port int NOT NULL CHECK (port BETWEEN 1 AND 65535),
    timeline int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kafkapg.leader IS
    'The primary''s broker address, written by its broker worker (read by standbys)';
GRANT SELECT ON kafkapg.leader TO PUBLIC;

-- ---------------------------------------------------------------- partitions
DROP VIEW kafkapg.partitions;
DROP FUNCTION kafkapg.partition_state();
CREATE FUNCTION kafkapg.partition_state(
    OUT topic text, OUT partition int, OUT log_start_offset bigint,
    OUT high_watermark bigint, OUT last_stable_offset bigint,
    OUT size_bytes bigint, OUT segments int, OUT last_append_at timestamptz,
    OUT log_end_offset bigint, OUT leader_epoch int)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_partition_state'
    LANGUAGE C VOLATILE STRICT;
CREATE VIEW kafkapg.partitions AS SELECT * FROM kafkapg.partition_state();
GRANT SELECT ON kafkapg.partitions TO PUBLIC;
COMMENT ON VIEW kafkapg.partitions IS
    'One row per partition, from shared memory; high_watermark is what is durable';

-- ---------------------------------------------------------------- durability
CREATE FUNCTION kafkapg.durability(
    OUT durable_lsn pg_lsn, OUT requested_lsn pg_lsn, OUT insert_lsn pg_lsn,
    OUT redo_lsn pg_lsn, OUT retained_wal_bytes numeric,
    OUT synchronous_standbys boolean, OUT flush_cycles bigint,
    OUT segment_fsyncs bigint, OUT last_cycle_ms double precision,
    OUT in_recovery boolean)
    AS 'MODULE_PATHNAME', 'kp_sql_durability'
    LANGUAGE C VOLATILE STRICT;
CREATE VIEW kafkapg.durability AS SELECT * FROM kafkapg.durability();
GRANT SELECT ON kafkapg.durability TO PUBLIC;
COMMENT ON VIEW kafkapg.durability IS
    'The LSN up to which the log is durable, and the WAL kept for crash recovery';
