-- point read of one existing item
\set i random(0, :n - 1)
SELECT * FROM @T@ WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
