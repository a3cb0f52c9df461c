-- Expression syntax errors and semantic errors, with DynamoDB's exact
-- messages ("Invalid <Parameter>: ...").  Syntax errors are SQLSTATE 42601,
-- other validation errors 22023.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.ce(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	vals jsonb := '{":v":{"S":"x"},":w":{"S":"y"},":n":{"N":"1"},":m":{"N":"5"},":l":{"L":[]},":t":{"S":"S"},":bad":{"S":"X"},":b":{"BOOL":true}}';
	used jsonb;
BEGIN
	SELECT jsonb_object_agg(k, vals -> k) INTO used
	FROM jsonb_object_keys(vals) k WHERE expr ~ (k || '(?![A-Za-z0-9_])');
	PERFORM kvam.eval_condition(expr, '{}', NULL, used);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- syntax errors: token and its neighbourhood
SELECT e, pg_temp.ce(e) FROM (VALUES
  (''), (' '), ('a'), ('a ='), ('a = '), ('= :v'), ('a = :v AND'), ('a = :v b'), ('a == :v'), ('a = :v)'),
  ('(a = :v'), ('a = 5'), ('a = "x"'), ('a = :v AND AND b = :w'), ('a :v'), ('a AND b'), ('(a) AND (b)'),
  ('a = :v OR'), ('NOT'), ('NOT a'), ('a BETWEEN :v'), ('a BETWEEN :v OR :w'), ('a IN :v'), ('a IN ()'),
  ('a IN (:v,)'), ('a = :v;'), ('a ! :v'), ('a = :v !!'), ('a.1 = :v'), ('a[x] = :v'), ('a[] = :v'),
  ('customer-id = :v'), ('a = (:v = :w)'), ('(a = :v) = :w'), ('size() = :n'), ('begins_with(a :v)'),
  ('a = :v AND (b = :w'), ('#'), (':'), ('a = :'), ('AND = :v'), ('a.and = :v'), ('a <=> :v'),
  ('a = :v ORDER BY a'), ('a = :v é'), ('attribute_exists(a) attribute_exists(b)')) AS t(e);

-- semantic errors
SELECT e, pg_temp.ce(e) FROM (VALUES
  ('((a = :v))'), ('((a)) = :v'), ('(((a = :v)))'), ('foo(a)'), ('SIZE(a) = :n'), ('Attribute_Exists(a)'),
  ('begins_with(a, :v) = :b'), ('a = begins_with(b, :v)'), ('size(a)'), ('size(a) AND a = :v'), ('NOT size(a)'),
  ('attribute_exists(a, b)'), ('attribute_exists()'), ('begins_with(a)'), ('contains(a, :v, :w)'),
  ('a = a'), ('a.b <> a.b'), ('begins_with(a, a)'), ('contains(l[0], l[0])'),
  ('attribute_exists(:v)'), ('attribute_not_exists(size(a))'), ('begins_with(a, :n)'), ('begins_with(:n, a)'),
  ('begins_with(a, size(b))'), ('attribute_type(a, :n)'), ('attribute_type(a, b)'), ('attribute_type(a, :bad)'),
  ('attribute_type(a, :t)'), ('size(:n) > :n'), ('size(:b) > :n'), ('size(:v) > :n'),
  ('a BETWEEN :n AND :v'), ('a BETWEEN :m AND :n'), ('a BETWEEN :n AND :m'), ('a BETWEEN :w AND :v'),
  ('status = :v AND #undefined = :w'), ('#undefined = :v AND status = :w'), ('foo(status)'),
  ('((status = :v))'), ('a = :undefined'), ('a = :undefined AND #undef = :v')) AS t(e);

-- the other expression kinds use their own parameter name
CREATE FUNCTION pg_temp.tr(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT pg_temp.tr($$SELECT kvam.eval_filter('a = ', '{}')$$);
SELECT pg_temp.tr($$SELECT kvam.check_key_condition('pk = ', 'pk')$$);
SELECT pg_temp.tr($$SELECT kvam.apply_update('SET a = ', '{}')$$);
SELECT pg_temp.tr($$SELECT kvam.project('a,', '{}')$$);
SELECT pg_temp.tr($$SELECT kvam.eval_filter('', '{}')$$);
SELECT pg_temp.tr($$SELECT kvam.apply_update('', '{}')$$);
SELECT pg_temp.tr($$SELECT kvam.project('', '{}')$$);

-- the JSON error document a gateway turns back into DynamoDB's response
SELECT kvam.eval_condition('a = ', '{}');
