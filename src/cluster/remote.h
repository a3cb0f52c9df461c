/*-------------------------------------------------------------------------
 *
 * remote.h
 *	  libpq connections from a kvam backend or worker to the other nodes
 *	  of a cluster (remote.c), and the GUCs of the cluster management code.
 *
 * IDENTIFICATION
 *	  src/cluster/remote.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_CLUSTER_REMOTE_H
#define KVAM_CLUSTER_REMOTE_H

#include "libpq-fe.h"

/* kvam.cluster_connect_timeout, in milliseconds */
extern int	kvam_cluster_connect_timeout;

/*
 * KvamRemoteConnect opens a connection to conninfo, waiting at most
 * kvam.cluster_connect_timeout, interruptibly.  ERROR if it fails; the
 * caller owns the connection (PQfinish it, also on error).
 */
extern PGconn *KvamRemoteConnect(const char *conninfo);

/* the same, connecting as role 'user' whatever the conninfo says */
extern PGconn *KvamRemoteConnectAs(const char *conninfo, const char *user);

/*
 * KvamRemoteExec runs sql (text parameters, may be 0) and returns its
 * last result, which the caller PQclears.  A remote error is re-raised
 * with the remote SQLSTATE, message, detail and hint.
 */
extern PGresult *KvamRemoteExec(PGconn *conn, const char *sql, int nparams,
								const char *const *params);

/* defines the kvam.cluster_* GUCs of the management code (from _PG_init) */
extern void KvamClusterAdminDefineGucs(void);

/* the cluster monitor (monitor.c): GUCs, and its registration at start */
extern void KvamClusterMonitorDefineGucs(void);
extern void KvamClusterMonitorRegister(void);

#endif							/* KVAM_CLUSTER_REMOTE_H */
