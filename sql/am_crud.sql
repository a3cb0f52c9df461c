-- CRUD through plain SQL on a kvam table
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;
CREATE TABLE orders (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                     item jsonb NOT NULL) USING kvam;
-- no rows before the key exists
INSERT INTO orders VALUES ('u1', 'o1', '{}');
CREATE UNIQUE INDEX orders_key ON orders USING kvam_key (pk, sk);
INSERT INTO orders VALUES ('u1', 'o1', '{"total": 1}'), ('u1', 'o2', '{"total": 2}'),
                          ('u2', 'o1', '{"total": 3}');
SELECT * FROM orders ORDER BY pk, sk;
-- duplicate key
INSERT INTO orders VALUES ('u1', 'o1', '{}');
-- update a non-key column, then a key column
UPDATE orders SET item = '{"total": 10}' WHERE pk = 'u1' AND sk = 'o1';
UPDATE orders SET sk = 'o3' WHERE pk = 'u1' AND sk = 'o2';
SELECT * FROM orders ORDER BY pk, sk;
-- key update onto an existing key
UPDATE orders SET sk = 'o1' WHERE pk = 'u1' AND sk = 'o3';
DELETE FROM orders WHERE pk = 'u2';
SELECT * FROM orders ORDER BY pk, sk;
SELECT count(*) FROM orders;
-- delete then re-insert the same key in one transaction
BEGIN;
DELETE FROM orders WHERE pk = 'u1' AND sk = 'o1';
INSERT INTO orders VALUES ('u1', 'o1', '{"again": true}');
SELECT * FROM orders WHERE pk = 'u1' ORDER BY sk;
ROLLBACK;
SELECT * FROM orders WHERE pk = 'u1' ORDER BY sk;
-- flush into runs and read back
SELECT kvam.flush('orders') > 0 AS flushed;
SELECT * FROM orders ORDER BY pk, sk;
UPDATE orders SET item = '{"total": 11}' WHERE pk = 'u1' AND sk = 'o1';
SELECT * FROM orders ORDER BY pk, sk;
SELECT sum(runs) AS runs, sum(run_versions) AS run_versions FROM kvam.partitions('orders');
-- null keys
INSERT INTO orders VALUES (NULL, 'x', '{}');
DROP TABLE orders;
