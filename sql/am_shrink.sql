-- Run relocation (src/lsm/relocate.c): after most rows are deleted,
-- kvam.compact leaves its output runs at the end of the file (the space it
-- frees is not reusable before it commits), so VACUUM alone can cut
-- little; with relocation it moves them into the free space lower down and
-- cuts the tail off.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 2;
SET kvam.memtable_size = '64kB';
SET kvam.compaction_l0_runs = 64;
SET kvam.compaction_run_size = '64kB';
SET kvam.autoadmin = off;

-- A temporary table first: no auto-admin worker and no other session's
-- snapshot acts on it, so the layout is exactly reproducible.
CREATE TEMP TABLE s (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX s_key ON s USING kvam_key (pk, sk);
INSERT INTO s SELECT 'p' || (g % 61), g, repeat('x', 100) || g FROM generate_series(1, 30000) g;
SELECT kvam.compact('s') IS NOT NULL AS compacted;
VACUUM s;
DELETE FROM s WHERE sk % 10 <> 0;
SELECT (c->>'compactions')::int > 0 AS compacted, (c->>'runs_moved')::int AS moved
FROM kvam.compact('s') c;
-- relocation off: VACUUM cuts only the free space above the last run
SET kvam.vacuum_move_limit = 0;
VACUUM s;
RESET kvam.vacuum_move_limit;
SELECT pg_relation_size('s') / 8192 AS blocks_compacted \gset
SELECT sum(blocks) AS run_blocks FROM kvam.runs('s') \gset
-- the runs are a tenth of the file, and the last of them ends it
SELECT :blocks_compacted > 10 * :run_blocks AS file_much_larger,
       max(head_block + blocks) = :blocks_compacted AS run_at_the_end
FROM kvam.runs('s');

-- relocation on: the runs move down, the tail goes
VACUUM s;
SELECT pg_relation_size('s') / 8192 AS blocks_vacuumed \gset
SELECT sum(blocks) = :run_blocks AS same_runs, count(*) AS runs,
       max(head_block + blocks) = :blocks_vacuumed AS run_at_the_end,
       :blocks_vacuumed <= :run_blocks + 8 AS only_runs_left,
       :blocks_vacuumed * 10 < :blocks_compacted AS shrunk
FROM kvam.runs('s');
-- the bound: at most 2.5x the live data (stored versions are ~1.5x)
SELECT pg_relation_size('s') <=
       2.5 * sum(pg_column_size(pk) + pg_column_size(sk) + pg_column_size(v)) AS within_bound
FROM s;
SELECT * FROM kvam.check('s');
SELECT count(*), sum(sk) FROM s;
SET enable_seqscan = off;
SELECT v FROM s WHERE pk = 'p22' AND sk = 7220;
SELECT count(*) FROM s WHERE pk = 'p10' AND sk BETWEEN 2000 AND 4000;
RESET enable_seqscan;
-- the moved runs serve writes and compactions as before
INSERT INTO s SELECT 'q', g, 'new' FROM generate_series(1, 300) g;
SELECT kvam.compact('s') IS NOT NULL AS compacted;
VACUUM s;
SELECT * FROM kvam.check('s');
SELECT count(*) FROM s;
-- a cursor of the transaction that compacts (and may move runs) still
-- reads what it saw: retired extents wait for its end
BEGIN;
DECLARE cur CURSOR FOR SELECT sk FROM s WHERE pk = 'q' ORDER BY sk;
FETCH 2 FROM cur;
DELETE FROM s WHERE pk = 'q';
SELECT kvam.compact('s') IS NOT NULL AS compacted;
FETCH 2 FROM cur;
COMMIT;
SELECT count(*) FROM s;
SELECT * FROM kvam.check('s');
DROP TABLE s;

-- The same on a permanent table (WAL-logged; the auto-admin may compact
-- level 0 meanwhile, so only the outcome is checked: the file is mostly
-- runs).
RESET kvam.compaction_l0_runs;
CREATE TABLE p (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam
  WITH (autovacuum_enabled = false);
CREATE UNIQUE INDEX p_key ON p USING kvam_key (pk, sk);
INSERT INTO p SELECT 'p' || (g % 61), g, repeat('x', 100) || g FROM generate_series(1, 30000) g;
SELECT kvam.compact('p') IS NOT NULL AS compacted;
VACUUM p;
DELETE FROM p WHERE sk % 10 <> 0;
SELECT kvam.compact('p') IS NOT NULL AS compacted;
VACUUM p;
SELECT pg_relation_size('p') / 8192 <= sum(blocks) * 1.5 + 8 AS mostly_runs
FROM kvam.runs('p');
SELECT * FROM kvam.check('p');
SELECT count(*), sum(sk) FROM p;
DROP TABLE p;
