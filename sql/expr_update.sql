-- UpdateExpression: SET, REMOVE, ADD, DELETE, functions, overlaps, errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.up(expr text, it jsonb, vals jsonb DEFAULT NULL, names jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN kvam.apply_update(expr, it, names, vals)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- SET: new and existing attributes, nested paths, list elements
SELECT pg_temp.up('SET a = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a = :v, b = :w', '{"a":{"N":"1"},"c":{"BOOL":true}}', '{":v":{"S":"x"},":w":{"L":[]}}');
SELECT pg_temp.up('SET m.k = :v', '{"m":{"M":{"old":{"N":"1"}}}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET m.n.k = :v', '{"m":{"M":{"n":{"M":{}}}}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET l[1] = :v', '{"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"}]}}', '{":v":{"S":"x"}}');
-- past the end appends; several appends go in index order
SELECT pg_temp.up('SET l[10] = :v', '{"l":{"L":[{"N":"0"}]}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET l[7] = :b, l[5] = :a', '{"l":{"L":[{"N":"0"}]}}', '{":a":{"S":"a"},":b":{"S":"b"}}');
SELECT pg_temp.up('SET l[0].k = :v', '{"l":{"L":[{"M":{}}]}}', '{":v":{"S":"x"}}');
-- SET copies from other attributes, evaluated on the item before the update
SELECT pg_temp.up('SET a = b, b = a', '{"a":{"S":"A"},"b":{"S":"B"}}');
SELECT pg_temp.up('SET c = m.x', '{"m":{"M":{"x":{"N":"5"}}}}');
-- arithmetic
SELECT pg_temp.up('SET n = n + :one', '{"n":{"N":"41"}}', '{":one":{"N":"1"}}');
SELECT pg_temp.up('SET n = n - :d', '{"n":{"N":"1"}}', '{":d":{"N":"0.001"}}');
SELECT pg_temp.up('SET n = :a + :b', '{}', '{":a":{"N":"0.1"},":b":{"N":"0.2"}}');
SELECT pg_temp.up('SET n = :a - n', '{"n":{"N":"12345678901234567890123456789012345678"}}', '{":a":{"N":"12345678901234567890123456789012345679"}}');
SELECT pg_temp.up('SET n = (n + :one)', '{"n":{"N":"1"}}', '{":one":{"N":"1"}}');
SELECT pg_temp.up('SET n = n + :one', '{"n":{"N":"9.9999999999999999999999999999999999999E+125"}}', '{":one":{"N":"1e125"}}');
SELECT pg_temp.up('SET n = n + :tiny', '{"n":{"N":"1"}}', '{":tiny":{"N":"1e-100"}}');
SELECT pg_temp.up('SET n = n + :one', '{"n":{"S":"1"}}', '{":one":{"N":"1"}}');
SELECT pg_temp.up('SET n = nothere + :one', '{}', '{":one":{"N":"1"}}');
-- if_not_exists and list_append
SELECT pg_temp.up('SET c = if_not_exists(c, :zero)', '{}', '{":zero":{"N":"0"}}');
SELECT pg_temp.up('SET c = if_not_exists(c, :zero)', '{"c":{"N":"7"}}', '{":zero":{"N":"0"}}');
SELECT pg_temp.up('SET c = if_not_exists(c, :zero) + :one', '{}', '{":zero":{"N":"0"},":one":{"N":"1"}}');
SELECT pg_temp.up('SET l = list_append(l, :v)', '{"l":{"L":[{"N":"1"}]}}', '{":v":{"L":[{"N":"2"},{"N":"3"}]}}');
SELECT pg_temp.up('SET l = list_append(:v, l)', '{"l":{"L":[{"N":"1"}]}}', '{":v":{"L":[{"N":"0"}]}}');
SELECT pg_temp.up('SET l = list_append(if_not_exists(l, :empty), :v)', '{}', '{":v":{"L":[{"N":"2"}]},":empty":{"L":[]}}');
SELECT pg_temp.up('SET l = list_append(l, :v)', '{"l":{"S":"x"}}', '{":v":{"L":[]}}');
-- REMOVE
SELECT pg_temp.up('REMOVE a, m.x, nothere', '{"a":{"N":"1"},"b":{"N":"2"},"m":{"M":{"x":{"N":"1"},"y":{"N":"2"}}}}');
SELECT pg_temp.up('REMOVE l[0], l[2]', '{"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"}]}}');
SELECT pg_temp.up('REMOVE l[2], l[0]', '{"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"}]}}');
SELECT pg_temp.up('REMOVE l[9]', '{"l":{"L":[{"N":"0"}]}}');
SELECT pg_temp.up('REMOVE m.a.b', '{"m":{"M":{}}}');
-- ADD: numbers and sets
SELECT pg_temp.up('ADD n :five', '{"n":{"N":"1"}}', '{":five":{"N":"5"}}');
SELECT pg_temp.up('ADD n :five', '{}', '{":five":{"N":"5"}}');
SELECT pg_temp.up('ADD s :v', '{"s":{"SS":["a","b"]}}', '{":v":{"SS":["b","c"]}}');
SELECT pg_temp.up('ADD s :v', '{}', '{":v":{"NS":["2","1"]}}');
SELECT pg_temp.up('ADD s :v', '{"s":{"SS":["a"]}}', '{":v":{"NS":["1"]}}');
SELECT pg_temp.up('ADD n :five', '{"n":{"S":"x"}}', '{":five":{"N":"5"}}');
SELECT pg_temp.up('ADD m.c :five', '{"m":{"M":{"c":{"N":"1"}}}}', '{":five":{"N":"5"}}');
-- DELETE from sets; an emptied set disappears
SELECT pg_temp.up('DELETE s :v', '{"s":{"SS":["a","b","c"]}}', '{":v":{"SS":["b","x"]}}');
SELECT pg_temp.up('DELETE s :v', '{"s":{"NS":["1","2"]}}', '{":v":{"NS":["2","1.0"]}}');
SELECT pg_temp.up('DELETE s :v', '{}', '{":v":{"SS":["a"]}}');
SELECT pg_temp.up('DELETE s :v', '{"s":{"SS":["a"]}}', '{":v":{"NS":["1"]}}');
SELECT pg_temp.up('DELETE s :v', '{"s":{"BS":["AA==","AQ=="]}}', '{":v":{"BS":["AQ=="]}}');
-- all four sections, in any order, each once
SELECT pg_temp.up('DELETE ds :d ADD n :one REMOVE r SET s = :s', '{"ds":{"SS":["a","b"]},"n":{"N":"1"},"r":{"BOOL":true}}', '{":d":{"SS":["a"]},":one":{"N":"1"},":s":{"S":"new"}}');
SELECT pg_temp.up('set a = :v remove b', '{"b":{"N":"1"}}', '{":v":{"S":"x"}}');
-- the item does not exist yet: the update creates it
SELECT pg_temp.up('SET a = :v ADD c :one', NULL, '{":v":{"S":"x"},":one":{"N":"1"}}');

-- invalid document paths (nothere parents, wrong container types)
SELECT pg_temp.up('SET a.b = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a.b.c = :v', '{"a":{"M":{}}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a.b = :v', '{"a":{"S":"x"}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a[0] = :v', '{"a":{"M":{}}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a[0] = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET l[5].k = :v', '{"l":{"L":[]}}', '{":v":{"S":"x"}}');

-- static errors: sections, overlapping and conflicting paths, operand types
SELECT pg_temp.up('SET a = :v SET b = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('REMOVE a REMOVE b', '{}');
SELECT pg_temp.up('SET a = :v REMOVE a', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a = :v REMOVE a.b', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a.b = :v REMOVE a', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a.b = :v, a[0] = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a[1] = :v, a[2] = :v', '{"a":{"L":[]}}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET #a = :v, a = :v', '{}', '{":v":{"S":"x"}}', '{"#a":"a"}');
SELECT pg_temp.up('ADD a :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('ADD a :v', '{}', '{":v":{"L":[]}}');
SELECT pg_temp.up('ADD a :v', '{}', '{":v":{"M":{}}}');
SELECT pg_temp.up('ADD a :v', '{}', '{":v":{"BOOL":true}}');
SELECT pg_temp.up('DELETE a :v', '{}', '{":v":{"N":"1"}}');
SELECT pg_temp.up('DELETE a :v', '{}', '{":v":{"NULL":true}}');
SELECT pg_temp.up('DELETE a :v', '{}', '{":v":{"B":"AA=="}}');
SELECT pg_temp.up('SET a = :v + :w', '{}', '{":v":{"S":"x"},":w":{"N":"1"}}');
SELECT pg_temp.up('SET a = list_append(:v, :w)', '{}', '{":v":{"S":"x"},":w":{"L":[]}}');
SELECT pg_temp.up('SET a = if_not_exists(:v, :w)', '{}', '{":v":{"S":"x"},":w":{"N":"1"}}');
SELECT pg_temp.up('SET a = if_not_exists(a)', '{}');
SELECT pg_temp.up('SET a = size(b)', '{}');
SELECT pg_temp.up('SET a = foo(b)', '{}');
SELECT pg_temp.up('SET status = :v', '{}', '{":v":{"S":"x"}}');
SELECT pg_temp.up('SET a = :v + :w + :x', '{}', '{":v":{"N":"1"},":w":{"N":"1"},":x":{"N":"1"}}');
SELECT pg_temp.up('ADD a :v, b', '{}', '{":v":{"N":"1"}}');
SELECT pg_temp.up('SET a :v', '{}', '{":v":{"N":"1"}}');
SELECT pg_temp.up('SET', '{}');
SELECT pg_temp.up('UPSERT a = :v', '{}', '{":v":{"N":"1"}}');
SELECT pg_temp.up('SET a = :v,', '{}', '{":v":{"N":"1"}}');

-- ReturnValues: UPDATED_OLD / UPDATED_NEW carry only the updated paths
SELECT r, kvam._update_returning('SET m.a = :v, n = n + :one REMOVE gone', '{"m":{"M":{"a":{"N":"1"},"b":{"N":"2"}}},"n":{"N":"1"},"gone":{"S":"g"},"other":{"S":"o"}}',
	NULL, '{":v":{"N":"10"},":one":{"N":"1"}}', r)
FROM (VALUES ('NONE'), ('ALL_OLD'), ('ALL_NEW'), ('UPDATED_OLD'), ('UPDATED_NEW')) AS t(r);
SELECT kvam._update_returning('SET l[1] = :v', '{"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"}]}}', NULL, '{":v":{"S":"x"}}', 'UPDATED_NEW');
