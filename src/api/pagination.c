/*-------------------------------------------------------------------------
 *
 * pagination.c
 *	  Limit, the 1 MB page cap, ExclusiveStartKey (contracts in
 *	  pagination.h).
 *
 * IDENTIFICATION
 *	  src/api/pagination.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "api/errors.h"
#include "api/pagination.h"
#include "api/request.h"
#include "item/itemjson.h"

void
KvamPageStart(KvamPage *page, const JsonbValue *req)
{
	int64		limit = 0;

	memset(page, 0, sizeof(KvamPage));
	(void) KvamReqInteger(req, "Limit", &limit);
	page->limit = Max(limit, 0);
}

bool
KvamPageAdd(KvamPage *page, int64 size)
{
	page->scanned++;
	page->bytes += size;
	if ((page->limit > 0 && page->scanned >= page->limit) ||
		page->bytes >= KVAM_PAGE_MAX_BYTES)
		page->stopped = true;
	return page->stopped;
}

/*
 * KvamStartKeyFromRequest validates the start key with the key checks of
 * GetItem and prefixes their message, as DynamoDB does.
 */
KvamAttr *
KvamStartKeyFromRequest(const JsonbValue *req, const KvamKeySchema *ks)
{
	JsonbValue	v;
	KvamAttr   *key;
	MemoryContext cxt = CurrentMemoryContext;

	if (!KvamReqObject(req, "ExclusiveStartKey", &v))
		return NULL;
	key = KvamItemFromJson(&v, "The provided starting key is invalid: ", NULL);
	PG_TRY();
	{
		KvamKeyCheck(ks, key);
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		if (KvamExceptionFromSqlstate(ed->sqlerrcode) != KVAM_EX_VALIDATION)
			PG_RE_THROW();
		FlushErrorState();
		KvamValidationError("The provided starting key is invalid: %s", ed->message);
	}
	PG_END_TRY();
	return key;
}
