/*-------------------------------------------------------------------------
 *
 * attrval.c
 *	  Constructors, container access, equality and ordering of KvamAttr.
 *
 * This file maintains the invariants listed in attrval.h: sorted maps
 * without duplicate names, sorted duplicate-free sets.  It does no I/O and
 * raises no user-facing errors (callers validate input first); it is built
 * into the fuzzing harness as is.
 *
 * IDENTIFICATION
 *	  src/item/attrval.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "item/attrval.h"
#include "item/number.h"

static const char *const type_names[] = {
	NULL, "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"
};

/*
 * KvamAttrTypeName returns the DynamoDB descriptor of 'type'.
 */
const char *
KvamAttrTypeName(KvamAttrType type)
{
	if (type < KVAM_AT_S || type > KVAM_AT_MAX)
		return "?";
	return type_names[type];
}

/*
 * KvamAttrTypeFromName maps a descriptor to its type, 0 if unknown.
 */
KvamAttrType
KvamAttrTypeFromName(const char *name, int len)
{
	int			t;

	for (t = KVAM_AT_S; t <= KVAM_AT_MAX; t++)
		if ((int) strlen(type_names[t]) == len &&
			memcmp(type_names[t], name, len) == 0)
			return (KvamAttrType) t;
	return (KvamAttrType) 0;
}

/*
 * KvamSetElementType returns S, N or B for SS, NS or BS.
 */
KvamAttrType
KvamSetElementType(KvamAttrType settype)
{
	switch (settype)
	{
		case KVAM_AT_SS:
			return KVAM_AT_S;
		case KVAM_AT_NS:
			return KVAM_AT_N;
		case KVAM_AT_BS:
			return KVAM_AT_B;
		default:
			return (KvamAttrType) 0;
	}
}

/*
 * KvamSetTypeOf returns SS, NS or BS for S, N or B.
 */
KvamAttrType
KvamSetTypeOf(KvamAttrType elemtype)
{
	switch (elemtype)
	{
		case KVAM_AT_S:
			return KVAM_AT_SS;
		case KVAM_AT_N:
			return KVAM_AT_NS;
		case KVAM_AT_B:
			return KVAM_AT_BS;
		default:
			return (KvamAttrType) 0;
	}
}

static KvamBytes
copy_bytes(const char *data, int len)
{
	KvamBytes	b;
	char	   *p = palloc(len + 1);

	if (len > 0)
		memcpy(p, data, len);
	p[len] = '\0';
	b.data = p;
	b.len = len;
	return b;
}

/*
 * KvamAttrMakeScalar builds an S, N or B value from a copy of the bytes.
 */
KvamAttr *
KvamAttrMakeScalar(KvamAttrType type, const char *data, int len)
{
	KvamAttr   *v = palloc0(sizeof(KvamAttr));

	Assert(type == KVAM_AT_S || type == KVAM_AT_N || type == KVAM_AT_B);
	v->type = type;
	v->u.scalar = copy_bytes(data, len);
	return v;
}

/*
 * KvamAttrMakeBool builds a BOOL value.
 */
KvamAttr *
KvamAttrMakeBool(bool value)
{
	KvamAttr   *v = palloc0(sizeof(KvamAttr));

	v->type = KVAM_AT_BOOL;
	v->u.boolean = value;
	return v;
}

/*
 * KvamAttrMakeNull builds a NULL value.
 */
KvamAttr *
KvamAttrMakeNull(void)
{
	KvamAttr   *v = palloc0(sizeof(KvamAttr));

	v->type = KVAM_AT_NULL;
	return v;
}

/*
 * KvamAttrMakeMap builds an empty M with room for 'capacity' entries.
 */
KvamAttr *
KvamAttrMakeMap(int capacity)
{
	KvamAttr   *v = palloc0(sizeof(KvamAttr));

	v->type = KVAM_AT_M;
	v->cap = Max(capacity, 4);
	v->u.map = palloc(sizeof(KvamMapEntry) * v->cap);
	return v;
}

/*
 * KvamAttrMakeList builds an empty L with room for 'capacity' elements.
 */
KvamAttr *
KvamAttrMakeList(int capacity)
{
	KvamAttr   *v = palloc0(sizeof(KvamAttr));

	v->type = KVAM_AT_L;
	v->cap = Max(capacity, 4);
	v->u.list = palloc(sizeof(KvamAttr *) * v->cap);
	return v;
}

/* qsort context for set members (qsort_arg is not available in fuzz). */
static KvamAttrType sort_settype;

static int
member_cmp(const void *a, const void *b)
{
	return KvamSetMemberCompare(sort_settype, *(const KvamBytes *) a,
								*(const KvamBytes *) b);
}

/*
 * KvamAttrMakeSet builds a sorted set; NULL and *dup on duplicates.
 */
KvamAttr *
KvamAttrMakeSet(KvamAttrType type, const KvamBytes *members, int n, int *dup)
{
	KvamAttr   *v;
	KvamBytes  *sorted;
	int			i;

	Assert(KvamIsSetType(type) && n > 0);
	*dup = -1;
	sorted = palloc(sizeof(KvamBytes) * n);
	for (i = 0; i < n; i++)
		sorted[i] = copy_bytes(members[i].data, members[i].len);
	sort_settype = type;
	qsort(sorted, n, sizeof(KvamBytes), member_cmp);
	for (i = 1; i < n; i++)
	{
		if (KvamSetMemberCompare(type, sorted[i - 1], sorted[i]) == 0)
		{
			int			j;

			/* report the first input member that repeats an earlier one */
			for (j = 1; j < n && *dup < 0; j++)
			{
				int			k;

				for (k = 0; k < j; k++)
					if (KvamSetMemberCompare(type, members[k], members[j]) == 0)
					{
						*dup = j;
						break;
					}
			}
			return NULL;
		}
	}
	v = palloc0(sizeof(KvamAttr));
	v->type = type;
	v->n = n;
	v->cap = n;
	v->u.set = sorted;
	return v;
}

/*
 * KvamAttrCopy returns a deep copy.
 */
KvamAttr *
KvamAttrCopy(const KvamAttr *v)
{
	KvamAttr   *c;
	int			i;

	check_stack_depth();
	switch (v->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_N:
		case KVAM_AT_B:
			return KvamAttrMakeScalar(v->type, v->u.scalar.data, v->u.scalar.len);
		case KVAM_AT_BOOL:
			return KvamAttrMakeBool(v->u.boolean);
		case KVAM_AT_NULL:
			return KvamAttrMakeNull();
		case KVAM_AT_M:
			c = KvamAttrMakeMap(v->n);
			for (i = 0; i < v->n; i++)
			{
				c->u.map[i].name = copy_bytes(v->u.map[i].name.data,
											  v->u.map[i].name.len);
				c->u.map[i].value = KvamAttrCopy(v->u.map[i].value);
			}
			c->n = v->n;
			return c;
		case KVAM_AT_L:
			c = KvamAttrMakeList(v->n);
			for (i = 0; i < v->n; i++)
				c->u.list[i] = KvamAttrCopy(v->u.list[i]);
			c->n = v->n;
			return c;
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			c = palloc0(sizeof(KvamAttr));
			c->type = v->type;
			c->n = v->n;
			c->cap = v->n;
			c->u.set = palloc(sizeof(KvamBytes) * Max(v->n, 1));
			for (i = 0; i < v->n; i++)
				c->u.set[i] = copy_bytes(v->u.set[i].data, v->u.set[i].len);
			return c;
	}
	elog(ERROR, "unrecognized kvam attribute type %d", (int) v->type);
	return NULL;				/* keep compiler quiet */
}

/*
 * KvamBytesCompare: unsigned bytes, shorter prefix first.
 */
int
KvamBytesCompare(KvamBytes a, KvamBytes b)
{
	int			m = Min(a.len, b.len);
	int			r = (m > 0) ? memcmp(a.data, b.data, m) : 0;

	if (r != 0)
		return r < 0 ? -1 : 1;
	if (a.len != b.len)
		return a.len < b.len ? -1 : 1;
	return 0;
}

/*
 * KvamSetMemberCompare: numeric for N members, bytes otherwise.
 */
int
KvamSetMemberCompare(KvamAttrType settype, KvamBytes a, KvamBytes b)
{
	if (settype == KVAM_AT_NS || settype == KVAM_AT_N)
		return KvamNumberCompare(a.data, b.data);
	return KvamBytesCompare(a, b);
}

/* Binary search for 'name'; returns index or -(insertion point) - 1. */
static int
map_search(const KvamAttr *map, const char *name, int len)
{
	int			lo = 0;
	int			hi = map->n - 1;
	KvamBytes	key;

	key.data = name;
	key.len = len;
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = KvamBytesCompare(map->u.map[mid].name, key);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

/*
 * KvamMapGet returns the value stored under 'name', or NULL.
 */
KvamAttr *
KvamMapGet(const KvamAttr *map, const char *name, int len)
{
	int			i;

	Assert(map->type == KVAM_AT_M);
	i = map_search(map, name, len);
	return (i >= 0) ? map->u.map[i].value : NULL;
}

/*
 * KvamMapPut inserts or replaces the entry 'name'.
 */
void
KvamMapPut(KvamAttr *map, const char *name, int len, KvamAttr *value)
{
	int			i;

	Assert(map->type == KVAM_AT_M);
	i = map_search(map, name, len);
	if (i >= 0)
	{
		map->u.map[i].value = value;
		return;
	}
	i = -i - 1;
	if (map->n == map->cap)
	{
		map->cap = Max(map->cap * 2, 4);
		map->u.map = repalloc(map->u.map, sizeof(KvamMapEntry) * map->cap);
	}
	memmove(&map->u.map[i + 1], &map->u.map[i],
			sizeof(KvamMapEntry) * (map->n - i));
	map->u.map[i].name = copy_bytes(name, len);
	map->u.map[i].value = value;
	map->n++;
}

/*
 * KvamMapRemove deletes the entry 'name' if present.
 */
bool
KvamMapRemove(KvamAttr *map, const char *name, int len)
{
	int			i;

	Assert(map->type == KVAM_AT_M);
	i = map_search(map, name, len);
	if (i < 0)
		return false;
	memmove(&map->u.map[i], &map->u.map[i + 1],
			sizeof(KvamMapEntry) * (map->n - i - 1));
	map->n--;
	return true;
}

/*
 * KvamListAppend appends 'value' to 'list'.
 */
void
KvamListAppend(KvamAttr *list, KvamAttr *value)
{
	Assert(list->type == KVAM_AT_L);
	if (list->n == list->cap)
	{
		list->cap = Max(list->cap * 2, 4);
		list->u.list = repalloc(list->u.list, sizeof(KvamAttr *) * list->cap);
	}
	list->u.list[list->n++] = value;
}

/*
 * KvamListRemoveAt removes element i, shifting the following ones down.
 */
void
KvamListRemoveAt(KvamAttr *list, int i)
{
	Assert(list->type == KVAM_AT_L && i >= 0 && i < list->n);
	memmove(&list->u.list[i], &list->u.list[i + 1],
			sizeof(KvamAttr *) * (list->n - i - 1));
	list->n--;
}

/*
 * KvamAttrEqual is DynamoDB equality.
 */
bool
KvamAttrEqual(const KvamAttr *a, const KvamAttr *b)
{
	int			i;

	check_stack_depth();
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_B:
		case KVAM_AT_N:
			/* canonical numbers: equal iff same text */
			return KvamBytesCompare(a->u.scalar, b->u.scalar) == 0;
		case KVAM_AT_BOOL:
			return a->u.boolean == b->u.boolean;
		case KVAM_AT_NULL:
			return true;
		case KVAM_AT_M:
			if (a->n != b->n)
				return false;
			for (i = 0; i < a->n; i++)
				if (KvamBytesCompare(a->u.map[i].name, b->u.map[i].name) != 0 ||
					!KvamAttrEqual(a->u.map[i].value, b->u.map[i].value))
					return false;
			return true;
		case KVAM_AT_L:
			if (a->n != b->n)
				return false;
			for (i = 0; i < a->n; i++)
				if (!KvamAttrEqual(a->u.list[i], b->u.list[i]))
					return false;
			return true;
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			/* sorted and canonical: element-wise */
			if (a->n != b->n)
				return false;
			for (i = 0; i < a->n; i++)
				if (KvamBytesCompare(a->u.set[i], b->u.set[i]) != 0)
					return false;
			return true;
	}
	return false;
}

/*
 * KvamAttrCompare orders S, N and B values of one type.
 */
bool
KvamAttrCompare(const KvamAttr *a, const KvamAttr *b, int *cmp)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_B:
			*cmp = KvamBytesCompare(a->u.scalar, b->u.scalar);
			return true;
		case KVAM_AT_N:
			*cmp = KvamNumberCompare(a->u.scalar.data, b->u.scalar.data);
			return true;
		default:
			return false;
	}
}

/*
 * KvamSetContains: binary search of a sorted set.
 */
bool
KvamSetContains(const KvamAttr *set, KvamBytes m)
{
	int			lo = 0;
	int			hi = set->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = KvamSetMemberCompare(set->type, set->u.set[mid], m);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/*
 * KvamAttrDepth returns the container nesting depth.
 */
int
KvamAttrDepth(const KvamAttr *v)
{
	int			d = 0;
	int			i;

	check_stack_depth();
	if (v->type == KVAM_AT_M)
		for (i = 0; i < v->n; i++)
			d = Max(d, KvamAttrDepth(v->u.map[i].value));
	else if (v->type == KVAM_AT_L)
		for (i = 0; i < v->n; i++)
			d = Max(d, KvamAttrDepth(v->u.list[i]));
	else
		return 0;
	return d + 1;
}
