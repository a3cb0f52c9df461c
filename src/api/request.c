/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Request member access, DynamoDB-style validation messages, and the
 *	  JSON text response writer (contracts in request.h).
 *
 * IDENTIFICATION
 *	  src/api/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "api/request.h"
#include "item/itemjson.h"

/* ------------------------------ input ------------------------------ */

bool
KvamReqIsObject(const JsonbValue *v)
{
	return v->type == jbvObject ||
		(v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data));
}

static bool
is_array(const JsonbValue *v)
{
	return v->type == jbvArray ||
		(v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data));
}

bool
KvamReqMember(const JsonbValue *obj, const char *name, JsonbValue *out)
{
	int			len = strlen(name);

	if (obj->type == jbvBinary)
	{
		JsonbValue *v;

		if (!JsonContainerIsObject(obj->val.binary.data))
			return false;
		v = getKeyJsonValueFromContainer(obj->val.binary.data, name, len, out);
		return v != NULL && out->type != jbvNull;
	}
	if (obj->type == jbvObject)
	{
		int			i;
		bool		found = false;

		for (i = 0; i < obj->val.object.nPairs; i++)
		{
			JsonbPair  *p = &obj->val.object.pairs[i];

			if (p->key.val.string.len == len &&
				memcmp(p->key.val.string.val, name, len) == 0)
			{
				*out = p->value;
				found = true;	/* the last duplicate wins */
			}
		}
		return found && out->type != jbvNull;
	}
	return false;
}

bool
KvamReqHas(const JsonbValue *obj, const char *name)
{
	JsonbValue	v;

	return KvamReqMember(obj, name, &v);
}

/* The Jackson token name of a scalar, for SerializationException texts. */
static const char *
token_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvBool:
			return v->val.boolean ? "TRUE_VALUE" : "FALSE_VALUE";
		case jbvNumeric:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(v->val.numeric)));

				return strchr(s, '.') ? "DECIMAL_VALUE" : "NUMBER_VALUE";
			}
		case jbvString:
			return "STRING_VALUE";
		default:
			return "VALUE";
	}
}

static void
wrong_type(const JsonbValue *v, const char *javatype)
{
	if (KvamReqIsObject(v))
		KvamRaise(KVAM_EX_SERIALIZATION, "Start of structure or map found where not expected");
	if (is_array(v))
		KvamRaise(KVAM_EX_SERIALIZATION, "Unrecognized collection type class java.lang.%s",
				  javatype);
	KvamRaise(KVAM_EX_SERIALIZATION, "%s cannot be converted to %s", token_name(v), javatype);
}

char *
KvamReqString(const JsonbValue *obj, const char *name)
{
	JsonbValue	v;

	if (!KvamReqMember(obj, name, &v))
		return NULL;
	if (v.type != jbvString)
		wrong_type(&v, "String");
	return pnstrdup(v.val.string.val, v.val.string.len);
}

bool
KvamReqBool(const JsonbValue *obj, const char *name, bool *out)
{
	JsonbValue	v;

	if (!KvamReqMember(obj, name, &v))
		return false;
	if (v.type == jbvString)
	{
		char	   *s = pnstrdup(v.val.string.val, v.val.string.len);

		if (pg_strcasecmp(s, "true") == 0)
			*out = true;
		else if (pg_strcasecmp(s, "false") == 0)
			*out = false;
		else
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected token received from parser");
		return true;
	}
	if (v.type != jbvBool)
		wrong_type(&v, "Boolean");
	*out = v.val.boolean;
	return true;
}

/* An integer member; 'javatype' ("Long", "Integer") names it in errors. */
static bool
req_integer(const JsonbValue *obj, const char *name, int64 *out,
			const char *javatype)
{
	JsonbValue	v;
	char	   *s;
	char	   *end;

	if (!KvamReqMember(obj, name, &v))
		return false;
	if (v.type != jbvNumeric)
		wrong_type(&v, javatype);
	/* integer members take the integer part, as DynamoDB's deserialiser does */
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	errno = 0;
	*out = strtoi64(s, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != '.'))
		KvamRaise(KVAM_EX_SERIALIZATION, "NUMBER_VALUE cannot be converted to %s", javatype);
	return true;
}

bool
KvamReqInt64(const JsonbValue *obj, const char *name, int64 *out)
{
	return req_integer(obj, name, out, "Long");
}

bool
KvamReqInteger(const JsonbValue *obj, const char *name, int64 *out)
{
	return req_integer(obj, name, out, "Integer");
}

bool
KvamReqObject(const JsonbValue *obj, const char *name, JsonbValue *out)
{
	if (!KvamReqMember(obj, name, out))
		return false;
	if (!KvamReqIsObject(out))
		KvamRaise(KVAM_EX_SERIALIZATION, is_array(out) ?
				  "Start of list found where not expected" : "Unexpected field type");
	return true;
}

JsonbValue *
KvamReqArray(const JsonbValue *obj, const char *name, int *n)
{
	JsonbValue	v;

	*n = 0;
	if (!KvamReqMember(obj, name, &v))
		return NULL;
	if (!is_array(&v))
		KvamRaise(KVAM_EX_SERIALIZATION, KvamReqIsObject(&v) ?
				  "Start of structure or map found where not expected" :
				  "Unexpected field type");
	return KvamJsonArrayElems(&v, n);
}

Jsonb *
KvamReqToJsonb(const JsonbValue *v)
{
	return JsonbValueToJsonb((JsonbValue *) v);
}

/* KvamReqObjectJsonb: see request.h. */
Jsonb *
KvamReqObjectJsonb(const JsonbValue *req, const char *name)
{
	JsonbValue	v;

	if (!KvamReqObject(req, name, &v))
		return NULL;
	return KvamReqToJsonb(&v);
}

/* --------------------------- validation --------------------------- */

void
KvamValInit(KvamValErrors *e)
{
	e->n = 0;
	initStringInfo(&e->msg);
}

void
KvamValAdd(KvamValErrors *e, const char *value, const char *path,
		   const char *constraint)
{
	if (e->n >= 10)
		return;
	if (e->n > 0)
		appendStringInfoString(&e->msg, "; ");
	if (value)
		appendStringInfo(&e->msg, "Value '%s' at '%s' failed to satisfy constraint: %s",
						 value, path, constraint);
	else
		appendStringInfo(&e->msg, "Value null at '%s' failed to satisfy constraint: %s",
						 path, constraint);
	e->n++;
}

void
KvamValRaise(KvamValErrors *e)
{
	if (e->n == 0)
		return;
	KvamRaise(KVAM_EX_VALIDATION, "%d validation error%s detected: %s",
			  e->n, e->n > 1 ? "s" : "", e->msg.data);
}

void
KvamValTableName(KvamValErrors *e, const char *name, const char *path,
				 bool required)
{
	const char *c;
	int			len;

	if (name == NULL)
	{
		if (required)
			KvamValAdd(e, NULL, path, "Member must not be null");
		return;
	}
	for (c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
			break;
	if (*c != '\0' || *name == '\0')
		KvamValAdd(e, name, path,
				   "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
	len = strlen(name);
	if (len < 3)
		KvamValAdd(e, name, path, "Member must have length greater than or equal to 3");
	if (len > 255)
		KvamValAdd(e, name, path, "Member must have length less than or equal to 255");
}

void
KvamValEnum(KvamValErrors *e, const char *value, const char *path,
			const char *const *allowed)
{
	StringInfoData set;
	int			i;

	if (value == NULL)
		return;
	for (i = 0; allowed[i]; i++)
		if (strcmp(value, allowed[i]) == 0)
			return;
	initStringInfo(&set);
	appendStringInfoString(&set, "Member must satisfy enum value set: [");
	for (i = 0; allowed[i]; i++)
		appendStringInfo(&set, "%s%s", i ? ", " : "", allowed[i]);
	appendStringInfoChar(&set, ']');
	KvamValAdd(e, value, path, set.data);
}

KvamReturnCapacity
KvamReqReturnCapacity(const JsonbValue *req, KvamValErrors *e)
{
	static const char *const values[] = {"INDEXES", "TOTAL", "NONE", NULL};
	char	   *s = KvamReqString(req, "ReturnConsumedCapacity");

	KvamValEnum(e, s, "returnConsumedCapacity", values);
	if (s == NULL)
		return KVAM_RCC_NONE;
	if (strcmp(s, "TOTAL") == 0)
		return KVAM_RCC_TOTAL;
	if (strcmp(s, "INDEXES") == 0)
		return KVAM_RCC_INDEXES;
	return KVAM_RCC_NONE;
}

/* ------------------------------ output ------------------------------ */

/*
 * Text mode appends to o->buf.  Jsonb mode pushes each token into o->ps
 * (in o->cxt, so callers may write from short-lived contexts); a value is
 * an element inside an array and an object member's value elsewhere.
 */

void
KvamOutInit(KvamOut *o)
{
	memset(o, 0, sizeof(KvamOut));
	initStringInfo(&o->buf);
	appendStringInfoChar(&o->buf, '{');
	o->depth = 0;
	o->first[0] = true;
}

void
KvamOutInitJsonb(KvamOut *o)
{
	memset(o, 0, sizeof(KvamOut));
	o->jsonb = true;
	o->cxt = CurrentMemoryContext;
	pushJsonbValue(&o->ps, WJB_BEGIN_OBJECT, NULL);
}

/* Push one scalar or binary value in the current position (jsonb mode). */
static void
push_value(KvamOut *o, JsonbValue *v)
{
	MemoryContext old = MemoryContextSwitchTo(o->cxt);

	pushJsonbValue(&o->ps, o->in_array[o->depth] ? WJB_ELEM : WJB_VALUE, v);
	MemoryContextSwitchTo(old);
}

static void
push_cstring(KvamOut *o, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	push_value(o, &v);
}

static void
push_numeric(KvamOut *o, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	push_value(o, &v);
}

void
KvamOutKey(KvamOut *o, const char *key)
{
	if (o->jsonb)
	{
		if (key)
		{
			MemoryContext old = MemoryContextSwitchTo(o->cxt);
			JsonbValue	k;

			k.type = jbvString;
			k.val.string.val = (char *) key;
			k.val.string.len = strlen(key);
			pushJsonbValue(&o->ps, WJB_KEY, &k);
			MemoryContextSwitchTo(old);
		}
		return;
	}
	if (!o->first[o->depth])
		appendStringInfoChar(&o->buf, ',');
	o->first[o->depth] = false;
	if (key)
	{
		escape_json(&o->buf, key);
		appendStringInfoChar(&o->buf, ':');
	}
}

void
KvamOutOpen(KvamOut *o, const char *key, char bracket)
{
	KvamOutKey(o, key);
	if (o->depth + 1 >= KVAM_OUT_MAX_DEPTH)
		elog(ERROR, "kvam response nesting too deep");
	if (o->jsonb)
	{
		MemoryContext old = MemoryContextSwitchTo(o->cxt);

		pushJsonbValue(&o->ps, bracket == '[' ? WJB_BEGIN_ARRAY : WJB_BEGIN_OBJECT, NULL);
		MemoryContextSwitchTo(old);
	}
	else
		appendStringInfoChar(&o->buf, bracket);
	o->first[++o->depth] = true;
	o->in_array[o->depth] = (bracket == '[');
}

void
KvamOutClose(KvamOut *o, char bracket)
{
	if (o->jsonb)
	{
		MemoryContext old = MemoryContextSwitchTo(o->cxt);

		pushJsonbValue(&o->ps, bracket == ']' ? WJB_END_ARRAY : WJB_END_OBJECT, NULL);
		MemoryContextSwitchTo(old);
	}
	else
		appendStringInfoChar(&o->buf, bracket);
	o->depth--;
}

void
KvamOutString(KvamOut *o, const char *key, const char *value)
{
	KvamOutKey(o, key);
	if (o->jsonb)
		push_cstring(o, value);
	else
		escape_json(&o->buf, value);
}

void
KvamOutBool(KvamOut *o, const char *key, bool value)
{
	KvamOutKey(o, key);
	if (o->jsonb)
	{
		JsonbValue	v;

		v.type = jbvBool;
		v.val.boolean = value;
		push_value(o, &v);
	}
	else
		appendStringInfoString(&o->buf, value ? "true" : "false");
}

void
KvamOutInt64(KvamOut *o, const char *key, int64 value)
{
	KvamOutKey(o, key);
	if (o->jsonb)
	{
		MemoryContext old = MemoryContextSwitchTo(o->cxt);

		push_numeric(o, int64_to_numeric(value));
		MemoryContextSwitchTo(old);
	}
	else
		appendStringInfo(&o->buf, INT64_FORMAT, value);
}

void
KvamOutNumber(KvamOut *o, const char *key, const char *number)
{
	KvamOutKey(o, key);
	if (o->jsonb)
	{
		MemoryContext old = MemoryContextSwitchTo(o->cxt);

		push_numeric(o, DatumGetNumeric(DirectFunctionCall3(numeric_in,
															CStringGetDatum(number),
															ObjectIdGetDatum(InvalidOid),
															Int32GetDatum(-1))));
		MemoryContextSwitchTo(old);
	}
	else
		appendStringInfoString(&o->buf, number);
}

void
KvamOutRaw(KvamOut *o, const char *key, const char *json)
{
	KvamOutKey(o, key);
	if (o->jsonb)
	{
		MemoryContext old = MemoryContextSwitchTo(o->cxt);
		Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															CStringGetDatum(json)));
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &jb->root;
		v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
		push_value(o, &v);
		MemoryContextSwitchTo(old);
	}
	else
		appendStringInfoString(&o->buf, json);
}

void
KvamOutItem(KvamOut *o, const char *key, const KvamAttr *item)
{
	if (o->jsonb)
	{
		MemoryContext old;

		KvamOutKey(o, key);
		old = MemoryContextSwitchTo(o->cxt);
		KvamItemPushJsonb(&o->ps, item);
		MemoryContextSwitchTo(old);
	}
	else
		KvamOutRaw(o, key, KvamItemToJsonText(item));
}

char *
KvamOutFinish(KvamOut *o)
{
	Assert(!o->jsonb);
	appendStringInfoChar(&o->buf, '}');
	return o->buf.data;
}

Jsonb *
KvamOutFinishJsonb(KvamOut *o)
{
	MemoryContext old = MemoryContextSwitchTo(o->cxt);
	Jsonb	   *jb;

	Assert(o->jsonb);
	jb = JsonbValueToJsonb(pushJsonbValue(&o->ps, WJB_END_OBJECT, NULL));
	MemoryContextSwitchTo(old);
	return jb;
}
