/*-------------------------------------------------------------------------
 *
 * plugin.c
 *	  The kvam stream output plugin: kvam.so is also a logical decoding
 *	  output plugin ("kvam") that emits one DynamoDB Streams record per
 *	  change of an API table (docs/streams.md).
 *
 *	  SELECT pg_create_logical_replication_slot('s', 'kvam');
 *	  SELECT data FROM pg_logical_slot_get_changes('s', NULL, NULL);
 *	  pg_recvlogical -d db -S s --start -f - -P kvam
 *
 * Which changes become records: changes of tables that have a kvam.tables
 * row whose stream is enabled (as the catalog was when the change was
 * made), unless the option all-tables asks for every API table.  Other
 * tables, TRUNCATE and messages produce nothing.  Events: INSERT for a
 * put of a new key, MODIFY for a replaced item, REMOVE for a delete; an
 * SQL UPDATE that changes a key is a REMOVE of the old key and an INSERT of
 * the new one (DynamoDB items never change keys).
 *
 * Images follow the StreamViewType (the table's, or the option view-type):
 * NewImage is the new row; OldImage needs the whole old row, which the WAL
 * carries only when the table's replica identity is FULL (wal/logical.c),
 * so OLD_IMAGE and NEW_AND_OLD_IMAGES streams need REPLICA IDENTITY FULL:
 * without it OldImage is left out.
 *
 * Memory: each change is rendered in a context reset per change; what is
 * known of tables is cached until a transaction that changed the catalog
 * is decoded (the catalog the historic snapshot shows changes only then).
 *
 * IDENTIFICATION
 *	  src/stream/plugin.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "replication/logical.h"
#include "replication/output_plugin.h"
#include "replication/origin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "datatype/timestamp.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "api/catalog.h"
#include "lsm/keycode.h"
#include "stream/stream.h"

/* The plugin's state for one decoding session. */
typedef struct StreamState
{
	MemoryContext change_cxt;	/* reset per change */
	MemoryContext txn_cxt;		/* the table cache, reset after catalog changes */
	HTAB	   *tables;			/* relid -> TableEntry, in txn_cxt */
	bool		cache_current;	/* entries show the catalog after catalog_lsn */
	XLogRecPtr	catalog_lsn;	/* end of the last catalog change decoded */
	bool		all_tables;		/* option all-tables */
	KvamStreamView view;		/* option view-type, or NONE: the table's */
	bool		only_local;		/* option only-local */
	bool		routing;		/* option kvam-routing (store.c's pump) */
	uint64		seq;			/* records so far in this transaction */
} StreamState;

typedef struct TableEntry
{
	Oid			relid;
	KvamStreamTable *t;
} TableEntry;

extern PGDLLEXPORT void _PG_output_plugin_init(OutputPluginCallbacks *cb);

static bool
option_bool(DefElem *elem)
{
	bool		result;

	if (elem->arg == NULL)
		return true;
	if (!parse_bool(strVal(elem->arg), &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not parse value \"%s\" for kvam plugin option \"%s\"",
						strVal(elem->arg), elem->defname),
				 errhint("Use a boolean: true or false.")));
	return result;
}

static void
stream_startup(LogicalDecodingContext *ctx, OutputPluginOptions *opt,
			   bool is_init)
{
	StreamState *st = palloc0(sizeof(StreamState));
	ListCell   *lc;

	st->change_cxt = AllocSetContextCreate(ctx->context, "kvam stream change",
										   ALLOCSET_DEFAULT_SIZES);
	st->txn_cxt = AllocSetContextCreate(ctx->context, "kvam stream transaction",
										ALLOCSET_DEFAULT_SIZES);
	opt->output_type = OUTPUT_PLUGIN_TEXTUAL_OUTPUT;
	opt->receive_rewrites = false;

	foreach(lc, ctx->output_plugin_options)
	{
		DefElem    *elem = lfirst(lc);

		if (strcmp(elem->defname, "all-tables") == 0)
			st->all_tables = option_bool(elem);
		else if (strcmp(elem->defname, "only-local") == 0)
			st->only_local = option_bool(elem);
		else if (strcmp(elem->defname, "kvam-routing") == 0)
			st->routing = option_bool(elem);
		else if (strcmp(elem->defname, "view-type") == 0)
		{
			st->view = elem->arg ? KvamStreamViewFromName(strVal(elem->arg)) : KVAM_VIEW_NONE;
			if (st->view == KVAM_VIEW_NONE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value \"%s\" for kvam plugin option \"view-type\"",
								elem->arg ? strVal(elem->arg) : ""),
						 errhint("Use KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES.")));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" is not recognized by the kvam output plugin",
							elem->defname),
					 errhint("The kvam plugin takes all-tables, only-local and view-type.")));
	}
	ctx->output_plugin_private = st;
}

static void
stream_shutdown(LogicalDecodingContext *ctx)
{
	StreamState *st = ctx->output_plugin_private;

	MemoryContextDelete(st->change_cxt);
	MemoryContextDelete(st->txn_cxt);
}

/*
 * What is known of tables (read with a change's historic snapshot) stays
 * valid while the catalog does not change.  The cache is emptied for a
 * transaction that changed the catalog (kvam.tables is a user catalog
 * table, so enabling a stream is such a change; so are ALTER and DROP),
 * for one with subtransactions (their catalog changes may not be flagged
 * on the top transaction), and for one whose first change is older than
 * the last catalog change decoded (its snapshots do not show that change);
 * entries read by those transactions are not kept for the next one.
 */
static void
stream_begin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn)
{
	StreamState *st = ctx->output_plugin_private;
	bool		catalog = rbtxn_has_catalog_changes(txn) || txn->nsubtxns > 0;
	bool		current = !catalog && txn->first_lsn > st->catalog_lsn;

	if (st->tables == NULL || !current || !st->cache_current)
	{
		HASHCTL		hc;

		MemoryContextReset(st->txn_cxt);
		hc.keysize = sizeof(Oid);
		hc.entrysize = sizeof(TableEntry);
		hc.hcxt = st->txn_cxt;
		st->tables = hash_create("kvam stream tables", 16, &hc,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (catalog)
		st->catalog_lsn = Max(st->catalog_lsn, txn->end_lsn);
	st->cache_current = current;
	st->seq = 0;
}

static void
stream_commit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
			  XLogRecPtr commit_lsn)
{
	StreamState *st = ctx->output_plugin_private;

	/*
	 * Records are written one per change; a commit adds nothing, except
	 * under kvam-routing, where a marker row "C" (its lsn is the end of the
	 * commit record) tells the pump how far it got.
	 */
	if (st->routing)
	{
		OutputPluginPrepareWrite(ctx, true);
		appendStringInfoChar(ctx->out, 'C');
		OutputPluginWrite(ctx, true);
	}
}

static bool
stream_filter_origin(LogicalDecodingContext *ctx, RepOriginId origin_id)
{
	StreamState *st = ctx->output_plugin_private;

	return st->only_local && origin_id != InvalidRepOriginId;
}

/* The table of 'rel', from the per-transaction cache. */
static KvamStreamTable *
table_of(StreamState *st, Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	bool		found;
	TableEntry *e = hash_search(st->tables, &relid, HASH_ENTER, &found);

	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(st->txn_cxt);

		e->t = KvamStreamTableLookup(rel);
		MemoryContextSwitchTo(old);
	}
	return e->t;
}

/*
 * The routing prefix of a record (option kvam-routing), for the Streams
 * store (store.c): "<SequenceNumber> <relid> <partition hash> <commit time,
 * Unix microseconds> <StreamLabel>" and a tab.  The partition hash is the
 * one the table's storage uses for the key (XXH3 of the encoded partition
 * key), so the pump can tell the record's shard.
 */
static void
routing_prefix(StringInfo out, const KvamStreamTable *t, Relation rel,
			   HeapTuple tuple, const KvamStreamRecord *r)
{
	StringInfoData enc;
	bool		isnull;
	Datum		pk = heap_getattr(tuple, t->pkatt, RelationGetDescr(rel), &isnull);
	uint64		hash = 0;

	if (!isnull)
	{
		initStringInfo(&enc);
		KvamKeyEncodeValue(&enc, (KvamKeyType) KvamAttrTypeName(t->key.hash_type)[0], pk);
		hash = KvamKeyPartitionHash(enc.data, enc.len);
	}
	appendStringInfo(out, "%020llu%010llu %u " UINT64_FORMAT " " INT64_FORMAT " %s\t",
					 (unsigned long long) r->commit_lsn,
					 (unsigned long long) r->seq_in_txn,
					 RelationGetRelid(rel), hash,
					 (int64) (r->commit_time +
							  (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY),
					 t->stream_label ? t->stream_label : "-");
}

/*
 * Write one record: 'event' of 'keys' with the images given (or NULL).
 * 'tuple' is the row the keys come from (for the routing prefix).
 */
static void
emit(LogicalDecodingContext *ctx, StreamState *st, ReorderBufferTXN *txn,
	 const KvamStreamTable *t, Relation rel, HeapTuple tuple,
	 KvamStreamView view, KvamStreamEvent event, const KvamAttr *keys,
	 const KvamAttr *new_image, const KvamAttr *old_image)
{
	KvamStreamRecord r;

	r.event = event;
	r.view = view;
	r.keys = keys;
	r.new_image = new_image;
	r.old_image = old_image;
	r.commit_lsn = txn->final_lsn;
	r.commit_time = txn->xact_time.commit_time;
	r.seq_in_txn = st->seq++;
	OutputPluginPrepareWrite(ctx, true);
	if (st->routing)
		routing_prefix(ctx->out, t, rel, tuple, &r);
	KvamStreamRecordAppend(ctx->out, &r);
	OutputPluginWrite(ctx, true);
}

/* Do two key maps hold the same key? */
static bool
same_key(const KvamAttr *a, const KvamAttr *b)
{
	return KvamAttrEqual(a, b);
}

static void
stream_change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
			  Relation rel, ReorderBufferChange *change)
{
	StreamState *st = ctx->output_plugin_private;
	KvamStreamTable *t = table_of(st, rel);
	MemoryContext old;
	KvamStreamView view;
	bool		keychange;
	HeapTuple	newtup = change->data.tp.newtuple ? &change->data.tp.newtuple->tuple : NULL;
	HeapTuple	oldtup = change->data.tp.oldtuple ? &change->data.tp.oldtuple->tuple : NULL;
	KvamAttr   *new_image = NULL,
			   *old_image = NULL,
			   *new_keys = NULL,
			   *old_keys = NULL;
	bool		old_full = rel->rd_rel->relreplident == REPLICA_IDENTITY_FULL;

	if (!t->api || (!t->stream_enabled && !st->all_tables))
		return;

	old = MemoryContextSwitchTo(st->change_cxt);
	view = st->view != KVAM_VIEW_NONE ? st->view :
		t->view != KVAM_VIEW_NONE ? t->view : KVAM_VIEW_NEW_AND_OLD_IMAGES;

	if (newtup)
		new_image = KvamStreamRowImage(t, rel, newtup, &new_keys);
	if (oldtup)
	{
		old_image = KvamStreamRowImage(t, rel, oldtup, &old_keys);
		if (!old_full)
			old_image = NULL;	/* only the key: no OldImage */
	}

	keychange = change->action == REORDER_BUFFER_CHANGE_UPDATE &&
		new_image != NULL && old_keys != NULL && !same_key(old_keys, new_keys);
	if (change->action == REORDER_BUFFER_CHANGE_DELETE || keychange)
	{
		/*
		 * A delete, or the first half of a key change.  Without a replica
		 * identity a delete's key is unknown: nothing to say.
		 */
		if (old_keys != NULL)
			emit(ctx, st, txn, t, rel, oldtup, view, KVAM_EVENT_REMOVE, old_keys, NULL, old_image);
	}
	if (change->action == REORDER_BUFFER_CHANGE_INSERT || keychange)
	{
		if (new_image != NULL)
			emit(ctx, st, txn, t, rel, newtup, view, KVAM_EVENT_INSERT, new_keys, new_image, NULL);
	}
	else if (change->action == REORDER_BUFFER_CHANGE_UPDATE && new_image != NULL)
		emit(ctx, st, txn, t, rel, newtup, view, KVAM_EVENT_MODIFY, new_keys, new_image, old_image);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->change_cxt);
}

/*
 * _PG_output_plugin_init registers the kvam stream plugin's callbacks
 * (LoadOutputPlugin finds it in kvam.so by the slot's plugin name).
 */
void
_PG_output_plugin_init(OutputPluginCallbacks *cb)
{
	cb->startup_cb = stream_startup;
	cb->begin_cb = stream_begin;
	cb->change_cb = stream_change;
	cb->commit_cb = stream_commit;
	cb->filter_by_origin_cb = stream_filter_origin;
	cb->shutdown_cb = stream_shutdown;
}
