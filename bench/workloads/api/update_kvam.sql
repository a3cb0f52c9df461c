-- the same counter increment as plain SQL on the API's kvam table
\set i random(0, :n - 1)
UPDATE ddb SET item = jsonb_set(item::jsonb, '{score,N}', to_jsonb(((item::jsonb #>> '{score,N}')::numeric + 1)::text))::kvam.item WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
