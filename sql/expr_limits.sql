-- Expression limits: length, operators, IN operands, nesting.  Deep
-- nesting must end in a clean error, never a crash.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE FUNCTION pg_temp.ce(expr text, vals jsonb DEFAULT '{":v":{"S":"x"}}') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN kvam.eval_condition(expr, '{"a":{"S":"x"}}', NULL, vals)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- 4 KB of expression is accepted, one byte more is not
SELECT length(e), pg_temp.ce(e) FROM (SELECT 'a = :v' || repeat(' ', 4090) AS e) s;
SELECT length(e), pg_temp.ce(e) FROM (SELECT 'a = :v' || repeat(' ', 4091) AS e) s;

-- 10000 nested parentheses: the size limit answers first
SELECT pg_temp.ce(repeat('(', 10000) || 'a = :v' || repeat(')', 10000));
-- the deepest nesting that fits in 4 KB: redundant parentheses, or a clean limit
SELECT pg_temp.ce(repeat('(', 2045) || 'a = :v' || repeat(')', 2045));
-- NOT and each parenthesis are one level each; 400 levels are evaluated
SELECT pg_temp.ce(repeat('NOT (', 200) || 'a = :v' || repeat(')', 200));
SELECT pg_temp.ce(repeat('NOT (', 199) || 'NOT a = :v' || repeat(')', 199));
SELECT pg_temp.ce(repeat('NOT (', 200) || 'NOT a = :v' || repeat(')', 200));
SELECT pg_temp.ce(repeat('NOT ', 400) || 'a = :v');
SELECT pg_temp.ce(repeat('NOT ', 401) || 'a = :v');
SELECT pg_temp.ce(repeat('(a = :v AND ', 300) || 'a = :v' || repeat(')', 300));
SELECT pg_temp.ce(repeat('size(', 300) || 'a' || repeat(')', 300) || ' > :v');
SELECT pg_temp.ce(repeat('(', 3000) || 'a');
SELECT pg_temp.ce('a' || repeat('.b', 2000) || ' = :v');
SELECT pg_temp.ce('a' || repeat('[0]', 1300) || ' = :v');

-- at most 300 operators and functions
SELECT pg_temp.ce('a = :v' || repeat(' OR a = :v', 149));
SELECT pg_temp.ce('a = :v' || repeat(' OR a = :v', 150));
SELECT pg_temp.ce('a = :v' || repeat(' AND NOT a = :v', 100));

-- at most 100 operands for IN
SELECT pg_temp.ce('a IN (' || string_agg(':v', ', ') || ')') FROM generate_series(1, 100);
SELECT pg_temp.ce('a IN (' || string_agg(':v', ', ') || ')') FROM generate_series(1, 101);

-- the same limits hold for updates and projections
CREATE FUNCTION pg_temp.tr(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT pg_temp.tr(format('SELECT kvam.project(%L, %L)', repeat('a, ', 1400) || 'a', '{}'));
SELECT pg_temp.tr(format('SELECT kvam.apply_update(%L, %L, NULL, %L)',
	'SET a = ' || repeat('(', 1000) || ':v' || repeat(')', 1000), '{}', '{":v":{"N":"1"}}'));
SELECT pg_temp.tr(format('SELECT kvam.apply_update(%L, %L, NULL, %L)',
	'SET a = ' || repeat('if_not_exists(a, ', 150) || ':v' || repeat(')', 150), '{}', '{":v":{"N":"1"}}'));
SELECT pg_temp.tr(format('SELECT kvam.apply_update(%L, %L, NULL, %L)',
	'SET ' || string_agg('a' || i || '=:v+:v', ','), '{}', '{":v":{"N":"1"}}'))
FROM generate_series(1, 300) i;
SELECT pg_temp.tr(format('SELECT kvam.apply_update(%L, %L, NULL, %L)',
	'SET ' || string_agg('a' || i || '=:v+:v', ','), '{}', '{":v":{"N":"1"}}'))
FROM generate_series(1, 301) i;
