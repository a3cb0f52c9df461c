/*-------------------------------------------------------------------------
 *
 * memtable.c
 *	  Skip list over pool chunks: the memtable index of one partition.
 *
 * Chunks are KVAM_CHUNK_SIZE bytes; the first 8 bytes of a chunk link the
 * memtable's chunks together (so KvamMemtableClear can free them all at
 * once); nodes are bump-allocated after that, 4-byte aligned.  The head
 * node has KVAM_SKIPLIST_MAX_HEIGHT levels and no key.  Only the active
 * memtable of a partition grows; freezing hands its chunks over to the
 * frozen memtable unchanged.
 *
 * IDENTIFICATION
 *	  src/lsm/memtable.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/pg_prng.h"

#include "lsm/keycode.h"
#include "lsm/memtable.h"

#define CHUNK_HEADER	8

static Size
node_size(int height, int keylen)
{
	return TYPEALIGN(4, offsetof(KvamMtNode, next) + height * sizeof(uint32) + keylen);
}

/*
 * Bump-allocate 'size' bytes from the active memtable's chunks; 0 if no
 * memory.
 */
static uint32
chunk_alloc(KvamPart *p, Size size)
{
	KvamMemtable *mt = &p->mt;
	uint32		chunk = 0;
	int			tries;

	Assert(size <= KVAM_CHUNK_SIZE - CHUNK_HEADER);
	if (mt->cur_chunk != 0 && mt->cur_used + size <= KVAM_CHUNK_SIZE)
	{
		uint32		off = mt->cur_chunk + mt->cur_used;

		mt->cur_used += size;
		return off;
	}

	for (tries = 0; tries < 16; tries++)
	{
		chunk = KvamPoolAllocChunk();
		if (chunk != 0)
			break;
		if (!KvamPoolEvictOne(p))
			break;
	}
	if (chunk == 0)
		return 0;

	/* link the chunk into the partition's chain */
	*(uint32 *) KvamPoolPtr(chunk) = 0;
	if (mt->cur_chunk != 0)
		*(uint32 *) KvamPoolPtr(mt->cur_chunk) = chunk;
	else
		mt->first_chunk = chunk;
	mt->cur_chunk = chunk;
	mt->cur_used = CHUNK_HEADER + size;
	mt->nchunks++;
	return chunk + CHUNK_HEADER;
}

static void
ensure_head(KvamPart *p)
{
	uint32		off;
	KvamMtNode *h;
	int			i;

	if (p->mt.head != 0)
		return;
	off = chunk_alloc(p, node_size(KVAM_SKIPLIST_MAX_HEIGHT, 0));
	if (off == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("kvam memtable pool is exhausted"),
				 errhint("Increase kvam.memtable_pool or lower kvam.memtable_size.")));
	h = KvamMtNodeGet(off);
	ItemPointerSetInvalid(&h->tid);
	h->keylen = 0;
	h->height = KVAM_SKIPLIST_MAX_HEIGHT;
	for (i = 0; i < KVAM_SKIPLIST_MAX_HEIGHT; i++)
		h->next[i] = 0;
	p->mt.head = off;
	p->mt.height = 1;
}

static int
random_height(void)
{
	int			h = 1;
	uint32		r = pg_prng_uint32(&pg_global_prng_state);

	/* p = 1/4 per level */
	while (h < KVAM_SKIPLIST_MAX_HEIGHT && (r & 3) == 0)
	{
		h++;
		r >>= 2;
	}
	return h;
}

uint32
KvamMemtableReserve(KvamPart *p, uint16 keylen)
{
	int			height = random_height();
	uint32		off;

	ensure_head(p);
	off = chunk_alloc(p, node_size(height, keylen));
	if (off == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("kvam memtable pool is exhausted"),
				 errhint("Increase kvam.memtable_pool or lower kvam.memtable_size.")));
	KvamMtNodeGet(off)->height = height;
	return off;
}

static inline int
node_cmp(uint32 node, const char *key, Size keylen)
{
	KvamMtNode *n = KvamMtNodeGet(node);

	return KvamKeyCompare(KvamMtNodeKey(n), n->keylen, key, keylen);
}

void
KvamMemtableLink(KvamPart *p, uint32 node, const char *key, uint16 keylen,
				 ItemPointer tid, Size vbytes)
{
	KvamMemtable *mt = &p->mt;
	KvamMtNode *n = KvamMtNodeGet(node);
	uint32		update[KVAM_SKIPLIST_MAX_HEIGHT];
	uint32		x = mt->head;
	int			level;

	n->tid = *tid;
	n->keylen = keylen;
	memcpy(KvamMtNodeKey(n), key, keylen);

	/* predecessors: last node with key < new key at every level */
	for (level = mt->height - 1; level >= 0; level--)
	{
		uint32		nx;

		while ((nx = KvamMtNodeGet(x)->next[level]) != 0 &&
			   node_cmp(nx, key, keylen) < 0)
			x = nx;
		update[level] = x;
	}
	if (n->height > mt->height)
	{
		for (level = mt->height; level < n->height; level++)
			update[level] = mt->head;
		mt->height = n->height;
	}
	for (level = 0; level < n->height; level++)
	{
		n->next[level] = KvamMtNodeGet(update[level])->next[level];
		KvamMtNodeGet(update[level])->next[level] = node;
	}
	mt->nentries++;
	mt->l0_bytes += vbytes;
	p->nentries++;
	p->l0_bytes += vbytes;
}

uint32
KvamMemtableSeek(KvamMemtable *mt, const char *key, Size keylen)
{
	uint32		x = mt->head;
	int			level;

	if (x == 0)
		return 0;
	for (level = mt->height - 1; level >= 0; level--)
	{
		uint32		nx;

		while ((nx = KvamMtNodeGet(x)->next[level]) != 0 &&
			   node_cmp(nx, key, keylen) < 0)
			x = nx;
	}
	return KvamMtNodeGet(x)->next[0];
}

uint32
KvamMemtableFirst(KvamMemtable *mt)
{
	if (mt->head == 0)
		return 0;
	return KvamMtNodeGet(mt->head)->next[0];
}

void
KvamMemtableClear(KvamPart *p, KvamMemtable *mt)
{
	Assert(mt == &p->mt || mt == &p->frozen);
	if (mt->first_chunk != 0)
		KvamPoolFreeChunks(mt->first_chunk);
	p->nentries -= mt->nentries;
	p->l0_bytes -= mt->l0_bytes;
	memset(mt, 0, sizeof(KvamMemtable));
}

void
KvamMemtableClearAll(KvamPart *p)
{
	Assert(p->flush_pid == 0);
	KvamMemtableClear(p, &p->mt);
	KvamMemtableClear(p, &p->frozen);
	p->has_frozen = false;
	p->l0_newpage = false;
	p->frozen_tail = InvalidBlockNumber;
	p->flush_wanted = false;
	p->nentries = 0;
	p->l0_bytes = 0;
}

void
KvamMemtableFreeze(KvamPart *p)
{
	Assert(!p->has_frozen && p->frozen.first_chunk == 0);
	p->frozen = p->mt;
	memset(&p->mt, 0, sizeof(KvamMemtable));
	p->has_frozen = true;
}
