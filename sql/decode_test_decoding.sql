-- Logical decoding of kvam tables with test_decoding: every change kind
-- shows exactly as the same change on a heap table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;

-- The same table twice: kvam (keyed by its kvam_key index) and heap (keyed
-- by a primary key).  Both replica identities are the key columns.
CREATE TABLE kv (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                 n numeric, item jsonb) USING kvam;
CREATE UNIQUE INDEX kv_key ON kv USING kvam_key (pk, sk);
CREATE TABLE hp (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                 n numeric, item jsonb, PRIMARY KEY (pk, sk));
-- large items go out of line, uncompressed
ALTER TABLE kv ALTER COLUMN item SET STORAGE EXTERNAL;
ALTER TABLE hp ALTER COLUMN item SET STORAGE EXTERNAL;

-- the kvam_key index became the replica identity by itself
SELECT relname, relreplident FROM pg_class WHERE relname IN ('kv', 'hp') ORDER BY 1;
SELECT indexrelid::regclass, indisreplident FROM pg_index WHERE indrelid = 'kv'::regclass;

-- changes made before the slot exists are not decoded
INSERT INTO kv VALUES ('before', 'slot', 0, '{}');
INSERT INTO hp VALUES ('before', 'slot', 0, '{}');

SELECT 'init' FROM pg_create_logical_replication_slot('regress_slot', 'test_decoding');

-- One scenario, run against either table.
CREATE PROCEDURE scenario(t text) LANGUAGE plpgsql AS $$
DECLARE
	big text := (SELECT string_agg(md5(i::text), '' ORDER BY i) FROM generate_series(1, 200) i);
BEGIN
	-- insert, with a NULL column
	EXECUTE format('INSERT INTO %I VALUES (''a'', ''1'', 1, ''{"x": 1}''), (''a'', ''2'', NULL, ''{}'')', t);
	COMMIT;
	-- update of a non-key column: no old key
	EXECUTE format('UPDATE %I SET n = 10, item = ''{"x": 2}'' WHERE pk = ''a'' AND sk = ''1''', t);
	COMMIT;
	-- key change: an UPDATE with the old key
	EXECUTE format('UPDATE %I SET sk = ''3'' WHERE pk = ''a'' AND sk = ''2''', t);
	COMMIT;
	-- delete: the old key
	EXECUTE format('DELETE FROM %I WHERE pk = ''a'' AND sk = ''3''', t);
	COMMIT;
	-- an aborted transaction shows nothing
	EXECUTE format('INSERT INTO %I VALUES (''aborted'', ''1'', 1, ''{}'')', t);
	EXECUTE format('UPDATE %I SET n = 99 WHERE pk = ''a''', t);
	ROLLBACK;
	-- a rolled-back subtransaction shows nothing; the rest of its
	-- transaction does
	EXECUTE format('INSERT INTO %I VALUES (''sub'', ''kept1'', 1, ''{}'')', t);
	BEGIN
		EXECUTE format('INSERT INTO %I VALUES (''sub'', ''lost'', 2, ''{}'')', t);
		EXECUTE format('DELETE FROM %I WHERE pk = ''sub'' AND sk = ''kept1''', t);
		RAISE EXCEPTION 'roll back the subtransaction';
	EXCEPTION WHEN raise_exception THEN
		NULL;
	END;
	EXECUTE format('INSERT INTO %I VALUES (''sub'', ''kept2'', 3, ''{}'')', t);
	COMMIT;
	-- several changes of one key in one transaction, in order
	EXECUTE format('INSERT INTO %I VALUES (''multi'', ''1'', 1, ''{}'')', t);
	EXECUTE format('UPDATE %I SET n = 2 WHERE pk = ''multi''', t);
	EXECUTE format('DELETE FROM %I WHERE pk = ''multi''', t);
	EXECUTE format('INSERT INTO %I VALUES (''multi'', ''1'', 3, ''{}'')', t);
	COMMIT;
	-- a large item (TOASTed out of line) arrives whole, on insert and on
	-- an update that changes it
	EXECUTE format('INSERT INTO %I VALUES (''big'', ''1'', 1, jsonb_build_object(''v'', %L))', t, big);
	COMMIT;
	EXECUTE format('UPDATE %I SET item = jsonb_build_object(''v'', %L) WHERE pk = ''big''', t, upper(big));
	COMMIT;
	-- a large item deleted: only its key
	EXECUTE format('DELETE FROM %I WHERE pk = ''big''', t);
	COMMIT;
	-- REPLICA IDENTITY FULL: the whole old row
	EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
	EXECUTE format('UPDATE %I SET n = 11 WHERE pk = ''a'' AND sk = ''1''', t);
	EXECUTE format('DELETE FROM %I WHERE pk = ''sub'' AND sk = ''kept1''', t);
	COMMIT;
	-- REPLICA IDENTITY NOTHING: no old row at all
	EXECUTE format('ALTER TABLE %I REPLICA IDENTITY NOTHING', t);
	EXECUTE format('UPDATE %I SET sk = ''9'' WHERE pk = ''a'' AND sk = ''1''', t);
	EXECUTE format('DELETE FROM %I WHERE pk = ''sub''', t);
	COMMIT;
	-- TRUNCATE
	EXECUTE format('INSERT INTO %I VALUES (''t'', ''1'', 1, ''{}'')', t);
	EXECUTE format('TRUNCATE %I', t);
	EXECUTE format('INSERT INTO %I VALUES (''after'', ''truncate'', 1, ''{}'')', t);
	COMMIT;
END
$$;

CREATE TEMP TABLE decoded (tab text, n bigint, data text);

CALL scenario('kv');
INSERT INTO decoded
SELECT 'kv', n, data
FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
                                 'include-xids', '0', 'skip-empty-xacts', '1')
     WITH ORDINALITY AS c(lsn, xid, data, n);
CALL scenario('hp');
INSERT INTO decoded
SELECT 'hp', n, replace(data, 'table public.hp:', 'table public.kv:')
FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
                                 'include-xids', '0', 'skip-empty-xacts', '1')
     WITH ORDINALITY AS c(lsn, xid, data, n);

-- what kvam's changes decode to (long lines abbreviated)
SELECT CASE WHEN length(data) > 200
            THEN format('%s... (%s characters, md5 %s)', left(data, 80), length(data), md5(data))
            ELSE data END AS data
FROM decoded WHERE tab = 'kv' ORDER BY n;

-- and heap's are the same, line for line
SELECT count(*) AS lines,
       count(*) FILTER (WHERE k.data IS NOT DISTINCT FROM h.data) AS same
FROM (SELECT * FROM decoded WHERE tab = 'kv') k
     FULL JOIN (SELECT * FROM decoded WHERE tab = 'hp') h USING (n);

-- The one place kvam shows more than heap: an update that leaves a large
-- value unchanged.  Heap keeps the old TOAST pointer, which decoding shows
-- as unchanged-toast-datum; kvam versions never share TOAST values, so
-- the item arrives whole.
ALTER TABLE kv REPLICA IDENTITY USING INDEX kv_key;
ALTER TABLE hp REPLICA IDENTITY DEFAULT;
INSERT INTO kv VALUES ('big', '2', 1, jsonb_build_object('v', repeat('x', 3000)));
UPDATE kv SET n = 2 WHERE pk = 'big';
INSERT INTO hp VALUES ('big', '2', 1, jsonb_build_object('v', repeat('x', 3000)));
UPDATE hp SET n = 2 WHERE pk = 'big';
SELECT CASE WHEN length(data) > 200
            THEN format('%s... (%s characters, md5 %s)', left(data, 80), length(data), md5(data))
            ELSE data END AS data
FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
                                 'include-xids', '0', 'skip-empty-xacts', '1');

-- Origins: changes replayed under a replication origin carry it, so a
-- plugin can filter them (test_decoding's only-local).
SELECT pg_replication_origin_create('regress_origin') > 0 AS created;
SELECT pg_replication_origin_session_setup('regress_origin');
INSERT INTO kv VALUES ('from', 'origin', 1, '{}');
SELECT pg_replication_origin_session_reset();
INSERT INTO kv VALUES ('local', '1', 1, '{}');
SELECT data FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
    'include-xids', '0', 'skip-empty-xacts', '1', 'only-local', '1');
SELECT pg_replication_origin_drop('regress_origin');

-- COPY into a table without its key yet stages rows; creating the key
-- re-keys them internally, which decodes to nothing (as with heap, where
-- COPY inserts and CREATE INDEX changes no rows).
CREATE TABLE staged (pk text COLLATE "C" NOT NULL, v int) USING kvam;
COPY staged FROM stdin;
s1	1
s2	2
\.
CREATE UNIQUE INDEX staged_key ON staged USING kvam_key (pk);
DELETE FROM staged WHERE pk = 's1';
SELECT data FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
    'include-xids', '0', 'skip-empty-xacts', '1');

-- row locks (lock marker versions) are no change
BEGIN;
SELECT pk FROM kv WHERE pk = 'local' FOR UPDATE;
SELECT pk FROM kv WHERE pk = 'local' FOR SHARE;
COMMIT;
SELECT count(*) FROM pg_logical_slot_get_changes('regress_slot', NULL, NULL,
    'include-xids', '0', 'skip-empty-xacts', '1');

SELECT pg_drop_replication_slot('regress_slot');
DROP PROCEDURE scenario(text);
DROP TABLE kv, hp, staged;
