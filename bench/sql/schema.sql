-- bench/sql/schema.sql: the two tables the benchmark compares and the item
-- generator.  Run by bench/run.sh with psql -v items=N.
--
-- Key layout (item number i = 0 .. N-1):
--   pk = 'user#' || (i / 50)                      -- N/50 partition keys
--   sk = 'item#' || lpad((i % 50)::text, 4, '0')  -- 50 sort keys per pk
-- so a 20-item range read (pk = p AND sk >= 'item#00ss', ss in 0..30)
-- always returns 20 rows.  New keys from the insert workload go to an
-- existing pk with sk = 'new#<random 15-digit number>'.
CREATE EXTENSION IF NOT EXISTS kvam;

-- About 200 bytes of jsonb (pg_column_size), deterministic in i.
-- The functions are STABLE, not IMMUTABLE: their bodies use stable
-- functions (jsonb_build_object), and the planner inlines a SQL function
-- only if its body is no more volatile than declared.  Inlined, they cost
-- the same as the expressions written out; not inlined, every call would go
-- through fmgr_sql, re-parsing the body each time.  (Stable is enough for
-- index conditions.)
CREATE OR REPLACE FUNCTION bench_item(i bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', i,
    'name', 'customer ' || i::text,
    'email', 'user' || i::text || '@example.com',
    'score', (i * 7919) % 100000,
    'active', i % 3 <> 0,
    'city', (ARRAY['Oslo','Lima','Pune','Kyiv','Nice','Cork'])[(i % 6) + 1],
    'tags', jsonb_build_array('t' || (i % 13)::text, 't' || (i % 17)::text),
    'note', left(md5(i::text), 10))
$$;

CREATE OR REPLACE FUNCTION bench_pk(i bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT 'user#' || (i / 50)::text $$;
CREATE OR REPLACE FUNCTION bench_sk(i bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT 'item#' || lpad((i % 50)::text, 4, '0') $$;
