/*-------------------------------------------------------------------------
 *
 * remote.c
 *	  libpq from inside the server: how the cluster management functions
 *	  and the routing helper talk to the other nodes of a kvam cluster.
 *
 * SQL functions (sql/install/61_cluster_admin.sql):
 *
 *	  kvam.cluster_remote(conninfo text, VARIADIC sql text[]) RETURNS text
 *		  opens a new connection, runs each statement with its own
 *		  PQexec (so each one is its own transaction unless the statements
 *		  say BEGIN/COMMIT: CREATE SUBSCRIPTION and ALTER SYSTEM may be
 *		  among them), closes the connection, and returns the first column
 *		  of the first row of the last statement's result (NULL if none).
 *	  kvam.cluster_remote_rows(conninfo text, sql text) RETURNS SETOF text
 *		  the first column of every row of one query (materialized).
 *	  kvam.execute_routed(operation text, request jsonb) RETURNS jsonb
 *		  kvam.execute here; when it fails with KV001 (not the leader of
 *		  the key's range), the same call at the leader named in the
 *		  error's JSON detail (its conninfo from the local catalog),
 *		  following at most two redirects.
 *
 * Invariants:
 *	* A remote error is re-raised here with the remote SQLSTATE, message,
 *	  detail and hint, so callers (and clients of execute_routed) see a
 *	  leader's KV001 or a DynamoDB exception exactly as at that node; the
 *	  context line names the remote host and port, never the conninfo
 *	  (which may hold a password).
 *	* Every wait on a socket also waits on the latch: a remote call can be
 *	  cancelled, and the postmaster's death ends it.  Connecting gives up
 *	  after kvam.cluster_connect_timeout.
 *	* kvam.cluster_remote never leaks a connection (closed in PG_FINALLY);
 *	  execute_routed keeps one connection per leader conninfo and role for
 *	  the life of the backend and drops it once it fails.
 *	* execute_routed connects as the calling role (the conninfo's user is
 *	  overridden), so a forwarded request has the caller's privileges at
 *	  the leader; the management functions (superuser only) connect with
 *	  the conninfo as it is.
 *
 * IDENTIFICATION
 *	  src/cluster/remote.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "cluster/map.h"
#include "cluster/remote.h"

/* the core cluster code's redirect error: see docs/mirroring.md "Errors" */
#define KVAM_SQLSTATE_NOT_LEADER	MAKE_SQLSTATE('K','V','0','0','1')

/* redirects execute_routed follows before giving up */
#define ROUTED_MAX_HOPS		2

/* connections kept by execute_routed (one per leader conninfo) */
#define ROUTED_MAX_CONNS	8

int			kvam_cluster_connect_timeout = 5000;

typedef struct RoutedConn
{
	char	   *conninfo;		/* in TopMemoryContext */
	Oid			userid;			/* the role it connected as */
	PGconn	   *conn;
} RoutedConn;

static RoutedConn routed_conns[ROUTED_MAX_CONNS];

extern Datum kvam_execute(PG_FUNCTION_ARGS);

/*
 * wait_socket waits until sock is ready for 'events' (WL_SOCKET_*), the
 * latch is set or timeout_ms passes (-1: no timeout); handles interrupts.
 * Returns false on timeout.
 */
static bool
wait_socket(pgsocket sock, int events, long timeout_ms)
{
	int			rc;

	rc = WaitLatchOrSocket(MyLatch,
						   WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | events |
						   (timeout_ms >= 0 ? WL_TIMEOUT : 0),
						   sock, timeout_ms, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
		ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	return (rc & WL_TIMEOUT) == 0 || (rc & events) != 0;
}

/* host:port of a connection, for messages */
static char *
conn_label(PGconn *conn)
{
	return psprintf("%s:%s",
					PQhost(conn) ? PQhost(conn) : "?",
					PQport(conn) ? PQport(conn) : "?");
}

/*
 * KvamRemoteConnectAs opens a connection (non-blocking, interruptible, at
 * most kvam.cluster_connect_timeout) as 'user' (NULL: the conninfo's).
 * ERROR if it fails.
 */
PGconn *
KvamRemoteConnectAs(const char *conninfo, const char *user)
{
	const char *keys[] = {"dbname", "fallback_application_name", "user", NULL};
	const char *vals[] = {conninfo, "kvam_cluster", user, NULL};
	PGconn	   *conn;

	if (user == NULL)
		keys[2] = NULL;
	TimestampTz deadline;

	conn = PQconnectStartParams(keys, vals, 1);
	if (conn == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
										   kvam_cluster_connect_timeout);
	for (;;)
	{
		PostgresPollingStatusType st = PQconnectPoll(conn);
		int			ev;
		long		left;

		if (st == PGRES_POLLING_OK || st == PGRES_POLLING_FAILED)
			break;
		ev = st == PGRES_POLLING_READING ? WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE;
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (left <= 0 || !wait_socket(PQsocket(conn), ev, left))
		{
			PQfinish(conn);
			ereport(ERROR,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not connect to cluster node: timeout after %d ms",
							kvam_cluster_connect_timeout)));
		}
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		char	   *msg = pchomp(PQerrorMessage(conn));

		PQfinish(conn);
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not connect to cluster node: %s", msg)));
	}
	return conn;
}

/*
 * KvamRemoteConnect opens a connection with conninfo's own user.
 */
PGconn *
KvamRemoteConnect(const char *conninfo)
{
	return KvamRemoteConnectAs(conninfo, NULL);
}

/*
 * raise_remote re-raises the error of a failed result (or of the
 * connection when res is NULL) with the remote SQLSTATE and texts.
 * Does not free res: the caller's PG_FINALLY or the connection does.
 */
static void
raise_remote(PGconn *conn, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	int			code = ERRCODE_CONNECTION_FAILURE;

	if (state && strlen(state) == 5)
		code = MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
	if (primary == NULL)
		primary = pchomp(PQerrorMessage(conn));
	ereport(ERROR,
			(errcode(code),
			 errmsg_internal("%s", primary),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0,
			 errcontext("on cluster node %s", conn_label(conn))));
}

/*
 * Wait interruptibly until 'conn' has a whole result ready; on a broken
 * connection, PQclear 'pending' (a result the caller still holds, or
 * NULL) and raise the connection's error.
 */
static void
wait_result(PGconn *conn, PGresult *pending)
{
	while (PQisBusy(conn))
	{
		wait_socket(PQsocket(conn), WL_SOCKET_READABLE, -1);
		if (!PQconsumeInput(conn))
		{
			if (pending)
				PQclear(pending);
			raise_remote(conn, NULL);
		}
	}
}

/*
 * KvamRemoteExec sends one command (with text parameters) and returns
 * its last result (the caller PQclears it); waits interruptibly.  ERROR,
 * with the remote error, when the command fails.
 */
PGresult *
KvamRemoteExec(PGconn *conn, const char *sql, int nparams,
			   const char *const *params)
{
	PGresult   *res;
	PGresult   *last = NULL;
	bool		ok;

	if (nparams > 0)
		ok = PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	else
		ok = PQsendQuery(conn, sql);
	if (!ok)
		raise_remote(conn, NULL);
	for (;;)
	{
		wait_result(conn, last);
		res = PQgetResult(conn);
		if (res == NULL)
			break;
		if (last)
			PQclear(last);
		last = res;
	}
	if (last == NULL)
		raise_remote(conn, NULL);
	if (PQresultStatus(last) != PGRES_COMMAND_OK &&
		PQresultStatus(last) != PGRES_TUPLES_OK)
	{
		PG_TRY();
		{
			raise_remote(conn, last);
		}
		PG_FINALLY();
		{
			PQclear(last);
		}
		PG_END_TRY();
	}
	return last;
}

PG_FUNCTION_INFO_V1(kvam_cluster_remote);
PG_FUNCTION_INFO_V1(kvam_cluster_remote_rows);
PG_FUNCTION_INFO_V1(kvam_execute_routed);

/*
 * kvam.cluster_remote(conninfo text, VARIADIC sql text[]) RETURNS text
 */
Datum
kvam_cluster_remote(PG_FUNCTION_ARGS)
{
	char	   *conninfo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *stmts;
	bool	   *nulls;
	int			n;
	PGconn	   *volatile conn;
	text	   *volatile result = NULL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &stmts, &nulls, &n);
	conn = KvamRemoteConnect(conninfo);
	PG_TRY();
	{
		for (int i = 0; i < n; i++)
		{
			PGresult   *res;

			if (nulls[i])
				continue;
			res = KvamRemoteExec(conn, TextDatumGetCString(stmts[i]), 0, NULL);
			result = NULL;
			if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
				result = cstring_to_text(PQgetvalue(res, 0, 0));
			PQclear(res);
		}
	}
	PG_FINALLY();
	{
		PQfinish(conn);
	}
	PG_END_TRY();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/*
 * kvam.cluster_remote_rows(conninfo text, sql text) RETURNS SETOF text
 *
 * Streams: the query runs in libpq's single-row mode and each row goes to
 * the tuplestore (which spills to disk past work_mem) as it arrives, so a
 * resync or rejoin copy of a large table never holds the whole result in
 * memory.
 */
Datum
kvam_cluster_remote_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *conninfo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	PGconn	   *volatile conn;
	PGresult   *volatile res = NULL;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	conn = KvamRemoteConnect(conninfo);
	PG_TRY();
	{
		if (!PQsendQuery(conn, sql) || !PQsetSingleRowMode(conn))
			raise_remote(conn, NULL);
		for (;;)
		{
			ExecStatusType st;

			wait_result(conn, NULL);
			res = PQgetResult(conn);
			if (res == NULL)
				break;
			st = PQresultStatus(res);
			if (st == PGRES_SINGLE_TUPLE)
			{
				Datum		v = (Datum) 0;
				bool		isnull = PQgetisnull(res, 0, 0);

				if (!isnull)
					v = CStringGetTextDatum(PQgetvalue(res, 0, 0));
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull);
				if (!isnull)
					pfree(DatumGetPointer(v));
			}
			else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
				raise_remote(conn, res);
			PQclear(res);
			res = NULL;
		}
	}
	PG_FINALLY();
	{
		if (res)
			PQclear(res);
		PQfinish(conn);
	}
	PG_END_TRY();
	return (Datum) 0;
}

/*
 * The connection execute_routed keeps for conninfo and the current role
 * (opened if needed).  It connects as the current role, never as the
 * conninfo's user: a routed call has the caller's privileges at the
 * leader, as it has here.
 */
static RoutedConn *
routed_conn(const char *conninfo)
{
	Oid			userid = GetUserId();
	RoutedConn *slot = NULL;

	for (int i = 0; i < ROUTED_MAX_CONNS; i++)
	{
		RoutedConn *rc = &routed_conns[i];

		if (rc->conninfo && rc->userid == userid && strcmp(rc->conninfo, conninfo) == 0)
		{
			if (PQstatus(rc->conn) == CONNECTION_OK)
				return rc;
			slot = rc;
			break;
		}
		if (rc->conninfo == NULL && slot == NULL)
			slot = rc;
	}
	if (slot == NULL)
		slot = &routed_conns[0];	/* all taken: reuse the first */
	if (slot->conninfo)
	{
		PQfinish(slot->conn);
		pfree(slot->conninfo);
		slot->conninfo = NULL;
	}
	slot->conn = KvamRemoteConnectAs(conninfo, GetUserNameFromId(userid, false));
	slot->conninfo = MemoryContextStrdup(TopMemoryContext, conninfo);
	slot->userid = userid;
	return slot;
}

/*
 * The conninfo of the leader named in a KV001 error's JSON detail, from
 * the local catalog (never from the detail itself: an error raised by
 * anything else with SQLSTATE KV001 cannot make this backend connect
 * elsewhere).  NULL when the range has no leader (moving), the leader is
 * this node or unknown, or the detail is not what kvam raises.
 */
static char *
leader_conninfo(ErrorData *edata)
{
	Jsonb	   *detail;
	JsonbValue *v;
	KvamClusterMap *map;
	char	   *name;
	int			i;

	if (edata->detail == NULL || edata->detail[0] != '{')
		return NULL;
	detail = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												CStringGetDatum(edata->detail)));
	v = getKeyJsonValueFromContainer(&detail->root, "leader",
									 strlen("leader"), NULL);
	if (v == NULL || v->type != jbvString)
		return NULL;
	name = pnstrdup(v->val.string.val, v->val.string.len);
	map = KvamClusterGetMap();
	if (map == NULL)
		return NULL;
	i = KvamClusterNodeByName(map, name);
	if (i < 0 || i == map->self)
		return NULL;
	return pstrdup(map->nodes[i].conninfo);
}

/*
 * run_local runs kvam.execute in a subtransaction.  Returns the result, or
 * NULL and *edata set when it failed with KV001 (any other error is
 * re-thrown).
 */
static Datum
run_local(Datum op, Datum req, ErrorData **edata)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile Datum result = (Datum) 0;

	*edata = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		result = DirectFunctionCall2(kvam_execute, op, req);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (e->sqlerrcode != KVAM_SQLSTATE_NOT_LEADER)
			ReThrowError(e);
		*edata = e;
	}
	PG_END_TRY();
	return result;
}

/*
 * run_at runs kvam.execute at the node reached by conninfo.  Returns the
 * result, or NULL and *edata set when the node answered KV001.  Other
 * remote errors are re-raised as they are.
 */
static Datum
run_at(const char *conninfo, Datum op, Datum req, ErrorData **edata)
{
	RoutedConn *rc = routed_conn(conninfo);
	const char *params[2];
	MemoryContext cxt = CurrentMemoryContext;
	PGresult   *res;
	Datum		result;

	params[0] = TextDatumGetCString(op);
	params[1] = DatumGetCString(DirectFunctionCall1(jsonb_out, req));
	*edata = NULL;
	PG_TRY();
	{
		res = KvamRemoteExec(rc->conn, "SELECT kvam.execute($1, $2::jsonb)",
							 2, params);
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		if (PQstatus(rc->conn) != CONNECTION_OK)
		{
			PQfinish(rc->conn);
			rc->conn = NULL;
			pfree(rc->conninfo);
			rc->conninfo = NULL;
		}
		if (e->sqlerrcode != KVAM_SQLSTATE_NOT_LEADER)
			PG_RE_THROW();
		FlushErrorState();
		*edata = e;
		return (Datum) 0;
	}
	PG_END_TRY();
	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return result;
}

/*
 * kvam.execute_routed(operation text, request jsonb) RETURNS jsonb
 */
Datum
kvam_execute_routed(PG_FUNCTION_ARGS)
{
	Datum		op = PG_GETARG_DATUM(0);
	Datum		req = PG_GETARG_DATUM(1);
	ErrorData  *edata;
	Datum		result;

	result = run_local(op, req, &edata);
	for (int hop = 0; edata != NULL; hop++)
	{
		char	   *conninfo = leader_conninfo(edata);

		if (conninfo == NULL || hop == ROUTED_MAX_HOPS)
			ReThrowError(edata);
		result = run_at(conninfo, op, req, &edata);
	}
	return result;
}

/*
 * KvamClusterAdminDefineGucs defines the GUCs of the management code.
 */
void
KvamClusterAdminDefineGucs(void)
{
	DefineCustomIntVariable("kvam.cluster_connect_timeout",
							"How long a cluster node waits to connect to another node.",
							NULL,
							&kvam_cluster_connect_timeout,
							5000, 100, 600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}
