/*-------------------------------------------------------------------------
 *
 * l0.h
 *	  L0 of a partition: the append-only chain of version pages that is the
 *	  durable memtable, and access to a partition's shared state.
 *
 * IDENTIFICATION
 *	  src/lsm/l0.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_L0_H
#define KVAM_LSM_L0_H

#include "lsm/memtable.h"
#include "lsm/meta.h"
#include "wal/xlog.h"

/*
 * KvamPartAcquire returns the shared state of partition 'idx' of 'rel',
 * locked in 'mode', with its memtable indexing all of L0 (rebuilding or
 * catching up from the L0 pages when needed).  Returns NULL, holding
 * nothing, if the partition no longer exists (split or merged: 'info' is
 * stale and marked superseded); the caller reloads the map
 * (KvamRelGetInfo) and retries.  While the lock is held the partition
 * stays in the map (a split or merge needs it exclusively).
 */
extern KvamPart *KvamPartAcquire(Relation rel, KvamRelInfo *info, int idx,
								 LWLockMode mode);

/* KvamPartRelease releases the partition lock. */
extern void KvamPartRelease(KvamPart *p);

/*
 * KvamPartSetRunCounts records the run counts of manifest 'mf' in the
 * partition's slot (what the write stall and the auto-admin look at).
 * Partition lock held exclusively.
 */
extern void KvamPartSetRunCounts(KvamPart *p, KvamManifest mf);

/*
 * KvamPartRefreshRuns re-reads partition 'idx's manifest into its slot's
 * run counts (after a compaction, which edits the manifest without the
 * partition lock) and wakes writers waiting on them.  No lock held.
 */
extern void KvamPartRefreshRuns(Relation rel, KvamRelInfo *info, int idx);

/*
 * KvamKeyLock returns the key lock of encoded key 'key' of 'rel' (shmem.h);
 * the caller acquires and releases it.
 */
extern LWLock *KvamKeyLock(Relation rel, const char *key, Size keylen);

/*
 * KvamL0Append appends version 'v' (vlen bytes, key inside) to the
 * partition's L0, WAL-logs it, indexes it in the memtable and returns its
 * TID.  Caller holds the partition lock exclusively.  'v->birth' is set to
 * the new TID.  'chg' says what logical decoding makes of the version
 * (wal/xlog.h); NULL: nothing (not a change).
 */
extern void KvamL0Append(Relation rel, KvamRelInfo *info, int idx,
						 KvamPart *p, KvamVersion v, Size vlen,
						 ItemPointer tid, KvamXlogChange *chg);

/*
 * KvamVersionFetch copies the version stored at 'tid' into palloc'd
 * memory, or returns NULL if 'tid' does not address a version item of a
 * kvam L0 or run data page.  'tid' must lie inside the relation (it came
 * from kvam's own structures or a scan of it).
 */
extern KvamVersion KvamVersionFetch(Relation rel, ItemPointer tid, Size *len);

/* KvamVersionFetchUser: the same for any TID, also past the end. */
extern KvamVersion KvamVersionFetchUser(Relation rel, ItemPointer tid, Size *len);

/* KvamVersionSize returns the item size of a version. */
extern Size KvamVersionSize(KvamVersion v, Size tuplen);

#endif							/* KVAM_LSM_L0_H */
