-- the same 20-item range read as plain SQL on the API's kvam table
\set p random(0, :n / 50 - 1)
\set s random(0, 30)
\set i :p * 50 + :s
SELECT pk, sk, item FROM ddb WHERE pk = bench_pk(:i) AND sk >= bench_sk(:i) ORDER BY sk LIMIT 20;
