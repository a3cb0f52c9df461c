/*-------------------------------------------------------------------------
 *
 * readpage.h
 *	  What Query and Scan share: the request's filter, projection,
 *	  Select, ConsistentRead, ReturnConsumedCapacity and Limit, the
 *	  evaluation of each item read, and the response.
 *
 * Usage (query.c, scan.c):
 *
 *	  KvamValInit(&e);
 *	  table = KvamReadPageValidate(&rp, req, &e);  -- constraint errors...
 *	  ... the operation's own constraint checks into e ...
 *	  KvamValRaise(&e);                             -- ...raised together
 *	  KvamReadPageParse(&rp, req, KVAM_PARAMS_SCAN);
 *	  ... open the table, compute the key range ...
 *	  KvamReadPageRun(&rp, table, lower, upper, backward);
 *	  KvamReadPageResponse(&rp, table_name, out);
 *
 * Each item read is counted (ScannedCount, Limit, 1 MB) before the filter;
 * items that pass the filter are projected and kept, copied into the
 * page's memory context; the item's own memory may be reset by the
 * caller right after KvamReadPageRow returns.
 *
 * IDENTIFICATION
 *	  src/api/readpage.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_READPAGE_H
#define KVAM_API_READPAGE_H

#include "api/keymap.h"
#include "api/legacy.h"
#include "api/pagination.h"
#include "api/request.h"
#include "api/rowscan.h"
#include "expr/expr.h"

typedef enum KvamSelect
{
	KVAM_SELECT_ALL_ATTRIBUTES,
	KVAM_SELECT_ALL_PROJECTED_ATTRIBUTES,
	KVAM_SELECT_SPECIFIC_ATTRIBUTES,
	KVAM_SELECT_COUNT
} KvamSelect;

typedef struct KvamReadPage
{
	bool		legacy;			/* the request uses legacy parameters */
	KvamExprContext *ctx;
	KvamCondition *filter;		/* NULL: none */
	KvamProjection *proj;		/* NULL: whole items */
	KvamSelect	select;
	bool		consistent;
	KvamReturnCapacity rcc;
	KvamPage	page;
	const KvamKeySchema *ks;	/* set by the caller once the table is open */
	MemoryContext cxt;			/* results */
	KvamAttr  **items;
	int			nitems;
	int			capitems;
	KvamAttr   *last_key;		/* key of the last item read */
} KvamReadPage;

/*
 * KvamReadPageValidate starts 'rp' and adds the constraint errors of the
 * shared members (TableName, Limit, Select, ReturnConsumedCapacity) to
 * 'e'; returns the TableName.  Nothing is raised yet: DynamoDB reports all
 * constraint errors of a request together, before any other check.
 */
extern char *KvamReadPageValidate(KvamReadPage *rp, const JsonbValue *req,
								  KvamValErrors *e);

/*
 * KvamReadPageParse validates and compiles the parameters shared by Query
 * and Scan ('set' is KVAM_PARAMS_QUERY or KVAM_PARAMS_SCAN) and opens the
 * expression context; the caller compiles its other expressions
 * (KeyConditionExpression) with rp->ctx and then calls
 * KvamReadPageFinishParse, which checks for unused names and values.
 */
extern void KvamReadPageParse(KvamReadPage *rp, const JsonbValue *req,
							  KvamParamSet set);
extern void KvamReadPageFinishParse(KvamReadPage *rp);

/*
 * KvamReadPageRow evaluates one item read (a full item); returns true when
 * the page is full and the caller must stop reading.
 */
extern bool KvamReadPageRow(KvamReadPage *rp, const KvamAttr *item);

/*
 * KvamReadPageRun reads the rows of 't' between the bounds (in reverse
 * when 'backward') under a fresh snapshot (the transaction snapshot under
 * REPEATABLE READ and SERIALIZABLE) and feeds them to KvamReadPageRow
 * until the page is full or the range ends.
 */
struct KvamApiTable;
extern void KvamReadPageRun(KvamReadPage *rp, struct KvamApiTable *t,
							KvamRowBound lower, KvamRowBound upper,
							bool backward);

/* KvamReadPageResponse writes the Query/Scan response members. */
extern void KvamReadPageResponse(KvamReadPage *rp, const char *table_name,
								 KvamOut *out);

#endif							/* KVAM_API_READPAGE_H */
