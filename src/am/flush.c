/*-------------------------------------------------------------------------
 *
 * flush.c
 *	  Flush: turn a partition's L0 into an immutable sorted run.
 *
 * A flush walks the memtable in key order (versions of a key newest
 * first), drops versions of aborted writers and lock markers of finished
 * lockers, writes the rest into a new run (run.h; full-page WAL), and then
 * publishes the run with one manifest edit that also empties L0.  A crash
 * before the manifest edit leaves the run's pages unreferenced (reclaimed
 * by compaction's space management) and the data still in L0; a crash
 * after it finds the data in the run.  Either way no version is lost or
 * doubled.
 *
 * The flush holds the partition lock exclusively for its whole duration:
 * writers of that partition wait, readers that already took their view
 * continue undisturbed (L0 pages are not recycled while they may be read).
 *
 * IDENTIFICATION
 *	  src/am/flush.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/run.h"

static bool
keep_on_flush(KvamVersion v)
{
	KvamXminStatus st = KvamXminStatusOf(v);

	if (st == KVAM_XS_ABORTED)
		return false;
	if ((v->flags & KVAM_V_LOCK) && st == KVAM_XS_COMMITTED)
		return false;
	return true;
}

/*
 * publish_run adds 'ref' as the partition's newest run, or, with
 * 'replace_all', makes it the only one, and empties L0.
 */
static void
publish_run(Relation rel, KvamRelInfo *info, int idx, KvamRunRef *ref,
			bool replace_all)
{
	Buffer		buf = ReadBuffer(rel, info->parts[idx].manifest);
	Page		page;
	KvamManifest mf;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	mf = KvamPageGetManifest(page);

	START_CRIT_SECTION();
	if (replace_all)
		mf->nruns = 0;
	if (ref->nversions > 0)
	{
		memmove(&mf->runs[1], &mf->runs[0], mf->nruns * sizeof(KvamRunRef));
		mf->runs[0] = *ref;
		mf->nruns++;
	}
	mf->l0_head = InvalidBlockNumber;
	mf->l0_tail = InvalidBlockNumber;
	mf->l0_pages = 0;
	mf->l0_bytes = 0;
	mf->l0_versions = 0;
	mf->flushes++;
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) +
		KvamManifestSize(mf->nruns);
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
}

/*
 * finish_run writes the built run, publishes it (as the newest run, or as
 * the only one with 'replace_all') and starts an empty L0 and memtable.
 * Returns the versions written.
 */
static uint64
finish_run(Relation rel, KvamRelInfo *info, int idx, KvamPart *p,
		   KvamRunBuilder *b, uint32 level, bool replace_all)
{
	KvamRunRef	ref;

	KvamRunBuildFinish(b, &ref);
	ref.level = level;
	publish_run(rel, info, idx, &ref, replace_all);

	KvamMemtableClear(p);
	p->l0_head = InvalidBlockNumber;
	p->idx_blk = InvalidBlockNumber;
	p->idx_off = InvalidOffsetNumber;
	p->built = true;
	return ref.nversions;
}

uint64
KvamFlushPartition(Relation rel, KvamRelInfo *info, int idx, KvamPart *p)
{
	KvamManifest mf = KvamManifestRead(rel, info, idx);
	KvamRunBuilder *b;
	uint32		node;
	uint64		run_id;
	bool		empty_l0 = !BlockNumberIsValid(mf->l0_head);
	BlockNumber old_head = mf->l0_head;
	uint64		nversions;

	Assert(LWLockHeldByMeInMode(&p->lock, LW_EXCLUSIVE));

	if (empty_l0)
	{
		pfree(mf);
		return 0;
	}
	pfree(mf);

	run_id = KvamMetaNextRunId(rel);
	b = KvamRunBuildBegin(rel, info->parts[idx].partid, p->nentries, run_id);
	for (node = KvamMemtableFirst(p); node != 0; node = KvamMemtableNext(node))
	{
		ItemPointerData tid = KvamMtNodeGet(node)->tid;
		Size		len;
		KvamVersion v = KvamVersionFetch(rel, &tid, &len);

		CHECK_FOR_INTERRUPTS();
		if (v == NULL)
			elog(ERROR, "kvam memtable points at (%u,%u), which holds no version",
				 ItemPointerGetBlockNumber(&tid), ItemPointerGetOffsetNumber(&tid));
		if (keep_on_flush(v))
			KvamRunBuildAdd(b, v, len);
		pfree(v);
	}
	nversions = finish_run(rel, info, idx, p, b, 0, false);
	KvamCompactAfterFlush(rel, info, idx, old_head);
	return nversions;
}

void
KvamMaybeFlush(Relation rel, KvamRelInfo *info, int idx, KvamPart *p)
{
	if (p->l0_bytes >= (uint64) kvam_memtable_size_kb * 1024)
		KvamFlushPartition(rel, info, idx, p);
}

PG_FUNCTION_INFO_V1(kvam_flush);

/*
 * kvam.flush(regclass) RETURNS bigint: flush every partition's L0 into
 * runs; returns the number of versions written.  Owner only.
 */
Datum
kvam_flush(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	KvamRelInfo *info;
	uint64		total = 0;
	int			i;

	rel = KvamOpenTable(relid, RowExclusiveLock, true);
	info = KvamRelGetInfo(rel);
	for (i = 0; i < info->npartitions; i++)
	{
		KvamPart   *p = KvamPartAcquire(rel, info, i, LW_EXCLUSIVE);

		total += KvamFlushPartition(rel, info, i, p);
		KvamPartRelease(p);
	}

	/*
	 * Make the flush durable before returning, so that an operator (or a
	 * test) that saw it return finds it done after a crash.  Not needed for
	 * correctness: an undone flush leaves the versions in L0.
	 */
	if (RelationNeedsWAL(rel))
		XLogFlush(GetXLogInsertRecPtr());
	relation_close(rel, NoLock);
	PG_RETURN_INT64((int64) total);
}
