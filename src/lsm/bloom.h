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

#define KVAM_BLOOM_BITS_PER_KEY 10

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
