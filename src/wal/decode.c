/*-------------------------------------------------------------------------
 *
 * decode.c
 *	  rm_decode of kvam's resource manager: kvam's version records become
 *	  ordinary logical decoding changes.
 *
 * An XLOG_KVAM_INSERT whose decoding kind (logical.c) is INSERT, UPDATE or
 * DELETE is queued in the reorder buffer as a REORDER_BUFFER_CHANGE_INSERT,
 * _UPDATE or _DELETE of the relation that owns block 0, with heap-format
 * tuples: the new row is the heap tuple inside the version, the old row
 * (if the record has one) the replica identity image.  From there on
 * PostgreSQL treats the change as a heap change: the reorder buffer
 * replaces TOAST pointers by the chunks the same transaction wrote to the
 * toast table (kvam toasts through a heap toast table), and every output
 * plugin (pgoutput, test_decoding, wal2json, kvam's stream plugin) sees it.
 *
 * Transactions, subtransactions, aborts and commits are decoded by
 * PostgreSQL from its own xact records; kvam versions carry ordinary xids.
 * What this file must do for every record, as heap_decode does: hand the
 * xid to ReorderBufferProcessXid, and only queue a change once the snapshot
 * builder can decode (SNAPBUILD_FULL_SNAPSHOT, SnapBuildProcessChange, which
 * also gives the transaction its base snapshot), not in fast-forward mode,
 * for the slot's database and an origin the plugin does not filter out.
 * The slots of a kvam cluster (kvam_cluster_*) also drop every change that
 * carries a replication origin (cluster/loop.c), so nothing loops.
 *
 * IDENTIFICATION
 *	  src/wal/decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "replication/logical.h"
#include "replication/reorderbuffer.h"
#include "replication/snapbuild.h"

#include "cluster/rules.h"
#include "lsm/page.h"
#include "wal/xlog.h"

/*
 * A reorder-buffer tuple from a heap tuple's header fields and the bytes
 * that follow the fixed header (null bitmap, padding, data).
 */
static ReorderBufferTupleBuf *
tuple_from(ReorderBuffer *rb, const xl_heap_header *hdr, const char *body,
		   Size bodylen)
{
	ReorderBufferTupleBuf *tb = ReorderBufferGetTupleBuf(rb, bodylen);
	HeapTupleHeader th = ReorderBufferTupleBufData(tb);

	tb->tuple.t_data = th;
	tb->tuple.t_len = bodylen + SizeofHeapTupleHeader;
	ItemPointerSetInvalid(&tb->tuple.t_self);
	tb->tuple.t_tableOid = InvalidOid;

	memset(th, 0, SizeofHeapTupleHeader);
	th->t_infomask2 = hdr->t_infomask2;
	th->t_infomask = hdr->t_infomask;
	th->t_hoff = hdr->t_hoff;
	memcpy((char *) th + SizeofHeapTupleHeader, body, bodylen);
	return tb;
}

/* The new row: the heap tuple of the version in block 0's data. */
static ReorderBufferTupleBuf *
new_tuple(ReorderBuffer *rb, XLogReaderState *r)
{
	Size		len;
	char	   *data = XLogRecGetBlockData(r, 0, &len);
	KvamVersionData vh;
	HeapTupleHeaderData th;
	Size		off;
	xl_heap_header hdr;

	if (data == NULL || len < SizeOfKvamVersionHeader)
		elog(ERROR, "kvam_decode: record at %X/%X has no version data",
			 LSN_FORMAT_ARGS(r->ReadRecPtr));
	/* (the record's data need not be aligned: copy the headers out) */
	memcpy(&vh, data, SizeOfKvamVersionHeader);
	off = KvamVersionTupleOffset(vh.keylen);
	if ((vh.flags & (KVAM_V_TOMBSTONE | KVAM_V_LOCK)) != 0 ||
		len < off + SizeofHeapTupleHeader)
		elog(ERROR, "kvam_decode: record at %X/%X holds no row",
			 LSN_FORMAT_ARGS(r->ReadRecPtr));
	memcpy(&th, data + off, SizeofHeapTupleHeader);
	hdr.t_infomask2 = th.t_infomask2;
	hdr.t_infomask = th.t_infomask;
	hdr.t_hoff = th.t_hoff;
	return tuple_from(rb, &hdr, data + off + SizeofHeapTupleHeader,
					  len - off - SizeofHeapTupleHeader);
}

/* The old row that follows xl_kvam_insert in the main data. */
static ReorderBufferTupleBuf *
old_tuple(ReorderBuffer *rb, XLogReaderState *r)
{
	char	   *data = XLogRecGetData(r) + SizeOfKvamInsert;
	Size		len = XLogRecGetDataLen(r) - SizeOfKvamInsert;
	xl_heap_header hdr;

	if (XLogRecGetDataLen(r) < SizeOfKvamInsert + SizeOfHeapHeader)
		elog(ERROR, "kvam_decode: record at %X/%X has a truncated old row",
			 LSN_FORMAT_ARGS(r->ReadRecPtr));
	memcpy(&hdr, data, SizeOfHeapHeader);
	return tuple_from(rb, &hdr, data + SizeOfHeapHeader, len - SizeOfHeapHeader);
}

static void
decode_version(LogicalDecodingContext *ctx, XLogRecordBuffer *buf)
{
	XLogReaderState *r = buf->record;
	xl_kvam_insert xlrec;
	RelFileNode rnode;
	ReorderBufferChange *change;

	memcpy(&xlrec, XLogRecGetData(r), SizeOfKvamInsert);
	XLogRecGetBlockTag(r, 0, &rnode, NULL, NULL);
	if (rnode.dbNode != ctx->slot->data.database)
		return;
	if (ctx->callbacks.filter_by_origin_cb != NULL &&
		filter_by_origin_cb_wrapper(ctx, XLogRecGetOrigin(r)))
		return;
	if (KvamClusterDecodeSkip(ctx, XLogRecGetOrigin(r)))
		return;					/* a cluster slot: no loops (cluster/loop.c) */

	change = ReorderBufferGetChange(ctx->reorder);
	change->origin_id = XLogRecGetOrigin(r);
	change->data.tp.relnode = rnode;
	change->data.tp.clear_toast_afterwards = true;
	switch (xlrec.decode)
	{
		case XLKVAM_DECODE_INSERT:
			change->action = REORDER_BUFFER_CHANGE_INSERT;
			change->data.tp.newtuple = new_tuple(ctx->reorder, r);
			break;
		case XLKVAM_DECODE_UPDATE:
			change->action = REORDER_BUFFER_CHANGE_UPDATE;
			change->data.tp.newtuple = new_tuple(ctx->reorder, r);
			break;
		case XLKVAM_DECODE_DELETE:
			change->action = REORDER_BUFFER_CHANGE_DELETE;
			break;
		default:
			elog(ERROR, "kvam_decode: unknown decoding kind %u in record at %X/%X",
				 xlrec.decode, LSN_FORMAT_ARGS(r->ReadRecPtr));
	}
	if (xlrec.flags & XLKVAM_HAS_OLD)
		change->data.tp.oldtuple = old_tuple(ctx->reorder, r);

	ReorderBufferQueueChange(ctx->reorder, XLogRecGetXid(r), buf->origptr,
							 change, false);
}

/*
 * kvam_decode is the resource manager's rm_decode: see the file header.
 */
void
kvam_decode(LogicalDecodingContext *ctx, XLogRecordBuffer *buf)
{
	XLogReaderState *r = buf->record;
	uint8		info = XLogRecGetInfo(r) & ~XLR_INFO_MASK;
	TransactionId xid = XLogRecGetXid(r);

	ReorderBufferProcessXid(ctx->reorder, xid, buf->origptr);

	if (SnapBuildCurrentState(ctx->snapshot_builder) < SNAPBUILD_FULL_SNAPSHOT)
		return;

	/*
	 * Only versions that are changes matter; every other record (page
	 * initialisation, lock markers, maintenance) is physical.
	 * SnapBuildProcessChange also runs when fast-forwarding: it gives the
	 * transaction the base snapshot the slot's catalog_xmin depends on.
	 */
	if (info == XLOG_KVAM_INSERT &&
		((xl_kvam_insert *) XLogRecGetData(r))->decode != XLKVAM_DECODE_NONE &&
		SnapBuildProcessChange(ctx->snapshot_builder, xid, buf->origptr) &&
		!ctx->fast_forward)
		decode_version(ctx, buf);
}
