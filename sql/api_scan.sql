-- Scan: whole-table reads, parallel segments, filters, Select.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse


SELECT kvam.create_table('{"TableName":"things","KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO things SELECT 'k' || i, ('{"n":{"N":"' || i || '"},"odd":{"BOOL":' || (i % 2 = 1) || '}}')::jsonb::kvam.item
FROM generate_series(1, 200) i;

CREATE FUNCTION sc(req text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT kvam.scan(('{"TableName":"things"' || req || '}')::jsonb) $$;
-- every page of a scan, following LastEvaluatedKey; returns the keys read in order
CREATE FUNCTION scan_all(req text, OUT pages int, OUT keys text[]) LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  start jsonb := NULL;
BEGIN
  pages := 0;
  keys := '{}';
  LOOP
    r := sc(req || CASE WHEN start IS NULL THEN '' ELSE ',"ExclusiveStartKey":' || start::text END);
    pages := pages + 1;
    keys := keys || ARRAY(SELECT e->'p'->>'S' FROM jsonb_array_elements(r->'Items') WITH ORDINALITY x(e, n) ORDER BY n);
    start := r->'LastEvaluatedKey';
    EXIT WHEN start IS NULL;
  END LOOP;
END $$;

-- one page holds everything
SELECT r->'Count' AS count, r->'ScannedCount' AS scanned, r ? 'LastEvaluatedKey' AS more FROM sc('') r;
-- pages of 37 return the same items in the same order as one page
SELECT s.pages, s.keys = (SELECT keys FROM scan_all('')) AS same_order,
       cardinality(s.keys) AS n, (SELECT count(DISTINCT k) FROM unnest(s.keys) k) AS distinct_keys
FROM scan_all(',"Limit":37') s;
-- parallel scan: the segments are disjoint and cover the table
CREATE TEMP TABLE seg AS
SELECT g AS segment, k FROM generate_series(0, 3) g,
  LATERAL unnest((scan_all(',"Segment":' || g || ',"TotalSegments":4,"Limit":10')).keys) k;
SELECT count(*) AS rows, count(DISTINCT k) AS distinct_keys, count(DISTINCT segment) AS segments FROM seg;
SELECT count(*) FILTER (WHERE n < 20) AS small_segments FROM (SELECT segment, count(*) n FROM seg GROUP BY segment) s;
-- segment order is storage order: the concatenation of the segments is the full scan order
SELECT array_agg(k ORDER BY segment, ord) = (SELECT keys FROM scan_all('')) AS concatenation_is_scan_order
FROM (SELECT g AS segment, k, ord FROM generate_series(0, 3) g,
        LATERAL unnest((scan_all(',"Segment":' || g || ',"TotalSegments":4')).keys) WITH ORDINALITY u(k, ord)) s;
SELECT (scan_all(',"Segment":0,"TotalSegments":1')).keys = (SELECT keys FROM scan_all('')) AS one_segment_is_all;
-- many more segments than items: still exactly once
SELECT count(*), count(DISTINCT k) FROM generate_series(0, 499) g,
  LATERAL unnest((scan_all(',"Segment":' || g || ',"TotalSegments":500')).keys) k;

-- filters, projection, Select
SELECT r->'Count' AS count, r->'ScannedCount' AS scanned FROM sc(',"FilterExpression":"odd = :t AND n < :m","ExpressionAttributeValues":{":t":{"BOOL":true},":m":{"N":"11"}}') r;
SELECT jsonb_array_length(r->'Items'), r->'Items'->0 ? 'p' AS has_key, r->'Items'->0 ? 'n' AS has_n
FROM sc(',"ProjectionExpression":"n","Limit":3') r;
SELECT sc(',"Select":"COUNT","FilterExpression":"n >= :m","ExpressionAttributeValues":{":m":{"N":"195"}}');
SELECT sc(',"Select":"COUNT","Limit":5,"ReturnConsumedCapacity":"TOTAL"') - 'LastEvaluatedKey';
SELECT r->'Count' FROM sc(',"ScanFilter":{"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"10"},{"N":"19"}]},"odd":{"ComparisonOperator":"EQ","AttributeValueList":[{"BOOL":false}]}}') r;
SELECT r->'Count' FROM sc(',"ScanFilter":{"n":{"ComparisonOperator":"LT","AttributeValueList":[{"N":"3"}]},"odd":{"ComparisonOperator":"EQ","AttributeValueList":[{"BOOL":false}]}},"ConditionalOperator":"OR"') r;
SELECT sc(',"ScanFilter":{"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"3"}]}},"AttributesToGet":["n","nothing"]') - 'ScannedCount';
-- a filter on the key is allowed in a Scan
SELECT sc(',"FilterExpression":"p = :k","ExpressionAttributeValues":{":k":{"S":"k7"}}');

-- errors
SELECT sc(',"Segment":1');
SELECT sc(',"TotalSegments":2');
SELECT sc(',"Segment":2,"TotalSegments":2');
SELECT sc(',"Segment":-1,"TotalSegments":2');
SELECT sc(',"Segment":0,"TotalSegments":0');
SELECT sc(',"Segment":0,"TotalSegments":1000001');
SELECT sc(',"Segment":"0","TotalSegments":2');
SELECT sc(',"Limit":0');
SELECT sc(',"ExclusiveStartKey":{"p":{"N":"1"}}');
SELECT sc(',"ExclusiveStartKey":{"p":{"S":"k1"},"s":{"S":"x"}}');
SELECT sc(',"ExclusiveStartKey":{"p":{"S":""}}');
SELECT sc(',"FilterExpression":"n = :m"');
SELECT sc(',"ScanFilter":{"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"3"}]}},"FilterExpression":"n = :m","ExpressionAttributeValues":{":m":{"N":"1"}}');
SELECT sc(',"Select":"ALL_PROJECTED_ATTRIBUTES"');
SELECT kvam.scan('{"TableName":"no_such_table"}');
SELECT kvam.scan('{"TableName":"ab"}');
SELECT kvam.scan('{"TableName":"a b c"}');

SELECT kvam.delete_table('{"TableName":"things"}') IS NOT NULL;
