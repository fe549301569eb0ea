--
-- Topics from SQL: create_topic, delete_topic, the topics and partitions
-- views, and read.  Ids and timestamps differ per run, so they are only
-- compared, never printed.  Errors show their DETAIL and HINT; ":SQLSTATE"
-- after an error shows its code.  Records cannot be produced from SQL yet:
-- reading real records is covered by the TAP and client tests.
--
CREATE EXTENSION kafkapg;
SELECT count(*) AS topics FROM kafkapg.topics;
SELECT count(*) AS partitions FROM kafkapg.partitions;

-- ------------------------------------------------------------ create_topic
-- Defaults: one partition, no configuration.
SELECT kafkapg.create_topic('events') AS events_id \gset
SELECT topic, partitions, config, topic_id = :'events_id' AS same_id,
       created_at <= now() AS created_in_past
FROM kafkapg.topics ORDER BY topic;
SELECT * FROM kafkapg.partitions ORDER BY topic, partition;

-- Partitions and configuration; numbers and booleans are taken as strings.
SELECT kafkapg.create_topic('orders', 3,
    '{"segment.bytes": 1048576, "retention.ms": "86400000", "preallocate": true,
      "cleanup.policy": "compact, delete", "message.timestamp.type": "LogAppendTime",
      "min.cleanable.dirty.ratio": 0.25, "retention.bytes": -1}') AS orders_id \gset
SELECT topic, partitions, topic_id = :'orders_id' AS same_id,
       topic_id <> :'events_id' AS new_id
FROM kafkapg.topics WHERE topic = 'orders';
SELECT key, value, jsonb_typeof(value) AS type
FROM kafkapg.topics, jsonb_each(config) WHERE topic = 'orders' ORDER BY key;
SELECT topic, partition, log_start_offset, high_watermark, last_stable_offset,
       size_bytes, segments, last_append_at IS NULL AS never_appended
FROM kafkapg.partitions ORDER BY topic, partition;

-- A name of exactly 249 characters (Kafka's limit) and every allowed character.
SELECT kafkapg.create_topic(repeat('n', 249)) IS NOT NULL AS created;
SELECT kafkapg.create_topic('Az09._-') IS NOT NULL AS created;
SELECT length(topic) AS len, partitions FROM kafkapg.topics
WHERE topic NOT IN ('events', 'orders') ORDER BY len;

-- Invalid names, as Kafka rejects them.
SELECT kafkapg.create_topic('');
\echo :SQLSTATE
SELECT kafkapg.create_topic('.');
SELECT kafkapg.create_topic('..');
SELECT kafkapg.create_topic(repeat('x', 250));
SELECT kafkapg.create_topic('my topic');
SELECT kafkapg.create_topic('a/b');
SELECT kafkapg.create_topic('tópico');

-- NULL arguments.
SELECT kafkapg.create_topic(NULL);
\echo :SQLSTATE
SELECT kafkapg.create_topic('t', NULL);
SELECT kafkapg.create_topic('t', 1, NULL);

-- Partition counts.
SELECT kafkapg.create_topic('t', 0);
\echo :SQLSTATE
SELECT kafkapg.create_topic('t', -1);
SELECT kafkapg.create_topic('t', 100001);
-- allowed per topic, but more than kafkapg.max_partitions (32768)
SELECT kafkapg.create_topic('t', 100000);
\echo :SQLSTATE

-- Configuration.
SELECT kafkapg.create_topic('t', 1, '[]');
\echo :SQLSTATE
SELECT kafkapg.create_topic('t', 1, '"retention.ms"');
SELECT kafkapg.create_topic('t', 1, '{"retention.ms": {"value": "1000"}}');
\echo :SQLSTATE
SELECT kafkapg.create_topic('t', 1, '{"retention.ms": ["1000"]}');
SELECT kafkapg.create_topic('t', 1, '{"retention.ms": null}');
SELECT kafkapg.create_topic('t', 1, '{"no.such.config": "1"}');
\echo :SQLSTATE
SELECT kafkapg.create_topic('t', 1, '{"segment.bytes": "10"}');
SELECT kafkapg.create_topic('t', 1, '{"message.timestamp.type": "Foo"}');
SELECT kafkapg.create_topic('t', 1, '{"retention.ms": "abc"}');
SELECT kafkapg.create_topic('t', 1, '{"cleanup.policy": "delete,foo"}');
SELECT kafkapg.create_topic('t', 1, '{"preallocate": "yes"}');
SELECT kafkapg.create_topic('t', 1, '{"min.cleanable.dirty.ratio": 1.5}');
-- the name is checked before the configuration, the configuration before existence
SELECT kafkapg.create_topic('bad name', 1, '{"no.such.config": "1"}');
SELECT kafkapg.create_topic('events', 1, '{"no.such.config": "1"}');

-- Duplicates: an existing topic, and one created earlier in the same transaction.
SELECT kafkapg.create_topic('events');
\echo :SQLSTATE
BEGIN;
SELECT kafkapg.create_topic('dup') IS NOT NULL AS created;
SELECT kafkapg.create_topic('dup');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS dup_topics FROM kafkapg.topics WHERE topic = 'dup';
SELECT kafkapg.create_topic('dup') IS NOT NULL AS created_after_rollback;

-- None of the failures left anything behind.
SELECT topic FROM kafkapg.topics ORDER BY length(topic), topic;
SELECT count(*) AS partitions FROM kafkapg.partitions;

-- ------------------------------------------------------------ transactions
-- A creation rolled back leaves no topic, and the name can be used again.
BEGIN;
SELECT kafkapg.create_topic('tx', 2) AS tx_id1 \gset
-- the catalog row is visible to the creating transaction; the partitions
-- only after commit
SELECT count(*) AS in_catalog FROM kafkapg.topics WHERE topic = 'tx';
SELECT count(*) AS live_partitions FROM kafkapg.partitions WHERE topic = 'tx';
ROLLBACK;
SELECT count(*) AS in_catalog FROM kafkapg.topics WHERE topic = 'tx';
SELECT count(*) AS live_partitions FROM kafkapg.partitions WHERE topic = 'tx';
SELECT kafkapg.create_topic('tx', 2) AS tx_id2 \gset
SELECT :'tx_id1' <> :'tx_id2' AS new_id,
       (SELECT topic_id FROM kafkapg.topics WHERE topic = 'tx') = :'tx_id2' AS id_of_committed;
SELECT partition, high_watermark FROM kafkapg.partitions WHERE topic = 'tx' ORDER BY partition;

-- A creation in a savepoint that is rolled back; the name is free again
-- in the same transaction.  A released savepoint keeps its creation.
BEGIN;
SAVEPOINT a;
SELECT kafkapg.create_topic('sp', 4) IS NOT NULL AS created;
ROLLBACK TO SAVEPOINT a;
SELECT count(*) AS in_catalog FROM kafkapg.topics WHERE topic = 'sp';
SAVEPOINT b;
SELECT kafkapg.create_topic('sp', 2) IS NOT NULL AS created;
RELEASE SAVEPOINT b;
SAVEPOINT c;
SELECT kafkapg.create_topic('sp-released') IS NOT NULL AS created;
RELEASE SAVEPOINT c;
COMMIT;
SELECT topic, partitions FROM kafkapg.topics WHERE topic LIKE 'sp%' ORDER BY topic;
SELECT topic, count(*) AS partitions FROM kafkapg.partitions
WHERE topic LIKE 'sp%' GROUP BY topic ORDER BY topic;

-- An error after the creation aborts it like any other change.
BEGIN;
SELECT kafkapg.create_topic('aborted') IS NOT NULL AS created;
SELECT 1 / 0;
ROLLBACK;
SELECT count(*) AS aborted_topics FROM kafkapg.topics WHERE topic = 'aborted';
SELECT kafkapg.create_topic('aborted') IS NOT NULL AS created_again;

-- A transaction with topic DDL cannot be prepared.
BEGIN;
SELECT kafkapg.create_topic('prepared') IS NOT NULL AS created;
PREPARE TRANSACTION 'kafkapg_topic';
\echo :SQLSTATE
SELECT count(*) AS prepared_topics FROM kafkapg.topics WHERE topic = 'prepared';
SELECT count(*) AS prepared_partitions FROM kafkapg.partitions WHERE topic = 'prepared';
SELECT kafkapg.create_topic('prepared') IS NOT NULL AS created_after_failed_prepare;

-- ------------------------------------------------------------ delete_topic
-- Deletion rolled back keeps the topic.
BEGIN;
SELECT kafkapg.delete_topic('orders');
SELECT count(*) AS in_catalog FROM kafkapg.topics WHERE topic = 'orders';
ROLLBACK;
SELECT topic, partitions, topic_id = :'orders_id' AS same_id
FROM kafkapg.topics WHERE topic = 'orders';
SELECT count(*) AS partitions FROM kafkapg.partitions WHERE topic = 'orders';

-- Deletion in a savepoint rolled back keeps it too.
BEGIN;
SAVEPOINT a;
SELECT kafkapg.delete_topic('orders');
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT count(*) AS orders_topics FROM kafkapg.topics WHERE topic = 'orders';

-- Committed deletion: gone from both views; the name is free again, for a
-- new topic with a new id.
SELECT kafkapg.delete_topic('orders');
SELECT count(*) AS in_catalog FROM kafkapg.topics WHERE topic = 'orders';
SELECT count(*) AS partitions FROM kafkapg.partitions WHERE topic = 'orders';
SELECT kafkapg.create_topic('orders') <> :'orders_id' AS new_id;
SELECT partitions, config FROM kafkapg.topics WHERE topic = 'orders';

-- Errors.
SELECT kafkapg.delete_topic('no-such-topic');
\echo :SQLSTATE
SELECT kafkapg.delete_topic('');
SELECT kafkapg.delete_topic(NULL);
\echo :SQLSTATE

-- -------------------------------------------------------------------- read
-- An empty topic has no records, from any offset.
SELECT * FROM kafkapg.read('events', 0);
SELECT count(*) AS records FROM kafkapg.read('events', 0, 0, 1000);
SELECT count(*) AS records FROM kafkapg.read('events', 0, 100, 1000);
SELECT count(*) AS records FROM kafkapg.read('events', 0, 0, 0);
SELECT count(*) AS records FROM kafkapg.read('tx', 1);

-- Errors.
SELECT * FROM kafkapg.read('no-such-topic', 0);
\echo :SQLSTATE
SELECT * FROM kafkapg.read('tx', -1);
\echo :SQLSTATE
SELECT * FROM kafkapg.read('tx', 2);
SELECT * FROM kafkapg.read('tx', 0, -1);
\echo :SQLSTATE
SELECT * FROM kafkapg.read('tx', 0, 0, -1);
SELECT * FROM kafkapg.read(NULL, 0);
\echo :SQLSTATE
SELECT * FROM kafkapg.read('tx', NULL);
SELECT * FROM kafkapg.read('tx', 0, NULL);
SELECT * FROM kafkapg.read('tx', 0, 0, NULL);
-- a topic being created is not readable before it commits
BEGIN;
SELECT kafkapg.create_topic('uncommitted') IS NOT NULL AS created;
SELECT * FROM kafkapg.read('uncommitted', 0);
ROLLBACK;

-- ------------------------------------------------------------ permissions
-- Only superusers (or roles granted EXECUTE) change topics or read
-- records; everyone may look at the views.
CREATE ROLE regress_kafkapg_topics;
SET ROLE regress_kafkapg_topics;
SELECT kafkapg.create_topic('by-user');
\echo :SQLSTATE
SELECT kafkapg.delete_topic('events');
SELECT * FROM kafkapg.read('events', 0);
SELECT count(*) FROM kafkapg.topic;
SELECT count(*) AS topics FROM kafkapg.topics;
SELECT count(*) AS partitions FROM kafkapg.partitions;
SELECT topic, partitions, config FROM kafkapg.topics WHERE topic = 'events';
RESET ROLE;
DROP ROLE regress_kafkapg_topics;
SELECT count(*) AS events_topics FROM kafkapg.topics WHERE topic = 'events';

-- Durability: the view reports the WAL kept for crash recovery; nothing is
-- in recovery on a primary, and no synchronous standby is configured here.
SELECT in_recovery, synchronous_standbys, insert_lsn >= redo_lsn AS insert_after_redo,
       retained_wal_bytes = pg_wal_lsn_diff(insert_lsn, redo_lsn) AS retained_matches,
       durable_lsn IS NULL OR durable_lsn <= insert_lsn AS durable_not_ahead
FROM kafkapg.durability;
SELECT log_end_offset = high_watermark AS all_durable, leader_epoch
FROM kafkapg.partitions ORDER BY topic, partition LIMIT 1;

-- Clean up: delete every topic, then drop the extension.
SELECT count(kafkapg.delete_topic(topic)) AS deleted FROM kafkapg.topics;
SELECT count(*) AS topics FROM kafkapg.topics;
SELECT count(*) AS partitions FROM kafkapg.partitions;
DROP EXTENSION kafkapg;
