/*-------------------------------------------------------------------------
 *
 * bloom.h
 *	  Blocked bloom filter for runs, stored in KVAM_PAGE_RUN_BLOOM pages.
 *
 * The fingerprint (KvamKeyFingerprint) selects one page and, within it,
 * one 512-bit block; all probe bits lie in that block, so a probe reads one
 * page and touches one cache line.  About 10 bits per key, under 1% false
 * positives.
 *
 * IDENTIFICATION
 *	  src/lsm/bloom.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_BLOOM_H
#define KVAM_LSM_BLOOM_H

#include "storage/bufpage.h"

#include "lsm/page.h"

#define KVAM_BLOOM_BITS_PER_KEY 10

/*
 * Geometry of a bloom page (added by the implementation, bloom.c): the
 * bits start at offset KVAM_BLOOM_BITS_OFFSET and fill as many 512-bit
 * blocks as fit before the special area; pd_lower covers them.
 */
#define KVAM_BLOOM_BLOCK_BYTES		64
#define KVAM_BLOOM_BITS_OFFSET		64
#define KVAM_BLOOM_BLOCKS_PER_PAGE \
	((BLCKSZ - MAXALIGN(sizeof(KvamPageOpaqueData)) - KVAM_BLOOM_BITS_OFFSET) / \
	 KVAM_BLOOM_BLOCK_BYTES)
#define KVAM_BLOOM_BITS_PER_PAGE \
	((uint64) KVAM_BLOOM_BLOCKS_PER_PAGE * KVAM_BLOOM_BLOCK_BYTES * 8)

/* KvamBloomPagesFor returns how many bloom pages 'nkeys' keys need (>= 1). */
extern uint32 KvamBloomPagesFor(uint64 nkeys);

/* KvamBloomPageOf returns which of 'npages' pages holds 'fp'. */
extern uint32 KvamBloomPageOf(uint64 fp, uint32 npages);

/* KvamBloomInitPage formats an empty bloom page (PageInit + special). */
extern void KvamBloomInitPage(Page page, uint32 partition);

/* KvamBloomAdd sets the bits of 'fp' in the bloom page that holds it. */
extern void KvamBloomAdd(Page page, uint64 fp);

/* KvamBloomMayContain: false means 'fp' was never added to this page. */
extern bool KvamBloomMayContain(Page page, uint64 fp);

#endif							/* KVAM_LSM_BLOOM_H */
