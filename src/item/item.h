/*-------------------------------------------------------------------------
 *
 * item.h
 *	  Whole items: binary encoding, size accounting and limits.
 *
 * An item is a KvamAttr of type M.  The binary encoding (item_codec.c,
 * specified in docs/format-item.md) is what storage keeps: lossless for
 * every value, including strings and names containing U+0000, versioned,
 * and canonical (equal items encode to equal bytes).  Sizes follow
 * DynamoDB's accounting (item_size.c).
 *
 * IDENTIFICATION
 *	  src/item/item.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ITEM_ITEM_H
#define KVAM_ITEM_ITEM_H

#include "lib/stringinfo.h"

#include "item/attrval.h"

/* Version byte of the binary item encoding.  Stored on disk. */
#define KVAM_ITEM_FORMAT_VERSION	1

/* DynamoDB limits. */
#define KVAM_MAX_ITEM_SIZE			(400 * 1024)
#define KVAM_MAX_PARTITION_KEY_SIZE	2048
#define KVAM_MAX_SORT_KEY_SIZE		1024

/*
 * KvamItemEncode appends the binary encoding of 'item' (type M) to 'out':
 * the version byte followed by the map body.
 */
extern void KvamItemEncode(StringInfo out, const KvamAttr *item);

/*
 * KvamAttrEncode appends the encoding of one value (type byte + payload),
 * as used inside items; for keys and index entries.
 */
extern void KvamAttrEncode(StringInfo out, const KvamAttr *v);

/*
 * KvamItemDecode decodes 'len' bytes produced by KvamItemEncode.  Every
 * length, type, ordering and nesting rule is checked: malformed input
 * raises ERRCODE_DATA_CORRUPTED and never reads outside the buffer.
 */
extern KvamAttr *KvamItemDecode(const char *data, int len);

/*
 * KvamAttrSize is DynamoDB's size of a value; KvamItemSize of an item:
 * the sum over attributes of the UTF-8 length of the name plus the size
 * of the value.  S: bytes; B: raw bytes; N: KvamNumberSize; BOOL, NULL: 1;
 * sets: sum of members; L: 3 + sum(1 + element); M: 3 + sum(1 + name +
 * value).
 */
extern int64 KvamAttrSize(const KvamAttr *v);
extern int64 KvamItemSize(const KvamAttr *item);

/*
 * KvamItemCheckSize raises ValidationException (SQLSTATE 54000) when the
 * item exceeds 400 KB; 'for_update' selects UpdateItem's wording.
 */
extern void KvamItemCheckSize(const KvamAttr *item, bool for_update);

/*
 * KvamKeyCheckValue validates a key attribute value of a table or index:
 * the value must be S, N or B, non-empty, and within the partition key
 * (2048 bytes) or sort key (1024 bytes) limit.  Raises ValidationException
 * with DynamoDB's messages naming 'attrname'.  The caller checks that the
 * type matches the key schema.
 */
extern void KvamKeyCheckValue(const KvamAttr *v, const char *attrname,
							  bool is_partition_key);

#endif							/* KVAM_ITEM_ITEM_H */
