/*-------------------------------------------------------------------------
 *
 * admin.h
 *	  The auto-admin: background flush and compaction of kvam partitions,
 *	  write stalls, and the progress view.
 *
 * Pieces (one file each):
 *	  admin.c	 GUCs, shared state (worker table, progress slots), wake-ups
 *	  launcher.c the launcher: a static background worker that watches the
 *				 partition slots and starts one worker per database with work
 *	  worker.c	 a per-database worker: flushes frozen memtables and compacts
 *	  stall.c	 what writers do after an append: freeze, queue, throttle
 *	  progress.c kvam.stat_progress: one slot per backend running a flush,
 *				 a compaction, VACUUM or kvam.compact()
 *
 * Invariants: nothing here holds a partition lock across I/O; a writer
 * waits on a partition's condition variable only with no kvam lock held
 * and falls back to flushing inline when no worker serves it, so a stall
 * never deadlocks.
 *
 * IDENTIFICATION
 *	  src/admin/admin.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ADMIN_H
#define KVAM_ADMIN_H

#include "lsm/l0.h"

/* GUCs (admin.c) */
extern bool kvam_autoadmin;
extern int	kvam_autoadmin_naptime_ms;
extern int	kvam_max_autoadmin_workers;
extern int	kvam_l0_stall_kb;
extern int	kvam_l0_stop_runs;
extern int	kvam_debug_flush_delay_ms;

/*
 * KvamAdminInit defines the auto-admin's GUCs and, when preloading,
 * requests its shared memory and registers the launcher.  Called from
 * _PG_init.
 */
extern void KvamAdminInit(void);

/*
 * KvamAdminAvailable: can a background worker flush partitions of 'rel'?
 * False for temporary relations, during recovery, with kvam.autoadmin off
 * or when the launcher is not running.
 */
extern bool KvamAdminAvailable(Relation rel);

/*
 * KvamAdminWake asks the auto-admin to look at database 'dboid' now: sets
 * the latch of its worker, or of the launcher if it has none.  Never
 * errors; cheap (a spinlock).
 */
extern void KvamAdminWake(Oid dboid);

/* KvamAdminWorkerRunning: is a worker serving database 'dboid'? */
extern bool KvamAdminWorkerRunning(Oid dboid);

/*
 * KvamDebugPublishDelay sleeps kvam.debug_flush_delay (testing aid: a
 * window between writing a run and publishing it, in flushes and in
 * automatic compactions), interruptibly, leaving a database another
 * session wants alone (KvamAdminYieldDatabase).  No lock may be held that
 * others wait on.
 */
extern void KvamDebugPublishDelay(void);

/*
 * KvamAdminYieldDatabase: in an auto-admin worker whose database another
 * session wants alone (DROP DATABASE and the like, worker.c), raises an
 * error, which ends the worker after its cleanup (a flush gives its claim
 * back).  Elsewhere does nothing.  For long waits inside a worker's work.
 */
extern void KvamAdminYieldDatabase(void);

/* ---------- stall.c ---------- */

/*
 * KvamNoteAppend is called after an append with the partition lock held
 * exclusively: it freezes a full active memtable and queues the flush for
 * the auto-admin.  Returns true if the caller must call KvamWriteThrottle
 * once it has released its locks (inline flush or stall).
 */
extern bool KvamNoteAppend(Relation rel, KvamRelInfo *info, int idx,
						   KvamPart *p);

/*
 * KvamWriteThrottle flushes the partition's frozen memtable inline when no
 * worker serves it, and otherwise waits (wait event Extension, on the
 * partition's condition variable, interruptible) while the partition is
 * over kvam.l0_stall_bytes or kvam.l0_stop_runs.  No kvam lock may be held.
 */
extern void KvamWriteThrottle(Relation rel, KvamRelInfo *info, int idx);

/* ---------- launcher.c, worker.c ---------- */

extern PGDLLEXPORT void KvamLauncherMain(Datum arg);
extern PGDLLEXPORT void KvamWorkerMain(Datum arg);

/* ---------- progress.c ---------- */

typedef enum KvamProgressKind
{
	KVAM_PROGRESS_FLUSH,		/* a flush of one partition */
	KVAM_PROGRESS_COMPACT,		/* an automatic compaction of one */
	KVAM_PROGRESS_VACUUM,		/* command: VACUUM of a kvam table */
	KVAM_PROGRESS_COMPACT_TABLE /* command: kvam.compact() */
} KvamProgressKind;

typedef enum KvamProgressPhaseId
{
	/* a flush or automatic compaction on its own */
	KVAM_PHASE_READING,			/* flush: reading the memtable, building */
	KVAM_PHASE_WRITING,			/* flush: writing and WAL-logging the run */
	KVAM_PHASE_PUBLISHING,		/* waiting for the lock, editing manifest */
	KVAM_PHASE_MERGING,			/* compaction: merging runs into new ones */
	/* a command (VACUUM, kvam.compact) */
	KVAM_PHASE_INITIALIZING,
	KVAM_PHASE_SCANNING_L0,		/* VACUUM: oldest xmin of a partition's L0 */
	KVAM_PHASE_FLUSHING,		/* flushing a partition's L0 into a run */
	KVAM_PHASE_COMPACTING,		/* compacting a partition (purge, freeze) */
	KVAM_PHASE_SWEEPING,		/* sweeping orphan pages to the free map */
	KVAM_PHASE_TRUNCATING,		/* cutting free space off the end */
	KVAM_PHASE_FINAL_CLEANUP	/* VACUUM: statistics, relfrozenxid */
} KvamProgressPhaseId;

/* The advisory lock kvam.debug_progress_wait waits on ("kvam" in ASCII) */
#define KVAM_PROGRESS_WAIT_KEY	INT64CONST(0x6B76616D)

/* Shared memory needed by the progress slots, and their initialisation. */
extern Size KvamProgressShmemSize(void);
extern void KvamProgressShmemInit(void *base, bool found);

/* KvamProgressInitGucs defines kvam.debug_progress_wait (_PG_init). */
extern void KvamProgressInitGucs(void);

/*
 * Progress reporting of this backend's flush or compaction of one
 * partition.  Begin fills the backend's slot, End clears it (also safe
 * when nothing was begun); Phase sets a run phase.  Inside a command
 * (below) Begin only sets the command's partition and phase ("flushing",
 * "compacting"), and Phase and End do nothing.  The counters add to
 * whatever the slot shows (the command's totals inside a command).
 */
extern void KvamProgressBegin(Oid relid, uint32 partid, KvamProgressKind kind);
extern void KvamProgressPhase(KvamProgressPhaseId phase);
extern void KvamProgressRead(uint64 versions, uint64 bytes);
extern void KvamProgressWritten(uint64 versions);
extern void KvamProgressBytesWritten(uint64 bytes);
extern void KvamProgressEnd(void);

/*
 * Progress of a command over a whole table: VACUUM (also reported to
 * pg_stat_progress_vacuum: CommandBegin starts PostgreSQL's progress
 * command, CommandPhase sets its phase, CommandEnd ends it; the caller
 * sets its block counters) or kvam.compact().  CommandPhase names the
 * phase and the partition worked on (KVAM_NO_PARTID: none) and may wait
 * (kvam.debug_progress_wait): call it with no LWLock or buffer lock held.
 * The caller must call CommandEnd on every exit, errors included
 * (PG_FINALLY); a backend that exits clears its slot anyway.
 */
extern void KvamProgressCommandBegin(Oid relid, KvamProgressKind kind,
									 int partitions);
extern void KvamProgressCommandPhase(KvamProgressPhaseId phase, uint32 partid);
extern void KvamProgressPartitionDone(void);
extern void KvamProgressCommandEnd(void);

/*
 * KvamProgressDebugPause waits, if kvam.debug_progress_wait names 'point',
 * until advisory lock 1802920301 is free (the testing aid of the command
 * phases, for points that are not phases: "rewriting", after VACUUM FULL
 * or CLUSTER has rewritten the first partition).  No LWLock or buffer lock
 * may be held.
 */
extern void KvamProgressDebugPause(const char *point);

#endif							/* KVAM_ADMIN_H */
