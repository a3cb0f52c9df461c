/*-------------------------------------------------------------------------
 *
 * rules.h
 *	  The rules every node of a kvam cluster enforces (issue 6; user
 *	  documentation in docs/mirroring.md, "Rules every node enforces").
 *
 *	  1. writes to a mirrored table only at the leader of the key's range
 *		 (KV001 kvam_not_leader otherwise);
 *	  2. strong reads only at the leader(s) of the ranges they read (KV001);
 *		 at a joining node, eventually consistent API reads too;
 *	  3. logical replication workers and kvam.cluster_bypass sessions
 *		 write any range, but changes from a fenced node's subscription
 *		 are refused (KV002 kvam_fenced_origin);
 *	  4. in those sessions an INSERT of a live key overwrites it;
 *	  5. cluster slots (kvam_cluster_*) do not decode changes that carry a
 *		 replication origin (loop.c).
 *
 * Every check costs one cached flag when no cluster is configured.
 *
 * IDENTIFICATION
 *	  src/cluster/rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_CLUSTER_RULES_H
#define KVAM_CLUSTER_RULES_H

#include "replication/logical.h"
#include "utils/relcache.h"

/* SQLSTATE class KV: kvam */
#define ERRCODE_KVAM_NOT_LEADER		MAKE_SQLSTATE('K','V','0','0','1')
#define ERRCODE_KVAM_FENCED_ORIGIN	MAKE_SQLSTATE('K','V','0','0','2')

/* Slots of the cluster's subscriptions: kvam_cluster_<dst>_from_<src> */
#define KVAM_CLUSTER_SLOT_PREFIX	"kvam_cluster_"

/*
 * KvamClusterCheckWrite enforces rules 1 and 3 for a write of the encoded
 * key 'key' (lsm/keycode.h) to 'rel': raises KV001 or KV002 (COPY's
 * staged rows, keyed by synthetic keys, are not checked).  Call before
 * taking any LWLock (may read the cluster catalog).
 */
extern void KvamClusterCheckWrite(Relation rel, const char *key, Size keylen);

/*
 * KvamClusterReadChecked: does an API read of 'rel' ('consistent': a
 * strongly consistent one) need KvamClusterCheckRead?  True for strong
 * reads of a mirrored table by an ordinary session, and for every read of
 * one while this node is joining (its copy is incomplete).  False when no
 * cluster is configured: callers skip computing the hash interval.
 */
extern bool KvamClusterReadChecked(Relation rel, bool consistent);

/*
 * KvamClusterCheckRead enforces rule 2 for a read of the partition-key
 * hashes [lo, hi] (inclusive) of 'rel' that KvamClusterReadChecked
 * selected: raises KV001 naming the leader of the first range in it that
 * this node does not lead.
 */
extern void KvamClusterCheckRead(Relation rel, uint64 lo, uint64 hi);

/*
 * KvamClusterInsertOverwrites implements rule 4: true when an INSERT into
 * 'rel' whose key has a live row must overwrite it instead of raising
 * unique_violation (mirrored table, and a replication worker or a
 * kvam.cluster_bypass session).
 */
extern bool KvamClusterInsertOverwrites(Relation rel);

/* KvamClusterDecodeSkip implements rule 5 (loop.c). */
extern bool KvamClusterDecodeSkip(LogicalDecodingContext *ctx,
								  RepOriginId origin);

#endif							/* KVAM_CLUSTER_RULES_H */
