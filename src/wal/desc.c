/*-------------------------------------------------------------------------
 *
 * desc.c
 *	  rm_desc and rm_identify of kvam's resource manager.
 *
 * IDENTIFICATION
 *	  src/wal/desc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "wal/xlog.h"

void
kvam_desc(StringInfo buf, XLogReaderState *record)
{
}

const char *
kvam_identify(uint8 info)
{
	return NULL;
}
