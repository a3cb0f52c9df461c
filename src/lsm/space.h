/*-------------------------------------------------------------------------
 *
 * space.h
 *	  Space management of a kvam relation: the free-extent list, reuse
 *	  after the snapshot horizon, the orphan sweep and tail truncation.
 *
 * Pages leave use when compaction replaces runs, when a flush empties L0
 * (the old chain), and when a backend fails or the server crashes between
 * writing a run and publishing it (orphans).  Such pages are "retired":
 * recorded in the free map (one page of KVAM_PAGE_FREEMAP whose block the
 * metapage names) with the full xid of the retiring transaction (the next
 * xid if it has none).  A retired extent is reused only once every
 * snapshot of the database is newer than that (
 * GlobalVisTestIsRemovableFullXid), because a reader that took a view of
 * the manifest earlier may still read the pages.  Reuse logs a hot-standby
 * conflict horizon first.
 *
 * Invariants:
 *	- a block is in at most one of: metapage, a manifest, the free map, the
 *	  extent of a published run, an L0 chain, a free extent;
 *	- free-map edits are WAL-logged (full page image) under the free map's
 *	  exclusive buffer lock; a crash can only leave pages in none of the
 *	  structures above (orphans), never in two;
 *	- a backend that allocates run space holds the allocation lock (a
 *	  heavyweight page lock on block 0, ShareLock) from allocation until it
 *	  has published the run or its transaction ends; the sweep treats
 *	  unpublished run pages as orphans only with the lock in ExclusiveLock.
 *
 * IDENTIFICATION
 *	  src/lsm/space.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_SPACE_H
#define KVAM_LSM_SPACE_H

#include "access/transam.h"
#include "utils/rel.h"

#include "lsm/meta.h"

/* One free extent.  Stored on disk: versioned with KVAM_PAGE_FORMAT. */
typedef struct KvamFreeExtent
{
	BlockNumber start;
	BlockNumber nblocks;
	FullTransactionId retired;	/* xid of the retiring transaction (or the
								 * next xid); reusable once every snapshot
								 * is newer */
	uint32		owner;			/* 0: anyone; partition id + 1: reserved
								 * for that partition's L0 pages */
	uint32		pad;
} KvamFreeExtent;

/*
 * L0 pages are taken from free space in chunks of this many blocks
 * reserved for one partition, so that a partition's L0 chain is made of
 * contiguous stretches and a flushed chain leaves few, large holes.
 */
#define KVAM_L0_CHUNK_BLOCKS	32

typedef struct KvamFreeMapData
{
	uint32		nextents;
	uint32		pad;
	uint64		reused;			/* blocks handed out again, ever */
	uint64		retired;		/* blocks retired, ever */
	KvamFreeExtent ext[FLEXIBLE_ARRAY_MEMBER];	/* by start, disjoint, not
												 * adjacent */
} KvamFreeMapData;

typedef KvamFreeMapData *KvamFreeMap;

#define KvamPageGetFreeMap(page) ((KvamFreeMap) PageGetContents(page))
#define KvamFreeMapSize(n) \
	(offsetof(KvamFreeMapData, ext) + (n) * sizeof(KvamFreeExtent))
#define KVAM_FREEMAP_MAX_EXTENTS \
	((BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	  MAXALIGN(sizeof(KvamPageOpaqueData)) - \
	  offsetof(KvamFreeMapData, ext)) / sizeof(KvamFreeExtent))

/* KvamFreeMapInitPage formats an empty free-map page image. */
extern void KvamFreeMapInitPage(Page page);

/*
 * KvamSpaceAlloc takes 'nblocks' contiguous reusable blocks from the free
 * list (first fit from the start of the relation), WAL-logged, and returns the first, or InvalidBlockNumber
 * if no reusable extent is large enough.  Caller holds the allocation lock
 * (KvamSpaceLockAlloc) and no buffer lock.
 */
extern BlockNumber KvamSpaceAlloc(Relation rel, BlockNumber nblocks);

/*
 * KvamSpaceAllocBelow is KvamSpaceAlloc restricted to extents that end at
 * or before block 'limit' (exclusive; InvalidBlockNumber: no limit): run
 * relocation (lsm/relocate.h) must place a run below the tail it empties.
 */
extern BlockNumber KvamSpaceAllocBelow(Relation rel, BlockNumber nblocks,
									   BlockNumber limit);

/*
 * KvamSpaceReusable returns (palloc'd, by start, *n of them) the free
 * extents KvamSpaceAlloc could hand out now: reusable, of no owner, with
 * reusable neighbours merged.  A snapshot for planning; takes the free
 * map's share lock only while copying.
 */
extern KvamFreeExtent *KvamSpaceReusable(Relation rel, KvamRelInfo *info,
										 int *n);

/*
 * KvamSpaceAllocPage returns a block for a new L0 page of partition
 * 'partid', zeroed and exclusively locked (the caller initialises it in
 * the critical section that links it into its chain): from the chunk
 * reserved for the partition, else from a new chunk cut from reusable free
 * space, else from a chunk added at the end of the relation.  Needs no
 * allocation lock (an L0 page is linked before its buffer lock is
 * released).  Caller holds the partition lock and no other buffer lock.
 */
extern Buffer KvamSpaceAllocPage(Relation rel, uint32 partid);

/*
 * KvamSpaceLockAlloc takes the allocation lock in ShareLock; it is held to
 * the end of the transaction unless KvamSpaceUnlockAlloc is called (once
 * per call) after the allocated space is published.
 */
extern void KvamSpaceLockAlloc(Relation rel);
extern void KvamSpaceUnlockAlloc(Relation rel);

/*
 * KvamSpaceRetire adds [start, start + nblocks) to the free list, retired
 * now (reusable once every current snapshot is gone), WAL-logged.  With
 * 'now' false the extent is reusable at once (it was never visible).
 * Caller holds no buffer lock.  If the free map is full, the extent is
 * left out (an orphan that a later sweep finds again).
 */
extern void KvamSpaceRetire(Relation rel, BlockNumber start,
							BlockNumber nblocks, bool now);

/*
 * KvamSpaceRetireExtents retires several extents (start and nblocks of
 * each; 'retired' is ignored) in one free-map edit.  Same rules.
 */
extern void KvamSpaceRetireExtents(Relation rel, const KvamFreeExtent *ext,
								   int n, bool now);

/*
 * KvamSpaceRetireChain retires the pages of an L0 chain that a flush has
 * just unlinked from partition 'partid': from 'head' up to and including
 * 'last' (or to the chain's end if 'last' is invalid), in one free-map
 * edit.  The caller makes sure those pages are stable (immutable, linked
 * from nowhere any more) and holds the allocation lock from before the
 * manifest edit that unlinked them until after this call, so that the
 * sweep cannot take them for orphans in between (which would free them
 * twice).
 */
extern void KvamSpaceRetireChain(Relation rel, uint32 partid, BlockNumber head,
								 BlockNumber last);

/*
 * KvamL0ChainWalk calls 'visit' for each page of partition 'partid's L0
 * chain from 'head', with the page share-locked.  Stops at the end of the
 * chain, or at a page that is not an L0 page of the partition (a chain
 * flushed meanwhile, whose pages were reused), whose block it returns
 * (InvalidBlockNumber at a normal end).  Takes no partition lock.
 */
typedef void (*KvamL0PageVisitor) (BlockNumber blk, Page page, void *arg);

extern BlockNumber KvamL0ChainWalk(Relation rel, uint32 partid,
								   BlockNumber head, KvamL0PageVisitor visit,
								   void *arg);

/* KvamL0ChainWalkTo is KvamL0ChainWalk that also stops after page 'last'. */
extern BlockNumber KvamL0ChainWalkTo(Relation rel, uint32 partid,
									 BlockNumber head, BlockNumber last,
									 KvamL0PageVisitor visit, void *arg);

/*
 * KvamSpaceSweep finds pages that are in no structure (flushed L0 chains,
 * unpublished runs, never-initialised pages after a crash) and retires
 * them.  Reads every block not covered by a run, free extent or fixed page.
 * Caller holds a lock on 'rel' that excludes TRUNCATE (VACUUM's or
 * RowExclusiveLock) and no partition or buffer lock.  Returns blocks
 * retired.
 */
extern BlockNumber KvamSpaceSweep(Relation rel, KvamRelInfo *info);

/*
 * KvamSpaceTruncate cuts free extents at the end of the relation off, if
 * an AccessExclusiveLock can be had without waiting.  Returns the blocks
 * cut off.
 */
extern BlockNumber KvamSpaceTruncate(Relation rel, KvamRelInfo *info);

/*
 * KvamSpaceReleaseChunks gives the L0 chunks reserved for partition
 * 'partid' (split or merged away: it appends no more) back to the free
 * space, reusable at once (nothing was ever written there for it).
 * Caller holds no buffer lock.
 */
extern void KvamSpaceReleaseChunks(Relation rel, uint32 partid);

/*
 * KvamSpaceReadMap copies the free map (palloc'd), for kvam.check and
 * kvam.partitions.
 */
extern KvamFreeMap KvamSpaceReadMap(Relation rel, KvamRelInfo *info);

/*
 * KvamSpaceBlockMap marks in 'owner' (one byte per block of [0, nblocks))
 * the blocks of the metapage, manifests, free map, run extents and L0
 * chains; doubly used blocks are counted in *doubles and reported through
 * 'report' (may be NULL).  Used by the sweep and by kvam.check.
 */
#define KVAM_OWN_NONE	0
#define KVAM_OWN_FIXED	1
#define KVAM_OWN_RUN	2
#define KVAM_OWN_L0		3
#define KVAM_OWN_FREE	4

typedef void (*KvamSpaceReport) (void *arg, BlockNumber blk, const char *what);

extern void KvamSpaceBlockMap(Relation rel, KvamRelInfo *info,
							  BlockNumber nblocks, uint8 *owner,
							  KvamSpaceReport report, void *arg);

#endif							/* KVAM_LSM_SPACE_H */
