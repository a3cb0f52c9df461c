/*-------------------------------------------------------------------------
 *
 * split.h
 *	  Partition split and merge: metadata edits of the partition map.
 *
 * A split replaces a partition by two children, each covering half of its
 * hash range; a merge replaces two adjacent partitions by one.  Neither
 * copies data: the parent's L0 is flushed first, so the new partitions
 * start with an empty L0 and memtable, and their manifests reference the
 * old partitions' runs, each reference bounded to the new partition's hash
 * range (KvamRunRef.hash_first/hash_last).  The edit of the metapage, the
 * old manifests (marked KVAM_MF_RETIRED) and the new ones is one WAL
 * record of full page images.
 *
 * Invariants:
 *	- a run is retired (its extent freed) only when no live manifest
 *	  references it any more (lsm/compact.c decides under the partition map
 *	  lock); a run referenced by several manifests counts once for space
 *	  checks;
 *	- writers cannot append to a partition that is gone: the edit happens
 *	  under the old partitions' exclusive partition locks, with their L0
 *	  empty, and their slots are given up (lsm/shmem.h) in the same
 *	  critical stretch, so a writer finds out under the partition lock
 *	  (KvamPartAcquire returns NULL) and retries with the new map.
 *
 * Callers hold ShareUpdateExclusiveLock on the relation (one split or
 * merge at a time, none during VACUUM or kvam.check).
 *
 * IDENTIFICATION
 *	  src/lsm/split.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_SPLIT_H
#define KVAM_LSM_SPLIT_H

#include "lib/stringinfo.h"
#include "utils/rel.h"

#include "lsm/meta.h"

extern int	kvam_partition_split_kb;
extern int	kvam_partition_merge_kb;

/* KvamSplitInitGucs defines kvam.partition_split_bytes and friends. */
extern void KvamSplitInitGucs(void);

/*
 * KvamSplitPartition splits partition 'partid' of 'rel' at the middle of
 * its hash range and appends a JSON description of the result to 'out'
 * (when not NULL).  Raises undefined_object if the partition does not
 * exist, program_limit_exceeded if the map is full or the range cannot be
 * split.
 */
extern void KvamSplitPartition(Relation rel, uint32 partid, StringInfo out);

/*
 * KvamMergePartitions merges partition 'partid' with its right neighbour
 * in the map.  Same errors; also when the merged run list would not fit a
 * manifest, and object_not_in_prerequisite_state while the table's stream
 * is enabled (a merged shard could name only one of its two parents).
 */
extern void KvamMergePartitions(Relation rel, uint32 partid, StringInfo out);

/*
 * KvamPartitionSize measures partition 'idx': *bytes, its L0 pages and its
 * share of its runs' pages; *live, an estimate of what a full compaction
 * would leave of it (its runs, each scaled by its live distinct keys per
 * version; L0 left out; see split.c), the measure of the split and merge
 * policy.  Reads every run's head page.  Raises if the map is stale.
 */
extern void KvamPartitionSize(Relation rel, KvamRelInfo *info, int idx,
							  uint64 *bytes, uint64 *live);

/*
 * KvamPartitionAutoMaintain does at most one split (of the largest
 * partition over kvam.partition_split_bytes) or merge (of two adjacent
 * cold partitions both under kvam.partition_merge_bytes, unless the
 * table's stream is enabled), sizes being KvamPartitionSize's live size,
 * of 'rel', if
 * ShareUpdateExclusiveLock can be had without waiting.  Returns true if
 * it changed the map.  For the auto-admin.
 */
extern bool KvamPartitionAutoMaintain(Relation rel);

#endif							/* KVAM_LSM_SPLIT_H */
