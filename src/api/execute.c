/*-------------------------------------------------------------------------
 *
 * execute.c
 *	  kvam.execute(operation, request) and the per-operation SQL functions:
 *	  the registry of DynamoDB operations and the one place that runs them.
 *
 * Every API call goes through run_operation: it parses nothing itself,
 * calls the operation in a per-call memory context, and turns PostgreSQL
 * serialization failures and deadlocks raised inside an operation into
 * DynamoDB's TransactionConflictException (errors already raised as
 * DynamoDB exceptions pass through unchanged).  The jsonb entry points
 * build the response as jsonb directly (a KvamOut in jsonb mode), which
 * refuses U+0000 (22P05); the text entry point writes JSON text, which
 * carries it.
 *
 * IDENTIFICATION
 *	  src/api/execute.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "api/errors.h"
#include "api/multiops.h"
#include "api/ops.h"
#include "item/itemjson.h"
#include "stream/readapi.h"

/*
 * The registry: DynamoDB name, SQL function name, implementation.  Keep
 * it sorted by DynamoDB name within each group.
 */
static const KvamOperation operations[] = {
	/* control plane */
	{"CreateTable", "create_table", KvamOpCreateTable},
	{"DeleteTable", "delete_table", KvamOpDeleteTable},
	{"DescribeLimits", "describe_limits", KvamOpDescribeLimits},
	{"DescribeTable", "describe_table", KvamOpDescribeTable},
	{"DescribeTimeToLive", "describe_time_to_live", KvamOpDescribeTimeToLive},
	{"ListTables", "list_tables", KvamOpListTables},
	{"ListTagsOfResource", "list_tags_of_resource", KvamOpListTagsOfResource},
	{"TagResource", "tag_resource", KvamOpTagResource},
	{"UntagResource", "untag_resource", KvamOpUntagResource},
	{"UpdateTable", "update_table", KvamOpUpdateTable},
	{"UpdateTimeToLive", "update_time_to_live", KvamOpUpdateTimeToLive},
	/* single-item data plane */
	{"DeleteItem", "delete_item", KvamOpDeleteItem},
	{"GetItem", "get_item", KvamOpGetItem},
	{"PutItem", "put_item", KvamOpPutItem},
	{"UpdateItem", "update_item", KvamOpUpdateItem},
	/* multi-item data plane (api/multiops.h) */
	{"BatchGetItem", "batch_get_item", KvamOpBatchGetItem},
	{"BatchWriteItem", "batch_write_item", KvamOpBatchWriteItem},
	{"Query", "query", KvamOpQuery},
	{"Scan", "scan", KvamOpScan},
	{"TransactGetItems", "transact_get_items", KvamOpTransactGetItems},
	{"TransactWriteItems", "transact_write_items", KvamOpTransactWriteItems},
	/* DynamoDB Streams read API (stream/readapi.h) */
	{"DescribeStream", "describe_stream", KvamOpDescribeStream},
	{"GetRecords", "get_records", KvamOpGetRecords},
	{"GetShardIterator", "get_shard_iterator", KvamOpGetShardIterator},
	{"ListStreams", "list_streams", KvamOpListStreams},
};

const KvamOperation *
KvamOperationFind(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(operations); i++)
		if (strcmp(operations[i].name, name) == 0)
			return &operations[i];
	return NULL;
}

static const KvamOperation *
find_by_sqlname(const char *sqlname)
{
	int			i;

	for (i = 0; i < lengthof(operations); i++)
		if (strcmp(operations[i].sqlname, sqlname) == 0)
			return &operations[i];
	return NULL;
}

static const KvamOperation *
operation_or_raise(text *name)
{
	char	   *s = text_to_cstring(name);
	const KvamOperation *op = KvamOperationFind(s);

	if (op == NULL)
		KvamRaise(KVAM_EX_UNKNOWN_OPERATION, "Unknown operation: %s", s);
	return op;
}

/*
 * Run 'op' on 'req', writing the response into 'out' (initialised by the
 * caller in the mode it returns).
 */
static void
run_operation(const KvamOperation *op, const JsonbValue *req, KvamOut *out)
{
	MemoryContext callercxt = CurrentMemoryContext;

	if (!KvamReqIsObject(req))
		KvamRaise(KVAM_EX_SERIALIZATION, "Start of list found where not expected");
	PG_TRY();
	{
		op->fn(req, out);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		bool		conflict;

		MemoryContextSwitchTo(callercxt);
		edata = CopyErrorData();
		conflict = (edata->sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE ||
					edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED) &&
			(edata->detail == NULL || strncmp(edata->detail, "{\"__type\"", 9) != 0);
		if (!conflict)
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		KvamRaise(KVAM_EX_TRANSACTION_CONFLICT,
				  "Transaction is ongoing for the item");
	}
	PG_END_TRY();
}

/*
 * The memory of an API call.  The outermost call runs in api_cxt, a
 * backend-lifetime context reset after every call, whose first block
 * (API_CXT_KEEP bytes) stays allocated: the memory a typical request
 * needs is then reused from call to call instead of being taken from and
 * given back to the operating system each time, which cost more than the
 * operation itself.  A nested call (an API call made while another runs)
 * gets a context of its own.  The response is copied to the caller's
 * context.
 */
#define API_CXT_KEEP (1024 * 1024)

static MemoryContext api_cxt = NULL;
static int	api_depth = 0;

/*
 * Run 'op' on 'req' and return the response as jsonb or, when
 * 'as_text', as JSON text, in the caller's memory context.
 */
static Datum
run_call(const KvamOperation *op, const JsonbValue *req, bool as_text)
{
	MemoryContext callercxt = CurrentMemoryContext;
	bool		outermost = (api_depth == 0);
	MemoryContext cxt;
	Datum		result = (Datum) 0;

	if (outermost && api_cxt == NULL)
		api_cxt = AllocSetContextCreate(TopMemoryContext, "kvam API call",
										API_CXT_KEEP, ALLOCSET_DEFAULT_INITSIZE,
										ALLOCSET_DEFAULT_MAXSIZE);
	cxt = outermost ? api_cxt :
		AllocSetContextCreate(callercxt, "kvam API call", ALLOCSET_DEFAULT_SIZES);
	api_depth++;
	PG_TRY();
	{
		KvamOut		out;

		MemoryContextSwitchTo(cxt);
		if (as_text)
		{
			char	   *text;

			KvamOutInit(&out);
			run_operation(op, req, &out);
			text = KvamOutFinish(&out);
			MemoryContextSwitchTo(callercxt);
			result = PointerGetDatum(cstring_to_text(text));
		}
		else
		{
			Jsonb	   *jb;
			Jsonb	   *copy;

			KvamOutInitJsonb(&out);
			run_operation(op, req, &out);
			jb = KvamOutFinishJsonb(&out);
			MemoryContextSwitchTo(callercxt);
			copy = palloc(VARSIZE(jb));
			memcpy(copy, jb, VARSIZE(jb));
			result = JsonbPGetDatum(copy);
		}
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(callercxt);
		api_depth--;
		if (outermost)
			MemoryContextReset(cxt);
		else
			MemoryContextDelete(cxt);
	}
	PG_END_TRY();
	return result;
}

PG_FUNCTION_INFO_V1(kvam_execute);
PG_FUNCTION_INFO_V1(kvam_execute_text);
PG_FUNCTION_INFO_V1(kvam_api_op);

/*
 * kvam_execute is kvam.execute(operation text, request jsonb) RETURNS
 * jsonb.
 */
Datum
kvam_execute(PG_FUNCTION_ARGS)
{
	const KvamOperation *op = operation_or_raise(PG_GETARG_TEXT_PP(0));
	JsonbValue	req;

	KvamJsonbRoot(PG_GETARG_JSONB_P(1), &req);
	PG_RETURN_DATUM(run_call(op, &req, false));
}

/*
 * kvam_execute_text is kvam.execute(operation text, request text) RETURNS
 * text: the same on JSON text, so requests and items may hold U+0000.
 */
Datum
kvam_execute_text(PG_FUNCTION_ARGS)
{
	const KvamOperation *op = operation_or_raise(PG_GETARG_TEXT_PP(0));
	text	   *t = PG_GETARG_TEXT_PP(1);
	JsonbValue	req;

	KvamJsonTextParse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &req);
	PG_RETURN_DATUM(run_call(op, &req, true));
}

/*
 * kvam_api_op implements every kvam.<operation>(request jsonb) RETURNS
 * jsonb: the operation is found from the SQL function's name (once per
 * call site, cached in fn_extra).
 */
Datum
kvam_api_op(PG_FUNCTION_ARGS)
{
	const KvamOperation *op = (const KvamOperation *) fcinfo->flinfo->fn_extra;
	JsonbValue	req;

	if (op == NULL)
	{
		char	   *name = get_func_name(fcinfo->flinfo->fn_oid);

		op = name ? find_by_sqlname(name) : NULL;
		if (op == NULL)
			elog(ERROR, "function %s is not a kvam API operation", name ? name : "?");
		fcinfo->flinfo->fn_extra = (void *) op;
	}
	KvamJsonbRoot(PG_GETARG_JSONB_P(0), &req);
	PG_RETURN_DATUM(run_call(op, &req, false));
}
