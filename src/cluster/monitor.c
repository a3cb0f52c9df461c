/*-------------------------------------------------------------------------
 *
 * monitor.c
 *	  The cluster monitor: a background worker per node that probes the
 *	  other nodes and runs the automatic failover and rejoin
 *	  (docs/mirroring.md "Automatic failover").
 *
 * Registered at server start when kvam.cluster_database names the
 * database holding the cluster catalog (restart to change).  It is idle
 * unless kvam.cluster_auto_failover is on (reload to change).  Every
 * kvam.cluster_probe_interval it connects to each other active node and
 * runs "SELECT 1" there.  Then:
 *
 *	* a node unreachable for kvam.cluster_failover_timeout is failed over
 *	  (kvam.cluster_failover) by the active survivor with the lowest
 *	  node_id, and only if that survivor has reached every other active
 *	  survivor within the timeout: a majority decides, so a node cut off
 *	  from both others never deposes anyone;
 *	* a node that finds itself fenced in a peer's catalog (it was failed
 *	  over while away) rejoins (kvam.cluster_rejoin of itself).
 *
 * Invariants: the worker never writes the catalog itself: the management
 * functions do, in a session it opens through libpq to its own node (its
 * own transaction only reads the catalog, and holds no transaction id that
 * a slot being created here would wait for).  Reachability is kept in
 * process memory only: after a restart of the worker every node counts as
 * reached "now".
 *
 * IDENTIFICATION
 *	  src/cluster/monitor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cluster/remote.h"

#define MONITOR_MAX_NODES	16

bool		kvam_cluster_auto_failover = false;
int			kvam_cluster_probe_interval = 1000;
int			kvam_cluster_failover_timeout = 5000;
char	   *kvam_cluster_database = NULL;

typedef struct MonitorNode
{
	int			node_id;
	char		name[NAMEDATALEN];
	char	   *conninfo;
	bool		is_self;
	bool		active;
	TimestampTz last_ok;		/* last successful probe */
} MonitorNode;

static MonitorNode nodes[MONITOR_MAX_NODES];
static int	nnodes = 0;

PGDLLEXPORT void KvamClusterMonitorMain(Datum arg);

/* the known entry of node_id (created, "reached now", if new) */
static MonitorNode *
node_entry(int node_id)
{
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].node_id == node_id)
			return &nodes[i];
	if (nnodes == MONITOR_MAX_NODES)
		return NULL;
	memset(&nodes[nnodes], 0, sizeof(MonitorNode));
	nodes[nnodes].node_id = node_id;
	nodes[nnodes].last_ok = GetCurrentTimestamp();
	return &nodes[nnodes++];
}

/*
 * read_catalog refreshes 'nodes' from kvam.cluster_nodes.  Returns false
 * when there is no cluster here (no catalog or no is_self row).
 */
static bool
read_catalog(void)
{
	bool		have_self = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	for (int i = 0; i < nnodes; i++)
		nodes[i].active = false;
	if (SPI_execute("SELECT to_regclass('kvam.cluster_nodes') IS NOT NULL", true, 1) == SPI_OK_SELECT &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") == 0 &&
		SPI_execute("SELECT node_id, name, conninfo, is_self, state = 'active' FROM kvam.cluster_nodes",
					true, 0) == SPI_OK_SELECT)
	{
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MonitorNode *n = node_entry(atoi(SPI_getvalue(tup, desc, 1)));

			if (n == NULL)
				break;
			strlcpy(n->name, SPI_getvalue(tup, desc, 2), NAMEDATALEN);
			if (n->conninfo)
				pfree(n->conninfo);
			n->conninfo = MemoryContextStrdup(TopMemoryContext, SPI_getvalue(tup, desc, 3));
			n->is_self = strcmp(SPI_getvalue(tup, desc, 4), "t") == 0;
			n->active = strcmp(SPI_getvalue(tup, desc, 5), "t") == 0;
			have_self |= n->is_self;
		}
	}
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	return have_self;
}

/*
 * run_at runs sql at conninfo and returns the first value (palloc'd) or
 * NULL; on any error logs it at elevel and returns NULL.
 */
static char *
run_at(const char *conninfo, const char *sql, int timeout_ms, int elevel)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			saved = kvam_cluster_connect_timeout;
	PGconn	   *volatile conn = NULL;
	char	   *volatile result = NULL;

	kvam_cluster_connect_timeout = timeout_ms;
	PG_TRY();
	{
		PGresult   *res;

		conn = KvamRemoteConnect(conninfo);
		res = KvamRemoteExec(conn, sql, 0, NULL);
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			result = pstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(elevel, (errmsg_internal("kvam cluster monitor: %s", edata->message)));
		FreeErrorData(edata);
		result = NULL;
	}
	PG_END_TRY();
	if (conn)
		PQfinish(conn);
	kvam_cluster_connect_timeout = saved;
	return result;
}

/* one round of probes and decisions */
static void
monitor_round(void)
{
	TimestampTz now;
	MonitorNode *self = NULL;
	bool		fenced_by_peer = false;

	if (!read_catalog())
		return;
	now = GetCurrentTimestamp();
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].is_self)
			self = &nodes[i];
	if (self == NULL)
		return;
	for (int i = 0; i < nnodes; i++)
	{
		MonitorNode *n = &nodes[i];
		char	   *st;

		if (n->is_self || !n->active)
			continue;
		/* the probe: also, how does that node see this one? */
		st = run_at(n->conninfo,
					psprintf("SELECT coalesce((SELECT state FROM kvam.cluster_nodes WHERE name = %s), '')",
							 quote_literal_cstr(self->name)),
					Max(kvam_cluster_probe_interval, 500), DEBUG1);
		if (st != NULL)
		{
			n->last_ok = now;
			if (strcmp(st, "fenced") == 0)
				fenced_by_peer = true;
		}
	}

	/* this node was failed over while it was away: rejoin */
	if (fenced_by_peer)
	{
		ereport(LOG,
				(errmsg("kvam cluster monitor: node \"%s\" is fenced by its peers, rejoining",
						self->name)));
		run_at(self->conninfo,
			   psprintf("SELECT kvam.cluster_rejoin(%s)", quote_literal_cstr(self->name)),
			   kvam_cluster_connect_timeout, LOG);
		return;
	}
	if (!self->active)
		return;

	for (int i = 0; i < nnodes; i++)
	{
		MonitorNode *dead = &nodes[i];
		bool		my_turn = true;

		if (dead->is_self || !dead->active ||
			!TimestampDifferenceExceeds(dead->last_ok, now, kvam_cluster_failover_timeout))
			continue;

		/*
		 * dead is down: act if this node is the lowest active survivor and
		 * reached every other survivor recently
		 */
		for (int j = 0; j < nnodes; j++)
		{
			MonitorNode *s = &nodes[j];

			if (s == dead || s->is_self || !s->active)
				continue;
			if (s->node_id < self->node_id ||
				TimestampDifferenceExceeds(s->last_ok, now, kvam_cluster_failover_timeout))
				my_turn = false;
		}
		if (!my_turn)
			continue;
		ereport(LOG,
				(errmsg("kvam cluster monitor: node \"%s\" unreachable for %d ms, failing it over",
						dead->name, kvam_cluster_failover_timeout)));
		run_at(self->conninfo,
			   psprintf("SELECT kvam.cluster_failover(%s)", quote_literal_cstr(dead->name)),
			   kvam_cluster_connect_timeout, LOG);
		dead->last_ok = now;
		return;					/* one at a time; the catalog changed */
	}
}

/*
 * KvamClusterMonitorMain is the worker's entry point.
 */
void
KvamClusterMonitorMain(Datum arg)
{
	MemoryContext round_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(kvam_cluster_database, NULL, 0);
	SetConfigOption("application_name", "kvam cluster monitor", PGC_USERSET, PGC_S_SESSION);
	round_cxt = AllocSetContextCreate(TopMemoryContext, "kvam cluster monitor",
									  ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (kvam_cluster_auto_failover)
		{
			MemoryContext old = MemoryContextSwitchTo(round_cxt);

			monitor_round();
			MemoryContextSwitchTo(old);
			MemoryContextReset(round_cxt);
		}
		else
		{
			/* when it is turned on, every node counts as reached then */
			for (int i = 0; i < nnodes; i++)
				nodes[i].last_ok = GetCurrentTimestamp();
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 kvam_cluster_probe_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * KvamClusterMonitorDefineGucs defines the monitor's GUCs.
 */
void
KvamClusterMonitorDefineGucs(void)
{
	DefineCustomBoolVariable("kvam.cluster_auto_failover",
							 "Fails over an unreachable cluster node automatically.",
							 "Needs kvam.cluster_database set at server start.",
							 &kvam_cluster_auto_failover,
							 false, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.cluster_probe_interval",
							"Time between two probes of the other cluster nodes.",
							NULL,
							&kvam_cluster_probe_interval,
							1000, 100, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("kvam.cluster_failover_timeout",
							"How long a cluster node may be unreachable before it is failed over.",
							NULL,
							&kvam_cluster_failover_timeout,
							5000, 500, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	/* like every postmaster-level setting: only while preloading */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomStringVariable("kvam.cluster_database",
								   "Database holding the kvam cluster catalog; empty: no cluster monitor.",
								   NULL,
								   &kvam_cluster_database,
								   "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
}

/*
 * KvamClusterMonitorRegister registers the monitor (from _PG_init, while
 * shared_preload_libraries are loaded) when kvam.cluster_database is set.
 */
void
KvamClusterMonitorRegister(void)
{
	BackgroundWorker bgw;

	if (kvam_cluster_database == NULL || kvam_cluster_database[0] == '\0')
		return;
	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 5;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "kvam");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "KvamClusterMonitorMain");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "kvam cluster monitor");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "kvam cluster monitor");
	RegisterBackgroundWorker(&bgw);
}
