/*-------------------------------------------------------------------------
 *
 * readapi.h
 *	  Shared pieces of the DynamoDB Streams read API: streams by ARN, their
 *	  shards, and queries on the retained store (docs/streams.md).
 *
 * A stream is a table's (TableName, StreamLabel) as kvam.tables shows it
 * now: the current stream of a table, enabled or disabled.  Its shards are
 * the table's partitions (kvam partitions never split, so shards never
 * close while the stream is enabled and have no parents); a disabled
 * stream's shards are closed.  ShardId is "shardId-<first hash of the
 * partition, 20 digits>-<partition id, 8 hex digits>".
 *
 * streams.c: ListStreams, DescribeStream; records.c: GetShardIterator,
 * GetRecords and the shard iterator format.
 *
 * IDENTIFICATION
 *	  src/stream/readapi.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_STREAM_READAPI_H
#define KVAM_STREAM_READAPI_H

#include "api/catalog.h"
#include "api/request.h"

typedef struct KvamShard
{
	uint32		partid;
	uint64		hash_lo;
	char	   *first_seq;		/* oldest retained record, or NULL */
	char	   *last_seq;		/* newest retained record, or NULL */
} KvamShard;

/*
 * KvamStreamByArn returns the catalog row of the table whose current
 * stream is 'arn', or raises ResourceNotFoundException ("Requested
 * resource not found: Stream: <arn> not found").  Checks that the caller
 * may SELECT from the table (AccessDeniedException) when 'operation' is
 * not NULL.
 */
extern KvamTableDef *KvamStreamByArn(const char *arn, const char *operation);

/*
 * KvamStreamShards returns the shards of the stream of 'def' (one per
 * partition of the table, by partition order), *n set to their number,
 * with the sequence number range of the records retained for each.
 */
extern KvamShard *KvamStreamShards(const KvamTableDef *def, int *n);

/*
 * KvamStreamValLimit checks a request's Limit (1..max) when present,
 * adding DynamoDB's validation messages to 'e'.
 */
extern void KvamStreamValLimit(KvamValErrors *e, bool have, int64 limit, int64 max);

/* KvamShardId formats a ShardId (palloc'd). */
extern char *KvamShardId(const KvamShard *shard);

/*
 * KvamStreamCheckAccess raises AccessDeniedException unless the current
 * user may SELECT from 'relid'.
 */
extern void KvamStreamCheckAccess(Oid relid, const char *operation,
								  const char *arn);

/* Operations (registered in api/execute.c). */
extern void KvamOpListStreams(const JsonbValue *req, KvamOut *out);
extern void KvamOpDescribeStream(const JsonbValue *req, KvamOut *out);
extern void KvamOpGetShardIterator(const JsonbValue *req, KvamOut *out);
extern void KvamOpGetRecords(const JsonbValue *req, KvamOut *out);

#endif							/* KVAM_STREAM_READAPI_H */
