-- The API runs with the caller's rights
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;
SELECT kvam.create_table('{"TableName":"priv_t","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL;
SELECT kvam.put_item('{"TableName":"priv_t","Item":{"k":{"S":"a"}}}');
CREATE ROLE api_reader;
CREATE ROLE api_writer;
GRANT SELECT ON priv_t TO api_reader;
GRANT INSERT, UPDATE ON priv_t TO api_writer;
SET ROLE api_reader;
SELECT kvam.get_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
SELECT kvam.put_item('{"TableName":"priv_t","Item":{"k":{"S":"b"}}}');
SELECT kvam.delete_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
SELECT kvam.delete_table('{"TableName":"priv_t"}');
RESET ROLE;
SET ROLE api_writer;
SELECT kvam.get_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
SELECT kvam.put_item('{"TableName":"priv_t","Item":{"k":{"S":"b"}}}');
-- returning the old item needs SELECT too
SELECT kvam.put_item('{"TableName":"priv_t","Item":{"k":{"S":"b"}},"ReturnValues":"ALL_OLD"}');
SELECT kvam.update_item('{"TableName":"priv_t","Key":{"k":{"S":"b"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"1"}}}');
SELECT kvam.delete_item('{"TableName":"priv_t","Key":{"k":{"S":"b"}}}');
RESET ROLE;
-- row-level security is refused, never bypassed
ALTER TABLE priv_t ENABLE ROW LEVEL SECURITY;
SET ROLE api_reader;
SELECT kvam.get_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
RESET ROLE;
ALTER TABLE priv_t DISABLE ROW LEVEL SECURITY;
-- writes to a table with triggers are refused (the API would not fire them)
CREATE FUNCTION priv_trig() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER priv_tr BEFORE INSERT ON priv_t FOR EACH ROW EXECUTE FUNCTION priv_trig();
SELECT kvam.put_item('{"TableName":"priv_t","Item":{"k":{"S":"c"}}}');
SELECT kvam.get_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
DROP TRIGGER priv_tr ON priv_t;
-- a table dropped with SQL is gone for the API too
SELECT kvam.delete_table('{"TableName":"priv_t"}') IS NOT NULL;
SELECT kvam.get_item('{"TableName":"priv_t","Key":{"k":{"S":"a"}}}');
DROP ROLE api_reader;
DROP ROLE api_writer;
