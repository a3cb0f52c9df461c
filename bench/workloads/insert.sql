-- random insert of a new key: an existing pk, a random new sort key
\set p random(0, :n / 50 - 1)
\set i :p * 50
\set r random(1, 999999999999999)
INSERT INTO @T@ VALUES (bench_pk(:i), 'new#' || lpad(CAST(:r AS text), 15, '0'), bench_item(:r));
