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
 * slot's lock a backend re-checks the tag and retries on mismatch.  A slot
 * whose frozen memtable is claimed by a flusher (flush_pid != 0) is neither
 * evicted nor reassigned: the flusher reads that memtable without the lock.
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
#include "storage/condition_variable.h"
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

/*
 * One memtable: a skip list in pool chunks (memtable.c).  'npages' counts
 * the L0 pages whose versions it indexes (pages are never shared between
 * the frozen and the active memtable).
 */
typedef struct KvamMemtable
{
	uint32		first_chunk;	/* pool offset of the first chunk, 0 if none */
	uint32		cur_chunk;		/* chunk being filled */
	uint32		cur_used;		/* bytes used in cur_chunk */
	uint32		nchunks;
	uint32		head;			/* pool offset of the head node */
	int			height;			/* current max level in use */
	uint64		nentries;
	uint64		l0_bytes;		/* version bytes indexed */
	uint32		npages;			/* L0 pages indexed */
} KvamMemtable;

typedef struct KvamPart
{
	LWLock		lock;			/* the partition lock */
	ConditionVariable cv;		/* broadcast when a flush publishes or gives
								 * up its claim (write stalls wait on it) */
	KvamPartTag tag;
	bool		in_use;
	bool		built;			/* memtable indexes L0 up to (idx_blk, idx_off) */
	bool		trusted;		/* built outside recovery: kept current by writers */
	uint64		nonce;			/* storage incarnation the state belongs to */
	uint64		lru;			/* last use stamp */

	/*
	 * L0 position indexed by the memtables.  The chain they index is
	 * identified by its head and by the manifest's flush count when that
	 * head was seen (every publish that moves the head counts one), so a
	 * head page number seen again after a flush is not taken for the same
	 * chain.
	 */
	BlockNumber l0_head;
	uint64		l0_flushes;
	BlockNumber idx_blk;
	OffsetNumber idx_off;

	/*
	 * Memtables.  'mt' is the active one.  'frozen' (empty unless
	 * has_frozen) indexes the L0 pages from l0_head up to and including
	 * frozen_tail; the next append to L0 starts a new page when
	 * 'l0_newpage' is set, so that no page is shared between the two.
	 */
	KvamMemtable mt;
	KvamMemtable frozen;
	bool		has_frozen;
	bool		l0_newpage;
	BlockNumber frozen_tail;
	int			flush_pid;		/* pid of the backend flushing the frozen
								 * memtable (the claim), or 0; set only while
								 * has_frozen */
	bool		flush_wanted;	/* queued for the auto-admin */
	int			draining_pid;	/* pid of a backend splitting or merging the
								 * partition, which keeps writers out until
								 * it is done (lsm/split.c), or 0 */
	int			editing_pid;	/* pid of a split or merge that holds the
								 * partition's compaction lock and flushes
								 * it before draining, or 0: a flusher that
								 * needs that lock gives its claim up to it
								 * instead of waiting (KvamCompactForRoom) */
	uint32		nruns;			/* runs in the manifest (last seen) */
	uint32		l0_runs;		/* level-0 runs in the manifest (last seen) */

	/* totals of both memtables, for kvam.partitions() */
	uint64		nentries;
	uint64		l0_bytes;

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
	LWLockPadded *keylocks;		/* KVAM_KEY_LOCKS "kvam key" locks */
	KvamPart	parts[FLEXIBLE_ARRAY_MEMBER];
} KvamShared;

/*
 * Key locks serialise the read-before-write and the append of writers of
 * one key (am/modify.c), so that the partition lock is only held for the
 * in-memory append.  A key maps to one of KVAM_KEY_LOCKS locks by a hash
 * of (relation, key); collisions only cost some waiting.  A backend holds
 * at most one key lock at a time, and takes the partition lock only after
 * it (never the other way round).
 */
#define KVAM_KEY_LOCKS		4096

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

/*
 * KvamPartSlotRelease gives the slot 'p' up: it leaves the tag -> slot map
 * and drops its memtables, so that the next backend that asks for the tag
 * gets a fresh slot and reads the partition's pages again (finding, after
 * a split or merge, that the partition is gone).  Caller holds the slot's
 * lock exclusively; the frozen memtable is not claimed by someone else.
 */
extern void KvamPartSlotRelease(KvamPart *p);

/*
 * KvamPartForgetDatabase drops the cached state (memtables, queued work,
 * run counts) of every slot of database 'dboid' whose frozen memtable is
 * not claimed, so that the auto-admin stops seeing work there (the
 * database is gone, or no worker can connect to it).  Safe for any
 * database: everything dropped is rebuilt from the pages on next use.
 * Takes the slots' locks; the caller holds no kvam lock.
 */
extern void KvamPartForgetDatabase(Oid dboid);

/*
 * KvamKeyLockFor returns the key lock of an encoded key of 'tag's relation.
 */
extern LWLock *KvamKeyLockFor(const KvamPartTag *tag, const char *key,
							  Size keylen);

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
