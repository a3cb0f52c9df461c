-- scripts/demo.sql: what "make run" loads into the demo database "kvam".
--
-- make run drops and recreates the database before running this file (unless
-- KVAM_KEEP_DB=1), so it starts from scratch; still prefer IF NOT EXISTS so
-- that a rerun on a kept database works.  psql runs it with ON_ERROR_STOP.

CREATE EXTENSION IF NOT EXISTS kvam;

SELECT kvam.version();

-- A demo table: partition key pk, sort key sk, the item as jsonb.
CREATE TABLE IF NOT EXISTS demo (
    pk   text COLLATE "C" NOT NULL,
    sk   text COLLATE "C" NOT NULL,
    item jsonb NOT NULL
) USING kvam;
CREATE UNIQUE INDEX IF NOT EXISTS demo_key ON demo USING kvam_key (pk, sk);

INSERT INTO demo
SELECT 'user#' || u, 'order#' || lpad(o::text, 4, '0'),
       jsonb_build_object('total', (u * 7 + o) % 100, 'items', o % 5 + 1)
  FROM generate_series(1, 20) u, generate_series(1, 10) o
 WHERE NOT EXISTS (SELECT 1 FROM demo LIMIT 1);

SELECT pk, sk, item FROM demo WHERE pk = 'user#3' ORDER BY sk DESC LIMIT 3;

-- The same through the DynamoDB API: a table "orders" and a few items.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM kvam.tables WHERE table_name = 'orders') THEN
    PERFORM kvam.create_table('{"TableName": "orders",
      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}],
      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": "sk", "AttributeType": "S"}],
      "BillingMode": "PAY_PER_REQUEST"}');
    PERFORM kvam.put_item(jsonb_build_object('TableName', 'orders', 'Item',
              jsonb_build_object('pk', jsonb_build_object('S', 'USER#' || u),
                                 'sk', jsonb_build_object('S', 'ORDER#' || lpad(o::text, 4, '0')),
                                 'total', jsonb_build_object('N', ((u * 7 + o) % 100)::text))))
      FROM generate_series(1, 5) u, generate_series(1, 4) o;
  END IF;
END $$;

SELECT kvam.query('{"TableName": "orders",
  "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
  "ExpressionAttributeValues": {":p": {"S": "USER#3"}, ":s": {"S": "ORDER#"}},
  "ScanIndexForward": false, "Limit": 2}');
