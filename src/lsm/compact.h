/*-------------------------------------------------------------------------
 *
 * compact.h
 *	  Compaction of a partition's runs: policy, streaming merge, purge and
 *	  freeze, publication by one manifest edit.
 *
 * Policy (leveled, see docs/architecture.md "Compaction"): level 0 holds
 * the runs written by flushes (overlapping, newest first); every level L >= 1
 * is one sorted run cut into fragments ("runs" in the manifest) with
 * disjoint key ranges.  A compaction merges whole levels: all level-0 runs
 * with level 1, or level L with level L + 1.  A full compaction merges every
 * run of the partition into its bottom level.
 *
 * RUN BOUND (issue 3; docs/architecture.md "The run bound").  A manifest
 * holds at most KVAM_MAX_RUNS_PER_PARTITION (128) runs, and writers never
 * meet that limit:
 *	- levels are 1 .. KVAM_MAX_LEVELS - 1 (7 at most);
 *	- a level L >= 1 is only ever written whole, by one merge whose output
 *	  is cut at KvamCompactCutBytes(input bytes) >= input bytes /
 *	  KVAM_LEVEL_FRAGMENTS, so it holds at most KVAM_LEVEL_FRAGMENTS + 1
 *	  runs (a relabel moves a level, count unchanged);
 *	- only a flush adds level-0 runs, one at a time per partition (the
 *	  flush claim), and a flusher that would make level 0 exceed
 *	  KVAM_MAX_L0_RUNS first compacts (KvamCompactForRoom): the policy
 *	  merges level 0 at Min(kvam.compaction_l0_runs, KVAM_MAX_L0_RUNS).
 * Hence runs <= KVAM_MAX_L0_RUNS + 7 x (KVAM_LEVEL_FRAGMENTS + 1) = 128.
 * A level over its bound (runs written before the bound, a partition
 * merge) is merged down first thing, so the bound is restored by the first
 * compaction.  KvamManifestCheckRoom remains as an internal safety net.
 *
 * Who compacts: the auto-admin's workers after each flush and whenever a
 * partition has kvam.compaction_l0_runs level-0 runs (KvamCompactIfNeeded),
 * the writer that flushed inline when no worker serves the table, VACUUM
 * and kvam.compact() (FULL).  Never a flush itself, and never under the
 * partition lock.
 *
 * Merging streams: one iterator per input run (one pinned page each), a
 * k-way merge by key, and output runs cut at key boundaries once they reach
 * kvam.compaction_run_size, so memory is bounded by that size whatever the
 * partition's size.  While merging, versions no snapshot can see are
 * dropped (GlobalVisTestFor), as are versions of aborted writers, lock
 * markers of finished lockers and, when nothing older than the inputs can
 * hold the key, tombstones that every snapshot sees; committed xmins older
 * than the freeze limit get KVAM_V_FROZEN.
 *
 * LOCKING INVARIANT.  No lock that foreground writers or readers wait on is
 * held across I/O: the inputs are immutable runs, read without any
 * partition lock; the output runs are written at free extents or at the end
 * of the relation; the result is published by one manifest edit under the
 * manifest buffer's exclusive lock only, after re-checking that every input
 * is still in the manifest.  Compactions of one partition are serialised by
 * a heavyweight page lock on the partition's manifest block (only other
 * compactions wait on it).  Replaced runs go to the free-extent list
 * (lsm/space.h) and are reused only once no snapshot older than their
 * retirement exists.
 *
 * IDENTIFICATION
 *	  src/lsm/compact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_COMPACT_H
#define KVAM_LSM_COMPACT_H

#include "utils/rel.h"

#include "lsm/meta.h"

/* Levels 0 .. KVAM_MAX_LEVELS - 1 */
#define KVAM_MAX_LEVELS 8

/* A compaction cuts a level's output into at most this many runs, plus one */
#define KVAM_LEVEL_FRAGMENTS 12

/* Level-0 runs a flush may leave: what the levels below leave of the limit */
#define KVAM_MAX_L0_RUNS \
	(KVAM_MAX_RUNS_PER_PARTITION - \
	 (KVAM_MAX_LEVELS - 1) * (KVAM_LEVEL_FRAGMENTS + 1))

typedef enum KvamCompactMode
{
	KVAM_COMPACT_AUTO,			/* one step the policy says is due, if any */
	KVAM_COMPACT_FULL			/* every run into the bottom level (purges
								 * tombstones, freezes) */
} KvamCompactMode;

/* What one call did; for VACUUM's report and kvam.compact(). */
typedef struct KvamCompactStats
{
	int			steps;			/* compactions published */
	int			runs_in;
	int			runs_out;
	uint64		versions_in;
	uint64		versions_out;
	uint64		purged;			/* dropped: invisible to every snapshot */
	uint64		aborted;		/* dropped: writer aborted / lock finished */
	uint64		tombstones;		/* dropped: tombstones at the bottom */
	uint64		frozen;			/* versions newly frozen */
	uint64		blocks_in;
	uint64		blocks_out;
} KvamCompactStats;

/*
 * KvamCompactNeeded: does partition 'idx' have compaction work of 'mode'
 * (AUTO: a policy trigger is met; FULL: more than one run, or a run with
 * purgeable or freezable versions)?  Reads the manifest page only (buffer
 * share lock, no partition lock); never errors except on a corrupt page.
 * A hint: the answer may be stale by the time KvamCompactPartition runs.
 */
extern bool KvamCompactNeeded(Relation rel, KvamRelInfo *info, int idx,
							  KvamCompactMode mode);

/*
 * KvamCompactPartition compacts partition 'idx' of 'rel'.  AUTO performs
 * policy steps until no trigger is met (at most a few); FULL merges every
 * run into the bottom level.  L0 (the memtable) is not touched: flush it
 * first if it must take part.
 *
 * Caller: inside a transaction, holding at least RowExclusiveLock on 'rel'
 * (or the lock of VACUUM), holding NO buffer lock and, preferably, no
 * partition lock (compaction never takes one, so holding it is not a
 * deadlock, but writers then wait for the whole merge).  With 'wait' false
 * it returns false at once if another compaction of the partition is
 * running; otherwise it waits for it.  Returns true if it ran (even if
 * there was nothing to do).  'stats' (may be NULL) is added to.  May raise
 * any error of I/O or of a full manifest; a failure leaves the manifest
 * unchanged and the written output as unreferenced pages, which the next
 * VACUUM's sweep returns to the free list.
 */
extern bool KvamCompactPartition(Relation rel, KvamRelInfo *info, int idx,
								 KvamCompactMode mode, bool wait,
								 KvamCompactStats *stats);

/*
 * KvamCompactIfNeeded runs AUTO compaction of partition 'idx' if its
 * policy says a step is due (KvamCompactNeeded), reporting it in
 * kvam.stat_progress, and then refreshes the run counts cached in the
 * partition's slot (KvamPartRefreshRuns: compaction publishes without the
 * partition lock, so the slot's counts are stale after it).  With 'wait'
 * false it gives up at once if another compaction of the partition runs.
 * Returns true if a compaction ran (the counts are refreshed either way).
 * Called by the auto-admin's workers
 * after a flush, and, when no worker serves the table, by the writer that
 * flushed inline.  Same rules as KvamCompactPartition; the caller holds no
 * partition lock.
 */
extern bool KvamCompactIfNeeded(Relation rel, KvamRelInfo *info, int idx,
								bool wait);

/*
 * KvamCompactPartitionExt is KvamCompactPartition with an explicit freeze
 * limit (VACUUM passes its FreezeLimit); KvamCompactPartition uses
 * KvamDefaultFreezeLimit.
 */
extern bool KvamCompactPartitionExt(Relation rel, KvamRelInfo *info, int idx,
									KvamCompactMode mode, bool wait,
									TransactionId freeze_limit,
									KvamCompactStats *stats);

/*
 * KvamDefaultFreezeLimit: vacuum_freeze_min_age before the oldest xmin
 * any snapshot of the relation may still need.
 */
extern TransactionId KvamDefaultFreezeLimit(Relation rel);

/*
 * Purge decisions for one key (used by compaction and by the VACUUM FULL
 * rewrite).  A version is all-visible when its writer committed before
 * 'oldest_xmin' if that is valid, else when 'vistest' says its xmin is
 * removable.  'horizon' collects the hot-standby conflict horizon.
 */
typedef struct KvamPurgeState
{
	struct GlobalVisState *vistest;
	TransactionId oldest_xmin;
	TransactionId freeze_limit;
	bool		bottom;			/* nothing older than the input exists */
	TransactionId horizon;		/* out */
	KvamCompactStats *stats;	/* out, added to */
} KvamPurgeState;

/*
 * KvamPurgeGroup marks keep[i] for the versions v[0..n-1] of one key
 * (newest first, writable copies) that must stay, and sets the
 * xmin-committed hint and the frozen flag in kept ones.  Returns how many
 * stay.  Consults pg_xact; never writes.
 */
extern int	KvamPurgeGroup(KvamPurgeState *ps, KvamVersion *v, int n, bool *keep);

/*
 * KvamCompactCutBytes: the size at which a merge or rewrite whose output
 * is at most 'level_bytes' (bytes of versions) cuts it into runs:
 * max(kvam.compaction_run_size, level_bytes / KVAM_LEVEL_FRAGMENTS), so the
 * output has at most KVAM_LEVEL_FRAGMENTS + 1 runs.  Memory of the merge is
 * about this size (the run builder holds one run).
 */
extern Size KvamCompactCutBytes(uint64 level_bytes);

/*
 * KvamCompactRoomNeeded: does 'mf' break the run bound a flush relies on
 * (level 0 at KVAM_MAX_L0_RUNS or more runs, or a level >= 1 with more than
 * KVAM_LEVEL_FRAGMENTS + 1)?  Pure; AUTO compaction fixes exactly that
 * first.
 */
extern bool KvamCompactRoomNeeded(KvamManifest mf);

/*
 * KvamCompactForRoom: called by a flusher (holding the claim on the frozen
 * memtable of partition 'idx', no lock) before it writes its run: if the
 * manifest breaks the run bound (KvamCompactRoomNeeded), compacts the
 * partition (AUTO, waiting for a compaction in progress) so that the
 * flush's level-0 run fits.  Writers of the partition meanwhile wait on
 * the existing write stall (the frozen memtable is not flushed yet).
 * Returns false, having done nothing, if a split or merge of the partition
 * holds its compaction lock (KvamPart.editing_pid): that backend waits for
 * the claim, so the caller must give it up.  Raises only errors of I/O or
 * corruption.
 */
extern bool KvamCompactForRoom(Relation rel, KvamRelInfo *info, int idx);

/* kvam.compaction_run_size (kB): output runs are cut at this size */
extern int	kvam_compaction_run_size_kb;

/* kvam.compaction_l0_runs: level-0 runs that trigger their compaction */
extern int	kvam_compaction_l0_runs;

/* KvamCompactInitGucs defines the kvam.compaction_* settings (_PG_init). */
extern void KvamCompactInitGucs(void);

/*
 * KvamFailPoint raises ERROR (PANIC with ":panic" appended) when the
 * test-only 'setting' names failure point 'name'; 'what' names the
 * operation in the message.
 */
extern void KvamFailPoint(const char *setting, const char *name,
						  const char *what);

#endif							/* KVAM_LSM_COMPACT_H */
