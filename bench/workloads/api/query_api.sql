-- Query: 20 items of one partition key from a sort key on; request text in bench_req_query
\set p random(0, :n / 50 - 1)
\set s random(0, 30)
\set i :p * 50 + :s
SELECT kvam.query(bench_req_query(:i));
