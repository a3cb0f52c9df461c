/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  Auto-admin GUCs, shared state and wake-ups.
 *
 * The auto-admin is a launcher (a static background worker, launcher.c)
 * plus up to kvam.max_autoadmin_workers dynamic workers, one per database
 * with work (worker.c).  Writers never talk to workers directly: they mark
 * a partition slot (KvamPart.flush_wanted, or a frozen memtable nobody has
 * claimed) and set a latch (KvamAdminWake); workers find the work by
 * scanning the slots.  Losing a wake-up costs at most one
 * kvam.autoadmin_naptime.
 *
 * IDENTIFICATION
 *	  src/admin/admin.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "admin/admin.h"
#include "admin/admin_int.h"
#include "kvam.h"

bool		kvam_autoadmin = true;
int			kvam_autoadmin_naptime_ms = 1000;
int			kvam_max_autoadmin_workers = 2;
int			kvam_l0_stall_kb = 16384;
int			kvam_l0_stop_runs = 64;
int			kvam_debug_flush_delay_ms = 0;

KvamAdminShared *KvamAdmin = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
admin_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(KvamAdminShared)), KvamProgressShmemSize());
}

static void
admin_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(admin_shmem_size());
}

static void
admin_shmem_startup(void)
{
	bool		found;
	char	   *base;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	base = ShmemInitStruct("kvam admin", admin_shmem_size(), &found);
	KvamAdmin = (KvamAdminShared *) base;
	if (!found)
	{
		memset(KvamAdmin, 0, sizeof(KvamAdminShared));
		SpinLockInit(&KvamAdmin->mutex);
	}
	KvamProgressShmemInit(base + MAXALIGN(sizeof(KvamAdminShared)), found);
	LWLockRelease(AddinShmemInitLock);
}

static void
define_gucs(void)
{
	DefineCustomBoolVariable("kvam.autoadmin",
							 "Flush and compact kvam partitions in background workers.",
							 "In the server configuration, off stops the auto-admin; in a session, off makes "
							 "that session's writers flush inline when a memtable fills.",
							 &kvam_autoadmin,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.autoadmin_naptime",
							"Time the auto-admin sleeps between checks for work it was not woken for.",
							NULL,
							&kvam_autoadmin_naptime_ms,
							1000, 10, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.max_autoadmin_workers",
							"Maximum number of auto-admin workers running at once (one per database).",
							"They count against max_worker_processes.",
							&kvam_max_autoadmin_workers,
							2, 0, KVAM_MAX_ADMIN_WORKERS,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.l0_stall_bytes",
							"L0 size of a partition (active plus frozen memtable) at which writers wait for the background flush.",
							NULL,
							&kvam_l0_stall_kb,
							16384, 128, 4 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.l0_stop_runs",
							"Level-0 runs of a partition at which writers wait for compaction.",
							NULL,
							&kvam_l0_stop_runs,
							64, 2, KVAM_MAX_RUNS_PER_PARTITION_GUC,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.debug_flush_delay",
							"Testing aid: a flush or automatic compaction sleeps this long between writing its runs and publishing them.",
							NULL,
							&kvam_debug_flush_delay_ms,
							0, 0, 600 * 1000,
							PGC_SUSET, GUC_UNIT_MS | GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	KvamProgressInitGucs();
}

/*
 * KvamDebugPublishDelay: see admin.h.
 */
void
KvamDebugPublishDelay(void)
{
	int			left = kvam_debug_flush_delay_ms;

	while (left > 0)
	{
		(void) WaitLatch(MyLatch, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(left, 100), PG_WAIT_EXTENSION);
		left -= Min(left, 100);
		CHECK_FOR_INTERRUPTS();
		KvamAdminYieldDatabase();
	}
}

static void
register_launcher(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 10;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "kvam");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "KvamLauncherMain");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "kvam auto-admin launcher");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "kvam auto-admin launcher");
	RegisterBackgroundWorker(&bgw);
}

/*
 * KvamAdminInit: see admin.h.
 */
void
KvamAdminInit(void)
{
	define_gucs();
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = admin_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = admin_shmem_startup;
	register_launcher();
}

/*
 * KvamAdminAvailable: see admin.h.
 */
bool
KvamAdminAvailable(Relation rel)
{
	bool		running;

	if (!kvam_autoadmin || KvamAdmin == NULL || RelationUsesLocalBuffers(rel) ||
		kvam_max_autoadmin_workers == 0 || RecoveryInProgress())
		return false;
	SpinLockAcquire(&KvamAdmin->mutex);
	running = KvamAdmin->launcher_pid != 0;
	SpinLockRelease(&KvamAdmin->mutex);
	return running;
}

/*
 * KvamAdminWake: see admin.h.
 */
void
KvamAdminWake(Oid dboid)
{
	Latch	   *latch = NULL;
	int			i;

	if (KvamAdmin == NULL)
		return;
	SpinLockAcquire(&KvamAdmin->mutex);
	for (i = 0; i < KVAM_MAX_ADMIN_WORKERS; i++)
	{
		KvamAdminWorker *w = &KvamAdmin->workers[i];

		if (w->in_use && w->dboid == dboid && w->latch != NULL)
		{
			latch = w->latch;
			break;
		}
	}
	if (latch == NULL)
		latch = KvamAdmin->launcher_latch;
	SpinLockRelease(&KvamAdmin->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/*
 * KvamAdminWorkerRunning: see admin.h.
 */
bool
KvamAdminWorkerRunning(Oid dboid)
{
	bool		found = false;
	int			i;

	if (KvamAdmin == NULL)
		return false;
	SpinLockAcquire(&KvamAdmin->mutex);
	for (i = 0; i < KVAM_MAX_ADMIN_WORKERS; i++)
	{
		KvamAdminWorker *w = &KvamAdmin->workers[i];

		if (w->in_use && w->dboid == dboid && w->pid != 0)
			found = true;
	}
	SpinLockRelease(&KvamAdmin->mutex);
	return found;
}
