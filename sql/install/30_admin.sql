-- The auto-admin (src/admin/): progress of flushes, compactions, VACUUM and
-- kvam.compact().

-- One row per operation running in the current database, by any backend
-- or auto-admin worker (src/admin/progress.c; docs/architecture.md
-- "Progress"):
--   command 'flush' (one partition's frozen memtable into a run), phases
--     'building run', 'writing run', 'publishing run';
--   command 'compact' (an automatic compaction of one partition), phases
--     'merging runs', 'publishing run';
--   command 'vacuum' (VACUUM of a kvam table; also in
--     pg_stat_progress_vacuum) and 'kvam.compact' (kvam.compact()), over
--     every partition in turn, phases 'initializing', 'scanning L0'
--     (VACUUM), 'flushing', 'compacting', then 'sweeping free space',
--     'truncating' and 'final cleanup' (VACUUM).
-- partition: the partition worked on (NULL in the table-wide phases);
-- partitions_total/done: partitions of the table and those finished (1/0
-- for a flush or compaction); versions_read/bytes_read: versions (and
-- their bytes) read from memtables and runs; versions_written: versions
-- written to new runs (the rest were purged); bytes_written and
-- blocks_written: the new runs' extents.  A command's counters add up all
-- its flushes and compactions.
CREATE FUNCTION kvam.stat_progress(
	OUT pid integer, OUT relid oid, OUT partition integer, OUT command text,
	OUT phase text, OUT started timestamptz,
	OUT partitions_total integer, OUT partitions_done integer,
	OUT versions_read bigint, OUT bytes_read bigint,
	OUT versions_written bigint, OUT bytes_written bigint,
	OUT blocks_written bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_stat_progress' LANGUAGE C STRICT VOLATILE;

CREATE VIEW kvam.stat_progress AS
	SELECT p.pid, p.relid, p.relid::regclass AS relation, p.partition,
		   p.command, p.phase, p.started, p.partitions_total,
		   p.partitions_done, p.versions_read, p.bytes_read,
		   p.versions_written, p.bytes_written, p.blocks_written
	  FROM kvam.stat_progress() p;

-- Testing aid: freeze the active memtable of every partition of rel that
-- has none frozen, so that reads and writes meet a frozen memtable; the
-- auto-admin (or kvam.flush) flushes them.  Returns the partitions frozen.
CREATE FUNCTION kvam._freeze(rel regclass) RETURNS integer
	AS 'MODULE_PATHNAME', 'kvam__freeze' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION kvam._freeze(regclass) FROM PUBLIC;
