/*-------------------------------------------------------------------------
 *
 * node.h
 *	  Internal definitions of the expression engine: tokens, the parser
 *	  state, the AST and the deferred semantic errors.
 *
 * Parsing is two-staged the way DynamoDB reports errors: a syntax error is
 * raised at once (it wins over everything), while semantic problems found
 * during the parse (undefined names, reserved words, wrong function use,
 * overlapping paths, ...) are recorded in per-category slots and only the
 * most important one is raised once the whole expression parsed.  The
 * priority of the categories depends on the kind of expression (parse.c).
 *
 * Only the files of src/expr include this file.
 *
 * IDENTIFICATION
 *	  src/expr/node.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_EXPR_NODE_H
#define KVAM_EXPR_NODE_H

#include "expr/expr.h"

/* ------------------------------- tokens ------------------------------- */

typedef enum KvamTokType
{
	TOK_EOF,
	TOK_IDENT,					/* [A-Za-z_][A-Za-z0-9_]* (keywords too) */
	TOK_NAMEREF,				/* #[A-Za-z0-9_]+ */
	TOK_VALREF,					/* :[A-Za-z0-9_]+ */
	TOK_NUMBER,					/* [0-9]+ */
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_DOT,
	TOK_COMMA,
	TOK_EQ,
	TOK_NE,
	TOK_LT,
	TOK_LE,
	TOK_GT,
	TOK_GE,
	TOK_PLUS,
	TOK_MINUS,
	TOK_OTHER					/* any other character */
} KvamTokType;

typedef struct KvamToken
{
	KvamTokType type;
	int			start;			/* byte offset in the source */
	int			len;
} KvamToken;

/* ---------------------------------- AST ---------------------------------- */

typedef enum KvamNodeType
{
	NODE_PATH,
	NODE_VALUE,
	NODE_FUNC,
	NODE_CMP,
	NODE_BETWEEN,
	NODE_IN,
	NODE_AND,
	NODE_OR,
	NODE_NOT,
	NODE_PLUS,
	NODE_MINUS
} KvamNodeType;

typedef enum KvamCmpOp
{
	CMP_EQ,
	CMP_NE,
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE
} KvamCmpOp;

typedef enum KvamFunc
{
	FUNC_UNKNOWN,
	FUNC_ATTRIBUTE_EXISTS,
	FUNC_ATTRIBUTE_NOT_EXISTS,
	FUNC_ATTRIBUTE_TYPE,
	FUNC_BEGINS_WITH,
	FUNC_CONTAINS,
	FUNC_SIZE,
	FUNC_IF_NOT_EXISTS,
	FUNC_LIST_APPEND
} KvamFunc;

typedef struct KvamNode KvamNode;

struct KvamNode
{
	KvamNodeType type;
	int			op;				/* KvamCmpOp or KvamFunc */
	int			tok;			/* token of the operator, function or operand */
	int			parens;			/* parentheses directly around this node */
	int			nargs;
	KvamNode  **args;
	KvamPath	path;			/* NODE_PATH */
	const KvamAttr *value;		/* NODE_VALUE, NULL if undefined */
};

/* -------------------------- deferred errors -------------------------- */

typedef enum KvamErrSlot
{
	ERR_LIMIT,
	ERR_PARENS,
	ERR_UNKNOWN_FUNC,
	ERR_MISUSED_FUNC,
	ERR_RESERVED,
	ERR_SECTION,
	ERR_NAME,					/* undefined #name */
	ERR_VALUE,					/* undefined :value */
	ERR_NAMEVAL,				/* first of ERR_NAME/ERR_VALUE */
	ERR_OPERAND_COUNT,
	ERR_DISTINCT,
	ERR_FUNCTION,
	ERR_OVERLAP,
	ERR_CONFLICT,
	ERR_OPERATOR,
	ERR__COUNT
} KvamErrSlot;

/* ------------------------------ contexts ------------------------------ */

typedef struct KvamExprEntry
{
	KvamBytes	key;
	KvamBytes	name;			/* names */
	KvamAttr   *value;			/* values */
	bool		used;
} KvamExprEntry;

struct KvamExprContext
{
	int			nnames;
	int			capnames;
	KvamExprEntry *names;
	int			nvalues;
	int			capvalues;
	KvamExprEntry *values;
};

/* ------------------------------- parser ------------------------------- */

typedef struct KvamParser
{
	KvamExprKind kind;
	const char *src;
	int			len;
	KvamToken  *toks;
	int			ntoks;
	int			pos;
	int			depth;
	int			noperators;
	KvamExprContext *ctx;
	char	   *errors[ERR__COUNT];
	/* update and projection: paths seen so far, for overlap checks */
	int			npaths;
	int			cappaths;
	KvamPath   *paths;
	bool		sections[4];
} KvamParser;

/* lexer.c */
extern void KvamLex(KvamParser *p);
extern char *KvamTokenText(const KvamParser *p, int tok);
extern bool KvamTokenIsKeyword(const KvamParser *p, int tok, const char *kw);

/* parse.c */
extern void KvamParserInit(KvamParser *p, KvamExprKind kind, const char *expr,
						   int len, KvamExprContext *ctx);
extern void KvamSyntaxError(const KvamParser *p, int tok) pg_attribute_noreturn();
extern void KvamParserNoteError(KvamParser *p, KvamErrSlot slot, char *msg);
extern void KvamParserFinish(KvamParser *p);
extern KvamNode *KvamParseCondition(KvamParser *p);
extern bool KvamParsePath(KvamParser *p, KvamPath *path);
extern void KvamParserAddPath(KvamParser *p, const KvamPath *path);
extern KvamNode *KvamParseOperand(KvamParser *p);
extern char *KvamPathText(const KvamPath *path);
extern const char *KvamFuncName(KvamFunc f);
extern const KvamAttr *KvamParserResolveValue(KvamParser *p, int tok);

/* reserved.c */
extern bool KvamIsReservedWord(const char *word, int len);

/* eval.c */
extern const KvamAttr *KvamEvalOperand(const KvamNode *n, const KvamAttr *item,
									   KvamAttr *scratch);

/* compiled objects */
struct KvamCondition
{
	KvamNode   *root;
};

typedef enum KvamUpdateActionType
{
	UPD_SET,
	UPD_REMOVE,
	UPD_ADD,
	UPD_DELETE
} KvamUpdateActionType;

typedef struct KvamUpdateAction
{
	KvamUpdateActionType type;
	KvamPath	path;
	KvamNode   *value;			/* SET: value expression; ADD, DELETE: NODE_VALUE */
} KvamUpdateAction;

struct KvamUpdate
{
	int			nactions;
	KvamUpdateAction *actions;
	KvamPath   *paths;
};

struct KvamProjection
{
	int			npaths;
	KvamPath   *paths;
};

#endif							/* KVAM_EXPR_NODE_H */
