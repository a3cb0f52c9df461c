/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  kvam's shared memory: partition state slots and the memtable pool.
 *
 * Layout (one ShmemInitStruct "kvam"):
 *	  KvamShared header + kvam.max_shared_partitions KvamPart slots,
 *	  a shared hash "kvam partitions" from KvamPartTag to slot index,
 *	  the chunk pool (kvam.memtable_pool bytes, KVAM_CHUNK_SIZE chunks).
 *
 * Locking: KvamShmem->maplock protects the hash and slot (re)assignment;
 * each slot's own LWLock protects everything else in the slot; the pool
 * free list is protected by a spinlock.  Lock order: a key lock, then a
 * slot's lock, then maplock (eviction uses conditional acquisition of
 * other slots' locks only, so no cycle exists).  Slots whose frozen
 * memtable is claimed by a flusher are skipped by eviction and
 * reassignment.
 *
 * IDENTIFICATION
 *	  src/lsm/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "kvam.h"
#include "lsm/memtable.h"
#include "lsm/shmem.h"

KvamShared *KvamShmem = NULL;
static HTAB *KvamPartHash = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

typedef struct KvamPartHashEntry
{
	KvamPartTag tag;
	int			slot;
} KvamPartHashEntry;

static Size
pool_bytes(void)
{
	return (Size) kvam_memtable_pool_mb * 1024 * 1024;
}

static Size
shared_header_size(void)
{
	return add_size(offsetof(KvamShared, parts),
					mul_size(kvam_max_shared_partitions, sizeof(KvamPart)));
}

static void
kvam_shmem_request(void)
{
	Size		size;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	size = shared_header_size();
	size = add_size(size, hash_estimate_size(kvam_max_shared_partitions,
											 sizeof(KvamPartHashEntry)));
	/* pool, plus one chunk of slack for alignment */
	size = add_size(size, add_size(pool_bytes(), KVAM_CHUNK_SIZE));
	RequestAddinShmemSpace(size);
	RequestNamedLWLockTranche("kvam", 1);
	RequestNamedLWLockTranche("kvam key", KVAM_KEY_LOCKS);
}

static void
kvam_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	KvamShmem = ShmemInitStruct("kvam", shared_header_size(), &found);
	if (!found)
	{
		int			i;
		Size		nchunks;
		char	   *raw;

		KvamShmem->maplock = &(GetNamedLWLockTranche("kvam"))->lock;
		KvamShmem->keylocks = GetNamedLWLockTranche("kvam key");
		KvamShmem->tranche_id = LWLockNewTrancheId();
		KvamShmem->nslots = kvam_max_shared_partitions;
		KvamShmem->lru_clock = 0;
		for (i = 0; i < KvamShmem->nslots; i++)
		{
			KvamPart   *p = &KvamShmem->parts[i];

			memset(p, 0, sizeof(KvamPart));
			LWLockInitialize(&p->lock, KvamShmem->tranche_id);
			ConditionVariableInit(&p->cv);
			p->frozen_tail = InvalidBlockNumber;
			pg_atomic_init_u64(&p->reads, 0);
			pg_atomic_init_u64(&p->writes, 0);
			pg_atomic_init_u64(&p->bloom_skips, 0);
			pg_atomic_init_u64(&p->bloom_probes, 0);
		}

		/*
		 * The pool: offset 0 is reserved as NULL, so the base pointer is one
		 * chunk before the first real chunk.
		 */
		raw = ShmemInitStruct("kvam memtable pool",
							  add_size(pool_bytes(), KVAM_CHUNK_SIZE), &found);
		Assert(!found);
		KvamShmem->pool = raw;
		nchunks = pool_bytes() / KVAM_CHUNK_SIZE;
		KvamShmem->nchunks = nchunks;
		SpinLockInit(&KvamShmem->pool_lock);
		KvamShmem->free_chunk = 0;
		for (i = nchunks; i >= 1; i--)
		{
			uint32		off = (uint32) i * KVAM_CHUNK_SIZE;

			*(uint32 *) KvamPoolPtr(off) = KvamShmem->free_chunk;
			KvamShmem->free_chunk = off;
		}
		KvamShmem->nfree_chunks = nchunks;
	}
	LWLockRegisterTranche(KvamShmem->tranche_id, "kvam partition");

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(KvamPartTag);
	info.entrysize = sizeof(KvamPartHashEntry);
	KvamPartHash = ShmemInitHash("kvam partitions",
								 kvam_max_shared_partitions,
								 kvam_max_shared_partitions,
								 &info, HASH_ELEM | HASH_BLOBS);

	LWLockRelease(AddinShmemInitLock);
}

void
KvamShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = kvam_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = kvam_shmem_startup;
}

/*
 * Forget a slot's memtables; caller holds the slot lock exclusively and
 * the frozen memtable is not claimed.
 */
static void
drop_memtable(KvamPart *p)
{
	KvamMemtableClearAll(p);
	p->built = false;
	p->trusted = false;
	p->idx_blk = InvalidBlockNumber;
	p->idx_off = InvalidOffsetNumber;
	p->l0_head = InvalidBlockNumber;
}

/*
 * KvamPartSlotRelease: see shmem.h.  Lock order slot, then map lock, as
 * slot_lookup (which only tries slot locks without waiting).
 */
void
KvamPartSlotRelease(KvamPart *p)
{
	Assert(LWLockHeldByMeInMode(&p->lock, LW_EXCLUSIVE));
	if (p->flush_pid != 0)
		return;					/* its flusher finds out at its publish */
	LWLockAcquire(KvamShmem->maplock, LW_EXCLUSIVE);
	if (p->in_use)
		hash_search(KvamPartHash, &p->tag, HASH_REMOVE, NULL);
	drop_memtable(p);
	p->flush_wanted = false;
	p->draining_pid = 0;
	p->editing_pid = 0;
	p->nruns = 0;
	p->l0_runs = 0;
	p->in_use = false;
	LWLockRelease(KvamShmem->maplock);
}

/*
 * KvamPartForgetDatabase: see shmem.h.
 */
void
KvamPartForgetDatabase(Oid dboid)
{
	int			i;

	for (i = 0; i < KvamShmem->nslots; i++)
	{
		KvamPart   *p = &KvamShmem->parts[i];

		/* racy pre-check; verified under the lock */
		if (!p->in_use || p->tag.node.dbNode != dboid)
			continue;
		LWLockAcquire(&p->lock, LW_EXCLUSIVE);
		if (p->in_use && p->tag.node.dbNode == dboid && p->flush_pid == 0)
		{
			drop_memtable(p);
			p->nruns = 0;
			p->l0_runs = 0;
		}
		LWLockRelease(&p->lock);
	}
}

/*
 * Backend-local cache of tag -> slot, so that the common case takes no
 * shared lock on the map.  An entry may be stale (the slot was reassigned):
 * callers verify the tag under the slot's lock and call KvamPartSlotForget
 * on a mismatch.
 */
#define SLOT_CACHE_SIZE 256

typedef struct SlotCacheEntry
{
	KvamPartTag tag;
	KvamPart   *slot;
} SlotCacheEntry;

static SlotCacheEntry slot_cache[SLOT_CACHE_SIZE];

static KvamPart *slot_lookup(const KvamPartTag *tag);

static SlotCacheEntry *
slot_cache_entry(const KvamPartTag *tag)
{
	uint32		h = hash_bytes((const unsigned char *) tag, sizeof(KvamPartTag));

	return &slot_cache[h % SLOT_CACHE_SIZE];
}

void
KvamPartSlotForget(const KvamPartTag *tag)
{
	SlotCacheEntry *ce = slot_cache_entry(tag);

	ce->slot = NULL;
}

/*
 * KvamPartSlot: find or assign the slot of a tag.
 */
KvamPart *
KvamPartSlot(const KvamPartTag *tag)
{
	KvamPart   *p;
	SlotCacheEntry *ce = slot_cache_entry(tag);

	if (ce->slot != NULL && memcmp(&ce->tag, tag, sizeof(KvamPartTag)) == 0)
	{
		ce->slot->lru = KvamShmem->lru_clock;	/* racy: a hint only */
		return ce->slot;
	}
	p = slot_lookup(tag);
	ce->tag = *tag;
	ce->slot = p;
	return p;
}

/*
 * Lock a slot exclusively without waiting, if no flusher claims its frozen
 * memtable.  Returns true with the lock held.
 */
static bool
lock_unclaimed(KvamPart *p)
{
	if (!LWLockConditionalAcquire(&p->lock, LW_EXCLUSIVE))
		return false;
	if (p->flush_pid != 0)
	{
		LWLockRelease(&p->lock);
		return false;
	}
	return true;
}

/* The shared lookup behind KvamPartSlot. */
static KvamPart *
slot_lookup(const KvamPartTag *tag)
{
	KvamPartHashEntry *e;
	bool		found;
	KvamPart   *p;
	int			i,
				victim = -1;
	uint64		oldest = PG_UINT64_MAX;

	LWLockAcquire(KvamShmem->maplock, LW_SHARED);
	e = hash_search(KvamPartHash, tag, HASH_FIND, NULL);
	if (e)
	{
		p = &KvamShmem->parts[e->slot];
		p->lru = ++KvamShmem->lru_clock;	/* racy stamp: good enough */
		LWLockRelease(KvamShmem->maplock);
		return p;
	}
	LWLockRelease(KvamShmem->maplock);

	LWLockAcquire(KvamShmem->maplock, LW_EXCLUSIVE);
	e = hash_search(KvamPartHash, tag, HASH_FIND, NULL);
	if (e)
	{
		p = &KvamShmem->parts[e->slot];
		LWLockRelease(KvamShmem->maplock);
		return p;
	}

	/* A free slot, or else the least recently used one we can lock. */
	for (i = 0; i < KvamShmem->nslots; i++)
	{
		if (!KvamShmem->parts[i].in_use)
		{
			victim = i;
			break;
		}
	}
	if (victim < 0)
	{
		for (i = 0; i < KvamShmem->nslots; i++)
		{
			if (KvamShmem->parts[i].lru < oldest &&
				KvamShmem->parts[i].flush_pid == 0)
			{
				oldest = KvamShmem->parts[i].lru;
				victim = i;
			}
		}
	}
	if (victim >= 0 && !lock_unclaimed(&KvamShmem->parts[victim]))
		victim = -1;
	if (victim < 0)
	{
		/* try any lockable slot that no flusher uses */
		for (i = 0; i < KvamShmem->nslots; i++)
		{
			if (lock_unclaimed(&KvamShmem->parts[i]))
			{
				victim = i;
				break;
			}
		}
		if (victim < 0)
		{
			LWLockRelease(KvamShmem->maplock);
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("no free kvam partition slot"),
					 errhint("Increase kvam.max_shared_partitions.")));
		}
	}

	p = &KvamShmem->parts[victim];
	if (p->in_use)
	{
		hash_search(KvamPartHash, &p->tag, HASH_REMOVE, NULL);
		drop_memtable(p);
	}
	p->tag = *tag;
	p->in_use = true;
	p->nonce = 0;
	p->draining_pid = 0;
	p->editing_pid = 0;
	p->lru = ++KvamShmem->lru_clock;
	drop_memtable(p);
	pg_atomic_write_u64(&p->reads, 0);
	pg_atomic_write_u64(&p->writes, 0);
	pg_atomic_write_u64(&p->bloom_skips, 0);
	pg_atomic_write_u64(&p->bloom_probes, 0);
	e = hash_search(KvamPartHash, tag, HASH_ENTER, &found);
	Assert(!found);
	e->slot = victim;
	LWLockRelease(&p->lock);
	LWLockRelease(KvamShmem->maplock);
	return p;
}

/*
 * KvamKeyLockFor: see shmem.h.  The hash covers the relation file node and
 * the whole encoded key (whose first bytes are already the partition key's
 * hash, so equal partition keys with different sort keys spread too).
 */
LWLock *
KvamKeyLockFor(const KvamPartTag *tag, const char *key, Size keylen)
{
	uint32		h = hash_bytes((const unsigned char *) key, keylen);

	h = hash_combine(h, tag->node.relNode);
	h = hash_combine(h, tag->node.dbNode);
	return &KvamShmem->keylocks[h % KVAM_KEY_LOCKS].lock;
}

uint32
KvamPoolAllocChunk(void)
{
	uint32		off;

	SpinLockAcquire(&KvamShmem->pool_lock);
	off = KvamShmem->free_chunk;
	if (off != 0)
	{
		KvamShmem->free_chunk = *(uint32 *) KvamPoolPtr(off);
		KvamShmem->nfree_chunks--;
	}
	SpinLockRelease(&KvamShmem->pool_lock);
	return off;
}

void
KvamPoolFreeChunks(uint32 first)
{
	while (first != 0)
	{
		uint32		next = *(uint32 *) KvamPoolPtr(first);

		SpinLockAcquire(&KvamShmem->pool_lock);
		*(uint32 *) KvamPoolPtr(first) = KvamShmem->free_chunk;
		KvamShmem->free_chunk = first;
		KvamShmem->nfree_chunks++;
		SpinLockRelease(&KvamShmem->pool_lock);
		first = next;
	}
}

bool
KvamPoolEvictOne(KvamPart *self)
{
	int			i,
				victim = -1;
	uint64		oldest = PG_UINT64_MAX;

	/* racy scan for a candidate; verified under its lock */
	for (i = 0; i < KvamShmem->nslots; i++)
	{
		KvamPart   *p = &KvamShmem->parts[i];

		if (p != self && p->in_use && p->flush_pid == 0 &&
			p->mt.nchunks + p->frozen.nchunks > 0 && p->lru < oldest)
		{
			oldest = p->lru;
			victim = i;
		}
	}
	if (victim < 0)
		return false;
	if (!lock_unclaimed(&KvamShmem->parts[victim]))
		return false;
	drop_memtable(&KvamShmem->parts[victim]);
	LWLockRelease(&KvamShmem->parts[victim].lock);
	return true;
}
