/*-------------------------------------------------------------------------
 *
 * keymap.c
 *	  DynamoDB key attributes <-> key columns, and key validation.
 *
 * The S mapping is the byte-stuffing of docs/api.md: text cannot hold
 * U+0000, so 0x00 and 0x01 are escaped with 0x01.  Since 0x01 < 0x02 <
 * every other byte that can follow, the stuffed strings sort in the same
 * unsigned byte order as the originals, which keeps Query ranges and
 * begins_with on sort keys correct.  Length limits apply to the original
 * value and are checked before conversion.
 *
 * IDENTIFICATION
 *	  src/api/keymap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "api/keymap.h"
#include "item/item.h"
#include "item/number.h"

#define KEY_MISMATCH "The provided key element does not match the schema"

Datum
KvamKeyAttrToDatum(const KvamAttr *v)
{
	const char *s = v->u.scalar.data;
	int			len = v->u.scalar.len;

	switch (v->type)
	{
		case KVAM_AT_S:
			{
				StringInfoData buf;
				int			i;

				if (memchr(s, 0, len) == NULL && memchr(s, 1, len) == NULL)
					return PointerGetDatum(cstring_to_text_with_len(s, len));
				initStringInfo(&buf);
				for (i = 0; i < len; i++)
				{
					if (s[i] == 0 || s[i] == 1)
					{
						appendStringInfoChar(&buf, 1);
						appendStringInfoChar(&buf, s[i] + 1);
					}
					else
						appendStringInfoChar(&buf, s[i]);
				}
				return PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
			}
		case KVAM_AT_N:
			/* canonical text is NUL-terminated */
			return DirectFunctionCall3(numeric_in, CStringGetDatum(s),
									   ObjectIdGetDatum(InvalidOid),
									   Int32GetDatum(-1));
		case KVAM_AT_B:
			{
				bytea	   *b = palloc(VARHDRSZ + len);

				SET_VARSIZE(b, VARHDRSZ + len);
				memcpy(VARDATA(b), s, len);
				return PointerGetDatum(b);
			}
		default:
			elog(ERROR, "attribute type %d cannot be a key", (int) v->type);
	}
	return (Datum) 0;			/* keep compiler quiet */
}

KvamAttr *
KvamKeyDatumToAttr(KvamAttrType type, Datum d)
{
	switch (type)
	{
		case KVAM_AT_S:
			{
				text	   *t = DatumGetTextPP(d);
				const char *s = VARDATA_ANY(t);
				int			len = VARSIZE_ANY_EXHDR(t);
				char	   *out;
				int			i,
							j;

				if (memchr(s, 1, len) == NULL)
					return KvamAttrMakeScalar(KVAM_AT_S, s, len);
				out = palloc(len);
				for (i = 0, j = 0; i < len; i++)
				{
					if (s[i] == 1 && i + 1 < len)
						out[j++] = s[++i] - 1;
					else
						out[j++] = s[i];
				}
				return KvamAttrMakeScalar(KVAM_AT_S, out, j);
			}
		case KVAM_AT_N:
			{
				char	   *txt = DatumGetCString(DirectFunctionCall1(numeric_out, d));
				char	   *canon;

				if (KvamNumberNormalize(txt, strlen(txt), &canon) != KVAM_NUM_OK)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("key column value %s is not a DynamoDB number", txt)));
				return KvamAttrMakeScalar(KVAM_AT_N, canon, strlen(canon));
			}
		case KVAM_AT_B:
			{
				bytea	   *b = DatumGetByteaPP(d);

				return KvamAttrMakeScalar(KVAM_AT_B, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
			}
		default:
			elog(ERROR, "attribute type %d cannot be a key", (int) type);
	}
	return NULL;				/* keep compiler quiet */
}

bool
KvamKeySchemaIsKey(const KvamKeySchema *ks, const char *name, int len)
{
	if ((int) strlen(ks->hash_name) == len && memcmp(ks->hash_name, name, len) == 0)
		return true;
	return ks->range_name != NULL && (int) strlen(ks->range_name) == len &&
		memcmp(ks->range_name, name, len) == 0;
}

static const KvamAttr *
get_attr(const KvamAttr *map, const char *name)
{
	return KvamMapGet(map, name, strlen(name));
}

void
KvamKeyCheck(const KvamKeySchema *ks, const KvamAttr *key)
{
	const KvamAttr *h = get_attr(key, ks->hash_name);
	const KvamAttr *r = ks->range_name ? get_attr(key, ks->range_name) : NULL;
	int			nkeys = ks->range_name ? 2 : 1;

	if (key->n != nkeys || h == NULL || h->type != ks->hash_type ||
		(ks->range_name && (r == NULL || r->type != ks->range_type)))
		KvamRaise(KVAM_EX_VALIDATION, KEY_MISMATCH);
	KvamKeyCheckValue(h, ks->hash_name, true);
	if (r)
		KvamKeyCheckValue(r, ks->range_name, false);
}

static void
check_item_key_attr(const KvamAttr *item, const char *name, KvamAttrType type,
					bool partition)
{
	const KvamAttr *v = get_attr(item, name);

	if (v == NULL)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Missing the key %s in the item",
				  name);
	if (v->type != type)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s",
				  name, KvamAttrTypeName(type), KvamAttrTypeName(v->type));
	KvamKeyCheckValue(v, name, partition);
}

void
KvamItemCheckKey(const KvamKeySchema *ks, const KvamAttr *item)
{
	check_item_key_attr(item, ks->hash_name, ks->hash_type, true);
	if (ks->range_name)
		check_item_key_attr(item, ks->range_name, ks->range_type, false);
}

KvamAttr *
KvamItemKey(const KvamKeySchema *ks, const KvamAttr *item)
{
	KvamAttr   *key = KvamAttrMakeMap(2);

	KvamMapPut(key, ks->hash_name, strlen(ks->hash_name),
			   (KvamAttr *) get_attr(item, ks->hash_name));
	if (ks->range_name)
		KvamMapPut(key, ks->range_name, strlen(ks->range_name),
				   (KvamAttr *) get_attr(item, ks->range_name));
	return key;
}

KvamAttr *
KvamItemWithoutKey(const KvamKeySchema *ks, const KvamAttr *item)
{
	KvamAttr   *rest = KvamAttrMakeMap(item->n);
	int			i;

	/* entries are sorted and unique: appending keeps the invariants */
	for (i = 0; i < item->n; i++)
	{
		const KvamMapEntry *e = &item->u.map[i];

		if (!KvamKeySchemaIsKey(ks, e->name.data, e->name.len))
			KvamMapPut(rest, e->name.data, e->name.len, e->value);
	}
	return rest;
}

KvamAttr *
KvamItemWithKey(const KvamAttr *key, const KvamAttr *rest)
{
	KvamAttr   *item = KvamAttrMakeMap(rest->n + key->n);
	int			i;

	for (i = 0; i < rest->n; i++)
		KvamMapPut(item, rest->u.map[i].name.data, rest->u.map[i].name.len,
				   rest->u.map[i].value);
	for (i = 0; i < key->n; i++)
		KvamMapPut(item, key->u.map[i].name.data, key->u.map[i].name.len,
				   key->u.map[i].value);
	return item;
}
