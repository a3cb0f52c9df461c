-- kvam install script (assembled from sql/install/*.sql in name order).
\echo Use "CREATE EXTENSION kvam" to load this file. \quit

CREATE FUNCTION kvam.version() RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_version' LANGUAGE C STRICT IMMUTABLE;
