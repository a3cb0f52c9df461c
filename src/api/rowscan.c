/*-------------------------------------------------------------------------
 *
 * rowscan.c
 *	  Ordered key-range reads for Query and Scan (contract in rowscan.h).
 *
 * The bounds are compared with the encoded keys of the key groups the LSM
 * iterators produce: KvamIterBegin narrows each partition's iterator to
 * [lower, upper], and this file only drops a key equal to an exclusive
 * lower bound.  A range touches the partitions from the one holding the
 * lower bound's hash to the one holding the upper bound's hash (all of
 * them when unbounded); partitions are contiguous hash ranges in
 * ascending order (lsm/meta.h), so visiting them in index order yields
 * global key order.
 *
 * Backward scans collect the visible rows of the range (copies of their
 * versions) in the scan's context and hand them out in reverse.
 *
 * IDENTIFICATION
 *	  src/api/rowscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "am/kvam_am.h"
#include "api/rowscan.h"
#include "lsm/keycode.h"

typedef struct SavedRow
{
	KvamVersion v;
	Size		len;
	ItemPointerData tid;
} SavedRow;

struct KvamRowScan
{
	Relation	rel;
	Snapshot	snapshot;
	KvamRelInfo *info;
	MemoryContext cxt;
	KvamRowBound lower;
	KvamRowBound upper;
	bool		backward;
	int			part;			/* partition being read */
	int			lastpart;
	KvamIter   *it;
	/* backward scans */
	SavedRow   *rows;
	int			nrows;
	int			caprows;
	bool		collected;
};

static int
partition_of_bound(KvamRelInfo *info, const KvamRowBound *b, int dflt)
{
	char		hashbytes[KVAM_KEY_HASH_BYTES];

	if (b->key == NULL)
		return dflt;
	/* a bound shorter than the hash is padded with zeros */
	memset(hashbytes, 0, sizeof(hashbytes));
	memcpy(hashbytes, b->key, Min(b->len, KVAM_KEY_HASH_BYTES));
	return KvamRelFindPartition(info, KvamKeyHashOf(hashbytes));
}

KvamRowScan *
KvamRowScanBegin(Relation rel, Snapshot snapshot, KvamRowBound lower,
				 KvamRowBound upper, bool backward)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "kvam row scan",
											  ALLOCSET_DEFAULT_SIZES);
	KvamRowScan *s = MemoryContextAllocZero(cxt, sizeof(KvamRowScan));

	s->rel = rel;
	s->snapshot = snapshot;
	s->cxt = cxt;
	s->info = KvamRelInfoKeyed(rel);
	s->backward = backward;
	s->lower = lower;
	s->upper = upper;
	if (lower.key)
		s->lower.key = MemoryContextAlloc(cxt, lower.len);
	if (upper.key)
		s->upper.key = MemoryContextAlloc(cxt, upper.len);
	if (lower.key)
		memcpy((char *) s->lower.key, lower.key, lower.len);
	if (upper.key)
		memcpy((char *) s->upper.key, upper.key, upper.len);
	s->part = partition_of_bound(s->info, &s->lower, 0) - 1;
	s->lastpart = partition_of_bound(s->info, &s->upper,
									 (int) s->info->npartitions - 1);
	KvamPredicateLockRead(rel, snapshot);
	return s;
}

/* The next visible key group of the range in forward order, or false. */
static bool
next_forward(KvamRowScan *s, KvamKeyGroup *g, int *vis)
{
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (s->it == NULL)
		{
			MemoryContext old;

			if (s->part >= s->lastpart)
				return false;
			s->part++;
			old = MemoryContextSwitchTo(s->cxt);
			s->it = KvamIterBegin(s->rel, s->info, s->part,
								  s->lower.key, s->lower.len,
								  s->upper.key, s->upper.len,
								  s->upper.inclusive);
			MemoryContextSwitchTo(old);
		}
		if (!KvamIterNext(s->it, g))
		{
			KvamIterEnd(s->it);
			s->it = NULL;
			continue;
		}
		if (s->lower.key && !s->lower.inclusive &&
			KvamKeyCompare(g->v[0]->key, g->v[0]->keylen,
						   s->lower.key, s->lower.len) == 0)
			continue;
		*vis = KvamChooseVisible(s->rel, g, s->snapshot);
		if (*vis >= 0)
			return true;
	}
}

static void
collect_backward(KvamRowScan *s)
{
	KvamKeyGroup g;
	int			vis;

	s->collected = true;
	while (next_forward(s, &g, &vis))
	{
		MemoryContext old = MemoryContextSwitchTo(s->cxt);
		SavedRow   *r;

		if (s->nrows == s->caprows)
		{
			s->caprows = s->caprows ? s->caprows * 2 : 64;
			s->rows = s->rows ?
				repalloc_huge(s->rows, sizeof(SavedRow) * s->caprows) :
				palloc(sizeof(SavedRow) * s->caprows);
		}
		r = &s->rows[s->nrows++];
		r->len = g.len[vis];
		r->v = palloc(r->len);
		memcpy(r->v, g.v[vis], r->len);
		r->tid = g.tid[vis];
		MemoryContextSwitchTo(old);
	}
}

bool
KvamRowScanNext(KvamRowScan *s, TupleTableSlot *slot, const char **key,
				Size *keylen)
{
	KvamVersion v;
	Size		len;
	ItemPointerData tid;

	if (s->backward)
	{
		SavedRow   *r;

		if (!s->collected)
			collect_backward(s);
		if (s->nrows == 0)
			return false;
		r = &s->rows[--s->nrows];
		v = r->v;
		len = r->len;
		tid = r->tid;
	}
	else
	{
		KvamKeyGroup g;
		int			vis;

		if (!next_forward(s, &g, &vis))
			return false;
		v = g.v[vis];
		len = g.len[vis];
		tid = g.tid[vis];
	}
	KvamStoreVersion(s->rel, slot, v, len, &tid);
	if (key)
		*key = v->key;
	if (keylen)
		*keylen = v->keylen;
	return true;
}

void
KvamRowScanEnd(KvamRowScan *s)
{
	if (s->it)
		KvamIterEnd(s->it);
	MemoryContextDelete(s->cxt);
}
