-- ExpressionAttributeNames and ExpressionAttributeValues: unused,
-- undefined, reserved words, invalid keys and values.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.cond(expr text, names jsonb, vals jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN kvam.eval_condition(expr, '{"a":{"S":"x"},"status":{"S":"on"},"name":{"S":"n"}}', names, vals)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- reserved words must go through #names (any letter case)
SELECT pg_temp.cond('status = :v', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('Status = :v', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('a.name = :v', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('#s = :v', '{"#s":"status"}', '{":v":{"S":"on"}}');
SELECT pg_temp.cond('attribute_exists(#n) AND size(a) = :one', '{"#n":"name"}', '{":one":{"N":"1"}}');
SELECT kvam.apply_update('SET #st = :v', '{}', '{"#st":"status"}', '{":v":{"S":"off"}}');
SELECT pg_temp.cond('data = :v', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('notreserved = :v', NULL, '{":v":{"S":"on"}}');

-- undefined
SELECT pg_temp.cond('#x = :v', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('#x = :v', '{"#y":"a"}', '{":v":{"S":"on"}}');
SELECT pg_temp.cond('a = :w', NULL, '{":v":{"S":"on"}}');
SELECT pg_temp.cond('a = :w', NULL, NULL);
-- unused (names are reported before values; keys in the order given)
SELECT pg_temp.cond('a = :v', '{"#x":"a"}', '{":v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{"S":"x"},":w":{"S":"y"},":zz":{"S":"z"}}');
SELECT pg_temp.cond('a = :v', '{"#x":"a","#y":"b"}', '{":v":{"S":"x"},":w":{"S":"y"}}');
-- the same placeholder used twice is fine
SELECT pg_temp.cond('#a = :v OR #a <> :v', '{"#a":"a"}', '{":v":{"S":"x"}}');
-- a name may contain characters that cannot appear in a path
SELECT kvam.eval_condition('#weird = :v', '{"a-b.c[0]":{"S":"x"}}', '{"#weird":"a-b.c[0]"}', '{":v":{"S":"x"}}');

-- the maps themselves
SELECT pg_temp.cond('a = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', NULL, '{}');
SELECT pg_temp.cond('a = :v', '{"x":"a"}', '{":v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', '{"#":"a"}', '{":v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', '{"#a-b":"a"}', '{":v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', NULL, '{"v":{"S":"x"}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{"S":"x"},":bad":{"N":"x1"}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{"SS":[]}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{"S":1}}');
SELECT pg_temp.cond('a = :v', NULL, '{":v":{"S":"x","N":"1"}}');
