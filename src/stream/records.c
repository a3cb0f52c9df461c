/*-------------------------------------------------------------------------
 *
 * records.c
 *	  GetShardIterator and GetRecords of the DynamoDB Streams read API, and
 *	  the shard iterator format.
 *
 * A shard iterator is opaque to clients: base64 of
 *
 *	  "1;<relid>;<partition id>;<A|F>;<seq>;<created, Unix us>;<label>;<table>"
 *
 * (format version 1), a position in one shard of one stream: A = at
 * SequenceNumber seq (inclusive), F = after it.  TRIM_HORIZON is "after
 * the trim horizon", LATEST "after the newest record stored".  Iterators
 * expire kvam.stream_iterator_lifetime (15 minutes) after they were made;
 * GetRecords hands out a fresh one.  A position at or before the trim
 * horizon of its shard raises TrimmedDataAccessException: records were
 * removed there.
 * Reading needs SELECT on the table; an iterator names the table by relid
 * and label, so a forged one reads no other table without that privilege.
 *
 * IDENTIFICATION
 *	  src/stream/records.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "api/errors.h"
#include "stream/readapi.h"
#include "stream/store.h"

#define ITERATOR_FORMAT 1

typedef struct ShardIterator
{
	Oid			relid;
	uint32		partid;
	char		mode;			/* 'A' at seq, 'F' after seq */
	char		seq[KVAM_SEQ_LEN + 1];
	int64		created;		/* Unix microseconds */
	char	   *label;
	char	   *table;
} ShardIterator;

static int64
now_unix_us(void)
{
	return GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static char *
iterator_encode(const ShardIterator *it)
{
	char	   *plain = psprintf("%d;%u;%u;%c;%s;" INT64_FORMAT ";%s;%s",
								 ITERATOR_FORMAT, it->relid, it->partid, it->mode,
								 it->seq, it->created, it->label, it->table);
	int			len = strlen(plain);
	char	   *enc = palloc(pg_b64_enc_len(len) + 1);
	int			elen = pg_b64_encode(plain, len, enc, pg_b64_enc_len(len));

	enc[elen] = '\0';
	return enc;
}

static void
invalid_iterator(void)
{
	KvamRaise(KVAM_EX_VALIDATION, "Invalid ShardIterator");
}

/* Is 's' a SequenceNumber of ours (30 digits)? */
static bool
seq_valid(const char *s)
{
	int			i;

	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i == KVAM_SEQ_LEN;
}

static void
iterator_decode(const char *s, ShardIterator *it)
{
	int			len = strlen(s);
	char	   *plain = palloc(pg_b64_dec_len(len) + 1);
	int			plen = pg_b64_decode(s, len, plain, pg_b64_dec_len(len));
	char	   *fields[8];
	char	   *p;
	int			i;

	if (plen <= 0)
		invalid_iterator();
	plain[plen] = '\0';
	p = plain;
	for (i = 0; i < 8; i++)
	{
		fields[i] = p;
		p = (i < 7) ? strchr(p, ';') : NULL;
		if (i < 7 && p == NULL)
			invalid_iterator();
		if (p)
			*p++ = '\0';
	}
	if (atoi(fields[0]) != ITERATOR_FORMAT ||
		(strcmp(fields[3], "A") != 0 && strcmp(fields[3], "F") != 0) ||
		!seq_valid(fields[4]))
		invalid_iterator();
	it->relid = (Oid) strtoul(fields[1], NULL, 10);
	it->partid = (uint32) strtoul(fields[2], NULL, 10);
	it->mode = fields[3][0];
	strlcpy(it->seq, fields[4], sizeof(it->seq));
	it->created = strtoi64(fields[5], NULL, 10);
	it->label = fields[6];
	it->table = fields[7];
}

/* Raise TrimmedDataAccessException if the iterator's position is gone. */
static void
check_trimmed(const ShardIterator *it)
{
	char	   *horizon = KvamStreamHorizon(it->relid, it->label, it->partid);
	char		mode = it->mode;
	const char *seq = it->seq;
	int			c = strcmp(seq, horizon);

	if (c < 0 || (c == 0 && mode == 'A'))
		KvamRaise(KVAM_EX_TRIMMED_DATA_ACCESS,
				  "The operation attempted to read past the oldest stream record in a shard");
}

/* The newest SequenceNumber stored, or the horizon. */
static char *
latest_seq(void)
{
	KvamStoreScope s;
	MemoryContext cxt = CurrentMemoryContext;
	char	   *v;

	KvamStoreBegin(&s);
	if (SPI_execute("SELECT greatest((SELECT max(seq) FROM kvam.stream_records), horizon) "
					"FROM kvam.stream_state", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read kvam.stream_state");
	v = MemoryContextStrdup(cxt, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	KvamStoreEnd(&s);
	return v;
}

/* -------------------------- GetShardIterator -------------------------- */

void
KvamOpGetShardIterator(const JsonbValue *req, KvamOut *out)
{
	static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
	"AFTER_SEQUENCE_NUMBER", NULL};
	KvamValErrors e;
	char	   *arn = KvamReqString(req, "StreamArn");
	char	   *shard_id = KvamReqString(req, "ShardId");
	char	   *type = KvamReqString(req, "ShardIteratorType");
	char	   *seq = KvamReqString(req, "SequenceNumber");
	KvamTableDef *def;
	KvamShard  *shards;
	int			n,
				i;
	ShardIterator it;

	KvamValInit(&e);
	if (arn == NULL)
		KvamValAdd(&e, NULL, "streamArn", "Member must not be null");
	if (shard_id == NULL)
		KvamValAdd(&e, NULL, "shardId", "Member must not be null");
	else if (strlen(shard_id) < 28 || strlen(shard_id) > 65)
		KvamValAdd(&e, shard_id, "shardId",
				   "Member must have length greater than or equal to 28");
	if (type == NULL)
		KvamValAdd(&e, NULL, "shardIteratorType", "Member must not be null");
	KvamValEnum(&e, type, "shardIteratorType", types);
	if (seq != NULL && (strlen(seq) < 21 || strlen(seq) > 40))
		KvamValAdd(&e, seq, "sequenceNumber",
				   "Member must have length greater than or equal to 21");
	KvamValRaise(&e);

	def = KvamStreamByArn(arn, "GetShardIterator");
	memset(&it, 0, sizeof(it));
	if (strcmp(type, "AT_SEQUENCE_NUMBER") == 0 || strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0)
	{
		if (seq == NULL)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Must specify a SequenceNumber when ShardIteratorType is %s", type);
		if (!seq_valid(seq))
			KvamRaise(KVAM_EX_VALIDATION, "Invalid SequenceNumber: %s", seq);
	}
	else if (seq != NULL)
		KvamRaise(KVAM_EX_VALIDATION,
				  "SequenceNumber can only be specified when ShardIteratorType is AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER");

	KvamStreamPump(false);
	shards = KvamStreamShards(def, &n);
	for (i = 0; i < n; i++)
		if (strcmp(KvamShardId(&shards[i]), shard_id) == 0)
			break;
	if (i == n)
		KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND,
				  "Requested resource not found: Shard does not exist");

	it.relid = def->relid;
	it.partid = shards[i].partid;
	it.label = def->stream_label;
	it.table = def->table_name;
	it.created = now_unix_us();
	if (strcmp(type, "TRIM_HORIZON") == 0)
	{
		it.mode = 'F';
		strlcpy(it.seq, KvamStreamHorizon(it.relid, it.label, it.partid), sizeof(it.seq));
	}
	else if (strcmp(type, "LATEST") == 0)
	{
		it.mode = 'F';
		strlcpy(it.seq, latest_seq(), sizeof(it.seq));
	}
	else
	{
		it.mode = strcmp(type, "AT_SEQUENCE_NUMBER") == 0 ? 'A' : 'F';
		strlcpy(it.seq, seq, sizeof(it.seq));
		check_trimmed(&it);
	}
	KvamOutString(out, "ShardIterator", iterator_encode(&it));
}

/* ----------------------------- GetRecords ----------------------------- */

void
KvamOpGetRecords(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	char	   *iter = KvamReqString(req, "ShardIterator");
	int64		limit = 1000;
	bool		have_limit = KvamReqInt64(req, "Limit", &limit);
	ShardIterator it;
	KvamTableDef *def;
	bool		open;
	char	   *arn;
	KvamStoreScope s;
	Oid			argtypes[5] = {OIDOID, TEXTOID, INT4OID, TEXTOID, INT8OID};
	Datum		values[5];
	uint64		r,
				nrows;
	MemoryContext cxt = CurrentMemoryContext;
	char	   *last = NULL;

	KvamValInit(&e);
	if (iter == NULL)
		KvamValAdd(&e, NULL, "shardIterator", "Member must not be null");
	else if (strlen(iter) < 1 || strlen(iter) > 2048)
		KvamValAdd(&e, "", "shardIterator",
				   "Member must have length greater than or equal to 1");
	KvamStreamValLimit(&e, have_limit, limit, 1000);
	KvamValRaise(&e);

	iterator_decode(iter, &it);
	arn = KvamStreamArn(it.table, it.label);
	if (get_rel_name(it.relid) == NULL)
		KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND,
				  "Requested resource not found: Stream: %s not found", arn);
	KvamStreamCheckAccess(it.relid, "GetRecords", arn);
	if (now_unix_us() - it.created >= (int64) kvam_stream_iterator_lifetime * USECS_PER_SEC)
		KvamRaise(KVAM_EX_EXPIRED_ITERATOR,
				  "The shard iterator has expired and can no longer be used to retrieve stream records");
	def = KvamCatalogLookup(it.table);
	open = def != NULL && def->relid == it.relid && def->stream_enabled &&
		def->stream_label != NULL && strcmp(def->stream_label, it.label) == 0 &&
		!KvamStreamShardClosed(it.relid, it.partid);

	/*
	 * A closed shard ends (no NextShardIterator) once it is read to its end
	 * and no pump is in flight: a pump that read the partition map before
	 * the split may still store records into it until it commits.  Ours
	 * reads the map after the closing, and while we hold the pump lock no
	 * other pump runs; one that committed before is visible to the read
	 * below (a new snapshot: READ COMMITTED).
	 */
	if (KvamStreamPump(false) < 0)
		open = true;
	check_trimmed(&it);

	values[0] = ObjectIdGetDatum(it.relid);
	values[1] = CStringGetTextDatum(it.label);
	values[2] = Int32GetDatum((int32) it.partid);
	values[3] = CStringGetTextDatum(it.seq);
	values[4] = Int64GetDatum(limit);
	KvamStoreBegin(&s);
	if (SPI_execute_with_args(it.mode == 'A' ?
							  "SELECT seq, record FROM kvam.stream_records WHERE relid = $1 "
							  "AND stream_label = $2 AND shard = $3 AND seq >= $4 ORDER BY seq LIMIT $5" :
							  "SELECT seq, record FROM kvam.stream_records WHERE relid = $1 "
							  "AND stream_label = $2 AND shard = $3 AND seq > $4 ORDER BY seq LIMIT $5",
							  5, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read kvam.stream_records");
	nrows = SPI_processed;
	KvamOutOpen(out, "Records", '[');
	for (r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];

		KvamOutRaw(out, NULL, SPI_getvalue(tup, SPI_tuptable->tupdesc, 2));
		if (r == nrows - 1)
			last = MemoryContextStrdup(cxt, SPI_getvalue(tup, SPI_tuptable->tupdesc, 1));
	}
	KvamOutClose(out, ']');
	KvamStoreEnd(&s);

	/* a closed shard read to its end has no next iterator */
	if (open || nrows == (uint64) limit)
	{
		if (last != NULL)
		{
			it.mode = 'F';
			strlcpy(it.seq, last, sizeof(it.seq));
		}
		it.created = now_unix_us();
		KvamOutString(out, "NextShardIterator", iterator_encode(&it));
	}
}
