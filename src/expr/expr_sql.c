/*-------------------------------------------------------------------------
 *
 * expr_sql.c
 *	  SQL-callable functions over the expression engine: the unit-test
 *	  surface of src/expr (sql/expr_*.sql).
 *
 * Each function builds the request context from its names/values
 * arguments, compiles one expression, checks for unused names and values
 * (as a request with only that expression would), and applies it.  An
 * item argument of NULL means "the item does not exist".
 *
 * IDENTIFICATION
 *	  src/expr/expr_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api/errors.h"
#include "expr/exprjson.h"
#include "item/itemjson.h"

PG_FUNCTION_INFO_V1(kvam_eval_condition);
PG_FUNCTION_INFO_V1(kvam_eval_filter);
PG_FUNCTION_INFO_V1(kvam_apply_update);
PG_FUNCTION_INFO_V1(kvam_update_returning);
PG_FUNCTION_INFO_V1(kvam_project);
PG_FUNCTION_INFO_V1(kvam_check_key_condition);

#define ARG_JSONB_OR_NULL(n) (PG_ARGISNULL(n) ? NULL : PG_GETARG_JSONB_P(n))

static text *
expr_arg(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("expression must not be null"));
	return PG_GETARG_TEXT_PP(n);
}

static KvamAttr *
item_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : KvamItemFromJsonb(PG_GETARG_JSONB_P(n));
}

static bool
eval_common(FunctionCallInfo fcinfo, KvamExprKind kind)
{
	text	   *expr = expr_arg(fcinfo, 0);
	KvamExprContext *ctx = KvamExprContextFromJsonb(ARG_JSONB_OR_NULL(2),
													ARG_JSONB_OR_NULL(3));
	KvamCondition *cond = KvamConditionParse(kind, VARDATA_ANY(expr),
											 VARSIZE_ANY_EXHDR(expr), ctx);

	KvamExprCheckUnused(ctx);
	return KvamConditionEval(cond, item_arg(fcinfo, 1));
}

/*
 * kvam_eval_condition is kvam.eval_condition(expression, item, names,
 * values): the ConditionExpression's value for the item.
 */
Datum
kvam_eval_condition(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(eval_common(fcinfo, KVAM_EXPR_CONDITION));
}

/*
 * kvam_eval_filter is kvam.eval_filter(...): the same for a
 * FilterExpression.
 */
Datum
kvam_eval_filter(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(eval_common(fcinfo, KVAM_EXPR_FILTER));
}

/*
 * kvam_apply_update is kvam.apply_update(expression, item, names, values):
 * the updated item.
 */
Datum
kvam_apply_update(PG_FUNCTION_ARGS)
{
	text	   *expr = expr_arg(fcinfo, 0);
	KvamExprContext *ctx = KvamExprContextFromJsonb(ARG_JSONB_OR_NULL(2),
													ARG_JSONB_OR_NULL(3));
	KvamUpdate *upd = KvamUpdateParse(VARDATA_ANY(expr), VARSIZE_ANY_EXHDR(expr), ctx);

	KvamExprCheckUnused(ctx);
	PG_RETURN_JSONB_P(KvamItemToJsonb(KvamUpdateApply(upd, item_arg(fcinfo, 1))));
}

/*
 * kvam_update_returning is kvam._update_returning(expression, item, names,
 * values, return_values): the Attributes an UpdateItem with ReturnValues
 * ALL_OLD, ALL_NEW, UPDATED_OLD or UPDATED_NEW returns.
 */
Datum
kvam_update_returning(PG_FUNCTION_ARGS)
{
	text	   *expr = expr_arg(fcinfo, 0);
	KvamExprContext *ctx = KvamExprContextFromJsonb(ARG_JSONB_OR_NULL(2),
													ARG_JSONB_OR_NULL(3));
	KvamUpdate *upd = KvamUpdateParse(VARDATA_ANY(expr), VARSIZE_ANY_EXHDR(expr), ctx);
	KvamAttr   *old = item_arg(fcinfo, 1);
	KvamAttr   *new;
	char	   *rv = PG_ARGISNULL(4) ? "NONE" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	const KvamPath *paths;
	int			npaths;
	KvamAttr   *result;

	KvamExprCheckUnused(ctx);
	new = KvamUpdateApply(upd, old);
	paths = KvamUpdatePaths(upd, &npaths);
	if (strcmp(rv, "ALL_OLD") == 0)
		result = old ? old : KvamAttrMakeMap(0);
	else if (strcmp(rv, "ALL_NEW") == 0)
		result = new;
	else if (strcmp(rv, "UPDATED_OLD") == 0)
		result = KvamProjectPaths(paths, npaths, old);
	else if (strcmp(rv, "UPDATED_NEW") == 0)
		result = KvamProjectPaths(paths, npaths, new);
	else if (strcmp(rv, "NONE") == 0)
		result = KvamAttrMakeMap(0);
	else
		KvamRaise(KVAM_EX_VALIDATION,
				  "1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
				  rv);
	PG_RETURN_JSONB_P(KvamItemToJsonb(result));
}

/*
 * kvam_project is kvam.project(expression, item, names): the projected
 * item.
 */
Datum
kvam_project(PG_FUNCTION_ARGS)
{
	text	   *expr = expr_arg(fcinfo, 0);
	KvamExprContext *ctx = KvamExprContextFromJsonb(ARG_JSONB_OR_NULL(2), NULL);
	KvamProjection *proj = KvamProjectionParse(VARDATA_ANY(expr),
											   VARSIZE_ANY_EXHDR(expr), ctx);
	KvamAttr   *item = item_arg(fcinfo, 1);

	KvamExprCheckUnused(ctx);
	PG_RETURN_JSONB_P(KvamItemToJsonb(KvamProjectionApply(proj, item)));
}

static void
push_value(JsonbParseState **ps, const char *key, const KvamAttr *v)
{
	JsonbValue	k;
	JsonbValue	bin;
	Jsonb	   *jb = KvamAttrToJsonb(v);

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(ps, WJB_KEY, &k);
	bin.type = jbvBinary;
	bin.val.binary.data = &jb->root;
	bin.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	pushJsonbValue(ps, WJB_VALUE, &bin);
}

/*
 * KvamKeyConditionToJsonb renders a compiled key condition as
 * {"pk": value, "op": "...", "sk": value, "sk2": value}.
 */
Jsonb *
KvamKeyConditionToJsonb(const KvamKeyCondition *kc)
{
	static const char *const ops[] = {"NONE", "EQ", "LT", "LE", "GT", "GE",
	"BETWEEN", "BEGINS_WITH"};
	JsonbParseState *ps = NULL;
	JsonbValue	k;
	JsonbValue	s;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_value(&ps, "pk", kc->pk_value);
	k.type = jbvString;
	k.val.string.val = "op";
	k.val.string.len = 2;
	pushJsonbValue(&ps, WJB_KEY, &k);
	s.type = jbvString;
	s.val.string.val = (char *) ops[kc->sk_op];
	s.val.string.len = strlen(ops[kc->sk_op]);
	pushJsonbValue(&ps, WJB_VALUE, &s);
	if (kc->sk_value1)
		push_value(&ps, "sk", kc->sk_value1);
	if (kc->sk_value2)
		push_value(&ps, "sk2", kc->sk_value2);
	return JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));
}

/*
 * kvam_check_key_condition is kvam.check_key_condition(expression,
 * partition_key, sort_key, names, values): the validated key condition as
 * KvamKeyConditionToJsonb renders it.
 */
Datum
kvam_check_key_condition(PG_FUNCTION_ARGS)
{
	text	   *expr = expr_arg(fcinfo, 0);
	char	   *pk;
	char	   *sk = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	KvamExprContext *ctx;
	KvamKeyCondition *kc;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("partition key name must not be null"));
	pk = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ctx = KvamExprContextFromJsonb(ARG_JSONB_OR_NULL(3), ARG_JSONB_OR_NULL(4));
	kc = KvamKeyConditionParse(VARDATA_ANY(expr), VARSIZE_ANY_EXHDR(expr), ctx, pk, sk);
	KvamExprCheckUnused(ctx);
	PG_RETURN_JSONB_P(KvamKeyConditionToJsonb(kc));
}
