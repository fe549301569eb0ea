-- kafkapg 0.2.0: install script
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

CREATE FUNCTION kafkapg._check_database() RETURNS void
    AS 'MODULE_PATHNAME', 'kp_sql_check_database'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION kafkapg._check_database() FROM PUBLIC;
SELECT kafkapg._check_database();

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

-- ---------------------------------------------------------------- topics
-- The catalog of topics.  Partition logs live in segment files under
-- kafkapg.data_directory; their state is in shared memory (kafkapg.partitions).
-- Change topics only through kafkapg.create_topic()/delete_topic() or the
-- Kafka protocol: a row written directly is not seen by the broker until the
-- next server start.
CREATE TABLE kafkapg.topic (
    topic_id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE
        CHECK (name ~ '^[A-Za-z0-9._-]{1,249}$' AND name NOT IN ('.', '..')),
    partitions int NOT NULL CHECK (partitions > 0),
    config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kafkapg.topic IS 'Kafka topics (use kafkapg.create_topic/delete_topic to change)';
SELECT pg_catalog.pg_extension_config_dump('kafkapg.topic', '');

CREATE VIEW kafkapg.topics AS
    SELECT name AS topic, topic_id, partitions, config, created_at FROM kafkapg.topic;
GRANT SELECT ON kafkapg.topics TO PUBLIC;
COMMENT ON VIEW kafkapg.topics IS 'One row per topic';

CREATE FUNCTION kafkapg.create_topic(topic text, partitions int DEFAULT 1,
                                     config jsonb DEFAULT '{}')
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'kp_sql_create_topic'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION kafkapg.create_topic(text, int, jsonb) IS
    'Creates a topic (visible when the transaction commits); returns its id';
REVOKE ALL ON FUNCTION kafkapg.create_topic(text, int, jsonb) FROM PUBLIC;

CREATE FUNCTION kafkapg.delete_topic(topic text) RETURNS void
    AS 'MODULE_PATHNAME', 'kp_sql_delete_topic'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION kafkapg.delete_topic(text) IS
    'Deletes a topic; its files are removed when the transaction commits';
REVOKE ALL ON FUNCTION kafkapg.delete_topic(text) FROM PUBLIC;

CREATE FUNCTION kafkapg.partition_state(
    OUT topic text, OUT partition int, OUT log_start_offset bigint,
    OUT high_watermark bigint, OUT last_stable_offset bigint,
    OUT size_bytes bigint, OUT segments int, OUT last_append_at timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_partition_state'
    LANGUAGE C VOLATILE STRICT;
CREATE VIEW kafkapg.partitions AS SELECT * FROM kafkapg.partition_state();
GRANT SELECT ON kafkapg.partitions TO PUBLIC;
COMMENT ON VIEW kafkapg.partitions IS 'One row per partition, from shared memory';

CREATE TYPE kafkapg.consumer_record AS (
    partition int,
    "offset" bigint,
    "timestamp" timestamptz,
    key bytea,
    value bytea,
    headers jsonb
);
COMMENT ON TYPE kafkapg.consumer_record IS 'A record as SQL reads it';

CREATE FUNCTION kafkapg.read(topic text, partition int, from_offset bigint DEFAULT 0,
                             max_records int DEFAULT 1000)
    RETURNS SETOF kafkapg.consumer_record
    AS 'MODULE_PATHNAME', 'kp_sql_read'
    LANGUAGE C VOLATILE ROWS 1000;
COMMENT ON FUNCTION kafkapg.read(text, int, bigint, int) IS
    'Records of one partition from an offset, up to the high watermark';
REVOKE ALL ON FUNCTION kafkapg.read(text, int, bigint, int) FROM PUBLIC;
