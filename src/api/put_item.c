/*-------------------------------------------------------------------------
 *
 * put_item.c
 *	  PutItem: create or replace an item, optionally under a condition.
 *
 * The write follows table.h's protocol: read the key's newest state,
 * evaluate the condition on it, write if the state is unchanged, else
 * retry; so a failed condition always refers to a committed (or own)
 * item, and racing conditional puts serialize.
 *
 * IDENTIFICATION
 *	  src/api/put_item.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "api/capacity.h"
#include "api/item_ops.h"
#include "api/ops.h"
#include "api/table.h"
#include "item/item.h"

/*
 * KvamOpPutItem: the PutItem operation.  ReturnValues NONE or ALL_OLD.
 */
void
KvamOpPutItem(const JsonbValue *req, KvamOut *out)
{
	KvamItemReq r;

	KvamItemReqParse(req, &r, "PutItem", true,
					 (1 << KVAM_RV_NONE) | (1 << KVAM_RV_ALL_OLD), NULL);
	KvamPutItemCore(&r, out);
}

/*
 * KvamPutItemCore writes r->item.  Needs INSERT and UPDATE on the table
 * (and SELECT when the old item is returned).
 */
void
KvamPutItemCore(const KvamItemReq *r, KvamOut *out)
{
	AclMode		needed = ACL_INSERT | ACL_UPDATE;
	KvamApiTable *t;
	KvamAttr   *key;
	KvamAttr   *old;
	ItemPointerData tid;
	int64		size;

	KvamItemCheckSize(r->item, false);
	if (r->return_values != KVAM_RV_NONE || r->return_old_on_failure)
		needed |= ACL_SELECT;
	t = KvamTableOpen(r->table_name, r->operation, needed);
	KvamItemCheckKey(&t->def->key, r->item);
	key = KvamItemKey(&t->def->key, r->item);
	for (;;)
	{
		old = KvamTableReadLatest(t, key, &tid);
		if (r->condition && !KvamConditionEval(r->condition, old))
			KvamRaiseConditionFailed(r, old);
		if (KvamTableWrite(t, key, r->item, old ? &tid : NULL))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	if (r->return_values == KVAM_RV_ALL_OLD)
		KvamOutAttributes(out, old);
	size = KvamItemSize(r->item);
	if (old)
		size = Max(size, KvamItemSize(old));
	KvamCapacityOut(out, "ConsumedCapacity", r->return_capacity,
					t->def->table_name, KvamCapacityWriteUnits(size));
	KvamTableClose(t);
}
