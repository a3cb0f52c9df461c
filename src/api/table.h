/*-------------------------------------------------------------------------
 *
 * table.h
 *	  The table layer of the DynamoDB API: open a DynamoDB table by name
 *	  for an operation, read and write its items by key.
 *
 * Every data-plane operation (PutItem, GetItem, UpdateItem, DeleteItem
 * here; Query, Scan, batches and transactions in the other api/ files)
 * goes through this layer:
 *
 *	  t = KvamTableOpen(name, "PutItem", ACL_INSERT | ACL_UPDATE);
 *	  for (;;)
 *	  {
 *		  old = KvamTableReadLatest(t, key, &tid);    -- waits for writers
 *		  ... evaluate the condition on old, build the new item ...
 *		  if (KvamTableWrite(t, key, new, old ? &tid : NULL))
 *			  break;                                 -- else: raced, re-read
 *	  }
 *	  KvamTableClose(t);
 *
 * Concurrency contract: KvamTableReadLatest returns the newest committed
 * (or own) state of the key after waiting for running writers of it;
 * KvamTableWrite writes only if that state is still the newest, and
 * returns false otherwise, in which case the caller re-reads and
 * re-evaluates its condition.  Writers of one key wait for each other in
 * the storage layer, so this makes conditional writes race-free: of two
 * racing attribute_not_exists puts exactly one succeeds and the other sees
 * the winner's item (ConditionalCheckFailedException), and concurrent
 * UpdateItem ADDs never lose an update.  Under REPEATABLE READ or
 * SERIALIZABLE a key changed after the transaction snapshot raises
 * serialization_failure (TransactionConflictException).
 *
 * For the legacy parameters (Expected, AttributeUpdates, ...): the
 * single-item operations take their condition as a KvamCondition and their
 * update as a KvamUpdate (src/expr/expr.h), compiled against the
 * request's KvamExprContext.  A legacy translator produces the same ASTs
 * (e.g. by generating expression text with generated #name/:value
 * placeholders into the same context), and then calls the shared cores in
 * api/item_ops.h (KvamPutItemCore, ...), which take those ASTs.
 *
 * Privileges: KvamTableOpen checks the relation privileges the operation
 * needs (SELECT for reads, INSERT and UPDATE for puts and updates, DELETE
 * for deletes) and raises AccessDeniedException; a table with row-level
 * security enabled is refused (never bypassed); writes to a table with
 * triggers, CHECK constraints or extra NOT NULL columns are refused
 * because the API writes through the table AM, not the executor, and
 * would skip them.
 *
 * Items returned are palloc'd in the current memory context (full items:
 * key attributes + item column).  KvamTableClose keeps the relation lock
 * until the end of the transaction, as the executor does.
 *
 * IDENTIFICATION
 *	  src/api/table.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_TABLE_H
#define KVAM_API_TABLE_H

#include "executor/tuptable.h"
#include "nodes/parsenodes.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

#include "api/catalog.h"
#include "item/attrval.h"

typedef struct KvamApiTable
{
	KvamTableDef *def;			/* the catalog row */
	Relation	rel;
	const char *operation;		/* "PutItem", ... for messages */
	AttrNumber	pk_att;
	AttrNumber	sk_att;			/* InvalidAttrNumber for hash-only keys */
	AttrNumber	item_att;
	TupleTableSlot *slot;		/* scratch slot of the relation */
} KvamApiTable;

/*
 * A kvam.tables row as the data plane caches it (table_cache.c).
 * item_att is 0 until KvamTableOpen checked the relation's shape.
 */
typedef struct KvamCachedTable
{
	KvamTableDef *def;
	AttrNumber	item_att;
} KvamCachedTable;

/*
 * KvamTableCacheLookup returns the cached row of DynamoDB table 'name',
 * reading kvam.tables when it is not cached, or NULL when there is no
 * such row.  The result must not be modified except for item_att; it stays
 * valid until the end of the transaction.  The cache follows relcache
 * invalidations of the table's relation (see table_cache.c).
 */
extern KvamCachedTable *KvamTableCacheLookup(const char *name);

/*
 * KvamTableCacheGeneration counts the relcache invalidations seen: a
 * caller that looked a row up and then locked the relation looks it up
 * again when the count changed in between.
 */
extern uint64 KvamTableCacheGeneration(void);

/*
 * KvamTableOpen opens the DynamoDB table 'name' for 'operation' (the
 * DynamoDB operation name, used in AccessDeniedException messages) with
 * the relation privileges 'required' (ACL_SELECT, ACL_INSERT, ACL_UPDATE,
 * ACL_DELETE; any combination).  Raises ResourceNotFoundException
 * "Requested resource not found" when the table does not exist, and
 * AccessDeniedException as described in the file header.  Takes
 * AccessShareLock for reads, RowExclusiveLock for writes.
 */
extern KvamApiTable *KvamTableOpen(const char *name, const char *operation,
								   AclMode required);

/* KvamTableClose releases the slot and closes the relation (lock kept). */
extern void KvamTableClose(KvamApiTable *t);

/*
 * KvamTableGet returns the item of 'key' (a validated key map, see
 * KvamKeyCheck) as the transaction sees it (MVCC: a fresh snapshot per
 * call under READ COMMITTED, the transaction snapshot otherwise), or NULL
 * when absent.  Both consistent and eventually consistent reads use it: a
 * fresh snapshot sees every write acknowledged before the call.
 */
extern KvamAttr *KvamTableGet(KvamApiTable *t, const KvamAttr *key);

/*
 * KvamTableGetSnapshot is KvamTableGet under the caller's (registered)
 * snapshot, so that several reads see one point in time
 * (TransactGetItems).
 */
extern KvamAttr *KvamTableGetSnapshot(KvamApiTable *t, const KvamAttr *key,
									  Snapshot snap);

/*
 * KvamTableCheckRead applies the cluster's rule for reads
 * (src/cluster/rules.h) to a read of 'key', strongly consistent or not:
 * raises KV001 when the read must go to the leader of the key's range and
 * this node is not it.  Costs a cached flag when no cluster is configured.
 */
extern void KvamTableCheckRead(KvamApiTable *t, const KvamAttr *key,
							   bool consistent);

/*
 * KvamTableReadLatest returns the newest committed-or-own item of 'key'
 * (waiting for running writers of the key first), or NULL when absent;
 * *tid is set to the row's TID for KvamTableWrite.  It is the first step
 * of every API write, so it applies the cluster's write rules (KV001,
 * KV002: src/cluster/rules.h) before reading; so does KvamTableLockLatest.
 */
extern KvamAttr *KvamTableReadLatest(KvamApiTable *t, const KvamAttr *key,
									 ItemPointer tid);

/*
 * KvamTableLockLatest is KvamTableReadLatest that also keeps the key as
 * it is until the transaction ends: a shared row lock (present or absent
 * key) that makes every later writer of the key wait for this transaction
 * (src/am/modify.c, KvamKeyLockLatest).  For TransactWriteItems'
 * ConditionCheck, whose condition must still hold at commit.
 */
extern KvamAttr *KvamTableLockLatest(KvamApiTable *t, const KvamAttr *key);

/*
 * KvamTableWrite makes 'item' (a full item whose key equals 'key'; NULL
 * deletes) the new state of 'key', provided the newest state is still the
 * one KvamTableReadLatest returned: 'expected' is its TID, or NULL when
 * it returned "absent".  Returns false, writing nothing, when another
 * transaction changed the key in between (the caller re-reads); true after
 * writing, followed by CommandCounterIncrement so that later reads of the
 * transaction see the write.
 */
extern bool KvamTableWrite(KvamApiTable *t, const KvamAttr *key,
						   const KvamAttr *item, ItemPointer expected);

/*
 * KvamTableRowToItem decodes the row in 'slot' (a row of t->rel) into the
 * full item: key columns + item column.  For scans (Query, Scan).
 */
extern KvamAttr *KvamTableRowToItem(KvamApiTable *t, TupleTableSlot *slot);

/*
 * KvamTableEncodeKey writes the storage key (lsm/keycode.h) of 'key' into
 * 'out' (reset first), e.g. for the bounds of a Query.
 */
extern void KvamTableEncodeKey(KvamApiTable *t, const KvamAttr *key,
							   StringInfo out);

#endif							/* KVAM_API_TABLE_H */
