/*-------------------------------------------------------------------------
 *
 * page.h
 *	  On-disk page layout of a kvam relation: page types, the special
 *	  area every kvam page carries, and the version (row) format stored in
 *	  L0 pages and run data pages.
 *
 * Every page of a kvam relation is a standard PostgreSQL page (PageHeader,
 * line pointers growing down, items growing up, special space at the end),
 * so checksums, full-page writes, base backups and physical standbys work
 * unchanged.  The special area identifies the page type and format version
 * so that tools (pg_filedump) and kvam.check() can recognise the page.
 *
 * A "version" is one immutable state of one key: either a row image (put)
 * or a tombstone.  Versions are stored as page items:
 *
 *	  KvamVersionData header | encoded key | pad to MAXALIGN | HeapTupleHeader + data
 *
 * The heap-format tuple that follows the key is an ordinary
 * HeapTupleHeaderData (t_xmin = xmin, t_cid = cid, t_ctid = birth) so that
 * scans can hand it to a buffer heap tuple slot without copying, and so that
 * WAL decoding can emit it to logical decoding unchanged.  Tombstones and
 * lock markers carry no tuple.
 *
 * Formats are versioned: KVAM_PAGE_FORMAT in every page's special area.  The
 * enums below are embedded in pages and WAL: DO NOT RENUMBER.
 *
 * IDENTIFICATION
 *	  src/lsm/page.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_PAGE_H
#define KVAM_LSM_PAGE_H

#include "access/htup_details.h"
#include "storage/block.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"

#define KVAM_PAGE_ID		0xFF8A	/* in every page's special area */
#define KVAM_PAGE_FORMAT	3		/* bump on incompatible change */

/* Page types.  DO NOT RENUMBER: stored on disk. */
#define KVAM_PAGE_META		1	/* block 0 */
#define KVAM_PAGE_MANIFEST	2	/* one per partition */
#define KVAM_PAGE_L0		3	/* append-only versions of one partition */
#define KVAM_PAGE_RUN_HEAD	4	/* first page of a run: its summary */
#define KVAM_PAGE_RUN_DATA	5	/* sorted versions */
#define KVAM_PAGE_RUN_INDEX 6	/* first keys of child pages */
#define KVAM_PAGE_RUN_BLOOM 7	/* bloom filter bits */
#define KVAM_PAGE_FREEMAP	8	/* free extents (lsm/space.h) */

typedef struct KvamPageOpaqueData
{
	uint16		page_type;		/* KVAM_PAGE_* */
	uint16		format;			/* KVAM_PAGE_FORMAT */
	uint32		partition;		/* owning partition id (0 for the metapage) */
	BlockNumber next;			/* L0: next page of the chain; run data:
								 * next data page of the run; else Invalid */
	uint16		flags;			/* page-type specific */
	uint16		page_id;		/* KVAM_PAGE_ID */
} KvamPageOpaqueData;

typedef KvamPageOpaqueData *KvamPageOpaque;

#define KvamPageGetOpaque(page) \
	((KvamPageOpaque) PageGetSpecialPointer(page))

/*
 * KvamPageType returns the KVAM_PAGE_* type of 'page', or 0 when it is not
 * an initialised kvam page (new, another special-area size, or no
 * KVAM_PAGE_ID).  Safe on any page: the opaque area is only read after its
 * size is checked.
 */
static inline uint16
KvamPageType(Page page)
{
	KvamPageOpaque op;

	if (PageIsNew(page) ||
		PageGetSpecialSize(page) != MAXALIGN(sizeof(KvamPageOpaqueData)))
		return 0;
	op = KvamPageGetOpaque(page);
	return op->page_id == KVAM_PAGE_ID ? op->page_type : 0;
}

/* Version flags.  DO NOT RENUMBER: stored on disk and in WAL. */
#define KVAM_V_TOMBSTONE	0x0001	/* the key is deleted; no tuple */
#define KVAM_V_LOCK			0x0002	/* row lock marker; no tuple, not a state */
#define KVAM_V_FROZEN		0x0004	/* xmin is known committed and all-visible */
#define KVAM_V_XMIN_COMMITTED 0x0008	/* hint: xmin committed */
#define KVAM_V_XMIN_ABORTED 0x0010	/* hint: xmin aborted */
#define KVAM_V_LOCK_SHARED	0x0020	/* lock marker is a shared (key share/
									 * share) lock */
#define KVAM_V_HINT_MASK	(KVAM_V_XMIN_COMMITTED | KVAM_V_XMIN_ABORTED)

/*
 * KvamVersionData: the fixed header of a version item.  'birth' is the TID
 * at which the version was first written (in L0); it stays the same when a
 * flush or compaction copies the version into a run, and identifies the
 * version for visibility checks that start from a TID.
 */
typedef struct KvamVersionData
{
	TransactionId xmin;			/* inserting transaction */
	CommandId	cid;			/* inserting command */
	ItemPointerData birth;		/* identity: first location in L0 */
	uint16		flags;			/* KVAM_V_* */
	uint16		keylen;			/* bytes of encoded key that follow */
	char		key[FLEXIBLE_ARRAY_MEMBER];
} KvamVersionData;

typedef KvamVersionData *KvamVersion;

#define SizeOfKvamVersionHeader		offsetof(KvamVersionData, key)

/* Offset of the heap tuple header inside a version item. */
#define KvamVersionTupleOffset(keylen) \
	MAXALIGN(SizeOfKvamVersionHeader + (keylen))

#define KvamVersionHasTuple(v) \
	(((v)->flags & (KVAM_V_TOMBSTONE | KVAM_V_LOCK)) == 0)

#define KvamVersionGetTuple(v) \
	((HeapTupleHeader) ((char *) (v) + KvamVersionTupleOffset((v)->keylen)))

/* Largest encoded key: DynamoDB allows 2048 + 1024 bytes, plus escaping. */
#define KVAM_MAX_KEY_BYTES	7000

#endif							/* KVAM_LSM_PAGE_H */
