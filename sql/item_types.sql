-- Item model: all attribute types, numbers, sets, DynamoDB JSON validation.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- every type, normalised: canonical numbers, sorted sets
SELECT kvam.item_validate('{
  "s": {"S": "hello"}, "e": {"S": ""}, "n": {"N": "42"}, "b": {"B": "AAEC/w=="},
  "eb": {"B": ""}, "t": {"BOOL": true}, "f": {"BOOL": false}, "z": {"NULL": true},
  "m": {"M": {"x": {"N": "1"}, "y": {"L": []}}}, "l": {"L": [{"S": "a"}, {"N": "2"}, {"M": {}}]},
  "ss": {"SS": ["b", "a", "c"]}, "ns": {"NS": ["10", "9", "-1", "1.5"]}, "bs": {"BS": ["Ag==", "AQ=="]}}');

-- numbers: DynamoDB's canonical text
SELECT n, kvam._number_normalize(n) FROM (VALUES
  ('0'), ('-0'), ('0.000'), ('007'), ('1.50'), ('-1.50'), ('1e3'), ('1E+3'), ('1.5e-3'),
  ('+5'), ('.5'), ('5.'), ('123.456e2'), ('1e125'), ('-1e-130'),
  ('9.9999999999999999999999999999999999999E+125'),
  ('12345678901234567890123456789012345678'),
  ('0.12345678901234567890123456789012345678'),
  ('1000000000000000000000000000000000000000000000000')) AS t(n);

-- number errors, DynamoDB's messages
SELECT n, pg_temp.err(format('SELECT kvam._number_normalize(%L)', n)) FROM (VALUES
  ('1e126'), ('-1e126'), ('1e-131'), ('9.9e-131'), ('123456789012345678901234567890123456789'),
  ('1.23456789012345678901234567890123456789'), ('abc'), (''), ('1e'), ('--1'), ('1.2.3'),
  (' 1'), ('NaN'), ('Infinity'), ('0x10')) AS t(n);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"N":"1e999999999999999999999"}}')$q$);

-- ordering of numbers is numeric and exact
SELECT a, b, kvam._number_compare(a, b) FROM (VALUES
  ('1', '1.0'), ('-1', '1'), ('0', '-0'), ('0.1', '0.09'), ('-0.1', '-0.09'),
  ('1e-130', '0'), ('-1e-130', '0'), ('99999999999999999999999999999999999999', '1e38'),
  ('12345678901234567890123456789012345678', '12345678901234567890123456789012345679'),
  ('9.9999999999999999999999999999999999999E+125', '1e125')) AS t(a, b);
-- the same comparisons with PostgreSQL numeric agree
SELECT a, b, sign(a::numeric - b::numeric)::int AS numeric_sign FROM (VALUES
  ('1', '1.0'), ('-1', '1'), ('0.1', '0.09'), ('-0.1', '-0.09'), ('1e-130', '0'),
  ('99999999999999999999999999999999999999', '1e38')) AS t(a, b);

-- sets: duplicates (numerically equal numbers are duplicates), empty sets
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"SS":["x","y","x"]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"NS":["1","1.0"]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"BS":["AQ==","AQ=="]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"SS":[]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"NS":[]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"BS":[]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"NS":["1","x"]}}')$q$);
SELECT kvam.item_validate('{"a":{"SS":[""]}}');

-- AttributeValue shape: ValidationException
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"X":"1"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":"x","N":"1"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"NULL":false}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":null}')$q$);
SELECT kvam.item_validate('{"a":{"S":"x","X":1}}');
SELECT kvam.item_validate('{"a":{"BOOL":"yes"},"b":{"BOOL":"0"},"c":{"NULL":"true"}}');

-- JSON shape: SerializationException, reported before validation errors
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":1}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":1.5}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":true}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":{}}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"S":[]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"N":5}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"B":5}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"B":"abc"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"B":"ab!d"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"BOOL":1}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"BOOL":"maybe"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"L":{}}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"L":"x"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"M":[]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"M":"x"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":"x"}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":[]}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('[]')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"SS":"x"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"SS":[1]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam.item_validate('{"a":{"N":"1e200"},"b":{"S":1}}')$q$);

-- nesting: 32 levels of M/L are allowed, 33 are not
SELECT pg_temp.err(format('SELECT kvam.item_validate(%L)',
	'{"a":' || repeat('{"L":[', 32) || '{"N":"1"}' || repeat(']}', 32) || '}'));
SELECT pg_temp.err(format('SELECT kvam.item_validate(%L)',
	'{"a":' || repeat('{"L":[', 33) || '{"N":"1"}' || repeat(']}', 33) || '}'));
SELECT pg_temp.err(format('SELECT kvam.item_validate(%L)',
	'{"a":' || repeat('{"M":{"x":', 5000) || '{"N":"1"}' || repeat('}}', 5000) || '}'));

-- binary encoding: lossless and canonical round trip
SELECT kvam._item_roundtrip('{
  "s": {"S": "héllo ✓"}, "e": {"S": ""}, "n": {"N": "-0.000123"}, "b": {"B": "AAEC/w=="},
  "t": {"BOOL": true}, "z": {"NULL": true}, "m": {"M": {"": {"S": "empty name"}}},
  "l": {"L": [{"SS": ["x"]}, {"NS": ["1e125", "-1e-130"]}, {"BS": ["AA=="]}]}}');
SELECT kvam._item_encode('{"a":{"S":"x"},"b":{"N":"1.5"},"c":{"BOOL":true},"d":{"NULL":true}}');
SELECT kvam._item_decode(kvam._item_encode('{"k":{"B":"AA=="},"m":{"M":{"x":{"L":[]}}}}'));
-- strings and names with U+0000 survive the encoding (the bytes are
-- written by hand: jsonb cannot carry U+0000); jsonb output refuses them
SELECT kvam._item_decode_text('\x010202610001036100620162010100'::bytea);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x010101610103610062'::bytea)$q$);
SELECT encode(kvam._item_encode('{"a":{"S":"x"}}'), 'hex');
-- the lossless text path: DynamoDB JSON text may carry \u0000 (jsonb cannot)
SELECT kvam._item_roundtrip_text('{"k\u0000ey": {"S": "a\u0000b"}, "m": {"M": {"\u0000": {"SS": ["\u0000", "", "\u0000\u0000"]}}}, "e": {"S": "\ud83d\ude00 \" \\ \/ \n"}, "n": {"N": "1.50"}}');
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text('{"a": {"SS": ["\u0000", "\u0000"]}}')$q$);
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text('{"a": {"S": "x"}')$q$);
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text('{"a": {"S": "\ud800"}}')$q$);
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text('{"a": {"N": 01}}')$q$);
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text('{"a": {"S": 1}}')$q$);
SELECT pg_temp.err($q$SELECT kvam._item_roundtrip_text(repeat('[', 100000))$q$);
-- corrupted encodings are errors, never crashes
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x02'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x01ff'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x0101016101ff'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x01010161020231'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x010101610202303031'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x010201620101610161010178'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x01010161080201620161'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x0101016104000000'::bytea)$q$);
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x010101610402'::bytea)$q$);
SELECT pg_temp.err(format('SELECT kvam._item_decode(%L::bytea)', '\x01010161' || repeat('0701', 40) || '05'));
SELECT pg_temp.err($q$SELECT kvam._item_decode('\x0101016107ffffffff0f'::bytea)$q$);

-- plain JSON <-> DynamoDB JSON
SELECT kvam.marshal('{"name":"x","n":1.50,"big":12345678901234567890,"ok":true,"none":null,"tags":["a",2,{"k":[]}],"m":{}}');
SELECT kvam.marshal('[1,"a"]');
SELECT kvam.marshal('"just a string"');
SELECT kvam.unmarshal('{"s":{"S":"x"},"n":{"N":"-12.5"},"b":{"B":"AQ=="},"t":{"BOOL":false},"z":{"NULL":true},"m":{"M":{"l":{"L":[{"N":"1"}]}}},"ss":{"SS":["b","a"]},"ns":{"NS":["2","1"]},"bs":{"BS":["AQ=="]}}');
SELECT kvam.unmarshal(kvam.marshal('{"a":{"b":[1,2,{"c":"d"}]}}'));
SELECT pg_temp.err($q$SELECT kvam.marshal('{"a":1e200}')$q$);

-- key attribute values
SELECT kvam._key_check('{"S":"x"}', 'pk', true);
SELECT pg_temp.err($q$SELECT kvam._key_check('{"S":""}', 'pk', true)$q$);
SELECT pg_temp.err($q$SELECT kvam._key_check('{"B":""}', 'sk', false)$q$);
SELECT pg_temp.err($q$SELECT kvam._key_check('{"L":[]}', 'pk', true)$q$);
SELECT pg_temp.err(format('SELECT kvam._key_check(%L, %L, true)', json_build_object('S', repeat('x', 2048))::text, 'pk'));
SELECT pg_temp.err(format('SELECT kvam._key_check(%L, %L, true)', json_build_object('S', repeat('x', 2049))::text, 'pk'));
SELECT pg_temp.err(format('SELECT kvam._key_check(%L, %L, false)', json_build_object('S', repeat('x', 1024))::text, 'sk'));
SELECT pg_temp.err(format('SELECT kvam._key_check(%L, %L, false)', json_build_object('S', repeat('é', 513))::text, 'sk'));

-- the exception table, and the JSON error document in the detail
SELECT * FROM kvam.exceptions();
SELECT kvam.item_validate('{"a":{"N":"x"}}');
SELECT kvam.item_validate('{"a":{"S":[1]}}');
