/*-------------------------------------------------------------------------
 *
 * keymap.h
 *	  DynamoDB key attributes <-> the key columns of an API table.
 *
 * An API table stores the key attributes only in its key columns (pk, sk;
 * docs/api.md "Table shape") and every other attribute in the kvam.item
 * column.  This module converts between the two worlds and validates keys
 * against the table's key schema with DynamoDB's messages:
 *
 *	  S  <->  text, byte-stuffed: 0x00 -> 0x01 0x01, 0x01 -> 0x01 0x02
 *			  (injective, preserves unsigned byte order; strings without
 *			  U+0000/U+0001 are unchanged)
 *	  N  <->  numeric, from and back to DynamoDB's canonical text
 *	  B  <->  bytea
 *
 * All results are palloc'd in the current memory context.
 *
 * IDENTIFICATION
 *	  src/api/keymap.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_KEYMAP_H
#define KVAM_API_KEYMAP_H

#include "item/attrval.h"

/* The key schema of a DynamoDB table (from kvam.tables). */
typedef struct KvamKeySchema
{
	char	   *hash_name;
	KvamAttrType hash_type;		/* KVAM_AT_S, KVAM_AT_N or KVAM_AT_B */
	char	   *range_name;		/* NULL for a hash-only key */
	KvamAttrType range_type;
} KvamKeySchema;

/*
 * KvamKeyAttrToDatum converts a key value (S, N or B; validated) to the
 * Datum of its key column.
 */
extern Datum KvamKeyAttrToDatum(const KvamAttr *v);

/*
 * KvamKeyDatumToAttr converts a key column value back to an AttributeValue
 * of 'type'.  Numbers come out canonical whatever scale the numeric has.
 */
extern KvamAttr *KvamKeyDatumToAttr(KvamAttrType type, Datum d);

/*
 * KvamKeyCheck validates a request's Key map (GetItem, DeleteItem,
 * UpdateItem): exactly the key attributes of the schema, each of the
 * schema's type, else ValidationException "The provided key element does
 * not match the schema"; then the values (empty, too long) with
 * KvamKeyCheckValue's messages.
 */
extern void KvamKeyCheck(const KvamKeySchema *ks, const KvamAttr *key);

/*
 * KvamItemCheckKey validates the key attributes of a whole item (PutItem):
 * "Missing the key <name> in the item", "Type mismatch for key <name>
 * expected: S actual: N", then the values.
 */
extern void KvamItemCheckKey(const KvamKeySchema *ks, const KvamAttr *item);

/*
 * KvamItemKey returns the key attributes of a (checked) item as a map.
 * Values are shared with 'item', not copied.
 */
extern KvamAttr *KvamItemKey(const KvamKeySchema *ks, const KvamAttr *item);

/*
 * KvamItemWithoutKey returns 'item' minus its key attributes (what the
 * item column stores).  Values are shared with 'item'.
 */
extern KvamAttr *KvamItemWithoutKey(const KvamKeySchema *ks, const KvamAttr *item);

/*
 * KvamItemWithKey returns the full item: the attributes of 'key' (a key
 * map) added to a copy of the map 'rest' (values shared).
 */
extern KvamAttr *KvamItemWithKey(const KvamAttr *key, const KvamAttr *rest);

/*
 * KvamKeySchemaIsKey: is 'name' (len bytes) one of the key attributes?
 */
extern bool KvamKeySchemaIsKey(const KvamKeySchema *ks, const char *name, int len);

#endif							/* KVAM_API_KEYMAP_H */
