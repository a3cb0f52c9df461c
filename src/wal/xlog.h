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

#define KVAM_WAL_FORMAT		1

/* KvamXlogRegister registers the resource manager (preload time only). */
extern void KvamXlogRegister(void);

extern void kvam_redo(XLogReaderState *record);
extern void kvam_desc(StringInfo buf, XLogReaderState *record);
extern const char *kvam_identify(uint8 info);
extern void kvam_mask(char *pagedata, BlockNumber blkno);

#endif							/* KVAM_WAL_XLOG_H */
