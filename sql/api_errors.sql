-- Every DynamoDB exception the API raises, through kvam.execute: the
-- SQLSTATE, DynamoDB's exact message and the JSON error document in the
-- detail (__type + message + structured members), plus the exception <->
-- SQLSTATE table (docs/errors.md).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

-- err(): run one request, return the error's SQLSTATE, message and detail,
-- and whether the detail is the JSON document {__type, message, ...} whose
-- message is the error's message and whose __type names the exception that
-- kvam.exceptions() maps the SQLSTATE to
CREATE FUNCTION err(op text, req jsonb, OUT code text, OUT message text,
                    OUT detail text, OUT consistent bool)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM kvam.execute(op, req);
  code := 'none';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  consistent := (detail::jsonb ->> 'message') = message AND
    split_part(detail::jsonb ->> '__type', '#', 2) =
      (SELECT e.exception FROM kvam.exceptions() e WHERE e.sqlstate = err.code);
  -- the caller's role name appears in AccessDenied messages; it depends on
  -- the OS user running the tests
  message := replace(message, 'user/' || current_user || ' ', 'user/<current_user> ');
  detail := replace(detail, 'user/' || current_user || ' ', 'user/<current_user> ');
END $$;

-- the mapping: every SQLSTATE belongs to exactly one exception
\x off
SELECT * FROM kvam.exceptions() ORDER BY exception, NOT is_primary, sqlstate;
SELECT sqlstate, count(*) FROM kvam.exceptions() GROUP BY sqlstate HAVING count(*) > 1;
\x on

SELECT kvam.execute('CreateTable', '{"TableName": "err_t",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT kvam.execute('PutItem', '{"TableName": "err_t", "Item": {"id": {"S": "a"}, "n": {"N": "1"}}}');

-- ValidationException: 22023 (request), 42601 (expression syntax), 54000 (size)
SELECT * FROM err('GetItem', '{"TableName": "err_t", "Key": {"nope": {"S": "a"}}}');
SELECT * FROM err('PutItem', '{"TableName": "err_t", "Item": {"id": {"S": "b"}}, "ConditionExpression": "n = "}');
SELECT * FROM err('PutItem', jsonb_build_object('TableName', 'err_t', 'Item',
  jsonb_build_object('id', jsonb_build_object('S', 'big'), 'v', jsonb_build_object('S', repeat('x', 409600)))));
SELECT * FROM err('TransactWriteItems', '{"TransactItems": [{}]}');
SELECT * FROM err('TransactWriteItems', '{"TransactItems": [{"Put": {"TableName": "err_t", "Item": {"id": {"S": "a"}}},
  "Delete": {"TableName": "err_t", "Key": {"id": {"S": "a"}}}}]}');
SELECT * FROM err('UpdateTable', '{"TableName": "err_t", "StreamSpecification": {"StreamEnabled": true}}');
SELECT * FROM err('UpdateTable', '{"TableName": "err_t", "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}}');
SELECT * FROM err('UpdateTable', '{"TableName": "err_t", "StreamSpecification": {"StreamEnabled": false}}');
SELECT kvam.execute('UpdateTable', '{"TableName": "err_t", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}') IS NOT NULL AS enabled;
SELECT * FROM err('UpdateTable', '{"TableName": "err_t", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}');
SELECT * FROM err('TagResource', '{"Tags": [{"Key": "k", "Value": "v"}]}');
SELECT * FROM err('TagResource', '{"ResourceArn": "arn:aws:dynamodb:local:000000000000:table/err_t"}');
SELECT * FROM err('TagResource', '{"ResourceArn": "arn:aws:dynamodb:local:000000000000:stream/err_t", "Tags": [{"Key": "k", "Value": "v"}]}');
SELECT * FROM err('TagResource', '{"ResourceArn": "arn:aws:dynamodb:local:000000000000:table/err_t", "Tags": []}');
SELECT * FROM err('UntagResource', '{"ResourceArn": "arn:aws:dynamodb:local:000000000000:table/err_t", "TagKeys": []}');

-- SerializationException: a member of the wrong JSON type
SELECT * FROM err('Scan', '{"TableName": "err_t", "Limit": "10"}');
SELECT * FROM err('Scan', '{"TableName": "err_t", "Segment": true, "TotalSegments": 2}');
SELECT * FROM err('CreateTable', '{"TableName": "err_u", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
  "ProvisionedThroughput": {"ReadCapacityUnits": "1", "WriteCapacityUnits": 1}}');

-- ConditionalCheckFailedException, with the old item when asked for
SELECT * FROM err('PutItem', '{"TableName": "err_t", "Item": {"id": {"S": "a"}},
  "ConditionExpression": "attribute_not_exists(id)"}');
SELECT * FROM err('DeleteItem', '{"TableName": "err_t", "Key": {"id": {"S": "a"}},
  "ConditionExpression": "n > :z", "ExpressionAttributeValues": {":z": {"N": "5"}},
  "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}');

-- TransactionCanceledException: one reason per action, in request order
SELECT * FROM err('TransactWriteItems', '{"TransactItems": [
  {"Put": {"TableName": "err_t", "Item": {"id": {"S": "c"}}}},
  {"ConditionCheck": {"TableName": "err_t", "Key": {"id": {"S": "a"}},
     "ConditionExpression": "attribute_not_exists(id)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]}');

-- ResourceNotFoundException
SELECT * FROM err('GetItem', '{"TableName": "err_none", "Key": {"id": {"S": "a"}}}');
SELECT * FROM err('DescribeTable', '{"TableName": "err_none"}');
SELECT * FROM err('ListTagsOfResource', '{"ResourceArn": "arn:aws:dynamodb:local:000000000000:table/err_none"}');

-- ResourceInUseException: 55006, and 42P07 when the relation name is taken
SELECT * FROM err('CreateTable', '{"TableName": "err_t",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}');
CREATE TABLE err_plain (x int);
SELECT * FROM err('CreateTable', '{"TableName": "err_plain",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}');
DROP TABLE err_plain;

-- AccessDeniedException: a ResourceArn that is no ARN at all
SELECT * FROM err('ListTagsOfResource', '{"ResourceArn": "not-an-arn"}');

-- LimitExceededException: more than 50 tags
SELECT * FROM err('TagResource', jsonb_build_object(
  'ResourceArn', 'arn:aws:dynamodb:local:000000000000:table/err_t',
  'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'k' || i, 'Value', 'v')) FROM generate_series(1, 51) i)));

-- IdempotentParameterMismatchException: a token reused with other items
SELECT kvam.execute('TransactWriteItems', '{"ClientRequestToken": "err-token-1",
  "TransactItems": [{"Put": {"TableName": "err_t", "Item": {"id": {"S": "t1"}}}}]}');
SELECT * FROM err('TransactWriteItems', '{"ClientRequestToken": "err-token-1",
  "TransactItems": [{"Put": {"TableName": "err_t", "Item": {"id": {"S": "t2"}}}}]}');

-- UnknownOperationException
SELECT * FROM err('DropEverything', '{}');

-- DynamoDB validates the request (expression syntax, names and values,
-- parameter combinations) before it looks the table up: a malformed
-- request for a missing table is a ValidationException
SELECT code, message FROM err('GetItem', '{"TableName": "err_none", "Key": {"id": {"S": "a"}}, "ProjectionExpression": "a b"}');
SELECT code, message FROM err('PutItem', '{"TableName": "err_none", "Item": {"id": {"S": "a"}}, "ConditionExpression": "n = "}');
SELECT code, message FROM err('PutItem', '{"TableName": "err_none", "Item": {"id": {"S": "a"}}, "ExpressionAttributeValues": {":v": {"S": "x"}}}');
SELECT code, message FROM err('UpdateItem', '{"TableName": "err_none", "Key": {"id": {"S": "a"}}, "UpdateExpression": "SET"}');
SELECT code, message FROM err('DeleteItem', '{"TableName": "err_none", "Key": {"id": {"S": "a"}}, "ReturnValues": "ALL_NEW"}');
SELECT code, message FROM err('Query', '{"TableName": "err_none"}');
SELECT code, message FROM err('Query', '{"TableName": "err_none", "KeyConditionExpression": "id = "}');
SELECT code, message FROM err('Query', '{"TableName": "err_none", "KeyConditionExpression": "id = :v", "FilterExpression": "(", "ExpressionAttributeValues": {":v": {"S": "a"}}}');
SELECT code, message FROM err('Scan', '{"TableName": "err_none", "Segment": 3, "TotalSegments": 2}');
SELECT code, message FROM err('Scan', '{"TableName": "err_none", "FilterExpression": "a = :undefined"}');
SELECT code, message FROM err('Scan', '{"TableName": "err_none", "Limit": 0}');
-- a well-formed request for a missing table
SELECT code, message FROM err('Query', '{"TableName": "err_none", "KeyConditionExpression": "id = :v", "ExpressionAttributeValues": {":v": {"S": "a"}}}');

-- the text form carries the same error
\x off
\set VERBOSITY default
SELECT kvam.execute('GetItem', '{"TableName": "err_none", "Key": {"id": {"S": "a"}}}'::text);

SELECT kvam.execute('DeleteTable', '{"TableName": "err_t"}') IS NOT NULL AS deleted;
DROP FUNCTION err(text, jsonb);
