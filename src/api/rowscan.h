/*-------------------------------------------------------------------------
 *
 * rowscan.h
 *	  Ordered reads of a key range of a kvam table for Query and Scan.
 *
 * A row scan returns, in storage key order (partition-key hash, partition
 * key, sort key) or in reverse, the rows a snapshot sees whose encoded
 * key (lsm/keycode.h) lies between two bounds.  It reads the LSM merging
 * iterator of each partition the range touches, partition by partition in
 * hash order, and reads rows as they are asked for when going forward, so
 * a Query or Scan page that stops at its Limit or at 1 MB reads no
 * further.  Going backward (ScanIndexForward = false) the range is read
 * first and returned in reverse: the iterator only goes forward.
 *
 * Rows are stored into the caller's slot (a slot of the relation) and are
 * valid until the next call.  The scan owns a memory context; everything
 * it allocates lives there.
 *
 * IDENTIFICATION
 *	  src/api/rowscan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_ROWSCAN_H
#define KVAM_API_ROWSCAN_H

#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

typedef struct KvamRowScan KvamRowScan;

/* One bound of a row scan: an encoded key (or a prefix of one). */
typedef struct KvamRowBound
{
	const char *key;			/* NULL: unbounded */
	Size		len;
	bool		inclusive;
} KvamRowBound;

/*
 * KvamRowScanBegin opens a scan of 'rel' (a keyed kvam table) for the
 * rows 'snapshot' sees with lower <= key <= upper (bounds inclusive or
 * not; a bound that is a prefix of keys compares below them).  The
 * snapshot must stay registered until KvamRowScanEnd.  Takes the SSI read
 * lock for the relation.
 */
extern KvamRowScan *KvamRowScanBegin(Relation rel, Snapshot snapshot,
									 KvamRowBound lower, KvamRowBound upper,
									 bool backward);

/*
 * KvamRowScanNext stores the next row into 'slot' and returns true, or
 * returns false at the end.  *key / *keylen (if not NULL) get the row's
 * encoded key, valid until the next call.
 */
extern bool KvamRowScanNext(KvamRowScan *scan, TupleTableSlot *slot,
							const char **key, Size *keylen);

/* KvamRowScanEnd releases the scan. */
extern void KvamRowScanEnd(KvamRowScan *scan);

#endif							/* KVAM_API_ROWSCAN_H */
