/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  Progress of running flushes, compactions, VACUUMs and kvam.compact()
 *	  calls: kvam.stat_progress, and pg_stat_progress_vacuum for VACUUM.
 *
 * One slot per backend (indexed by MyBackendId; every flusher is a backend
 * or a database-connected worker, so it has one).  Only the owning backend
 * writes its slot; readers (kvam_stat_progress) read without locks, so a
 * row may mix two updates, as pg_stat_progress_* rows may.  'pid' is set
 * last when an operation begins (after a write barrier) and cleared first
 * when it ends; a backend that exits clears its slot (before_shmem_exit).
 *
 * Two levels.  A *command* (VACUUM of a kvam table, kvam.compact(): a
 * whole table, partition by partition) owns the slot from
 * KvamProgressCommandBegin to KvamProgressCommandEnd; the flushes and
 * compactions it runs only add to its counters and set its current
 * partition and phase ("flushing", "compacting"), their own Begin, Phase
 * and End being ignored meanwhile.  Outside a command, a flush or an
 * automatic compaction owns the slot itself (command 'flush' or
 * 'compact'), with run phases.
 *
 * For VACUUM the command also reports to PostgreSQL's own
 * pg_stat_progress_vacuum: the phase here (the mapping is phase_vacuum[]
 * below; docs/architecture.md "Progress"), the block counters in
 * am/vacuum.c.
 *
 * Testing aid: kvam.debug_progress_wait (superuser) names a command phase;
 * a command entering that phase first takes and releases a share lock on
 * advisory lock KVAM_PROGRESS_WAIT_KEY in its database, so a test holding
 * that lock (pg_advisory_lock(1802920301)) stops the command there, sees it
 * blocked, and reads its progress without depending on timing.
 *
 * IDENTIFICATION
 *	  src/admin/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/progress.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/backendid.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "utils/backend_progress.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "admin/admin.h"
#include "lsm/meta.h"

typedef struct KvamProgressSlot
{
	int			pid;			/* 0: slot unused */
	Oid			dboid;
	Oid			relid;
	uint32		partid;			/* KVAM_NO_PARTID: none */
	int			kind;			/* KvamProgressKind */
	int			phase;			/* KvamProgressPhaseId */
	TimestampTz started;
	int32		partitions_total;
	int32		partitions_done;
	pg_atomic_uint64 versions_read;
	pg_atomic_uint64 bytes_read;
	pg_atomic_uint64 versions_written;
	pg_atomic_uint64 bytes_written;
} KvamProgressSlot;

static KvamProgressSlot *slots = NULL;
static int	nslots = 0;

/* This backend runs a command (VACUUM, kvam.compact), of this kind */
static bool in_command = false;
static KvamProgressKind command_kind;
static bool exit_callback_registered = false;

/* kvam.debug_progress_wait */
static char *kvam_debug_progress_wait = NULL;

static const char *const kind_names[] = {
	"flush", "compact", "vacuum", "kvam.compact"
};

static const char *const phase_names[] = {
	"building run", "writing run", "publishing run", "merging runs",
	"initializing", "scanning L0", "flushing", "compacting",
	"sweeping free space", "truncating", "final cleanup"
};

/* pg_stat_progress_vacuum's phase for each of ours (VACUUM only) */
static const int phase_vacuum[] = {
	PROGRESS_VACUUM_PHASE_SCAN_HEAP,	/* building run (of a flush) */
	PROGRESS_VACUUM_PHASE_SCAN_HEAP,	/* writing run */
	PROGRESS_VACUUM_PHASE_SCAN_HEAP,	/* publishing run */
	PROGRESS_VACUUM_PHASE_VACUUM_HEAP,	/* merging runs */
	0,							/* initializing */
	PROGRESS_VACUUM_PHASE_SCAN_HEAP,	/* scanning L0 */
	PROGRESS_VACUUM_PHASE_SCAN_HEAP,	/* flushing */
	PROGRESS_VACUUM_PHASE_VACUUM_HEAP,	/* compacting */
	PROGRESS_VACUUM_PHASE_VACUUM_HEAP,	/* sweeping free space */
	PROGRESS_VACUUM_PHASE_TRUNCATE, /* truncating */
	PROGRESS_VACUUM_PHASE_FINAL_CLEANUP /* final cleanup */
};

StaticAssertDecl(lengthof(phase_names) == KVAM_PHASE_FINAL_CLEANUP + 1,
				 "a name for every progress phase");
StaticAssertDecl(lengthof(phase_vacuum) == KVAM_PHASE_FINAL_CLEANUP + 1,
				 "a VACUUM phase for every progress phase");
StaticAssertDecl(lengthof(kind_names) == KVAM_PROGRESS_COMPACT_TABLE + 1,
				 "a name for every progress command");

static KvamProgressSlot *
my_slot(void)
{
	if (slots == NULL || MyBackendId == InvalidBackendId ||
		MyBackendId > nslots)
		return NULL;
	return &slots[MyBackendId - 1];
}

Size
KvamProgressShmemSize(void)
{
	return mul_size(MaxBackends, sizeof(KvamProgressSlot));
}

void
KvamProgressShmemInit(void *base, bool found)
{
	int			i;

	slots = (KvamProgressSlot *) base;
	nslots = MaxBackends;
	if (found)
		return;
	for (i = 0; i < nslots; i++)
	{
		memset(&slots[i], 0, sizeof(KvamProgressSlot));
		pg_atomic_init_u64(&slots[i].versions_read, 0);
		pg_atomic_init_u64(&slots[i].bytes_read, 0);
		pg_atomic_init_u64(&slots[i].versions_written, 0);
		pg_atomic_init_u64(&slots[i].bytes_written, 0);
	}
}

void
KvamProgressInitGucs(void)
{
	DefineCustomStringVariable("kvam.debug_progress_wait",
							   "Test only: VACUUM and kvam.compact() wait on an advisory lock when they enter this phase.",
							   "A phase name of kvam.stat_progress (e.g. compacting); the lock is pg_advisory_lock(1802920301), taken in share mode and released at once.",
							   &kvam_debug_progress_wait, "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

static void
clear_at_exit(int code, Datum arg)
{
	KvamProgressSlot *s = my_slot();

	in_command = false;
	if (s != NULL)
		s->pid = 0;
}

/* Fill this backend's slot for a new operation and show it. */
static void
start_slot(Oid relid, uint32 partid, KvamProgressKind kind,
		   KvamProgressPhaseId phase, int partitions)
{
	KvamProgressSlot *s = my_slot();

	if (s == NULL)
		return;
	if (!exit_callback_registered)
	{
		before_shmem_exit(clear_at_exit, 0);
		exit_callback_registered = true;
	}
	s->pid = 0;
	pg_write_barrier();
	s->dboid = MyDatabaseId;
	s->relid = relid;
	s->partid = partid;
	s->kind = kind;
	s->phase = phase;
	s->started = GetCurrentTimestamp();
	s->partitions_total = partitions;
	s->partitions_done = 0;
	pg_atomic_write_u64(&s->versions_read, 0);
	pg_atomic_write_u64(&s->bytes_read, 0);
	pg_atomic_write_u64(&s->versions_written, 0);
	pg_atomic_write_u64(&s->bytes_written, 0);
	pg_write_barrier();
	s->pid = MyProcPid;
}

void
KvamProgressBegin(Oid relid, uint32 partid, KvamProgressKind kind)
{
	KvamProgressSlot *s = my_slot();

	if (s == NULL)
		return;
	if (in_command)
	{
		/* part of a command: name the partition and the step only */
		s->partid = partid;
		s->phase = kind == KVAM_PROGRESS_FLUSH ? KVAM_PHASE_FLUSHING :
			KVAM_PHASE_COMPACTING;
		return;
	}
	start_slot(relid, partid, kind,
			   kind == KVAM_PROGRESS_FLUSH ? KVAM_PHASE_READING :
			   KVAM_PHASE_MERGING, 1);
}

void
KvamProgressPhase(KvamProgressPhaseId phase)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL && !in_command)
		s->phase = phase;
}

/* Counters have a single writer: plain read-modify-write is enough. */
static inline void
bump(pg_atomic_uint64 *c, uint64 n)
{
	pg_atomic_write_u64(c, pg_atomic_read_u64(c) + n);
}

void
KvamProgressRead(uint64 versions, uint64 bytes)
{
	KvamProgressSlot *s = my_slot();

	if (s == NULL)
		return;
	bump(&s->versions_read, versions);
	bump(&s->bytes_read, bytes);
}

void
KvamProgressWritten(uint64 versions)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL)
		bump(&s->versions_written, versions);
}

void
KvamProgressBytesWritten(uint64 bytes)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL)
		bump(&s->bytes_written, bytes);
}

void
KvamProgressEnd(void)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL && !in_command)
		s->pid = 0;
}

/* ---------- commands ---------- */

void
KvamProgressCommandBegin(Oid relid, KvamProgressKind kind, int partitions)
{
	Assert(kind == KVAM_PROGRESS_VACUUM || kind == KVAM_PROGRESS_COMPACT_TABLE);
	in_command = false;
	start_slot(relid, KVAM_NO_PARTID, kind, KVAM_PHASE_INITIALIZING,
			   partitions);
	in_command = true;
	command_kind = kind;
	if (kind == KVAM_PROGRESS_VACUUM)
		pgstat_progress_start_command(PROGRESS_COMMAND_VACUUM, relid);
}

/*
 * The test-only pause (see the file header): share lock on the advisory
 * lock, released at once.  Interruptible; the deadlock detector sees it.
 */
static void
debug_wait(KvamProgressPhaseId phase)
{
	KvamProgressDebugPause(phase_names[phase]);
}

/*
 * KvamProgressDebugPause: see admin.h.
 */
void
KvamProgressDebugPause(const char *point)
{
	LOCKTAG		tag;

	if (kvam_debug_progress_wait == NULL ||
		strcmp(kvam_debug_progress_wait, point) != 0)
		return;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 (uint32) (KVAM_PROGRESS_WAIT_KEY >> 32),
						 (uint32) KVAM_PROGRESS_WAIT_KEY, 1);
	(void) LockAcquire(&tag, ShareLock, false, false);
	LockRelease(&tag, ShareLock, false);
}

void
KvamProgressCommandPhase(KvamProgressPhaseId phase, uint32 partid)
{
	KvamProgressSlot *s = my_slot();

	Assert(in_command);
	if (s != NULL)
	{
		s->partid = partid;
		s->phase = phase;
	}
	if (command_kind == KVAM_PROGRESS_VACUUM)
		pgstat_progress_update_param(PROGRESS_VACUUM_PHASE,
									 phase_vacuum[phase]);
	debug_wait(phase);
}

void
KvamProgressPartitionDone(void)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL && in_command)
		s->partitions_done++;
}

void
KvamProgressCommandEnd(void)
{
	KvamProgressSlot *s = my_slot();
	bool		vacuum = in_command && command_kind == KVAM_PROGRESS_VACUUM;

	in_command = false;
	if (s != NULL)
		s->pid = 0;
	if (vacuum)
		pgstat_progress_end_command();
}

/* ---------- the view ---------- */

PG_FUNCTION_INFO_V1(kvam_stat_progress);

/*
 * kvam.stat_progress() RETURNS SETOF record: one row per flush,
 * compaction, VACUUM or kvam.compact() running in the current database
 * (see sql/install/30_admin.sql).
 */
Datum
kvam_stat_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nslots; i++)
	{
		KvamProgressSlot *s = &slots[i];
		Datum		values[13];
		bool		nulls[13] = {0};
		int			pid = s->pid;
		int			kind,
					phase;
		uint32		partid;
		uint64		bytes_written;

		if (pid == 0 || s->dboid != MyDatabaseId)
			continue;
		pg_read_barrier();
		kind = Min(Max(s->kind, 0), (int) lengthof(kind_names) - 1);
		phase = Min(Max(s->phase, 0), (int) lengthof(phase_names) - 1);
		partid = s->partid;
		bytes_written = pg_atomic_read_u64(&s->bytes_written);
		values[0] = Int32GetDatum(pid);
		values[1] = ObjectIdGetDatum(s->relid);
		values[2] = Int32GetDatum((int32) partid);
		nulls[2] = partid == KVAM_NO_PARTID;
		values[3] = CStringGetTextDatum(kind_names[kind]);
		values[4] = CStringGetTextDatum(phase_names[phase]);
		values[5] = TimestampTzGetDatum(s->started);
		values[6] = Int32GetDatum(s->partitions_total);
		values[7] = Int32GetDatum(s->partitions_done);
		values[8] = Int64GetDatum((int64) pg_atomic_read_u64(&s->versions_read));
		values[9] = Int64GetDatum((int64) pg_atomic_read_u64(&s->bytes_read));
		values[10] = Int64GetDatum((int64) pg_atomic_read_u64(&s->versions_written));
		values[11] = Int64GetDatum((int64) bytes_written);
		values[12] = Int64GetDatum((int64) (bytes_written / BLCKSZ));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
