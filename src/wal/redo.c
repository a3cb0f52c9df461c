/*-------------------------------------------------------------------------
 *
 * redo.c
 *	  rm_redo and rm_mask of kvam's resource manager.
 *
 * IDENTIFICATION
 *	  src/wal/redo.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/bufmask.h"

#include "wal/xlog.h"

void
kvam_redo(XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;

	elog(PANIC, "kvam_redo: unknown op code %u", info);
}

void
kvam_mask(char *pagedata, BlockNumber blkno)
{
	mask_page_lsn_and_checksum(pagedata);
	mask_unused_space(pagedata);
}
