/*-------------------------------------------------------------------------
 *
 * parse.c
 *	  Recursive-descent parser of condition expressions and the parts
 *	  shared by all expression kinds: document paths, operands, function
 *	  calls, syntax errors and the deferred semantic errors.
 *
 * Grammar (conditions; update.c and project.c reuse paths and operands):
 *
 *	  condition  := or
 *	  or         := and { OR and }
 *	  and        := not { AND not }
 *	  not        := NOT not | comparison
 *	  comparison := primary [ cmp operand | BETWEEN operand AND operand
 *	                          | IN ( operand { , operand } ) ]
 *	  primary    := ( or ) | function | path | :value
 *	  operand    := ( operand ) | function | path | :value
 *	  function   := identifier ( operand { , operand } )
 *	  path       := name { . name | [ digits ] }    name := identifier | #name
 *
 * A parenthesised primary may hold a condition or an operand; whether an
 * operand may stand alone is decided by the caller ('operand_ok'), which
 * makes the grammar deterministic without backtracking.  Every level of
 * parentheses or NOT counts against KVAM_EXPR_MAX_DEPTH and calls
 * check_stack_depth(), so hostile nesting ends in a clean error.
 *
 * Syntax errors are raised at once; semantic errors are recorded in the
 * slots of node.h and the most important one is raised by
 * KvamParserFinish, in DynamoDB's order of precedence.
 *
 * IDENTIFICATION
 *	  src/expr/parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "api/errors.h"
#include "expr/node.h"

static const char *const kind_names[] = {
	"ConditionExpression", "FilterExpression", "KeyConditionExpression",
	"UpdateExpression", "ProjectionExpression"
};

/*
 * KvamExprKindName returns the request parameter name of 'kind'.
 */
const char *
KvamExprKindName(KvamExprKind kind)
{
	return kind_names[kind];
}

/*
 * KvamParserInit checks the length limits and tokenizes the expression.
 */
void
KvamParserInit(KvamParser *p, KvamExprKind kind, const char *expr, int len,
			   KvamExprContext *ctx)
{
	memset(p, 0, sizeof(KvamParser));
	p->kind = kind;
	p->src = expr;
	p->len = len;
	p->ctx = ctx;
	if (len == 0)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid %s: The expression can not be empty;",
				  KvamExprKindName(kind));
	if (len > KVAM_EXPR_MAX_LENGTH)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Invalid %s: Expression size has exceeded the maximum allowed size; expression size: %d",
				  KvamExprKindName(kind), len);
	KvamLex(p);
}

/*
 * KvamSyntaxError raises DynamoDB's syntax error at token 'tok', quoting
 * the source from the previous token to the next one.
 */
void
KvamSyntaxError(const KvamParser *p, int tok)
{
	int			first = (tok > 0) ? tok - 1 : tok;
	int			last = tok;
	int			start;
	int			end;

	if (p->toks[tok].type != TOK_EOF && tok + 1 < p->ntoks &&
		p->toks[tok + 1].type != TOK_EOF)
		last = tok + 1;
	start = p->toks[first].start;
	end = p->toks[last].start + p->toks[last].len;
	KvamRaiseCode(KVAM_EX_VALIDATION, ERRCODE_SYNTAX_ERROR,
				  "Invalid %s: Syntax error; token: \"%s\", near: \"%.*s\"",
				  KvamExprKindName(p->kind), KvamTokenText(p, tok),
				  end - start, p->src + start);
}

/*
 * KvamParserNoteError records the first semantic error of a category.
 */
void
KvamParserNoteError(KvamParser *p, KvamErrSlot slot, char *msg)
{
	if (p->errors[slot] == NULL)
		p->errors[slot] = msg;
	if ((slot == ERR_NAME || slot == ERR_VALUE) && p->errors[ERR_NAMEVAL] == NULL)
		p->errors[ERR_NAMEVAL] = msg;
}

/*
 * KvamParserFinish raises the most important recorded semantic error.
 */
void
KvamParserFinish(KvamParser *p)
{
	static const KvamErrSlot cond_order[] = {
		ERR_LIMIT, ERR_PARENS, ERR_UNKNOWN_FUNC, ERR_MISUSED_FUNC, ERR_RESERVED,
		ERR_NAMEVAL, ERR_OPERAND_COUNT, ERR_DISTINCT, ERR_FUNCTION
	};
	static const KvamErrSlot update_order[] = {
		ERR_LIMIT, ERR_RESERVED, ERR_UNKNOWN_FUNC, ERR_SECTION, ERR_NAME,
		ERR_VALUE, ERR_OVERLAP, ERR_CONFLICT, ERR_OPERATOR, ERR_OPERAND_COUNT,
		ERR_FUNCTION
	};
	static const KvamErrSlot proj_order[] = {
		ERR_LIMIT, ERR_RESERVED, ERR_NAME, ERR_OVERLAP, ERR_CONFLICT
	};
	const KvamErrSlot *order;
	int			n;
	int			i;

	if (p->noperators > KVAM_EXPR_MAX_OPERATORS)
		KvamParserNoteError(p, ERR_LIMIT,
							psprintf("The expression contains too many operators; operator count: %d",
									 p->noperators));
	switch (p->kind)
	{
		case KVAM_EXPR_UPDATE:
			order = update_order;
			n = lengthof(update_order);
			break;
		case KVAM_EXPR_PROJECTION:
			order = proj_order;
			n = lengthof(proj_order);
			break;
		default:
			order = cond_order;
			n = lengthof(cond_order);
	}
	for (i = 0; i < n; i++)
		if (p->errors[order[i]] != NULL)
			KvamRaise(KVAM_EX_VALIDATION, "Invalid %s: %s",
					  KvamExprKindName(p->kind), p->errors[order[i]]);
}

/* ------------------------------ helpers ------------------------------ */

static inline KvamTokType
cur(const KvamParser *p)
{
	return p->toks[p->pos].type;
}

static void
expect(KvamParser *p, KvamTokType type)
{
	if (cur(p) != type)
		KvamSyntaxError(p, p->pos);
	p->pos++;
}

static bool
is_keyword_token(const KvamParser *p, int tok)
{
	return KvamTokenIsKeyword(p, tok, "AND") || KvamTokenIsKeyword(p, tok, "OR") ||
		KvamTokenIsKeyword(p, tok, "NOT") || KvamTokenIsKeyword(p, tok, "BETWEEN") ||
		KvamTokenIsKeyword(p, tok, "IN");
}

static void
enter_nesting(KvamParser *p)
{
	check_stack_depth();
	if (++p->depth > KVAM_EXPR_MAX_DEPTH)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Invalid %s: The expression has too many nested levels; maximum nesting depth: %d",
				  KvamExprKindName(p->kind), KVAM_EXPR_MAX_DEPTH);
}

static KvamNode *
make_node(KvamNodeType type, int op, int tok, int nargs)
{
	KvamNode   *n = palloc0(sizeof(KvamNode));

	n->type = type;
	n->op = op;
	n->tok = tok;
	n->nargs = nargs;
	if (nargs > 0)
		n->args = palloc0(sizeof(KvamNode *) * nargs);
	return n;
}

static const char *const func_names[] = {
	"?", "attribute_exists", "attribute_not_exists", "attribute_type",
	"begins_with", "contains", "size", "if_not_exists", "list_append"
};

/*
 * KvamFuncName returns the name of a known function.
 */
const char *
KvamFuncName(KvamFunc f)
{
	return func_names[f];
}

/* Functions are case-sensitive; each kind knows its own set. */
static KvamFunc
lookup_function(const KvamParser *p, const char *name)
{
	int			first = FUNC_ATTRIBUTE_EXISTS;
	int			last = FUNC_SIZE;
	int			f;

	if (p->kind == KVAM_EXPR_UPDATE)
	{
		first = FUNC_IF_NOT_EXISTS;
		last = FUNC_LIST_APPEND;
	}
	for (f = first; f <= last; f++)
		if (strcmp(func_names[f], name) == 0)
			return (KvamFunc) f;
	return FUNC_UNKNOWN;
}

/*
 * KvamPathText renders a path the way DynamoDB's messages do:
 * "[a, b, [0]]".
 */
char *
KvamPathText(const KvamPath *path)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < path->n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (path->elems[i].is_index)
			appendStringInfo(&buf, "[%d]", path->elems[i].index);
		else
			appendBinaryStringInfo(&buf, path->elems[i].name.data,
								   path->elems[i].name.len);
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

static bool
paths_equal(const KvamPath *a, const KvamPath *b)
{
	int			i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
	{
		if (a->elems[i].is_index != b->elems[i].is_index)
			return false;
		if (a->elems[i].is_index ? a->elems[i].index != b->elems[i].index :
			KvamBytesCompare(a->elems[i].name, b->elems[i].name) != 0)
			return false;
	}
	return true;
}

/* ------------------------- names, values, paths ------------------------- */

static KvamBytes
resolve_name(KvamParser *p, int tok)
{
	const KvamToken *t = &p->toks[tok];
	KvamBytes	r;
	int			i;

	for (i = 0; p->ctx != NULL && i < p->ctx->nnames; i++)
	{
		KvamExprEntry *e = &p->ctx->names[i];

		if (e->key.len == t->len && memcmp(e->key.data, p->src + t->start, t->len) == 0)
		{
			e->used = true;
			return e->name;
		}
	}
	KvamParserNoteError(p, ERR_NAME,
						psprintf("An expression attribute name used in the document path is not defined; attribute name: %s",
								 KvamTokenText(p, tok)));
	r.data = p->src + t->start;
	r.len = t->len;
	return r;
}

/*
 * KvamParserResolveValue returns the value of the :value token 'tok' and
 * marks it used; records an error and returns NULL when undefined.
 */
const KvamAttr *
KvamParserResolveValue(KvamParser *p, int tok)
{
	const KvamToken *t = &p->toks[tok];
	int			i;

	for (i = 0; p->ctx != NULL && i < p->ctx->nvalues; i++)
	{
		KvamExprEntry *e = &p->ctx->values[i];

		if (e->key.len == t->len && memcmp(e->key.data, p->src + t->start, t->len) == 0)
		{
			e->used = true;
			return e->value;
		}
	}
	KvamParserNoteError(p, ERR_VALUE,
						psprintf("An expression attribute value used in expression is not defined; attribute value: %s",
								 KvamTokenText(p, tok)));
	return NULL;
}

/* Parse one path element name at the current token; false if none. */
static bool
parse_path_name(KvamParser *p, KvamPathElem *e)
{
	int			tok = p->pos;
	const KvamToken *t = &p->toks[tok];

	e->is_index = false;
	e->index = 0;
	if (t->type == TOK_IDENT && !is_keyword_token(p, tok))
	{
		if (KvamIsReservedWord(p->src + t->start, t->len))
			KvamParserNoteError(p, ERR_RESERVED,
								psprintf("Attribute name is a reserved keyword; reserved keyword: %s",
										 KvamTokenText(p, tok)));
		e->name.data = p->src + t->start;
		e->name.len = t->len;
	}
	else if (t->type == TOK_NAMEREF)
		e->name = resolve_name(p, tok);
	else
		return false;
	p->pos++;
	return true;
}

/*
 * KvamParsePath parses a document path at the current token.  Returns
 * false without consuming anything when the token cannot start a path;
 * raises a syntax error for a malformed continuation.
 */
bool
KvamParsePath(KvamParser *p, KvamPath *path)
{
	int			cap = 4;

	path->n = 0;
	path->elems = palloc(sizeof(KvamPathElem) * cap);
	if (!parse_path_name(p, &path->elems[0]))
		return false;
	path->n = 1;
	for (;;)
	{
		KvamPathElem e;

		if (cur(p) == TOK_DOT)
		{
			p->pos++;
			if (!parse_path_name(p, &e))
				KvamSyntaxError(p, p->pos);
		}
		else if (cur(p) == TOK_LBRACKET)
		{
			const KvamToken *t;
			int64		v = 0;
			int			i;

			p->pos++;
			t = &p->toks[p->pos];
			if (t->type != TOK_NUMBER)
				KvamSyntaxError(p, p->pos);
			for (i = 0; i < t->len; i++)
			{
				v = v * 10 + (p->src[t->start + i] - '0');
				if (v > PG_INT32_MAX)
					KvamSyntaxError(p, p->pos);
			}
			p->pos++;
			expect(p, TOK_RBRACKET);
			e.is_index = true;
			e.index = (int) v;
			e.name.data = NULL;
			e.name.len = 0;
		}
		else
			break;
		if (path->n == cap)
		{
			cap *= 2;
			path->elems = repalloc(path->elems, sizeof(KvamPathElem) * cap);
		}
		path->elems[path->n++] = e;
	}
	return true;
}

/*
 * KvamParserAddPath records a path of an update or projection and checks
 * it against the earlier ones for overlaps and conflicts.
 */
void
KvamParserAddPath(KvamParser *p, const KvamPath *path)
{
	int			i;

	for (i = 0; i < p->npaths; i++)
	{
		const KvamPath *o = &p->paths[i];
		int			m = Min(o->n, path->n);
		int			j;
		bool		differ = false;

		for (j = 0; j < m && !differ; j++)
		{
			const KvamPathElem *a = &o->elems[j];
			const KvamPathElem *b = &path->elems[j];

			if (a->is_index != b->is_index)
			{
				KvamParserNoteError(p, ERR_CONFLICT,
									psprintf("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s",
											 KvamPathText(o), KvamPathText(path)));
				differ = true;
			}
			else if (a->is_index ? a->index != b->index :
					 KvamBytesCompare(a->name, b->name) != 0)
				differ = true;
		}
		if (!differ)
			KvamParserNoteError(p, ERR_OVERLAP,
								psprintf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s",
										 KvamPathText(o), KvamPathText(path)));
	}
	if (p->npaths == p->cappaths)
	{
		p->cappaths = Max(p->cappaths * 2, 8);
		p->paths = p->paths ? repalloc(p->paths, sizeof(KvamPath) * p->cappaths) :
			palloc(sizeof(KvamPath) * p->cappaths);
	}
	p->paths[p->npaths++] = *path;
}

/* ------------------------------ semantics ------------------------------ */

/* DynamoDB's static type of an operand: a descriptor, or NULL if unknown. */
static const char *
static_type(const KvamNode *n)
{
	switch (n->type)
	{
		case NODE_VALUE:
			return n->value ? KvamAttrTypeName(n->value->type) : NULL;
		case NODE_FUNC:
			switch ((KvamFunc) n->op)
			{
				case FUNC_SIZE:
					return "N";
				case FUNC_LIST_APPEND:
					return "L";
				case FUNC_IF_NOT_EXISTS:
					return n->nargs == 2 ? static_type(n->args[1]) : NULL;
				case FUNC_UNKNOWN:
					return NULL;
				default:
					return "BOOL";
			}
		case NODE_PLUS:
		case NODE_MINUS:
			return "N";
		default:
			return NULL;
	}
}

/* The type of a constant operand only (":v"), else NULL. */
static const char *
immediate_type(const KvamNode *n)
{
	if (n->type == NODE_VALUE && n->value)
		return KvamAttrTypeName(n->value->type);
	return NULL;
}

static void
note_operand_type(KvamParser *p, const char *fname, const char *type)
{
	KvamParserNoteError(p, ERR_FUNCTION,
						psprintf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s",
								 fname, type));
}

/* Functions other than size() cannot be operands. */
static void
check_misused(KvamParser *p, KvamNode **args, int nargs)
{
	int			i;

	for (i = 0; i < nargs; i++)
		if (args[i]->type == NODE_FUNC && args[i]->op != FUNC_SIZE &&
			args[i]->op != FUNC_UNKNOWN && p->kind != KVAM_EXPR_UPDATE)
			KvamParserNoteError(p, ERR_MISUSED_FUNC,
								psprintf("The function is not allowed to be used this way in an expression; function: %s",
										 KvamFuncName((KvamFunc) args[i]->op)));
}

/* size() cannot be a condition. */
static void
check_misused_size(KvamParser *p, const KvamNode *n)
{
	if (n->type == NODE_FUNC && n->op == FUNC_SIZE)
		KvamParserNoteError(p, ERR_MISUSED_FUNC,
							pstrdup("The function is not allowed to be used this way in an expression; function: size"));
}

static void
check_distinct(KvamParser *p, const char *opname, KvamNode **args, int nargs)
{
	if (nargs == 2 && args[0]->type == NODE_PATH && args[1]->type == NODE_PATH &&
		paths_equal(&args[0]->path, &args[1]->path))
		KvamParserNoteError(p, ERR_DISTINCT,
							psprintf("The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s",
									 opname, KvamPathText(&args[0]->path)));
}

static void
check_function(KvamParser *p, KvamNode *f, const char *name)
{
	static const int nparams[] = {0, 1, 1, 2, 2, 2, 1, 2, 2};
	const char *t;
	int			i;

	if (f->op == FUNC_UNKNOWN)
	{
		KvamParserNoteError(p, ERR_UNKNOWN_FUNC,
							psprintf("Invalid function name; function: %s", name));
		return;
	}
	if (f->nargs != nparams[f->op])
	{
		KvamParserNoteError(p, ERR_OPERAND_COUNT,
							psprintf("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d",
									 name, f->nargs));
		return;
	}
	check_distinct(p, name, f->args, f->nargs);
	switch ((KvamFunc) f->op)
	{
		case FUNC_ATTRIBUTE_EXISTS:
		case FUNC_ATTRIBUTE_NOT_EXISTS:
		case FUNC_IF_NOT_EXISTS:
			if (f->args[0]->type != NODE_PATH)
				KvamParserNoteError(p, ERR_FUNCTION,
									psprintf("Operator or function requires a document path; operator or function: %s",
											 name));
			break;
		case FUNC_BEGINS_WITH:
			for (i = 0; i < 2; i++)
			{
				t = static_type(f->args[i]);
				if (t && strcmp(t, "S") != 0 && strcmp(t, "B") != 0)
				{
					note_operand_type(p, name, t);
					break;
				}
			}
			break;
		case FUNC_ATTRIBUTE_TYPE:
			t = static_type(f->args[1]);
			if (t == NULL || strcmp(t, "S") != 0)
				note_operand_type(p, name, t ? t : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
			else if (f->args[1]->type == NODE_VALUE &&
					 KvamAttrTypeFromName(f->args[1]->value->u.scalar.data,
										  f->args[1]->value->u.scalar.len) == 0)
				KvamParserNoteError(p, ERR_FUNCTION,
									psprintf("Invalid attribute type name found; type: %.*s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
											 f->args[1]->value->u.scalar.len,
											 f->args[1]->value->u.scalar.data));
			break;
		case FUNC_SIZE:
			t = static_type(f->args[0]);
			if (t && (strcmp(t, "N") == 0 || strcmp(t, "BOOL") == 0 ||
					  strcmp(t, "NULL") == 0))
				note_operand_type(p, name, t);
			break;
		case FUNC_LIST_APPEND:
			for (i = 0; i < 2; i++)
			{
				t = immediate_type(f->args[i]);
				if (t && strcmp(t, "L") != 0)
				{
					note_operand_type(p, name, t);
					break;
				}
			}
			break;
		case FUNC_CONTAINS:
		case FUNC_UNKNOWN:
			break;
	}
}

/* Render a constant for the BETWEEN messages: "{N:5}". */
static char *
value_text(const KvamAttr *v)
{
	if (v->type == KVAM_AT_S || v->type == KVAM_AT_N)
		return psprintf("{%s:%.*s}", KvamAttrTypeName(v->type),
						v->u.scalar.len, v->u.scalar.data);
	return psprintf("{%s}", KvamAttrTypeName(v->type));
}

static void
check_between(KvamParser *p, const KvamNode *lo, const KvamNode *hi)
{
	int			c;

	if (lo->type != NODE_VALUE || hi->type != NODE_VALUE || !lo->value || !hi->value)
		return;
	if (lo->value->type != hi->value->type)
		KvamParserNoteError(p, ERR_FUNCTION,
							psprintf("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s",
									 value_text(lo->value), value_text(hi->value)));
	else if (KvamAttrCompare(lo->value, hi->value, &c) && c > 0)
		KvamParserNoteError(p, ERR_FUNCTION,
							psprintf("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s",
									 value_text(lo->value), value_text(hi->value)));
}

/* ------------------------------- grammar ------------------------------- */

static KvamNode *parse_or(KvamParser *p, bool operand_ok);
static KvamNode *parse_primary(KvamParser *p, bool cond_ok);

static bool
is_plain_operand(const KvamNode *n)
{
	return n->type == NODE_PATH || n->type == NODE_VALUE;
}

static bool
is_boolean(const KvamNode *n)
{
	return n->type == NODE_CMP || n->type == NODE_BETWEEN || n->type == NODE_IN ||
		n->type == NODE_AND || n->type == NODE_OR || n->type == NODE_NOT;
}

/* function := identifier ( operand { , operand } ); at identifier. */
static KvamNode *
parse_function(KvamParser *p)
{
	int			tok = p->pos;
	char	   *name = KvamTokenText(p, tok);
	KvamNode   *args[8];
	KvamNode  **argv = args;
	int			cap = lengthof(args);
	int			nargs = 0;
	KvamNode   *f;

	p->pos += 2;				/* identifier and "(" */
	enter_nesting(p);
	for (;;)
	{
		if (nargs == cap)
		{
			KvamNode  **bigger = palloc(sizeof(KvamNode *) * cap * 2);

			memcpy(bigger, argv, sizeof(KvamNode *) * cap);
			argv = bigger;
			cap *= 2;
		}
		argv[nargs++] = KvamParseOperand(p);
		if (cur(p) != TOK_COMMA)
			break;
		p->pos++;
	}
	expect(p, TOK_RPAREN);
	p->depth--;
	f = make_node(NODE_FUNC, lookup_function(p, name), tok, nargs);
	memcpy(f->args, argv, sizeof(KvamNode *) * nargs);
	p->noperators++;
	check_misused(p, f->args, f->nargs);
	check_function(p, f, name);
	return f;
}

/* primary/operand: cond_ok selects whether "(" may hold a condition. */
static KvamNode *
parse_primary(KvamParser *p, bool cond_ok)
{
	int			tok = p->pos;
	KvamNode   *n;

	switch (cur(p))
	{
		case TOK_LPAREN:
			p->pos++;
			enter_nesting(p);
			n = cond_ok ? parse_or(p, true) : parse_primary(p, false);
			expect(p, TOK_RPAREN);
			p->depth--;
			if (++n->parens >= 2)
				KvamParserNoteError(p, ERR_PARENS,
									pstrdup("The expression has redundant parentheses;"));
			return n;
		case TOK_IDENT:
			if (is_keyword_token(p, tok))
				KvamSyntaxError(p, tok);
			if (p->toks[tok + 1].type == TOK_LPAREN)
				return parse_function(p);
			/* FALLTHROUGH */
		case TOK_NAMEREF:
			n = make_node(NODE_PATH, 0, tok, 0);
			if (!KvamParsePath(p, &n->path))
				KvamSyntaxError(p, tok);
			return n;
		case TOK_VALREF:
			n = make_node(NODE_VALUE, 0, tok, 0);
			n->value = KvamParserResolveValue(p, tok);
			p->pos++;
			return n;
		default:
			KvamSyntaxError(p, tok);
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * KvamParseOperand parses an operand: ( operand ) | function | path |
 * :value.
 */
KvamNode *
KvamParseOperand(KvamParser *p)
{
	return parse_primary(p, false);
}

static int
comparator(KvamTokType t)
{
	switch (t)
	{
		case TOK_EQ:
			return CMP_EQ;
		case TOK_NE:
			return CMP_NE;
		case TOK_LT:
			return CMP_LT;
		case TOK_LE:
			return CMP_LE;
		case TOK_GT:
			return CMP_GT;
		case TOK_GE:
			return CMP_GE;
		default:
			return -1;
	}
}

static KvamNode *
parse_comparison(KvamParser *p, bool operand_ok)
{
	KvamNode   *left = parse_primary(p, true);
	int			tok = p->pos;
	int			op = comparator(cur(p));
	KvamNode   *n;

	if (op >= 0 || KvamTokenIsKeyword(p, tok, "BETWEEN") ||
		KvamTokenIsKeyword(p, tok, "IN"))
	{
		if (is_boolean(left))
			KvamSyntaxError(p, tok);
		p->pos++;
		p->noperators++;
	}
	if (op >= 0)
	{
		n = make_node(NODE_CMP, op, tok, 2);
		n->args[0] = left;
		n->args[1] = KvamParseOperand(p);
		check_misused(p, n->args, 2);
		check_distinct(p, KvamTokenText(p, tok), n->args, 2);
		return n;
	}
	if (KvamTokenIsKeyword(p, tok, "BETWEEN"))
	{
		n = make_node(NODE_BETWEEN, 0, tok, 3);
		n->args[0] = left;
		n->args[1] = KvamParseOperand(p);
		if (!KvamTokenIsKeyword(p, p->pos, "AND"))
			KvamSyntaxError(p, p->pos);
		p->pos++;
		n->args[2] = KvamParseOperand(p);
		check_misused(p, n->args, 3);
		check_between(p, n->args[1], n->args[2]);
		return n;
	}
	if (KvamTokenIsKeyword(p, tok, "IN"))
	{
		int			cap = 8;

		n = make_node(NODE_IN, 0, tok, 0);
		n->args = palloc(sizeof(KvamNode *) * cap);
		n->args[n->nargs++] = left;
		expect(p, TOK_LPAREN);
		for (;;)
		{
			if (n->nargs == cap)
			{
				cap *= 2;
				n->args = repalloc(n->args, sizeof(KvamNode *) * cap);
			}
			n->args[n->nargs++] = KvamParseOperand(p);
			if (cur(p) != TOK_COMMA)
				break;
			p->pos++;
		}
		expect(p, TOK_RPAREN);
		if (n->nargs - 1 > KVAM_EXPR_MAX_IN_OPERANDS)
			KvamParserNoteError(p, ERR_LIMIT,
								psprintf("The IN operator is provided with too many operands; number of operands: %d",
										 n->nargs - 1));
		check_misused(p, n->args, n->nargs);
		return n;
	}
	if (is_plain_operand(left) && !operand_ok)
		KvamSyntaxError(p, tok);
	return left;
}

static KvamNode *
parse_not(KvamParser *p, bool operand_ok)
{
	if (KvamTokenIsKeyword(p, p->pos, "NOT"))
	{
		KvamNode   *n = make_node(NODE_NOT, 0, p->pos, 1);

		p->pos++;
		p->noperators++;
		enter_nesting(p);
		n->args[0] = parse_not(p, false);
		p->depth--;
		check_misused_size(p, n->args[0]);
		return n;
	}
	return parse_comparison(p, operand_ok);
}

static KvamNode *
parse_and(KvamParser *p, bool operand_ok)
{
	KvamNode   *left = parse_not(p, operand_ok);

	while (KvamTokenIsKeyword(p, p->pos, "AND"))
	{
		KvamNode   *n = make_node(NODE_AND, 0, p->pos, 2);

		if (is_plain_operand(left))
			KvamSyntaxError(p, p->pos);
		p->pos++;
		p->noperators++;
		n->args[0] = left;
		n->args[1] = parse_not(p, false);
		check_misused_size(p, n->args[0]);
		check_misused_size(p, n->args[1]);
		left = n;
	}
	return left;
}

static KvamNode *
parse_or(KvamParser *p, bool operand_ok)
{
	KvamNode   *left = parse_and(p, operand_ok);

	while (KvamTokenIsKeyword(p, p->pos, "OR"))
	{
		KvamNode   *n = make_node(NODE_OR, 0, p->pos, 2);

		if (is_plain_operand(left))
			KvamSyntaxError(p, p->pos);
		p->pos++;
		p->noperators++;
		n->args[0] = left;
		n->args[1] = parse_and(p, false);
		check_misused_size(p, n->args[0]);
		check_misused_size(p, n->args[1]);
		left = n;
	}
	return left;
}

/*
 * KvamParseCondition parses a whole condition (up to EOF) and raises the
 * recorded semantic errors.
 */
KvamNode *
KvamParseCondition(KvamParser *p)
{
	KvamNode   *root = parse_or(p, false);

	if (cur(p) != TOK_EOF)
		KvamSyntaxError(p, p->pos);
	check_misused_size(p, root);
	KvamParserFinish(p);
	return root;
}

/*
 * KvamConditionParse compiles a ConditionExpression or FilterExpression.
 */
KvamCondition *
KvamConditionParse(KvamExprKind kind, const char *expr, int len,
				   KvamExprContext *ctx)
{
	KvamParser	p;
	KvamCondition *c = palloc(sizeof(KvamCondition));

	KvamParserInit(&p, kind, expr, len, ctx);
	c->root = KvamParseCondition(&p);
	return c;
}
