/*-------------------------------------------------------------------------
 *
 * item_sql.c
 *	  SQL-callable functions over the item model: validation, size,
 *	  binary round trip, plain JSON marshalling, number helpers.
 *
 * These functions are the unit-test surface of item/ (sql/item_*.sql) and
 * the helpers of DESIGN section 1 (kvam.marshal, kvam.unmarshal).  Each
 * call works in the caller's (per-call) memory context.
 *
 * IDENTIFICATION
 *	  src/item/item_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api/errors.h"
#include "item/item.h"
#include "item/itemjson.h"
#include "item/number.h"

PG_FUNCTION_INFO_V1(kvam_item_validate);
PG_FUNCTION_INFO_V1(kvam_attr_validate);
PG_FUNCTION_INFO_V1(kvam_item_size);
PG_FUNCTION_INFO_V1(kvam_item_check_size);
PG_FUNCTION_INFO_V1(kvam_item_roundtrip);
PG_FUNCTION_INFO_V1(kvam_item_encode);
PG_FUNCTION_INFO_V1(kvam_item_decode);
PG_FUNCTION_INFO_V1(kvam_item_decode_text);
PG_FUNCTION_INFO_V1(kvam_item_roundtrip_text);
PG_FUNCTION_INFO_V1(kvam_marshal);
PG_FUNCTION_INFO_V1(kvam_unmarshal);
PG_FUNCTION_INFO_V1(kvam_number_normalize);
PG_FUNCTION_INFO_V1(kvam_number_compare);
PG_FUNCTION_INFO_V1(kvam_key_check);

/*
 * kvam_item_validate is kvam.item_validate(item jsonb): the item,
 * validated and normalised (canonical numbers, sorted sets).
 */
Datum
kvam_item_validate(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));

	PG_RETURN_JSONB_P(KvamItemToJsonb(item));
}

/*
 * kvam_attr_validate is kvam.attr_validate(value jsonb): one
 * AttributeValue, validated and normalised.
 */
Datum
kvam_attr_validate(PG_FUNCTION_ARGS)
{
	JsonbValue	root;
	KvamAttr   *v;

	KvamJsonbRoot(PG_GETARG_JSONB_P(0), &root);
	v = KvamAttrFromJson(&root, NULL, NULL);
	PG_RETURN_JSONB_P(KvamAttrToJsonb(v));
}

/*
 * kvam_item_size is kvam.item_size(item jsonb): DynamoDB's size in bytes.
 */
Datum
kvam_item_size(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));

	PG_RETURN_INT64(KvamItemSize(item));
}

/*
 * kvam_item_check_size is kvam._item_check_size(item jsonb, for_update
 * bool): the size, or DynamoDB's error when the item exceeds 400 KB.
 */
Datum
kvam_item_check_size(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));

	KvamItemCheckSize(item, PG_GETARG_BOOL(1));
	PG_RETURN_INT64(KvamItemSize(item));
}

/*
 * kvam_item_roundtrip is kvam._item_roundtrip(item jsonb): the item after
 * encode and decode through the binary format.
 */
Datum
kvam_item_roundtrip(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));
	StringInfoData buf;
	StringInfoData buf2;
	KvamAttr   *back;

	initStringInfo(&buf);
	KvamItemEncode(&buf, item);
	back = KvamItemDecode(buf.data, buf.len);
	/* canonical: re-encoding gives the same bytes */
	initStringInfo(&buf2);
	KvamItemEncode(&buf2, back);
	if (buf.len != buf2.len || memcmp(buf.data, buf2.data, buf.len) != 0)
		elog(ERROR, "kvam item encoding is not canonical");
	PG_RETURN_JSONB_P(KvamItemToJsonb(back));
}

/*
 * kvam_item_encode is kvam._item_encode(item jsonb) RETURNS bytea.
 */
Datum
kvam_item_encode(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));
	StringInfoData buf;

	initStringInfo(&buf);
	KvamItemEncode(&buf, item);
	PG_RETURN_BYTEA_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * kvam_item_decode is kvam._item_decode(data bytea) RETURNS jsonb.
 */
Datum
kvam_item_decode(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	KvamAttr   *item = KvamItemDecode(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));

	PG_RETURN_JSONB_P(KvamItemToJsonb(item));
}

/*
 * kvam_item_decode_text is kvam._item_decode_text(data bytea) RETURNS
 * text: the decoded item as DynamoDB JSON text, U+0000 escaped.
 */
Datum
kvam_item_decode_text(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	KvamAttr   *item = KvamItemDecode(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));

	PG_RETURN_TEXT_P(cstring_to_text(KvamItemToJsonText(item)));
}

/*
 * kvam_item_roundtrip_text is kvam._item_roundtrip_text(item text)
 * RETURNS text: DynamoDB JSON text (U+0000 allowed) through validation,
 * encode and decode, back to JSON text.
 */
Datum
kvam_item_roundtrip_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	KvamAttr   *item = KvamItemFromJsonText(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	StringInfoData buf;

	initStringInfo(&buf);
	KvamItemEncode(&buf, item);
	item = KvamItemDecode(buf.data, buf.len);
	PG_RETURN_TEXT_P(cstring_to_text(KvamItemToJsonText(item)));
}

/*
 * kvam_marshal is kvam.marshal(plain jsonb): an object becomes an item
 * (attribute map), any other value one AttributeValue.
 */
Datum
kvam_marshal(PG_FUNCTION_ARGS)
{
	JsonbValue	root;
	KvamAttr   *v;

	KvamJsonbRoot(PG_GETARG_JSONB_P(0), &root);
	v = KvamMarshalJson(&root);
	if (v->type == KVAM_AT_M)
		PG_RETURN_JSONB_P(KvamItemToJsonb(v));
	PG_RETURN_JSONB_P(KvamAttrToJsonb(v));
}

/*
 * kvam_unmarshal is kvam.unmarshal(item jsonb): an item (attribute map)
 * rendered as plain JSON.
 */
Datum
kvam_unmarshal(PG_FUNCTION_ARGS)
{
	KvamAttr   *item = KvamItemFromJsonb(PG_GETARG_JSONB_P(0));

	PG_RETURN_JSONB_P(KvamUnmarshalToJsonb(item));
}

/*
 * kvam_number_normalize is kvam._number_normalize(text): the canonical
 * text, or DynamoDB's ValidationException.
 */
Datum
kvam_number_normalize(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *c;
	KvamNumberStatus st = KvamNumberNormalize(VARDATA_ANY(t),
											  VARSIZE_ANY_EXHDR(t), &c);

	if (st != KVAM_NUM_OK)
		KvamRaise(KVAM_EX_VALIDATION, "%s",
				  KvamNumberErrorMessage(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
	PG_RETURN_TEXT_P(cstring_to_text(c));
}

/*
 * kvam_number_compare is kvam._number_compare(a text, b text): -1, 0, 1.
 */
Datum
kvam_number_compare(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	char	   *ca;
	char	   *cb;

	if (KvamNumberNormalize(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &ca) != KVAM_NUM_OK ||
		KvamNumberNormalize(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &cb) != KVAM_NUM_OK)
		KvamRaise(KVAM_EX_VALIDATION, "The parameter cannot be converted to a numeric value");
	PG_RETURN_INT32(KvamNumberCompare(ca, cb));
}

/*
 * kvam_key_check is kvam._key_check(value jsonb, name text, partition
 * bool): validates a key attribute value, returns it normalised.
 */
Datum
kvam_key_check(PG_FUNCTION_ARGS)
{
	JsonbValue	root;
	KvamAttr   *v;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

	KvamJsonbRoot(PG_GETARG_JSONB_P(0), &root);
	v = KvamAttrFromJson(&root, NULL, NULL);
	KvamKeyCheckValue(v, name, PG_GETARG_BOOL(2));
	PG_RETURN_JSONB_P(KvamAttrToJsonb(v));
}
