/*-------------------------------------------------------------------------
 *
 * redo.c
 *	  rm_redo and rm_mask of kvam's resource manager.
 *
 * Redo reproduces exactly the page changes of the primary: every changed
 * page is a registered block, so full-page images, pg_rewind and
 * wal_consistency_checking work.  Redo never touches shared memory: the
 * memtable on a standby is rebuilt from the L0 pages by readers (l0.c).
 *
 * IDENTIFICATION
 *	  src/wal/redo.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/bufmask.h"
#include "access/xlogutils.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "storage/standby.h"

#include "lsm/meta.h"
#include "lsm/page.h"
#include "lsm/space.h"
#include "wal/xlog.h"

static void
redo_insert(XLogReaderState *record)
{
	XLogRecPtr	lsn = record->EndRecPtr;
	xl_kvam_insert *xlrec = (xl_kvam_insert *) XLogRecGetData(record);
	Buffer		buf;
	BlockNumber blk;
	XLogRedoAction action;

	XLogRecGetBlockTag(record, 0, NULL, NULL, &blk);

	if (xlrec->flags & XLKVAM_NEW_PAGE)
	{
		buf = XLogInitBufferForRedo(record, 0);
		KvamPageInit(BufferGetPage(buf), KVAM_PAGE_L0, xlrec->partid);
		action = BLK_NEEDS_REDO;
	}
	else
		action = XLogReadBufferForRedo(record, 0, &buf);

	if (action == BLK_NEEDS_REDO)
	{
		Page		page = BufferGetPage(buf);
		Size		len;
		char	   *data = XLogRecGetBlockData(record, 0, &len);

		if (PageAddItem(page, (Item) data, len, xlrec->offnum, false, false) !=
			xlrec->offnum)
			elog(PANIC, "kvam_redo: failed to add version at (%u,%u)",
				 blk, xlrec->offnum);
		PageSetLSN(page, lsn);
		MarkBufferDirty(buf);
	}
	if (BufferIsValid(buf))
		UnlockReleaseBuffer(buf);
	buf = InvalidBuffer;

	if (xlrec->flags & XLKVAM_NEW_PAGE)
	{
		if (XLogRecHasBlockRef(record, 1) &&
			XLogReadBufferForRedo(record, 1, &buf) == BLK_NEEDS_REDO)
		{
			Page		page = BufferGetPage(buf);

			KvamPageGetOpaque(page)->next = blk;
			PageSetLSN(page, lsn);
			MarkBufferDirty(buf);
		}
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
		buf = InvalidBuffer;

		if (XLogReadBufferForRedo(record, 2, &buf) == BLK_NEEDS_REDO)
		{
			Page		page = BufferGetPage(buf);
			KvamManifest mf = KvamPageGetManifest(page);

			if (xlrec->flags & XLKVAM_FIRST_PAGE)
				mf->l0_head = blk;
			mf->l0_tail = blk;
			mf->l0_pages++;
			PageSetLSN(page, lsn);
			MarkBufferDirty(buf);
		}
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
	}
}

/*
 * redo_conflict: cancel standby queries whose snapshots could still need
 * the versions or pages that go away, as heap's prune records do.
 */
static void
redo_conflict(XLogReaderState *record)
{
	xl_kvam_conflict *xlrec = (xl_kvam_conflict *) XLogRecGetData(record);

	if (InHotStandby)
		ResolveRecoveryConflictWithSnapshot(xlrec->horizon, xlrec->node);
}

/*
 * cover_extents: the free map names only blocks that existed on the
 * primary when it was logged, but L0 chunks reserved at the end of the
 * relation are zero pages whose extension is not WAL-logged; if an earlier
 * truncation was replayed after they had been added (VACUUM cut the file,
 * writers extended it again, then the server crashed), the file ends
 * before them.  Extend it with zero pages, as the primary had it.
 */
static void
cover_extents(XLogReaderState *record, Page page)
{
	KvamFreeMap fm = KvamPageGetFreeMap(page);
	BlockNumber end = 0;
	RelFileNode rnode;
	SMgrRelation smgr;
	Buffer		buf;

	for (uint32 i = 0; i < fm->nextents; i++)
		end = Max(end, fm->ext[i].start + fm->ext[i].nblocks);
	if (end == 0)
		return;
	XLogRecGetBlockTag(record, 0, &rnode, NULL, NULL);
	smgr = smgropen(rnode, InvalidBackendId);
	if (smgrexists(smgr, MAIN_FORKNUM) &&
		smgrnblocks(smgr, MAIN_FORKNUM) >= end)
		return;
	buf = XLogReadBufferExtended(rnode, MAIN_FORKNUM, end - 1,
								 RBM_ZERO_AND_LOCK, InvalidBuffer);
	if (BufferIsValid(buf))
		UnlockReleaseBuffer(buf);
}

/* redo_freemap: the free-map page gets the logged contents. */
static void
redo_freemap(XLogReaderState *record)
{
	Buffer		buf;

	if (XLogReadBufferForRedo(record, 0, &buf) == BLK_NEEDS_REDO)
	{
		Page		page = BufferGetPage(buf);
		Size		len;
		char	   *data = XLogRecGetBlockData(record, 0, &len);

		memcpy(PageGetContents(page), data, len);
		((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) + len;
		PageSetLSN(page, record->EndRecPtr);
		MarkBufferDirty(buf);
	}
	if (BufferIsValid(buf))
	{
		/* also when the page is newer: then it names what is to come */
		cover_extents(record, BufferGetPage(buf));
		UnlockReleaseBuffer(buf);
	}
}

void
kvam_redo(XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;

	switch (info)
	{
		case XLOG_KVAM_INSERT:
			redo_insert(record);
			break;
		case XLOG_KVAM_CONFLICT:
			redo_conflict(record);
			break;
		case XLOG_KVAM_FREEMAP:
			redo_freemap(record);
			break;
		default:
			elog(PANIC, "kvam_redo: unknown op code %u", info);
	}
}

/*
 * kvam_mask masks what may legitimately differ between primary and
 * standby: LSN, checksum, unused space, and version hint flags.
 */
void
kvam_mask(char *pagedata, BlockNumber blkno)
{
	Page		page = (Page) pagedata;
	KvamPageOpaque op;

	mask_page_lsn_and_checksum(page);
	mask_unused_space(page);

	if (PageIsNew(page))
		return;
	op = KvamPageGetOpaque(page);
	if (op->page_type == KVAM_PAGE_L0 || op->page_type == KVAM_PAGE_RUN_DATA)
	{
		OffsetNumber off,
					maxoff = PageGetMaxOffsetNumber(page);

		for (off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);

			if (ItemIdIsNormal(iid))
			{
				KvamVersion v = (KvamVersion) PageGetItem(page, iid);

				v->flags &= ~KVAM_V_HINT_MASK;
			}
		}
	}
}
