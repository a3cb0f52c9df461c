/*-------------------------------------------------------------------------
 *
 * respdoc.c
 *	  DynamoDB response documents built with pushJsonbValue.
 *
 * IDENTIFICATION
 *	  src/api/respdoc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "api/respdoc.h"
#include "item/itemjson.h"

static void
push_key(KvamResp *r, const char *key)
{
	JsonbValue	k;

	if (key == NULL)
		return;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(&r->ps, WJB_KEY, &k);
}

static void
push_scalar(KvamResp *r, const char *key, JsonbValue *v)
{
	push_key(r, key);
	pushJsonbValue(&r->ps, key ? WJB_VALUE : WJB_ELEM, v);
}

void
KvamRespBeginObject(KvamResp *r, const char *key)
{
	push_key(r, key);
	pushJsonbValue(&r->ps, WJB_BEGIN_OBJECT, NULL);
}

void
KvamRespEndObject(KvamResp *r)
{
	pushJsonbValue(&r->ps, WJB_END_OBJECT, NULL);
}

void
KvamRespBeginArray(KvamResp *r, const char *key)
{
	push_key(r, key);
	pushJsonbValue(&r->ps, WJB_BEGIN_ARRAY, NULL);
}

void
KvamRespEndArray(KvamResp *r)
{
	pushJsonbValue(&r->ps, WJB_END_ARRAY, NULL);
}

/*
 * KvamRespJsonb appends a jsonb document as a member or element.
 */
void
KvamRespJsonb(KvamResp *r, const char *key, Jsonb *jb)
{
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		if (!JsonbExtractScalar(&jb->root, &v))
			elog(ERROR, "could not extract jsonb scalar");
	}
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &jb->root;
		v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	}
	push_scalar(r, key, &v);
}

void
KvamRespItem(KvamResp *r, const char *key, const KvamAttr *item)
{
	KvamRespJsonb(r, key, KvamItemToJsonb(item));
}

void
KvamRespAttr(KvamResp *r, const char *key, const KvamAttr *value)
{
	KvamRespJsonb(r, key, KvamAttrToJsonb(value));
}

void
KvamRespInt(KvamResp *r, const char *key, int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	push_scalar(r, key, &v);
}

void
KvamRespNumber(KvamResp *r, const char *key, double d)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
														Float8GetDatum(d)));
	push_scalar(r, key, &v);
}

void
KvamRespString(KvamResp *r, const char *key, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	push_scalar(r, key, &v);
}

/*
 * KvamRespFinish closes the outermost object and returns the document.
 */
Jsonb *
KvamRespFinish(KvamResp *r)
{
	return JsonbValueToJsonb(pushJsonbValue(&r->ps, WJB_END_OBJECT, NULL));
}
