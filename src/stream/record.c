/*-------------------------------------------------------------------------
 *
 * record.c
 *	  One DynamoDB Streams record as JSON (docs/streams.md).
 *
 * The shape is the Record of DynamoDB Streams' GetRecords:
 *
 *	{"eventID": ..., "eventName": "INSERT" | "MODIFY" | "REMOVE",
 *	 "eventVersion": "1.1", "eventSource": "aws:dynamodb",
 *	 "awsRegion": <kvam.region>,
 *	 "dynamodb": {"ApproximateCreationDateTime": <commit time, epoch s>,
 *				  "Keys": {...}, "NewImage": {...}, "OldImage": {...},
 *				  "SequenceNumber": "<30 digits>", "SizeBytes": n,
 *				  "StreamViewType": ...}}
 *
 * Identity and order come from the WAL, so they are the same every time a
 * slot re-reads a transaction: SequenceNumber is the commit LSN of the
 * change's transaction (20 decimal digits) followed by the record's number
 * in the transaction (10 digits).  Transactions are decoded in commit
 * order, so sequence numbers increase in stream order (which a change LSN
 * would not: a transaction that commits later may have written earlier).
 * eventID is the same pair in hexadecimal (32 digits).  SizeBytes is
 * DynamoDB's item size of Keys plus the images present.
 *
 * IDENTIFICATION
 *	  src/stream/record.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "api/catalog.h"
#include "item/item.h"
#include "item/itemjson.h"
#include "stream/stream.h"

static const char *const event_names[] = {"INSERT", "MODIFY", "REMOVE"};

/*
 * KvamStreamRecordAppend: see stream.h.
 */
void
KvamStreamRecordAppend(StringInfo out, const KvamStreamRecord *r)
{
	bool		want_new = r->view == KVAM_VIEW_NEW_IMAGE ||
		r->view == KVAM_VIEW_NEW_AND_OLD_IMAGES;
	bool		want_old = r->view == KVAM_VIEW_OLD_IMAGE ||
		r->view == KVAM_VIEW_NEW_AND_OLD_IMAGES;
	const KvamAttr *new_image = want_new ? r->new_image : NULL;
	const KvamAttr *old_image = want_old ? r->old_image : NULL;
	int64		size = KvamItemSize(r->keys);

	appendStringInfo(out, "{\"eventID\":\"%016llx%016llx\",",
					 (unsigned long long) r->commit_lsn,
					 (unsigned long long) r->seq_in_txn);
	appendStringInfo(out, "\"eventName\":\"%s\",", event_names[r->event]);
	appendStringInfoString(out, "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",");
	appendStringInfoString(out, "\"awsRegion\":");
	escape_json(out, kvam_region ? kvam_region : "local");
	appendStringInfo(out, ",\"dynamodb\":{\"ApproximateCreationDateTime\":" INT64_FORMAT,
					 (int64) timestamptz_to_time_t(r->commit_time));
	appendStringInfoString(out, ",\"Keys\":");
	KvamItemAppendJsonText(out, r->keys);
	if (new_image)
	{
		appendStringInfoString(out, ",\"NewImage\":");
		KvamItemAppendJsonText(out, new_image);
		size += KvamItemSize(new_image);
	}
	if (old_image)
	{
		appendStringInfoString(out, ",\"OldImage\":");
		KvamItemAppendJsonText(out, old_image);
		size += KvamItemSize(old_image);
	}
	appendStringInfo(out, ",\"SequenceNumber\":\"%020llu%010llu\"",
					 (unsigned long long) r->commit_lsn,
					 (unsigned long long) r->seq_in_txn);
	appendStringInfo(out, ",\"SizeBytes\":" INT64_FORMAT, size);
	appendStringInfo(out, ",\"StreamViewType\":\"%s\"}}",
					 KvamStreamViewName(r->view));
}
