/*-------------------------------------------------------------------------
 *
 * logical.c
 *	  The writer's side of logical decoding: what an XLOG_KVAM_INSERT
 *	  record carries so that rm_decode (decode.c) can turn it into an
 *	  ordinary INSERT, UPDATE or DELETE change.
 *
 * The new row needs nothing extra: it is the heap tuple inside the version
 * (block 0's data), which the record keeps even when block 0 is logged as
 * a full-page image (REGBUF_KEEP_DATA) whenever the relation is logically
 * logged.  What is added:
 *
 *	- the decoding kind (xl_kvam_insert.decode), always: it costs one byte
 *	  and tells a put of a new key (INSERT) from a replacement (UPDATE), a
 *	  tombstone (DELETE) and versions that are no change at all (lock
 *	  markers, re-keying of staged rows, the tombstone half of a key
 *	  change);
 *	- the old row, only when RelationIsLogicallyLogged (wal_level =
 *	  logical) and the replica identity asks for it, chosen exactly as heap
 *	  chooses it (heapam.c, ExtractReplicaIdentity): FULL logs the whole old
 *	  row; DEFAULT/INDEX log the identity columns (others NULL) for every
 *	  DELETE and for an UPDATE that changes one of them; NOTHING logs
 *	  nothing.  Old rows never carry external TOAST pointers (the TOAST
 *	  values of an old row were written by an earlier transaction, so
 *	  decoding could not reassemble them).
 *
 * IDENTIFICATION
 *	  src/wal/logical.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/xloginsert.h"
#include "catalog/catalog.h"
#include "catalog/pg_class.h"
#include "nodes/bitmapset.h"
#include "utils/datum.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "wal/xlog.h"

/* Do the identity columns of two row versions differ (binary)? */
static bool
identity_changed(TupleDesc desc, Bitmapset *idattrs, HeapTuple oldtup,
				 HeapTuple newtup)
{
	int			m = -1;

	while ((m = bms_next_member(idattrs, m)) >= 0)
	{
		AttrNumber	att = m + FirstLowInvalidHeapAttributeNumber;
		Form_pg_attribute a;
		bool		oldnull,
					newnull;
		Datum		o,
					n;

		if (att <= 0)
			continue;
		a = TupleDescAttr(desc, att - 1);
		o = heap_getattr(oldtup, att, desc, &oldnull);
		n = heap_getattr(newtup, att, desc, &newnull);
		if (oldnull != newnull)
			return true;
		if (oldnull)
			continue;
		/* an external value cannot be compared by its bytes: log the key */
		if (a->attlen == -1 &&
			(VARATT_IS_EXTERNAL(DatumGetPointer(o)) ||
			 VARATT_IS_EXTERNAL(DatumGetPointer(n))))
			return true;
		if (!datumIsEqual(o, n, a->attbyval, a->attlen))
			return true;
	}
	return false;
}

/*
 * KvamXlogOldTuple: see xlog.h.
 */
HeapTuple
KvamXlogOldTuple(Relation rel, HeapTuple oldtup, HeapTuple newtup)
{
	TupleDesc	desc = RelationGetDescr(rel);
	char		replident = rel->rd_rel->relreplident;
	Bitmapset  *idattrs;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	key;
	int			i;

	if (!RelationIsLogicallyLogged(rel) || replident == REPLICA_IDENTITY_NOTHING)
		return NULL;

	if (replident == REPLICA_IDENTITY_FULL)
	{
		if (HeapTupleHasExternal(oldtup))
			return toast_flatten_tuple(oldtup, desc);
		return heap_copytuple(oldtup);
	}

	idattrs = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_IDENTITY_KEY);
	if (bms_is_empty(idattrs) ||
		(newtup != NULL && !identity_changed(desc, idattrs, oldtup, newtup)))
	{
		bms_free(idattrs);
		return NULL;
	}

	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	heap_deform_tuple(oldtup, desc, values, nulls);
	for (i = 0; i < desc->natts; i++)
		if (!bms_is_member(i + 1 - FirstLowInvalidHeapAttributeNumber, idattrs))
			nulls[i] = true;
	key = heap_form_tuple(desc, values, nulls);
	pfree(values);
	pfree(nulls);
	bms_free(idattrs);

	if (HeapTupleHasExternal(key))
	{
		HeapTuple	flat = toast_flatten_tuple(key, desc);

		heap_freetuple(key);
		key = flat;
	}
	return key;
}

/*
 * KvamXlogRegisterChange: see xlog.h.
 */
uint8
KvamXlogRegisterChange(Relation rel, xl_kvam_insert *xlrec, KvamXlogChange *chg)
{
	xlrec->decode = chg ? chg->decode : XLKVAM_DECODE_NONE;
	if (xlrec->decode == XLKVAM_DECODE_NONE || !RelationIsLogicallyLogged(rel))
		return 0;

	if (chg->oldtuple != NULL)
	{
		HeapTupleHeader th = chg->oldtuple->t_data;

		xlrec->flags |= XLKVAM_HAS_OLD;
		chg->oldhdr.t_infomask2 = th->t_infomask2;
		chg->oldhdr.t_infomask = th->t_infomask;
		chg->oldhdr.t_hoff = th->t_hoff;
		XLogRegisterData((char *) &chg->oldhdr, SizeOfHeapHeader);
		XLogRegisterData((char *) th + SizeofHeapTupleHeader,
						 chg->oldtuple->t_len - SizeofHeapTupleHeader);
	}
	/* the new row is the version in block 0's data (a tombstone has none) */
	return xlrec->decode == XLKVAM_DECODE_DELETE ? 0 : REGBUF_KEEP_DATA;
}
