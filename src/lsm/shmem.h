/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared memory of kvam: per-partition state (locks, memtable index,
 *	  counters) for all kvam relations of the cluster.
 *
 * IDENTIFICATION
 *	  src/lsm/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_SHMEM_H
#define KVAM_LSM_SHMEM_H

/*
 * KvamShmemInit installs the shmem request and startup hooks.  Called from
 * _PG_init while shared_preload_libraries are being loaded.
 */
extern void KvamShmemInit(void);

#endif							/* KVAM_LSM_SHMEM_H */
