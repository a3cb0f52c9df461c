/*-------------------------------------------------------------------------
 *
 * item_size.c
 *	  DynamoDB's item size accounting and the item and key size limits.
 *
 * The formula is DynamoDB's documented one ("Item sizes and formats" in
 * the developer guide): attribute names and values both count; numbers
 * are about one byte per two significant digits plus one; lists and maps
 * carry 3 bytes of overhead plus 1 byte per element.  See item.h for the
 * exact per-type rule and docs/format-item.md for the discussion.
 *
 * IDENTIFICATION
 *	  src/item/item_size.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "api/errors.h"
#include "item/item.h"
#include "item/number.h"

/*
 * KvamAttrSize returns DynamoDB's size of one value.
 */
int64
KvamAttrSize(const KvamAttr *v)
{
	int64		size = 0;
	int			i;

	check_stack_depth();
	switch (v->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_B:
			return v->u.scalar.len;
		case KVAM_AT_N:
			return KvamNumberSize(v->u.scalar.data);
		case KVAM_AT_BOOL:
		case KVAM_AT_NULL:
			return 1;
		case KVAM_AT_SS:
		case KVAM_AT_BS:
			for (i = 0; i < v->n; i++)
				size += v->u.set[i].len;
			return size;
		case KVAM_AT_NS:
			for (i = 0; i < v->n; i++)
				size += KvamNumberSize(v->u.set[i].data);
			return size;
		case KVAM_AT_L:
			size = 3;
			for (i = 0; i < v->n; i++)
				size += 1 + KvamAttrSize(v->u.list[i]);
			return size;
		case KVAM_AT_M:
			size = 3;
			for (i = 0; i < v->n; i++)
				size += 1 + v->u.map[i].name.len +
					KvamAttrSize(v->u.map[i].value);
			return size;
	}
	return 0;
}

/*
 * KvamItemSize returns DynamoDB's size of an item.
 */
int64
KvamItemSize(const KvamAttr *item)
{
	int64		size = 0;
	int			i;

	Assert(item->type == KVAM_AT_M);
	for (i = 0; i < item->n; i++)
		size += item->u.map[i].name.len + KvamAttrSize(item->u.map[i].value);
	return size;
}

/*
 * KvamItemCheckSize enforces the 400 KB item limit.
 */
void
KvamItemCheckSize(const KvamAttr *item, bool for_update)
{
	if (KvamItemSize(item) > KVAM_MAX_ITEM_SIZE)
		KvamRaiseCode(KVAM_EX_VALIDATION, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "%s",
					  for_update ?
					  "Item size to update has exceeded the maximum allowed size" :
					  "Item size has exceeded the maximum allowed size");
}

/*
 * KvamKeyCheckValue validates one key attribute value.
 */
void
KvamKeyCheckValue(const KvamAttr *v, const char *attrname,
				  bool is_partition_key)
{
	if (v->type != KVAM_AT_S && v->type != KVAM_AT_N && v->type != KVAM_AT_B)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Key attributes must be scalars; Key: %s",
				  attrname);
	if (v->type == KVAM_AT_N)
		return;
	if (v->u.scalar.len == 0)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
				  v->type == KVAM_AT_S ? "string" : "binary", attrname);
	if (is_partition_key && v->u.scalar.len > KVAM_MAX_PARTITION_KEY_SIZE)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
	if (!is_partition_key && v->u.scalar.len > KVAM_MAX_SORT_KEY_SIZE)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
}
