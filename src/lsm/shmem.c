/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Shared memory set-up for kvam.
 *
 * IDENTIFICATION
 *	  src/lsm/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "kvam.h"
#include "lsm/shmem.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
kvam_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
}

static void
kvam_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
}

void
KvamShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = kvam_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = kvam_shmem_startup;
}
