/*-------------------------------------------------------------------------
 *
 * handler.c
 *	  The kvam table access method: wiring of TableAmRoutine.
 *
 * This file only wires callbacks to their implementations (scan.c,
 * modify.c, relation.c) and holds the small helpers that identify kvam
 * relations.  Callbacks left NULL are optional in PostgreSQL 15: TID range
 * scans and bitmap heap scans, which both assume stable physical TIDs.
 *
 * IDENTIFICATION
 *	  src/am/handler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "access/relation.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"
#include "access/htup_details.h"

#include "am/kvam_am.h"

static void
kvam_finish_bulk_insert(Relation rel, int options)
{
	/* versions are WAL-logged as they are written: nothing to sync */
}

static TransactionId
kvam_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	/* Only kvam_key indexes exist on kvam tables; they store nothing. */
	delstate->ndeltids = 0;
	return InvalidTransactionId;
}

static const TableAmRoutine kvam_methods = {
	.type = T_TableAmRoutine,

	.slot_callbacks = kvam_slot_callbacks,

	.scan_begin = kvam_scan_begin,
	.scan_end = kvam_scan_end,
	.scan_rescan = kvam_scan_rescan,
	.scan_getnextslot = kvam_scan_getnextslot,

	.scan_set_tidrange = NULL,
	.scan_getnextslot_tidrange = NULL,

	.parallelscan_estimate = kvam_parallelscan_estimate,
	.parallelscan_initialize = kvam_parallelscan_initialize,
	.parallelscan_reinitialize = kvam_parallelscan_reinitialize,

	.index_fetch_begin = kvam_index_fetch_begin,
	.index_fetch_reset = kvam_index_fetch_reset,
	.index_fetch_end = kvam_index_fetch_end,
	.index_fetch_tuple = kvam_index_fetch_tuple,

	.tuple_fetch_row_version = kvam_tuple_fetch_row_version,
	.tuple_tid_valid = kvam_tuple_tid_valid,
	.tuple_get_latest_tid = kvam_tuple_get_latest_tid,
	.tuple_satisfies_snapshot = kvam_tuple_satisfies_snapshot,
	.index_delete_tuples = kvam_index_delete_tuples,

	.tuple_insert = kvam_tuple_insert,
	.tuple_insert_speculative = kvam_tuple_insert_speculative,
	.tuple_complete_speculative = kvam_tuple_complete_speculative,
	.multi_insert = kvam_multi_insert,
	.tuple_delete = kvam_tuple_delete,
	.tuple_update = kvam_tuple_update,
	.tuple_lock = kvam_tuple_lock,
	.finish_bulk_insert = kvam_finish_bulk_insert,

	.relation_set_new_filenode = kvam_relation_set_new_filenode,
	.relation_nontransactional_truncate = kvam_relation_nontransactional_truncate,
	.relation_copy_data = kvam_relation_copy_data,
	.relation_copy_for_cluster = kvam_relation_copy_for_cluster,
	.relation_vacuum = kvam_relation_vacuum,
	.scan_analyze_next_block = kvam_scan_analyze_next_block,
	.scan_analyze_next_tuple = kvam_scan_analyze_next_tuple,
	.index_build_range_scan = kvam_index_build_range_scan,
	.index_validate_scan = kvam_index_validate_scan,

	.relation_size = table_block_relation_size,
	.relation_needs_toast_table = kvam_relation_needs_toast_table,
	.relation_toast_am = kvam_relation_toast_am,
	.relation_fetch_toast_slice = heap_fetch_toast_slice,

	.relation_estimate_size = kvam_estimate_rel_size,

	.scan_bitmap_next_block = NULL,
	.scan_bitmap_next_tuple = NULL,
	.scan_sample_next_block = kvam_scan_sample_next_block,
	.scan_sample_next_tuple = kvam_scan_sample_next_tuple,
};

/*
 * KvamRelationAm returns the access method of a relation (InvalidOid if
 * it does not exist).
 */
Oid
KvamRelationAm(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			am = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		am = ((Form_pg_class) GETSTRUCT(tup))->relam;
		ReleaseSysCache(tup);
	}
	return am;
}

bool
KvamIsKvamRelation(Relation rel)
{
	return rel->rd_tableam == &kvam_methods;
}

Relation
KvamOpenTable(Oid relid, LOCKMODE lockmode, bool owner)
{
	Relation	rel = relation_open(relid, lockmode);

	if (!KvamIsKvamRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a kvam table", RelationGetRelationName(rel))));
	if (owner && !pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(rel));
	return rel;
}

PG_FUNCTION_INFO_V1(kvam_tableam_handler);

/*
 * kvam_tableam_handler returns the kvam TableAmRoutine.
 */
Datum
kvam_tableam_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&kvam_methods);
}
