-- ---------------------------------------------------------------------
-- Multi-item operations: Query, Scan, batches, transactions, and the
-- legacy parameters (src/api/legacy.c, query.c, scan.c, batch.c,
-- transact.c)
-- ---------------------------------------------------------------------

-- Legacy parameters, tested without a table (sql/api_legacy.sql).
CREATE FUNCTION kvam._legacy_condition(request jsonb, operation text, item jsonb)
	RETURNS bool
	AS 'MODULE_PATHNAME', 'kvam_legacy_condition' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam._legacy_update(request jsonb, item jsonb)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_legacy_update' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam._legacy_project(request jsonb, operation text, item jsonb)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_legacy_project' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam._legacy_key_conditions(request jsonb, partition_key text,
											sort_key text DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_legacy_key_conditions' LANGUAGE C IMMUTABLE;

-- Query, Scan and the batches (docs/api.md).
CREATE FUNCTION kvam.query(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.scan(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.batch_get_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.batch_write_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
