/*-------------------------------------------------------------------------
 *
 * rewrite.c
 *	  VACUUM FULL and CLUSTER of kvam tables: stream the old table's keys in
 *	  order into level-1 runs of the new storage.
 *
 * The old table is read partition by partition with the ordinary merging
 * iterator (memtable and runs); since partitions are contiguous hash
 * ranges and keys start with the hash, that is one global key order, and
 * each partition of the new table (whose partition count may differ)
 * receives a contiguous, sorted stretch of it.  The output is cut into runs
 * of KvamCompactCutBytes(estimate) (lsm/compact.h: the run bound), the
 * estimate being the old relation's size times the share of the hash
 * space the new partition covers; should the estimate fall short, the cut
 * doubles after every KVAM_LEVEL_FRAGMENTS + 1 runs of a partition, so a
 * partition gets a few more runs, never the manifest's limit, and its
 * first compaction restores the bound.  Each run is published at the end
 * of its new partition's manifest at level 1 (the bottom).  Versions keep their
 * xmin, cid and identity; values stored out of line are re-toasted into
 * the new table's toast table, as heap's rewrite does (cluster.c swaps the
 * toast tables by content and points NewTable->rd_toastoid at the old
 * toast table's OID).
 *
 * Caller (cluster.c) holds AccessExclusiveLock on the old table; the new
 * one is not visible to anyone.
 *
 * Progress goes to PostgreSQL's pg_stat_progress_cluster, which cluster.c
 * started: phase "seq scanning heap" for the whole stream (reading and
 * writing go together: there is no separate sort or write phase),
 * heap_blks_total = the old relation's blocks, heap_blks_scanned = that
 * total times the share of the old partitions read, heap_tuples_scanned =
 * versions read, heap_tuples_written = versions written.  cluster.c sets
 * the phases after ours (swapping files, rebuilding indexes, cleanup).
 *
 * IDENTIFICATION
 *	  src/am/rewrite.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "am/maintain.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/run.h"
#include "lsm/space.h"

typedef struct Rewrite
{
	Relation	rel;			/* new table */
	KvamRelInfo *info;
	int			part;			/* partition being written, -1: none */
	int			nout;			/* runs written into it */
	Size		cut;			/* its cut size */
	uint64		old_bytes;		/* size of the old relation */
	KvamRunBuilder *b;
	KvamCompactStats *stats;
} Rewrite;

/* Append a finished run to partition 'idx' of the new table at level 1. */
static void
append_run(Relation rel, KvamRelInfo *info, int idx, KvamRunRef *ref)
{
	Buffer		buf = KvamManifestLockForEdit(rel, info, idx);
	Page		page;
	KvamManifest mf;

	page = BufferGetPage(buf);
	mf = KvamPageGetManifest(page);
	KvamManifestCheckRoom(rel, mf, (int64) mf->nruns + 1);
	START_CRIT_SECTION();
	mf->runs[mf->nruns++] = *ref;
	mf->compactions++;
	mf->compact_blocks += ref->nblocks;
	KvamManifestEdited(rel, buf);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

static void
finish(Rewrite *w)
{
	KvamRunRef	ref;

	if (w->b == NULL)
		return;
	KvamRunBuildFinish(w->b, &ref);
	w->b = NULL;
	if (ref.nblocks == 0)
		return;
	ref.level = 1;
	append_run(w->rel, w->info, w->part, &ref);
	KvamSpaceUnlockAlloc(w->rel);
	if (++w->nout % (KVAM_LEVEL_FRAGMENTS + 1) == 0)
		w->cut *= 2;			/* the estimate fell short */
	w->stats->runs_out++;
	w->stats->blocks_out += ref.nblocks;
}

/*
 * start_partition: the new partition 'np' begins; estimate its size (the
 * old relation's bytes times its share of the hash space) for its cut.
 */
static void
start_partition(Rewrite *w, int np)
{
	double		share;

	share = ((double) (KvamPartHashHi(w->info, np) - w->info->parts[np].hash_lo) + 1.0) /
		18446744073709551616.0;
	w->part = np;
	w->nout = 0;
	w->cut = KvamCompactCutBytes((uint64) (share * (double) w->old_bytes));
}

/*
 * retoast returns 'v' itself, or a copy whose tuple's external values were
 * fetched from the old toast table and stored again through the new table.
 */
static KvamVersion
retoast(Relation old, Relation new, KvamVersion v, Size *len)
{
	HeapTupleHeader th;
	HeapTupleData tup;
	HeapTuple	flat,
				nt;
	Size		off = KvamVersionTupleOffset(v->keylen);
	KvamVersion copy;

	if (!KvamVersionHasTuple(v))
		return v;
	th = KvamVersionGetTuple(v);
	if (!HeapTupleHeaderHasExternal(th))
		return v;
	tup.t_len = *len - off;
	tup.t_data = th;
	tup.t_tableOid = RelationGetRelid(old);
	ItemPointerSetInvalid(&tup.t_self);
	flat = toast_flatten_tuple(&tup, RelationGetDescr(old));
	nt = heap_toast_insert_or_update(new, flat, NULL, 0);
	copy = palloc0(off + nt->t_len);
	memcpy(copy, v, SizeOfKvamVersionHeader + v->keylen);
	memcpy((char *) copy + off, nt->t_data, nt->t_len);
	*len = off + nt->t_len;
	return copy;
}

void
KvamRewriteTable(Relation OldTable, Relation NewTable,
				 TransactionId OldestXmin, TransactionId FreezeXid,
				 KvamCompactStats *stats)
{
	KvamRelInfo *oinfo = KvamRelGetInfo(OldTable);
	Rewrite		w;
	KvamPurgeState ps;
	MemoryContext keycxt = AllocSetContextCreate(CurrentMemoryContext,
												 "kvam rewrite key",
												 ALLOCSET_DEFAULT_SIZES);
	bool	   *keep = NULL;
	int			keepcap = 0;

	memset(&w, 0, sizeof(w));
	w.rel = NewTable;
	w.info = KvamRelGetInfo(NewTable);
	w.part = -1;
	w.old_bytes = (uint64) RelationGetNumberOfBlocks(OldTable) * BLCKSZ;
	w.stats = stats;

	pgstat_progress_update_param(PROGRESS_CLUSTER_PHASE,
								 PROGRESS_CLUSTER_PHASE_SEQ_SCAN_HEAP);
	pgstat_progress_update_param(PROGRESS_CLUSTER_TOTAL_HEAP_BLKS,
								 RelationGetNumberOfBlocks(OldTable));

	memset(&ps, 0, sizeof(ps));
	ps.oldest_xmin = OldestXmin;
	ps.freeze_limit = FreezeXid;
	ps.bottom = true;
	ps.stats = stats;

	for (int i = 0; i < oinfo->npartitions; i++)
	{
		KvamIter   *it = KvamIterBegin(OldTable, oinfo, i, NULL, 0, NULL, 0, false);
		KvamKeyGroup g;

		while (KvamIterNext(it, &g))
		{
			int			np;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			if (g.n > keepcap)
			{
				keepcap = Max(g.n, 2 * keepcap);
				keep = keep ? repalloc(keep, keepcap * sizeof(bool)) :
					palloc(keepcap * sizeof(bool));
			}
			stats->versions_in += g.n;
			if (KvamPurgeGroup(&ps, g.v, g.n, keep) == 0)
				continue;
			np = KvamPartitionOfKey(w.info, g.v[0]->key);
			if (np != w.part || (w.b && KvamRunBuildBytes(w.b) >= w.cut))
			{
				finish(&w);
				if (np != w.part)
					start_partition(&w, np);
			}
			if (w.b == NULL)
				w.b = KvamRunBuildBegin(NewTable, w.info->parts[np].partid,
										1024 * 64, KvamMetaNextRunId(NewTable));
			old = MemoryContextSwitchTo(keycxt);
			for (int j = 0; j < g.n; j++)
			{
				Size		len = g.len[j];
				KvamVersion v;

				if (!keep[j])
					continue;
				v = retoast(OldTable, NewTable, g.v[j], &len);
				KvamRunBuildAdd(w.b, v, len);
				stats->versions_out++;
			}
			MemoryContextSwitchTo(old);
			MemoryContextReset(keycxt);
			{
				const int	index[] = {PROGRESS_CLUSTER_HEAP_TUPLES_SCANNED,
				PROGRESS_CLUSTER_HEAP_TUPLES_WRITTEN};
				const int64 val[] = {(int64) stats->versions_in,
				(int64) stats->versions_out};

				pgstat_progress_update_multi_param(2, index, val);
			}
		}
		KvamIterEnd(it);
		pgstat_progress_update_param(PROGRESS_CLUSTER_HEAP_BLKS_SCANNED,
									 (int64) ((double) w.old_bytes / BLCKSZ *
											  (i + 1) / oinfo->npartitions));
		if (i == 0)
			KvamProgressDebugPause("rewriting");
	}
	finish(&w);
	stats->steps++;
	MemoryContextDelete(keycxt);
}
