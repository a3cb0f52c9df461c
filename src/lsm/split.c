/*-------------------------------------------------------------------------
 *
 * split.c
 *	  Partition split and merge (see split.h), their policy for the
 *	  auto-admin, and the SQL functions kvam.split_partition and
 *	  kvam.merge_partitions.
 *
 * The steps of a split (a merge is the same with two old partitions and
 * one new):
 *
 *	1. the old partition's compaction lock (a page lock on its manifest
 *	   block), so no compaction of it runs meanwhile;
 *	2. flush its L0 (KvamFlushPartition) until, under its exclusive
 *	   partition lock, L0 and both memtables are empty.  After the first
 *	   attempt the slot is marked draining: writers wait (after taking the
 *	   partition lock, before appending) until the split is done, so a busy
 *	   partition cannot keep its L0 from emptying;
 *	3. allocate the new manifest pages (free space or extension, under the
 *	   allocation lock) and take the partition map lock;
 *	4. under the partition lock: one critical section edits the metapage
 *	   (map), the old manifest (KVAM_MF_RETIRED) and the new manifests
 *	   (runs referenced, bounded to the new ranges), logged as one XLOG_FPI
 *	   record of the four pages; the slot is given up;
 *	5. retire the old manifest page to the free map; relcache invalidation.
 *
 * A crash before step 4's record leaves the old map, with the partition's
 * data in runs (flushed) and the allocated pages unreferenced (orphans for
 * VACUUM's sweep); after it, the new map, and the old manifest page as an
 * orphan if step 5 did not happen.  Failure points for tests
 * (kvam.split_fail_at, superuser): "flushed" (after step 2), "publish"
 * (after step 3), "retire" (between steps 4 and 5); "<point>:panic" for a
 * PANIC.  Pause point (kvam.split_pause_at, superuser): "draining" (the
 * partitions marked draining, until pg_advisory_lock(<table OID>) is free).
 *
 * Writers that find a partition draining wait for its compaction lock
 * (am/modify.c), which the split holds from step 1 until the marks are
 * cleared: so they wait without LWLocks, cancellably, and wake when the
 * split or merge is over or has failed (an abort releases the lock after
 * undrain_at_abort has cleared the marks).
 *
 * Merge and run levels.  The merged manifest lists level-0 runs of both
 * partitions newest first (by run id, which keeps each side's order), then
 * for each level L >= 1 the left partition's level-L runs followed by the
 * right's: their references' hash ranges lie in the two disjoint halves,
 * so runs of one level stay disjoint and in key order, and for any key
 * the runs holding it (all from one side) keep their order.  Two
 * references of one run at the same level and adjacent ranges (a split
 * undone) become one reference.
 *
 * IDENTIFICATION
 *	  src/lsm/split.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/pg_control.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/ipc.h"
#include "storage/sinval.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/l0.h"
#include "lsm/run.h"
#include "lsm/shmem.h"
#include "lsm/space.h"
#include "lsm/split.h"
#include "stream/stream.h"

int			kvam_partition_split_kb = 256 * 1024;
int			kvam_partition_merge_kb = 16 * 1024;
static char *kvam_split_fail_at = NULL;
static char *kvam_split_pause_at = NULL;
static bool exit_callback_registered = false;

void
KvamSplitInitGucs(void)
{
	DefineCustomIntVariable("kvam.partition_split_bytes",
							"Estimated live size of a partition above which the auto-admin splits it.",
							"0 disables automatic splits.",
							&kvam_partition_split_kb,
							256 * 1024, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.partition_merge_bytes",
							"Estimated live size below which the auto-admin merges two adjacent cold partitions.",
							"Only while the table has more than kvam.default_partitions partitions; 0 disables automatic merges.",
							&kvam_partition_merge_kb,
							16 * 1024, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.split_fail_at",
							   "Test only: fail partition splits and merges at a named point.",
							   "flushed, publish or retire; append :panic for a PANIC.",
							   &kvam_split_fail_at, "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.split_pause_at",
							   "Test only: pause partition splits and merges at a named point.",
							   "draining: with the partitions marked draining, wait until the advisory lock keyed by the table's OID is free.",
							   &kvam_split_pause_at, "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

/* Is kvam.split_pause_at set to 'name'? */
static bool
pause_point(const char *name)
{
	return kvam_split_pause_at != NULL &&
		strcmp(kvam_split_pause_at, name) == 0;
}

/*
 * Pause until another session releases pg_advisory_lock(<OID of rel>): a
 * lock wait, so isolation tests see it and it can be cancelled.  The
 * caller holds no LWLock.
 */
static void
pause_here(Relation rel)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, RelationGetRelid(rel), 1);
	(void) LockAcquire(&tag, ShareLock, false, false);
	LockRelease(&tag, ShareLock, false);
}

static void
fail_point(const char *name)
{
	KvamFailPoint(kvam_split_fail_at, name, "partition split");
}

/* ---------- draining: writers wait while the partition is emptied ---------- */

/*
 * Clear every draining and editing mark of this backend (no lock: writers
 * and flushers re-check).
 */
static void
undrain_all(void)
{
	for (int i = 0; i < KvamShmem->nslots; i++)
	{
		if (KvamShmem->parts[i].editing_pid == MyProcPid)
			KvamShmem->parts[i].editing_pid = 0;
		if (KvamShmem->parts[i].draining_pid == MyProcPid)
		{
			KvamShmem->parts[i].draining_pid = 0;
			ConditionVariableBroadcast(&KvamShmem->parts[i].cv);
		}
	}
}

static void
undrain_at_exit(int code, Datum arg)
{
	undrain_all();
}

static void
undrain_at_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		undrain_all();
}

/* (a split that fails inside a subtransaction, e.g. a PL/pgSQL block) */
static void
undrain_at_subabort(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		undrain_all();
}

static int
find_partid(KvamRelInfo *info, uint32 partid)
{
	for (int i = 0; i < (int) info->npartitions; i++)
		if (info->parts[i].partid == partid)
			return i;
	return -1;
}

static void
no_partition(Relation rel, uint32 partid)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("kvam partition %u of relation \"%s\" does not exist",
					partid, RelationGetRelationName(rel))));
}

/*
 * Flush partitions idx[0..n-1] until their L0 and memtables are empty, and
 * return with their partition locks held exclusively (in index order) in
 * parts[].  The caller holds their compaction locks, which writers that
 * find a partition draining wait for (am/modify.c).
 */
static void
drain(Relation rel, KvamRelInfo *info, const int *idx, int n, KvamPart **parts)
{
	if (pause_point("draining"))
	{
		/* test only: hold the partitions in their draining state */
		for (int i = 0; i < n; i++)
		{
			KvamPart   *p = KvamPartAcquire(rel, info, idx[i], LW_EXCLUSIVE);

			if (p != NULL)
			{
				p->draining_pid = MyProcPid;
				KvamPartRelease(p);
			}
		}
		pause_here(rel);
	}
	for (int tries = 0;; tries++)
	{
		bool		empty = true;
		int			locked = 0;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			(void) KvamFlushPartition(rel, info, idx[i]);
		for (int i = 0; i < n && empty; i++)
		{
			KvamPart   *p = KvamPartAcquire(rel, info, idx[i], LW_EXCLUSIVE);
			KvamManifest mf;

			if (p == NULL)
				elog(ERROR, "kvam partition %u of \"%s\" vanished during a split",
					 info->parts[idx[i]].partid, RelationGetRelationName(rel));
			parts[locked++] = p;
			if (tries > 0)
				p->draining_pid = MyProcPid;
			mf = KvamManifestRead(rel, info, idx[i]);
			empty = !p->has_frozen && p->mt.nentries == 0 &&
				!BlockNumberIsValid(mf->l0_head);
			pfree(mf);
		}
		if (empty)
			return;
		while (locked > 0)
			KvamPartRelease(parts[--locked]);
	}
}

/* A block for a new manifest page (allocation lock held by the caller). */
static BlockNumber
alloc_page(Relation rel)
{
	BlockNumber blk = KvamSpaceAlloc(rel, 1);
	Buffer		buf;
	bool		needlock = !RELATION_IS_LOCAL(rel);

	if (BlockNumberIsValid(blk))
		return blk;
	if (needlock)
		LockRelationForExtension(rel, ExclusiveLock);
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	if (needlock)
		UnlockRelationForExtension(rel, ExclusiveLock);
	blk = BufferGetBlockNumber(buf);
	ReleaseBuffer(buf);
	return blk;
}

/*
 * Mark the edited, exclusively locked buffers dirty and (if the relation
 * needs WAL) log them as one record of page images.  Inside the caller's
 * critical section.
 */
static void
edited_pages(Relation rel, Buffer *bufs, int n)
{
	XLogRecPtr	recptr;

	for (int i = 0; i < n; i++)
		MarkBufferDirty(bufs[i]);
	if (!RelationNeedsWAL(rel))
		return;
	XLogBeginInsert();
	for (int i = 0; i < n; i++)
		XLogRegisterBuffer(i, bufs[i], REGBUF_FORCE_IMAGE | REGBUF_STANDARD);
	recptr = XLogInsert(RM_XLOG_ID, XLOG_FPI);
	for (int i = 0; i < n; i++)
		PageSetLSN(BufferGetPage(bufs[i]), recptr);
}

/* Append to 'out' the runs of 'mf' that hold hashes of [lo, hi], bounded. */
static int
bounded_runs(KvamManifest mf, uint64 lo, uint64 hi, KvamRunRef *out)
{
	int			n = 0;

	for (uint32 r = 0; r < mf->nruns; r++)
	{
		if (!KvamRunRefMayHoldHash(&mf->runs[r], lo, hi))
			continue;
		out[n] = mf->runs[r];
		out[n].hash_first = Max(out[n].hash_first, lo);
		out[n].hash_last = Min(out[n].hash_last, hi);
		n++;
	}
	return n;
}

/*
 * Tell other backends now that the map changed (the transactional
 * invalidation below reaches standbys, at commit; a backend that misses
 * both still finds out from the retired manifests).
 */
static void
inval_now(Relation rel)
{
	SharedInvalidationMessage msg;

	msg.rc.id = SHAREDINVALRELCACHE_ID;
	msg.rc.dbId = rel->rd_rel->relisshared ? InvalidOid : MyDatabaseId;
	msg.rc.relId = RelationGetRelid(rel);
	SendSharedInvalidMessages(&msg, 1);
}

/*
 * The common end of a split or merge: the new map is published and the
 * old partitions' locks are still held.  Give the slots up, retire the old
 * manifest pages and the L0 chunks reserved for the old partitions,
 * release the locks taken for the edit, invalidate.
 */
static void
finish_edit(Relation rel, KvamPart **parts, const BlockNumber *oldblks,
			const uint32 *oldids, int n)
{
	for (int i = 0; i < n; i++)
	{
		KvamPartSlotRelease(parts[i]);
		KvamPartRelease(parts[i]);
		ConditionVariableBroadcast(&parts[i]->cv);
	}
	undrain_all();
	KvamMapUnlock(rel, ExclusiveLock);
	fail_point("retire");
	for (int i = 0; i < n; i++)
	{
		KvamSpaceRetire(rel, oldblks[i], 1, true);
		KvamSpaceReleaseChunks(rel, oldids[i]);
	}
	KvamSpaceUnlockAlloc(rel);
	inval_now(rel);
	CacheInvalidateRelcache(rel);
	KvamRelForgetInfo(rel);
	/* durable before returning, as kvam.flush */
	if (RelationNeedsWAL(rel) && XactLastRecEnd != InvalidXLogRecPtr)
		XLogFlush(XactLastRecEnd);
}

static void
prepare(Relation rel)
{
	KvamCheckPreloaded();
	if (!exit_callback_registered)
	{
		before_shmem_exit(undrain_at_exit, 0);
		RegisterXactCallback(undrain_at_abort, NULL);
		RegisterSubXactCallback(undrain_at_subabort, NULL);
		exit_callback_registered = true;
	}
}

/*
 * Take the compaction locks of the partitions, drain them, allocate
 * 'nnew' manifest pages and take the map lock; returns with the partition
 * locks held.  An abort clears the draining marks (undrain_at_abort).
 */
static void
begin_edit(Relation rel, KvamRelInfo *info, const int *idx, int n,
		   KvamPart **parts, BlockNumber *newblks, int nnew)
{
	for (int i = 0; i < n; i++)
		LockPage(rel, info->parts[idx[i]].manifest, ExclusiveLock);

	/*
	 * A flusher holding a claim may need the compaction lock we now hold to
	 * make room for its run, while KvamFlushPartition waits for that claim:
	 * the editing mark makes it give the claim up to us instead
	 * (KvamCompactForRoom), and our own flush compacts under our lock.
	 */
	for (int i = 0; i < n; i++)
	{
		KvamPart   *p = KvamPartAcquire(rel, info, idx[i], LW_EXCLUSIVE);

		if (p != NULL)
		{
			p->editing_pid = MyProcPid;
			KvamPartRelease(p);
		}
	}
	for (int i = 0; i < n; i++)
		(void) KvamFlushPartition(rel, info, idx[i]);
	fail_point("flushed");
	KvamSpaceLockAlloc(rel);
	for (int i = 0; i < nnew; i++)
		newblks[i] = alloc_page(rel);
	fail_point("publish");
	KvamMapLock(rel, ExclusiveLock);
	drain(rel, info, idx, n, parts);
}

/* Lock buffers of blocks blks[0..n-1] exclusively. */
static void
lock_pages(Relation rel, const BlockNumber *blks, Buffer *bufs, int n)
{
	for (int i = 0; i < n; i++)
	{
		bufs[i] = ReadBuffer(rel, blks[i]);
		LockBuffer(bufs[i], BUFFER_LOCK_EXCLUSIVE);
	}
}

/*
 * KvamSplitPartition: see split.h.
 */
void
KvamSplitPartition(Relation rel, uint32 partid, StringInfo out)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	int			idx = find_partid(info, partid);
	uint64		lo,
				hi,
				mid;
	KvamPart   *parts[1];
	BlockNumber blks[4];		/* metapage, old manifest, left, right */
	Buffer		bufs[4];
	KvamManifest pmf;
	KvamRunRef *lruns,
			   *rruns;
	int			nl,
				nr;
	uint32		lid,
				rid;

	prepare(rel);
	if (idx < 0)
		no_partition(rel, partid);
	lo = info->parts[idx].hash_lo;
	hi = KvamPartHashHi(info, idx);
	if (info->npartitions >= KVAM_MAX_PARTITIONS || hi == lo)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam partition %u of relation \"%s\" cannot be split",
						partid, RelationGetRelationName(rel)),
				 hi == lo ?
				 errdetail("Its hash range holds a single hash.") :
				 errdetail("A table has at most %d partitions.", KVAM_MAX_PARTITIONS)));
	mid = lo + (hi - lo) / 2;

	begin_edit(rel, info, &idx, 1, parts, &blks[2], 2);

	blks[0] = KVAM_METAPAGE_BLKNO;
	blks[1] = info->parts[idx].manifest;
	lock_pages(rel, blks, bufs, 4);
	pmf = KvamPageGetManifest(BufferGetPage(bufs[1]));
	if (!KvamManifestIsLive(BufferGetPage(bufs[1]), partid) ||
		BlockNumberIsValid(pmf->l0_head))
		elog(ERROR, "kvam partition %u of \"%s\" changed during its split",
			 partid, RelationGetRelationName(rel));
	lruns = palloc(Max(pmf->nruns, 1) * sizeof(KvamRunRef));
	rruns = palloc(Max(pmf->nruns, 1) * sizeof(KvamRunRef));
	nl = bounded_runs(pmf, lo, mid, lruns);
	nr = bounded_runs(pmf, mid + 1, hi, rruns);

	START_CRIT_SECTION();
	{
		KvamMetaPage m = KvamPageGetMeta(BufferGetPage(bufs[0]));
		KvamPartMapEntry ents[2];
		KvamManifest lmf,
					rmf;
		KvamClosedPart closed;

		lid = m->next_partid++;
		rid = m->next_partid++;
		KvamManifestInitPage(BufferGetPage(bufs[2]), lid, lo, mid, partid,
							 KVAM_NO_PARTID);
		KvamManifestInitPage(BufferGetPage(bufs[3]), rid, mid + 1, hi, partid,
							 KVAM_NO_PARTID);
		lmf = KvamPageGetManifest(BufferGetPage(bufs[2]));
		rmf = KvamPageGetManifest(BufferGetPage(bufs[3]));
		memcpy(lmf->runs, lruns, nl * sizeof(KvamRunRef));
		lmf->nruns = nl;
		memcpy(rmf->runs, rruns, nr * sizeof(KvamRunRef));
		rmf->nruns = nr;
		KvamManifestSetLower(BufferGetPage(bufs[2]));
		KvamManifestSetLower(BufferGetPage(bufs[3]));
		pmf->flags |= KVAM_MF_RETIRED;
		closed.hash_lo = lo;
		closed.partid = partid;
		closed.parent = pmf->parent;
		KvamMetaAddClosed(BufferGetPage(bufs[0]), &closed);
		ents[0].hash_lo = lo;
		ents[0].partid = lid;
		ents[0].manifest = blks[2];
		ents[1].hash_lo = mid + 1;
		ents[1].partid = rid;
		ents[1].manifest = blks[3];
		KvamMetaReplaceParts(BufferGetPage(bufs[0]), idx, 1, ents, 2);
		edited_pages(rel, bufs, 4);
	}
	END_CRIT_SECTION();
	for (int i = 0; i < 4; i++)
		UnlockReleaseBuffer(bufs[i]);

	finish_edit(rel, parts, &blks[1], &partid, 1);
	UnlockPage(rel, blks[1], ExclusiveLock);

	if (out)
		appendStringInfo(out, "{\"parent\": %u, \"children\": [%u, %u], "
						 "\"runs\": [%d, %d]}", partid, lid, rid, nl, nr);
	pfree(lruns);
	pfree(rruns);
}

/* Append 'ref' to runs[*n], joining it to the last one if it continues it. */
static void
add_merged(KvamRunRef *runs, int *n, const KvamRunRef *ref)
{
	KvamRunRef *last = *n > 0 ? &runs[*n - 1] : NULL;

	if (last && last->run_id == ref->run_id && last->head == ref->head &&
		last->level == ref->level && last->hash_last + 1 == ref->hash_first)
	{
		last->hash_last = ref->hash_last;
		return;
	}
	runs[(*n)++] = *ref;
}

/* The merged run list of 'a' (left) and 'b' (right); see the header. */
static int
merged_runs(KvamManifest a, KvamManifest b, KvamRunRef *runs)
{
	int			n = 0;
	uint32		ia = 0,
				ib = 0;
	uint32		maxlevel = 0;

	/* level 0: newest first (a run of both sides: the left's range first) */
	while ((ia < a->nruns && a->runs[ia].level == 0) ||
		   (ib < b->nruns && b->runs[ib].level == 0))
	{
		bool		take_a = ia < a->nruns && a->runs[ia].level == 0 &&
			(ib >= b->nruns || b->runs[ib].level != 0 ||
			 a->runs[ia].run_id >= b->runs[ib].run_id);

		add_merged(runs, &n, take_a ? &a->runs[ia++] : &b->runs[ib++]);
	}
	for (uint32 r = 0; r < a->nruns; r++)
		maxlevel = Max(maxlevel, a->runs[r].level);
	for (uint32 r = 0; r < b->nruns; r++)
		maxlevel = Max(maxlevel, b->runs[r].level);
	for (uint32 level = 1; level <= maxlevel; level++)
	{
		for (uint32 r = 0; r < a->nruns; r++)
			if (a->runs[r].level == level)
				add_merged(runs, &n, &a->runs[r]);
		for (uint32 r = 0; r < b->nruns; r++)
			if (b->runs[r].level == level)
				add_merged(runs, &n, &b->runs[r]);
	}
	return n;
}

/*
 * No merge while the table's stream is enabled.  A stream shard is a
 * partition, and a shard names one parent (DynamoDB's ParentShardId), so a
 * merged partition's shard could name only one of the two closed shards:
 * a reader that processes parents before children (as DynamoDB's rule and
 * the KCL do) could read an item's newer records in the merged shard
 * before its older ones in the unnamed parent.  No single-parent naming
 * can help (the parent chain of a shard cannot hold two shards that were
 * open at the same time), and DynamoDB itself never merges partitions;
 * splits are fine (each child has exactly one parent).
 */
static void
stream_refuses_merge(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot merge partitions of kvam table \"%s\" while its stream is enabled",
					RelationGetRelationName(rel)),
			 errdetail("A stream shard has one parent shard, so the shard of a merged partition could not make readers finish both old shards first."),
			 errhint("Disable the table's stream to merge its partitions.")));
}

/*
 * KvamMergePartitions: see split.h.
 */
void
KvamMergePartitions(Relation rel, uint32 partid, StringInfo out)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	int			idx[2];
	KvamPart   *parts[2];
	BlockNumber blks[4];		/* metapage, left, right, merged */
	Buffer		bufs[4];
	KvamManifest amf,
				bmf;
	KvamRunRef *runs;
	int			n;
	uint32		newid;
	uint32		rightid;

	prepare(rel);
	idx[0] = find_partid(info, partid);
	if (idx[0] < 0)
		no_partition(rel, partid);
	if (idx[0] + 1 >= (int) info->npartitions)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvam partition %u of relation \"%s\" has no right neighbour",
						partid, RelationGetRelationName(rel)),
				 errhint("Merge the partition to its left with it instead.")));
	idx[1] = idx[0] + 1;
	rightid = info->parts[idx[1]].partid;
	if (KvamStreamEnabled(rel))
		stream_refuses_merge(rel);

	begin_edit(rel, info, idx, 2, parts, &blks[3], 1);

	blks[0] = KVAM_METAPAGE_BLKNO;
	blks[1] = info->parts[idx[0]].manifest;
	blks[2] = info->parts[idx[1]].manifest;
	lock_pages(rel, blks, bufs, 4);
	amf = KvamPageGetManifest(BufferGetPage(bufs[1]));
	bmf = KvamPageGetManifest(BufferGetPage(bufs[2]));
	if (!KvamManifestIsLive(BufferGetPage(bufs[1]), partid) ||
		!KvamManifestIsLive(BufferGetPage(bufs[2]), rightid) ||
		BlockNumberIsValid(amf->l0_head) || BlockNumberIsValid(bmf->l0_head))
		elog(ERROR, "kvam partitions %u and %u of \"%s\" changed during their merge",
			 partid, rightid, RelationGetRelationName(rel));
	runs = palloc((amf->nruns + bmf->nruns + 1) * sizeof(KvamRunRef));
	n = merged_runs(amf, bmf, runs);
	if (n > KVAM_MAX_RUNS_PER_PARTITION)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam partitions %u and %u of \"%s\" have too many runs to merge",
						partid, rightid, RelationGetRelationName(rel)),
				 errhint("Run kvam.compact() on the table first.")));

	START_CRIT_SECTION();
	{
		KvamMetaPage m = KvamPageGetMeta(BufferGetPage(bufs[0]));
		KvamPartMapEntry ent;
		KvamManifest nmf;
		KvamClosedPart closed;

		newid = m->next_partid++;
		KvamManifestInitPage(BufferGetPage(bufs[3]), newid, amf->hash_lo,
							 bmf->hash_hi, partid, rightid);
		nmf = KvamPageGetManifest(BufferGetPage(bufs[3]));
		memcpy(nmf->runs, runs, n * sizeof(KvamRunRef));
		nmf->nruns = n;
		KvamManifestSetLower(BufferGetPage(bufs[3]));
		amf->flags |= KVAM_MF_RETIRED;
		bmf->flags |= KVAM_MF_RETIRED;
		closed.hash_lo = amf->hash_lo;
		closed.partid = partid;
		closed.parent = amf->parent;
		KvamMetaAddClosed(BufferGetPage(bufs[0]), &closed);
		closed.hash_lo = bmf->hash_lo;
		closed.partid = rightid;
		closed.parent = bmf->parent;
		KvamMetaAddClosed(BufferGetPage(bufs[0]), &closed);
		ent.hash_lo = amf->hash_lo;
		ent.partid = newid;
		ent.manifest = blks[3];
		KvamMetaReplaceParts(BufferGetPage(bufs[0]), idx[0], 2, &ent, 1);
		edited_pages(rel, bufs, 4);
	}
	END_CRIT_SECTION();
	for (int i = 0; i < 4; i++)
		UnlockReleaseBuffer(bufs[i]);

	{
		uint32		oldids[2] = {partid, rightid};

		finish_edit(rel, parts, &blks[1], oldids, 2);
	}
	UnlockPage(rel, blks[2], ExclusiveLock);
	UnlockPage(rel, blks[1], ExclusiveLock);

	if (out)
		appendStringInfo(out, "{\"parents\": [%u, %u], \"partition\": %u, "
						 "\"runs\": %d}", partid, rightid, newid, n);
	pfree(runs);
}

/* ---------- policy ---------- */

/*
 * KvamPartitionSize (split.h) measures partition 'idx': 'bytes', its L0
 * pages and its runs' extents; 'live', what a full compaction would leave
 * of it, the measure the split and merge policy goes by (issue 3: sizes
 * that count every overwrite split partitions whose live data is small):
 *
 *	- L0 is left out: it is bounded by kvam.memtable_size and the stall
 *	  bytes, it holds every version of an overwritten key, and a flush
 *	  turns it into a run, after which the auto-admin evaluates the policy
 *	  again;
 *	- a run counts for its bytes x (distinct keys - tombstones) / versions,
 *	  from its head page: the versions of a key beyond its newest, which
 *	  compaction purges once no snapshot needs them, and deleted keys do
 *	  not count;
 *	- a key in several runs (a newer run overwriting an older one's key)
 *	  still counts once per run, since runs record nothing about their
 *	  overlap: in the leveled steady state the levels above the bottom are
 *	  about 1/fanout of it, so the estimate is that share too high, and a
 *	  small key set counts once per run, not once per overwrite;
 *	- a run shared after a split counts for the share of its key-hash range
 *	  that this reference covers (the run's range from its head page).
 *
 * Cost: one head page read per run (in shared buffers in practice).
 */
void
KvamPartitionSize(Relation rel, KvamRelInfo *info, int idx, uint64 *bytes,
				  uint64 *live)
{
	KvamManifest mf = KvamManifestRead(rel, info, idx);
	double		all = (double) mf->l0_pages * BLCKSZ;
	double		kept = 0;

	for (uint32 r = 0; r < mf->nruns; r++)
	{
		KvamRunRef *ref = &mf->runs[r];
		KvamRunHeaderData hdr;
		StringInfoData first,
					last;
		double		share = 1.0;
		double		run_bytes;

		if (ref->nblocks == 0)
			continue;
		initStringInfo(&first);
		initStringInfo(&last);
		KvamRunReadHeader(rel, ref, &hdr, &first, &last);
		if (mf->parent != KVAM_NO_PARTID &&
			first.len >= KVAM_KEY_HASH_BYTES && last.len >= KVAM_KEY_HASH_BYTES)
		{
			uint64		f = KvamKeyHashOf(first.data);
			uint64		l = KvamKeyHashOf(last.data);

			if (l > f)
				share = ((double) (ref->hash_last - ref->hash_first) + 1.0) /
					((double) (l - f) + 1.0);
		}
		pfree(first.data);
		pfree(last.data);
		run_bytes = Min(share, 1.0) * ref->nblocks * BLCKSZ;
		all += run_bytes;
		if (hdr.nversions > 0 && hdr.nkeys > hdr.ntombstones)
			kept += run_bytes * (double) (hdr.nkeys - hdr.ntombstones) /
				(double) hdr.nversions;
	}
	pfree(mf);
	*bytes = (uint64) all;
	*live = (uint64) Min(kept, all);
}

/*
 * May partitions idx and idx + 1 be merged automatically?  Both cold
 * (nothing written since their last flush: L0 empty), and their runs fit
 * one manifest (a merge that fails would fail again every round).
 */
static bool
mergeable(Relation rel, KvamRelInfo *info, int idx)
{
	KvamManifest a = KvamManifestRead(rel, info, idx);
	KvamManifest b = KvamManifestRead(rel, info, idx + 1);
	bool		ok = !BlockNumberIsValid(a->l0_head) &&
		!BlockNumberIsValid(b->l0_head) &&
		a->nruns + b->nruns <= KVAM_MAX_RUNS_PER_PARTITION;

	pfree(a);
	pfree(b);
	return ok;
}

/*
 * KvamPartitionAutoMaintain: see split.h.
 */
bool
KvamPartitionAutoMaintain(Relation rel)
{
	KvamRelInfo *info;
	uint64		split_bytes = (uint64) kvam_partition_split_kb * 1024;
	uint64		merge_bytes = (uint64) kvam_partition_merge_kb * 1024;
	uint64	   *sizes;
	int			best = -1;

	if (split_bytes == 0 && merge_bytes == 0)
		return false;
	if (!ConditionalLockRelation(rel, ShareUpdateExclusiveLock))
		return false;
	info = KvamRelGetInfo(rel);
	sizes = palloc(info->npartitions * sizeof(uint64));
	for (int i = 0; i < (int) info->npartitions; i++)
	{
		uint64		bytes;

		/* splits and merges go by the same measure: the live size */
		KvamPartitionSize(rel, info, i, &bytes, &sizes[i]);
		if (split_bytes > 0 && sizes[i] > split_bytes &&
			(best < 0 || sizes[i] > sizes[best]) &&
			KvamPartHashHi(info, i) > info->parts[i].hash_lo)
			best = i;
	}
	if (best >= 0 && info->npartitions < KVAM_MAX_PARTITIONS)
	{
		KvamSplitPartition(rel, info->parts[best].partid, NULL);
		return true;
	}
	if (merge_bytes > 0 &&
		info->npartitions > (uint32) Max(kvam_default_partitions, 1) &&
		!KvamStreamEnabled(rel))
	{
		for (int i = 0; i + 1 < (int) info->npartitions; i++)
			if (sizes[i] < merge_bytes && sizes[i + 1] < merge_bytes &&
				sizes[i] + sizes[i + 1] < Max(split_bytes / 2, merge_bytes) &&
				mergeable(rel, info, i))
			{
				KvamMergePartitions(rel, info->parts[i].partid, NULL);
				return true;
			}
	}
	pfree(sizes);
	return false;
}

/* ---------- policy: SQL ---------- */

PG_FUNCTION_INFO_V1(kvam_partition_sizes);

/*
 * kvam.partition_sizes(regclass) RETURNS SETOF (partition, bytes,
 * live_bytes): the policy's measures of every partition (KvamPartitionSize).
 */
Datum
kvam_partition_sizes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	KvamRelInfo *info;

	InitMaterializedSRF(fcinfo, 0);
	rel = KvamOpenTable(PG_GETARG_OID(0), AccessShareLock, false);
	/* the map cannot change while we list it */
	KvamMapLock(rel, ShareLock);
	info = KvamMetaReadMap(rel);
	for (int i = 0; i < (int) info->npartitions; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {0};
		uint64		bytes,
					live;

		KvamPartitionSize(rel, info, i, &bytes, &live);
		values[0] = Int32GetDatum((int32) info->parts[i].partid);
		values[1] = Int64GetDatum((int64) bytes);
		values[2] = Int64GetDatum((int64) live);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	KvamMapUnlock(rel, ShareLock);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(kvam_maintain_partitions);

/*
 * kvam.maintain_partitions(regclass) RETURNS boolean: one evaluation of the
 * auto-admin's split and merge policy for the table, now, with this
 * session's settings (KvamPartitionAutoMaintain).  Owner only.
 */
Datum
kvam_maintain_partitions(PG_FUNCTION_ARGS)
{
	Relation	rel = KvamOpenTable(PG_GETARG_OID(0), ShareUpdateExclusiveLock,
									true);
	bool		changed = KvamPartitionAutoMaintain(rel);

	relation_close(rel, NoLock);
	PG_RETURN_BOOL(changed);
}

/* ---------- SQL ---------- */

/*
 * Run 'edit' on (regclass, partid) and return its description as jsonb.
 *
 * A split or merge is not transactional: it is durable when the function
 * returns, whatever becomes of the transaction (the edit is published to
 * every backend at once, stream shards are closed).  So, like VACUUM, it
 * refuses to run inside a transaction block (explicit, or implicit: several
 * statements in one query string), where a ROLLBACK would seem to undo
 * it; and the ShareUpdateExclusiveLock it takes is not held for the rest
 * of a long transaction.  (The check cannot catch a statement that fails
 * after the call returned: the edit stays, as a nextval() would.)
 */
static Datum
sql_edit(FunctionCallInfo fcinfo, const char *fname,
		 void (*edit) (Relation rel, uint32 partid, StringInfo out))
{
	Relation	rel;
	int32		partid = PG_GETARG_INT32(1);
	StringInfoData out;

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", fname),
				 errdetail("A partition split or merge takes effect at once and is not undone by ROLLBACK.")));
	rel = KvamOpenTable(PG_GETARG_OID(0), ShareUpdateExclusiveLock, true);
	if (partid < 0)
		no_partition(rel, (uint32) partid);
	initStringInfo(&out);
	edit(rel, (uint32) partid, &out);
	relation_close(rel, NoLock);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}

PG_FUNCTION_INFO_V1(kvam_split_partition);

/*
 * kvam.split_partition(regclass, partid int) RETURNS jsonb.  Owner only;
 * not inside a transaction block.
 */
Datum
kvam_split_partition(PG_FUNCTION_ARGS)
{
	return sql_edit(fcinfo, "kvam.split_partition()", KvamSplitPartition);
}

PG_FUNCTION_INFO_V1(kvam_merge_partitions);

/*
 * kvam.merge_partitions(regclass, partid int) RETURNS jsonb: merge the
 * partition with its right neighbour.  Owner only; not inside a
 * transaction block.
 */
Datum
kvam_merge_partitions(PG_FUNCTION_ARGS)
{
	return sql_edit(fcinfo, "kvam.merge_partitions()", KvamMergePartitions);
}
