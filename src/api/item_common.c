/*-------------------------------------------------------------------------
 *
 * item_common.c
 *	  Request parsing and response pieces shared by the single-item
 *	  operations (contracts in item_ops.h).
 *
 * Validation order follows DynamoDB: JSON types (SerializationException)
 * as members are read, then the constraint errors of the request members
 * together ("N validation errors detected"), then the operation's own
 * rules (ReturnValues, AttributeValues, expressions, unused names and
 * values).  The table is looked up only after all of that, by the core.
 *
 * IDENTIFICATION
 *	  src/api/item_common.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/errors.h"
#include "api/legacy.h"
#include "api/item_ops.h"
#include "expr/exprjson.h"
#include "item/itemjson.h"

static const char *const rv_names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
"UPDATED_NEW", NULL};

static KvamReturnValues
rv_from_name(const char *s)
{
	int			i;

	if (s == NULL)
		return KVAM_RV_NONE;
	for (i = 0; rv_names[i]; i++)
		if (strcmp(s, rv_names[i]) == 0)
			return (KvamReturnValues) i;
	return KVAM_RV_NONE;
}

void
KvamItemReqParse(const JsonbValue *req, KvamItemReq *r, const char *operation,
				 bool has_item, int rv_allowed, const char *extra_expr)
{
	static const char *const rv_enum[] = {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE",
	"UPDATED_NEW", NULL};
	static const char *const rvoccf_enum[] = {"ALL_OLD", "NONE", NULL};
	static const char *const rcm_enum[] = {"SIZE", "NONE", NULL};
	KvamValErrors e;
	JsonbValue	itemv;
	bool		have_itemv;
	char	   *rv;
	char	   *rvoccf;
	char	   *cond;
	char	   *extra = NULL;
	Jsonb	   *names;
	Jsonb	   *values;
	bool		is_get = (rv_allowed == 0);
	bool		legacy;

	memset(r, 0, sizeof(*r));
	r->operation = operation;
	KvamValInit(&e);

	/* JSON types first, in member order of the API */
	r->table_name = KvamReqString(req, "TableName");
	have_itemv = KvamReqObject(req, has_item ? "Item" : "Key", &itemv);
	rv = is_get ? NULL : KvamReqString(req, "ReturnValues");
	rvoccf = is_get ? NULL : KvamReqString(req, "ReturnValuesOnConditionCheckFailure");
	cond = is_get ? NULL : KvamReqString(req, "ConditionExpression");
	if (extra_expr)
		extra = KvamReqString(req, extra_expr);
	names = KvamReqObjectJsonb(req, "ExpressionAttributeNames");
	values = is_get ? NULL : KvamReqObjectJsonb(req, "ExpressionAttributeValues");
	if (is_get)
		(void) KvamReqBool(req, "ConsistentRead", &r->consistent_read);

	/* constraints */
	KvamValTableName(&e, r->table_name, "tableName", true);
	if (!have_itemv)
		KvamValAdd(&e, NULL, has_item ? "item" : "key", "Member must not be null");
	r->return_capacity = KvamReqReturnCapacity(req, &e);
	if (!is_get)
	{
		KvamValEnum(&e, rv, "returnValues", rv_enum);
		KvamValEnum(&e, KvamReqString(req, "ReturnItemCollectionMetrics"),
					"returnItemCollectionMetrics", rcm_enum);
		KvamValEnum(&e, rvoccf, "returnValuesOnConditionCheckFailure", rvoccf_enum);
	}
	KvamValRaise(&e);

	r->return_values = rv_from_name(rv);
	if (!is_get && (rv_allowed & (1 << r->return_values)) == 0)
		KvamRaise(KVAM_EX_VALIDATION, "ReturnValues can only be ALL_OLD or NONE");
	r->return_old_on_failure = rvoccf != NULL && strcmp(rvoccf, "ALL_OLD") == 0;

	/* attribute values */
	if (has_item)
		r->item = KvamItemFromJson(&itemv, NULL, NULL);
	else
		r->key = KvamItemFromJson(&itemv, NULL, NULL);

	/* expressions, or the legacy parameters (api/legacy.h) */
	legacy = KvamLegacyCheckParams(req, is_get ? KVAM_PARAMS_GET :
								   extra_expr != NULL ? KVAM_PARAMS_UPDATE :
								   KVAM_PARAMS_PUT);
	r->ectx = KvamExprContextFromJsonb(names, values);
	if (legacy)
	{
		r->condition = KvamLegacyConditions(req, "Expected");
		r->update = KvamLegacyAttributeUpdates(req);
		r->projection = KvamLegacyAttributesToGet(req);
	}
	if (cond != NULL)
		r->condition = KvamConditionParse(KVAM_EXPR_CONDITION, cond, strlen(cond), r->ectx);
	if (extra != NULL && strcmp(extra_expr, "UpdateExpression") == 0)
		r->update = KvamUpdateParse(extra, strlen(extra), r->ectx);
	else if (extra != NULL)
		r->projection = KvamProjectionParse(extra, strlen(extra), r->ectx);
	KvamExprCheckUnused(r->ectx);
}

void
KvamRaiseConditionFailed(const KvamItemReq *r, const KvamAttr *old)
{
	const char *msg = "The conditional request failed";

	if (r->return_old_on_failure && old != NULL)
		KvamRaiseFields(KVAM_EX_CONDITIONAL_CHECK_FAILED, 0,
						psprintf("\"Item\":%s", KvamItemToJsonText(old)), msg);
	KvamRaise(KVAM_EX_CONDITIONAL_CHECK_FAILED, "%s", msg);
}

void
KvamOutAttributes(KvamOut *o, const KvamAttr *attrs)
{
	if (attrs != NULL && attrs->n > 0)
		KvamOutItem(o, "Attributes", attrs);
}
