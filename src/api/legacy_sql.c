/*-------------------------------------------------------------------------
 *
 * legacy_sql.c
 *	  SQL-callable test surface of the legacy parameters (api/legacy.c):
 *	  sql/api_legacy.sql exercises validation and semantics through it
 *	  without a table.
 *
 * Each function takes a request document, validates the parameter mix of
 * the named operation, compiles the legacy parameter and applies it to an
 * item (NULL: the item does not exist).
 *
 * IDENTIFICATION
 *	  src/api/legacy_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api/errors.h"
#include "api/legacy.h"
#include "api/request.h"
#include "expr/exprjson.h"
#include "item/itemjson.h"

PG_FUNCTION_INFO_V1(kvam_legacy_condition);
PG_FUNCTION_INFO_V1(kvam_legacy_update);
PG_FUNCTION_INFO_V1(kvam_legacy_project);
PG_FUNCTION_INFO_V1(kvam_legacy_key_conditions);

static KvamParamSet
param_set(const char *op)
{
	if (strcmp(op, "PutItem") == 0 || strcmp(op, "DeleteItem") == 0)
		return KVAM_PARAMS_PUT;
	if (strcmp(op, "UpdateItem") == 0)
		return KVAM_PARAMS_UPDATE;
	if (strcmp(op, "GetItem") == 0)
		return KVAM_PARAMS_GET;
	if (strcmp(op, "Query") == 0)
		return KVAM_PARAMS_QUERY;
	if (strcmp(op, "Scan") == 0)
		return KVAM_PARAMS_SCAN;
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("unknown operation \"%s\"", op));
	return KVAM_PARAMS_PUT;		/* keep compiler quiet */
}

/* The request root after the parameter-mix check of operation 'opname'. */
static void
request_arg(FunctionCallInfo fcinfo, JsonbValue *req, const char *opname)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("request must not be null"));
	KvamJsonbRoot(PG_GETARG_JSONB_P(0), req);
	if (!KvamReqIsObject(req))
		KvamRaise(KVAM_EX_SERIALIZATION, "Start of list found where not expected");
	(void) KvamLegacyCheckParams(req, param_set(opname));
}

static char *
text_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("%s must not be null", what));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

static KvamAttr *
item_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : KvamItemFromJsonb(PG_GETARG_JSONB_P(n));
}

/*
 * kvam_legacy_condition is kvam._legacy_condition(request, operation,
 * item): the value of the request's Expected (PutItem, DeleteItem,
 * UpdateItem), QueryFilter (Query) or ScanFilter (Scan) for the item;
 * NULL when the request has none.
 */
Datum
kvam_legacy_condition(PG_FUNCTION_ARGS)
{
	char	   *op = text_arg(fcinfo, 1, "operation");
	JsonbValue	req;
	const char *param;
	KvamCondition *cond;

	request_arg(fcinfo, &req, op);
	param = strcmp(op, "Query") == 0 ? "QueryFilter" :
		strcmp(op, "Scan") == 0 ? "ScanFilter" : "Expected";
	cond = KvamLegacyConditions(&req, param);
	if (cond == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(KvamConditionEval(cond, item_arg(fcinfo, 2)));
}

/*
 * kvam_legacy_update is kvam._legacy_update(request, item): the item after
 * an UpdateItem request's AttributeUpdates.
 */
Datum
kvam_legacy_update(PG_FUNCTION_ARGS)
{
	JsonbValue	req;
	KvamUpdate *upd;

	request_arg(fcinfo, &req, "UpdateItem");
	upd = KvamLegacyAttributeUpdates(&req);
	if (upd == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(KvamItemToJsonb(KvamUpdateApply(upd, item_arg(fcinfo, 1))));
}

/*
 * kvam_legacy_project is kvam._legacy_project(request, operation, item):
 * the item projected on the request's AttributesToGet.
 */
Datum
kvam_legacy_project(PG_FUNCTION_ARGS)
{
	char	   *op = text_arg(fcinfo, 1, "operation");
	JsonbValue	req;
	KvamProjection *proj;

	request_arg(fcinfo, &req, op);
	proj = KvamLegacyAttributesToGet(&req);
	if (proj == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(KvamItemToJsonb(KvamProjectionApply(proj, item_arg(fcinfo, 2))));
}

/*
 * kvam_legacy_key_conditions is kvam._legacy_key_conditions(request,
 * partition_key, sort_key): a Query request's KeyConditions compiled for
 * the key schema, rendered like kvam.check_key_condition.
 */
Datum
kvam_legacy_key_conditions(PG_FUNCTION_ARGS)
{
	JsonbValue	req;
	char	   *pk = text_arg(fcinfo, 1, "partition key name");
	char	   *sk = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));

	request_arg(fcinfo, &req, "Query");
	PG_RETURN_JSONB_P(KvamKeyConditionToJsonb(KvamLegacyKeyConditions(&req, pk, sk)));
}
