/*-------------------------------------------------------------------------
 *
 * relocate.c
 *	  Run relocation: move the runs at the tail of a kvam relation into
 *	  free extents lower down so that the tail can be truncated (see
 *	  relocate.h for the rule, the locking and the crash behaviour).
 *
 * One call: map every block to its owner (KvamSpaceBlockMap), walk the
 * tail down from the last block over free blocks and whole runs, plan the
 * longest prefix of those runs that fits below its own lowest head (a
 * simulation of KvamSpaceAllocBelow's first fit over the reusable extents),
 * then move the planned runs one at a time, the last run first, so that
 * stopping early (space taken meanwhile, a run no longer there) still
 * leaves a tail that can be cut.  Planning reads without locks; each move
 * re-checks under its locks.
 *
 * IDENTIFICATION
 *	  src/lsm/relocate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/rmgr.h"
#include "access/xloginsert.h"
#include "access/xlogrecord.h"
#include "catalog/pg_control.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/guc.h"

#include "lsm/compact.h"
#include "lsm/relocate.h"
#include "lsm/run.h"
#include "lsm/space.h"

/* heap's truncation threshold (vacuumlazy.c) */
#define RELOCATE_MIN_GAIN		1000
#define RELOCATE_GAIN_FRACTION	16

int			kvam_vacuum_move_limit = 131072;	/* blocks: 1GB */
static char *kvam_relocate_fail_at = NULL;

void
KvamRelocateInitGucs(void)
{
	DefineCustomIntVariable("kvam.vacuum_move_limit",
							"Most run data one VACUUM moves to let a kvam table shrink.",
							"VACUUM moves the runs at the end of the file into free space lower down, then truncates; 0 turns that off.",
							&kvam_vacuum_move_limit,
							131072, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_BLOCKS,
							NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.relocate_fail_at",
							   "Test only: fail run relocation at a named point.",
							   "publish, retire or truncate; append :panic for a PANIC.",
							   &kvam_relocate_fail_at, "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

static void
fail_point(const char *name)
{
	KvamFailPoint(kvam_relocate_fail_at, name, "run relocation");
}

/* A run's extent, as the manifests name it. */
typedef struct TailRun
{
	BlockNumber head;
	BlockNumber nblocks;
	uint64		run_id;
} TailRun;

static int
cmp_head(const void *a, const void *b)
{
	BlockNumber x = ((const TailRun *) a)->head;
	BlockNumber y = ((const TailRun *) b)->head;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * all_runs returns the distinct run extents of every live manifest,
 * sorted by head, and their number in *n.
 */
static TailRun *
all_runs(Relation rel, KvamRelInfo *info, int *n)
{
	int			cap = 64;
	TailRun    *runs = palloc(cap * sizeof(TailRun));
	int			k = 0;

	*n = 0;
	for (uint32 i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, i);

		for (uint32 r = 0; r < mf->nruns; r++)
		{
			if (k == cap)
			{
				cap *= 2;
				runs = repalloc(runs, cap * sizeof(TailRun));
			}
			runs[k].head = mf->runs[r].head;
			runs[k].nblocks = mf->runs[r].nblocks;
			runs[k].run_id = mf->runs[r].run_id;
			k++;
		}
		pfree(mf);
	}
	qsort(runs, k, sizeof(TailRun), cmp_head);
	/* shared runs appear once per referencing manifest: keep one */
	for (int i = 0; i < k; i++)
		if (*n == 0 || runs[*n - 1].head != runs[i].head ||
			runs[*n - 1].run_id != runs[i].run_id)
			runs[(*n)++] = runs[i];
	return runs;
}

/* The run of 'runs' (sorted by head) whose extent holds 'blk', or NULL. */
static TailRun *
run_at(TailRun *runs, int n, BlockNumber blk)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (runs[mid].head > blk)
			hi = mid - 1;
		else if (blk - runs[mid].head >= runs[mid].nblocks)
			lo = mid + 1;
		else
			return &runs[mid];
	}
	return NULL;
}

/*
 * fits: would runs tail[0..k-1], placed one after the other by first fit
 * in the extents 'ext' (a scratch copy is used), all end at or before
 * 'limit'?  Sets *top to the end of the highest one placed.
 */
static bool
fits(const KvamFreeExtent *ext, int next, KvamFreeExtent *scratch,
	 const TailRun *tail, int k, BlockNumber limit, BlockNumber *top)
{
	*top = 0;
	memcpy(scratch, ext, next * sizeof(KvamFreeExtent));
	for (int j = 0; j < k; j++)
	{
		bool		placed = false;

		for (int i = 0; i < next && !placed; i++)
		{
			KvamFreeExtent *e = &scratch[i];

			if (e->nblocks < tail[j].nblocks)
				continue;
			if (e->start > limit || limit - e->start < tail[j].nblocks)
				break;
			*top = Max(*top, e->start + tail[j].nblocks);
			e->start += tail[j].nblocks;
			e->nblocks -= tail[j].nblocks;
			placed = true;
		}
		if (!placed)
			return false;
	}
	return true;
}

typedef enum MoveResult
{
	MOVE_DONE,
	MOVE_GONE,					/* the run is no longer referenced: its
								 * space was retired meanwhile */
	MOVE_STOP					/* could not move it: stop here */
} MoveResult;

/*
 * copy_run copies the pages of run 't' to [newhead, newhead + nblocks),
 * fixing the block numbers they hold, and WAL-logs the copy.  The new
 * extent is ours (allocated under the allocation lock); the old one is
 * immutable.
 */
static void
copy_run(Relation rel, const TailRun *t, BlockNumber newhead)
{
	PGAlignedBlock image;

	for (BlockNumber b = 0; b < t->nblocks; b++)
	{
		Buffer		buf;
		uint16		type;

		vacuum_delay_point();
		buf = ReadBuffer(rel, t->head + b);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		memcpy(image.data, BufferGetPage(buf), BLCKSZ);
		UnlockReleaseBuffer(buf);
		type = KvamPageType(image.data);
		if (type < KVAM_PAGE_RUN_HEAD || type > KVAM_PAGE_RUN_BLOOM ||
			(b == 0) != (type == KVAM_PAGE_RUN_HEAD))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("kvam run " UINT64_FORMAT " of relation \"%s\" has an invalid page at block %u",
							t->run_id, RelationGetRelationName(rel),
							t->head + b)));
		KvamRunPageFixup(image.data, newhead - t->head);

		buf = ReadBufferExtended(rel, MAIN_FORKNUM, newhead + b,
								 RBM_ZERO_AND_LOCK, NULL);
		memcpy(BufferGetPage(buf), image.data, BLCKSZ);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	/* log_newpage_range locks the buffers itself: hold none here */
	if (RelationNeedsWAL(rel))
		log_newpage_range(rel, MAIN_FORKNUM, newhead, newhead + t->nblocks,
						  true);
}

/*
 * publish points every reference to run 't' in the manifests of
 * partitions idx[0..n-1] at 'newhead', in one critical section and one
 * WAL record (full images, as the manifests are always logged).  Returns
 * false, changing nothing, if one of them no longer references the run.
 */
static bool
publish(Relation rel, KvamRelInfo *info, const TailRun *t, int *idx, int n,
		BlockNumber newhead)
{
	Buffer		bufs[XLR_MAX_BLOCK_ID];
	bool		ok = true;

	for (int i = 0; i < n; i++)
	{
		Page		page;

		bufs[i] = KvamManifestLockForEdit(rel, info, idx[i]);
		page = BufferGetPage(bufs[i]);
		if (!KvamManifestIsLive(page, info->parts[idx[i]].partid) ||
			!KvamManifestHasRun(KvamPageGetManifest(page), t->head, t->run_id))
			ok = false;
	}
	if (ok)
	{
		/* more block references than the default: reserve outside the section */
		if (RelationNeedsWAL(rel) && n > XLR_NORMAL_MAX_BLOCK_ID)
			XLogEnsureRecordSpace(n - 1, 0);
		START_CRIT_SECTION();
		for (int i = 0; i < n; i++)
		{
			KvamManifest mf = KvamPageGetManifest(BufferGetPage(bufs[i]));

			/* every reference: a merged partition may hold one run twice */
			for (uint32 r = 0; r < mf->nruns; r++)
				if (mf->runs[r].head == t->head &&
					mf->runs[r].run_id == t->run_id)
					mf->runs[r].head = newhead;
			MarkBufferDirty(bufs[i]);
		}
		if (RelationNeedsWAL(rel))
		{
			XLogRecPtr	recptr;

			XLogBeginInsert();
			for (int i = 0; i < n; i++)
				XLogRegisterBuffer(i, bufs[i],
								   REGBUF_FORCE_IMAGE | REGBUF_STANDARD);
			recptr = XLogInsert(RM_XLOG_ID, XLOG_FPI);
			for (int i = 0; i < n; i++)
				PageSetLSN(BufferGetPage(bufs[i]), recptr);
		}
		END_CRIT_SECTION();
	}
	for (int i = 0; i < n; i++)
		UnlockReleaseBuffer(bufs[i]);
	return ok;
}

/*
 * move_run moves run 't' into reusable space ending at or before 'limit'.
 */
static MoveResult
move_run(Relation rel, KvamRelInfo *info, const TailRun *t, BlockNumber limit)
{
	int		   *idx = palloc(info->npartitions * sizeof(int));
	int		   *locked = palloc(info->npartitions * sizeof(int));
	int			nlocked;
	int			n;
	BlockNumber newhead;
	MoveResult	result = MOVE_STOP;

	/*
	 * Hold off compactions of the partitions that reference the run (in
	 * partition order; compactions take one such lock at a time), then
	 * look again: a compaction that finished meanwhile may have dropped it.
	 * Splits and merges, the only way to add references, are excluded by
	 * the caller's relation lock.
	 */
	nlocked = KvamRunReferences(rel, info, t->head, t->run_id, locked);
	if (nlocked == 0)
	{
		pfree(idx);
		pfree(locked);
		return MOVE_GONE;
	}
	if (nlocked > XLR_MAX_BLOCK_ID)
	{
		/* more manifests than one WAL record can carry: leave it */
		pfree(idx);
		pfree(locked);
		return MOVE_STOP;
	}
	for (int i = 0; i < nlocked; i++)
		LockPage(rel, info->parts[locked[i]].manifest, ExclusiveLock);
	n = KvamRunReferences(rel, info, t->head, t->run_id, idx);
	if (n == 0)
		result = MOVE_GONE;
	else
	{
		KvamSpaceLockAlloc(rel);
		newhead = KvamSpaceAllocBelow(rel, t->nblocks, limit);
		if (!BlockNumberIsValid(newhead))
			KvamSpaceUnlockAlloc(rel);	/* taken meanwhile: stop */
		else
		{
			copy_run(rel, t, newhead);
			fail_point("publish");
			if (!publish(rel, info, t, idx, n, newhead))
			{
				/* cannot happen under our locks; the copy was never seen */
				KvamSpaceRetire(rel, newhead, t->nblocks, false);
				KvamSpaceUnlockAlloc(rel);
				elog(ERROR, "kvam run " UINT64_FORMAT " of relation \"%s\" changed while it was moved",
					 t->run_id, RelationGetRelationName(rel));
			}
			fail_point("retire");
			KvamSpaceRetire(rel, t->head, t->nblocks, true);
			KvamSpaceUnlockAlloc(rel);
			elog(DEBUG1, "kvam moved run " UINT64_FORMAT " of \"%s\" (%u blocks) from block %u to %u",
				 t->run_id, RelationGetRelationName(rel), t->nblocks,
				 t->head, newhead);
			result = MOVE_DONE;
		}
	}
	for (int i = nlocked - 1; i >= 0; i--)
		UnlockPage(rel, info->parts[locked[i]].manifest, ExclusiveLock);
	pfree(idx);
	pfree(locked);
	return result;
}

/*
 * KvamRelocateTail: see relocate.h.
 */
void
KvamRelocateTail(Relation rel, KvamRelInfo *info, BlockNumber max_blocks,
				 bool worth_it, KvamRelocateStats *stats)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
	uint8	   *owner;
	TailRun    *runs;
	int			nruns;
	TailRun    *tail;
	BlockNumber *cutpt;
	int			ntail = 0;
	BlockNumber tailfree;		/* free blocks at the very end */
	BlockNumber blk;
	KvamFreeExtent *ext;
	KvamFreeExtent *scratch;
	int			next;
	int			best = 0;
	BlockNumber moved = 0;
	BlockNumber limit;
	BlockNumber newend = 0;

	memset(stats, 0, sizeof(*stats));
	if (nblocks < 2 || max_blocks == 0)
		return;

	owner = palloc(nblocks);
	KvamSpaceBlockMap(rel, info, nblocks, owner, NULL, NULL);
	runs = all_runs(rel, info, &nruns);

	/*
	 * The tail: free blocks and whole runs, from the end down.  cutpt[k]
	 * is where the cut would stop once tail[0..k] are gone: the end of
	 * what lies below tail[k] and the free blocks under it.
	 */
	tail = palloc(Max(nruns, 1) * sizeof(TailRun));
	cutpt = palloc(Max(nruns, 1) * sizeof(BlockNumber));
	blk = nblocks - 1;
	while (blk > 0 && owner[blk] == KVAM_OWN_FREE)
		blk--;
	tailfree = nblocks - 1 - blk;
	while (blk > 0)
	{
		TailRun    *r = NULL;

		if (owner[blk] == KVAM_OWN_RUN)
			r = run_at(runs, nruns, blk);
		if (r == NULL || r->head + r->nblocks - 1 != blk || r->head == 0)
			break;
		tail[ntail] = *r;
		blk = r->head - 1;
		while (blk > 0 && owner[blk] == KVAM_OWN_FREE)
			blk--;
		cutpt[ntail++] = blk + 1;
	}
	pfree(owner);

	/*
	 * The longest prefix that fits below itself, within the bound.  Its
	 * runs land below the last one's head; the file can then end at the
	 * higher of the highest landing and what stays under the tail.
	 */
	ext = KvamSpaceReusable(rel, info, &next);
	scratch = palloc(Max(next, 1) * sizeof(KvamFreeExtent));
	for (int k = 1; k <= ntail; k++)
	{
		BlockNumber top;

		if (max_blocks != InvalidBlockNumber &&
			moved + tail[k - 1].nblocks > max_blocks)
			break;
		if (!fits(ext, next, scratch, tail, k, tail[k - 1].head, &top))
			break;
		moved += tail[k - 1].nblocks;
		best = k;
		newend = Max(top, cutpt[k - 1]);
	}
	pfree(scratch);
	pfree(ext);
	if (best == 0)
		goto done;
	limit = tail[best - 1].head;
	if (worth_it &&
		nblocks - newend - tailfree < RELOCATE_MIN_GAIN &&
		nblocks - newend - tailfree < nblocks / RELOCATE_GAIN_FRACTION)
		goto done;
	stats->cut = nblocks - newend;

	for (int k = 0; k < best; k++)
	{
		MoveResult r = move_run(rel, info, &tail[k], limit);

		if (r == MOVE_STOP)
			break;
		if (r == MOVE_DONE)
		{
			stats->runs++;
			stats->blocks += tail[k].nblocks;
		}
	}
	if (stats->runs > 0)
		fail_point("truncate");

done:
	pfree(cutpt);
	pfree(tail);
	pfree(runs);
}
