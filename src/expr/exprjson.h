/*-------------------------------------------------------------------------
 *
 * exprjson.h
 *	  Expression contexts from a request's jsonb members.
 *
 * Separate from expr.h so that the expression engine proper does not
 * depend on jsonb (the fuzzing harness builds it without the server).
 *
 * IDENTIFICATION
 *	  src/expr/exprjson.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_EXPR_EXPRJSON_H
#define KVAM_EXPR_EXPRJSON_H

#include "utils/jsonb.h"

#include "expr/expr.h"

/*
 * KvamExprContextFromJsonb builds a context from the request members
 * ExpressionAttributeNames and ExpressionAttributeValues (either may be
 * NULL), validating them as DynamoDB does: "must not be empty", invalid
 * keys, invalid values ("ExpressionAttributeValues contains invalid
 * value: ... for key :v").
 */
extern KvamExprContext *KvamExprContextFromJsonb(Jsonb *names, Jsonb *values);

/*
 * KvamKeyConditionToJsonb renders a compiled key condition for tests:
 * {"pk": value, "op": "EQ"|..., "sk": value, "sk2": value}.
 */
extern Jsonb *KvamKeyConditionToJsonb(const KvamKeyCondition *kc);

#endif							/* KVAM_EXPR_EXPRJSON_H */
