/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Reading kvam tables: sequential (and parallel) scans, fetches by TID
 *	  for index scans, EvalPlanQual, triggers and TID scans.
 *
 * A sequential scan visits partitions in hash order and, within each, key
 * groups in key order through a merging iterator (lsm/read.c); for every
 * key it returns the version the snapshot sees, if any.  A parallel scan
 * hands out whole partitions to participants through an atomic counter.
 *
 * A TID names one version.  Fetching "the row at TID for a snapshot"
 * means: the version at TID, if it is the version of its key that the
 * snapshot sees; answering that takes a lookup of the key.  The kvam_key
 * index scan has already made that choice for its snapshot and hands it
 * over (KvamFetchHintSet) so index scans pay for one lookup, not two.
 *
 * IDENTIFICATION
 *	  src/am/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "am/kvam_am.h"

/*
 * The leader's partition map travels with a parallel scan: every
 * participant hands out partitions of that one map (a worker that loaded
 * the map after a split would number them differently); KvamIterBegin
 * reads whatever covers a partition's range now.
 */
typedef struct KvamParallelScanDescData
{
	ParallelTableScanDescData base;
	pg_atomic_uint32 next_partition;
	uint32		npartitions;
	KvamPartMapEntry parts[KVAM_MAX_PARTITIONS];
} KvamParallelScanDescData;

typedef struct KvamScanDescData
{
	TableScanDescData base;
	KvamRelInfo *info;
	int			partidx;		/* partition being scanned, -1 before start */
	KvamIter   *it;
	MemoryContext scancxt;
} KvamScanDescData;

typedef KvamScanDescData *KvamScanDesc;

const TupleTableSlotOps *
kvam_slot_callbacks(Relation rel)
{
	return &TTSOpsHeapTuple;
}

TableScanDesc
kvam_scan_begin(Relation rel, Snapshot snapshot, int nkeys,
				struct ScanKeyData *key, ParallelTableScanDesc pscan,
				uint32 flags)
{
	KvamScanDesc scan = palloc0(sizeof(KvamScanDescData));

	RelationIncrementReferenceCount(rel);
	scan->base.rs_rd = rel;
	scan->base.rs_snapshot = snapshot;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_flags = flags;
	scan->base.rs_parallel = pscan;
	scan->info = KvamRelGetInfo(rel);
	if (pscan)
	{
		KvamParallelScanDescData *ps = (KvamParallelScanDescData *) pscan;
		KvamRelInfo *copy = palloc(sizeof(KvamRelInfo));

		memcpy(copy, scan->info, sizeof(KvamRelInfo));
		copy->npartitions = ps->npartitions;
		memcpy(copy->parts, ps->parts, ps->npartitions * sizeof(KvamPartMapEntry));
		scan->info = copy;
	}
	scan->partidx = -1;
	scan->scancxt = AllocSetContextCreate(CurrentMemoryContext, "kvam scan",
										  ALLOCSET_DEFAULT_SIZES);
	KvamPredicateLockRead(rel, snapshot);
	if ((flags & SO_TEMP_SNAPSHOT) == 0 && snapshot && IsMVCCSnapshot(snapshot))
		;						/* caller owns the snapshot */
	return (TableScanDesc) scan;
}

static void
scan_close_iter(KvamScanDesc scan)
{
	if (scan->it)
	{
		KvamIterEnd(scan->it);
		scan->it = NULL;
	}
}

void
kvam_scan_end(TableScanDesc sscan)
{
	KvamScanDesc scan = (KvamScanDesc) sscan;

	scan_close_iter(scan);
	if (sscan->rs_flags & SO_TEMP_SNAPSHOT)
		UnregisterSnapshot(sscan->rs_snapshot);
	MemoryContextDelete(scan->scancxt);
	RelationDecrementReferenceCount(sscan->rs_rd);
	pfree(scan);
}

void
kvam_scan_rescan(TableScanDesc sscan, struct ScanKeyData *key, bool set_params,
				 bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	KvamScanDesc scan = (KvamScanDesc) sscan;

	scan_close_iter(scan);
	scan->partidx = -1;
}

/* Next partition to scan, or -1 when done. */
static int
next_partition(KvamScanDesc scan)
{
	if (scan->base.rs_parallel)
	{
		KvamParallelScanDescData *ps =
			(KvamParallelScanDescData *) scan->base.rs_parallel;
		uint32		n = pg_atomic_fetch_add_u32(&ps->next_partition, 1);

		return n < scan->info->npartitions ? (int) n : -1;
	}
	if (scan->partidx + 1 < (int) scan->info->npartitions)
		return scan->partidx + 1;
	return -1;
}

bool
kvam_scan_getnextslot(TableScanDesc sscan, ScanDirection direction,
					  TupleTableSlot *slot)
{
	KvamScanDesc scan = (KvamScanDesc) sscan;
	Relation	rel = sscan->rs_rd;

	ExecClearTuple(slot);

	for (;;)
	{
		KvamKeyGroup g;
		int			i;

		if (scan->it == NULL)
		{
			MemoryContext old;
			int			next = next_partition(scan);

			if (next < 0)
				return false;
			scan->partidx = next;
			old = MemoryContextSwitchTo(scan->scancxt);
			scan->it = KvamIterBegin(rel, scan->info, next, NULL, 0, NULL, 0, false);
			MemoryContextSwitchTo(old);
		}
		if (!KvamIterNext(scan->it, &g))
		{
			scan_close_iter(scan);
			continue;
		}
		i = KvamChooseVisible(rel, &g, sscan->rs_snapshot);
		if (i < 0)
			continue;
		KvamStoreVersion(rel, slot, g.v[i], g.len[i], &g.tid[i]);
		pgstat_count_heap_getnext(rel);
		return true;
	}
}

Size
kvam_parallelscan_estimate(Relation rel)
{
	return sizeof(KvamParallelScanDescData);
}

Size
kvam_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	KvamParallelScanDescData *ps = (KvamParallelScanDescData *) pscan;

	KvamRelInfo *info = KvamRelGetInfo(rel);

	ps->base.phs_relid = RelationGetRelid(rel);
	ps->base.phs_syncscan = false;
	pg_atomic_init_u32(&ps->next_partition, 0);
	ps->npartitions = info->npartitions;
	memcpy(ps->parts, info->parts, info->npartitions * sizeof(KvamPartMapEntry));
	return sizeof(KvamParallelScanDescData);
}

void
kvam_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	KvamParallelScanDescData *ps = (KvamParallelScanDescData *) pscan;

	pg_atomic_write_u32(&ps->next_partition, 0);
}

/* ---------- fetching by TID ---------- */

/* Versions of one key collected into a group, newest first. */
typedef struct CollectArg
{
	KvamKeyGroup g;
	Snapshot	snapshot;		/* stop at the decisive version, or NULL */
} CollectArg;

static bool
collect_visitor(KvamVersion v, Size len, ItemPointer tid, void *arg)
{
	CollectArg *c = (CollectArg *) arg;
	KvamKeyGroup *g = &c->g;
	KvamVersion copy = palloc(len);

	memcpy(copy, v, len);
	if (g->n == g->cap)
	{
		g->cap = g->cap ? g->cap * 2 : 8;
		g->v = g->v ? repalloc(g->v, g->cap * sizeof(KvamVersion)) :
			palloc(g->cap * sizeof(KvamVersion));
		g->len = g->len ? repalloc(g->len, g->cap * sizeof(Size)) :
			palloc(g->cap * sizeof(Size));
		g->tid = g->tid ? repalloc(g->tid, g->cap * sizeof(ItemPointerData)) :
			palloc(g->cap * sizeof(ItemPointerData));
	}
	g->v[g->n] = copy;
	g->len[g->n] = len;
	g->tid[g->n] = *tid;
	g->n++;
	return c->snapshot != NULL && KvamVersionDecisive(copy, c->snapshot);
}

void
KvamKeyGroupLookup(Relation rel, KvamRelInfo *info, const char *key,
				   Size keylen, Snapshot snapshot, KvamKeyGroup *g)
{
	CollectArg	c;
	int			idx = KvamPartitionOfKey(info, key);

	memset(&c, 0, sizeof(c));
	c.snapshot = snapshot;
	KvamLookupKey(rel, info, idx, key, keylen, collect_visitor, &c);
	*g = c.g;
}

/* Fetch hint from the key index scan (see file header). */
static struct
{
	Oid			relid;
	ItemPointerData tid;
	Snapshot	snapshot;
	CommandId	curcid;
	TransactionId xmin;
	TransactionId xmax;
	KvamVersion v;
	Size		len;
}			fetch_hint;

void
KvamFetchHintSet(Relation rel, ItemPointer tid, Snapshot snapshot,
				 KvamVersion v, Size len)
{
	if (fetch_hint.v)
		pfree(fetch_hint.v);
	fetch_hint.relid = RelationGetRelid(rel);
	fetch_hint.tid = *tid;
	fetch_hint.snapshot = snapshot;
	fetch_hint.curcid = snapshot->curcid;
	fetch_hint.xmin = snapshot->xmin;
	fetch_hint.xmax = snapshot->xmax;
	fetch_hint.v = MemoryContextAlloc(TopMemoryContext, len);
	memcpy(fetch_hint.v, v, len);
	fetch_hint.len = len;
}

static KvamVersion
take_hint(Relation rel, ItemPointer tid, Snapshot snapshot, Size *len)
{
	KvamVersion v;

	if (fetch_hint.v == NULL || fetch_hint.relid != RelationGetRelid(rel) ||
		fetch_hint.snapshot != snapshot || fetch_hint.curcid != snapshot->curcid ||
		!ItemPointerEquals(&fetch_hint.tid, tid) ||
		snapshot->snapshot_type != SNAPSHOT_MVCC ||
		fetch_hint.xmin != snapshot->xmin || fetch_hint.xmax != snapshot->xmax)
		return NULL;
	v = palloc(fetch_hint.len);
	memcpy(v, fetch_hint.v, fetch_hint.len);
	*len = fetch_hint.len;
	pfree(fetch_hint.v);
	fetch_hint.v = NULL;
	return v;
}

KvamVersion
KvamFetchVisibleAt(Relation rel, ItemPointer tid, Snapshot snapshot, Size *len)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	KvamVersion v;
	CollectArg	c;
	int			i;

	v = take_hint(rel, tid, snapshot, len);
	if (v)
		return v;

	v = KvamVersionFetch(rel, tid, len);
	if (v == NULL || !KvamVersionHasTuple(v))
		return NULL;
	if (snapshot->snapshot_type == SNAPSHOT_ANY)
		return v;
	KvamPredicateLockRead(rel, snapshot);

	KvamKeyGroupLookup(rel, info, v->key, v->keylen, snapshot, &c.g);
	i = KvamChooseVisible(rel, &c.g, snapshot);
	if (i < 0 || !KvamSameVersion(c.g.v[i], v))
	{
		pfree(v);
		return NULL;
	}
	return v;
}

typedef struct KvamIndexFetchData
{
	IndexFetchTableData base;
} KvamIndexFetchData;

struct IndexFetchTableData *
kvam_index_fetch_begin(Relation rel)
{
	KvamIndexFetchData *f = palloc0(sizeof(KvamIndexFetchData));

	f->base.rel = rel;
	return &f->base;
}

void
kvam_index_fetch_reset(struct IndexFetchTableData *data)
{
}

void
kvam_index_fetch_end(struct IndexFetchTableData *data)
{
	pfree(data);
}

bool
kvam_index_fetch_tuple(struct IndexFetchTableData *scan, ItemPointer tid,
					   Snapshot snapshot, TupleTableSlot *slot,
					   bool *call_again, bool *all_dead)
{
	Size		len;
	KvamVersion v;

	*call_again = false;
	if (all_dead)
		*all_dead = false;
	v = KvamFetchVisibleAt(scan->rel, tid, snapshot, &len);
	if (v == NULL)
		return false;
	KvamStoreVersion(scan->rel, slot, v, len, tid);
	pfree(v);
	return true;
}

bool
kvam_tuple_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
							 TupleTableSlot *slot)
{
	Size		len;
	KvamVersion v = KvamFetchVisibleAt(rel, tid, snapshot, &len);

	if (v == NULL)
		return false;
	KvamStoreVersion(rel, slot, v, len, tid);
	pfree(v);
	return true;
}

bool
kvam_tuple_tid_valid(TableScanDesc scan, ItemPointer tid)
{
	Size		len;
	KvamVersion v;

	if (!ItemPointerIsValid(tid))
		return false;
	v = KvamVersionFetchUser(scan->rs_rd, tid, &len);
	if (v == NULL)
		return false;
	pfree(v);
	return true;
}

void
kvam_tuple_get_latest_tid(TableScanDesc sscan, ItemPointer tid)
{
	Relation	rel = sscan->rs_rd;
	KvamRelInfo *info = KvamRelGetInfo(rel);
	Size		len;
	KvamVersion v = KvamVersionFetchUser(rel, tid, &len);
	CollectArg	c;
	int			idx,
				i;

	if (v == NULL)
		return;
	memset(&c, 0, sizeof(c));
	idx = KvamPartitionOfKey(info, v->key);
	KvamLookupKey(rel, info, idx, v->key, v->keylen, collect_visitor, &c);
	i = KvamChooseVisible(rel, &c.g, sscan->rs_snapshot);
	if (i >= 0)
		*tid = c.g.tid[i];
}

bool
kvam_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot,
							  Snapshot snapshot)
{
	Size		len;
	KvamVersion v = KvamFetchVisibleAt(rel, &slot->tts_tid, snapshot, &len);

	if (v == NULL)
		return false;
	pfree(v);
	return true;
}
