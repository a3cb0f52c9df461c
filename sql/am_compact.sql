-- Compaction (src/lsm/compact.c), space reuse (src/lsm/space.c), VACUUM,
-- VACUUM FULL (src/am/vacuum.c, rewrite.c) and kvam.check (src/am/check.c).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 2;
SET kvam.memtable_size = '64kB';
SET kvam.compaction_l0_runs = 2;
SET kvam.compaction_run_size = '256kB';
SET kvam.autoadmin = off;	-- flush and compact inline: counts do not depend on timing

CREATE TABLE c (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX c_key ON c USING kvam_key (pk, sk);
CREATE TEMP TABLE h (pk text COLLATE "C", sk numeric, v text);

-- load, overwrite, delete, roll back: flushes trigger compactions inline
INSERT INTO c SELECT 'p' || (g % 53), g, repeat('a', 80) || g FROM generate_series(1, 4000) g;
INSERT INTO h SELECT 'p' || (g % 53), g, repeat('a', 80) || g FROM generate_series(1, 4000) g;
UPDATE c SET v = 'u' || sk WHERE sk % 3 = 0;
UPDATE h SET v = 'u' || sk WHERE sk % 3 = 0;
DELETE FROM c WHERE sk % 5 = 0;
DELETE FROM h WHERE sk % 5 = 0;
BEGIN;
INSERT INTO c SELECT 'q', g, 'rolled back' FROM generate_series(1, 1000) g;
ROLLBACK;
SELECT sum(compactions) > 0 AS compacted, max(levels) >= 2 AS leveled,
       max(runs) <= 8 AS few_runs
FROM kvam.partitions('c');
-- runs are ordered by level; level-0 runs newest first
SELECT bool_and(ok) AS ordered FROM (
  SELECT level >= lag(level, 1, 0) OVER w AND
         (level > 0 OR lag(level) OVER w IS DISTINCT FROM 0 OR run_id < lag(run_id) OVER w) AS ok
  FROM kvam.runs('c') WITH ORDINALITY AS r(partition, run_id, level, head_block, blocks,
                                          versions, tombstones, min_xmin, first_hash, n)
  WINDOW w AS (PARTITION BY partition ORDER BY n)) s;
SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM h) a) AS only_kvam,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT SELECT * FROM c) b) AS only_heap;

-- a full compaction purges superseded and aborted versions and tombstones
SELECT s->>'compactions' > '0' AS ran, (s->>'purged')::int > 0 AS purged,
       (s->>'aborted')::int > 0 AS dropped_aborted,
       (s->>'tombstones')::int > 0 AS dropped_tombstones
FROM kvam.compact('c') s;
SELECT sum(run_versions) = (SELECT count(*) FROM h) AS one_version_per_key,
       sum(l0_pages) AS l0_pages, max(levels) AS levels
FROM kvam.partitions('c');
SELECT sum(tombstones) AS tombstones FROM kvam.runs('c');
SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM h) a) AS only_kvam,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT SELECT * FROM c) b) AS only_heap;
SET enable_seqscan = off;
SELECT v FROM c WHERE pk = 'p7' AND sk = 7;
SELECT count(*) FROM c WHERE pk = 'p7' AND sk = 10;
SELECT count(*) FROM c WHERE pk = 'p7' AND sk BETWEEN 100 AND 1000;
SELECT count(*) FROM h WHERE pk = 'p7' AND sk BETWEEN 100 AND 1000;
RESET enable_seqscan;
-- replaced runs and flushed L0 pages are free extents now
SELECT count(*) > 0 AS has_free_extents FROM kvam.free_extents('c');
SELECT * FROM kvam.check('c');

-- space is reused: flushes retire their L0 pages, compactions the runs
-- they replace; overwrite rounds (20 transactions each) reuse them once no
-- snapshot needs them, so six more rounds hardly grow the table
VACUUM c;
CREATE PROCEDURE rounds(a int, b int) LANGUAGE plpgsql AS $$
BEGIN
  FOR r IN a..b LOOP
    FOR i IN 0..19 LOOP
      UPDATE c SET v = v || r WHERE sk > i * 200 AND sk <= i * 200 + 200;
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
CALL rounds(1, 6);
SELECT pg_relation_size('c') / 8192 AS size_before \gset
CALL rounds(7, 12);
UPDATE h SET v = v || '123456789101112';
SELECT pg_relation_size('c') / 8192 < :size_before * 1.3 AS bounded;
SELECT sum(blocks) > 0 AS free_space_left FROM kvam.free_extents('c');
VACUUM c;
SELECT * FROM kvam.check('c');

-- VACUUM FREEZE freezes every version and advances relfrozenxid
VACUUM FREEZE c;
SELECT count(*) FILTER (WHERE min_xmin IS NOT NULL) AS unfrozen_runs FROM kvam.runs('c');
SELECT age(relfrozenxid) <= 2 AS frozen FROM pg_class WHERE relname = 'c';
SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM h) a) AS only_kvam,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT SELECT * FROM c) b) AS only_heap;

-- VACUUM FULL rewrites into level-1 runs, keeping the data and large values
UPDATE c SET v = repeat(md5(sk::text), 200) WHERE pk = 'p1';
DELETE FROM c WHERE pk = 'p2';
VACUUM FULL c;
SELECT max(levels) AS levels, sum(l0_pages) AS l0_pages FROM kvam.partitions('c');
SELECT count(*), count(DISTINCT pk) FROM c;
SELECT count(*) FROM c WHERE pk = 'p1' AND v = repeat(md5(sk::text), 200);
SELECT * FROM kvam.check('c');
SET enable_seqscan = off;
SELECT length(v) FROM c WHERE pk = 'p1' AND sk = 1;
RESET enable_seqscan;
-- CLUSTER is VACUUM FULL: kvam keeps rows in key order anyway
CLUSTER c USING c_key;
SELECT count(*), count(DISTINCT pk) FROM c;
SELECT * FROM kvam.check('c');

-- errors
SELECT kvam.compact('h');
SELECT * FROM kvam.check('h');
SET kvam.compaction_fail_at = 'publish';
INSERT INTO c VALUES ('z', 1, 'z');
SELECT kvam.compact('c');
RESET kvam.compaction_fail_at;
SELECT count(*) > 0 AS orphan_pages FROM kvam.check('c') WHERE problem LIKE 'orphan%';
VACUUM c;
SELECT * FROM kvam.check('c');
SELECT v FROM c WHERE pk = 'z';
DROP TABLE c;
