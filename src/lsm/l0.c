/*-------------------------------------------------------------------------
 *
 * l0.c
 *	  The L0 chain of a partition and the partition's shared state.
 *
 * L0 is an append-only chain of KVAM_PAGE_L0 pages, linked through the
 * special area's 'next', with head and tail recorded in the partition's
 * manifest page.  Every version ever written to the partition since its
 * last flush is in L0, in write order; the memtable (memtable.c) is an
 * ordered index over it held in shared memory.
 *
 * Invariants:
 *	- L0 pages are only appended to, by a backend holding the partition
 *	  lock exclusively; items are never modified or removed (hint bits
 *	  aside);
 *	- on a primary, once a partition's memtable is built ('trusted'), every
 *	  append updates it under the same lock, so it always indexes all of L0;
 *	- during recovery (hot standby) the startup process appends without
 *	  touching the memtable, so readers verify and catch up from the pages
 *	  on every access (the memtable is not trusted there);
 *	- a full memtable is frozen (memtable.h): the frozen memtable indexes
 *	  the chain from its head up to 'frozen_tail', and the next append
 *	  starts a new page, so each page belongs to exactly one memtable;
 *	- a flush publishes the frozen memtable's run and advances the head of
 *	  the chain past 'frozen_tail' in one manifest edit (am/flush.c), and
 *	  only a publish whose run holds the frozen versions may do so; a
 *	  memtable that finds a head it does not know starts over.
 *
 * IDENTIFICATION
 *	  src/lsm/l0.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

#include "kvam.h"
#include "lsm/l0.h"
#include "lsm/space.h"
#include "wal/xlog.h"

static void
make_tag(Relation rel, KvamRelInfo *info, int idx, KvamPartTag *tag)
{
	memset(tag, 0, sizeof(*tag));
	tag->node = rel->rd_node;
	tag->backend = rel->rd_backend;
	tag->partid = info->parts[idx].partid;
}

static bool
tag_equal(const KvamPartTag *a, const KvamPartTag *b)
{
	return memcmp(a, b, sizeof(KvamPartTag)) == 0;
}

/* Index the items of one L0 page after 'after'; returns the last offset. */
static OffsetNumber
index_page(KvamPart *p, Page page, BlockNumber blk, OffsetNumber after)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	OffsetNumber off;

	if (after == InvalidOffsetNumber)
		p->mt.npages++;
	for (off = after + 1; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		KvamVersion v;
		ItemPointerData tid;
		uint32		node;

		if (!ItemIdIsNormal(iid))
			continue;
		v = (KvamVersion) PageGetItem(page, iid);
		ItemPointerSet(&tid, blk, off);
		node = KvamMemtableReserve(p, v->keylen);
		KvamMemtableLink(p, node, v->key, v->keylen, &tid, ItemIdGetLength(iid));
	}
	return maxoff;
}

/*
 * Bring the memtable up to date with the L0 pages.  Partition lock held
 * exclusively.
 */
static bool
catch_up(Relation rel, KvamRelInfo *info, int idx, KvamPart *p)
{
	/*
	 * Whether redo may still append behind our back must be decided before
	 * reading the pages: if recovery ends while we walk them (promotion),
	 * what was replayed after our walk is missing, so the result must not
	 * be trusted.
	 */
	bool		in_recovery = RecoveryInProgress();
	KvamManifest mf = KvamManifestTryRead(rel, info, idx);
	BlockNumber blk;
	OffsetNumber after;

	/* split or merged away: nobody may use this slot for it any more */
	if (mf == NULL)
	{
		KvamPartSlotRelease(p);
		return false;
	}

	/*
	 * The memtable may continue from where it stopped only if L0 is still
	 * the chain it indexed: same storage, same head, and no flush since
	 * (a flush that empties L0 and a later first append could bring back
	 * the same head block once pages are reused).  Otherwise its versions
	 * may have moved into a run the caller will read, or it may miss the
	 * start of a new chain: start over from the manifest's head.  The
	 * caller reads the run list after this, from a manifest at least as
	 * new as 'mf' (redo and flushes only move forward), so every version
	 * indexed here that left L0 is in one of those runs: a reader may see
	 * a version twice (memtable and run), never zero times.
	 */
	if (!p->built || p->nonce != info->nonce || p->l0_head != mf->l0_head ||
		p->l0_flushes != mf->flushes)
	{
		KvamMemtableClearAll(p);
		p->nonce = info->nonce;
		p->l0_head = mf->l0_head;
		p->l0_flushes = mf->flushes;
		p->idx_blk = InvalidBlockNumber;
		p->idx_off = InvalidOffsetNumber;
	}

	if (BlockNumberIsValid(p->idx_blk))
	{
		blk = p->idx_blk;
		after = p->idx_off;
	}
	else
	{
		blk = mf->l0_head;
		after = InvalidOffsetNumber;
	}

	while (BlockNumberIsValid(blk))
	{
		Buffer		buf = ReadBuffer(rel, blk);
		Page		page;
		KvamPageOpaque op;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		op = KvamPageGetOpaque(page);
		if (KvamPageType(page) != KVAM_PAGE_L0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("kvam L0 chain of relation \"%s\" reaches block %u, which is not an L0 page",
							RelationGetRelationName(rel), blk)));
		after = index_page(p, page, blk, after);
		next = op->next;
		UnlockReleaseBuffer(buf);

		p->idx_blk = blk;
		p->idx_off = after;
		blk = next;
		after = InvalidOffsetNumber;
	}
	KvamPartSetRunCounts(p, mf);
	pfree(mf);
	p->built = true;
	p->trusted = !in_recovery;
	return true;
}

/*
 * KvamPartAcquire: see l0.h.  When the memtable has to be verified (during
 * recovery, or not built yet) the lock is taken exclusively even if shared
 * was asked for; callers must not rely on holding it in shared mode.
 */
KvamPart *
KvamPartAcquire(Relation rel, KvamRelInfo *info, int idx, LWLockMode mode)
{
	KvamPartTag tag;

	KvamCheckPreloaded();
	make_tag(rel, info, idx, &tag);
	for (;;)
	{
		KvamPart   *p = KvamPartSlot(&tag);

		LWLockAcquire(&p->lock, mode);
		if (!tag_equal(&p->tag, &tag) || !p->in_use)
		{
			LWLockRelease(&p->lock);
			KvamPartSlotForget(&tag);
			continue;
		}
		if (p->built && p->trusted && p->nonce == info->nonce &&
			!RecoveryInProgress())
			return p;

		if (mode != LW_EXCLUSIVE)
		{
			LWLockRelease(&p->lock);
			LWLockAcquire(&p->lock, LW_EXCLUSIVE);
			if (!tag_equal(&p->tag, &tag) || !p->in_use)
			{
				LWLockRelease(&p->lock);
				KvamPartSlotForget(&tag);
				continue;
			}
		}
		if (!catch_up(rel, info, idx, p))
		{
			LWLockRelease(&p->lock);
			KvamPartSlotForget(&tag);
			return NULL;
		}
		return p;
	}
}

void
KvamPartRelease(KvamPart *p)
{
	LWLockRelease(&p->lock);
}

/*
 * KvamPartSetRunCounts: see l0.h.
 */
void
KvamPartSetRunCounts(KvamPart *p, KvamManifest mf)
{
	int			i;

	p->nruns = mf->nruns;
	p->l0_runs = 0;
	for (i = 0; i < mf->nruns; i++)
		if (mf->runs[i].level == 0)
			p->l0_runs++;
}

/*
 * KvamPartRefreshRuns: see l0.h.
 */
void
KvamPartRefreshRuns(Relation rel, KvamRelInfo *info, int idx)
{
	KvamPart   *p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
	KvamManifest mf;

	if (p == NULL)
		return;					/* split or merged away meanwhile */
	mf = KvamManifestTryRead(rel, info, idx);
	if (mf == NULL)
	{
		KvamPartRelease(p);
		return;
	}
	KvamPartSetRunCounts(p, mf);
	KvamPartRelease(p);
	pfree(mf);
	ConditionVariableBroadcast(&p->cv);
}

/*
 * KvamKeyLock: see l0.h.
 */
LWLock *
KvamKeyLock(Relation rel, const char *key, Size keylen)
{
	KvamPartTag tag;

	KvamCheckPreloaded();
	memset(&tag, 0, sizeof(tag));
	tag.node = rel->rd_node;
	tag.backend = rel->rd_backend;
	return KvamKeyLockFor(&tag, key, keylen);
}

Size
KvamVersionSize(KvamVersion v, Size tuplen)
{
	if (tuplen == 0)
		return SizeOfKvamVersionHeader + v->keylen;
	return KvamVersionTupleOffset(v->keylen) + tuplen;
}

/* Get a new, exclusively locked page at the end of the relation. */
static Buffer
new_page(Relation rel, uint32 partid)
{
	Buffer		buf;
	bool		needlock = !RELATION_IS_LOCAL(rel);

	/* free space of the partition's own chunk first (lsm/space.h) */
	buf = KvamSpaceAllocPage(rel, partid);
	if (BufferIsValid(buf))
		return buf;
	if (needlock)
		LockRelationForExtension(rel, ExclusiveLock);
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needlock)
		UnlockRelationForExtension(rel, ExclusiveLock);
	return buf;
}

static bool
page_has_room(Page page, Size vlen)
{
	return PageGetFreeSpace(page) >= MAXALIGN(vlen) &&
		PageGetMaxOffsetNumber(page) < MaxHeapTuplesPerPage;
}

/*
 * KvamL0Append: see l0.h.
 */
void
KvamL0Append(Relation rel, KvamRelInfo *info, int idx, KvamPart *p,
			 KvamVersion v, Size vlen, ItemPointer tid, KvamXlogChange *chg)
{
	BlockNumber mblk = info->parts[idx].manifest;
	Buffer		mbuf;
	Buffer		tailbuf = InvalidBuffer;
	Buffer		buf;
	Page		page;
	KvamManifest mf;
	BlockNumber tail;
	bool		newpage = false;
	bool		firstpage = false;
	OffsetNumber offnum;
	BlockNumber blk;
	uint32		node;
	uint32		partid = info->parts[idx].partid;

	Assert(LWLockHeldByMeInMode(&p->lock, LW_EXCLUSIVE));

	if (vlen > BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(KvamPageOpaqueData)) - sizeof(ItemIdData))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam row version of %zu bytes does not fit on a page", vlen),
				 errhint("Keys are limited to 2048 bytes (partition key) and 1024 bytes (sort key).")));

	/* Reserve the memtable node first: the critical section cannot fail. */
	node = KvamMemtableReserve(p, v->keylen);

	/*
	 * The partition lock serialises all manifest changes, so the tail read
	 * under a share lock stays valid.
	 */
	mbuf = ReadBuffer(rel, mblk);
	LockBuffer(mbuf, BUFFER_LOCK_SHARE);
	mf = KvamPageGetManifest(BufferGetPage(mbuf));
	tail = mf->l0_tail;
	LockBuffer(mbuf, BUFFER_LOCK_UNLOCK);

	if (BlockNumberIsValid(tail))
	{
		tailbuf = ReadBuffer(rel, tail);
		LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
		if (!p->l0_newpage && page_has_room(BufferGetPage(tailbuf), vlen))
		{
			buf = tailbuf;
			tailbuf = InvalidBuffer;
		}
		else
			newpage = true;
	}
	else
	{
		newpage = true;
		firstpage = true;
	}

	if (newpage)
	{
		buf = new_page(rel, partid);
		LockBuffer(mbuf, BUFFER_LOCK_EXCLUSIVE);
	}

	blk = BufferGetBlockNumber(buf);
	page = BufferGetPage(buf);

	START_CRIT_SECTION();

	if (newpage)
	{
		KvamPageInit(page, KVAM_PAGE_L0, partid);
		if (BufferIsValid(tailbuf))
			KvamPageGetOpaque(BufferGetPage(tailbuf))->next = blk;
		mf = KvamPageGetManifest(BufferGetPage(mbuf));
		if (firstpage)
			mf->l0_head = blk;
		mf->l0_tail = blk;
		mf->l0_pages++;
	}

	offnum = OffsetNumberNext(PageGetMaxOffsetNumber(page));
	ItemPointerSet(&v->birth, blk, offnum);
	if (KvamVersionHasTuple(v))
		KvamVersionGetTuple(v)->t_ctid = v->birth;
	if (PageAddItem(page, (Item) v, vlen, offnum, false, false) != offnum)
		elog(PANIC, "failed to add kvam version to L0 page %u", blk);

	MarkBufferDirty(buf);
	if (newpage)
	{
		MarkBufferDirty(mbuf);
		if (BufferIsValid(tailbuf))
			MarkBufferDirty(tailbuf);
	}

	if (RelationNeedsWAL(rel))
	{
		xl_kvam_insert xlrec;
		XLogRecPtr	recptr;
		uint8		bufflags;

		xlrec.partid = partid;
		xlrec.offnum = offnum;
		xlrec.flags = (newpage ? XLKVAM_NEW_PAGE : 0) |
			(firstpage ? XLKVAM_FIRST_PAGE : 0);

		XLogBeginInsert();
		XLogRegisterData((char *) &xlrec, SizeOfKvamInsert);
		bufflags = KvamXlogRegisterChange(rel, &xlrec, chg);
		XLogRegisterBuffer(0, buf, REGBUF_STANDARD | bufflags |
						   (newpage ? REGBUF_WILL_INIT : 0));
		XLogRegisterBufData(0, (char *) v, vlen);
		if (newpage)
		{
			if (BufferIsValid(tailbuf))
				XLogRegisterBuffer(1, tailbuf, REGBUF_STANDARD);
			XLogRegisterBuffer(2, mbuf, REGBUF_STANDARD);
		}
		XLogSetRecordFlags(XLOG_INCLUDE_ORIGIN);
		recptr = XLogInsert(RM_KVAM_ID, XLOG_KVAM_INSERT);

		PageSetLSN(page, recptr);
		if (newpage)
		{
			PageSetLSN(BufferGetPage(mbuf), recptr);
			if (BufferIsValid(tailbuf))
				PageSetLSN(BufferGetPage(tailbuf), recptr);
		}
	}

	END_CRIT_SECTION();

	ItemPointerSet(tid, blk, offnum);
	KvamMemtableLink(p, node, v->key, v->keylen, tid, vlen);
	if (firstpage)
		p->l0_head = blk;
	if (newpage)
	{
		p->mt.npages++;
		p->l0_newpage = false;
	}
	p->idx_blk = blk;
	p->idx_off = offnum;
	pg_atomic_fetch_add_u64(&p->writes, 1);

	UnlockReleaseBuffer(buf);
	if (BufferIsValid(tailbuf))
		UnlockReleaseBuffer(tailbuf);
	if (newpage)
		LockBuffer(mbuf, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(mbuf);
}

/*
 * KvamVersionFetch: see l0.h.
 */
KvamVersion
KvamVersionFetch(Relation rel, ItemPointer tid, Size *len)
{
	BlockNumber blk = ItemPointerGetBlockNumber(tid);
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	Buffer		buf;
	Page		page;
	ItemId		iid;
	KvamVersion copy = NULL;

	if (blk == KVAM_METAPAGE_BLKNO || !BlockNumberIsValid(blk))
		return NULL;
	buf = ReadBuffer(rel, blk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if ((KvamPageType(page) == KVAM_PAGE_L0 ||
		 KvamPageType(page) == KVAM_PAGE_RUN_DATA) &&
		off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		iid = PageGetItemId(page, off);
		if (ItemIdIsNormal(iid))
		{
			*len = ItemIdGetLength(iid);
			copy = palloc(*len);
			memcpy(copy, PageGetItem(page, iid), *len);
		}
	}
	UnlockReleaseBuffer(buf);
	return copy;
}

/*
 * KvamVersionFetchUser is KvamVersionFetch for a TID that may come from a
 * user (TID scans, currtid): it also checks that the block exists, which
 * costs a file size lookup.
 */
KvamVersion
KvamVersionFetchUser(Relation rel, ItemPointer tid, Size *len)
{
	if (!ItemPointerIsValid(tid) ||
		ItemPointerGetBlockNumber(tid) >= RelationGetNumberOfBlocks(rel))
		return NULL;
	return KvamVersionFetch(rel, tid, len);
}
