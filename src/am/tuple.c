/*-------------------------------------------------------------------------
 *
 * tuple.c
 *	  Rows and versions: key extraction, building versions from slots,
 *	  storing versions into slots.
 *
 * A put version embeds an ordinary heap tuple (HeapTupleHeader + data) so
 * that slots, TOAST, triggers and WAL decoding see PostgreSQL's own tuple
 * format.  Values too large to fit go out of line into the relation's toast
 * table exactly as heap does (heap_toast_insert_or_update); the version then
 * holds toast pointers.
 *
 * IDENTIFICATION
 *	  src/am/tuple.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "am/kvam_am.h"
#include "lsm/keycode.h"

KvamRelInfo *
KvamRelInfoKeyed(Relation rel)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);

	if (!info->keyed)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kvam table \"%s\" has no key index",
						RelationGetRelationName(rel)),
				 errdetail("A kvam table stores rows only once its key is defined."),
				 errhint("Create it with CREATE UNIQUE INDEX ON %s USING kvam_key (partition_key [, sort_key]).",
						 RelationGetRelationName(rel))));
	return info;
}

static void
check_not_null(Relation rel, TupleTableSlot *slot, AttrNumber attnum)
{
	bool		isnull;

	(void) slot_getattr(slot, attnum, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in key column \"%s\" of relation \"%s\"",
						NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
						RelationGetRelationName(rel)),
				 errtablecol(rel, attnum)));
}

/*
 * Synthetic keys of rows loaded before the key index exists (see
 * KvamSlotKey): partition hash 0, then 0xFF (a byte no S or N encoding
 * starts with), then the writer's xid, command id and a per-backend
 * counter, so that every staged row has a key of its own.
 */
static void
synthetic_key(StringInfo key)
{
	static uint64 counter = 0;
	TransactionId xid = GetCurrentTransactionId();
	CommandId	cid = GetCurrentCommandId(true);
	int			i;

	resetStringInfo(key);
	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		appendStringInfoChar(key, '\0');
	appendStringInfoChar(key, (char) 0xFF);
	appendBinaryStringInfo(key, (char *) &xid, sizeof(xid));
	appendBinaryStringInfo(key, (char *) &cid, sizeof(cid));
	counter++;
	appendBinaryStringInfo(key, (char *) &counter, sizeof(counter));
}

/*
 * KvamKeyIsSynthetic: was this key made by synthetic_key()?
 */
bool
KvamKeyIsSynthetic(const char *key, Size keylen)
{
	int			i;

	if (keylen != KVAM_SYNTHETIC_KEY_LEN || (unsigned char) key[KVAM_KEY_HASH_BYTES] != 0xFF)
		return false;
	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		if (key[i] != 0)
			return false;
	return true;
}

void
KvamSlotKey(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
			StringInfo key)
{
	Datum		pk,
				sk = (Datum) 0;
	bool		isnull;

	if (!info->keyed)
	{
		synthetic_key(key);
		return;
	}

	check_not_null(rel, slot, info->pkattnum);
	pk = slot_getattr(slot, info->pkattnum, &isnull);
	if (info->sktype != KVAM_KEY_NONE)
	{
		check_not_null(rel, slot, info->skattnum);
		sk = slot_getattr(slot, info->skattnum, &isnull);
	}
	KvamKeyEncode(key, info->pktype, pk, info->sktype, sk);
}

KvamVersion
KvamFormVersion(Relation rel, TupleTableSlot *slot, const char *key,
				Size keylen, CommandId cid, uint16 flags, int options,
				Size *vlen)
{
	KvamVersion v;
	HeapTuple	tuple = NULL;
	bool		shouldFree = false;
	Size		len;
	TransactionId xid = GetCurrentTransactionId();

	if (keylen > KVAM_MAX_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvam key of %zu encoded bytes exceeds the maximum of %d",
						keylen, KVAM_MAX_KEY_BYTES),
				 errtable(rel)));

	if (slot != NULL)
	{
		tuple = ExecFetchSlotHeapTuple(slot, true, &shouldFree);
		if (HeapTupleHasExternal(tuple) || tuple->t_len > TOAST_TUPLE_THRESHOLD)
		{
			HeapTuple	toasted;

			toasted = heap_toast_insert_or_update(rel, tuple, NULL, options);
			if (shouldFree)
				heap_freetuple(tuple);
			tuple = toasted;
			shouldFree = true;
		}
		len = KvamVersionTupleOffset(keylen) + tuple->t_len;
	}
	else
		len = SizeOfKvamVersionHeader + keylen;

	v = palloc0(len);
	v->xmin = xid;
	v->cid = cid;
	v->flags = flags;
	v->keylen = keylen;
	memcpy(v->key, key, keylen);
	if (tuple != NULL)
	{
		HeapTupleHeader th = KvamVersionGetTuple(v);

		memcpy(th, tuple->t_data, tuple->t_len);
		th->t_infomask &= ~HEAP_XACT_MASK;
		th->t_infomask |= HEAP_XMAX_INVALID;
		HeapTupleHeaderSetXmin(th, xid);
		HeapTupleHeaderSetCmin(th, cid);
		HeapTupleHeaderSetXmax(th, InvalidTransactionId);
		if (shouldFree)
			heap_freetuple(tuple);
	}
	*vlen = len;
	return v;
}

void
KvamStoreVersion(Relation rel, TupleTableSlot *slot, KvamVersion v, Size len,
				 ItemPointer tid)
{
	Size		tuplen = len - KvamVersionTupleOffset(v->keylen);
	HeapTuple	tuple;

	Assert(KvamVersionHasTuple(v));
	tuple = MemoryContextAlloc(slot->tts_mcxt, HEAPTUPLESIZE + tuplen);
	tuple->t_len = tuplen;
	tuple->t_self = *tid;
	tuple->t_tableOid = RelationGetRelid(rel);
	tuple->t_data = (HeapTupleHeader) ((char *) tuple + HEAPTUPLESIZE);
	memcpy(tuple->t_data, KvamVersionGetTuple(v), tuplen);
	tuple->t_data->t_ctid = *tid;
	ExecForceStoreHeapTuple(tuple, slot, true);
	slot->tts_tableOid = RelationGetRelid(rel);
	slot->tts_tid = *tid;
}

int
KvamPartitionOfKey(KvamRelInfo *info, const char *key)
{
	return KvamRelFindPartition(info, KvamKeyHashOf(key));
}

char *
KvamKeyIndexName(KvamRelInfo *info)
{
	char	   *name = get_rel_name(info->keyindex);

	return name ? name : pstrdup("kvam_key");
}
