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
 *	- a manifest page is only modified under an exclusive buffer lock,
 *	  inside a critical section, WAL-logged; changes of the L0 fields also
 *	  need the partition's exclusive lock (KvamPartAcquire), whereas
 *	  compaction replaces runs by equivalent runs under the buffer lock
 *	  alone (every view of the run list is complete);
 *	- runs[] is ordered by level ascending; level 0 (flush output, key
 *	  ranges overlap) newest first; within a level >= 1 (one sorted run cut
 *	  into fragments) by key range ascending, ranges disjoint.  So for any
 *	  key the runs holding it are met newest data first;
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
	uint32		pad;
	KvamPartMapEntry parts[FLEXIBLE_ARRAY_MEMBER];
} KvamMetaPageData;

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
	uint32		pad;
	uint64		l0_bytes;		/* bytes of version items in L0 */
	uint64		l0_versions;
	uint64		flushes;
	uint64		compactions;	/* compactions published */
	uint64		compact_blocks; /* blocks written by them */
	KvamRunRef	runs[FLEXIBLE_ARRAY_MEMBER];	/* see the order below */
} KvamManifestData;

typedef KvamManifestData *KvamManifest;

#define KvamPageGetManifest(page) ((KvamManifest) PageGetContents(page))
#define KvamManifestSize(nruns) \
	(offsetof(KvamManifestData, runs) + (nruns) * sizeof(KvamRunRef))

/*
 * Relcache-cached copy of the metapage (rd_amcache) plus the key schema,
 * which is derived from the relation's kvam_key index (so that TRUNCATE,
 * rewrites and dump/restore keep it without copying it around).  Valid for
 * the life of the relcache entry: index creation and drop, and partition
 * map changes, send a relcache invalidation.
 */
typedef struct KvamRelInfo
{
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
 * block 0 on first use.  Never NULL; raises data_corrupted on a bad
 * metapage.
 */
extern KvamRelInfo *KvamRelGetInfo(Relation rel);

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

/* KvamManifestCheckRoom errors out if 'nruns' runs would not fit. */
extern void KvamManifestCheckRoom(Relation rel, KvamManifest mf, int64 nruns);

/*
 * KvamManifestRead copies partition 'idx's manifest into palloc'd memory.
 * Takes a share lock on the manifest buffer while copying.
 */
extern KvamManifest KvamManifestRead(Relation rel, KvamRelInfo *info, int idx);

#endif							/* KVAM_LSM_META_H */
