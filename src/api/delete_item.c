/*-------------------------------------------------------------------------
 *
 * delete_item.c
 *	  DeleteItem: delete one item by key, optionally under a condition.
 *
 * Same write protocol as PutItem (table.h).  Deleting an absent item
 * succeeds (when the condition holds for "no item") and writes nothing.
 *
 * IDENTIFICATION
 *	  src/api/delete_item.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "api/capacity.h"
#include "api/item_ops.h"
#include "api/keymap.h"
#include "api/ops.h"
#include "api/table.h"
#include "item/item.h"

/*
 * KvamOpDeleteItem: the DeleteItem operation.  ReturnValues NONE or
 * ALL_OLD.
 */
void
KvamOpDeleteItem(const JsonbValue *req, KvamOut *out)
{
	KvamItemReq r;

	KvamItemReqParse(req, &r, "DeleteItem", false,
					 (1 << KVAM_RV_NONE) | (1 << KVAM_RV_ALL_OLD), NULL);
	KvamDeleteItemCore(&r, out);
}

/*
 * KvamDeleteItemCore deletes r->key.  Needs DELETE on the table (and
 * SELECT when the old item is returned).
 */
void
KvamDeleteItemCore(const KvamItemReq *r, KvamOut *out)
{
	AclMode		needed = ACL_DELETE;
	KvamApiTable *t;
	KvamAttr   *old;
	ItemPointerData tid;

	if (r->return_values != KVAM_RV_NONE || r->return_old_on_failure)
		needed |= ACL_SELECT;
	t = KvamTableOpen(r->table_name, r->operation, needed);
	KvamKeyCheck(&t->def->key, r->key);
	for (;;)
	{
		old = KvamTableReadLatest(t, r->key, &tid);
		if (r->condition && !KvamConditionEval(r->condition, old))
			KvamRaiseConditionFailed(r, old);
		if (KvamTableWrite(t, r->key, NULL, old ? &tid : NULL))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	if (r->return_values == KVAM_RV_ALL_OLD)
		KvamOutAttributes(out, old);
	KvamCapacityOut(out, "ConsumedCapacity", r->return_capacity, t->def->table_name,
					KvamCapacityWriteUnits(old ? KvamItemSize(old) : 0));
	KvamTableClose(t);
}
