-- The kvam table access method and its key index access method.

CREATE FUNCTION kvam.kvam_tableam_handler(internal) RETURNS table_am_handler
	AS 'MODULE_PATHNAME', 'kvam_tableam_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD kvam TYPE TABLE HANDLER kvam.kvam_tableam_handler;
COMMENT ON ACCESS METHOD kvam IS 'partitioned LSM storage with DynamoDB semantics';

CREATE FUNCTION kvam.kvam_key_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME', 'kvam_key_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD kvam_key TYPE INDEX HANDLER kvam.kvam_key_handler;
COMMENT ON ACCESS METHOD kvam_key IS 'the key of a kvam table (partition key [, sort key])';

-- Key types: S = text (COLLATE "C"), N = numeric, B = bytea.  Strategy 3 is
-- equality so that a kvam_key index can serve as REPLICA IDENTITY.
CREATE OPERATOR CLASS kvam.kvam_key_text_ops DEFAULT FOR TYPE text USING kvam_key AS
	OPERATOR 1 < , OPERATOR 2 <= , OPERATOR 3 = , OPERATOR 4 >= , OPERATOR 5 > ,
	FUNCTION 1 bttextcmp(text, text);
CREATE OPERATOR CLASS kvam.kvam_key_numeric_ops DEFAULT FOR TYPE numeric USING kvam_key AS
	OPERATOR 1 < , OPERATOR 2 <= , OPERATOR 3 = , OPERATOR 4 >= , OPERATOR 5 > ,
	FUNCTION 1 numeric_cmp(numeric, numeric);
CREATE OPERATOR CLASS kvam.kvam_key_bytea_ops DEFAULT FOR TYPE bytea USING kvam_key AS
	OPERATOR 1 < , OPERATOR 2 <= , OPERATOR 3 = , OPERATOR 4 >= , OPERATOR 5 > ,
	FUNCTION 1 byteacmp(bytea, bytea);

CREATE FUNCTION kvam.flush(rel regclass) RETURNS bigint
	AS 'MODULE_PATHNAME', 'kvam_flush' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.flush(regclass) IS 'write every partition''s L0 into a sorted run; returns versions written';

CREATE FUNCTION kvam.partitions(rel regclass,
	OUT partition int, OUT hash_lo numeric, OUT hash_hi numeric,
	OUT l0_pages int, OUT l0_versions bigint, OUT l0_bytes bigint,
	OUT runs int, OUT run_versions bigint, OUT run_blocks bigint,
	OUT flushes bigint, OUT reads bigint, OUT writes bigint,
	OUT bloom_probes bigint, OUT bloom_skips bigint,
	OUT levels int, OUT compactions bigint, OUT compact_blocks bigint,
	OUT parent int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_partitions' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION kvam.runs(rel regclass,
	OUT partition int, OUT run_id bigint, OUT level int,
	OUT head_block bigint, OUT blocks bigint, OUT versions bigint,
	OUT tombstones bigint, OUT min_xmin xid, OUT first_hash numeric)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_runs' LANGUAGE C STRICT VOLATILE;
