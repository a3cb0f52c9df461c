--
-- lsm_run: sorted runs and their bloom filters (src/lsm/run_build.c,
-- src/lsm/run_read.c, src/lsm/bloom.c).
--
-- kvam._run_selftest builds a synthetic run in the main fork of a scratch
-- heap table (never scanned: the pages appended are not heap pages) and
-- reads it back: full scan, a point lookup of every key, lookups of absent
-- keys, pseudo-random ranges, bloom probes.  Keys share a long prefix so
-- that index separators are as long as the keys.  Only counts and
-- booleans are shown; bloom_fp_rate and head are left out.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

-- the bloom filter alone, at exactly 10 bits per key (one and ten pages)
-- and at a lower density
SELECT kvam._bloom_selftest(6451, 200000) - 'fp_rate' - 'bits_per_key' AS bloom;
SELECT kvam._bloom_selftest(64510, 200000) - 'fp_rate' - 'bits_per_key' AS bloom;
SELECT kvam._bloom_selftest(20000, 200000) - 'fp_rate' - 'bits_per_key' AS bloom;
SELECT kvam._bloom_selftest(0, 1000) - 'fp_rate' - 'bits_per_key' AS bloom;

CREATE FUNCTION run_test(rel regclass, nkeys int, vpk int, keysize int)
RETURNS TABLE (key text, value jsonb) LANGUAGE sql AS $$
  SELECT key, value
  FROM jsonb_each(kvam._run_selftest(rel, nkeys, vpk, keysize))
  WHERE key NOT IN ('bloom_fp_rate', 'head')
  ORDER BY key
$$;

--
-- a WAL-logged table
--
CREATE TABLE run_scratch (x int) WITH (autovacuum_enabled = false);

-- empty run: nothing written
SELECT * FROM run_test('run_scratch', 0, 1, 16);
SELECT pg_relation_size('run_scratch') AS bytes;

-- one key: head, one data page, no index, one bloom page
SELECT * FROM run_test('run_scratch', 1, 1, 16);
SELECT pg_relation_size('run_scratch') / 8192 AS blocks;

-- small runs with a one-page index
SELECT * FROM run_test('run_scratch', 100, 1, 16);
SELECT * FROM run_test('run_scratch', 100, 3, 64);

-- 20000 keys of 300 bytes: three index levels
SELECT * FROM run_test('run_scratch', 20000, 1, 300);
SELECT * FROM run_test('run_scratch', 20000, 3, 300);

-- few keys with many versions: one key's versions span several pages
SELECT * FROM run_test('run_scratch', 5, 200, 300);

-- keys longer than an index entry can hold whole (cut separators, exact
-- comparison from the data page), up to the largest key
SELECT * FROM run_test('run_scratch', 300, 2, 4000);
SELECT * FROM run_test('run_scratch', 40, 1, 7000);

-- the runs lie in the relation one after the other (3 + 5 + 9 + 1010 +
-- 3015 + 53 + 710 + 64 blocks) and are readable again in later statements,
-- after a checkpoint
SELECT pg_relation_size('run_scratch') / 8192 AS blocks;
CHECKPOINT;
CREATE FUNCTION run_verify(rel regclass, head bigint, nblocks bigint,
                           nkeys int, vpk int, keysize int)
RETURNS TABLE (key text, value jsonb) LANGUAGE sql AS $$
  SELECT key, value
  FROM jsonb_each(kvam._run_verify(rel, head, nblocks, nkeys, vpk, keysize))
  WHERE key NOT IN ('bloom_fp_rate')
  ORDER BY key
$$;
SELECT * FROM run_verify('run_scratch', 3, 5, 100, 1, 16);
SELECT * FROM run_verify('run_scratch', 1027, 3015, 20000, 3, 300);
SELECT * FROM run_verify('run_scratch', 4095, 710, 300, 2, 4000);
-- a wrong head is detected, not followed
SELECT * FROM run_verify('run_scratch', 1, 3, 100, 1, 16);
SELECT * FROM run_verify('run_scratch', 4, 5, 100, 1, 16);

--
-- a temporary table (local buffers, no WAL)
--
CREATE TEMP TABLE run_temp (x int);
SELECT * FROM run_test('run_temp', 1, 1, 16);
SELECT * FROM run_test('run_temp', 100, 3, 16);
SELECT * FROM run_test('run_temp', 20000, 3, 300);
SELECT * FROM run_test('run_temp', 5, 200, 300);
SELECT * FROM run_test('run_temp', 300, 2, 4000);
SELECT * FROM run_test('run_temp', 40, 1, 7000);
SELECT pg_relation_size('run_temp') / 8192 AS blocks;

-- argument checks
SELECT kvam._run_selftest('run_temp', 1, 0, 16);
SELECT kvam._run_selftest('run_temp', 1, 1, 8);
SELECT kvam._run_selftest('run_temp', 1, 1, 7001);
SELECT kvam._run_verify('run_temp', 0, 1000000, 1, 1, 16);
CREATE VIEW run_view AS SELECT 1 AS x;
SELECT kvam._run_selftest('run_view', 1, 1, 16);
DROP VIEW run_view;

-- only superusers may write runs into arbitrary tables
CREATE ROLE kvam_run_tester;
GRANT USAGE ON SCHEMA kvam TO kvam_run_tester;
SET ROLE kvam_run_tester;
SELECT kvam._run_selftest('run_temp', 1, 1, 16);
RESET ROLE;
GRANT EXECUTE ON FUNCTION kvam._run_selftest(regclass, int, int, int) TO kvam_run_tester;
SET ROLE kvam_run_tester;
SELECT kvam._run_selftest('run_temp', 1, 1, 16);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION kvam._run_selftest(regclass, int, int, int) FROM kvam_run_tester;
REVOKE USAGE ON SCHEMA kvam FROM kvam_run_tester;
DROP ROLE kvam_run_tester;

DROP TABLE run_scratch;
DROP TABLE run_temp;
DROP FUNCTION run_test(regclass, int, int, int);
DROP FUNCTION run_verify(regclass, bigint, bigint, int, int, int);
