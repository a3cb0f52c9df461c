-- UpdateItem: ADD 1 to a numeric attribute (a counter); request text in bench_req_update
\set i random(0, :n - 1)
SELECT kvam.update_item(bench_req_update(:i));
