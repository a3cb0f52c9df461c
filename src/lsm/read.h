/*-------------------------------------------------------------------------
 *
 * read.h
 *	  Reading a partition: all versions of one key (point lookups) and
 *	  ordered iteration over key groups (scans), merging the memtable and
 *	  the runs.
 *
 * Versions of one key are always produced newest first: L0 (memtable
 * order), then runs from newest to oldest, each run's versions of the key
 * newest first.  That order equals commit order of the writers among
 * versions that can both be visible, because writers of one key wait for
 * each other (am/modify.c).
 *
 * IDENTIFICATION
 *	  src/lsm/read.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_READ_H
#define KVAM_LSM_READ_H

#include "lsm/l0.h"

/*
 * Visitor over the versions of one key.  'v' is valid only during the
 * call.  Return true to stop.
 */
typedef bool (*KvamVersionVisitor) (KvamVersion v, Size len, ItemPointer tid,
									void *arg);

/*
 * KvamLookupKey visits the versions of 'key' in partition 'idx', newest
 * first.  It takes the partition lock in shared mode just long enough to
 * copy the key's memtable TIDs and the run list, and calls 'visit' with no
 * partition lock held; the caller must not hold it either.  Versions
 * written after that copy are not seen: writers that must see every
 * version of the key hold its key lock (KvamKeyLockFor), which every
 * writer of the key takes before appending.
 */
extern void KvamLookupKey(Relation rel, KvamRelInfo *info, int idx,
						  const char *key, Size keylen,
						  KvamVersionVisitor visit, void *arg);

/* One key group produced by an iterator. */
typedef struct KvamKeyGroup
{
	int			n;				/* versions, newest first */
	int			cap;
	KvamVersion *v;				/* palloc'd copies in the iterator's group
								 * context, valid until the next call */
	Size	   *len;
	ItemPointerData *tid;
} KvamKeyGroup;

typedef struct KvamIter KvamIter;

/*
 * KvamIterBegin opens an ordered iterator over partition 'idx' restricted
 * to keys in [lower, upper] (upper inclusive or not; NULL bounds are
 * open).  It takes a consistent view of the partition (memtable entries in
 * range and the run list) under the partition lock and releases the lock
 * before returning; later writes are not seen, which is what MVCC scans
 * need because they cannot see them anyway.
 */
extern KvamIter *KvamIterBegin(Relation rel, KvamRelInfo *info, int idx,
							   const char *lower, Size lowerlen,
							   const char *upper, Size upperlen,
							   bool upper_inclusive);

/*
 * KvamIterBeginFrozen opens an iterator over the runs of 'mf' and, if
 * 'with_frozen', the whole of the frozen memtable of 'p', for a flusher
 * that claimed the partition (p->flush_pid == MyProcPid) and holds no
 * lock.  'with_frozen' must be true only if the partition had its frozen
 * memtable when the claim was taken (a memtable frozen later may still be
 * changing under us).
 */
extern KvamIter *KvamIterBeginFrozen(Relation rel, KvamPart *p,
									 bool with_frozen, KvamManifest mf);

/*
 * KvamIterNext fills 'g' with the next key's versions; false at the end.
 */
extern bool KvamIterNext(KvamIter *it, KvamKeyGroup *g);

extern void KvamIterEnd(KvamIter *it);

/*
 * Bounds of a run iterator restricted to hashes [lo, hi] and to the run
 * reference's own hash range (a run shared by two partitions after a
 * split holds keys of both).
 */
typedef struct KvamRunBounds
{
	const char *lower;
	Size		lowerlen;
	const char *upper;
	Size		upperlen;
	bool		upper_inclusive;
	char		lobuf[KVAM_KEY_HASH_BYTES];
	char		hibuf[KVAM_KEY_HASH_BYTES];
} KvamRunBounds;

/*
 * KvamRunBoundsFor fills *b with the tighter of the caller's bounds
 * (lower/upper, NULL: none) and the hash range [lo, hi] intersected with
 * the reference's.  Returns false if nothing of the run is in range.  'b'
 * points into itself: pass it to KvamRunIterBegin while it lives.
 */
extern bool KvamRunBoundsFor(const KvamRunRef *ref, uint64 lo, uint64 hi,
							 const char *lower, Size lowerlen,
							 const char *upper, Size upperlen,
							 bool upper_inclusive, KvamRunBounds *b);

#endif							/* KVAM_LSM_READ_H */
