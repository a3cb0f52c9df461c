-- bench/sql/api_schema.sql: tables and generators of the API benchmark
-- (bench/api.sh).  Same keys and item contents as bench/sql/schema.sql
-- (which must be loaded first): the kvam table "ddb" is a DynamoDB table made
-- by kvam.create_table (item = kvam.item, DynamoDB JSON without the key
-- attributes); the heap table "h" has a btree primary key and a plain jsonb
-- item, the obvious alternative.
--
-- bench_ditem(i): the item of bench_item(i) as DynamoDB JSON members
-- (no braces), so that requests can be assembled as text.
CREATE OR REPLACE FUNCTION bench_ditem(i bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT format('"id":{"N":"%s"},"name":{"S":"customer %s"},'
                '"email":{"S":"user%s@example.com"},"score":{"N":"%s"},'
                '"active":{"BOOL":%s},"city":{"S":"%s"},'
                '"tags":{"L":[{"S":"t%s"},{"S":"t%s"}]},"note":{"S":"%s"}',
                i, i, i, (i * 7919) % 100000, (i % 3 <> 0)::text,
                (ARRAY['Oslo','Lima','Pune','Kyiv','Nice','Cork'])[(i % 6) + 1],
                i % 13, i % 17, left(md5(i::text), 10))
$$;

-- bench_dkey(i): the DynamoDB Key document of item i, as text.
CREATE OR REPLACE FUNCTION bench_dkey(i bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"pk":{"S":"' || bench_pk(i) || '"},"sk":{"S":"' || bench_sk(i) || '"}}'
$$;

DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM kvam.tables WHERE table_name = 'ddb') THEN
    PERFORM kvam.delete_table('{"TableName":"ddb"}');
  END IF;
END $$;
SELECT kvam.create_table('{
  "TableName": "ddb",
  "KeySchema": [{"AttributeName":"pk","KeyType":"HASH"},
                {"AttributeName":"sk","KeyType":"RANGE"}],
  "AttributeDefinitions": [{"AttributeName":"pk","AttributeType":"S"},
                           {"AttributeName":"sk","AttributeType":"S"}],
  "BillingMode": "PAY_PER_REQUEST"}');
ALTER TABLE ddb SET (autovacuum_enabled = off);

DROP TABLE IF EXISTS h;
CREATE TABLE h (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                item jsonb NOT NULL, PRIMARY KEY (pk, sk)) WITH (autovacuum_enabled = off);

-- Requests of the workloads (bench/workloads/api/*_api.sql), as text cast
-- to jsonb.  In functions because pgbench would take ":one" in a script
-- for one of its variables.
CREATE OR REPLACE FUNCTION bench_req_update(i bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ('{"TableName":"ddb","Key":' || bench_dkey(i) || ',"UpdateExpression":"ADD score :one",'
          '"ExpressionAttributeValues":{":one":{"N":"1"}}}')::jsonb
$$;
CREATE OR REPLACE FUNCTION bench_req_query(i bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ('{"TableName":"ddb","KeyConditionExpression":"pk = :p AND sk >= :s",'
          '"ExpressionAttributeValues":{":p":{"S":"' || bench_pk(i) || '"},":s":{"S":"' || bench_sk(i) || '"}},'
          '"Limit":20}')::jsonb
$$;
