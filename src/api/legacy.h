/*-------------------------------------------------------------------------
 *
 * legacy.h
 *	  DynamoDB's legacy (non-expression) request parameters: validation
 *	  and translation into compiled expressions.
 *
 * Expected + ConditionalOperator, QueryFilter, ScanFilter, KeyConditions,
 * AttributeUpdates and AttributesToGet are validated with DynamoDB's
 * messages and translated into the objects the expression parameters
 * compile to (src/expr/legacy.h), so an operation has one code path.
 *
 * Every operation first calls KvamLegacyCheckParams, which refuses a
 * request mixing both styles ("Can not use both expression and
 * non-expression parameters in the same request: ...") and expression
 * attribute names/values without expressions.
 *
 * IDENTIFICATION
 *	  src/api/legacy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_LEGACY_H
#define KVAM_API_LEGACY_H

#include "utils/jsonb.h"

#include "expr/expr.h"

/* The parameter sets of the operations that accept legacy parameters. */
typedef enum KvamParamSet
{
	KVAM_PARAMS_PUT,			/* PutItem, DeleteItem, Put/Delete in batches */
	KVAM_PARAMS_UPDATE,			/* UpdateItem */
	KVAM_PARAMS_GET,			/* GetItem, BatchGetItem per table */
	KVAM_PARAMS_QUERY,
	KVAM_PARAMS_SCAN
} KvamParamSet;

/*
 * KvamLegacyCheckParams raises DynamoDB's ValidationException when 'req'
 * (an object) mixes expression and non-expression parameters of 'set', or
 * has ExpressionAttributeNames/Values without an expression that could
 * use them.  Returns true when the request uses legacy parameters.
 */
extern bool KvamLegacyCheckParams(const JsonbValue *req, KvamParamSet set);

/*
 * KvamLegacyConditions compiles the legacy condition map 'param' of the
 * request ("Expected", "QueryFilter" or "ScanFilter") joined by the
 * request's ConditionalOperator.  Returns NULL when the parameter is
 * absent or empty.
 */
extern KvamCondition *KvamLegacyConditions(const JsonbValue *req, const char *param);

/*
 * KvamLegacyKeyConditions compiles the request's KeyConditions for a table
 * (or index) whose key is (pk_name, sk_name); sk_name NULL for a hash-only
 * key.  Raises DynamoDB's messages for missing key elements, more than two
 * conditions, non-indexable operators.  Value types are checked against
 * the schema by the caller, as for KeyConditionExpression.
 */
extern KvamKeyCondition *KvamLegacyKeyConditions(const JsonbValue *req,
												 const char *pk_name,
												 const char *sk_name);

/*
 * KvamLegacyAttributeUpdates compiles AttributeUpdates; NULL when absent.
 * Key attributes are refused by the caller (UpdateItem knows the key).
 */
extern KvamUpdate *KvamLegacyAttributeUpdates(const JsonbValue *req);

/*
 * KvamLegacyAttributesToGet compiles AttributesToGet (of the request or
 * of a BatchGetItem table entry); NULL when absent.
 */
extern KvamProjection *KvamLegacyAttributesToGet(const JsonbValue *req);

#endif							/* KVAM_API_LEGACY_H */
