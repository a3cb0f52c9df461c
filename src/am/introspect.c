/*-------------------------------------------------------------------------
 *
 * introspect.c
 *	  kvam.partitions() and kvam.runs(): what a kvam table is made of.
 *
 * Levels: a partition's 'levels' is its deepest level + 1 (level 0 holds
 * flush output; see lsm/compact.h).
 *
 * Figures come from the manifest pages (durable) and from the partitions'
 * shared state (counters since the state was last loaded, and the memtable
 * size).  Reading them takes each partition lock briefly in shared mode.
 *
 * IDENTIFICATION
 *	  src/am/introspect.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/xid8.h"

#include "am/kvam_am.h"
#include "lsm/space.h"

static Datum
uint64_numeric(uint64 v)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), UINT64_FORMAT, v);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

PG_FUNCTION_INFO_V1(kvam_partitions);

Datum
kvam_partitions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	KvamRelInfo *info;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rel = KvamOpenTable(PG_GETARG_OID(0), AccessShareLock, false);
	/* the map cannot change while we list it */
	KvamMapLock(rel, ShareLock);
	info = KvamMetaReadMap(rel);
	for (i = 0; i < info->npartitions; i++)
	{
		Datum		values[18];
		bool		nulls[18] = {0};
		KvamManifest mf;
		KvamPart   *p;
		uint64		rv = 0,
					rb = 0;
		uint32		levels = 0;
		int			r;

		p = KvamPartAcquire(rel, info, i, LW_SHARED);
		if (p == NULL)
			elog(ERROR, "kvam partition %u of \"%s\" is not in its map",
				 info->parts[i].partid, RelationGetRelationName(rel));
		mf = KvamManifestRead(rel, info, i);
		for (r = 0; r < mf->nruns; r++)
		{
			rv += mf->runs[r].nversions;
			rb += mf->runs[r].nblocks;
			levels = Max(levels, mf->runs[r].level + 1);
		}
		values[0] = Int32GetDatum(mf->partid);
		values[1] = uint64_numeric(mf->hash_lo);
		values[2] = uint64_numeric(mf->hash_hi);
		values[3] = Int32GetDatum(mf->l0_pages);
		values[4] = Int64GetDatum(p->nentries);
		values[5] = Int64GetDatum(p->l0_bytes);
		values[6] = Int32GetDatum(mf->nruns);
		values[7] = Int64GetDatum(rv);
		values[8] = Int64GetDatum(rb);
		values[9] = Int64GetDatum(mf->flushes);
		values[10] = Int64GetDatum(pg_atomic_read_u64(&p->reads));
		values[11] = Int64GetDatum(pg_atomic_read_u64(&p->writes));
		values[12] = Int64GetDatum(pg_atomic_read_u64(&p->bloom_probes));
		values[13] = Int64GetDatum(pg_atomic_read_u64(&p->bloom_skips));
		values[14] = Int32GetDatum(levels);
		values[15] = Int64GetDatum(mf->compactions);
		values[16] = Int64GetDatum(mf->compact_blocks);
		values[17] = Int32GetDatum((int32) mf->parent);
		nulls[17] = mf->parent == KVAM_NO_PARTID;
		KvamPartRelease(p);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(mf);
	}
	KvamMapUnlock(rel, ShareLock);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(kvam_runs);

Datum
kvam_runs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	KvamRelInfo *info;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rel = KvamOpenTable(PG_GETARG_OID(0), AccessShareLock, false);
	KvamMapLock(rel, ShareLock);
	info = KvamMetaReadMap(rel);
	for (i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, i);
		int			r;

		for (r = 0; r < mf->nruns; r++)
		{
			Datum		values[9];
			bool		nulls[9] = {0};

			values[0] = Int32GetDatum(mf->partid);
			values[1] = Int64GetDatum(mf->runs[r].run_id);
			values[2] = Int32GetDatum(mf->runs[r].level);
			values[3] = Int64GetDatum(mf->runs[r].head);
			values[4] = Int64GetDatum(mf->runs[r].nblocks);
			values[5] = Int64GetDatum(mf->runs[r].nversions);
			values[6] = Int64GetDatum(mf->runs[r].ntombstones);
			values[7] = TransactionIdGetDatum(mf->runs[r].min_xmin);
			nulls[7] = !TransactionIdIsValid(mf->runs[r].min_xmin);
			values[8] = uint64_numeric(mf->runs[r].hash_first);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		pfree(mf);
	}
	KvamMapUnlock(rel, ShareLock);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(kvam_free_extents);

/*
 * kvam.free_extents(regclass): the free-extent list, with whether each
 * extent may be reused now (no snapshot older than its retirement).
 */
Datum
kvam_free_extents(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	KvamFreeMap fm;
	GlobalVisState *vistest;

	InitMaterializedSRF(fcinfo, 0);
	rel = KvamOpenTable(PG_GETARG_OID(0), AccessShareLock, false);
	fm = KvamSpaceReadMap(rel, KvamRelGetInfo(rel));
	vistest = GlobalVisTestFor(rel);
	for (uint32 i = 0; i < fm->nextents; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		KvamFreeExtent *e = &fm->ext[i];

		values[0] = Int64GetDatum(e->start);
		values[1] = Int64GetDatum(e->nblocks);
		values[2] = FullTransactionIdGetDatum(e->retired);
		nulls[2] = !FullTransactionIdIsValid(e->retired);
		values[3] = BoolGetDatum(!FullTransactionIdIsValid(e->retired) ||
								 GlobalVisTestIsRemovableFullXid(vistest, e->retired));
		values[4] = Int32GetDatum((int32) e->owner - 1);
		nulls[4] = e->owner == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(fm);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}
