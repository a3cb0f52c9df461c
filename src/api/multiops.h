/*-------------------------------------------------------------------------
 *
 * multiops.h
 *	  The multi-item operations of the DynamoDB API: Query, Scan,
 *	  BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems.
 *
 * Each takes the request document and returns the response document,
 * field for field as DynamoDB; errors are raised through api/errors.h.
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

#include "utils/jsonb.h"

extern Jsonb *KvamOpQuery(Jsonb *request);
extern Jsonb *KvamOpScan(Jsonb *request);

#endif							/* KVAM_API_MULTIOPS_H */
