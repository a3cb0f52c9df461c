-- Partition split and merge (src/lsm/split.c).

CREATE FUNCTION kvam.split_partition(rel regclass, partid int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_split_partition' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.split_partition(regclass, int) IS 'split a partition at the middle of its hash range (flushes it; the children reference its runs); returns the new partition ids';

CREATE FUNCTION kvam.merge_partitions(rel regclass, partid int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_merge_partitions' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.merge_partitions(regclass, int) IS 'merge a partition with its right neighbour (flushes both; one manifest lists both run lists); returns the new partition id';

REVOKE ALL ON FUNCTION kvam.split_partition(regclass, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.merge_partitions(regclass, int) FROM PUBLIC;
