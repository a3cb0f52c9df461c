/*-------------------------------------------------------------------------
 *
 * visibility.c
 *	  Which version of a key a snapshot sees.
 *
 * Versions are immutable and carry only their writer (xmin, cid); a version
 * ends where a newer version of the same key begins.  So the question is
 * never "is this tuple visible" but "which version of this key is", asked
 * over the key's versions newest first: the first version whose writer the
 * snapshot sees decides, and a tombstone means the key is absent.  Lock
 * markers are not states and are skipped.
 *
 * The order of checks follows heapam_visibility.c: for MVCC snapshots the
 * own-transaction test, then XidInMVCCSnapshot, then pg_xact; for the other
 * snapshot types, TransactionIdIsInProgress before pg_xact.
 *
 * IDENTIFICATION
 *	  src/am/visibility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "storage/predicate.h"
#include "storage/procarray.h"
#include "utils/snapmgr.h"

#include "am/kvam_am.h"

KvamXminStatus
KvamXminStatusOf(KvamVersion v)
{
	if (v->flags & KVAM_V_FROZEN)
		return KVAM_XS_COMMITTED;
	if (!TransactionIdIsNormal(v->xmin))
		return v->xmin == FrozenTransactionId ? KVAM_XS_COMMITTED : KVAM_XS_ABORTED;
	if (TransactionIdIsCurrentTransactionId(v->xmin))
		return KVAM_XS_CURRENT;
	if (TransactionIdIsInProgress(v->xmin))
		return KVAM_XS_IN_PROGRESS;
	if (TransactionIdDidCommit(v->xmin))
		return KVAM_XS_COMMITTED;
	return KVAM_XS_ABORTED;
}

/*
 * With 'rel' set, a version hidden from the snapshot because its writer is
 * concurrent is an rw-conflict out for SSI (SERIALIZABLE), as for heap.
 */
static bool
xmin_visible_mvcc(Relation rel, KvamVersion v, Snapshot snapshot)
{
	if (v->flags & KVAM_V_FROZEN)
		return true;
	if (!TransactionIdIsNormal(v->xmin))
		return v->xmin == FrozenTransactionId;
	if (TransactionIdIsCurrentTransactionId(v->xmin))
		return v->cid < snapshot->curcid;
	if (XidInMVCCSnapshot(v->xmin, snapshot))
	{
		if (rel != NULL)
			CheckForSerializableConflictOut(rel, v->xmin, snapshot);
		return false;
	}
	return TransactionIdDidCommit(v->xmin);
}

/*
 * KvamVersionDecisive: would KvamChooseVisible stop at 'v' (so older
 * versions need not be read)?  Only answers true for MVCC snapshots.
 */
bool
KvamVersionDecisive(KvamVersion v, Snapshot snapshot)
{
	if (snapshot->snapshot_type != SNAPSHOT_MVCC || (v->flags & KVAM_V_LOCK))
		return false;
	return xmin_visible_mvcc(NULL, v, snapshot);
}

static int
result_of(KvamKeyGroup *g, int i)
{
	return (g->v[i]->flags & KVAM_V_TOMBSTONE) ? -1 : i;
}

int
KvamChooseVisible(Relation rel, KvamKeyGroup *g, Snapshot snapshot)
{
	int			i;

	switch (snapshot->snapshot_type)
	{
		case SNAPSHOT_MVCC:
			for (i = 0; i < g->n; i++)
			{
				if (g->v[i]->flags & KVAM_V_LOCK)
					continue;
				if (xmin_visible_mvcc(rel, g->v[i], snapshot))
					return result_of(g, i);
			}
			return -1;

		case SNAPSHOT_SELF:
			for (i = 0; i < g->n; i++)
			{
				KvamXminStatus st;

				if (g->v[i]->flags & KVAM_V_LOCK)
					continue;
				st = KvamXminStatusOf(g->v[i]);
				if (st == KVAM_XS_CURRENT || st == KVAM_XS_COMMITTED)
					return result_of(g, i);
			}
			return -1;

		case SNAPSHOT_ANY:
		case SNAPSHOT_NON_VACUUMABLE:

			/*
			 * The newest version that is not known dead: recently dead
			 * versions of a key are superseded by a newer one, so a key
			 * shows once, in its newest state.
			 */
			for (i = 0; i < g->n; i++)
			{
				if (g->v[i]->flags & KVAM_V_LOCK)
					continue;
				if (KvamXminStatusOf(g->v[i]) != KVAM_XS_ABORTED)
					return result_of(g, i);
			}
			return -1;

		case SNAPSHOT_DIRTY:
			snapshot->xmin = snapshot->xmax = InvalidTransactionId;
			snapshot->speculativeToken = 0;
			for (i = 0; i < g->n; i++)
			{
				KvamVersion v = g->v[i];

				if (v->flags & KVAM_V_LOCK)
					continue;
				switch (KvamXminStatusOf(v))
				{
					case KVAM_XS_ABORTED:
						continue;
					case KVAM_XS_CURRENT:
					case KVAM_XS_COMMITTED:
						return result_of(g, i);
					case KVAM_XS_IN_PROGRESS:
						if (v->flags & KVAM_V_TOMBSTONE)
						{
							/* being deleted: the older state, with xmax */
							snapshot->xmax = v->xmin;
							continue;
						}
						snapshot->xmin = v->xmin;
						return i;
				}
			}
			return -1;

		case SNAPSHOT_TOAST:
		case SNAPSHOT_HISTORIC_MVCC:
			break;
	}
	elog(ERROR, "kvam tables do not support snapshot type %d",
		 (int) snapshot->snapshot_type);
	return -1;					/* keep compiler quiet */
}

/*
 * KvamPredicateLockRead takes the SSI read lock for a scan or lookup of
 * 'rel' under 'snapshot' (no-op unless the transaction is SERIALIZABLE).
 */
void
KvamPredicateLockRead(Relation rel, Snapshot snapshot)
{
	if (snapshot != NULL && IsMVCCSnapshot(snapshot))
		PredicateLockRelation(rel, snapshot);
}

/*
 * KvamPredicateCheckWrite reports rw-conflicts with SERIALIZABLE readers of
 * 'rel' before a write (no-op unless SSI is active).
 */
void
KvamPredicateCheckWrite(Relation rel)
{
	CheckForSerializableConflictIn(rel, NULL, InvalidBlockNumber);
}
