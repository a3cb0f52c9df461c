-- Pagination rules shared by Query and Scan: Limit, the 1 MB page cap,
-- LastEvaluatedKey / ExclusiveStartKey across concurrent changes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse


SELECT kvam.create_table('{"TableName":"log","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"},{"AttributeName":"s","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO log SELECT 'a', i, ('{"v":{"N":"' || i || '"}}')::jsonb::kvam.item FROM generate_series(1, 10) i;
CREATE FUNCTION lq(req text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT kvam.query(('{"TableName":"log","KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"a"}' || req || '}')::jsonb) $$;
CREATE FUNCTION ns(resp jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(e->'s'->>'N', ',' ORDER BY n), '-')
  FROM jsonb_array_elements(resp->'Items') WITH ORDINALITY AS x(e, n) $$;

-- a Limit larger than the result: no LastEvaluatedKey
SELECT lq('},"Limit":11') ? 'LastEvaluatedKey' AS more;
-- a Limit equal to the result: LastEvaluatedKey, and the next page is empty
SELECT lq('},"Limit":10')->'LastEvaluatedKey';
SELECT lq('},"Limit":10,"ExclusiveStartKey":{"p":{"S":"a"},"s":{"N":"10"}}');

-- changes between pages: the next page starts strictly after the last key
-- read, whatever was inserted or deleted meanwhile
SELECT ns(r), r->'LastEvaluatedKey' FROM lq('},"Limit":4') r;
DELETE FROM log WHERE sk IN (4, 5);
INSERT INTO log VALUES ('a', 3.5, '{}'), ('a', 4.5, '{}'), ('a', 0, '{}');
SELECT ns(r), r->'LastEvaluatedKey' FROM lq('},"Limit":4,"ExclusiveStartKey":{"p":{"S":"a"},"s":{"N":"4"}}') r;
SELECT ns(r), r->'LastEvaluatedKey' FROM lq('},"Limit":4,"ScanIndexForward":false,"ExclusiveStartKey":{"p":{"S":"a"},"s":{"N":"4"}}') r;
-- a start key that equals the number in another notation
SELECT ns(lq('},"Limit":2,"ExclusiveStartKey":{"p":{"S":"a"},"s":{"N":"0.40E1"}}'));

-- a page stops at 1 MB of items read, even when the filter keeps none;
-- LastEvaluatedKey lets the client go on
SELECT kvam.create_table('{"TableName":"pblobs","KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO pblobs SELECT i, ('{"x":{"S":"' || repeat('x', 300000) || '"}}')::jsonb::kvam.item FROM generate_series(1, 8) i;
CREATE FUNCTION scan_pages(req text) RETURNS TABLE (page int, count jsonb, scanned jsonb, more bool) LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  start jsonb := NULL;
BEGIN
  page := 0;
  LOOP
    r := kvam.scan(('{"TableName":"pblobs"' || req ||
                    CASE WHEN start IS NULL THEN '' ELSE ',"ExclusiveStartKey":' || start::text END || '}')::jsonb);
    page := page + 1;
    count := r->'Count';
    scanned := r->'ScannedCount';
    more := r ? 'LastEvaluatedKey';
    RETURN NEXT;
    start := r->'LastEvaluatedKey';
    EXIT WHEN start IS NULL;
  END LOOP;
END $$;
SELECT * FROM scan_pages(',"FilterExpression":"attribute_not_exists(x)"');
SELECT * FROM scan_pages(',"Select":"COUNT","Limit":3');
SELECT * FROM scan_pages(',"ProjectionExpression":"p","ReturnConsumedCapacity":"TOTAL","ConsistentRead":true');
SELECT r->'ConsumedCapacity' FROM kvam.scan('{"TableName":"pblobs","Select":"COUNT","ReturnConsumedCapacity":"TOTAL"}') r;

SELECT kvam.delete_table('{"TableName":"log"}') IS NOT NULL;
SELECT kvam.delete_table('{"TableName":"pblobs"}') IS NOT NULL;
