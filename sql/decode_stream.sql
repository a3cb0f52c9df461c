-- The kvam stream output plugin: DynamoDB Streams records for each event
-- kind and each StreamViewType.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 4;

-- API tables (docs/api.md shape) and their catalog rows, written by hand
-- here as kvam.create_table would write them.
CREATE TABLE orders (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                     item kvam.item NOT NULL) USING kvam;
CREATE UNIQUE INDEX orders_key ON orders USING kvam_key (pk, sk);
CREATE TABLE counters (pk numeric NOT NULL, item kvam.item NOT NULL) USING kvam;
CREATE UNIQUE INDEX counters_key ON counters USING kvam_key (pk);
CREATE TABLE quiet (pk bytea NOT NULL, item kvam.item NOT NULL) USING kvam;
CREATE UNIQUE INDEX quiet_key ON quiet USING kvam_key (pk);
INSERT INTO kvam.tables (table_name, relid, table_id, hash_key_name, hash_key_type,
                         range_key_name, range_key_type, stream_enabled,
                         stream_view_type, stream_label, description)
VALUES ('Orders', 'orders'::regclass, gen_random_uuid(), 'user', 'S', 'order', 'S',
        true, 'NEW_AND_OLD_IMAGES', '2026-01-01T00:00:00.000', '{}'),
       ('Counters', 'counters'::regclass, gen_random_uuid(), 'id', 'N', NULL, NULL,
        true, 'KEYS_ONLY', '2026-01-01T00:00:00.000', '{}'),
       ('Quiet', 'quiet'::regclass, gen_random_uuid(), 'b', 'B', NULL, NULL,
        false, NULL, NULL, '{}');
-- old images need the whole old row in the WAL
ALTER TABLE orders REPLICA IDENTITY FULL;

-- records without what changes from run to run (eventID, sequence number,
-- time), which are checked separately below
CREATE FUNCTION masked(data text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(regexp_replace(regexp_replace(data,
		'"eventID":"[0-9a-f]{32}"', '"eventID":"*"'),
		'"SequenceNumber":"[0-9]{30}"', '"SequenceNumber":"*"'),
		'"ApproximateCreationDateTime":[0-9]+', '"ApproximateCreationDateTime":*')
$$;

SELECT 'init' FROM pg_create_logical_replication_slot('stream', 'kvam');

INSERT INTO orders VALUES ('u1', 'o1', '{"total":{"N":"42.50"},"tags":{"SS":["a","b"]}}');
INSERT INTO counters VALUES (7, '{"n":{"N":"1"}}');
INSERT INTO quiet VALUES ('\x00ff', '{}');
UPDATE orders SET item = '{"total":{"N":"43"}}' WHERE pk = 'u1' AND sk = 'o1';
UPDATE counters SET item = '{"n":{"N":"2"}}' WHERE pk = 7;
-- a key change: REMOVE of the old key, INSERT of the new one
UPDATE orders SET sk = 'o2' WHERE pk = 'u1' AND sk = 'o1';
BEGIN;
INSERT INTO orders VALUES ('u2', 'o1', '{"big":{"S":"gone"}}');
ROLLBACK;
-- several changes in one transaction: records in order
BEGIN;
INSERT INTO orders VALUES ('u3', 'x', '{}');
DELETE FROM orders WHERE pk = 'u1';
DELETE FROM counters WHERE pk = 7;
COMMIT;

-- the tables' own view types: Orders NEW_AND_OLD_IMAGES, Counters
-- KEYS_ONLY; Quiet has no stream
SELECT masked(data) FROM pg_logical_slot_peek_changes('stream', NULL, NULL);

-- each view type, forced by the option view-type
SELECT masked(data) FROM pg_logical_slot_peek_changes('stream', NULL, NULL,
	'view-type', 'KEYS_ONLY') WHERE data LIKE '%"user"%';
SELECT masked(data) FROM pg_logical_slot_peek_changes('stream', NULL, NULL,
	'view-type', 'NEW_IMAGE') WHERE data LIKE '%"user"%';
SELECT masked(data) FROM pg_logical_slot_peek_changes('stream', NULL, NULL,
	'view-type', 'OLD_IMAGE') WHERE data LIKE '%"user"%';

-- all-tables: API tables without a stream too
SELECT masked(data) FROM pg_logical_slot_peek_changes('stream', NULL, NULL,
	'all-tables', 'true') WHERE data LIKE '%"b":%';

-- sequence numbers: 30 digits, increasing in stream order; event ids
-- unique; creation times are commit times (seconds since the epoch)
SELECT count(*) AS records,
       bool_and(seq ~ '^[0-9]{30}$') AS digits,
       bool_and(seq > prev) AS increasing,
       count(DISTINCT id) = count(*) AS unique_ids,
       bool_and(to_timestamp(t) BETWEEN now() - interval '1 hour' AND now() + interval '1 minute') AS times
FROM (SELECT d->'dynamodb'->>'SequenceNumber' AS seq, d->>'eventID' AS id,
             (d->'dynamodb'->>'ApproximateCreationDateTime')::bigint AS t,
             lag(d->'dynamodb'->>'SequenceNumber', 1, '') OVER (ORDER BY n) AS prev
      FROM pg_logical_slot_peek_changes('stream', NULL, NULL) WITH ORDINALITY AS c(lsn, xid, data, n),
           LATERAL (SELECT data::jsonb AS d) x) s;
-- the records of one transaction share its commit LSN in their sequence number
SELECT count(DISTINCT left(d->'dynamodb'->>'SequenceNumber', 20)) AS transactions
FROM pg_logical_slot_peek_changes('stream', NULL, NULL), LATERAL (SELECT data::jsonb AS d) x;

-- without REPLICA IDENTITY FULL the WAL has no old row: no OldImage
SELECT count(*) FROM pg_logical_slot_get_changes('stream', NULL, NULL);
ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_key;
UPDATE orders SET item = '{"v":{"N":"1"}}' WHERE pk = 'u3';
DELETE FROM orders WHERE pk = 'u3';
SELECT masked(data) FROM pg_logical_slot_get_changes('stream', NULL, NULL);

-- a stream enabled later shows only the changes made after it
INSERT INTO quiet VALUES ('\x01', '{}');
UPDATE kvam.tables SET stream_enabled = true, stream_view_type = 'NEW_IMAGE' WHERE table_name = 'Quiet';
INSERT INTO quiet VALUES ('\x02', '{"a":{"BOOL":true}}');
-- S keys are stored byte-stuffed; the record shows the original string
INSERT INTO orders VALUES (E'nul\x01\x01end', 's', '{}');
SELECT masked(data) FROM pg_logical_slot_get_changes('stream', NULL, NULL);

-- options are validated
SELECT count(*) FROM pg_logical_slot_peek_changes('stream', NULL, NULL, 'pretty', 'true');
SELECT count(*) FROM pg_logical_slot_peek_changes('stream', NULL, NULL, 'view-type', 'ALL');
SELECT count(*) FROM pg_logical_slot_peek_changes('stream', NULL, NULL, 'all-tables', 'maybe');

SELECT pg_drop_replication_slot('stream');
DELETE FROM kvam.tables;
DROP TABLE orders, counters, quiet;
DROP FUNCTION masked(text);
