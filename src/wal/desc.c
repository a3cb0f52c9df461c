/*-------------------------------------------------------------------------
 *
 * desc.c
 *	  rm_desc and rm_identify of kvam's resource manager (pg_walinspect,
 *	  redo error context).
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
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
	char	   *rec = XLogRecGetData(record);

	switch (info)
	{
		case XLOG_KVAM_INSERT:
			{
				xl_kvam_insert *x = (xl_kvam_insert *) rec;
				static const char *const kinds[] = {"", " INSERT", " UPDATE", " DELETE"};

				appendStringInfo(buf, "partition %u off %u%s%s%s%s", x->partid,
								 x->offnum,
								 (x->flags & XLKVAM_NEW_PAGE) ? " new_page" : "",
								 (x->flags & XLKVAM_FIRST_PAGE) ? " first_page" : "",
								 x->decode < lengthof(kinds) ? kinds[x->decode] : " ?",
								 (x->flags & XLKVAM_HAS_OLD) ? " old_row" : "");
				break;
			}
		case XLOG_KVAM_FREEMAP:
			{
				Size		len = 0;

				if (XLogRecGetBlockData(record, 0, &len) != NULL)
					appendStringInfo(buf, "free map of %zu bytes", len);
				else
					appendStringInfoString(buf, "free map (image)");
				break;
			}
		case XLOG_KVAM_CONFLICT:
			{
				xl_kvam_conflict *x = (xl_kvam_conflict *) rec;

				appendStringInfo(buf, "rel %u/%u/%u horizon %u %s",
								 x->node.spcNode, x->node.dbNode,
								 x->node.relNode, x->horizon,
								 x->reason == XLKVAM_CONFLICT_REUSE ? "reuse" : "purge");
				break;
			}
	}
}

const char *
kvam_identify(uint8 info)
{
	switch (info & ~XLR_INFO_MASK)
	{
		case XLOG_KVAM_INSERT:
			return "INSERT";
		case XLOG_KVAM_CONFLICT:
			return "CONFLICT";
		case XLOG_KVAM_FREEMAP:
			return "FREEMAP";
	}
	return NULL;
}
