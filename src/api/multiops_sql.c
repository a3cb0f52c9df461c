/*-------------------------------------------------------------------------
 *
 * multiops_sql.c
 *	  SQL-callable entry points of the multi-item operations:
 *	  kvam.query(jsonb), kvam.scan(jsonb), ...
 *
 * IDENTIFICATION
 *	  src/api/multiops_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "api/multiops.h"

PG_FUNCTION_INFO_V1(kvam_query);
PG_FUNCTION_INFO_V1(kvam_scan);

/* kvam_query is kvam.query(request): the Query response. */
Datum
kvam_query(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(KvamOpQuery(PG_GETARG_JSONB_P(0)));
}

/* kvam_scan is kvam.scan(request): the Scan response. */
Datum
kvam_scan(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(KvamOpScan(PG_GETARG_JSONB_P(0)));
}
