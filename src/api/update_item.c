/*-------------------------------------------------------------------------
 *
 * update_item.c
 *	  UpdateItem: edit (or create) one item with an UpdateExpression,
 *	  optionally under a condition.
 *
 * Same write protocol as PutItem (table.h): the update is applied to the
 * newest state and retried from a fresh read when another writer got in
 * between, so concurrent ADDs on one counter never lose an update.  An
 * UpdateItem without UpdateExpression creates the item with only its key
 * when it does not exist.  Key attributes cannot be updated.
 *
 * IDENTIFICATION
 *	  src/api/update_item.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "api/capacity.h"
#include "api/errors.h"
#include "api/item_ops.h"
#include "api/keymap.h"
#include "api/ops.h"
#include "api/table.h"
#include "item/item.h"

/*
 * KvamOpUpdateItem: the UpdateItem operation; all five ReturnValues.
 */
void
KvamOpUpdateItem(const JsonbValue *req, KvamOut *out)
{
	KvamItemReq r;

	KvamItemReqParse(req, &r, "UpdateItem", false, 0x1f, "UpdateExpression");
	KvamUpdateItemCore(&r, out);
}

static void
check_key_not_updated(const KvamKeySchema *ks, const KvamPath *paths, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		KvamBytes	name = paths[i].elems[0].name;

		if (KvamKeySchemaIsKey(ks, name.data, name.len))
			KvamRaise(KVAM_EX_VALIDATION,
					  "One or more parameter values were invalid: Cannot update attribute %.*s. This attribute is part of the key",
					  name.len, name.data);
	}
}

/*
 * KvamUpdateItemCore applies r->update to r->key.  Needs INSERT and UPDATE
 * on the table (and SELECT when values are returned).
 */
void
KvamUpdateItemCore(const KvamItemReq *r, KvamOut *out)
{
	AclMode		needed = ACL_INSERT | ACL_UPDATE;
	KvamApiTable *t;
	const KvamPath *paths = NULL;
	int			npaths = 0;
	KvamAttr   *old;
	KvamAttr   *new;
	ItemPointerData tid;
	int64		size;

	if (r->return_values != KVAM_RV_NONE || r->return_old_on_failure)
		needed |= ACL_SELECT;
	t = KvamTableOpen(r->table_name, r->operation, needed);
	KvamKeyCheck(&t->def->key, r->key);
	if (r->update)
	{
		paths = KvamUpdatePaths(r->update, &npaths);
		check_key_not_updated(&t->def->key, paths, npaths);
	}
	for (;;)
	{
		old = KvamTableReadLatest(t, r->key, &tid);
		if (r->condition && !KvamConditionEval(r->condition, old))
			KvamRaiseConditionFailed(r, old);
		if (r->update)
			new = KvamItemWithKey(r->key, KvamUpdateApply(r->update, old));
		else
			new = old ? old : KvamItemWithKey(r->key, KvamAttrMakeMap(0));
		KvamItemCheckSize(new, true);
		if (KvamTableWrite(t, r->key, new, old ? &tid : NULL))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	switch (r->return_values)
	{
		case KVAM_RV_NONE:
			break;
		case KVAM_RV_ALL_OLD:
			KvamOutAttributes(out, old);
			break;
		case KVAM_RV_ALL_NEW:
			KvamOutAttributes(out, new);
			break;
		case KVAM_RV_UPDATED_OLD:
			if (old)
				KvamOutAttributes(out, KvamProjectPaths(paths, npaths, old));
			break;
		case KVAM_RV_UPDATED_NEW:
			KvamOutAttributes(out, KvamProjectPaths(paths, npaths, new));
			break;
	}
	size = KvamItemSize(new);
	if (old)
		size = Max(size, KvamItemSize(old));
	KvamCapacityOut(out, "ConsumedCapacity", r->return_capacity, t->def->table_name,
					KvamCapacityWriteUnits(size));
	KvamTableClose(t);
}
