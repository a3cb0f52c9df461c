/*-------------------------------------------------------------------------
 *
 * kvam.h
 *	  Process-wide definitions of the kvam extension: GUC variables, the
 *	  custom WAL resource manager id and the format version constants.
 *
 * Everything here is shared by all subsystems (am/, lsm/, wal/, item/,
 * expr/, api/, stream/, mirror/).  Subsystem-private definitions live in the
 * subsystem's own headers.
 *
 * IDENTIFICATION
 *	  src/kvam.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_H
#define KVAM_H

#include "postgres.h"

/*
 * WAL resource manager id.  RM_EXPERIMENTAL_ID (128) until an id is
 * reserved on the PostgreSQL wiki (CustomWALResourceManagers page).
 */
#define RM_KVAM_ID			128
#define KVAM_RMGR_NAME		"kvam"

/* GUC variables (kvam.c) */
extern int	kvam_default_partitions;
extern int	kvam_memtable_size_kb;
extern int	kvam_memtable_pool_mb;
extern int	kvam_merge_runs;		/* no longer used: compaction (lsm/compact.h)
								 * replaced the stop-gap merge */

/* kvam.merge_runs must stay below the manifest's run capacity (128) */
#define KVAM_MAX_RUNS_PER_PARTITION_GUC 120
extern int	kvam_max_shared_partitions;

/* True once _PG_init ran inside shared_preload_libraries. */
extern bool kvam_preloaded;

/*
 * KvamCheckPreloaded raises an error unless kvam was loaded through
 * shared_preload_libraries: without it, kvam's WAL cannot be replayed and
 * its shared memory does not exist.
 */
extern void KvamCheckPreloaded(void);

#endif							/* KVAM_H */
