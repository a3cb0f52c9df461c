/*-------------------------------------------------------------------------
 *
 * attrval.h
 *	  The in-memory DynamoDB AttributeValue model.
 *
 * A KvamAttr is a tagged union over DynamoDB's ten types.  An item is a
 * KvamAttr of type M whose entries are the item's attributes.  Invariants
 * (established by every constructor in item/ and checked by the decoders):
 *
 *	- S and B values and all names are length-counted byte arrays: they may
 *	  contain 0x00 (U+0000) and are not NUL-terminated in general.  S and
 *	  names are UTF-8.
 *	- N values hold DynamoDB's canonical decimal text (number.h): plain
 *	  notation, no leading or trailing zeros, "-" only for negatives, at
 *	  most 38 significant digits, magnitude in [1E-130, 1E126).  They are
 *	  NUL-terminated as well.
 *	- M entries are sorted by name (KvamBytesCompare) without duplicates.
 *	- SS, NS and BS members are non-empty sets, sorted (S and B by unsigned
 *	  bytes, N numerically) without duplicates.
 *
 * Values are palloc'd in the current memory context and never shared
 * between two containers unless noted; callers that need independent
 * copies use KvamAttrCopy.
 *
 * IDENTIFICATION
 *	  src/item/attrval.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ITEM_ATTRVAL_H
#define KVAM_ITEM_ATTRVAL_H

/*
 * Attribute types.  Stored in the binary item encoding (docs/format-item.md):
 * DO NOT RENUMBER.
 */
typedef enum KvamAttrType
{
	KVAM_AT_S = 1,
	KVAM_AT_N = 2,
	KVAM_AT_B = 3,
	KVAM_AT_BOOL = 4,
	KVAM_AT_NULL = 5,
	KVAM_AT_M = 6,
	KVAM_AT_L = 7,
	KVAM_AT_SS = 8,
	KVAM_AT_NS = 9,
	KVAM_AT_BS = 10
} KvamAttrType;

#define KVAM_AT_MAX			KVAM_AT_BS

/* Maximum nesting of M and L values (DynamoDB: 32 levels). */
#define KVAM_MAX_NESTING	32

typedef struct KvamBytes
{
	const char *data;
	int			len;
} KvamBytes;

typedef struct KvamAttr KvamAttr;

typedef struct KvamMapEntry
{
	KvamBytes	name;
	KvamAttr   *value;
} KvamMapEntry;

struct KvamAttr
{
	KvamAttrType type;
	int			n;				/* entries of M, elements of L, members of sets */
	int			cap;			/* allocated slots of M, L */
	union
	{
		KvamBytes	scalar;		/* S, N, B */
		bool		boolean;	/* BOOL (NULL carries no payload) */
		KvamMapEntry *map;		/* M */
		KvamAttr  **list;		/* L */
		KvamBytes  *set;		/* SS, NS, BS */
	}			u;
};

/* KvamAttrTypeName returns DynamoDB's descriptor ("S", "NS", ...). */
extern const char *KvamAttrTypeName(KvamAttrType type);

/*
 * KvamAttrTypeFromName maps a descriptor of 'len' bytes to its type;
 * returns 0 when it is not one of the ten descriptors.
 */
extern KvamAttrType KvamAttrTypeFromName(const char *name, int len);

/* KvamIsSetType is true for SS, NS and BS. */
static inline bool
KvamIsSetType(KvamAttrType t)
{
	return t == KVAM_AT_SS || t == KVAM_AT_NS || t == KVAM_AT_BS;
}

/* Element type of a set type (S, N or B) and back. */
extern KvamAttrType KvamSetElementType(KvamAttrType settype);
extern KvamAttrType KvamSetTypeOf(KvamAttrType elemtype);

/*
 * Constructors.  KvamAttrMakeScalar copies 'len' bytes of 'data' (and
 * NUL-terminates the copy); for N the caller guarantees canonical text.
 */
extern KvamAttr *KvamAttrMakeScalar(KvamAttrType type, const char *data, int len);
extern KvamAttr *KvamAttrMakeBool(bool value);
extern KvamAttr *KvamAttrMakeNull(void);
extern KvamAttr *KvamAttrMakeMap(int capacity);
extern KvamAttr *KvamAttrMakeList(int capacity);

/*
 * KvamAttrMakeSet builds a set of 'type' from 'n' members (copied).  Sorts
 * them; returns the set, or NULL and *dup = index of a duplicate member in
 * the input when two members are equal.  n must be > 0.
 */
extern KvamAttr *KvamAttrMakeSet(KvamAttrType type, const KvamBytes *members,
								 int n, int *dup);

/* KvamAttrCopy returns a deep copy of 'v'. */
extern KvamAttr *KvamAttrCopy(const KvamAttr *v);

/*
 * Map access.  KvamMapGet returns the value of 'name' or NULL.  KvamMapPut
 * inserts or replaces (the name is copied, the value is stored as given).
 * KvamMapRemove returns whether an entry was removed.
 */
extern KvamAttr *KvamMapGet(const KvamAttr *map, const char *name, int len);
extern void KvamMapPut(KvamAttr *map, const char *name, int len, KvamAttr *value);
extern bool KvamMapRemove(KvamAttr *map, const char *name, int len);

/* List access: append, and remove the element at index i (0 <= i < n). */
extern void KvamListAppend(KvamAttr *list, KvamAttr *value);
extern void KvamListRemoveAt(KvamAttr *list, int i);

/*
 * KvamBytesCompare orders byte strings as DynamoDB orders S and B values:
 * unsigned bytes, a proper prefix first.
 */
extern int	KvamBytesCompare(KvamBytes a, KvamBytes b);

/*
 * KvamSetMemberCompare compares two members of a set of 'settype' (or two
 * scalars of the element type): numeric order for N, bytes otherwise.
 */
extern int	KvamSetMemberCompare(KvamAttrType settype, KvamBytes a, KvamBytes b);

/*
 * KvamAttrEqual is DynamoDB's "=": same type and same value (numbers
 * numerically, sets and maps regardless of order, lists element-wise).
 */
extern bool KvamAttrEqual(const KvamAttr *a, const KvamAttr *b);

/*
 * KvamAttrCompare orders two values for <, <=, >, >= and BETWEEN.  Returns
 * false (and leaves *cmp alone) when the values are not comparable: types
 * differ, or the type is not S, N or B.
 */
extern bool KvamAttrCompare(const KvamAttr *a, const KvamAttr *b, int *cmp);

/*
 * KvamSetContains is true when the set 'set' has the member 'm'.
 */
extern bool KvamSetContains(const KvamAttr *set, KvamBytes m);

/*
 * KvamAttrDepth returns the nesting depth of 'v': 0 for scalars and sets,
 * 1 + max depth of the elements for M and L.
 */
extern int	KvamAttrDepth(const KvamAttr *v);

#endif							/* KVAM_ITEM_ATTRVAL_H */
