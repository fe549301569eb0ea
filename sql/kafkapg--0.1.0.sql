-- kafkapg 0.1.0: install script
\echo Use "CREATE EXTENSION kafkapg" to load this file. \quit

CREATE SCHEMA kafkapg;
GRANT USAGE ON SCHEMA kafkapg TO PUBLIC;

-- Calling a C function first loads the library, so CREATE EXTENSION fails
-- at once, with the preload hint, when kafkapg is not in
-- shared_preload_libraries (even with check_function_bodies off).
CREATE FUNCTION kafkapg.version() RETURNS text
    AS 'MODULE_PATHNAME', 'kp_sql_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kafkapg.version() IS 'kafkapg library version';
SELECT kafkapg.version();

-- Cluster identity: one row, created once with the extension.
CREATE FUNCTION kafkapg._generate_cluster_id() RETURNS text
    AS 'MODULE_PATHNAME', 'kp_sql_generate_cluster_id'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION kafkapg._generate_cluster_id() FROM PUBLIC;

CREATE TABLE kafkapg.cluster (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    cluster_id text NOT NULL CHECK (cluster_id ~ '^[A-Za-z0-9_][A-Za-z0-9_-]{21}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kafkapg.cluster IS 'Kafka cluster id of this server (one row)';
INSERT INTO kafkapg.cluster (cluster_id) VALUES (kafkapg._generate_cluster_id());
SELECT pg_catalog.pg_extension_config_dump('kafkapg.cluster', '');
GRANT SELECT ON kafkapg.cluster TO PUBLIC;

CREATE FUNCTION kafkapg.cluster_id() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT cluster_id FROM kafkapg.cluster);
COMMENT ON FUNCTION kafkapg.cluster_id() IS 'Kafka cluster id, as clients see it in Metadata';

-- Broker workers, read from shared memory.
CREATE FUNCTION kafkapg.broker_workers(
    OUT worker int, OUT pid int, OUT listening boolean, OUT connections int,
    OUT requests bigint, OUT connections_closed_on_error bigint,
    OUT started_at timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_broker_workers'
    LANGUAGE C VOLATILE STRICT;
CREATE VIEW kafkapg.broker_workers AS SELECT * FROM kafkapg.broker_workers();
GRANT SELECT ON kafkapg.broker_workers TO PUBLIC;
COMMENT ON VIEW kafkapg.broker_workers IS 'One row per kafkapg broker worker process';

-- Test hook: the next request of this API key fails inside the worker.
CREATE FUNCTION kafkapg.debug_fail_next_request(api_key int) RETURNS void
    AS 'MODULE_PATHNAME', 'kp_sql_debug_fail_next_request'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION kafkapg.debug_fail_next_request(int) FROM PUBLIC;
