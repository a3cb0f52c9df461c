-- bench/sql/tables.sql: (re)create the kvam table k and the heap table h.
-- Both get their key before any row (kvam requires it; for fairness the
-- heap table's primary key btree also exists during COPY).  Autovacuum is
-- off for both (see docs/benchmarks.md, "Method").
DROP TABLE IF EXISTS k;
DROP TABLE IF EXISTS h;
CREATE TABLE k (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                item jsonb NOT NULL) USING kvam WITH (autovacuum_enabled = off);
CREATE UNIQUE INDEX k_key ON k USING kvam_key (pk, sk);
CREATE TABLE h (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                item jsonb NOT NULL, PRIMARY KEY (pk, sk)) WITH (autovacuum_enabled = off);
