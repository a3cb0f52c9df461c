/*-------------------------------------------------------------------------
 *
 * multiops.h
 *	  The multi-item operations of the DynamoDB API: Query, Scan,
 *	  BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems.
 *
 * Each reads the request document and writes the response document,
 * field for field as DynamoDB, and is registered in execute.c's table;
 * errors are raised through api/errors.h.
 * They run with the caller's privileges (api/table.h) inside the caller's
 * transaction.
 *
 * IDENTIFICATION
 *	  src/api/multiops.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_MULTIOPS_H
#define KVAM_API_MULTIOPS_H

#include "api/request.h"

/* Signatures of KvamOpFunc (api/ops.h). */
extern void KvamOpQuery(const JsonbValue *req, KvamOut *out);
extern void KvamOpScan(const JsonbValue *req, KvamOut *out);
extern void KvamOpBatchGetItem(const JsonbValue *req, KvamOut *out);
extern void KvamOpBatchWriteItem(const JsonbValue *req, KvamOut *out);
extern void KvamOpTransactGetItems(const JsonbValue *req, KvamOut *out);
extern void KvamOpTransactWriteItems(const JsonbValue *req, KvamOut *out);

#endif							/* KVAM_API_MULTIOPS_H */
