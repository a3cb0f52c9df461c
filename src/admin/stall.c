/*-------------------------------------------------------------------------
 *
 * stall.c
 *	  What a writer does after an append: freeze a full memtable, queue
 *	  its flush for the auto-admin, and throttle when the background work
 *	  falls behind.
 *
 * Bounds of a partition (GUCs):
 *	  kvam.memtable_size   the active memtable is frozen when it reaches it;
 *	  kvam.l0_stall_bytes  writers wait while L0 (active + frozen) is at
 *						   least this big: only while a frozen memtable is
 *						   being flushed can L0 grow past memtable_size;
 *	  kvam.l0_stop_runs	   writers wait while the partition has this many
 *						   level-0 runs (runs of level 0 in the manifest,
 *						   as compaction counts them; at least
 *						   kvam.compaction_l0_runs, so that compaction is
 *						   due whenever writers wait for it), until
 *						   compaction reduces them.
 * The manifest's run limit is no stall bound: a flush that would pass
 * KVAM_MAX_L0_RUNS compacts first (KvamCompactForRoom, lsm/compact.h),
 * and writers wait meanwhile on the L0 byte bound above.
 *
 * Waiting is on the partition's condition variable (broadcast by every
 * publish and by a flusher that gives up), in slices of STALL_SLICE_MS,
 * interruptible, reported as wait event "Extension" in pg_stat_activity.
 * A writer never waits for work nobody will do: when no worker serves the
 * database (kvam.autoadmin off, no launcher, no worker slot, temporary
 * table), or no worker has taken the frozen memtable within
 * STALL_FALLBACK_MS, the writer flushes inline itself, and when no
 * worker serves the table, compacts too (KvamCompactIfNeeded, with no
 * partition lock held: compaction publishes under the manifest buffer lock
 * only).
 *
 * IDENTIFICATION
 *	  src/admin/stall.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "utils/rel.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"

#define STALL_SLICE_MS		100
#define STALL_FALLBACK_MS	1000

static inline uint64
memtable_bytes(void)
{
	return (uint64) kvam_memtable_size_kb * 1024;
}

/* Level-0 runs at which writers wait: never below compaction's trigger. */
static inline uint32
stop_runs(void)
{
	return (uint32) Max(kvam_l0_stop_runs, kvam_compaction_l0_runs);
}

/* Is the partition over a stall bound?  Partition lock held. */
static bool
over_bounds(KvamPart *p)
{
	return p->l0_bytes >= (uint64) kvam_l0_stall_kb * 1024 ||
		p->l0_runs >= stop_runs();
}

/*
 * KvamNoteAppend: see admin.h.
 */
bool
KvamNoteAppend(Relation rel, KvamRelInfo *info, int idx, KvamPart *p)
{
	bool		admin;

	Assert(LWLockHeldByMeInMode(&p->lock, LW_EXCLUSIVE));
	if (p->mt.l0_bytes < memtable_bytes() && !over_bounds(p))
		return false;

	admin = KvamAdminAvailable(rel);
	if (p->mt.l0_bytes >= memtable_bytes() && !p->has_frozen)
	{
		KvamFreezeMemtable(p);
		if (!admin)
			return true;		/* flush it inline */
		p->flush_wanted = true;
		KvamAdminWake(rel->rd_node.dbNode);
	}
	if (!admin && p->has_frozen && p->flush_pid == 0)
		return true;
	return over_bounds(p);
}

/*
 * KvamWriteThrottle: see admin.h.
 */
void
KvamWriteThrottle(Relation rel, KvamRelInfo *info, int idx)
{
	int			waited_ms = 0;

	for (;;)
	{
		KvamPart   *p;
		bool		admin = KvamAdminAvailable(rel);
		bool		fallback;

		CHECK_FOR_INTERRUPTS();
		fallback = !admin || waited_ms >= STALL_FALLBACK_MS ||
			!KvamAdminWorkerRunning(rel->rd_node.dbNode);
		if (admin && waited_ms == 0)
			fallback = false;	/* give the auto-admin one slice first */

		p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
		if (p == NULL)
			return;				/* split or merged: its successors start empty */
		if (p->has_frozen && p->flush_pid == 0 && fallback)
		{
			KvamPartRelease(p);
			(void) KvamFlushFrozen(rel, info, idx);
			if (!admin)
				(void) KvamCompactIfNeeded(rel, info, idx, false);
			else
				KvamAdminWake(rel->rd_node.dbNode);
			continue;
		}
		if (!over_bounds(p))
		{
			KvamPartRelease(p);
			return;
		}
		if (!p->has_frozen && p->mt.nentries > 0 &&
			p->mt.l0_bytes >= memtable_bytes())
		{
			/* the active memtable is full again: hand it over */
			KvamFreezeMemtable(p);
			p->flush_wanted = admin;
			KvamPartRelease(p);
			if (admin)
				KvamAdminWake(rel->rd_node.dbNode);
			continue;
		}
		if (!p->has_frozen && p->flush_pid == 0 && fallback &&
			p->l0_runs >= stop_runs())
		{
			/* compaction is due (the counts are refreshed either way) */
			KvamPartRelease(p);
			(void) KvamCompactIfNeeded(rel, info, idx, true);
			continue;
		}
		if (!p->has_frozen && p->flush_pid == 0 &&
			p->l0_runs < stop_runs())
		{
			/* over the byte bound with nothing to flush: let it through */
			KvamPartRelease(p);
			return;
		}

		/* wait for the flush or compaction in progress */
		ConditionVariablePrepareToSleep(&p->cv);
		KvamPartRelease(p);
		if (waited_ms > 0 && waited_ms % STALL_FALLBACK_MS == 0)
		{
			/* a compaction publishes without the partition lock: look */
			KvamPartRefreshRuns(rel, info, idx);
		}
		if (admin)
			KvamAdminWake(rel->rd_node.dbNode);
		(void) ConditionVariableTimedSleep(&p->cv, STALL_SLICE_MS,
										   PG_WAIT_EXTENSION);
		ConditionVariableCancelSleep();
		waited_ms += STALL_SLICE_MS;
	}
}
