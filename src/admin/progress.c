/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  Progress of running flushes and compactions: kvam.stat_progress.
 *
 * One slot per backend (indexed by MyBackendId; every flusher is a backend
 * or a database-connected worker, so it has one).  Only the owning backend
 * writes its slot; readers (kvam_stat_progress) read without locks, so a
 * row may mix two updates, as pg_stat_progress_* rows may.  'pid' is set
 * last when a flush begins (after a write barrier) and cleared first when
 * it ends.
 *
 * IDENTIFICATION
 *	  src/admin/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/backendid.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "admin/admin.h"

typedef struct KvamProgressSlot
{
	int			pid;			/* 0: slot unused */
	Oid			dboid;
	Oid			relid;
	uint32		partid;
	int			kind;			/* KvamProgressKind */
	int			phase;			/* KvamProgressPhaseId */
	TimestampTz started;
	pg_atomic_uint64 versions_read;
	pg_atomic_uint64 bytes_read;
	pg_atomic_uint64 versions_written;
	pg_atomic_uint64 bytes_written;
} KvamProgressSlot;

static KvamProgressSlot *slots = NULL;
static int	nslots = 0;

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
KvamProgressBegin(Oid relid, uint32 partid, KvamProgressKind kind)
{
	KvamProgressSlot *s = my_slot();

	if (s == NULL)
		return;
	s->pid = 0;
	pg_write_barrier();
	s->dboid = MyDatabaseId;
	s->relid = relid;
	s->partid = partid;
	s->kind = kind;
	s->phase = KVAM_PHASE_READING;
	s->started = GetCurrentTimestamp();
	pg_atomic_write_u64(&s->versions_read, 0);
	pg_atomic_write_u64(&s->bytes_read, 0);
	pg_atomic_write_u64(&s->versions_written, 0);
	pg_atomic_write_u64(&s->bytes_written, 0);
	pg_write_barrier();
	s->pid = MyProcPid;
}

void
KvamProgressPhase(KvamProgressPhaseId phase)
{
	KvamProgressSlot *s = my_slot();

	if (s != NULL)
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

	if (s != NULL)
		s->pid = 0;
}

static const char *const kind_names[] = {"flush", "compact"};
static const char *const phase_names[] = {
	"building run", "writing run", "publishing run"
};

PG_FUNCTION_INFO_V1(kvam_stat_progress);

/*
 * kvam.stat_progress() RETURNS SETOF record: one row per flush or compaction
 * running in the current database (see sql/install/30_admin.sql).
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
		Datum		values[10];
		bool		nulls[10] = {0};
		int			pid = s->pid;
		int			kind,
					phase;

		if (pid == 0 || s->dboid != MyDatabaseId)
			continue;
		pg_read_barrier();
		kind = s->kind;
		phase = s->phase;
		values[0] = Int32GetDatum(pid);
		values[1] = ObjectIdGetDatum(s->relid);
		values[2] = Int32GetDatum((int32) s->partid);
		values[3] = CStringGetTextDatum(kind_names[kind == KVAM_PROGRESS_COMPACT]);
		values[4] = CStringGetTextDatum(phase_names[Min(Max(phase, 0), 2)]);
		values[5] = TimestampTzGetDatum(s->started);
		values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&s->versions_read));
		values[7] = Int64GetDatum((int64) pg_atomic_read_u64(&s->bytes_read));
		values[8] = Int64GetDatum((int64) pg_atomic_read_u64(&s->versions_written));
		values[9] = Int64GetDatum((int64) pg_atomic_read_u64(&s->bytes_written));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
