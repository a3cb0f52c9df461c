-- The rules every node of a kvam cluster enforces (docs/mirroring.md),
-- on one server with a fake cluster in the catalog: this node is "a"
-- (node 1); of 4 ranges, a leads 0 and 1, b leads 2, and 3 is moving.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;

-- errors as one line: SQLSTATE, message, detail
CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || d, '');
END $$;

SELECT kvam.create_table('{"TableName":"crt","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
CREATE TABLE cs (pk text COLLATE "C" NOT NULL, v int) USING kvam;
CREATE UNIQUE INDEX cs_key ON cs USING kvam_key (pk);
CREATE TABLE cu (pk text COLLATE "C" NOT NULL, v int) USING kvam;  -- not mirrored
CREATE UNIQUE INDEX cu_key ON cu USING kvam_key (pk);

-- no cluster: no rules, no ranges
SELECT kvam.cluster_range_of('k1'::text);
INSERT INTO cs SELECT 'k' || i, i FROM generate_series(1, 16) i;
INSERT INTO cu SELECT 'k' || i, i FROM generate_series(1, 16) i;
SELECT kvam.execute('PutItem', ('{"TableName":"crt","Item":{"pk":{"S":"k' || i || '"},"sk":{"N":"1"},"v":{"N":"' || i || '"}}}')::jsonb)
FROM generate_series(1, 16) i LIMIT 1;
SELECT count(*) FROM (SELECT kvam.execute('PutItem', ('{"TableName":"crt","Item":{"pk":{"S":"k' || i || '"},"sk":{"N":"' || s || '"},"v":{"N":"' || i || '"}}}')::jsonb)
FROM generate_series(1, 16) i, generate_series(1, 2) s) x;

-- the cluster
INSERT INTO kvam.cluster_nodes VALUES
	(1, 'a', 'host=a.example dbname=app', true, 'active'),
	(2, 'b', 'host=b.example dbname=app', false, 'active'),
	(3, 'c', 'host=c.example dbname=app', false, 'active');
INSERT INTO kvam.cluster_ranges VALUES (0, 1, 1), (1, 1, 1), (2, 2, 4), (3, NULL, 7);
INSERT INTO kvam.cluster_tables VALUES ('crt'), ('cs');
SELECT 'k' || i AS pk, kvam.cluster_range_of('k' || i) AS range FROM generate_series(1, 16) i ORDER BY 2, 1;
-- nodes and ranges are checked
INSERT INTO kvam.cluster_nodes VALUES (4, 'd', '', true);
INSERT INTO kvam.cluster_nodes VALUES (4, 'D', '');

-- Rule 1, SQL: writes to own ranges (k9: 0, k4: 1) succeed
INSERT INTO cs SELECT 'x' || i, i FROM generate_series(1, 8) i
	WHERE kvam.cluster_range_of('x' || i) IN (0, 1) RETURNING pk, kvam.cluster_range_of(pk);
UPDATE cs SET v = v + 100 WHERE pk IN ('k9', 'k4');
DELETE FROM cs WHERE pk = 'k10';
SELECT pk, v FROM cs WHERE pk IN ('k9', 'k4', 'k10') ORDER BY pk;
-- other ranges: KV001 naming the leader, detail in JSON
INSERT INTO cs VALUES ('k3x', 0);
SELECT kvam.cluster_range_of('k3x'::text);
INSERT INTO cs VALUES ('k3', 0);  -- the rule comes before uniqueness
SELECT try($$UPDATE cs SET v = 0 WHERE pk = 'k3'$$);
SELECT try($$DELETE FROM cs WHERE pk = 'k6'$$);
SELECT try($$UPDATE cs SET v = 0 WHERE pk = 'k1'$$);   -- moving
SELECT try($$UPDATE cs SET pk = 'k3x' WHERE pk = 'k9'$$);  -- key moves to b's range
COPY cs FROM stdin;
k13	1
\.
-- eventually consistent SQL reads are local and see every range
SELECT count(*) FROM cs;
-- a table that is not mirrored is not checked
UPDATE cu SET v = 0 WHERE pk IN ('k1', 'k3');
-- the error itself (message, detail, hint)
DELETE FROM cs WHERE pk = 'k3';

-- Rule 1 through the API: PutItem, UpdateItem, DeleteItem, batches, transactions
SELECT kvam.execute('PutItem', '{"TableName":"crt","Item":{"pk":{"S":"k9"},"sk":{"N":"5"}}}');
SELECT try($$SELECT kvam.execute('PutItem', '{"TableName":"crt","Item":{"pk":{"S":"k3"},"sk":{"N":"5"}}}')$$);
-- (the rule comes before the condition: no answer from a follower's copy)
SELECT try($$SELECT kvam.execute('PutItem', '{"TableName":"crt","Item":{"pk":{"S":"k3"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}')$$);
SELECT kvam.execute('UpdateItem', '{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}');
SELECT try($$SELECT kvam.execute('UpdateItem', '{"TableName":"crt","Key":{"pk":{"S":"k6"},"sk":{"N":"1"}},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"N":"1"}}}')$$);
SELECT kvam.execute('DeleteItem', '{"TableName":"crt","Key":{"pk":{"S":"k10"},"sk":{"N":"2"}}}');
SELECT try($$SELECT kvam.execute('DeleteItem', '{"TableName":"crt","Key":{"pk":{"S":"k1"},"sk":{"N":"2"}}}')$$);
-- (absent keys too: the answer must come from the leader)
SELECT try($$SELECT kvam.execute('DeleteItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"99"}}}')$$);
SELECT kvam.execute('BatchWriteItem', '{"RequestItems":{"crt":[{"PutRequest":{"Item":{"pk":{"S":"k7"},"sk":{"N":"9"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"k8"},"sk":{"N":"1"}}}}]}}');
SELECT try($$SELECT kvam.execute('BatchWriteItem', '{"RequestItems":{"crt":[{"PutRequest":{"Item":{"pk":{"S":"k7"},"sk":{"N":"10"}}}},{"PutRequest":{"Item":{"pk":{"S":"k13"},"sk":{"N":"10"}}}}]}}')$$);
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k7"},"sk":{"N":"10"}}}');  -- nothing written
SELECT kvam.execute('TransactWriteItems', '{"TransactItems":[{"Put":{"TableName":"crt","Item":{"pk":{"S":"k9"},"sk":{"N":"6"}}}},{"ConditionCheck":{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}},"ConditionExpression":"attribute_exists(pk)"}}]}');
SELECT try($$SELECT kvam.execute('TransactWriteItems', '{"TransactItems":[{"Put":{"TableName":"crt","Item":{"pk":{"S":"k9"},"sk":{"N":"7"}}}},{"Update":{"TableName":"crt","Key":{"pk":{"S":"k14"},"sk":{"N":"1"}},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"N":"1"}}}}]}')$$);
SELECT try($$SELECT kvam.execute('TransactWriteItems', '{"TransactItems":[{"ConditionCheck":{"TableName":"crt","Key":{"pk":{"S":"k2"},"sk":{"N":"1"}},"ConditionExpression":"attribute_exists(pk)"}}]}')$$);
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k9"},"sk":{"N":"7"}}}');  -- nothing written

-- Rule 2: strongly consistent reads only at the leader
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}},"ConsistentRead":true}');
SELECT try($$SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}},"ConsistentRead":true}')$$);
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}}}');
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}},"ConsistentRead":false}');
SELECT kvam.execute('Query', '{"TableName":"crt","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"k8"}},"ConsistentRead":true,"Select":"COUNT"}');
SELECT try($$SELECT kvam.execute('Query', '{"TableName":"crt","KeyConditionExpression":"pk = :p AND sk > :s","ExpressionAttributeValues":{":p":{"S":"k5"},":s":{"N":"0"}},"ConsistentRead":true,"ScanIndexForward":false}')$$);
SELECT kvam.execute('Query', '{"TableName":"crt","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"k5"}},"Select":"COUNT"}');
SELECT kvam.execute('BatchGetItem', '{"RequestItems":{"crt":{"Keys":[{"pk":{"S":"k4"},"sk":{"N":"1"}},{"pk":{"S":"k3"},"sk":{"N":"1"}}]}}}'::jsonb) -> 'Responses' -> 'crt' @> '[{"pk":{"S":"k3"}}]' AS eventual_batch_reads_b;
SELECT try($$SELECT kvam.execute('BatchGetItem', '{"RequestItems":{"crt":{"Keys":[{"pk":{"S":"k4"},"sk":{"N":"1"}},{"pk":{"S":"k3"},"sk":{"N":"1"}}],"ConsistentRead":true}}}')$$);
SELECT kvam.execute('TransactGetItems', '{"TransactItems":[{"Get":{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}},"ProjectionExpression":"pk"}}]}');
SELECT try($$SELECT kvam.execute('TransactGetItems', '{"TransactItems":[{"Get":{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}}}},{"Get":{"TableName":"crt","Key":{"pk":{"S":"k6"},"sk":{"N":"1"}}}}]}')$$);
-- Scan: eventual reads everything; a strong Scan only the hashes this node
-- leads: segment s of 4 is range s here
SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT"}');
SELECT try($$SELECT kvam.execute('Scan', '{"TableName":"crt","ConsistentRead":true}')$$);
SELECT s AS segment, kvam.execute('Scan', ('{"TableName":"crt","Select":"COUNT","ConsistentRead":true,"Segment":' || s || ',"TotalSegments":4}')::jsonb) FROM generate_series(0, 1) s;
SELECT try($$SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT","ConsistentRead":true,"Segment":2,"TotalSegments":4}')$$);
SELECT try($$SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT","ConsistentRead":true,"Segment":0,"TotalSegments":2}')$$);
SELECT try($$SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT","ConsistentRead":true,"Segment":1,"TotalSegments":2}')$$);

-- The map follows the catalog: in the changing transaction at once, in
-- other sessions after commit (test/isolation/specs/cluster_cache.spec)
BEGIN;
UPDATE kvam.cluster_ranges SET leader = 1, epoch = epoch + 1 WHERE range_id = 2;
UPDATE cs SET v = -3 WHERE pk = 'k3';
ROLLBACK;
SELECT try($$UPDATE cs SET v = -3 WHERE pk = 'k3'$$);
BEGIN;
UPDATE kvam.cluster_ranges SET leader = 1, epoch = epoch + 1 WHERE range_id = 2;
SAVEPOINT s;
UPDATE kvam.cluster_ranges SET leader = 3 WHERE range_id = 2;
SELECT try($$UPDATE cs SET v = -3 WHERE pk = 'k3'$$);
ROLLBACK TO s;
UPDATE cs SET v = -3 WHERE pk = 'k3';
COMMIT;
SELECT v FROM cs WHERE pk = 'k3';
UPDATE kvam.cluster_ranges SET leader = 2, epoch = epoch + 1 WHERE range_id = 2;
SELECT try($$UPDATE cs SET v = -3 WHERE pk = 'k3'$$);
SELECT kvam.cluster_invalidate();
-- a table joins and leaves the mirrored set
INSERT INTO kvam.cluster_tables VALUES ('cu');
SELECT try($$UPDATE cu SET v = 1 WHERE pk = 'k3'$$);
DELETE FROM kvam.cluster_tables WHERE relid = 'cu'::regclass;
UPDATE cu SET v = 1 WHERE pk = 'k3';
-- a catalog change cannot be prepared
BEGIN;
UPDATE kvam.cluster_nodes SET conninfo = conninfo WHERE node_id = 2;
PREPARE TRANSACTION 'cluster_change';

-- Rules 3 and 4: kvam.cluster_bypass writes any range, and an INSERT of a
-- live key replaces it
CREATE ROLE cluster_user;
GRANT ALL ON cs TO cluster_user;
SET ROLE cluster_user;
SET kvam.cluster_bypass = on;
RESET ROLE;
SET kvam.cluster_bypass = on;
INSERT INTO cs VALUES ('k3', 33), ('k1', 11), ('k3z', 0);
UPDATE cs SET v = v + 1 WHERE pk IN ('k3', 'k6');
DELETE FROM cs WHERE pk = 'k13';
SELECT pk, v FROM cs WHERE pk IN ('k1', 'k3', 'k3z', 'k6', 'k13') ORDER BY pk;
SELECT kvam.execute('PutItem', '{"TableName":"crt","Item":{"pk":{"S":"k3"},"sk":{"N":"5"}}}');
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}},"ConsistentRead":true,"ProjectionExpression":"pk"}');
-- (uniqueness still holds for tables that are not mirrored)
INSERT INTO cu VALUES ('k3', 0);
RESET kvam.cluster_bypass;
SELECT try($$INSERT INTO cs VALUES ('k3', 0)$$);

-- Rule 3: changes from a fenced node's subscription are refused.  An apply
-- worker is emulated by a bypass session under the subscription's origin
-- pg_<subid>; the TAP tests of docs/mirroring.md run real ones.
SET client_min_messages = error;
CREATE SUBSCRIPTION kvam_a_from_b CONNECTION 'dbname=kvam_nowhere' PUBLICATION kvam_cluster
	WITH (connect = false, slot_name = NONE);
RESET client_min_messages;
SET kvam.cluster_bypass = on;
SELECT pg_replication_origin_session_setup('pg_' || oid) FROM pg_subscription WHERE subname = 'kvam_a_from_b';
INSERT INTO cs VALUES ('k14', 14);   -- b is active: applied (replacing)
UPDATE kvam.cluster_nodes SET state = 'fenced' WHERE name = 'b';
SELECT regexp_replace(try($$INSERT INTO cs VALUES ('k14', 15)$$), 'pg_[0-9]+', 'pg_N');
SELECT regexp_replace(try($$DELETE FROM cs WHERE pk = 'k9'$$), 'pg_[0-9]+', 'pg_N');
SELECT regexp_replace(try($$SELECT kvam.execute('PutItem', '{"TableName":"crt","Item":{"pk":{"S":"k9"},"sk":{"N":"5"}}}')$$), 'pg_[0-9]+', 'pg_N');
UPDATE cu SET v = 2 WHERE pk = 'k3';  -- not mirrored
SELECT pg_replication_origin_session_reset();
-- other origins (the management functions' own) are not fenced
SELECT 'created' FROM pg_replication_origin_create('cluster_test_resync');
SELECT pg_replication_origin_session_setup('cluster_test_resync');
INSERT INTO cs VALUES ('k14', 15);
SELECT pg_replication_origin_session_reset();
SELECT pg_replication_origin_drop('cluster_test_resync');
-- without the origin, the same session writes again
INSERT INTO cs VALUES ('k14', 16);
SELECT pk, v FROM cs WHERE pk = 'k14';
RESET kvam.cluster_bypass;
UPDATE kvam.cluster_nodes SET state = 'active' WHERE name = 'b';
DROP SUBSCRIPTION kvam_a_from_b;

-- kvam.cluster_range_of agrees with the rules for N and B keys too
CREATE TABLE cn (pk numeric NOT NULL, v int) USING kvam;
CREATE UNIQUE INDEX cn_key ON cn USING kvam_key (pk);
CREATE TABLE cb (pk bytea NOT NULL, v int) USING kvam;
CREATE UNIQUE INDEX cb_key ON cb USING kvam_key (pk);
INSERT INTO kvam.cluster_tables VALUES ('cn'), ('cb');
SELECT i, kvam.cluster_range_of(i::numeric) AS range,
	split_part(try(format('INSERT INTO cn VALUES (%s, 0)', i)), ' | ', 1) AS numeric_key,
	kvam.cluster_range_of(int4send(i)) AS brange,
	split_part(try(format('INSERT INTO cb VALUES (%L, 0)', int4send(i))), ' | ', 1) AS binary_key
FROM generate_series(1, 6) i;
DELETE FROM kvam.cluster_tables WHERE relid IN ('cn'::regclass, 'cb'::regclass);
DROP TABLE cn, cb;

-- A joining node (its copy is being rebuilt) redirects eventually
-- consistent API reads too; SQL reads stay local
UPDATE kvam.cluster_nodes SET state = 'joining' WHERE is_self;
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k4"},"sk":{"N":"1"}},"ProjectionExpression":"pk"}');
SELECT try($$SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}}}')$$);
SELECT try($$SELECT kvam.execute('Query', '{"TableName":"crt","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"k6"}}}')$$);
SELECT try($$SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT"}')$$);
SELECT try($$SELECT kvam.execute('BatchGetItem', '{"RequestItems":{"crt":{"Keys":[{"pk":{"S":"k3"},"sk":{"N":"1"}}]}}}')$$);
SELECT count(*) FROM cs WHERE pk = 'k3';
UPDATE kvam.cluster_nodes SET state = 'active' WHERE is_self;
SELECT kvam.execute('Scan', '{"TableName":"crt","Select":"COUNT"}');

-- no cluster again: no rules
DELETE FROM kvam.cluster_tables;
DELETE FROM kvam.cluster_ranges;
DELETE FROM kvam.cluster_nodes;
INSERT INTO cs VALUES ('k3y', 0);
SELECT kvam.execute('GetItem', '{"TableName":"crt","Key":{"pk":{"S":"k3"},"sk":{"N":"1"}},"ConsistentRead":true,"ProjectionExpression":"pk"}');
SELECT kvam.cluster_range_of('k1'::text);

SELECT kvam.delete_table('{"TableName":"crt"}') IS NOT NULL AS deleted;
DROP TABLE cs, cu;
DROP FUNCTION try(text);
DROP ROLE cluster_user;
