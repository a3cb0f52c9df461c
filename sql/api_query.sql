-- Query: key conditions, order, filters, projections, Select, pages.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse


SELECT kvam.create_table('{"TableName":"orders","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"},{"AttributeName":"s","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO orders VALUES
  ('u1', 'o#001', '{"amt":{"N":"10"},"st":{"S":"open"}}'),
  ('u1', 'o#002', '{"amt":{"N":"25.5"},"st":{"S":"shipped"}}'),
  ('u1', 'o#010', '{"amt":{"N":"7"},"st":{"S":"open"},"tags":{"SS":["a","b"]}}'),
  ('u1', 'p#001', '{"amt":{"N":"1"}}'),
  ('u1', 'O#999', '{"amt":{"N":"2"}}'),
  ('u2', 'o#001', '{"amt":{"N":"99"}}');

CREATE FUNCTION q(req text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT kvam.query(('{"TableName":"orders",' || req || '}')::jsonb) $$;
-- the sort keys of a response, in order
CREATE FUNCTION sks(resp jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(e->'s'->>'S', ' ' ORDER BY n), '-')
  FROM jsonb_array_elements(resp->'Items') WITH ORDINALITY AS x(e, n) $$;

-- the whole item collection, in byte order of the sort key ("O" < "o" < "p")
SELECT q('"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT sks(q('"KeyConditionExpression":"p = :p AND s = :s","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#002"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND s < :s","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#002"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND s <= :s","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#002"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND s > :s","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#002"}}'));
SELECT sks(q('"KeyConditionExpression":":s <= s AND p = :p","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#002"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND s BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"u1"},":a":{"S":"o#002"},":b":{"S":"p"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND begins_with(s, :b)","ExpressionAttributeValues":{":p":{"S":"u1"},":b":{"S":"o#"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND begins_with(s, :b)","ExpressionAttributeValues":{":p":{"S":"u1"},":b":{"S":"o#00"}}'));
SELECT sks(q('"KeyConditionExpression":"#p = :p AND begins_with(#s, :b)","ExpressionAttributeNames":{"#p":"p","#s":"s"},"ExpressionAttributeValues":{":p":{"S":"u1"},":b":{"S":"q"}}'));
SELECT q('"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"nobody"}}');

-- backward
SELECT sks(q('"KeyConditionExpression":"p = :p","ScanIndexForward":false,"ExpressionAttributeValues":{":p":{"S":"u1"}}'));
SELECT sks(q('"KeyConditionExpression":"p = :p AND begins_with(s, :b)","ScanIndexForward":false,"ExpressionAttributeValues":{":p":{"S":"u1"},":b":{"S":"o#"}}'));

-- filters count after reading: Count <= ScannedCount
SELECT q('"KeyConditionExpression":"p = :p","FilterExpression":"st = :o","ExpressionAttributeValues":{":p":{"S":"u1"},":o":{"S":"open"}},"ProjectionExpression":"s, amt"');
SELECT q('"KeyConditionExpression":"p = :p","FilterExpression":"amt > :t","Select":"COUNT","ExpressionAttributeValues":{":p":{"S":"u1"},":t":{"N":"5"}}');

-- Limit counts items read, before the filter; LastEvaluatedKey even when
-- nothing of the page passed the filter
SELECT q('"KeyConditionExpression":"p = :p","Limit":2,"FilterExpression":"amt > :t","ExpressionAttributeValues":{":p":{"S":"u1"},":t":{"N":"20"}}');
SELECT q('"KeyConditionExpression":"p = :p","Limit":2,"ExclusiveStartKey":{"p":{"S":"u1"},"s":{"S":"o#001"}},"FilterExpression":"amt > :t","ExpressionAttributeValues":{":p":{"S":"u1"},":t":{"N":"20"}}');
-- paging through the collection two by two, forward and backward
CREATE FUNCTION pages(req text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  start jsonb := NULL;
BEGIN
  LOOP
    r := q(req || CASE WHEN start IS NULL THEN '' ELSE ',"ExclusiveStartKey":' || start::text END);
    RETURN NEXT sks(r) || ' | ' || coalesce((r->'LastEvaluatedKey')::text, 'end');
    start := r->'LastEvaluatedKey';
    EXIT WHEN start IS NULL;
  END LOOP;
END $$;
SELECT pages('"KeyConditionExpression":"p = :p","Limit":2,"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT pages('"KeyConditionExpression":"p = :p","Limit":2,"ScanIndexForward":false,"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT pages('"KeyConditionExpression":"p = :p AND s > :s","Limit":3,"ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#001"}}');

-- Select and projections
SELECT q('"KeyConditionExpression":"p = :p AND s = :s","Select":"SPECIFIC_ATTRIBUTES","ProjectionExpression":"tags, nothing","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#010"}}');
SELECT q('"KeyConditionExpression":"p = :p AND s = :s","Select":"ALL_ATTRIBUTES","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o#010"}}');
SELECT q('"KeyConditionExpression":"p = :p","Select":"SPECIFIC_ATTRIBUTES","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","Select":"COUNT","ProjectionExpression":"s","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","Select":"ALL_ATTRIBUTES","ProjectionExpression":"s","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","Select":"ALL_PROJECTED_ATTRIBUTES","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","Select":"SOME","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"Select":"COUNT","AttributesToGet":["s"]');
SELECT q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"Select":"ALL_ATTRIBUTES","AttributesToGet":["s"]');

-- capacity: 4 KB units, halved unless ConsistentRead
SELECT q('"KeyConditionExpression":"p = :p","ReturnConsumedCapacity":"TOTAL","Select":"COUNT","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ReturnConsumedCapacity":"INDEXES","ConsistentRead":true,"Select":"COUNT","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ReturnConsumedCapacity":"ALL","ExpressionAttributeValues":{":p":{"S":"u1"}}');

-- legacy parameters
SELECT sks(q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"s":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"o#"}]}}'));
SELECT q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"QueryFilter":{"st":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"shipped"}]}},"AttributesToGet":["amt"]');
SELECT q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"QueryFilter":{"s":{"ComparisonOperator":"NOT_NULL"}}');
SELECT q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}}');
SELECT sks(q('"KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"FilterExpression":"st = :o","ExpressionAttributeValues":{":o":{"S":"open"}}'));

-- errors
SELECT q('"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"N":"1"}}');
SELECT q('"KeyConditionExpression":"p = :p AND s > :s","ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"N":"1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":""}}');
SELECT q('"KeyConditionExpression":"s = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p AND x = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","FilterExpression":"s = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","FilterExpression":"attribute_exists(p)","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"u1"},":q":{"S":"x"}}');
SELECT q('"KeyConditionExpression":"p = :p","Limit":0,"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","IndexName":"byTotal","ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExclusiveStartKey":{"p":{"S":"u1"}},"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExclusiveStartKey":{"p":{"S":"u1"},"s":{"N":"1"}},"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExclusiveStartKey":{"p":{"S":"u2"},"s":{"S":"o#001"}},"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT q('"KeyConditionExpression":"p = :p AND s > :s","ExclusiveStartKey":{"p":{"S":"u1"},"s":{"S":"a"}},"ExpressionAttributeValues":{":p":{"S":"u1"},":s":{"S":"o"}}');
SELECT q('"KeyConditionExpression":"p = :p","ExclusiveStartKey":{"p":{"S":"u1"},"s":{"S":"zzz"},"x":{"S":"a"}},"ExpressionAttributeValues":{":p":{"S":"u1"}}');
SELECT kvam.query('{"TableName":"nosuchtable","KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}}');
SELECT kvam.query('{"KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"u1"}}}');

-- number sort keys order numerically, binary ones by unsigned bytes
SELECT kvam.create_table('{"TableName":"events","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"N"},{"AttributeName":"s","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO events VALUES (1, 100, '{}'), (1, -5, '{}'), (1, 2, '{}'), (1, 10, '{}'), (1, 0.5, '{}'), (2, 1, '{}');
SELECT kvam.query('{"TableName":"events","KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"N":"1"}}}')->'Items';
SELECT kvam.query('{"TableName":"events","KeyConditionExpression":"p = :p AND s BETWEEN :a AND :b","ScanIndexForward":false,"ExpressionAttributeValues":{":p":{"N":"1.0"},":a":{"N":"0"},":b":{"N":"1E1"}}}')->'Items';
SELECT kvam.query('{"TableName":"events","KeyConditionExpression":"p = :p AND begins_with(s, :a)","ExpressionAttributeValues":{":p":{"N":"1"},":a":{"N":"1"}}}');
SELECT kvam.create_table('{"TableName":"blobs","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"B"},{"AttributeName":"s","AttributeType":"B"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO blobs VALUES ('\x01', '\x00ff', '{}'), ('\x01', '\xff', '{}'), ('\x01', '\x00', '{}'), ('\x01', '\x0001', '{}'), ('\x01', '\x7f', '{}');
SELECT kvam.query('{"TableName":"blobs","KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"B":"AQ=="}}}')->'Items';
SELECT kvam.query('{"TableName":"blobs","KeyConditionExpression":"p = :p AND begins_with(s, :b)","ExpressionAttributeValues":{":p":{"B":"AQ=="},":b":{"B":"AA=="}}}')->'Items';

-- the 1 MB page cap counts the size of the items read
SELECT kvam.create_table('{"TableName":"big","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"},{"AttributeName":"s","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO big SELECT 'k', i, ('{"blob":{"S":"' || repeat('x', 100000) || '"}}')::jsonb::kvam.item FROM generate_series(1, 15) i;
SELECT r->'Count' AS count, r->'ScannedCount' AS scanned, r->'LastEvaluatedKey' AS last
FROM kvam.query('{"TableName":"big","KeyConditionExpression":"p = :p","ProjectionExpression":"s","ExpressionAttributeValues":{":p":{"S":"k"}}}') r;
SELECT r->'Count' AS count, r->'ScannedCount' AS scanned, r->'LastEvaluatedKey' AS last
FROM kvam.query('{"TableName":"big","KeyConditionExpression":"p = :p","ProjectionExpression":"s","ExclusiveStartKey":{"p":{"S":"k"},"s":{"N":"11"}},"ExpressionAttributeValues":{":p":{"S":"k"}}}') r;

SELECT kvam.delete_table('{"TableName":"orders"}') IS NOT NULL;
SELECT kvam.delete_table('{"TableName":"events"}') IS NOT NULL;
SELECT kvam.delete_table('{"TableName":"blobs"}') IS NOT NULL;
SELECT kvam.delete_table('{"TableName":"big"}') IS NOT NULL;
