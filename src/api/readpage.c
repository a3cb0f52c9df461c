/*-------------------------------------------------------------------------
 *
 * readpage.c
 *	  The parameters and the page logic Query and Scan share (contracts
 *	  in readpage.h).
 *
 * Select rules (DynamoDB): SPECIFIC_ATTRIBUTES needs ProjectionExpression
 * or AttributesToGet; ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES and COUNT
 * refuse them; ALL_PROJECTED_ATTRIBUTES needs IndexName (kvam has no
 * secondary indexes yet, so it is always refused).  Without Select, a
 * projection means SPECIFIC_ATTRIBUTES, else ALL_ATTRIBUTES.
 *
 * IDENTIFICATION
 *	  src/api/readpage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "api/capacity.h"
#include "api/errors.h"
#include "api/readpage.h"
#include "api/table.h"
#include "cluster/rules.h"
#include "expr/exprjson.h"
#include "item/item.h"
#include "lsm/keycode.h"

static const char *const select_names[] = {
	[KVAM_SELECT_ALL_ATTRIBUTES] = "ALL_ATTRIBUTES",
	[KVAM_SELECT_ALL_PROJECTED_ATTRIBUTES] = "ALL_PROJECTED_ATTRIBUTES",
	[KVAM_SELECT_SPECIFIC_ATTRIBUTES] = "SPECIFIC_ATTRIBUTES",
	[KVAM_SELECT_COUNT] = "COUNT"
};

/*
 * KvamReadPageValidate collects the constraint errors of the shared
 * members.
 */
char *
KvamReadPageValidate(KvamReadPage *rp, const JsonbValue *req, KvamValErrors *e)
{
	static const char *const selects[] = {"SPECIFIC_ATTRIBUTES", "COUNT",
	"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", NULL};
	char	   *table_name = KvamReqString(req, "TableName");
	char	   *select = KvamReqString(req, "Select");
	int64		limit;

	memset(rp, 0, sizeof(KvamReadPage));
	KvamValTableName(e, table_name, "tableName", true);
	if (KvamReqInteger(req, "Limit", &limit) && limit < 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, limit), "limit",
				   "Member must have value greater than or equal to 1");
	KvamValEnum(e, select, "select", selects);
	rp->rcc = KvamReqReturnCapacity(req, e);
	return table_name;
}

/* Select against the projection (its enum value was checked already). */
static KvamSelect
parse_select(const JsonbValue *req, bool has_projection, bool legacy)
{
	const char *projname = legacy ? "AttributesToGet" : "ProjectionExpression";
	char	   *s = KvamReqString(req, "Select");
	int			i;
	KvamSelect	sel;

	if (s == NULL)
		return has_projection ? KVAM_SELECT_SPECIFIC_ATTRIBUTES : KVAM_SELECT_ALL_ATTRIBUTES;
	for (i = 0; i < lengthof(select_names); i++)
		if (strcmp(s, select_names[i]) == 0)
			break;
	Assert(i < lengthof(select_names));
	sel = (KvamSelect) i;
	switch (sel)
	{
		case KVAM_SELECT_ALL_ATTRIBUTES:
		case KVAM_SELECT_ALL_PROJECTED_ATTRIBUTES:
			if (has_projection)
				KvamValidationError("Cannot specify the %s when choosing to get %s",
									projname, select_names[sel]);
			if (sel == KVAM_SELECT_ALL_PROJECTED_ATTRIBUTES)
				KvamValidationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
			break;
		case KVAM_SELECT_COUNT:
			if (has_projection)
				KvamValidationError("Cannot specify the %s when choosing to get only the Count",
									projname);
			break;
		case KVAM_SELECT_SPECIFIC_ATTRIBUTES:
			if (!has_projection)
				KvamValidationError("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
			break;
	}
	return sel;
}

/*
 * KvamReadPageParse compiles filter and projection and reads the scalar
 * parameters.
 */
void
KvamReadPageParse(KvamReadPage *rp, const JsonbValue *req, KvamParamSet set)
{
	const char *filter_param = set == KVAM_PARAMS_QUERY ? "QueryFilter" : "ScanFilter";
	char	   *expr;
	char	   *index;

	rp->cxt = CurrentMemoryContext;
	rp->legacy = KvamLegacyCheckParams(req, set);
	rp->ctx = KvamExprContextFromJsonb(KvamReqObjectJsonb(req, "ExpressionAttributeNames"),
									   KvamReqObjectJsonb(req, "ExpressionAttributeValues"));
	if (rp->legacy)
	{
		rp->filter = KvamLegacyConditions(req, filter_param);
		rp->proj = KvamLegacyAttributesToGet(req);
	}
	if ((expr = KvamReqString(req, "FilterExpression")) != NULL)
		rp->filter = KvamConditionParse(KVAM_EXPR_FILTER, expr, strlen(expr), rp->ctx);
	if ((expr = KvamReqString(req, "ProjectionExpression")) != NULL)
		rp->proj = KvamProjectionParse(expr, strlen(expr), rp->ctx);
	if ((index = KvamReqString(req, "IndexName")) != NULL)
		KvamValidationError("The table does not have the specified index: %s", index);
	rp->select = parse_select(req, rp->proj != NULL, KvamReqHas(req, "AttributesToGet"));
	(void) KvamReqBool(req, "ConsistentRead", &rp->consistent);
	KvamPageStart(&rp->page, req);
}

void
KvamReadPageFinishParse(KvamReadPage *rp)
{
	KvamExprCheckUnused(rp->ctx);
}

/*
 * Count, filter and project one item; 'owned' says that 'item' was built
 * in rp->cxt and may be kept as it is.
 */
static bool
page_row(KvamReadPage *rp, const KvamAttr *item, bool owned)
{
	bool		full = KvamPageAdd(&rp->page, KvamItemSize(item));
	MemoryContext old = MemoryContextSwitchTo(rp->cxt);

	if (full)
		rp->last_key = KvamAttrCopy(KvamItemKey(rp->ks, item));
	if (rp->filter == NULL || KvamConditionEval(rp->filter, item))
	{
		if (rp->nitems == rp->capitems)
		{
			rp->capitems = rp->capitems ? rp->capitems * 2 : 32;
			rp->items = rp->items ?
				repalloc_huge(rp->items, sizeof(KvamAttr *) * rp->capitems) :
				palloc(sizeof(KvamAttr *) * rp->capitems);
		}
		/* COUNT keeps no items, only their number */
		rp->items[rp->nitems++] = rp->select == KVAM_SELECT_COUNT ? NULL :
			rp->proj ? KvamProjectionApply(rp->proj, item) :
			owned ? (KvamAttr *) item : KvamAttrCopy(item);
	}
	MemoryContextSwitchTo(old);
	return full;
}

/*
 * KvamReadPageRow counts the item, filters and projects it.
 */
bool
KvamReadPageRow(KvamReadPage *rp, const KvamAttr *item)
{
	return page_row(rp, item, false);
}

/*
 * A strongly consistent Query or Scan page in a kvam cluster (and any page
 * at a joining node) must be read at the leader of every range of
 * partition-key hashes it covers: the hashes of its bounds (an exclusive
 * bound that is only a hash, as a Scan segment's end, stops before that
 * hash).
 */
static void
check_read(KvamApiTable *t, KvamRowBound lower, KvamRowBound upper)
{
	uint64		lo = lower.key ? KvamKeyHashOf(lower.key) : 0;
	uint64		hi = upper.key ? KvamKeyHashOf(upper.key) : PG_UINT64_MAX;

	if (upper.key && !upper.inclusive && upper.len == KVAM_KEY_HASH_BYTES && hi > lo)
		hi--;
	KvamClusterCheckRead(t->rel, lo, hi);
}

/*
 * KvamReadPageRun decodes each row in a short-lived context, and the page
 * keeps what it needs in its own; when every row is kept whole (no
 * filter, no projection, not COUNT), rows are decoded in the page's
 * context directly, which saves copying them.
 */
void
KvamReadPageRun(KvamReadPage *rp, KvamApiTable *t, KvamRowBound lower,
				KvamRowBound upper, bool backward)
{
	Snapshot	snap;
	KvamRowScan *scan;
	bool		keep_whole = rp->filter == NULL && rp->proj == NULL &&
		rp->select != KVAM_SELECT_COUNT;
	MemoryContext rowcxt = keep_whole ? rp->cxt :
		AllocSetContextCreate(CurrentMemoryContext, "kvam read page row",
							  ALLOCSET_DEFAULT_SIZES);

	if (KvamClusterReadChecked(t->rel, rp->consistent))
		check_read(t, lower, upper);
	snap = RegisterSnapshot(GetTransactionSnapshot());
	scan = KvamRowScanBegin(t->rel, snap, lower, upper, backward);
	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(rowcxt);
		bool		full;

		if (!KvamRowScanNext(scan, t->slot, NULL, NULL))
		{
			MemoryContextSwitchTo(old);
			break;
		}
		full = page_row(rp, KvamTableRowToItem(t, t->slot), keep_whole);
		MemoryContextSwitchTo(old);
		if (!keep_whole)
			MemoryContextReset(rowcxt);
		if (full)
			break;
	}
	ExecClearTuple(t->slot);
	KvamRowScanEnd(scan);
	UnregisterSnapshot(snap);
	if (!keep_whole)
		MemoryContextDelete(rowcxt);
}

/*
 * KvamReadPageResponse writes Items, Count, ScannedCount,
 * LastEvaluatedKey and ConsumedCapacity.
 */
void
KvamReadPageResponse(KvamReadPage *rp, const char *table_name, KvamOut *out)
{
	int			i;

	if (rp->select != KVAM_SELECT_COUNT)
	{
		KvamOutOpen(out, "Items", '[');
		for (i = 0; i < rp->nitems; i++)
			KvamOutItem(out, NULL, rp->items[i]);
		KvamOutClose(out, ']');
	}
	KvamOutInt64(out, "Count", rp->nitems);
	KvamOutInt64(out, "ScannedCount", rp->page.scanned);
	if (rp->last_key)
		KvamOutItem(out, "LastEvaluatedKey", rp->last_key);
	KvamCapacityOut(out, "ConsumedCapacity", rp->rcc, table_name,
					KvamCapacityReadUnits(rp->page.bytes, rp->consistent));
}
