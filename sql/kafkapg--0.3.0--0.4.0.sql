-- kafkapg 0.3.0 -> 0.4.0: committed consumer offsets.
\echo Use "ALTER EXTENSION kafkapg UPDATE" to load this file. \quit

SELECT kafkapg._check_database();

-- ---------------------------------------------------------------- offsets
-- Committed offsets of consumer groups: written by OffsetCommit (one short
-- transaction per request, acknowledged once its commit record is durable)
-- and by kafkapg.commit_offset() in the caller's transaction.  A topic's
-- offsets go with the topic (ON DELETE CASCADE), as Kafka drops the offsets
-- of deleted partitions.
CREATE TABLE kafkapg.consumer_offset (
    group_id text NOT NULL CHECK (group_id <> ''),
    topic_id uuid NOT NULL REFERENCES kafkapg.topic (topic_id) ON DELETE CASCADE,
    partition int NOT NULL CHECK (partition >= 0),
    committed_offset bigint NOT NULL,
    leader_epoch int NOT NULL DEFAULT -1,
    metadata text,
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic_id, partition)
);
CREATE INDEX ON kafkapg.consumer_offset (topic_id, partition);
COMMENT ON TABLE kafkapg.consumer_offset IS
    'Committed consumer offsets (OffsetCommit, kafkapg.commit_offset)';
SELECT pg_catalog.pg_extension_config_dump('kafkapg.consumer_offset', '');

CREATE VIEW kafkapg.consumer_offsets AS
    SELECT o.group_id, t.name AS topic, o.partition, o.committed_offset,
           o.leader_epoch, o.metadata, o.committed_at
      FROM kafkapg.consumer_offset o JOIN kafkapg.topic t USING (topic_id);
GRANT SELECT ON kafkapg.consumer_offsets TO PUBLIC;
COMMENT ON VIEW kafkapg.consumer_offsets IS 'One row per committed group offset';

-- log_end_offset is what a consumer can reach (the high watermark), as in
-- kafka-consumer-groups --describe; lag is never negative.
CREATE VIEW kafkapg.consumer_lag AS
    SELECT o.group_id, t.name AS topic, o.partition, o.committed_offset,
           p.high_watermark AS log_end_offset,
           greatest(p.high_watermark - o.committed_offset, 0) AS lag,
           o.committed_at
      FROM kafkapg.consumer_offset o
      JOIN kafkapg.topic t USING (topic_id)
      JOIN kafkapg.partition_state() p ON p.topic = t.name AND p.partition = o.partition;
GRANT SELECT ON kafkapg.consumer_lag TO PUBLIC;
COMMENT ON VIEW kafkapg.consumer_lag IS
    'Committed offset, reachable end and lag of every group partition';

-- ---------------------------------------------------------------- groups
-- The coordinator keeps groups in shared memory; this is its durable copy,
-- written when a group becomes Stable (with the leader's assignment) or
-- Empty, and loaded back after a restart, a crash or a promotion.  Only the
-- protocol the group chose is kept of each member's offers, as in Kafka.
CREATE TABLE kafkapg.consumer_group (
    group_id text PRIMARY KEY CHECK (group_id <> ''),
    version bigint NOT NULL,
    state text NOT NULL,
    generation int NOT NULL,
    protocol_type text,
    protocol text,
    leader text,
    state_changed_at timestamptz NOT NULL
);
COMMENT ON TABLE kafkapg.consumer_group IS
    'Stored state of each consumer group (the live state is in shared memory)';
SELECT pg_catalog.pg_extension_config_dump('kafkapg.consumer_group', '');

CREATE TABLE kafkapg.consumer_group_member (
    group_id text NOT NULL REFERENCES kafkapg.consumer_group ON DELETE CASCADE,
    ordinal int NOT NULL,
    member_id text NOT NULL,
    group_instance_id text,
    client_id text NOT NULL,
    client_host text NOT NULL,
    session_timeout_ms int NOT NULL,
    rebalance_timeout_ms int NOT NULL,
    subscription bytea NOT NULL,
    assignment bytea NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
COMMENT ON TABLE kafkapg.consumer_group_member IS
    'Stored members of each consumer group, with their subscription and assignment';
SELECT pg_catalog.pg_extension_config_dump('kafkapg.consumer_group_member', '');

CREATE FUNCTION kafkapg.group_state(
    OUT group_id text, OUT state text, OUT protocol_type text, OUT protocol text,
    OUT generation int, OUT members int)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_group_state'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog;
CREATE VIEW kafkapg.consumer_groups AS SELECT * FROM kafkapg.group_state();
GRANT SELECT ON kafkapg.consumer_groups TO PUBLIC;
COMMENT ON VIEW kafkapg.consumer_groups IS
    'Every consumer group: live state from shared memory (stored state on a standby)';

CREATE FUNCTION kafkapg.group_member_state(
    OUT group_id text, OUT member_id text, OUT group_instance_id text,
    OUT client_id text, OUT client_host text, OUT assignment jsonb)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_group_member_state'
    LANGUAGE C VOLATILE STRICT;
CREATE VIEW kafkapg.group_members AS SELECT * FROM kafkapg.group_member_state();
GRANT SELECT ON kafkapg.group_members TO PUBLIC;
COMMENT ON VIEW kafkapg.group_members IS
    'Live members of every consumer group, with their assignment as {"topic": [partitions]}';

CREATE FUNCTION kafkapg.commit_offset(group_id text, topic text, partition int,
                                      "offset" bigint, metadata text DEFAULT NULL)
    RETURNS void
    AS 'MODULE_PATHNAME', 'kp_sql_commit_offset'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION kafkapg.commit_offset(text, text, int, bigint, text) IS
    'Commits a group offset in the caller''s transaction (refused while the group has live members)';
REVOKE ALL ON FUNCTION kafkapg.commit_offset(text, text, int, bigint, text) FROM PUBLIC;

CREATE FUNCTION kafkapg.reset_offsets(group_id text, topic text, "to" text,
                                      "offset" bigint DEFAULT NULL,
                                      "timestamp" timestamptz DEFAULT NULL,
                                      OUT partition int, OUT previous_offset bigint,
                                      OUT new_offset bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'kp_sql_reset_offsets'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION kafkapg.reset_offsets(text, text, text, bigint, timestamptz) IS
    'Moves a group''s offsets of a topic to ''earliest'', ''latest'', an ''offset'' or a ''timestamp'' (kafka-consumer-groups --reset-offsets)';
REVOKE ALL ON FUNCTION kafkapg.reset_offsets(text, text, text, bigint, timestamptz) FROM PUBLIC;

CREATE FUNCTION kafkapg.consume(group_id text, topic text, max_records int DEFAULT 100)
    RETURNS SETOF kafkapg.consumer_record
    AS 'MODULE_PATHNAME', 'kp_sql_consume'
    LANGUAGE C VOLATILE ROWS 100;
COMMENT ON FUNCTION kafkapg.consume(text, text, int) IS
    'Reads a group''s next records and advances its offsets in the caller''s transaction (exactly once with the caller''s writes)';
REVOKE ALL ON FUNCTION kafkapg.consume(text, text, int) FROM PUBLIC;
