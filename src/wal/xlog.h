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
