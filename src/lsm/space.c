/*-------------------------------------------------------------------------
 *
 * space.c
 *	  Free extents of a kvam relation: retire, reuse after the horizon,
 *	  sweep orphans, truncate the tail (see space.h for the invariants).
 *
 * The free map is one page.  Extents are kept sorted by start; adjacent
 * ones are merged only when that delays no block's reuse: retired under
 * the same xid, or both reusable already (each retiring edit first merges
 * what has become reusable).  When the page is full, the adjacent pair
 * whose merge delays the fewest blocks is merged (keeping the later
 * retirement: never reusable early); with no adjacent pair the new extent
 * is left out, an orphan which the next sweep finds again.
 *
 * The sweep works in two phases so that no lock writers wait on is held
 * across more than a few page reads:
 *	1. without locks: map every block to its owner (fixed pages, run
 *	   extents, L0 chains, free extents), read the blocks no one owns and
 *	   keep as candidates the zero pages, the run pages and the L0 pages
 *	   that a second walk of the chains still does not reach (a chain grows
 *	   only by blocks that were new or free when the first map was made,
 *	   never by an unowned one, so an unreached L0 page stays so);
 *	2. with the allocation lock in ExclusiveLock (taken conditionally: no
 *	   run is being written or waiting for publication) and, for zero
 *	   pages, the relation extension lock: re-read the run extents and the
 *	   free map, re-read each candidate, and retire those still unowned and
 *	   unchanged.
 *
 * IDENTIFICATION
 *	  src/lsm/space.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/storage.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "lsm/space.h"
#include "kvam.h"
#include "wal/xlog.h"

void
KvamFreeMapInitPage(Page page)
{
	KvamPageInit(page, KVAM_PAGE_FREEMAP, 0);
	memset(PageGetContents(page), 0, KvamFreeMapSize(0));
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) +
		KvamFreeMapSize(0);
}

/* Read and exclusively lock the free-map page; checks its type. */
static Buffer
lock_map(Relation rel, KvamRelInfo *info, int mode)
{
	Buffer		buf = ReadBuffer(rel, info->freemap);
	Page		page;

	LockBuffer(buf, mode);
	page = BufferGetPage(buf);
	if (KvamPageType(page) != KVAM_PAGE_FREEMAP)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("kvam free map page %u of relation \"%s\" is invalid",
						info->freemap, RelationGetRelationName(rel))));
	return buf;
}

/*
 * Finish an edit of the locked map page: dirty, log the new contents
 * (XLOG_KVAM_FREEMAP; a full image only after a checkpoint).  Caller is
 * in its critical section.
 */
static void
map_edited(Relation rel, Buffer buf)
{
	Page		page = BufferGetPage(buf);
	Size		size = KvamFreeMapSize(KvamPageGetFreeMap(page)->nextents);

	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) + size;
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
	{
		XLogRecPtr	recptr;

		XLogBeginInsert();
		XLogRegisterBuffer(0, buf, REGBUF_STANDARD);
		XLogRegisterBufData(0, PageGetContents(page), size);
		recptr = XLogInsert(RM_KVAM_ID, XLOG_KVAM_FREEMAP);
		PageSetLSN(page, recptr);
	}
}

static bool insert_extent(KvamFreeMap fm, GlobalVisState *vistest,
						  BlockNumber start, BlockNumber nblocks,
						  FullTransactionId when, uint32 owner);

static inline bool
reusable(GlobalVisState *vistest, FullTransactionId retired)
{
	return !FullTransactionIdIsValid(retired) ||
		GlobalVisTestIsRemovableFullXid(vistest, retired);
}

/*
 * Two adjacent extents merge freely only if that makes no space wait
 * longer: when they were retired under the same xid, or when both are
 * reusable already (reusability only grows: the later retirement of a
 * reusable pair is reusable too, and stays the conflict horizon of the
 * reuse).  A pending extent never merges with a neighbour retired under
 * another xid here: the result would take the later horizon, and under a
 * steady write load a growing extent's horizon would move forward with
 * every retirement next to it and never be reached.  Only make_room, when
 * the map is full, merges pending extents, choosing what delays least.
 */
static inline bool
can_merge(GlobalVisState *vistest, FullTransactionId a, FullTransactionId b)
{
	return FullTransactionIdEquals(a, b) ||
		(reusable(vistest, a) && reusable(vistest, b));
}

static void
remove_extent(KvamFreeMap fm, uint32 i)
{
	memmove(&fm->ext[i], &fm->ext[i + 1],
			(fm->nextents - i - 1) * sizeof(KvamFreeExtent));
	fm->nextents--;
}

/*
 * mergeable: are ext[i] and ext[i + 1] adjacent, of one owner, and free to
 * merge (can_merge)?
 */
static inline bool
mergeable(KvamFreeMap fm, GlobalVisState *vistest, uint32 i)
{
	KvamFreeExtent *a = &fm->ext[i];
	KvamFreeExtent *b = &fm->ext[i + 1];

	return a->start + a->nblocks == b->start && a->owner == b->owner &&
		can_merge(vistest, a->retired, b->retired);
}

/* Merge ext[i + 1] into ext[i], keeping the later retirement. */
static void
merge_with_next(KvamFreeMap fm, uint32 i)
{
	KvamFreeExtent *a = &fm->ext[i];
	KvamFreeExtent *b = &fm->ext[i + 1];

	a->nblocks += b->nblocks;
	if (FullTransactionIdFollows(b->retired, a->retired))
		a->retired = b->retired;
	remove_extent(fm, i + 1);
}

/*
 * coalesce_map merges, in place, the adjacent extents that are free to
 * merge (in practice: those that have both become reusable), so that
 * allocations find the largest extents.  Cannot fail (may run in a
 * critical section).  Returns whether it changed the map.
 */
static bool
coalesce_map(KvamFreeMap fm, GlobalVisState *vistest)
{
	bool		any = false;

	for (uint32 i = 0; i + 1 < fm->nextents;)
	{
		if (mergeable(fm, vistest, i))
		{
			merge_with_next(fm, i);
			any = true;
		}
		else
			i++;
	}
	return any;
}

/*
 * coalesce is coalesce_map in its own WAL-logged edit of the exclusively
 * locked map (none if nothing merges).
 */
static void
coalesce(Relation rel, Buffer buf, GlobalVisState *vistest)
{
	KvamFreeMap fm = KvamPageGetFreeMap(BufferGetPage(buf));
	bool		any = false;

	for (uint32 i = 0; i + 1 < fm->nextents && !any; i++)
		any = mergeable(fm, vistest, i);
	if (!any)
		return;

	START_CRIT_SECTION();
	coalesce_map(fm, vistest);
	map_edited(rel, buf);
	END_CRIT_SECTION();
}

/*
 * make_room frees a slot of a full map by merging the adjacent pair (of
 * one owner) whose merge delays the fewest blocks: the merged extent keeps
 * the later retirement, so the blocks of the earlier one wait longer.
 * Never makes space reusable earlier.  Returns false if no two extents
 * are adjacent.  Cannot fail.
 */
static bool
make_room(KvamFreeMap fm, GlobalVisState *vistest)
{
	int64		best = -1;
	uint64		bestcost = PG_UINT64_MAX;

	for (uint32 i = 0; i + 1 < fm->nextents; i++)
	{
		KvamFreeExtent *a = &fm->ext[i];
		KvamFreeExtent *b = &fm->ext[i + 1];
		uint64		cost;

		if (a->start + a->nblocks != b->start || a->owner != b->owner)
			continue;
		if (can_merge(vistest, a->retired, b->retired))
			cost = 0;
		else if (FullTransactionIdPrecedes(a->retired, b->retired))
			cost = a->nblocks;
		else
			cost = b->nblocks;
		if (cost < bestcost)
		{
			best = i;
			bestcost = cost;
		}
	}
	if (best < 0)
		return false;
	merge_with_next(fm, (uint32) best);
	return true;
}

void
KvamSpaceLockAlloc(Relation rel)
{
	LockPage(rel, KVAM_METAPAGE_BLKNO, ShareLock);
}

void
KvamSpaceUnlockAlloc(Relation rel)
{
	UnlockPage(rel, KVAM_METAPAGE_BLKNO, ShareLock);
}

/*
 * KvamSpaceAlloc: first fit, lowest block first, among the reusable
 * extents: data drifts to the front of the relation and free space
 * gathers at the end, where VACUUM can cut it off.  Logs the conflict
 * horizon of the reuse before handing the blocks out.
 */
BlockNumber
KvamSpaceAlloc(Relation rel, BlockNumber nblocks)
{
	return KvamSpaceAllocBelow(rel, nblocks, InvalidBlockNumber);
}

/*
 * KvamSpaceAllocBelow: KvamSpaceAlloc whose extent must end at or before
 * block 'limit' (InvalidBlockNumber: anywhere).
 */
BlockNumber
KvamSpaceAllocBelow(Relation rel, BlockNumber nblocks, BlockNumber limit)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	GlobalVisState *vistest = GlobalVisTestFor(rel);
	Buffer		buf;
	KvamFreeMap fm;
	KvamFreeExtent *e;
	BlockNumber start;
	int			best = -1;

	buf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	coalesce(rel, buf, vistest);
	fm = KvamPageGetFreeMap(BufferGetPage(buf));
	for (uint32 i = 0; i < fm->nextents; i++)
	{
		e = &fm->ext[i];
		if (e->owner != 0 || e->nblocks < nblocks ||
			!reusable(vistest, e->retired))
			continue;
		if (e->start > limit || limit - e->start < nblocks)
			break;				/* every later extent starts higher */
		best = i;
		break;
	}
	if (best < 0)
	{
		UnlockReleaseBuffer(buf);
		return InvalidBlockNumber;
	}
	e = &fm->ext[best];
	if (FullTransactionIdIsValid(e->retired))
		KvamXlogConflict(rel, XidFromFullTransactionId(e->retired),
						 XLKVAM_CONFLICT_REUSE);

	START_CRIT_SECTION();
	start = e->start;
	e->start += nblocks;
	e->nblocks -= nblocks;
	if (e->nblocks == 0)
		remove_extent(fm, best);
	fm->reused += nblocks;
	map_edited(rel, buf);
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
	return start;
}

/*
 * KvamSpaceAllocPage: see space.h.  The buffer lock on the block handed
 * out is taken before the free map's is released, so the sweep (which
 * reads the free map, then the page) never sees the block both unowned and
 * unchanged.
 */
Buffer
KvamSpaceAllocPage(Relation rel, uint32 partid)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	GlobalVisState *vistest = GlobalVisTestFor(rel);
	uint32		owner = partid + 1;
	Buffer		mapbuf;
	Buffer		buf;
	KvamFreeMap fm;
	KvamFreeExtent *e = NULL;
	BlockNumber first;
	BlockNumber take;
	int			found = -1;
	bool		needlock = !RELATION_IS_LOCAL(rel);

	mapbuf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	fm = KvamPageGetFreeMap(BufferGetPage(mapbuf));

	/* the partition's own chunk */
	for (uint32 i = 0; i < fm->nextents && found < 0; i++)
		if (fm->ext[i].owner == owner)
			found = i;
	if (found >= 0)
	{
		e = &fm->ext[found];
		buf = ReadBufferExtended(rel, MAIN_FORKNUM, e->start, RBM_ZERO_AND_LOCK, NULL);
		START_CRIT_SECTION();
		e->start++;
		e->nblocks--;
		if (e->nblocks == 0)
			remove_extent(fm, found);
		fm->reused++;
		map_edited(rel, mapbuf);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(mapbuf);
		return buf;
	}

	/* a new chunk from reusable free space */
	coalesce(rel, mapbuf, vistest);
	for (uint32 i = 0; i < fm->nextents && found < 0; i++)
		if (fm->ext[i].owner == 0 && reusable(vistest, fm->ext[i].retired))
			found = i;
	if (found >= 0)
	{
		e = &fm->ext[found];
		take = Min(e->nblocks, KVAM_L0_CHUNK_BLOCKS);
		if (fm->nextents >= KVAM_FREEMAP_MAX_EXTENTS)
			take = 1;			/* no room to record a remainder */
		if (FullTransactionIdIsValid(e->retired))
			KvamXlogConflict(rel, XidFromFullTransactionId(e->retired),
							 XLKVAM_CONFLICT_REUSE);
		first = e->start;
		buf = ReadBufferExtended(rel, MAIN_FORKNUM, first, RBM_ZERO_AND_LOCK, NULL);
		START_CRIT_SECTION();
		e->start += take;
		e->nblocks -= take;
		if (e->nblocks == 0)
			remove_extent(fm, found);
		if (take > 1)
			insert_extent(fm, vistest, first + 1, take - 1,
						  InvalidFullTransactionId, owner);
		fm->reused += take;
		map_edited(rel, mapbuf);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(mapbuf);
		return buf;
	}
	UnlockReleaseBuffer(mapbuf);

	/*
	 * A new chunk at the end.  The rest of the chunk is recorded as reserved
	 * while the extension lock is still held, so that the sweep (which
	 * checks never-initialised pages under that lock) never takes it for
	 * an orphan.
	 */
	if (needlock)
		LockRelationForExtension(rel, ExclusiveLock);
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	first = BufferGetBlockNumber(buf);
	for (take = 1; take < KVAM_L0_CHUNK_BLOCKS; take++)
	{
		Buffer		extra = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW,
											   RBM_NORMAL, NULL);

		if (BufferGetBlockNumber(extra) != first + take)
			elog(ERROR, "kvam L0 chunk of relation \"%s\" is not contiguous",
				 RelationGetRelationName(rel));
		ReleaseBuffer(extra);
	}
	mapbuf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	fm = KvamPageGetFreeMap(BufferGetPage(mapbuf));
	/* a full map makes room (make_room); failing that, orphans for the sweep */
	START_CRIT_SECTION();
	if (insert_extent(fm, vistest, first + 1, take - 1,
					  InvalidFullTransactionId, owner))
		map_edited(rel, mapbuf);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(mapbuf);
	if (needlock)
		UnlockRelationForExtension(rel, ExclusiveLock);
	return buf;
}

/*
 * retirement_xid: an xid that every snapshot which may have seen the pages
 * in use precedes or equals.  Inside a transaction with an xid, that xid:
 * every snapshot taken while it runs has an xmin at or before it.
 * Otherwise the next xid (reuse then waits until one more xid has been
 * assigned and finished).
 */
static FullTransactionId
retirement_xid(void)
{
	FullTransactionId top = GetTopFullTransactionIdIfAny();

	return FullTransactionIdIsValid(top) ? top : ReadNextFullTransactionId();
}

/* Position of the first extent starting after 'start'. */
static uint32
find_pos(KvamFreeMap fm, BlockNumber start)
{
	uint32		i;

	for (i = 0; i < fm->nextents && fm->ext[i].start <= start; i++)
		;
	return i;
}

/*
 * insert_extent adds one extent to the map (inside the caller's critical
 * section: cannot fail).  Returns false, changing nothing, if the map is
 * full and the extent merges with no neighbour.
 */
static bool
insert_extent(KvamFreeMap fm, GlobalVisState *vistest, BlockNumber start,
			  BlockNumber nblocks, FullTransactionId when, uint32 owner)
{
	uint32		i = find_pos(fm, start);
	bool		merge_prev,
				merge_next;

	merge_prev = i > 0 && fm->ext[i - 1].start + fm->ext[i - 1].nblocks == start &&
		fm->ext[i - 1].owner == owner &&
		can_merge(vistest, fm->ext[i - 1].retired, when);
	merge_next = i < fm->nextents && start + nblocks == fm->ext[i].start &&
		fm->ext[i].owner == owner &&
		can_merge(vistest, fm->ext[i].retired, when);
	if (merge_prev && merge_next &&
		!can_merge(vistest, fm->ext[i - 1].retired, fm->ext[i].retired))
		merge_next = false;
	if (!merge_prev && !merge_next && fm->nextents >= KVAM_FREEMAP_MAX_EXTENTS)
	{
		if (!make_room(fm, vistest))
			return false;
		/* positions moved: place it again (the map has room now) */
		return insert_extent(fm, vistest, start, nblocks, when, owner);
	}

	if (merge_prev)
	{
		KvamFreeExtent *p = &fm->ext[i - 1];

		p->nblocks += nblocks;
		if (FullTransactionIdFollows(when, p->retired))
			p->retired = when;
		if (merge_next)
		{
			p->nblocks += fm->ext[i].nblocks;
			if (FullTransactionIdFollows(fm->ext[i].retired, p->retired))
				p->retired = fm->ext[i].retired;
			remove_extent(fm, i);
		}
	}
	else if (merge_next)
	{
		KvamFreeExtent *n = &fm->ext[i];

		n->start = start;
		n->nblocks += nblocks;
		if (FullTransactionIdFollows(when, n->retired))
			n->retired = when;
	}
	else
	{
		memmove(&fm->ext[i + 1], &fm->ext[i],
				(fm->nextents - i) * sizeof(KvamFreeExtent));
		fm->ext[i].start = start;
		fm->ext[i].nblocks = nblocks;
		fm->ext[i].retired = when;
		fm->ext[i].owner = owner;
		fm->ext[i].pad = 0;
		fm->nextents++;
	}
	return true;
}

void
KvamSpaceRetireExtents(Relation rel, const KvamFreeExtent *ext, int n, bool now)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	FullTransactionId when = now ? retirement_xid() :
		InvalidFullTransactionId;
	GlobalVisState *vistest = GlobalVisTestFor(rel);
	Buffer		buf;
	KvamFreeMap fm;
	int			dropped = 0;

	if (n == 0)
		return;
	buf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	fm = KvamPageGetFreeMap(BufferGetPage(buf));
	for (int k = 0; k < n; k++)
	{
		uint32		i = find_pos(fm, ext[k].start);

		if (ext[k].nblocks == 0 ||
			(i > 0 && fm->ext[i - 1].start + fm->ext[i - 1].nblocks > ext[k].start) ||
			(i < fm->nextents && ext[k].start + ext[k].nblocks > fm->ext[i].start))
			elog(ERROR, "kvam: blocks %u..%u of relation \"%s\" are already free",
				 ext[k].start, ext[k].start + ext[k].nblocks - 1,
				 RelationGetRelationName(rel));
	}

	START_CRIT_SECTION();
	/* merge what has become reusable meanwhile, in this same edit */
	coalesce_map(fm, vistest);
	for (int k = 0; k < n; k++)
		if (insert_extent(fm, vistest, ext[k].start, ext[k].nblocks, when, 0))
			fm->retired += ext[k].nblocks;
		else
			dropped++;
	map_edited(rel, buf);
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
	if (dropped > 0)
		elog(DEBUG1, "kvam free map of \"%s\" is full; %d extents left for the next sweep",
			 RelationGetRelationName(rel), dropped);
}

void
KvamSpaceRetire(Relation rel, BlockNumber start, BlockNumber nblocks, bool now)
{
	KvamFreeExtent e;

	e.start = start;
	e.nblocks = nblocks;
	e.retired = InvalidFullTransactionId;
	KvamSpaceRetireExtents(rel, &e, nblocks > 0 ? 1 : 0, now);
}

static int
cmp_block(const void *a, const void *b)
{
	BlockNumber x = *(const BlockNumber *) a;
	BlockNumber y = *(const BlockNumber *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * KvamL0ChainWalk: see space.h.
 */
BlockNumber
KvamL0ChainWalkTo(Relation rel, uint32 partid, BlockNumber head,
				  BlockNumber last, KvamL0PageVisitor visit, void *arg)
{
	BlockNumber blk = head;
	BlockNumber limit = RelationGetNumberOfBlocks(rel);
	BlockNumber steps = 0;

	while (BlockNumberIsValid(blk) && blk < limit && steps++ < limit)
	{
		Buffer		buf = ReadBuffer(rel, blk);
		Page		page;
		KvamPageOpaque op;
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		op = KvamPageGetOpaque(page);
		if (KvamPageType(page) != KVAM_PAGE_L0 || op->partition != partid)
		{
			UnlockReleaseBuffer(buf);
			return blk;
		}
		next = op->next;
		visit(blk, page, arg);
		UnlockReleaseBuffer(buf);
		if (blk == last)
			break;
		blk = next;
	}
	return InvalidBlockNumber;
}

BlockNumber
KvamL0ChainWalk(Relation rel, uint32 partid, BlockNumber head,
				KvamL0PageVisitor visit, void *arg)
{
	return KvamL0ChainWalkTo(rel, partid, head, InvalidBlockNumber, visit, arg);
}

typedef struct BlockList
{
	BlockNumber *blocks;
	int			n;
	int			cap;
} BlockList;

static void
collect_block(BlockNumber blk, Page page, void *arg)
{
	BlockList  *l = (BlockList *) arg;

	if (l->n == l->cap)
	{
		l->cap *= 2;
		l->blocks = repalloc(l->blocks, l->cap * sizeof(BlockNumber));
	}
	l->blocks[l->n++] = blk;
}

void
KvamSpaceRetireChain(Relation rel, uint32 partid, BlockNumber head,
					 BlockNumber last)
{
	BlockList	l;
	KvamFreeExtent *ext;
	int			next = 0;

	if (!BlockNumberIsValid(head))
		return;
	l.cap = 64;
	l.n = 0;
	l.blocks = palloc(l.cap * sizeof(BlockNumber));
	KvamL0ChainWalkTo(rel, partid, head, last, collect_block, &l);
	qsort(l.blocks, l.n, sizeof(BlockNumber), cmp_block);
	ext = palloc(Max(l.n, 1) * sizeof(KvamFreeExtent));
	for (int i = 0; i < l.n; i++)
	{
		if (i > 0 && l.blocks[i] == l.blocks[i - 1])
			continue;			/* a cycle: never twice */
		if (next > 0 && ext[next - 1].start + ext[next - 1].nblocks == l.blocks[i])
			ext[next - 1].nblocks++;
		else
		{
			ext[next].start = l.blocks[i];
			ext[next].nblocks = 1;
			ext[next].retired = InvalidFullTransactionId;
			next++;
		}
	}
	KvamSpaceRetireExtents(rel, ext, next, true);
	pfree(ext);
	pfree(l.blocks);
}

/*
 * KvamSpaceReleaseChunks: see space.h.
 */
void
KvamSpaceReleaseChunks(Relation rel, uint32 partid)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	Buffer		mapbuf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	KvamFreeMap fm = KvamPageGetFreeMap(BufferGetPage(mapbuf));
	bool		any = false;

	for (uint32 i = 0; i < fm->nextents; i++)
		any |= fm->ext[i].owner == partid + 1;
	if (any)
	{
		START_CRIT_SECTION();
		for (uint32 i = 0; i < fm->nextents; i++)
			if (fm->ext[i].owner == partid + 1)
				fm->ext[i].owner = 0;
		map_edited(rel, mapbuf);
		END_CRIT_SECTION();
	}
	UnlockReleaseBuffer(mapbuf);
}

/*
 * KvamSpaceReusable: see space.h.  The map as KvamSpaceAlloc would see it
 * after its coalesce, reusable extents of no owner only.
 */
KvamFreeExtent *
KvamSpaceReusable(Relation rel, KvamRelInfo *info, int *n)
{
	GlobalVisState *vistest = GlobalVisTestFor(rel);
	KvamFreeMap fm = KvamSpaceReadMap(rel, info);
	KvamFreeExtent *out;

	coalesce_map(fm, vistest);
	out = palloc(Max(fm->nextents, 1) * sizeof(KvamFreeExtent));
	*n = 0;
	for (uint32 i = 0; i < fm->nextents; i++)
		if (fm->ext[i].owner == 0 && reusable(vistest, fm->ext[i].retired))
			out[(*n)++] = fm->ext[i];
	pfree(fm);
	return out;
}

KvamFreeMap
KvamSpaceReadMap(Relation rel, KvamRelInfo *info)
{
	Buffer		buf = lock_map(rel, info, BUFFER_LOCK_SHARE);
	KvamFreeMap fm = KvamPageGetFreeMap(BufferGetPage(buf));
	KvamFreeMap copy = palloc(KvamFreeMapSize(fm->nextents));

	memcpy(copy, fm, KvamFreeMapSize(fm->nextents));
	UnlockReleaseBuffer(buf);
	return copy;
}

/* ---------- block ownership ---------- */

typedef struct OwnerMap
{
	BlockNumber nblocks;
	uint8	   *owner;
	KvamSpaceReport report;
	void	   *arg;
} OwnerMap;

static void
own(OwnerMap *m, BlockNumber blk, uint8 kind, const char *what)
{
	char		msg[128];

	if (blk >= m->nblocks)
	{
		if (m->report)
		{
			snprintf(msg, sizeof(msg), "%s lies beyond the end of the relation", what);
			m->report(m->arg, blk, msg);
		}
		return;
	}
	if (m->owner[blk] != KVAM_OWN_NONE)
	{
		if (m->report)
		{
			snprintf(msg, sizeof(msg), "%s is also used by a %s", what,
					 m->owner[blk] == KVAM_OWN_FIXED ? "metapage, manifest or free map" :
					 m->owner[blk] == KVAM_OWN_RUN ? "run" :
					 m->owner[blk] == KVAM_OWN_L0 ? "L0 chain" : "free extent");
			m->report(m->arg, blk, msg);
		}
		return;
	}
	m->owner[blk] = kind;
}

static void
own_l0_page(BlockNumber blk, Page page, void *arg)
{
	own((OwnerMap *) arg, blk, KVAM_OWN_L0, "L0 page");
}

/* Mark the pages of an L0 chain; report a chain reaching a foreign page. */
static void
own_chain(Relation rel, OwnerMap *m, uint32 partid, BlockNumber head)
{
	BlockNumber stop = KvamL0ChainWalk(rel, partid, head, own_l0_page, m);

	if (BlockNumberIsValid(stop) && m->report)
		m->report(m->arg, stop, "L0 chain reaches a page that is not an L0 page of its partition");
}

/*
 * Has a run with the extent and id of 'ref' been seen?  Else remember it.
 * (Partitions split from one parent reference the parent's runs.)
 */
static bool
seen_run(List **seen, const KvamRunRef *ref)
{
	ListCell   *lc;
	KvamRunRef *copy;

	foreach(lc, *seen)
	{
		KvamRunRef *r = lfirst(lc);

		if (r->head == ref->head && r->run_id == ref->run_id &&
			r->nblocks == ref->nblocks)
			return true;
	}
	copy = palloc(sizeof(KvamRunRef));
	*copy = *ref;
	*seen = lappend(*seen, copy);
	return false;
}

void
KvamSpaceBlockMap(Relation rel, KvamRelInfo *info, BlockNumber nblocks,
				  uint8 *owner, KvamSpaceReport report, void *arg)
{
	OwnerMap	m = {nblocks, owner, report, arg};
	KvamFreeMap fm;
	List	   *seen = NIL;

	memset(owner, KVAM_OWN_NONE, nblocks);
	own(&m, KVAM_METAPAGE_BLKNO, KVAM_OWN_FIXED, "metapage");
	own(&m, info->freemap, KVAM_OWN_FIXED, "free map");
	for (uint32 i = 0; i < info->npartitions; i++)
		own(&m, info->parts[i].manifest, KVAM_OWN_FIXED, "manifest page");

	fm = KvamSpaceReadMap(rel, info);
	for (uint32 i = 0; i < fm->nextents; i++)
		for (BlockNumber b = 0; b < fm->ext[i].nblocks; b++)
			own(&m, fm->ext[i].start + b, KVAM_OWN_FREE, "free extent");
	pfree(fm);

	for (uint32 i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, i);

		for (uint32 r = 0; r < mf->nruns; r++)
		{
			/* a run shared by partitions after a split counts once */
			if (seen_run(&seen, &mf->runs[r]))
				continue;
			for (BlockNumber b = 0; b < mf->runs[r].nblocks; b++)
				own(&m, mf->runs[r].head + b, KVAM_OWN_RUN, "run extent");
		}
		own_chain(rel, &m, mf->partid, mf->l0_head);
		pfree(mf);
	}
	list_free_deep(seen);
}

/* ---------- sweep ---------- */

#define CAND_ZERO	1
#define CAND_L0		2
#define CAND_RUN	3

typedef struct Candidate
{
	BlockNumber blk;
	uint8		kind;
	XLogRecPtr	lsn;
} Candidate;

/* Classify an unowned block; 0 if it must not be reclaimed. */
static uint8
classify(Relation rel, BlockNumber blk, XLogRecPtr *lsn)
{
	Buffer		buf = ReadBuffer(rel, blk);
	Page		page;
	uint16		type;
	uint8		kind;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	*lsn = PageGetLSN(page);
	type = KvamPageType(page);
	if (PageIsNew(page))
		kind = CAND_ZERO;
	else if (type == 0)
		kind = CAND_RUN;		/* not a kvam page at all: garbage */
	else if (type == KVAM_PAGE_L0)
		kind = CAND_L0;
	else if (type >= KVAM_PAGE_RUN_HEAD && type <= KVAM_PAGE_RUN_BLOOM)
		kind = CAND_RUN;
	else if (type == KVAM_PAGE_MANIFEST &&
			 (KvamPageGetManifest(page)->flags & KVAM_MF_RETIRED))
		kind = CAND_RUN;		/* of a partition split or merged away */
	else
		kind = 0;				/* a metapage, manifest or free map: never */
	UnlockReleaseBuffer(buf);
	return kind;
}

BlockNumber
KvamSpaceSweep(Relation rel, KvamRelInfo *info)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
	uint8	   *owner = palloc(Max(nblocks, 1));
	Candidate  *cand;
	int			ncand = 0;
	int			tries;
	BlockNumber retired = 0;
	bool		got;

	/* phase 1: no locks */
	KvamSpaceBlockMap(rel, info, nblocks, owner, NULL, NULL);
	cand = palloc(sizeof(Candidate) * Max(nblocks, 1));
	for (BlockNumber b = 0; b < nblocks; b++)
	{
		XLogRecPtr	lsn;
		uint8		kind;

		if (owner[b] != KVAM_OWN_NONE)
			continue;
		CHECK_FOR_INTERRUPTS();
		kind = classify(rel, b, &lsn);
		if (kind != 0)
		{
			cand[ncand].blk = b;
			cand[ncand].kind = kind;
			cand[ncand].lsn = lsn;
			ncand++;
		}
	}
	if (ncand == 0)
		goto done;

	/* the chains again: L0 pages linked since the first map are not orphans */
	KvamSpaceBlockMap(rel, info, nblocks, owner, NULL, NULL);

	/*
	 * Phase 2.  Runs being written hold the allocation lock in ShareLock
	 * until published (flushes: until their transaction ends), so retry a
	 * little rather than wait in the lock queue, where writers would then
	 * queue behind us.
	 */
	got = false;
	for (tries = 0; tries < 100 && !got; tries++)
	{
		got = ConditionalLockPage(rel, KVAM_METAPAGE_BLKNO, ExclusiveLock);
		if (!got)
		{
			CHECK_FOR_INTERRUPTS();
			pg_usleep(10000L);
		}
	}
	if (!got)
	{
		elog(DEBUG1, "kvam sweep of \"%s\" skipped: runs are being written",
			 RelationGetRelationName(rel));
		goto done;
	}

	{
		uint8	   *now = palloc(nblocks);
		bool		extlock = !RELATION_IS_LOCAL(rel);
		BlockNumber run_start = InvalidBlockNumber;
		BlockNumber run_len = 0;

		KvamSpaceBlockMap(rel, info, nblocks, now, NULL, NULL);
		if (extlock)
			LockRelationForExtension(rel, ExclusiveLock);
		/* L0 chunks reserved at the end since: read under the lock */
		{
			KvamFreeMap fm = KvamSpaceReadMap(rel, info);

			for (uint32 i = 0; i < fm->nextents; i++)
				for (BlockNumber b = 0; b < fm->ext[i].nblocks; b++)
					if (fm->ext[i].start + b < nblocks)
						now[fm->ext[i].start + b] = KVAM_OWN_FREE;
			pfree(fm);
		}
		for (int i = 0; i < ncand; i++)
		{
			Candidate  *c = &cand[i];
			XLogRecPtr	lsn;
			bool		orphan;

			orphan = owner[c->blk] == KVAM_OWN_NONE &&
				now[c->blk] == KVAM_OWN_NONE &&
				classify(rel, c->blk, &lsn) == c->kind &&
				lsn == c->lsn;
			if (orphan && run_len > 0 && run_start + run_len == c->blk)
			{
				run_len++;
				continue;
			}
			if (run_len > 0)
			{
				KvamSpaceRetire(rel, run_start, run_len, true);
				retired += run_len;
				run_len = 0;
			}
			if (orphan)
			{
				run_start = c->blk;
				run_len = 1;
			}
		}
		if (run_len > 0)
		{
			KvamSpaceRetire(rel, run_start, run_len, true);
			retired += run_len;
		}
		if (extlock)
			UnlockRelationForExtension(rel, ExclusiveLock);
		UnlockPage(rel, KVAM_METAPAGE_BLKNO, ExclusiveLock);
		pfree(now);
	}

done:
	pfree(cand);
	pfree(owner);
	return retired;
}

BlockNumber
KvamSpaceTruncate(Relation rel, KvamRelInfo *info)
{
	BlockNumber nblocks;
	BlockNumber newsize;
	Buffer		buf;
	KvamFreeMap fm;

	if (!ConditionalLockRelation(rel, AccessExclusiveLock))
		return 0;
	nblocks = RelationGetNumberOfBlocks(rel);
	newsize = nblocks;
	buf = lock_map(rel, info, BUFFER_LOCK_EXCLUSIVE);
	fm = KvamPageGetFreeMap(BufferGetPage(buf));

	/*
	 * Every extent that ends where the relation (as cut so far) ends goes:
	 * free extents and L0 chunks alike.  With AccessExclusiveLock no
	 * transaction that read the relation is still running, so even extents
	 * not yet reusable may go.
	 */
	START_CRIT_SECTION();
	while (fm->nextents > 0 &&
		   fm->ext[fm->nextents - 1].start + fm->ext[fm->nextents - 1].nblocks == newsize &&
		   fm->ext[fm->nextents - 1].start > info->freemap)
	{
		newsize = fm->ext[fm->nextents - 1].start;
		remove_extent(fm, fm->nextents - 1);
	}
	if (newsize < nblocks)
		map_edited(rel, buf);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
	if (newsize < nblocks)
		RelationTruncate(rel, newsize);
	UnlockRelation(rel, AccessExclusiveLock);
	return nblocks - newsize;
}
