/*-------------------------------------------------------------------------
 *
 * check.c
 *	  kvam.check(regclass): a consistency check of a kvam table's storage,
 *	  for tests and operators.
 *
 * Reports, one row per problem (block, partition, problem):
 *	- pages whose checksum does not verify (as stored on disk), when data
 *	  checksums are enabled;
 *	- blocks used twice (two runs, a run and a free extent, ...), blocks
 *	  referenced beyond the end of the relation, L0 chains reaching foreign
 *	  pages (KvamSpaceBlockMap);
 *	- orphan pages: initialised pages in no structure (flushed L0 chains,
 *	  unpublished runs).  They are harmless and the next VACUUM reclaims
 *	  them, but a table that was vacuumed has none;
 *	- manifest order: levels ascending, level-0 runs newest first, level >= 1
 *	  runs of one level in key order without overlap, every run inside its
 *	  partition's hash range;
 *	- each run: page types of its extent, head summary against the manifest
 *	  and against the data (versions, distinct keys, tombstones, first and
 *	  last key, oldest unfrozen xmin), keys in order, every key found by
 *	  the bloom filter, every data page found by an index search for its
 *	  first key.
 *
 * Takes ShareLock on the table: writers, flushes and compactions wait, so
 * the answer is exact.  Reads every page.
 *
 * IDENTIFICATION
 *	  src/am/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xlog.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "am/kvam_am.h"
#include "am/maintain.h"
#include "lsm/run.h"
#include "lsm/space.h"

typedef struct Check
{
	ReturnSetInfo *rsinfo;
	Relation	rel;
	int64		partition;		/* -1: none */
	int			nproblems;
} Check;

static void
problem(Check *c, BlockNumber blk, const char *fmt,...) pg_attribute_printf(3, 4);

static void
problem(Check *c, BlockNumber blk, const char *fmt,...)
{
	Datum		values[3];
	bool		nulls[3] = {0};
	char		buf[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	values[0] = Int64GetDatum((int64) blk);
	nulls[0] = !BlockNumberIsValid(blk);
	values[1] = Int64GetDatum(c->partition);
	nulls[1] = c->partition < 0;
	values[2] = CStringGetTextDatum(buf);
	tuplestore_putvalues(c->rsinfo->setResult, c->rsinfo->setDesc, values, nulls);
	c->nproblems++;
}

static void
report_owner(void *arg, BlockNumber blk, const char *what)
{
	problem((Check *) arg, blk, "%s", what);
}

static void
check_checksums(Check *c, BlockNumber nblocks)
{
	PGAlignedBlock buf;
	SMgrRelation srel = RelationGetSmgr(c->rel);

	if (!DataChecksumsEnabled())
		return;
	for (BlockNumber b = 0; b < nblocks; b++)
	{
		CHECK_FOR_INTERRUPTS();
		smgrread(srel, MAIN_FORKNUM, b, buf.data);
		if (!PageIsVerifiedExtended((Page) buf.data, b, 0))
			problem(c, b, "page checksum or header is invalid");
	}
}

static void
check_orphans(Check *c, BlockNumber nblocks, uint8 *owner)
{
	for (BlockNumber b = 0; b < nblocks; b++)
	{
		Buffer		buf;
		bool		isnew;

		if (owner[b] != KVAM_OWN_NONE)
			continue;
		buf = ReadBuffer(c->rel, b);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		isnew = PageIsNew(BufferGetPage(buf));
		UnlockReleaseBuffer(buf);
		problem(c, b, isnew ? "orphan page (never initialised): not free, in no structure" :
				"orphan page: not free, in no structure");
	}
}

/* Page type of block 'blk', or 0 if it is not a kvam page. */
static uint16
page_type(Relation rel, BlockNumber blk, uint32 *partition)
{
	Buffer		buf = ReadBuffer(rel, blk);
	Page		page;
	uint16		t;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	t = KvamPageType(page);
	if (t != 0)
		*partition = KvamPageGetOpaque(page)->partition;
	UnlockReleaseBuffer(buf);
	return t;
}

static void
check_run(Check *c, KvamManifest mf, KvamRunRef *ref)
{
	KvamRunHeaderData hdr;
	StringInfoData first,
				last,
				prev;
	KvamRunIter *it;
	KvamVersion v;
	ItemPointerData tid;
	BlockNumber lastblk = InvalidBlockNumber;
	uint64		nversions = 0,
				nkeys = 0,
				ntomb = 0;
	TransactionId minx = InvalidTransactionId;
	bool		have_prev = false;

	uint32		builder = 0;

	/*
	 * Run pages carry the partition that wrote them: this one, or (runs
	 * inherited in a split or merge) an older one, the same on every page.
	 */
	(void) page_type(c->rel, ref->head, &builder);
	for (BlockNumber b = 0; b < ref->nblocks; b++)
	{
		uint32		part = 0;
		uint16		t = page_type(c->rel, ref->head + b, &part);
		uint16		want = b == 0 ? KVAM_PAGE_RUN_HEAD :
			b >= ref->nblocks - ref->nbloom ? KVAM_PAGE_RUN_BLOOM : 0;

		if (t < KVAM_PAGE_RUN_HEAD || t > KVAM_PAGE_RUN_BLOOM ||
			(want != 0 && t != want) || part != builder ||
			(mf->parent == KVAM_NO_PARTID && part != mf->partid))
		{
			problem(c, ref->head + b, "block %u of run %llu is not a run page of its partition (type %u)",
					b, (unsigned long long) ref->run_id, t);
			return;
		}
	}

	initStringInfo(&first);
	initStringInfo(&last);
	initStringInfo(&prev);
	KvamRunReadHeader(c->rel, ref, &hdr, &first, &last);
	if (hdr.run_id != ref->run_id || hdr.nversions != ref->nversions ||
		1 + hdr.ndata + hdr.nindex + hdr.nbloom != ref->nblocks ||
		(ref->nbloom != 0 && hdr.nbloom != ref->nbloom))
		problem(c, ref->head, "run %llu: head page disagrees with the manifest",
				(unsigned long long) ref->run_id);

	it = KvamRunIterBegin(c->rel, ref, NULL, 0, NULL, 0, false);
	while ((v = KvamRunIterNext(it, &tid)) != NULL)
	{
		bool		newkey;

		CHECK_FOR_INTERRUPTS();
		newkey = !have_prev ||
			KvamKeyCompare(prev.data, prev.len, v->key, v->keylen) != 0;
		if (have_prev &&
			KvamKeyCompare(prev.data, prev.len, v->key, v->keylen) > 0)
			problem(c, ItemPointerGetBlockNumber(&tid), "run %llu: keys out of order",
					(unsigned long long) ref->run_id);
		if (newkey)
		{
			uint64		h = v->keylen >= KVAM_KEY_HASH_BYTES ? KvamKeyHashOf(v->key) : 0;
			bool		mine = h >= ref->hash_first && h <= ref->hash_last;

			nkeys++;

			/*
			 * A run shared after a split holds keys of other partitions:
			 * only those of the reference's range belong to this one.
			 */
			if (mine && !KvamRunMayContain(c->rel, ref, v->key, v->keylen))
				problem(c, ItemPointerGetBlockNumber(&tid),
						"run %llu: bloom filter or key range misses a key it holds",
						(unsigned long long) ref->run_id);
			if (!mine && mf->parent == KVAM_NO_PARTID)
				problem(c, ItemPointerGetBlockNumber(&tid),
						"run %llu: key outside the partition's hash range",
						(unsigned long long) ref->run_id);
			resetStringInfo(&prev);
			appendBinaryStringInfo(&prev, v->key, v->keylen);
			have_prev = true;
		}
		if (ItemPointerGetBlockNumber(&tid) != lastblk)
		{
			/*
			 * The index must lead a search for this page's first key here
			 * (searched in the whole run: the key may lie outside the
			 * range this partition's reference covers).
			 */
			KvamRunRef	whole = *ref;
			KvamRunIter *s;

			whole.hash_first = 0;
			whole.hash_last = PG_UINT64_MAX;
			s = KvamRunIterBegin(c->rel, &whole, v->key, v->keylen, NULL, 0, false);
			ItemPointerData stid;
			KvamVersion sv = KvamRunIterNext(s, &stid);

			if (sv == NULL ||
				KvamKeyCompare(sv->key, sv->keylen, prev.data, prev.len) != 0)
				problem(c, ItemPointerGetBlockNumber(&tid),
						"run %llu: index search misses the first key of a data page",
						(unsigned long long) ref->run_id);
			KvamRunIterEnd(s);
			lastblk = ItemPointerGetBlockNumber(&tid);
		}
		if (nversions == 0 &&
			(first.len > v->keylen || memcmp(first.data, v->key, first.len) != 0))
			problem(c, ref->head, "run %llu: first key in the head page is wrong",
					(unsigned long long) ref->run_id);
		nversions++;
		if (v->flags & KVAM_V_TOMBSTONE)
			ntomb++;
		if (TransactionIdIsNormal(v->xmin) && !(v->flags & KVAM_V_FROZEN) &&
			(!TransactionIdIsValid(minx) || TransactionIdPrecedes(v->xmin, minx)))
			minx = v->xmin;
	}
	KvamRunIterEnd(it);

	if (nversions != hdr.nversions || nkeys != hdr.nkeys ||
		ntomb != hdr.ntombstones)
		problem(c, ref->head, "run %llu: summary counts disagree with the data (versions %llu/%llu, keys %llu/%llu, tombstones %llu/%llu)",
				(unsigned long long) ref->run_id,
				(unsigned long long) nversions, (unsigned long long) hdr.nversions,
				(unsigned long long) nkeys, (unsigned long long) hdr.nkeys,
				(unsigned long long) ntomb, (unsigned long long) hdr.ntombstones);
	if (have_prev && KvamKeyCompare(prev.data, prev.len, last.data, last.len) != 0)
		problem(c, ref->head, "run %llu: last key in the head page is wrong",
				(unsigned long long) ref->run_id);
	if (minx != ref->min_xmin)
		problem(c, ref->head, "run %llu: oldest unfrozen xmin is %u, the manifest says %u",
				(unsigned long long) ref->run_id, minx, ref->min_xmin);
	if (ref->hash_last < ref->hash_first)
		problem(c, ref->head, "run %llu: key hash range is inverted",
				(unsigned long long) ref->run_id);
}

static void
check_manifest(Check *c, KvamManifest mf)
{
	StringInfoData prevlast;
	uint32		prevlevel = 0;

	initStringInfo(&prevlast);
	for (uint32 r = 0; r < mf->nruns; r++)
	{
		KvamRunRef *ref = &mf->runs[r];
		KvamRunHeaderData hdr;
		StringInfoData first,
					last;

		if (ref->nblocks == 0)
		{
			problem(c, InvalidBlockNumber, "run %llu has no blocks",
					(unsigned long long) ref->run_id);
			continue;
		}
		if (r > 0 && ref->level < prevlevel)
			problem(c, ref->head, "run %llu: levels are not in ascending order",
					(unsigned long long) ref->run_id);
		if (r > 0 && ref->level == 0 && mf->runs[r - 1].level == 0 &&
			ref->run_id >= mf->runs[r - 1].run_id &&
			!(ref->run_id == mf->runs[r - 1].run_id &&
			  ref->hash_first > mf->runs[r - 1].hash_last))
			problem(c, ref->head, "run %llu: level-0 runs are not newest first",
					(unsigned long long) ref->run_id);
		if (ref->hash_first < mf->hash_lo || ref->hash_last > mf->hash_hi)
			problem(c, ref->head, "run %llu: key range outside the partition",
					(unsigned long long) ref->run_id);

		initStringInfo(&first);
		initStringInfo(&last);
		KvamRunReadHeader(c->rel, ref, &hdr, &first, &last);

		/*
		 * Runs of one level: key ranges in order without overlap, judged
		 * by the references' hash ranges (what readers use), and by the
		 * keys where two ranges meet at one hash.
		 */
		if (r > 0 && ref->level > 0 && ref->level == prevlevel &&
			(ref->hash_first < mf->runs[r - 1].hash_last ||
			 (ref->hash_first == mf->runs[r - 1].hash_last &&
			  KvamKeyCompare(prevlast.data, prevlast.len, first.data, first.len) >= 0)))
			problem(c, ref->head, "run %llu overlaps the previous run of level %u",
					(unsigned long long) ref->run_id, ref->level);
		resetStringInfo(&prevlast);
		appendBinaryStringInfo(&prevlast, last.data, last.len);
		prevlevel = ref->level;
		check_run(c, mf, ref);
	}
}

/*
 * The partition map covers the hash space: the first range starts at 0,
 * each manifest's range is its map entry's up to the next one's start,
 * the last one ends at the top.
 */
static void
check_map_entry(Check *c, KvamRelInfo *info, int i, KvamManifest mf)
{
	if (i == 0 && info->parts[0].hash_lo != 0)
		problem(c, KVAM_METAPAGE_BLKNO, "the partition map does not start at hash 0");
	if (i > 0 && info->parts[i].hash_lo <= info->parts[i - 1].hash_lo)
		problem(c, KVAM_METAPAGE_BLKNO, "the partition map is not in hash order");
	if (mf->hash_lo != info->parts[i].hash_lo ||
		mf->hash_hi != KvamPartHashHi(info, i))
		problem(c, info->parts[i].manifest,
				"manifest hash range disagrees with the partition map");
}

PG_FUNCTION_INFO_V1(kvam_check);

/*
 * kvam.check(regclass) RETURNS TABLE (block bigint, partition int, problem
 * text): no rows means the storage is consistent.
 */
Datum
kvam_check(PG_FUNCTION_ARGS)
{
	Check		c;
	KvamRelInfo *info;
	BlockNumber nblocks;
	uint8	   *owner;

	InitMaterializedSRF(fcinfo, 0);
	memset(&c, 0, sizeof(c));
	c.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	c.rel = KvamOpenTable(PG_GETARG_OID(0), ShareLock, true);
	c.partition = -1;
	info = KvamMetaReadMap(c.rel);
	nblocks = RelationGetNumberOfBlocks(c.rel);

	check_checksums(&c, nblocks);
	owner = palloc(Max(nblocks, 1));
	KvamSpaceBlockMap(c.rel, info, nblocks, owner, report_owner, &c);
	check_orphans(&c, nblocks, owner);
	for (uint32 i = 0; i < info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(c.rel, info, i);

		c.partition = mf->partid;
		check_map_entry(&c, info, i, mf);
		check_manifest(&c, mf);
		pfree(mf);
	}
	relation_close(c.rel, ShareLock);
	return (Datum) 0;
}
