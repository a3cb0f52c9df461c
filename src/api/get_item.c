/*-------------------------------------------------------------------------
 *
 * get_item.c
 *	  GetItem: read one item by key.
 *
 * Consistent and eventually consistent reads both read with a fresh
 * snapshot (KvamTableGet), which already sees every acknowledged write;
 * ConsistentRead only changes the capacity charged, and in a kvam cluster
 * it is refused at a node that does not lead the key's range (KV001; at a
 * joining node, eventually consistent reads too).
 *
 * IDENTIFICATION
 *	  src/api/get_item.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/capacity.h"
#include "api/item_ops.h"
#include "api/keymap.h"
#include "api/ops.h"
#include "api/table.h"
#include "item/item.h"

/*
 * KvamOpGetItem: the GetItem operation.
 */
void
KvamOpGetItem(const JsonbValue *req, KvamOut *out)
{
	KvamItemReq r;

	KvamItemReqParse(req, &r, "GetItem", false, 0, "ProjectionExpression");
	KvamGetItemCore(&r, out);
}

/*
 * KvamGetItemCore reads r->key.  Needs SELECT on the table.
 */
void
KvamGetItemCore(const KvamItemReq *r, KvamOut *out)
{
	KvamApiTable *t = KvamTableOpen(r->table_name, r->operation, ACL_SELECT);
	KvamAttr   *item;
	int64		size = 0;

	KvamKeyCheck(&t->def->key, r->key);
	KvamTableCheckRead(t, r->key, r->consistent_read);
	item = KvamTableGet(t, r->key);
	if (item != NULL)
	{
		size = KvamItemSize(item);
		KvamOutItem(out, "Item", r->projection ?
					KvamProjectionApply(r->projection, item) : item);
	}
	KvamCapacityOut(out, "ConsumedCapacity", r->return_capacity, t->def->table_name,
					KvamCapacityReadUnits(size, r->consistent_read));
	KvamTableClose(t);
}
