-- COPY into a kvam table before its key index exists stages the rows (this
-- is how pg_restore loads data: tables, then data, then indexes); building
-- the key index gives them their keys.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;

CREATE TABLE r (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text) USING kvam;
-- INSERT still needs the key
INSERT INTO r VALUES ('a', 1, 'x');
COPY r FROM STDIN;
a	1	x
a	2	y
b	1	z
c	3.0	w
\.
SELECT * FROM r ORDER BY pk, sk;
UPDATE r SET v = 'y2' WHERE pk = 'a' AND sk = 2;
DELETE FROM r WHERE pk = 'c';
SELECT * FROM r ORDER BY pk, sk;
CREATE UNIQUE INDEX r_key ON r USING kvam_key (pk, sk);
SET enable_seqscan = off;
SELECT * FROM r WHERE pk = 'a' ORDER BY sk;
SELECT * FROM r WHERE pk = 'b' AND sk = 1.00;
RESET enable_seqscan;
SELECT * FROM r ORDER BY pk, sk;
INSERT INTO r VALUES ('a', 1, 'dup');
INSERT INTO r VALUES ('c', 3, 'back');
SELECT count(*) FROM r;
SELECT kvam.flush('r') > 0 AS flushed;
SELECT * FROM r ORDER BY pk, sk;

-- staged rows with duplicate keys: the key index cannot be built
CREATE TABLE r2 (pk bytea NOT NULL, v int) USING kvam;
COPY r2 FROM STDIN;
\\x01	1
\\x02	2
\\x01	3
\.
CREATE UNIQUE INDEX r2_key ON r2 USING kvam_key (pk);
SELECT * FROM r2 ORDER BY v;
DELETE FROM r2 WHERE v = 3;
CREATE UNIQUE INDEX r2_key ON r2 USING kvam_key (pk);
SELECT * FROM r2 WHERE pk = '\x01';
DROP TABLE r, r2;
