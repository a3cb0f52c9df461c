/*-------------------------------------------------------------------------
 *
 * relocate.h
 *	  Run relocation: move the runs at the end of a kvam relation into free
 *	  extents lower down, so that VACUUM can cut the tail off (issue 3,
 *	  "the relation shrinks at the end when it can").
 *
 * VACUUM can only truncate free space at the end of the file, and after a
 * load or a full compaction runs sit at the tail above large free holes.
 * Relocation copies such a run, page by page, into a reusable free extent
 * below the tail, adjusting the absolute block numbers its pages hold
 * (KvamRunPageFixup), WAL-logs the copy as the run builder does
 * (log_newpage_range), replaces the run's head in every manifest that
 * references it (partitions split from one parent share runs) in one
 * WAL record, and retires the old extent through the free map, so that
 * readers that took their view of a manifest before keep reading intact
 * pages until no snapshot of that time is left.  VACUUM then cuts the
 * tail (KvamSpaceTruncate); kvam.compact() moves runs but leaves the cut,
 * whose AccessExclusiveLock cancels hot-standby readers, to VACUUM.  A
 * run referenced by more manifests than one WAL record has block slots
 * for (XLR_MAX_BLOCK_ID) stays where it is.
 *
 * THE RULE (what is moved):
 *	- only the tail: the runs above the last block that is neither free nor
 *	  in a run (a manifest, an L0 page, a page being written stops it);
 *	- only a prefix from the end, T1 (the last run), T2, ..., Tk, such that
 *	  all of T1..Tk fit, first fit from the start of the file, into
 *	  extents that are reusable now and end below Tk's head: a run is
 *	  moved only if the file can then shrink by at least its own size
 *	  (never a move that does not let the file shrink);
 *	- at most 'max_blocks' blocks of runs per call: VACUUM passes
 *	  kvam.vacuum_move_limit (default 1GB; a longer tail takes several
 *	  VACUUMs), kvam.compact() no bound (it rewrites every run anyway);
 *	- VACUUM moves only when the cut it adds (beyond the free tail it
 *	  can cut anyway) is worth it by heap's own truncation rule
 *	  (vacuumlazy.c: at least 1000 blocks or 1/16 of the relation).
 * Space retired by the caller's own transaction is not reusable yet, so a
 * full compaction's freed input serves only the next VACUUM.
 *
 * Locking: the caller holds ShareUpdateExclusiveLock on the relation
 * (VACUUM's lock, or kvam.compact's), which excludes splits, merges,
 * sweeps and other relocations.  For each run, the compaction locks of the
 * partitions referencing it (page locks on their manifest blocks, in
 * partition order) are held from before the copy until its old extent is
 * retired, so no compaction replaces the run meanwhile; the allocation
 * lock (ShareLock) is held from the allocation of the new extent until the
 * publication, so the sweep never takes the copy for an orphan.  No
 * partition lock is taken: readers and writers go on.
 *
 * Crash safety: a crash after the copy and before the manifest edit leaves
 * the copy as orphan pages; after the edit and before the retirement, the
 * old extent; both are found by the next sweep.  A crash before the
 * truncation leaves free extents at the tail that the next VACUUM cuts.
 * The manifest edits of one run are one WAL record, so no crash leaves
 * some partitions on the old extent and others on the new one.
 *
 * Failure points for tests (kvam.relocate_fail_at, superuser): "publish"
 * (a run copied, no manifest edited), "retire" (manifests edited, the old
 * extent not retired), "truncate" (every move done, before the cut);
 * "<point>:panic" raises PANIC instead of ERROR.
 *
 * IDENTIFICATION
 *	  src/lsm/relocate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_RELOCATE_H
#define KVAM_LSM_RELOCATE_H

#include "utils/rel.h"

#include "lsm/meta.h"

/* What one call did. */
typedef struct KvamRelocateStats
{
	int			runs;			/* runs moved */
	BlockNumber blocks;			/* blocks copied */
	BlockNumber cut;			/* blocks the tail can lose now (planned) */
} KvamRelocateStats;

/* kvam.vacuum_move_limit (blocks): most run blocks one VACUUM moves */
extern int	kvam_vacuum_move_limit;

/*
 * KvamRelocateTail moves the runs at the end of 'rel' as the rule in the
 * file header says, at most 'max_blocks' blocks of them (InvalidBlockNumber:
 * no bound); with 'worth_it', only when the cut would pass heap's
 * truncation threshold.  Caller holds ShareUpdateExclusiveLock (or
 * stronger) on 'rel', no partition, compaction or buffer lock; the tail
 * is cut by KvamSpaceTruncate afterwards, if at all.  Waits for compactions of the partitions whose
 * runs it moves.  Fills *stats.  Raises errors of I/O or corruption; an
 * error leaves at most one run copied but unpublished (orphan pages) or
 * published but not retired (an orphan extent).
 */
extern void KvamRelocateTail(Relation rel, KvamRelInfo *info,
							 BlockNumber max_blocks, bool worth_it,
							 KvamRelocateStats *stats);

/* KvamRelocateInitGucs defines kvam.vacuum_move_limit and the test GUC. */
extern void KvamRelocateInitGucs(void);

#endif							/* KVAM_LSM_RELOCATE_H */
