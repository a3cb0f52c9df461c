-- scripts/demo.sql: what "make run" loads into the demo database "kvam".
--
-- The demo table is created below: the core team adds the
-- "CREATE TABLE demo ... USING kvam" lines (and a few rows) here once the
-- access method exists.
--
-- make run drops and recreates the database before running this file (unless
-- KVAM_KEEP_DB=1), so it starts from scratch; still prefer IF NOT EXISTS so
-- that a rerun on a kept database works.  psql runs it with ON_ERROR_STOP.

CREATE EXTENSION IF NOT EXISTS kvam;

SELECT kvam.version();

-- Demo table (to come):
-- CREATE TABLE IF NOT EXISTS demo (...) USING kvam;
