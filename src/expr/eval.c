/*-------------------------------------------------------------------------
 *
 * eval.c
 *	  Evaluation of conditions and filters against an item.
 *
 * Semantics are DynamoDB's: an operand that names a missing attribute has
 * no value, and every comparison with a missing operand is false, except
 * "<>" which is true unless both sides are missing; values of different
 * types are never equal and never ordered; "<", "<=", ">", ">=" and
 * BETWEEN order only S (UTF-8 bytes), N (numerically) and B (unsigned
 * bytes); sets, maps and lists compare for equality regardless of set and
 * map order.  size() counts bytes of S and B, members of sets, elements
 * of L and entries of M, and has no value for other types.
 *
 * Evaluation allocates only the size() results; it recurses over the AST,
 * whose depth the parser bounded, and calls check_stack_depth().
 *
 * IDENTIFICATION
 *	  src/expr/eval.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "expr/node.h"
#include "item/number.h"

/*
 * KvamPathStep: see expr.h.
 */
KvamAttr *
KvamPathStep(const KvamAttr *cur, const KvamPathElem *e)
{
	if (e->is_index)
		return (cur->type == KVAM_AT_L && e->index < cur->n) ?
			cur->u.list[e->index] : NULL;
	return (cur->type == KVAM_AT_M) ?
		KvamMapGet(cur, e->name.data, e->name.len) : NULL;
}

/*
 * KvamPathGet follows 'path' from the item's top-level map.
 */
const KvamAttr *
KvamPathGet(const KvamAttr *item, const KvamPath *path)
{
	const KvamAttr *cur = item;
	int			i;

	if (item == NULL)
		return NULL;
	for (i = 0; i < path->n && cur != NULL; i++)
		cur = KvamPathStep(cur, &path->elems[i]);
	return cur;
}

/*
 * KvamEvalOperand returns the value of an operand node (path, :value or
 * size()), or NULL when it has none.  'scratch' receives size() results.
 */
const KvamAttr *
KvamEvalOperand(const KvamNode *n, const KvamAttr *item, KvamAttr *scratch)
{
	const KvamAttr *v;
	int64		size;
	char	   *num;

	switch (n->type)
	{
		case NODE_PATH:
			return KvamPathGet(item, &n->path);
		case NODE_VALUE:
			return n->value;
		case NODE_FUNC:
			if (n->op != FUNC_SIZE)
				return NULL;
			v = KvamEvalOperand(n->args[0], item, scratch);
			if (v == NULL)
				return NULL;
			switch (v->type)
			{
				case KVAM_AT_S:
				case KVAM_AT_B:
					size = v->u.scalar.len;
					break;
				case KVAM_AT_M:
				case KVAM_AT_L:
				case KVAM_AT_SS:
				case KVAM_AT_NS:
				case KVAM_AT_BS:
					size = v->n;
					break;
				default:
					return NULL;
			}
			num = KvamNumberFromInt(size);
			memset(scratch, 0, sizeof(KvamAttr));
			scratch->type = KVAM_AT_N;
			scratch->u.scalar.data = num;
			scratch->u.scalar.len = strlen(num);
			return scratch;
		default:
			return NULL;
	}
}

static bool
bytes_contains(KvamBytes hay, KvamBytes needle)
{
	int			i;

	if (needle.len == 0)
		return true;
	for (i = 0; i + needle.len <= hay.len; i++)
		if (memcmp(hay.data + i, needle.data, needle.len) == 0)
			return true;
	return false;
}

static bool
eval_contains(const KvamAttr *a, const KvamAttr *b)
{
	int			i;

	if (a == NULL || b == NULL)
		return false;
	switch (a->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_B:
			return b->type == a->type && bytes_contains(a->u.scalar, b->u.scalar);
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			return b->type == KvamSetElementType(a->type) &&
				KvamSetContains(a, b->u.scalar);
		case KVAM_AT_L:
			for (i = 0; i < a->n; i++)
				if (KvamAttrEqual(a->u.list[i], b))
					return true;
			return false;
		default:
			return false;
	}
}

static bool
eval_begins_with(const KvamAttr *a, const KvamAttr *b)
{
	if (a == NULL || b == NULL || a->type != b->type ||
		(a->type != KVAM_AT_S && a->type != KVAM_AT_B))
		return false;
	return b->u.scalar.len <= a->u.scalar.len &&
		memcmp(a->u.scalar.data, b->u.scalar.data, b->u.scalar.len) == 0;
}

static bool
eval_cmp(int op, const KvamAttr *a, const KvamAttr *b)
{
	int			c;

	if (op == CMP_NE)
	{
		if (a == NULL && b == NULL)
			return false;
		return a == NULL || b == NULL || !KvamAttrEqual(a, b);
	}
	if (a == NULL || b == NULL)
		return false;
	if (op == CMP_EQ)
		return KvamAttrEqual(a, b);
	if (!KvamAttrCompare(a, b, &c))
		return false;
	switch (op)
	{
		case CMP_LT:
			return c < 0;
		case CMP_LE:
			return c <= 0;
		case CMP_GT:
			return c > 0;
		case CMP_GE:
			return c >= 0;
	}
	return false;
}

static bool
eval_node(const KvamNode *n, const KvamAttr *item)
{
	KvamAttr	s1;
	KvamAttr	s2;
	KvamAttr	s3;
	const KvamAttr *a;
	const KvamAttr *b;
	const KvamAttr *c;
	int			i;

	check_stack_depth();
	switch (n->type)
	{
		case NODE_AND:
			return eval_node(n->args[0], item) && eval_node(n->args[1], item);
		case NODE_OR:
			return eval_node(n->args[0], item) || eval_node(n->args[1], item);
		case NODE_NOT:
			return !eval_node(n->args[0], item);
		case NODE_CMP:
			a = KvamEvalOperand(n->args[0], item, &s1);
			b = KvamEvalOperand(n->args[1], item, &s2);
			return eval_cmp(n->op, a, b);
		case NODE_BETWEEN:
			a = KvamEvalOperand(n->args[0], item, &s1);
			b = KvamEvalOperand(n->args[1], item, &s2);
			c = KvamEvalOperand(n->args[2], item, &s3);
			return eval_cmp(CMP_GE, a, b) && eval_cmp(CMP_LE, a, c);
		case NODE_IN:
			a = KvamEvalOperand(n->args[0], item, &s1);
			if (a == NULL)
				return false;
			for (i = 1; i < n->nargs; i++)
			{
				b = KvamEvalOperand(n->args[i], item, &s2);
				if (b != NULL && KvamAttrEqual(a, b))
					return true;
			}
			return false;
		case NODE_FUNC:
			switch ((KvamFunc) n->op)
			{
				case FUNC_ATTRIBUTE_EXISTS:
					return KvamEvalOperand(n->args[0], item, &s1) != NULL;
				case FUNC_ATTRIBUTE_NOT_EXISTS:
					return KvamEvalOperand(n->args[0], item, &s1) == NULL;
				case FUNC_ATTRIBUTE_TYPE:
					a = KvamEvalOperand(n->args[0], item, &s1);
					b = KvamEvalOperand(n->args[1], item, &s2);
					return a != NULL && b != NULL && b->type == KVAM_AT_S &&
						KvamAttrTypeFromName(b->u.scalar.data, b->u.scalar.len) == a->type;
				case FUNC_BEGINS_WITH:
					return eval_begins_with(KvamEvalOperand(n->args[0], item, &s1),
											KvamEvalOperand(n->args[1], item, &s2));
				case FUNC_CONTAINS:
					return eval_contains(KvamEvalOperand(n->args[0], item, &s1),
										 KvamEvalOperand(n->args[1], item, &s2));
				default:
					return false;
			}
		default:
			return false;
	}
}

/*
 * KvamConditionEval evaluates a compiled condition.
 */
bool
KvamConditionEval(const KvamCondition *cond, const KvamAttr *item)
{
	return eval_node(cond->root, item);
}
