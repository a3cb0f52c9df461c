/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  An auto-admin worker: flushes and compacts the partitions of one
 *	  database.
 *
 * Started by the launcher for one database (its entry in the worker table
 * is the bgw_main_arg).  Each round it scans the partition slots of its
 * database for background work and does it, one partition at a time, each
 * in its own transaction:
 *
 *	- a frozen memtable nobody flushes: KvamFlushFrozen (am/flush.c),
 *	  followed by compaction if its policy says a step is due;
 *	- a partition with kvam.compaction_l0_runs level-0 runs or more (a
 *	  compaction that could not run after a flush, or a flush done inline
 *	  by a writer): compaction.
 *	Compaction is KvamCompactIfNeeded (lsm/compact.h): AUTO steps without
 *	waiting for another compaction of the partition, with no partition
 *	lock, then a refresh of the slot's run counts.
 *
 * The slot's tag names the relation by file node; the worker maps it to an
 * OID (RelidByRelfilenode), locks the relation with RowExclusiveLock
 * without waiting (a relation busy with DDL is retried next round) and
 * checks it is still the same storage.  It sleeps kvam.autoadmin_naptime
 * (at most KVAM_WORKER_NAP_MS at a time) or until woken, and exits after
 * KVAM_WORKER_IDLE_MS without work.  An error ends the worker (the claim on
 * a memtable is given back); the launcher starts a new one when work
 * remains.
 *
 * A worker leaves its database to whoever wants it alone.  DROP DATABASE,
 * ALTER DATABASE ... RENAME / SET TABLESPACE and CREATE DATABASE ...
 * TEMPLATE lock the database in a mode that conflicts with the
 * RowExclusiveLock every connecting backend takes (postinit.c), then wait
 * at most 5 s for the database's other backends to leave
 * (CountOtherDBBackends), and PostgreSQL 15 signals only autovacuum workers
 * there.  So a worker tries that lock (without waiting) between partitions,
 * on every wake-up and during a debug flush delay, and exits if it cannot
 * have it.  A worker the launcher starts meanwhile waits for the lock
 * before it counts as connected, and if the database is gone then, it
 * fails to connect: it then forgets the database's partition slots, so
 * the launcher stops starting workers for it.
 *
 * IDENTIFICATION
 *	  src/admin/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/relfilenodemap.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "admin/admin.h"
#include "admin/admin_int.h"
#include "am/kvam_am.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/split.h"
#include "lsm/shmem.h"

static int	my_entry = -1;
static bool connected = false;

/* The longest a worker sleeps between looks at its database. */
#define KVAM_WORKER_NAP_MS	500

/*
 * Does another session want our database alone (see the header comment)?
 * Outside a transaction: a session lock, taken and given back at once.
 */
static bool
database_wanted(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, InvalidOid, DatabaseRelationId, MyDatabaseId, 0);
	if (LockAcquire(&tag, RowExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		return true;
	LockRelease(&tag, RowExclusiveLock, true);
	return false;
}

/*
 * KvamAdminYieldDatabase: see admin.h.
 */
void
KvamAdminYieldDatabase(void)
{
	if (my_entry < 0 || !connected || !database_wanted())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_ADMIN_SHUTDOWN),
			 errmsg("kvam auto-admin worker leaves database %u, which another session wants alone",
					MyDatabaseId)));
}

static void
worker_detach(int code, Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);

	/* could not connect: the database is gone, or we may not work there */
	if (!connected)
		KvamPartForgetDatabase(dboid);
	SpinLockAcquire(&KvamAdmin->mutex);
	if (my_entry >= 0 && KvamAdmin->workers[my_entry].pid == MyProcPid)
	{
		KvamAdmin->workers[my_entry].in_use = false;
		KvamAdmin->workers[my_entry].pid = 0;
		KvamAdmin->workers[my_entry].latch = NULL;
	}
	SpinLockRelease(&KvamAdmin->mutex);
}

typedef enum
{
	WORK_NONE,
	WORK_FLUSH,
	WORK_COMPACT
} WorkKind;

/* What does slot 'p' need from us?  Racy read: verified by the flush. */
static WorkKind
slot_work(KvamPart *p, KvamPartTag *tag)
{
	*tag = p->tag;
	if (!p->in_use || tag->backend != InvalidBackendId ||
		tag->node.dbNode != MyDatabaseId || p->flush_pid != 0)
		return WORK_NONE;
	if (p->has_frozen)
		return WORK_FLUSH;
	if (p->l0_runs >= (uint32) kvam_compaction_l0_runs)
		return WORK_COMPACT;
	return WORK_NONE;
}

/*
 * Do one partition's work in a transaction of its own.  Returns true if
 * something was written.
 */
static bool
do_partition(KvamPartTag *tag, WorkKind kind)
{
	Oid			relid;
	Relation	rel;
	bool		did = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	relid = RelidByRelfilenode(tag->node.spcNode, tag->node.relNode);
	if (OidIsValid(relid) && ConditionalLockRelationOid(relid, RowExclusiveLock))
	{
		rel = try_relation_open(relid, NoLock);
		if (rel != NULL && KvamIsKvamRelation(rel) &&
			RelFileNodeEquals(rel->rd_node, tag->node))
		{
			KvamRelInfo *info = KvamRelGetInfo(rel);
			int			i;

			for (i = 0; i < info->npartitions; i++)
			{
				if (info->parts[i].partid != tag->partid)
					continue;
				pgstat_report_activity(STATE_RUNNING,
									   kind == WORK_FLUSH ? "flush" : "compact");
				if (kind == WORK_FLUSH)
				{
					did = KvamFlushFrozen(rel, info, i) >= 0;
					pgstat_report_activity(STATE_RUNNING, "compact");
				}
				if (KvamCompactIfNeeded(rel, info, i, false))
					did = true;
				break;
			}
			/* then a split or merge if the table's partitions call for one */
			if (KvamPartitionAutoMaintain(rel))
				did = true;
		}
		if (rel != NULL)
			relation_close(rel, NoLock);
		UnlockRelationOid(relid, RowExclusiveLock);
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return did;
}

/* One pass over the slots; returns true if any work was done. */
static bool
worker_round(void)
{
	bool		did = false;
	int			i;

	for (i = 0; i < KvamShmem->nslots; i++)
	{
		KvamPartTag tag;
		WorkKind	kind;

		CHECK_FOR_INTERRUPTS();
		kind = slot_work(&KvamShmem->parts[i], &tag);
		if (kind == WORK_NONE)
			continue;
		if (database_wanted())
			proc_exit(0);
		if (do_partition(&tag, kind))
			did = true;
	}
	return did;
}

/*
 * KvamWorkerMain is a worker's entry point (bgw_function_name); 'arg' is
 * its entry in the worker table.
 */
void
KvamWorkerMain(Datum arg)
{
	Oid			dboid;
	TimestampTz last_work;

	my_entry = DatumGetInt32(arg);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	SpinLockAcquire(&KvamAdmin->mutex);
	dboid = KvamAdmin->workers[my_entry].dboid;
	KvamAdmin->workers[my_entry].pid = MyProcPid;
	KvamAdmin->workers[my_entry].latch = MyLatch;
	SpinLockRelease(&KvamAdmin->mutex);
	before_shmem_exit(worker_detach, ObjectIdGetDatum(dboid));

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	connected = true;
	pgstat_report_appname("kvam auto-admin");

	last_work = GetCurrentTimestamp();
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (!kvam_autoadmin || database_wanted())
			proc_exit(0);
		if (worker_round())
		{
			last_work = GetCurrentTimestamp();
			continue;
		}
		if (TimestampDifferenceExceeds(last_work, GetCurrentTimestamp(),
									   KVAM_WORKER_IDLE_MS))
			proc_exit(0);
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(kvam_autoadmin_naptime_ms, KVAM_WORKER_NAP_MS),
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
