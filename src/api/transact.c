/*-------------------------------------------------------------------------
 *
 * transact.c
 *	  TransactWriteItems and TransactGetItems.
 *
 * TransactWriteItems runs its actions (Put, Update, Delete,
 * ConditionCheck; at most 100, one item at most once) inside one internal
 * subtransaction of the caller's transaction, each action in a nested
 * subtransaction of its own.  An action whose condition fails, or that
 * meets a deadlock or a serialization failure, is rolled back alone and
 * its cancellation reason recorded; the other actions still run, so that
 * the reasons report every failed condition, as DynamoDB's do.  If any
 * action failed, the outer subtransaction is rolled back -- nothing of the
 * transaction remains, and the caller's transaction survives -- and
 * TransactionCanceledException is raised with CancellationReasons (one per
 * action, in request order, "None" for the others) in the error document.
 * Any other error (validation, privileges) rolls back everything and is
 * raised as it is.  The single-item cores of item_ops.h do the work, so a
 * Put here is exactly a PutItem.
 *
 * ClientRequestToken makes the call idempotent for 10 minutes: the token
 * and a hash of TransactItems are recorded in kvam.transact_tokens inside
 * the outer subtransaction (so a canceled transaction records nothing);
 * the same token again with the same items returns success without
 * applying anything, with other items IdempotentParameterMismatchException.
 * A concurrent call with the same token waits on the first one's row.
 *
 * TransactGetItems reads every Get under one registered snapshot: the
 * items are those of one point in time.
 *
 * Capacity: twice the units of the equivalent single-item operations.
 *
 * IDENTIFICATION
 *	  src/api/transact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "api/capacity.h"
#include "api/errors.h"
#include "api/item_ops.h"
#include "api/multiops.h"
#include "api/table.h"
#include "expr/exprjson.h"
#include "item/item.h"
#include "item/itemjson.h"

#define TRANSACT_MAX_ACTIONS 100

typedef enum ActionKind
{
	ACT_CONDITION_CHECK,
	ACT_PUT,
	ACT_DELETE,
	ACT_UPDATE,
	ACT_GET
} ActionKind;

static const char *const action_names[] = {"ConditionCheck", "Put", "Delete", "Update", "Get"};

typedef struct Action
{
	ActionKind	kind;
	KvamItemReq req;
	char	   *reason;			/* CancellationReason JSON, NULL if none */
	double		units;
} Action;

/* The TransactItems array with its length constraint. */
static JsonbValue *
transact_items(const JsonbValue *req, KvamValErrors *e, int *n)
{
	JsonbValue *items = KvamReqArray(req, "TransactItems", n);

	if (items == NULL)
		KvamValAdd(e, NULL, "transactItems", "Member must not be null");
	else if (*n == 0)
		KvamValAdd(e, "[]", "transactItems",
				   "Member must have length greater than or equal to 1");
	else if (*n > TRANSACT_MAX_ACTIONS)
		KvamValAdd(e, "[...]", "transactItems",
				   "Member must have length less than or equal to 100");
	return items;
}

/* Which action an element holds; exactly one of the allowed ones. */
static ActionKind
action_of(const JsonbValue *elem, bool get, JsonbValue *body)
{
	int			first = get ? ACT_GET : ACT_CONDITION_CHECK;
	int			last = get ? ACT_GET : ACT_UPDATE;
	int			found = -1;
	int			k;

	if (!KvamReqIsObject(elem))
		KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
	for (k = first; k <= last; k++)
	{
		JsonbValue	v;

		if (!KvamReqObject(elem, action_names[k], &v))
			continue;
		if (found >= 0)
			found = -2;
		else
		{
			found = k;
			*body = v;
		}
	}
	if (found == -1 && !get)
		KvamValidationError("Invalid Request: TransactWriteRequest should contain Delete or Put or Update request");
	if (found < 0)
		KvamValidationError(get ?
							"TransactItems can only contain one of Get" :
							"TransactItems can only contain one of Check, Put, Update or Delete");
	return (ActionKind) found;
}

/*
 * Parse every action with the single-item request parser and refuse two
 * actions on one item.
 */
static Action *
parse_actions(const JsonbValue *items, int n, bool get, const char *operation)
{
	Action	   *acts = palloc0(sizeof(Action) * n);
	StringInfoData *keys = palloc(sizeof(StringInfoData) * n);
	Oid		   *relids = palloc(sizeof(Oid) * n);
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		JsonbValue	body;
		KvamItemReq *r = &acts[i].req;

		acts[i].kind = action_of(&items[i], get, &body);
		switch (acts[i].kind)
		{
			case ACT_PUT:
				KvamItemReqParse(&body, r, operation, true, 1 << KVAM_RV_NONE, NULL);
				break;
			case ACT_UPDATE:
				KvamItemReqParse(&body, r, operation, false, 1 << KVAM_RV_NONE,
								 "UpdateExpression");
				break;
			case ACT_DELETE:
			case ACT_CONDITION_CHECK:
				KvamItemReqParse(&body, r, operation, false, 1 << KVAM_RV_NONE, NULL);
				if (acts[i].kind == ACT_CONDITION_CHECK && r->condition == NULL)
					KvamValidationError("1 validation error detected: Value null at 'transactItems.%d.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
										i + 1);
				break;
			case ACT_GET:
				KvamItemReqParse(&body, r, operation, false, 0, "ProjectionExpression");
				r->consistent_read = true;
				break;
		}
	}

	/* one item at most once: compare storage keys per relation */
	for (i = 0; i < n; i++)
	{
		KvamItemReq *r = &acts[i].req;
		KvamApiTable *t = KvamTableOpen(r->table_name, operation, 0);

		if (r->item)
		{
			KvamItemCheckKey(&t->def->key, r->item);
			r->key = KvamItemKey(&t->def->key, r->item);
		}
		else
			KvamKeyCheck(&t->def->key, r->key);
		initStringInfo(&keys[i]);
		KvamTableEncodeKey(t, r->key, &keys[i]);
		relids[i] = RelationGetRelid(t->rel);
		KvamTableClose(t);
		for (j = 0; j < i; j++)
			if (relids[j] == relids[i] && keys[j].len == keys[i].len &&
				memcmp(keys[j].data, keys[i].data, keys[i].len) == 0)
				KvamValidationError("Transaction request cannot include multiple operations on one item");
	}
	return acts;
}

/* The CapacityUnits a core wrote into its scratch response. */
static double
units_of(KvamOut *scratch)
{
	char	   *text = KvamOutFinish(scratch);
	JsonbValue	root;
	JsonbValue	cc;
	JsonbValue	u;

	KvamJsonTextParse(text, strlen(text), &root);
	if (!KvamReqMember(&root, "ConsumedCapacity", &cc) ||
		!KvamReqMember(&cc, "CapacityUnits", &u) || u.type != jbvNumeric)
		return 0;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(u.val.numeric)));
}

/*
 * ConditionCheck: the condition on the newest state of the item, which is
 * locked (shared) until the transaction ends, so that no other writer can
 * change it between the check and the commit.
 */
static void
condition_check(const KvamItemReq *r, KvamOut *out)
{
	KvamApiTable *t = KvamTableOpen(r->table_name, r->operation, ACL_SELECT);
	KvamAttr   *old = KvamTableLockLatest(t, r->key);

	if (!KvamConditionEval(r->condition, old))
		KvamRaiseConditionFailed(r, old);
	/* a ConditionCheck is charged like a write of the item */
	KvamCapacityOut(out, "ConsumedCapacity", KVAM_RCC_TOTAL, r->table_name,
					KvamCapacityWriteUnits(old ? KvamItemSize(old) : 0));
	KvamTableClose(t);
}

static void
run_action(Action *a)
{
	KvamOut		scratch;

	KvamOutInit(&scratch);
	a->req.return_capacity = KVAM_RCC_TOTAL;
	switch (a->kind)
	{
		case ACT_PUT:
			KvamPutItemCore(&a->req, &scratch);
			break;
		case ACT_UPDATE:
			KvamUpdateItemCore(&a->req, &scratch);
			break;
		case ACT_DELETE:
			KvamDeleteItemCore(&a->req, &scratch);
			break;
		case ACT_CONDITION_CHECK:
			condition_check(&a->req, &scratch);
			break;
		case ACT_GET:
			break;
	}
	a->units = 2 * units_of(&scratch);
}

/* The cancellation reason of a failed action, from its error. */
static char *
reason_from_error(ErrorData *ed)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (ed->sqlerrcode == ERRCODE_CHECK_VIOLATION)
	{
		JsonbValue	doc;
		JsonbValue	item;

		appendStringInfoString(&buf, "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\"");
		if (ed->detail)
		{
			KvamJsonTextParse(ed->detail, strlen(ed->detail), &doc);
			if (KvamReqMember(&doc, "Item", &item))
				appendStringInfo(&buf, ",\"Item\":%s",
								 KvamItemToJsonText(KvamItemFromJson(&item, NULL, NULL)));
		}
		appendStringInfoChar(&buf, '}');
		return buf.data;
	}
	if (ed->sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE ||
		ed->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED)
		return pstrdup("{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item\"}");
	return NULL;
}

/*
 * Run one action in a subtransaction of its own.  Returns NULL on success,
 * the error otherwise (already cleaned up) with a->reason set when the
 * error cancels the transaction rather than failing the request.
 */
static ErrorData *
run_in_subxact(Action *a)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *ed = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		run_action(a);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		a->reason = reason_from_error(ed);
	}
	PG_END_TRY();
	return ed;
}

/*
 * Record ClientRequestToken (kvam._transact_token, SECURITY DEFINER):
 * returns "new", "replay" or "mismatch".
 */
static char *
record_token(const char *token, Jsonb *items)
{
	Oid			argtypes[2] = {TEXTOID, JSONBOID};
	Datum		args[2];
	char	   *result;

	args[0] = CStringGetTextDatum(token);
	args[1] = JsonbPGetDatum(items);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT kvam._transact_token($1, $2)", 2, argtypes,
							  args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "kvam._transact_token failed");
	result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	result = MemoryContextStrdup(TopTransactionContext, result);
	SPI_finish();
	return result;
}

static void
raise_canceled(Action *acts, int n)
{
	StringInfoData codes;
	StringInfoData reasons;
	int			i;

	initStringInfo(&codes);
	initStringInfo(&reasons);
	appendStringInfoString(&reasons, "\"CancellationReasons\":[");
	for (i = 0; i < n; i++)
	{
		const char *reason = acts[i].reason ? acts[i].reason : "{\"Code\":\"None\"}";
		JsonbValue	doc;
		JsonbValue	code;

		KvamJsonTextParse(reason, strlen(reason), &doc);
		(void) KvamReqMember(&doc, "Code", &code);
		appendStringInfo(&codes, "%s%.*s", i ? ", " : "",
						 code.val.string.len, code.val.string.val);
		appendStringInfo(&reasons, "%s%s", i ? "," : "", reason);
	}
	appendStringInfoChar(&reasons, ']');
	KvamRaiseFields(KVAM_EX_TRANSACTION_CANCELED, 0, reasons.data,
					psprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]",
							 codes.data));
}

/* ConsumedCapacity: one entry per table, in order of first use. */
static void
out_capacity(KvamOut *out, KvamReturnCapacity rcc, Action *acts, int n)
{
	int			i;
	int			j;

	if (rcc == KVAM_RCC_NONE)
		return;
	KvamOutOpen(out, "ConsumedCapacity", '[');
	for (i = 0; i < n; i++)
	{
		double		units = 0;
		bool		seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = strcmp(acts[j].req.table_name, acts[i].req.table_name) == 0;
		if (seen)
			continue;
		for (j = i; j < n; j++)
			if (strcmp(acts[j].req.table_name, acts[i].req.table_name) == 0)
				units += acts[j].units;
		KvamCapacityOut(out, NULL, rcc, acts[i].req.table_name, units);
	}
	KvamOutClose(out, ']');
}

/*
 * KvamOpTransactWriteItems runs a TransactWriteItems request.
 */
void
KvamOpTransactWriteItems(const JsonbValue *req, KvamOut *out)
{
	static const char *const rcm_enum[] = {"SIZE", "NONE", NULL};
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	KvamValErrors e;
	KvamReturnCapacity rcc;
	char	   *rcm;
	char	   *token;
	JsonbValue *items;
	JsonbValue	itemsv;
	Action	   *acts;
	int			n;
	int			i;
	volatile bool canceled = false;
	volatile bool replay = false;
	volatile bool in_subxact;

	KvamValInit(&e);
	items = transact_items(req, &e, &n);
	rcc = KvamReqReturnCapacity(req, &e);
	rcm = KvamReqString(req, "ReturnItemCollectionMetrics");
	KvamValEnum(&e, rcm, "returnItemCollectionMetrics", rcm_enum);
	token = KvamReqString(req, "ClientRequestToken");
	if (token && (strlen(token) < 1 || strlen(token) > 36))
		KvamValAdd(&e, token, "clientRequestToken",
				   strlen(token) < 1 ? "Member must have length greater than or equal to 1" :
				   "Member must have length less than or equal to 36");
	KvamValRaise(&e);
	acts = parse_actions(items, n, false, "TransactWriteItems");

	BeginInternalSubTransaction(NULL);
	in_subxact = true;
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (token)
		{
			char	   *state;

			(void) KvamReqMember(req, "TransactItems", &itemsv);
			state = record_token(token, KvamReqToJsonb(&itemsv));
			if (strcmp(state, "mismatch") == 0)
				KvamRaise(KVAM_EX_IDEMPOTENT_PARAMETER_MISMATCH,
						  "Request with the same client token has different parameters");
			replay = strcmp(state, "replay") == 0;
		}
		for (i = 0; i < n && !replay; i++)
		{
			ErrorData  *ed;

			CHECK_FOR_INTERRUPTS();
			ed = run_in_subxact(&acts[i]);
			if (ed != NULL && acts[i].reason == NULL)
				ReThrowError(ed);	/* a request error: not a cancellation */
			if (ed != NULL)
				canceled = true;
		}
		if (canceled)
			RollbackAndReleaseCurrentSubTransaction();
		else
			ReleaseCurrentSubTransaction();
		in_subxact = false;
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		/* leave the outer subtransaction, then let the error go on */
		MemoryContextSwitchTo(cxt);
		if (in_subxact)
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (canceled)
		raise_canceled(acts, n);
	if (!replay)
		out_capacity(out, rcc, acts, n);
	if (rcm != NULL && strcmp(rcm, "SIZE") == 0)
	{
		KvamOutOpen(out, "ItemCollectionMetrics", '{');
		KvamOutClose(out, '}');
	}
}

/*
 * KvamOpTransactGetItems runs a TransactGetItems request.
 */
void
KvamOpTransactGetItems(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	KvamReturnCapacity rcc;
	JsonbValue *items;
	Action	   *acts;
	Snapshot	snap;
	int			n;
	int			i;

	KvamValInit(&e);
	items = transact_items(req, &e, &n);
	rcc = KvamReqReturnCapacity(req, &e);
	KvamValRaise(&e);
	acts = parse_actions(items, n, true, "TransactGetItems");

	snap = RegisterSnapshot(GetTransactionSnapshot());
	KvamOutOpen(out, "Responses", '[');
	for (i = 0; i < n; i++)
	{
		KvamItemReq *r = &acts[i].req;
		KvamApiTable *t = KvamTableOpen(r->table_name, r->operation, ACL_SELECT);
		KvamAttr   *item;

		KvamTableCheckRead(t, r->key, true);	/* always strongly consistent */
		item = KvamTableGetSnapshot(t, r->key, snap);

		KvamOutOpen(out, NULL, '{');
		if (item)
			KvamOutItem(out, "Item", r->projection ?
						KvamProjectionApply(r->projection, item) : item);
		KvamOutClose(out, '}');
		acts[i].units = 2 * KvamCapacityReadUnits(item ? KvamItemSize(item) : 0, true);
		KvamTableClose(t);
	}
	KvamOutClose(out, ']');
	UnregisterSnapshot(snap);
	out_capacity(out, rcc, acts, n);
}
