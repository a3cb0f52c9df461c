-- PutItem and GetItem (docs/api.md)
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;

SELECT kvam.create_table('{"TableName":"pg_orders",
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
  "BillingMode":"PAY_PER_REQUEST"}') -> 'TableDescription' -> 'TableStatus';

-- a put returns {}; a get returns the item, numbers canonical
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1.0"},"total":{"N":"42.50"},"tags":{"SS":["b","a"]}}}');
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1"}}}');
-- the relation holds the key in columns and the rest in the item column
SELECT pk, sk, item FROM pg_orders;
-- absent item: {}
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"u1"},"sk":{"N":"2"}}}');
-- replace, ReturnValues ALL_OLD
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1"},"total":{"N":"7"}},"ReturnValues":"ALL_OLD"}');
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"3"}},"ReturnValues":"ALL_OLD"}');
-- ProjectionExpression, names
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1"}},"ProjectionExpression":"#t, nothing","ExpressionAttributeNames":{"#t":"total"}}');
-- conditions
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}');
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}');
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1"},"total":{"N":"8"}},"ConditionExpression":"#t = :v","ExpressionAttributeNames":{"#t":"total"},"ExpressionAttributeValues":{":v":{"N":"7"}}}');
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"u2"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}');
-- consumed capacity: 1 KB write units, 4 KB read units, half for eventually consistent
SELECT kvam.put_item(('{"TableName":"pg_orders","Item":{"pk":{"S":"big"},"sk":{"N":"1"},"blob":{"S":"' || repeat('x', 5000) || '"}},"ReturnConsumedCapacity":"TOTAL"}')::jsonb);
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"big"},"sk":{"N":"1"}},"ProjectionExpression":"pk","ReturnConsumedCapacity":"INDEXES"}');
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"big"},"sk":{"N":"1"}},"ProjectionExpression":"pk","ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}');
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"none"},"sk":{"N":"1"}},"ReturnConsumedCapacity":"TOTAL"}');
-- execute() dispatches by name; the text form carries U+0000 in keys and values
SELECT kvam.execute('GetItem', '{"TableName":"pg_orders","Key":{"pk":{"S":"u2"},"sk":{"N":"1"}}}'::jsonb);
SELECT kvam.execute('PutItem', '{"TableName":"pg_orders","Item":{"pk":{"S":"a\u0000b"},"sk":{"N":"1"},"v":{"S":"x\u0000y"}}}'::text);
SELECT kvam.execute('GetItem', '{"TableName":"pg_orders","Key":{"pk":{"S":"a\u0000b"},"sk":{"N":"1"}}}'::text);
-- many writes in one transaction see each other
BEGIN;
SELECT kvam.put_item('{"TableName":"pg_orders","Item":{"pk":{"S":"tx"},"sk":{"N":"1"},"n":{"N":"1"}}}');
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"tx"},"sk":{"N":"1"}}}');
ROLLBACK;
SELECT kvam.get_item('{"TableName":"pg_orders","Key":{"pk":{"S":"tx"},"sk":{"N":"1"}}}');
SELECT count(*) FROM pg_orders;
SELECT kvam.delete_table('{"TableName":"pg_orders"}') -> 'TableDescription' -> 'TableStatus';
