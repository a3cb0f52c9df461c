/*-------------------------------------------------------------------------
 *
 * rmgr.c
 *	  Registration of kvam's custom WAL resource manager.
 *
 * IDENTIFICATION
 *	  src/wal/rmgr.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog_internal.h"

#include "kvam.h"
#include "wal/xlog.h"

static RmgrData kvam_rmgr = {
	.rm_name = KVAM_RMGR_NAME,
	.rm_redo = kvam_redo,
	.rm_desc = kvam_desc,
	.rm_identify = kvam_identify,
	.rm_startup = NULL,
	.rm_cleanup = NULL,
	.rm_mask = kvam_mask,
	.rm_decode = kvam_decode,
};

void
KvamXlogRegister(void)
{
	RegisterCustomRmgr(RM_KVAM_ID, &kvam_rmgr);
}
