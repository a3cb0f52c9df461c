/*-------------------------------------------------------------------------
 *
 * introspect.c
 *	  kvam.partitions() and kvam.runs(): what a kvam table is made of.
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

#include "am/kvam_am.h"

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
	info = KvamRelGetInfo(rel);
	for (i = 0; i < info->npartitions; i++)
	{
		Datum		values[14];
		bool		nulls[14] = {0};
		KvamManifest mf;
		KvamPart   *p;
		uint64		rv = 0,
					rb = 0;
		int			r;

		p = KvamPartAcquire(rel, info, i, LW_SHARED);
		mf = KvamManifestRead(rel, info, i);
		for (r = 0; r < mf->nruns; r++)
		{
			rv += mf->runs[r].nversions;
			rb += mf->runs[r].nblocks;
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
		KvamPartRelease(p);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(mf);
	}
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
	info = KvamRelGetInfo(rel);
	for (i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, i);
		int			r;

		for (r = 0; r < mf->nruns; r++)
		{
			Datum		values[6];
			bool		nulls[6] = {0};

			values[0] = Int32GetDatum(mf->partid);
			values[1] = Int64GetDatum(mf->runs[r].run_id);
			values[2] = Int32GetDatum(mf->runs[r].level);
			values[3] = Int64GetDatum(mf->runs[r].head);
			values[4] = Int64GetDatum(mf->runs[r].nblocks);
			values[5] = Int64GetDatum(mf->runs[r].nversions);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		pfree(mf);
	}
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}
