-- Partition split and merge (src/lsm/split.c): metadata edits whose new
-- partitions reference the old partitions' runs, bounded to their ranges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 2;
SET kvam.memtable_size = '64kB';
SET kvam.compaction_l0_runs = 2;
SET kvam.compaction_run_size = '64kB';
SET kvam.autoadmin = off;	-- flush and compact inline: counts do not depend on timing

CREATE TABLE s (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX s_key ON s USING kvam_key (pk, sk);
CREATE TEMP TABLE h (pk text COLLATE "C", sk numeric, v text);

-- runs at several levels, tombstones, and some versions still in L0
INSERT INTO s SELECT 'p' || (g % 97), g, repeat('a', 60) || g FROM generate_series(1, 3000) g;
INSERT INTO h SELECT 'p' || (g % 97), g, repeat('a', 60) || g FROM generate_series(1, 3000) g;
UPDATE s SET v = 'u' || sk WHERE sk % 3 = 0;
UPDATE h SET v = 'u' || sk WHERE sk % 3 = 0;
DELETE FROM s WHERE sk % 7 = 0;
DELETE FROM h WHERE sk % 7 = 0;
INSERT INTO s VALUES ('late', 1, 'in L0');
INSERT INTO h VALUES ('late', 1, 'in L0');

CREATE FUNCTION same() RETURNS TABLE (only_kvam bigint, only_heap bigint, n bigint)
LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM (SELECT * FROM s EXCEPT SELECT * FROM h) a),
         (SELECT count(*) FROM (SELECT * FROM h EXCEPT SELECT * FROM s) b),
         (SELECT count(*) FROM s)
$$;
-- every key found through the key index, one lookup each
CREATE FUNCTION lookups_ok() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE r record; n int := 0;
BEGIN
  SET LOCAL enable_seqscan = off;
  FOR r IN SELECT * FROM h LOOP
    PERFORM 1 FROM s WHERE pk = r.pk AND sk = r.sk AND v = r.v;
    IF FOUND THEN n := n + 1; END IF;
  END LOOP;
  RETURN n = (SELECT count(*) FROM h);
END $$;
CREATE VIEW parts AS
  SELECT partition, hash_lo, hash_hi, parent, l0_pages, runs > 0 AS has_runs
  FROM kvam.partitions('s');

SELECT * FROM same();
SELECT * FROM parts;

-- split partition 0 into 2 and 3 (the next ids); its L0 is flushed first
SELECT kvam.split_partition('s', 0) ? 'children' AS split;
SELECT * FROM parts;
SELECT * FROM same();
SELECT lookups_ok();
SELECT * FROM kvam.check('s');
-- the parent's reserved L0 space went back to the free space
SELECT count(*) AS chunks_of_gone_partitions FROM kvam.free_extents('s')
WHERE l0_partition IS NOT NULL
  AND l0_partition NOT IN (SELECT partition FROM kvam.partitions('s'));
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE pk = 'p1' AND sk = 98;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE pk = 'p1' ORDER BY sk DESC;
SELECT sk FROM s WHERE pk = 'p1' ORDER BY sk DESC LIMIT 3;

-- both children share the parent's runs: each reads its half only
SELECT count(DISTINCT run_id) AS shared_runs FROM kvam.runs('s') r
WHERE partition IN (2, 3)
  AND run_id IN (SELECT run_id FROM kvam.runs('s') WHERE partition = 2)
  AND run_id IN (SELECT run_id FROM kvam.runs('s') WHERE partition = 3);

-- writes after the split go to the children
UPDATE s SET v = 'after' WHERE sk % 11 = 0;
UPDATE h SET v = 'after' WHERE sk % 11 = 0;
DELETE FROM s WHERE sk % 13 = 0;
DELETE FROM h WHERE sk % 13 = 0;
INSERT INTO s SELECT 'n' || g, g, 'new' FROM generate_series(1, 300) g;
INSERT INTO h SELECT 'n' || g, g, 'new' FROM generate_series(1, 300) g;
SELECT * FROM same();

-- split a child again, then compact: children rewrite only their half,
-- and a shared run is freed once, by the last partition to drop it
SELECT kvam.split_partition('s', 3) ? 'children' AS split;
SELECT * FROM parts;
SELECT * FROM same();
SELECT * FROM kvam.check('s');
SELECT (kvam.compact('s')->>'compactions')::int > 0 AS compacted;
SELECT count(*) = count(DISTINCT run_id) AS nothing_shared FROM kvam.runs('s');
SELECT * FROM same();
SELECT lookups_ok();
VACUUM s;
SELECT * FROM kvam.check('s');

-- merge 4 and 5 (split from 3) back, then 2 with the result
SELECT kvam.merge_partitions('s', 4);
SELECT * FROM parts;
SELECT * FROM same();
SELECT kvam.merge_partitions('s', 2);
SELECT * FROM parts;
SELECT * FROM same();
SELECT lookups_ok();
SELECT * FROM kvam.check('s');

-- a merge right after a split: the two references of each shared run
-- (including the level-0 run the split's flush wrote) become one again
UPDATE s SET v = 'pre-split' WHERE sk % 17 = 0;
UPDATE h SET v = 'pre-split' WHERE sk % 17 = 0;
SELECT kvam.split_partition('s', 1) ? 'children' AS split;
SELECT kvam.merge_partitions('s', 8);
SELECT count(*) = count(DISTINCT run_id) AS one_reference_each
FROM kvam.runs('s') WHERE partition = 10;
SELECT * FROM same();
SELECT * FROM kvam.check('s');
UPDATE s SET v = 'end' WHERE pk = 'late';
UPDATE h SET v = 'end' WHERE pk = 'late';
SELECT (kvam.compact('s')->>'compactions')::int > 0 AS compacted;
VACUUM s;
SELECT * FROM same();
SELECT * FROM kvam.check('s');
SELECT count(*) AS chunks_of_gone_partitions FROM kvam.free_extents('s')
WHERE l0_partition IS NOT NULL
  AND l0_partition NOT IN (SELECT partition FROM kvam.partitions('s'));

-- errors
SELECT kvam.split_partition('s', 42);
SELECT kvam.merge_partitions('s', 10);
SELECT kvam.split_partition('h', 0);
SET ROLE pg_monitor;
SELECT kvam.split_partition('s', 7);
RESET ROLE;

-- not inside a transaction block (explicit or implicit), where ROLLBACK
-- would seem to undo it: a split or merge takes effect at once
SELECT count(*) AS partitions FROM kvam.partitions('s');
BEGIN;
SELECT kvam.split_partition('s', (SELECT min(partition) FROM kvam.partitions('s')));
ROLLBACK;
SELECT 1 AS one \; SELECT kvam.merge_partitions('s', (SELECT min(partition) FROM kvam.partitions('s')));
SELECT count(*) AS partitions FROM kvam.partitions('s');
-- flush and compact are allowed anywhere: physical, no logical effect
BEGIN;
UPDATE s SET v = 'rolled back' WHERE pk = 'late';
SELECT kvam.flush('s') > 0 AS flushed;
SELECT (kvam.compact('s')->>'compactions')::int > 0 AS compacted;
ROLLBACK;
SELECT v FROM s WHERE pk = 'late';
-- a statement that fails after the split returned does not undo it
SELECT kvam.split_partition('s', (SELECT min(partition) FROM kvam.partitions('s'))) ? 'children',
       1 / (random() * 0)::int;
SELECT count(*) AS partitions FROM kvam.partitions('s');
SELECT * FROM same();
SELECT * FROM kvam.check('s');

DROP VIEW parts;
DROP TABLE s;
