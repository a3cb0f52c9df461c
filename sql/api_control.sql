-- Control plane: CreateTable, DescribeTable, ListTables, UpdateTable,
-- DeleteTable, TTL, tags, DescribeLimits
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;
-- volatile members removed for stable output
CREATE FUNCTION stable_desc(d jsonb) RETURNS jsonb LANGUAGE sql AS
  $$ SELECT d - 'CreationDateTime' - 'TableId' - 'LatestStreamLabel' - 'LatestStreamArn' $$;
SELECT stable_desc(kvam.create_table('{"TableName":"ct_orders",
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"B"}],
  "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":3},
  "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},
  "Tags":[{"Key":"team","Value":"a"}]}') -> 'TableDescription');
SELECT table_name, hash_key_name, hash_key_type, range_key_name, range_key_type,
       stream_enabled, stream_view_type, stream_label IS NOT NULL AS has_label, relid = 'ct_orders'::regclass AS rel
  FROM kvam.tables;
\d ct_orders
SELECT kvam.create_table('{"TableName":"ct_orders","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}');
SELECT kvam.create_table('{"TableName":"ct_second","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') -> 'TableDescription' -> 'BillingModeSummary';
SELECT (kvam.describe_table('{"TableName":"ct_orders"}') -> 'Table' ->> 'LatestStreamArn') LIKE 'arn:aws:dynamodb:local:000000000000:table/ct_orders/stream/%';
-- ListTables with pagination
SELECT kvam.list_tables();
SELECT kvam.list_tables('{"Limit":1}');
SELECT kvam.list_tables('{"Limit":1,"ExclusiveStartTableName":"ct_orders"}');
SELECT kvam.list_tables('{"Limit":0}');
SELECT kvam.list_tables('{"Limit":101}');
-- UpdateTable
SELECT stable_desc(kvam.update_table('{"TableName":"ct_orders","BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":false}}') -> 'TableDescription') -> 'ProvisionedThroughput';
SELECT kvam.update_table('{"TableName":"ct_orders","StreamSpecification":{"StreamEnabled":false}}');
SELECT kvam.update_table('{"TableName":"ct_orders"}');
SELECT kvam.update_table('{"TableName":"ct_orders","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}') -> 'TableDescription' -> 'StreamSpecification';
SELECT kvam.update_table('{"TableName":"ct_orders","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}');
-- TTL (stored only)
SELECT kvam.describe_time_to_live('{"TableName":"ct_orders"}');
SELECT kvam.update_time_to_live('{"TableName":"ct_orders","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}');
SELECT kvam.describe_time_to_live('{"TableName":"ct_orders"}');
SELECT kvam.update_time_to_live('{"TableName":"ct_orders","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}');
-- tags by ARN
SELECT kvam.list_tags_of_resource('{"ResourceArn":"arn:aws:dynamodb:local:000000000000:table/ct_orders"}');
SELECT kvam.tag_resource('{"ResourceArn":"arn:aws:dynamodb:local:000000000000:table/ct_orders","Tags":[{"Key":"env","Value":"test"},{"Key":"team","Value":"b"}]}');
SELECT kvam.untag_resource('{"ResourceArn":"arn:aws:dynamodb:local:000000000000:table/ct_orders","TagKeys":["env"]}');
SELECT kvam.list_tags_of_resource('{"ResourceArn":"arn:aws:dynamodb:local:000000000000:table/ct_orders"}');
SELECT kvam.list_tags_of_resource('{"ResourceArn":"arn:aws:dynamodb:local:000000000000:table/nope"}');
SELECT kvam.describe_limits();
-- CreateTable validation, in DynamoDB's words
SELECT kvam.create_table('{"TableName":"a!","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"X"}]}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}]}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"other","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"gi","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}');
SELECT kvam.create_table('{"TableName":"ct_x","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}');
-- names longer than 63 bytes map to a hashed relation name
SELECT kvam.create_table(('{"TableName":"' || repeat('L', 100) || '","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}')::jsonb) -> 'TableDescription' ->> 'TableStatus';
SELECT length(relid::regclass::text) FROM kvam.tables WHERE table_name = repeat('L', 100);
-- DeleteTable
SELECT kvam.delete_table('{"TableName":"ct_orders"}') -> 'TableDescription' -> 'TableStatus';
SELECT kvam.describe_table('{"TableName":"ct_orders"}');
SELECT kvam.delete_table('{"TableName":"ct_orders"}');
SELECT kvam.delete_table('{"TableName":"ct_second"}') IS NOT NULL, kvam.delete_table(('{"TableName":"' || repeat('L', 100) || '"}')::jsonb) IS NOT NULL;
SELECT count(*) FROM kvam.tables;
