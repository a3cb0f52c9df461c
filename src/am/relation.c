/*-------------------------------------------------------------------------
 *
 * relation.c
 *	  Storage life cycle and whole-relation operations of kvam tables:
 *	  creation, truncation, tablespace moves, size estimates, VACUUM,
 *	  ANALYZE sampling, index builds.
 *
 * A kvam relation's main fork starts with the metapage and one empty
 * manifest page per partition (KvamMetaCreate); an unlogged relation gets
 * the same pages in its init fork, so that reset-after-crash yields an
 * empty, valid table.
 *
 * Only the kvam_key index access method can index a kvam table: every
 * other index AM builds through index_build_range_scan, which refuses.
 *
 * IDENTIFICATION
 *	  src/am/relation.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/heaptoast.h"
#include "access/multixact.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/storage.h"
#include "catalog/storage_xlog.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "am/kvam_am.h"
#include "kvam.h"
#include "am/maintain.h"
#include "lsm/space.h"

void
kvam_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
							   char persistence, TransactionId *freezeXid,
							   MultiXactId *minmulti)
{
	SMgrRelation srel;
	int			npartitions = kvam_default_partitions;

	KvamCheckPreloaded();

	/*
	 * New storage for an existing relation (TRUNCATE) keeps the relation's
	 * partition count, as a non-transactional truncation does; only a new
	 * relation takes kvam.default_partitions.
	 */
	if (newrnode->relNode != rel->rd_node.relNode &&
		RelationGetNumberOfBlocks(rel) > 0)
		npartitions = KvamRelGetInfo(rel)->npartitions;

	/*
	 * Versions carry xids, so relfrozenxid must be valid: nothing older
	 * than RecentXmin can be in a new relation.  kvam never stores
	 * MultiXacts (row locks are lock-marker versions).
	 */
	*freezeXid = RecentXmin;
	*minmulti = GetOldestMultiXactId();

	srel = RelationCreateStorage(*newrnode, persistence, true);
	KvamMetaCreate(srel, MAIN_FORKNUM, npartitions,
				   persistence == RELPERSISTENCE_PERMANENT);

	if (persistence == RELPERSISTENCE_UNLOGGED)
	{
		smgrcreate(srel, INIT_FORKNUM, false);
		log_smgrcreate(newrnode, INIT_FORKNUM);
		KvamMetaCreate(srel, INIT_FORKNUM, npartitions, true);
	}
	smgrclose(srel);
}

void
kvam_relation_nontransactional_truncate(Relation rel)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	int			nparts = info->npartitions;

	RelationTruncate(rel, 0);
	KvamMetaCreate(RelationGetSmgr(rel), MAIN_FORKNUM, nparts,
				   RelationNeedsWAL(rel));
	KvamRelForgetInfo(rel);
}

void
kvam_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	SMgrRelation dstrel;
	ForkNumber	fork;

	dstrel = RelationCreateStorage(*newrnode, rel->rd_rel->relpersistence, true);
	FlushRelationBuffers(rel);
	RelationCopyStorage(RelationGetSmgr(rel), dstrel, MAIN_FORKNUM,
						rel->rd_rel->relpersistence);
	for (fork = MAIN_FORKNUM + 1; fork <= MAX_FORKNUM; fork++)
	{
		if (smgrexists(RelationGetSmgr(rel), fork))
		{
			smgrcreate(dstrel, fork, false);
			if (fork == INIT_FORKNUM)
				log_smgrcreate(newrnode, fork);
			RelationCopyStorage(RelationGetSmgr(rel), dstrel, fork,
								fork == INIT_FORKNUM ? RELPERSISTENCE_PERMANENT :
								rel->rd_rel->relpersistence);
		}
	}
	RelationDropStorage(rel);
	smgrclose(dstrel);
}

/*
 * kvam_relation_copy_for_cluster (VACUUM FULL, CLUSTER): rewrite the table
 * into NewTable as runs at level 1, purging what no snapshot needs
 * (versions older than the newest one committed before OldestXmin,
 * aborted versions, finished lock markers, tombstones every snapshot sees)
 * and freezing committed xmins older than *xid_cutoff.  Rows come in key
 * order (OldIndex and use_sort are irrelevant: the key is the order).
 * See lsm/rewrite.c.
 */
void
kvam_relation_copy_for_cluster(Relation OldTable, Relation NewTable,
							   Relation OldIndex, bool use_sort,
							   TransactionId OldestXmin,
							   TransactionId *xid_cutoff,
							   MultiXactId *multi_cutoff,
							   double *num_tuples, double *tups_vacuumed,
							   double *tups_recently_dead)
{
	KvamCompactStats stats;

	memset(&stats, 0, sizeof(stats));
	KvamRewriteTable(OldTable, NewTable, OldestXmin, *xid_cutoff, &stats);
	*num_tuples = (double) stats.versions_out;
	*tups_vacuumed = (double) (stats.purged + stats.aborted + stats.tombstones);
	*tups_recently_dead = 0;
}

/*
 * kvam_relation_vacuum: flush, compact, freeze, sweep and truncate, then
 * advance relfrozenxid (lsm/vacuum.c).
 */
void
kvam_relation_vacuum(Relation rel, struct VacuumParams *params,
					 BufferAccessStrategy bstrategy)
{
	KvamVacuumRel(rel, params, bstrategy);
}

/* ---------- ANALYZE ---------- */

/*
 * ANALYZE samples blocks; kvam answers for L0 and run data pages with the
 * put versions that are the current state of their key.
 */
typedef struct KvamAnalyzeState
{
	BlockNumber blkno;
	OffsetNumber off;
	OffsetNumber maxoff;
	bool		valid;
	/* free blocks (not read: ANALYZE's cost delay counts every read) */
	TableScanDesc scan;			/* the scan 'free' belongs to */
	uint8	   *free;
	BlockNumber nfree;
} KvamAnalyzeState;

static KvamAnalyzeState analyze_state;

bool
kvam_scan_analyze_next_block(TableScanDesc scan, BlockNumber blockno,
							 BufferAccessStrategy bstrategy)
{
	Buffer		buf;
	Page		page;

	analyze_state.valid = false;
	if (blockno == KVAM_METAPAGE_BLKNO)
		return false;
	if (analyze_state.scan != scan)
	{
		/* a new ANALYZE: note the free blocks (in its memory context) */
		KvamRelInfo *info = KvamRelGetInfo(scan->rs_rd);
		KvamFreeMap fm = KvamSpaceReadMap(scan->rs_rd, info);

		analyze_state.scan = scan;
		analyze_state.nfree = RelationGetNumberOfBlocks(scan->rs_rd);
		analyze_state.free = palloc0(Max(analyze_state.nfree, 1));
		for (uint32 i = 0; i < fm->nextents; i++)
			for (BlockNumber b = 0; b < fm->ext[i].nblocks; b++)
				if (fm->ext[i].start + b < analyze_state.nfree)
					analyze_state.free[fm->ext[i].start + b] = 1;
		pfree(fm);
	}
	if (blockno < analyze_state.nfree && analyze_state.free[blockno])
		return false;
	buf = ReadBufferExtended(scan->rs_rd, MAIN_FORKNUM, blockno, RBM_NORMAL,
							 bstrategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (KvamPageType(page) == KVAM_PAGE_L0 ||
		KvamPageType(page) == KVAM_PAGE_RUN_DATA)
	{
		analyze_state.valid = true;
		analyze_state.blkno = blockno;
		analyze_state.off = FirstOffsetNumber;
		analyze_state.maxoff = PageGetMaxOffsetNumber(page);
	}
	UnlockReleaseBuffer(buf);
	return analyze_state.valid;
}

bool
kvam_scan_analyze_next_tuple(TableScanDesc scan, TransactionId OldestXmin,
							 double *liverows, double *deadrows,
							 TupleTableSlot *slot)
{
	Relation	rel = scan->rs_rd;

	while (analyze_state.valid && analyze_state.off <= analyze_state.maxoff)
	{
		ItemPointerData tid;
		Size		len;
		KvamVersion v;

		ItemPointerSet(&tid, analyze_state.blkno, analyze_state.off);
		analyze_state.off++;
		v = KvamVersionFetch(rel, &tid, &len);
		if (v == NULL || !KvamVersionHasTuple(v))
			continue;

		/*
		 * Deciding whether the version is its key's current one would cost a
		 * key lookup per sampled version, and ANALYZE holds its snapshot
		 * (which holds back compaction's purge) for as long as it runs.  So
		 * a committed put counts as live without looking further: the
		 * superseded versions compaction has not purged yet make the
		 * estimate a little high.
		 */
		if (!(v->flags & KVAM_V_FROZEN) &&
			KvamXminStatusOf(v) != KVAM_XS_COMMITTED)
		{
			pfree(v);
			*deadrows += 1;
			continue;
		}
		KvamStoreVersion(rel, slot, v, len, &tid);
		pfree(v);
		*liverows += 1;
		return true;
	}
	ExecClearTuple(slot);
	return false;
}

double
kvam_index_build_range_scan(Relation table_rel, Relation index_rel,
							struct IndexInfo *index_info, bool allow_sync,
							bool anyvisible, bool progress,
							BlockNumber start_blockno, BlockNumber numblocks,
							IndexBuildCallback callback, void *callback_state,
							TableScanDesc scan)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("index access method \"%s\" is not supported on kvam table \"%s\"",
					get_am_name(index_rel->rd_rel->relam),
					RelationGetRelationName(table_rel)),
			 errdetail("Row identifiers of kvam tables are not stable, so only the kvam_key index can index them."),
			 errhint("Use CREATE UNIQUE INDEX ... USING kvam_key for the table's key.")));
	return 0;
}

void
kvam_index_validate_scan(Relation table_rel, Relation index_rel,
						 struct IndexInfo *index_info, Snapshot snapshot,
						 struct ValidateIndexState *state)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("CREATE INDEX CONCURRENTLY is not supported on kvam table \"%s\"",
					RelationGetRelationName(table_rel))));
}

bool
kvam_relation_needs_toast_table(Relation rel)
{
	return true;
}

Oid
kvam_relation_toast_am(Relation rel)
{
	return HEAP_TABLE_AM_OID;
}

void
kvam_estimate_rel_size(Relation rel, int32 *attr_widths, BlockNumber *pages,
					   double *tuples, double *allvisfrac)
{
	table_block_relation_estimate_size(rel, attr_widths, pages, tuples,
									   allvisfrac,
									   MAXALIGN(SizeOfKvamVersionHeader + 24) +
									   SizeofHeapTupleHeader + sizeof(ItemIdData),
									   BLCKSZ - SizeOfPageHeaderData -
									   MAXALIGN(sizeof(KvamPageOpaqueData)));
	*allvisfrac = 0;
}

bool
kvam_scan_sample_next_block(TableScanDesc scan, struct SampleScanState *scanstate)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("TABLESAMPLE is not supported on kvam table \"%s\"",
					RelationGetRelationName(scan->rs_rd))));
	return false;
}

bool
kvam_scan_sample_next_tuple(TableScanDesc scan, struct SampleScanState *scanstate,
							TupleTableSlot *slot)
{
	return false;
}
