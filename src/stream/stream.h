/*-------------------------------------------------------------------------
 *
 * stream.h
 *	  The kvam stream output plugin: DynamoDB Streams records from logical
 *	  decoding (docs/streams.md).
 *
 * plugin.c holds the output plugin callbacks and options; table.c reads
 * what a change's table is (kvam.tables, with the historic snapshot of the
 * change); record.c renders one DynamoDB Streams record.
 *
 * IDENTIFICATION
 *	  src/stream/stream.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_STREAM_H
#define KVAM_STREAM_H

#include "access/htup.h"
#include "lib/stringinfo.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

#include "api/keymap.h"

/* StreamViewType.  Values only live in memory. */
typedef enum KvamStreamView
{
	KVAM_VIEW_NONE = 0,			/* no stream: the table's changes are skipped */
	KVAM_VIEW_KEYS_ONLY,
	KVAM_VIEW_NEW_IMAGE,
	KVAM_VIEW_OLD_IMAGE,
	KVAM_VIEW_NEW_AND_OLD_IMAGES
} KvamStreamView;

/*
 * KvamStreamViewFromName maps a StreamViewType name to its value;
 * KVAM_VIEW_NONE when 'name' is not one.
 */
extern KvamStreamView KvamStreamViewFromName(const char *name);
extern const char *KvamStreamViewName(KvamStreamView view);

/* What the plugin knows of a table (table.c). */
typedef struct KvamStreamTable
{
	Oid			relid;
	bool		api;			/* has a kvam.tables row */
	char	   *table_name;
	KvamKeySchema key;
	bool		stream_enabled;
	KvamStreamView view;		/* the catalog's view type */
	char	   *stream_label;	/* the catalog's StreamLabel, or NULL */
	AttrNumber	pkatt;			/* columns pk, sk, item */
	AttrNumber	skatt;
	AttrNumber	itematt;
} KvamStreamTable;

/*
 * KvamStreamTableLookup describes relation 'rel' as the catalog showed it
 * when the change being decoded was made (logical decoding's historic
 * snapshot must be active).  Result palloc'd in the current context;
 * t->api is false for relations that are not API tables.
 */
extern KvamStreamTable *KvamStreamTableLookup(Relation rel);

/*
 * KvamStreamEnabled: does relation 'rel' have a DynamoDB stream enabled
 * (its kvam.tables row, as the catalog snapshot sees it)?  Outside
 * logical decoding; for the partition merge rule (lsm/split.c).
 */
extern bool KvamStreamEnabled(Relation rel);

/* One record to render (record.c). */
typedef enum KvamStreamEvent
{
	KVAM_EVENT_INSERT,
	KVAM_EVENT_MODIFY,
	KVAM_EVENT_REMOVE
} KvamStreamEvent;

typedef struct KvamStreamRecord
{
	KvamStreamEvent event;
	KvamStreamView view;
	const KvamAttr *keys;		/* key attributes (map) */
	const KvamAttr *new_image;	/* full item, or NULL */
	const KvamAttr *old_image;	/* full item, or NULL */
	XLogRecPtr	commit_lsn;		/* of the change's transaction */
	uint64		seq_in_txn;		/* record number inside the transaction */
	TimestampTz commit_time;
} KvamStreamRecord;

/*
 * KvamStreamRecordAppend appends the record as one JSON document (no
 * newline) to 'out': eventID, eventName, eventVersion, eventSource,
 * awsRegion, dynamodb {ApproximateCreationDateTime, Keys, NewImage,
 * OldImage, SequenceNumber, SizeBytes, StreamViewType}.  Images the view
 * type does not ask for are left out.
 */
extern void KvamStreamRecordAppend(StringInfo out, const KvamStreamRecord *r);

/*
 * KvamStreamRowImage converts a row of an API table (heap tuple of 'rel')
 * into its full item and, in *keys, its key attributes.  Returns NULL when
 * a key column is NULL (a replica identity image without the key).
 */
extern KvamAttr *KvamStreamRowImage(const KvamStreamTable *t, Relation rel,
									HeapTuple tuple, KvamAttr **keys);

#endif							/* KVAM_STREAM_H */
