/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  VACUUM of kvam tables and kvam.compact().
 *
 * VACUUM compacts (purging what no snapshot can see), freezes, reclaims
 * space and advances relfrozenxid.  The new relfrozenxid must precede every
 * unfrozen xmin left anywhere in the relation: in runs (the manifest
 * records each run's oldest unfrozen xmin) and in L0, whose pages are
 * walked.  Versions written while VACUUM runs carry xids newer than its
 * OldestXmin, which is the starting value.
 *
 * The walk follows the manifest's L0 chain from l0_head to its end, and
 * relies on the manifest's 'flushes' counter changing whenever versions
 * leave L0 (am/flush.c increases it with every move of the head).  A
 * frozen memtable's pages are the front of that chain until its flush
 * publishes them as a run (the head then moves past them), so the walk
 * covers the frozen and the active memtable alike.
 *
 * IDENTIFICATION
 *	  src/am/vacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/multixact.h"
#include "access/relation.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "catalog/namespace.h"
#include "commands/progress.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "am/maintain.h"
#include "kvam.h"
#include "lsm/relocate.h"
#include "lsm/space.h"

static inline void
fold_min(TransactionId *min, TransactionId x)
{
	if (TransactionIdIsNormal(x) &&
		(!TransactionIdIsValid(*min) || TransactionIdPrecedes(x, *min)))
		*min = x;
}

typedef struct L0Xmin
{
	TransactionId min;
	uint64		nversions;
} L0Xmin;

/* Fold the unfrozen xmins of one L0 page. */
static void
page_xmin(BlockNumber blk, Page page, void *arg)
{
	L0Xmin	   *x = (L0Xmin *) arg;
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		KvamVersion v;

		if (!ItemIdIsNormal(iid))
			continue;
		v = (KvamVersion) PageGetItem(page, iid);
		if (!(v->flags & KVAM_V_FROZEN))
			fold_min(&x->min, v->xmin);
		x->nversions++;
	}
}

TransactionId
KvamRelMinXmin(Relation rel, KvamRelInfo *info, int idx, uint64 *l0_versions,
			   TransactionId *l0_min)
{
	for (int tries = 0;; tries++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, idx);
		KvamManifest again;
		TransactionId min = InvalidTransactionId;
		KvamPart   *p = NULL;
		L0Xmin		x;
		bool		same;

		/* after a few lost races, hold the partition lock for the walk */
		if (tries >= 5)
		{
			pfree(mf);
			p = KvamPartAcquire(rel, info, idx, LW_SHARED);
			mf = KvamManifestRead(rel, info, idx);
		}
		x.min = InvalidTransactionId;
		x.nversions = 0;
		KvamL0ChainWalk(rel, mf->partid, mf->l0_head, page_xmin, &x);
		*l0_versions = x.nversions;
		*l0_min = x.min;
		fold_min(&min, x.min);
		for (uint32 r = 0; r < mf->nruns; r++)
			fold_min(&min, mf->runs[r].min_xmin);
		if (p)
		{
			KvamPartRelease(p);
			pfree(mf);
			return min;
		}
		again = KvamManifestRead(rel, info, idx);
		same = again->flushes == mf->flushes;
		pfree(again);
		pfree(mf);
		if (same)
			return min;
	}
}

/* Flush partition 'idx' (frozen and active memtables; takes its locks). */
static void
flush_partition(Relation rel, KvamRelInfo *info, int idx)
{
	(void) KvamFlushPartition(rel, info, idx);
}

/* Does a run of partition 'idx' hold an unfrozen xmin before 'limit'? */
static bool
runs_need_freeze(Relation rel, KvamRelInfo *info, int idx, TransactionId limit)
{
	KvamManifest mf = KvamManifestRead(rel, info, idx);
	bool		result = false;

	for (uint32 r = 0; r < mf->nruns; r++)
		if (TransactionIdIsNormal(mf->runs[r].min_xmin) &&
			TransactionIdPrecedes(mf->runs[r].min_xmin, limit))
			result = true;
	pfree(mf);
	return result;
}

/* Blocks partition 'idx' occupies: its L0 pages and its runs' extents. */
static uint64
partition_blocks(Relation rel, KvamRelInfo *info, int idx)
{
	KvamManifest mf = KvamManifestRead(rel, info, idx);
	uint64		n = mf->l0_pages;

	for (uint32 r = 0; r < mf->nruns; r++)
		n += mf->runs[r].nblocks;
	pfree(mf);
	return n;
}

/*
 * The block counters of pg_stat_progress_vacuum (docs/architecture.md
 * "Progress"): blocks of the partitions done so far, blocks of the runs
 * compactions replaced, versions they dropped.
 */
static void
report_vacuum_blocks(BlockNumber total, uint64 scanned,
					 const KvamCompactStats *stats)
{
	const int	index[] = {
		PROGRESS_VACUUM_HEAP_BLKS_SCANNED,
		PROGRESS_VACUUM_HEAP_BLKS_VACUUMED,
#ifdef PROGRESS_VACUUM_NUM_DEAD_TUPLES
		PROGRESS_VACUUM_NUM_DEAD_TUPLES
#endif
	};
	int64		val[3];

	val[0] = (int64) Min(scanned, (uint64) total);
	val[1] = (int64) Min(stats->blocks_in, (uint64) total);
	val[2] = (int64) (stats->purged + stats->aborted + stats->tombstones);
	pgstat_progress_update_multi_param(lengthof(index), index, val);
}

/* KvamVacuumRel's work, between the begin and end of its progress report */
static void
vacuum_rel(Relation rel, KvamRelInfo *info, VacuumParams *params)
{
	TransactionId oldest_xmin;
	MultiXactId oldest_mxact;
	TransactionId freeze_limit;
	MultiXactId multi_cutoff;
	TransactionId new_frozen;
	KvamCompactStats stats;
	KvamRelocateStats moved;
	double		live = 0,
				versions = 0,
				bottom_versions = 0;
	BlockNumber swept,
				cut = 0;
	BlockNumber total_blocks = RelationGetNumberOfBlocks(rel);
	uint64		scanned = 0;
	bool		frozen_updated,
				minmulti_updated;
	int			elevel = (params->options & VACOPT_VERBOSE) ? INFO : DEBUG2;

	vacuum_set_xid_limits(rel, params->freeze_min_age, params->freeze_table_age,
						  params->multixact_freeze_min_age,
						  params->multixact_freeze_table_age,
						  &oldest_xmin, &oldest_mxact, &freeze_limit,
						  &multi_cutoff);
	memset(&stats, 0, sizeof(stats));
	new_frozen = oldest_xmin;
	pgstat_progress_update_param(PROGRESS_VACUUM_TOTAL_HEAP_BLKS, total_blocks);

	for (int i = 0; i < info->npartitions; i++)
	{
		uint32		partid = info->parts[i].partid;
		uint64		l0n;
		TransactionId l0min;
		KvamManifest mf;
		int			bottom = 0;
		uint64		blocks;

		vacuum_delay_point();
		KvamProgressCommandPhase(KVAM_PHASE_SCANNING_L0, partid);
		blocks = partition_blocks(rel, info, i);

		/* an L0 holding old xmins is flushed so that its versions get frozen */
		(void) KvamRelMinXmin(rel, info, i, &l0n, &l0min);
		if (TransactionIdIsNormal(l0min) &&
			TransactionIdPrecedes(l0min, freeze_limit))
		{
			KvamProgressCommandPhase(KVAM_PHASE_FLUSHING, partid);
			flush_partition(rel, info, i);
		}

		if (runs_need_freeze(rel, info, i, freeze_limit))
		{
			KvamProgressCommandPhase(KVAM_PHASE_COMPACTING, partid);
			KvamCompactPartitionExt(rel, info, i, KVAM_COMPACT_FULL, true,
									freeze_limit, &stats);
		}
		else if (KvamCompactNeeded(rel, info, i, KVAM_COMPACT_AUTO))
		{
			KvamProgressCommandPhase(KVAM_PHASE_COMPACTING, partid);
			KvamCompactPartitionExt(rel, info, i, KVAM_COMPACT_AUTO, true,
									freeze_limit, &stats);
		}

		fold_min(&new_frozen, KvamRelMinXmin(rel, info, i, &l0n, &l0min));

		mf = KvamManifestRead(rel, info, i);
		for (uint32 r = 0; r < mf->nruns; r++)
			bottom = Max(bottom, (int) mf->runs[r].level);
		for (uint32 r = 0; r < mf->nruns; r++)
		{
			versions += mf->runs[r].nversions;
			if ((int) mf->runs[r].level == bottom)
			{
				bottom_versions += mf->runs[r].nversions;
				live += mf->runs[r].nversions - mf->runs[r].ntombstones;
			}
		}
		versions += l0n;
		if (mf->nruns == 0)
		{
			/* only L0: count its versions as rows (an estimate) */
			live += l0n;
			bottom_versions += l0n;
		}
		pfree(mf);

		scanned += blocks;
		KvamProgressPartitionDone();
		report_vacuum_blocks(total_blocks, scanned, &stats);
	}

	/* the sweep looks at every block */
	report_vacuum_blocks(total_blocks, total_blocks, &stats);
	KvamProgressCommandPhase(KVAM_PHASE_SWEEPING, KVAM_NO_PARTID);
	swept = KvamSpaceSweep(rel, info);
	memset(&moved, 0, sizeof(moved));
	if (params->truncate != VACOPTVALUE_DISABLED)
	{
		/* move tail runs lower if the cut is worth it (lsm/relocate.h) */
		KvamProgressCommandPhase(KVAM_PHASE_TRUNCATING, KVAM_NO_PARTID);
		KvamRelocateTail(rel, info, (BlockNumber) kvam_vacuum_move_limit,
						 true, &moved);
		cut = KvamSpaceTruncate(rel, info);
	}
	KvamProgressCommandPhase(KVAM_PHASE_FINAL_CLEANUP, KVAM_NO_PARTID);

	/*
	 * Durable before returning (XactLastRecEnd: the end of this backend's
	 * last record; GetXLogInsertRecPtr() can point past a page header
	 * not written yet, which XLogFlush refuses).
	 */
	if (RelationNeedsWAL(rel) && !XLogRecPtrIsInvalid(XactLastRecEnd))
		XLogFlush(XactLastRecEnd);

	/*
	 * kvam never stores MultiXacts (row locks are lock-marker versions), so
	 * relminmxid may move to VACUUM's oldest MultiXact.
	 */
	vac_update_relstats(rel, RelationGetNumberOfBlocks(rel), live, 0,
						info->keyed, new_frozen, oldest_mxact,
						&frozen_updated, &minmulti_updated, false);
	pgstat_report_vacuum(RelationGetRelid(rel), rel->rd_rel->relisshared,
						 (PgStat_Counter) live,
						 (PgStat_Counter) Max(versions - bottom_versions, 0));
	ereport(elevel,
			(errmsg("kvam vacuum of \"%s\": %d compactions, %llu versions in, %llu out, %llu purged, %llu aborted, %llu tombstones dropped, %llu frozen; %u blocks reclaimed, %d runs of %u blocks moved, %u blocks truncated",
					RelationGetRelationName(rel), stats.steps,
					(unsigned long long) stats.versions_in,
					(unsigned long long) stats.versions_out,
					(unsigned long long) stats.purged,
					(unsigned long long) stats.aborted,
					(unsigned long long) stats.tombstones,
					(unsigned long long) stats.frozen, swept,
					moved.runs, moved.blocks, cut)));
}


void
KvamVacuumRel(Relation rel, VacuumParams *params,
			  BufferAccessStrategy bstrategy)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);

	KvamProgressCommandBegin(RelationGetRelid(rel), KVAM_PROGRESS_VACUUM,
							 info->npartitions);
	PG_TRY();
	{
		vacuum_rel(rel, info, params);
	}
	PG_FINALLY();
	{
		KvamProgressCommandEnd();
	}
	PG_END_TRY();
}

/* ---------- kvam.compact() ---------- */

PG_FUNCTION_INFO_V1(kvam_compact);

/*
 * kvam.compact(regclass) RETURNS jsonb: flush every partition, merge all
 * its runs into the bottom level (purging and freezing), sweep orphan
 * pages, and move the runs at the end of the file into free space lower
 * down (no bound: the compaction rewrote every run anyway).  Owner only.
 * Returns the statistics.  Reports its progress in kvam.stat_progress
 * (command 'kvam.compact').
 *
 * It does not cut the file: that is VACUUM's, whose truncation takes an
 * AccessExclusiveLock (which hot-standby readers of the table conflict
 * with) and obeys the vacuum_truncate reloption and VACUUM (TRUNCATE).
 *
 * It takes an xid, so that the space its compactions retire is retired
 * under it and becomes reusable (to the next VACUUM's relocation, say) as
 * soon as it commits and older snapshots are gone; without one the
 * retirement would wait for the next xid to be assigned and finish.
 */
Datum
kvam_compact(PG_FUNCTION_ARGS)
{
	Relation	rel;
	KvamRelInfo *info;
	KvamCompactStats stats;
	KvamRelocateStats moved;
	volatile BlockNumber swept = 0;
	StringInfoData out;

	rel = KvamOpenTable(PG_GETARG_OID(0), ShareUpdateExclusiveLock, true);
	info = KvamRelGetInfo(rel);
	memset(&stats, 0, sizeof(stats));
	(void) GetTopTransactionId();
	KvamProgressCommandBegin(RelationGetRelid(rel), KVAM_PROGRESS_COMPACT_TABLE,
							 info->npartitions);
	PG_TRY();
	{
		for (int i = 0; i < info->npartitions; i++)
		{
			uint32		partid = info->parts[i].partid;

			KvamProgressCommandPhase(KVAM_PHASE_FLUSHING, partid);
			flush_partition(rel, info, i);
			KvamProgressCommandPhase(KVAM_PHASE_COMPACTING, partid);
			KvamCompactPartition(rel, info, i, KVAM_COMPACT_FULL, true, &stats);
			KvamProgressPartitionDone();
		}
		KvamProgressCommandPhase(KVAM_PHASE_SWEEPING, KVAM_NO_PARTID);
		swept = KvamSpaceSweep(rel, info);
		KvamRelocateTail(rel, info, InvalidBlockNumber, false, &moved);
	}
	PG_FINALLY();
	{
		KvamProgressCommandEnd();
	}
	PG_END_TRY();
	/*
	 * Durable before returning (XactLastRecEnd: the end of this backend's
	 * last record; GetXLogInsertRecPtr() can point past a page header
	 * not written yet, which XLogFlush refuses).
	 */
	if (RelationNeedsWAL(rel) && !XLogRecPtrIsInvalid(XactLastRecEnd))
		XLogFlush(XactLastRecEnd);
	relation_close(rel, NoLock);

	initStringInfo(&out);
	appendStringInfo(&out,
					 "{\"compactions\": %d, \"runs_in\": %d, \"runs_out\": %d, "
					 "\"versions_in\": %llu, \"versions_out\": %llu, "
					 "\"purged\": %llu, \"aborted\": %llu, \"tombstones\": %llu, "
					 "\"frozen\": %llu, \"blocks_in\": %llu, \"blocks_out\": %llu, "
					 "\"blocks_reclaimed\": %u, \"runs_moved\": %d, "
					 "\"blocks_moved\": %u}",
					 stats.steps, stats.runs_in, stats.runs_out,
					 (unsigned long long) stats.versions_in,
					 (unsigned long long) stats.versions_out,
					 (unsigned long long) stats.purged,
					 (unsigned long long) stats.aborted,
					 (unsigned long long) stats.tombstones,
					 (unsigned long long) stats.frozen,
					 (unsigned long long) stats.blocks_in,
					 (unsigned long long) stats.blocks_out, swept,
					 moved.runs, moved.blocks);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
