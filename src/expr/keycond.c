/*-------------------------------------------------------------------------
 *
 * keycond.c
 *	  KeyConditionExpression: structure validation and sort key matching.
 *
 * A key condition is parsed with the condition grammar, then reduced to
 * at most one condition per key attribute, joined by AND: "=" on the
 * partition key; =, <, <=, >, >=, BETWEEN or begins_with on the sort key.
 * A comparison written "value op key" is turned around.  Everything else
 * is rejected with DynamoDB's messages (not prefixed by "Invalid
 * KeyConditionExpression:" where DynamoDB does not prefix them).
 *
 * IDENTIFICATION
 *	  src/expr/keycond.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/errors.h"
#include "expr/node.h"

typedef struct KeyTerm
{
	KvamBytes	attr;
	KvamKeyOp	op;
	const KvamAttr *v1;
	const KvamAttr *v2;
} KeyTerm;

static const char *
node_op_name(const KvamNode *n)
{
	switch (n->type)
	{
		case NODE_OR:
			return "OR";
		case NODE_NOT:
			return "NOT";
		case NODE_IN:
			return "IN";
		case NODE_CMP:
			return n->op == CMP_NE ? "<>" : NULL;
		default:
			return NULL;
	}
}

static void
collect(const KvamNode *n, KeyTerm *terms, int *nterms)
{
	const char *bad = node_op_name(n);
	KeyTerm		t;
	int			pathidx = -1;
	int			i;

	if (bad)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Invalid operator used in KeyConditionExpression: %s", bad);
	if (n->type == NODE_AND)
	{
		collect(n->args[0], terms, nterms);
		collect(n->args[1], terms, nterms);
		return;
	}
	if (n->type == NODE_FUNC)
	{
		if (n->op == FUNC_SIZE)
			KvamRaise(KVAM_EX_VALIDATION,
					  "KeyConditionExpressions cannot contain nested operations");
		if (n->op != FUNC_BEGINS_WITH)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Invalid operator used in KeyConditionExpression: %s",
					  KvamFuncName((KvamFunc) n->op));
	}
	if ((n->type == NODE_BETWEEN || n->type == NODE_FUNC) &&
		n->args[0]->type != NODE_PATH)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Invalid condition in KeyConditionExpression: %s operator must have the key attribute as its first operand",
				  n->type == NODE_BETWEEN ? "BETWEEN" : "begins_with");
	for (i = 0; i < n->nargs; i++)
	{
		const KvamNode *a = n->args[i];

		if (a->type == NODE_FUNC)
			KvamRaise(KVAM_EX_VALIDATION,
					  "KeyConditionExpressions cannot contain nested operations");
		if (a->type != NODE_PATH)
			continue;
		if (pathidx >= 0)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
		if (a->path.n > 1)
			KvamRaise(KVAM_EX_VALIDATION,
					  "KeyConditionExpressions cannot have conditions on nested attributes");
		pathidx = i;
	}
	if (pathidx < 0)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Invalid condition in KeyConditionExpression: No key attribute specified");
	t.attr = n->args[pathidx]->path.elems[0].name;
	t.v2 = NULL;
	for (i = 0; i < *nterms; i++)
		if (KvamBytesCompare(terms[i].attr, t.attr) == 0)
			KvamRaise(KVAM_EX_VALIDATION,
					  "KeyConditionExpressions must only contain one condition per key");
	if (*nterms >= 2)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Conditions can be of length 1 or 2 only");
	switch (n->type)
	{
		case NODE_CMP:
			{
				/* "value op key": turn it around */
				static const KvamKeyOp fwd[] = {KVAM_KEY_OP_EQ, KVAM_KEY_OP_NONE,
					KVAM_KEY_OP_LT, KVAM_KEY_OP_LE, KVAM_KEY_OP_GT, KVAM_KEY_OP_GE};
				static const KvamKeyOp rev[] = {KVAM_KEY_OP_EQ, KVAM_KEY_OP_NONE,
					KVAM_KEY_OP_GT, KVAM_KEY_OP_GE, KVAM_KEY_OP_LT, KVAM_KEY_OP_LE};

				t.op = (pathidx == 0) ? fwd[n->op] : rev[n->op];
				t.v1 = n->args[1 - pathidx]->value;
			}
			break;
		case NODE_BETWEEN:
			t.op = KVAM_KEY_OP_BETWEEN;
			t.v1 = n->args[1]->value;
			t.v2 = n->args[2]->value;
			break;
		default:
			t.op = KVAM_KEY_OP_BEGINS_WITH;
			t.v1 = n->args[1]->value;
			break;
	}
	terms[(*nterms)++] = t;
}

static bool
name_is(KvamBytes b, const char *name)
{
	return name != NULL && b.len == (int) strlen(name) &&
		memcmp(b.data, name, b.len) == 0;
}

/*
 * KvamKeyConditionCheckSyntax: the checks of KvamKeyConditionParse that
 * need no key schema (syntax, names and values, operators, shape), so that
 * Query can make them before it looks the table up, as DynamoDB does.
 */
void
KvamKeyConditionCheckSyntax(const char *expr, int len, KvamExprContext *ctx)
{
	KvamParser	p;
	KeyTerm		terms[2];
	int			nterms = 0;

	KvamParserInit(&p, KVAM_EXPR_KEY_CONDITION, expr, len, ctx);
	collect(KvamParseCondition(&p), terms, &nterms);
}

/*
 * KvamKeyConditionParse compiles and validates a KeyConditionExpression.
 */
KvamKeyCondition *
KvamKeyConditionParse(const char *expr, int len, KvamExprContext *ctx,
					  const char *pk_name, const char *sk_name)
{
	KvamParser	p;
	KvamNode   *root;
	KeyTerm		terms[2];
	int			nterms = 0;
	int			i;
	KvamKeyCondition *kc = palloc0(sizeof(KvamKeyCondition));
	bool		have_pk = false;

	KvamParserInit(&p, KVAM_EXPR_KEY_CONDITION, expr, len, ctx);
	root = KvamParseCondition(&p);
	collect(root, terms, &nterms);

	for (i = 0; i < nterms; i++)
		if (name_is(terms[i].attr, pk_name))
			have_pk = true;
	if (!have_pk)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Query condition missed key schema element: %s", pk_name);
	for (i = 0; i < nterms; i++)
	{
		if (name_is(terms[i].attr, pk_name))
		{
			if (terms[i].op != KVAM_KEY_OP_EQ)
				KvamRaise(KVAM_EX_VALIDATION, "Query key condition not supported");
			kc->pk_value = terms[i].v1;
		}
		else if (name_is(terms[i].attr, sk_name))
		{
			kc->sk_op = terms[i].op;
			kc->sk_value1 = terms[i].v1;
			kc->sk_value2 = terms[i].v2;
			if (terms[i].op == KVAM_KEY_OP_BEGINS_WITH && terms[i].v1 &&
				terms[i].v1->type != KVAM_AT_S && terms[i].v1->type != KVAM_AT_B)
				KvamRaise(KVAM_EX_VALIDATION,
						  "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s",
						  KvamAttrTypeName(terms[i].v1->type));
		}
		else if (sk_name != NULL)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Query condition missed key schema element: %s", sk_name);
		else
			KvamRaise(KVAM_EX_VALIDATION, "Query key condition not supported");
	}
	return kc;
}

/*
 * KvamKeyConditionMatchesSort tests one sort key value.
 */
bool
KvamKeyConditionMatchesSort(const KvamKeyCondition *kc, const KvamAttr *sk)
{
	int			c;
	int			c2;

	if (kc->sk_op == KVAM_KEY_OP_NONE)
		return true;
	if (sk == NULL || !KvamAttrCompare(sk, kc->sk_value1, &c))
		return false;
	switch (kc->sk_op)
	{
		case KVAM_KEY_OP_EQ:
			return c == 0;
		case KVAM_KEY_OP_LT:
			return c < 0;
		case KVAM_KEY_OP_LE:
			return c <= 0;
		case KVAM_KEY_OP_GT:
			return c > 0;
		case KVAM_KEY_OP_GE:
			return c >= 0;
		case KVAM_KEY_OP_BETWEEN:
			return c >= 0 && KvamAttrCompare(sk, kc->sk_value2, &c2) && c2 <= 0;
		case KVAM_KEY_OP_BEGINS_WITH:
			return (sk->type == KVAM_AT_S || sk->type == KVAM_AT_B) &&
				kc->sk_value1->u.scalar.len <= sk->u.scalar.len &&
				memcmp(sk->u.scalar.data, kc->sk_value1->u.scalar.data,
					   kc->sk_value1->u.scalar.len) == 0;
		case KVAM_KEY_OP_NONE:
			break;
	}
	return true;
}
