/*-------------------------------------------------------------------------
 *
 * update.c
 *	  UpdateExpression: parsing of the SET, REMOVE, ADD and DELETE
 *	  sections, and their application to an item.
 *
 * Grammar:
 *	  update    := section { section }
 *	  section   := SET set-action { , set-action }
 *	             | REMOVE path { , path }
 *	             | ADD path :value { , path :value }
 *	             | DELETE path :value { , path :value }
 *	  set-action := path = set-value
 *	  set-value := operand [ (+|-) operand ] | ( set-value )
 *
 * Each section keyword may appear once; no two action paths may overlap
 * or conflict.  Application follows DynamoDB: every operand is evaluated
 * against the item as it was before the update; SET never creates missing
 * parents; SET of a list index past the end appends (several appends in
 * index order); REMOVE of list elements uses the original indexes; ADD
 * adds numbers and unions sets (creating the attribute if missing);
 * DELETE subtracts from a set and drops the attribute when it becomes
 * empty.  The input item is never modified: the update works on a copy.
 *
 * IDENTIFICATION
 *	  src/expr/update.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/errors.h"
#include "expr/node.h"
#include "item/number.h"

static const char *const section_names[] = {"SET", "REMOVE", "ADD", "DELETE"};

/* ------------------------------- parsing ------------------------------- */

static KvamNode *
parse_set_value(KvamParser *p)
{
	KvamNode   *left;
	KvamNode   *n;
	int			tok;

	if (p->toks[p->pos].type == TOK_LPAREN)
	{
		p->pos++;
		p->depth++;
		if (p->depth > KVAM_EXPR_MAX_DEPTH)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Invalid %s: The expression has too many nested levels; maximum nesting depth: %d",
					  KvamExprKindName(p->kind), KVAM_EXPR_MAX_DEPTH);
		left = parse_set_value(p);
		if (p->toks[p->pos].type != TOK_RPAREN)
			KvamSyntaxError(p, p->pos);
		p->pos++;
		p->depth--;
		left->parens++;
		if (left->type == NODE_PLUS || left->type == NODE_MINUS)
			return left;
	}
	else
		left = KvamParseOperand(p);

	tok = p->pos;
	if (p->toks[tok].type != TOK_PLUS && p->toks[tok].type != TOK_MINUS)
		return left;
	p->pos++;
	p->noperators++;
	n = palloc0(sizeof(KvamNode));
	n->type = (p->toks[tok].type == TOK_PLUS) ? NODE_PLUS : NODE_MINUS;
	n->tok = tok;
	n->nargs = 2;
	n->args = palloc(sizeof(KvamNode *) * 2);
	n->args[0] = left;
	n->args[1] = KvamParseOperand(p);
	for (tok = 0; tok < 2; tok++)
	{
		const KvamNode *a = n->args[tok];

		if (a->type == NODE_VALUE && a->value && a->value->type != KVAM_AT_N)
		{
			KvamParserNoteError(p, ERR_FUNCTION,
								psprintf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s",
										 n->type == NODE_PLUS ? "+" : "-",
										 KvamAttrTypeName(a->value->type)));
			break;
		}
	}
	return n;
}

static const char *
operand_type_word(KvamAttrType t)
{
	switch (t)
	{
		case KVAM_AT_S:
			return "STRING";
		case KVAM_AT_N:
			return "NUMBER";
		case KVAM_AT_B:
			return "BINARY";
		case KVAM_AT_NULL:
			return "NULL";
		case KVAM_AT_BOOL:
			return "BOOLEAN";
		case KVAM_AT_L:
			return "LIST";
		case KVAM_AT_M:
			return "MAP";
		default:
			return NULL;
	}
}

/*
 * KvamUpdateParse compiles an UpdateExpression.
 */
KvamUpdate *
KvamUpdateParse(const char *expr, int len, KvamExprContext *ctx)
{
	KvamParser	p;
	KvamUpdate *u = palloc0(sizeof(KvamUpdate));
	int			cap = 8;
	int			i;

	KvamParserInit(&p, KVAM_EXPR_UPDATE, expr, len, ctx);
	u->actions = palloc(sizeof(KvamUpdateAction) * cap);
	do
	{
		int			section = -1;

		for (i = 0; i < 4; i++)
			if (KvamTokenIsKeyword(&p, p.pos, section_names[i]))
				section = i;
		if (section < 0)
			KvamSyntaxError(&p, p.pos);
		if (p.sections[section])
			KvamParserNoteError(&p, ERR_SECTION,
								psprintf("The \"%s\" section can only be used once in an update expression;",
										 section_names[section]));
		p.sections[section] = true;
		p.pos++;
		for (;;)
		{
			KvamUpdateAction *a;

			if (u->nactions == cap)
			{
				cap *= 2;
				u->actions = repalloc(u->actions, sizeof(KvamUpdateAction) * cap);
			}
			a = &u->actions[u->nactions++];
			memset(a, 0, sizeof(KvamUpdateAction));
			a->type = (KvamUpdateActionType) section;
			if (!KvamParsePath(&p, &a->path))
				KvamSyntaxError(&p, p.pos);
			if (a->type == UPD_SET)
			{
				if (p.toks[p.pos].type != TOK_EQ)
					KvamSyntaxError(&p, p.pos);
				p.pos++;
				a->value = parse_set_value(&p);
			}
			else if (a->type == UPD_ADD || a->type == UPD_DELETE)
			{
				const char *w;

				if (p.toks[p.pos].type != TOK_VALREF)
					KvamSyntaxError(&p, p.pos);
				a->value = palloc0(sizeof(KvamNode));
				a->value->type = NODE_VALUE;
				a->value->tok = p.pos;
				a->value->value = KvamParserResolveValue(&p, p.pos);
				p.pos++;
				if (a->value->value &&
					(w = operand_type_word(a->value->value->type)) != NULL &&
					!(a->type == UPD_ADD && a->value->value->type == KVAM_AT_N))
					KvamParserNoteError(&p, ERR_OPERATOR,
										psprintf("Incorrect operand type for operator or function; operator: %s, operand type: %s",
												 section_names[section], w));
			}
			KvamParserAddPath(&p, &a->path);
			if (p.toks[p.pos].type != TOK_COMMA)
				break;
			p.pos++;
		}
	} while (p.toks[p.pos].type != TOK_EOF);
	KvamParserFinish(&p);

	u->paths = palloc(sizeof(KvamPath) * u->nactions);
	for (i = 0; i < u->nactions; i++)
		u->paths[i] = u->actions[i].path;
	return u;
}

/*
 * KvamUpdatePaths returns the action paths, in expression order.
 */
const KvamPath *
KvamUpdatePaths(const KvamUpdate *upd, int *npaths)
{
	*npaths = upd->nactions;
	return upd->paths;
}

/* ------------------------------ application ------------------------------ */

static void
invalid_path(void)
{
	KvamRaise(KVAM_EX_VALIDATION,
			  "The document path provided in the update expression is invalid for update");
}

static void
wrong_type(void)
{
	KvamRaise(KVAM_EX_VALIDATION,
			  "An operand in the update expression has an incorrect data type");
}

/* Evaluate a SET value against the old item; a fresh copy. */
static KvamAttr *
eval_set_value(const KvamNode *n, const KvamAttr *old)
{
	const KvamAttr *v;
	KvamAttr   *a;
	KvamAttr   *b;
	KvamAttr   *r;
	char	   *sum;
	int			i;

	switch (n->type)
	{
		case NODE_VALUE:
			return KvamAttrCopy(n->value);
		case NODE_PATH:
			v = KvamPathGet(old, &n->path);
			if (v == NULL)
				KvamRaise(KVAM_EX_VALIDATION,
						  "The provided expression refers to an attribute that does not exist in the item");
			return KvamAttrCopy(v);
		case NODE_PLUS:
		case NODE_MINUS:
			a = eval_set_value(n->args[0], old);
			b = eval_set_value(n->args[1], old);
			if (a->type != KVAM_AT_N || b->type != KVAM_AT_N)
				wrong_type();
			sum = KvamNumberAdd(a->u.scalar.data, b->u.scalar.data,
								n->type == NODE_MINUS);
			return KvamAttrMakeScalar(KVAM_AT_N, sum, strlen(sum));
		case NODE_FUNC:
			if (n->op == FUNC_IF_NOT_EXISTS)
			{
				v = KvamPathGet(old, &n->args[0]->path);
				if (v != NULL)
					return KvamAttrCopy(v);
				return eval_set_value(n->args[1], old);
			}
			if (n->op == FUNC_LIST_APPEND)
			{
				a = eval_set_value(n->args[0], old);
				b = eval_set_value(n->args[1], old);
				if (a->type != KVAM_AT_L || b->type != KVAM_AT_L)
					wrong_type();
				r = KvamAttrMakeList(a->n + b->n);
				for (i = 0; i < a->n; i++)
					KvamListAppend(r, a->u.list[i]);
				for (i = 0; i < b->n; i++)
					KvamListAppend(r, b->u.list[i]);
				return r;
			}
			break;
		default:
			break;
	}
	elog(ERROR, "unexpected node in update value");
	return NULL;				/* keep compiler quiet */
}

/*
 * Find the container of the last element of 'path' in 'root'; raises the
 * invalid-path error when an intermediate element is missing or when the
 * container has the wrong type for the last element.
 */
static KvamAttr *
parent_of(KvamAttr *root, const KvamPath *path)
{
	KvamAttr   *cur = root;
	int			i;

	for (i = 0; i < path->n - 1; i++)
	{
		cur = KvamPathStep(cur, &path->elems[i]);
		if (cur == NULL)
			invalid_path();
	}
	if (path->elems[path->n - 1].is_index ? cur->type != KVAM_AT_L :
		cur->type != KVAM_AT_M)
		invalid_path();
	return cur;
}

static void
assign(KvamAttr *root, const KvamPath *path, KvamAttr *value)
{
	KvamAttr   *parent = parent_of(root, path);
	const KvamPathElem *last = &path->elems[path->n - 1];

	if (!last->is_index)
		KvamMapPut(parent, last->name.data, last->name.len, value);
	else if (last->index < parent->n)
		parent->u.list[last->index] = value;
	else
		KvamListAppend(parent, value);
}

/* A REMOVE target resolved before anything is removed. */
typedef struct RemoveTarget
{
	KvamAttr   *parent;
	const KvamPathElem *last;
} RemoveTarget;

static int
remove_order(const void *a, const void *b)
{
	const RemoveTarget *x = a;
	const RemoveTarget *y = b;

	/* map removals first, then list removals by descending index */
	if (x->last->is_index != y->last->is_index)
		return x->last->is_index ? 1 : -1;
	if (x->last->is_index && x->last->index != y->last->index)
		return x->last->index > y->last->index ? -1 : 1;
	return 0;
}

static int
set_order(const void *a, const void *b)
{
	const KvamUpdateAction *x = *(const KvamUpdateAction *const *) a;
	const KvamUpdateAction *y = *(const KvamUpdateAction *const *) b;
	const KvamPathElem *lx = &x->path.elems[x->path.n - 1];
	const KvamPathElem *ly = &y->path.elems[y->path.n - 1];

	if (lx->is_index && ly->is_index && lx->index != ly->index)
		return lx->index < ly->index ? -1 : 1;
	return (x < y) ? -1 : (x > y) ? 1 : 0;
}

static KvamAttr *
set_union_or_diff(const KvamAttr *a, const KvamAttr *b, bool diff)
{
	KvamBytes  *m = palloc(sizeof(KvamBytes) * (a->n + b->n));
	int			n = 0;
	int			i;
	int			dup;

	for (i = 0; i < a->n; i++)
		if (!diff || !KvamSetContains(b, a->u.set[i]))
			m[n++] = a->u.set[i];
	if (!diff)
		for (i = 0; i < b->n; i++)
			if (!KvamSetContains(a, b->u.set[i]))
				m[n++] = b->u.set[i];
	if (n == 0)
		return NULL;
	return KvamAttrMakeSet(a->type, m, n, &dup);
}

/*
 * KvamUpdateApply applies the update to a copy of 'item'.
 */
KvamAttr *
KvamUpdateApply(const KvamUpdate *upd, const KvamAttr *item)
{
	KvamAttr   *result = item ? KvamAttrCopy(item) : KvamAttrMakeMap(4);
	KvamAttr  **setvals = palloc0(sizeof(KvamAttr *) * Max(upd->nactions, 1));
	const KvamUpdateAction **sets = palloc(sizeof(KvamUpdateAction *) * Max(upd->nactions, 1));
	RemoveTarget *removes = palloc(sizeof(RemoveTarget) * Max(upd->nactions, 1));
	int			nsets = 0;
	int			nremoves = 0;
	int			i;

	/* 1. evaluate every SET value against the old item */
	for (i = 0; i < upd->nactions; i++)
		if (upd->actions[i].type == UPD_SET)
		{
			setvals[i] = eval_set_value(upd->actions[i].value, item);
			sets[nsets++] = &upd->actions[i];
		}

	/* 2. SET, appends to one list in index order */
	qsort(sets, nsets, sizeof(KvamUpdateAction *), set_order);
	for (i = 0; i < nsets; i++)
		assign(result, &sets[i]->path, setvals[sets[i] - upd->actions]);

	/* 3. REMOVE, resolved first so that list indexes are the original ones */
	for (i = 0; i < upd->nactions; i++)
	{
		const KvamUpdateAction *a = &upd->actions[i];

		if (a->type != UPD_REMOVE)
			continue;
		removes[nremoves].parent = parent_of(result, &a->path);
		removes[nremoves].last = &a->path.elems[a->path.n - 1];
		nremoves++;
	}
	qsort(removes, nremoves, sizeof(RemoveTarget), remove_order);
	for (i = 0; i < nremoves; i++)
	{
		const KvamPathElem *last = removes[i].last;

		if (!last->is_index)
			KvamMapRemove(removes[i].parent, last->name.data, last->name.len);
		else if (last->index < removes[i].parent->n)
			KvamListRemoveAt(removes[i].parent, last->index);
	}

	/* 4. ADD and DELETE */
	for (i = 0; i < upd->nactions; i++)
	{
		const KvamUpdateAction *a = &upd->actions[i];
		const KvamAttr *v;
		const KvamAttr *old;

		if (a->type != UPD_ADD && a->type != UPD_DELETE)
			continue;
		v = a->value->value;
		old = KvamPathGet(item, &a->path);
		if (a->type == UPD_ADD)
		{
			if (old == NULL)
				assign(result, &a->path, KvamAttrCopy(v));
			else if (old->type != v->type)
				wrong_type();
			else if (v->type == KVAM_AT_N)
			{
				char	   *sum = KvamNumberAdd(old->u.scalar.data, v->u.scalar.data, false);

				assign(result, &a->path, KvamAttrMakeScalar(KVAM_AT_N, sum, strlen(sum)));
			}
			else if (KvamIsSetType(v->type))
				assign(result, &a->path, set_union_or_diff(old, v, false));
			else
				wrong_type();
		}
		else
		{
			KvamAttr   *d;

			if (old == NULL)
			{
				/* parents must still exist */
				if (a->path.n > 1)
					(void) parent_of(result, &a->path);
				continue;
			}
			if (old->type != v->type || !KvamIsSetType(v->type))
				wrong_type();
			d = set_union_or_diff(old, v, true);
			if (d != NULL)
				assign(result, &a->path, d);
			else
			{
				KvamAttr   *parent = parent_of(result, &a->path);
				const KvamPathElem *last = &a->path.elems[a->path.n - 1];

				if (!last->is_index)
					KvamMapRemove(parent, last->name.data, last->name.len);
				else if (last->index < parent->n)
					KvamListRemoveAt(parent, last->index);
			}
		}
	}

	if (KvamAttrDepth(result) > KVAM_MAX_NESTING + 1)
		KvamRaise(KVAM_EX_VALIDATION, "Nesting Levels have exceeded supported limits");
	return result;
}
