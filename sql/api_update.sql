-- UpdateItem and DeleteItem
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;
SELECT kvam.create_table('{"TableName":"up_t","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') -> 'TableDescription' -> 'KeySchema';
-- UpdateItem without UpdateExpression creates the key-only item
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"ReturnValues":"ALL_NEW"}');
-- SET / ADD / REMOVE with each ReturnValues
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"SET a = :a, b = :b","ExpressionAttributeValues":{":a":{"S":"x"},":b":{"N":"2"}},"ReturnValues":"UPDATED_NEW"}');
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"ADD b :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_OLD"}');
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"REMOVE a","ReturnValues":"ALL_OLD"}');
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"SET c = :c","ExpressionAttributeValues":{":c":{"L":[]}},"ReturnValues":"NONE"}');
SELECT kvam.get_item('{"TableName":"up_t","Key":{"id":{"N":"1"}}}');
-- condition on update
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"SET b = :v","ConditionExpression":"b > :v","ExpressionAttributeValues":{":v":{"N":"10"}}}');
-- key attributes cannot be updated
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"1"}},"UpdateExpression":"SET id = :v","ExpressionAttributeValues":{":v":{"N":"10"}}}');
-- update of an absent item creates it (upsert) with the key
SELECT kvam.update_item('{"TableName":"up_t","Key":{"id":{"N":"2"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"BOOL":true}},"ReturnValues":"ALL_NEW","ReturnConsumedCapacity":"TOTAL"}');
-- DeleteItem: ALL_OLD, condition, absent item
SELECT kvam.delete_item('{"TableName":"up_t","Key":{"id":{"N":"2"}},"ConditionExpression":"v = :f","ExpressionAttributeValues":{":f":{"BOOL":false}}}');
SELECT kvam.delete_item('{"TableName":"up_t","Key":{"id":{"N":"2"}},"ReturnValues":"ALL_OLD"}');
SELECT kvam.delete_item('{"TableName":"up_t","Key":{"id":{"N":"2"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}');
SELECT kvam.delete_item('{"TableName":"up_t","Key":{"id":{"N":"2"}},"ReturnValues":"ALL_NEW"}');
SELECT count(*) FROM up_t;
SELECT kvam.delete_table('{"TableName":"up_t"}') IS NOT NULL;
