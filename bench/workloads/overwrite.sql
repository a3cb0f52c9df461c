-- random overwrite of an existing key (new ~200-byte item)
\set i random(0, :n - 1)
\set v random(0, 1000000000)
UPDATE @T@ SET item = bench_item(:v) WHERE pk = bench_pk(:i) AND sk = bench_sk(:i);
