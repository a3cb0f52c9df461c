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
	bool		closed;			/* split or merged away: no new records */
	bool		has_parent;		/* parent_* name its parent shard */
	uint32		parent_partid;
	uint64		parent_hash_lo;
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
 * KvamStreamShards returns the shards of the stream of 'def', *n set to
 * their number, with the sequence number range of the records retained
 * for each: first the closed shards (partitions split or merged away, as
 * remembered by the metapage) that still have retained records, oldest
 * first, then one per partition of the table, in hash order.  A shard of
 * a partition made by a split or merge names its parent (DynamoDB's shard
 * lineage; for a merge, the left one).
 */
extern KvamShard *KvamStreamShards(const KvamTableDef *def, int *n);

/*
 * KvamStreamValLimit checks a request's Limit (1..max) when present,
 * adding DynamoDB's validation messages to 'e'.
 */
extern void KvamStreamValLimit(KvamValErrors *e, bool have, int64 limit, int64 max);

/*
 * KvamStreamShardClosed: is partition 'partid' of table 'relid' no longer
 * in the partition map (split or merged away, or the table is gone)?  Its
 * shard gets no new records.
 */
extern bool KvamStreamShardClosed(Oid relid, uint32 partid);

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
