/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The auto-admin launcher: starts a worker for every database that has
 *	  partitions needing a flush or compaction.
 *
 * The launcher is a static background worker without a database
 * connection (registered in _PG_init when kvam is preloaded; started once
 * recovery is over).  Each round it scans the partition slots for work --
 * a frozen memtable nobody flushes, or a flush asked for -- collects the
 * databases concerned and starts a dynamic worker (worker.c) for each that
 * has none, up to kvam.max_autoadmin_workers.  Temporary relations are
 * never background work: only their own backend can read them.  Between
 * rounds it sleeps kvam.autoadmin_naptime or until a writer sets its latch.
 *
 * IDENTIFICATION
 *	  src/admin/launcher.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"

#include "admin/admin.h"
#include "admin/admin_int.h"
#include "kvam.h"
#include "lsm/compact.h"
#include "lsm/shmem.h"

#define MAX_DBS_PER_ROUND 64

/* Handles of the workers this launcher started, by worker table entry. */
static BackgroundWorkerHandle *handles[KVAM_MAX_ADMIN_WORKERS];

static void
launcher_detach(int code, Datum arg)
{
	SpinLockAcquire(&KvamAdmin->mutex);
	KvamAdmin->launcher_pid = 0;
	KvamAdmin->launcher_latch = NULL;
	SpinLockRelease(&KvamAdmin->mutex);
}

/* Does a slot hold background work?  Racy read: a hint only. */
static bool
slot_has_work(KvamPart *p)
{
	if (!p->in_use || p->tag.backend != InvalidBackendId)
		return false;
	return p->flush_wanted || (p->has_frozen && p->flush_pid == 0) ||
		(p->l0_runs >= (uint32) kvam_compaction_l0_runs && p->flush_pid == 0);
}

/* Forget workers that are gone; returns the number still counted. */
static int
reap_workers(void)
{
	int			i,
				n = 0;

	for (i = 0; i < KVAM_MAX_ADMIN_WORKERS; i++)
	{
		KvamAdminWorker *w = &KvamAdmin->workers[i];
		pid_t		pid;
		bool		in_use;

		if (handles[i] != NULL &&
			GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED)
		{
			pfree(handles[i]);
			handles[i] = NULL;
			SpinLockAcquire(&KvamAdmin->mutex);
			w->in_use = false;
			w->pid = 0;
			w->latch = NULL;
			SpinLockRelease(&KvamAdmin->mutex);
		}
		SpinLockAcquire(&KvamAdmin->mutex);
		in_use = w->in_use;
		SpinLockRelease(&KvamAdmin->mutex);
		if (in_use)
			n++;
	}
	return n;
}

/* Start a worker for 'dboid' unless it has one or the limit is reached. */
static void
start_worker(Oid dboid, int *running)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	int			i,
				free_slot = -1;

	SpinLockAcquire(&KvamAdmin->mutex);
	for (i = 0; i < KVAM_MAX_ADMIN_WORKERS; i++)
	{
		KvamAdminWorker *w = &KvamAdmin->workers[i];

		if (w->in_use && w->dboid == dboid)
		{
			SpinLockRelease(&KvamAdmin->mutex);
			return;
		}
		if (!w->in_use && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0 || *running >= kvam_max_autoadmin_workers)
	{
		SpinLockRelease(&KvamAdmin->mutex);
		return;
	}
	KvamAdmin->workers[free_slot].in_use = true;
	KvamAdmin->workers[free_slot].dboid = dboid;
	KvamAdmin->workers[free_slot].pid = 0;
	KvamAdmin->workers[free_slot].latch = NULL;
	SpinLockRelease(&KvamAdmin->mutex);

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "kvam");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "KvamWorkerMain");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "kvam auto-admin worker for database %u", dboid);
	snprintf(bgw.bgw_type, BGW_MAXLEN, "kvam auto-admin worker");
	bgw.bgw_main_arg = Int32GetDatum(free_slot);
	bgw.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&bgw, &handle))
	{
		/* no background worker slot free: try again next round */
		SpinLockAcquire(&KvamAdmin->mutex);
		KvamAdmin->workers[free_slot].in_use = false;
		SpinLockRelease(&KvamAdmin->mutex);
		return;
	}
	handles[free_slot] = handle;
	(*running)++;
}

/* One round: find databases with work and start workers for them. */
static void
launcher_round(void)
{
	Oid			dbs[MAX_DBS_PER_ROUND];
	int			ndbs = 0;
	int			running;
	int			i,
				j;

	running = reap_workers();
	if (!kvam_autoadmin || kvam_max_autoadmin_workers == 0)
		return;
	for (i = 0; i < KvamShmem->nslots && ndbs < MAX_DBS_PER_ROUND; i++)
	{
		KvamPart   *p = &KvamShmem->parts[i];
		Oid			db;
		bool		seen = false;

		if (!slot_has_work(p))
			continue;
		db = p->tag.node.dbNode;
		for (j = 0; j < ndbs; j++)
			if (dbs[j] == db)
				seen = true;
		if (!seen)
			dbs[ndbs++] = db;
	}
	for (i = 0; i < ndbs; i++)
		start_worker(dbs[i], &running);
}

/*
 * KvamLauncherMain is the launcher's entry point (bgw_function_name).
 */
void
KvamLauncherMain(Datum arg)
{
	int			i;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	SpinLockAcquire(&KvamAdmin->mutex);
	KvamAdmin->launcher_pid = MyProcPid;
	KvamAdmin->launcher_latch = MyLatch;
	/* entries of workers that never started under a previous launcher */
	for (i = 0; i < KVAM_MAX_ADMIN_WORKERS; i++)
		if (KvamAdmin->workers[i].in_use && KvamAdmin->workers[i].pid == 0)
			KvamAdmin->workers[i].in_use = false;
	SpinLockRelease(&KvamAdmin->mutex);
	before_shmem_exit(launcher_detach, 0);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		launcher_round();
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 kvam_autoadmin_naptime_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
