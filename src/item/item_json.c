/*-------------------------------------------------------------------------
 *
 * item_json.c
 *	  DynamoDB-typed JSON (jsonb) to and from the KvamAttr model.
 *
 * Conversion is one recursive walk.  SerializationExceptions (a JSON value
 * of the wrong shape for its member) are raised at once; the first
 * ValidationException is remembered and raised after the walk, so that a
 * request with both kinds reports the serialization error, as DynamoDB
 * does.  Nesting deeper than KVAM_MAX_NESTING is a ValidationException and
 * is detected before recursing further, so hostile input cannot exhaust
 * the stack.
 *
 * IDENTIFICATION
 *	  src/item/item_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "item/attrval.h"
#include "item/itemjson.h"
#include "item/number.h"

typedef enum JKind
{
	JK_NULL,
	JK_BOOL,
	JK_NUMBER,
	JK_STRING,
	JK_ARRAY,
	JK_OBJECT
} JKind;

typedef struct ConvState
{
	char	   *verror;			/* first validation error, or NULL */
	const char *prefix;
	const char *suffix;
} ConvState;

/* ---------- generic access to in-memory and binary JSON values ---------- */

static JKind
jkind(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return JK_NULL;
		case jbvBool:
			return JK_BOOL;
		case jbvNumeric:
			return JK_NUMBER;
		case jbvString:
			return JK_STRING;
		case jbvArray:
			return JK_ARRAY;
		case jbvObject:
			return JK_OBJECT;
		case jbvBinary:
			if (JsonContainerIsObject(v->val.binary.data))
				return JK_OBJECT;
			return JK_ARRAY;
		default:
			return JK_NULL;
	}
}

/* KvamJsonObjectPairs: entries of an object; palloc'd array of pairs. */
JsonbPair *
KvamJsonObjectPairs(const JsonbValue *v, int *n)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	val;
	JsonbPair  *pairs;

	if (v->type == jbvObject)
	{
		*n = v->val.object.nPairs;
		return v->val.object.pairs;
	}
	pairs = palloc(sizeof(JsonbPair) *
				   Max(1, JsonContainerSize(v->val.binary.data)));
	*n = 0;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &val, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			pairs[*n].key = val;
		else if (tok == WJB_VALUE)
			pairs[(*n)++].value = val;
	}
	return pairs;
}

/* KvamJsonArrayElems: elements of an array; palloc'd array of values. */
JsonbValue *
KvamJsonArrayElems(const JsonbValue *v, int *n)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	val;
	JsonbValue *elems;

	if (v->type == jbvArray)
	{
		*n = v->val.array.nElems;
		return v->val.array.elems;
	}
	elems = palloc(sizeof(JsonbValue) *
				   Max(1, JsonContainerSize(v->val.binary.data)));
	*n = 0;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &val, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM)
			elems[(*n)++] = val;
	}
	return elems;
}

/*
 * KvamJsonbRoot returns the root value of a jsonb datum.
 */
void
KvamJsonbRoot(Jsonb *jb, JsonbValue *out)
{
	if (JB_ROOT_IS_SCALAR(jb))
	{
		if (!JsonbExtractScalar(&jb->root, out))
			elog(ERROR, "could not extract jsonb scalar");
		return;
	}
	out->type = jbvBinary;
	out->val.binary.data = &jb->root;
	out->val.binary.len = VARSIZE(jb) - VARHDRSZ;
}

/* ------------------------------- errors ------------------------------- */

static void
serialization_error(const char *msg)
{
	KvamRaise(KVAM_EX_SERIALIZATION, "%s", msg);
}

static void
validation_error(ConvState *st, char *msg)
{
	if (st->verror == NULL)
		st->verror = psprintf("%s%s%s", st->prefix ? st->prefix : "", msg,
							  st->suffix ? st->suffix : "");
}

static void
raise_pending(ConvState *st)
{
	if (st->verror != NULL)
		KvamRaise(KVAM_EX_VALIDATION, "%s", st->verror);
}

/* "NUMBER_VALUE" or "DECIMAL_VALUE", as Jackson names a JSON number. */
static const char *
number_token(const JsonbValue *v)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(v->val.numeric)));

	return strchr(s, '.') ? "DECIMAL_VALUE" : "NUMBER_VALUE";
}

/* Check a JSON value declared as a string (S, N, set members). */
static void
check_string_shape(const JsonbValue *v)
{
	switch (jkind(v))
	{
		case JK_STRING:
		case JK_NULL:
			return;
		case JK_BOOL:
			serialization_error(v->val.boolean ?
								"TRUE_VALUE cannot be converted to String" :
								"FALSE_VALUE cannot be converted to String");
			break;
		case JK_NUMBER:
			serialization_error(psprintf("%s cannot be converted to String",
										 number_token(v)));
			break;
		case JK_OBJECT:
			serialization_error("Start of structure or map found where not expected");
			break;
		case JK_ARRAY:
			serialization_error("Unrecognized collection type class java.lang.String");
			break;
	}
}

/* Check a JSON value declared as a blob and decode it into *out. */
static void
decode_blob(const JsonbValue *v, KvamBytes *out)
{
	const char *s;
	int			len;
	int			dlen;
	char	   *buf;
	int			i;

	switch (jkind(v))
	{
		case JK_STRING:
			break;
		case JK_BOOL:
		case JK_NUMBER:
			serialization_error("only base-64-encoded strings are convertible to bytes");
			break;
		case JK_OBJECT:
			serialization_error("Start of structure or map found where not expected");
			break;
		case JK_ARRAY:
			serialization_error("Unrecognized collection type class java.nio.ByteBuffer");
			break;
		case JK_NULL:
			out->data = NULL;
			out->len = -1;
			return;
	}
	s = v->val.string.val;
	len = v->val.string.len;
	if (len % 4 != 0)
		serialization_error(psprintf("Base64 encoded length is expected a multiple of 4 bytes but found: %d",
									 len));
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			serialization_error("Invalid last non-pad Base64 character dectected");
	}
	buf = palloc(pg_b64_dec_len(len) + 1);
	dlen = (len == 0) ? 0 : pg_b64_decode(s, len, buf, pg_b64_dec_len(len));
	if (dlen < 0)
		serialization_error("Invalid last non-pad Base64 character dectected");
	out->data = buf;
	out->len = dlen;
}

/* Check a JSON value declared as Boolean; returns its truth value. */
static bool
decode_boolean(const JsonbValue *v)
{
	switch (jkind(v))
	{
		case JK_BOOL:
			return v->val.boolean;
		case JK_NUMBER:
			serialization_error(psprintf("%s cannot be converted to Boolean",
										 number_token(v)));
			break;
		case JK_STRING:
			{
				char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

				if (pg_strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
					pg_strcasecmp(s, "yes") == 0)
					return true;
				if (pg_strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
					pg_strcasecmp(s, "no") == 0)
					return false;
				serialization_error("Unexpected token received from parser");
			}
			break;
		case JK_OBJECT:
			serialization_error("Start of structure or map found where not expected");
			break;
		case JK_ARRAY:
			serialization_error("Unrecognized collection type class java.lang.Boolean");
			break;
		case JK_NULL:
			break;
	}
	return false;
}

/* Check a JSON value declared as a list. */
static void
check_list_shape(const JsonbValue *v)
{
	switch (jkind(v))
	{
		case JK_ARRAY:
		case JK_NULL:
			return;
		case JK_OBJECT:
			serialization_error("Start of structure or map found where not expected");
			break;
		default:
			serialization_error("Unexpected field type");
	}
}

static KvamAttr *convert_value(const JsonbValue *v, int depth, ConvState *st);
static KvamAttr *convert_map(const JsonbValue *v, int depth, ConvState *st);

/* Convert a number text, recording DynamoDB's error. */
static char *
convert_number(const char *s, int len, ConvState *st)
{
	char	   *canonical;
	KvamNumberStatus ns = KvamNumberNormalize(s, len, &canonical);

	if (ns != KVAM_NUM_OK)
	{
		validation_error(st, KvamNumberErrorMessage(ns, s, len));
		return NULL;
	}
	return canonical;
}

/* Render set members for the duplicate message: "[a, b]". */
static char *
members_text(KvamAttrType type, KvamBytes *m, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (type == KVAM_AT_BS)
		{
			char	   *enc = palloc(pg_b64_enc_len(m[i].len) + 1);
			int			elen = pg_b64_encode(m[i].data, m[i].len, enc,
											 pg_b64_enc_len(m[i].len));

			appendBinaryStringInfo(&buf, enc, Max(elen, 0));
		}
		else
		{
			int			j;

			/* messages cannot carry U+0000: show it escaped */
			for (j = 0; j < m[i].len; j++)
			{
				if (m[i].data[j] == '\0')
					appendStringInfoString(&buf, "\\u0000");
				else
					appendStringInfoChar(&buf, m[i].data[j]);
			}
		}
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

static KvamAttr *
convert_set(KvamAttrType type, const JsonbValue *v, ConvState *st)
{
	JsonbValue *elems;
	KvamBytes  *members;
	int			n;
	int			i;
	int			dup;
	bool		ok = true;
	KvamAttr   *set;

	check_list_shape(v);
	if (jkind(v) == JK_NULL)
		return NULL;
	elems = KvamJsonArrayElems(v, &n);
	members = palloc(sizeof(KvamBytes) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (type == KVAM_AT_BS)
			decode_blob(&elems[i], &members[i]);
		else
		{
			check_string_shape(&elems[i]);
			if (jkind(&elems[i]) == JK_NULL)
				members[i].len = -1;
			else
			{
				members[i].data = elems[i].val.string.val;
				members[i].len = elems[i].val.string.len;
			}
		}
		if (members[i].len < 0)
		{
			validation_error(st, pstrdup("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"));
			ok = false;
		}
	}
	if (n == 0)
	{
		if (type == KVAM_AT_SS)
			validation_error(st, pstrdup("One or more parameter values were invalid: An string set  may not be empty"));
		else if (type == KVAM_AT_NS)
			validation_error(st, pstrdup("One or more parameter values were invalid: An number set  may not be empty"));
		else
			validation_error(st, pstrdup("One or more parameter values were invalid: Binary sets should not be empty"));
		return NULL;
	}
	if (!ok)
		return NULL;
	if (type == KVAM_AT_NS)
	{
		for (i = 0; i < n; i++)
		{
			char	   *c = convert_number(members[i].data, members[i].len, st);

			if (c == NULL)
				return NULL;
			members[i].data = c;
			members[i].len = strlen(c);
		}
	}
	set = KvamAttrMakeSet(type, members, n, &dup);
	if (set == NULL)
	{
		if (type == KVAM_AT_SS)
			validation_error(st, psprintf("One or more parameter values were invalid: Input collection %s contains duplicates.",
										  members_text(type, members, n)));
		else if (type == KVAM_AT_NS)
			validation_error(st, pstrdup("Input collection contains duplicates"));
		else
			validation_error(st, psprintf("One or more parameter values were invalid: Input collection %sof type BS contains duplicates.",
										  members_text(type, members, n)));
	}
	return set;
}

static KvamAttr *
convert_list(const JsonbValue *v, int depth, ConvState *st)
{
	JsonbValue *elems;
	int			n;
	int			i;
	KvamAttr   *list;

	check_list_shape(v);
	if (jkind(v) == JK_NULL)
		return NULL;
	elems = KvamJsonArrayElems(v, &n);
	list = KvamAttrMakeList(n);
	for (i = 0; i < n; i++)
	{
		KvamAttr   *e = convert_value(&elems[i], depth, st);

		if (e != NULL)
			KvamListAppend(list, e);
	}
	return list;
}

/*
 * Convert one AttributeValue object at nesting 'depth' (number of
 * enclosing M/L values).
 */
static KvamAttr *
convert_value(const JsonbValue *v, int depth, ConvState *st)
{
	JsonbPair  *pairs;
	int			n;
	int			i;
	int			ntypes = 0;
	KvamAttr   *result = NULL;

	check_stack_depth();
	switch (jkind(v))
	{
		case JK_OBJECT:
			break;
		case JK_ARRAY:
			serialization_error("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue");
			break;
		case JK_NULL:
			validation_error(st, pstrdup("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"));
			return NULL;
		default:
			serialization_error("Unexpected value type in payload");
	}
	pairs = KvamJsonObjectPairs(v, &n);
	for (i = 0; i < n; i++)
	{
		const JsonbValue *pv = &pairs[i].value;
		KvamAttrType type = KvamAttrTypeFromName(pairs[i].key.val.string.val,
												 pairs[i].key.val.string.len);
		KvamAttr   *a = NULL;

		if (type == 0)
			continue;			/* unknown members are ignored */
		if (jkind(pv) == JK_NULL)
			continue;			/* so are null members */
		ntypes++;
		switch (type)
		{
			case KVAM_AT_S:
				check_string_shape(pv);
				a = KvamAttrMakeScalar(KVAM_AT_S, pv->val.string.val,
									   pv->val.string.len);
				break;
			case KVAM_AT_N:
				{
					char	   *c;

					check_string_shape(pv);
					c = convert_number(pv->val.string.val, pv->val.string.len, st);
					if (c != NULL)
						a = KvamAttrMakeScalar(KVAM_AT_N, c, strlen(c));
				}
				break;
			case KVAM_AT_B:
				{
					KvamBytes	b;

					decode_blob(pv, &b);
					a = KvamAttrMakeScalar(KVAM_AT_B, b.data, b.len);
				}
				break;
			case KVAM_AT_BOOL:
				a = KvamAttrMakeBool(decode_boolean(pv));
				break;
			case KVAM_AT_NULL:
				if (!decode_boolean(pv))
					validation_error(st, pstrdup("One or more parameter values were invalid: Null attribute value types must have the value of true"));
				a = KvamAttrMakeNull();
				break;
			case KVAM_AT_SS:
			case KVAM_AT_NS:
			case KVAM_AT_BS:
				a = convert_set(type, pv, st);
				break;
			case KVAM_AT_L:
			case KVAM_AT_M:
				if (depth + 1 > KVAM_MAX_NESTING)
				{
					validation_error(st, pstrdup("Nesting Levels have exceeded supported limits"));
					/* still check the shape of the value itself */
					if (type == KVAM_AT_L)
						check_list_shape(pv);
					break;
				}
				if (type == KVAM_AT_L)
					a = convert_list(pv, depth + 1, st);
				else
					a = convert_map(pv, depth + 1, st);
				break;
		}
		if (result == NULL)
			result = a;
	}
	if (ntypes == 0)
		validation_error(st, pstrdup("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"));
	else if (ntypes > 1)
		validation_error(st, pstrdup("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"));
	return result;
}

/* Convert an M payload or a top-level attribute map. */
static KvamAttr *
convert_map(const JsonbValue *v, int depth, ConvState *st)
{
	JsonbPair  *pairs;
	int			n;
	int			i;
	KvamAttr   *map;

	switch (jkind(v))
	{
		case JK_OBJECT:
			break;
		case JK_ARRAY:
			serialization_error("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>");
			break;
		case JK_NULL:
			return NULL;
		default:
			serialization_error("Unexpected field type");
	}
	pairs = KvamJsonObjectPairs(v, &n);
	map = KvamAttrMakeMap(n);
	for (i = 0; i < n; i++)
	{
		KvamAttr   *a = convert_value(&pairs[i].value, depth, st);

		if (a != NULL)
			KvamMapPut(map, pairs[i].key.val.string.val,
					   pairs[i].key.val.string.len, a);
	}
	return map;
}

/*
 * KvamAttrFromJson converts one AttributeValue.
 */
KvamAttr *
KvamAttrFromJson(const JsonbValue *v, const char *prefix, const char *suffix)
{
	ConvState	st = {NULL, prefix, suffix};
	KvamAttr   *a = convert_value(v, 0, &st);

	raise_pending(&st);
	return a;
}

/*
 * KvamItemFromJson converts an attribute map.
 */
KvamAttr *
KvamItemFromJson(const JsonbValue *v, const char *prefix, const char *suffix)
{
	ConvState	st = {NULL, prefix, suffix};
	KvamAttr   *a = convert_map(v, 0, &st);

	raise_pending(&st);
	if (a == NULL)
		a = KvamAttrMakeMap(0);
	return a;
}

/*
 * KvamItemFromJsonb converts a jsonb attribute map.
 */
KvamAttr *
KvamItemFromJsonb(Jsonb *jb)
{
	JsonbValue	root;

	KvamJsonbRoot(jb, &root);
	return KvamItemFromJson(&root, NULL, NULL);
}

/* ------------------------------- output ------------------------------- */

static void
check_no_nul(const char *s, int len)
{
	if (len > 0 && memchr(s, '\0', len) != NULL)
		ereport(ERROR,
				errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				errmsg("kvam value contains U+0000, which jsonb cannot represent"),
				errhint("Use the text JSON functions, which escape it as \\u0000."));
}

static void
push_string(JsonbParseState **ps, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	check_no_nul(s, len);
	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	pushJsonbValue(ps, tok, &v);
}

static void
push_base64(JsonbParseState **ps, JsonbIteratorToken tok, KvamBytes b)
{
	int			cap = pg_b64_enc_len(b.len) + 1;
	char	   *enc = palloc(cap);
	int			elen = (b.len == 0) ? 0 : pg_b64_encode(b.data, b.len, enc, cap);

	if (elen < 0)
		elog(ERROR, "could not encode binary attribute value");
	push_string(ps, tok, enc, elen);
}

static void
push_key(JsonbParseState **ps, const char *s, int len)
{
	push_string(ps, WJB_KEY, s, len);
}

static JsonbValue *push_attr(JsonbParseState **ps, const KvamAttr *a);

static JsonbValue *
push_map_body(JsonbParseState **ps, const KvamAttr *a)
{
	int			i;

	pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < a->n; i++)
	{
		push_key(ps, a->u.map[i].name.data, a->u.map[i].name.len);
		push_attr(ps, a->u.map[i].value);
	}
	return pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

/*
 * Push {"T": payload}; returns the finished value when it is the root.
 */
static JsonbValue *
push_attr(JsonbParseState **ps, const KvamAttr *a)
{
	int			i;
	const char *t = KvamAttrTypeName(a->type);

	check_stack_depth();
	pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	push_key(ps, t, strlen(t));
	switch (a->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_N:
			push_string(ps, WJB_VALUE, a->u.scalar.data, a->u.scalar.len);
			break;
		case KVAM_AT_B:
			push_base64(ps, WJB_VALUE, a->u.scalar);
			break;
		case KVAM_AT_BOOL:
		case KVAM_AT_NULL:
			{
				JsonbValue	b;

				b.type = jbvBool;
				b.val.boolean = (a->type == KVAM_AT_NULL) ? true : a->u.boolean;
				pushJsonbValue(ps, WJB_VALUE, &b);
			}
			break;
		case KVAM_AT_M:
			push_map_body(ps, a);
			break;
		case KVAM_AT_L:
			pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < a->n; i++)
				push_attr(ps, a->u.list[i]);
			pushJsonbValue(ps, WJB_END_ARRAY, NULL);
			break;
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < a->n; i++)
			{
				if (a->type == KVAM_AT_BS)
					push_base64(ps, WJB_ELEM, a->u.set[i]);
				else
					push_string(ps, WJB_ELEM, a->u.set[i].data, a->u.set[i].len);
			}
			pushJsonbValue(ps, WJB_END_ARRAY, NULL);
			break;
	}
	return pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

/*
 * KvamAttrToJsonb renders one AttributeValue.
 */
Jsonb *
KvamAttrToJsonb(const KvamAttr *v)
{
	JsonbParseState *ps = NULL;

	return JsonbValueToJsonb(push_attr(&ps, v));
}

/*
 * KvamItemPushJsonb pushes an attribute map as the next value of a jsonb
 * being built.
 */
void
KvamItemPushJsonb(JsonbParseState **ps, const KvamAttr *item)
{
	Assert(item->type == KVAM_AT_M);
	(void) push_map_body(ps, item);
}

/*
 * KvamItemToJsonb renders an attribute map.
 */
Jsonb *
KvamItemToJsonb(const KvamAttr *item)
{
	JsonbParseState *ps = NULL;

	Assert(item->type == KVAM_AT_M);
	return JsonbValueToJsonb(push_map_body(&ps, item));
}

/* ---------------------------- plain JSON ---------------------------- */

static KvamAttr *
marshal_value(const JsonbValue *v, int depth)
{
	check_stack_depth();
	switch (jkind(v))
	{
		case JK_NULL:
			return KvamAttrMakeNull();
		case JK_BOOL:
			return KvamAttrMakeBool(v->val.boolean);
		case JK_STRING:
			return KvamAttrMakeScalar(KVAM_AT_S, v->val.string.val,
									  v->val.string.len);
		case JK_NUMBER:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(v->val.numeric)));
				char	   *c;
				KvamNumberStatus ns = KvamNumberNormalize(s, strlen(s), &c);

				if (ns != KVAM_NUM_OK)
					KvamRaise(KVAM_EX_VALIDATION, "%s",
							  KvamNumberErrorMessage(ns, s, strlen(s)));
				return KvamAttrMakeScalar(KVAM_AT_N, c, strlen(c));
			}
		case JK_ARRAY:
			{
				int			n;
				int			i;
				JsonbValue *elems = KvamJsonArrayElems(v, &n);
				KvamAttr   *l;

				if (depth + 1 > KVAM_MAX_NESTING)
					KvamRaise(KVAM_EX_VALIDATION, "Nesting Levels have exceeded supported limits");
				l = KvamAttrMakeList(n);
				for (i = 0; i < n; i++)
					KvamListAppend(l, marshal_value(&elems[i], depth + 1));
				return l;
			}
		case JK_OBJECT:
			{
				int			n;
				int			i;
				JsonbPair  *pairs = KvamJsonObjectPairs(v, &n);
				KvamAttr   *m;

				if (depth + 1 > KVAM_MAX_NESTING)
					KvamRaise(KVAM_EX_VALIDATION, "Nesting Levels have exceeded supported limits");
				m = KvamAttrMakeMap(n);
				for (i = 0; i < n; i++)
					KvamMapPut(m, pairs[i].key.val.string.val,
							   pairs[i].key.val.string.len,
							   marshal_value(&pairs[i].value, depth + 1));
				return m;
			}
	}
	return NULL;
}

/*
 * KvamMarshalJson converts plain JSON to a KvamAttr.
 */
KvamAttr *
KvamMarshalJson(const JsonbValue *v)
{
	/* a top-level object is an attribute map: its values start at depth 0 */
	return marshal_value(v, -1);
}

static JsonbValue *
unmarshal_value(JsonbParseState **ps, const KvamAttr *a, JsonbIteratorToken tok)
{
	JsonbValue	s;
	int			i;

	check_stack_depth();
	switch (a->type)
	{
		case KVAM_AT_S:
			push_string(ps, tok, a->u.scalar.data, a->u.scalar.len);
			return NULL;
		case KVAM_AT_B:
			push_base64(ps, tok, a->u.scalar);
			return NULL;
		case KVAM_AT_N:
			s.type = jbvNumeric;
			s.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																CStringGetDatum(a->u.scalar.data),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			return pushJsonbValue(ps, tok, &s);
		case KVAM_AT_BOOL:
			s.type = jbvBool;
			s.val.boolean = a->u.boolean;
			return pushJsonbValue(ps, tok, &s);
		case KVAM_AT_NULL:
			s.type = jbvNull;
			return pushJsonbValue(ps, tok, &s);
		case KVAM_AT_M:
			pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
			for (i = 0; i < a->n; i++)
			{
				push_key(ps, a->u.map[i].name.data, a->u.map[i].name.len);
				unmarshal_value(ps, a->u.map[i].value, WJB_VALUE);
			}
			return pushJsonbValue(ps, WJB_END_OBJECT, NULL);
		case KVAM_AT_L:
			pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < a->n; i++)
				unmarshal_value(ps, a->u.list[i], WJB_ELEM);
			return pushJsonbValue(ps, WJB_END_ARRAY, NULL);
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < a->n; i++)
			{
				KvamAttr	m;

				m.type = KvamSetElementType(a->type);
				m.u.scalar = a->u.set[i];
				unmarshal_value(ps, &m, WJB_ELEM);
			}
			return pushJsonbValue(ps, WJB_END_ARRAY, NULL);
	}
	return NULL;
}

/*
 * KvamUnmarshalToJsonb renders plain JSON.
 */
Jsonb *
KvamUnmarshalToJsonb(const KvamAttr *v)
{
	JsonbParseState *ps = NULL;

	if (v->type != KVAM_AT_M && v->type != KVAM_AT_L &&
		!KvamIsSetType(v->type))
	{
		/* scalars: wrap in a one-element array and take it out again */
		JsonbValue *arr;

		pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
		unmarshal_value(&ps, v, WJB_ELEM);
		arr = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
		return JsonbValueToJsonb(&arr->val.array.elems[0]);
	}
	return JsonbValueToJsonb(unmarshal_value(&ps, v, WJB_VALUE));
}

/* ------------------------- text JSON (lossless) ------------------------- */

static void
text_string(StringInfo buf, const char *s, int len)
{
	int			i,
				run = 0;

	/* room for the usual case, nothing to escape; plain bytes go in runs */
	enlargeStringInfo(buf, len + 2);
	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		/* flush the run of plain bytes before the one to escape */
		appendBinaryStringInfo(buf, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, (char) c);
		}
		else
			appendStringInfo(buf, "\\u%04x", c);
	}
	appendBinaryStringInfo(buf, s + run, len - run);
	appendStringInfoChar(buf, '"');
}

static void
text_base64(StringInfo buf, KvamBytes b)
{
	int			cap = pg_b64_enc_len(b.len) + 1;
	char	   *enc = palloc(cap);
	int			elen = (b.len == 0) ? 0 : pg_b64_encode(b.data, b.len, enc, cap);

	text_string(buf, enc, Max(elen, 0));
}

static void text_attr(StringInfo buf, const KvamAttr *a);

static void
text_map_body(StringInfo buf, const KvamAttr *a)
{
	int			i;

	appendStringInfoChar(buf, '{');
	for (i = 0; i < a->n; i++)
	{
		if (i > 0)
			appendBinaryStringInfo(buf, ", ", 2);
		text_string(buf, a->u.map[i].name.data, a->u.map[i].name.len);
		appendBinaryStringInfo(buf, ": ", 2);
		text_attr(buf, a->u.map[i].value);
	}
	appendStringInfoChar(buf, '}');
}

static void
text_attr(StringInfo buf, const KvamAttr *a)
{
	int			i;

	check_stack_depth();
	/* '{"<type>": ' without a format string (a hot path of streams) */
	appendBinaryStringInfo(buf, "{\"", 2);
	appendStringInfoString(buf, KvamAttrTypeName(a->type));
	appendBinaryStringInfo(buf, "\": ", 3);
	switch (a->type)
	{
		case KVAM_AT_S:
		case KVAM_AT_N:
			text_string(buf, a->u.scalar.data, a->u.scalar.len);
			break;
		case KVAM_AT_B:
			text_base64(buf, a->u.scalar);
			break;
		case KVAM_AT_BOOL:
			appendStringInfoString(buf, a->u.boolean ? "true" : "false");
			break;
		case KVAM_AT_NULL:
			appendStringInfoString(buf, "true");
			break;
		case KVAM_AT_M:
			text_map_body(buf, a);
			break;
		case KVAM_AT_L:
		case KVAM_AT_SS:
		case KVAM_AT_NS:
		case KVAM_AT_BS:
			appendStringInfoChar(buf, '[');
			for (i = 0; i < a->n; i++)
			{
				if (i > 0)
					appendBinaryStringInfo(buf, ", ", 2);
				if (a->type == KVAM_AT_L)
					text_attr(buf, a->u.list[i]);
				else if (a->type == KVAM_AT_BS)
					text_base64(buf, a->u.set[i]);
				else
					text_string(buf, a->u.set[i].data, a->u.set[i].len);
			}
			appendStringInfoChar(buf, ']');
			break;
	}
	appendStringInfoChar(buf, '}');
}

/*
 * KvamItemToJsonText renders an item as DynamoDB JSON text; U+0000 and
 * other control characters are escaped, so nothing is lost.
 */
char *
KvamItemToJsonText(const KvamAttr *item)
{
	StringInfoData buf;

	initStringInfo(&buf);
	text_map_body(&buf, item);
	return buf.data;
}

/*
 * KvamItemAppendJsonText appends what KvamItemToJsonText returns to 'buf'
 * (no intermediate copy: the stream plugin's hot path).
 */
void
KvamItemAppendJsonText(StringInfo buf, const KvamAttr *item)
{
	text_map_body(buf, item);
}
