-- Legacy (non-expression) parameters: Expected, ConditionalOperator,
-- QueryFilter, ScanFilter, KeyConditions, AttributeUpdates, AttributesToGet.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
\set VERBOSITY terse

-- mixing expression and non-expression parameters
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}},"ConditionExpression":"attribute_exists(a)"}', 'PutItem', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"DELETE"}},"ConditionExpression":"attribute_exists(a)","Expected":{"a":{"Exists":false}}}', NULL);
SELECT kvam._legacy_condition('{"ScanFilter":{"a":{"ComparisonOperator":"NULL"}},"ProjectionExpression":"a"}', 'Scan', NULL);
SELECT kvam._legacy_condition('{"ConditionalOperator":"OR","FilterExpression":"a = :a"}', 'Query', NULL);
-- KeyConditions may accompany expressions when KeyConditionExpression is absent
SELECT kvam._legacy_condition('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}},"FilterExpression":"a = :a"}', 'Query', NULL);
SELECT kvam._legacy_condition('{"KeyConditions":{},"KeyConditionExpression":"pk = :p"}', 'Query', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}},"ExpressionAttributeNames":{"#a":"a"}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}},"ExpressionAttributeValues":{":a":{"S":"a"}}}', 'PutItem', NULL);
SELECT kvam._legacy_update('{"ExpressionAttributeValues":{":a":{"S":"a"}}}', NULL);
SELECT kvam._legacy_condition('{"ExpressionAttributeValues":{":a":{"S":"a"}},"ProjectionExpression":"a"}', 'Scan', NULL);

-- Expected: the Value / Exists forms
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":"x"}}}}', 'PutItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":"x"}}}}', 'PutItem', '{"a":{"S":"y"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":"x"},"Exists":true}}}', 'PutItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":"x"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}}}', 'PutItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}}}', 'DeleteItem', '{"b":{"S":"x"}}');
SELECT kvam._legacy_condition('{"Expected":{}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":true}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false,"Value":{"S":"x"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":"x"},"AttributeValueList":[{"S":"x"}]}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"EQ","Exists":true,"Value":{"S":"x"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"EQ"}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"AttributeValueList":[{"S":"x"}]}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"BETWEEN","Value":{"S":"x"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"NULL","Value":{"S":"x"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"NOT_NULL"}}}', 'PutItem', '{"a":{"NULL":true}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"GT","Value":{"N":"5"}}}}', 'UpdateItem', '{"a":{"N":"6"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"ComparisonOperator":"XX","Value":{"N":"5"}}}}', 'PutItem', NULL);
SELECT kvam._legacy_condition('{"Expected":{"a":{"Value":{"S":""}}}}', 'PutItem', NULL);

-- ConditionalOperator
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false},"b":{"Value":{"N":"1"}}}}', 'PutItem', '{"b":{"N":"1"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false},"b":{"Value":{"N":"1"}}},"ConditionalOperator":"OR"}', 'PutItem', '{"b":{"N":"1"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false},"b":{"Value":{"N":"2"}}},"ConditionalOperator":"OR"}', 'PutItem', '{"a":{"N":"1"},"b":{"N":"1"}}');
SELECT kvam._legacy_condition('{"Expected":{"a":{"Exists":false}},"ConditionalOperator":"XOR"}', 'PutItem', NULL);

-- ScanFilter: every ComparisonOperator
CREATE TEMP TABLE items(id int, item jsonb);
INSERT INTO items VALUES
 (1, '{"a":{"S":"abc"},"n":{"N":"10"},"ss":{"SS":["x","y"]},"l":{"L":[{"S":"x"},{"N":"1"}]}}'),
 (2, '{"a":{"S":"b"},"n":{"N":"-1.5"},"ns":{"NS":["1","2"]}}'),
 (3, '{"a":{"N":"5"},"b":{"B":"AAEC"}}'),
 (4, '{"z":{"NULL":true}}');
CREATE FUNCTION scan_filter(f text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '-') FROM items
  WHERE kvam._legacy_condition(('{"ScanFilter":' || f || '}')::jsonb, 'Scan', item) $$;
SELECT scan_filter('{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NE","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"n":{"ComparisonOperator":"LT","AttributeValueList":[{"N":"10"}]}}');
SELECT scan_filter('{"n":{"ComparisonOperator":"LE","AttributeValueList":[{"N":"10"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"GT","AttributeValueList":[{"S":"abc"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"GE","AttributeValueList":[{"S":"abc"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NOT_NULL"}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NULL"}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"ss":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"x"}]}}');
SELECT scan_filter('{"ns":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"N":"2"}]}}');
SELECT scan_filter('{"l":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"N":"1"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"ab"}]}}');
SELECT scan_filter('{"b":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"B":"AA=="}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"b"},{"S":"abc"}]}}');
SELECT scan_filter('{"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"-2"},{"N":"10"}]}}');
SELECT scan_filter('{"ss":{"ComparisonOperator":"EQ","AttributeValueList":[{"SS":["y","x"]}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NOT_NULL"},"n":{"ComparisonOperator":"NOT_NULL"}}');
SELECT scan_filter('{"b":{"ComparisonOperator":"NOT_NULL"},"ns":{"ComparisonOperator":"NOT_NULL"}}');
SELECT scan_filter('{}');

-- ScanFilter / QueryFilter validation
SELECT scan_filter('{"a":{"AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"EQ"}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"b"},{"S":"c"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"NULL","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"IN","AttributeValueList":[]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"b"},{"N":"1"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"LT","AttributeValueList":[{"SS":["b"]}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"BOOL":true}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"1"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"S":"c"},{"S":"b"}]}}');
SELECT scan_filter('{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"x"}]}}');
SELECT kvam._legacy_condition('{"QueryFilter":{"a":{"ComparisonOperator":"NOTEQ","AttributeValueList":[{"S":"b"}]}}}', 'Query', NULL);
SELECT kvam._legacy_condition('{"QueryFilter":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"b"}]}}}', 'Query', '{"a":{"S":"b"}}');

-- AttributeUpdates
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Value":{"S":"new"}}}}', '{"a":{"S":"old"},"b":{"N":"1"}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"PUT","Value":{"N":"1"}},"b":{"Action":"DELETE"}}}', '{"a":{"S":"old"},"b":{"N":"1"}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"2.5"}}}}', '{"n":{"N":"1"}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"2.5"}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"s":{"Action":"ADD","Value":{"SS":["b","c"]}}}}', '{"s":{"SS":["a","b"]}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"l":{"Action":"ADD","Value":{"L":[{"S":"c"}]}}}}', '{"l":{"L":[{"S":"a"}]}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"l":{"Action":"ADD","Value":{"L":[{"S":"c"}]}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"s":{"Action":"DELETE","Value":{"SS":["a"]}}}}', '{"s":{"SS":["a","b"]}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"s":{"Action":"DELETE","Value":{"SS":["a","b"]}}}}', '{"s":{"SS":["a","b"]},"t":{"N":"1"}}');
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"PUT"}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"ADD"}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"DELETE","Value":{"S":"x"}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"ADD","Value":{"S":"x"}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"ADD","Value":{"M":{}}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Action":"REPLACE","Value":{"S":"x"}}}}', NULL);
SELECT kvam._legacy_update('{"AttributeUpdates":{"a":{"Value":{"S":"x"}}},"UpdateExpression":"SET b = :b"}', NULL);

-- AttributesToGet
SELECT kvam._legacy_project('{"AttributesToGet":["a","c"]}', 'GetItem', '{"a":{"S":"x"},"b":{"N":"1"},"c":{"L":[]}}');
SELECT kvam._legacy_project('{"AttributesToGet":["missing"]}', 'Scan', '{"a":{"S":"x"}}');
SELECT kvam._legacy_project('{"AttributesToGet":["a","a"]}', 'GetItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_project('{"AttributesToGet":[]}', 'GetItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_project('{"AttributesToGet":["a"],"ProjectionExpression":"a"}', 'GetItem', '{"a":{"S":"x"}}');
SELECT kvam._legacy_project('{"AttributesToGet":["a"],"FilterExpression":"a = :a"}', 'Query', '{"a":{"S":"x"}}');

-- KeyConditions
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"sk":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"o#"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"sk":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"9"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"sk":{"ComparisonOperator":"LT","AttributeValueList":[{"N":"1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"sk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"x":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"x":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}}}', 'pk', NULL);
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"NE","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"sk":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"a"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"sk":{"ComparisonOperator":"NOT_NULL"}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"b":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},"c":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}}}', 'pk', 'sk');
SELECT kvam._legacy_key_conditions('{"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]}},"KeyConditionExpression":"pk = :p"}', 'pk', 'sk');

-- the single-item operations take the legacy parameters
SELECT kvam.create_table('{"TableName":"legacy_t","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT kvam.put_item('{"TableName":"legacy_t","Item":{"k":{"S":"a"},"n":{"N":"1"}},"Expected":{"k":{"Exists":false}}}');
SELECT kvam.put_item('{"TableName":"legacy_t","Item":{"k":{"S":"a"},"n":{"N":"2"}},"Expected":{"k":{"Exists":false}}}');
SELECT kvam.put_item('{"TableName":"legacy_t","Item":{"k":{"S":"a"},"n":{"N":"2"}},"Expected":{"n":{"Value":{"N":"1"}}},"ReturnValues":"ALL_OLD"}');
SELECT kvam.update_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"5"}},"tags":{"Action":"ADD","Value":{"SS":["x"]}},"gone":{"Action":"DELETE"}},"Expected":{"n":{"ComparisonOperator":"GE","AttributeValueList":[{"N":"2"}]}},"ReturnValues":"UPDATED_NEW"}');
SELECT kvam.update_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"AttributeUpdates":{"k":{"Value":{"S":"b"}}}}');
SELECT kvam.update_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"AttributeUpdates":{"n":{"Value":{"N":"0"}}},"ConditionExpression":"attribute_exists(n)"}');
SELECT kvam.get_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"AttributesToGet":["tags","n"]}');
SELECT kvam.get_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"AttributesToGet":["n"],"ProjectionExpression":"n"}');
SELECT kvam.delete_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"Expected":{"n":{"Value":{"N":"1"}}}}');
SELECT kvam.delete_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}},"Expected":{"n":{"Value":{"N":"7"}},"zzz":{"Exists":true,"Value":{"S":"no"}}},"ConditionalOperator":"OR","ReturnValues":"ALL_OLD"}');
SELECT kvam.get_item('{"TableName":"legacy_t","Key":{"k":{"S":"a"}}}');
SELECT kvam.delete_table('{"TableName":"legacy_t"}') IS NOT NULL AS deleted;
