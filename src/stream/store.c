/*-------------------------------------------------------------------------
 *
 * store.c
 *	  The database's stream slot and the retained store of DynamoDB Streams
 *	  records: lifecycle hooks, the pump, retention (store.h).
 *
 * Layout (sql/install/50_streams.sql):
 *
 *	  kvam.stream_records (seq, relid, stream_label, shard, commit_time,
 *						   record)   one row per record, seq = SequenceNumber
 *	  kvam.stream_state (pumped_lsn, horizon)   exactly one row
 *
 * Invariants:
 *	- Every record with seq > horizon whose transaction committed before
 *	  pumped_lsn is in kvam.stream_records (or was trimmed, which raises
 *	  horizon).  The slot's confirmed position never passes pumped_lsn, and
 *	  pumped_lsn is only moved in the transaction that stored the records,
 *	  so a rolled-back pump or a crash loses nothing: the next pump decodes
 *	  the same transactions again and ON CONFLICT drops the duplicates
 *	  (sequence numbers are the same every time a transaction is decoded).
 *	- Pumps are serialised by a transaction-level advisory lock (a slot can
 *	  be used by one backend at a time, and two uncommitted pumps would
 *	  store the same records).  The read API does not wait for it: while
 *	  another transaction holds it, a call reads what is stored.
 *	- The slot is only moved to a committed pumped_lsn: a pump does not
 *	  move it when an earlier pump of the same transaction wrote
 *	  pumped_lsn (last_pump_xid).
 *	- horizon (database-wide) and the shard horizons of
 *	  kvam.stream_shard_horizons (what retention removed) only grow;
 *	  records at or below them are deleted.  A gap
 *	  (a lost slot re-created) is recorded durably outside the transaction
 *	  too (the gap file), so a rollback cannot hide it.
 *
 * Everything runs through SPI as the owner of kvam.stream_records (an
 * API user needs neither the REPLICATION attribute nor access to the
 * store; the read API checks SELECT on the table instead).
 *
 * IDENTIFICATION
 *	  src/stream/store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "am/kvam_am.h"
#include "lsm/meta.h"
#include "stream/store.h"

int			kvam_stream_retention = 24 * 60 * 60;
int			kvam_stream_iterator_lifetime = 15 * 60;

/* Records decoded per pump at most (the rest waits for the next call). */
#define PUMP_BATCH 100000

/*
 * The top transaction of this backend's last pump that stored something.
 * A second pump in that transaction must not move the slot to the
 * pumped_lsn the first one wrote: that value is not committed yet, and
 * moving the slot is not transactional.
 */
static TransactionId last_pump_xid = InvalidTransactionId;

/* advisory lock key pair serialising pumps ('kvam', 'strm') */
#define PUMP_LOCK_KEY1 0x6b76616d
#define PUMP_LOCK_KEY2 0x7374726d

void
KvamStreamDefineGucs(void)
{
	DefineCustomIntVariable("kvam.stream_retention",
							"How long DynamoDB Streams records are kept.",
							"Records older than this are trimmed at the next Streams call.",
							&kvam_stream_retention,
							24 * 60 * 60, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.stream_iterator_lifetime",
							"How long a shard iterator of GetShardIterator stays valid.",
							NULL,
							&kvam_stream_iterator_lifetime,
							15 * 60, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
}

char *
KvamStreamSlotName(void)
{
	return psprintf("kvam_streams_%u", MyDatabaseId);
}

/* ------------------------------------------------------------------ */
/* SPI as the owner of the store										  */
/* ------------------------------------------------------------------ */

/*
 * KvamStoreBegin: see store.h.
 */
void
KvamStoreBegin(KvamStoreScope *s)
{
	Oid			nsp = get_namespace_oid("kvam", false);
	Oid			relid = get_relname_relid("stream_records", nsp);
	Oid			owner;
	HeapTuple	tup;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "kvam.stream_records is missing");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	GetUserIdAndSecContext(&s->save_userid, &s->save_sec);
	SetUserIdAndSecContext(owner, s->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
KvamStoreEnd(KvamStoreScope *s)
{
	SPI_finish();
	SetUserIdAndSecContext(s->save_userid, s->save_sec);
}

/*
 * Run 'sql' with one text parameter (or none when 'arg' is NULL); returns
 * SPI's result code.  Never read-only: a read-only SPI query would use the
 * calling statement's snapshot and miss what this transaction just wrote
 * (the catalog row of the control plane, records a pump stored).
 */
static int
exec1(const char *sql, const char *arg)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	int			rc;

	values[0] = CStringGetTextDatum(arg ? arg : "");
	rc = SPI_execute_with_args(sql, arg ? 1 : 0, types, values, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI failed (%s): %s", SPI_result_code_string(rc), sql);
	return rc;
}

/* The first column of the first row as text, or NULL. */
static char *
value1(void)
{
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* The slot's wal_status, or NULL when the slot does not exist. */
static char *
slot_status(const char *slot)
{
	exec1("SELECT coalesce(wal_status, 'unknown') FROM pg_catalog.pg_replication_slots "
		  "WHERE slot_name = $1", slot);
	return value1();
}

static bool
any_stream_enabled(void)
{
	exec1("SELECT 1 FROM kvam.tables WHERE stream_enabled LIMIT 1", NULL);
	return SPI_processed > 0;
}

/*
 * The gap file: the trim horizon set when a lost slot was re-created.
 * Re-creating a slot is not transactional, so the horizon that announces
 * the gap must not be either: it is written to
 * pg_logical/kvam_stream_horizon_<database oid> (durably) and folded into
 * kvam.stream_state by every pump.
 */
static void
gap_path(char *path)
{
	snprintf(path, MAXPGPATH, "pg_logical/kvam_stream_horizon_%u", MyDatabaseId);
}

static void
gap_write(const char *seq)
{
	char		path[MAXPGPATH];
	char		tmp[MAXPGPATH];
	int			fd;

	gap_path(path);
	snprintf(tmp, MAXPGPATH, "%s.tmp", path);
	fd = OpenTransientFile(tmp, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp)));
	errno = 0;
	if (write(fd, seq, KVAM_SEQ_LEN) != KVAM_SEQ_LEN)
	{
		if (errno == 0)
			errno = ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", tmp)));
	}
	if (pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", tmp)));
	CloseTransientFile(fd);
	durable_rename(tmp, path, ERROR);
}

/* The gap file's horizon, or NULL when there is none. */
static char *
gap_read(void)
{
	char		path[MAXPGPATH];
	char		seq[KVAM_SEQ_LEN + 1];
	int			fd;
	int			n;

	gap_path(path);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (errno == ENOENT)
			return NULL;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path)));
	}
	n = read(fd, seq, KVAM_SEQ_LEN);
	CloseTransientFile(fd);
	if (n != KVAM_SEQ_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("file \"%s\" is damaged", path)));
	seq[KVAM_SEQ_LEN] = '\0';
	return pstrdup(seq);
}

/* Raise kvam.stream_state.horizon to the gap file's, if that is higher. */
static void
gap_fold(void)
{
	char	   *seq = gap_read();

	if (seq == NULL)
		return;
	exec1("UPDATE kvam.stream_state SET horizon = $1 WHERE horizon < $1", seq);
	exec1("DELETE FROM kvam.stream_records WHERE seq <= (SELECT horizon FROM kvam.stream_state)",
		  NULL);
}

/*
 * Create the slot (dropping a lost one first).  'gap': changes since the
 * old slot may be missing, so everything before the new slot is trimmed:
 * the horizon moves to the current end of WAL, before the new slot starts
 * (so every transaction the new slot decodes is above it).
 */
static void
create_slot(const char *slot, bool drop_first, bool gap)
{
	if (GetTopTransactionIdIfAny() != InvalidTransactionId)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("cannot create the stream slot \"%s\" in a transaction that has performed writes",
						slot),
				 errhint("Enable the first stream of a database, or read streams after the slot was lost, at the start of a transaction.")));
	if (gap)
	{
		exec1("SELECT lpad((pg_catalog.pg_current_wal_insert_lsn() - '0/0')::text, 20, '0')"
			  " || '0000000000'", NULL);
		gap_write(value1());
	}
	if (drop_first)
	{
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("stream slot \"%s\" was invalidated: stream records up to now are trimmed",
						slot),
				 errhint("Read streams more often, or raise max_slot_wal_keep_size.")));
		exec1("SELECT pg_catalog.pg_drop_replication_slot($1)", slot);
	}
	exec1("SELECT pg_catalog.pg_create_logical_replication_slot($1, 'kvam')", slot);
	if (gap)
		gap_fold();
}

/*
 * KvamStreamEnabling: see store.h.
 */
void
KvamStreamEnabling(void)
{
	KvamStoreScope s;
	char	   *slot = KvamStreamSlotName();
	char	   *status;

	KvamStoreBegin(&s);
	status = slot_status(slot);
	if (status == NULL)
		create_slot(slot, false, false);
	else if (strcmp(status, "lost") == 0)
		create_slot(slot, true, true);
	KvamStoreEnd(&s);
}

/*
 * KvamStreamDisabled: see store.h.
 */
void
KvamStreamDisabled(void)
{
	KvamStoreScope s;
	char	   *slot = KvamStreamSlotName();
	bool		drop;

	KvamStoreBegin(&s);
	drop = !any_stream_enabled() && slot_status(slot) != NULL;
	KvamStoreEnd(&s);
	if (!drop)
		return;
	KvamStreamPump(true);
	KvamStoreBegin(&s);
	exec1("SELECT pg_catalog.pg_drop_replication_slot(slot_name) "
		  "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", slot);
	KvamStoreEnd(&s);
}

/*
 * Trim records past retention (raising their shards' horizons) and below
 * the database-wide horizon.
 */
static void
trim(void)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(kvam_stream_retention)};

	if (SPI_execute_with_args("WITH d AS (DELETE FROM kvam.stream_records "
							  "  WHERE commit_time < now() - make_interval(secs => $1) "
							  "  RETURNING relid, stream_label, shard, seq) "
							  "INSERT INTO kvam.stream_shard_horizons AS h "
							  "SELECT relid, stream_label, shard, max(seq) FROM d GROUP BY 1, 2, 3 "
							  "ON CONFLICT (relid, stream_label, shard) DO UPDATE "
							  "SET horizon = greatest(h.horizon, excluded.horizon)",
							  1, types, values, NULL, false, 0) < 0)
		elog(ERROR, "could not trim kvam.stream_records");
	exec1("DELETE FROM kvam.stream_records WHERE seq <= (SELECT horizon FROM kvam.stream_state)",
		  NULL);
}

/*
 * KvamStreamPump: see store.h.
 */
int64
KvamStreamPump(bool wait)
{
	KvamStoreScope s;
	char	   *slot = KvamStreamSlotName();
	char	   *status;
	char	   *flush;
	int64		stored = 0;
	int64		rows;
	bool		isnull;
	Oid			types[3] = {TEXTOID, INT4OID, PG_LSNOID};
	Datum		values[3];

	KvamStoreBegin(&s);
	exec1(psprintf("SELECT pg_catalog.pg_%sadvisory_xact_lock(%d, %d)",
				   wait ? "" : "try_", PUMP_LOCK_KEY1, PUMP_LOCK_KEY2), NULL);
	if (!wait && strcmp(value1(), "t") != 0)
	{
		/* another transaction is pumping: read what is stored */
		KvamStoreEnd(&s);
		return -1;
	}
	gap_fold();
	status = slot_status(slot);
	if (status == NULL || strcmp(status, "lost") == 0)
	{
		/* no slot: nothing to pump, unless a stream lost it */
		if (!any_stream_enabled() ||
			GetTopTransactionIdIfAny() != InvalidTransactionId)
		{
			trim();
			KvamStoreEnd(&s);
			return 0;
		}
		create_slot(slot, status != NULL, true);
	}

	/* move the slot up to what committed pumps stored */
	if (!TransactionIdIsValid(last_pump_xid) ||
		last_pump_xid != GetTopTransactionIdIfAny())
		exec1("SELECT pg_catalog.pg_replication_slot_advance($1, s.pumped_lsn) "
			  "FROM kvam.stream_state s, pg_catalog.pg_replication_slots r "
			  "WHERE r.slot_name = $1 AND s.pumped_lsn > r.confirmed_flush_lsn", slot);

	/* everything committed before 'flush' will be decoded below */
	exec1("SELECT pg_catalog.pg_current_wal_flush_lsn()", NULL);
	flush = value1();

	values[0] = CStringGetTextDatum(slot);
	values[1] = Int32GetDatum(PUMP_BATCH);
	values[2] = DirectFunctionCall1(pg_lsn_in, CStringGetDatum(flush));
	if (SPI_execute_with_args(
							  "WITH c AS MATERIALIZED ("
							  "  SELECT lsn, data FROM pg_catalog.pg_logical_slot_peek_changes($1, NULL, $2, "
							  "    'kvam-routing', 'on')), "
							  "r AS (SELECT data, split_part(data, E'\\t', 1) AS h FROM c WHERE data <> 'C'), "
							  "ins AS (INSERT INTO kvam.stream_records "
							  "    (seq, relid, stream_label, shard, commit_time, record) "
							  "  SELECT split_part(h, ' ', 1), split_part(h, ' ', 2)::oid, split_part(h, ' ', 5), "
							  "    kvam._stream_shard(split_part(h, ' ', 2)::oid, split_part(h, ' ', 3)), "
							  "    to_timestamp(split_part(h, ' ', 4)::numeric / 1000000), "
							  "    substr(data, length(h) + 2) "
							  "  FROM r WHERE split_part(h, ' ', 1) > (SELECT horizon FROM kvam.stream_state) "
							  "  ON CONFLICT (seq) DO NOTHING RETURNING 1), "
							  "n AS (SELECT count(*) AS rows, max(lsn) AS lsn FROM c), "
							  "u AS (UPDATE kvam.stream_state SET pumped_lsn = "
							  "    greatest(pumped_lsn, n.lsn, CASE WHEN n.rows < $2 THEN $3 END) FROM n) "
							  "SELECT (SELECT count(*) FROM ins), (SELECT rows FROM n)",
							  3, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not pump stream slot \"%s\"", slot);
	stored = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	rows = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	(void) rows;
	last_pump_xid = GetTopTransactionIdIfAny();
	trim();
	KvamStoreEnd(&s);
	return stored;
}

/*
 * KvamStreamHorizon: see store.h.
 */
char *
KvamStreamHorizon(Oid relid, const char *label, uint32 shard)
{
	KvamStoreScope s;
	char	   *h;
	MemoryContext cxt = CurrentMemoryContext;
	Oid			types[3] = {OIDOID, TEXTOID, INT4OID};
	Datum		values[3];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(label);
	values[2] = Int32GetDatum((int32) shard);
	KvamStoreBegin(&s);
	if (SPI_execute_with_args("SELECT greatest(s.horizon, (SELECT h.horizon "
							  "  FROM kvam.stream_shard_horizons h WHERE h.relid = $1 "
							  "  AND h.stream_label = $2 AND h.shard = $3)) "
							  "FROM kvam.stream_state s",
							  3, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read kvam.stream_state");
	h = value1();
	h = MemoryContextStrdup(cxt, h ? h : "000000000000000000000000000000");
	KvamStoreEnd(&s);
	return h;
}

PG_FUNCTION_INFO_V1(kvam_stream_pump);
PG_FUNCTION_INFO_V1(kvam__stream_shard);

/*
 * kvam_stream_pump is kvam.stream_pump() RETURNS bigint: one pump (for a
 * scheduler such as pg_cron, so that unread streams do not hold WAL).
 */
Datum
kvam_stream_pump(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(KvamStreamPump(true));
}

/*
 * kvam__stream_shard is kvam._stream_shard(relid oid, hash text) RETURNS
 * int: the id of the partition of table 'relid' that holds partition hash
 * 'hash' (decimal uint64), or -1 when the table is gone.
 */
Datum
kvam__stream_shard(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(1));
	uint64		hash = strtou64(s, NULL, 10);
	Relation	rel = try_relation_open(relid, AccessShareLock);
	int32		partid = -1;

	if (rel != NULL)
	{
		if (KvamIsKvamRelation(rel))
		{
			/* the map as it is now (a split closes shards: lsm/split.h) */
			KvamRelInfo *info = KvamMetaReadMap(rel);

			partid = (int32) info->parts[KvamRelFindPartition(info, hash)].partid;
			pfree(info);
		}
		relation_close(rel, AccessShareLock);
	}
	PG_RETURN_INT32(partid);
}
