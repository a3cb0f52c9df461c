/*-------------------------------------------------------------------------
 *
 * table.c
 *	  The table layer of the DynamoDB API (contracts in table.h).
 *
 * Reads and writes call the kvam table AM directly (point lookups through
 * the LSM, table_tuple_update/delete, KvamKeyInsertIfAbsent) instead of
 * going through SQL, so an API call costs one key lookup per read and a
 * read plus a checked append per write.  The optimistic write protocol
 * (read the newest state, write only if it is still the newest, else
 * retry) is described in table.h and am/modify.c.
 *
 * IDENTIFICATION
 *	  src/api/table.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "am/kvam_am.h"
#include "api/errors.h"
#include "api/itemtype.h"
#include "api/keymap.h"
#include "api/table.h"
#include "cluster/rules.h"
#include "item/item.h"
#include "lsm/keycode.h"

static void
not_found(void)
{
	KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND, "Requested resource not found");
}

static void
access_denied(const char *operation, const char *name, const char *why)
{
	KvamRaise(KVAM_EX_ACCESS_DENIED,
			  "User: arn:aws:iam::%s:user/%s is not authorized to perform: dynamodb:%s on resource: %s%s",
			  kvam_account_id, GetUserNameFromId(GetUserId(), false),
			  operation, KvamTableArn(name), why);
}

static Oid
item_type_oid(void)
{
	Oid			nsp = get_namespace_oid("kvam", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum("item"), ObjectIdGetDatum(nsp));
}

/*
 * Refuse writes the executor would do more for: triggers, CHECK
 * constraints, NOT NULL columns the API does not fill.
 */
static void
check_writable(KvamApiTable *t)
{
	Relation	rel = t->rel;
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	if (rel->trigdesc != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("DynamoDB API writes to table \"%s\" are refused because its relation \"%s\" has triggers",
						t->def->table_name, RelationGetRelationName(rel)),
				 errdetail("The API writes items through the table access method and would not fire them."),
				 errhint("Drop the triggers, or write with SQL.")));
	if (desc->constr != NULL && desc->constr->num_check > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("DynamoDB API writes to table \"%s\" are refused because its relation \"%s\" has CHECK constraints",
						t->def->table_name, RelationGetRelationName(rel))));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped || a->attnum == t->pk_att ||
			a->attnum == t->sk_att || a->attnum == t->item_att)
			continue;
		if (a->attnotnull)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("DynamoDB API writes to table \"%s\" are refused because its relation \"%s\" has the NOT NULL column \"%s\"",
							t->def->table_name, RelationGetRelationName(rel),
							NameStr(a->attname))));
	}
}

KvamApiTable *
KvamTableOpen(const char *name, const char *operation, AclMode required)
{
	bool		write = (required & (ACL_INSERT | ACL_UPDATE | ACL_DELETE)) != 0;
	LOCKMODE	mode = write ? RowExclusiveLock : AccessShareLock;
	KvamCachedTable *ct;
	KvamTableDef *def;
	KvamApiTable *t;
	Relation	rel;
	KvamRelInfo *info;

	for (;;)
	{
		uint64		generation = KvamTableCacheGeneration();

		ct = KvamTableCacheLookup(name);
		if (ct == NULL)
			not_found();
		def = ct->def;
		rel = try_table_open(def->relid, mode);
		if (generation == KvamTableCacheGeneration())
			break;
		/* invalidations arrived while locking: read the row again */
		if (rel != NULL)
			table_close(rel, NoLock);
	}
	if (rel == NULL)
		not_found();
	if (!KvamIsKvamRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relation \"%s\" of DynamoDB table \"%s\" is not a kvam table",
						RelationGetRelationName(rel), name)));

	if (pg_class_aclmask(def->relid, GetUserId(), required, ACLMASK_ALL) != required)
		access_denied(operation, name, "");
	if (check_enable_rls(def->relid, InvalidOid, true) == RLS_ENABLED)
		access_denied(operation, name,
					  " because row-level security is enabled on its relation");

	t = palloc0(sizeof(KvamApiTable));
	t->def = def;
	t->rel = rel;
	t->operation = operation;
	info = KvamRelInfoKeyed(rel);
	t->pk_att = info->pkattnum;
	t->sk_att = info->sktype != KVAM_KEY_NONE ? info->skattnum : InvalidAttrNumber;
	if (ct->item_att == InvalidAttrNumber)
	{
		/* once per cached row: the cache drops it when the relation changes */
		AttrNumber	item_att = get_attnum(def->relid, "item");

		if (item_att == InvalidAttrNumber ||
			get_atttype(def->relid, item_att) != item_type_oid() ||
			(int) info->pktype != (int) KvamAttrTypeName(def->key.hash_type)[0] ||
			(def->key.range_name != NULL) != (info->sktype != KVAM_KEY_NONE))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("relation \"%s\" does not have the shape of DynamoDB table \"%s\"",
							RelationGetRelationName(rel), name),
					 errdetail("kvam.tables and the relation disagree on the key or the item column.")));
		ct->item_att = item_att;
	}
	t->item_att = ct->item_att;
	if (write)
		check_writable(t);
	t->slot = table_slot_create(rel, NULL);
	return t;
}

void
KvamTableClose(KvamApiTable *t)
{
	ExecDropSingleTupleTableSlot(t->slot);
	table_close(t->rel, NoLock);
	pfree(t);
}

static void
key_datums(KvamApiTable *t, const KvamAttr *key, Datum *pk, Datum *sk)
{
	const KvamKeySchema *ks = &t->def->key;

	*pk = KvamKeyAttrToDatum(KvamMapGet(key, ks->hash_name, strlen(ks->hash_name)));
	*sk = ks->range_name ?
		KvamKeyAttrToDatum(KvamMapGet(key, ks->range_name, strlen(ks->range_name))) :
		(Datum) 0;
}

void
KvamTableEncodeKey(KvamApiTable *t, const KvamAttr *key, StringInfo out)
{
	KvamRelInfo *info = KvamRelInfoKeyed(t->rel);
	Datum		pk,
				sk;

	key_datums(t, key, &pk, &sk);
	KvamKeyEncode(out, info->pktype, pk, info->sktype, sk);
}

KvamAttr *
KvamTableRowToItem(KvamApiTable *t, TupleTableSlot *slot)
{
	const KvamKeySchema *ks = &t->def->key;
	KvamAttr   *key = KvamAttrMakeMap(2);
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, t->pk_att, &isnull);
	KvamMapPut(key, ks->hash_name, strlen(ks->hash_name),
			   KvamKeyDatumToAttr(ks->hash_type, d));
	if (ks->range_name)
	{
		d = slot_getattr(slot, t->sk_att, &isnull);
		KvamMapPut(key, ks->range_name, strlen(ks->range_name),
				   KvamKeyDatumToAttr(ks->range_type, d));
	}
	d = slot_getattr(slot, t->item_att, &isnull);
	if (isnull)
		return key;
	return KvamItemWithKey(key, KvamItemFromDatum(d));
}

KvamAttr *
KvamTableGet(KvamApiTable *t, const KvamAttr *key)
{
	Snapshot	snap = RegisterSnapshot(GetTransactionSnapshot());
	KvamAttr   *item = KvamTableGetSnapshot(t, key, snap);

	UnregisterSnapshot(snap);
	return item;
}

KvamAttr *
KvamTableGetSnapshot(KvamApiTable *t, const KvamAttr *key, Snapshot snap)
{
	KvamRelInfo *info = KvamRelInfoKeyed(t->rel);
	StringInfoData buf;
	KvamKeyGroup g;
	int			vis;
	KvamAttr   *item = NULL;

	initStringInfo(&buf);
	KvamTableEncodeKey(t, key, &buf);
	KvamPredicateLockRead(t->rel, snap);
	KvamKeyGroupLookup(t->rel, info, buf.data, buf.len, snap, &g);
	vis = KvamChooseVisible(t->rel, &g, snap);
	if (vis >= 0)
	{
		KvamStoreVersion(t->rel, t->slot, g.v[vis], g.len[vis], &g.tid[vis]);
		item = KvamTableRowToItem(t, t->slot);
		ExecClearTuple(t->slot);
	}
	pfree(buf.data);
	return item;
}

/* KvamTableReadLatest, and with 'lock' KvamTableLockLatest. */
static KvamAttr *
read_latest(KvamApiTable *t, const KvamAttr *key, ItemPointer tid, bool lock)
{
	StringInfoData buf;
	KvamAttr   *item = NULL;
	bool		live;

	initStringInfo(&buf);
	KvamTableEncodeKey(t, key, &buf);
	/* a write's read-before-write: the cluster's write rules apply here */
	KvamClusterCheckWrite(t->rel, buf.data, buf.len);
	ItemPointerSetInvalid(tid);
	live = lock ?
		KvamKeyLockLatest(t->rel, buf.data, buf.len, t->slot,
						  GetCurrentCommandId(true)) :
		KvamKeyFetchLatest(t->rel, buf.data, buf.len, t->slot);
	if (live)
	{
		*tid = t->slot->tts_tid;
		item = KvamTableRowToItem(t, t->slot);
		ExecClearTuple(t->slot);
	}
	pfree(buf.data);
	return item;
}

void
KvamTableCheckRead(KvamApiTable *t, const KvamAttr *key, bool consistent)
{
	StringInfoData buf;
	uint64		hash;

	if (!KvamClusterReadChecked(t->rel, consistent))
		return;
	initStringInfo(&buf);
	KvamTableEncodeKey(t, key, &buf);
	hash = KvamKeyHashOf(buf.data);
	KvamClusterCheckRead(t->rel, hash, hash);
	pfree(buf.data);
}

KvamAttr *
KvamTableReadLatest(KvamApiTable *t, const KvamAttr *key, ItemPointer tid)
{
	return read_latest(t, key, tid, false);
}

KvamAttr *
KvamTableLockLatest(KvamApiTable *t, const KvamAttr *key)
{
	ItemPointerData tid;

	return read_latest(t, key, &tid, true);
}

/* Fill the scratch slot with the row of 'item' (full item). */
static void
fill_slot(KvamApiTable *t, const KvamAttr *key, const KvamAttr *item)
{
	TupleTableSlot *slot = t->slot;
	Datum		pk,
				sk;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	key_datums(t, key, &pk, &sk);
	slot->tts_values[t->pk_att - 1] = pk;
	slot->tts_isnull[t->pk_att - 1] = false;
	if (t->sk_att != InvalidAttrNumber)
	{
		slot->tts_values[t->sk_att - 1] = sk;
		slot->tts_isnull[t->sk_att - 1] = false;
	}
	slot->tts_values[t->item_att - 1] =
		KvamItemDatum(KvamItemWithoutKey(&t->def->key, item));
	slot->tts_isnull[t->item_att - 1] = false;
	ExecStoreVirtualTuple(slot);
}

bool
KvamTableWrite(KvamApiTable *t, const KvamAttr *key, const KvamAttr *item,
			   ItemPointer expected)
{
	CommandId	cid = GetCurrentCommandId(true);
	TM_FailureData tmfd;
	TM_Result	res;

	if (item == NULL)
	{
		if (expected == NULL)
			return true;
		res = table_tuple_delete(t->rel, expected, cid, InvalidSnapshot,
								 InvalidSnapshot, true, &tmfd, false);
	}
	else
	{
		fill_slot(t, key, item);
		if (expected == NULL)
			res = KvamKeyInsertIfAbsent(t->rel, t->slot, cid) ? TM_Ok : TM_Updated;
		else
		{
			LockTupleMode lockmode;
			bool		update_indexes;

			res = table_tuple_update(t->rel, expected, t->slot, cid,
									 InvalidSnapshot, InvalidSnapshot, true,
									 &tmfd, &lockmode, &update_indexes);
		}
		ExecClearTuple(t->slot);
	}
	switch (res)
	{
		case TM_Ok:
			CommandCounterIncrement();
			return true;
		case TM_Updated:
		case TM_Deleted:
		case TM_SelfModified:
			return false;
		default:
			elog(ERROR, "unexpected table_tuple_update/delete status: %u", res);
	}
	return false;				/* keep compiler quiet */
}
