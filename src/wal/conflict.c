/*-------------------------------------------------------------------------
 *
 * conflict.c
 *	  Logging of hot-standby conflict horizons (XLOG_KVAM_CONFLICT).
 *
 * A primary that purges versions or reuses retired pages logs, before the
 * change, the newest xid whose snapshots may still need what goes away.  A
 * hot standby then cancels such queries before replaying the change, as
 * heap's prune and btree's page-reuse records make it do.
 *
 * IDENTIFICATION
 *	  src/wal/conflict.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xlog.h"
#include "access/xloginsert.h"

#include "kvam.h"
#include "wal/xlog.h"

/*
 * KvamXlogConflict: see xlog.h.  Never inside a critical section of the
 * caller's (it is a record of its own, logged before the change).
 */
void
KvamXlogConflict(Relation rel, TransactionId horizon, uint8 reason)
{
	xl_kvam_conflict xlrec;

	if (!RelationNeedsWAL(rel) || !XLogStandbyInfoActive() ||
		!TransactionIdIsNormal(horizon))
		return;
	memset(&xlrec, 0, sizeof(xlrec));
	xlrec.node = rel->rd_node;
	xlrec.horizon = horizon;
	xlrec.reason = reason;
	XLogBeginInsert();
	XLogRegisterData((char *) &xlrec, SizeOfKvamConflict);
	XLogInsert(RM_KVAM_ID, XLOG_KVAM_CONFLICT);
}
