-- ---------------------------------------------------------------------
-- The DynamoDB API (src/api): the kvam.item type, the kvam.tables
-- catalog, kvam.execute and the per-operation functions (docs/api.md).
-- ---------------------------------------------------------------------

-- kvam.item: an item in the binary item encoding, shown as DynamoDB JSON.
CREATE TYPE kvam.item;
CREATE FUNCTION kvam.item_in(cstring) RETURNS kvam.item
	AS 'MODULE_PATHNAME', 'kvam_item_in' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.item_out(kvam.item) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kvam_item_out' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.item_recv(internal) RETURNS kvam.item
	AS 'MODULE_PATHNAME', 'kvam_item_recv' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.item_send(kvam.item) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kvam_item_send' LANGUAGE C STRICT IMMUTABLE;
CREATE TYPE kvam.item (
	INPUT = kvam.item_in, OUTPUT = kvam.item_out,
	RECEIVE = kvam.item_recv, SEND = kvam.item_send,
	INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE kvam.item IS 'a DynamoDB item (attribute map): binary item encoding, DynamoDB JSON text form';

CREATE FUNCTION kvam.item(jsonb) RETURNS kvam.item
	AS 'MODULE_PATHNAME', 'kvam_item_from_jsonb' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.jsonb(kvam.item) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_item_to_jsonb' LANGUAGE C STRICT IMMUTABLE;
CREATE CAST (jsonb AS kvam.item) WITH FUNCTION kvam.item(jsonb);
CREATE CAST (kvam.item AS jsonb) WITH FUNCTION kvam.jsonb(kvam.item);

-- The catalog of DynamoDB tables.  Users read it; only the API writes it.
CREATE TABLE kvam.tables (
	table_name       text PRIMARY KEY,
	relid            regclass NOT NULL UNIQUE,	-- a name in dumps: restore re-resolves it
	table_id         uuid NOT NULL,
	hash_key_name    text NOT NULL,
	hash_key_type    text NOT NULL,
	range_key_name   text,
	range_key_type   text,
	stream_enabled   bool NOT NULL DEFAULT false,
	stream_view_type text,
	stream_label     text,
	created_at       timestamptz NOT NULL DEFAULT now(),
	description      jsonb NOT NULL
) WITH (user_catalog_table = true);
COMMENT ON TABLE kvam.tables IS 'DynamoDB tables of the kvam API (one row per TableName)';
SELECT pg_catalog.pg_extension_config_dump('kvam.tables', '');
GRANT SELECT ON kvam.tables TO PUBLIC;
GRANT USAGE ON SCHEMA kvam TO PUBLIC;

-- kvam.execute: one entry point dispatching by DynamoDB operation name.
-- The text variant carries requests and items containing \u0000.
CREATE FUNCTION kvam.execute(operation text, request jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_execute' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.execute(operation text, request text) RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_execute_text' LANGUAGE C STRICT VOLATILE;

-- One function per operation (src/api/ops.h registry).
CREATE FUNCTION kvam.create_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.describe_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.list_tables(request jsonb DEFAULT '{}') RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.update_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.delete_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.describe_time_to_live(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.update_time_to_live(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.tag_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.untag_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.list_tags_of_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.describe_limits(request jsonb DEFAULT '{}') RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.put_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.get_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.update_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.delete_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
