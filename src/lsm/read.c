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
	p = KvamPartAcquire(rel, info, idx, LW_SHARED);
	pg_atomic_fetch_add_u64(&p->reads, 1);
	memtable_key_tids(&p->mt, key, keylen, &tids, &ntids, &cap);
	if (p->has_frozen)
		memtable_key_tids(&p->frozen, key, keylen, &tids, &ntids, &cap);
	mf = KvamManifestRead(rel, info, idx);
	KvamPartRelease(p);

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
	/* memtable view */
	MemEntry   *mem;
	int			nmem;
	int			mempos;
	char	   *keys;
	/* runs, newest first */
	RunSource  *runs;
	int			nruns;
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
mem_add(KvamIter *it, KvamMtNode *n, int *cap, Size *keycap, Size *keyused)
{
	if (it->nmem == *cap)
	{
		*cap *= 2;
		it->mem = repalloc_huge(it->mem, *cap * sizeof(MemEntry));
	}
	if (*keyused + n->keylen > *keycap)
	{
		*keycap = Max(*keycap * 2, *keyused + n->keylen);
		it->keys = repalloc_huge(it->keys, *keycap);
	}
	memcpy(it->keys + *keyused, KvamMtNodeKey(n), n->keylen);
	it->mem[it->nmem].keyoff = *keyused;
	it->mem[it->nmem].keylen = n->keylen;
	it->mem[it->nmem].tid = n->tid;
	*keyused += n->keylen;
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
iter_build(Relation rel, KvamMemtable **mts, int nmts,
		   const char *lower, Size lowerlen,
		   const char *upper, Size upperlen, bool upper_inclusive)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "kvam iterator",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KvamIter   *it = palloc0(sizeof(KvamIter));
	uint32		node[2] = {0, 0};
	int			cap = 64;
	Size		keycap = 4096,
				keyused = 0;
	int			i;

	Assert(nmts <= 2);
	it->rel = rel;
	it->cxt = cxt;
	it->groupcxt = AllocSetContextCreate(cxt, "kvam key group",
										 ALLOCSET_DEFAULT_SIZES);
	it->mem = palloc(cap * sizeof(MemEntry));
	it->keys = palloc(keycap);

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
		mem_add(it, KvamMtNodeGet(node[take]), &cap, &keycap, &keyused);
		node[take] = KvamMemtableNext(node[take]);
	}
	MemoryContextSwitchTo(old);
	return it;
}

/* Open the iterator's run sources on the runs of 'mf' (does I/O). */
static void
iter_open_runs(KvamIter *it, KvamManifest mf,
			   const char *lower, Size lowerlen,
			   const char *upper, Size upperlen, bool upper_inclusive)
{
	MemoryContext old = MemoryContextSwitchTo(it->cxt);
	int			i;

	it->nruns = mf->nruns;
	it->runs = palloc0(Max(1, mf->nruns) * sizeof(RunSource));
	for (i = 0; i < mf->nruns; i++)
	{
		it->runs[i].cxt = it->cxt;
		it->runs[i].it = KvamRunIterBegin(it->rel, &mf->runs[i], lower, lowerlen,
										  upper, upperlen, upper_inclusive);
		run_advance(&it->runs[i]);
	}
	MemoryContextSwitchTo(old);
}

KvamIter *
KvamIterBegin(Relation rel, KvamRelInfo *info, int idx,
			  const char *lower, Size lowerlen,
			  const char *upper, Size upperlen, bool upper_inclusive)
{
	KvamPart   *p = KvamPartAcquire(rel, info, idx, LW_SHARED);
	KvamMemtable *mts[2];
	int			nmts = 0;
	KvamManifest mf;
	KvamIter   *it;

	pg_atomic_fetch_add_u64(&p->reads, 1);
	mts[nmts++] = &p->mt;
	if (p->has_frozen)
		mts[nmts++] = &p->frozen;
	it = iter_build(rel, mts, nmts, lower, lowerlen,
					upper, upperlen, upper_inclusive);
	mf = KvamManifestRead(rel, info, idx);
	KvamPartRelease(p);
	iter_open_runs(it, mf, lower, lowerlen, upper, upperlen, upper_inclusive);
	pfree(mf);
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
	it = iter_build(rel, mts, with_frozen ? 1 : 0, NULL, 0, NULL, 0, false);
	iter_open_runs(it, mf, NULL, 0, NULL, 0, false);
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
