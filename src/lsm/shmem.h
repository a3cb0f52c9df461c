/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared memory of kvam: per-partition state slots (lock, memtable
 *	  index, counters) and the memtable chunk pool.
 *
 * A partition of a kvam relation is identified across backends by
 * KvamPartTag (relation file node, backend for temp relations, partition
 * id).  Its shared state lives in one of kvam.max_shared_partitions slots;
 * a shared hash table maps tags to slots.  Slots are never freed, only
 * reassigned (evicted) to another tag, so the LWLock inside a slot is
 * initialised once and backends waiting on it stay safe: after acquiring a
 * slot's lock a backend re-checks the tag and retries on mismatch.
 *
 * The state in a slot is a cache: everything in it can be rebuilt from the
 * relation's pages (L0 chain, manifest).  Eviction and restarts lose nothing.
 *
 * Memtable nodes are allocated from a pool of fixed-size chunks
 * (kvam.memtable_pool); pool offsets (uint32, 0 = NULL) address nodes so the
 * structures do not depend on where shared memory is mapped.
 *
 * IDENTIFICATION
 *	  src/lsm/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_SHMEM_H
#define KVAM_LSM_SHMEM_H

#include "storage/block.h"
#include "storage/lwlock.h"
#include "storage/off.h"
#include "storage/relfilenode.h"
#include "port/atomics.h"
#include "storage/s_lock.h"

typedef struct KvamPartTag
{
	RelFileNode node;
	int32		backend;		/* InvalidBackendId unless temp */
	uint32		partid;
} KvamPartTag;

#define KVAM_SKIPLIST_MAX_HEIGHT 20
#define KVAM_CHUNK_SIZE		(64 * 1024)

typedef struct KvamPart
{
	LWLock		lock;			/* the partition lock */
	KvamPartTag tag;
	bool		in_use;
	bool		built;			/* memtable indexes L0 up to (idx_blk, idx_off) */
	bool		trusted;		/* built outside recovery: kept current by writers */
	uint64		nonce;			/* storage incarnation the state belongs to */
	uint64		lru;			/* last use stamp */

	/* L0 position indexed by the memtable */
	BlockNumber l0_head;
	BlockNumber idx_blk;
	OffsetNumber idx_off;

	/* memtable: a skip list in pool chunks */
	uint32		first_chunk;	/* pool offset of the first chunk, 0 if none */
	uint32		cur_chunk;		/* chunk being filled */
	uint32		cur_used;		/* bytes used in cur_chunk */
	uint32		nchunks;
	uint32		head;			/* pool offset of the head node */
	int			height;			/* current max level in use */
	uint64		nentries;
	uint64		l0_bytes;		/* version bytes indexed */

	/* counters for kvam.partitions() */
	pg_atomic_uint64 reads;
	pg_atomic_uint64 writes;
	pg_atomic_uint64 bloom_skips;
	pg_atomic_uint64 bloom_probes;
} KvamPart;

typedef struct KvamShared
{
	LWLock	   *maplock;		/* protects the tag -> slot hash and lru */
	int			tranche_id;
	int			nslots;
	uint64		lru_clock;
	slock_t		pool_lock;		/* protects the chunk free list */
	uint32		free_chunk;		/* pool offset of first free chunk */
	uint32		nfree_chunks;
	uint32		nchunks;
	char	   *pool;			/* base of the chunk pool */
	KvamPart	parts[FLEXIBLE_ARRAY_MEMBER];
} KvamShared;

extern KvamShared *KvamShmem;

/*
 * KvamShmemInit installs the shmem request and startup hooks.  Called from
 * _PG_init while shared_preload_libraries are being loaded.
 */
extern void KvamShmemInit(void);

/*
 * KvamPartSlot returns the slot for 'tag', assigning one (evicting the
 * least recently used unlocked slot) if needed.  The slot is returned
 * unlocked: callers lock it and re-check slot->tag.  Raises
 * ERRCODE_OUT_OF_MEMORY if every slot is locked.
 */
extern KvamPart *KvamPartSlot(const KvamPartTag *tag);

/*
 * KvamPartSlotForget drops this backend's cached slot of 'tag' (after its
 * lock showed the slot now belongs to another tag).
 */
extern void KvamPartSlotForget(const KvamPartTag *tag);

/* Pool pointer arithmetic. */
#define KvamPoolPtr(off)	((void *) (KvamShmem->pool + (off)))

/*
 * KvamPoolAllocChunk takes a chunk from the pool's free list; returns 0 if
 * none is free.  KvamPoolFreeChunks returns a chain of chunks (linked
 * through their first 4 bytes).
 */
extern uint32 KvamPoolAllocChunk(void);
extern void KvamPoolFreeChunks(uint32 first);

/*
 * KvamPoolEvictOne drops the memtable of the least recently used partition
 * other than 'self' whose lock can be taken without waiting, returning its
 * chunks to the pool.  Returns false if nothing could be evicted.
 */
extern bool KvamPoolEvictOne(KvamPart *self);

#endif							/* KVAM_LSM_SHMEM_H */
