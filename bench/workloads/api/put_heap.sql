-- the same replacement as plain SQL on the heap table
\set i random(0, :n - 1)
\set v random(0, 1000000000)
UPDATE h SET item = bench_item(:v) WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
