/*-------------------------------------------------------------------------
 *
 * read.c
 *	  Point lookups and merging iterators over a partition.
 *
 * A partition's data is the memtable (an index over L0) plus its runs,
 * newest first.  Lookups and iterators need a consistent pair of the two:
 * both are read under the partition lock, which every flush takes
 * exclusively while it moves L0 into a run.  Pages read through TIDs taken
 * from that view stay readable afterwards because L0 pages and runs are
 * not recycled while a snapshot that could use them exists.
 *
 * IDENTIFICATION
 *	  src/lsm/read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "lsm/keycode.h"
#include "lsm/read.h"
#include "lsm/run.h"

void
KvamLookupKey(Relation rel, KvamRelInfo *info, int idx, KvamPart *p,
			  const char *key, Size keylen, KvamVersionVisitor visit, void *arg)
{
	uint32		node;
	KvamManifest mf;
	int			i;

	pg_atomic_fetch_add_u64(&p->reads, 1);

	for (node = KvamMemtableSeek(p, key, keylen); node != 0;
		 node = KvamMemtableNext(node))
	{
		KvamMtNode *n = KvamMtNodeGet(node);
		ItemPointerData tid = n->tid;
		KvamVersion v;
		Size		len;
		bool		stop;

		if (KvamKeyCompare(KvamMtNodeKey(n), n->keylen, key, keylen) != 0)
			break;
		v = KvamVersionFetch(rel, &tid, &len);
		if (v == NULL)
			elog(ERROR, "kvam memtable points at (%u,%u), which holds no version",
				 ItemPointerGetBlockNumber(&tid), ItemPointerGetOffsetNumber(&tid));
		stop = visit(v, len, &tid, arg);
		pfree(v);
		if (stop)
			return;
	}

	mf = KvamManifestRead(rel, info, idx);
	for (i = 0; i < mf->nruns; i++)
	{
		KvamRunIter *it;
		KvamVersion v;
		ItemPointerData tid;
		Size		len;

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
				pfree(mf);
				return;
			}
		}
		KvamRunIterEnd(it);
	}
	pfree(mf);
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

KvamIter *
KvamIterBegin(Relation rel, KvamRelInfo *info, int idx,
			  const char *lower, Size lowerlen,
			  const char *upper, Size upperlen, bool upper_inclusive)
{
	return KvamIterBeginLocked(rel, info, idx, NULL, lower, lowerlen,
							   upper, upperlen, upper_inclusive);
}

/*
 * KvamIterBeginLocked is KvamIterBegin for a caller that already holds the
 * partition lock ('locked'); NULL takes and releases it here.
 */
KvamIter *
KvamIterBeginLocked(Relation rel, KvamRelInfo *info, int idx, KvamPart *locked,
					const char *lower, Size lowerlen,
					const char *upper, Size upperlen, bool upper_inclusive)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "kvam iterator",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KvamIter   *it = palloc0(sizeof(KvamIter));
	KvamPart   *p;
	KvamManifest mf;
	uint32		node;
	int			cap = 64;
	Size		keycap = 4096,
				keyused = 0;
	int			i;

	it->rel = rel;
	it->cxt = cxt;
	it->groupcxt = AllocSetContextCreate(cxt, "kvam key group",
										 ALLOCSET_DEFAULT_SIZES);
	it->mem = palloc(cap * sizeof(MemEntry));
	it->keys = palloc(keycap);

	p = locked ? locked : KvamPartAcquire(rel, info, idx, LW_SHARED);
	pg_atomic_fetch_add_u64(&p->reads, 1);
	node = lower ? KvamMemtableSeek(p, lower, lowerlen) : KvamMemtableFirst(p);
	for (; node != 0; node = KvamMemtableNext(node))
	{
		KvamMtNode *n = KvamMtNodeGet(node);
		char	   *k = KvamMtNodeKey(n);

		if (upper)
		{
			int			c = KvamKeyCompare(k, n->keylen, upper, upperlen);

			if (c > 0 || (c == 0 && !upper_inclusive))
				break;
		}
		if (it->nmem == cap)
		{
			cap *= 2;
			it->mem = repalloc_huge(it->mem, cap * sizeof(MemEntry));
		}
		if (keyused + n->keylen > keycap)
		{
			keycap = Max(keycap * 2, keyused + n->keylen);
			it->keys = repalloc_huge(it->keys, keycap);
		}
		memcpy(it->keys + keyused, k, n->keylen);
		it->mem[it->nmem].keyoff = keyused;
		it->mem[it->nmem].keylen = n->keylen;
		it->mem[it->nmem].tid = n->tid;
		keyused += n->keylen;
		it->nmem++;
	}
	mf = KvamManifestRead(rel, info, idx);
	if (locked == NULL)
		KvamPartRelease(p);

	it->nruns = mf->nruns;
	it->runs = palloc0(Max(1, mf->nruns) * sizeof(RunSource));
	for (i = 0; i < mf->nruns; i++)
	{
		it->runs[i].cxt = cxt;
		it->runs[i].it = KvamRunIterBegin(rel, &mf->runs[i], lower, lowerlen,
										  upper, upperlen, upper_inclusive);
		run_advance(&it->runs[i]);
	}
	MemoryContextSwitchTo(old);
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
