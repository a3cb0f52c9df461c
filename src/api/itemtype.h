/*-------------------------------------------------------------------------
 *
 * itemtype.h
 *	  kvam.item values <-> items.
 *
 * IDENTIFICATION
 *	  src/api/itemtype.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_ITEMTYPE_H
#define KVAM_API_ITEMTYPE_H

#include "item/attrval.h"

/* KvamItemDatum returns 'item' (type M) as a palloc'd kvam.item value. */
extern Datum KvamItemDatum(const KvamAttr *item);

/* KvamItemFromDatum decodes a (possibly toasted) kvam.item value. */
extern KvamAttr *KvamItemFromDatum(Datum d);

#endif							/* KVAM_API_ITEMTYPE_H */
