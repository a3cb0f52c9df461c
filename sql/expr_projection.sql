-- ProjectionExpression.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.pr(expr text, names jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN kvam.project(expr, '{
	  "id": {"S": "k"}, "a": {"N": "1"}, "name": {"S": "n"},
	  "m": {"M": {"x": {"N": "1"}, "y": {"M": {"z": {"S": "zz"}, "w": {"S": "ww"}}}}},
	  "l": {"L": [{"S": "l0"}, {"M": {"q": {"S": "q1"}, "r": {"S": "r1"}}}, {"S": "l2"}, {"L": [{"N": "30"}, {"N": "31"}]}]}
	}', names)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

SELECT e, pg_temp.pr(e) FROM (VALUES
  ('a'), ('id, a'), ('nothere'), ('a, nothere'), ('m.x'), ('m.y.z'), ('m.x, m.y.w'), ('m.nope'),
  ('l[0]'), ('l[2]'), ('l[2], l[0]'), ('l[1].q'), ('l[3][1]'), ('l[9]'), ('l[0], l[3][0], l[1].r'),
  ('a.b'), ('m[0]'), ('  a ,  m . x , l [ 2 ]  ')) AS t(e);
SELECT pg_temp.pr('#n, #m.#y', '{"#n":"name","#m":"m","#y":"y"}');
SELECT pg_temp.pr('#n', '{"#n":"name","#unused":"x"}');
SELECT pg_temp.pr('#undefined');
-- errors
SELECT e, pg_temp.pr(e) FROM (VALUES
  ('name'), ('a, a'), ('m, m.x'), ('m.x, m'), ('l[0], l[0].q'), ('l[1], l.x'), ('a,'), (',a'), ('a b'),
  ('a.'), ('a[x]'), ('a[-1]'), ('a[1'), ('customer-id'), ('size(a)'), ('a = :v'), (''), ('  '), ('a.#'), ('#')) AS t(e);
