/*-------------------------------------------------------------------------
 *
 * capacity.h
 *	  DynamoDB capacity units and the ConsumedCapacity response member.
 *
 * Write units: one per started KB (1024 bytes) of the larger of the item
 * before and after the write, at least 1.  Read units: one per started
 * 4 KB of the item read (at least 1), half of that for an eventually
 * consistent read.  Transactions charge twice (the caller multiplies).
 * Item sizes are KvamItemSize (names + values, key attributes included).
 *
 * IDENTIFICATION
 *	  src/api/capacity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_CAPACITY_H
#define KVAM_API_CAPACITY_H

#include "api/request.h"

/* KvamCapacityWriteUnits: units of a write of an item of 'bytes'. */
extern double KvamCapacityWriteUnits(int64 bytes);

/* KvamCapacityReadUnits: units of reading 'bytes' (one item, or the sum
 * of a Query/Scan page), halved unless 'consistent'. */
extern double KvamCapacityReadUnits(int64 bytes, bool consistent);

/*
 * KvamCapacityOut writes the "ConsumedCapacity" member for one table:
 * nothing for KVAM_RCC_NONE; {"TableName","CapacityUnits"} for TOTAL;
 * plus "Table":{"CapacityUnits"} for INDEXES.  With key NULL it writes
 * the bare object (an element of a batch's ConsumedCapacity array).
 */
extern void KvamCapacityOut(KvamOut *o, const char *key, KvamReturnCapacity mode,
							const char *table, double units);

#endif							/* KVAM_API_CAPACITY_H */
