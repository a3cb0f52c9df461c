/*-------------------------------------------------------------------------
 *
 * replident.c
 *	  The replica identity of a DynamoDB table, kept in step with its
 *	  stream by CreateTable and UpdateTable.
 *
 * A stream record's OldImage comes from the old row that WAL carries for
 * logical decoding (src/wal/logical.c), and WAL carries the whole old row
 * only when the relation's replica identity is FULL; with the kvam_key
 * index as identity (the default of every kvam table, src/am/utility.c)
 * it carries the key columns alone.  So:
 *
 *	  stream enabled, OLD_IMAGE or NEW_AND_OLD_IMAGES  ->  REPLICA IDENTITY FULL
 *	  anything else (disabled, KEYS_ONLY, NEW_IMAGE)    ->  USING INDEX <key index>
 *
 * Invariant: after every control-plane change of the stream, the identity
 * of an API table is the one above.  The change is transactional (it is an
 * ALTER TABLE in the caller's transaction), so it takes effect for writes
 * of transactions that start after the UpdateTable commits, which is also
 * when the catalog row that the stream plugin reads says so.
 *
 * IDENTIFICATION
 *	  src/api/replident.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/parsenodes.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "am/kvam_am.h"
#include "api/control.h"

/* The kvam_key index of 'relid', or InvalidOid. */
static Oid
key_index_of(Relation rel)
{
	Oid			keyam = get_index_am_oid("kvam_key", false);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		if (KvamRelationAm(lfirst_oid(lc)) == keyam)
		{
			found = lfirst_oid(lc);
			break;
		}
	}
	list_free(indexes);
	return found;
}

void
KvamStreamReplicaIdentity(const KvamTableDef *def)
{
	bool		full = def->stream_enabled && def->stream_view_type != NULL &&
		(strcmp(def->stream_view_type, "OLD_IMAGE") == 0 ||
		 strcmp(def->stream_view_type, "NEW_AND_OLD_IMAGES") == 0);
	Relation	rel = table_open(def->relid, AccessShareLock);
	char		want = full ? REPLICA_IDENTITY_FULL : REPLICA_IDENTITY_INDEX;
	Oid			keyindex = full ? InvalidOid : key_index_of(rel);
	char		have = rel->rd_rel->relreplident;
	ReplicaIdentityStmt *ri;
	AlterTableCmd *cmd;

	table_close(rel, NoLock);
	if (have == want)
		return;
	if (!full && !OidIsValid(keyindex))
		return;					/* not an API-shaped table: leave it alone */
	ri = makeNode(ReplicaIdentityStmt);
	ri->identity_type = want;
	ri->name = full ? NULL : get_rel_name(keyindex);
	cmd = makeNode(AlterTableCmd);
	cmd->subtype = AT_ReplicaIdentity;
	cmd->def = (Node *) ri;
	AlterTableInternal(def->relid, list_make1(cmd), false);
}
