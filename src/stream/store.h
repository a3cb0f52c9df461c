/*-------------------------------------------------------------------------
 *
 * store.h
 *	  The DynamoDB Streams read side: the database's stream slot, the
 *	  retained store of decoded records (kvam.stream_records) and the
 *	  lifecycle hooks of the control plane (docs/streams.md "Reading
 *	  streams").
 *
 * One logical replication slot per database ("kvam_streams_<db oid>",
 * plugin kvam) feeds every stream of the database.  The pump decodes what
 * the slot has into kvam.stream_records, in the caller's transaction, and
 * moves the slot only up to what an earlier, committed pump stored
 * (kvam.stream_state.pumped_lsn): a pump that rolls back loses nothing.
 * Records older than kvam.stream_retention are trimmed, which raises their
 * shard's horizon (kvam.stream_shard_horizons); a lost slot raises the
 * database-wide kvam.stream_state.horizon.  A position at or below its
 * shard's horizon is gone (TrimmedDataAccessException).
 *
 * IDENTIFICATION
 *	  src/stream/store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_STREAM_STORE_H
#define KVAM_STREAM_STORE_H

/* GUCs */
extern int	kvam_stream_retention;	/* seconds */
extern int	kvam_stream_iterator_lifetime;	/* seconds */

/* Length of a SequenceNumber: 20 digits of commit LSN, 10 of record number. */
#define KVAM_SEQ_LEN 30

/* KvamStreamDefineGucs defines kvam.stream_*; called from _PG_init. */
extern void KvamStreamDefineGucs(void);

/*
 * KvamStreamSlotName returns this database's stream slot name (palloc'd).
 */
extern char *KvamStreamSlotName(void);

/*
 * KvamStreamEnabling is the control plane's hook before it enables a
 * stream (CreateTable, UpdateTable): makes sure the database's stream slot
 * exists, so that every change committed after the enabling transaction
 * reaches the stream.  Creating the slot is only possible in a
 * transaction that has not written yet: otherwise raises
 * ERRCODE_ACTIVE_SQL_TRANSACTION (the first stream of a database must be
 * enabled in its own transaction).  May wait for transactions running in
 * other sessions (a new slot waits for them, as
 * pg_create_logical_replication_slot does).
 */
extern void KvamStreamEnabling(void);

/*
 * KvamStreamDisabled is the control plane's hook after it disabled a
 * stream or deleted a table (the catalog row is already changed in this
 * transaction): when no stream of the database is enabled any more, pumps
 * what the slot still holds into the store and drops the slot.  Records
 * already stored stay readable until retention trims them.
 */
extern void KvamStreamDisabled(void);

/*
 * KvamStreamPump moves what the slot holds into kvam.stream_records (at
 * most a bounded batch per call) and trims records past retention.
 * Serialised by a transaction-level advisory lock, held to the end of the
 * transaction: with 'wait' false, returns -1 at once when another
 * transaction holds it (the read API then reads what is stored; that
 * pump may still store records into a shard closed meanwhile).  Runs as
 * the owner of kvam.stream_records.  Returns the number of records
 * stored.  Nothing happens when the database has no stream slot.  A slot
 * lost to max_slot_wal_keep_size is re-created (if this transaction has
 * not written yet) and everything before it counts as trimmed.
 */
extern int64 KvamStreamPump(bool wait);

/*
 * KvamStoreBegin connects SPI as the owner of kvam.stream_records (the
 * current user is switched until KvamStoreEnd, which finishes SPI).
 * Results must be copied out of SPI's memory before KvamStoreEnd.
 */
typedef struct KvamStoreScope
{
	Oid			save_userid;
	int			save_sec;
} KvamStoreScope;

extern void KvamStoreBegin(KvamStoreScope *s);
extern void KvamStoreEnd(KvamStoreScope *s);

/*
 * KvamStreamHorizon returns the trim horizon of one shard (partition id
 * 'shard' of stream 'label' of table 'relid'): the highest SequenceNumber
 * that is gone from it, by retention or by a lost slot (30 digits; all
 * zeros when nothing was trimmed).
 */
extern char *KvamStreamHorizon(Oid relid, const char *label, uint32 shard);

#endif							/* KVAM_STREAM_STORE_H */
