-- Streams and replica identity: CreateTable / UpdateTable make a table log
-- its old rows (REPLICA IDENTITY FULL) exactly when its stream's view type
-- has old images, so the kvam stream plugin can emit OldImage.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION masked(data text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(regexp_replace(regexp_replace(data,
		'"eventID":"[0-9a-f]{32}"', '"eventID":"*"'),
		'"SequenceNumber":"[0-9]{30}"', '"SequenceNumber":"*"'),
		'"ApproximateCreationDateTime":[0-9]+', '"ApproximateCreationDateTime":*')
$$;
CREATE FUNCTION identity_of(name text) RETURNS "char" LANGUAGE sql AS $$
	SELECT c.relreplident FROM kvam.tables t JOIN pg_class c ON c.oid = t.relid
	 WHERE t.table_name = name
$$;

SELECT kvam.create_table('{"TableName": "Orders",
  "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"},
                {"AttributeName": "order", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"},
                           {"AttributeName": "order", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}')
  #> '{TableDescription,StreamSpecification}' AS stream;
SELECT identity_of('Orders');

SELECT 'init' FROM pg_create_logical_replication_slot('api_stream', 'kvam');

SELECT kvam.put_item('{"TableName": "Orders",
  "Item": {"user": {"S": "u1"}, "order": {"S": "o1"}, "total": {"N": "42.50"}}}');
SELECT kvam.update_item('{"TableName": "Orders",
  "Key": {"user": {"S": "u1"}, "order": {"S": "o1"}},
  "UpdateExpression": "SET #t = #t + :d", "ExpressionAttributeNames": {"#t": "total"},
  "ExpressionAttributeValues": {":d": {"N": "1"}}}');
SELECT kvam.put_item('{"TableName": "Orders",
  "Item": {"user": {"S": "u1"}, "order": {"S": "o1"}, "note": {"S": "replaced"}}}');
SELECT kvam.delete_item('{"TableName": "Orders",
  "Key": {"user": {"S": "u1"}, "order": {"S": "o1"}}}');

-- INSERT: NewImage only; MODIFY: both; REMOVE: OldImage only
SELECT masked(data) FROM pg_logical_slot_get_changes('api_stream', NULL, NULL);

-- disabling the stream goes back to the key index; so do KEYS_ONLY and
-- NEW_IMAGE, which need no old row
SELECT kvam.update_table('{"TableName": "Orders",
  "StreamSpecification": {"StreamEnabled": false}}') IS NOT NULL AS disabled;
SELECT identity_of('Orders');
SELECT kvam.update_table('{"TableName": "Orders",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}')
  #> '{TableDescription,StreamSpecification}' AS stream;
SELECT identity_of('Orders');
SELECT kvam.update_table('{"TableName": "Orders",
  "StreamSpecification": {"StreamEnabled": false}}') IS NOT NULL AS disabled;
SELECT kvam.update_table('{"TableName": "Orders",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "OLD_IMAGE"}}')
  #> '{TableDescription,StreamSpecification}' AS stream;
SELECT identity_of('Orders');

-- OLD_IMAGE: MODIFY and REMOVE carry the old item, no NewImage
SELECT kvam.put_item('{"TableName": "Orders",
  "Item": {"user": {"S": "u2"}, "order": {"S": "o1"}, "n": {"N": "1"}}}');
SELECT kvam.put_item('{"TableName": "Orders",
  "Item": {"user": {"S": "u2"}, "order": {"S": "o1"}, "n": {"N": "2"}}}');
SELECT kvam.delete_item('{"TableName": "Orders",
  "Key": {"user": {"S": "u2"}, "order": {"S": "o1"}}}');
SELECT masked(data) FROM pg_logical_slot_get_changes('api_stream', NULL, NULL);

-- a table created with NEW_IMAGE or without a stream keeps the key index
SELECT kvam.create_table('{"TableName": "Events",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
  "BillingMode": "PAY_PER_REQUEST",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}')
  #> '{TableDescription,StreamSpecification}' AS stream;
SELECT identity_of('Events');
SELECT kvam.create_table('{"TableName": "Plain",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
  "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT identity_of('Plain');
-- enabling NEW_AND_OLD_IMAGES later switches it to FULL
SELECT kvam.update_table('{"TableName": "Plain",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}')
  #> '{TableDescription,StreamSpecification}' AS stream;
SELECT identity_of('Plain');

SELECT pg_drop_replication_slot('api_stream');
SELECT kvam.delete_table('{"TableName": "Orders"}') IS NOT NULL AS deleted;
SELECT kvam.delete_table('{"TableName": "Events"}') IS NOT NULL AS deleted;
SELECT kvam.delete_table('{"TableName": "Plain"}') IS NOT NULL AS deleted;
DROP FUNCTION masked(text);
DROP FUNCTION identity_of(text);
