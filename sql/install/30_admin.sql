-- The auto-admin (src/admin/): progress of running flushes and compactions.

-- One row per flush (command 'flush') or automatic compaction (command
-- 'compact') running in the current database, by any backend or
-- auto-admin worker.  Phases: 'building run' (reading the frozen
-- memtable; a compaction stays in this phase and reports no counts),
-- 'writing run' (writing and WAL-logging the run's pages), 'publishing
-- run' (manifest edit).
CREATE FUNCTION kvam.stat_progress(
	OUT pid integer, OUT relid oid, OUT partition integer, OUT command text,
	OUT phase text, OUT started timestamptz,
	OUT versions_read bigint, OUT bytes_read bigint,
	OUT versions_written bigint, OUT bytes_written bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kvam_stat_progress' LANGUAGE C STRICT VOLATILE;

CREATE VIEW kvam.stat_progress AS
	SELECT p.pid, p.relid, p.relid::regclass AS relation, p.partition,
		   p.command, p.phase, p.started, p.versions_read, p.bytes_read,
		   p.versions_written, p.bytes_written
	  FROM kvam.stat_progress() p;

-- Testing aid: freeze the active memtable of every partition of rel that
-- has none frozen, so that reads and writes meet a frozen memtable; the
-- auto-admin (or kvam.flush) flushes them.  Returns the partitions frozen.
CREATE FUNCTION kvam._freeze(rel regclass) RETURNS integer
	AS 'MODULE_PATHNAME', 'kvam__freeze' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION kvam._freeze(regclass) FROM PUBLIC;
