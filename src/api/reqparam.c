/*-------------------------------------------------------------------------
 *
 * reqparam.c
 *	  Typed access to the members of a DynamoDB request document.
 *
 * The SerializationException messages are those of DynamoDB's JSON
 * deserialiser for a member of the wrong JSON type ("STRING_VALUE cannot
 * be converted to Boolean", "Start of structure or map found where not
 * expected", ...).
 *
 * IDENTIFICATION
 *	  src/api/reqparam.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "api/reqparam.h"

/* DynamoDB's name of the JSON token type of 'v', for conversion errors. */
static void
wrong_type(const JsonbValue *v, const char *target)
{
	switch (v->type)
	{
		case jbvString:
			KvamRaise(KVAM_EX_SERIALIZATION, "STRING_VALUE cannot be converted to %s", target);
		case jbvNumeric:
			KvamRaise(KVAM_EX_SERIALIZATION, "NUMBER_VALUE cannot be converted to %s", target);
		case jbvBool:
			KvamRaise(KVAM_EX_SERIALIZATION, "%s cannot be converted to %s",
					  v->val.boolean ? "TRUE_VALUE" : "FALSE_VALUE", target);
		default:
			break;
	}
	if (KvamReqIsArray(v))
		KvamRaise(KVAM_EX_SERIALIZATION, "Unrecognized collection type class java.lang.%s", target);
	KvamRaise(KVAM_EX_SERIALIZATION, "Start of structure or map found where not expected");
}

bool
KvamReqIsObject(const JsonbValue *v)
{
	return v->type == jbvObject ||
		(v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data));
}

bool
KvamReqIsArray(const JsonbValue *v)
{
	return v->type == jbvArray ||
		(v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data));
}

/*
 * KvamReqMember looks 'name' up in an object container.
 */
bool
KvamReqMember(const JsonbValue *obj, const char *name, JsonbValue *out)
{
	JsonbValue *v;

	Assert(obj->type == jbvBinary);
	v = getKeyJsonValueFromContainer(obj->val.binary.data, name, strlen(name), out);
	return v != NULL && v->type != jbvNull;
}

bool
KvamReqHas(const JsonbValue *obj, const char *name)
{
	JsonbValue	v;

	return KvamReqMember(obj, name, &v);
}

bool
KvamReqString(const JsonbValue *obj, const char *name, char **s, int *len)
{
	JsonbValue	v;

	if (!KvamReqMember(obj, name, &v))
		return false;
	if (v.type != jbvString)
		wrong_type(&v, "String");
	*s = pnstrdup(v.val.string.val, v.val.string.len);
	if (len)
		*len = v.val.string.len;
	return true;
}

bool
KvamReqBool(const JsonbValue *obj, const char *name, bool *b)
{
	JsonbValue	v;

	if (!KvamReqMember(obj, name, &v))
		return false;
	if (v.type != jbvBool)
		wrong_type(&v, "Boolean");
	*b = v.val.boolean;
	return true;
}

bool
KvamReqInt(const JsonbValue *obj, const char *name, int64 *i)
{
	JsonbValue	v;
	Datum		d;

	if (!KvamReqMember(obj, name, &v))
		return false;
	if (v.type != jbvNumeric)
		wrong_type(&v, "Integer");
	d = DirectFunctionCall1(numeric_floor, NumericGetDatum(v.val.numeric));
	*i = DatumGetInt64(DirectFunctionCall1(numeric_int8, d));
	return true;
}

bool
KvamReqObject(const JsonbValue *obj, const char *name, JsonbValue *out)
{
	if (!KvamReqMember(obj, name, out))
		return false;
	if (!KvamReqIsObject(out))
	{
		if (KvamReqIsArray(out))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unrecognized collection type java.util.Map");
		KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
	}
	return true;
}

bool
KvamReqArray(const JsonbValue *obj, const char *name, JsonbValue *out)
{
	if (!KvamReqMember(obj, name, out))
		return false;
	if (!KvamReqIsArray(out))
	{
		if (KvamReqIsObject(out))
			KvamRaise(KVAM_EX_SERIALIZATION, "Start of structure or map found where not expected");
		KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
	}
	return true;
}

/*
 * KvamReqTableName reads and validates TableName.
 */
char *
KvamReqTableName(const JsonbValue *req)
{
	char	   *name;
	int			len;
	int			i;
	bool		ok = true;

	if (!KvamReqString(req, "TableName", &name, &len))
		KvamValidationError("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
	for (i = 0; i < len; i++)
	{
		char		c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			ok = false;
	}
	if (!ok)
		KvamValidationError("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
							name);
	if (len < 3 || len > 255)
		KvamValidationError("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length %s",
							name, len < 3 ? "greater than or equal to 3" : "less than or equal to 255");
	return name;
}

/*
 * KvamReqRoot checks that the request is an object.
 */
void
KvamReqRoot(Jsonb *req, JsonbValue *out)
{
	if (!JB_ROOT_IS_OBJECT(req))
		KvamRaise(KVAM_EX_SERIALIZATION, "Start of list found where not expected");
	out->type = jbvBinary;
	out->val.binary.data = &req->root;
	out->val.binary.len = VARSIZE(req) - VARHDRSZ;
}

/*
 * KvamReqToJsonb copies a value into a jsonb datum.
 */
Jsonb *
KvamReqToJsonb(const JsonbValue *v)
{
	return JsonbValueToJsonb((JsonbValue *) v);
}
