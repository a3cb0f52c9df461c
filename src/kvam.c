/*-------------------------------------------------------------------------
 *
 * kvam.c
 *	  Module entry point: GUCs, custom WAL resource manager registration,
 *	  shared memory requests, the auto-admin (admin/admin.c).
 *
 * kvam must be loaded through shared_preload_libraries: its WAL records are
 * replayed by its own resource manager (which PostgreSQL only accepts at
 * preload time), and the memtable index and partition locks live in shared
 * memory sized at postmaster start.  When the library is loaded later (for
 * instance as a logical decoding output plugin, or by CREATE EXTENSION
 * without preloading) _PG_init only defines the GUCs; every entry point that
 * needs storage calls KvamCheckPreloaded() and raises a clear error.
 *
 * IDENTIFICATION
 *	  src/kvam.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "kvam.h"
#include "lsm/meta.h"
#include "admin/admin.h"
#include "am/kvam_am.h"
#include "api/catalog.h"
#include "cluster/map.h"
#include "cluster/remote.h"
#include "lsm/compact.h"
#include "lsm/page.h"
#include "lsm/relocate.h"
#include "lsm/shmem.h"
#include "lsm/split.h"
#include "stream/store.h"
#include "wal/xlog.h"

PG_MODULE_MAGIC;

int			kvam_default_partitions = 8;
int			kvam_memtable_size_kb = 4096;
int			kvam_memtable_pool_mb = 64;
int			kvam_merge_runs = 32;
int			kvam_max_shared_partitions = 4096;
bool		kvam_preloaded = false;

void		_PG_init(void);

static void
define_gucs(void)
{
	DefineCustomIntVariable("kvam.default_partitions",
							"Number of hash partitions of a new kvam table.",
							NULL,
							&kvam_default_partitions,
							8, 1, 256,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.memtable_size",
							"L0 size of a partition at which it is flushed into a sorted run.",
							NULL,
							&kvam_memtable_size_kb,
							4096, 64, 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("kvam.merge_runs",
							"No longer used (compaction replaced the merge of all runs).",
							"Kept so that settings of it stay valid; see kvam.compaction_l0_runs.",
							&kvam_merge_runs,
							32, 2, KVAM_MAX_RUNS_PER_PARTITION_GUC,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	/*
	 * Shared memory sizes can only be defined at postmaster start; when kvam
	 * is loaded later (as an output plugin, or without preloading) they
	 * keep their defaults.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomIntVariable("kvam.memtable_pool",
								"Shared memory for the memtable indexes of all partitions.",
								NULL,
								&kvam_memtable_pool_mb,
								64, 4, 4000,
								PGC_POSTMASTER, GUC_UNIT_MB,
								NULL, NULL, NULL);
		DefineCustomIntVariable("kvam.max_shared_partitions",
								"Number of partitions whose state can be held in shared memory at once.",
								NULL,
								&kvam_max_shared_partitions,
								4096, 64, 1024 * 1024,
								PGC_POSTMASTER, 0,
								NULL, NULL, NULL);
	}
	KvamApiDefineGucs();
	KvamCompactInitGucs();
	KvamRelocateInitGucs();
	KvamSplitInitGucs();
	KvamStreamDefineGucs();
	KvamClusterDefineGucs();
	KvamClusterAdminDefineGucs();
	KvamClusterMonitorDefineGucs();
}

void
_PG_init(void)
{
	define_gucs();
	KvamAdminInit();
	/* after every kvam.* GUC is defined, or config values of later ones are dropped */
	MarkGUCPrefixReserved("kvam");
	KvamUtilityInit();
	KvamRelInfoInit();

	if (!process_shared_preload_libraries_in_progress)
		return;

	KvamShmemInit();
	KvamClusterShmemInit();
	KvamXlogRegister();
	KvamClusterMonitorRegister();
	kvam_preloaded = true;
}

/*
 * KvamCheckPreloaded raises FEATURE_NOT_SUPPORTED unless kvam was loaded via
 * shared_preload_libraries.
 */
void
KvamCheckPreloaded(void)
{
	if (!kvam_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kvam must be loaded via shared_preload_libraries"),
				 errhint("Add kvam to shared_preload_libraries in postgresql.conf and restart the server.")));
}

PG_FUNCTION_INFO_V1(kvam_version);

/*
 * kvam_version returns the library version and its on-disk format version.
 */
Datum
kvam_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("kvam 0.1 (page format %d, wal format %d)",
											   KVAM_PAGE_FORMAT, KVAM_WAL_FORMAT)));
}
