-- Bad definitions and bad input: clear errors, nothing written
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE TABLE e (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL, n int, f float8) USING kvam;
-- rows before the key index
INSERT INTO e VALUES ('a', 'b', 1, 1);
SELECT count(*) FROM e;
-- wrong key types
CREATE UNIQUE INDEX ON e USING kvam_key (n);
CREATE UNIQUE INDEX ON e USING kvam_key (pk, f);
-- not unique, too many columns, expressions, partial, INCLUDE
CREATE INDEX ON e USING kvam_key (pk);
CREATE UNIQUE INDEX ON e USING kvam_key (pk, sk, n);
CREATE UNIQUE INDEX ON e USING kvam_key (lower(pk));
CREATE UNIQUE INDEX ON e USING kvam_key (pk) WHERE n > 0;
CREATE UNIQUE INDEX ON e USING kvam_key (pk) INCLUDE (sk);
-- text keys need the C collation
CREATE TABLE e2 (pk text NOT NULL) USING kvam;
CREATE UNIQUE INDEX ON e2 USING kvam_key (pk);
DROP TABLE e2;
-- the real key
CREATE UNIQUE INDEX e_key ON e USING kvam_key (pk, sk);
-- a second key index
CREATE UNIQUE INDEX e_key2 ON e USING kvam_key (sk, pk);
-- other index access methods
CREATE INDEX ON e USING btree (n);
CREATE INDEX ON e USING hash (n);
CREATE INDEX ON e USING brin (n);
ALTER TABLE e ADD PRIMARY KEY (pk, sk);
-- kvam_key on a heap table
CREATE TABLE h (pk text COLLATE "C");
CREATE UNIQUE INDEX ON h USING kvam_key (pk);
DROP TABLE h;
-- NULL keys
INSERT INTO e (pk, sk) VALUES (NULL, 'x');
INSERT INTO e (pk, sk) VALUES ('x', NULL);
-- ON CONFLICT
INSERT INTO e VALUES ('a', 'b', 1, 1);
INSERT INTO e VALUES ('a', 'b', 2, 2) ON CONFLICT DO NOTHING;
INSERT INTO e VALUES ('a', 'b', 2, 2) ON CONFLICT (pk, sk) DO UPDATE SET n = 3;
SELECT * FROM e;
-- foreign keys referencing a kvam table
CREATE TABLE child (pk text COLLATE "C", sk text COLLATE "C", FOREIGN KEY (pk, sk) REFERENCES e (pk, sk));
CREATE TABLE child (pk text COLLATE "C", sk text COLLATE "C");
ALTER TABLE child ADD FOREIGN KEY (pk, sk) REFERENCES e (pk, sk);
DROP TABLE child;
-- the key index cannot be dropped while the table has rows
DROP INDEX e_key;
SELECT * FROM e;
DELETE FROM e;
DROP INDEX e_key;
INSERT INTO e VALUES ('a', 'b', 1, 1);
-- the key index can be created again (no live rows)
CREATE UNIQUE INDEX e_key ON e USING kvam_key (pk, sk);
-- over-long keys
INSERT INTO e VALUES (repeat('x', 8000), 'b', 1, 1);
SELECT count(*) FROM e;
-- TABLESAMPLE, VACUUM FULL
SELECT * FROM e TABLESAMPLE SYSTEM (50);
VACUUM FULL e;
-- not a kvam table
CREATE TABLE h (x int);
SELECT kvam.flush('h');
SELECT * FROM kvam.partitions('h');
DROP TABLE h, e;
