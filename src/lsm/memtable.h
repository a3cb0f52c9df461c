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
 * Callers hold the partition lock: shared to read, exclusive to modify.
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
 * 'keylen' bytes.  May evict other partitions' memtables; raises
 * ERRCODE_OUT_OF_MEMORY if the pool is exhausted.  Exclusive lock.
 */
extern uint32 KvamMemtableReserve(KvamPart *p, uint16 keylen);

/*
 * KvamMemtableLink fills a reserved node and links it before existing
 * entries of the same key.  Never errors (may run in a critical section).
 */
extern void KvamMemtableLink(KvamPart *p, uint32 node, const char *key,
							 uint16 keylen, ItemPointer tid, Size vbytes);

/*
 * KvamMemtableSeek returns the first node whose key is >= 'key' (0 at the
 * end).  Shared lock at least.
 */
extern uint32 KvamMemtableSeek(KvamPart *p, const char *key, Size keylen);

/* KvamMemtableFirst returns the first node, 0 if empty. */
extern uint32 KvamMemtableFirst(KvamPart *p);

/* KvamMemtableNext returns the node after 'node', 0 at the end. */
static inline uint32
KvamMemtableNext(uint32 node)
{
	return KvamMtNodeGet(node)->next[0];
}

/*
 * KvamMemtableClear drops all entries and returns the chunks to the pool.
 * Exclusive lock.
 */
extern void KvamMemtableClear(KvamPart *p);

#endif							/* KVAM_LSM_MEMTABLE_H */
