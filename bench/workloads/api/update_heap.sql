-- the same counter increment as plain SQL on the heap table
\set i random(0, :n - 1)
UPDATE h SET item = jsonb_set(item, '{score}', to_jsonb((item->>'score')::numeric + 1)) WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
