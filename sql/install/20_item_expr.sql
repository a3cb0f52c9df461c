
-- ---------------------------------------------------------------------
-- Item model and expression engine (src/item, src/expr, src/api/errors.c)
-- ---------------------------------------------------------------------

-- The DynamoDB exception <-> SQLSTATE table (docs/errors.md).
CREATE FUNCTION kvam.exceptions(OUT exception text, OUT sqlstate text, OUT is_primary bool)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_exceptions' LANGUAGE C STRICT IMMUTABLE;

-- Items: validation, normalisation, size, binary round trip.
CREATE FUNCTION kvam.item_validate(item jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_item_validate' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.attr_validate(value jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_attr_validate' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.item_size(item jsonb) RETURNS bigint
	AS 'MODULE_PATHNAME', 'kvam_item_size' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_check_size(item jsonb, for_update bool DEFAULT false) RETURNS bigint
	AS 'MODULE_PATHNAME', 'kvam_item_check_size' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_roundtrip(item jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_item_roundtrip' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_encode(item jsonb) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kvam_item_encode' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_decode(data bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_item_decode' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_decode_text(data bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_item_decode_text' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._item_roundtrip_text(item text) RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_item_roundtrip_text' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._key_check(value jsonb, name text, partition_key bool) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_key_check' LANGUAGE C STRICT IMMUTABLE;

-- Plain JSON <-> DynamoDB JSON (DESIGN section 1).
CREATE FUNCTION kvam.marshal(plain jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_marshal' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam.unmarshal(item jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_unmarshal' LANGUAGE C STRICT IMMUTABLE;

-- Numbers.
CREATE FUNCTION kvam._number_normalize(n text) RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_number_normalize' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION kvam._number_compare(a text, b text) RETURNS int
	AS 'MODULE_PATHNAME', 'kvam_number_compare' LANGUAGE C STRICT IMMUTABLE;

-- Expressions.  A NULL item means "the item does not exist".
CREATE FUNCTION kvam.eval_condition(expression text, item jsonb,
									names jsonb DEFAULT NULL, "values" jsonb DEFAULT NULL)
	RETURNS bool
	AS 'MODULE_PATHNAME', 'kvam_eval_condition' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam.eval_filter(expression text, item jsonb,
								 names jsonb DEFAULT NULL, "values" jsonb DEFAULT NULL)
	RETURNS bool
	AS 'MODULE_PATHNAME', 'kvam_eval_filter' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam.apply_update(expression text, item jsonb,
								  names jsonb DEFAULT NULL, "values" jsonb DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_apply_update' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam._update_returning(expression text, item jsonb,
									   names jsonb, "values" jsonb, return_values text)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_update_returning' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam.project(expression text, item jsonb, names jsonb DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_project' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam.check_key_condition(expression text, partition_key text,
										 sort_key text DEFAULT NULL,
										 names jsonb DEFAULT NULL, "values" jsonb DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_check_key_condition' LANGUAGE C IMMUTABLE;
