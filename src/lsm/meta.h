/*-------------------------------------------------------------------------
 *
 * meta.h
 *	  The metapage (block 0) and the per-partition manifest pages.
 *
 * Block 0 holds KvamMetaPageData: format version, the storage incarnation
 * nonce, the key schema (filled when the kvam_key index is built), the
 * free-map block (lsm/space.h) and the partition map (hash range ->
 * manifest block).  Each partition has one
 * manifest page holding KvamManifestData: its hash range, its L0 chain
 * (head and tail block, page and byte counts) and its runs, newest first.
 *
 * Invariants:
 *	- partitions cover the 64-bit hash space in ascending, contiguous,
 *	  non-overlapping ranges [hash_lo, next partition's hash_lo);
 *	- a run reference covers only the keys whose partition hash is in
 *	  [hash_first, hash_last] of the reference (and of the manifest): after
 *	  a split, two manifests reference the same run, each bounded to its
 *	  half, and readers ignore the run's keys outside those bounds;
 *	- a manifest page is only modified under an exclusive buffer lock,
 *	  inside a critical section, WAL-logged; changes of the L0 fields also
 *	  need the partition's exclusive lock (KvamPartAcquire), whereas
 *	  compaction replaces runs by equivalent runs under the buffer lock
 *	  alone (every view of the run list is complete);
 *	- runs[] is ordered by level ascending; level 0 (flush output, key
 *	  ranges overlap) newest first; within a level >= 1 (one sorted run cut
 *	  into fragments) by key range ascending, ranges (the references'
 *	  [hash_first, hash_last]) disjoint.  So for any key the runs holding
 *	  it are met newest data first;
 *	- l0_tail is the last page of the L0 chain; pages are appended only.
 *
 * IDENTIFICATION
 *	  src/lsm/meta.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_META_H
#define KVAM_LSM_META_H

#include "storage/bufmgr.h"
#include "storage/lockdefs.h"
#include "utils/rel.h"

#include "lsm/keycode.h"
#include "lsm/page.h"
#include "lsm/run.h"

#define KVAM_META_MAGIC		0x4B56414D	/* "KVAM" */
#define KVAM_METAPAGE_BLKNO 0
#define KVAM_MAX_PARTITIONS 256

typedef struct KvamPartMapEntry
{
	uint64		hash_lo;		/* first hash of the range */
	uint32		partid;			/* partition id, stable */
	BlockNumber manifest;		/* manifest page */
} KvamPartMapEntry;

typedef struct KvamMetaPageData
{
	uint32		magic;
	uint32		format;			/* KVAM_PAGE_FORMAT */
	uint64		nonce;			/* storage incarnation id */
	uint16		pktype;			/* KvamKeyType, 0 until keyed */
	uint16		sktype;
	int16		pkattnum;		/* table column of the partition key */
	int16		skattnum;		/* of the sort key, 0 if none */
	uint32		npartitions;
	uint32		next_partid;
	uint64		next_run_id;
	BlockNumber freemap;		/* the free-extent page (lsm/space.h) */
	uint32		nclosed;		/* KvamClosedPart entries at the page's end */
	KvamPartMapEntry parts[FLEXIBLE_ARRAY_MEMBER];
} KvamMetaPageData;

/*
 * A partition split or merged away ("closed"), remembered for the stream
 * shard lineage (DescribeStream lists a closed shard while it has retained
 * records, and its children name it as ParentShardId).  The metapage keeps
 * the last KVAM_MAX_CLOSED of them, oldest first, in the space between
 * pd_upper and the special area (pd_upper = special - nclosed * 16), so
 * full-page images skip the unused middle of the page.
 */
typedef struct KvamClosedPart
{
	uint64		hash_lo;		/* its range started here */
	uint32		partid;
	uint32		parent;			/* its own parent, or KVAM_NO_PARTID */
} KvamClosedPart;

#define KVAM_MAX_CLOSED		64

typedef KvamMetaPageData *KvamMetaPage;

#define KvamPageGetMeta(page) ((KvamMetaPage) PageGetContents(page))

#define KVAM_MAX_RUNS_PER_PARTITION 128

typedef struct KvamManifestData
{
	uint32		partid;
	uint32		nruns;
	uint64		hash_lo;
	uint64		hash_hi;		/* inclusive */
	BlockNumber l0_head;		/* Invalid when L0 is empty */
	BlockNumber l0_tail;
	uint32		l0_pages;
	uint32		flags;			/* KVAM_MF_* */
	uint64		l0_bytes;		/* bytes of version items in L0 */
	uint64		l0_versions;
	uint64		flushes;
	uint64		compactions;	/* compactions published */
	uint64		compact_blocks; /* blocks written by them */
	uint32		parent;			/* partition split into this one, or the
								 * left one merged into it; KVAM_NO_PARTID
								 * for an original partition */
	uint32		parent2;		/* the right one merged into it, or
								 * KVAM_NO_PARTID */
	KvamRunRef	runs[FLEXIBLE_ARRAY_MEMBER];	/* see the order below */
} KvamManifestData;

typedef KvamManifestData *KvamManifest;

/* Manifest flags.  DO NOT RENUMBER: stored on disk. */
#define KVAM_MF_RETIRED		0x0001	/* split or merged away: not in the map */

#define KVAM_NO_PARTID		PG_UINT32_MAX

#define KvamPageGetManifest(page) ((KvamManifest) PageGetContents(page))
#define KvamManifestSize(nruns) \
	(offsetof(KvamManifestData, runs) + (nruns) * sizeof(KvamRunRef))

/*
 * Backend-local copy of the metapage plus the key schema, which is derived
 * from the relation's kvam_key index (so that TRUNCATE, rewrites and
 * dump/restore keep it without copying it around).  Kept in a cache of
 * meta.c (not in rd_amcache, which the relcache frees when it processes
 * an invalidation, possibly in the middle of a scan that uses it): a copy
 * returned by KvamRelGetInfo stays allocated until the end of the
 * transaction, even after it was superseded.  Index creation and drop, and
 * partition map changes, send a relcache invalidation, which marks the
 * cached copy invalid; so does KvamRelInfoForget, called when a backend
 * finds the map it holds stale (a partition gone).
 */
typedef struct KvamRelInfo
{
	Oid			relid;
	RelFileNode node;
	bool		valid;			/* false: superseded, read again */
	uint64		nonce;
	Oid			keyindex;		/* the kvam_key index, InvalidOid if none */
	bool		keyed;			/* has a key index: rows accepted */
	KvamKeyType pktype;
	KvamKeyType sktype;
	AttrNumber	pkattnum;
	AttrNumber	skattnum;
	uint32		npartitions;
	BlockNumber freemap;		/* free-extent page */
	KvamPartMapEntry parts[KVAM_MAX_PARTITIONS];
} KvamRelInfo;

/* KvamPageInit formats a kvam page of 'type' with empty contents. */
extern void KvamPageInit(Page page, uint16 type, uint32 partid);

/*
 * KvamMetaCreate writes the metapage and 'npartitions' empty manifest
 * pages into an empty main fork (or init fork), WAL-logged as full pages
 * when 'needwal'.  Called from relation_set_new_filenode.
 */
extern void KvamMetaCreate(struct SMgrRelationData *srel, ForkNumber fork,
						   int npartitions, bool needwal);

/*
 * KvamRelGetInfo returns the cached metapage summary of 'rel', reading
 * block 0 on first use and after an invalidation.  Never NULL; raises
 * data_corrupted on a bad metapage.  The result stays allocated until the
 * end of the transaction.
 */
extern KvamRelInfo *KvamRelGetInfo(Relation rel);

/*
 * KvamRelInfoForget marks 'info' superseded: the next KvamRelGetInfo
 * reads the metapage again.  'info' itself stays readable until the end
 * of the transaction.
 */
extern void KvamRelInfoForget(KvamRelInfo *info);

/* KvamRelForgetInfo: the same for the current info of 'rel', if any. */
extern void KvamRelForgetInfo(Relation rel);

/* KvamRelInfoInit registers the cache's invalidation and cleanup hooks. */
extern void KvamRelInfoInit(void);

/* KvamPartHashHi: last hash of partition 'idx' of 'info'. */
static inline uint64
KvamPartHashHi(KvamRelInfo *info, int idx)
{
	return idx + 1 < (int) info->npartitions ?
		info->parts[idx + 1].hash_lo - 1 : PG_UINT64_MAX;
}

/* KvamRelFindPartition returns the index in info->parts holding 'hash'. */
extern int	KvamRelFindPartition(KvamRelInfo *info, uint64 hash);

/*
 * KvamMetaSetKeySchema records the key schema in the metapage (WAL-logged).
 * Called by the kvam_key index build.
 */
extern void KvamMetaSetKeySchema(Relation rel, KvamKeyType pktype,
								 AttrNumber pkattnum, KvamKeyType sktype,
								 AttrNumber skattnum);

/*
 * KvamManifestInitPage formats 'page' as the empty manifest of partition
 * 'partid' covering hashes [lo, hi], with its parents.
 */
extern void KvamManifestInitPage(Page page, uint32 partid, uint64 lo,
								 uint64 hi, uint32 parent, uint32 parent2);

/*
 * KvamMetaReplaceParts replaces 'nold' map entries of metapage 'meta'
 * from index 'idx' on by the 'nnew' entries 'ents' (in hash order), and
 * fixes pd_lower.  The caller holds the metapage exclusively, inside its
 * critical section.
 */
extern void KvamMetaReplaceParts(Page meta, int idx, int nold,
								 const KvamPartMapEntry *ents, int nnew);

/*
 * KvamMetaAddClosed remembers a closed partition in metapage 'meta'
 * (dropping the oldest when KVAM_MAX_CLOSED are kept).  Same rules as
 * KvamMetaReplaceParts.
 */
extern void KvamMetaAddClosed(Page meta, const KvamClosedPart *c);

/*
 * KvamMetaReadClosed returns a palloc'd copy of the closed partitions of
 * 'rel' (oldest first) and their number in *n.
 */
extern KvamClosedPart *KvamMetaReadClosed(Relation rel, int *n);

/*
 * KvamMetaNextRunId allocates a run id (WAL-logged metapage update).
 */
extern uint64 KvamMetaNextRunId(Relation rel);

/*
 * KvamManifestSetLower sets pd_lower of a manifest page after its run
 * count changed (so that full-page images keep the whole array).
 */
extern void KvamManifestSetLower(Page page);

/* KvamManifestLockForEdit: partition 'idx's manifest buffer, locked exclusively */
extern Buffer KvamManifestLockForEdit(Relation rel, KvamRelInfo *info, int idx);

/*
 * KvamManifestEdited: pd_lower, MarkBufferDirty and a full-page WAL record
 * of an edited, exclusively locked manifest buffer (inside the caller's
 * critical section).
 */
extern void KvamManifestEdited(Relation rel, Buffer buf);

/*
 * KvamManifestCheckRoom errors out (internal_error) if 'nruns' runs would
 * not fit: a safety net, the run bound of lsm/compact.h prevents it.
 */
extern void KvamManifestCheckRoom(Relation rel, KvamManifest mf, int64 nruns);

/*
 * KvamManifestRead copies partition 'idx's manifest into palloc'd memory.
 * Takes a share lock on the manifest buffer while copying.  Raises
 * ERRCODE_T_R_SERIALIZATION_FAILURE ("partition map changed", marking
 * 'info' superseded) if the page is not the live manifest of the
 * partition 'info' names: for callers that hold a lock excluding splits
 * and merges (a ShareUpdateExclusiveLock or stronger on 'rel').
 */
extern KvamManifest KvamManifestRead(Relation rel, KvamRelInfo *info, int idx);

/*
 * A run is identified by its extent's head and its run id (a moved run
 * keeps its id; an extent reused by another run holds a new id).
 * KvamManifestHasRun: does 'mf' reference that run?
 * KvamRunReferences: which live manifests of 'info' reference it, as
 * indexes into info->parts in idx[] (NULL: stop at the first); returns
 * their number.  Reads as KvamManifestRead (same lock requirement).
 */
extern bool KvamManifestHasRun(KvamManifest mf, BlockNumber head,
							   uint64 run_id);
extern int	KvamRunReferences(Relation rel, KvamRelInfo *info,
							  BlockNumber head, uint64 run_id, int *idx);

/*
 * KvamManifestTryRead is KvamManifestRead that returns NULL (marking
 * 'info' superseded) instead of raising: the caller reloads the map and
 * retries.
 */
extern KvamManifest KvamManifestTryRead(Relation rel, KvamRelInfo *info, int idx);

/*
 * KvamManifestIsLive: is 'page' the live manifest of partition 'partid'?
 */
extern bool KvamManifestIsLive(Page page, uint32 partid);

/*
 * KvamMapLock / KvamMapUnlock: the partition map lock (a heavyweight lock
 * on a block number no page has).  Splits and merges, and compactions
 * deciding whether a shared run is still referenced, take it in
 * ExclusiveLock; kvam.check in ShareLock.  Taken after the allocation
 * lock, never while waiting for a partition or buffer lock.
 */
#define KVAM_MAPLOCK_BLKNO	((BlockNumber) 0xFFFFFFFE)
extern void KvamMapLock(Relation rel, LOCKMODE mode);
extern void KvamMapUnlock(Relation rel, LOCKMODE mode);

/*
 * KvamMetaReadMap reads the current partition map from block 0 into a new
 * palloc'd KvamRelInfo (key schema not filled), bypassing the cache.
 */
extern KvamRelInfo *KvamMetaReadMap(Relation rel);

#endif							/* KVAM_LSM_META_H */
