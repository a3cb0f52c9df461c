/*-------------------------------------------------------------------------
 *
 * item_ops.h
 *	  The single-item operations (PutItem, GetItem, UpdateItem,
 *	  DeleteItem): parsed requests and their cores.
 *
 * Each operation parses its request into a KvamItemReq (item_common.c
 * holds the shared parsing) and runs its core on it.  The core takes the
 * condition and the update as compiled ASTs, so the legacy parameters
 * (Expected + ConditionalOperator, AttributeUpdates, AttributesToGet) plug
 * in by filling the same fields: translate them into a KvamCondition /
 * KvamUpdate / KvamProjection compiled against req->ectx (for instance by
 * generating expression text with generated #name / :value placeholders)
 * and call the same core.  The cores are also what TransactWriteItems and
 * BatchWriteItem can reuse per action.
 *
 * IDENTIFICATION
 *	  src/api/item_ops.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_ITEM_OPS_H
#define KVAM_API_ITEM_OPS_H

#include "api/request.h"
#include "expr/expr.h"

typedef enum KvamReturnValues
{
	KVAM_RV_NONE,
	KVAM_RV_ALL_OLD,
	KVAM_RV_UPDATED_OLD,
	KVAM_RV_ALL_NEW,
	KVAM_RV_UPDATED_NEW
} KvamReturnValues;

/* A parsed single-item request. */
typedef struct KvamItemReq
{
	const char *operation;		/* "PutItem", ... */
	char	   *table_name;
	KvamAttr   *key;			/* Key (Get, Update, Delete) */
	KvamAttr   *item;			/* Item (Put) */
	KvamExprContext *ectx;		/* names and values of the request */
	KvamCondition *condition;	/* NULL: unconditional */
	KvamUpdate *update;			/* UpdateItem; NULL: key-only upsert */
	KvamProjection *projection; /* GetItem; NULL: all attributes */
	bool		consistent_read;
	KvamReturnValues return_values;
	bool		return_old_on_failure;	/* ReturnValuesOnConditionCheckFailure */
	KvamReturnCapacity return_capacity;
} KvamItemReq;

/*
 * KvamItemReqParse reads the members common to the single-item
 * operations: TableName, ReturnConsumedCapacity,
 * ReturnItemCollectionMetrics, ReturnValues (checked against
 * 'rv_allowed', a bit mask of 1 << KvamReturnValues; DynamoDB's message
 * when not allowed), ReturnValuesOnConditionCheckFailure, Key or Item,
 * ConditionExpression, ExpressionAttributeNames/Values (the context), and
 * the named extra expression ('UpdateExpression' / 'ProjectionExpression'
 * or NULL).  Raises DynamoDB's validation errors in DynamoDB's order, up
 * to and including unused names/values.
 */
extern void KvamItemReqParse(const JsonbValue *req, KvamItemReq *r,
							 const char *operation, bool has_item,
							 int rv_allowed, const char *extra_expr);

/*
 * KvamRaiseConditionFailed raises ConditionalCheckFailedException, with
 * the old item in the error document's "Item" member when requested and
 * the item exists.
 */
extern void KvamRaiseConditionFailed(const KvamItemReq *r, const KvamAttr *old)
			pg_attribute_noreturn();

/* KvamOutAttributes writes "Attributes" unless 'attrs' is NULL or empty. */
extern void KvamOutAttributes(KvamOut *o, const KvamAttr *attrs);

/* The cores (put_item.c, get_item.c, update_item.c, delete_item.c). */
extern void KvamPutItemCore(const KvamItemReq *r, KvamOut *out);
extern void KvamGetItemCore(const KvamItemReq *r, KvamOut *out);
extern void KvamUpdateItemCore(const KvamItemReq *r, KvamOut *out);
extern void KvamDeleteItemCore(const KvamItemReq *r, KvamOut *out);

#endif							/* KVAM_API_ITEM_OPS_H */
