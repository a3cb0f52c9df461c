/*-------------------------------------------------------------------------
 *
 * control_meta.c
 *	  Table metadata operations: DescribeTimeToLive, UpdateTimeToLive,
 *	  TagResource, UntagResource, ListTagsOfResource, DescribeLimits.
 *
 * TTL settings and tags live in kvam.tables.description ("TimeToLive",
 * "Tags").  TTL is stored only: expiry is a later issue.  Changing them
 * requires ownership of the table's relation; reading them does not.
 *
 * IDENTIFICATION
 *	  src/api/control_meta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api/control.h"
#include "api/errors.h"
#include "api/ops.h"
#include "item/itemjson.h"

/* ------------------------------- TTL ------------------------------- */

void
KvamOpDescribeTimeToLive(const JsonbValue *req, KvamOut *out)
{
	KvamTableDef *def = KvamControlTable(KvamRequiredTableName(req), "DescribeTimeToLive", false);
	JsonbValue	ttl;
	char	   *attr = NULL;
	bool		enabled = false;

	if (KvamDescMember(def, "TimeToLive", &ttl))
	{
		(void) KvamReqBool(&ttl, "Enabled", &enabled);
		attr = KvamReqString(&ttl, "AttributeName");
	}
	KvamOutOpen(out, "TimeToLiveDescription", '{');
	KvamOutString(out, "TimeToLiveStatus", enabled ? "ENABLED" : "DISABLED");
	if (enabled && attr)
		KvamOutString(out, "AttributeName", attr);
	KvamOutClose(out, '}');
}

void
KvamOpUpdateTimeToLive(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	char	   *name = KvamReqString(req, "TableName");
	JsonbValue	spec;
	bool		have_spec = KvamReqObject(req, "TimeToLiveSpecification", &spec);
	bool		enabled = false;
	bool		have_enabled = false;
	char	   *attr = NULL;
	KvamTableDef *def;
	JsonbValue	ttl;
	bool		was_enabled = false;
	KvamOut		t;

	if (have_spec)
	{
		have_enabled = KvamReqBool(&spec, "Enabled", &enabled);
		attr = KvamReqString(&spec, "AttributeName");
	}
	KvamValInit(&e);
	KvamValTableName(&e, name, "tableName", true);
	if (!have_spec)
		KvamValAdd(&e, NULL, "timeToLiveSpecification", "Member must not be null");
	else
	{
		if (!have_enabled)
			KvamValAdd(&e, NULL, "timeToLiveSpecification.enabled", "Member must not be null");
		if (attr == NULL)
			KvamValAdd(&e, NULL, "timeToLiveSpecification.attributeName", "Member must not be null");
		else if (strlen(attr) < 1 || strlen(attr) > 255)
			KvamValAdd(&e, attr, "timeToLiveSpecification.attributeName",
					   strlen(attr) < 1 ? "Member must have length greater than or equal to 1" :
					   "Member must have length less than or equal to 255");
	}
	KvamValRaise(&e);

	def = KvamControlTable(name, "UpdateTimeToLive", true);
	if (KvamDescMember(def, "TimeToLive", &ttl))
		(void) KvamReqBool(&ttl, "Enabled", &was_enabled);
	if (enabled && was_enabled)
		KvamRaise(KVAM_EX_VALIDATION, "TimeToLive is already enabled");
	if (!enabled && !was_enabled)
		KvamRaise(KVAM_EX_VALIDATION, "TimeToLive is already disabled");

	KvamOutInit(&t);
	KvamOutBool(&t, "Enabled", enabled);
	KvamOutString(&t, "AttributeName", attr);
	def->description = KvamDescriptionWith(def, "TimeToLive", KvamOutFinish(&t));
	KvamCatalogUpdate(def);

	KvamOutOpen(out, "TimeToLiveSpecification", '{');
	KvamOutBool(out, "Enabled", enabled);
	KvamOutString(out, "AttributeName", attr);
	KvamOutClose(out, '}');
}

/* ------------------------------- tags ------------------------------- */

typedef struct Tag
{
	char	   *key;
	char	   *value;
} Tag;

/*
 * Does 'arn' have the shape of an ARN at all ("p:p:p:p:p:p/p", non-empty
 * parts)?  DynamoDB answers a ResourceArn that does not with
 * AccessDeniedException (an IAM check on a resource that cannot exist), one
 * that does but names no table with "Invalid TableArn".
 */
static bool
arn_shaped(const char *arn)
{
	size_t		len = strlen(arn);
	size_t		pos = 0;
	int			colons;

	for (colons = 0; colons < 5; colons++)
	{
		const char *c = pos + 1 <= len ? strchr(arn + pos + 1, ':') : NULL;

		if (c == NULL)
			return false;
		pos = c - arn + 1;		/* just after the colon */
	}
	return len >= pos + 3 && strchr(arn + pos + 1, '/') != NULL &&
		strchr(arn + pos + 1, '/') < arn + len - 1;
}

/*
 * The checks of a ResourceArn that come before the operation's own
 * parameters: present, shaped like an ARN.
 */
static void
check_arn(const char *arn, const char *operation)
{
	if (arn == NULL)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid TableArn");
	if (!arn_shaped(arn))
		KvamRaiseAccessDenied(operation, arn);
}

/* The TableName of a checked ResourceArn: "Invalid TableArn" unless a table's. */
static char *
arn_table_name(const char *arn)
{
	char	   *name = KvamTableNameFromArn(arn);

	if (name == NULL)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
	return name;
}

/*
 * The table of a checked ResourceArn.  The message's "ResourcArn" is
 * DynamoDB's own spelling.
 */
static KvamTableDef *
table_of_arn(const char *arn, const char *name, const char *operation,
			 bool owner)
{
	if (KvamCatalogLookup(name) == NULL)
		KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND,
				  "Requested resource not found: ResourcArn: %s not found", arn);
	return KvamControlTable(name, operation, owner);
}

static Tag *
tags_from_json(const JsonbValue *arr, int *n)
{
	JsonbValue *elems = KvamJsonArrayElems(arr, n);
	Tag		   *tags = palloc(sizeof(Tag) * Max(*n, 1));
	int			i;

	for (i = 0; i < *n; i++)
	{
		if (!KvamReqIsObject(&elems[i]))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
		tags[i].key = KvamReqString(&elems[i], "Key");
		tags[i].value = KvamReqString(&elems[i], "Value");
	}
	return tags;
}

static Tag *
stored_tags(const KvamTableDef *def, int *n)
{
	JsonbValue	tv;

	*n = 0;
	if (!KvamDescMember(def, "Tags", &tv))
		return palloc(sizeof(Tag));
	return tags_from_json(&tv, n);
}

static void
out_tags(KvamOut *o, const char *key, const Tag *tags, int n)
{
	int			i;

	KvamOutOpen(o, key, '[');
	for (i = 0; i < n; i++)
	{
		if (tags[i].key == NULL)
			continue;
		KvamOutOpen(o, NULL, '{');
		KvamOutString(o, "Key", tags[i].key);
		KvamOutString(o, "Value", tags[i].value ? tags[i].value : "");
		KvamOutClose(o, '}');
	}
	KvamOutClose(o, ']');
}

static void
store_tags(KvamTableDef *def, const Tag *tags, int n)
{
	KvamOut		t;
	char	   *text;

	KvamOutInit(&t);
	out_tags(&t, "T", tags, n);
	text = KvamOutFinish(&t);
	/* strip the {"T": ... } wrapper */
	text[strlen(text) - 1] = '\0';
	def->description = KvamDescriptionWith(def, "Tags", text + 5);
	KvamCatalogUpdate(def);
}

void
KvamOpTagResource(const JsonbValue *req, KvamOut *out)
{
	char	   *arn = KvamReqString(req, "ResourceArn");
	JsonbValue	arr;
	Tag		   *add;
	Tag		   *cur;
	int			nadd,
				ncur,
				i,
				j;
	KvamTableDef *def;
	char	   *name;

	check_arn(arn, "TagResource");
	if (!KvamReqMember(req, "Tags", &arr))
		KvamRaise(KVAM_EX_VALIDATION,
				  "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
	name = arn_table_name(arn);
	add = tags_from_json(&arr, &nadd);
	if (nadd == 0)
		KvamRaise(KVAM_EX_VALIDATION, "Atleast one Tag needs to be provided as Input.");
	for (i = 0; i < nadd; i++)
	{
		if (add[i].key == NULL || add[i].value == NULL)
			KvamRaise(KVAM_EX_VALIDATION,
					  "1 validation error detected: Value null at 'tags.%d.member.%s' failed to satisfy constraint: Member must not be null",
					  i + 1, add[i].key == NULL ? "key" : "value");
		if (strlen(add[i].key) < 1 || strlen(add[i].key) > 128 || strlen(add[i].value) > 256)
			KvamRaise(KVAM_EX_VALIDATION,
					  "One or more parameter values were invalid: Tag key or value has an invalid length");
	}
	def = table_of_arn(arn, name, "TagResource", true);
	cur = stored_tags(def, &ncur);
	cur = repalloc(cur, sizeof(Tag) * (ncur + nadd + 1));
	for (i = 0; i < nadd; i++)
	{
		for (j = 0; j < ncur; j++)
			if (cur[j].key && strcmp(cur[j].key, add[i].key) == 0)
				break;
		if (j == ncur)
			ncur++;
		cur[j] = add[i];
	}
	if (ncur > 50)
		KvamRaise(KVAM_EX_LIMIT_EXCEEDED,
				  "The number of tags on the resource exceeds the limit of 50");
	store_tags(def, cur, ncur);
	(void) out;
}

void
KvamOpUntagResource(const JsonbValue *req, KvamOut *out)
{
	char	   *arn = KvamReqString(req, "ResourceArn");
	JsonbValue	arr;
	JsonbValue *keys;
	int			nkeys,
				ncur,
				i,
				j;
	KvamTableDef *def;
	Tag		   *cur;
	char	   *name;

	check_arn(arn, "UntagResource");
	if (!KvamReqMember(req, "TagKeys", &arr))
		KvamRaise(KVAM_EX_VALIDATION,
				  "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
	name = arn_table_name(arn);
	keys = KvamJsonArrayElems(&arr, &nkeys);
	if (nkeys == 0)
		KvamRaise(KVAM_EX_VALIDATION, "Atleast one Tag Key needs to be provided as Input.");
	def = table_of_arn(arn, name, "UntagResource", true);
	cur = stored_tags(def, &ncur);
	for (i = 0; i < nkeys; i++)
	{
		if (keys[i].type != jbvString)
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
		for (j = 0; j < ncur; j++)
			if (cur[j].key && strlen(cur[j].key) == keys[i].val.string.len &&
				memcmp(cur[j].key, keys[i].val.string.val, keys[i].val.string.len) == 0)
				cur[j].key = NULL;
	}
	store_tags(def, cur, ncur);
	(void) out;
}

void
KvamOpListTagsOfResource(const JsonbValue *req, KvamOut *out)
{
	char	   *arn = KvamReqString(req, "ResourceArn");
	KvamTableDef *def;
	int			n;
	Tag		   *tags;

	check_arn(arn, "ListTagsOfResource");
	def = table_of_arn(arn, arn_table_name(arn), "ListTagsOfResource", false);
	tags = stored_tags(def, &n);

	out_tags(out, "Tags", tags, n);
}

/* --------------------------- DescribeLimits --------------------------- */

void
KvamOpDescribeLimits(const JsonbValue *req, KvamOut *out)
{
	KvamOutInt64(out, "AccountMaxReadCapacityUnits", 80000);
	KvamOutInt64(out, "AccountMaxWriteCapacityUnits", 80000);
	KvamOutInt64(out, "TableMaxReadCapacityUnits", 40000);
	KvamOutInt64(out, "TableMaxWriteCapacityUnits", 40000);
}
