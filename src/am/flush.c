/*-------------------------------------------------------------------------
 *
 * flush.c
 *	  Flush: turn a partition's frozen memtable (and the L0 pages it
 *	  indexes) into an immutable sorted run, without blocking writers.
 *
 * When a partition's active memtable passes kvam.memtable_size, the writer
 * that fills it freezes it (memtable.h): the frozen memtable and its L0
 * pages become immutable, and writers go on with a new memtable and a new
 * L0 page.  A flush then
 *
 *	1. claims the frozen memtable (KvamPart.flush_pid, under the partition
 *	   lock): from then on nobody else flushes, evicts or frees it;
 *	2. walks it in key order (versions of a key newest first), dropping
 *	   versions of aborted writers and lock markers of finished lockers,
 *	   and writes the rest into a new run (run.h; full-page WAL) -- with
 *	   no partition lock held, so writers and readers go on meanwhile;
 *	3. publishes the run with one manifest edit under the partition lock:
 *	   the run becomes the newest, the L0 chain's head moves past the
 *	   frozen pages, and the frozen memtable is dropped.  Readers copy
 *	   their view (memtables + run list) under the same lock, so they see
 *	   the frozen versions either in the frozen memtable or in the run,
 *	   never in both or neither.
 *
 *	4. after the publish, with no partition lock: gives back the
 *	   allocation lock the run builder took (lsm/space.h) and retires the
 *	   unlinked pages (old head .. frozen_tail) to the free-extent list,
 *	   reusable once no snapshot older than the retirement exists.
 *
 * What a publish retires is fixed when the claim is taken: the frozen
 * memtable that existed at that moment.  Writers or kvam.flush() may
 * freeze the next memtable only after the publish (one frozen memtable at
 * a time), and the L0 head moves only past pages whose versions are in
 * the published run; moving it past pages whose versions are in no run
 * loses committed rows.  Every move of the L0 head increases the
 * manifest's flush count (standbys' memtables and VACUUM's L0 walk rely
 * on it: l0.c catch_up, vacuum.c KvamRelMinXmin).
 *
 * A crash before the manifest edit leaves the run's pages unreferenced
 * and the data in L0; a crash after it finds the data in the run, and the
 * unlinked L0 pages unreferenced if they were not retired yet.  Either way
 * no version is lost or doubled, and VACUUM's sweep (lsm/space.h) finds
 * the unreferenced pages.  The claimed memtable is given back if the
 * flusher fails (error or exit), so someone else can flush it.
 *
 * Who flushes: the auto-admin's workers (admin/), or, when none can
 * (kvam.autoadmin off, no worker running, temporary tables), the writer
 * that froze the memtable, after releasing its locks (KvamWriteThrottle
 * in admin/stall.c).  kvam.flush() forces a flush of everything.
 * Compaction (lsm/compact.h) runs after a flush, in the worker or, without
 * one, in the writer, with no partition lock (KvamCompactIfNeeded).  A
 * flush compacts only to make room: before building its run, if the
 * partition's level 0 is at KVAM_MAX_L0_RUNS (or a level is over its run
 * bound), it compacts first (KvamCompactForRoom, claim held, no lock), so
 * the manifest's run limit is never an error of a flush.
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
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/rel.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/run.h"
#include "lsm/space.h"

/* The slot whose frozen memtable this backend has claimed, if any. */
static KvamPart *claimed_part = NULL;
static bool exit_callback_registered = false;

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

/* Give the claim back (error or exit during a flush). */
static void
release_claim(void)
{
	KvamPart   *p = claimed_part;

	if (p == NULL)
		return;
	claimed_part = NULL;
	/* an error in publish_run may come with the lock held */
	if (!LWLockHeldByMe(&p->lock))
		LWLockAcquire(&p->lock, LW_EXCLUSIVE);
	if (p->flush_pid == MyProcPid)
		p->flush_pid = 0;
	LWLockRelease(&p->lock);
	ConditionVariableBroadcast(&p->cv);
}

static void
release_claim_at_exit(int code, Datum arg)
{
	/* an error may have left LWLocks held; none of ours can be needed now */
	LWLockReleaseAll();
	release_claim();
	KvamProgressEnd();
}

/*
 * KvamFreezeMemtable: see kvam_am.h.
 */
void
KvamFreezeMemtable(KvamPart *p)
{
	Assert(LWLockHeldByMeInMode(&p->lock, LW_EXCLUSIVE));
	Assert(!p->has_frozen && p->mt.nentries > 0);
	KvamMemtableFreeze(p);
	p->frozen_tail = p->idx_blk;
	p->l0_newpage = true;
}

/*
 * publish_run makes 'ref' (which holds the frozen memtable's versions) the
 * partition's newest run, moves the L0 head past the frozen pages and
 * drops the frozen memtable.  Returns the old L0 head: the first page of
 * the unlinked chain, whose last page is p->frozen_tail as it was.
 * Partition lock held exclusively.
 */
static BlockNumber
publish_run(Relation rel, KvamRelInfo *info, int idx, KvamPart *p,
			KvamRunRef *ref)
{
	Buffer		buf = ReadBuffer(rel, info->parts[idx].manifest);
	Page		page;
	KvamManifest mf;
	BlockNumber newhead = InvalidBlockNumber;
	BlockNumber oldhead;

	Assert(p->has_frozen);

	/* the first page after the frozen range, if the chain goes on */
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	mf = KvamPageGetManifest(BufferGetPage(buf));
	if (mf->l0_tail != p->frozen_tail)
	{
		Buffer		fbuf = ReadBuffer(rel, p->frozen_tail);

		LockBuffer(fbuf, BUFFER_LOCK_SHARE);
		newhead = KvamPageGetOpaque(BufferGetPage(fbuf))->next;
		UnlockReleaseBuffer(fbuf);
		if (!BlockNumberIsValid(newhead))
			elog(ERROR, "kvam L0 page %u of relation \"%s\" is not the tail but has no successor",
				 p->frozen_tail, RelationGetRelationName(rel));
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	mf = KvamPageGetManifest(page);

	oldhead = mf->l0_head;
	/* cannot fail: KvamCompactForRoom made room (a safety net) */
	if (ref->nversions > 0)
		KvamManifestCheckRoom(rel, mf, (int64) mf->nruns + 1);

	START_CRIT_SECTION();
	if (ref->nversions > 0)
	{
		memmove(&mf->runs[1], &mf->runs[0], mf->nruns * sizeof(KvamRunRef));
		mf->runs[0] = *ref;
		mf->nruns++;
	}
	if (BlockNumberIsValid(newhead))
	{
		mf->l0_head = newhead;
		mf->l0_pages -= Min(mf->l0_pages, p->frozen.npages);
	}
	else
	{
		mf->l0_head = InvalidBlockNumber;
		mf->l0_tail = InvalidBlockNumber;
		mf->l0_pages = 0;
		mf->l0_bytes = 0;
		mf->l0_versions = 0;
	}
	mf->flushes++;
	/* the memtables now index the chain from 'newhead' (l0.c) */
	p->l0_flushes = mf->flushes;
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) +
		KvamManifestSize(mf->nruns);
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();

	KvamPartSetRunCounts(p, mf);
	UnlockReleaseBuffer(buf);

	/* the shared state follows the manifest */
	KvamMemtableClear(p, &p->frozen);
	p->has_frozen = false;
	p->frozen_tail = InvalidBlockNumber;
	p->l0_head = newhead;
	if (!BlockNumberIsValid(newhead))
	{
		Assert(p->mt.nentries == 0);
		p->idx_blk = InvalidBlockNumber;
		p->idx_off = InvalidOffsetNumber;
		p->l0_newpage = false;
	}
	return oldhead;
}

/* Write the frozen memtable's versions into 'b'. */
static void
add_frozen(Relation rel, KvamPart *p, KvamRunBuilder *b)
{
	uint32		node;

	for (node = KvamMemtableFirst(&p->frozen); node != 0;
		 node = KvamMemtableNext(node))
	{
		ItemPointerData tid = KvamMtNodeGet(node)->tid;
		Size		len;
		KvamVersion v = KvamVersionFetch(rel, &tid, &len);

		CHECK_FOR_INTERRUPTS();
		if (v == NULL)
			elog(ERROR, "kvam memtable points at (%u,%u), which holds no version",
				 ItemPointerGetBlockNumber(&tid), ItemPointerGetOffsetNumber(&tid));
		KvamProgressRead(1, len);
		if (keep_on_flush(v))
		{
			KvamRunBuildAdd(b, v, len);
			KvamProgressWritten(1);
		}
		pfree(v);
	}
}

/*
 * Build the run of the frozen memtable of a claimed partition and publish
 * it; then retire the unlinked L0 pages.  Returns the versions written,
 * or -1 if a split or merge of the partition waits for the claim and must
 * have it (KvamCompactForRoom; the caller gives the claim up).
 * No lock held on entry or exit.
 */
static int64
build_and_publish(Relation rel, KvamRelInfo *info, int idx, KvamPart *p)
{
	KvamRunBuilder *b;
	KvamRunRef	ref;
	uint32		partid = info->parts[idx].partid;
	BlockNumber oldhead;
	BlockNumber oldtail;

	/*
	 * Make room for the new level-0 run first (the run bound, compact.h):
	 * a flush never fails on the manifest's run limit.  Meanwhile writers
	 * of the partition wait on the write stall if its L0 fills up.
	 */
	if (!KvamCompactForRoom(rel, info, idx))
		return -1;

	KvamProgressBegin(RelationGetRelid(rel), partid, KVAM_PROGRESS_FLUSH);
	KvamProgressPhase(KVAM_PHASE_READING);
	b = KvamRunBuildBegin(rel, partid, Max(p->frozen.nentries, 1),
						  KvamMetaNextRunId(rel));
	add_frozen(rel, p, b);
	KvamProgressPhase(KVAM_PHASE_WRITING);
	KvamRunBuildFinish(b, &ref);
	ref.level = 0;
	KvamProgressBytesWritten((uint64) ref.nblocks * BLCKSZ);
	KvamDebugPublishDelay();

	KvamProgressPhase(KVAM_PHASE_PUBLISHING);

	/*
	 * Hold the allocation lock from before the publish until the unlinked
	 * L0 pages are retired (the run builder took it for a non-empty run):
	 * in between, those pages are in no structure, and a sweep must not
	 * free them too.
	 */
	if (ref.nversions == 0)
		KvamSpaceLockAlloc(rel);
	LWLockAcquire(&p->lock, LW_EXCLUSIVE);
	Assert(p->flush_pid == MyProcPid);
	oldtail = p->frozen_tail;
	oldhead = publish_run(rel, info, idx, p, &ref);
	p->flush_pid = 0;
	claimed_part = NULL;

	/*
	 * The active memtable may have filled up meanwhile; writers only freeze
	 * on their next append, which may never come.  Hand it over now.
	 */
	if (!p->has_frozen && p->mt.nentries > 0 &&
		p->mt.l0_bytes >= (uint64) kvam_memtable_size_kb * 1024)
	{
		KvamFreezeMemtable(p);
		p->flush_wanted = true;
	}
	LWLockRelease(&p->lock);
	ConditionVariableBroadcast(&p->cv);

	/*
	 * The unlinked pages are immutable and linked to from nothing new (a
	 * writer links only to the manifest's tail), so they can be walked
	 * without the partition lock.  Then the sweep may run again.
	 */
	KvamSpaceRetireChain(rel, partid, oldhead, oldtail);
	KvamSpaceUnlockAlloc(rel);
	KvamProgressEnd();
	return (int64) ref.nversions;
}

/*
 * KvamFlushFrozen: see kvam_am.h.  Claims partition 'idx's frozen
 * memtable and flushes it.
 */
int64
KvamFlushFrozen(Relation rel, KvamRelInfo *info, int idx)
{
	KvamPart   *p;
	int64		n = 0;

	if (!exit_callback_registered)
	{
		before_shmem_exit(release_claim_at_exit, 0);
		exit_callback_registered = true;
	}

	p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
	if (p == NULL)
		return -1;				/* split or merged away: flushed then */
	if (p->flush_pid != 0 || !p->has_frozen)
	{
		KvamPartRelease(p);
		return -1;
	}
	p->flush_pid = MyProcPid;
	p->flush_wanted = false;
	claimed_part = p;
	KvamPartRelease(p);

	PG_TRY();
	{
		n = build_and_publish(rel, info, idx, p);
	}
	PG_CATCH();
	{
		KvamProgressEnd();
		release_claim();
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (n < 0)
	{
		/*
		 * To the split or merge that waits for it: give it time to take
		 * the claim before a caller's loop tries again.
		 */
		release_claim();
		pg_usleep(10000L);
	}
	return n;
}

/* Wait until the claim on the frozen memtable of 'p' is given up. */
static void
wait_for_flusher(KvamPart *p)
{
	ConditionVariablePrepareToSleep(&p->cv);
	KvamPartRelease(p);
	(void) ConditionVariableTimedSleep(&p->cv, 100, PG_WAIT_EXTENSION);
	ConditionVariableCancelSleep();
}

/*
 * KvamFlushPartition: see kvam_am.h.
 */
uint64
KvamFlushPartition(Relation rel, KvamRelInfo *info, int idx)
{
	uint64		total = 0;
	bool		froze = false;

	for (;;)
	{
		KvamPart   *p;

		CHECK_FOR_INTERRUPTS();
		p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
		if (p == NULL)
			return total;		/* split or merged away: flushed then */
		if (p->has_frozen)
		{
			int64		n;

			if (p->flush_pid != 0)
			{
				wait_for_flusher(p);
				continue;
			}
			KvamPartRelease(p);
			n = KvamFlushFrozen(rel, info, idx);
			if (n > 0)
				total += n;
			if (froze && n >= 0)
				return total;
			continue;
		}
		if (froze || p->mt.nentries == 0)
		{
			/* ours was flushed (perhaps by someone else), or nothing to do */
			KvamPartRelease(p);
			return total;
		}
		KvamFreezeMemtable(p);
		froze = true;
		KvamPartRelease(p);
	}
}

PG_FUNCTION_INFO_V1(kvam__freeze);

/*
 * kvam._freeze(regclass) RETURNS integer: testing aid, freezes the active
 * memtable of every partition that has data and no frozen memtable.
 * Returns the number of partitions frozen.  Owner only.
 */
Datum
kvam__freeze(PG_FUNCTION_ARGS)
{
	Relation	rel = KvamOpenTable(PG_GETARG_OID(0), RowExclusiveLock, true);
	KvamRelInfo *info = KvamRelGetInfo(rel);
	int32		n = 0;
	int			i;

	for (i = 0; i < info->npartitions; i++)
	{
		KvamPart   *p = KvamPartAcquire(rel, info, i, LW_EXCLUSIVE);

		if (p == NULL)
			continue;
		if (!p->has_frozen && p->mt.nentries > 0)
		{
			KvamFreezeMemtable(p);
			p->flush_wanted = KvamAdminAvailable(rel);
			n++;
		}
		KvamPartRelease(p);
	}
	if (n > 0 && KvamAdminAvailable(rel))
		KvamAdminWake(MyDatabaseId);
	relation_close(rel, NoLock);
	PG_RETURN_INT32(n);
}

PG_FUNCTION_INFO_V1(kvam_flush);

/*
 * kvam.flush(regclass) RETURNS bigint: flush every partition's L0 into
 * runs (waiting for flushes in progress), then compact what the policy
 * says is due (inline when no auto-admin worker serves the table, else by
 * the woken worker); returns the number of versions written by the
 * flushes of this call.  Owner only.
 */
Datum
kvam_flush(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	KvamRelInfo *info;
	uint64		total = 0;
	bool		admin;
	int			i;

	rel = KvamOpenTable(relid, RowExclusiveLock, true);
	admin = KvamAdminAvailable(rel);
	do
	{
		/* again if a partition was split or merged meanwhile */
		info = KvamRelGetInfo(rel);
		for (i = 0; i < info->npartitions; i++)
		{
			total += KvamFlushPartition(rel, info, i);
			/* compaction after the flush: the worker's job if there is one */
			if (!admin)
				(void) KvamCompactIfNeeded(rel, info, i, false);
		}
	} while (!info->valid);
	if (admin)
		KvamAdminWake(MyDatabaseId);

	/*
	 * Make the flush durable before returning, so that an operator (or a
	 * test) that saw it return finds it done after a crash.  Not needed for
	 * correctness: an undone flush leaves the versions in L0.
	 */
	if (RelationNeedsWAL(rel) && XactLastRecEnd != InvalidXLogRecPtr)
		XLogFlush(XactLastRecEnd);
	relation_close(rel, NoLock);
	PG_RETURN_INT64((int64) total);
}
