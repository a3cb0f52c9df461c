-- Plain SQL on kvam tables: large values, COPY, TRUNCATE, joins, EXPLAIN,
-- transactions, subtransactions, row locks
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;

CREATE TABLE t (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
CREATE UNIQUE INDEX t_key ON t USING kvam_key (pk, sk);
INSERT INTO t SELECT 'u' || (g / 10), 's' || lpad((g % 10)::text, 2, '0'),
                     jsonb_build_object('n', g) FROM generate_series(0, 199) g;
SELECT count(*) FROM t;

-- the planner uses the key index for key predicates
EXPLAIN (COSTS OFF) SELECT * FROM t WHERE pk = 'u3' AND sk = 's04';
EXPLAIN (COSTS OFF) SELECT * FROM t WHERE pk = 'u3' AND sk BETWEEN 's02' AND 's05';
EXPLAIN (COSTS OFF) SELECT * FROM t WHERE pk = 'u3' ORDER BY sk DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT * FROM t WHERE sk = 's04';
SELECT item FROM t WHERE pk = 'u3' AND sk = 's04';
SELECT sk FROM t WHERE pk = 'u3' AND sk BETWEEN 's02' AND 's05' ORDER BY sk;
SELECT sk FROM t WHERE pk = 'u3' ORDER BY sk DESC LIMIT 3;
SELECT count(*) FROM t WHERE sk = 's04';
PREPARE q(text, text) AS SELECT item->>'n' FROM t WHERE pk = $1 AND sk = $2;
EXECUTE q('u7', 's01');
EXECUTE q('u7', 's99');

-- large items go to TOAST and come back whole
INSERT INTO t VALUES ('big', 'one', jsonb_build_object('blob', repeat('x', 300000)));
INSERT INTO t VALUES ('big', 'two', jsonb_build_object('blob', (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 12000) g)));
SELECT sk, length(item->>'blob') FROM t WHERE pk = 'big' ORDER BY sk;
UPDATE t SET item = jsonb_set(item, '{more}', '1') WHERE pk = 'big' AND sk = 'one';
SELECT sk, length(item->>'blob'), item->'more' FROM t WHERE pk = 'big' ORDER BY sk;
SELECT kvam.flush('t') > 0;
SELECT sk, md5(item->>'blob') = md5(repeat('x', 300000)) AS intact FROM t WHERE pk = 'big' AND sk = 'one';
DELETE FROM t WHERE pk = 'big';

-- COPY out and in
CREATE TEMP TABLE dump AS SELECT * FROM t;
COPY (SELECT * FROM t WHERE pk = 'u1' ORDER BY sk) TO STDOUT;
TRUNCATE t;
SELECT count(*) FROM t;
COPY t FROM STDIN;
x	1	{"a": 1}
x	2	{"a": 2}
y	1	{"b": 1}
\.
SELECT * FROM t ORDER BY pk, sk;
COPY t FROM STDIN;
x	1	{"dup": true}
\.
INSERT INTO t SELECT * FROM dump;
SELECT count(*) FROM t;
SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM dump) d;

-- joins
SELECT a.pk, count(*) FROM t a JOIN dump b USING (pk, sk) WHERE a.pk IN ('u1', 'u2') GROUP BY a.pk ORDER BY 1;

-- transactions: rollback, savepoints, updates of the same row
BEGIN;
UPDATE t SET item = '{"n": -1}' WHERE pk = 'u1' AND sk = 's01';
SAVEPOINT a;
UPDATE t SET item = '{"n": -2}' WHERE pk = 'u1' AND sk = 's01';
DELETE FROM t WHERE pk = 'u1' AND sk = 's02';
ROLLBACK TO a;
SELECT sk, item FROM t WHERE pk = 'u1' AND sk IN ('s01', 's02') ORDER BY sk;
UPDATE t SET item = item || '{"again": 1}' WHERE pk = 'u1' AND sk = 's01';
SELECT sk, item FROM t WHERE pk = 'u1' AND sk = 's01';
COMMIT;
SELECT sk, item FROM t WHERE pk = 'u1' AND sk IN ('s01', 's02') ORDER BY sk;
-- update every row in one statement, twice (versions pile up in L0)
UPDATE t SET item = item || '{"x": 1}';
UPDATE t SET item = item || '{"x": 2}';
SELECT count(*), count(*) FILTER (WHERE item->>'x' = '2') FROM t;
-- key changes
UPDATE t SET sk = sk || '-moved' WHERE pk = 'u2';
SELECT sk FROM t WHERE pk = 'u2' ORDER BY sk LIMIT 3;
-- row locks
BEGIN;
SELECT pk, sk FROM t WHERE pk = 'u3' AND sk = 's01' FOR UPDATE;
SELECT pk, sk FROM t WHERE pk = 'u3' AND sk = 's01' FOR SHARE;
UPDATE t SET item = '{"locked": true}' WHERE pk = 'u3' AND sk = 's01';
COMMIT;
SELECT item FROM t WHERE pk = 'u3' AND sk = 's01';
-- system columns
SELECT xmin = txid_current()::text::xid AS own_xmin FROM t WHERE pk = 'u3' AND sk = 's01' AND false;
-- ANALYZE and VACUUM
ANALYZE t;
SELECT reltuples > 0 AS analyzed FROM pg_class WHERE relname = 't';
VACUUM t;
SELECT n_live_tup > 0 AS vacuumed FROM pg_stat_user_tables WHERE relname = 't';
-- a cursor keeps its snapshot while the table changes
BEGIN;
DECLARE c CURSOR FOR SELECT count(*) FROM t;
DELETE FROM t WHERE pk = 'u4';
FETCH c;
SELECT count(*) FROM t;
ROLLBACK;
-- unlogged and temp kvam tables
CREATE UNLOGGED TABLE ul (pk text COLLATE "C" NOT NULL) USING kvam;
CREATE UNIQUE INDEX ON ul USING kvam_key (pk);
INSERT INTO ul SELECT g::text FROM generate_series(1, 100) g;
SELECT count(*) FROM ul;
CREATE TEMP TABLE tt (pk numeric NOT NULL, v text) USING kvam;
CREATE UNIQUE INDEX ON tt USING kvam_key (pk);
INSERT INTO tt SELECT g, 'v' FROM generate_series(1, 100) g;
SELECT kvam.flush('tt');
SELECT count(*), sum(pk) FROM tt;
-- a scroll cursor moves both ways over a key-range index scan
SET enable_seqscan = off;
BEGIN;
DECLARE sc SCROLL CURSOR FOR SELECT sk FROM t WHERE pk = 'u5' AND sk >= 's03' ORDER BY sk;
FETCH 3 FROM sc;
FETCH BACKWARD 2 FROM sc;
FETCH 4 FROM sc;
FETCH LAST FROM sc;
FETCH PRIOR FROM sc;
FETCH FIRST FROM sc;
COMMIT;
SELECT sk FROM t WHERE pk = 'u5' AND sk > 's03' ORDER BY sk LIMIT 2;
RESET enable_seqscan;
DROP TABLE ul, tt, t;
