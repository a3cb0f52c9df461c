-- BatchGetItem and BatchWriteItem.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse

SELECT kvam.create_table('{"TableName":"b_users","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT kvam.create_table('{"TableName":"b_events","KeySchema":[{"AttributeName":"u","KeyType":"HASH"},{"AttributeName":"t","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"u","AttributeType":"S"},{"AttributeName":"t","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;

-- writes to two tables in one call
SELECT kvam.batch_write_item('{"RequestItems":{
  "b_users":[{"PutRequest":{"Item":{"id":{"S":"u1"},"name":{"S":"Ann"}}}},
             {"PutRequest":{"Item":{"id":{"S":"u2"},"name":{"S":"Bob"}}}},
             {"PutRequest":{"Item":{"id":{"S":"u3"},"name":{"S":"Cy"}}}}],
  "b_events":[{"PutRequest":{"Item":{"u":{"S":"u1"},"t":{"N":"1"},"what":{"S":"login"}}}},
              {"PutRequest":{"Item":{"u":{"S":"u1"},"t":{"N":"2"},"what":{"S":"logout"}}}}]},
  "ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}');
-- puts replace, deletes of absent keys are no-ops
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[
  {"PutRequest":{"Item":{"id":{"S":"u2"},"name":{"S":"Bobby"}}}},
  {"DeleteRequest":{"Key":{"id":{"S":"u3"}}}},
  {"DeleteRequest":{"Key":{"id":{"S":"nobody"}}}}]}}');
SELECT pk, item FROM b_users ORDER BY pk;

-- reads from two tables; missing keys are simply absent
SELECT kvam.batch_get_item('{"RequestItems":{
  "b_users":{"Keys":[{"id":{"S":"u1"}},{"id":{"S":"u2"}},{"id":{"S":"u3"}}],"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"name"}},
  "b_events":{"Keys":[{"u":{"S":"u1"},"t":{"N":"2"}},{"u":{"S":"u1"},"t":{"N":"1.0"}}],"ConsistentRead":true}},
  "ReturnConsumedCapacity":"INDEXES"}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_users":{"Keys":[{"id":{"S":"u1"}}],"AttributesToGet":["id"]}}}');

-- the 16 MB response cap leaves keys unprocessed, with the table's parameters
SELECT kvam.create_table('{"TableName":"b_big","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"k","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
INSERT INTO b_big SELECT i, ('{"x":{"S":"' || repeat('x', 400000) || '"}}')::jsonb::kvam.item FROM generate_series(1, 45) i;
SELECT jsonb_array_length(r->'Responses'->'b_big') AS returned,
       jsonb_array_length(r->'UnprocessedKeys'->'b_big'->'Keys') AS unprocessed,
       r->'UnprocessedKeys'->'b_big'->'Keys'->0 AS first_unprocessed,
       (r->'UnprocessedKeys'->'b_big') - 'Keys'::text AS parameters
FROM kvam.batch_get_item((SELECT jsonb_build_object('RequestItems', jsonb_build_object('b_big',
        jsonb_build_object('Keys', jsonb_agg(jsonb_build_object('k', jsonb_build_object('N', i::text)) ORDER BY i),
                           'ProjectionExpression', 'k', 'ConsistentRead', true)))
      FROM generate_series(1, 45) i)) r;

-- errors
SELECT kvam.batch_get_item('{}');
SELECT kvam.batch_get_item('{"RequestItems":{}}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_users":{"Keys":[]}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_users":{"Keys":[{"id":{"S":"u1"}},{"id":{"S":"u1"}}]}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_events":{"Keys":[{"u":{"S":"u1"},"t":{"N":"1"}},{"u":{"S":"u1"},"t":{"N":"1.00"}}]}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_users":{"Keys":[{"id":{"N":"1"}}]}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"b_users":{"Keys":[{"id":{"S":"u1"}}],"AttributesToGet":["id"],"ProjectionExpression":"id"}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"no_such":{"Keys":[{"id":{"S":"u1"}}]}}}');
SELECT kvam.batch_get_item('{"RequestItems":{"x":{"Keys":[{"id":{"S":"u1"}}]}}}');
SELECT kvam.batch_get_item((SELECT jsonb_build_object('RequestItems', jsonb_build_object(
  'b_users', jsonb_build_object('Keys', jsonb_agg(jsonb_build_object('id', jsonb_build_object('S', 'k' || i))))))
  FROM generate_series(1, 101) i));
SELECT kvam.batch_get_item((SELECT jsonb_build_object('RequestItems', jsonb_build_object(
  'b_users', jsonb_build_object('Keys', jsonb_agg(jsonb_build_object('id', jsonb_build_object('S', 'k' || i))) FILTER (WHERE i <= 60)),
  'b_big', jsonb_build_object('Keys', jsonb_agg(jsonb_build_object('k', jsonb_build_object('N', i::text))) FILTER (WHERE i > 60))))
  FROM generate_series(1, 101) i));
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{}]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"PutRequest":{"Item":{"id":{"S":"a"}}},"DeleteRequest":{"Key":{"id":{"S":"a"}}}}]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"PutRequest":{"Item":{"id":{"S":"a"}}}},{"DeleteRequest":{"Key":{"id":{"S":"a"}}}}]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"PutRequest":{"Item":{"name":{"S":"a"}}}}]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"DeleteRequest":{"Key":{"id":{"S":"a"},"x":{"S":"b"}}}}]}}');
SELECT kvam.batch_write_item((SELECT jsonb_build_object('RequestItems', jsonb_build_object('b_users',
  jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item', jsonb_build_object('id', jsonb_build_object('S', 'k' || i)))))))
  FROM generate_series(1, 26) i));
SELECT kvam.batch_write_item((SELECT jsonb_build_object('RequestItems', jsonb_build_object(
  'b_users', jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item', jsonb_build_object('id', jsonb_build_object('S', 'k' || i))))) FILTER (WHERE i <= 13),
  'b_events', jsonb_agg(jsonb_build_object('DeleteRequest', jsonb_build_object('Key', jsonb_build_object('u', jsonb_build_object('S', 'k'), 't', jsonb_build_object('N', i::text))))) FILTER (WHERE i > 13)))
  FROM generate_series(1, 26) i));
-- a failing request leaves nothing behind: the whole call is one statement
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"PutRequest":{"Item":{"id":{"S":"u9"}}}}],"b_events":[{"PutRequest":{"Item":{"u":{"S":"u9"}}}}]}}');
SELECT kvam.batch_write_item('{"RequestItems":{"b_users":[{"PutRequest":{"Item":{"id":{"S":"u9"}}}}],"no_such":[{"DeleteRequest":{"Key":{"id":{"S":"u9"}}}}]}}');
SELECT count(*) FROM b_users WHERE pk = 'u9';
-- through kvam.execute
SELECT kvam.execute('BatchGetItem', '{"RequestItems":{"b_users":{"Keys":[{"id":{"S":"u1"}}]}}}');

SELECT kvam.delete_table('{"TableName":"b_users"}') IS NOT NULL AS deleted;
SELECT kvam.delete_table('{"TableName":"b_events"}') IS NOT NULL AS deleted;
SELECT kvam.delete_table('{"TableName":"b_big"}') IS NOT NULL AS deleted;
