-- ConditionExpression / FilterExpression evaluation.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE TEMP TABLE item AS SELECT '{
  "id": {"S": "k1"}, "s": {"S": "hello"}, "e": {"S": ""}, "n": {"N": "10"}, "f": {"N": "-2.5"},
  "b": {"B": "AAEC"}, "t": {"BOOL": true}, "z": {"NULL": true},
  "m": {"M": {"x": {"N": "1"}, "y": {"S": "why"}, "deep": {"M": {"k": {"S": "v"}}}}},
  "l": {"L": [{"S": "a"}, {"N": "2"}, {"M": {"q": {"S": "r"}}}, {"L": [{"N": "7"}]}]},
  "ss": {"SS": ["a", "b", "c"]}, "ns": {"NS": ["1", "2.5", "10"]}, "bs": {"BS": ["AA==", "AQ=="]}
}'::jsonb AS item;

CREATE TEMP TABLE vals AS SELECT '{
  ":hello": {"S": "hello"}, ":he": {"S": "he"}, ":ll": {"S": "ll"}, ":x": {"S": "x"}, ":empty": {"S": ""},
  ":ten": {"N": "10"}, ":ten0": {"N": "10.00"}, ":nine": {"N": "9"}, ":eleven": {"N": "11"},
  ":two": {"N": "2"}, ":one": {"N": "1"}, ":five": {"N": "5"}, ":three": {"N": "3"},
  ":b": {"B": "AAEC"}, ":b0": {"B": "AA=="}, ":b1": {"B": "AQ=="}, ":true": {"BOOL": true}, ":null": {"NULL": true},
  ":a": {"S": "a"}, ":two5": {"N": "2.5"}, ":ss": {"SS": ["c", "b", "a"]}, ":ns": {"NS": ["10", "1", "2.5"]},
  ":m": {"M": {"y": {"S": "why"}, "x": {"N": "1"}, "deep": {"M": {"k": {"S": "v"}}}}},
  ":l7": {"L": [{"N": "7"}]}, ":tS": {"S": "S"}, ":tN": {"S": "N"}, ":tM": {"S": "M"}, ":tSS": {"S": "SS"},
  ":tNULL": {"S": "NULL"}, ":tL": {"S": "L"}, ":tBOOL": {"S": "BOOL"}, ":tB": {"S": "B"}, ":tBS": {"S": "BS"}, ":tNS": {"S": "NS"}
}'::jsonb AS v;

-- evaluate with only the values an expression uses (unused values are an error)
CREATE FUNCTION pg_temp.ev(expr text, it jsonb DEFAULT NULL, names jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	used jsonb;
	r bool;
BEGIN
	SELECT jsonb_object_agg(k, v.v -> k) INTO used
	FROM vals v, LATERAL jsonb_object_keys(v.v) k
	WHERE expr ~ (k || '(?![A-Za-z0-9_])');
	IF it IS NULL THEN SELECT item INTO it FROM item; END IF;
	r := kvam.eval_condition(expr, it, names, used);
	RETURN r::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

SELECT e AS expression, pg_temp.ev(e) AS result FROM (VALUES
  -- comparisons by type
  ('s = :hello'), ('s <> :hello'), ('s = :x'), ('s <> :x'), ('s < :x'), ('s > :he'), ('s >= :hello'), ('s <= :he'),
  ('n = :ten'), ('n = :ten0'), ('n < :eleven'), ('n > :nine'), ('n <= :ten0'), ('n >= :eleven'), ('f < :one'),
  ('b = :b'), ('b > :b0'), ('b < :b1'),
  ('t = :true'), ('z = :null'), ('t < :true'),
  -- different types are never equal, never ordered
  ('n = :hello'), ('n <> :hello'), ('s < :ten'), ('s > :ten'),
  -- nothere attributes
  ('nothere = :x'), ('nothere <> :x'), ('nothere < :x'), ('NOT nothere = :x'),
  -- sets, maps and lists compare as values
  ('ss = :ss'), ('ns = :ns'), ('m = :m'), ('l[3] = :l7'), ('ss = :ns'),
  -- document paths
  ('m.x = :one'), ('m.deep.k = :x'), ('l[1] = :two'), ('l[2].q <> :x'), ('l[3][0] > :five'), ('l[9] = :a'),
  ('m[0] = :one'), ('l.x = :one'), ('s.x = :x'),
  -- BETWEEN and IN
  ('n BETWEEN :nine AND :eleven'), ('n BETWEEN :ten AND :ten0'), ('n BETWEEN :one AND :five'), ('s BETWEEN :he AND :x'),
  ('nothere BETWEEN :one AND :five'), ('n IN (:one, :ten)'), ('n IN (:one, :two)'), ('s IN (:x, :hello, :he)'),
  ('nothere IN (:x)'), ('n IN (:hello)'),
  -- logic and precedence: NOT > AND > OR
  ('n = :ten AND s = :hello'), ('n = :one OR s = :hello'), ('n = :one AND s = :hello OR t = :true'),
  ('n = :one AND (s = :hello OR t = :true)'), ('NOT n = :one AND s = :x'), ('NOT (n = :one AND s = :x)'),
  ('NOT NOT n = :ten'), ('(n = :ten)'), ('(n) = (:ten)'),
  -- functions
  ('attribute_exists(s)'), ('attribute_exists(nothere)'), ('attribute_not_exists(nothere)'), ('attribute_exists(m.deep.k)'),
  ('attribute_exists(l[3][0])'), ('attribute_not_exists(l[4])'), ('attribute_exists(z)'), ('attribute_exists(e)'),
  ('attribute_type(s, :tS)'), ('attribute_type(n, :tN)'), ('attribute_type(m, :tM)'), ('attribute_type(ss, :tSS)'),
  ('attribute_type(z, :tNULL)'), ('attribute_type(l, :tL)'), ('attribute_type(t, :tBOOL)'), ('attribute_type(b, :tB)'),
  ('attribute_type(bs, :tBS)'), ('attribute_type(ns, :tNS)'), ('attribute_type(s, :tN)'), ('attribute_type(nothere, :tS)'),
  ('begins_with(s, :he)'), ('begins_with(s, :ll)'), ('begins_with(s, :empty)'), ('begins_with(b, :b0)'),
  ('begins_with(b, :b1)'), ('begins_with(n, :he)'), ('begins_with(nothere, :he)'),
  ('contains(s, :ll)'), ('contains(s, :x)'), ('contains(s, :empty)'), ('contains(ss, :a)'), ('contains(ss, :x)'),
  ('contains(ns, :two5)'), ('contains(ns, :two)'), ('contains(bs, :b1)'), ('contains(l, :a)'), ('contains(l, :l7)'),
  ('contains(l, :two)'), ('contains(n, :ten)'), ('contains(b, :b0)'), ('contains(nothere, :a)'), ('contains(ss, :one)'),
  ('size(s) = :five'), ('size(e) < :one'), ('size(b) = :three'), ('size(ss) = :three'), ('size(ns) = :three'),
  ('size(l) > :three'), ('size(m) = :three'), ('size(m.deep) = :one'), ('size(n) = :two'), ('size(nothere) = :one'),
  ('size(t) = :one'), ('size(s) BETWEEN :one AND :five'), ('size(l) IN (:two, :ten, :one, :five, :nine, :three)'),
  ('attribute_exists(s) AND size(ss) > size(l[3])')
) AS t(e);

-- substitution of names
SELECT pg_temp.ev('#s = :hello AND #m.#x = :one AND #l[1] = :two', NULL, '{"#s":"s","#m":"m","#x":"x","#l":"l"}');
SELECT pg_temp.ev('#dotted = :one', '{"a.b":{"N":"1"},"a":{"M":{"b":{"N":"2"}}}}', '{"#dotted":"a.b"}');
SELECT pg_temp.ev('a.b = :two', '{"a.b":{"N":"1"},"a":{"M":{"b":{"N":"2"}}}}');
SELECT pg_temp.ev('#a.#b = :two', '{"a.b":{"N":"1"},"a":{"M":{"b":{"N":"2"}}}}', '{"#a":"a","#b":"b"}');

-- an item that does not exist: only attribute_not_exists, <> and negations are true
SELECT kvam.eval_condition('attribute_not_exists(id)', NULL);
SELECT kvam.eval_condition('attribute_exists(id)', NULL);
SELECT e, kvam.eval_condition(e, NULL, NULL, '{":v":{"S":"x"}}') FROM (VALUES
  ('id = :v'), ('id <> :v'), ('NOT contains(id, :v)'), ('id < :v'), ('id IN (:v)')) AS t(e);
-- FilterExpression is the same language
SELECT kvam.eval_filter('size(s) > :n', '{"s":{"S":"abc"}}', NULL, '{":n":{"N":"2"}}');
SELECT kvam.eval_filter('s = :n', '{"s":{"S":"abc"}}', NULL, '{":n":{"N":"2"}}');
