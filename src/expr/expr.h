/*-------------------------------------------------------------------------
 *
 * expr.h
 *	  DynamoDB expressions: the API the operations (PutItem, Query, ...)
 *	  call.
 *
 * One lexer and one recursive-descent parser serve ConditionExpression,
 * FilterExpression, KeyConditionExpression, UpdateExpression and
 * ProjectionExpression.  A request's ExpressionAttributeNames and
 * ExpressionAttributeValues live in a KvamExprContext shared by all the
 * expressions of the request; after parsing them all, the operation calls
 * KvamExprCheckUnused.  Parsing raises DynamoDB's ValidationExceptions
 * ("Invalid <Kind>: ...", SQLSTATE 42601 for syntax errors, 22023
 * otherwise); evaluation raises only the runtime errors DynamoDB raises
 * (update type errors, invalid document paths).
 *
 * Compiled expressions and results are palloc'd in the current memory
 * context; the caller resets it per request or per item.
 *
 * IDENTIFICATION
 *	  src/expr/expr.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_EXPR_EXPR_H
#define KVAM_EXPR_EXPR_H

#include "item/attrval.h"

/* DynamoDB expression limits ("Expression parameters" in the guide). */
#define KVAM_EXPR_MAX_LENGTH		4096	/* bytes of one expression */
#define KVAM_EXPR_MAX_OPERATORS		300		/* operators + functions */
#define KVAM_EXPR_MAX_IN_OPERANDS	100
#define KVAM_EXPR_MAX_PLACEHOLDER	255		/* bytes of one #name / :value key */
#define KVAM_EXPR_MAX_DEPTH			400		/* parentheses/NOT nesting (kvam) */

typedef enum KvamExprKind
{
	KVAM_EXPR_CONDITION,
	KVAM_EXPR_FILTER,
	KVAM_EXPR_KEY_CONDITION,
	KVAM_EXPR_UPDATE,
	KVAM_EXPR_PROJECTION
} KvamExprKind;

/* "ConditionExpression", ... : the parameter name used in messages. */
extern const char *KvamExprKindName(KvamExprKind kind);

/* ------------------------- names and values ------------------------- */

typedef struct KvamExprContext KvamExprContext;

/* KvamExprContextCreate returns a context without names or values. */
extern KvamExprContext *KvamExprContextCreate(void);

/*
 * KvamExprContextAddName / AddValue register one ExpressionAttributeNames
 * or ExpressionAttributeValues entry.  The key is validated (#name or
 * :value syntax, at most 255 bytes) with DynamoDB's messages; the value of
 * AddValue must be a validated KvamAttr.  Entries are remembered in
 * registration order, which is the order of the "unused" message.
 */
extern void KvamExprContextAddName(KvamExprContext *ctx, const char *key, int keylen,
								   const char *name, int namelen);
extern void KvamExprContextAddValue(KvamExprContext *ctx, const char *key, int keylen,
									KvamAttr *value);

/* KvamExprContextFromJsonb (server builds only) is in expr/exprjson.h. */

/*
 * KvamExprCheckUnused raises DynamoDB's ValidationException when a name
 * or value of the context was used by none of the expressions parsed
 * with it.
 */
extern void KvamExprCheckUnused(const KvamExprContext *ctx);

/* ---------------------------- document paths ---------------------------- */

typedef struct KvamPathElem
{
	bool		is_index;
	int			index;			/* list index when is_index */
	KvamBytes	name;			/* resolved attribute name otherwise */
} KvamPathElem;

typedef struct KvamPath
{
	int			n;
	KvamPathElem *elems;		/* elems[0] is always a name */
} KvamPath;

/*
 * KvamPathStep returns the member of 'cur' that path element 'e' names (a
 * map key or a list index), or NULL when 'cur' has no such member or is of
 * the wrong type.
 */
extern KvamAttr *KvamPathStep(const KvamAttr *cur, const KvamPathElem *e);

/* KvamPathGet returns the value at 'path' in 'item' (type M), or NULL. */
extern const KvamAttr *KvamPathGet(const KvamAttr *item, const KvamPath *path);

/* ----------------------- conditions and filters ----------------------- */

typedef struct KvamCondition KvamCondition;

/*
 * KvamConditionParse compiles a ConditionExpression or FilterExpression
 * ('kind' selects the message prefix).  'len' bytes of 'expr'.
 */
extern KvamCondition *KvamConditionParse(KvamExprKind kind, const char *expr,
										 int len, KvamExprContext *ctx);

/*
 * KvamConditionEval evaluates against 'item' (type M; NULL means the item
 * does not exist).  Never throws for well-formed input.
 */
extern bool KvamConditionEval(const KvamCondition *cond, const KvamAttr *item);

/* ------------------------------ updates ------------------------------ */

typedef struct KvamUpdate KvamUpdate;

/* KvamUpdateParse compiles an UpdateExpression. */
extern KvamUpdate *KvamUpdateParse(const char *expr, int len, KvamExprContext *ctx);

/*
 * KvamUpdateApply returns the updated copy of 'item' (NULL: the item does
 * not exist yet; the caller adds the key attributes).  'item' is not
 * modified.  Raises ValidationException for DynamoDB's runtime errors:
 * invalid document path, operand of the wrong type, missing operand
 * attribute, number overflow, nesting too deep.
 */
extern KvamAttr *KvamUpdateApply(const KvamUpdate *upd, const KvamAttr *item);

/*
 * KvamUpdatePaths returns the document paths the update writes (one per
 * action, in expression order), from which ReturnValues UPDATED_OLD and
 * UPDATED_NEW are computed with KvamProjectPaths.
 */
extern const KvamPath *KvamUpdatePaths(const KvamUpdate *upd, int *npaths);

/* ----------------------------- projections ----------------------------- */

typedef struct KvamProjection KvamProjection;

/* KvamProjectionParse compiles a ProjectionExpression. */
extern KvamProjection *KvamProjectionParse(const char *expr, int len,
										   KvamExprContext *ctx);

/*
 * KvamProjectionApply returns a new item holding only the projected
 * paths of 'item' that exist (list elements keep their order, gaps are
 * closed, as DynamoDB does).
 */
extern KvamAttr *KvamProjectionApply(const KvamProjection *proj, const KvamAttr *item);

/* KvamProjectPaths is KvamProjectionApply over an array of paths. */
extern KvamAttr *KvamProjectPaths(const KvamPath *paths, int npaths,
								  const KvamAttr *item);

/* --------------------------- key conditions --------------------------- */

typedef enum KvamKeyOp
{
	KVAM_KEY_OP_NONE = 0,
	KVAM_KEY_OP_EQ,
	KVAM_KEY_OP_LT,
	KVAM_KEY_OP_LE,
	KVAM_KEY_OP_GT,
	KVAM_KEY_OP_GE,
	KVAM_KEY_OP_BETWEEN,
	KVAM_KEY_OP_BEGINS_WITH
} KvamKeyOp;

typedef struct KvamKeyCondition
{
	const KvamAttr *pk_value;	/* partition key = pk_value */
	KvamKeyOp	sk_op;			/* NONE when the sort key is not constrained */
	const KvamAttr *sk_value1;
	const KvamAttr *sk_value2;	/* upper bound of BETWEEN */
} KvamKeyCondition;

/*
 * KvamKeyConditionParse compiles a KeyConditionExpression for a table or
 * index whose key is (pk_name, sk_name); sk_name NULL for a hash-only key.
 * Enforces DynamoDB's rules: only "=" on the partition key; =, <, <=, >,
 * >=, BETWEEN, begins_with on the sort key; conditions joined by AND.
 * Key value types are checked against the schema by the caller.
 */
extern KvamKeyCondition *KvamKeyConditionParse(const char *expr, int len,
											   KvamExprContext *ctx,
											   const char *pk_name,
											   const char *sk_name);

/*
 * KvamKeyConditionCheckSyntax raises what KvamKeyConditionParse would for
 * any key schema (syntax, names and values, operators), without a schema.
 */
extern void KvamKeyConditionCheckSyntax(const char *expr, int len,
										KvamExprContext *ctx);

/* KvamKeyConditionMatchesSort tests a sort key value against the condition. */
extern bool KvamKeyConditionMatchesSort(const KvamKeyCondition *kc,
										const KvamAttr *sk);

#endif							/* KVAM_EXPR_EXPR_H */
