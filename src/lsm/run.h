/*-------------------------------------------------------------------------
 *
 * run.h
 *	  Immutable sorted runs ("SSTables") inside the relation's main fork.
 *
 * A run is a contiguous extent of blocks [head, head + nblocks):
 *
 *	  head			KVAM_PAGE_RUN_HEAD: KvamRunHeaderData (summary: counts,
 *					first and last key, xid range, block ranges of the
 *					sections below, index root)
 *	  data pages	KVAM_PAGE_RUN_DATA: versions (page.h format) sorted by
 *					(encoded key ascending, newest version first); a key's
 *					versions may continue on the next data page
 *	  index pages	KVAM_PAGE_RUN_INDEX: a static B-tree built bottom-up;
 *					each entry is (first key of a child page, child block);
 *					leaves point at data pages
 *	  bloom pages	KVAM_PAGE_RUN_BLOOM: blocked bloom filter over
 *					KvamKeyFingerprint of each distinct key (bloom.h)
 *
 * A run is written once (KvamRunBuild*), WAL-logged as full pages with
 * log_newpage_range, and published afterwards by a manifest edit done by
 * the caller.  It is never modified; it is read with a pin on one page at
 * a time.  TIDs of versions in run data pages are ordinary (block, offset)
 * pairs and stay valid as long as the run's pages are not recycled.
 *
 * IDENTIFICATION
 *	  src/lsm/run.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_RUN_H
#define KVAM_LSM_RUN_H

#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "lsm/page.h"

/* What the manifest records about a run.  Stored on disk: versioned with it. */
typedef struct KvamRunRef
{
	BlockNumber head;			/* run head page */
	BlockNumber nblocks;		/* extent length, head included */
	uint32		level;			/* LSM level (0 = fresh flush) */
	uint32		nbloom;			/* bloom pages, the extent's last pages
								 * (0: unknown, read the head page) */
	uint64		nversions;		/* versions stored */
	uint64		run_id;			/* unique within the relation, increasing */
	uint64		hash_first;		/* partition hash of the first key */
	uint64		hash_last;		/* partition hash of the last key */
	TransactionId min_xmin;		/* oldest xmin not frozen (aborted writers
								 * included), Invalid if none */
	uint32		ntombstones;	/* tombstones stored (saturates) */
} KvamRunRef;

/*
 * KvamRunRefMayHoldHash: can the run hold keys whose partition hash is in
 * [lo, hi]?  Decided from the manifest alone, without I/O.
 */
static inline bool
KvamRunRefMayHoldHash(const KvamRunRef *ref, uint64 lo, uint64 hi)
{
	return ref->nblocks > 0 && ref->hash_first <= hi && ref->hash_last >= lo;
}

/* Streaming builder.  All memory lives in the builder's own context. */
typedef struct KvamRunBuilder KvamRunBuilder;

/*
 * KvamRunBuildBegin starts a run for 'partition' of 'rel'.  'expected'
 * sizes the bloom filter (an estimate of distinct keys is fine).
 */
extern KvamRunBuilder *KvamRunBuildBegin(Relation rel, uint32 partition,
										 uint64 expected, uint64 run_id);

/*
 * KvamRunBuildAdd appends one version (a complete page.h version item of
 * 'len' bytes).  Versions must arrive in run order: key ascending, and for
 * equal keys newest first.  Raises an internal error on order violation.
 */
extern void KvamRunBuildAdd(KvamRunBuilder *b, KvamVersion v, Size len);

/*
 * KvamRunBuildFinish writes the run's pages at the end of the relation
 * (extension lock held only while extending), WAL-logs them with
 * log_newpage_range when the relation needs WAL, fills *ref and frees the
 * builder.  The run is not yet visible to anyone: the caller publishes it.
 * A run with no versions is allowed (ref->nversions == 0, nblocks == 0,
 * head == InvalidBlockNumber, nothing written).
 */
extern void KvamRunBuildFinish(KvamRunBuilder *b, KvamRunRef *ref);

/*
 * KvamRunBuildBytes: bytes of data pages the builder holds so far (the
 * memory it uses is about this); compaction cuts its output by it.
 */
extern Size KvamRunBuildBytes(KvamRunBuilder *b);

/*
 * Reader: positioned iteration over one run.  The iterator holds a pin on
 * at most one data page; KvamVersion pointers it returns stay valid until
 * the next call.
 */
typedef struct KvamRunIter KvamRunIter;

/*
 * KvamRunMayContain probes the run's bloom filter for a full encoded key.
 * False means certainly absent.
 */
extern bool KvamRunMayContain(Relation rel, const KvamRunRef *ref,
							  const char *key, Size keylen);

/*
 * KvamRunIterBegin opens an iterator positioned before the first version
 * whose key is >= 'lower' (NULL: the first version of the run).  The
 * iterator is forward-only; 'upper' (NULL: none) stops it at the first
 * key > upper when upper_inclusive, or >= upper otherwise.
 */
extern KvamRunIter *KvamRunIterBegin(Relation rel, const KvamRunRef *ref,
									 const char *lower, Size lowerlen,
									 const char *upper, Size upperlen,
									 bool upper_inclusive);

/*
 * KvamRunIterNext returns the next version and its TID, or NULL at the end.
 */
extern KvamVersion KvamRunIterNext(KvamRunIter *it, ItemPointer tid);

extern void KvamRunIterEnd(KvamRunIter *it);

/*
 * KvamRunIterVersionLength returns the item length in bytes of the version
 * KvamRunIterNext returned last (the version header does not record it,
 * and a tuple slot needs it).  Added by the run implementation.
 */
extern Size KvamRunIterVersionLength(KvamRunIter *it);

/* Summary stored in the run head page (after the page header). */
typedef struct KvamRunHeaderData
{
	uint32		magic;			/* KVAM_RUN_MAGIC */
	uint32		format;			/* KVAM_RUN_FORMAT */
	uint64		run_id;
	uint64		nversions;
	uint64		nkeys;			/* distinct keys */
	uint64		ntombstones;
	TransactionId min_xmin;
	TransactionId max_xmin;
	BlockNumber data_start;
	BlockNumber ndata;
	BlockNumber index_start;
	BlockNumber nindex;
	BlockNumber index_root;
	uint32		index_levels;
	BlockNumber bloom_start;
	BlockNumber nbloom;
	uint16		first_key_len;	/* first and last key follow the struct */
	uint16		last_key_len;
} KvamRunHeaderData;

#define KVAM_RUN_MAGIC		0x4B52554E	/* "KRUN" */
#define KVAM_RUN_FORMAT		2

/* ----------------------------------------------------------------
 * Additions by the run implementation (run_build.c, run_read.c): the
 * on-disk formats of head and index pages, for readers such as
 * kvam.check() and kvam.runs(); see docs/format.md.
 * ----------------------------------------------------------------
 */

/*
 * Head page: KvamRunHeaderData starts at PageGetContents(page), the first
 * key (first_key_len bytes) and the last key (last_key_len bytes) follow
 * it directly, and pd_lower covers all of it.  The last key is always
 * stored whole.  When both keys do not fit (only possible for keys longer
 * than about 4 kB), the first key is cut to a prefix, which is still a
 * valid lower bound, and KVAM_RUN_HEAD_FIRST_KEY_TRUNCATED is set in the
 * special area's flags.
 *
 * All block numbers stored in a run (header fields, index entries, the
 * data pages' 'next' links) are absolute block numbers of the relation.
 */
#define KVAM_RUN_HEAD_FIRST_KEY_TRUNCATED	0x0001

/*
 * Index page: items are KvamRunIndexEntryData, sorted, in line pointer
 * order; the special area's flags hold the level (0: children are data
 * pages).  Entry i of the index says that everything under 'child' has a
 * key >= sep_i and everything under the previous child has a key <= sep_i,
 * where sep_i, the separator, is the first 'seplen' bytes of the first key
 * of data page 'keyblock' (the leftmost data page under 'child').  The
 * separator is the shortest prefix of that first key greater than the last
 * key of the preceding data page (the whole key if they are equal), and is
 * empty for the run's first data page.
 *
 * Only the first 'keylen' = Min(seplen, KVAM_RUN_INDEX_MAX_STORED) bytes
 * of the separator are stored, so that an index page always holds at least
 * three entries.  A search that cannot decide a comparison from a cut
 * separator reads the exact one from data page 'keyblock'.
 */
typedef struct KvamRunIndexEntryData
{
	BlockNumber child;			/* index page (level > 0) or data page */
	BlockNumber keyblock;		/* data page whose first key starts with the
								 * separator */
	uint16		seplen;			/* length of the separator */
	uint16		keylen;			/* bytes of it stored in key[] */
	char		key[FLEXIBLE_ARRAY_MEMBER];
} KvamRunIndexEntryData;

typedef KvamRunIndexEntryData *KvamRunIndexEntry;

#define SizeOfKvamRunIndexEntry		offsetof(KvamRunIndexEntryData, key)

#define KVAM_RUN_INDEX_MAX_STORED \
	(MAXALIGN_DOWN((BLCKSZ - SizeOfPageHeaderData - \
					MAXALIGN(sizeof(KvamPageOpaqueData))) / 3 - \
				   sizeof(ItemIdData)) - SizeOfKvamRunIndexEntry)

/*
 * KvamRunReadHeader reads the head page of a non-empty run into *hdr and,
 * when 'first'/'last' are not NULL, appends the first and last keys to
 * them (the first key may be a prefix: see above).  Pins and releases the
 * head page; raises ERRCODE_DATA_CORRUPTED if it is not a run head.
 */
extern void KvamRunReadHeader(Relation rel, const KvamRunRef *ref,
							  KvamRunHeaderData *hdr,
							  StringInfo first, StringInfo last);

/*
 * KvamRunPageFixup adds 'delta' (modulo 2^32) to every block number stored
 * in a run page (header fields, index entries, data page links; Invalid
 * ones stay Invalid).  The builder passes the head's block number (its
 * images hold numbers relative to the head); relocation passes new head -
 * old head.  Raises an internal error on a page that is not a run page.
 */
extern void KvamRunPageFixup(Page page, BlockNumber delta);

#endif							/* KVAM_LSM_RUN_H */
