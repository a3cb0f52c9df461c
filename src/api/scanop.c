/*-------------------------------------------------------------------------
 *
 * scanop.c
 *	  Scan, and parallel Scan with Segment / TotalSegments.
 *
 * A Scan reads the table in storage key order: partition-key hash, then
 * partition key, then sort key (DESIGN "Partitions").  That order is
 * stable across pages, so LastEvaluatedKey resumes exactly after the last
 * item read, whatever was written in between.  Segment s of n covers the
 * hash range [s * 2^64 / n, (s + 1) * 2^64 / n): every item belongs to
 * exactly one segment, so the segments together return every item once.
 * kvam's partitions are contiguous hash ranges too, so a segment reads
 * whole partitions or slices of them (rowscan.c).
 *
 * IDENTIFICATION
 *	  src/api/scanop.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/acl.h"

#include "api/errors.h"
#include "api/multiops.h"
#include "api/readpage.h"
#include "api/request.h"
#include "api/table.h"
#include "lsm/keycode.h"

#define MAX_TOTAL_SEGMENTS 1000000

/* First hash of segment 'seg' of 'total' (seg may equal total: 2^64). */
static uint64
segment_start(int64 seg, int64 total)
{
	uint128		x = ((uint128) seg << 64) / (uint128) total;

	return (uint64) x;
}

static void
put_hash(char *buf, uint64 h)
{
	int			i;

	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		buf[i] = (char) (h >> (8 * (KVAM_KEY_HASH_BYTES - 1 - i)));
}

/*
 * Read Segment and TotalSegments: their range errors go to 'e' (raised
 * with the other constraint errors), then DynamoDB's rules on using them
 * together.  False when the request has neither.
 */
static bool
parse_segments(const JsonbValue *req, KvamValErrors *e, int64 *seg, int64 *total)
{
	bool		has_seg = KvamReqInteger(req, "Segment", seg);
	bool		has_total = KvamReqInteger(req, "TotalSegments", total);

	if (has_seg && *seg < 0)
		KvamValAdd(e, psprintf(INT64_FORMAT, *seg), "segment",
				   "Member must have value greater than or equal to 0");
	if (has_seg && *seg > MAX_TOTAL_SEGMENTS - 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, *seg), "segment",
				   "Member must have value less than or equal to 999999");
	if (has_total && *total < 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, *total), "totalSegments",
				   "Member must have value greater than or equal to 1");
	if (has_total && *total > MAX_TOTAL_SEGMENTS)
		KvamValAdd(e, psprintf(INT64_FORMAT, *total), "totalSegments",
				   "Member must have value less than or equal to 1000000");
	KvamValRaise(e);
	if (has_seg && !has_total)
		KvamValidationError("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
	if (has_total && !has_seg)
		KvamValidationError("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
	if (has_seg && *seg >= *total)
		KvamValidationError("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " INT64_FORMAT " is not less than TotalSegments: " INT64_FORMAT,
							*seg, *total);
	return has_seg;
}

/*
 * KvamOpScan runs a Scan request.
 */
void
KvamOpScan(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	KvamReadPage rp;
	KvamApiTable *t;
	KvamAttr   *start;
	char	   *table_name;
	int64		seg = 0;
	int64		total = 1;
	char		lo[KVAM_KEY_HASH_BYTES];
	char		hi[KVAM_KEY_HASH_BYTES];
	KvamRowBound lower = {NULL, 0, true};
	KvamRowBound upper = {NULL, 0, false};
	StringInfoData sbuf;
	bool		has_segments;

	KvamValInit(&e);
	table_name = KvamReadPageValidate(&rp, req, &e);
	has_segments = parse_segments(req, &e, &seg, &total);
	KvamReadPageParse(&rp, req, KVAM_PARAMS_SCAN);
	if (has_segments)
	{
		put_hash(lo, segment_start(seg, total));
		lower.key = lo;
		lower.len = KVAM_KEY_HASH_BYTES;
		if (seg + 1 < total)
		{
			put_hash(hi, segment_start(seg + 1, total));
			upper.key = hi;
			upper.len = KVAM_KEY_HASH_BYTES;
		}
	}

	t = KvamTableOpen(table_name, "Scan", ACL_SELECT);
	rp.ks = &t->def->key;
	KvamReadPageFinishParse(&rp);
	start = KvamStartKeyFromRequest(req, rp.ks);
	if (start)
	{
		initStringInfo(&sbuf);
		KvamTableEncodeKey(t, start, &sbuf);
		if (lower.key == NULL ||
			KvamKeyCompare(sbuf.data, sbuf.len, lower.key, lower.len) >= 0)
		{
			lower.key = sbuf.data;
			lower.len = sbuf.len;
			lower.inclusive = false;
		}
	}
	KvamReadPageRun(&rp, t, lower, upper, false);
	KvamTableClose(t);
	KvamReadPageResponse(&rp, table_name, out);
}
