-- KeyConditionExpression structure.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.kc(expr text, sk text DEFAULT 'sk', names jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	used jsonb;
	vals jsonb := '{":p":{"S":"P"},":a":{"N":"1"},":b":{"N":"5"},":s":{"S":"pre"},":n":{"N":"3"},":bin":{"B":"AA=="}}';
BEGIN
	SELECT jsonb_object_agg(k, vals -> k) INTO used
	FROM jsonb_object_keys(vals) k WHERE expr ~ (k || '(?![A-Za-z0-9_])');
	RETURN kvam.check_key_condition(expr, 'pk', sk, names, used)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- accepted forms
SELECT e, pg_temp.kc(e) FROM (VALUES
  ('pk = :p'), ('pk = :p AND sk = :a'), ('pk = :p AND sk < :a'), ('pk = :p AND sk <= :a'), ('pk = :p AND sk > :a'),
  ('pk = :p AND sk >= :a'), ('pk = :p AND sk BETWEEN :a AND :b'), ('pk = :p AND begins_with(sk, :s)'),
  ('sk > :a AND pk = :p'), (':p = pk AND :a < sk'), ('(pk = :p) AND (sk = :a)'), ('pk=:p and sk=:a'),
  ('pk = :p AND begins_with(sk, :bin)')) AS t(e);
SELECT pg_temp.kc('#p = :p AND #s = :a', 'sk', '{"#p":"pk","#s":"sk"}');
SELECT pg_temp.kc('pk = :p', NULL);
-- rejected forms
SELECT e, pg_temp.kc(e) FROM (VALUES
  ('pk = :p OR sk = :a'), ('NOT pk = :p'), ('pk IN (:p)'), ('pk <> :p'), ('pk = :p AND attribute_exists(sk)'),
  ('pk = :p AND contains(sk, :s)'), ('pk = :p AND size(sk) = :a'), ('pk = :p AND sk = sk'),
  ('pk = :p AND :a BETWEEN sk AND :b'), ('pk = :p AND begins_with(:s, sk)'), ('pk = :p AND pk = :p'),
  ('pk = :p AND sk = :a AND sk = :b'), ('pk = :p AND sk.x = :a'), ('pk = :p AND :a = :b'), ('sk = :a'),
  ('pk > :p'), ('pk BETWEEN :a AND :b'), ('begins_with(pk, :s)'), ('pk = :p AND extra = :a'), ('pk = :p AND begins_with(sk, :n)'),
  ('pk = :p AND sk BETWEEN :b AND :a'), ('pk = :p AND sk = :a AND extra = :b')) AS t(e);
SELECT pg_temp.kc('pk = :p AND extra = :a', NULL);
