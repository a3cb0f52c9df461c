/*-------------------------------------------------------------------------
 *
 * item_codec.c
 *	  The compact, lossless, versioned binary encoding of items.
 *
 * Layout (docs/format-item.md is the specification):
 *
 *	  item   := version:u8 (=1) map-body
 *	  value  := type:u8 payload
 *	  S, N, B:  len:varint bytes[len]        (N: canonical decimal text)
 *	  BOOL:     u8 (0 or 1)
 *	  NULL:     (nothing)
 *	  M:        count:varint { len:varint name[len] value }*  (names sorted)
 *	  L:        count:varint value*
 *	  SS,NS,BS: count:varint { len:varint bytes[len] }*     (members sorted)
 *
 * varint is unsigned LEB128, at most 5 bytes, value <= INT32_MAX.  Since
 * the model keeps maps and sets sorted and numbers canonical, equal items
 * encode to equal bytes.  The decoder trusts nothing: it bounds every
 * length by the remaining input, limits nesting, and checks ordering and
 * canonical numbers, so that a corrupted or hostile buffer yields an
 * error, never an out-of-bounds read or a model that breaks invariants.
 *
 * IDENTIFICATION
 *	  src/item/item_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "item/item.h"
#include "item/number.h"

/* ------------------------------- encode ------------------------------- */

static void
put_varint(StringInfo out, uint32 v)
{
	while (v >= 0x80)
	{
		appendStringInfoChar(out, (char) ((v & 0x7F) | 0x80));
		v >>= 7;
	}
	appendStringInfoChar(out, (char) v);
}

static void
put_bytes(StringInfo out, KvamBytes b)
{
	put_varint(out, (uint32) b.len);
	appendBinaryStringInfo(out, b.data, b.len);
}

static void
encode_map_body(StringInfo out, const KvamAttr *m)
{
	int			i;

	put_varint(out, (uint32) m->n);
	for (i = 0; i < m->n; i++)
	{
		put_bytes(out, m->u.map[i].name);
		KvamAttrEncode(out, m->u.map[i].value);
	}
}

/*
 * KvamAttrEncode appends one value.
 */
void
KvamAttrEncode(StringInfo out, const KvamAttr *v)
{
	int			i;

	check_stack_depth();
	appendStringInfoChar(out, (char) v->type);
	switch (v->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_N:
		case KVAM_AT_B:
			put_bytes(out, v->u.scalar);
			break;
		case KVAM_AT_BOOL:
			appendStringInfoChar(out, v->u.boolean ? 1 : 0);
			break;
		case KVAM_AT_NULL:
			break;
		case KVAM_AT_M:
			encode_map_body(out, v);
			break;
		case KVAM_AT_L:
			put_varint(out, (uint32) v->n);
			for (i = 0; i < v->n; i++)
				KvamAttrEncode(out, v->u.list[i]);
			break;
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			put_varint(out, (uint32) v->n);
			for (i = 0; i < v->n; i++)
				put_bytes(out, v->u.set[i]);
			break;
	}
}

/*
 * KvamItemEncode appends the version byte and the item's map body.
 */
void
KvamItemEncode(StringInfo out, const KvamAttr *item)
{
	Assert(item->type == KVAM_AT_M);
	appendStringInfoChar(out, (char) KVAM_ITEM_FORMAT_VERSION);
	encode_map_body(out, item);
}

/* ------------------------------- decode ------------------------------- */

typedef struct Reader
{
	const unsigned char *p;
	const unsigned char *end;
} Reader;

static void
corrupt(const char *what)
{
	ereport(ERROR,
			errcode(ERRCODE_DATA_CORRUPTED),
			errmsg("invalid kvam item encoding: %s", what));
}

static uint32
get_varint(Reader *r)
{
	uint32		v = 0;
	int			shift;

	for (shift = 0; shift < 35; shift += 7)
	{
		uint32		b;

		if (r->p >= r->end)
			corrupt("truncated length");
		b = *r->p++;
		if (shift == 28 && (b & 0xF8) != 0)
			corrupt("length out of range");
		v |= (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			if (v > (uint32) PG_INT32_MAX)
				corrupt("length out of range");
			return v;
		}
	}
	corrupt("length out of range");
	return 0;					/* keep compiler quiet */
}

static KvamBytes
get_bytes(Reader *r)
{
	KvamBytes	b;
	uint32		len = get_varint(r);

	if (len > (uint32) (r->end - r->p))
		corrupt("truncated value");
	b.data = (const char *) r->p;
	b.len = (int) len;
	r->p += len;
	return b;
}

/* A count of elements, each of which needs at least 'minsize' bytes. */
static int
get_count(Reader *r, int minsize)
{
	uint32		n = get_varint(r);

	if ((uint64) n * minsize > (uint64) (r->end - r->p))
		corrupt("element count exceeds the data");
	return (int) n;
}

static KvamAttr *decode_value(Reader *r, int depth);

/* Copy bytes that may contain 0x00 (pnstrdup would stop there). */
static const char *
copy_raw(KvamBytes b)
{
	char	   *p = palloc(b.len + 1);

	memcpy(p, b.data, b.len);
	p[b.len] = '\0';
	return p;
}

static KvamAttr *
decode_map_body(Reader *r, int depth)
{
	int			n = get_count(r, 2);
	int			i;
	KvamAttr   *m = KvamAttrMakeMap(n);

	for (i = 0; i < n; i++)
	{
		KvamBytes	name = get_bytes(r);
		KvamAttr   *v;

		if (i > 0 && KvamBytesCompare(m->u.map[i - 1].name, name) >= 0)
			corrupt("map names out of order");
		v = decode_value(r, depth);
		/* append: names arrive sorted */
		m->u.map[i].name.data = copy_raw(name);
		m->u.map[i].name.len = name.len;
		m->u.map[i].value = v;
		m->n = i + 1;
	}
	return m;
}

static bool
canonical_number(KvamBytes b, char **out)
{
	char	   *c;

	if (KvamNumberNormalize(b.data, b.len, &c) != KVAM_NUM_OK)
		return false;
	if ((int) strlen(c) != b.len || memcmp(c, b.data, b.len) != 0)
		return false;
	*out = c;
	return true;
}

/* Decode one value whose container nesting is 'depth'. */
static KvamAttr *
decode_value(Reader *r, int depth)
{
	KvamAttrType type;
	KvamAttr   *v;
	KvamBytes	b;
	int			n;
	int			i;

	check_stack_depth();
	if (r->p >= r->end)
		corrupt("truncated value");
	type = (KvamAttrType) *r->p++;
	switch (type)
	{
		case KVAM_AT_S:
		case KVAM_AT_B:
			b = get_bytes(r);
			return KvamAttrMakeScalar(type, b.data, b.len);
		case KVAM_AT_N:
			{
				char	   *c;

				b = get_bytes(r);
				if (!canonical_number(b, &c))
					corrupt("number not canonical");
				return KvamAttrMakeScalar(type, c, strlen(c));
			}
		case KVAM_AT_BOOL:
			if (r->p >= r->end || *r->p > 1)
				corrupt("invalid boolean");
			return KvamAttrMakeBool(*r->p++ != 0);
		case KVAM_AT_NULL:
			return KvamAttrMakeNull();
		case KVAM_AT_M:
			if (depth + 1 > KVAM_MAX_NESTING)
				corrupt("nesting too deep");
			return decode_map_body(r, depth + 1);
		case KVAM_AT_L:
			if (depth + 1 > KVAM_MAX_NESTING)
				corrupt("nesting too deep");
			n = get_count(r, 1);
			v = KvamAttrMakeList(n);
			for (i = 0; i < n; i++)
				KvamListAppend(v, decode_value(r, depth + 1));
			return v;
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			n = get_count(r, 1);
			if (n == 0)
				corrupt("empty set");
			v = palloc0(sizeof(KvamAttr));
			v->type = type;
			v->u.set = palloc(sizeof(KvamBytes) * n);
			for (i = 0; i < n; i++)
			{
				b = get_bytes(r);
				if (type == KVAM_AT_NS)
				{
					char	   *c;

					if (!canonical_number(b, &c))
						corrupt("number not canonical");
					b.data = c;
				}
				else
					b.data = copy_raw(b);
				if (i > 0 && KvamSetMemberCompare(type, v->u.set[i - 1], b) >= 0)
					corrupt("set members out of order");
				v->u.set[i] = b;
				v->n = v->cap = i + 1;
			}
			return v;
	}
	corrupt("unknown attribute type");
	return NULL;				/* keep compiler quiet */
}

/*
 * KvamItemDecode decodes an encoded item, checking everything.
 */
KvamAttr *
KvamItemDecode(const char *data, int len)
{
	Reader		r;
	KvamAttr   *item;

	r.p = (const unsigned char *) data;
	r.end = r.p + len;
	if (len < 1)
		corrupt("empty");
	if (*r.p != KVAM_ITEM_FORMAT_VERSION)
		ereport(ERROR,
				errcode(ERRCODE_DATA_CORRUPTED),
				errmsg("unsupported kvam item format version %d", (int) *r.p),
				errdetail("This build reads version %d.", KVAM_ITEM_FORMAT_VERSION));
	r.p++;
	item = decode_map_body(&r, 0);
	if (r.p != r.end)
		corrupt("trailing bytes");
	return item;
}
