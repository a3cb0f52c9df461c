/*-------------------------------------------------------------------------
 *
 * utility.c
 *	  DDL guards for kvam tables (ProcessUtility hook).
 *
 * Two things PostgreSQL would otherwise let through badly:
 *
 *	- a FOREIGN KEY referencing a kvam table: PostgreSQL 15 needs a btree
 *	  unique index on the referenced columns and, finding the kvam_key
 *	  index instead, fails with an internal error;
 *	- DROP INDEX of a table's kvam_key index while the table holds rows:
 *	  the key index is the table's key, so its rows would become
 *	  unreachable.
 *
 *	- INSERT ... ON CONFLICT into a kvam table: PostgreSQL 15's speculative
 *	  insertion only works with btree arbiter indexes and otherwise fails
 *	  with an internal error.
 *
 * All are refused here with a clear error before any work is done.
 *
 * One default is set: when a kvam_key index is created on a kvam table
 * whose replica identity is still DEFAULT, the key index becomes the
 * table's replica identity (ALTER TABLE ... REPLICA IDENTITY USING INDEX),
 * provided its columns are declared NOT NULL as PostgreSQL requires.  A
 * kvam table has no primary key (PostgreSQL 15 makes those btree only), so
 * DEFAULT would mean "no identity": UPDATE and DELETE could not be
 * published and logical decoding would show deletes without their key.
 *
 * IDENTIFICATION
 *	  src/am/utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "am/kvam_am.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

static bool
is_kvam_table(Oid relid)
{
	Oid			kvam = get_table_am_oid("kvam", true);

	return OidIsValid(kvam) && OidIsValid(relid) && KvamRelationAm(relid) == kvam;
}

static void
check_fk(Constraint *con)
{
	Oid			relid;

	if (con == NULL || con->contype != CONSTR_FOREIGN || con->pktable == NULL)
		return;
	relid = RangeVarGetRelid(con->pktable, NoLock, true);
	if (is_kvam_table(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign keys referencing kvam table \"%s\" are not supported",
						con->pktable->relname),
				 errdetail("PostgreSQL 15 requires a btree unique index on the referenced columns; a kvam table is keyed by its kvam_key index."),
				 errhint("Check the reference with a trigger or in the application.")));
}

static void
check_create(CreateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->constraints)
		check_fk(lfirst(lc));
	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, Constraint))
			check_fk((Constraint *) elt);
		else if (IsA(elt, ColumnDef))
		{
			ListCell   *lc2;

			foreach(lc2, ((ColumnDef *) elt)->constraints)
				check_fk(lfirst(lc2));
		}
	}
}

static void
check_alter(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if ((cmd->subtype == AT_AddConstraint ||
			 cmd->subtype == AT_AddConstraintRecurse) &&
			cmd->def && IsA(cmd->def, Constraint))
			check_fk((Constraint *) cmd->def);
		else if (cmd->subtype == AT_AddColumn && cmd->def && IsA(cmd->def, ColumnDef))
		{
			ListCell   *lc2;

			foreach(lc2, ((ColumnDef *) cmd->def)->constraints)
				check_fk(lfirst(lc2));
		}
	}
}

/* Does the table have a row visible to a fresh snapshot? */
static bool
table_has_rows(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	bool		found = table_scan_getnextslot(scan, ForwardScanDirection, slot);

	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return found;
}

static void
check_drop(DropStmt *stmt)
{
	Oid			keyam;
	ListCell   *lc;

	if (stmt->removeType != OBJECT_INDEX)
		return;
	keyam = get_index_am_oid("kvam_key", true);
	if (!OidIsValid(keyam))
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
		Oid			tableoid;

		if (!OidIsValid(indexoid) || KvamRelationAm(indexoid) != keyam)
			continue;
		tableoid = IndexGetRelation(indexoid, true);
		if (OidIsValid(tableoid) && is_kvam_table(tableoid) &&
			table_has_rows(tableoid))
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot drop the key index \"%s\" of kvam table \"%s\" while it holds rows",
							rv->relname, get_rel_name(tableoid)),
					 errdetail("The key index defines the table's key."),
					 errhint("TRUNCATE or DROP the table instead.")));
	}
}

/*
 * After CREATE INDEX: make a new kvam_key index the replica identity of
 * its table if that is still DEFAULT (see the file header).
 */
static void
key_index_replica_identity(IndexStmt *stmt)
{
	Oid			relid;
	Oid			keyam = get_index_am_oid("kvam_key", true);
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	Oid			keyindex = InvalidOid;
	bool		eligible;

	if (!OidIsValid(keyam) || stmt->accessMethod == NULL ||
		strcmp(stmt->accessMethod, "kvam_key") != 0)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!is_kvam_table(relid))
		return;

	CommandCounterIncrement();
	rel = table_open(relid, AccessShareLock);
	eligible = rel->rd_rel->relreplident == REPLICA_IDENTITY_DEFAULT;
	indexes = eligible ? RelationGetIndexList(rel) : NIL;
	foreach(lc, indexes)
	{
		Relation	index;
		int			i;

		if (KvamRelationAm(lfirst_oid(lc)) != keyam)
			continue;
		index = index_open(lfirst_oid(lc), AccessShareLock);
		if (index->rd_index->indisvalid && index->rd_index->indimmediate)
		{
			keyindex = RelationGetRelid(index);
			for (i = 0; i < index->rd_index->indnkeyatts; i++)
			{
				AttrNumber	att = index->rd_index->indkey.values[i];

				if (att <= 0 ||
					!TupleDescAttr(RelationGetDescr(rel), att - 1)->attnotnull)
					keyindex = InvalidOid;
			}
		}
		index_close(index, AccessShareLock);
	}
	table_close(rel, AccessShareLock);

	if (OidIsValid(keyindex))
	{
		ReplicaIdentityStmt *ri = makeNode(ReplicaIdentityStmt);
		AlterTableCmd *cmd = makeNode(AlterTableCmd);

		ri->identity_type = REPLICA_IDENTITY_INDEX;
		ri->name = get_rel_name(keyindex);
		cmd->subtype = AT_ReplicaIdentity;
		cmd->def = (Node *) ri;
		AlterTableInternal(relid, list_make1(cmd), false);
	}
}

static void
kvam_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					bool readOnlyTree, ProcessUtilityContext context,
					ParamListInfo params, QueryEnvironment *queryEnv,
					DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			check_create((CreateStmt *) parsetree);
			break;
		case T_AlterTableStmt:
			check_alter((AlterTableStmt *) parsetree);
			break;
		case T_DropStmt:
			check_drop((DropStmt *) parsetree);
			break;
		default:
			break;
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	if (IsA(parsetree, IndexStmt))
		key_index_replica_identity((IndexStmt *) parsetree);
}

static void
kvam_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);

	if (query->commandType == CMD_INSERT && query->onConflict != NULL &&
		query->resultRelation > 0)
	{
		RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);

		if (rte->rtekind == RTE_RELATION && is_kvam_table(rte->relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("INSERT ... ON CONFLICT is not supported on kvam table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("PostgreSQL 15 accepts only btree indexes as conflict arbiters."),
					 errhint("Use kvam.put_item() to upsert, or INSERT and handle unique_violation.")));
	}
}

/*
 * KvamUtilityInit installs the ProcessUtility and post-parse-analysis
 * hooks.
 */
void
KvamUtilityInit(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = kvam_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = kvam_post_parse_analyze;
}
