-- Compaction keeps a partition's runs few (kvam.compaction_l0_runs level-0
-- runs trigger a merge into level 1); what is visible never changes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 1;
SET kvam.memtable_size = '64kB';
SET kvam.compaction_l0_runs = 4;
SET kvam.autoadmin = off;	-- flush and compact inline: run counts do not depend on timing

CREATE TABLE m (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX m_key ON m USING kvam_key (pk, sk);
CREATE TEMP TABLE h (pk text COLLATE "C", sk numeric, v text);

INSERT INTO m SELECT 'p' || (g % 37), g, repeat('a', 100) || g FROM generate_series(1, 3000) g;
INSERT INTO h SELECT 'p' || (g % 37), g, repeat('a', 100) || g FROM generate_series(1, 3000) g;
SELECT runs <= 4 AS bounded, flushes > 4 AS merged FROM kvam.partitions('m');
UPDATE m SET v = 'u' || sk WHERE sk % 3 = 0;
UPDATE h SET v = 'u' || sk WHERE sk % 3 = 0;
DELETE FROM m WHERE sk % 5 = 0;
DELETE FROM h WHERE sk % 5 = 0;
BEGIN;
INSERT INTO m SELECT 'q', g, 'rolled back' FROM generate_series(1, 2000) g;
ROLLBACK;
INSERT INTO m SELECT 'p' || (g % 37), g, 'w' || g FROM generate_series(3001, 4000) g;
INSERT INTO h SELECT 'p' || (g % 37), g, 'w' || g FROM generate_series(3001, 4000) g;
SELECT kvam.flush('m') >= 0 AS flushed;
SELECT runs <= 4 AS bounded, run_versions > 0 AS has_runs FROM kvam.partitions('m');
SELECT count(*) FROM m;
SELECT (SELECT count(*) FROM (SELECT * FROM m EXCEPT SELECT * FROM h) a) AS only_kvam,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT SELECT * FROM m) b) AS only_heap;
SET enable_seqscan = off;
SELECT left(v, 5) FROM m WHERE pk = 'p7' AND sk = 7;
SELECT v FROM m WHERE pk = 'p7' AND sk = 3004;
SELECT count(*) FROM m WHERE pk = 'p7' AND sk BETWEEN 100 AND 1000;
SELECT count(*) FROM h WHERE pk = 'p7' AND sk BETWEEN 100 AND 1000;
RESET enable_seqscan;
INSERT INTO m VALUES ('p7', 7, 'dup');
DROP TABLE m;
