/*-------------------------------------------------------------------------
 *
 * bloom.c
 *	  Blocked bloom filter of a run, in KVAM_PAGE_RUN_BLOOM pages.
 *
 * This file owns the layout of bloom pages and the mapping from a key
 * fingerprint (KvamKeyFingerprint) to bits.  A run's filter is an array of
 * 'npages' pages, each an ordinary PostgreSQL page (PageInit, kvam special
 * area) whose body holds KVAM_BLOOM_BLOCKS_PER_PAGE blocks of 512 bits:
 *
 *	  offset 0	   PageHeaderData (24 bytes)
 *	  offset 64	   block 0 .. block 125, 64 bytes each (cache-line aligned
 *				   when the page is, as shared buffers are)
 *	  offset 8128  pd_lower: the bits count as page contents, so neither
 *				   full-page-image hole compression nor WAL masking ever
 *				   drops them
 *	  offset 8176  special: KvamPageOpaqueData, page_type RUN_BLOOM
 *
 * A fingerprint selects one block of the whole filter from its high 32 bits
 * (page = fastrange(hi32, npages)) and its low 32 bits (block in the page =
 * fastrange(lo32, 126)), so a probe reads one page and one cache line.
 * The KVAM_BLOOM_PROBES bit positions inside the block are consecutive
 * 9-bit fields of a remix (murmur3 fmix64) of the fingerprint: 7 probes use
 * 63 bits, all independent of the bits that chose the block.  (We use
 * independent fields rather than double hashing: there are enough bits,
 * and double hashing in a 512-bit block measurably raises the false
 * positive rate.)
 *
 * Sizing: at least KVAM_BLOOM_BITS_PER_KEY bits per key; with 7 probes and
 * 512-bit blocks the expected false positive rate at exactly 10 bits/key is
 * 0.96%, and lower for every other key count (pages are rounded up).
 *
 * The format of the bits (block selection, probe derivation, page layout)
 * is on disk: changing it needs a KVAM_PAGE_FORMAT bump.
 *
 * IDENTIFICATION
 *	  src/lsm/bloom.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lsm/bloom.h"
#include "lsm/meta.h"
#include "lsm/page.h"

/* Geometry of a bloom page (more in bloom.h).  On disk: see above. */
#define KVAM_BLOOM_BLOCK_BITS		(KVAM_BLOOM_BLOCK_BYTES * 8)
#define KVAM_BLOOM_PROBES			7
#define KVAM_BLOOM_PROBE_BITS		9	/* log2(KVAM_BLOOM_BLOCK_BITS) */

StaticAssertDecl(KVAM_BLOOM_BITS_OFFSET >= SizeOfPageHeaderData,
				 "bloom bits overlap the page header");
StaticAssertDecl(KVAM_BLOOM_PROBES * KVAM_BLOOM_PROBE_BITS <= 64,
				 "not enough fingerprint bits for the bloom probes");
StaticAssertDecl((1 << KVAM_BLOOM_PROBE_BITS) == KVAM_BLOOM_BLOCK_BITS,
				 "probe width does not match the block size");

/* fastrange32: map a uniform 32-bit value onto [0, n) without division */
static inline uint32
fastrange32(uint32 x, uint32 n)
{
	return (uint32) (((uint64) x * (uint64) n) >> 32);
}

/* fmix64: murmur3's 64-bit finaliser, a bijection with full avalanche */
static inline uint64
fmix64(uint64 k)
{
	k ^= k >> 33;
	k *= UINT64CONST(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64CONST(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

/* bloom_block returns the 512-bit block of 'page' that holds 'fp'. */
static inline uint8 *
bloom_block(Page page, uint64 fp)
{
	uint32		block = fastrange32((uint32) fp, KVAM_BLOOM_BLOCKS_PER_PAGE);

	return (uint8 *) page + KVAM_BLOOM_BITS_OFFSET +
		block * KVAM_BLOOM_BLOCK_BYTES;
}

/*
 * KvamBloomPagesFor returns how many bloom pages a filter over 'nkeys'
 * distinct keys needs: enough for KVAM_BLOOM_BITS_PER_KEY bits per key,
 * and at least one.
 */
uint32
KvamBloomPagesFor(uint64 nkeys)
{
	uint64		bits = nkeys * KVAM_BLOOM_BITS_PER_KEY;
	uint64		pages;

	pages = (bits + KVAM_BLOOM_BITS_PER_PAGE - 1) / KVAM_BLOOM_BITS_PER_PAGE;

	if (pages < 1)
		pages = 1;
	if (pages > MaxBlockNumber)
		elog(ERROR, "bloom filter for " UINT64_FORMAT " keys is too large", nkeys);
	return (uint32) pages;
}

/* KvamBloomPageOf returns which of 'npages' bloom pages holds 'fp'. */
uint32
KvamBloomPageOf(uint64 fp, uint32 npages)
{
	Assert(npages > 0);
	return fastrange32((uint32) (fp >> 32), npages);
}

/*
 * KvamBloomInitPage formats 'page' (BLCKSZ bytes of local memory or a
 * locked buffer) as an empty bloom page of 'partition'.
 */
void
KvamBloomInitPage(Page page, uint32 partition)
{
	KvamPageInit(page, KVAM_PAGE_RUN_BLOOM, partition);

	/* the bit array is page contents, not free space */
	((PageHeader) page)->pd_lower = KVAM_BLOOM_BITS_OFFSET +
		KVAM_BLOOM_BLOCKS_PER_PAGE * KVAM_BLOOM_BLOCK_BYTES;
	Assert(((PageHeader) page)->pd_lower <= ((PageHeader) page)->pd_upper);
}

/*
 * KvamBloomAdd sets the bits of 'fp' in 'page', which must be the page
 * KvamBloomPageOf chose for it.
 */
void
KvamBloomAdd(Page page, uint64 fp)
{
	uint8	   *block = bloom_block(page, fp);
	uint64		h = fmix64(fp);
	int			i;

	Assert(KvamPageGetOpaque(page)->page_type == KVAM_PAGE_RUN_BLOOM);
	for (i = 0; i < KVAM_BLOOM_PROBES; i++)
	{
		uint32		bit = (uint32) (h & (KVAM_BLOOM_BLOCK_BITS - 1));

		block[bit >> 3] |= (uint8) (1 << (bit & 7));
		h >>= KVAM_BLOOM_PROBE_BITS;
	}
}

/*
 * KvamBloomMayContain returns false if 'fp' was certainly never added to
 * 'page' (the page KvamBloomPageOf chose for it), true if it may have been.
 * The caller holds a pin on the page (run pages are immutable).
 */
bool
KvamBloomMayContain(Page page, uint64 fp)
{
	const uint8 *block = bloom_block(page, fp);
	uint64		h = fmix64(fp);
	int			i;

	for (i = 0; i < KVAM_BLOOM_PROBES; i++)
	{
		uint32		bit = (uint32) (h & (KVAM_BLOOM_BLOCK_BITS - 1));

		if ((block[bit >> 3] & (1 << (bit & 7))) == 0)
			return false;
		h >>= KVAM_BLOOM_PROBE_BITS;
	}
	return true;
}
