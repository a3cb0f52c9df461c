-- Compaction, space management and consistency checks (src/lsm/compact.c,
-- src/lsm/space.c, src/am/vacuum.c, src/am/check.c).

CREATE FUNCTION kvam.compact(rel regclass) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_compact' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.compact(regclass) IS 'flush every partition and merge all its runs into the bottom level (purge, freeze); returns statistics';

CREATE FUNCTION kvam.check(rel regclass,
	OUT block bigint, OUT partition int, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_check' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.check(regclass) IS 'consistency check of a kvam table''s storage: one row per problem';

-- The free-extent list (src/lsm/space.h); l0_partition: a chunk reserved
-- for that partition's L0 pages.
CREATE FUNCTION kvam.free_extents(rel regclass,
	OUT start_block bigint, OUT blocks bigint, OUT retired_xid xid8,
	OUT reusable boolean, OUT l0_partition int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_free_extents' LANGUAGE C STRICT VOLATILE;
