/*-------------------------------------------------------------------------
 *
 * loop.c
 *	  Rule 5 of the cluster (docs/mirroring.md): changes applied from
 *	  another node are not sent on again.
 *
 * PostgreSQL 15 has no subscription option origin = none.  The cluster's
 * subscriptions use slots named kvam_cluster_<dst>_from_<src>; when such a
 * slot decodes a kvam version whose record carries a replication origin
 * (it was written by an apply worker, a table synchronisation, or a
 * management session under an origin), kvam's rm_decode drops it.  Every
 * other slot (streams, test_decoding, user subscriptions) still sees
 * every change.  The rule is stateless: it reads only the slot's name.
 *
 * IDENTIFICATION
 *	  src/cluster/loop.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "replication/logical.h"
#include "replication/origin.h"
#include "replication/slot.h"

#include "cluster/rules.h"

/*
 * KvamClusterDecodeSkip: should the decoding context 'ctx' drop a change
 * whose record origin is 'origin'?  True for a record with an origin
 * decoded by a slot whose name starts with KVAM_CLUSTER_SLOT_PREFIX.
 */
bool
KvamClusterDecodeSkip(LogicalDecodingContext *ctx, RepOriginId origin)
{
	return origin != InvalidRepOriginId && ctx->slot != NULL &&
		strncmp(NameStr(ctx->slot->data.name), KVAM_CLUSTER_SLOT_PREFIX,
				sizeof(KVAM_CLUSTER_SLOT_PREFIX) - 1) == 0;
}
