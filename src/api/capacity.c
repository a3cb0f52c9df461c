/*-------------------------------------------------------------------------
 *
 * capacity.c
 *	  Capacity unit accounting (contracts in capacity.h).
 *
 * IDENTIFICATION
 *	  src/api/capacity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/capacity.h"

double
KvamCapacityWriteUnits(int64 bytes)
{
	int64		units = (bytes + 1023) / 1024;

	return (double) Max(units, 1);
}

double
KvamCapacityReadUnits(int64 bytes, bool consistent)
{
	int64		units = (bytes + 4095) / 4096;

	units = Max(units, 1);
	return consistent ? (double) units : units / 2.0;
}

/* Units print like DynamoDB's: 1.0, 0.5, 2.5. */
static void
out_units(KvamOut *o, const char *key, double units)
{
	char		buf[64];

	snprintf(buf, sizeof(buf), "%.1f", units);
	KvamOutNumber(o, key, buf);
}

void
KvamCapacityOut(KvamOut *o, const char *key, KvamReturnCapacity mode,
				const char *table, double units)
{
	if (mode == KVAM_RCC_NONE)
		return;
	KvamOutOpen(o, key, '{');
	KvamOutString(o, "TableName", table);
	out_units(o, "CapacityUnits", units);
	if (mode == KVAM_RCC_INDEXES)
	{
		KvamOutOpen(o, "Table", '{');
		out_units(o, "CapacityUnits", units);
		KvamOutClose(o, '}');
	}
	KvamOutClose(o, '}');
}
