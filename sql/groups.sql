--
-- Consumer groups from SQL: the consumer_groups, group_members,
-- consumer_offsets and consumer_lag views, commit_offset, reset_offsets and
-- consume, with their errors.  Topics are empty here (records cannot be
-- produced from SQL yet): reading real records, live Kafka members and
-- concurrent consume() callers are covered by the client tests.
--
CREATE EXTENSION kafkapg;
\set VERBOSITY default
SELECT kafkapg.create_topic('orders', 3) IS NOT NULL AS created;
SELECT * FROM kafkapg.consumer_groups;
SELECT * FROM kafkapg.group_members;

-- ------------------------------------------------------------ commit_offset
SELECT kafkapg.commit_offset('billing', 'orders', 0, 5);
SELECT kafkapg.commit_offset('billing', 'orders', 1, 7, 'processed by job 12');
SELECT group_id, topic, partition, committed_offset, leader_epoch, metadata,
       committed_at <= now() AS committed_in_past
FROM kafkapg.consumer_offsets ORDER BY partition;
-- a group known only by its offsets is Empty
SELECT * FROM kafkapg.consumer_groups;
-- lag: nothing was produced, so the log end is 0 and lag never negative
SELECT group_id, topic, partition, committed_offset, log_end_offset, lag
FROM kafkapg.consumer_lag ORDER BY partition;
-- committing again replaces the offset and its metadata
SELECT kafkapg.commit_offset('billing', 'orders', 1, 0);
SELECT partition, committed_offset, metadata FROM kafkapg.consumer_offsets
WHERE group_id = 'billing' ORDER BY partition;
-- the caller's transaction decides
BEGIN;
SELECT kafkapg.commit_offset('billing', 'orders', 2, 9);
ROLLBACK;
SELECT count(*) AS partition_2_rows FROM kafkapg.consumer_offsets
WHERE group_id = 'billing' AND partition = 2;

-- errors
SELECT kafkapg.commit_offset('billing', 'nosuch', 0, 1);
\echo :SQLSTATE
SELECT kafkapg.commit_offset('billing', 'orders', 3, 1);
\echo :SQLSTATE
SELECT kafkapg.commit_offset('billing', 'orders', 0, -1);
\echo :SQLSTATE
SELECT kafkapg.commit_offset('', 'orders', 0, 1);
\echo :SQLSTATE
SELECT kafkapg.commit_offset(NULL, 'orders', 0, 1);
\echo :SQLSTATE
SELECT kafkapg.commit_offset('billing', 'orders', 0, 1, repeat('x', 4097));
\echo :SQLSTATE

-- ------------------------------------------------------------ reset_offsets
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'earliest');
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'latest');
-- an offset past the log end is clamped to it, as kafka-consumer-groups does
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'offset', "offset" => 100);
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'timestamp',
                                    "timestamp" => now() - interval '1 day');
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'sideways');
\echo :SQLSTATE
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'offset');
\echo :SQLSTATE
SELECT * FROM kafkapg.reset_offsets('billing', 'orders', 'timestamp');
\echo :SQLSTATE
SELECT * FROM kafkapg.reset_offsets('billing', 'nosuch', 'earliest');
\echo :SQLSTATE

-- ------------------------------------------------------------ consume
-- nothing to read: no rows, and every partition gets a position (its log start)
SELECT * FROM kafkapg.consume('loader', 'orders');
SELECT partition, committed_offset FROM kafkapg.consumer_offsets
WHERE group_id = 'loader' ORDER BY partition;
SELECT * FROM kafkapg.consume('loader', 'orders', -1);
\echo :SQLSTATE
SELECT * FROM kafkapg.consume('loader', 'nosuch');
\echo :SQLSTATE

-- ------------------------------------------------------------ permissions
CREATE ROLE kp_group_reader;
SET ROLE kp_group_reader;
SELECT count(*) >= 0 AS can_read_views FROM kafkapg.consumer_groups, kafkapg.consumer_lag;
SELECT kafkapg.commit_offset('billing', 'orders', 0, 1);
\echo :SQLSTATE
RESET ROLE;
DROP ROLE kp_group_reader;

-- deleting the topic deletes its offsets
SELECT kafkapg.delete_topic('orders');
SELECT count(*) AS offsets_left FROM kafkapg.consumer_offset;
SELECT * FROM kafkapg.consumer_groups;
DROP EXTENSION kafkapg;
