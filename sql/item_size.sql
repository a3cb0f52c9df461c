-- Item size accounting (DynamoDB's formula) and the 400 KB limit.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

-- names count (UTF-8 bytes) plus values
SELECT item, kvam.item_size(item::jsonb) FROM (VALUES
  ('{}'),
  ('{"a":{"S":""}}'),                       -- 1 + 0
  ('{"ab":{"S":"hello"}}'),                 -- 2 + 5
  ('{"é":{"S":"✓"}}'),                      -- 2 + 3
  ('{"a":{"B":"AAEC"}}'),                   -- 1 + 3 raw bytes
  ('{"a":{"BOOL":true}}'),                  -- 1 + 1
  ('{"a":{"NULL":true}}'),                  -- 1 + 1
  ('{"a":{"N":"0"}}'),                      -- 1 + 1
  ('{"a":{"N":"1"}}'),                      -- 1 + 2
  ('{"a":{"N":"12"}}'),                     -- 1 + 2 (one base-100 digit)
  ('{"a":{"N":"123"}}'),                    -- 1 + 3 ("1" "23")
  ('{"a":{"N":"1234"}}'),                   -- 1 + 3 ("12" "34")
  ('{"a":{"N":"-1"}}'),                     -- 1 + 3 (negative: one more byte)
  ('{"a":{"N":"0.5"}}'),                    -- 1 + 2
  ('{"a":{"N":"12345678901234567890123456789012345678"}}'),  -- 1 + 20
  ('{"a":{"SS":["ab","c"]}}'),              -- 1 + 2 + 1
  ('{"a":{"NS":["1","12"]}}'),              -- 1 + 2 + 2
  ('{"a":{"BS":["AA==","AAA="]}}'),         -- 1 + 1 + 2
  ('{"a":{"L":[]}}'),                       -- 1 + 3
  ('{"a":{"M":{}}}'),                       -- 1 + 3
  ('{"a":{"L":[{"S":"x"},{"N":"1"}]}}'),    -- 1 + 3 + (1+1) + (1+2)
  ('{"a":{"M":{"xy":{"S":"z"}}}}'),         -- 1 + 3 + (1+2+1)
  ('{"a":{"M":{"b":{"L":[{"NULL":true}]}}}}')   -- 1 + 3 + 1+1+(3+1+1)
  ) AS t(item);

-- the 400 KB limit: 409600 bytes, names included (SQLSTATE 54000)
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT kvam._item_check_size(json_build_object('a', json_build_object('S', repeat('x', 409599)))::jsonb);
SELECT pg_temp.err(format('SELECT kvam._item_check_size(%L)', json_build_object('a', json_build_object('S', repeat('x', 409600)))));
SELECT pg_temp.err(format('SELECT kvam._item_check_size(%L, true)', json_build_object('ab', json_build_object('S', repeat('x', 409599)))));
SELECT kvam._item_check_size(json_build_object('a', json_build_object('L',
	(SELECT json_agg(json_build_object('S', repeat('x', 4090))) FROM generate_series(1, 99)))) ::jsonb);
SELECT kvam.item_size(json_build_object('a', json_build_object('S', repeat('é', 1000)))::jsonb);
