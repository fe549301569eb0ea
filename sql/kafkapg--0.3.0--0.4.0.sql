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
