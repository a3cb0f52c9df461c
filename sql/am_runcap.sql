-- The 128-run manifest limit is never an error for writers (issue 3):
-- levels are cut into at most KVAM_LEVEL_FRAGMENTS + 1 runs and level 0 is
-- compacted before a flush would pass its cap (src/lsm/compact.h).  Tiny
-- runs and a fanout of 2 make many levels: before the bound, this load
-- failed with "would have more than 128 runs".
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 1;
SET kvam.memtable_size = '64kB';
SET kvam.compaction_l0_runs = 2;
SET kvam.compaction_fanout = 2;
SET kvam.compaction_run_size = '64kB';
SET kvam.autoadmin = off;	-- flush and compact inline: no timing dependence

CREATE TABLE rc (pk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX rc_key ON rc USING kvam_key (pk);
INSERT INTO rc SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 16000) g;
UPDATE rc SET v = repeat(md5((pk + 1)::text), 30) WHERE pk % 2 = 0;
SELECT count(*) AS rows, count(*) FILTER (WHERE v = repeat(md5((pk + 1)::text), 30)) AS updated
FROM rc;
-- levels: several; every level >= 1 at most 13 runs; all within the cap
SELECT max(levels) >= 4 AS many_levels, max(runs) <= 128 AS within_cap
FROM kvam.partitions('rc');
SELECT max(n) <= 13 AS level_bounded FROM (
  SELECT count(*) AS n
  FROM kvam.runs('rc') AS r(partition, run_id, level, head_block, blocks,
                           versions, tombstones, min_xmin, first_hash)
  WHERE level >= 1 GROUP BY partition, level) s;
SELECT * FROM kvam.check('rc');
DROP TABLE rc;
