--
-- CREATE EXTENSION, the foundation's SQL surface, and DROP EXTENSION.
--
CREATE EXTENSION kafkapg SCHEMA public;
CREATE EXTENSION kafkapg;
SELECT kafkapg.version();

-- The cluster id: Kafka's 22-character unpadded base64url UUID, stable.
SELECT length(kafkapg.cluster_id()) AS len,
       kafkapg.cluster_id() ~ '^[A-Za-z0-9_][A-Za-z0-9_-]{21}$' AS kafka_form,
       kafkapg.cluster_id() = kafkapg.cluster_id() AS stable;
SELECT count(*) AS rows FROM kafkapg.cluster;
\set VERBOSITY terse
INSERT INTO kafkapg.cluster (singleton, cluster_id) VALUES (true, 'AAAAAAAAAAAAAAAAAAAAAA');
INSERT INTO kafkapg.cluster (singleton, cluster_id) VALUES (false, 'AAAAAAAAAAAAAAAAAAAAAA');
UPDATE kafkapg.cluster SET cluster_id = 'not a valid id';
\set VERBOSITY default
SELECT count(DISTINCT kafkapg._generate_cluster_id()) AS distinct_ids,
       bool_and(kafkapg._generate_cluster_id() !~ '^-') AS no_leading_dash
FROM generate_series(1, 200);

-- One row per broker worker.  kafkapg.database is this database, which
-- did not exist when the server started, so the worker may still be
-- restarting: wait until it runs and listens.
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT bool_and(listening) FROM kafkapg.broker_workers);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT worker, pid IS NOT NULL AS running, listening
FROM kafkapg.broker_workers ORDER BY worker;
SELECT count(*) = current_setting('kafkapg.workers')::int AS one_row_per_worker
FROM kafkapg.broker_workers;

-- Parameters (kafkapg.port is chosen per test run, so left out).
SELECT name, setting, unit, context FROM pg_settings
WHERE name LIKE 'kafkapg.%' AND name <> 'kafkapg.port' ORDER BY name;
SET kafkapg.no_such_parameter = 1;
SET kafkapg.advertised_port = 1;
ALTER SYSTEM SET kafkapg.advertised_port = 70000;

-- The fault-injection hook checks its argument and is superuser-only.
SELECT kafkapg.debug_fail_next_request(9999);
SELECT kafkapg.debug_fail_next_request(-1);
SELECT kafkapg.debug_fail_next_request(3);
CREATE ROLE regress_kafkapg_user;
SET ROLE regress_kafkapg_user;
SELECT kafkapg.debug_fail_next_request(3);
SELECT kafkapg._generate_cluster_id();
SELECT kafkapg.cluster_id() IS NOT NULL AS anyone_can_read_cluster_id;
SELECT count(*) > 0 AS anyone_can_see_workers FROM kafkapg.broker_workers;
RESET ROLE;
DROP ROLE regress_kafkapg_user;

-- Every object belongs to the extension and goes with it.
SELECT pg_describe_object(classid, objid, 0) COLLATE "C" AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kafkapg')
ORDER BY 1;
CREATE TEMP TABLE old_id AS SELECT kafkapg.cluster_id() AS id;
DROP EXTENSION kafkapg;
SELECT count(*) AS kafkapg_schemas FROM pg_namespace WHERE nspname = 'kafkapg';

-- A new extension is a new cluster.
CREATE EXTENSION kafkapg;
SELECT kafkapg.cluster_id() <> (SELECT id FROM old_id) AS new_cluster_id;
DROP EXTENSION kafkapg;
