/*-------------------------------------------------------------------------
 *
 * modify.c
 *	  Writes: insert, update, delete and row locks on kvam tables.
 *
 * Every write appends a new version (put, tombstone or lock marker) to the
 * key's partition L0, after a read-before-write that finds the key's
 * newest state.  Locking protocol:
 *
 *	- the writer takes the key's lock (KvamKeyLockFor: one of a fixed set
 *	  of LWLocks chosen by a hash of relation and key) exclusively, and
 *	  keeps it from the read-before-write to the end of the append, so
 *	  nothing else is appended to that key in between;
 *	- the read-before-write (KvamLookupKey) takes the partition lock only
 *	  in shared mode and only to copy its view; bloom probes and run reads
 *	  happen without it;
 *	- the append takes the partition lock exclusively for the in-memory
 *	  work only: L0 tail page, WAL record, memtable link, and freezing a
 *	  full memtable;
 *	- after releasing both, a writer whose partition is over its stall
 *	  bounds flushes inline or waits for the auto-admin (admin/stall.c);
 *	- no backend holds more than one key lock, and the key lock is always
 *	  taken before the partition lock.
 *
 * What the read-before-write decides:
 *
 *	- versions of aborted writers are skipped;
 *	- if the newest version, or a newer lock marker, belongs to another
 *	  transaction still in progress, the writer releases the key lock and
 *	  waits for that transaction (XactLockTableWait, heap's protocol),
 *	  then starts over; so the versions of a key are appended in the commit
 *	  order of their writers, and no lock-table entry per key is needed;
 *	- update, delete and lock compare the newest version with the one the
 *	  caller saw (by identity: birth TID, xmin, cid) and report
 *	  TM_Updated / TM_Deleted / TM_SelfModified as tableam.h specifies; the
 *	  executor turns these into EvalPlanQual (READ COMMITTED) or a
 *	  serialization failure (REPEATABLE READ and up).
 *
 * Uniqueness of keys is enforced here, not in the key index: an insert
 * whose key has a live version (committed, or our own) raises
 * unique_violation.
 *
 * Row locks (SELECT ... FOR UPDATE/SHARE, the logical replication apply
 * worker) append lock markers; a marker of a running transaction makes
 * conflicting writers wait.  Shared markers of several transactions coexist,
 * so no MultiXact is needed.  FOR KEY SHARE is treated as FOR SHARE
 * (stricter than heap: it also blocks non-key updates).
 *
 * IDENTIFICATION
 *	  src/am/modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "lsm/keycode.h"

/* What the read-before-write found. */
typedef struct WriteCheck
{
	bool		exclusive;		/* the write conflicts with shared markers */
	bool		found;			/* a live-or-running non-lock version exists */
	KvamVersion newest;			/* copy of it */
	Size		newestlen;
	ItemPointerData newesttid;
	KvamXminStatus status;
	TransactionId wait_xid;		/* running transaction to wait for */
	bool		locked_by_me;	/* we hold a sufficient marker already */
} WriteCheck;

static bool
check_visitor(KvamVersion v, Size len, ItemPointer tid, void *arg)
{
	WriteCheck *c = (WriteCheck *) arg;
	KvamXminStatus st = KvamXminStatusOf(v);

	if (v->flags & KVAM_V_LOCK)
	{
		bool		shared = (v->flags & KVAM_V_LOCK_SHARED) != 0;

		if (st == KVAM_XS_CURRENT && (!c->exclusive || !shared))
			c->locked_by_me = true;
		else if (st == KVAM_XS_IN_PROGRESS && (c->exclusive || !shared) &&
				 !TransactionIdIsValid(c->wait_xid))
			c->wait_xid = v->xmin;
		return false;
	}
	if (st == KVAM_XS_ABORTED)
		return false;

	c->found = true;
	c->status = st;
	c->newest = palloc(len);
	memcpy(c->newest, v, len);
	c->newestlen = len;
	c->newesttid = *tid;
	if (st == KVAM_XS_IN_PROGRESS && !TransactionIdIsValid(c->wait_xid))
		c->wait_xid = v->xmin;
	return true;
}

/* Read-before-write; the caller holds the key's lock. */
static void
write_check(Relation rel, KvamRelInfo *info, int idx,
			const char *key, Size keylen, bool exclusive, WriteCheck *c)
{
	memset(c, 0, sizeof(*c));
	c->exclusive = exclusive;
	c->wait_xid = InvalidTransactionId;
	KvamLookupKey(rel, info, idx, key, keylen, check_visitor, c);
}

/*
 * Append 'v' to partition 'idx' under the partition lock, then release the
 * partition lock and the key lock 'kl', and throttle if the partition is
 * over its stall bounds.
 */
static void
append_and_release(Relation rel, KvamRelInfo *info, int idx, LWLock *kl,
				   KvamVersion v, Size vlen, ItemPointer tid)
{
	KvamPart   *p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
	bool		throttle;

	KvamL0Append(rel, info, idx, p, v, vlen, tid);
	throttle = KvamNoteAppend(rel, info, idx, p);
	KvamPartRelease(p);
	LWLockRelease(kl);
	if (throttle)
		KvamWriteThrottle(rel, info, idx);
}

static void
write_check_free(WriteCheck *c)
{
	if (c->newest)
		pfree(c->newest);
	c->newest = NULL;
}

static char *
key_columns_text(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
				 char **colnames)
{
	StringInfoData vals,
				cols;
	AttrNumber	atts[2] = {info->pkattnum, info->skattnum};
	int			n = info->sktype != KVAM_KEY_NONE ? 2 : 1;
	int			i;

	initStringInfo(&vals);
	initStringInfo(&cols);
	for (i = 0; i < n; i++)
	{
		Form_pg_attribute a = TupleDescAttr(RelationGetDescr(rel), atts[i] - 1);
		bool		isnull;
		Datum		d = slot_getattr(slot, atts[i], &isnull);
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(a->atttypid, &out, &varlena);
		appendStringInfo(&cols, "%s%s", i ? ", " : "", NameStr(a->attname));
		appendStringInfo(&vals, "%s%s", i ? ", " : "",
						 isnull ? "null" : OidOutputFunctionCall(out, d));
	}
	*colnames = cols.data;
	return vals.data;
}

/*
 * Insert a put version for a key that must not exist.  'slot' is the row
 * (for messages); 'v' the built version.  Waits for running writers of the
 * key.  Returns the new TID.
 */
static void
insert_new_key(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
			   KvamVersion v, Size vlen, ItemPointer tid)
{
	int			idx = KvamPartitionOfKey(info, v->key);

	KvamPredicateCheckWrite(rel);
	for (;;)
	{
		LWLock	   *kl = KvamKeyLock(rel, v->key, v->keylen);
		WriteCheck	c;

		LWLockAcquire(kl, LW_EXCLUSIVE);
		write_check(rel, info, idx, v->key, v->keylen, true, &c);
		if (TransactionIdIsValid(c.wait_xid))
		{
			TransactionId xwait = c.wait_xid;

			LWLockRelease(kl);
			write_check_free(&c);
			XactLockTableWait(xwait, rel, &c.newesttid, XLTW_InsertIndex);
			continue;
		}
		if (c.found && !(c.newest->flags & KVAM_V_TOMBSTONE))
		{
			char	   *cols;
			char	   *vals;

			LWLockRelease(kl);
			vals = key_columns_text(rel, info, slot, &cols);
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate key value violates unique constraint \"%s\"",
							KvamKeyIndexName(info)),
					 errdetail("Key (%s)=(%s) already exists.", cols, vals),
					 errtableconstraint(rel, KvamKeyIndexName(info))));
		}
		write_check_free(&c);
		append_and_release(rel, info, idx, kl, v, vlen, tid);
		return;
	}
}

void
kvam_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid,
				  int options, struct BulkInsertStateData *bistate)
{
	KvamRelInfo *info = KvamRelInfoKeyed(rel);
	StringInfoData key;
	KvamVersion v;
	Size		vlen;
	ItemPointerData tid;

	initStringInfo(&key);
	KvamSlotKey(rel, info, slot, &key);
	v = KvamFormVersion(rel, slot, key.data, key.len, cid, 0, options, &vlen);
	insert_new_key(rel, info, slot, v, vlen, &tid);
	slot->tts_tableOid = RelationGetRelid(rel);
	slot->tts_tid = tid;
	pfree(v);
	pfree(key.data);
	pgstat_count_heap_insert(rel, 1);
}

void
kvam_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid,
							  int options, struct BulkInsertStateData *bistate,
							  uint32 specToken)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("INSERT ... ON CONFLICT is not supported on kvam table \"%s\"",
					RelationGetRelationName(rel)),
			 errhint("Use kvam.put_item() to upsert, or INSERT and handle unique_violation.")));
}

void
kvam_tuple_complete_speculative(Relation rel, TupleTableSlot *slot,
								uint32 specToken, bool succeeded)
{
	elog(ERROR, "kvam tables never perform speculative insertion");
}

/*
 * kvam_multi_insert is COPY FROM's path.  Into a table that has no key
 * index yet, COPY stages rows under synthetic keys: that is how pg_restore
 * loads a table (data first, indexes after); the key index build then
 * re-keys them.  Plain INSERT still requires the key index.
 */
void
kvam_multi_insert(Relation rel, TupleTableSlot **slots, int ntuples,
				  CommandId cid, int options, struct BulkInsertStateData *bistate)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	int			i;

	for (i = 0; i < ntuples; i++)
	{
		if (info->keyed)
			kvam_tuple_insert(rel, slots[i], cid, options, bistate);
		else
		{
			StringInfoData key;
			KvamVersion v;
			Size		vlen;
			ItemPointerData tid;

			initStringInfo(&key);
			KvamSlotKey(rel, info, slots[i], &key);
			v = KvamFormVersion(rel, slots[i], key.data, key.len, cid, 0,
								options, &vlen);
			insert_new_key(rel, info, slots[i], v, vlen, &tid);
			slots[i]->tts_tableOid = RelationGetRelid(rel);
			slots[i]->tts_tid = tid;
			pfree(v);
			pfree(key.data);
			pgstat_count_heap_insert(rel, 1);
		}
	}
}

/*
 * Common start of update, delete and lock: take the lock of the key of
 * the version 'old' at 'otid' and check the key's newest state.  On TM_Ok
 * the key lock is held and *klp, *c are set; otherwise nothing is held
 * and tmfd is filled.
 */
typedef enum
{
	WAIT_BLOCK,
	WAIT_NOWAIT_RESULT,			/* return TM_BeingModified */
	WAIT_SKIP,					/* return TM_WouldBlock */
	WAIT_ERROR
} WaitMode;

static TM_Result
lock_newest(Relation rel, KvamRelInfo *info, KvamVersion old, ItemPointer otid,
			bool exclusive, WaitMode waitmode, TM_FailureData *tmfd,
			LWLock **klp, WriteCheck *c, int *idxp)
{
	int			idx = KvamPartitionOfKey(info, old->key);

	*idxp = idx;
	KvamPredicateCheckWrite(rel);
	for (;;)
	{
		LWLock	   *kl = KvamKeyLock(rel, old->key, old->keylen);

		LWLockAcquire(kl, LW_EXCLUSIVE);
		write_check(rel, info, idx, old->key, old->keylen, exclusive, c);
		if (TransactionIdIsValid(c->wait_xid))
		{
			TransactionId xwait = c->wait_xid;

			LWLockRelease(kl);
			switch (waitmode)
			{
				case WAIT_BLOCK:
					write_check_free(c);
					XactLockTableWait(xwait, rel, otid, XLTW_Update);
					continue;
				case WAIT_NOWAIT_RESULT:
					tmfd->ctid = *otid;
					tmfd->xmax = xwait;
					tmfd->cmax = InvalidCommandId;
					return TM_BeingModified;
				case WAIT_SKIP:
					return TM_WouldBlock;
				case WAIT_ERROR:
					ereport(ERROR,
							(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
							 errmsg("could not obtain lock on row in relation \"%s\"",
									RelationGetRelationName(rel))));
			}
		}

		if (!c->found || !KvamSameVersion(c->newest, old))
		{
			LWLockRelease(kl);
			if (c->found && c->status == KVAM_XS_CURRENT)
			{
				tmfd->ctid = c->newesttid;
				tmfd->xmax = GetTopTransactionIdIfAny();
				tmfd->cmax = c->newest->cid;
				return TM_SelfModified;
			}
			tmfd->xmax = c->found ? c->newest->xmin : InvalidTransactionId;
			tmfd->cmax = InvalidCommandId;
			if (c->found && !(c->newest->flags & KVAM_V_TOMBSTONE))
			{
				tmfd->ctid = c->newesttid;
				return TM_Updated;
			}
			tmfd->ctid = *otid;
			return TM_Deleted;
		}
		*klp = kl;
		return TM_Ok;
	}
}

static KvamVersion
fetch_old(Relation rel, ItemPointer tid)
{
	Size		len;
	KvamVersion v = KvamVersionFetch(rel, tid, &len);

	if (v == NULL || !KvamVersionHasTuple(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("kvam TID (%u,%u) of relation \"%s\" does not address a row version",
						ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
						RelationGetRelationName(rel))));
	return v;
}

/* Is 'old' invisible to the crosscheck snapshot (RI checks)? */
static bool
crosscheck_fails(KvamVersion old, Size len, ItemPointer tid, Snapshot crosscheck)
{
	KvamKeyGroup g;
	KvamVersion arr[1] = {old};
	Size		lens[1] = {len};

	if (crosscheck == InvalidSnapshot)
		return false;
	memset(&g, 0, sizeof(g));
	g.n = 1;
	g.v = arr;
	g.len = lens;
	g.tid = tid;
	return KvamChooseVisible(NULL, &g, crosscheck) < 0;
}

/*
 * lock_newest for update and delete, plus the crosscheck snapshot of RI
 * checks: a version the crosscheck snapshot cannot see counts as updated.
 */
static TM_Result
lock_for_write(Relation rel, KvamRelInfo *info, KvamVersion old,
			   ItemPointer otid, bool wait, Snapshot crosscheck,
			   TM_FailureData *tmfd, LWLock **klp, WriteCheck *c, int *idxp)
{
	TM_Result	res;

	res = lock_newest(rel, info, old, otid, true,
					  wait ? WAIT_BLOCK : WAIT_NOWAIT_RESULT, tmfd, klp, c, idxp);
	if (res != TM_Ok)
		return res;
	if (crosscheck_fails(c->newest, c->newestlen, &c->newesttid, crosscheck))
	{
		LWLockRelease(*klp);
		tmfd->ctid = *otid;
		tmfd->xmax = c->newest->xmin;
		tmfd->cmax = InvalidCommandId;
		return TM_Updated;
	}
	return TM_Ok;
}

TM_Result
kvam_tuple_delete(Relation rel, ItemPointer tid, CommandId cid,
				  Snapshot snapshot, Snapshot crosscheck, bool wait,
				  TM_FailureData *tmfd, bool changingPart)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	KvamVersion old = fetch_old(rel, tid);
	LWLock	   *kl;
	WriteCheck	c;
	TM_Result	res;
	int			idx;
	KvamVersion tomb;
	Size		tlen;
	ItemPointerData newtid;

	/* build the tombstone before taking locks */
	tomb = KvamFormVersion(rel, NULL, old->key, old->keylen, cid,
						   KVAM_V_TOMBSTONE, 0, &tlen);
	res = lock_for_write(rel, info, old, tid, wait, crosscheck, tmfd, &kl, &c, &idx);
	if (res != TM_Ok)
		return res;
	append_and_release(rel, info, idx, kl, tomb, tlen, &newtid);
	pgstat_count_heap_delete(rel);
	return TM_Ok;
}

TM_Result
kvam_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot,
				  CommandId cid, Snapshot snapshot, Snapshot crosscheck,
				  bool wait, TM_FailureData *tmfd, LockTupleMode *lockmode,
				  bool *update_indexes)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	KvamVersion old = fetch_old(rel, otid);
	LWLock	   *kl;
	WriteCheck	c;
	TM_Result	res;
	int			idx;
	StringInfoData key;
	KvamVersion v;
	Size		vlen;
	ItemPointerData newtid;
	bool		samekey;

	*lockmode = LockTupleExclusive;
	*update_indexes = false;

	/* Build the new version before taking locks: toasting does I/O. */
	initStringInfo(&key);
	KvamSlotKey(rel, info, slot, &key);
	v = KvamFormVersion(rel, slot, key.data, key.len, cid, 0, 0, &vlen);
	samekey = KvamKeyCompare(key.data, key.len, old->key, old->keylen) == 0;

	res = lock_for_write(rel, info, old, otid, wait, crosscheck, tmfd, &kl, &c, &idx);
	if (res != TM_Ok)
		return res;

	if (samekey)
		append_and_release(rel, info, idx, kl, v, vlen, &newtid);
	else
	{
		KvamVersion tomb;
		Size		tlen;
		ItemPointerData tombtid;

		tomb = KvamFormVersion(rel, NULL, old->key, old->keylen, cid,
							   KVAM_V_TOMBSTONE, 0, &tlen);
		append_and_release(rel, info, idx, kl, tomb, tlen, &tombtid);
		insert_new_key(rel, info, slot, v, vlen, &newtid);
		*update_indexes = true;
	}
	slot->tts_tableOid = RelationGetRelid(rel);
	slot->tts_tid = newtid;
	pgstat_count_heap_update(rel, false);
	return TM_Ok;
}

TM_Result
kvam_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot,
				TupleTableSlot *slot, CommandId cid, LockTupleMode mode,
				LockWaitPolicy wait_policy, uint8 flags, TM_FailureData *tmfd)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	bool		exclusive = (mode == LockTupleExclusive ||
							 mode == LockTupleNoKeyExclusive);
	WaitMode	waitmode;

	switch (wait_policy)
	{
		case LockWaitBlock:
			waitmode = WAIT_BLOCK;
			break;
		case LockWaitSkip:
			waitmode = WAIT_SKIP;
			break;
		default:
			waitmode = WAIT_ERROR;
			break;
	}
	tmfd->traversed = false;

	for (;;)
	{
		KvamVersion old = fetch_old(rel, tid);
		LWLock	   *kl;
		WriteCheck	c;
		TM_Result	res;
		int			idx;

		res = lock_newest(rel, info, old, tid, exclusive, waitmode, tmfd,
						  &kl, &c, &idx);
		if (res == TM_Updated && (flags & TUPLE_LOCK_FLAG_FIND_LAST_VERSION))
		{
			/* follow the key to its newest committed version and lock that */
			*tid = tmfd->ctid;
			tmfd->traversed = true;
			pfree(old);
			continue;
		}
		if (res != TM_Ok)
			return res;

		if (!c.locked_by_me && c.status != KVAM_XS_CURRENT)
		{
			KvamVersion marker;
			Size		mlen;
			ItemPointerData mtid;

			marker = KvamFormVersion(rel, NULL, old->key, old->keylen, cid,
									 KVAM_V_LOCK | (exclusive ? 0 : KVAM_V_LOCK_SHARED),
									 0, &mlen);
			append_and_release(rel, info, idx, kl, marker, mlen, &mtid);
			pfree(marker);
		}
		else
			LWLockRelease(kl);
		KvamStoreVersion(rel, slot, c.newest, c.newestlen, &c.newesttid);
		return TM_Ok;
	}
}

/*
 * KvamRekeyStaged gives the rows COPY staged under synthetic keys (see
 * kvam_multi_insert) their real keys, now that 'info' has a key schema:
 * each live staged row is inserted under its key (a duplicate raises
 * unique_violation, as a btree build would) and its synthetic key gets a
 * tombstone, all in the current transaction.  The caller (the key index
 * build) holds a lock that keeps other writers out.  Returns the number of
 * rows re-keyed.
 */
double
KvamRekeyStaged(Relation rel, KvamRelInfo *info)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel),
													&TTSOpsHeapTuple);
	CommandId	cid = GetCurrentCommandId(true);
	double		nrows = 0;
	int			i;

	for (i = 0; i < info->npartitions; i++)
	{
		KvamIter   *it = KvamIterBegin(rel, info, i, NULL, 0, NULL, 0, false);
		KvamKeyGroup g;

		while (KvamIterNext(it, &g))
		{
			KvamVersion staged;
			StringInfoData key;
			KvamVersion v,
						tomb;
			Size		vlen,
						tlen;
			ItemPointerData tid;
			int			j,
						vis,
						idx;
			LWLock	   *kl;

			CHECK_FOR_INTERRUPTS();
			if (!KvamKeyIsSynthetic(g.v[0]->key, g.v[0]->keylen))
				continue;		/* a real key, maybe one re-keyed just now */
			for (j = 0; j < g.n; j++)
				if (KvamXminStatusOf(g.v[j]) == KVAM_XS_IN_PROGRESS)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_IN_USE),
							 errmsg("cannot build the key of kvam table \"%s\" while transaction %u writes to it",
									RelationGetRelationName(rel), g.v[j]->xmin)));
			vis = KvamChooseVisible(NULL, &g, SnapshotSelf);
			if (vis < 0)
				continue;
			staged = g.v[vis];

			KvamStoreVersion(rel, slot, staged, g.len[vis], &g.tid[vis]);
			initStringInfo(&key);
			KvamSlotKey(rel, info, slot, &key);
			v = KvamFormVersion(rel, slot, key.data, key.len, cid, 0, 0, &vlen);
			insert_new_key(rel, info, slot, v, vlen, &tid);

			tomb = KvamFormVersion(rel, NULL, staged->key, staged->keylen, cid,
								   KVAM_V_TOMBSTONE, 0, &tlen);
			idx = KvamPartitionOfKey(info, staged->key);
			kl = KvamKeyLock(rel, staged->key, staged->keylen);
			LWLockAcquire(kl, LW_EXCLUSIVE);
			append_and_release(rel, info, idx, kl, tomb, tlen, &tid);

			pfree(v);
			pfree(tomb);
			pfree(key.data);
			nrows++;
		}
		KvamIterEnd(it);
	}
	ExecDropSingleTupleTableSlot(slot);
	return nrows;
}
