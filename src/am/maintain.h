/*-------------------------------------------------------------------------
 *
 * maintain.h
 *	  Table-level maintenance of kvam tables: VACUUM (vacuum.c), the
 *	  VACUUM FULL / CLUSTER rewrite (rewrite.c), kvam.compact() and
 *	  kvam.check() (check.c).
 *
 * IDENTIFICATION
 *	  src/am/maintain.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_AM_MAINTAIN_H
#define KVAM_AM_MAINTAIN_H

#include "commands/vacuum.h"
#include "utils/rel.h"

#include "lsm/compact.h"

/*
 * KvamVacuumRel is VACUUM of a kvam table: per partition, flush an L0
 * holding xmins older than the freeze limit, compact (AUTO, or FULL when a
 * run holds xmins to freeze), then sweep orphan pages, cut free space at
 * the end, and advance relfrozenxid to the oldest unfrozen xmin left (L0
 * included) or VACUUM's OldestXmin.  Reports its progress in
 * kvam.stat_progress and pg_stat_progress_vacuum (admin/progress.c).
 * Caller: vacuum.c, with ShareUpdateExclusiveLock on 'rel'.
 */
extern void KvamVacuumRel(Relation rel, VacuumParams *params,
						  BufferAccessStrategy bstrategy);

/*
 * KvamRelMinXmin returns the oldest unfrozen xmin of partition 'idx' (runs
 * and L0), InvalidTransactionId if none; the versions in its L0 in
 * *l0_versions and their oldest unfrozen xmin in *l0_min.  Reads without the partition lock and retries if a flush
 * moved L0 meanwhile.
 */
extern TransactionId KvamRelMinXmin(Relation rel, KvamRelInfo *info, int idx,
									uint64 *l0_versions, TransactionId *l0_min);

/*
 * KvamRewriteTable copies OldTable's live data into the empty NewTable
 * (VACUUM FULL, CLUSTER): purged as of OldestXmin, committed xmins older
 * than FreezeXid frozen, large values re-toasted into NewTable's toast
 * table.  Output: level-1 runs, streamed in key order.
 */
extern void KvamRewriteTable(Relation OldTable, Relation NewTable,
							 TransactionId OldestXmin, TransactionId FreezeXid,
							 KvamCompactStats *stats);

#endif							/* KVAM_AM_MAINTAIN_H */
