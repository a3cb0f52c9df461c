/*-------------------------------------------------------------------------
 *
 * map.h
 *	  The cluster map: a backend-local cache of kvam.cluster_nodes,
 *	  kvam.cluster_ranges and kvam.cluster_tables (issue 6), validated by
 *	  a shared-memory generation counter.
 *
 * Leadership is per range of the 64-bit partition-key hash (the first 8
 * bytes of an encoded key, lsm/keycode.h): with n ranges, range r covers
 * hashes [r * 2^64 / n, (r + 1) * 2^64 / n).  The catalog is plain heap
 * tables that the management functions keep identical on every node; a
 * change to any of them bumps the generation at commit (a statement
 * trigger on each table, kvam._cluster_changed()), and so does
 * kvam.cluster_invalidate().
 *
 * Contract of the cache: KvamClusterGetMap returns the map as of the
 * latest committed catalog state (plus the calling transaction's own
 * changes, once it changed the catalog), or NULL when no cluster is
 * configured (no is_self row, or the catalog does not exist).  The cost
 * when nothing changed is one read of the shared counter.  The returned
 * map stays valid until the next KvamClusterGetMap call of the backend.
 *
 * IDENTIFICATION
 *	  src/cluster/map.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_CLUSTER_MAP_H
#define KVAM_CLUSTER_MAP_H

#include "replication/origin.h"

/* kvam.cluster_nodes.state */
typedef enum KvamNodeState
{
	KVAM_NODE_ACTIVE,
	KVAM_NODE_FENCED,			/* deposed by a failover: its changes are refused */
	KVAM_NODE_JOINING
} KvamNodeState;

typedef struct KvamClusterNode
{
	int32		id;
	char	   *name;
	char	   *conninfo;
	KvamNodeState state;
} KvamClusterNode;

typedef struct KvamClusterRange
{
	int			leader;			/* index into nodes[], -1: no leader (moving) */
	int64		epoch;
} KvamClusterRange;

typedef struct KvamClusterMap
{
	int			self;			/* index of the is_self node in nodes[] */
	int			nnodes;
	KvamClusterNode *nodes;
	int			nranges;		/* max(range_id) + 1; missing ids: no leader */
	KvamClusterRange *ranges;
	int			ntables;
	Oid		   *tables;			/* kvam.cluster_tables, sorted */

	/* this session's replication origin, resolved once (rules.c) */
	RepOriginId origin;			/* InvalidRepOriginId: not resolved */
	int			origin_node;	/* its source node index, -1: none */
} KvamClusterMap;

/* GUC kvam.cluster_bypass (superuser, session): write any range */
extern bool kvam_cluster_bypass;

/* KvamClusterDefineGucs defines the kvam.cluster_* GUCs of the core. */
extern void KvamClusterDefineGucs(void);

/*
 * KvamClusterShmemInit requests the shared generation counter; call from
 * _PG_init while preloading.
 */
extern void KvamClusterShmemInit(void);

/*
 * KvamClusterGetMap returns the current map or NULL when no cluster is
 * configured (see the file header).  Outside a transaction, or without
 * shared memory (kvam not preloaded), returns NULL.  May read the catalog
 * (AccessShareLock on the three tables): call it holding no LWLock.
 */
extern KvamClusterMap *KvamClusterGetMap(void);

/* KvamClusterIsMirrored: is relation 'relid' in kvam.cluster_tables? */
extern bool KvamClusterIsMirrored(const KvamClusterMap *map, Oid relid);

/* KvamClusterRangeOfHash: the range holding partition-key hash 'hash'. */
extern int	KvamClusterRangeOfHash(const KvamClusterMap *map, uint64 hash);

/* KvamClusterNodeByName: index of the node named 'name', -1 if none. */
extern int	KvamClusterNodeByName(const KvamClusterMap *map, const char *name);

#endif							/* KVAM_CLUSTER_MAP_H */
