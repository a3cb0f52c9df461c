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

#include "api/errors.h"
#include "api/readpage.h"
#include "api/reqparam.h"
#include "api/respdoc.h"
#include "api/table.h"
#include "expr/exprjson.h"
#include "item/item.h"

static const char *const select_names[] = {
	[KVAM_SELECT_ALL_ATTRIBUTES] = "ALL_ATTRIBUTES",
	[KVAM_SELECT_ALL_PROJECTED_ATTRIBUTES] = "ALL_PROJECTED_ATTRIBUTES",
	[KVAM_SELECT_SPECIFIC_ATTRIBUTES] = "SPECIFIC_ATTRIBUTES",
	[KVAM_SELECT_COUNT] = "COUNT"
};

/*
 * KvamReturnCapacityFromRequest reads ReturnConsumedCapacity.
 */
KvamReturnCapacity
KvamReturnCapacityFromRequest(const JsonbValue *req)
{
	char	   *s;

	if (!KvamReqString(req, "ReturnConsumedCapacity", &s, NULL) ||
		strcmp(s, "NONE") == 0)
		return KVAM_RCC_NONE;
	if (strcmp(s, "TOTAL") == 0)
		return KVAM_RCC_TOTAL;
	if (strcmp(s, "INDEXES") == 0)
		return KVAM_RCC_INDEXES;
	KvamValidationError("1 validation error detected: Value '%s' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
						s);
	return KVAM_RCC_NONE;		/* keep compiler quiet */
}

/*
 * KvamConsumedCapacity renders {"TableName": ..., "CapacityUnits": n}
 * (plus "Table": {"CapacityUnits": n} for INDEXES).
 */
void
KvamConsumedCapacity(KvamResp *r, KvamReturnCapacity rcc,
					 const char *table_name, double units)
{
	if (rcc == KVAM_RCC_NONE)
		return;
	KvamRespBeginObject(r, "ConsumedCapacity");
	KvamRespString(r, "TableName", table_name);
	KvamRespNumber(r, "CapacityUnits", units);
	if (rcc == KVAM_RCC_INDEXES)
	{
		KvamRespBeginObject(r, "Table");
		KvamRespNumber(r, "CapacityUnits", units);
		KvamRespEndObject(r);
	}
	KvamRespEndObject(r);
}

static Jsonb *
member_jsonb(const JsonbValue *req, const char *name)
{
	JsonbValue	v;

	if (!KvamReqObject(req, name, &v))
		return NULL;
	return KvamReqToJsonb(&v);
}

static KvamSelect
parse_select(const JsonbValue *req, bool has_projection, bool legacy)
{
	const char *projname = legacy ? "AttributesToGet" : "ProjectionExpression";
	char	   *s;
	int			i;
	KvamSelect	sel = KVAM_SELECT_ALL_ATTRIBUTES;

	if (!KvamReqString(req, "Select", &s, NULL))
		return has_projection ? KVAM_SELECT_SPECIFIC_ATTRIBUTES : KVAM_SELECT_ALL_ATTRIBUTES;
	for (i = 0; i < lengthof(select_names); i++)
		if (strcmp(s, select_names[i]) == 0)
			break;
	if (i == lengthof(select_names))
		KvamValidationError("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
							s);
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
	int			len;
	char	   *index;

	memset(rp, 0, sizeof(KvamReadPage));
	rp->cxt = CurrentMemoryContext;
	rp->legacy = KvamLegacyCheckParams(req, set);
	rp->ctx = KvamExprContextFromJsonb(member_jsonb(req, "ExpressionAttributeNames"),
									   member_jsonb(req, "ExpressionAttributeValues"));
	if (rp->legacy)
	{
		rp->filter = KvamLegacyConditions(req, filter_param);
		rp->proj = KvamLegacyAttributesToGet(req);
	}
	if (KvamReqString(req, "FilterExpression", &expr, &len))
		rp->filter = KvamConditionParse(KVAM_EXPR_FILTER, expr, len, rp->ctx);
	if (KvamReqString(req, "ProjectionExpression", &expr, &len))
		rp->proj = KvamProjectionParse(expr, len, rp->ctx);
	if (KvamReqString(req, "IndexName", &index, NULL))
		KvamValidationError("The table does not have the specified index: %s", index);
	rp->select = parse_select(req, rp->proj != NULL, KvamReqHas(req, "AttributesToGet"));
	(void) KvamReqBool(req, "ConsistentRead", &rp->consistent);
	rp->rcc = KvamReturnCapacityFromRequest(req);
	KvamPageStart(&rp->page, req);
}

void
KvamReadPageFinishParse(KvamReadPage *rp)
{
	KvamExprCheckUnused(rp->ctx);
}

/*
 * KvamReadPageRow counts the item, filters and projects it.
 */
bool
KvamReadPageRow(KvamReadPage *rp, const KvamAttr *item)
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
			rp->proj ? KvamProjectionApply(rp->proj, item) : KvamAttrCopy(item);
	}
	MemoryContextSwitchTo(old);
	return full;
}

/*
 * KvamReadPageRun decodes each row in a short-lived context; the page
 * keeps what it needs in its own.
 */
void
KvamReadPageRun(KvamReadPage *rp, KvamApiTable *t, KvamRowBound lower,
				KvamRowBound upper, bool backward)
{
	Snapshot	snap = RegisterSnapshot(GetTransactionSnapshot());
	KvamRowScan *scan = KvamRowScanBegin(t->rel, snap, lower, upper, backward);
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext,
												 "kvam read page row",
												 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(rowcxt);
		bool		full;

		if (!KvamRowScanNext(scan, t->slot, NULL, NULL))
		{
			MemoryContextSwitchTo(old);
			break;
		}
		full = KvamReadPageRow(rp, KvamTableRowToItem(t, t->slot));
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
		if (full)
			break;
	}
	ExecClearTuple(t->slot);
	KvamRowScanEnd(scan);
	UnregisterSnapshot(snap);
	MemoryContextDelete(rowcxt);
}

/*
 * KvamReadPageResponse renders Items, Count, ScannedCount,
 * LastEvaluatedKey and ConsumedCapacity.
 */
Jsonb *
KvamReadPageResponse(KvamReadPage *rp, const char *table_name)
{
	KvamResp	r = {0};
	int			i;

	KvamRespBeginObject(&r, NULL);
	if (rp->select != KVAM_SELECT_COUNT)
	{
		KvamRespBeginArray(&r, "Items");
		for (i = 0; i < rp->nitems; i++)
			KvamRespItem(&r, NULL, rp->items[i]);
		KvamRespEndArray(&r);
	}
	KvamRespInt(&r, "Count", rp->nitems);
	KvamRespInt(&r, "ScannedCount", rp->page.scanned);
	if (rp->last_key)
		KvamRespItem(&r, "LastEvaluatedKey", rp->last_key);
	KvamConsumedCapacity(&r, rp->rcc, table_name,
						 KvamReadUnits(rp->page.bytes, rp->consistent));
	return KvamRespFinish(&r);
}
