-- 20-item range read inside one partition key (50 sort keys per pk)
\set p random(0, :n / 50 - 1)
\set s random(0, 30)
\set i :p * 50 + :s
SELECT * FROM @T@ WHERE pk = bench_pk(:i) AND sk >= bench_sk(:i) ORDER BY sk LIMIT 20;
