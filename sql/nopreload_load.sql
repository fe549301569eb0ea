--
-- Without kafkapg in shared_preload_libraries the library refuses to load,
-- and CREATE EXTENSION fails with the same hint, leaving nothing behind.
--
SHOW shared_preload_libraries;
CREATE EXTENSION kafkapg;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'kafkapg';
SELECT count(*) AS kafkapg_schemas FROM pg_namespace WHERE nspname = 'kafkapg';
LOAD 'kafkapg';
