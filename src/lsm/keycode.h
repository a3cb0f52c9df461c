/*-------------------------------------------------------------------------
 *
 * keycode.h
 *	  Memcmp-comparable encoding of kvam keys.
 *
 * A full key is
 *
 *	  hash(8 bytes, big-endian XXH3-64 of enc(pk)) | enc(pk) | enc(sk)?
 *
 * so that memcmp() over full keys orders entries by partition-key hash
 * (DynamoDB's scan order, and what makes a partition a contiguous key
 * range), then by partition key, then by sort key.  Component encodings:
 *
 *	  S (text)	 UTF-8 bytes, 0x00 escaped as 0x00 0xFF, terminated 0x00 0x01
 *	  B (bytea)	 same as S over the raw bytes
 *	  N (numeric) order-preserving decimal: memcmp order equals numeric_cmp
 *				 order; numerically equal values (1, 1.0, 1.00) encode to
 *				 the same bytes; self-delimiting; NaN and infinities are
 *				 rejected
 *
 * Every encoding is injective and self-delimiting, so two different keys
 * never share bytes and a (pk) prefix of a (pk, sk) key is a byte prefix.
 *
 * IDENTIFICATION
 *	  src/lsm/keycode.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_LSM_KEYCODE_H
#define KVAM_LSM_KEYCODE_H

#include "lib/stringinfo.h"

/* Key attribute types; the letters are DynamoDB's.  Stored on disk. */
typedef enum KvamKeyType
{
	KVAM_KEY_NONE = 0,
	KVAM_KEY_S = 'S',
	KVAM_KEY_N = 'N',
	KVAM_KEY_B = 'B'
} KvamKeyType;

#define KVAM_KEY_HASH_BYTES 8

/*
 * KvamKeyTypeFromOid maps a column type to a key type: text and varchar
 * are S, numeric is N, bytea is B.  Any other type raises
 * ERRCODE_DATATYPE_MISMATCH naming 'colname'.
 */
extern KvamKeyType KvamKeyTypeFromOid(Oid typid, const char *colname);

/*
 * KvamKeyEncodeValue appends enc(value) for one key component to 'out'.
 * The datum must be of the SQL type belonging to 'type' (text, numeric,
 * bytea), possibly toasted.  Raises ERRCODE_INVALID_PARAMETER_VALUE for
 * NaN/infinite numerics.
 */
extern void KvamKeyEncodeValue(StringInfo out, KvamKeyType type, Datum value);

/*
 * KvamKeyEncode resets 'out' and writes the full key: hash, enc(pk) and, if
 * sktype != KVAM_KEY_NONE, enc(sk).
 */
extern void KvamKeyEncode(StringInfo out, KvamKeyType pktype, Datum pk,
						  KvamKeyType sktype, Datum sk);

/*
 * KvamKeyHashOf returns the 64-bit partition hash stored in the first
 * KVAM_KEY_HASH_BYTES of an encoded key.
 */
extern uint64 KvamKeyHashOf(const char *key);

/*
 * KvamKeyHashBytes writes 'hash' as the KVAM_KEY_HASH_BYTES big-endian
 * bytes that start every key with that hash (a lower bound of them).
 */
extern void KvamKeyHashBytes(char *out, uint64 hash);

/*
 * KvamKeyPartitionHash returns XXH3-64 of an encoded partition key
 * component (the bytes KvamKeyEncodeValue produced for pk).
 */
extern uint64 KvamKeyPartitionHash(const char *enc, Size len);

/*
 * KvamKeyFingerprint returns a 64-bit hash of a whole encoded key, used by
 * bloom filters.  Independent of the partition hash (different seed).
 */
extern uint64 KvamKeyFingerprint(const char *key, Size len);

/*
 * KvamKeyCompare is memcmp over encoded keys with the shorter one first on
 * a common prefix.  Returns <0, 0, >0.
 */
static inline int
KvamKeyCompare(const char *a, Size alen, const char *b, Size blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen < blen) ? -1 : (alen > blen) ? 1 : 0;
}

/*
 * KvamKeyPrefixSuccessor turns 's' in place into the smallest byte string
 * greater than every string starting with 's', changing only bytes at
 * offsets >= minlen.  Returns false (leaving 's' unusable) when no such
 * string exists (all those bytes are 0xFF).
 */
extern bool KvamKeyPrefixSuccessor(StringInfo s, int minlen);

/*
 * KvamKeyToText renders an encoded key readably for error messages and
 * kvam.runs() (hex of the hash, then the components).  palloc'd.
 */
extern char *KvamKeyToText(const char *key, Size len,
						   KvamKeyType pktype, KvamKeyType sktype);

#endif							/* KVAM_LSM_KEYCODE_H */
