/*-------------------------------------------------------------------------
 *
 * itemjson.h
 *	  DynamoDB-typed JSON <-> KvamAttr, and plain JSON <-> DynamoDB JSON.
 *
 * Input is a JsonbValue: either an in-memory value or a jbvBinary
 * container taken from a jsonb datum.  Validation follows DynamoDB: type
 * errors in the JSON shape are SerializationExceptions and are reported
 * first (DynamoDB deserialises the whole request before validating it);
 * value errors (numbers, empty or duplicate sets, empty AttributeValue,
 * several types) are ValidationExceptions with DynamoDB's messages.
 * Numbers come out canonical, sets sorted.
 *
 * jsonb strings cannot hold U+0000; KvamItemToJsonb refuses such values
 * (see docs/format-item.md for the lossless paths).
 *
 * IDENTIFICATION
 *	  src/item/itemjson.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ITEM_ITEMJSON_H
#define KVAM_ITEM_ITEMJSON_H

#include "utils/jsonb.h"

#include "item/attrval.h"

/*
 * KvamJsonbRoot sets *out to the root of 'jb' (a scalar, or a jbvBinary
 * container).
 */
extern void KvamJsonbRoot(Jsonb *jb, JsonbValue *out);

/*
 * KvamJsonObjectPairs / KvamJsonArrayElems return the members of an object
 * or the elements of an array value, in-memory or jbvBinary alike.
 */
extern JsonbPair *KvamJsonObjectPairs(const JsonbValue *v, int *n);
extern JsonbValue *KvamJsonArrayElems(const JsonbValue *v, int *n);

/*
 * KvamJsonTextParse parses JSON text that, unlike jsonb input, may carry
 * "\u0000", into an in-memory JsonbValue tree.  Malformed text is a
 * SerializationException.
 */
extern void KvamJsonTextParse(const char *s, int len, JsonbValue *out);

/*
 * KvamAttrFromJson converts one AttributeValue ({"S":"x"}, ...).  A
 * ValidationException's message is wrapped as prefix + message + suffix
 * (either may be NULL), e.g. for ExpressionAttributeValues.
 */
extern KvamAttr *KvamAttrFromJson(const JsonbValue *v, const char *prefix,
								  const char *suffix);

/*
 * KvamItemFromJson converts a map of attribute name -> AttributeValue
 * (an Item, a Key) into a KvamAttr of type M.
 */
extern KvamAttr *KvamItemFromJson(const JsonbValue *v, const char *prefix,
								  const char *suffix);

/* KvamItemFromJsonb is KvamItemFromJson on a jsonb datum. */
extern KvamAttr *KvamItemFromJsonb(Jsonb *jb);

/*
 * KvamAttrToJsonb and KvamItemToJsonb render DynamoDB JSON.  B values are
 * base64.  Raise ERRCODE_UNTRANSLATABLE_CHARACTER when a string or name
 * contains U+0000.
 */
extern Jsonb *KvamAttrToJsonb(const KvamAttr *v);
extern Jsonb *KvamItemToJsonb(const KvamAttr *item);

/*
 * KvamItemPushJsonb pushes an attribute map into a jsonb being built with
 * pushJsonbValue, as the value of the last key pushed or as an array
 * element (same checks as KvamItemToJsonb).
 */
extern void KvamItemPushJsonb(JsonbParseState **ps, const KvamAttr *item);

/*
 * KvamItemFromJsonText parses DynamoDB JSON text, which unlike jsonb may
 * carry "\u0000" in strings and names, into an item (the lossless input
 * path).  Malformed JSON is a SerializationException.
 */
extern KvamAttr *KvamItemFromJsonText(const char *s, int len);

/*
 * KvamItemToJsonText renders an item as DynamoDB JSON text (members in
 * name order), escaping U+0000 as \u0000: the lossless output path for
 * values that jsonb cannot hold.
 */
extern char *KvamItemToJsonText(const KvamAttr *item);
extern void KvamItemAppendJsonText(StringInfo buf, const KvamAttr *item);

/*
 * KvamMarshalJson converts plain JSON to a KvamAttr: strings S, numbers N
 * (validated), booleans BOOL, null NULL, arrays L, objects M.
 */
extern KvamAttr *KvamMarshalJson(const JsonbValue *v);

/*
 * KvamUnmarshalToJsonb renders a KvamAttr as plain JSON: N as JSON
 * numbers, B as base64 strings, sets as arrays.
 */
extern Jsonb *KvamUnmarshalToJsonb(const KvamAttr *v);

#endif							/* KVAM_ITEM_ITEMJSON_H */
