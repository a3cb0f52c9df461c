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

#include "access/xlogreader.h"
#include "lib/stringinfo.h"
#include "storage/off.h"
#include "storage/relfilenode.h"
#include "utils/rel.h"

#define KVAM_WAL_FORMAT		1

/* KvamXlogRegister registers the resource manager (preload time only). */
extern void KvamXlogRegister(void);

extern void kvam_redo(XLogReaderState *record);
extern void kvam_desc(StringInfo buf, XLogReaderState *record);
extern const char *kvam_identify(uint8 info);
extern void kvam_mask(char *pagedata, BlockNumber blkno);

#endif							/* KVAM_WAL_XLOG_H */

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

typedef struct xl_kvam_insert
{
	uint32		partid;
	OffsetNumber offnum;
	uint8		flags;
} xl_kvam_insert;

#define SizeOfKvamInsert	(offsetof(xl_kvam_insert, flags) + sizeof(uint8))

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

