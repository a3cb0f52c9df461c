-- kvam.item: the item column type of API tables (docs/api.md)
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS kvam; RESET client_min_messages;

-- text form is DynamoDB JSON, canonical: numbers normalised, sets sorted,
-- members in name order
SELECT '{"b":{"N":"01.50"},"a":{"SS":["y","x"]},"c":{"M":{"z":{"NULL":true},"y":{"BOOL":false}}}}'::kvam.item;
SELECT '{"bin":{"B":"AAEC"},"l":{"L":[{"N":"1e2"},{"S":""}]}}'::kvam.item;
SELECT '{}'::kvam.item;

-- U+0000 survives the text path (jsonb cannot carry it)
SELECT '{"s":{"S":"a\u0000b"}}'::kvam.item;
SELECT '{"s":{"S":"a\u0000b"}}'::kvam.item::text::kvam.item;
-- ... but not the cast to jsonb
SELECT '{"s":{"S":"a\u0000b"}}'::kvam.item::jsonb;

-- casts
SELECT '{"n":{"N":"-0.0"},"s":{"S":"x"}}'::jsonb::kvam.item;
SELECT ('{"n":{"N":"1E+3"}}'::kvam.item)::jsonb;

-- invalid input: DynamoDB's exceptions
SELECT '{"n":{"N":"abc"}}'::kvam.item;
SELECT '{"s":{"SS":[]}}'::kvam.item;
SELECT '{"s":{"S":"a","N":"1"}}'::kvam.item;
SELECT '{"s":'::kvam.item;
SELECT '[1]'::jsonb::kvam.item;

-- binary send/recv round trip
CREATE TEMP TABLE items_bin (i kvam.item);
INSERT INTO items_bin VALUES ('{"k":{"S":"v"},"n":{"NS":["3","1","2"]}}');
COPY items_bin TO '/dev/null' WITH (FORMAT binary);
SELECT i FROM items_bin;

-- a kvam table with a kvam.item column stores and returns items
CREATE TABLE api_types_t (pk text COLLATE "C" NOT NULL, item kvam.item NOT NULL) USING kvam;
CREATE UNIQUE INDEX ON api_types_t USING kvam_key (pk);
INSERT INTO api_types_t VALUES ('a', '{"x":{"N":"1"}}'), ('b', ('{"big":{"S":"' || repeat('z', 10000) || '"}}')::kvam.item);
SELECT pk, length(item::text) FROM api_types_t ORDER BY pk;
SELECT item FROM api_types_t WHERE pk = 'a';
DROP TABLE api_types_t;
