/*-------------------------------------------------------------------------
 *
 * ops.h
 *	  The DynamoDB operations and their registry.
 *
 * Each operation is one C function that reads a request document and
 * writes the response document; the registry in execute.c maps DynamoDB
 * operation names ("PutItem") and SQL function names ("put_item") to
 * them.  To add an operation: write the function (one file per operation
 * or family), declare it here, add one row to the registry table in
 * execute.c, and one CREATE FUNCTION line (AS 'kvam_api_op') to the
 * install script.  Operations raise DynamoDB errors with KvamRaise*.
 *
 * IDENTIFICATION
 *	  src/api/ops.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_OPS_H
#define KVAM_API_OPS_H

#include "api/request.h"

typedef void (*KvamOpFunc) (const JsonbValue *request, KvamOut *response);

typedef struct KvamOperation
{
	const char *name;			/* DynamoDB operation name */
	const char *sqlname;		/* kvam.<sqlname>(jsonb) */
	KvamOpFunc	fn;
} KvamOperation;

/* KvamOperationFind looks an operation up by DynamoDB name; NULL if none. */
extern const KvamOperation *KvamOperationFind(const char *name);

/* control plane (control_table.c, control_meta.c) */
extern void KvamOpCreateTable(const JsonbValue *req, KvamOut *out);
extern void KvamOpDescribeTable(const JsonbValue *req, KvamOut *out);
extern void KvamOpListTables(const JsonbValue *req, KvamOut *out);
extern void KvamOpUpdateTable(const JsonbValue *req, KvamOut *out);
extern void KvamOpDeleteTable(const JsonbValue *req, KvamOut *out);
extern void KvamOpDescribeTimeToLive(const JsonbValue *req, KvamOut *out);
extern void KvamOpUpdateTimeToLive(const JsonbValue *req, KvamOut *out);
extern void KvamOpTagResource(const JsonbValue *req, KvamOut *out);
extern void KvamOpUntagResource(const JsonbValue *req, KvamOut *out);
extern void KvamOpListTagsOfResource(const JsonbValue *req, KvamOut *out);
extern void KvamOpDescribeLimits(const JsonbValue *req, KvamOut *out);

/* single-item operations (put_item.c, get_item.c, update_item.c, delete_item.c) */
extern void KvamOpPutItem(const JsonbValue *req, KvamOut *out);
extern void KvamOpGetItem(const JsonbValue *req, KvamOut *out);
extern void KvamOpUpdateItem(const JsonbValue *req, KvamOut *out);
extern void KvamOpDeleteItem(const JsonbValue *req, KvamOut *out);

#endif							/* KVAM_API_OPS_H */
