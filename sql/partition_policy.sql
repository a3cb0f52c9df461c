-- The auto-admin's split and merge policy goes by an estimate of a
-- partition's live size (kvam.partition_sizes().live_bytes: its runs, each
-- scaled by its live distinct keys per version, L0 left out), not by its
-- bytes (issue 3: a small key set overwritten many times used to split).
-- kvam.maintain_partitions() evaluates the policy once, as the auto-admin
-- does after a flush, with this session's settings.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

SET kvam.autoadmin = off;			-- this session flushes and compacts inline
SET kvam.default_partitions = 1;
SET kvam.memtable_size = '64kB';
SET kvam.partition_split_bytes = '256kB';
SET kvam.partition_merge_bytes = '128kB';

-- a kvam table of 'keys' keys with a 100-byte pad
CREATE PROCEDURE pp_make(name text, keys int) LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE %I (pk text COLLATE "C" NOT NULL, n int NOT NULL, pad text NOT NULL) USING kvam', name);
	EXECUTE format('CREATE UNIQUE INDEX %I ON %I USING kvam_key (pk)', name || '_key', name);
	EXECUTE format('INSERT INTO %I SELECT ''k'' || g, g, repeat(''x'', 100) FROM generate_series(1, %s) g', name, keys);
END
$$;
-- every row updated 'rounds' times, one transaction each
CREATE PROCEDURE pp_overwrite(name text, rounds int) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. rounds LOOP
		EXECUTE format('UPDATE %I SET n = n + 1', name);
		COMMIT;
	END LOOP;
END
$$;

-- Small key sets overwritten many times while an older transaction
-- (prepared, so that it outlives this session's statements) keeps
-- compaction from purging: their runs hold every version.
BEGIN;
SELECT pg_current_xact_id() IS NOT NULL AS has_xid;
PREPARE TRANSACTION 'pp_hold';

-- 20 keys overwritten 300 times: 6000 versions, about 1MB of runs
CALL pp_make('pp_hot', 20);
CALL pp_overwrite('pp_hot', 300);
SELECT kvam.flush('pp_hot') >= 0 AS flushed;

-- the same with 40 keys, in two partitions
CALL pp_make('pp_cold', 40);
SELECT kvam.split_partition('pp_cold', (SELECT partition FROM kvam.partitions('pp_cold'))) ? 'children' AS split;
CALL pp_overwrite('pp_cold', 200);
SELECT kvam.flush('pp_cold') >= 0 AS flushed;

ROLLBACK PREPARED 'pp_hold';

-- pp_hot: far over the split size in bytes (the old measure, which split
-- it), far under it live; the policy leaves it alone
SELECT count(*) AS partitions, bool_and(bytes > 512 * 1024) AS bytes_over,
	   bool_and(live_bytes < 64 * 1024) AS live_under
  FROM kvam.partition_sizes('pp_hot');
SELECT kvam.maintain_partitions('pp_hot') AS changed;
SELECT count(*) AS partitions FROM kvam.partitions('pp_hot');
SELECT count(*), sum(n) FROM pp_hot;
SELECT count(*) AS problems FROM kvam.check('pp_hot');

-- merges go by the same measure: pp_cold's two cold partitions are each
-- over the merge size in bytes (the old measure kept them apart) and
-- under it live; the policy merges them
SELECT count(*) AS partitions, bool_and(bytes > 128 * 1024) AS bytes_over,
	   bool_and(live_bytes < 32 * 1024) AS live_under
  FROM kvam.partition_sizes('pp_cold');
SELECT kvam.maintain_partitions('pp_cold') AS merged;
SELECT count(*) AS partitions FROM kvam.partitions('pp_cold');
SELECT count(*), sum(n) FROM pp_cold;
SELECT count(*) AS problems FROM kvam.check('pp_cold');

-- 6000 distinct keys, about 1MB live: splits until every partition is
-- under the split size
CALL pp_make('pp_big', 6000);
SELECT kvam.flush('pp_big') > 0 AS flushed;
SELECT bool_and(live_bytes > 512 * 1024) AS live_over FROM kvam.partition_sizes('pp_big');
DO $$
DECLARE
	splits int := 0;
BEGIN
	WHILE splits < 20 AND kvam.maintain_partitions('pp_big') LOOP
		splits := splits + 1;
		COMMIT;
	END LOOP;
	RAISE NOTICE 'split % times', CASE WHEN splits BETWEEN 3 AND 19 THEN '3 or more' ELSE splits::text END;
END
$$;
SELECT count(*) >= 4 AS split, bool_and(live_bytes <= 256 * 1024) AS all_under
  FROM kvam.partition_sizes('pp_big');
SELECT count(*), sum(n) FROM pp_big;
SELECT count(*) AS problems FROM kvam.check('pp_big');

-- the policy on demand is the owner's
CREATE ROLE pp_other;
SET ROLE pp_other;
SELECT kvam.maintain_partitions('pp_big');
RESET ROLE;
DROP ROLE pp_other;

DROP TABLE pp_hot, pp_big, pp_cold;
DROP PROCEDURE pp_make, pp_overwrite;
