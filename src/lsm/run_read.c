/*-------------------------------------------------------------------------
 *
 * run_read.c
 *	  Reading an immutable sorted run: header, bloom probe, positioned
 *	  iteration (see run.h for the layout, run_build.c for the writer).
 *
 * Locking: none beyond buffer pins.  A published run's pages never change
 * (the only in-place edits a run page may ever see are hint flags on
 * versions, made under a share lock, which readers may see or not), and
 * they are not recycled while a snapshot that could see the run exists,
 * so a pin is enough to read a page and keep it in memory.  Readers hold
 * at most two pins at once: during the index descent an index page plus,
 * rarely, the data page holding an exact separator; during iteration one
 * data page.
 *
 * Every page is checked for being the kvam page type expected and for lying
 * inside the run's extent before it is used; a mismatch is reported as
 * ERRCODE_DATA_CORRUPTED, never followed.
 *
 * Seeking to a lower bound L: at each index level, binary search for the
 * last entry whose separator is < L (or the first entry if there is none)
 * and descend into its child.  Because the separator of data page j lies
 * between the last key of page j - 1 and the first key of page j, the data
 * page reached holds the first version >= L, or that version is the first
 * one of the next data page, so the iterator finds it by walking forward
 * at most one page boundary (more only when one key's versions span pages
 * and precede L).
 *
 * IDENTIFICATION
 *	  src/lsm/run_read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "lsm/bloom.h"
#include "lsm/keycode.h"
#include "lsm/page.h"
#include "lsm/run.h"

struct KvamRunIter
{
	Relation	rel;
	KvamRunRef	ref;
	Buffer		buf;			/* pinned current data page, or Invalid */
	BlockNumber blkno;			/* its block */
	OffsetNumber off;			/* next item to look at */
	OffsetNumber maxoff;
	Size		lastlen;		/* item length of the last version returned */
	BlockNumber pages_left;		/* data pages we may still visit */
	bool		done;
	bool		skipping;		/* still skipping versions < lower */
	char	   *lower;
	Size		lowerlen;
	char	   *upper;			/* NULL: unbounded */
	Size		upperlen;
	bool		upper_inclusive;
};

static Buffer read_run_page(Relation rel, const KvamRunRef *ref,
							BlockNumber blkno, uint16 page_type);
static Buffer pin_head(Relation rel, const KvamRunRef *ref,
					   KvamRunHeaderData *hdr);
static KvamRunIndexEntry index_entry_at(Relation rel, Page page,
										BlockNumber blkno, OffsetNumber off);
static bool separator_less(Relation rel, const KvamRunRef *ref,
						   KvamRunIndexEntry e,
						   const char *key, Size keylen);
static BlockNumber seek_data_page(Relation rel, const KvamRunRef *ref,
								  const KvamRunHeaderData *hdr,
								  const char *key, Size keylen);
static KvamVersion version_at(KvamRunIter *it, Page page, OffsetNumber off);

/*
 * run_corrupt reports a run page that is not what the run's structure says
 * it is.
 */
static void
run_corrupt(Relation rel, BlockNumber blkno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("kvam run page %u of relation \"%s\" is corrupt: %s",
					blkno, RelationGetRelationName(rel), what)));
}

/*
 * read_run_page pins block 'blkno' of the run and checks that it is a kvam
 * page of 'page_type' inside the run's extent.  Returns the pinned buffer.
 */
static Buffer
read_run_page(Relation rel, const KvamRunRef *ref, BlockNumber blkno,
			  uint16 page_type)
{
	Buffer		buf;
	Page		page;
	KvamPageOpaque opaque;

	if (blkno < ref->head || blkno - ref->head >= ref->nblocks)
		run_corrupt(rel, blkno, "block outside the run");

	buf = ReadBufferExtended(rel, MAIN_FORKNUM, blkno, RBM_NORMAL, NULL);
	page = BufferGetPage(buf);
	if (PageIsNew(page) ||
		PageGetSpecialSize(page) != MAXALIGN(sizeof(KvamPageOpaqueData)))
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, blkno, "not a kvam page");
	}
	opaque = KvamPageGetOpaque(page);
	if (opaque->page_id != KVAM_PAGE_ID || opaque->format != KVAM_PAGE_FORMAT)
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, blkno, "not a kvam page of this format");
	}
	if (opaque->page_type != page_type)
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, blkno, "unexpected page type");
	}
	return buf;
}

/*
 * pin_head pins the run's head page, checks it against the run reference
 * and copies its header into *hdr.  Returns the pinned buffer.
 */
static Buffer
pin_head(Relation rel, const KvamRunRef *ref, KvamRunHeaderData *hdr)
{
	Buffer		buf;
	Page		page;
	char	   *p;

	if (ref->nblocks == 0 || ref->head == InvalidBlockNumber)
		elog(ERROR, "kvam run " UINT64_FORMAT " is empty", ref->run_id);

	buf = read_run_page(rel, ref, ref->head, KVAM_PAGE_RUN_HEAD);
	page = BufferGetPage(buf);
	p = PageGetContents(page);
	memcpy(hdr, p, sizeof(KvamRunHeaderData));
	if (hdr->magic != KVAM_RUN_MAGIC || hdr->format != KVAM_RUN_FORMAT ||
		hdr->run_id != ref->run_id ||
		((PageHeader) page)->pd_lower !=
		(p - (char *) page) + sizeof(KvamRunHeaderData) +
		hdr->first_key_len + hdr->last_key_len ||
		1 + hdr->ndata + hdr->nindex + hdr->nbloom != ref->nblocks ||
		hdr->ndata == 0 || hdr->nbloom == 0 ||
		hdr->data_start != ref->head + 1 ||
		hdr->index_start != hdr->data_start + hdr->ndata ||
		hdr->bloom_start != hdr->index_start + hdr->nindex ||
		(hdr->nindex == 0) != (hdr->index_root == InvalidBlockNumber) ||
		(hdr->nindex == 0) != (hdr->index_levels == 0))
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, ref->head, "inconsistent run header");
	}
	return buf;
}

/* head_keys returns the first key stored on a pinned head page. */
static inline char *
head_keys(Buffer buf)
{
	return PageGetContents(BufferGetPage(buf)) + sizeof(KvamRunHeaderData);
}

/*
 * KvamRunReadHeader reads the head page of a non-empty run into *hdr and
 * appends the stored first and last keys to 'first' and 'last' unless they
 * are NULL.  Pins and releases the head page.  Raises
 * ERRCODE_DATA_CORRUPTED if the page is not a consistent run head.
 */
void
KvamRunReadHeader(Relation rel, const KvamRunRef *ref,
				  KvamRunHeaderData *hdr, StringInfo first, StringInfo last)
{
	Buffer		buf = pin_head(rel, ref, hdr);
	char	   *p = head_keys(buf);

	if (first)
		appendBinaryStringInfo(first, p, hdr->first_key_len);
	if (last)
		appendBinaryStringInfo(last, p + hdr->first_key_len,
							   hdr->last_key_len);
	ReleaseBuffer(buf);
}

/*
 * KvamRunMayContain probes the run for a full encoded key: false means the
 * key is certainly not in the run.  When the run reference records the
 * number of bloom pages (the last pages of the extent) it reads one bloom
 * page only; otherwise it reads the head page first (and checks the key
 * against the run's key range).  Pins only.  An empty run contains nothing.
 */
bool
KvamRunMayContain(Relation rel, const KvamRunRef *ref,
				  const char *key, Size keylen)
{
	Buffer		buf;
	char	   *p;
	KvamRunHeaderData hdr;
	uint64		fp;
	bool		result;

	if (ref->nblocks == 0)
		return false;
	if (keylen >= KVAM_KEY_HASH_BYTES)
	{
		uint64		h = KvamKeyHashOf(key);

		if (!KvamRunRefMayHoldHash(ref, h, h))
			return false;
	}

	if (ref->nbloom > 0 && ref->nbloom < ref->nblocks)
	{
		fp = KvamKeyFingerprint(key, keylen);
		buf = read_run_page(rel, ref,
							ref->head + ref->nblocks - ref->nbloom +
							KvamBloomPageOf(fp, ref->nbloom),
							KVAM_PAGE_RUN_BLOOM);
		result = KvamBloomMayContain(BufferGetPage(buf), fp);
		ReleaseBuffer(buf);
		return result;
	}

	/* the key range; the first key may be a prefix, still a lower bound */
	buf = pin_head(rel, ref, &hdr);
	p = head_keys(buf);
	result = KvamKeyCompare(key, keylen, p, hdr.first_key_len) >= 0 &&
		KvamKeyCompare(key, keylen, p + hdr.first_key_len,
					   hdr.last_key_len) <= 0;
	ReleaseBuffer(buf);
	if (!result)
		return false;

	fp = KvamKeyFingerprint(key, keylen);
	buf = read_run_page(rel, ref,
						hdr.bloom_start + KvamBloomPageOf(fp, hdr.nbloom),
						KVAM_PAGE_RUN_BLOOM);
	result = KvamBloomMayContain(BufferGetPage(buf), fp);
	ReleaseBuffer(buf);
	return result;
}

/*
 * separator_less decides whether the separator of index entry 'e' is less
 * than 'key'.  When only a prefix of the separator is stored and the key
 * agrees with all of it, the exact separator is read from the data page
 * the entry names (a second pin, released before returning).
 */
static bool
separator_less(Relation rel, const KvamRunRef *ref, KvamRunIndexEntry e,
			   const char *key, Size keylen)
{
	Buffer		buf;
	Page		page;
	ItemId		iid;
	KvamVersion v;
	int			c;
	bool		result;

	if (e->keylen == e->seplen)
		return KvamKeyCompare(e->key, e->keylen, key, keylen) < 0;

	/* e->key is a proper prefix of the separator */
	c = memcmp(e->key, key, Min((Size) e->keylen, keylen));
	if (c != 0)
		return c < 0;
	if (keylen <= e->keylen)
		return false;			/* key <= stored prefix < separator */

	buf = read_run_page(rel, ref, e->keyblock, KVAM_PAGE_RUN_DATA);
	page = BufferGetPage(buf);
	if (PageGetMaxOffsetNumber(page) < FirstOffsetNumber)
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, e->keyblock, "empty data page");
	}
	iid = PageGetItemId(page, FirstOffsetNumber);
	v = (KvamVersion) PageGetItem(page, iid);
	if (!ItemIdIsNormal(iid) ||
		ItemIdGetLength(iid) < SizeOfKvamVersionHeader + v->keylen ||
		v->keylen < e->seplen)
	{
		ReleaseBuffer(buf);
		run_corrupt(rel, e->keyblock, "separator source does not match");
	}
	result = KvamKeyCompare(v->key, e->seplen, key, keylen) < 0;
	ReleaseBuffer(buf);
	return result;
}

/*
 * index_entry_at returns the entry at 'off' of index page 'page' (block
 * 'blkno'), checked for consistency.
 */
static KvamRunIndexEntry
index_entry_at(Relation rel, Page page, BlockNumber blkno, OffsetNumber off)
{
	ItemId		iid = PageGetItemId(page, off);
	KvamRunIndexEntry e;

	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) < SizeOfKvamRunIndexEntry)
		run_corrupt(rel, blkno, "bad index line pointer");
	e = (KvamRunIndexEntry) PageGetItem(page, iid);
	if (ItemIdGetLength(iid) != SizeOfKvamRunIndexEntry + e->keylen ||
		e->keylen > e->seplen || e->keylen > KVAM_RUN_INDEX_MAX_STORED ||
		(e->keylen < e->seplen && e->keylen != KVAM_RUN_INDEX_MAX_STORED))
		run_corrupt(rel, blkno, "bad index entry");
	return e;
}

/*
 * seek_data_page descends the run's index to the data page where a search
 * for the first version >= key starts.
 */
static BlockNumber
seek_data_page(Relation rel, const KvamRunRef *ref,
			   const KvamRunHeaderData *hdr, const char *key, Size keylen)
{
	BlockNumber blkno = hdr->index_root;
	int			level;

	if (hdr->nindex == 0)
		return hdr->data_start;

	for (level = hdr->index_levels - 1; level >= 0; level--)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber lo;
		OffsetNumber hi;
		OffsetNumber maxoff;
		KvamRunIndexEntry e;

		CHECK_FOR_INTERRUPTS();

		if (blkno < hdr->index_start || blkno - hdr->index_start >= hdr->nindex)
			run_corrupt(rel, blkno, "index child outside the index");
		buf = read_run_page(rel, ref, blkno, KVAM_PAGE_RUN_INDEX);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		if (maxoff < FirstOffsetNumber ||
			KvamPageGetOpaque(page)->flags != level)
		{
			ReleaseBuffer(buf);
			run_corrupt(rel, blkno, "index page of the wrong level");
		}

		/*
		 * Find the last entry whose separator is < key.  Invariant: entries
		 * before lo are < key, entries after hi are not; the first entry is
		 * taken when none is.
		 */
		lo = FirstOffsetNumber + 1;
		hi = maxoff;
		while (lo <= hi)
		{
			OffsetNumber mid = lo + (hi - lo) / 2;

			e = index_entry_at(rel, page, blkno, mid);
			if (separator_less(rel, ref, e, key, keylen))
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		e = index_entry_at(rel, page, blkno, lo - 1);
		blkno = e->child;
		ReleaseBuffer(buf);
	}

	if (blkno < hdr->data_start || blkno - hdr->data_start >= hdr->ndata)
		run_corrupt(rel, blkno, "index points outside the data pages");
	return blkno;
}

/*
 * KvamRunIterBegin opens a forward iterator over the versions of the run
 * whose key is >= 'lower' (NULL: from the first) and <= 'upper' when
 * 'upper_inclusive', < 'upper' otherwise (NULL: to the last).  Descends
 * the index to the first data page that can hold 'lower' and keeps a pin
 * on it; the bounds are copied.  An empty run gives an empty iterator.
 * The iterator is palloc'd in CurrentMemoryContext.
 */
KvamRunIter *
KvamRunIterBegin(Relation rel, const KvamRunRef *ref,
				 const char *lower, Size lowerlen,
				 const char *upper, Size upperlen,
				 bool upper_inclusive)
{
	KvamRunIter *it = palloc0(sizeof(KvamRunIter));
	KvamRunHeaderData hdr;
	BlockNumber blkno;

	it->rel = rel;
	it->ref = *ref;
	it->buf = InvalidBuffer;
	if (upper != NULL)
	{
		it->upper = palloc(upperlen + 1);
		memcpy(it->upper, upper, upperlen);
		it->upperlen = upperlen;
		it->upper_inclusive = upper_inclusive;
	}
	if (ref->nblocks == 0 ||
		(lower != NULL && lowerlen >= KVAM_KEY_HASH_BYTES &&
		 KvamKeyHashOf(lower) > ref->hash_last) ||
		(upper != NULL && upperlen >= KVAM_KEY_HASH_BYTES &&
		 KvamKeyHashOf(upper) < ref->hash_first))
	{
		/* empty, or (from the manifest's key-hash range) nothing in range */
		it->done = true;
		return it;
	}

	ReleaseBuffer(pin_head(rel, ref, &hdr));
	if (lower != NULL)
	{
		it->lower = palloc(lowerlen + 1);
		memcpy(it->lower, lower, lowerlen);
		it->lowerlen = lowerlen;
		it->skipping = true;
		blkno = seek_data_page(rel, ref, &hdr, lower, lowerlen);
	}
	else
		blkno = hdr.data_start;

	it->pages_left = hdr.ndata - (blkno - hdr.data_start);
	it->buf = read_run_page(rel, ref, blkno, KVAM_PAGE_RUN_DATA);
	it->blkno = blkno;
	it->off = FirstOffsetNumber;
	it->maxoff = PageGetMaxOffsetNumber(BufferGetPage(it->buf));
	it->pages_left--;
	return it;
}

/* version_at returns the version at 'off' of the current page, checked. */
static KvamVersion
version_at(KvamRunIter *it, Page page, OffsetNumber off)
{
	ItemId		iid = PageGetItemId(page, off);
	KvamVersion v;

	if (!ItemIdIsNormal(iid) ||
		ItemIdGetLength(iid) < SizeOfKvamVersionHeader)
		run_corrupt(it->rel, it->blkno, "bad line pointer");
	v = (KvamVersion) PageGetItem(page, iid);
	if (ItemIdGetLength(iid) < SizeOfKvamVersionHeader + v->keylen)
		run_corrupt(it->rel, it->blkno, "version shorter than its key");
	return v;
}

/*
 * KvamRunIterNext returns the next version in range and sets *tid to its
 * location, or returns NULL when the range is exhausted (and drops the
 * pin).  The version points into the pinned page and is valid until the
 * next call or KvamRunIterEnd.
 */
KvamVersion
KvamRunIterNext(KvamRunIter *it, ItemPointer tid)
{
	while (!it->done)
	{
		Page		page = BufferGetPage(it->buf);
		KvamVersion v;

		if (it->off > it->maxoff)
		{
			BlockNumber next = KvamPageGetOpaque(page)->next;

			ReleaseBuffer(it->buf);
			it->buf = InvalidBuffer;
			if (next == InvalidBlockNumber)
			{
				if (it->pages_left != 0)
					run_corrupt(it->rel, it->blkno, "data page chain ends early");
				it->done = true;
				break;
			}
			if (it->pages_left == 0 || next != it->blkno + 1)
				run_corrupt(it->rel, it->blkno, "bad data page link");
			CHECK_FOR_INTERRUPTS();
			it->buf = read_run_page(it->rel, &it->ref, next, KVAM_PAGE_RUN_DATA);
			it->blkno = next;
			it->off = FirstOffsetNumber;
			it->maxoff = PageGetMaxOffsetNumber(BufferGetPage(it->buf));
			it->pages_left--;
			continue;
		}

		v = version_at(it, page, it->off);
		if (it->skipping)
		{
			if (KvamKeyCompare(v->key, v->keylen, it->lower, it->lowerlen) < 0)
			{
				it->off++;
				continue;
			}
			it->skipping = false;
		}
		if (it->upper != NULL)
		{
			int			c = KvamKeyCompare(v->key, v->keylen,
										   it->upper, it->upperlen);

			if (c > 0 || (c == 0 && !it->upper_inclusive))
			{
				ReleaseBuffer(it->buf);
				it->buf = InvalidBuffer;
				it->done = true;
				break;
			}
		}
		ItemPointerSet(tid, it->blkno, it->off);
		it->lastlen = ItemIdGetLength(PageGetItemId(page, it->off));
		it->off++;
		return v;
	}
	return NULL;
}

/*
 * KvamRunIterVersionLength returns the item length of the version the last
 * KvamRunIterNext call returned (0 before the first one).
 */
Size
KvamRunIterVersionLength(KvamRunIter *it)
{
	return it->lastlen;
}

/*
 * KvamRunIterEnd drops the iterator's pin, if any, and frees it.
 */
void
KvamRunIterEnd(KvamRunIter *it)
{
	if (BufferIsValid(it->buf))
		ReleaseBuffer(it->buf);
	if (it->lower)
		pfree(it->lower);
	if (it->upper)
		pfree(it->upper);
	pfree(it);
}
