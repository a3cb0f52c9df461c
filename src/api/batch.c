/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  BatchGetItem and BatchWriteItem.
 *
 * Both run inside the caller's transaction, table by table in the order of
 * the request's RequestItems (jsonb key order), each key or write request
 * in request order.  Shared rules (DynamoDB): at most 100 keys per
 * BatchGetItem and 25 write requests per BatchWriteItem over all tables;
 * one key may appear at most once per table ("Provided list of item keys
 * contains duplicates"); keys must match the table's key schema.
 *
 * BatchGetItem reads every key under one snapshot, taken when the reads
 * start (under READ COMMITTED a fresh one, so it sees every write
 * acknowledged before the call, as ConsistentRead asks; DynamoDB promises
 * no cross-item consistency, kvam gives it for free), and stops adding
 * items once the response holds 16 MB; the keys not read are returned in
 * UnprocessedKeys with the table's projection parameters, to be sent
 * again.  BatchWriteItem first opens every table and checks every request
 * (key schema, duplicates, item size): what DynamoDB rejects the whole
 * batch for is rejected before anything is written.  Then it applies every
 * request (unconditional puts and deletes, the single-item write protocol
 * of api/table.h): there is no throttling, and a concurrent writer of the
 * same item is waited for, so UnprocessedItems is always empty.  An error
 * while writing (a serialization failure under REPEATABLE READ, which
 * retrying in the same transaction could not cure) aborts the whole call,
 * which then changed nothing (the caller's transaction rolls back, or its
 * savepoint).
 *
 * IDENTIFICATION
 *	  src/api/batch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/snapmgr.h"

#include "api/capacity.h"
#include "api/errors.h"
#include "api/legacy.h"
#include "api/multiops.h"
#include "api/table.h"
#include "expr/exprjson.h"
#include "item/item.h"
#include "item/itemjson.h"

#define BATCH_GET_MAX_KEYS		100
#define BATCH_WRITE_MAX_REQUESTS 25
#define BATCH_GET_MAX_BYTES		(16 * 1024 * 1024)

/* The RequestItems map, with the constraint checks DynamoDB makes on it. */
static JsonbPair *
request_items(const JsonbValue *req, KvamValErrors *e, int *ntables)
{
	JsonbValue	map;
	JsonbPair  *pairs;
	int			i;

	*ntables = 0;
	if (!KvamReqObject(req, "RequestItems", &map))
	{
		KvamValAdd(e, NULL, "requestItems", "Member must not be null");
		return NULL;
	}
	pairs = KvamJsonObjectPairs(&map, ntables);
	if (*ntables == 0)
		KvamValAdd(e, "{}", "requestItems",
				   "Member must have length greater than or equal to 1");
	for (i = 0; i < *ntables; i++)
	{
		KvamValErrors names;
		char	   *name = pnstrdup(pairs[i].key.val.string.val,
									pairs[i].key.val.string.len);

		KvamValInit(&names);
		KvamValTableName(&names, name, "", true);
		if (names.n > 0)
			KvamValAdd(e, name, "requestItems",
					   "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]");
	}
	return pairs;
}

/* Raise the duplicate-key error when keys[i] equals an earlier key. */
static void
check_duplicate(StringInfo enc, int i)
{
	int			j;

	for (j = 0; j < i; j++)
		if (enc[j].len == enc[i].len && memcmp(enc[j].data, enc[i].data, enc[i].len) == 0)
			KvamValidationError("Provided list of item keys contains duplicates");
}

static char *
pair_key(const JsonbPair *p)
{
	return pnstrdup(p->key.val.string.val, p->key.val.string.len);
}

/* ------------------------------ BatchGetItem ------------------------------ */

typedef struct GetTable
{
	char	   *name;
	const JsonbValue *spec;		/* KeysAndAttributes */
	JsonbValue *keys;
	int			nkeys;
	KvamProjection *proj;
	bool		consistent;
} GetTable;

/* Copy the projection members of a table's request into UnprocessedKeys. */
static void
out_unprocessed_spec(KvamOut *out, const JsonbValue *spec)
{
	static const char *const members[] = {"ProjectionExpression",
	"ExpressionAttributeNames", "AttributesToGet", "ConsistentRead"};
	int			i;

	for (i = 0; i < lengthof(members); i++)
	{
		JsonbValue	v;

		if (KvamReqMember(spec, members[i], &v))
			KvamOutRaw(out, members[i],
					   JsonbToCString(NULL, &KvamReqToJsonb(&v)->root, 0));
	}
}

/*
 * KvamOpBatchGetItem runs a BatchGetItem request.
 */
void
KvamOpBatchGetItem(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	KvamReturnCapacity rcc;
	JsonbPair  *tables;
	GetTable   *gt;
	int			ntables;
	int			total = 0;
	int64		bytes = 0;
	double	   *units;
	bool		full = false;
	Snapshot	snap;
	int			i;
	int			k;

	/* constraints, then the per-table parameters */
	KvamValInit(&e);
	tables = request_items(req, &e, &ntables);
	rcc = KvamReqReturnCapacity(req, &e);
	gt = palloc0(sizeof(GetTable) * Max(ntables, 1));
	for (i = 0; i < ntables; i++)
	{
		gt[i].name = pair_key(&tables[i]);
		gt[i].spec = &tables[i].value;
		if (!KvamReqIsObject(gt[i].spec))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
		gt[i].keys = KvamReqArray(gt[i].spec, "Keys", &gt[i].nkeys);
		if (gt[i].keys == NULL)
			KvamValAdd(&e, NULL, psprintf("requestItems.%s.member.keys", gt[i].name),
					   "Member must not be null");
		else if (gt[i].nkeys == 0)
			KvamValAdd(&e, "[]", psprintf("requestItems.%s.member.keys", gt[i].name),
					   "Member must have length greater than or equal to 1");
		else if (gt[i].nkeys > BATCH_GET_MAX_KEYS)
			KvamValAdd(&e, "[...]", psprintf("requestItems.%s.member.keys", gt[i].name),
					   "Member must have length less than or equal to 100");
	}
	KvamValRaise(&e);
	for (i = 0; i < ntables; i++)
	{
		JsonbValue	names;
		KvamExprContext *ctx;
		char	   *expr;

		(void) KvamLegacyCheckParams(gt[i].spec, KVAM_PARAMS_GET);
		ctx = KvamExprContextFromJsonb(KvamReqObject(gt[i].spec, "ExpressionAttributeNames", &names) ?
									   KvamReqToJsonb(&names) : NULL, NULL);
		gt[i].proj = KvamLegacyAttributesToGet(gt[i].spec);
		if ((expr = KvamReqString(gt[i].spec, "ProjectionExpression")) != NULL)
			gt[i].proj = KvamProjectionParse(expr, strlen(expr), ctx);
		KvamExprCheckUnused(ctx);
		(void) KvamReqBool(gt[i].spec, "ConsistentRead", &gt[i].consistent);
		total += gt[i].nkeys;
	}
	if (total > BATCH_GET_MAX_KEYS)
		KvamValidationError("Too many items requested for the BatchGetItem call");

	/* read, all keys under one snapshot */
	snap = RegisterSnapshot(GetTransactionSnapshot());
	units = palloc0(sizeof(double) * Max(ntables, 1));
	KvamOutOpen(out, "Responses", '{');
	for (i = 0; i < ntables; i++)
	{
		KvamApiTable *t = KvamTableOpen(gt[i].name, "BatchGetItem", ACL_SELECT);
		StringInfo	enc = palloc(sizeof(StringInfoData) * gt[i].nkeys);
		KvamAttr  **keys = palloc(sizeof(KvamAttr *) * gt[i].nkeys);

		for (k = 0; k < gt[i].nkeys; k++)
		{
			keys[k] = KvamItemFromJson(&gt[i].keys[k], NULL, NULL);
			KvamKeyCheck(&t->def->key, keys[k]);
			initStringInfo(&enc[k]);
			KvamTableEncodeKey(t, keys[k], &enc[k]);
			check_duplicate(enc, k);
			KvamTableCheckRead(t, keys[k], gt[i].consistent);
		}
		KvamOutOpen(out, gt[i].name, '[');
		for (k = 0; k < gt[i].nkeys && !full; k++)
		{
			KvamAttr   *item;
			int64		size = 0;

			CHECK_FOR_INTERRUPTS();
			item = KvamTableGetSnapshot(t, keys[k], snap);
			if (item != NULL)
			{
				size = KvamItemSize(item);
				if (bytes + size > BATCH_GET_MAX_BYTES)
				{
					full = true;	/* this key and the rest: unprocessed */
					break;
				}
				bytes += size;
				KvamOutItem(out, NULL, gt[i].proj ?
							KvamProjectionApply(gt[i].proj, item) : item);
			}
			units[i] += KvamCapacityReadUnits(size, gt[i].consistent);
		}
		KvamOutClose(out, ']');
		gt[i].nkeys -= k;		/* keys left unprocessed */
		gt[i].keys += k;
		KvamTableClose(t);
	}
	KvamOutClose(out, '}');
	UnregisterSnapshot(snap);

	KvamOutOpen(out, "UnprocessedKeys", '{');
	for (i = 0; i < ntables; i++)
	{
		if (gt[i].nkeys == 0)
			continue;
		KvamOutOpen(out, gt[i].name, '{');
		KvamOutOpen(out, "Keys", '[');
		for (k = 0; k < gt[i].nkeys; k++)
			KvamOutRaw(out, NULL, JsonbToCString(NULL, &KvamReqToJsonb(&gt[i].keys[k])->root, 0));
		KvamOutClose(out, ']');
		out_unprocessed_spec(out, gt[i].spec);
		KvamOutClose(out, '}');
	}
	KvamOutClose(out, '}');

	if (rcc != KVAM_RCC_NONE)
	{
		KvamOutOpen(out, "ConsumedCapacity", '[');
		for (i = 0; i < ntables; i++)
			KvamCapacityOut(out, NULL, rcc, gt[i].name, units[i]);
		KvamOutClose(out, ']');
	}
}

/* ----------------------------- BatchWriteItem ----------------------------- */

typedef struct WriteReq
{
	KvamAttr   *item;			/* PutRequest; NULL for a DeleteRequest */
	KvamAttr   *key;
} WriteReq;

/* Parse one table's write requests (shape only; keys are checked later). */
static WriteReq *
parse_write_requests(const JsonbValue *list, int n, AclMode *needed)
{
	WriteReq   *w = palloc0(sizeof(WriteReq) * Max(n, 1));
	int			k;

	for (k = 0; k < n; k++)
	{
		JsonbValue	put;
		JsonbValue	del;
		JsonbValue	v;
		bool		has_put;
		bool		has_del;

		if (!KvamReqIsObject(&list[k]))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
		has_put = KvamReqObject(&list[k], "PutRequest", &put);
		has_del = KvamReqObject(&list[k], "DeleteRequest", &del);
		if (has_put == has_del)
			KvamValidationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
		if (has_put)
		{
			if (!KvamReqObject(&put, "Item", &v))
				KvamValidationError("1 validation error detected: Value null at 'requestItems.1.member.putRequest.item' failed to satisfy constraint: Member must not be null");
			w[k].item = KvamItemFromJson(&v, NULL, NULL);
			KvamItemCheckSize(w[k].item, false);
			*needed |= ACL_INSERT | ACL_UPDATE;
		}
		else
		{
			if (!KvamReqObject(&del, "Key", &v))
				KvamValidationError("1 validation error detected: Value null at 'requestItems.1.member.deleteRequest.key' failed to satisfy constraint: Member must not be null");
			w[k].key = KvamItemFromJson(&v, NULL, NULL);
			*needed |= ACL_DELETE;
		}
	}
	return w;
}

/*
 * write_one makes 'item' (NULL: deletes) the state of 'key' with
 * the table layer's protocol; returns the write's capacity units.
 */
static double
write_one(KvamApiTable *t, const KvamAttr *key, const KvamAttr *item)
{
	KvamAttr   *old;
	ItemPointerData tid;
	int64		size;

	for (;;)
	{
		old = KvamTableReadLatest(t, key, &tid);
		if (KvamTableWrite(t, key, item, old ? &tid : NULL))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	size = item ? KvamItemSize(item) : 0;
	if (old)
		size = Max(size, KvamItemSize(old));
	return KvamCapacityWriteUnits(size);
}

/*
 * KvamOpBatchWriteItem runs a BatchWriteItem request.
 */
void
KvamOpBatchWriteItem(const JsonbValue *req, KvamOut *out)
{
	static const char *const rcm_enum[] = {"SIZE", "NONE", NULL};
	KvamValErrors e;
	KvamReturnCapacity rcc;
	char	   *rcm;
	JsonbPair  *tables;
	int			ntables;
	JsonbValue **lists;
	int		   *counts;
	int			total = 0;
	double	   *units;
	WriteReq  **writes;
	KvamApiTable **opened;
	int			i;
	int			k;

	KvamValInit(&e);
	tables = request_items(req, &e, &ntables);
	rcc = KvamReqReturnCapacity(req, &e);
	rcm = KvamReqString(req, "ReturnItemCollectionMetrics");
	KvamValEnum(&e, rcm, "returnItemCollectionMetrics", rcm_enum);
	lists = palloc0(sizeof(JsonbValue *) * Max(ntables, 1));
	counts = palloc0(sizeof(int) * Max(ntables, 1));
	for (i = 0; i < ntables; i++)
	{
		const JsonbValue *list = &tables[i].value;

		if (KvamReqIsObject(list) ||
			(list->type != jbvArray && list->type != jbvBinary))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
		lists[i] = KvamJsonArrayElems(list, &counts[i]);
		if (counts[i] == 0 || counts[i] > BATCH_WRITE_MAX_REQUESTS)
			KvamValAdd(&e, "{...}", "requestItems",
					   "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
		total += counts[i];
	}
	KvamValRaise(&e);
	if (total > BATCH_WRITE_MAX_REQUESTS)
		KvamValidationError("Too many items requested for the BatchWriteItem call");

	/*
	 * Every table and request is checked before anything is written, as
	 * DynamoDB rejects the whole batch for a missing table, a bad key, a
	 * duplicate key or an item too large.
	 */
	units = palloc0(sizeof(double) * Max(ntables, 1));
	writes = palloc(sizeof(WriteReq *) * Max(ntables, 1));
	opened = palloc(sizeof(KvamApiTable *) * Max(ntables, 1));
	for (i = 0; i < ntables; i++)
	{
		AclMode		needed = 0;
		WriteReq   *w = parse_write_requests(lists[i], counts[i], &needed);
		KvamApiTable *t = KvamTableOpen(pair_key(&tables[i]), "BatchWriteItem", needed);
		StringInfo	enc = palloc(sizeof(StringInfoData) * counts[i]);

		for (k = 0; k < counts[i]; k++)
		{
			if (w[k].item)
			{
				KvamItemCheckKey(&t->def->key, w[k].item);
				w[k].key = KvamItemKey(&t->def->key, w[k].item);
			}
			else
				KvamKeyCheck(&t->def->key, w[k].key);
			initStringInfo(&enc[k]);
			KvamTableEncodeKey(t, w[k].key, &enc[k]);
			check_duplicate(enc, k);
		}
		writes[i] = w;
		opened[i] = t;
	}
	for (i = 0; i < ntables; i++)
	{
		for (k = 0; k < counts[i]; k++)
			units[i] += write_one(opened[i], writes[i][k].key, writes[i][k].item);
		KvamTableClose(opened[i]);
	}

	KvamOutOpen(out, "UnprocessedItems", '{');
	KvamOutClose(out, '}');
	if (rcm != NULL && strcmp(rcm, "SIZE") == 0)
	{
		/* item collections exist only with local secondary indexes */
		KvamOutOpen(out, "ItemCollectionMetrics", '{');
		KvamOutClose(out, '}');
	}
	if (rcc != KVAM_RCC_NONE)
	{
		KvamOutOpen(out, "ConsumedCapacity", '[');
		for (i = 0; i < ntables; i++)
			KvamCapacityOut(out, NULL, rcc, pair_key(&tables[i]), units[i]);
		KvamOutClose(out, ']');
	}
}
