-- The auto-admin: its GUCs, the launcher, background flushes of frozen
-- memtables, inline flushes when a session turns it off, and the shape of
-- kvam.stat_progress (rows appear only while a flush runs: see
-- test/t/014_crash_bgflush.pl).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

SELECT name, setting, unit, context, vartype
  FROM pg_settings
 WHERE name IN ('kvam.autoadmin', 'kvam.autoadmin_naptime',
				'kvam.max_autoadmin_workers', 'kvam.memtable_size',
				'kvam.l0_stall_bytes', 'kvam.l0_stop_runs',
				'kvam.debug_flush_delay')
 ORDER BY name;

-- the progress view: its columns, and no rows when nothing runs
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'kvam.stat_progress'::regclass AND attnum > 0
 ORDER BY attnum;
SELECT count(*) FROM kvam.stat_progress;

-- a frozen memtable is flushed in the background
CREATE TABLE aa (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX aa_key ON aa USING kvam_key (pk, sk);
INSERT INTO aa SELECT 'p' || (g % 11), g, 'v' || g FROM generate_series(1, 2000) g;
SELECT kvam._freeze('aa') AS frozen;
SELECT kvam._freeze('aa') AS frozen_again;	-- one frozen memtable at a time
-- reads and writes while frozen memtables wait for the flush
SELECT count(*), sum(sk) FROM aa;
UPDATE aa SET v = 'u' || sk WHERE pk = 'p3';
SELECT count(*) FROM aa WHERE v LIKE 'u%';
DO $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	-- every partition had data, so each has one flush once the worker is done
	WHILE (SELECT count(*) FROM kvam.partitions('aa') WHERE flushes = 0) > 0 LOOP
		IF clock_timestamp() - t0 > interval '60 s' THEN
			RAISE EXCEPTION 'the auto-admin did not flush within 60 s';
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
END
$$;
SELECT count(*) AS partitions, sum(run_versions) >= 2000 AS in_runs FROM kvam.partitions('aa');
SELECT count(*), sum(sk), count(*) FILTER (WHERE v LIKE 'u%') AS updated FROM aa;

-- a session with kvam.autoadmin off flushes inline when a memtable fills
SET kvam.autoadmin = off;
SET kvam.memtable_size = '64kB';
CREATE TABLE ab (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX ab_key ON ab USING kvam_key (pk, sk);
INSERT INTO ab SELECT 'p' || (g % 5), g, repeat('x', 200) FROM generate_series(1, 3000) g;
SELECT sum(flushes) >= 8 AS flushed_inline, sum(l0_bytes) < 8 * 65536 AS l0_bounded
  FROM kvam.partitions('ab');
SELECT count(*) FROM ab;
RESET kvam.memtable_size;
RESET kvam.autoadmin;

-- only superusers change the auto-admin's settings
CREATE ROLE aa_user;
SET ROLE aa_user;
SET kvam.autoadmin = off;
SET kvam.debug_flush_delay = '1s';
RESET ROLE;
DROP ROLE aa_user;

DROP TABLE aa, ab;
