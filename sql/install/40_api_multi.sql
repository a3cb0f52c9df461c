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
CREATE FUNCTION kvam.transact_get_items(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.transact_write_items(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;

-- ClientRequestToken of TransactWriteItems: idempotent for 10 minutes.
-- Written only through kvam._transact_token (SECURITY DEFINER), inside
-- the transaction's subtransaction, so a canceled transaction records
-- nothing and a concurrent call with the same token waits for the first.
CREATE TABLE kvam.transact_tokens (
	token        text PRIMARY KEY,
	items_hash   text NOT NULL,           -- md5 of the TransactItems jsonb
	created_at   timestamptz NOT NULL
);
COMMENT ON TABLE kvam.transact_tokens IS 'ClientRequestTokens of TransactWriteItems seen in the last 10 minutes';
CREATE FUNCTION kvam._transact_token(p_token text, p_items jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	h text := md5(p_items::text);
	old text;
BEGIN
	DELETE FROM kvam.transact_tokens WHERE created_at < now() - interval '10 minutes';
	INSERT INTO kvam.transact_tokens VALUES (p_token, h, now()) ON CONFLICT (token) DO NOTHING;
	IF FOUND THEN
		RETURN 'new';
	END IF;
	SELECT items_hash INTO old FROM kvam.transact_tokens WHERE token = p_token;
	RETURN CASE WHEN old = h THEN 'replay' ELSE 'mismatch' END;
END $$;
