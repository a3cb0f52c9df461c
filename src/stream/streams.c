/*-------------------------------------------------------------------------
 *
 * streams.c
 *	  ListStreams and DescribeStream of the DynamoDB Streams read API, and
 *	  what they share with records.c: streams by ARN, shards (readapi.h).
 *
 * Streams are listed from kvam.tables: every table that has a stream label
 * (a stream enabled now or earlier) has one stream, its current one.
 * Shards are read from the table's partition map and the retained store.
 *
 * IDENTIFICATION
 *	  src/stream/streams.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "am/kvam_am.h"
#include "api/control.h"
#include "api/errors.h"
#include "lsm/meta.h"
#include "stream/readapi.h"
#include "stream/store.h"

static void
stream_not_found(const char *arn)
{
	KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND,
			  "Requested resource not found: Stream: %s not found", arn);
}

/*
 * KvamStreamCheckAccess: see readapi.h.
 */
void
KvamStreamCheckAccess(Oid relid, const char *operation, const char *arn)
{
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		KvamRaise(KVAM_EX_ACCESS_DENIED,
				  "User: %s is not authorized to perform: dynamodb:%s on resource: %s",
				  GetUserNameFromId(GetUserId(), false), operation, arn);
}

/*
 * KvamStreamByArn: see readapi.h.  A stream ARN is the table ARN,
 * "/stream/" and the label.
 */
KvamTableDef *
KvamStreamByArn(const char *arn, const char *operation)
{
	char	   *prefix = KvamTableArn("");
	size_t		plen = strlen(prefix);
	const char *sep;
	char	   *name;
	KvamTableDef *def;

	if (strncmp(arn, prefix, plen) != 0 ||
		(sep = strstr(arn + plen, "/stream/")) == NULL)
		stream_not_found(arn);
	name = pnstrdup(arn + plen, sep - (arn + plen));
	def = KvamCatalogLookup(name);
	if (def == NULL || def->stream_label == NULL ||
		strcmp(def->stream_label, sep + strlen("/stream/")) != 0 ||
		!OidIsValid(def->relid) || get_rel_name(def->relid) == NULL)
		stream_not_found(arn);
	if (operation)
		KvamStreamCheckAccess(def->relid, operation, arn);
	return def;
}

/*
 * KvamStreamValLimit: see readapi.h.
 */
void
KvamStreamValLimit(KvamValErrors *e, bool have, int64 limit, int64 max)
{
	if (have && limit < 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, limit), "limit",
				   "Member must have value greater than or equal to 1");
	if (have && limit > max)
		KvamValAdd(e, psprintf(INT64_FORMAT, limit), "limit",
				   psprintf("Member must have value less than or equal to " INT64_FORMAT, max));
}

char *
KvamShardId(const KvamShard *shard)
{
	return psprintf("shardId-%020llu-%08x", (unsigned long long) shard->hash_lo,
					shard->partid);
}

/* Fill a shard's parent from the closed partitions 'closed'. */
static void
set_parent(KvamShard *shard, uint32 parent, KvamClosedPart *closed, int nclosed)
{
	for (int j = 0; j < nclosed && parent != KVAM_NO_PARTID; j++)
		if (closed[j].partid == parent)
		{
			shard->has_parent = true;
			shard->parent_partid = parent;
			shard->parent_hash_lo = closed[j].hash_lo;
		}
}

/*
 * KvamStreamShards: see readapi.h.
 */
KvamShard *
KvamStreamShards(const KvamTableDef *def, int *n)
{
	Relation	rel = table_open(def->relid, AccessShareLock);
	KvamRelInfo *info;
	KvamClosedPart *closed;
	int			nclosed;
	KvamShard  *shards;
	MemoryContext cxt = CurrentMemoryContext;
	KvamStoreScope s;
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	uint64		r;
	int			i,
				kept;

	/* the map and its manifests (parents) cannot change meanwhile */
	KvamMapLock(rel, ShareLock);
	info = KvamMetaReadMap(rel);
	closed = KvamMetaReadClosed(rel, &nclosed);
	shards = palloc0(sizeof(KvamShard) * (nclosed + info->npartitions));
	*n = 0;
	for (i = 0; i < nclosed; i++)
	{
		KvamShard  *sh = &shards[(*n)++];

		sh->partid = closed[i].partid;
		sh->hash_lo = closed[i].hash_lo;
		sh->closed = true;
		set_parent(sh, closed[i].parent, closed, nclosed);
	}
	for (i = 0; i < info->npartitions; i++)
	{
		KvamShard  *sh = &shards[(*n)++];
		KvamManifest mf = KvamManifestRead(rel, info, i);

		sh->partid = info->parts[i].partid;
		sh->hash_lo = info->parts[i].hash_lo;
		set_parent(sh, mf->parent, closed, nclosed);
		pfree(mf);
	}
	KvamMapUnlock(rel, ShareLock);
	table_close(rel, AccessShareLock);

	values[0] = ObjectIdGetDatum(def->relid);
	values[1] = CStringGetTextDatum(def->stream_label);
	KvamStoreBegin(&s);
	if (SPI_execute_with_args("SELECT shard, min(seq), max(seq) FROM kvam.stream_records "
							  "WHERE relid = $1 AND stream_label = $2 GROUP BY shard",
							  2, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read kvam.stream_records");
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		uint32		partid = (uint32) atoi(SPI_getvalue(tup, desc, 1));

		for (i = 0; i < *n; i++)
			if (shards[i].partid == partid)
			{
				shards[i].first_seq = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 2));
				shards[i].last_seq = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 3));
			}
	}
	KvamStoreEnd(&s);

	/* a closed shard is listed while it has retained records */
	kept = 0;
	for (i = 0; i < *n; i++)
		if (!shards[i].closed || shards[i].first_seq != NULL)
			shards[kept++] = shards[i];
	*n = kept;
	return shards;
}

/*
 * KvamStreamShardClosed: see readapi.h.
 */
bool
KvamStreamShardClosed(Oid relid, uint32 partid)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	bool		closed = true;

	if (rel == NULL)
		return true;
	if (KvamIsKvamRelation(rel))
	{
		KvamRelInfo *info = KvamMetaReadMap(rel);

		for (uint32 i = 0; i < info->npartitions; i++)
			if (info->parts[i].partid == partid)
				closed = false;
		pfree(info);
	}
	relation_close(rel, AccessShareLock);
	return closed;
}

/* ---------------------------- ListStreams ---------------------------- */

void
KvamOpListStreams(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	char	   *table = KvamReqString(req, "TableName");
	char	   *start = KvamReqString(req, "ExclusiveStartStreamArn");
	int64		limit = 100;
	bool		have_limit = KvamReqInt64(req, "Limit", &limit);
	char	   *after = NULL;
	List	   *names;
	ListCell   *lc;
	int64		count = 0;
	char	   *last = NULL;
	bool		more = false;

	KvamValInit(&e);
	KvamValTableName(&e, table, "tableName", false);
	KvamStreamValLimit(&e, have_limit, limit, 100);
	if (start != NULL && (strlen(start) < 37 || strlen(start) > 1024))
		KvamValAdd(&e, start, "exclusiveStartStreamArn",
				   "Member must have length greater than or equal to 37");
	KvamValRaise(&e);

	if (start != NULL)
	{
		char	   *prefix = KvamTableArn("");
		const char *sep = strstr(start, "/stream/");

		if (strncmp(start, prefix, strlen(prefix)) != 0 || sep == NULL)
			KvamRaise(KVAM_EX_VALIDATION, "Invalid ExclusiveStartStreamArn");
		after = pnstrdup(start + strlen(prefix), sep - (start + strlen(prefix)));
	}

	KvamOutOpen(out, "Streams", '[');
	names = table ? list_make1(table) : KvamCatalogList(after, 0, &more);
	foreach(lc, names)
	{
		char	   *name = lfirst(lc);
		KvamTableDef *def = KvamCatalogLookup(name);
		char	   *arn;

		if (def == NULL || def->stream_label == NULL ||
			get_rel_name(def->relid) == NULL)
			continue;
		if (table && after && strcmp(name, after) <= 0)
			continue;
		if (count == limit)
		{
			more = true;
			break;
		}
		arn = KvamStreamArn(def->table_name, def->stream_label);
		KvamOutOpen(out, NULL, '{');
		KvamOutString(out, "StreamArn", arn);
		KvamOutString(out, "StreamLabel", def->stream_label);
		KvamOutString(out, "TableName", def->table_name);
		KvamOutClose(out, '}');
		last = arn;
		count++;
	}
	KvamOutClose(out, ']');
	if (more && last)
		KvamOutString(out, "LastEvaluatedStreamArn", last);
}

/* --------------------------- DescribeStream --------------------------- */

/* The label (ISO-8601 UTC, milliseconds) as epoch seconds, JSON text. */
static char *
label_epoch(const char *label)
{
	Datum		ts = DirectFunctionCall3(timestamptz_in,
										 CStringGetDatum(psprintf("%s+00", label)),
										 ObjectIdGetDatum(InvalidOid),
										 Int32GetDatum(-1));
	TimestampTz t = DatumGetTimestampTz(ts);
	int64		us = t + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

	return psprintf(INT64_FORMAT ".%03d", us / USECS_PER_SEC,
					(int) ((us % USECS_PER_SEC) / 1000));
}

void
KvamOpDescribeStream(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	char	   *arn = KvamReqString(req, "StreamArn");
	char	   *start = KvamReqString(req, "ExclusiveStartShardId");
	int64		limit = 100;
	bool		have_limit = KvamReqInt64(req, "Limit", &limit);
	KvamTableDef *def;
	KvamShard  *shards;
	char	   *horizon;
	int			n,
				i;
	int64		count = 0;
	bool		started = (start == NULL);
	char	   *last = NULL;

	KvamValInit(&e);
	if (arn == NULL)
		KvamValAdd(&e, NULL, "streamArn", "Member must not be null");
	else if (strlen(arn) < 37 || strlen(arn) > 1024)
		KvamValAdd(&e, arn, "streamArn", "Member must have length greater than or equal to 37");
	KvamStreamValLimit(&e, have_limit, limit, 100);
	if (start != NULL && (strlen(start) < 28 || strlen(start) > 65))
		KvamValAdd(&e, start, "exclusiveStartShardId",
				   "Member must have length greater than or equal to 28");
	KvamValRaise(&e);

	def = KvamStreamByArn(arn, "DescribeStream");
	KvamStreamPump(false);
	shards = KvamStreamShards(def, &n);

	KvamOutOpen(out, "StreamDescription", '{');
	KvamOutRaw(out, "CreationRequestDateTime", label_epoch(def->stream_label));
	KvamOutKeySchema(out, def);
	KvamOutOpen(out, "Shards", '[');
	for (i = 0; i < n; i++)
	{
		char	   *id = KvamShardId(&shards[i]);

		if (!started)
		{
			started = strcmp(id, start) == 0;
			continue;
		}
		if (count == limit)
			break;
		horizon = KvamStreamHorizon(def->relid, def->stream_label, shards[i].partid);
		KvamOutOpen(out, NULL, '{');
		if (shards[i].has_parent)
		{
			KvamShard	parent;

			memset(&parent, 0, sizeof(parent));
			parent.partid = shards[i].parent_partid;
			parent.hash_lo = shards[i].parent_hash_lo;
			KvamOutString(out, "ParentShardId", KvamShardId(&parent));
		}
		KvamOutOpen(out, "SequenceNumberRange", '{');
		KvamOutString(out, "StartingSequenceNumber",
					  shards[i].first_seq ? shards[i].first_seq : horizon);
		/* a closed shard (split or merged away) ends with its last record */
		if (!def->stream_enabled || shards[i].closed)
			KvamOutString(out, "EndingSequenceNumber",
						  shards[i].last_seq ? shards[i].last_seq : horizon);
		KvamOutClose(out, '}');
		KvamOutString(out, "ShardId", id);
		KvamOutClose(out, '}');
		last = id;
		count++;
	}
	KvamOutClose(out, ']');
	if (count == limit && i < n && last)
		KvamOutString(out, "LastEvaluatedShardId", last);
	KvamOutString(out, "StreamArn", arn);
	KvamOutString(out, "StreamLabel", def->stream_label);
	KvamOutString(out, "StreamStatus", def->stream_enabled ? "ENABLED" : "DISABLED");
	KvamOutString(out, "StreamViewType", def->stream_view_type);
	KvamOutString(out, "TableName", def->table_name);
	KvamOutClose(out, '}');
}
