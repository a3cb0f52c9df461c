-- TransactWriteItems and TransactGetItems.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse

SELECT kvam.create_table('{"TableName":"t_acct","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT kvam.create_table('{"TableName":"t_log","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"n","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT kvam.put_item('{"TableName":"t_acct","Item":{"id":{"S":"alice"},"bal":{"N":"100"}}}');
SELECT kvam.put_item('{"TableName":"t_acct","Item":{"id":{"S":"bob"},"bal":{"N":"5"}}}');
SELECT kvam.put_item('{"TableName":"t_log","Item":{"a":{"S":"bank"},"n":{"N":"0"},"open":{"BOOL":true}}}');
CREATE FUNCTION accts() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(pk || '=' || (item::jsonb->'bal'->>'N'), ' ' ORDER BY pk) FROM t_acct $$;

-- a transfer: two updates, a log entry, a condition on a third item
SELECT kvam.transact_write_items('{"TransactItems":[
  {"Update":{"TableName":"t_acct","Key":{"id":{"S":"alice"}},"UpdateExpression":"SET bal = bal - :x","ConditionExpression":"bal >= :x","ExpressionAttributeValues":{":x":{"N":"30"}}}},
  {"Update":{"TableName":"t_acct","Key":{"id":{"S":"bob"}},"UpdateExpression":"SET bal = bal + :x","ExpressionAttributeValues":{":x":{"N":"30"}}}},
  {"Put":{"TableName":"t_log","Item":{"a":{"S":"alice"},"n":{"N":"1"},"amt":{"N":"-30"}},"ConditionExpression":"attribute_not_exists(a)"}},
  {"ConditionCheck":{"TableName":"t_log","Key":{"a":{"S":"bank"},"n":{"N":"0"}},"ConditionExpression":"#o = :t","ExpressionAttributeNames":{"#o":"open"},"ExpressionAttributeValues":{":t":{"BOOL":true}}}}],
  "ReturnConsumedCapacity":"TOTAL"}');
SELECT accts();

-- a failed condition cancels everything, reasons in request order
SELECT kvam.transact_write_items('{"TransactItems":[
  {"Update":{"TableName":"t_acct","Key":{"id":{"S":"alice"}},"UpdateExpression":"SET bal = bal - :x","ConditionExpression":"bal >= :x","ExpressionAttributeValues":{":x":{"N":"500"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
  {"Update":{"TableName":"t_acct","Key":{"id":{"S":"bob"}},"UpdateExpression":"SET bal = bal + :x","ExpressionAttributeValues":{":x":{"N":"500"}}}},
  {"Delete":{"TableName":"t_log","Key":{"a":{"S":"alice"},"n":{"N":"1"}},"ConditionExpression":"amt = :v","ExpressionAttributeValues":{":v":{"N":"0"}}}}]}');
SELECT accts(), (SELECT count(*) FROM t_log) AS log_rows;
-- the error document carries the reasons
DO $$
BEGIN
  PERFORM kvam.transact_write_items('{"TransactItems":[
    {"ConditionCheck":{"TableName":"t_acct","Key":{"id":{"S":"bob"}},"ConditionExpression":"bal > :z","ExpressionAttributeValues":{":z":{"N":"1000"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
    {"Put":{"TableName":"t_acct","Item":{"id":{"S":"carol"},"bal":{"N":"1"}}}}]}');
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'sqlstate %: %', SQLSTATE, SQLERRM;
  DECLARE d text;
  BEGIN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RAISE NOTICE 'detail %', d::jsonb - 'message';
  END;
END $$;
SELECT accts();

-- the caller's transaction survives a canceled transaction
BEGIN;
SELECT kvam.put_item('{"TableName":"t_acct","Item":{"id":{"S":"dave"},"bal":{"N":"7"}}}');
SAVEPOINT s;
SELECT kvam.transact_write_items('{"TransactItems":[{"Put":{"TableName":"t_acct","Item":{"id":{"S":"eve"},"bal":{"N":"1"}}}},{"ConditionCheck":{"TableName":"t_acct","Key":{"id":{"S":"nobody"}},"ConditionExpression":"attribute_exists(id)"}}]}');
ROLLBACK TO s;
SELECT accts();
COMMIT;

-- ClientRequestToken: a replay applies nothing; other parameters are refused
SELECT kvam.transact_write_items('{"ClientRequestToken":"tok-1","TransactItems":[{"Update":{"TableName":"t_acct","Key":{"id":{"S":"dave"}},"UpdateExpression":"ADD bal :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}');
SELECT kvam.transact_write_items('{"ClientRequestToken":"tok-1","TransactItems":[{"Update":{"TableName":"t_acct","Key":{"id":{"S":"dave"}},"UpdateExpression":"ADD bal :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}');
SELECT accts();
SELECT kvam.transact_write_items('{"ClientRequestToken":"tok-1","TransactItems":[{"Update":{"TableName":"t_acct","Key":{"id":{"S":"dave"}},"UpdateExpression":"ADD bal :one","ExpressionAttributeValues":{":one":{"N":"2"}}}}]}');
-- a canceled transaction does not consume its token
SELECT kvam.transact_write_items('{"ClientRequestToken":"tok-2","TransactItems":[{"ConditionCheck":{"TableName":"t_acct","Key":{"id":{"S":"dave"}},"ConditionExpression":"bal > :z","ExpressionAttributeValues":{":z":{"N":"100"}}}}]}');
SELECT kvam.transact_write_items('{"ClientRequestToken":"tok-2","TransactItems":[{"Put":{"TableName":"t_acct","Item":{"id":{"S":"frank"},"bal":{"N":"3"}}}}]}');
SELECT accts();

-- TransactGetItems: one snapshot, responses in request order
SELECT kvam.transact_get_items('{"TransactItems":[
  {"Get":{"TableName":"t_acct","Key":{"id":{"S":"bob"}}}},
  {"Get":{"TableName":"t_acct","Key":{"id":{"S":"nobody"}}}},
  {"Get":{"TableName":"t_log","Key":{"a":{"S":"alice"},"n":{"N":"1"}},"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"amt"}}}],
  "ReturnConsumedCapacity":"TOTAL"}');

-- validation
SELECT kvam.transact_write_items('{}');
SELECT kvam.transact_write_items('{"TransactItems":[]}');
SELECT kvam.transact_write_items('{"TransactItems":[{}]}');
SELECT kvam.transact_write_items('{"TransactItems":[{"Put":{"TableName":"t_acct","Item":{"id":{"S":"x"}}},"Delete":{"TableName":"t_acct","Key":{"id":{"S":"x"}}}}]}');
SELECT kvam.transact_write_items('{"TransactItems":[{"Put":{"TableName":"t_acct","Item":{"id":{"S":"x"}}}},{"Delete":{"TableName":"t_acct","Key":{"id":{"S":"x"}}}}]}');
SELECT kvam.transact_write_items('{"TransactItems":[{"ConditionCheck":{"TableName":"t_acct","Key":{"id":{"S":"x"}}}}]}');
SELECT kvam.transact_write_items('{"TransactItems":[{"Delete":{"TableName":"t_acct","Key":{"id":{"N":"1"}}}}]}');
SELECT kvam.transact_write_items('{"TransactItems":[{"Delete":{"TableName":"no_such","Key":{"id":{"S":"1"}}}}]}');
SELECT kvam.transact_write_items('{"ClientRequestToken":"","TransactItems":[{"Delete":{"TableName":"t_acct","Key":{"id":{"S":"1"}}}}]}');
SELECT kvam.transact_write_items((SELECT jsonb_build_object('TransactItems', jsonb_agg(jsonb_build_object('Delete',
  jsonb_build_object('TableName', 't_acct', 'Key', jsonb_build_object('id', jsonb_build_object('S', 'k' || i))))))
  FROM generate_series(1, 101) i));
SELECT kvam.transact_get_items('{"TransactItems":[{"Get":{"TableName":"t_acct","Key":{"id":{"S":"x"}}}},{"Get":{"TableName":"t_acct","Key":{"id":{"S":"x"}}}}]}');
SELECT kvam.transact_get_items('{"TransactItems":[{"Put":{"TableName":"t_acct","Item":{"id":{"S":"x"}}}}]}');

SELECT kvam.delete_table('{"TableName":"t_acct"}') IS NOT NULL AS deleted;
SELECT kvam.delete_table('{"TableName":"t_log"}') IS NOT NULL AS deleted;
