/*-------------------------------------------------------------------------
 *
 * run_build.c
 *	  Writing an immutable sorted run (see run.h for the run's layout).
 *
 * The builder turns a stream of versions, already in run order, into the
 * page images of a run, entirely in backend-local memory (a memory context
 * of its own), and only at the end puts them into the relation:
 *
 *	1. KvamRunBuildAdd packs versions into data page images with
 *	   PageAddItem, checks the order, and collects the fingerprint of each
 *	   distinct key and the statistics of the head page.
 *	2. KvamRunBuildFinish lays the run out as
 *
 *		 head | data pages | index pages, level 0 up to the root | bloom pages
 *
 *	   builds the static B-tree bottom-up (a separator per data page, then
 *	   the first separator of each index page for the level above, until a
 *	   level fits in one page), the bloom filter over the exact distinct key
 *	   count, and the head page.  A run with one data page has no index.
 *	3. It then places the run: in a reusable free extent (lsm/space.h), or
 *	   else by extending the relation by the run's block count under the
 *	   relation extension lock, one P_NEW buffer at a time, which makes the
 *	   extent contiguous; it copies each image in, under an exclusive
 *	   buffer lock, adding the run's first block number to every block
 *	   number stored in the page: the images carry block numbers relative
 *	   to the head, the relation gets absolute ones ("fix-up at copy").
 *	   The allocation lock (KvamSpaceLockAlloc) is taken first and held
 *	   until the caller publishes the run (or the transaction ends).
 *	4. After the extension lock is released and with no buffer lock held
 *	   (log_newpage_range takes the exclusive locks itself), the extent is
 *	   WAL-logged as full-page images when the relation needs WAL.
 *
 * Nobody reads the new blocks before the caller publishes the run in a
 * manifest, so no lock beyond the above is needed.  If the backend fails
 * between placement and publication, the blocks stay unreferenced (zero
 * pages or unpublished run pages) until VACUUM's sweep retires them; they
 * are never interpreted as a run.
 *
 * Memory: the builder holds the whole run, so memory use is about the run's
 * size.  Compaction cuts its output into runs of bounded size.
 *
 * IDENTIFICATION
 *	  src/lsm/run_build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"

#include "lsm/bloom.h"
#include "lsm/keycode.h"
#include "lsm/page.h"
#include "lsm/run.h"
#include "lsm/space.h"
#include "am/kvam_am.h"

/* Largest version item that fits on an empty data page. */
#define KVAM_RUN_MAX_VERSION_BYTES \
	MAXALIGN_DOWN(BLCKSZ - SizeOfPageHeaderData - \
				  MAXALIGN(sizeof(KvamPageOpaqueData)) - sizeof(ItemIdData))

/* What the index builder needs to know about one data page. */
typedef struct RunDataPage
{
	Page		image;
	uint16		seplen;			/* separator that indexes it (see run.h) */
} RunDataPage;

/* One entry of an index level being built; block numbers relative. */
typedef struct RunIndexItem
{
	BlockNumber child;
	BlockNumber keyblock;		/* relative block of a data page */
	uint16		seplen;
} RunIndexItem;

struct KvamRunBuilder
{
	MemoryContext mcxt;			/* everything below lives here */
	Relation	rel;
	uint32		partition;
	uint64		run_id;

	RunDataPage *data;			/* data pages built so far */
	uint32		ndata;
	uint32		maxdata;

	/* the last version's key: order check and distinct-key detection */
	char	   *prevkey;		/* KVAM_MAX_KEY_BYTES */
	Size		prevlen;

	/* fingerprints of the distinct keys, for the bloom filter */
	uint64	   *fps;
	uint64		nfps;
	uint64		maxfps;

	/* head page statistics */
	uint64		nversions;
	uint64		ntombstones;
	TransactionId min_xmin;
	TransactionId max_xmin;
	TransactionId min_unfrozen;	/* for the manifest (relfrozenxid) */
	uint64		hash_first;
	uint64		hash_last;
	Size		bytes;			/* data page bytes so far */
};

static Page new_page(KvamRunBuilder *b, uint16 page_type, uint16 flags);
static void start_data_page(KvamRunBuilder *b, KvamVersion v);
static KvamVersion first_version(Page page);
static KvamVersion last_version(Page page);
static void add_index_entry(Page page, const RunIndexItem *item,
							const char *key);
static Page *build_index(KvamRunBuilder *b, BlockNumber index_start,
						 BlockNumber *nindex, BlockNumber *root,
						 uint32 *levels);
static Page build_head(KvamRunBuilder *b, KvamRunHeaderData *hdr,
					   KvamVersion first, KvamVersion last);
static Page run_image(KvamRunBuilder *b, KvamRunHeaderData *hdr,
					  Page head_page, Page *index_pages, Page *bloom_pages,
					  uint32 i);

/*
 * KvamRunBuildBegin starts a run of 'partition' of 'rel'.  'expected' is an
 * estimate of the distinct keys to come, used only to size buffers (the
 * bloom filter is sized by the real count).  Creates the builder's memory
 * context under CurrentMemoryContext, which must outlive the builder (do
 * not start a build in a per-tuple context that is reset before Finish).
 * No locks, no I/O.
 */
KvamRunBuilder *
KvamRunBuildBegin(Relation rel, uint32 partition, uint64 expected,
				  uint64 run_id)
{
	MemoryContext mcxt;
	KvamRunBuilder *b;

	mcxt = AllocSetContextCreate(CurrentMemoryContext,
								 "kvam run builder",
								 ALLOCSET_DEFAULT_SIZES);
	b = MemoryContextAllocZero(mcxt, sizeof(KvamRunBuilder));
	b->mcxt = mcxt;
	b->rel = rel;
	b->partition = partition;
	b->run_id = run_id;

	b->maxdata = 16;
	b->data = MemoryContextAlloc(mcxt, b->maxdata * sizeof(RunDataPage));
	b->prevkey = MemoryContextAlloc(mcxt, KVAM_MAX_KEY_BYTES);
	b->maxfps = Max(Min(expected, (uint64) 1024 * 1024), 64);
	b->fps = MemoryContextAllocHuge(mcxt, b->maxfps * sizeof(uint64));
	b->min_xmin = InvalidTransactionId;
	b->max_xmin = InvalidTransactionId;
	b->min_unfrozen = InvalidTransactionId;
	return b;
}

/*
 * KvamRunBuildAdd appends one version item of 'len' bytes, copying it.
 * Versions must come in run order: key ascending, and for equal keys newest
 * first (the latter is the caller's promise; it is not checked).  A key
 * lower than the previous one is an internal error.  A version that cannot
 * fit on a page raises ERRCODE_PROGRAM_LIMIT_EXCEEDED.
 */
void
KvamRunBuildAdd(KvamRunBuilder *b, KvamVersion v, Size len)
{
	Page		page;
	bool		newkey;

	if (len < SizeOfKvamVersionHeader + v->keylen ||
		v->keylen < 1 || v->keylen > KVAM_MAX_KEY_BYTES)
		elog(ERROR, "invalid kvam version: %zu bytes, key of %u bytes",
			 len, (unsigned) v->keylen);
	if (MAXALIGN(len) > KVAM_RUN_MAX_VERSION_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam version of %zu bytes is too large for a run page",
						len),
				 errdetail("The largest version is %zu bytes.",
						   (Size) KVAM_RUN_MAX_VERSION_BYTES)));

	if (b->nversions == 0)
		newkey = true;
	else
	{
		int			c = KvamKeyCompare(b->prevkey, b->prevlen,
									   v->key, v->keylen);

		if (c > 0)
			elog(ERROR, "kvam run versions out of order: key %s after %s",
				 KvamKeyToText(v->key, v->keylen, KVAM_KEY_NONE, KVAM_KEY_NONE),
				 KvamKeyToText(b->prevkey, b->prevlen, KVAM_KEY_NONE, KVAM_KEY_NONE));
		newkey = (c != 0);
	}

	/* a new data page when the current one is full */
	page = b->ndata > 0 ? b->data[b->ndata - 1].image : NULL;
	if (page == NULL ||
		PageGetFreeSpace(page) < MAXALIGN(len) ||
		PageGetMaxOffsetNumber(page) >= MaxHeapTuplesPerPage)
	{
		start_data_page(b, v);
		page = b->data[b->ndata - 1].image;
		b->bytes += BLCKSZ;
	}
	if (PageAddItem(page, (Item) v, len, InvalidOffsetNumber,
					false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add a version of %zu bytes to a run page", len);

	if (newkey)
	{
		if (b->nfps == b->maxfps)
		{
			b->maxfps *= 2;
			b->fps = repalloc_huge(b->fps, b->maxfps * sizeof(uint64));
		}
		b->fps[b->nfps++] = KvamKeyFingerprint(v->key, v->keylen);
		memcpy(b->prevkey, v->key, v->keylen);
		b->prevlen = v->keylen;
	}

	if (b->nversions == 0)
		b->hash_first = v->keylen >= KVAM_KEY_HASH_BYTES ? KvamKeyHashOf(v->key) : 0;
	b->hash_last = v->keylen >= KVAM_KEY_HASH_BYTES ? KvamKeyHashOf(v->key) : PG_UINT64_MAX;
	b->nversions++;
	if (v->flags & KVAM_V_TOMBSTONE)
		b->ntombstones++;
	if (TransactionIdIsNormal(v->xmin) && !(v->flags & KVAM_V_FROZEN) &&
		(!TransactionIdIsValid(b->min_unfrozen) ||
		 TransactionIdPrecedes(v->xmin, b->min_unfrozen)))
		b->min_unfrozen = v->xmin;
	if (TransactionIdIsNormal(v->xmin))
	{
		if (!TransactionIdIsValid(b->min_xmin) ||
			TransactionIdPrecedes(v->xmin, b->min_xmin))
			b->min_xmin = v->xmin;
		if (!TransactionIdIsValid(b->max_xmin) ||
			TransactionIdFollows(v->xmin, b->max_xmin))
			b->max_xmin = v->xmin;
	}
}

Size
KvamRunBuildBytes(KvamRunBuilder *b)
{
	return b->bytes;
}

/*
 * KvamRunBuildFinish writes the run into a reusable free extent
 * (KvamSpaceAlloc) or else at the end of the relation, WAL-logs it when
 * the relation needs WAL, fills *ref (level 0: the caller sets it) and
 * frees the builder.  Takes the allocation lock (KvamSpaceLockAlloc; held
 * until the caller's KvamSpaceUnlockAlloc or the end of the transaction:
 * until the run is published, the sweep must not take its pages for an
 * orphan), the relation extension lock while extending (not for a local
 * relation), exclusive buffer locks one at a time while copying, none while
 * WAL-logging.  The run is not visible to anyone until the caller publishes
 * it.  An empty run writes nothing (ref->head = InvalidBlockNumber,
 * ref->nblocks = 0) and takes no lock.
 */
void
KvamRunBuildFinish(KvamRunBuilder *b, KvamRunRef *ref)
{
	MemoryContext oldcxt;
	Relation	rel = b->rel;
	KvamRunHeaderData hdr;
	Page	   *index_pages;
	Page	   *bloom_pages;
	Page		head_page;
	BlockNumber nindex;
	BlockNumber root;
	uint32		levels;
	uint32		nbloom;
	BlockNumber nblocks;
	BlockNumber head;
	bool		use_lock;
	uint32		i;

	memset(ref, 0, sizeof(KvamRunRef));
	ref->run_id = b->run_id;
	if (b->nversions == 0)
	{
		ref->head = InvalidBlockNumber;
		MemoryContextDelete(b->mcxt);
		return;
	}

	oldcxt = MemoryContextSwitchTo(b->mcxt);

	/* layout, relative to the head: head, data, index, bloom */
	memset(&hdr, 0, sizeof(hdr));
	hdr.data_start = 1;
	hdr.ndata = b->ndata;
	hdr.index_start = hdr.data_start + b->ndata;
	index_pages = build_index(b, hdr.index_start, &nindex, &root, &levels);
	hdr.nindex = nindex;
	hdr.index_root = root;
	hdr.index_levels = levels;

	nbloom = KvamBloomPagesFor(b->nfps);
	hdr.bloom_start = hdr.index_start + nindex;
	hdr.nbloom = nbloom;
	bloom_pages = palloc(nbloom * sizeof(Page));
	for (i = 0; i < nbloom; i++)
	{
		bloom_pages[i] = palloc(BLCKSZ);
		KvamBloomInitPage(bloom_pages[i], b->partition);
	}
	for (uint64 k = 0; k < b->nfps; k++)
		KvamBloomAdd(bloom_pages[KvamBloomPageOf(b->fps[k], nbloom)],
					 b->fps[k]);

	head_page = build_head(b, &hdr, first_version(b->data[0].image),
						   last_version(b->data[b->ndata - 1].image));

	nblocks = 1 + b->ndata + nindex + nbloom;

	/*
	 * Place.  A reusable free extent if there is one; else extend: every
	 * block comes from P_NEW while we hold the extension lock, so nobody
	 * else can extend in between and the blocks are contiguous.  Each image
	 * goes in under an exclusive buffer lock, with its block numbers made
	 * absolute.
	 */
	head = InvalidBlockNumber;
	if (KvamIsKvamRelation(rel))	/* not the scratch tables of self-tests */
	{
		KvamSpaceLockAlloc(rel);
		head = KvamSpaceAlloc(rel, nblocks);
	}
	if (BlockNumberIsValid(head))
	{
		for (i = 0; i < nblocks; i++)
		{
			Buffer		buf;
			Page		image;

			CHECK_FOR_INTERRUPTS();
			image = run_image(b, &hdr, head_page, index_pages, bloom_pages, i);
			buf = ReadBufferExtended(rel, MAIN_FORKNUM, head + i,
									 RBM_ZERO_AND_LOCK, NULL);
			memcpy(BufferGetPage(buf), image, BLCKSZ);
			KvamRunPageFixup(BufferGetPage(buf), head);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
		}
		goto written;
	}
	use_lock = !RELATION_IS_LOCAL(rel);
	if (use_lock)
		LockRelationForExtension(rel, ExclusiveLock);
	head = InvalidBlockNumber;
	for (i = 0; i < nblocks; i++)
	{
		Buffer		buf;
		Page		image;
		Page		page;

		CHECK_FOR_INTERRUPTS();

		image = run_image(b, &hdr, head_page, index_pages, bloom_pages, i);
		buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
		if (i == 0)
			head = BufferGetBlockNumber(buf);
		else if (BufferGetBlockNumber(buf) != head + i)
			elog(ERROR, "kvam run extent of relation \"%s\" is not contiguous: block %u after %u",
				 RelationGetRelationName(rel), BufferGetBlockNumber(buf),
				 head + i - 1);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		Assert(PageIsNew(page));
		memcpy(page, image, BLCKSZ);
		KvamRunPageFixup(page, head);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	if (use_lock)
		UnlockRelationForExtension(rel, ExclusiveLock);

written:
	/* log_newpage_range locks the buffers itself: hold none here */
	if (RelationNeedsWAL(rel))
		log_newpage_range(rel, MAIN_FORKNUM, head, head + nblocks, true);

	MemoryContextSwitchTo(oldcxt);

	ref->head = head;
	ref->nblocks = nblocks;
	ref->nbloom = nbloom;
	ref->nversions = b->nversions;
	ref->hash_first = b->hash_first;
	ref->hash_last = b->hash_last;
	ref->min_xmin = b->min_unfrozen;
	ref->ntombstones = (uint32) Min(b->ntombstones, (uint64) PG_UINT32_MAX);
	MemoryContextDelete(b->mcxt);
}

/* run_image: the image of relative block i of the run being finished. */
static Page
run_image(KvamRunBuilder *b, KvamRunHeaderData *hdr, Page head_page,
		  Page *index_pages, Page *bloom_pages, uint32 i)
{
	if (i == 0)
		return head_page;
	if (i < hdr->index_start)
		return b->data[i - hdr->data_start].image;
	if (i < hdr->bloom_start)
		return index_pages[i - hdr->index_start];
	return bloom_pages[i - hdr->bloom_start];
}

/* ----------------------------------------------------------------
 *		Page images
 * ----------------------------------------------------------------
 */

/* new_page returns a fresh page image of the run with an empty body. */
static Page
new_page(KvamRunBuilder *b, uint16 page_type, uint16 flags)
{
	Page		page = MemoryContextAlloc(b->mcxt, BLCKSZ);
	KvamPageOpaque opaque;

	PageInit(page, BLCKSZ, MAXALIGN(sizeof(KvamPageOpaqueData)));
	opaque = KvamPageGetOpaque(page);
	opaque->page_type = page_type;
	opaque->format = KVAM_PAGE_FORMAT;
	opaque->partition = b->partition;
	opaque->next = InvalidBlockNumber;
	opaque->flags = flags;
	opaque->page_id = KVAM_PAGE_ID;
	return page;
}

/*
 * start_data_page appends a data page whose first version will be 'v':
 * links the previous page to it and computes its separator, the shortest
 * prefix of v's key greater than the previous page's last key (which is
 * b->prevkey), or the whole key if the two are equal.
 */
static void
start_data_page(KvamRunBuilder *b, KvamVersion v)
{
	RunDataPage *dp;

	if (b->ndata == b->maxdata)
	{
		b->maxdata *= 2;
		b->data = repalloc_huge(b->data, b->maxdata * sizeof(RunDataPage));
	}
	if (b->ndata >= MaxBlockNumber - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam run is too large")));

	dp = &b->data[b->ndata];
	dp->image = new_page(b, KVAM_PAGE_RUN_DATA, 0);
	if (b->ndata == 0)
		dp->seplen = 0;
	else
	{
		Size		lcp = 0;
		Size		n = Min(b->prevlen, (Size) v->keylen);

		/* relative block of the new page: head is 0, data starts at 1 */
		KvamPageGetOpaque(b->data[b->ndata - 1].image)->next = b->ndata + 1;

		while (lcp < n && b->prevkey[lcp] == v->key[lcp])
			lcp++;
		dp->seplen = (lcp == v->keylen) ? v->keylen : lcp + 1;
	}
	b->ndata++;
}

/* first_version returns the first item of a non-empty data page image. */
static KvamVersion
first_version(Page page)
{
	return (KvamVersion) PageGetItem(page,
									 PageGetItemId(page, FirstOffsetNumber));
}

/* last_version returns the last item of a non-empty data page image. */
static KvamVersion
last_version(Page page)
{
	return (KvamVersion) PageGetItem(page,
									 PageGetItemId(page,
												   PageGetMaxOffsetNumber(page)));
}

/* add_index_entry adds 'item' with separator bytes 'key' to index 'page'. */
static void
add_index_entry(Page page, const RunIndexItem *item, const char *key)
{
	PGAlignedBlock buf;
	KvamRunIndexEntry e = (KvamRunIndexEntry) buf.data;
	uint16		keylen = Min(item->seplen, KVAM_RUN_INDEX_MAX_STORED);
	Size		len = SizeOfKvamRunIndexEntry + keylen;

	e->child = item->child;
	e->keyblock = item->keyblock;
	e->seplen = item->seplen;
	e->keylen = keylen;
	memcpy(e->key, key, keylen);
	if (PageAddItem(page, (Item) e, len, InvalidOffsetNumber,
					false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add an entry of %zu bytes to a run index page",
			 len);
}

static inline bool
index_entry_fits(Page page, uint16 seplen)
{
	Size		len = SizeOfKvamRunIndexEntry +
		Min(seplen, KVAM_RUN_INDEX_MAX_STORED);

	return PageGetFreeSpace(page) >= MAXALIGN(len) &&
		PageGetMaxOffsetNumber(page) < MaxOffsetNumber;
}

/*
 * build_index builds the static B-tree over the data pages, bottom-up,
 * placing its pages at relative blocks index_start, index_start + 1, ...
 * (level 0 first, the root last).  Returns the page images and sets
 * *nindex, *root (relative) and *levels; with a single data page there is
 * no index (*nindex = 0, *root = InvalidBlockNumber, *levels = 0).
 *
 * Each index page holds at least three entries (KVAM_RUN_INDEX_MAX_STORED),
 * so each level has at most a third as many pages as the one below, plus
 * one, and the loop ends.
 */
static Page *
build_index(KvamRunBuilder *b, BlockNumber index_start,
			BlockNumber *nindex, BlockNumber *root, uint32 *levels)
{
	Page	   *pages;
	uint32		npages = 0;
	uint32		maxpages;
	RunIndexItem *items;
	uint32		nitems;
	uint32		level = 0;

	*nindex = 0;
	*root = InvalidBlockNumber;
	*levels = 0;
	if (b->ndata <= 1)
		return NULL;

	maxpages = 16;
	pages = palloc(maxpages * sizeof(Page));

	/* level 0: one entry per data page */
	nitems = b->ndata;
	items = palloc(nitems * sizeof(RunIndexItem));
	for (uint32 j = 0; j < b->ndata; j++)
	{
		items[j].child = 1 + j;
		items[j].keyblock = 1 + j;
		items[j].seplen = b->data[j].seplen;
	}

	for (;;)
	{
		uint32		level_first = npages;
		RunIndexItem *up;
		uint32		nup = 0;

		for (uint32 j = 0; j < nitems; j++)
		{
			Page		page = (npages > level_first) ? pages[npages - 1] : NULL;
			KvamVersion src;

			if (page == NULL || !index_entry_fits(page, items[j].seplen))
			{
				if (npages == maxpages)
				{
					maxpages *= 2;
					pages = repalloc_huge(pages, maxpages * sizeof(Page));
				}
				page = new_page(b, KVAM_PAGE_RUN_INDEX, (uint16) level);
				pages[npages++] = page;
			}
			src = first_version(b->data[items[j].keyblock - 1].image);
			Assert(src->keylen >= items[j].seplen);
			add_index_entry(page, &items[j], src->key);
		}

		if (npages - level_first == 1)
			break;				/* this level is the root */

		/* the level above: the first entry of each page of this level */
		up = palloc((npages - level_first) * sizeof(RunIndexItem));
		for (uint32 p = level_first; p < npages; p++)
		{
			ItemId		iid = PageGetItemId(pages[p], FirstOffsetNumber);
			KvamRunIndexEntry e = (KvamRunIndexEntry) PageGetItem(pages[p], iid);

			up[nup].child = index_start + p;
			up[nup].keyblock = e->keyblock;
			up[nup].seplen = e->seplen;
			nup++;
		}
		pfree(items);
		items = up;
		nitems = nup;
		level++;
		if (level > PG_UINT16_MAX)
			elog(ERROR, "kvam run index has too many levels");
	}
	pfree(items);

	*nindex = npages;
	*root = index_start + npages - 1;
	*levels = level + 1;
	return pages;
}

/*
 * build_head fills the rest of *hdr and returns the head page image with
 * the header, the first key (cut if both do not fit) and the last key.
 */
static Page
build_head(KvamRunBuilder *b, KvamRunHeaderData *hdr,
		   KvamVersion first, KvamVersion last)
{
	Page		page = new_page(b, KVAM_PAGE_RUN_HEAD, 0);
	PageHeader phdr = (PageHeader) page;
	char	   *p = PageGetContents(page);
	Size		room = phdr->pd_upper - (p - (char *) page) - sizeof(KvamRunHeaderData);
	Size		lastlen = last->keylen;
	Size		firstlen = first->keylen;

	Assert(lastlen <= room);
	if (firstlen + lastlen > room)
	{
		firstlen = room - lastlen;
		KvamPageGetOpaque(page)->flags |= KVAM_RUN_HEAD_FIRST_KEY_TRUNCATED;
	}

	hdr->magic = KVAM_RUN_MAGIC;
	hdr->format = KVAM_RUN_FORMAT;
	hdr->run_id = b->run_id;
	hdr->nversions = b->nversions;
	hdr->nkeys = b->nfps;
	hdr->ntombstones = b->ntombstones;
	hdr->min_xmin = b->min_xmin;
	hdr->max_xmin = b->max_xmin;
	hdr->first_key_len = (uint16) firstlen;
	hdr->last_key_len = (uint16) lastlen;

	memcpy(p, hdr, sizeof(KvamRunHeaderData));
	p += sizeof(KvamRunHeaderData);
	memcpy(p, first->key, firstlen);
	p += firstlen;
	memcpy(p, last->key, lastlen);
	p += lastlen;
	phdr->pd_lower = p - (char *) page;
	Assert(phdr->pd_lower <= phdr->pd_upper);
	return page;
}

/*
 * KvamRunPageFixup adds 'head' (modulo 2^32) to every block number stored
 * in run page 'page' (InvalidBlockNumber stays so): given the head's block
 * number it turns the builder's relative numbers into absolute ones, and
 * given newhead - oldhead it moves an absolute page to another extent
 * (lsm/relocate.c).  Raises an internal error on a page that is not a run
 * page.
 */
void
KvamRunPageFixup(Page page, BlockNumber head)
{
	KvamPageOpaque opaque = KvamPageGetOpaque(page);

	switch (opaque->page_type)
	{
		case KVAM_PAGE_RUN_HEAD:
			{
				KvamRunHeaderData *hdr = (KvamRunHeaderData *) PageGetContents(page);

				hdr->data_start += head;
				hdr->index_start += head;
				if (hdr->index_root != InvalidBlockNumber)
					hdr->index_root += head;
				hdr->bloom_start += head;
				break;
			}
		case KVAM_PAGE_RUN_DATA:
			if (opaque->next != InvalidBlockNumber)
				opaque->next += head;
			break;
		case KVAM_PAGE_RUN_INDEX:
			{
				OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

				for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
				{
					KvamRunIndexEntry e;

					e = (KvamRunIndexEntry) PageGetItem(page, PageGetItemId(page, off));
					e->child += head;
					e->keyblock += head;
				}
				break;
			}
		case KVAM_PAGE_RUN_BLOOM:
			break;
		default:
			elog(ERROR, "unexpected kvam page type %u in a run",
				 (unsigned) opaque->page_type);
	}
}
