-- ALTER EXTENSION kafkapg UPDATE from every released version to the
-- current one gives the same objects as a fresh install.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS kafkapg;
RESET client_min_messages;

CREATE EXTENSION kafkapg VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'kafkapg';
SELECT to_regclass('kafkapg.topics') IS NULL AS no_topics_yet;
ALTER EXTENSION kafkapg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'kafkapg';

-- the same members as a fresh install
CREATE TEMP TABLE updated AS
  SELECT pg_describe_object(classid, objid, 0) AS member
  FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kafkapg');
DROP EXTENSION kafkapg;
CREATE EXTENSION kafkapg;
SELECT pg_describe_object(classid, objid, 0) AS member
FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kafkapg')
EXCEPT SELECT member FROM updated;
SELECT member FROM updated
EXCEPT SELECT pg_describe_object(classid, objid, 0)
FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kafkapg');
SELECT count(*) > 10 AS has_members FROM updated;

-- and it works
SELECT kafkapg.create_topic('upgraded') IS NOT NULL AS created;
SELECT topic, partitions FROM kafkapg.topics WHERE topic = 'upgraded';
SELECT kafkapg.delete_topic('upgraded');
