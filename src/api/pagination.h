/*-------------------------------------------------------------------------
 *
 * pagination.h
 *	  Pages of Query and Scan: ExclusiveStartKey, LastEvaluatedKey, Limit,
 *	  the 1 MB page cap, and read capacity.
 *
 * DynamoDB's rules: Limit counts items evaluated (read), before any
 * FilterExpression; a page also stops once the items read reach 1 MB
 * (their size counted before the filter and the projection); whenever a
 * page stops for either reason, LastEvaluatedKey holds the key of the last
 * item read, even when no item of the page passed the filter and even
 * when no further item exists.  The next request passes it back as
 * ExclusiveStartKey and resumes strictly after it.
 *
 * IDENTIFICATION
 *	  src/api/pagination.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_PAGINATION_H
#define KVAM_API_PAGINATION_H

#include "utils/jsonb.h"

#include "api/keymap.h"
#include "item/attrval.h"

#define KVAM_PAGE_MAX_BYTES (1024 * 1024)

typedef struct KvamPage
{
	int64		limit;			/* 0: no Limit */
	int64		scanned;		/* items read (ScannedCount) */
	int64		bytes;			/* their size */
	bool		stopped;		/* the page is full */
} KvamPage;

/*
 * KvamPageStart reads the request's Limit (already checked to be at least
 * 1, see readpage.h) and starts an empty page.
 */
extern void KvamPageStart(KvamPage *page, const JsonbValue *req);

/*
 * KvamPageAdd counts one item read of 'size' bytes; returns true when the
 * page is now full (Limit reached or 1 MB read): the caller stops reading
 * after this item and returns its key as LastEvaluatedKey.
 */
extern bool KvamPageAdd(KvamPage *page, int64 size);

/*
 * KvamStartKeyFromRequest returns the request's ExclusiveStartKey checked
 * against the key schema, or NULL when absent.  Invalid keys raise
 * "The provided starting key is invalid: <reason>".
 */
extern KvamAttr *KvamStartKeyFromRequest(const JsonbValue *req,
										 const KvamKeySchema *ks);

#endif							/* KVAM_API_PAGINATION_H */
