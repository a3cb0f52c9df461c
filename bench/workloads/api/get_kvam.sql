-- the same read as plain SQL on the API's kvam table
\set i random(0, :n - 1)
SELECT pk, sk, item FROM ddb WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
