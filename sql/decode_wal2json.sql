-- Logical decoding of kvam tables with wal2json (formats 1 and 2): the
-- same output as for the same changes on a heap table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;

CREATE TABLE kv (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL,
                 v text, b bytea) USING kvam;
CREATE UNIQUE INDEX kv_key ON kv USING kvam_key (pk, sk);
CREATE TABLE hp (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL,
                 v text, b bytea, PRIMARY KEY (pk, sk));

SELECT 'init' FROM pg_create_logical_replication_slot('w2j_v1', 'wal2json');
SELECT 'init' FROM pg_create_logical_replication_slot('w2j_v2', 'wal2json');

CREATE PROCEDURE scenario(t text) LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO %I VALUES (''a'', 1, ''one'', ''\x01''), (''a'', 2.50, NULL, NULL)', t);
	COMMIT;
	EXECUTE format('UPDATE %I SET v = ''uno'' WHERE pk = ''a'' AND sk = 1', t);
	EXECUTE format('UPDATE %I SET sk = 3 WHERE pk = ''a'' AND sk = 2.5', t);
	COMMIT;
	EXECUTE format('DELETE FROM %I WHERE pk = ''a'' AND sk = 1', t);
	COMMIT;
	EXECUTE format('INSERT INTO %I VALUES (''rolled'', 1, ''back'', NULL)', t);
	ROLLBACK;
	EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
	EXECUTE format('UPDATE %I SET v = ''full'' WHERE pk = ''a''', t);
	EXECUTE format('DELETE FROM %I WHERE pk = ''a''', t);
	COMMIT;
	EXECUTE format('INSERT INTO %I VALUES (''t'', 1, NULL, NULL)', t);
	EXECUTE format('TRUNCATE %I', t);
	COMMIT;
END
$$;

CREATE TEMP TABLE decoded (tab text, fmt int, n bigint, data text);
-- wal2json shows transactions without changes too: skip the DDL's
CREATE VIEW drain AS
SELECT (SELECT count(*) FROM pg_logical_slot_get_changes('w2j_v1', NULL, NULL)) +
       (SELECT count(*) FROM pg_logical_slot_get_changes('w2j_v2', NULL, NULL)) > 0 AS drained;

SELECT * FROM drain;
CALL scenario('kv');
INSERT INTO decoded
SELECT 'kv', 1, n, data FROM pg_logical_slot_get_changes('w2j_v1', NULL, NULL,
    'format-version', '1') WITH ORDINALITY AS c(lsn, xid, data, n);
INSERT INTO decoded
SELECT 'kv', 2, n, data FROM pg_logical_slot_get_changes('w2j_v2', NULL, NULL,
    'format-version', '2') WITH ORDINALITY AS c(lsn, xid, data, n);
SELECT * FROM drain;
CALL scenario('hp');
INSERT INTO decoded
SELECT 'hp', 1, n, replace(data, '"table":"hp"', '"table":"kv"')
FROM pg_logical_slot_get_changes('w2j_v1', NULL, NULL,
    'format-version', '1') WITH ORDINALITY AS c(lsn, xid, data, n);
INSERT INTO decoded
SELECT 'hp', 2, n, replace(data, '"table":"hp"', '"table":"kv"')
FROM pg_logical_slot_get_changes('w2j_v2', NULL, NULL,
    'format-version', '2') WITH ORDINALITY AS c(lsn, xid, data, n);

-- kvam's changes
SELECT fmt, data FROM decoded WHERE tab = 'kv' ORDER BY fmt, n;

-- heap's are the same, line for line
SELECT fmt, count(*) AS lines,
       count(*) FILTER (WHERE k.data IS NOT DISTINCT FROM h.data) AS same
FROM (SELECT * FROM decoded WHERE tab = 'kv') k
     FULL JOIN (SELECT * FROM decoded WHERE tab = 'hp') h USING (fmt, n)
GROUP BY fmt ORDER BY fmt;

SELECT pg_drop_replication_slot('w2j_v1');
SELECT pg_drop_replication_slot('w2j_v2');
DROP PROCEDURE scenario(text);
DROP VIEW drain;
DROP TABLE kv, hp;
