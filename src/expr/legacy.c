/*-------------------------------------------------------------------------
 *
 * legacy.c
 *	  ASTs for DynamoDB's legacy parameters (Expected, QueryFilter,
 *	  ScanFilter, AttributeUpdates, AttributesToGet).
 *
 * The builders produce exactly the nodes the parser would produce for the
 * equivalent expression, so evaluation, update application and projection
 * need no legacy code path.  Inputs are validated by the caller
 * (src/api/legacy.c); the builders only assert their shape.  Token
 * positions (KvamNode.tok) are -1: legacy nodes have no source text, and
 * nothing reports errors by token after parsing.
 *
 * IDENTIFICATION
 *	  src/expr/legacy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "expr/legacy.h"
#include "expr/node.h"

static KvamNode *
new_node(KvamNodeType type, int op, int nargs)
{
	KvamNode   *n = palloc0(sizeof(KvamNode));

	n->type = type;
	n->op = op;
	n->tok = -1;
	n->nargs = nargs;
	if (nargs > 0)
		n->args = palloc0(sizeof(KvamNode *) * nargs);
	return n;
}

static KvamPath
top_path(KvamBytes name)
{
	KvamPath	p;

	p.n = 1;
	p.elems = palloc0(sizeof(KvamPathElem));
	p.elems[0].is_index = false;
	p.elems[0].name = name;
	return p;
}

static KvamNode *
path_node(KvamBytes name)
{
	KvamNode   *n = new_node(NODE_PATH, 0, 0);

	n->path = top_path(name);
	return n;
}

static KvamNode *
value_node(const KvamAttr *v)
{
	KvamNode   *n = new_node(NODE_VALUE, 0, 0);

	n->value = v;
	return n;
}

static KvamNode *
term_node(const KvamLegacyTerm *t)
{
	static const KvamCmpOp cmp[] = {CMP_EQ, CMP_NE, CMP_LE, CMP_LT, CMP_GE, CMP_GT};
	KvamNode   *n;
	int			i;

	switch (t->op)
	{
		case KVAM_LOP_EQ:
		case KVAM_LOP_NE:
		case KVAM_LOP_LE:
		case KVAM_LOP_LT:
		case KVAM_LOP_GE:
		case KVAM_LOP_GT:
			Assert(t->nvalues == 1);
			n = new_node(NODE_CMP, cmp[t->op], 2);
			n->args[0] = path_node(t->attr);
			n->args[1] = value_node(t->values[0]);
			return n;
		case KVAM_LOP_NOT_NULL:
		case KVAM_LOP_NULL:
			n = new_node(NODE_FUNC, t->op == KVAM_LOP_NULL ?
						 FUNC_ATTRIBUTE_NOT_EXISTS : FUNC_ATTRIBUTE_EXISTS, 1);
			n->args[0] = path_node(t->attr);
			return n;
		case KVAM_LOP_CONTAINS:
		case KVAM_LOP_NOT_CONTAINS:
		case KVAM_LOP_BEGINS_WITH:
			Assert(t->nvalues == 1);
			n = new_node(NODE_FUNC, t->op == KVAM_LOP_BEGINS_WITH ?
						 FUNC_BEGINS_WITH : FUNC_CONTAINS, 2);
			n->args[0] = path_node(t->attr);
			n->args[1] = value_node(t->values[0]);
			if (t->op == KVAM_LOP_NOT_CONTAINS)
			{
				KvamNode   *not = new_node(NODE_NOT, 0, 1);

				not->args[0] = n;
				return not;
			}
			return n;
		case KVAM_LOP_IN:
			Assert(t->nvalues >= 1);
			n = new_node(NODE_IN, 0, t->nvalues + 1);
			n->args[0] = path_node(t->attr);
			for (i = 0; i < t->nvalues; i++)
				n->args[i + 1] = value_node(t->values[i]);
			return n;
		case KVAM_LOP_BETWEEN:
			Assert(t->nvalues == 2);
			n = new_node(NODE_BETWEEN, 0, 3);
			n->args[0] = path_node(t->attr);
			n->args[1] = value_node(t->values[0]);
			n->args[2] = value_node(t->values[1]);
			return n;
	}
	elog(ERROR, "unexpected legacy comparison operator %d", (int) t->op);
	return NULL;				/* keep compiler quiet */
}

/*
 * KvamConditionFromLegacy builds a left-deep AND/OR chain of the terms.
 * The chain's depth is the number of terms, bounded by the request size;
 * evaluation recurses over it with check_stack_depth().
 */
KvamCondition *
KvamConditionFromLegacy(const KvamLegacyTerm *terms, int nterms, bool use_or)
{
	KvamCondition *cond = palloc0(sizeof(KvamCondition));
	KvamNode   *root = NULL;
	int			i;

	Assert(nterms > 0);
	for (i = 0; i < nterms; i++)
	{
		KvamNode   *t = term_node(&terms[i]);

		if (root == NULL)
			root = t;
		else
		{
			KvamNode   *j = new_node(use_or ? NODE_OR : NODE_AND, 0, 2);

			j->args[0] = root;
			j->args[1] = t;
			root = j;
		}
	}
	cond->root = root;
	return cond;
}

/*
 * KvamUpdateFromLegacy builds one action per attribute, in input order.
 */
KvamUpdate *
KvamUpdateFromLegacy(const KvamLegacyUpdate *acts, int nacts)
{
	KvamUpdate *u = palloc0(sizeof(KvamUpdate));
	int			i;

	u->nactions = nacts;
	u->actions = palloc0(sizeof(KvamUpdateAction) * Max(nacts, 1));
	u->paths = palloc(sizeof(KvamPath) * Max(nacts, 1));
	for (i = 0; i < nacts; i++)
	{
		const KvamLegacyUpdate *l = &acts[i];
		KvamUpdateAction *a = &u->actions[i];

		a->path = top_path(l->attr);
		switch (l->action)
		{
			case KVAM_LACT_PUT:
				a->type = UPD_SET;
				a->value = value_node(l->value);
				break;
			case KVAM_LACT_DELETE:
				if (l->value == NULL)
					a->type = UPD_REMOVE;
				else
				{
					a->type = UPD_DELETE;
					a->value = value_node(l->value);
				}
				break;
			case KVAM_LACT_ADD:
				if (l->value->type == KVAM_AT_L)
				{
					/* SET a = list_append(if_not_exists(a, []), value) */
					KvamNode   *ine = new_node(NODE_FUNC, FUNC_IF_NOT_EXISTS, 2);
					KvamNode   *app = new_node(NODE_FUNC, FUNC_LIST_APPEND, 2);

					ine->args[0] = path_node(l->attr);
					ine->args[1] = value_node(KvamAttrMakeList(0));
					app->args[0] = ine;
					app->args[1] = value_node(l->value);
					a->type = UPD_SET;
					a->value = app;
				}
				else
				{
					a->type = UPD_ADD;
					a->value = value_node(l->value);
				}
				break;
		}
		u->paths[i] = a->path;
	}
	return u;
}

/*
 * KvamProjectionFromNames builds a projection of top-level attributes.
 */
KvamProjection *
KvamProjectionFromNames(const KvamBytes *names, int n)
{
	KvamProjection *proj = palloc0(sizeof(KvamProjection));
	int			i;

	proj->npaths = n;
	proj->paths = palloc(sizeof(KvamPath) * Max(n, 1));
	for (i = 0; i < n; i++)
		proj->paths[i] = top_path(names[i]);
	return proj;
}

static bool
node_uses(const KvamNode *n, const char *name, int len)
{
	int			i;

	check_stack_depth();
	if (n->type == NODE_PATH)
		return n->path.n > 0 && !n->path.elems[0].is_index &&
			n->path.elems[0].name.len == len &&
			memcmp(n->path.elems[0].name.data, name, len) == 0;
	for (i = 0; i < n->nargs; i++)
		if (node_uses(n->args[i], name, len))
			return true;
	return false;
}

/*
 * KvamConditionUsesAttribute walks the AST for a path headed by 'name'.
 */
bool
KvamConditionUsesAttribute(const KvamCondition *cond, const char *name, int len)
{
	return node_uses(cond->root, name, len);
}
