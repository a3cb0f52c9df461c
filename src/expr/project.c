/*-------------------------------------------------------------------------
 *
 * project.c
 *	  ProjectionExpression: parsing and application.
 *
 * A projection is a comma-separated list of document paths that may not
 * overlap or conflict.  Applying it builds a new item holding, for each
 * path that exists in the source item, the value at that path inside the
 * same chain of maps and lists; list elements picked by index keep their
 * relative order and the gaps between them are closed, as DynamoDB
 * returns them.  The same code computes ReturnValues UPDATED_OLD and
 * UPDATED_NEW from an update's action paths (KvamProjectPaths).
 *
 * IDENTIFICATION
 *	  src/expr/project.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "expr/node.h"

/*
 * KvamProjectionParse compiles a ProjectionExpression.
 */
KvamProjection *
KvamProjectionParse(const char *expr, int len, KvamExprContext *ctx)
{
	KvamParser	p;
	KvamProjection *proj = palloc0(sizeof(KvamProjection));

	KvamParserInit(&p, KVAM_EXPR_PROJECTION, expr, len, ctx);
	for (;;)
	{
		KvamPath	path;

		if (!KvamParsePath(&p, &path))
			KvamSyntaxError(&p, p.pos);
		KvamParserAddPath(&p, &path);
		if (p.toks[p.pos].type != TOK_COMMA)
			break;
		p.pos++;
	}
	if (p.toks[p.pos].type != TOK_EOF)
		KvamSyntaxError(&p, p.pos);
	KvamParserFinish(&p);
	proj->npaths = p.npaths;
	proj->paths = p.paths;
	return proj;
}

/*
 * Lists are built sparse: slot i of a result list holds the element taken
 * from index i of the source list, or NULL.  squash() closes the gaps.
 */
static void
squash(KvamAttr *v)
{
	int			i;
	int			j = 0;

	check_stack_depth();
	if (v->type == KVAM_AT_M)
	{
		for (i = 0; i < v->n; i++)
			squash(v->u.map[i].value);
		return;
	}
	if (v->type != KVAM_AT_L)
		return;
	for (i = 0; i < v->n; i++)
		if (v->u.list[i] != NULL)
		{
			squash(v->u.list[i]);
			v->u.list[j++] = v->u.list[i];
		}
	v->n = j;
}

static void
place(KvamAttr *result, const KvamPath *path, const KvamAttr *value)
{
	KvamAttr   *cur = result;
	int			i;

	for (i = 0; i < path->n; i++)
	{
		const KvamPathElem *e = &path->elems[i];
		bool		leaf = (i == path->n - 1);
		KvamAttr   *next;

		if (!leaf)
		{
			/* the container type is what the next element needs */
			bool		want_list = path->elems[i + 1].is_index;

			if (e->is_index)
				next = (e->index < cur->n) ? cur->u.list[e->index] : NULL;
			else
				next = KvamMapGet(cur, e->name.data, e->name.len);
			if (next == NULL)
				next = want_list ? KvamAttrMakeList(4) : KvamAttrMakeMap(4);
		}
		else
			next = KvamAttrCopy(value);

		if (e->is_index)
		{
			while (cur->n <= e->index)
				KvamListAppend(cur, NULL);
			cur->u.list[e->index] = next;
		}
		else
			KvamMapPut(cur, e->name.data, e->name.len, next);
		cur = next;
	}
}

/*
 * KvamProjectPaths returns the projection of 'item' on 'paths'.
 */
KvamAttr *
KvamProjectPaths(const KvamPath *paths, int npaths, const KvamAttr *item)
{
	KvamAttr   *result = KvamAttrMakeMap(npaths);
	int			i;

	for (i = 0; i < npaths; i++)
	{
		const KvamAttr *v = KvamPathGet(item, &paths[i]);

		if (v != NULL)
			place(result, &paths[i], v);
	}
	squash(result);
	return result;
}

/*
 * KvamProjectionApply applies a compiled projection.
 */
KvamAttr *
KvamProjectionApply(const KvamProjection *proj, const KvamAttr *item)
{
	return KvamProjectPaths(proj->paths, proj->npaths, item);
}
