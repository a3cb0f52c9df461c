-- ---------------------------------------------------------------------
-- Three-server clusters (issue 6; docs/mirroring.md): the catalog every
-- node keeps identical, and the core functions.  Plain heap tables, not
-- replicated: the management functions (61_cluster_admin.sql) write them
-- on every node.  Any change bumps the cluster map generation at commit
-- (src/cluster/map.c), so every backend re-reads them at its next check.
-- No is_self row = no cluster: no rule is enforced.
-- ---------------------------------------------------------------------

CREATE TABLE kvam.cluster_nodes (
	node_id  int PRIMARY KEY CHECK (node_id > 0),
	name     text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]*$'),
	conninfo text NOT NULL,               -- how the other nodes and clients reach it
	is_self  bool NOT NULL DEFAULT false, -- exactly one true row per node: "me"
	state    text NOT NULL DEFAULT 'active'
	         CHECK (state IN ('active', 'fenced', 'joining'))
	         -- fenced: deposed by a failover; changes arriving from it are refused
);
CREATE UNIQUE INDEX cluster_nodes_self ON kvam.cluster_nodes (is_self) WHERE is_self;
COMMENT ON TABLE kvam.cluster_nodes IS 'kvam cluster: the nodes (one is_self row: this node)';

CREATE TABLE kvam.cluster_ranges (
	range_id int PRIMARY KEY CHECK (range_id >= 0 AND range_id < 65536),
	leader   int REFERENCES kvam.cluster_nodes,  -- NULL while the range moves: no node accepts its writes
	epoch    bigint NOT NULL DEFAULT 1           -- bumped on every leader change
);
COMMENT ON TABLE kvam.cluster_ranges IS 'kvam cluster: leader and epoch of each range of the partition-key hash';

CREATE TABLE kvam.cluster_tables (
	relid regclass PRIMARY KEY            -- a mirrored kvam table
);
COMMENT ON TABLE kvam.cluster_tables IS 'kvam cluster: the mirrored kvam tables';

CREATE FUNCTION kvam._cluster_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'kvam__cluster_changed' LANGUAGE C;
CREATE TRIGGER cluster_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON kvam.cluster_nodes FOR EACH STATEMENT EXECUTE FUNCTION kvam._cluster_changed();
CREATE TRIGGER cluster_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON kvam.cluster_ranges FOR EACH STATEMENT EXECUTE FUNCTION kvam._cluster_changed();
CREATE TRIGGER cluster_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON kvam.cluster_tables FOR EACH STATEMENT EXECUTE FUNCTION kvam._cluster_changed();

CREATE FUNCTION kvam.cluster_invalidate() RETURNS void
	AS 'MODULE_PATHNAME', 'kvam_cluster_invalidate' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.cluster_invalidate() IS 'make every backend re-read the kvam cluster catalog';

-- The range of an encoded key (kvam._key_encode) or of a partition key
-- value, with the configured number of ranges; NULL when no cluster is
-- configured.
CREATE FUNCTION kvam.cluster_range_of_key(key bytea) RETURNS int
	AS 'MODULE_PATHNAME', 'kvam_cluster_range_of_key' LANGUAGE C STRICT STABLE;
CREATE FUNCTION kvam.cluster_range_of(pk anyelement) RETURNS int
	LANGUAGE sql STABLE STRICT
	AS $$ SELECT kvam.cluster_range_of_key(kvam._key_encode($1)) $$;
COMMENT ON FUNCTION kvam.cluster_range_of(anyelement) IS 'the cluster range of a partition key value';

REVOKE ALL ON kvam.cluster_nodes, kvam.cluster_ranges, kvam.cluster_tables FROM PUBLIC;
GRANT SELECT ON kvam.cluster_nodes, kvam.cluster_ranges, kvam.cluster_tables TO PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_invalidate() FROM PUBLIC;
