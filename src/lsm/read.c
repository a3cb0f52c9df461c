/*-------------------------------------------------------------------------
 *
 * read.c
 *	  Point lookups and merging iterators over a partition.
 *
 * A partition's data is its memtables (the active one, then the frozen
 * one if any: indexes over L0) plus its runs, newest first.  Lookups and
 * iterators need a consistent view of the three: the memtable entries (as
 * TIDs) and the run list are copied under the partition lock in shared
 * mode, which a flush takes exclusively when it publishes a run and drops
 * the frozen memtable.  Everything else -- fetching versions from L0
 * pages, bloom probes, run searches -- happens after the lock is released,
 * so readers never hold it across I/O and never block writers' appends.
 * Pages read through that view stay readable because L0 pages and runs
 * are not recycled while a snapshot that could use them exists.
 *
 * IDENTIFICATION
 *	  src/lsm/read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lwlock.h"
#include "utils/memutils.h"

#include "lsm/keycode.h"
#include "lsm/read.h"
#include "lsm/run.h"

/* Collect the TIDs of 'key' in one memtable, newest first. */
static void
memtable_key_tids(KvamMemtable *mt, const char *key, Size keylen,
				  ItemPointerData **tids, int *ntids, int *cap)
{
	uint32		node;

	for (node = KvamMemtableSeek(mt, key, keylen); node != 0;
		 node = KvamMemtableNext(node))
	{
		KvamMtNode *n = KvamMtNodeGet(node);

		if (KvamKeyCompare(KvamMtNodeKey(n), n->keylen, key, keylen) != 0)
			break;
		if (*ntids == *cap)
		{
			*cap *= 2;
			*tids = repalloc(*tids, *cap * sizeof(ItemPointerData));
		}
		(*tids)[(*ntids)++] = n->tid;
	}
}

/*
 * KvamLookupKey: see read.h.  The partition lock is held (shared) only
 * while the memtable TIDs and the run list are copied.
 */
void
KvamLookupKey(Relation rel, KvamRelInfo *info, int idx,
			  const char *key, Size keylen, KvamVersionVisitor visit, void *arg)
{
	KvamPart   *p;
	KvamManifest mf;
	ItemPointerData *tids;
	int			ntids = 0,
				cap = 8;
	int			i;

	tids = palloc(cap * sizeof(ItemPointerData));
	for (;;)
	{
		p = KvamPartAcquire(rel, info, idx, LW_SHARED);
		if (p != NULL)
		{
			ntids = 0;
			memtable_key_tids(&p->mt, key, keylen, &tids, &ntids, &cap);
			if (p->has_frozen)
				memtable_key_tids(&p->frozen, key, keylen, &tids, &ntids, &cap);
			/* NULL only on a standby that replayed a split meanwhile */
			mf = KvamManifestTryRead(rel, info, idx);
			KvamPartRelease(p);
			if (mf != NULL)
				break;
		}
		/* the partition was split or merged: find the key's partition now */
		info = KvamRelGetInfo(rel);
		idx = KvamRelFindPartition(info, KvamKeyHashOf(key));
	}
	pg_atomic_fetch_add_u64(&p->reads, 1);

	for (i = 0; i < ntids; i++)
	{
		KvamVersion v;
		Size		len;
		bool		stop;

		v = KvamVersionFetch(rel, &tids[i], &len);
		if (v == NULL)
			elog(ERROR, "kvam memtable points at (%u,%u), which holds no version",
				 ItemPointerGetBlockNumber(&tids[i]),
				 ItemPointerGetOffsetNumber(&tids[i]));
		stop = visit(v, len, &tids[i], arg);
		pfree(v);
		if (stop)
			goto done;
	}

	for (i = 0; i < mf->nruns; i++)
	{
		KvamRunIter *it;
		KvamVersion v;
		ItemPointerData tid;
		Size		len;

		/* counters of a slot are atomics: no lock needed */
		pg_atomic_fetch_add_u64(&p->bloom_probes, 1);
		if (!KvamRunMayContain(rel, &mf->runs[i], key, keylen))
		{
			pg_atomic_fetch_add_u64(&p->bloom_skips, 1);
			continue;
		}
		it = KvamRunIterBegin(rel, &mf->runs[i], key, keylen, key, keylen, true);
		while ((v = KvamRunIterNext(it, &tid)) != NULL)
		{
			len = KvamRunIterVersionLength(it);
			if (visit(v, len, &tid, arg))
			{
				KvamRunIterEnd(it);
				goto done;
			}
		}
		KvamRunIterEnd(it);
	}
done:
	pfree(mf);
	pfree(tids);
}

/* ---------- merging iterator ---------- */

typedef struct MemEntry
{
	uint32		keyoff;			/* into keys buffer */
	uint16		keylen;
	ItemPointerData tid;
} MemEntry;

typedef struct RunSource
{
	KvamRunIter *it;
	KvamVersion cur;			/* copy of the current version, NULL at end */
	Size		curlen;
	Size		curcap;
	ItemPointerData curtid;
	MemoryContext cxt;			/* where 'cur' lives */
} RunSource;

struct KvamIter
{
	Relation	rel;
	MemoryContext cxt;			/* iterator lifetime */
	MemoryContext groupcxt;		/* reset per key group */
	/* memtable view (of several partitions: in partition order) */
	MemEntry   *mem;
	int			nmem;
	int			memcap;
	int			mempos;
	char	   *keys;
	Size		keycap;
	Size		keyused;
	/* runs, newest first (per partition) */
	RunSource  *runs;
	int			nruns;
	int			runcap;
};

static void
run_advance(RunSource *s)
{
	KvamVersion v;
	Size		len;

	v = KvamRunIterNext(s->it, &s->curtid);
	len = v ? KvamRunIterVersionLength(s->it) : 0;
	if (v == NULL)
	{
		s->curlen = 0;
		s->cur = NULL;
		return;
	}
	if (s->curcap < len)
	{
		s->curcap = Max(len, 2 * s->curcap);
		s->cur = NULL;			/* the old buffer stays in cxt; it is small */
	}
	if (s->cur == NULL)
		s->cur = MemoryContextAlloc(s->cxt, s->curcap);
	memcpy(s->cur, v, len);
	s->curlen = len;
}

/* Append one memtable node to the iterator's memtable view. */
static void
mem_add(KvamIter *it, KvamMtNode *n)
{
	if (it->nmem == it->memcap)
	{
		it->memcap *= 2;
		it->mem = repalloc_huge(it->mem, it->memcap * sizeof(MemEntry));
	}
	if (it->keyused + n->keylen > it->keycap)
	{
		it->keycap = Max(it->keycap * 2, it->keyused + n->keylen);
		it->keys = repalloc_huge(it->keys, it->keycap);
	}
	memcpy(it->keys + it->keyused, KvamMtNodeKey(n), n->keylen);
	it->mem[it->nmem].keyoff = it->keyused;
	it->mem[it->nmem].keylen = n->keylen;
	it->mem[it->nmem].tid = n->tid;
	it->keyused += n->keylen;
	it->nmem++;
}

/* Is memtable node 'node' past the upper bound? */
static bool
past_upper(uint32 node, const char *upper, Size upperlen, bool upper_inclusive)
{
	KvamMtNode *n;
	int			c;

	if (node == 0)
		return true;
	if (upper == NULL)
		return false;
	n = KvamMtNodeGet(node);
	c = KvamKeyCompare(KvamMtNodeKey(n), n->keylen, upper, upperlen);
	return c > 0 || (c == 0 && !upper_inclusive);
}

/*
 * Start an iterator over the memtables 'mts' (newest first, at most two):
 * their entries in range are merged into one key-ordered array; for equal
 * keys, entries of an earlier (newer) memtable come first.  The caller
 * guarantees the memtables do not change meanwhile.  No I/O.
 */
static KvamIter *
iter_build(Relation rel, KvamIter *it, KvamMemtable **mts, int nmts,
		   const char *lower, Size lowerlen,
		   const char *upper, Size upperlen, bool upper_inclusive)
{
	MemoryContext old;
	uint32		node[2] = {0, 0};
	int			i;

	Assert(nmts <= 2);
	if (it == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
												  "kvam iterator",
												  ALLOCSET_DEFAULT_SIZES);

		it = MemoryContextAllocZero(cxt, sizeof(KvamIter));
		it->rel = rel;
		it->cxt = cxt;
		it->groupcxt = AllocSetContextCreate(cxt, "kvam key group",
											 ALLOCSET_DEFAULT_SIZES);
		it->memcap = 64;
		it->keycap = 4096;
		it->mem = MemoryContextAlloc(cxt, it->memcap * sizeof(MemEntry));
		it->keys = MemoryContextAlloc(cxt, it->keycap);
	}
	old = MemoryContextSwitchTo(it->cxt);

	for (i = 0; i < nmts; i++)
		node[i] = lower ? KvamMemtableSeek(mts[i], lower, lowerlen) :
			KvamMemtableFirst(mts[i]);
	for (;;)
	{
		bool		end0 = past_upper(node[0], upper, upperlen, upper_inclusive);
		bool		end1 = past_upper(node[1], upper, upperlen, upper_inclusive);
		int			take;

		if (end0 && end1)
			break;
		if (end1)
			take = 0;
		else if (end0)
			take = 1;
		else
		{
			KvamMtNode *a = KvamMtNodeGet(node[0]);
			KvamMtNode *b = KvamMtNodeGet(node[1]);

			take = KvamKeyCompare(KvamMtNodeKey(a), a->keylen,
								  KvamMtNodeKey(b), b->keylen) <= 0 ? 0 : 1;
		}
		mem_add(it, KvamMtNodeGet(node[take]));
		node[take] = KvamMemtableNext(node[take]);
	}
	MemoryContextSwitchTo(old);
	return it;
}

/*
 * KvamRunBoundsFor: see read.h.
 */
bool
KvamRunBoundsFor(const KvamRunRef *ref, uint64 lo, uint64 hi,
				 const char *lower, Size lowerlen,
				 const char *upper, Size upperlen, bool upper_inclusive,
				 KvamRunBounds *b)
{
	uint64		elo = Max(lo, ref->hash_first);
	uint64		ehi = Min(hi, ref->hash_last);

	if (elo > ehi || ref->nblocks == 0)
		return false;
	b->lower = lower;
	b->lowerlen = lowerlen;
	b->upper = upper;
	b->upperlen = upperlen;
	b->upper_inclusive = upper_inclusive;
	KvamKeyHashBytes(b->lobuf, elo);
	if (lower == NULL ||
		KvamKeyCompare(lower, lowerlen, b->lobuf, KVAM_KEY_HASH_BYTES) < 0)
	{
		b->lower = b->lobuf;
		b->lowerlen = KVAM_KEY_HASH_BYTES;
	}
	if (ehi < PG_UINT64_MAX)
	{
		/* keys are longer than their hash: [.., hash ehi + 1) */
		KvamKeyHashBytes(b->hibuf, ehi + 1);
		if (upper == NULL ||
			KvamKeyCompare(upper, upperlen, b->hibuf, KVAM_KEY_HASH_BYTES) >= 0)
		{
			b->upper = b->hibuf;
			b->upperlen = KVAM_KEY_HASH_BYTES;
			b->upper_inclusive = false;
		}
	}
	return true;
}

/*
 * Open run sources on the runs of 'mf' (does I/O), each bounded to the
 * hashes [lo, hi] and to its reference's hash range: a run shared with
 * another partition after a split holds keys that are not this one's.
 */
static void
iter_open_runs(KvamIter *it, KvamManifest mf, uint64 lo, uint64 hi,
			   const char *lower, Size lowerlen,
			   const char *upper, Size upperlen, bool upper_inclusive)
{
	MemoryContext old = MemoryContextSwitchTo(it->cxt);
	int			i;

	lo = Max(lo, mf->hash_lo);
	hi = Min(hi, mf->hash_hi);
	if (it->nruns + mf->nruns > it->runcap)
	{
		int			cap = Max(it->nruns + mf->nruns, 2 * it->runcap);

		if (it->runs == NULL)
			it->runs = palloc0(cap * sizeof(RunSource));
		else
		{
			it->runs = repalloc(it->runs, cap * sizeof(RunSource));
			memset(it->runs + it->runcap, 0,
				   (cap - it->runcap) * sizeof(RunSource));
		}
		it->runcap = cap;
	}
	for (i = 0; i < mf->nruns; i++)
	{
		KvamRunBounds b;
		RunSource  *s;

		if (!KvamRunBoundsFor(&mf->runs[i], lo, hi, lower, lowerlen,
							  upper, upperlen, upper_inclusive, &b))
			continue;
		s = &it->runs[it->nruns++];
		s->cxt = it->cxt;
		s->it = KvamRunIterBegin(it->rel, &mf->runs[i], b.lower, b.lowerlen,
								 b.upper, b.upperlen, b.upper_inclusive);
		run_advance(s);
	}
	MemoryContextSwitchTo(old);
}

/*
 * Add partition 'idx' of 'info' to iterator 'it' (NULL: create it),
 * restricted to hashes [lo, hi].  Returns NULL, freeing 'it', if the
 * partition is gone (the map is stale).
 */
static KvamIter *
iter_add_partition(Relation rel, KvamIter *it, KvamRelInfo *info, int idx,
				   uint64 lo, uint64 hi,
				   const char *lower, Size lowerlen,
				   const char *upper, Size upperlen, bool upper_inclusive)
{
	KvamPart   *p = KvamPartAcquire(rel, info, idx, LW_SHARED);
	KvamMemtable *mts[2];
	int			nmts = 0;
	KvamManifest mf;
	KvamRunRef	range;
	KvamRunBounds b;

	if (p != NULL)
	{
		/* the memtables of a merged partition hold more than [lo, hi] */
		memset(&range, 0, sizeof(range));
		range.nblocks = 1;
		range.hash_first = lo;
		range.hash_last = hi;
		mts[nmts++] = &p->mt;
		if (p->has_frozen)
			mts[nmts++] = &p->frozen;
		if (KvamRunBoundsFor(&range, 0, PG_UINT64_MAX, lower, lowerlen,
							 upper, upperlen, upper_inclusive, &b))
			it = iter_build(rel, it, mts, nmts, b.lower, b.lowerlen,
							b.upper, b.upperlen, b.upper_inclusive);
		else
			it = iter_build(rel, it, mts, 0, NULL, 0, NULL, 0, false);
		mf = KvamManifestTryRead(rel, info, idx);
		KvamPartRelease(p);
		if (mf != NULL)
		{
			pg_atomic_fetch_add_u64(&p->reads, 1);
			iter_open_runs(it, mf, lo, hi, lower, lowerlen,
						   upper, upperlen, upper_inclusive);
			pfree(mf);
			return it;
		}
	}
	if (it)
		KvamIterEnd(it);
	return NULL;
}

/*
 * KvamIterBegin: see read.h.  The partition's hash range is taken from
 * 'info'; if the partition was split or merged since, the iterator reads
 * the partitions that cover that range now, restricted to it.  Their
 * memtable entries and runs hold disjoint key ranges, so one merge over
 * all of them yields keys in order.
 */
KvamIter *
KvamIterBegin(Relation rel, KvamRelInfo *info, int idx,
			  const char *lower, Size lowerlen,
			  const char *upper, Size upperlen, bool upper_inclusive)
{
	uint64		lo = info->parts[idx].hash_lo;
	uint64		hi = KvamPartHashHi(info, idx);
	KvamIter   *it;

	it = iter_add_partition(rel, NULL, info, idx, lo, hi, lower, lowerlen,
							upper, upperlen, upper_inclusive);
	while (it == NULL)
	{
		KvamRelInfo *now = KvamRelGetInfo(rel);
		int			j;

		for (j = KvamRelFindPartition(now, lo);
			 j < (int) now->npartitions && now->parts[j].hash_lo <= hi; j++)
		{
			it = iter_add_partition(rel, it, now, j, lo, hi, lower, lowerlen,
									upper, upperlen, upper_inclusive);
			if (it == NULL)
				break;			/* changed again: start over */
		}
	}
	return it;
}

/*
 * KvamIterBeginFrozen: see read.h.
 */
KvamIter *
KvamIterBeginFrozen(Relation rel, KvamPart *p, bool with_frozen,
					KvamManifest mf)
{
	KvamMemtable *mts[1] = {&p->frozen};
	KvamIter   *it;

	Assert(p->flush_pid == MyProcPid);
	it = iter_build(rel, NULL, mts, with_frozen ? 1 : 0, NULL, 0, NULL, 0, false);
	iter_open_runs(it, mf, 0, PG_UINT64_MAX, NULL, 0, NULL, 0, false);
	return it;
}

static void
group_add(KvamKeyGroup *g, KvamVersion v, Size len, ItemPointer tid)
{
	if (g->n == g->cap)
	{
		g->cap = g->cap ? g->cap * 2 : 8;
		if (g->v == NULL)
		{
			g->v = palloc(g->cap * sizeof(KvamVersion));
			g->len = palloc(g->cap * sizeof(Size));
			g->tid = palloc(g->cap * sizeof(ItemPointerData));
		}
		else
		{
			g->v = repalloc(g->v, g->cap * sizeof(KvamVersion));
			g->len = repalloc(g->len, g->cap * sizeof(Size));
			g->tid = repalloc(g->tid, g->cap * sizeof(ItemPointerData));
		}
	}
	g->v[g->n] = v;
	g->len[g->n] = len;
	g->tid[g->n] = *tid;
	g->n++;
}

bool
KvamIterNext(KvamIter *it, KvamKeyGroup *g)
{
	const char *minkey = NULL;
	Size		minlen = 0;
	MemoryContext old;
	char	   *key;
	int			i;

	CHECK_FOR_INTERRUPTS();
	MemoryContextReset(it->groupcxt);
	memset(g, 0, sizeof(*g));

	if (it->mempos < it->nmem)
	{
		minkey = it->keys + it->mem[it->mempos].keyoff;
		minlen = it->mem[it->mempos].keylen;
	}
	for (i = 0; i < it->nruns; i++)
	{
		RunSource  *s = &it->runs[i];

		if (s->cur && (minkey == NULL ||
					   KvamKeyCompare(s->cur->key, s->cur->keylen, minkey, minlen) < 0))
		{
			minkey = s->cur->key;
			minlen = s->cur->keylen;
		}
	}
	if (minkey == NULL)
		return false;

	old = MemoryContextSwitchTo(it->groupcxt);
	key = palloc(minlen);
	memcpy(key, minkey, minlen);

	while (it->mempos < it->nmem &&
		   KvamKeyCompare(it->keys + it->mem[it->mempos].keyoff,
						  it->mem[it->mempos].keylen, key, minlen) == 0)
	{
		Size		len;
		KvamVersion v = KvamVersionFetch(it->rel, &it->mem[it->mempos].tid, &len);

		if (v == NULL)
			elog(ERROR, "kvam memtable points at a TID that holds no version");
		group_add(g, v, len, &it->mem[it->mempos].tid);
		it->mempos++;
	}
	for (i = 0; i < it->nruns; i++)
	{
		RunSource  *s = &it->runs[i];

		while (s->cur &&
			   KvamKeyCompare(s->cur->key, s->cur->keylen, key, minlen) == 0)
		{
			KvamVersion v = palloc(s->curlen);

			memcpy(v, s->cur, s->curlen);
			group_add(g, v, s->curlen, &s->curtid);
			run_advance(s);
		}
	}
	MemoryContextSwitchTo(old);
	return true;
}

void
KvamIterEnd(KvamIter *it)
{
	int			i;

	for (i = 0; i < it->nruns; i++)
		KvamRunIterEnd(it->runs[i].it);
	MemoryContextDelete(it->cxt);
}
