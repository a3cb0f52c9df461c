/*-------------------------------------------------------------------------
 *
 * keyindex.c
 *	  The kvam_key index access method: the key of a kvam table.
 *
 * A kvam_key index stores nothing.  Creating it on an (empty) kvam table
 * defines the table's key: the first column is the partition key, the
 * optional second column the sort key.  Scans look keys up in the table's
 * LSM directly and return the TIDs of the versions the scan's snapshot
 * sees; uniqueness is enforced by the table access method when versions are
 * written, so aminsert has nothing to do.
 *
 * Order: rows come back in (partition key, sort key) order, which for a
 * scan with an equality condition on the partition key is one partition's
 * contiguous slice of the LSM (forward or backward).  Without such a
 * condition the scan has to read every partition and sort; the cost
 * estimate makes the planner avoid that unless forced.  Text key columns
 * must use the "C" collation: kvam orders strings by their UTF-8 bytes (as
 * DynamoDB does), and SQL comparison operators must agree with that order
 * for the index to answer range conditions and ORDER BY.
 *
 * Every scan key is evaluated exactly on each candidate row, so results
 * never need a recheck; key bounds only narrow the part of the LSM read.
 *
 * IDENTIFICATION
 *	  src/am/keyindex.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "catalog/index.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"

#include "am/kvam_am.h"
#include "lsm/keycode.h"

/* One matching row. */
typedef struct KeyScanResult
{
	ItemPointerData tid;
	KvamVersion v;
	Size		len;
} KeyScanResult;

typedef struct KeyScanOpaque
{
	MemoryContext cxt;			/* results; reset on rescan */
	bool		done_collect;
	KeyScanResult *res;
	int			nres;
	int			capres;
	int			pos;			/* current result */
	bool		started;
	KvamIter   *it;				/* forward range scans: rows not yet read */
} KeyScanOpaque;

/* ---------- build ---------- */


static bool
table_has_data(Relation heap, KvamRelInfo *info)
{
	int			i;

	for (i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(heap, info, i);
		bool		has = BlockNumberIsValid(mf->l0_head) || mf->nruns > 0;

		pfree(mf);
		if (has)
			return true;
	}
	return false;
}

static IndexBuildResult *
kvam_key_build(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	KvamRelInfo *info;
	KvamKeyType types[2] = {KVAM_KEY_NONE, KVAM_KEY_NONE};
	int			i;
	List	   *indexes;
	ListCell   *lc;

	if (!KvamIsKvamRelation(heap))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvam_key indexes can only be created on kvam tables"),
				 errhint("Create the table with CREATE TABLE ... USING kvam.")));
	/* (reindex clears ii_Unique when it skips constraint checks) */
	if (!index->rd_index->indisunique)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a kvam_key index must be UNIQUE"),
				 errhint("Use CREATE UNIQUE INDEX ... USING kvam_key.")));
	if (indexInfo->ii_NumIndexKeyAttrs < 1 || indexInfo->ii_NumIndexKeyAttrs > 2 ||
		indexInfo->ii_NumIndexAttrs != indexInfo->ii_NumIndexKeyAttrs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a kvam_key index has one or two key columns and no INCLUDE columns"),
				 errdetail("The first column is the partition key, the second the sort key.")));
	if (indexInfo->ii_Expressions != NIL || indexInfo->ii_Predicate != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a kvam_key index cannot have expressions or a WHERE clause")));

	for (i = 0; i < indexInfo->ii_NumIndexKeyAttrs; i++)
	{
		AttrNumber	att = indexInfo->ii_IndexAttrNumbers[i];
		Form_pg_attribute a;

		if (att <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("a kvam_key index cannot be on system columns")));
		a = TupleDescAttr(RelationGetDescr(heap), att - 1);
		types[i] = KvamKeyTypeFromOid(a->atttypid, NameStr(a->attname));
		if (types[i] == KVAM_KEY_S &&
			index->rd_indcollation[i] != C_COLLATION_OID &&
			index->rd_indcollation[i] != POSIX_COLLATION_OID)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("text key column \"%s\" must use the \"C\" collation",
							NameStr(a->attname)),
					 errdetail("kvam orders strings by their UTF-8 bytes, as DynamoDB does."),
					 errhint("Declare the column as text COLLATE \"C\".")));
	}

	/* one key per table */
	indexes = RelationGetIndexList(heap);
	foreach(lc, indexes)
	{
		Oid			other = lfirst_oid(lc);

		if (other != RelationGetRelid(index) &&
			KvamRelationAm(other) == index->rd_rel->relam)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("kvam table \"%s\" already has a key index \"%s\"",
							RelationGetRelationName(heap), get_rel_name(other))));
	}

	KvamRelForgetInfo(heap);
	info = KvamRelGetInfo(heap);
	if (!info->keyed || info->keyindex != RelationGetRelid(index))
		elog(ERROR, "kvam_key index \"%s\" is not visible to its table yet",
			 RelationGetRelationName(index));

	/* rows COPY staged before the key existed get their keys now */
	result = palloc0(sizeof(IndexBuildResult));
	if (table_has_data(heap, info))
		result->heap_tuples = result->index_tuples = KvamRekeyStaged(heap, info);

	KvamMetaSetKeySchema(heap, types[0], indexInfo->ii_IndexAttrNumbers[0],
						 types[1], indexInfo->ii_NumIndexKeyAttrs == 2 ?
						 indexInfo->ii_IndexAttrNumbers[1] : InvalidAttrNumber);
	KvamRelForgetInfo(heap);

	return result;
}

static void
kvam_key_buildempty(Relation index)
{
	/* the index has no pages */
}

static bool
kvam_key_insert(Relation index, Datum *values, bool *isnull,
				ItemPointer heap_tid, Relation heap,
				IndexUniqueCheck checkUnique, bool indexUnchanged,
				IndexInfo *indexInfo)
{
	/* uniqueness was enforced when the version was written */
	return true;
}

static IndexBulkDeleteResult *
kvam_key_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
					IndexBulkDeleteCallback callback, void *callback_state)
{
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	return stats;
}

static IndexBulkDeleteResult *
kvam_key_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_pages = 0;
	return stats;
}

/* ---------- planning ---------- */

static bool
has_pk_equality(IndexPath *path)
{
	ListCell   *lc;

	foreach(lc, path->indexclauses)
	{
		IndexClause *ic = lfirst_node(IndexClause, lc);
		ListCell   *lc2;

		if (ic->indexcol != 0)
			continue;
		foreach(lc2, ic->indexquals)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc2);
			Expr	   *clause = ri->clause;

			if (IsA(clause, OpExpr))
			{
				Oid			opno = ((OpExpr *) clause)->opno;
				int			strategy;
				Oid			lefttype,
							righttype;

				get_op_opfamily_properties(opno, path->indexinfo->opfamily[0],
										   false, &strategy, &lefttype, &righttype);
				if (strategy == BTEqualStrategyNumber)
					return true;
			}
		}
	}
	return false;
}

static void
kvam_key_costestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					  Cost *indexStartupCost, Cost *indexTotalCost,
					  Selectivity *indexSelectivity, double *indexCorrelation,
					  double *indexPages)
{
	GenericCosts costs;

	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);

	if (has_pk_equality(path))
	{
		/* one partition, one seek: a memtable probe plus a bloom-guarded
		 * lookup per run */
		costs.indexStartupCost = random_page_cost;
		costs.indexTotalCost = costs.indexStartupCost +
			costs.numIndexTuples * (cpu_index_tuple_cost + cpu_operator_cost);
	}
	else
	{
		/* every partition, then a sort: only when nothing else works */
		costs.indexStartupCost += disable_cost;
		costs.indexTotalCost += disable_cost;
	}
	*indexStartupCost = costs.indexStartupCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 1.0;
	*indexPages = 0;
}

static bytea *
kvam_key_options(Datum reloptions, bool validate)
{
	return NULL;
}

static bool
kvam_key_validate(Oid opclassoid)
{
	return true;
}

/* ---------- scans ---------- */

static IndexScanDesc
kvam_key_beginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	KeyScanOpaque *so = palloc0(sizeof(KeyScanOpaque));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "kvam_key scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

static void
kvam_key_rescan(IndexScanDesc scan, ScanKey keys, int nkeys,
				ScanKey orderbys, int norderbys)
{
	KeyScanOpaque *so = (KeyScanOpaque *) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (so->it)
		KvamIterEnd(so->it);
	so->it = NULL;
	MemoryContextReset(so->cxt);
	so->done_collect = false;
	so->res = NULL;
	so->nres = so->capres = 0;
	so->pos = 0;
	so->started = false;
}

static void
kvam_key_endscan(IndexScanDesc scan)
{
	KeyScanOpaque *so = (KeyScanOpaque *) scan->opaque;

	if (so->it)
		KvamIterEnd(so->it);
	MemoryContextDelete(so->cxt);
	pfree(so);
}

/* Does the row satisfy every scan key? */
static bool
row_matches(IndexScanDesc scan, Relation heap, KvamVersion v, Size len)
{
	HeapTupleData tup;
	int			i;

	tup.t_len = len - KvamVersionTupleOffset(v->keylen);
	tup.t_data = KvamVersionGetTuple(v);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = RelationGetRelid(heap);

	for (i = 0; i < scan->numberOfKeys; i++)
	{
		ScanKey		key = &scan->keyData[i];
		AttrNumber	heapatt = scan->indexRelation->rd_index->indkey.values[key->sk_attno - 1];
		bool		isnull;
		Datum		val;

		if (key->sk_flags & SK_ISNULL)
			return false;
		val = heap_getattr(&tup, heapatt, RelationGetDescr(heap), &isnull);
		if (isnull)
			return false;
		if (!DatumGetBool(FunctionCall2Coll(&key->sk_func, key->sk_collation,
											val, key->sk_argument)))
			return false;
	}
	return true;
}

static void
add_result(KeyScanOpaque *so, ItemPointer tid, KvamVersion v, Size len)
{
	if (so->nres == so->capres)
	{
		so->capres = so->capres ? so->capres * 2 : 16;
		so->res = so->res ? repalloc_huge(so->res, so->capres * sizeof(KeyScanResult)) :
			palloc(so->capres * sizeof(KeyScanResult));
	}
	so->res[so->nres].tid = *tid;
	so->res[so->nres].v = palloc(len);
	memcpy(so->res[so->nres].v, v, len);
	so->res[so->nres].len = len;
	so->nres++;
}

/* qsort comparator: natural (pk, sk) order = key bytes after the hash */
static int
result_cmp(const void *a, const void *b)
{
	const KeyScanResult *ra = (const KeyScanResult *) a;
	const KeyScanResult *rb = (const KeyScanResult *) b;

	return KvamKeyCompare(ra->v->key + KVAM_KEY_HASH_BYTES,
						  ra->v->keylen - KVAM_KEY_HASH_BYTES,
						  rb->v->key + KVAM_KEY_HASH_BYTES,
						  rb->v->keylen - KVAM_KEY_HASH_BYTES);
}

/* The key of a sort-key bound, if the argument has the column's type. */
static bool
encode_bound(StringInfo out, const char *prefix, Size prefixlen,
			 KvamKeyType type, Oid coltype, ScanKey key)
{
	if (key->sk_subtype != InvalidOid && key->sk_subtype != coltype &&
		!(type == KVAM_KEY_S && key->sk_subtype == TEXTOID))
		return false;
	resetStringInfo(out);
	appendBinaryStringInfo(out, prefix, prefixlen);
	KvamKeyEncodeValue(out, type, key->sk_argument);
	return true;
}

/*
 * collect finds the rows of the scan.  A forward scan of a key range only
 * opens the iterator (rows are read as they are asked for, pull_more); a
 * point lookup, a backward scan and a scan without a partition key
 * equality read all their rows here.
 */
static void
collect(IndexScanDesc scan, bool lazy_ok)
{
	KeyScanOpaque *so = (KeyScanOpaque *) scan->opaque;
	Relation	heap = scan->heapRelation;
	KvamRelInfo *info = KvamRelGetInfo(heap);
	MemoryContext old = MemoryContextSwitchTo(so->cxt);
	ScanKey		pkeq = NULL;
	int			i;

	so->done_collect = true;
	KvamPredicateLockRead(heap, scan->xs_snapshot);
	if (!info->keyed)
	{
		MemoryContextSwitchTo(old);
		return;
	}
	for (i = 0; i < scan->numberOfKeys; i++)
	{
		ScanKey		key = &scan->keyData[i];

		if (key->sk_flags & SK_ISNULL)
		{
			MemoryContextSwitchTo(old);
			return;				/* key columns are never NULL */
		}
		if (key->sk_attno == 1 && key->sk_strategy == BTEqualStrategyNumber)
			pkeq = key;
	}

	if (pkeq)
	{
		StringInfoData prefix,
					lower,
					upper,
					b;
		bool		have_upper;
		bool		upper_incl = false;
		Oid			sktype = InvalidOid;
		uint64		hash;
		int			idx;
		KvamIter   *it;
		KvamKeyGroup g;
		int			v;
		bool		point = false;

		/* hash | enc(pk) */
		initStringInfo(&prefix);
		initStringInfo(&b);
		KvamKeyEncodeValue(&b, info->pktype, pkeq->sk_argument);
		hash = KvamKeyPartitionHash(b.data, b.len);
		for (i = KVAM_KEY_HASH_BYTES - 1; i >= 0; i--)
			appendStringInfoChar(&prefix, (char) ((hash >> (8 * i)) & 0xFF));
		appendBinaryStringInfo(&prefix, b.data, b.len);
		idx = KvamRelFindPartition(info, hash);

		initStringInfo(&lower);
		appendBinaryStringInfo(&lower, prefix.data, prefix.len);
		initStringInfo(&upper);
		appendBinaryStringInfo(&upper, prefix.data, prefix.len);
		have_upper = KvamKeyPrefixSuccessor(&upper, 0);

		if (info->sktype != KVAM_KEY_NONE)
			sktype = TupleDescAttr(RelationGetDescr(heap), info->skattnum - 1)->atttypid;
		for (i = 0; i < scan->numberOfKeys; i++)
		{
			ScanKey		key = &scan->keyData[i];

			if (key->sk_attno != 2)
				continue;
			if (key->sk_strategy == BTEqualStrategyNumber &&
				encode_bound(&b, prefix.data, prefix.len, info->sktype, sktype, key))
			{
				resetStringInfo(&lower);
				appendBinaryStringInfo(&lower, b.data, b.len);
				point = true;
				break;
			}
			if ((key->sk_strategy == BTEqualStrategyNumber ||
				 key->sk_strategy == BTGreaterEqualStrategyNumber ||
				 key->sk_strategy == BTGreaterStrategyNumber) &&
				encode_bound(&b, prefix.data, prefix.len, info->sktype, sktype, key) &&
				KvamKeyCompare(b.data, b.len, lower.data, lower.len) > 0)
			{
				resetStringInfo(&lower);
				appendBinaryStringInfo(&lower, b.data, b.len);
			}
			if ((key->sk_strategy == BTEqualStrategyNumber ||
				 key->sk_strategy == BTLessEqualStrategyNumber ||
				 key->sk_strategy == BTLessStrategyNumber) &&
				encode_bound(&b, prefix.data, prefix.len, info->sktype, sktype, key) &&
				(!have_upper || KvamKeyCompare(b.data, b.len, upper.data, upper.len) < 0))
			{
				resetStringInfo(&upper);
				appendBinaryStringInfo(&upper, b.data, b.len);
				have_upper = true;
				upper_incl = key->sk_strategy != BTLessStrategyNumber;
			}
		}

		if (info->sktype == KVAM_KEY_NONE)
			point = true;		/* the partition key is the whole key */
		if (point)
		{
			/* the whole key is known: bloom-guarded point lookup */
			KvamKeyGroupLookup(heap, info, lower.data, lower.len,
							   scan->xs_snapshot, &g);
			v = KvamChooseVisible(heap, &g, scan->xs_snapshot);
			if (v >= 0 && row_matches(scan, heap, g.v[v], g.len[v]))
				add_result(so, &g.tid[v], g.v[v], g.len[v]);
			MemoryContextSwitchTo(old);
			return;
		}
		it = KvamIterBegin(heap, info, idx, lower.data, lower.len,
						   have_upper ? upper.data : NULL, upper.len, upper_incl);
		if (lazy_ok)
		{
			so->it = it;
			MemoryContextSwitchTo(old);
			return;
		}
		while (KvamIterNext(it, &g))
		{
			v = KvamChooseVisible(heap, &g, scan->xs_snapshot);

			if (v >= 0 && row_matches(scan, heap, g.v[v], g.len[v]))
				add_result(so, &g.tid[v], g.v[v], g.len[v]);
		}
		KvamIterEnd(it);
	}
	else
	{
		for (i = 0; i < info->npartitions; i++)
		{
			KvamIter   *it = KvamIterBegin(heap, info, i, NULL, 0, NULL, 0, false);
			KvamKeyGroup g;

			while (KvamIterNext(it, &g))
			{
				int			v = KvamChooseVisible(heap, &g, scan->xs_snapshot);

				if (v >= 0 && row_matches(scan, heap, g.v[v], g.len[v]))
					add_result(so, &g.tid[v], g.v[v], g.len[v]);
			}
			KvamIterEnd(it);
		}
		if (so->nres > 1)
			qsort(so->res, so->nres, sizeof(KeyScanResult), result_cmp);
	}
	MemoryContextSwitchTo(old);
}

/* Read rows of a lazy range scan until one more result exists. */
static bool
pull_more(IndexScanDesc scan)
{
	KeyScanOpaque *so = (KeyScanOpaque *) scan->opaque;
	Relation	heap = scan->heapRelation;
	KvamKeyGroup g;

	while (so->it)
	{
		int			v;

		if (!KvamIterNext(so->it, &g))
		{
			KvamIterEnd(so->it);
			so->it = NULL;
			break;
		}
		v = KvamChooseVisible(heap, &g, scan->xs_snapshot);
		if (v >= 0 && row_matches(scan, heap, g.v[v], g.len[v]))
		{
			MemoryContext old = MemoryContextSwitchTo(so->cxt);

			add_result(so, &g.tid[v], g.v[v], g.len[v]);
			MemoryContextSwitchTo(old);
			return true;
		}
	}
	return false;
}

/*
 * Results are kept as they are returned, so a scroll cursor can move back
 * over them; moving forward past the kept ones reads on.
 */
static bool
kvam_key_gettuple(IndexScanDesc scan, ScanDirection dir)
{
	KeyScanOpaque *so = (KeyScanOpaque *) scan->opaque;
	bool		backward = ScanDirectionIsBackward(dir);
	KeyScanResult *r;

	if (!so->done_collect)
		collect(scan, !backward);
	if (!so->started)
	{
		so->started = true;
		so->pos = backward ? so->nres - 1 : 0;
	}
	else if (backward)
		so->pos = Max(so->pos - 1, -1);
	else
		so->pos = Min(so->pos + 1, so->nres);
	if (!backward && so->pos >= so->nres && pull_more(scan))
		so->pos = so->nres - 1;
	if (so->pos < 0 || so->pos >= so->nres)
		return false;

	r = &so->res[so->pos];
	scan->xs_heaptid = r->tid;
	scan->xs_recheck = false;
	if (IsMVCCSnapshot(scan->xs_snapshot))
		KvamFetchHintSet(scan->heapRelation, &r->tid, scan->xs_snapshot,
						 r->v, r->len);
	return true;
}

PG_FUNCTION_INFO_V1(kvam_key_handler);

/*
 * kvam_key_handler returns the kvam_key IndexAmRoutine.
 */
Datum
kvam_key_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);

	am->amstrategies = BTMaxStrategyNumber;
	am->amsupport = 1;
	am->amoptsprocnum = 0;
	am->amcanorder = true;
	am->amcanorderbyop = false;
	am->amcanbackward = true;
	am->amcanunique = true;
	am->amcanmulticol = true;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = true;	/* CLUSTER = VACUUM FULL: key order is storage order */
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
	am->amparallelvacuumoptions = 0;
	am->amkeytype = InvalidOid;

	am->ambuild = kvam_key_build;
	am->ambuildempty = kvam_key_buildempty;
	am->aminsert = kvam_key_insert;
	am->ambulkdelete = kvam_key_bulkdelete;
	am->amvacuumcleanup = kvam_key_vacuumcleanup;
	am->amcanreturn = NULL;
	am->amcostestimate = kvam_key_costestimate;
	am->amoptions = kvam_key_options;
	am->amproperty = NULL;
	am->ambuildphasename = NULL;
	am->amvalidate = kvam_key_validate;
	am->amadjustmembers = NULL;
	am->ambeginscan = kvam_key_beginscan;
	am->amrescan = kvam_key_rescan;
	am->amgettuple = kvam_key_gettuple;
	am->amgetbitmap = NULL;
	am->amendscan = kvam_key_endscan;
	am->ammarkpos = NULL;
	am->amrestrpos = NULL;
	am->amestimateparallelscan = NULL;
	am->aminitparallelscan = NULL;
	am->amparallelrescan = NULL;

	PG_RETURN_POINTER(am);
}
