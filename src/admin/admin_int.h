/*-------------------------------------------------------------------------
 *
 * admin_int.h
 *	  Shared state of the auto-admin, private to src/admin/.
 *
 * KvamAdminShared->mutex (a spinlock) protects launcher_pid/latch and the
 * worker table.  A worker entry is claimed by the launcher when it
 * registers the worker (pid 0 until the worker starts and fills it in)
 * and freed by the worker when it exits, or by the launcher when the
 * worker is found gone (the launcher keeps the background worker handles
 * in its own memory).
 *
 * IDENTIFICATION
 *	  src/admin/admin_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ADMIN_INT_H
#define KVAM_ADMIN_INT_H

#include "postmaster/bgworker.h"
#include "storage/latch.h"
#include "storage/spin.h"

#define KVAM_MAX_ADMIN_WORKERS 64

typedef struct KvamAdminWorker
{
	bool		in_use;
	Oid			dboid;
	int			pid;			/* 0 until the worker runs */
	Latch	   *latch;
} KvamAdminWorker;

typedef struct KvamAdminShared
{
	slock_t		mutex;
	int			launcher_pid;
	Latch	   *launcher_latch;
	KvamAdminWorker workers[KVAM_MAX_ADMIN_WORKERS];
} KvamAdminShared;

extern KvamAdminShared *KvamAdmin;

/* How long an idle worker stays before exiting. */
#define KVAM_WORKER_IDLE_MS		(2 * 1000)

#endif							/* KVAM_ADMIN_INT_H */
