-- kafkapg 0.1.0 -> 0.2.0: topics, partitions and the log.
\echo Use "ALTER EXTENSION kafkapg UPDATE" to load this file. \quit

CREATE FUNCTION kafkapg._check_database() RETURNS void
    AS 'MODULE_PATHNAME', 'kp_sql_check_database'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION kafkapg._check_database() FROM PUBLIC;
SELECT kafkapg._check_database();

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
