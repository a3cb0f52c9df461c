-- the same replacement as plain SQL on the API's kvam table
\set i random(0, :n - 1)
\set v random(0, 1000000000)
UPDATE ddb SET item = ('{' || bench_ditem(:v) || '}')::kvam.item WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
