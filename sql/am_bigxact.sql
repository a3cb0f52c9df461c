-- Transactions writing 100k rows: no per-key lock-table entries, flushes in
-- the middle of the transaction, the transaction's own versions move into
-- runs and stay visible to it; rollback leaves nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.memtable_size = '256kB';

CREATE TABLE big (pk numeric NOT NULL, sk bytea NOT NULL, v text) USING kvam;
CREATE UNIQUE INDEX big_key ON big USING kvam_key (pk, sk);

BEGIN;
INSERT INTO big SELECT g % 1000, int4send(g), 'v' || g FROM generate_series(1, 100000) g;
SELECT count(*) < 10 AS no_lock_per_key FROM pg_locks WHERE pid = pg_backend_pid();
UPDATE big SET v = 'w' || v;
DELETE FROM big WHERE pk % 2 = 0;
SELECT count(*), count(*) FILTER (WHERE v LIKE 'wv%') FROM big;
SELECT sum(runs) > 0 AS flushed_in_xact FROM kvam.partitions('big');
SELECT v FROM big WHERE pk = 7 AND sk = int4send(1007);
COMMIT;
SELECT count(*), min(pk), max(pk) FROM big;

BEGIN;
UPDATE big SET v = 'rolled back';
DELETE FROM big WHERE pk < 500;
ROLLBACK;
SELECT count(*), count(*) FILTER (WHERE v = 'rolled back') FROM big;
SET enable_seqscan = off;
SELECT count(*) FROM big WHERE pk = 999;
SELECT v FROM big WHERE pk = 999 ORDER BY sk DESC LIMIT 2;
RESET enable_seqscan;
DROP TABLE big;
