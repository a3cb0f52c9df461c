/*-------------------------------------------------------------------------
 *
 * legacy.h
 *	  Compiled expressions built from DynamoDB's legacy (non-expression)
 *	  request parameters.
 *
 * Expected, QueryFilter, ScanFilter, AttributeUpdates and AttributesToGet
 * are translated into the same compiled objects the expression parser
 * produces (KvamCondition, KvamUpdate, KvamProjection), so the operations
 * evaluate one representation.  This file only builds ASTs from already
 * validated terms: request parsing and DynamoDB's validation messages are
 * in src/api/legacy.c.
 *
 * Semantics of the comparison operators (DynamoDB's "Condition" type):
 * EQ, NE, LT, LE, GT, GE, BETWEEN and IN compare as the expression
 * operators =, <>, <, <=, >, >=, BETWEEN and IN do; NULL and NOT_NULL are
 * attribute_not_exists / attribute_exists; CONTAINS and BEGINS_WITH are
 * the functions; NOT_CONTAINS is NOT contains(...), true when the
 * attribute is missing.
 *
 * IDENTIFICATION
 *	  src/expr/legacy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_EXPR_LEGACY_H
#define KVAM_EXPR_LEGACY_H

#include "expr/expr.h"

/* ComparisonOperator values. */
typedef enum KvamLegacyOp
{
	KVAM_LOP_EQ,
	KVAM_LOP_NE,
	KVAM_LOP_LE,
	KVAM_LOP_LT,
	KVAM_LOP_GE,
	KVAM_LOP_GT,
	KVAM_LOP_NOT_NULL,
	KVAM_LOP_NULL,
	KVAM_LOP_CONTAINS,
	KVAM_LOP_NOT_CONTAINS,
	KVAM_LOP_BEGINS_WITH,
	KVAM_LOP_IN,
	KVAM_LOP_BETWEEN
} KvamLegacyOp;

/* One condition on a top-level attribute; values already validated. */
typedef struct KvamLegacyTerm
{
	KvamBytes	attr;
	KvamLegacyOp op;
	int			nvalues;
	KvamAttr  **values;
} KvamLegacyTerm;

/*
 * KvamConditionFromLegacy joins 'nterms' terms with AND (or OR when
 * 'use_or').  nterms > 0.
 */
extern KvamCondition *KvamConditionFromLegacy(const KvamLegacyTerm *terms,
											  int nterms, bool use_or);

/* AttributeUpdates Action values. */
typedef enum KvamLegacyAction
{
	KVAM_LACT_PUT,
	KVAM_LACT_ADD,
	KVAM_LACT_DELETE
} KvamLegacyAction;

typedef struct KvamLegacyUpdate
{
	KvamBytes	attr;
	KvamLegacyAction action;
	KvamAttr   *value;			/* NULL only for DELETE (removes the attribute) */
} KvamLegacyUpdate;

/*
 * KvamUpdateFromLegacy builds an update: PUT is SET attr = value; DELETE
 * without a value is REMOVE attr, with a set value DELETE attr value; ADD
 * of a number or set is ADD attr value, ADD of a list appends to the list
 * (creating it when missing).  Attribute names must be distinct.
 */
extern KvamUpdate *KvamUpdateFromLegacy(const KvamLegacyUpdate *acts, int nacts);

/*
 * KvamProjectionFromNames builds the projection of top-level attributes
 * (AttributesToGet); names must be distinct.
 */
extern KvamProjection *KvamProjectionFromNames(const KvamBytes *names, int n);

/*
 * KvamConditionUsesAttribute: does the condition refer to the top-level
 * attribute 'name' (in any document path)?  Query uses it to refuse
 * filters on key attributes, for expressions and legacy filters alike.
 */
extern bool KvamConditionUsesAttribute(const KvamCondition *cond,
									   const char *name, int len);

#endif							/* KVAM_EXPR_LEGACY_H */
