-- Partition split and merge (src/lsm/split.c).

CREATE FUNCTION kvam.split_partition(rel regclass, partid int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_split_partition' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.split_partition(regclass, int) IS 'split a partition at the middle of its hash range (flushes it; the children reference its runs); returns the new partition ids';

CREATE FUNCTION kvam.merge_partitions(rel regclass, partid int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_merge_partitions' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.merge_partitions(regclass, int) IS 'merge a partition with its right neighbour (flushes both; one manifest lists both run lists); returns the new partition id';

REVOKE ALL ON FUNCTION kvam.split_partition(regclass, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.merge_partitions(regclass, int) FROM PUBLIC;

-- The split and merge policy (the auto-admin's, src/lsm/split.c): its
-- measures of each partition, and one evaluation of it on demand.
CREATE FUNCTION kvam.partition_sizes(rel regclass,
	OUT partition int, OUT bytes bigint, OUT live_bytes bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_partition_sizes' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.partition_sizes(regclass) IS 'per partition: bytes (L0 pages and runs) and live_bytes (runs scaled by live distinct keys per version: what the split and merge policy compares with kvam.partition_split_bytes and kvam.partition_merge_bytes)';

CREATE FUNCTION kvam.maintain_partitions(rel regclass) RETURNS boolean
	AS 'MODULE_PATHNAME', 'kvam_maintain_partitions' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.maintain_partitions(regclass) IS 'evaluate the auto-admin''s split and merge policy once, now, with this session''s settings: at most one split or merge; returns whether the map changed';
REVOKE ALL ON FUNCTION kvam.maintain_partitions(regclass) FROM PUBLIC;
