/*-------------------------------------------------------------------------
 *
 * modify.c
 *	  Writes: insert, update, delete and row locks on kvam tables.
 *
 * Every write appends a new version (put, tombstone or lock marker) to the
 * key's partition L0, after a read-before-write that finds the key's
 * newest state.  Locking protocol:
 *
 *	- the writer takes the key's lock (KvamKeyLock: one of a fixed set
 *	  of LWLocks chosen by a hash of relation and key) exclusively, and
 *	  keeps it from the read-before-write to the end of the append, so
 *	  nothing else is appended to that key in between;
 *	- the read-before-write (KvamLookupKey) takes the partition lock only
 *	  in shared mode and only to copy its view; bloom probes and run reads
 *	  happen without it;
 *	- the append takes the partition lock exclusively for the in-memory
 *	  work only: L0 tail page, WAL record, memtable link, and freezing a
 *	  full memtable;
 *	- a writer whose partition is being split or merged (marked draining,
 *	  lsm/split.c) appends nothing: it releases the partition lock and the
 *	  key lock, waits for the split or merge to end (a heavyweight lock
 *	  wait, so it can be cancelled and shows in pg_locks) and
 *	  starts over from the read-before-write, whose answer the key lock no
 *	  longer protects;
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
 * In a kvam cluster (src/cluster/), every write of a mirrored table first
 * passes KvamClusterCheckWrite (the key's range must be led by this node,
 * unless the session is a replication worker or a bypass session), and an
 * insert by such a session of a live key replaces it (rule 4).
 *
 * Every version tells WAL what logical decoding makes of it
 * (wal/logical.c): inserts are INSERTs, replacements UPDATEs carrying the
 * old row the replica identity asks for, tombstones DELETEs; a key change
 * is a tombstone that is no change plus the new key's put, an UPDATE with
 * the old key (as heap shows it); lock markers and re-keying are no change.
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
#include "catalog/catalog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "admin/admin.h"
#include "am/kvam_am.h"
#include "cluster/rules.h"
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
 * Append 'v' (decoded as 'chg', NULL: not a change) to partition 'idx'
 * under the partition lock, then release the partition lock and the key
 * lock 'kl', and throttle if the partition is over its stall bounds.
 * Returns true.
 *
 * If the key's partition is being split or merged (draining), appends
 * nothing: releases the partition lock and 'kl', waits until the split or
 * merge is over and returns false.  The caller then starts again from the
 * read-before-write, because with 'kl' released its answer no longer
 * holds.  The wait holds no LWLock, so it can be cancelled, and it is a
 * heavyweight lock wait (visible in pg_locks, bounded by lock_timeout):
 * the split or merge holds the partition's compaction lock, a page lock
 * on its manifest block, from before it marks the partition draining
 * until after it clears the mark (lsm/split.c).  PostgreSQL's deadlock
 * detector does not follow waits for page locks; none is needed, since
 * the split waits for nothing a writer holds: its heavyweight locks are
 * taken before it marks the partitions, and its drain takes LWLocks and
 * relation extension locks only.
 */
static bool
append_and_release(Relation rel, KvamRelInfo *info, int idx, LWLock *kl,
				   KvamVersion v, Size vlen, ItemPointer tid,
				   KvamXlogChange *chg)
{
	KvamPart   *p;
	bool		throttle;

	/*
	 * Under the partition lock the partition is in the map: a split or
	 * merge needs the lock, and gives the slot up before releasing it.  So
	 * an append never reaches a partition that is gone; with a stale map,
	 * find the key's partition again (the key lock keeps the result of the
	 * read-before-write valid: nothing else was appended to the key).
	 */
	for (;;)
	{
		p = KvamPartAcquire(rel, info, idx, LW_EXCLUSIVE);
		if (p != NULL)
			break;
		info = KvamRelGetInfo(rel);
		idx = KvamPartitionOfKey(info, v->key);
	}
	if (p->draining_pid != 0)
	{
		BlockNumber mfblk = info->parts[idx].manifest;

		KvamPartRelease(p);
		LWLockRelease(kl);
		LockPage(rel, mfblk, ShareLock);
		UnlockPage(rel, mfblk, ShareLock);
		return false;
	}
	KvamL0Append(rel, info, idx, p, v, vlen, tid, chg);
	throttle = KvamNoteAppend(rel, info, idx, p);
	KvamPartRelease(p);
	LWLockRelease(kl);
	if (throttle)
		KvamWriteThrottle(rel, info, idx);
	return true;
}

static void
write_check_free(WriteCheck *c)
{
	if (c->newest)
		pfree(c->newest);
	c->newest = NULL;
}

/* The decoding of a plain insert: an INSERT without old row. */
static KvamXlogChange insert_change = {XLKVAM_DECODE_INSERT, NULL};

/* A heap tuple header view of a put version's row (no copy). */
static void
version_tuple(KvamVersion v, Size len, HeapTuple tup)
{
	tup->t_len = len - KvamVersionTupleOffset(v->keylen);
	tup->t_data = KvamVersionGetTuple(v);
	tup->t_self = v->birth;
	tup->t_tableOid = InvalidOid;
}

/*
 * The old row that an UPDATE of version 'old' to 'newv' (NULL: a DELETE)
 * logs for logical decoding, per the replica identity (may detoast: call
 * it before taking the partition lock).
 */
static HeapTuple
old_row_image(Relation rel, KvamVersion old, Size oldlen, KvamVersion newv,
			  Size newvlen)
{
	HeapTupleData oldtup,
				newtup;

	if (!RelationIsLogicallyLogged(rel))
		return NULL;
	version_tuple(old, oldlen, &oldtup);
	if (newv == NULL)
		return KvamXlogOldTuple(rel, &oldtup, NULL);
	version_tuple(newv, newvlen, &newtup);
	return KvamXlogOldTuple(rel, &oldtup, &newtup);
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
 * Rule 4 of a kvam cluster (cluster/rules.h): an INSERT by a replication
 * worker or a kvam.cluster_bypass session of a key that has a live version
 * replaces that version, decoded as an UPDATE carrying the old row.
 */
typedef struct Overwrite
{
	KvamVersion old;			/* copy of the version chg was made for */
	KvamXlogChange chg;
} Overwrite;

static void
overwrite_free(Overwrite *ow)
{
	if (ow->old)
		pfree(ow->old);
	if (ow->chg.oldtuple)
		heap_freetuple(ow->chg.oldtuple);
	ow->old = NULL;
	ow->chg.oldtuple = NULL;
}

/*
 * With the key lock 'kl' held and c->newest live: true when ow->chg was
 * made for c->newest (the caller appends under the lock).  Otherwise
 * releases 'kl', makes ow->chg for c->newest (the old row image may
 * detoast, which must not happen under the key lock) and returns false:
 * the caller checks the key again.
 */
static bool
overwrite_ready(Relation rel, WriteCheck *c, KvamVersion v, Size vlen,
				Overwrite *ow, LWLock *kl)
{
	if (ow->old != NULL && KvamSameVersion(ow->old, c->newest))
		return true;
	LWLockRelease(kl);
	overwrite_free(ow);
	ow->old = palloc(c->newestlen);
	memcpy(ow->old, c->newest, c->newestlen);
	ow->chg.decode = XLKVAM_DECODE_UPDATE;
	ow->chg.oldtuple = old_row_image(rel, ow->old, c->newestlen, v, vlen);
	return false;
}

/*
 * Insert a put version for a key that must not exist.  'slot' is the row
 * (for messages); 'v' the built version; 'chg' what decoding makes of it.
 * Waits for running writers of the key.  Returns the new TID.  When the key
 * has a live version: with 'inserted' NULL raises unique_violation,
 * otherwise sets *inserted = false and returns without writing.
 */
static void
insert_new_key(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
			   KvamVersion v, Size vlen, ItemPointer tid, bool *inserted,
			   KvamXlogChange *chg)
{
	int			idx = KvamPartitionOfKey(info, v->key);
	Overwrite	ow = {NULL};

	KvamClusterCheckWrite(rel, v->key, v->keylen);
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
		if (c.found && !(c.newest->flags & KVAM_V_TOMBSTONE) &&
			inserted == NULL && chg == &insert_change &&
			KvamClusterInsertOverwrites(rel))
		{
			/* rule 4 of a cluster: replace the live version */
			if (overwrite_ready(rel, &c, v, vlen, &ow, kl))
			{
				write_check_free(&c);
				if (!append_and_release(rel, info, idx, kl, v, vlen, tid,
										&ow.chg))
					continue;	/* waited for a split: check again */
				overwrite_free(&ow);
				return;
			}
			write_check_free(&c);
			continue;
		}
		if (c.found && !(c.newest->flags & KVAM_V_TOMBSTONE))
		{
			char	   *cols;
			char	   *vals;

			LWLockRelease(kl);
			write_check_free(&c);
			if (inserted != NULL)
			{
				*inserted = false;
				return;
			}
			vals = key_columns_text(rel, info, slot, &cols);
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate key value violates unique constraint \"%s\"",
							KvamKeyIndexName(info)),
					 errdetail("Key (%s)=(%s) already exists.", cols, vals),
					 errtableconstraint(rel, KvamKeyIndexName(info))));
		}
		write_check_free(&c);
		if (!append_and_release(rel, info, idx, kl, v, vlen, tid, chg))
			continue;			/* waited for a split: check again */
		overwrite_free(&ow);	/* (the key died while we prepared one) */
		if (inserted != NULL)
			*inserted = true;
		return;
	}
}

/*
 * Insert the row in 'slot' under its key (a synthetic one while the table
 * has no key index).  With 'if_absent', a live version of the key makes it
 * return false instead of raising unique_violation.
 */
static bool
insert_slot(Relation rel, KvamRelInfo *info, TupleTableSlot *slot,
			CommandId cid, int options, bool if_absent)
{
	StringInfoData key;
	KvamVersion v;
	Size		vlen;
	ItemPointerData tid;
	bool		inserted = true;

	initStringInfo(&key);
	KvamSlotKey(rel, info, slot, &key);
	v = KvamFormVersion(rel, slot, key.data, key.len, cid, 0, options, &vlen);
	insert_new_key(rel, info, slot, v, vlen, &tid, if_absent ? &inserted : NULL,
				   &insert_change);
	pfree(v);
	pfree(key.data);
	if (inserted)
	{
		slot->tts_tableOid = RelationGetRelid(rel);
		slot->tts_tid = tid;
		pgstat_count_heap_insert(rel, 1);
	}
	return inserted;
}

void
kvam_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid,
				  int options, struct BulkInsertStateData *bistate)
{
	insert_slot(rel, KvamRelInfoKeyed(rel), slot, cid, options, false);
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
		insert_slot(rel, info, slots[i], cid, options, false);
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
fetch_old(Relation rel, ItemPointer tid, Size *lenp)
{
	Size		len;
	KvamVersion v = KvamVersionFetch(rel, tid, &len);

	if (v == NULL || !KvamVersionHasTuple(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("kvam TID (%u,%u) of relation \"%s\" does not address a row version",
						ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
						RelationGetRelationName(rel))));
	if (lenp)
		*lenp = len;
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

/*
 * Append 'v' for an UPDATE or DELETE of 'old': lock and check the key
 * (lock_for_write), then append (append_and_release); from the check again
 * if the partition was being split or merged meanwhile, since the key lock
 * was given up for the wait.
 */
static TM_Result
check_and_append(Relation rel, KvamRelInfo *info, KvamVersion old,
				 ItemPointer otid, bool wait, Snapshot crosscheck,
				 TM_FailureData *tmfd, KvamVersion v, Size vlen,
				 ItemPointer newtid, KvamXlogChange *chg)
{
	LWLock	   *kl;
	WriteCheck	c;
	int			idx;
	TM_Result	res;

	do
	{
		res = lock_for_write(rel, info, old, otid, wait, crosscheck, tmfd,
							 &kl, &c, &idx);
		if (res != TM_Ok)
			return res;
		write_check_free(&c);
	} while (!append_and_release(rel, info, idx, kl, v, vlen, newtid, chg));
	return TM_Ok;
}

TM_Result
kvam_tuple_delete(Relation rel, ItemPointer tid, CommandId cid,
				  Snapshot snapshot, Snapshot crosscheck, bool wait,
				  TM_FailureData *tmfd, bool changingPart)
{
	KvamRelInfo *info = KvamRelGetInfo(rel);
	Size		oldlen;
	KvamVersion old = fetch_old(rel, tid, &oldlen);
	TM_Result	res;
	KvamVersion tomb;
	Size		tlen;
	ItemPointerData newtid;
	KvamXlogChange chg;

	KvamClusterCheckWrite(rel, old->key, old->keylen);
	/* (lock_for_write succeeds only if 'old' is still the newest version) */
	chg.decode = XLKVAM_DECODE_DELETE;
	chg.oldtuple = old_row_image(rel, old, oldlen, NULL, 0);
	/* build the tombstone before taking locks */
	tomb = KvamFormVersion(rel, NULL, old->key, old->keylen, cid,
						   KVAM_V_TOMBSTONE, 0, &tlen);
	res = check_and_append(rel, info, old, tid, wait, crosscheck, tmfd,
						   tomb, tlen, &newtid, &chg);
	if (res != TM_Ok)
		return res;
	if (chg.oldtuple)
		heap_freetuple(chg.oldtuple);
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
	Size		oldlen;
	KvamVersion old = fetch_old(rel, otid, &oldlen);
	TM_Result	res;
	StringInfoData key;
	KvamVersion v;
	Size		vlen;
	ItemPointerData newtid;
	bool		samekey;
	KvamXlogChange chg;

	*lockmode = LockTupleExclusive;
	*update_indexes = false;
	KvamClusterCheckWrite(rel, old->key, old->keylen);

	/* Build the new version before taking locks: toasting does I/O. */
	initStringInfo(&key);
	KvamSlotKey(rel, info, slot, &key);
	v = KvamFormVersion(rel, slot, key.data, key.len, cid, 0, 0, &vlen);
	samekey = KvamKeyCompare(key.data, key.len, old->key, old->keylen) == 0;

	/*
	 * The put is the UPDATE; after a key change it is the new key's put,
	 * which carries the old key, so decoding shows what heap shows.
	 */
	chg.decode = XLKVAM_DECODE_UPDATE;
	chg.oldtuple = old_row_image(rel, old, oldlen, v, vlen);

	if (samekey)
	{
		res = check_and_append(rel, info, old, otid, wait, crosscheck, tmfd,
							   v, vlen, &newtid, &chg);
		if (res != TM_Ok)
			return res;
	}
	else
	{
		KvamVersion tomb;
		Size		tlen;
		ItemPointerData tombtid;

		tomb = KvamFormVersion(rel, NULL, old->key, old->keylen, cid,
							   KVAM_V_TOMBSTONE, 0, &tlen);
		res = check_and_append(rel, info, old, otid, wait, crosscheck, tmfd,
							   tomb, tlen, &tombtid, NULL);
		if (res != TM_Ok)
			return res;
		insert_new_key(rel, info, slot, v, vlen, &newtid, NULL, &chg);
		*update_indexes = true;
	}
	if (chg.oldtuple)
		heap_freetuple(chg.oldtuple);
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
		KvamVersion old = fetch_old(rel, tid, NULL);
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
			if (!append_and_release(rel, info, idx, kl, marker, mlen, &mtid,
									NULL))
			{
				/* waited for a split or merge: check the key again */
				pfree(marker);
				write_check_free(&c);
				pfree(old);
				continue;
			}
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
			insert_new_key(rel, info, slot, v, vlen, &tid, NULL, NULL);

			tomb = KvamFormVersion(rel, NULL, staged->key, staged->keylen, cid,
								   KVAM_V_TOMBSTONE, 0, &tlen);
			idx = KvamPartitionOfKey(info, staged->key);
			kl = KvamKeyLock(rel, staged->key, staged->keylen);
			do
			{
				/* (no check to redo: our lock keeps other writers out) */
				LWLockAcquire(kl, LW_EXCLUSIVE);
			} while (!append_and_release(rel, info, idx, kl, tomb, tlen, &tid,
										 NULL));

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

/* ---------------------------------------------------------------------
 * Key-addressed writes for the DynamoDB API (src/api/table.c)
 *
 * A conditional write (PutItem with attribute_not_exists, UpdateItem ADD)
 * reads the key's newest state, computes the new item outside any lock,
 * then writes only if the newest state is still the one it read:
 * KvamKeyInsertIfAbsent for an absent key, table_tuple_update /
 * table_tuple_delete with the TID KvamKeyFetchLatest returned for a
 * present one (they report TM_Updated / TM_Deleted when a newer version
 * landed).  On a mismatch the caller reads again and re-evaluates.  Since
 * writers of one key wait for each other, this is race-free without lock
 * markers: of two racing attribute_not_exists puts exactly one inserts, and
 * no ADD is lost.
 * ---------------------------------------------------------------------
 */

/*
 * The newest state of the encoded key 'key' (the newest version that is
 * committed or our own, not a snapshot's view), after waiting for running
 * writers of the key and, unless 'lock', running FOR UPDATE lockers; with
 * 'lock', also leaves a shared lock marker of ours (cid 'cid') on the key
 * unless we hold one or wrote the newest version.  See the two callers.
 */
static bool
fetch_latest(Relation rel, const char *key, Size keylen, TupleTableSlot *slot,
			 bool lock, CommandId cid)
{
	KvamRelInfo *info = KvamRelInfoKeyed(rel);
	int			idx = KvamPartitionOfKey(info, key);

	if (IsolationIsSerializable())
		KvamPredicateLockRead(rel, GetTransactionSnapshot());
	for (;;)
	{
		/* a plain read needs no key lock: the lookup copies a consistent view */
		LWLock	   *kl = lock ? KvamKeyLock(rel, key, keylen) : NULL;
		WriteCheck	c;
		bool		live;

		if (kl)
			LWLockAcquire(kl, LW_EXCLUSIVE);
		write_check(rel, info, idx, key, keylen, !lock, &c);
		if (TransactionIdIsValid(c.wait_xid))
		{
			TransactionId xwait = c.wait_xid;

			if (kl)
				LWLockRelease(kl);
			write_check_free(&c);
			if (ItemPointerIsValid(&c.newesttid))
				XactLockTableWait(xwait, rel, &c.newesttid, XLTW_Lock);
			else
				XactLockTableWait(xwait, NULL, NULL, XLTW_None);
			continue;
		}
		if (c.found && c.status == KVAM_XS_COMMITTED &&
			IsolationUsesXactSnapshot() &&
			XidInMVCCSnapshot(c.newest->xmin, GetTransactionSnapshot()))
		{
			if (kl)
				LWLockRelease(kl);
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update")));
		}
		if (lock && !c.locked_by_me && !(c.found && c.status == KVAM_XS_CURRENT))
		{
			KvamVersion marker;
			Size		mlen;
			ItemPointerData mtid;

			marker = KvamFormVersion(rel, NULL, key, keylen, cid,
									 KVAM_V_LOCK | KVAM_V_LOCK_SHARED, 0, &mlen);
			if (!append_and_release(rel, info, idx, kl, marker, mlen, &mtid,
									NULL))
			{
				/* waited for a split or merge: check the key again */
				pfree(marker);
				write_check_free(&c);
				continue;
			}
			pfree(marker);
		}
		else if (kl)
			LWLockRelease(kl);
		live = c.found && !(c.newest->flags & KVAM_V_TOMBSTONE);
		if (live)
			KvamStoreVersion(rel, slot, c.newest, c.newestlen, &c.newesttid);
		write_check_free(&c);
		return live;
	}
}

/*
 * KvamKeyFetchLatest reads the newest state of the encoded key 'key': the
 * newest version that is committed or our own (not a snapshot's view).
 * Running writers of the key, and running FOR SHARE/UPDATE lockers, are
 * waited for first (XactLockTableWait), so the answer is the state a write
 * would have to replace.  Returns true and stores the row in 'slot'
 * (tts_tid = its TID, usable with table_tuple_update/delete) when the key
 * has a live row; false when it is absent.
 *
 * Under REPEATABLE READ and SERIALIZABLE, a newest state committed after
 * the transaction snapshot raises serialization_failure (as UPDATE would).
 * Takes the SSI read lock.  Caller holds at least AccessShareLock on 'rel'.
 */
bool
KvamKeyFetchLatest(Relation rel, const char *key, Size keylen,
				   TupleTableSlot *slot)
{
	return fetch_latest(rel, key, keylen, slot, false, InvalidCommandId);
}

/*
 * KvamKeyLockLatest is KvamKeyFetchLatest plus a shared row lock on the
 * key, held to the end of the transaction: a shared lock marker that makes
 * every later writer of the key (update, delete, and insert when the key
 * is absent) wait until this transaction ends, while other shared lockers
 * coexist (and are not waited for).  The key need not exist: the marker
 * then guards its absence.  So a condition evaluated on the returned state
 * still holds at commit (TransactWriteItems' ConditionCheck).  Returns as
 * KvamKeyFetchLatest, and raises serialization_failure as it does.
 */
bool
KvamKeyLockLatest(Relation rel, const char *key, Size keylen,
				  TupleTableSlot *slot, CommandId cid)
{
	return fetch_latest(rel, key, keylen, slot, true, cid);
}

/*
 * KvamKeyInsertIfAbsent inserts the row in 'slot' unless its key has a
 * live version (committed or our own), after waiting for running writers
 * of the key.  Returns whether it inserted; on true, slot->tts_tid is the
 * new row's TID.  Never raises unique_violation.  Caller holds
 * RowExclusiveLock on 'rel'.
 */
bool
KvamKeyInsertIfAbsent(Relation rel, TupleTableSlot *slot, CommandId cid)
{
	return insert_slot(rel, KvamRelInfoKeyed(rel), slot, cid, 0, true);
}
