/*-------------------------------------------------------------------------
 *
 * xlog.h
 *	  kvam's custom WAL resource manager: record types and layouts.
 *
 * Record types live in the high nibble of xl_info (the low nibble belongs
 * to xlog.c).  DO NOT RENUMBER: standbys and crash recovery replay records
 * written by other kvam builds of the same WAL format.
 *
 * IDENTIFICATION
 *	  src/wal/xlog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_WAL_XLOG_H
#define KVAM_WAL_XLOG_H

#include "access/heapam_xlog.h"
#include "access/htup.h"
#include "access/xlogreader.h"
#include "lib/stringinfo.h"
#include "replication/decode.h"
#include "storage/off.h"
#include "storage/relfilenode.h"
#include "utils/rel.h"

#define KVAM_WAL_FORMAT		3

/* KvamXlogRegister registers the resource manager (preload time only). */
extern void KvamXlogRegister(void);

extern void kvam_redo(XLogReaderState *record);
extern void kvam_desc(StringInfo buf, XLogReaderState *record);
extern const char *kvam_identify(uint8 info);
extern void kvam_mask(char *pagedata, BlockNumber blkno);

/* kvam_decode is rm_decode (decode.c). */
extern void kvam_decode(LogicalDecodingContext *ctx, XLogRecordBuffer *buf);

/*
 * XLOG_KVAM_INSERT: append one version to a partition's L0.
 *
 * Block 0: the L0 page; data = the version item.  With XLKVAM_NEW_PAGE the
 * page is initialised first (REGBUF_WILL_INIT), block 1 (optional) is the
 * previous tail page whose 'next' link is set to block 0, and block 2 is the
 * manifest page whose L0 tail (and head, if L0 was empty) becomes block 0.
 */
#define XLOG_KVAM_INSERT		0x10

#define XLKVAM_NEW_PAGE			0x01
#define XLKVAM_FIRST_PAGE		0x02
#define XLKVAM_HAS_OLD			0x04	/* main data continues with the old
										 * row: xl_heap_header + tuple data */

/*
 * What logical decoding makes of the version (xl_kvam_insert.decode, WAL
 * format 2).  DO NOT RENUMBER.  A key change (UPDATE of key columns) is
 * a tombstone of the old key (NONE) followed by a put of the new key
 * (UPDATE, with the old key in the old row), which is how heap shows it.
 */
#define XLKVAM_DECODE_NONE		0	/* no change: lock marker, re-keying of
									 * staged rows, tombstone of a key change */
#define XLKVAM_DECODE_INSERT	1	/* put of a key that did not exist */
#define XLKVAM_DECODE_UPDATE	2	/* put replacing an existing row */
#define XLKVAM_DECODE_DELETE	3	/* tombstone */

typedef struct xl_kvam_insert
{
	uint32		partid;
	OffsetNumber offnum;
	uint8		flags;			/* XLKVAM_NEW_PAGE | ... */
	uint8		decode;			/* XLKVAM_DECODE_* */
	/* with XLKVAM_HAS_OLD: xl_heap_header, then the old tuple's bytes */
} xl_kvam_insert;

#define SizeOfKvamInsert	(offsetof(xl_kvam_insert, decode) + sizeof(uint8))

/*
 * KvamXlogChange: what a writer tells KvamL0Append about the logical
 * meaning of a version (see logical.c).  'oldtuple' is the old row as the
 * replica identity asks for it (KvamXlogOldTuple), or NULL.
 */
typedef struct KvamXlogChange
{
	uint8		decode;			/* XLKVAM_DECODE_* */
	HeapTuple	oldtuple;
	xl_heap_header oldhdr;		/* record storage, filled by
								 * KvamXlogRegisterChange */
} KvamXlogChange;

/*
 * KvamXlogOldTuple returns the old row image an UPDATE (newtup != NULL)
 * or DELETE (newtup == NULL) of 'oldtup' must log for logical decoding,
 * following the replica identity of 'rel' as heap does, or NULL if none.
 * The result is palloc'd and holds no external TOAST pointers.
 */
extern HeapTuple KvamXlogOldTuple(Relation rel, HeapTuple oldtup,
								  HeapTuple newtup);

/*
 * KvamXlogRegisterChange completes an XLOG_KVAM_INSERT under construction
 * (between XLogBeginInsert and XLogInsert, after 'xlrec' was registered):
 * sets xlrec->decode and XLKVAM_HAS_OLD and registers the old row.  'chg'
 * may be NULL (no change).  Returns the REGBUF_* flags block 0 needs.
 * Cannot fail (called inside the critical section).
 */
extern uint8 KvamXlogRegisterChange(Relation rel, xl_kvam_insert *xlrec,
									KvamXlogChange *chg);

/*
 * XLOG_KVAM_CONFLICT: a hot-standby conflict horizon, no blocks.  Logged
 * before the change it protects: a compaction's manifest edit that purged
 * or froze versions (horizon: the newest xmin that made a dropped version
 * invisible, or the newest frozen xmin), and the reuse of a retired extent
 * (horizon: the retirement's xid, as btree's page reuse).  Redo cancels the
 * standby queries whose snapshots could still need what goes away
 * (ResolveRecoveryConflictWithSnapshot).
 */
#define XLOG_KVAM_CONFLICT		0x70

typedef struct xl_kvam_conflict
{
	RelFileNode node;
	TransactionId horizon;		/* snapshotConflictHorizon */
	uint8		reason;			/* XLKVAM_CONFLICT_* */
} xl_kvam_conflict;

#define XLKVAM_CONFLICT_PURGE	1
#define XLKVAM_CONFLICT_REUSE	2

#define SizeOfKvamConflict	(offsetof(xl_kvam_conflict, reason) + sizeof(uint8))

/*
 * KvamXlogConflict logs XLOG_KVAM_CONFLICT for 'rel' when the relation
 * needs WAL, standby information is logged and 'horizon' is normal.
 */
extern void KvamXlogConflict(Relation rel, TransactionId horizon, uint8 reason);

/*
 * XLOG_KVAM_FREEMAP: an edit of the free-map page (lsm/space.h).  Block 0:
 * the free-map page; block data: the page's new contents
 * (KvamFreeMapData with its extents), which redo copies in.
 */
#define XLOG_KVAM_FREEMAP		0x80

#endif							/* KVAM_WAL_XLOG_H */
