-- Key ordering of S, N and B keys through the kvam_key index
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

-- numeric sort keys: negative, zero, tiny, huge, 38 digits
CREATE TABLE nk (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v int) USING kvam;
CREATE UNIQUE INDEX nk_key ON nk USING kvam_key (pk, sk);
INSERT INTO nk VALUES
  ('p', 0, 1), ('p', -1, 2), ('p', 1, 3), ('p', 1e-130, 4), ('p', -1e-130, 5),
  ('p', 9.9999999999999999999999999999999999999e125, 6),
  ('p', -9.9999999999999999999999999999999999999e125, 7),
  ('p', 12345678901234567890123456789012345678, 8),
  ('p', 12345678901234567890123456789012345677, 9),
  ('p', 0.1, 10), ('p', 0.09, 11), ('p', 10, 12), ('p', 9.99, 13),
  ('p', -10, 14), ('p', -9.99, 15), ('p', 100, 16), ('p', 1.5, 17);
-- 1.0 equals 1: a duplicate key
INSERT INTO nk VALUES ('p', 1.0, 99);
INSERT INTO nk VALUES ('p', -0, 99);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT sk FROM nk WHERE pk = 'p' ORDER BY sk;
SELECT string_agg(v::text, ',') FROM (SELECT v FROM nk WHERE pk = 'p' ORDER BY sk) s;
SELECT string_agg(v::text, ',') FROM (SELECT v FROM nk WHERE pk = 'p' ORDER BY sk DESC) s;
SELECT string_agg(v::text, ',') FROM (SELECT v FROM nk WHERE pk = 'p' AND sk BETWEEN -10 AND 1 ORDER BY sk) s;
SELECT sk FROM nk WHERE pk = 'p' AND sk > 1 AND sk < 100 ORDER BY sk DESC;
SELECT v FROM nk WHERE pk = 'p' AND sk = 1.00;
RESET enable_seqscan;
-- the index order agrees with a sort of the heap copy
CREATE TEMP TABLE nk_heap AS SELECT * FROM nk;
SELECT (SELECT array_agg(sk ORDER BY sk) FROM nk_heap) =
       (SELECT array_agg(sk) FROM (SELECT sk FROM nk WHERE pk = 'p' ORDER BY sk) s) AS same_order;

-- strings compare as UTF-8 bytes, not by a collation
CREATE TABLE sk (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL) USING kvam;
CREATE UNIQUE INDEX sk_key ON sk USING kvam_key (pk, sk);
INSERT INTO sk VALUES ('p', 'a'), ('p', 'B'), ('p', 'b'), ('p', 'A'), ('p', 'é'),
  ('p', 'e'), ('p', 'z'), ('p', 'ab'), ('p', 'a b'), ('p', ' '), ('p', '~'), ('p', 'Ω');
SET enable_seqscan = off;
SELECT string_agg(sk, ',') FROM (SELECT sk FROM sk WHERE pk = 'p' ORDER BY sk) s;
SELECT string_agg(sk, ',') FROM (SELECT sk FROM sk WHERE pk = 'p' ORDER BY sk DESC) s;
SELECT string_agg(sk, ',') FROM (SELECT sk FROM sk WHERE pk = 'p' AND sk >= 'a' AND sk < 'b' ORDER BY sk) s;
RESET enable_seqscan;
-- a non-C collation order would differ
SELECT string_agg(sk, ',' ORDER BY sk COLLATE "C") = string_agg(sk, ',' ORDER BY sk::bytea) AS c_is_byte_order
  FROM sk;

-- binary keys compare as unsigned bytes
CREATE TABLE bk (pk bytea NOT NULL, sk bytea NOT NULL) USING kvam;
CREATE UNIQUE INDEX bk_key ON bk USING kvam_key (pk, sk);
INSERT INTO bk VALUES ('\x01', '\x00'), ('\x01', '\xff'), ('\x01', '\x0000'), ('\x01', '\x7f'),
  ('\x01', '\x80'), ('\x01', '\x00ff'), ('\x01', '\x01'), ('\x01', '\xfe01');
SET enable_seqscan = off;
SELECT sk FROM bk WHERE pk = '\x01' ORDER BY sk;
RESET enable_seqscan;
INSERT INTO bk VALUES ('\x01', '\x0000');

-- numeric partition key only
CREATE TABLE pn (id numeric NOT NULL, v text) USING kvam;
CREATE UNIQUE INDEX pn_key ON pn USING kvam_key (id);
INSERT INTO pn SELECT g, 'v' || g FROM generate_series(-50, 50) g;
SELECT count(*), sum(id) FROM pn;
SELECT v FROM pn WHERE id = -7;
SELECT v FROM pn WHERE id = 7.000;
INSERT INTO pn VALUES (7.0, 'dup');
-- ORDER BY the partition key without an equality condition is still right
SET enable_seqscan = off;
SELECT array_agg(id) = (SELECT array_agg(g::numeric ORDER BY g) FROM generate_series(-50, 50) g) AS ordered
  FROM (SELECT id FROM pn ORDER BY id) s;
RESET enable_seqscan;

DROP TABLE nk, sk, bk, pn;
