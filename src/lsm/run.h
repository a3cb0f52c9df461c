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

#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "lsm/page.h"

/* What the manifest records about a run.  Stored on disk: versioned with it. */
typedef struct KvamRunRef
{
	BlockNumber head;			/* run head page */
	BlockNumber nblocks;		/* extent length, head included */
	uint32		level;			/* LSM level (0 = fresh flush) */
	uint32		flags;
	uint64		nversions;		/* versions stored */
	uint64		run_id;			/* unique within the relation, increasing */
} KvamRunRef;

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
#define KVAM_RUN_FORMAT		1

#endif							/* KVAM_LSM_RUN_H */
