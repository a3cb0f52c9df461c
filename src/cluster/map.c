/*-------------------------------------------------------------------------
 *
 * map.c
 *	  The cluster map cache (contract in map.h): shared generation
 *	  counter, per-backend copy of the three cluster catalog tables,
 *	  invalidation at commit.
 *
 * Invariants:
 *	  - the shared counter only grows; a backend's copy is valid while the
 *		counter equals the value read *before* the copy was loaded, so a
 *		change committed during a load makes the next call load again;
 *	  - a transaction that changes the catalog (the statement trigger
 *		kvam._cluster_changed) invalidates its own copy at once, so its
 *		next check sees its own changes, and bumps the counter when it
 *		commits (XACT_EVENT_COMMIT runs after the commit is visible to new
 *		snapshots); at abort, and at the abort of a subtransaction, its
 *		copy is dropped again.  PREPARE TRANSACTION of such a transaction
 *		is refused (nobody would bump the counter at COMMIT PREPARED);
 *	  - a relcache invalidation of one of the three tables (DROP, TRUNCATE,
 *		DROP EXTENSION) drops the copy too;
 *	  - loads read with a fresh latest snapshot, not the transaction
 *		snapshot: under REPEATABLE READ the routing rules still follow the
 *		newest committed leadership.
 *
 * The copy lives in its own memory context, reset at each load; nothing
 * in it is referenced across KvamClusterGetMap calls.
 *
 * IDENTIFICATION
 *	  src/cluster/map.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cluster/map.h"

bool		kvam_cluster_bypass = false;

typedef struct KvamClusterShared
{
	pg_atomic_uint64 generation;
} KvamClusterShared;

static KvamClusterShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* The backend's copy. */
static MemoryContext map_cxt = NULL;
static KvamClusterMap *map = NULL;	/* NULL with valid: not configured */
static bool valid = false;
static uint64 valid_gen = 0;
static Oid	catalog_relids[3];	/* nodes, ranges, tables; as of the load */
static bool callbacks_registered = false;
static bool xact_changed = false;	/* this transaction changed the catalog */

void
KvamClusterDefineGucs(void)
{
	DefineCustomBoolVariable("kvam.cluster_bypass",
							 "Lets this session write every range of the cluster's tables.",
							 "For the cluster management functions (resynchronisation): "
							 "use it together with a replication origin session, so that the "
							 "cluster's slots do not forward the writes.",
							 &kvam_cluster_bypass,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

static void
cluster_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(KvamClusterShared)));
}

static void
cluster_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("kvam cluster map", sizeof(KvamClusterShared), &found);
	if (!found)
		pg_atomic_init_u64(&shared->generation, 1);
	LWLockRelease(AddinShmemInitLock);
}

void
KvamClusterShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = cluster_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = cluster_shmem_startup;
}

static void
bump_generation(void)
{
	if (shared != NULL)
		pg_atomic_fetch_add_u64(&shared->generation, 1);
	valid = false;
}

static void
relcache_callback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == catalog_relids[0] ||
		relid == catalog_relids[1] || relid == catalog_relids[2])
		valid = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (xact_changed)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that changed the kvam cluster catalog")));
			break;
		case XACT_EVENT_COMMIT:
			if (xact_changed)
				bump_generation();
			xact_changed = false;
			break;
		case XACT_EVENT_ABORT:
			if (xact_changed)
				valid = false;
			xact_changed = false;
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && xact_changed)
		valid = false;
}

static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
	callbacks_registered = true;
}

static KvamNodeState
parse_state(const char *s)
{
	if (strcmp(s, "fenced") == 0)
		return KVAM_NODE_FENCED;
	if (strcmp(s, "joining") == 0)
		return KVAM_NODE_JOINING;
	return KVAM_NODE_ACTIVE;
}

/* Open a catalog table and start a scan of it; NULL if it is missing. */
static TableScanDesc
begin_scan(Oid relid, Snapshot snap, int natts, Relation *relp,
		   TupleTableSlot **slotp)
{
	Relation	rel = table_open(relid, AccessShareLock);

	if (RelationGetDescr(rel)->natts < natts)
		elog(ERROR, "kvam cluster catalog table \"%s\" has an unexpected shape",
			 RelationGetRelationName(rel));
	*relp = rel;
	*slotp = table_slot_create(rel, NULL);
	return table_beginscan(rel, snap, 0, NULL);
}

static void
end_scan(TableScanDesc scan, Relation rel, TupleTableSlot *slot)
{
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
}

static int
relid_cmp(const void *a, const void *b)
{
	Oid			x = *(const Oid *) a;
	Oid			y = *(const Oid *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
node_index(const KvamClusterMap *m, int32 id)
{
	int			i;

	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].id == id)
			return i;
	return -1;
}

/* Read the three tables into a new map in map_cxt; NULL: not configured. */
static KvamClusterMap *
load_map(void)
{
	Oid			nsp = get_namespace_oid("kvam", true);
	KvamClusterMap *m;
	Snapshot	snap;
	Relation	rel;
	TupleTableSlot *slot;
	TableScanDesc scan;
	int			cap;
	int			i;
	bool		isnull;

	memset(catalog_relids, 0, sizeof(catalog_relids));
	if (!OidIsValid(nsp))
		return NULL;
	catalog_relids[0] = get_relname_relid("cluster_nodes", nsp);
	catalog_relids[1] = get_relname_relid("cluster_ranges", nsp);
	catalog_relids[2] = get_relname_relid("cluster_tables", nsp);
	for (i = 0; i < 3; i++)
		if (!OidIsValid(catalog_relids[i]))
			return NULL;

	m = MemoryContextAllocZero(map_cxt, sizeof(KvamClusterMap));
	m->self = -1;
	m->origin = InvalidRepOriginId;
	m->origin_node = -1;
	snap = RegisterSnapshot(GetLatestSnapshot());

	/* nodes: (node_id, name, conninfo, is_self, state) */
	cap = 4;
	m->nodes = MemoryContextAlloc(map_cxt, cap * sizeof(KvamClusterNode));
	scan = begin_scan(catalog_relids[0], snap, 5, &rel, &slot);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		KvamClusterNode *n;
		MemoryContext old;

		if (m->nnodes == cap)
		{
			cap *= 2;
			m->nodes = repalloc(m->nodes, cap * sizeof(KvamClusterNode));
		}
		n = &m->nodes[m->nnodes];
		old = MemoryContextSwitchTo(map_cxt);
		n->id = DatumGetInt32(slot_getattr(slot, 1, &isnull));
		n->name = TextDatumGetCString(slot_getattr(slot, 2, &isnull));
		n->conninfo = TextDatumGetCString(slot_getattr(slot, 3, &isnull));
		if (DatumGetBool(slot_getattr(slot, 4, &isnull)))
			m->self = m->nnodes;
		n->state = parse_state(TextDatumGetCString(slot_getattr(slot, 5, &isnull)));
		MemoryContextSwitchTo(old);
		m->nnodes++;
	}
	end_scan(scan, rel, slot);

	if (m->self >= 0)
	{
		/* ranges: (range_id, leader, epoch) */
		scan = begin_scan(catalog_relids[1], snap, 3, &rel, &slot);
		cap = 16;
		m->ranges = MemoryContextAlloc(map_cxt, cap * sizeof(KvamClusterRange));
		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			int32		rid = DatumGetInt32(slot_getattr(slot, 1, &isnull));
			bool		noleader;
			Datum		leader = slot_getattr(slot, 2, &noleader);
			int64		epoch = DatumGetInt64(slot_getattr(slot, 3, &isnull));

			if (rid < 0 || rid >= 65536)
				continue;		/* the table's CHECK keeps ids in 0..65535 */
			if (rid >= cap)
			{
				while (rid >= cap)
					cap *= 2;
				m->ranges = repalloc(m->ranges, cap * sizeof(KvamClusterRange));
			}
			for (i = m->nranges; i <= rid; i++)
			{
				m->ranges[i].leader = -1;
				m->ranges[i].epoch = 0;
			}
			m->nranges = Max(m->nranges, rid + 1);
			m->ranges[rid].leader = noleader ? -1 : node_index(m, DatumGetInt32(leader));
			m->ranges[rid].epoch = epoch;
		}
		end_scan(scan, rel, slot);

		/* tables: (relid) */
		scan = begin_scan(catalog_relids[2], snap, 1, &rel, &slot);
		cap = 8;
		m->tables = MemoryContextAlloc(map_cxt, cap * sizeof(Oid));
		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			if (m->ntables == cap)
			{
				cap *= 2;
				m->tables = repalloc(m->tables, cap * sizeof(Oid));
			}
			m->tables[m->ntables++] = DatumGetObjectId(slot_getattr(slot, 1, &isnull));
		}
		end_scan(scan, rel, slot);
		qsort(m->tables, m->ntables, sizeof(Oid), relid_cmp);
	}
	UnregisterSnapshot(snap);
	return m->self >= 0 ? m : NULL;
}

KvamClusterMap *
KvamClusterGetMap(void)
{
	uint64		gen;

	if (shared == NULL)
		return NULL;
	gen = pg_atomic_read_u64(&shared->generation);
	if (likely(valid && gen == valid_gen))
		return map;
	if (!IsTransactionState())
		return NULL;

	register_callbacks();
	if (map_cxt == NULL)
		map_cxt = AllocSetContextCreate(CacheMemoryContext, "kvam cluster map",
										ALLOCSET_SMALL_SIZES);
	MemoryContextReset(map_cxt);
	map = NULL;
	valid = false;
	/* the generation read above is older than anything the load sees */
	pg_memory_barrier();
	map = load_map();
	valid = true;
	valid_gen = gen;
	return map;
}

bool
KvamClusterIsMirrored(const KvamClusterMap *m, Oid relid)
{
	return bsearch(&relid, m->tables, m->ntables, sizeof(Oid), relid_cmp) != NULL;
}

/*
 * floor(hash * n / 2^64) without 128-bit arithmetic: with hash = h*2^32 + l,
 * that is floor((h*n + floor(l*n / 2^32)) / 2^32), exact for n < 2^31.
 */
int
KvamClusterRangeOfHash(const KvamClusterMap *m, uint64 hash)
{
	uint64		n = (uint64) m->nranges;
	uint64		h = hash >> 32;
	uint64		l = hash & UINT64CONST(0xFFFFFFFF);

	return (int) ((h * n + ((l * n) >> 32)) >> 32);
}

int
KvamClusterNodeByName(const KvamClusterMap *m, const char *name)
{
	int			i;

	for (i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return i;
	return -1;
}

PG_FUNCTION_INFO_V1(kvam__cluster_changed);
PG_FUNCTION_INFO_V1(kvam_cluster_invalidate);

/*
 * kvam._cluster_changed(): statement trigger of the three catalog tables.
 * Drops this backend's copy now and bumps the shared generation when the
 * transaction commits.
 */
Datum
kvam__cluster_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "kvam._cluster_changed() must be called as a trigger");
	register_callbacks();
	xact_changed = true;
	valid = false;
	return PointerGetDatum(NULL);
}

/*
 * kvam.cluster_invalidate(): bump the generation now, so that every
 * backend re-reads the catalog at its next check.
 */
Datum
kvam_cluster_invalidate(PG_FUNCTION_ARGS)
{
	bump_generation();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(kvam_cluster_range_of_key);

/*
 * kvam.cluster_range_of_key(key bytea): the range of an encoded key (its
 * first 8 bytes are the partition-key hash), NULL without a cluster.
 */
Datum
kvam_cluster_range_of_key(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(key);
	KvamClusterMap *m = KvamClusterGetMap();
	uint64		hash = 0;
	int			i;

	if (VARSIZE_ANY_EXHDR(key) < 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an encoded kvam key has at least 8 bytes")));
	if (m == NULL || m->nranges == 0)
		PG_RETURN_NULL();
	for (i = 0; i < 8; i++)
		hash = (hash << 8) | p[i];
	PG_RETURN_INT32(KvamClusterRangeOfHash(m, hash));
}
