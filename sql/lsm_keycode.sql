--
-- lsm_keycode: the memcmp-comparable key encoding (src/lsm/keycode.c).
--
-- bytea comparison is memcmp with the shorter value first on a common
-- prefix, exactly KvamKeyCompare, so "ORDER BY encoding" below is the
-- order kvam stores keys in.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

--
-- N: fixed examples (bytes as documented in docs/format.md)
--
SELECT x, kvam._key_component(x::numeric) AS enc
FROM (VALUES ('0'), ('1'), ('-1'), ('123.45'), ('42'), ('0.1'), ('0.09'),
             ('10'), ('9.99'), ('-10'), ('-9.99'), ('0.00012'),
             ('1e-130'), ('-1e-130'),
             ('9.9999999999999999999999999999999999999e125'),
             ('-9.9999999999999999999999999999999999999e125'),
             ('12345678901234567890123456789012345678'),
             ('1e126'), ('-1e126'), ('1e-131'), ('-1e-131')) AS v(x);

-- canonical: numerically equal values encode identically
SELECT count(DISTINCT kvam._key_component(x)) AS encodings
FROM unnest(ARRAY['1', '1.0', '1.00', '1e0', '0.1e1', '10e-1',
                  '1.000000000000000000000000000000000000000000']::numeric[]) AS x;
SELECT count(DISTINCT kvam._key_component(x)) AS encodings,
       (array_agg(DISTINCT kvam._key_component(x)))[1] AS enc
FROM unnest(ARRAY['0', '-0', '0.000', '-0.0', '0e10', '0e-10']::numeric[]) AS x;
SELECT kvam._key_component(-1.50) = kvam._key_component(-1.5) AS trailing_zeros,
       kvam._key_component(0.000100) = kvam._key_component(1e-4) AS leading_zeros;

-- values far outside DynamoDB's range still work and keep their order
SELECT kvam._key_component('1e-16383'::numeric) AS smallest,
       kvam._key_component('1e131071'::numeric) AS largest;

--
-- N: order over edge cases equals numeric order
--
CREATE TEMP TABLE nums (x numeric);
INSERT INTO nums
SELECT x::numeric FROM unnest(ARRAY[
  '0', '-0', '1', '1.0', '1.00', '-1', '-1.0', '2', '-2',
  '0.1', '0.09', '0.099999', '0.10001', '-0.1', '-0.09', '-0.10001',
  '10', '9.99', '9.999999999', '10.000000001', '-10', '-9.99', '-10.000000001',
  '99', '100', '101', '-99', '-100', '-101', '0.5', '0.05', '0.55', '5', '55',
  '1e-130', '-1e-130', '2e-130', '1.5e-130', '1e-129', '9.9e-130',
  '9.9999999999999999999999999999999999999e125',
  '-9.9999999999999999999999999999999999999e125',
  '9.9999999999999999999999999999999999998e125',
  '1e125', '1e124', '-1e125',
  '12345678901234567890123456789012345678',
  '12345678901234567890123456789012345679',
  '12345678901234567890123456789012345677',
  '-12345678901234567890123456789012345678',
  '-12345678901234567890123456789012345679',
  '1234567890123456789012345678901234567.8',
  '0.12345678901234567890123456789012345678',
  '0.12345678901234567890123456789012345679',
  '1.2345678901234567890123456789012345678',
  '1.2345678901234567890123456789012345679',
  '99999999999999999999999999999999999999',
  '100000000000000000000000000000000000000',
  '0.00000000000000000000000000000000000001',
  '1e126', '-1e126', '1e-131', '-1e-131', '1e200', '-1e200', '1e-200', '-1e-200',
  '1e1000', '-1e1000', '1e-1000', '-1e-1000', '3.14159', '-3.14159', '2.71828',
  '0.0001', '0.001', '0.01', '1000', '10000', '100000', '123', '1230', '12300',
  '0.123', '0.0123', '-0.123', '-0.0123', '123.456', '123.4567', '123.45'
]) AS x;

-- numeric order equals encoding order (ties broken by the text form)
SELECT array_agg(x ORDER BY kvam._key_component(x), x::text)
     = array_agg(x ORDER BY x, x::text) AS same_order,
       count(DISTINCT kvam._key_component(x)) = count(DISTINCT x) AS injective
FROM nums;
-- every adjacent pair in numeric order compares the same way encoded
SELECT count(*) AS bad_pairs
FROM (SELECT x, kvam._key_component(x) AS e,
             lag(x) OVER w AS px, lag(kvam._key_component(x)) OVER w AS pe
      FROM nums WINDOW w AS (ORDER BY x, x::text)) s
WHERE px IS NOT NULL
  AND ((px < x) <> (pe < e) OR (px = x) <> (pe = e));

-- a large mixed set: integers, random decimals of up to 38 significant
-- digits over DynamoDB's exponent range, and their negations
SELECT setseed(0.4242);
TRUNCATE nums;
INSERT INTO nums SELECT g FROM generate_series(-2000, 2000) g;
INSERT INTO nums SELECT g / 1000.0 FROM generate_series(-2000, 2000, 7) g;
INSERT INTO nums
SELECT (substr(floor(random() * 1e15)::bigint::text || floor(random() * 1e15)::bigint::text
               || floor(random() * 1e15)::bigint::text, 1, 1 + floor(random() * 38)::int)
        || 'e' || (floor(random() * 270)::int - 170))::numeric
FROM generate_series(1, 5000);
INSERT INTO nums SELECT -x FROM nums WHERE x > 1000 OR x < 1 AND x > 0;
INSERT INTO nums SELECT x * 10 FROM nums WHERE x <> 0 ORDER BY x LIMIT 500;
SELECT count(*) > 15000 AS enough FROM nums;
SELECT array_agg(x ORDER BY kvam._key_component(x), x::text)
     = array_agg(x ORDER BY x, x::text) AS same_order,
       count(DISTINCT kvam._key_component(x)) = count(DISTINCT x) AS injective
FROM nums;
SELECT count(*) AS bad_pairs
FROM (SELECT x, kvam._key_component(x) AS e,
             lag(x) OVER w AS px, lag(kvam._key_component(x)) OVER w AS pe
      FROM nums WINDOW w AS (ORDER BY x, x::text)) s
WHERE px IS NOT NULL
  AND ((px < x) <> (pe < e) OR (px = x) <> (pe = e));
DROP TABLE nums;

-- N round trip through the readable form
SELECT x, kvam._key_to_text(kvam._key_encode('p'::text, x::numeric), 'S', 'N') AS txt
FROM (VALUES ('0'), ('-0.000'), ('1.00'), ('-42.50'), ('0.00012'), ('0.0000012'),
             ('123456.789'), ('1e40'), ('1e41'),
             ('1e-130'), ('-9.9999999999999999999999999999999999999e125'),
             ('1e1000')) AS v(x);

-- NaN and infinities are not keys
SELECT kvam._key_component('NaN'::numeric);
SELECT kvam._key_component('Infinity'::numeric);
SELECT kvam._key_component('-Infinity'::numeric);
SELECT kvam._key_encode('p'::text, 'NaN'::numeric);

--
-- S: UTF-8 bytes, escaped and terminated; order is byte order, not the
-- collation's
--
SELECT x, kvam._key_component(x) AS enc
FROM (VALUES (''), ('a'), ('ab'), ('B'), ('é'), ('€')) AS v(x);
SELECT kvam._key_component('B'::text) < kvam._key_component('a'::text) AS "B<a",
       kvam._key_component('Z'::text) < kvam._key_component('a'::text) AS "Z<a",
       kvam._key_component('f'::text) < kvam._key_component('é'::text) AS "f<é",
       kvam._key_component('é'::text) < kvam._key_component('ê'::text) AS "é<ê",
       kvam._key_component(''::text) < kvam._key_component(chr(1)) AS "''<\x01",
       kvam._key_component('a'::text) < kvam._key_component('a '::text) AS "a<a_",
       kvam._key_component('a b'::text) < kvam._key_component('ab'::text) AS "a_b<ab";
CREATE TEMP TABLE strs (s text);
INSERT INTO strs VALUES (''), (' '), ('a'), ('A'), ('b'), ('B'), ('z'), ('Z'),
  ('aa'), ('aA'), ('ab'), ('a b'), ('a-b'), ('a_b'), ('ab '), ('abc'), ('abd'),
  ('é'), ('e'), ('f'), ('ê'), ('É'), ('ß'), ('ss'), ('€'), ('😀'), ('中文'), ('日本'),
  (chr(1)), (chr(1) || 'a'), (chr(127)), (chr(128)), (chr(255)), (chr(256)),
  (chr(65535)), (chr(65536)), (chr(1114111)), ('USER#1'), ('USER#10'),
  ('USER#2'), ('user#1'), ('0'), ('00'), ('1'), ('10'), ('9');
INSERT INTO strs SELECT md5(g::text) FROM generate_series(1, 300) g;
INSERT INTO strs SELECT left(md5(g::text), g % 7) FROM generate_series(1, 300) g;
SELECT array_agg(s ORDER BY kvam._key_component(s))
     = array_agg(s ORDER BY s COLLATE "C") AS same_order,
       count(DISTINCT kvam._key_component(s)) = count(DISTINCT s) AS injective
FROM strs;
-- varchar and domains over text are S too
CREATE DOMAIN kvam_test_dom AS text;
SELECT kvam._key_component('abc'::varchar(10)) = kvam._key_component('abc'::text) AS varchar_ok,
       kvam._key_component('abc'::kvam_test_dom) = kvam._key_component('abc'::text) AS domain_ok,
       kvam._key_encode('abc') = kvam._key_encode('abc'::text) AS unknown_is_text;
DROP DOMAIN kvam_test_dom;
DROP TABLE strs;

--
-- B: raw bytes, 0x00 escaped, unsigned order, prefixes first
--
SELECT x, kvam._key_component(x) AS enc
FROM (VALUES ('\x'::bytea), ('\x00'), ('\x0000'), ('\x00ff'), ('\x01'),
             ('\xff'), ('\x6100'), ('\x61')) AS v(x);
CREATE TEMP TABLE bins (b bytea);
INSERT INTO bins VALUES ('\x'), ('\x00'), ('\x0000'), ('\x000000'), ('\x0001'),
  ('\x00ff'), ('\x00ff00'), ('\x01'), ('\x0100'), ('\x01ff'), ('\x7f'), ('\x80'),
  ('\xfe'), ('\xff'), ('\xff00'), ('\xff01'), ('\xffff'), ('\xffff00'),
  ('\x61'), ('\x6100'), ('\x610001'), ('\x6101'), ('\x00fe'), ('\xfe00');
INSERT INTO bins SELECT decode(md5(g::text), 'hex') FROM generate_series(1, 200) g;
INSERT INTO bins SELECT substr(decode(md5(g::text), 'hex'), 1, g % 5)
  FROM generate_series(1, 200) g;
INSERT INTO bins SELECT decode(repeat('00', g % 4) || repeat('ff', g % 3) || repeat('00', g % 2), 'hex')
  FROM generate_series(1, 24) g;
SELECT array_agg(b ORDER BY kvam._key_component(b)) = array_agg(b ORDER BY b) AS same_order,
       count(DISTINCT kvam._key_component(b)) = count(DISTINCT b) AS injective
FROM bins;
DROP TABLE bins;

--
-- full keys: hash(enc(pk)) | enc(pk) | enc(sk)
--
SELECT kvam._key_encode('USER#1'::text) AS pk_only,
       kvam._key_encode('USER#1'::text, 42::numeric) AS pk_sk;
SELECT kvam._key_to_text(kvam._key_encode('USER#1'::text, 'ORDER#"1"\'::text), 'S', 'S') AS s_s,
       kvam._key_to_text(kvam._key_encode('\x00ff'::bytea, -7.5), 'B', 'N') AS b_n,
       kvam._key_to_text(kvam._key_encode(12::numeric), 'N') AS n;
-- truncated or mistyped keys render without failing
SELECT kvam._key_to_text('\x0102'::bytea, 'S') AS short,
       kvam._key_to_text(substr(kvam._key_encode('abcdef'::text), 1, 11), 'S') AS cut_s,
       kvam._key_to_text(substr(kvam._key_encode(1.5), 1, 10), 'N') AS cut_n,
       kvam._key_to_text(kvam._key_encode('ab'::text, 'cd'::text), 'S') AS extra,
       kvam._key_to_text(kvam._key_encode('ab'::text), 'N') AS wrong_type,
       kvam._key_to_text(kvam._key_encode('ab'::text), '') AS untyped;

CREATE TEMP TABLE keys (pk text, skn numeric, sks text, skb bytea);
INSERT INTO keys
SELECT 'P' || (g % 13), (g % 97) - 48 + (g % 7) / 8.0, md5(g::text), decode(md5((g * 3)::text), 'hex')
FROM generate_series(1, 1500) g;
-- the layout: hash, then the components
SELECT bool_and(substr(kvam._key_encode(pk, skn), 9)
                = kvam._key_component(pk) || kvam._key_component(skn)) AS layout_ok,
       bool_and(substr(kvam._key_encode(pk, sks), 1, length(kvam._key_encode(pk)))
                = kvam._key_encode(pk)) AS pk_key_is_prefix,
       count(DISTINCT substr(kvam._key_encode(pk), 1, 8)) AS distinct_hashes
FROM keys;
-- full-key order is (hash, pk, sk): within a partition key, sort key order
SELECT array_agg(pk || '/' || skn ORDER BY kvam._key_encode(pk, skn), pk, skn)
     = array_agg(pk || '/' || skn ORDER BY substr(kvam._key_encode(pk), 1, 8), pk COLLATE "C", skn, pk)
       AS n_order,
       array_agg(pk || '/' || sks ORDER BY kvam._key_encode(pk, sks))
     = array_agg(pk || '/' || sks ORDER BY substr(kvam._key_encode(pk), 1, 8), pk COLLATE "C", sks COLLATE "C")
       AS s_order,
       array_agg(pk || '/' || skb ORDER BY kvam._key_encode(pk, skb))
     = array_agg(pk || '/' || skb ORDER BY substr(kvam._key_encode(pk), 1, 8), pk COLLATE "C", skb)
       AS b_order
FROM keys;
-- bytea partition keys that are prefixes of each other stay apart
SELECT position(kvam._key_component('\x61'::bytea) in kvam._key_component('\x6100'::bytea)) AS pos;
-- a null sort key means "no sort key"; a null partition key gives null
SELECT kvam._key_encode('a'::text, NULL::text) = kvam._key_encode('a'::text) AS null_sk,
       kvam._key_encode(NULL::text) IS NULL AS null_pk;
DROP TABLE keys;

--
-- unsupported key types
--
SELECT kvam._key_component(1);
SELECT kvam._key_component(1.5::float8);
SELECT kvam._key_encode(now());
SELECT kvam._key_encode('a'::text, true);
SELECT kvam._key_to_text('\x00'::bytea, 'X');
