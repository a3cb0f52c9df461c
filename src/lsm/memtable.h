/*-------------------------------------------------------------------------
 *
 * memtable.h
 *	  The memtable index of a partition: an ordered map from encoded key to
 *	  the L0 TIDs of the key's versions, newest first, in shared memory.
 *
 * The memtable is a skip list whose nodes live in the partition's chunks of
 * the shared pool (shmem.h).  It indexes the partition's L0 pages and is a
 * cache of them: l0.c rebuilds it from L0 after a restart, an eviction or
 * on a standby.  Entries with equal keys are kept newest first (a new
 * version is linked before older versions of the same key).
 *
 * A partition has two memtables (shmem.h): the active one, which writers
 * append to, and at most one frozen one, which is immutable and waits to
 * be flushed into a run (am/flush.c).  The frozen memtable indexes a
 * prefix of the L0 chain, the active one the rest.
 *
 * Callers hold the partition lock: shared to read, exclusive to modify.  A
 * frozen memtable claimed by a flusher (KvamPart.flush_pid) is not
 * modified or freed by anyone else, so the flusher reads it without the
 * lock.
 *
 * IDENTIFICATION
 *	  src/lsm/memtable.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_MEMTABLE_H
#define KVAM_LSM_MEMTABLE_H

#include "storage/itemptr.h"

#include "lsm/shmem.h"

typedef struct KvamMtNode
{
	ItemPointerData tid;
	uint16		keylen;
	uint8		height;
	uint8		pad;
	uint32		next[FLEXIBLE_ARRAY_MEMBER];	/* [height], then key bytes */
} KvamMtNode;

#define KvamMtNodeGet(off)	((KvamMtNode *) KvamPoolPtr(off))
#define KvamMtNodeKey(n)	((char *) &(n)->next[(n)->height])

/*
 * KvamMemtableReserve allocates (but does not link) a node for a key of
 * 'keylen' bytes in the partition's active memtable.  May evict other
 * partitions' memtables; raises ERRCODE_OUT_OF_MEMORY if the pool is
 * exhausted.  Exclusive lock.
 */
extern uint32 KvamMemtableReserve(KvamPart *p, uint16 keylen);

/*
 * KvamMemtableLink fills a reserved node and links it into the active
 * memtable before existing entries of the same key.  Never errors (may run
 * in a critical section).
 */
extern void KvamMemtableLink(KvamPart *p, uint32 node, const char *key,
							 uint16 keylen, ItemPointer tid, Size vbytes);

/*
 * KvamMemtableSeek returns the first node of 'mt' whose key is >= 'key' (0
 * at the end).  Shared lock at least (or a flush claim on a frozen 'mt').
 */
extern uint32 KvamMemtableSeek(KvamMemtable *mt, const char *key, Size keylen);

/* KvamMemtableFirst returns the first node of 'mt', 0 if empty. */
extern uint32 KvamMemtableFirst(KvamMemtable *mt);

/* KvamMemtableNext returns the node after 'node', 0 at the end. */
static inline uint32
KvamMemtableNext(uint32 node)
{
	return KvamMtNodeGet(node)->next[0];
}

/*
 * KvamMemtableClear drops all entries of 'mt' (one of p's memtables),
 * returns its chunks to the pool and keeps the partition totals right.
 * Exclusive lock.
 */
extern void KvamMemtableClear(KvamPart *p, KvamMemtable *mt);

/*
 * KvamMemtableClearAll drops both memtables of the partition and forgets
 * the frozen range.  The frozen memtable must not be claimed by a flusher.
 * Exclusive lock.
 */
extern void KvamMemtableClearAll(KvamPart *p);

/*
 * KvamMemtableFreeze makes the active memtable the frozen one and starts
 * an empty active memtable.  The frozen memtable must be empty.  Exclusive
 * lock.
 */
extern void KvamMemtableFreeze(KvamPart *p);

#endif							/* KVAM_LSM_MEMTABLE_H */
