/*-------------------------------------------------------------------------
 *
 * legacy.c
 *	  Validation of DynamoDB's legacy request parameters and their
 *	  translation into compiled expressions.
 *
 * The checks and their order follow DynamoDB: for each condition the
 * AttributeValueList values are validated first, then their number for
 * the ComparisonOperator, then that they share one type, then that the
 * type suits the operator, then BETWEEN's bounds.  Expected entries have
 * their own rules about Value, Exists, ComparisonOperator and
 * AttributeValueList.  All messages are DynamoDB's.
 *
 * EQ, NE, NULL and NOT_NULL accept every type (lists and maps included),
 * the ordering operators, CONTAINS, NOT_CONTAINS, IN and BETWEEN only S,
 * N and B, BEGINS_WITH only S and B (DynamoDB's "Condition" reference).
 *
 * IDENTIFICATION
 *	  src/api/legacy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "api/errors.h"
#include "api/legacy.h"
#include "api/request.h"
#include "expr/legacy.h"
#include "item/itemjson.h"

#define MSG_INVALID "One or more parameter values were invalid: "

/* ------------------------- expression vs legacy ------------------------- */

typedef struct ParamSetDef
{
	const char *exprs[4];
	const char *legacy[5];
} ParamSetDef;

static const ParamSetDef param_sets[] = {
	[KVAM_PARAMS_PUT] = {{"ConditionExpression"}, {"Expected"}},
	[KVAM_PARAMS_UPDATE] = {{"UpdateExpression", "ConditionExpression"},
	{"AttributeUpdates", "Expected"}},
	[KVAM_PARAMS_GET] = {{"ProjectionExpression"}, {"AttributesToGet"}},
	[KVAM_PARAMS_QUERY] = {{"ProjectionExpression", "FilterExpression", "KeyConditionExpression"},
	{"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"}},
	[KVAM_PARAMS_SCAN] = {{"ProjectionExpression", "FilterExpression"},
	{"AttributesToGet", "ScanFilter", "ConditionalOperator"}},
};

/*
 * KvamLegacyCheckParams applies DynamoDB's rules on mixing parameter
 * styles.  KeyConditions may accompany the other expression parameters
 * when KeyConditionExpression is absent, as DynamoDB allows.
 */
bool
KvamLegacyCheckParams(const JsonbValue *req, KvamParamSet set)
{
	const ParamSetDef *def = &param_sets[set];
	StringInfoData exprs;
	StringInfoData legacy;
	StringInfoData valexprs;
	bool		any_expr = false;
	bool		any_legacy = false;
	bool		any_valexpr = false;
	int			nvalexprs = 0;
	bool		keycond_ok;
	int			i;

	initStringInfo(&exprs);
	initStringInfo(&legacy);
	initStringInfo(&valexprs);
	for (i = 0; i < lengthof(def->exprs) && def->exprs[i]; i++)
	{
		if (KvamReqHas(req, def->exprs[i]))
		{
			appendStringInfo(&exprs, "%s%s", any_expr ? ", " : "", def->exprs[i]);
			any_expr = true;
			if (strcmp(def->exprs[i], "ProjectionExpression") != 0)
				any_valexpr = true;
		}
		if (strcmp(def->exprs[i], "ProjectionExpression") != 0)
			appendStringInfo(&valexprs, "%s%s", nvalexprs++ ? " and " : "",
							 def->exprs[i]);
	}
	keycond_ok = !KvamReqHas(req, "KeyConditionExpression");
	for (i = 0; i < lengthof(def->legacy) && def->legacy[i]; i++)
	{
		if (!KvamReqHas(req, def->legacy[i]))
			continue;
		if (strcmp(def->legacy[i], "KeyConditions") == 0 && keycond_ok)
			continue;
		appendStringInfo(&legacy, "%s%s", any_legacy ? ", " : "", def->legacy[i]);
		any_legacy = true;
	}
	if (any_expr && any_legacy)
		KvamValidationError("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}",
							legacy.data, exprs.data);
	if (KvamReqHas(req, "ExpressionAttributeNames") && !any_expr)
		KvamValidationError("ExpressionAttributeNames can only be specified when using expressions");
	if (nvalexprs > 0 && KvamReqHas(req, "ExpressionAttributeValues") && !any_valexpr)
		KvamValidationError("ExpressionAttributeValues can only be specified when using expressions: %s %s null",
							valexprs.data, nvalexprs > 1 ? "are" : "is");
	if (any_legacy)
		return true;
	return KvamReqHas(req, "KeyConditions");
}

/* ------------------------------ conditions ------------------------------ */

static const char *const op_names[] = {
	[KVAM_LOP_EQ] = "EQ",[KVAM_LOP_NE] = "NE",[KVAM_LOP_LE] = "LE",
	[KVAM_LOP_LT] = "LT",[KVAM_LOP_GE] = "GE",[KVAM_LOP_GT] = "GT",
	[KVAM_LOP_NOT_NULL] = "NOT_NULL",[KVAM_LOP_NULL] = "NULL",
	[KVAM_LOP_CONTAINS] = "CONTAINS",[KVAM_LOP_NOT_CONTAINS] = "NOT_CONTAINS",
	[KVAM_LOP_BEGINS_WITH] = "BEGINS_WITH",[KVAM_LOP_IN] = "IN",
	[KVAM_LOP_BETWEEN] = "BETWEEN"
};

/* lower-case first letter, as DynamoDB names members in constraint errors */
static char *
member_path(const char *param, const char *attr, const char *member)
{
	return psprintf("%c%s.%s.member.%s", param[0] + ('a' - 'A'), param + 1,
					attr, member);
}

static KvamLegacyOp
parse_op(const JsonbValue *cond, const char *param, const char *attr)
{
	char	   *s;
	int			i;

	if ((s = KvamReqString(cond, "ComparisonOperator")) == NULL)
		KvamValidationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null",
							member_path(param, attr, "comparisonOperator"));
	for (i = 0; i < lengthof(op_names); i++)
		if (strcmp(s, op_names[i]) == 0)
			return (KvamLegacyOp) i;
	KvamValidationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
						s, member_path(param, attr, "comparisonOperator"));
	return KVAM_LOP_EQ;			/* keep compiler quiet */
}

static bool
scalar_type(KvamAttrType t)
{
	return t == KVAM_AT_S || t == KVAM_AT_N || t == KVAM_AT_B;
}

/*
 * Check the values of a term against its operator (count, one type,
 * types the operator accepts, BETWEEN bounds).
 */
static void
check_term(const KvamLegacyTerm *t)
{
	bool		count_ok;
	int			i;

	switch (t->op)
	{
		case KVAM_LOP_NULL:
		case KVAM_LOP_NOT_NULL:
			count_ok = t->nvalues == 0;
			break;
		case KVAM_LOP_IN:
			count_ok = t->nvalues >= 1;
			break;
		case KVAM_LOP_BETWEEN:
			count_ok = t->nvalues == 2;
			break;
		default:
			count_ok = t->nvalues == 1;
			break;
	}
	if (!count_ok)
		KvamValidationError(MSG_INVALID "Invalid number of argument(s) for the %s ComparisonOperator",
							op_names[t->op]);
	for (i = 1; i < t->nvalues; i++)
		if (t->values[i]->type != t->values[0]->type)
			KvamValidationError(MSG_INVALID "AttributeValues inside AttributeValueList must be of same type");
	for (i = 0; i < t->nvalues; i++)
	{
		KvamAttrType ty = t->values[i]->type;
		bool		ok;

		switch (t->op)
		{
			case KVAM_LOP_EQ:
			case KVAM_LOP_NE:
				ok = true;
				break;
			case KVAM_LOP_BEGINS_WITH:
				ok = ty == KVAM_AT_S || ty == KVAM_AT_B;
				break;
			default:
				ok = scalar_type(ty);
				break;
		}
		if (!ok)
			KvamValidationError(MSG_INVALID "ComparisonOperator %s is not valid for %s AttributeValue type",
								op_names[t->op], KvamAttrTypeName(ty));
	}
	if (t->op == KVAM_LOP_BETWEEN)
	{
		int			c;

		if (KvamAttrCompare(t->values[0], t->values[1], &c) && c > 0)
			KvamValidationError("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
	}
}

/* The AttributeValueList of a condition, validated; NULL when absent. */
static KvamAttr **
value_list(const JsonbValue *cond, int *n)
{
	JsonbValue *elems = KvamReqArray(cond, "AttributeValueList", n);
	KvamAttr  **vals;
	int			i;

	if (elems == NULL)
		return NULL;
	vals = palloc(sizeof(KvamAttr *) * Max(*n, 1));

	for (i = 0; i < *n; i++)
		vals[i] = KvamAttrFromJson(&elems[i], NULL, NULL);
	return vals;
}

/* One QueryFilter / ScanFilter / KeyConditions entry. */
static void
parse_condition(const JsonbValue *cond, const char *param, KvamLegacyTerm *t)
{
	if (!KvamReqIsObject(cond))
		KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
	t->values = value_list(cond, &t->nvalues);
	t->op = parse_op(cond, param, pnstrdup(t->attr.data, t->attr.len));
	check_term(t);
}

/* One Expected entry (ExpectedAttributeValue). */
static void
parse_expected(const JsonbValue *cond, KvamLegacyTerm *t)
{
	char	   *attr = pnstrdup(t->attr.data, t->attr.len);
	KvamAttr  **list;
	int			nlist;
	JsonbValue	value;
	bool		has_list;
	bool		has_value;
	bool		has_op = KvamReqHas(cond, "ComparisonOperator");
	bool		has_exists;
	bool		exists = true;

	if (!KvamReqIsObject(cond))
		KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
	list = value_list(cond, &nlist);
	has_list = list != NULL;
	has_value = KvamReqMember(cond, "Value", &value);
	has_exists = KvamReqBool(cond, "Exists", &exists);

	if (has_list && has_value)
		KvamValidationError(MSG_INVALID "Value and AttributeValueList cannot be used together for Attribute: %s",
							attr);
	if (has_op)
	{
		if (has_exists)
			KvamValidationError(MSG_INVALID "Exists and ComparisonOperator cannot be used together for Attribute: %s",
								attr);
		t->op = parse_op(cond, "Expected", attr);
		if (t->op != KVAM_LOP_NULL && t->op != KVAM_LOP_NOT_NULL &&
			!has_list && !has_value)
			KvamValidationError(MSG_INVALID "Value or AttributeValueList must be used with ComparisonOperator: %s for Attribute: %s",
								op_names[t->op], attr);
		if (has_list)
		{
			t->values = list;
			t->nvalues = nlist;
		}
		else if (has_value)
		{
			t->values = palloc(sizeof(KvamAttr *));
			t->values[0] = KvamAttrFromJson(&value, NULL, NULL);
			t->nvalues = 1;
		}
		else
			t->nvalues = 0;
		check_term(t);
		return;
	}
	if (has_list)
		KvamValidationError(MSG_INVALID "AttributeValueList can only be used with a ComparisonOperator for Attribute: %s",
							attr);
	if (exists && !has_value)
		KvamValidationError(MSG_INVALID "Value must be provided when Exists is %s for Attribute: %s",
							has_exists ? "true" : "null", attr);
	if (!exists && has_value)
		KvamValidationError(MSG_INVALID "Value cannot be used when Exists is false for Attribute: %s",
							attr);
	if (!exists)
	{
		t->op = KVAM_LOP_NULL;
		t->nvalues = 0;
		return;
	}
	t->op = KVAM_LOP_EQ;
	t->values = palloc(sizeof(KvamAttr *));
	t->values[0] = KvamAttrFromJson(&value, NULL, NULL);
	t->nvalues = 1;
}

/* Parse the entries of a condition map into terms. */
static KvamLegacyTerm *
parse_terms(const JsonbValue *req, const char *param, int *nterms)
{
	JsonbValue	map;
	JsonbPair  *pairs;
	KvamLegacyTerm *terms;
	int			i;

	*nterms = 0;
	if (!KvamReqObject(req, param, &map))
		return NULL;
	pairs = KvamJsonObjectPairs(&map, nterms);
	terms = palloc0(sizeof(KvamLegacyTerm) * Max(*nterms, 1));
	for (i = 0; i < *nterms; i++)
	{
		terms[i].attr.data = pairs[i].key.val.string.val;
		terms[i].attr.len = pairs[i].key.val.string.len;
		if (strcmp(param, "Expected") == 0)
			parse_expected(&pairs[i].value, &terms[i]);
		else
			parse_condition(&pairs[i].value, param, &terms[i]);
	}
	return terms;
}

/*
 * KvamLegacyConditions compiles Expected / QueryFilter / ScanFilter.
 */
KvamCondition *
KvamLegacyConditions(const JsonbValue *req, const char *param)
{
	KvamLegacyTerm *terms;
	int			nterms;
	char	   *op;
	bool		use_or = false;

	if ((op = KvamReqString(req, "ConditionalOperator")) != NULL)
	{
		if (strcmp(op, "OR") == 0)
			use_or = true;
		else if (strcmp(op, "AND") != 0)
			KvamValidationError("1 validation error detected: Value '%s' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]",
								op);
	}
	terms = parse_terms(req, param, &nterms);
	if (nterms == 0)
		return NULL;
	return KvamConditionFromLegacy(terms, nterms, use_or);
}

static bool
bytes_is(KvamBytes b, const char *s)
{
	return s != NULL && b.len == (int) strlen(s) && memcmp(b.data, s, b.len) == 0;
}

/*
 * KvamLegacyKeyConditions compiles KeyConditions, checking the key schema
 * elements in schema order (hash key, then range key).
 */
KvamKeyCondition *
KvamLegacyKeyConditions(const JsonbValue *req, const char *pk_name,
						const char *sk_name)
{
	KvamKeyCondition *kc = palloc0(sizeof(KvamKeyCondition));
	KvamLegacyTerm *terms;
	KvamLegacyTerm *pk = NULL;
	KvamLegacyTerm *sk = NULL;
	int			nterms;
	int			i;

	terms = parse_terms(req, "KeyConditions", &nterms);
	if (nterms != 1 && nterms != 2)
		KvamValidationError("Conditions can be of length 1 or 2 only");
	for (i = 0; i < nterms; i++)
	{
		if (bytes_is(terms[i].attr, pk_name))
			pk = &terms[i];
		else if (bytes_is(terms[i].attr, sk_name))
			sk = &terms[i];
	}

	/* hash key */
	if (sk_name == NULL && nterms > 1)
		KvamValidationError("Query key condition not supported");
	if (pk == NULL)
		KvamValidationError("Query condition missed key schema element: %s", pk_name);
	if (pk->op == KVAM_LOP_NULL || pk->op == KVAM_LOP_NOT_NULL ||
		pk->op == KVAM_LOP_NE || pk->op == KVAM_LOP_CONTAINS ||
		pk->op == KVAM_LOP_NOT_CONTAINS || pk->op == KVAM_LOP_IN)
		KvamValidationError("Attempted conditional constraint is not an indexable operation");
	if (pk->op != KVAM_LOP_EQ)
		KvamValidationError("Query key condition not supported");
	kc->pk_value = pk->values[0];

	/* range key */
	if (sk == NULL)
	{
		if (nterms > 1)
			KvamValidationError("Query condition missed key schema element: %s", sk_name);
		return kc;
	}
	switch (sk->op)
	{
		case KVAM_LOP_EQ:
			kc->sk_op = KVAM_KEY_OP_EQ;
			break;
		case KVAM_LOP_LE:
			kc->sk_op = KVAM_KEY_OP_LE;
			break;
		case KVAM_LOP_LT:
			kc->sk_op = KVAM_KEY_OP_LT;
			break;
		case KVAM_LOP_GE:
			kc->sk_op = KVAM_KEY_OP_GE;
			break;
		case KVAM_LOP_GT:
			kc->sk_op = KVAM_KEY_OP_GT;
			break;
		case KVAM_LOP_BETWEEN:
			kc->sk_op = KVAM_KEY_OP_BETWEEN;
			break;
		case KVAM_LOP_BEGINS_WITH:
			kc->sk_op = KVAM_KEY_OP_BEGINS_WITH;
			break;
		default:
			KvamValidationError("Attempted conditional constraint is not an indexable operation");
	}
	kc->sk_value1 = sk->values[0];
	kc->sk_value2 = sk->nvalues > 1 ? sk->values[1] : NULL;
	return kc;
}

/* ---------------------------- AttributeUpdates ---------------------------- */

/*
 * KvamLegacyAttributeUpdates compiles AttributeUpdates.
 */
KvamUpdate *
KvamLegacyAttributeUpdates(const JsonbValue *req)
{
	JsonbValue	map;
	JsonbPair  *pairs;
	KvamLegacyUpdate *acts;
	int			n;
	int			i;

	if (!KvamReqObject(req, "AttributeUpdates", &map))
		return NULL;
	pairs = KvamJsonObjectPairs(&map, &n);
	acts = palloc0(sizeof(KvamLegacyUpdate) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		const JsonbValue *u = &pairs[i].value;
		KvamLegacyUpdate *a = &acts[i];
		JsonbValue	value;
		char	   *action;
		KvamAttrType ty;

		a->attr.data = pairs[i].key.val.string.val;
		a->attr.len = pairs[i].key.val.string.len;
		if (!KvamReqIsObject(u))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
		if ((action = KvamReqString(u, "Action")) == NULL)
			action = "PUT";
		if (strcmp(action, "PUT") == 0)
			a->action = KVAM_LACT_PUT;
		else if (strcmp(action, "ADD") == 0)
			a->action = KVAM_LACT_ADD;
		else if (strcmp(action, "DELETE") == 0)
			a->action = KVAM_LACT_DELETE;
		else
			KvamValidationError("1 validation error detected: Value '%s' at 'attributeUpdates.%.*s.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]",
								action, a->attr.len, a->attr.data);
		if (KvamReqMember(u, "Value", &value))
			a->value = KvamAttrFromJson(&value, NULL, NULL);
		if (a->value == NULL)
		{
			if (a->action != KVAM_LACT_DELETE)
				KvamValidationError(MSG_INVALID "Only DELETE action is allowed when no attribute value is specified");
			continue;
		}
		ty = a->value->type;
		if (a->action == KVAM_LACT_DELETE && !KvamIsSetType(ty))
			KvamValidationError(MSG_INVALID "DELETE action with value is not supported for the type %s",
								KvamAttrTypeName(ty));
		if (a->action == KVAM_LACT_ADD && !KvamIsSetType(ty) &&
			ty != KVAM_AT_N && ty != KVAM_AT_L)
			KvamValidationError(MSG_INVALID "ADD action is not supported for the type %s",
								KvamAttrTypeName(ty));
	}
	return KvamUpdateFromLegacy(acts, n);
}

/* ---------------------------- AttributesToGet ---------------------------- */

/*
 * KvamLegacyAttributesToGet compiles AttributesToGet.
 */
KvamProjection *
KvamLegacyAttributesToGet(const JsonbValue *req)
{
	JsonbValue *elems;
	KvamBytes  *names;
	int			n;
	int			i;
	int			j;

	if ((elems = KvamReqArray(req, "AttributesToGet", &n)) == NULL)
		return NULL;
	if (n == 0)
		KvamValidationError("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
	names = palloc(sizeof(KvamBytes) * n);
	for (i = 0; i < n; i++)
	{
		if (elems[i].type != jbvString)
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected value type in payload");
		names[i].data = elems[i].val.string.val;
		names[i].len = elems[i].val.string.len;
		for (j = 0; j < i; j++)
			if (KvamBytesCompare(names[i], names[j]) == 0)
				KvamValidationError(MSG_INVALID "Duplicate value in attribute name: %.*s",
									names[i].len, names[i].data);
	}
	return KvamProjectionFromNames(names, n);
}
