/*-------------------------------------------------------------------------
 *
 * itemtype.c
 *	  The kvam.item base type: an item (attribute map) stored in the binary
 *	  item encoding, shown as DynamoDB JSON.
 *
 * Storage is a varlena holding exactly the bytes of KvamItemEncode
 * (docs/format-item.md: versioned, lossless, canonical), STORAGE extended
 * so large items are compressed and toasted.  The text form is DynamoDB
 * JSON through the lossless text path (U+0000 written as \u0000), so
 * SELECT, COPY and pg_dump show and take DynamoDB JSON.  The binary
 * send/recv form is the item encoding itself; recv validates it fully.
 * Casts to and from jsonb use the jsonb converters (to jsonb fails with
 * 22P05 only for strings containing U+0000).
 *
 * Invariant: every stored kvam.item decodes (input functions only build
 * values through the validating converters and the encoder).
 *
 * IDENTIFICATION
 *	  src/api/itemtype.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api/itemtype.h"
#include "item/item.h"
#include "item/itemjson.h"

PG_FUNCTION_INFO_V1(kvam_item_in);
PG_FUNCTION_INFO_V1(kvam_item_out);
PG_FUNCTION_INFO_V1(kvam_item_recv);
PG_FUNCTION_INFO_V1(kvam_item_send);
PG_FUNCTION_INFO_V1(kvam_item_from_jsonb);
PG_FUNCTION_INFO_V1(kvam_item_to_jsonb);

/*
 * KvamItemDatum encodes an item into a kvam.item varlena.
 */
Datum
KvamItemDatum(const KvamAttr *item)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	KvamItemEncode(&buf, item);
	SET_VARSIZE(buf.data, buf.len);
	return PointerGetDatum(buf.data);
}

/*
 * KvamItemFromDatum decodes a kvam.item value (detoasting it first).
 */
KvamAttr *
KvamItemFromDatum(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

	return KvamItemDecode(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

#define item_datum(item) DatumGetByteaPP(KvamItemDatum(item))
#define item_arg(fcinfo) KvamItemFromDatum(PG_GETARG_DATUM(0))

/* kvam_item_in: DynamoDB JSON text -> kvam.item. */
Datum
kvam_item_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);

	PG_RETURN_BYTEA_P(item_datum(KvamItemFromJsonText(s, strlen(s))));
}

/* kvam_item_out: kvam.item -> DynamoDB JSON text (members in name order). */
Datum
kvam_item_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(KvamItemToJsonText(item_arg(fcinfo)));
}

/* kvam_item_recv: the binary item encoding, validated. */
Datum
kvam_item_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	KvamAttr   *item;

	item = KvamItemDecode(buf->data + buf->cursor, buf->len - buf->cursor);
	buf->cursor = buf->len;
	PG_RETURN_BYTEA_P(item_datum(item));
}

/* kvam_item_send: the stored bytes. */
Datum
kvam_item_send(PG_FUNCTION_ARGS)
{
	bytea	   *v = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* kvam_item_from_jsonb: the cast jsonb -> kvam.item. */
Datum
kvam_item_from_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(item_datum(KvamItemFromJsonb(PG_GETARG_JSONB_P(0))));
}

/* kvam_item_to_jsonb: the cast kvam.item -> jsonb. */
Datum
kvam_item_to_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(KvamItemToJsonb(item_arg(fcinfo)));
}
