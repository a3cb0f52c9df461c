/*-------------------------------------------------------------------------
 *
 * compact.c
 *	  Leveled compaction of a partition's runs (see compact.h): the policy,
 *	  the streaming k-way merge with purge and freeze, and publication.
 *
 * Policy.  base = kvam.compaction_l0_runs x kvam.memtable_size.
 *	- level 0 has Min(kvam.compaction_l0_runs, KVAM_MAX_L0_RUNS) runs or
 *	  more: merge all of level 0 with level 1 into level 1;
 *	- else, a level L >= 1 has more than KVAM_LEVEL_FRAGMENTS + 1 runs (the
 *	  run bound of compact.h is broken: runs cut before the bound existed,
 *	  or a partition merge): merge L into L + 1, or rewrite it in place if
 *	  it is the bottom;
 *	- else, a level L >= 1 above the bottom level B is larger than
 *	  max(base, size(B) / fanout^(B - L)): merge L with L + 1 into L + 1
 *	  (targets follow the bottom level, as RocksDB's dynamic level sizes);
 *	- else, the bottom level is larger than base x fanout^B: relabel it
 *	  B + 1 (a manifest edit, no I/O), so that merges from above stop
 *	  rewriting all the data.
 *
 * Purge (KvamPurgeGroup).  For one key, versions newest first: versions of
 * aborted writers and lock markers of finished lockers go; the first put or
 * tombstone whose writer committed before every running snapshot
 * ("all-visible") is kept and everything older goes; that version itself
 * goes too if it is a tombstone and the output is the bottom level (no
 * older run can hold the key).  Kept committed versions get the
 * xmin-committed hint, and those whose xmin precedes the freeze limit
 * KVAM_V_FROZEN (and HEAP_XMIN_FROZEN in their tuple), so clog can be
 * truncated past them.  The newest xmin that made something go (or was
 * frozen) is the hot-standby conflict horizon, logged before the manifest
 * edit.
 *
 * Failure points for tests (kvam.compaction_fail_at, superuser): "merge"
 * (after the first output run is written), "publish" (all output written,
 * manifest not edited), "retire" (manifest edited, inputs not yet retired);
 * "<point>:panic" raises PANIC instead of ERROR.
 *
 * IDENTIFICATION
 *	  src/lsm/compact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/transam.h"
#include "access/xloginsert.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/read.h"
#include "lsm/run.h"
#include "lsm/space.h"
#include "wal/xlog.h"

int			kvam_compaction_l0_runs = 4;
int			kvam_compaction_fanout = 8;
int			kvam_compaction_run_size_kb = 1024;
static char *kvam_compaction_fail_at = NULL;

void
KvamCompactInitGucs(void)
{
	DefineCustomIntVariable("kvam.compaction_l0_runs",
							"Level-0 runs of a partition that trigger their compaction into level 1.",
							NULL, &kvam_compaction_l0_runs,
							4, 2, 64, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.compaction_fanout",
							"Size ratio between adjacent compaction levels.",
							NULL, &kvam_compaction_fanout,
							8, 2, 100, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.compaction_run_size",
							"Size at which compaction cuts its output into a new run.",
							"A compaction holds one output run in memory.  Larger levels are cut into at most 13 runs (level size / 12).",
							&kvam_compaction_run_size_kb,
							1024, 64, 1024 * 1024, PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.compaction_fail_at",
							   "Test only: fail compactions at a named point.",
							   "merge, publish or retire; append :panic for a PANIC.",
							   &kvam_compaction_fail_at, "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

/*
 * KvamFailPoint: see compact.h.
 */
void
KvamFailPoint(const char *setting, const char *name, const char *what)
{
	Size		n = strlen(name);

	if (setting == NULL ||
		strncmp(setting, name, n) != 0 ||
		(setting[n] != '\0' && setting[n] != ':'))
		return;
	elog(strcmp(setting + n, ":panic") == 0 ? PANIC : ERROR,
		 "kvam %s failure injected at \"%s\"", what, name);
}

static void
fail_point(const char *name)
{
	KvamFailPoint(kvam_compaction_fail_at, name, "compaction");
}

/* ---------- purge ---------- */

/*
 * KvamPurgeGroup decides, for one key's versions v[0..n-1] (newest first,
 * writable copies), which to keep; see the file header.  May set flags
 * (hint, frozen) in the kept versions.  Returns the number kept.
 */
int
KvamPurgeGroup(KvamPurgeState *ps, KvamVersion *v, int n, bool *keep)
{
	bool		cut = false;
	int			kept = 0;

	for (int i = 0; i < n; i++)
	{
		KvamVersion x = v[i];
		KvamXminStatus st;
		bool		allvis;

		keep[i] = false;
		if (cut)
		{
			ps->stats->purged++;
			continue;
		}
		st = (x->flags & KVAM_V_FROZEN) ? KVAM_XS_COMMITTED : KvamXminStatusOf(x);
		if (st == KVAM_XS_ABORTED ||
			((x->flags & KVAM_V_LOCK) && st == KVAM_XS_COMMITTED))
		{
			ps->stats->aborted++;
			continue;
		}
		if (x->flags & KVAM_V_LOCK)
		{
			keep[i] = true;		/* a running locker's marker: not a state */
			kept++;
			continue;
		}
		allvis = (x->flags & KVAM_V_FROZEN) ||
			(st == KVAM_XS_COMMITTED &&
			 (TransactionIdIsValid(ps->oldest_xmin) ?
			  TransactionIdPrecedes(x->xmin, ps->oldest_xmin) :
			  GlobalVisTestIsRemovableXid(ps->vistest, x->xmin)));
		if (allvis)
		{
			cut = true;
			if (i + 1 < n && TransactionIdIsNormal(x->xmin) &&
				(!TransactionIdIsValid(ps->horizon) ||
				 TransactionIdFollows(x->xmin, ps->horizon)))
				ps->horizon = x->xmin;
			if ((x->flags & KVAM_V_TOMBSTONE) && ps->bottom)
			{
				ps->stats->tombstones++;
				if (TransactionIdIsNormal(x->xmin) &&
					(!TransactionIdIsValid(ps->horizon) ||
					 TransactionIdFollows(x->xmin, ps->horizon)))
					ps->horizon = x->xmin;
				continue;
			}
		}
		if (st == KVAM_XS_COMMITTED)
			x->flags |= KVAM_V_XMIN_COMMITTED;
		if (allvis && !(x->flags & KVAM_V_FROZEN) &&
			TransactionIdIsNormal(x->xmin) &&
			TransactionIdPrecedes(x->xmin, ps->freeze_limit))
		{
			x->flags |= KVAM_V_FROZEN;
			if (KvamVersionHasTuple(x))
				HeapTupleHeaderSetXminFrozen(KvamVersionGetTuple(x));
			ps->stats->frozen++;
			if (!TransactionIdIsValid(ps->horizon) ||
				TransactionIdFollows(x->xmin, ps->horizon))
				ps->horizon = x->xmin;
		}
		keep[i] = true;
		kept++;
	}
	return kept;
}

/*
 * KvamDefaultFreezeLimit: the freeze limit lazy VACUUM would use
 * (vacuum_freeze_min_age before the oldest xmin that may still be needed).
 */
TransactionId
KvamDefaultFreezeLimit(Relation rel)
{
	TransactionId oldest = GetOldestNonRemovableTransactionId(rel);
	TransactionId limit = oldest - vacuum_freeze_min_age;

	if (!TransactionIdIsNormal(limit) || TransactionIdFollows(limit, oldest))
		limit = FirstNormalTransactionId;
	return limit;
}

/* ---------- policy ---------- */

typedef struct LevelSizes
{
	int			bottom;			/* deepest level holding a run */
	int			nruns[KVAM_MAX_LEVELS];
	uint64		blocks[KVAM_MAX_LEVELS];
} LevelSizes;

typedef enum StepKind
{
	STEP_NONE,
	STEP_MERGE,					/* levels [from, to] into 'to' */
	STEP_RELABEL				/* bottom level 'from' becomes 'to' */
} StepKind;

static void
level_sizes(KvamManifest mf, LevelSizes *ls)
{
	memset(ls, 0, sizeof(*ls));
	for (uint32 i = 0; i < mf->nruns; i++)
	{
		int			l = Min(mf->runs[i].level, KVAM_MAX_LEVELS - 1);

		ls->nruns[l]++;
		ls->blocks[l] += mf->runs[i].nblocks;
		ls->bottom = Max(ls->bottom, l);
	}
}

static uint64
base_blocks(void)
{
	return Max((uint64) kvam_compaction_l0_runs * kvam_memtable_size_kb * 1024 / BLCKSZ,
			   (uint64) 16);
}

static StepKind
pick(KvamManifest mf, KvamCompactMode mode, int *from, int *to)
{
	LevelSizes	ls;
	uint64		base = base_blocks();

	level_sizes(mf, &ls);
	if (mode == KVAM_COMPACT_FULL)
	{
		if (mf->nruns == 0)
			return STEP_NONE;
		*from = 0;
		*to = Max(ls.bottom, 1);
		return STEP_MERGE;
	}
	if (ls.nruns[0] >= Min(kvam_compaction_l0_runs, KVAM_MAX_L0_RUNS))
	{
		*from = 0;
		*to = 1;
		return STEP_MERGE;
	}
	for (int l = 1; l <= ls.bottom; l++)
	{
		if (ls.nruns[l] > KVAM_LEVEL_FRAGMENTS + 1)
		{
			/* over the run bound: merge it down (the bottom: in place) */
			*from = l;
			*to = Min(l + 1, ls.bottom);
			return STEP_MERGE;
		}
	}
	for (int l = 1; l < ls.bottom; l++)
	{
		uint64		target = ls.blocks[ls.bottom];

		for (int k = l; k < ls.bottom; k++)
			target /= kvam_compaction_fanout;
		if (ls.nruns[l] > 0 && ls.blocks[l] > Max(target, base))
		{
			*from = l;
			*to = l + 1;
			return STEP_MERGE;
		}
	}
	if (ls.bottom >= 1 && ls.bottom < KVAM_MAX_LEVELS - 1)
	{
		uint64		cap = base;

		for (int k = 0; k < ls.bottom; k++)
			cap *= kvam_compaction_fanout;
		if (ls.blocks[ls.bottom] > cap && ls.nruns[ls.bottom] > 0)
		{
			*from = ls.bottom;
			*to = ls.bottom + 1;
			return STEP_RELABEL;
		}
	}
	return STEP_NONE;
}

/*
 * KvamCompactCutBytes: see compact.h.
 */
Size
KvamCompactCutBytes(uint64 level_bytes)
{
	return Max((Size) kvam_compaction_run_size_kb * 1024,
			   (Size) (level_bytes / KVAM_LEVEL_FRAGMENTS));
}

/*
 * KvamCompactRoomNeeded: see compact.h.
 */
bool
KvamCompactRoomNeeded(KvamManifest mf)
{
	LevelSizes	ls;

	level_sizes(mf, &ls);
	if (ls.nruns[0] >= KVAM_MAX_L0_RUNS)
		return true;
	for (int l = 1; l <= ls.bottom; l++)
		if (ls.nruns[l] > KVAM_LEVEL_FRAGMENTS + 1)
			return true;
	return false;
}

/*
 * KvamCompactForRoom: see compact.h.
 */
bool
KvamCompactForRoom(Relation rel, KvamRelInfo *info, int idx)
{
	KvamManifest mf = KvamManifestTryRead(rel, info, idx);
	BlockNumber lockblk = info->parts[idx].manifest;
	bool		needed;

	if (mf == NULL)
		return true;			/* split or merged away */
	needed = KvamCompactRoomNeeded(mf);
	pfree(mf);
	if (!needed)
		return true;
	elog(DEBUG1, "kvam flush of partition %d of \"%s\" compacts first to make room",
		 idx, RelationGetRelationName(rel));

	/*
	 * Take the compaction lock without queueing: a split or merge that
	 * holds it waits for our claim (lsm/split.c begin_edit), which would be
	 * a deadlock the lock manager cannot see.  Then the claim goes to it.
	 * Once held, KvamCompactIfNeeded takes it again (locks are re-entrant).
	 */
	while (!ConditionalLockPage(rel, lockblk, ExclusiveLock))
	{
		KvamPart   *p = KvamPartAcquire(rel, info, idx, LW_SHARED);
		bool		editing = (p == NULL || p->editing_pid != 0);

		if (p != NULL)
			KvamPartRelease(p);
		if (editing)
			return false;
		pg_usleep(10000L);
		CHECK_FOR_INTERRUPTS();
	}
	(void) KvamCompactIfNeeded(rel, info, idx, true);
	UnlockPage(rel, lockblk, ExclusiveLock);
	return true;
}

bool
KvamCompactNeeded(Relation rel, KvamRelInfo *info, int idx, KvamCompactMode mode)
{
	KvamManifest mf = KvamManifestTryRead(rel, info, idx);
	int			from,
				to;
	bool		result;

	if (mf == NULL)
		return false;			/* split or merged away */
	if (mode == KVAM_COMPACT_FULL)
		result = mf->nruns > 1 ||
			(mf->nruns == 1 && (mf->runs[0].ntombstones > 0 ||
								mf->runs[0].level == 0 ||
								TransactionIdIsValid(mf->runs[0].min_xmin)));
	else
		result = pick(mf, mode, &from, &to) != STEP_NONE;
	pfree(mf);
	return result;
}

/* ---------- merge ---------- */

typedef struct Source
{
	KvamRunIter *it;
	KvamVersion cur;			/* copy, NULL at the end */
	Size		len;
	Size		cap;
} Source;

static void
source_advance(Source *s, MemoryContext cxt)
{
	ItemPointerData tid;
	KvamVersion v = KvamRunIterNext(s->it, &tid);
	Size		len;

	if (v == NULL)
	{
		s->cur = NULL;
		return;
	}
	len = KvamRunIterVersionLength(s->it);
	if (s->cap < len)
	{
		s->cap = Max(len, 2 * s->cap);
		s->cur = NULL;
	}
	if (s->cur == NULL)
		s->cur = MemoryContextAlloc(cxt, s->cap);
	memcpy(s->cur, v, len);
	s->len = len;
}

typedef struct Merge
{
	Relation	rel;
	KvamRelInfo *info;
	int			idx;
	int			level;			/* output level */
	uint64		hash_lo;		/* the partition's hash range: keys of */
	uint64		hash_hi;		/* shared runs outside it are dropped */
	KvamRunBuilder *b;
	KvamRunRef *out;
	int			nout;
	int			maxout;
	uint64		expected;
	Size		cut_bytes;
} Merge;

static void
finish_output(Merge *m)
{
	KvamRunRef	ref;

	if (m->b == NULL)
		return;
	KvamRunBuildFinish(m->b, &ref);
	m->b = NULL;
	if (ref.nblocks == 0)
		return;
	ref.level = m->level;
	if (m->nout == m->maxout)
	{
		m->maxout *= 2;
		m->out = repalloc(m->out, m->maxout * sizeof(KvamRunRef));
	}
	m->out[m->nout++] = ref;
	KvamProgressBytesWritten((uint64) ref.nblocks * BLCKSZ);
	if (m->nout == 1)
		fail_point("merge");
}

static void
add_output(Merge *m, KvamVersion v, Size len)
{
	if (m->b == NULL)
		m->b = KvamRunBuildBegin(m->rel, m->info->parts[m->idx].partid,
								 m->expected, KvamMetaNextRunId(m->rel));
	KvamRunBuildAdd(m->b, v, len);
}

/*
 * merge_runs streams the inputs (manifest order: newest first) into output
 * runs of level 'm->level', purging as 'ps' says.
 */
static void
merge_runs(Merge *m, KvamRunRef *in, int nin, KvamPurgeState *ps)
{
	MemoryContext srccxt = AllocSetContextCreate(CurrentMemoryContext,
												 "kvam compaction sources",
												 ALLOCSET_DEFAULT_SIZES);
	MemoryContext groupcxt = AllocSetContextCreate(CurrentMemoryContext,
												   "kvam compaction key",
												   ALLOCSET_DEFAULT_SIZES);
	Source	   *src = MemoryContextAllocZero(srccxt, nin * sizeof(Source));
	int			gcap = 16;
	KvamVersion *gv = MemoryContextAlloc(srccxt, gcap * sizeof(KvamVersion));
	Size	   *gl = MemoryContextAlloc(srccxt, gcap * sizeof(Size));
	bool	   *keep = MemoryContextAlloc(srccxt, gcap * sizeof(bool));

	for (int i = 0; i < nin; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(srccxt);
		KvamRunBounds rb;

		/* only this partition's part of a run shared after a split */
		if (KvamRunBoundsFor(&in[i], m->hash_lo, m->hash_hi, NULL, 0, NULL, 0,
							 false, &rb))
		{
			src[i].it = KvamRunIterBegin(m->rel, &in[i], rb.lower, rb.lowerlen,
										 rb.upper, rb.upperlen,
										 rb.upper_inclusive);
			source_advance(&src[i], srccxt);
		}
		MemoryContextSwitchTo(old);
	}

	for (;;)
	{
		KvamVersion min = NULL;
		char	   *key;
		uint16		keylen;
		int			n = 0;
		uint64		groupbytes = 0;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < nin; i++)
			if (src[i].cur && (min == NULL ||
							   KvamKeyCompare(src[i].cur->key, src[i].cur->keylen,
											  min->key, min->keylen) < 0))
				min = src[i].cur;
		if (min == NULL)
			break;

		MemoryContextReset(groupcxt);
		keylen = min->keylen;
		key = MemoryContextAlloc(groupcxt, keylen);
		memcpy(key, min->key, keylen);
		for (int i = 0; i < nin; i++)
		{
			while (src[i].cur &&
				   KvamKeyCompare(src[i].cur->key, src[i].cur->keylen, key, keylen) == 0)
			{
				if (n == gcap)
				{
					gcap *= 2;
					gv = repalloc(gv, gcap * sizeof(KvamVersion));
					gl = repalloc(gl, gcap * sizeof(Size));
					keep = repalloc(keep, gcap * sizeof(bool));
				}
				gv[n] = MemoryContextAlloc(groupcxt, src[i].len);
				memcpy(gv[n], src[i].cur, src[i].len);
				gl[n] = src[i].len;
				groupbytes += src[i].len;
				n++;
				source_advance(&src[i], srccxt);
			}
		}
		ps->stats->versions_in += n;
		KvamProgressRead(n, groupbytes);
		KvamPurgeGroup(ps, gv, n, keep);
		for (int i = 0; i < n; i++)
			if (keep[i])
			{
				add_output(m, gv[i], gl[i]);
				ps->stats->versions_out++;
				KvamProgressWritten(1);
			}
		/* cut only between keys: fragments of a level never overlap */
		if (m->b && KvamRunBuildBytes(m->b) >= m->cut_bytes)
			finish_output(m);
	}
	finish_output(m);

	for (int i = 0; i < nin; i++)
		if (src[i].it)
			KvamRunIterEnd(src[i].it);
	MemoryContextDelete(groupcxt);
	MemoryContextDelete(srccxt);
}

static uint64
stats_blocks_in(KvamRunRef *in, int nin)
{
	uint64		n = 0;

	for (int i = 0; i < nin; i++)
		n += in[i].nblocks;
	return n;
}

/* ---------- publication ---------- */

static bool
is_input(const KvamRunRef *r, KvamRunRef *in, int nin)
{
	for (int i = 0; i < nin; i++)
		if (in[i].run_id == r->run_id && in[i].head == r->head)
			return true;
	return false;
}

/*
 * publish replaces the inputs by the outputs in one manifest edit (or, for
 * a relabel, moves level 'from' to 'to').  Returns false, changing nothing,
 * if an input is no longer in the manifest.
 */
static bool
publish(Relation rel, KvamRelInfo *info, int idx, KvamRunRef *in, int nin,
		KvamRunRef *out, int nout, int to, StepKind kind, int from)
{
	Buffer		buf = KvamManifestLockForEdit(rel, info, idx);
	Page		page;
	KvamManifest mf;
	KvamRunRef *runs;
	int			n = 0;
	uint64		outblocks = 0;

	page = BufferGetPage(buf);
	mf = KvamPageGetManifest(page);
	if (!KvamManifestIsLive(page, info->parts[idx].partid))
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	for (int i = 0; i < nin; i++)
		if (!KvamManifestHasRun(mf, in[i].head, in[i].run_id))
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
	KvamManifestCheckRoom(rel, mf, (int64) mf->nruns - nin + nout);

	runs = palloc((mf->nruns + nout) * sizeof(KvamRunRef));
	for (uint32 i = 0; i < mf->nruns; i++)
		if (!is_input(&mf->runs[i], in, nin) && mf->runs[i].level < to)
			runs[n++] = mf->runs[i];
	for (int i = 0; i < nout; i++)
	{
		runs[n++] = out[i];
		outblocks += out[i].nblocks;
	}
	for (uint32 i = 0; i < mf->nruns; i++)
		if (!is_input(&mf->runs[i], in, nin) && mf->runs[i].level >= to)
			runs[n++] = mf->runs[i];
	if (kind == STEP_RELABEL)
		for (int i = 0; i < n; i++)
			if (runs[i].level == from)
				runs[i].level = to;

	START_CRIT_SECTION();
	memcpy(mf->runs, runs, n * sizeof(KvamRunRef));
	mf->nruns = n;
	mf->compactions++;
	mf->compact_blocks += outblocks;
	KvamManifestEdited(rel, buf);
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
	pfree(runs);
	return true;
}

/*
 * Retire the input runs a published compaction replaced: each extent once
 * (a merged partition may reference one run twice), and, when runs may be
 * shared with other partitions, only if no live manifest references it any
 * more, decided under the partition map lock (so that of two partitions
 * sharing a run, exactly the last one to drop it retires it).
 */
static void
retire_inputs(Relation rel, KvamRunRef *in, int nin, bool shared)
{
	KvamRelInfo *map = NULL;

	if (shared)
	{
		KvamMapLock(rel, ExclusiveLock);
		map = KvamMetaReadMap(rel);
	}
	for (int i = 0; i < nin; i++)
	{
		bool		dup = false;

		for (int j = 0; j < i && !dup; j++)
			dup = in[j].head == in[i].head && in[j].run_id == in[i].run_id;
		if (dup || (shared && KvamRunReferences(rel, map, in[i].head, in[i].run_id, NULL) > 0))
			continue;
		KvamSpaceRetire(rel, in[i].head, in[i].nblocks, true);
	}
	if (shared)
	{
		KvamMapUnlock(rel, ExclusiveLock);
		pfree(map);
	}
}

/*
 * compact_step performs one step of 'mode' on a partition whose
 * compaction lock we hold.  Returns false if there was nothing to do.
 */
static bool
compact_step(Relation rel, KvamRelInfo *info, int idx, KvamCompactMode mode,
			 TransactionId freeze_limit, KvamCompactStats *stats)
{
	KvamManifest mf = KvamManifestTryRead(rel, info, idx);
	int			from = 0,
				to = 0;
	StepKind	kind;
	KvamRunRef *in;
	int			nin = 0;
	Merge		m;
	KvamPurgeState ps;
	bool		bottom = true;
	bool		shared;

	if (mf == NULL)
		return false;			/* split or merged away */
	kind = pick(mf, mode, &from, &to);
	if (kind == STEP_NONE)
	{
		pfree(mf);
		return false;
	}
	if (kind == STEP_RELABEL)
	{
		publish(rel, info, idx, NULL, 0, NULL, 0, to, kind, from);
		pfree(mf);
		stats->steps++;
		return true;
	}

	in = palloc(Max(mf->nruns, 1) * sizeof(KvamRunRef));
	memset(&m, 0, sizeof(m));
	for (uint32 i = 0; i < mf->nruns; i++)
	{
		if (mf->runs[i].level >= from && mf->runs[i].level <= to)
		{
			in[nin++] = mf->runs[i];
			m.expected += mf->runs[i].nversions;
			stats->blocks_in += mf->runs[i].nblocks;
		}
		else if (mf->runs[i].level > to)
			bottom = false;
	}
	m.hash_lo = mf->hash_lo;
	m.hash_hi = mf->hash_hi;
	/* only partitions made by a split or merge may share runs */
	shared = mf->parent != KVAM_NO_PARTID;
	pfree(mf);

	m.rel = rel;
	m.info = info;
	m.idx = idx;
	m.level = to;
	m.maxout = 4;
	m.out = palloc(m.maxout * sizeof(KvamRunRef));
	/* small runs fit the holes of free space; the run bound (compact.h) */
	m.cut_bytes = KvamCompactCutBytes(stats_blocks_in(in, nin) * BLCKSZ);
	m.expected = Min(m.expected, (uint64) 1024 * 1024);

	memset(&ps, 0, sizeof(ps));
	ps.vistest = GlobalVisTestFor(rel);
	ps.oldest_xmin = InvalidTransactionId;
	ps.freeze_limit = freeze_limit;
	ps.bottom = bottom;
	ps.horizon = InvalidTransactionId;
	ps.stats = stats;

	KvamProgressPhase(KVAM_PHASE_MERGING);
	merge_runs(&m, in, nin, &ps);
	KvamProgressPhase(KVAM_PHASE_PUBLISHING);
	if (mode == KVAM_COMPACT_AUTO)
		KvamDebugPublishDelay();	/* testing aid (kvam.debug_flush_delay) */
	fail_point("publish");

	/* standbys first cancel the queries that could need what goes away */
	KvamXlogConflict(rel, ps.horizon, XLKVAM_CONFLICT_PURGE);
	if (!publish(rel, info, idx, in, nin, m.out, m.nout, to, kind, from))
	{
		/* never published: the output is reusable at once */
		for (int i = 0; i < m.nout; i++)
			KvamSpaceRetire(rel, m.out[i].head, m.out[i].nblocks, false);
		for (int i = 0; i < m.nout; i++)
			KvamSpaceUnlockAlloc(rel);
		elog(ERROR, "kvam compaction inputs of partition %d of \"%s\" changed",
			 idx, RelationGetRelationName(rel));
	}
	elog(DEBUG1, "kvam compaction of partition %d of \"%s\": levels %d..%d, %d runs in, %d out, bottom %d, %llu versions in, %llu out, %llu purged, horizon %u",
		 idx, RelationGetRelationName(rel), from, to, nin, m.nout, (int) bottom,
		 (unsigned long long) stats->versions_in, (unsigned long long) stats->versions_out,
		 (unsigned long long) stats->purged, ps.horizon);
	fail_point("retire");
	retire_inputs(rel, in, nin, shared);
	for (int i = 0; i < m.nout; i++)
	{
		KvamSpaceUnlockAlloc(rel);
		stats->blocks_out += m.out[i].nblocks;
	}
	stats->steps++;
	stats->runs_in += nin;
	stats->runs_out += m.nout;
	pfree(in);
	pfree(m.out);
	return true;
}

bool
KvamCompactPartitionExt(Relation rel, KvamRelInfo *info, int idx,
						KvamCompactMode mode, bool wait,
						TransactionId freeze_limit, KvamCompactStats *stats)
{
	BlockNumber lockblk = info->parts[idx].manifest;
	KvamCompactStats local;
	MemoryContext cxt,
				old;
	int			steps;

	if (stats == NULL)
	{
		memset(&local, 0, sizeof(local));
		stats = &local;
	}
	if (wait)
		LockPage(rel, lockblk, ExclusiveLock);
	else if (!ConditionalLockPage(rel, lockblk, ExclusiveLock))
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "kvam compaction",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	if (mode == KVAM_COMPACT_FULL)
		compact_step(rel, info, idx, mode, freeze_limit, stats);
	else
		for (steps = 0; steps < 2 * KVAM_MAX_LEVELS; steps++)
			if (!compact_step(rel, info, idx, mode, freeze_limit, stats))
				break;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	UnlockPage(rel, lockblk, ExclusiveLock);
	return true;
}

bool
KvamCompactPartition(Relation rel, KvamRelInfo *info, int idx,
					 KvamCompactMode mode, bool wait, KvamCompactStats *stats)
{
	return KvamCompactPartitionExt(rel, info, idx, mode, wait,
								   KvamDefaultFreezeLimit(rel), stats);
}

/*
 * KvamCompactIfNeeded: see compact.h.
 */
bool
KvamCompactIfNeeded(Relation rel, KvamRelInfo *info, int idx, bool wait)
{
	bool		ran;

	if (!KvamCompactNeeded(rel, info, idx, KVAM_COMPACT_AUTO))
	{
		KvamPartRefreshRuns(rel, info, idx);
		return false;
	}
	KvamProgressBegin(RelationGetRelid(rel), info->parts[idx].partid,
					  KVAM_PROGRESS_COMPACT);
	PG_TRY();
	{
		ran = KvamCompactPartition(rel, info, idx, KVAM_COMPACT_AUTO, wait,
								   NULL);
	}
	PG_FINALLY();
	{
		KvamProgressEnd();
	}
	PG_END_TRY();
	KvamPartRefreshRuns(rel, info, idx);
	return ran;
}
