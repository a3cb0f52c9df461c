/*-------------------------------------------------------------------------
 *
 * kvam_am.h
 *	  Internal interfaces of the kvam table access method (src/am/).
 *
 * handler.c wires the TableAmRoutine; the callbacks live in scan.c
 * (scans, index fetches, TID fetches), modify.c (insert, update, delete,
 * lock), relation.c (storage life cycle, size, vacuum, analyze) and
 * visibility.c (snapshots).  keyindex.c is the kvam_key index AM.
 *
 * IDENTIFICATION
 *	  src/am/kvam_am.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_AM_H
#define KVAM_AM_H

#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"

#include "lsm/keycode.h"
#include "lsm/read.h"

/* ---------- handler.c ---------- */

/* KvamRelationAm: pg_class.relam of a relation, InvalidOid if none. */
extern Oid	KvamRelationAm(Oid relid);

/* KvamIsKvamRelation: does 'rel' use the kvam table access method? */
extern bool KvamIsKvamRelation(Relation rel);

/*
 * KvamOpenTable opens a relation that must be a kvam table (else
 * wrong_object_type), checking ownership if 'owner'.
 */
extern Relation KvamOpenTable(Oid relid, LOCKMODE lockmode, bool owner);

/* ---------- utility.c ---------- */

/* KvamUtilityInit installs the DDL guards (ProcessUtility hook). */
extern void KvamUtilityInit(void);

/* ---------- visibility.c ---------- */

typedef enum KvamXminStatus
{
	KVAM_XS_CURRENT,			/* written by this transaction */
	KVAM_XS_IN_PROGRESS,		/* another transaction, still running */
	KVAM_XS_COMMITTED,
	KVAM_XS_ABORTED
} KvamXminStatus;

/*
 * KvamXminStatusOf classifies a version's writer.  Checks in-progress
 * state before pg_xact, as heapam_visibility.c requires.
 */
extern KvamXminStatus KvamXminStatusOf(KvamVersion v);

/*
 * KvamChooseVisible returns the index in the newest-first group of the
 * version 'snapshot' sees (reporting SSI conflicts out against 'rel' when
 * not NULL), or -1 if the key is absent for it (no visible
 * version, or the visible one is a tombstone).  For SnapshotDirty it sets
 * snapshot->xmin / xmax as HeapTupleSatisfiesDirty does.
 */
extern int	KvamChooseVisible(Relation rel, KvamKeyGroup *g, Snapshot snapshot);

/* KvamVersionDecisive: does 'v' decide the key for an MVCC snapshot? */
extern bool KvamVersionDecisive(KvamVersion v, Snapshot snapshot);

/*
 * KvamKeyGroupLookup collects the versions of one full key, newest first,
 * stopping early at the version that decides it for 'snapshot'.  Takes the
 * partition lock in shared mode while reading.
 */
extern void KvamKeyGroupLookup(Relation rel, KvamRelInfo *info,
							   const char *key, Size keylen,
							   Snapshot snapshot, KvamKeyGroup *g);

/* SSI at relation granularity (see visibility.c). */
extern void KvamPredicateLockRead(Relation rel, Snapshot snapshot);
extern void KvamPredicateCheckWrite(Relation rel);

/* KvamSameVersion: do two copies denote the same version? */
static inline bool
KvamSameVersion(KvamVersion a, KvamVersion b)
{
	return a->xmin == b->xmin && a->cid == b->cid &&
		ItemPointerEquals(&a->birth, &b->birth) &&
		((a->flags ^ b->flags) & (KVAM_V_TOMBSTONE | KVAM_V_LOCK)) == 0;
}

/* ---------- tuple.c ---------- */

/*
 * KvamRelInfoKeyed returns the relation's info and raises a clear error if
 * the table has no kvam_key index yet.
 */
extern KvamRelInfo *KvamRelInfoKeyed(Relation rel);

/*
 * KvamSlotKey encodes the key of the row in 'slot' into 'key' (reset
 * first).  Raises not_null_violation for NULL key columns.  For a table
 * without its key index yet (rows staged by COPY, as pg_restore loads data
 * before it creates indexes) it returns a unique synthetic key; building
 * the key index re-keys those rows.
 */
extern void KvamSlotKey(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
						StringInfo key);

#define KVAM_SYNTHETIC_KEY_LEN (KVAM_KEY_HASH_BYTES + 1 + 4 + 4 + 8)

/* KvamKeyIsSynthetic: is this a staged row's synthetic key? */
extern bool KvamKeyIsSynthetic(const char *key, Size keylen);

/*
 * KvamFormVersion builds a put version from 'slot' (toasting large values
 * into the relation's toast table) or, with slot == NULL, a tombstone or
 * lock marker per 'flags'.  Sets xmin to the current transaction id.
 */
extern KvamVersion KvamFormVersion(Relation rel, TupleTableSlot *slot,
								   const char *key, Size keylen, CommandId cid,
								   uint16 flags, int options, Size *vlen);

/*
 * KvamStoreVersion stores a put version into a heap-tuple slot as a copy
 * (the slot owns it), with tts_tid = tid.
 */
extern void KvamStoreVersion(Relation rel, TupleTableSlot *slot,
							 KvamVersion v, Size len, ItemPointer tid);

/* KvamPartitionOfKey returns the partition index holding an encoded key. */
extern int	KvamPartitionOfKey(KvamRelInfo *info, const char *key);

/* KvamKeyIndexName returns the key index's name for messages (palloc'd). */
extern char *KvamKeyIndexName(KvamRelInfo *info);

/* ---------- scan.c ---------- */

extern const TupleTableSlotOps *kvam_slot_callbacks(Relation rel);
extern TableScanDesc kvam_scan_begin(Relation rel, Snapshot snapshot, int nkeys,
									 struct ScanKeyData *key,
									 ParallelTableScanDesc pscan, uint32 flags);
extern void kvam_scan_end(TableScanDesc scan);
extern void kvam_scan_rescan(TableScanDesc scan, struct ScanKeyData *key,
							 bool set_params, bool allow_strat,
							 bool allow_sync, bool allow_pagemode);
extern bool kvam_scan_getnextslot(TableScanDesc scan, ScanDirection direction,
								  TupleTableSlot *slot);
extern Size kvam_parallelscan_estimate(Relation rel);
extern Size kvam_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan);
extern void kvam_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan);
extern struct IndexFetchTableData *kvam_index_fetch_begin(Relation rel);
extern void kvam_index_fetch_reset(struct IndexFetchTableData *data);
extern void kvam_index_fetch_end(struct IndexFetchTableData *data);
extern bool kvam_index_fetch_tuple(struct IndexFetchTableData *scan,
								   ItemPointer tid, Snapshot snapshot,
								   TupleTableSlot *slot, bool *call_again,
								   bool *all_dead);
extern bool kvam_tuple_fetch_row_version(Relation rel, ItemPointer tid,
										 Snapshot snapshot, TupleTableSlot *slot);
extern bool kvam_tuple_tid_valid(TableScanDesc scan, ItemPointer tid);
extern void kvam_tuple_get_latest_tid(TableScanDesc scan, ItemPointer tid);
extern bool kvam_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot,
										  Snapshot snapshot);

/*
 * KvamFetchVisible: the version of the key stored at 'tid' that 'snapshot'
 * sees, if it is the version at 'tid'.  Returns a palloc'd copy or NULL.
 */
extern KvamVersion KvamFetchVisibleAt(Relation rel, ItemPointer tid,
									  Snapshot snapshot, Size *len);

/*
 * Hand-off from the kvam_key index scan to index_fetch_tuple: the scan
 * already chose the visible version for the scan's snapshot, so the fetch
 * need not look the key up again.
 */
extern void KvamFetchHintSet(Relation rel, ItemPointer tid, Snapshot snapshot,
							 KvamVersion v, Size len);

/* ---------- modify.c ---------- */

extern void kvam_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid,
							  int options, struct BulkInsertStateData *bistate);
extern void kvam_tuple_insert_speculative(Relation rel, TupleTableSlot *slot,
										  CommandId cid, int options,
										  struct BulkInsertStateData *bistate,
										  uint32 specToken);
extern void kvam_tuple_complete_speculative(Relation rel, TupleTableSlot *slot,
											uint32 specToken, bool succeeded);
extern void kvam_multi_insert(Relation rel, TupleTableSlot **slots, int ntuples,
							  CommandId cid, int options,
							  struct BulkInsertStateData *bistate);
extern TM_Result kvam_tuple_delete(Relation rel, ItemPointer tid, CommandId cid,
								   Snapshot snapshot, Snapshot crosscheck,
								   bool wait, TM_FailureData *tmfd,
								   bool changingPart);
extern TM_Result kvam_tuple_update(Relation rel, ItemPointer otid,
								   TupleTableSlot *slot, CommandId cid,
								   Snapshot snapshot, Snapshot crosscheck,
								   bool wait, TM_FailureData *tmfd,
								   LockTupleMode *lockmode, bool *update_indexes);
extern TM_Result kvam_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot,
								 TupleTableSlot *slot, CommandId cid,
								 LockTupleMode mode, LockWaitPolicy wait_policy,
								 uint8 flags, TM_FailureData *tmfd);

/* ---------- relation.c ---------- */

extern void kvam_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
										   char persistence,
										   TransactionId *freezeXid,
										   MultiXactId *minmulti);
extern void kvam_relation_nontransactional_truncate(Relation rel);
extern void kvam_relation_copy_data(Relation rel, const RelFileNode *newrnode);
extern void kvam_relation_copy_for_cluster(Relation OldTable, Relation NewTable,
										   Relation OldIndex, bool use_sort,
										   TransactionId OldestXmin,
										   TransactionId *xid_cutoff,
										   MultiXactId *multi_cutoff,
										   double *num_tuples,
										   double *tups_vacuumed,
										   double *tups_recently_dead);
extern void kvam_relation_vacuum(Relation rel, struct VacuumParams *params,
								 BufferAccessStrategy bstrategy);
extern bool kvam_scan_analyze_next_block(TableScanDesc scan, BlockNumber blockno,
										 BufferAccessStrategy bstrategy);
extern bool kvam_scan_analyze_next_tuple(TableScanDesc scan, TransactionId OldestXmin,
										 double *liverows, double *deadrows,
										 TupleTableSlot *slot);
extern double kvam_index_build_range_scan(Relation table_rel, Relation index_rel,
										struct IndexInfo *index_info,
										bool allow_sync, bool anyvisible,
										bool progress, BlockNumber start_blockno,
										BlockNumber numblocks,
										IndexBuildCallback callback,
										void *callback_state, TableScanDesc scan);
extern void kvam_index_validate_scan(Relation table_rel, Relation index_rel,
									 struct IndexInfo *index_info, Snapshot snapshot,
									 struct ValidateIndexState *state);
extern bool kvam_relation_needs_toast_table(Relation rel);
extern Oid kvam_relation_toast_am(Relation rel);
extern void kvam_estimate_rel_size(Relation rel, int32 *attr_widths,
								   BlockNumber *pages, double *tuples,
								   double *allvisfrac);
extern bool kvam_scan_sample_next_block(TableScanDesc scan,
										struct SampleScanState *scanstate);
extern bool kvam_scan_sample_next_tuple(TableScanDesc scan,
										struct SampleScanState *scanstate,
										TupleTableSlot *slot);

/*
 * Key-addressed access for the DynamoDB API (see modify.c): the newest
 * state of a key, waiting for running writers (and keeping later writers
 * out until the transaction ends: KvamKeyLockLatest); insert unless
 * present.
 */
extern bool KvamKeyFetchLatest(Relation rel, const char *key, Size keylen,
							   TupleTableSlot *slot);
extern bool KvamKeyLockLatest(Relation rel, const char *key, Size keylen,
							  TupleTableSlot *slot, CommandId cid);
extern bool KvamKeyInsertIfAbsent(Relation rel, TupleTableSlot *slot,
								  CommandId cid);

/* KvamRekeyStaged: see modify.c.  Returns the number of rows re-keyed. */
extern double KvamRekeyStaged(Relation rel, KvamRelInfo *info);

/* ---------- flush.c ---------- */

/*
 * KvamFreezeMemtable freezes the partition's active memtable (non-empty,
 * no frozen one yet): the next append starts a new L0 page.  Partition
 * lock held exclusively.
 */
extern void KvamFreezeMemtable(KvamPart *p);

/*
 * KvamFlushFrozen flushes partition 'idx's frozen memtable into a new
 * level-0 run, holding the partition lock only to claim the memtable and
 * to publish the run, then retires the unlinked L0 pages.  It compacts
 * only to make room (KvamCompactForRoom, lsm/compact.h).  Returns the
 * versions written, or -1 if there is no frozen memtable, another backend
 * is flushing it, or a split or merge of the partition waits for the claim
 * (which is then given back to it, and the call sleeps 10 ms so that
 * the waiter can take it).  No kvam lock may be held by the
 * caller.  May raise any error of run building; the claim is then given
 * back.
 */
extern int64 KvamFlushFrozen(Relation rel, KvamRelInfo *info, int idx);

/*
 * KvamFlushPartition flushes everything partition 'idx' holds in L0 when
 * called: the frozen memtable (waiting for its flusher if another backend
 * has it) and the active one.  Returns the versions this call wrote.  No
 * kvam lock may be held by the caller.
 */
extern uint64 KvamFlushPartition(Relation rel, KvamRelInfo *info, int idx);

#endif							/* KVAM_AM_H */
