-- The two response paths (docs/architecture.md, "API layer costs"): the
-- jsonb entry points build jsonb directly, kvam.execute(text, text) writes
-- JSON text; both must give the same document.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;

SELECT kvam.create_table('{"TableName":"resp_t",
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
  "BillingMode":"PAY_PER_REQUEST"}') -> 'TableDescription' -> 'TableStatus';

-- every attribute type, nesting, control characters, names in any order
SELECT kvam.put_item('{"TableName":"resp_t","Item":{"pk":{"S":"p"},"sk":{"N":"1"},
  "s":{"S":"tab\tquote\"back\\\\ \u0001 é"},"n":{"N":"-12.50"},"b":{"B":"AAEC/w=="},
  "t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},
  "ss":{"SS":["b","a"]},"ns":{"NS":["10","9","-1.5"]},"bs":{"BS":["AQ==","AA=="]},
  "l":{"L":[{"S":"x"},{"N":"1"},{"L":[]},{"M":{}}]},
  "m":{"M":{"zz":{"S":"1"},"a":{"M":{"deep":{"L":[{"BOOL":false}]}}},"bb":{"NULL":true}}},
  "e":{"S":""}}}');
SELECT kvam.put_item('{"TableName":"resp_t","Item":{"pk":{"S":"p"},"sk":{"N":"2"},"x":{"N":"2"}}}');

-- GetItem, Query (Count, ScannedCount, LastEvaluatedKey, capacity 0.5 / 1.0)
SELECT kvam.get_item('{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"1"}},"ReturnConsumedCapacity":"INDEXES"}');
SELECT kvam.get_item('{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"1"}}}')
     = kvam.execute('GetItem', '{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"1"}}}'::text)::jsonb AS same_get;
SELECT kvam.query('{"TableName":"resp_t","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":1,"ReturnConsumedCapacity":"TOTAL"}');
SELECT q = kvam.execute('Query', r::text)::jsonb AS same_query
FROM (SELECT r, kvam.query(r) AS q
      FROM (SELECT '{"TableName":"resp_t","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"ReturnConsumedCapacity":"INDEXES","ConsistentRead":true}'::jsonb AS r) s) s;
SELECT kvam.query('{"TableName":"resp_t","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Select":"COUNT"}');
-- UpdateItem ALL_NEW, DescribeTable (CreationDateTime is a number)
SELECT (u - 'Attributes') = (kvam.execute('UpdateItem', replace(r::text, '"n"', '"n2"'))::jsonb - 'Attributes') AS same_update,
       u -> 'Attributes' -> 'n'
FROM (SELECT r, kvam.update_item(r) AS u
      FROM (SELECT '{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"2"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW","ReturnConsumedCapacity":"TOTAL"}'::jsonb AS r) s) s;
SELECT jsonb_typeof(kvam.describe_table('{"TableName":"resp_t"}') -> 'Table' -> 'CreationDateTime');

-- an item holding U+0000: the text entry point carries it, jsonb cannot
SELECT kvam.execute('PutItem', '{"TableName":"resp_t","Item":{"pk":{"S":"p"},"sk":{"N":"3"},"v":{"S":"x\u0000y"}}}'::text);
SELECT kvam.execute('GetItem', '{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"3"}}}'::text);
SELECT kvam.get_item('{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"3"}}}');
-- the call after an error runs normally (the call memory is reused)
SELECT kvam.get_item('{"TableName":"resp_t","Key":{"pk":{"S":"p"},"sk":{"N":"2"}},"ProjectionExpression":"n"}');

SELECT kvam.delete_table('{"TableName":"resp_t"}') -> 'TableDescription' -> 'TableStatus';
