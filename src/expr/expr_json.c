/*-------------------------------------------------------------------------
 *
 * expr_json.c
 *	  Building an expression context from the request's jsonb members
 *	  ExpressionAttributeNames and ExpressionAttributeValues.
 *
 * Kept apart from resolve.c because it needs jsonb, which the
 * out-of-server fuzzing build does not have.
 *
 * IDENTIFICATION
 *	  src/expr/expr_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "api/errors.h"
#include "expr/exprjson.h"
#include "expr/node.h"
#include "item/itemjson.h"

/*
 * KvamExprContextFromJsonb validates and registers names and values.
 */
KvamExprContext *
KvamExprContextFromJsonb(Jsonb *names, Jsonb *values)
{
	KvamExprContext *ctx = KvamExprContextCreate();
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue	key = {0};

	if (names != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(names))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
		if (JB_ROOT_COUNT(names) == 0)
			KvamRaise(KVAM_EX_VALIDATION, "ExpressionAttributeNames must not be empty");
		it = JsonbIteratorInit(&names->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = v;
			else if (tok == WJB_VALUE)
			{
				if (v.type != jbvString)
					KvamRaise(KVAM_EX_SERIALIZATION,
							  v.type == jbvBinary ? "Start of structure or map found where not expected" :
							  "Unexpected value type in payload");
				KvamExprContextAddName(ctx, key.val.string.val, key.val.string.len,
									   v.val.string.val, v.val.string.len);
			}
		}
	}
	if (values != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(values))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
		if (JB_ROOT_COUNT(values) == 0)
			KvamRaise(KVAM_EX_VALIDATION, "ExpressionAttributeValues must not be empty");
		it = JsonbIteratorInit(&values->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = v;
			else if (tok == WJB_VALUE)
			{
				char	   *k = pnstrdup(key.val.string.val, key.val.string.len);
				KvamAttr   *a;

				/* validate the key before the value, as DynamoDB does */
				KvamExprContextAddValue(ctx, k, strlen(k), NULL);
				a = KvamAttrFromJson(&v, "ExpressionAttributeValues contains invalid value: ",
									 psprintf(" for key %s", k));
				ctx->values[ctx->nvalues - 1].value = a;
			}
		}
	}
	return ctx;
}
