/*-------------------------------------------------------------------------
 *
 * control_table.c
 *	  CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable.
 *
 * A DynamoDB table is a kvam relation of the shape fixed in docs/api.md
 * plus its kvam.tables row.  CreateTable issues the DDL through SPI as the
 * caller (who must be allowed to create tables in kvam.api_schema and
 * becomes the owner; names are always quoted) and registers the row;
 * DeleteTable and UpdateTable require ownership of the relation.  Tables
 * are ACTIVE as soon as CreateTable returns.  Secondary indexes are
 * refused until they exist.
 *
 * ItemCount and TableSizeBytes come from the planner statistics
 * (pg_class.reltuples / relpages, refreshed by ANALYZE and VACUUM), as
 * DynamoDB's are refreshed periodically rather than per write.
 *
 * IDENTIFICATION
 *	  src/api/control_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "api/catalog.h"
#include "api/control.h"
#include "api/errors.h"
#include "api/ops.h"
#include "item/itemjson.h"
#include "stream/store.h"

#define MAX_CAPACITY_UNITS	INT64CONST(1000000000000)

/* ------------------------------ helpers ------------------------------ */

char *
KvamJsonText(const JsonbValue *v)
{
	Jsonb	   *jb = JsonbValueToJsonb((JsonbValue *) v);

	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

bool
KvamDescMember(const KvamTableDef *def, const char *name, JsonbValue *out)
{
	JsonbValue	root;

	KvamJsonbRoot(def->description, &root);
	return KvamReqMember(&root, name, out);
}

Jsonb *
KvamDescriptionWith(const KvamTableDef *def, const char *name, const char *json)
{
	Datum		d = JsonbPGetDatum(def->description);

	d = DirectFunctionCall2(jsonb_delete, d, CStringGetTextDatum(name));
	if (json != NULL)
	{
		char	   *obj = psprintf("{%s:%s}", quote_literal_cstr(name), json);

		/* quote_literal gives 'name'; JSON wants "name" */
		obj[1] = '"';
		obj[strlen(name) + 2] = '"';
		d = DirectFunctionCall2(jsonb_concat, d,
								DirectFunctionCall1(jsonb_in, CStringGetDatum(obj)));
	}
	return DatumGetJsonbP(d);
}

static bool
relation_exists(Oid relid)
{
	return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid));
}

KvamTableDef *
KvamControlTable(const char *name, const char *operation, bool owner)
{
	KvamTableDef *def = KvamCatalogLookup(name);

	if (def == NULL || !relation_exists(def->relid))
		KvamRaise(KVAM_EX_RESOURCE_NOT_FOUND,
				  "Requested resource not found: Table: %s not found", name);
	if (owner && !pg_class_ownercheck(def->relid, GetUserId()))
		KvamRaiseAccessDenied(operation, KvamTableArn(name));
	return def;
}

void
KvamRaiseAccessDenied(const char *operation, const char *resource)
{
	KvamRaise(KVAM_EX_ACCESS_DENIED,
			  "User: arn:aws:iam::%s:user/%s is not authorized to perform: dynamodb:%s on resource: %s",
			  kvam_account_id, GetUserNameFromId(GetUserId(), false),
			  operation, resource);
}

/*
 * KvamOutKeySchema: see control.h.
 */
void
KvamOutKeySchema(KvamOut *o, const KvamTableDef *def)
{
	KvamOutOpen(o, "KeySchema", '[');
	KvamOutOpen(o, NULL, '{');
	KvamOutString(o, "AttributeName", def->key.hash_name);
	KvamOutString(o, "KeyType", "HASH");
	KvamOutClose(o, '}');
	if (def->key.range_name)
	{
		KvamOutOpen(o, NULL, '{');
		KvamOutString(o, "AttributeName", def->key.range_name);
		KvamOutString(o, "KeyType", "RANGE");
		KvamOutClose(o, '}');
	}
	KvamOutClose(o, ']');
}

static char *
billing_mode(const KvamTableDef *def)
{
	JsonbValue	v;

	if (KvamDescMember(def, "BillingMode", &v) && v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	return "PROVISIONED";
}

void
KvamDescribeTableOut(KvamOut *o, const char *key, const KvamTableDef *def,
					 const char *status)
{
	JsonbValue	v;
	HeapTuple	tup;
	double		reltuples = 0;
	int64		relpages = 0;
	int64		rcu = 0,
				wcu = 0;
	char	   *mode = billing_mode(def);
	double		created;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(def->relid));
	if (HeapTupleIsValid(tup))
	{
		reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		relpages = ((Form_pg_class) GETSTRUCT(tup))->relpages;
		ReleaseSysCache(tup);
	}
	created = (double) def->created_at / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

	KvamOutOpen(o, key, '{');
	if (KvamDescMember(def, "AttributeDefinitions", &v))
		KvamOutRaw(o, "AttributeDefinitions", KvamJsonText(&v));
	KvamOutString(o, "TableName", def->table_name);
	KvamOutKeySchema(o, def);
	KvamOutString(o, "TableStatus", status);
	KvamOutNumber(o, "CreationDateTime", psprintf("%.3f", created));
	if (KvamDescMember(def, "ProvisionedThroughput", &v))
	{
		(void) KvamReqInt64(&v, "ReadCapacityUnits", &rcu);
		(void) KvamReqInt64(&v, "WriteCapacityUnits", &wcu);
	}
	KvamOutOpen(o, "ProvisionedThroughput", '{');
	KvamOutInt64(o, "NumberOfDecreasesToday", 0);
	KvamOutInt64(o, "ReadCapacityUnits", rcu);
	KvamOutInt64(o, "WriteCapacityUnits", wcu);
	KvamOutClose(o, '}');
	KvamOutInt64(o, "TableSizeBytes", reltuples > 0 ? relpages * BLCKSZ : 0);
	KvamOutInt64(o, "ItemCount", reltuples > 0 ? (int64) reltuples : 0);
	KvamOutString(o, "TableArn", KvamTableArn(def->table_name));
	KvamOutString(o, "TableId", def->table_id);
	KvamOutOpen(o, "BillingModeSummary", '{');
	KvamOutString(o, "BillingMode", mode);
	KvamOutClose(o, '}');
	if (def->stream_enabled)
	{
		KvamOutOpen(o, "StreamSpecification", '{');
		KvamOutBool(o, "StreamEnabled", true);
		KvamOutString(o, "StreamViewType", def->stream_view_type);
		KvamOutClose(o, '}');
	}
	if (def->stream_label)
	{
		KvamOutString(o, "LatestStreamLabel", def->stream_label);
		KvamOutString(o, "LatestStreamArn",
					  KvamStreamArn(def->table_name, def->stream_label));
	}
	if (KvamDescMember(def, "TableClass", &v) && v.type == jbvString)
	{
		KvamOutOpen(o, "TableClassSummary", '{');
		KvamOutRaw(o, "TableClass", KvamJsonText(&v));
		KvamOutClose(o, '}');
	}
	KvamOutBool(o, "DeletionProtectionEnabled",
				KvamDescMember(def, "DeletionProtectionEnabled", &v) &&
				v.type == jbvBool && v.val.boolean);
	KvamOutClose(o, '}');
}

/* ---------------------------- CreateTable ---------------------------- */

typedef struct KeyElem
{
	char	   *name;
	char	   *type;			/* AttributeType or KeyType */
} KeyElem;

static KeyElem *
read_pairs(const JsonbValue *elems, int n, const char *list, const char *f1,
		   const char *f2, const char *p1, const char *p2,
		   const char *const *f2enum, KvamValErrors *e)
{
	KeyElem    *out = palloc0(sizeof(KeyElem) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		if (!KvamReqIsObject(&elems[i]))
			KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected field type");
		out[i].name = KvamReqString(&elems[i], f1);
		out[i].type = KvamReqString(&elems[i], f2);
	}
	for (i = 0; i < n; i++)
	{
		char	   *path1 = psprintf("%s.%d.member.%s", list, i + 1, p1);
		char	   *path2 = psprintf("%s.%d.member.%s", list, i + 1, p2);

		if (out[i].name == NULL)
			KvamValAdd(e, NULL, path1, "Member must not be null");
		if (out[i].type == NULL)
			KvamValAdd(e, NULL, path2, "Member must not be null");
		KvamValEnum(e, out[i].type, path2, f2enum);
	}
	return out;
}

static char *
name_list(const KeyElem *elems, int n)
{
	StringInfoData s;
	int			i;

	initStringInfo(&s);
	for (i = 0; i < n; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", elems[i].name);
	return s.data;
}

static const char *
attr_type_of(const KeyElem *defs, int ndefs, const char *name)
{
	int			i;

	for (i = 0; i < ndefs; i++)
		if (strcmp(defs[i].name, name) == 0)
			return defs[i].type;
	return NULL;
}

/* The relation name of a TableName (docs/api.md). */
static char *
relation_name(const char *table)
{
	size_t		len = strlen(table);

	if (len < NAMEDATALEN)
		return pstrdup(table);
	return psprintf("%.54s_%08x", table,
					(uint32) (XXH3_64bits(table, len) & 0xFFFFFFFF));
}

static const char *
column_type(const char *t)
{
	switch (t[0])
	{
		case 'S':
			return "text COLLATE \"C\"";
		case 'N':
			return "numeric";
		default:
			return "bytea";
	}
}

static void
spi_exec(const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) < 0)
		elog(ERROR, "could not execute: %s", sql);
	SPI_finish();
}

/* Validate and read StreamSpecification; true when present. */
static bool
read_stream_spec(const JsonbValue *req, KvamValErrors *e, bool *enabled,
				 char **viewtype)
{
	static const char *const views[] = {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES",
	"KEYS_ONLY", NULL};
	JsonbValue	ss;
	bool		have_enabled;

	*enabled = false;
	*viewtype = NULL;
	if (!KvamReqObject(req, "StreamSpecification", &ss))
		return false;
	have_enabled = KvamReqBool(&ss, "StreamEnabled", enabled);
	*viewtype = KvamReqString(&ss, "StreamViewType");
	if (!have_enabled)
		KvamValAdd(e, NULL, "streamSpecification.streamEnabled", "Member must not be null");
	KvamValEnum(e, *viewtype, "streamSpecification.streamViewType", views);
	return true;
}

static void
check_stream_spec(bool enabled, const char *viewtype, bool update)
{
	/* UpdateTable's texts are DynamoDB's verified ones (docs/errors.md) */
	if (enabled && viewtype == NULL)
		KvamRaise(KVAM_EX_VALIDATION, update ?
				  "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required" :
				  "One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream");
	if (!enabled && viewtype != NULL)
		KvamRaise(KVAM_EX_VALIDATION, update ?
				  "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified" :
				  "One or more parameter values were invalid: You cannot specify a StreamViewType when disabling a stream");
}

/* Validate ProvisionedThroughput; returns whether present. */
static bool
read_throughput(const JsonbValue *req, KvamValErrors *e, int64 *rcu, int64 *wcu)
{
	JsonbValue	pt;

	*rcu = *wcu = 0;
	if (!KvamReqObject(req, "ProvisionedThroughput", &pt))
		return false;
	if (!KvamReqInt64(&pt, "ReadCapacityUnits", rcu))
		KvamValAdd(e, NULL, "provisionedThroughput.readCapacityUnits", "Member must not be null");
	else if (*rcu < 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, *rcu), "provisionedThroughput.readCapacityUnits",
				   "Member must have value greater than or equal to 1");
	if (!KvamReqInt64(&pt, "WriteCapacityUnits", wcu))
		KvamValAdd(e, NULL, "provisionedThroughput.writeCapacityUnits", "Member must not be null");
	else if (*wcu < 1)
		KvamValAdd(e, psprintf(INT64_FORMAT, *wcu), "provisionedThroughput.writeCapacityUnits",
				   "Member must have value greater than or equal to 1");
	return true;
}

static void
check_throughput_bounds(int64 rcu, int64 wcu)
{
	if (rcu > MAX_CAPACITY_UNITS)
		KvamRaise(KVAM_EX_VALIDATION, "Given value " INT64_FORMAT " for ReadCapacityUnits is out of bounds", rcu);
	if (wcu > MAX_CAPACITY_UNITS)
		KvamRaise(KVAM_EX_VALIDATION, "Given value " INT64_FORMAT " for WriteCapacityUnits is out of bounds", wcu);
}

static void
out_throughput(KvamOut *d, int64 rcu, int64 wcu)
{
	KvamOutOpen(d, "ProvisionedThroughput", '{');
	KvamOutInt64(d, "ReadCapacityUnits", rcu);
	KvamOutInt64(d, "WriteCapacityUnits", wcu);
	KvamOutClose(d, '}');
}

void
KvamOpCreateTable(const JsonbValue *req, KvamOut *out)
{
	static const char *const attr_types[] = {"B", "N", "S", NULL};
	static const char *const key_types[] = {"HASH", "RANGE", NULL};
	static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
	KvamValErrors e;
	char	   *name;
	JsonbValue *adv,
			   *ksv;
	int			nad,
				nks,
				ntags,
				i;
	KeyElem    *defs = NULL,
			   *keys = NULL;
	char	   *mode;
	bool		have_pt,
				have_ss,
				stream_on;
	char	   *viewtype;
	int64		rcu,
				wcu;
	JsonbValue	v;
	KvamTableDef def;
	KvamTableDef *existing;
	KvamOut		d;
	char	   *relname;
	Oid			nsp;
	char	   *qrel;
	StringInfoData sql;

	KvamValInit(&e);
	name = KvamReqString(req, "TableName");
	adv = KvamReqArray(req, "AttributeDefinitions", &nad);
	ksv = KvamReqArray(req, "KeySchema", &nks);
	mode = KvamReqString(req, "BillingMode");
	(void) KvamReqArray(req, "Tags", &ntags);

	KvamValTableName(&e, name, "tableName", true);
	if (adv == NULL)
		KvamValAdd(&e, NULL, "attributeDefinitions", "Member must not be null");
	else
		defs = read_pairs(adv, nad, "attributeDefinitions", "AttributeName", "AttributeType",
						  "attributeName", "attributeType", attr_types, &e);
	if (ksv == NULL)
		KvamValAdd(&e, NULL, "keySchema", "Member must not be null");
	else
	{
		keys = read_pairs(ksv, nks, "keySchema", "AttributeName", "KeyType",
						  "attributeName", "keyType", key_types, &e);
		if (nks < 1)
			KvamValAdd(&e, "[]", "keySchema", "Member must have length greater than or equal to 1");
		if (nks > 2)
			KvamValAdd(&e, psprintf("[%s]", name_list(keys, nks)), "keySchema",
					   "Member must have length less than or equal to 2");
	}
	KvamValEnum(&e, mode, "billingMode", modes);
	have_pt = read_throughput(req, &e, &rcu, &wcu);
	have_ss = read_stream_spec(req, &e, &stream_on, &viewtype);
	KvamValRaise(&e);

	if (mode != NULL && strcmp(mode, "PAY_PER_REQUEST") == 0)
	{
		if (have_pt)
			KvamRaise(KVAM_EX_VALIDATION,
					  "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
	}
	else
	{
		if (!have_pt)
			KvamRaise(KVAM_EX_VALIDATION,
					  "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
		check_throughput_bounds(rcu, wcu);
	}
	if (nks > nad)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid KeySchema: Some index key attribute have no definition");
	for (i = 0; i < nks; i++)
		if (attr_type_of(defs, nad, keys[i].name) == NULL)
			KvamRaise(KVAM_EX_VALIDATION,
					  "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
					  name_list(keys, nks), name_list(defs, nad));
	if (nks == 2 && strcmp(keys[0].name, keys[1].name) == 0)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Both the Hash Key and the Range Key element in the KeySchema have the same name");
	if (strcmp(keys[0].type, "HASH") != 0)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	if (nks == 2 && strcmp(keys[1].type, "RANGE") != 0)
		KvamRaise(KVAM_EX_VALIDATION, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
	if (KvamReqMember(req, "LocalSecondaryIndexes", &v))
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: LocalSecondaryIndexes are not supported by kvam yet");
	if (KvamReqMember(req, "GlobalSecondaryIndexes", &v))
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: GlobalSecondaryIndexes are not supported by kvam yet");
	if (nks != nad)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
	if (have_ss)
		check_stream_spec(stream_on, viewtype, false);
	if (have_ss && stream_on)
		KvamStreamEnabling();	/* the stream slot, before any write */

	/* existence */
	existing = KvamCatalogLookup(name);
	if (existing != NULL)
	{
		if (relation_exists(existing->relid))
			KvamRaise(KVAM_EX_RESOURCE_IN_USE, "Table already exists: %s", name);
		KvamCatalogDelete(name);	/* its relation was dropped with SQL */
	}
	nsp = LookupCreationNamespace(kvam_api_schema);
	relname = relation_name(name);
	if (OidIsValid(get_relname_relid(relname, nsp)))
		KvamRaiseCode(KVAM_EX_RESOURCE_IN_USE, ERRCODE_DUPLICATE_TABLE,
					  "Table already exists: %s", name);

	/* the relation */
	qrel = quote_qualified_identifier(kvam_api_schema, relname);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (pk %s NOT NULL, ", qrel,
					 column_type(attr_type_of(defs, nad, keys[0].name)));
	if (nks == 2)
		appendStringInfo(&sql, "sk %s NOT NULL, ",
						 column_type(attr_type_of(defs, nad, keys[1].name)));
	appendStringInfo(&sql, "item kvam.item NOT NULL) USING kvam; "
					 "CREATE UNIQUE INDEX %s ON %s USING kvam_key (pk%s)",
					 quote_identifier(ChooseRelationName(relname, NULL, "key", nsp, false)),
					 qrel, nks == 2 ? ", sk" : "");
	spi_exec(sql.data);

	/* the catalog row */
	memset(&def, 0, sizeof(def));
	def.table_name = name;
	def.relid = get_relname_relid(relname, nsp);
	def.table_id = DatumGetCString(DirectFunctionCall1(uuid_out,
													   DirectFunctionCall1(gen_random_uuid, (Datum) 0)));
	def.key.hash_name = keys[0].name;
	def.key.hash_type = KvamAttrTypeFromKeyType(attr_type_of(defs, nad, keys[0].name));
	if (nks == 2)
	{
		def.key.range_name = keys[1].name;
		def.key.range_type = KvamAttrTypeFromKeyType(attr_type_of(defs, nad, keys[1].name));
	}
	def.stream_enabled = stream_on;
	def.stream_view_type = stream_on ? viewtype : NULL;

	KvamOutInit(&d);
	KvamOutOpen(&d, "AttributeDefinitions", '[');
	for (i = 0; i < nad; i++)
	{
		KvamOutOpen(&d, NULL, '{');
		KvamOutString(&d, "AttributeName", defs[i].name);
		KvamOutString(&d, "AttributeType", defs[i].type);
		KvamOutClose(&d, '}');
	}
	KvamOutClose(&d, ']');
	KvamOutString(&d, "BillingMode", mode ? mode : "PROVISIONED");
	if (have_pt)
		out_throughput(&d, rcu, wcu);
	KvamOutRaw(&d, "Tags", KvamReqMember(req, "Tags", &v) ? KvamJsonText(&v) : "[]");
	if (KvamReqMember(req, "TableClass", &v))
		KvamOutRaw(&d, "TableClass", KvamJsonText(&v));
	if (KvamReqMember(req, "SSESpecification", &v))
		KvamOutRaw(&d, "SSESpecification", KvamJsonText(&v));
	if (KvamReqMember(req, "DeletionProtectionEnabled", &v))
		KvamOutRaw(&d, "DeletionProtectionEnabled", KvamJsonText(&v));
	def.description = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														 CStringGetDatum(KvamOutFinish(&d))));
	KvamCatalogInsert(&def);
	if (stream_on)
		KvamStreamReplicaIdentity(&def);

	KvamDescribeTableOut(out, "TableDescription", KvamCatalogLookup(name), "ACTIVE");
}

/* --------------------------- DescribeTable --------------------------- */

/*
 * KvamRequiredTableName: see control.h.
 */
char *
KvamRequiredTableName(const JsonbValue *req)
{
	KvamValErrors e;
	char	   *name = KvamReqString(req, "TableName");

	KvamValInit(&e);
	KvamValTableName(&e, name, "tableName", true);
	KvamValRaise(&e);
	return name;
}

void
KvamOpDescribeTable(const JsonbValue *req, KvamOut *out)
{
	char	   *name = KvamRequiredTableName(req);

	KvamDescribeTableOut(out, "Table", KvamControlTable(name, "DescribeTable", false),
						 "ACTIVE");
}

/* ----------------------------- ListTables ----------------------------- */

void
KvamOpListTables(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	char	   *start = KvamReqString(req, "ExclusiveStartTableName");
	int64		limit = 100;
	bool		have_limit = KvamReqInteger(req, "Limit", &limit);
	bool		more;
	List	   *names;
	ListCell   *lc;
	char	   *last = NULL;

	KvamValInit(&e);
	KvamValTableName(&e, start, "exclusiveStartTableName", false);
	if (have_limit && limit < 1)
		KvamValAdd(&e, psprintf(INT64_FORMAT, limit), "limit",
				   "Member must have value greater than or equal to 1");
	if (have_limit && limit > 100)
		KvamValAdd(&e, psprintf(INT64_FORMAT, limit), "limit",
				   "Member must have value less than or equal to 100");
	KvamValRaise(&e);

	names = KvamCatalogList(start, (int) limit, &more);
	KvamOutOpen(out, "TableNames", '[');
	foreach(lc, names)
	{
		last = lfirst(lc);
		KvamOutString(out, NULL, last);
	}
	KvamOutClose(out, ']');
	if (more && last)
		KvamOutString(out, "LastEvaluatedTableName", last);
}

/* ---------------------------- UpdateTable ---------------------------- */

void
KvamOpUpdateTable(const JsonbValue *req, KvamOut *out)
{
	static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
	KvamValErrors e;
	char	   *name = KvamReqString(req, "TableName");
	char	   *mode = KvamReqString(req, "BillingMode");
	int64		rcu,
				wcu;
	bool		have_pt,
				have_ss,
				stream_on;
	char	   *viewtype;
	KvamTableDef *def;
	JsonbValue	v;
	char	   *newmode;

	KvamValInit(&e);
	KvamValTableName(&e, name, "tableName", true);
	KvamValEnum(&e, mode, "billingMode", modes);
	have_pt = read_throughput(req, &e, &rcu, &wcu);
	have_ss = read_stream_spec(req, &e, &stream_on, &viewtype);
	KvamValRaise(&e);
	if (KvamReqMember(req, "GlobalSecondaryIndexUpdates", &v) ||
		KvamReqMember(req, "ReplicaUpdates", &v))
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: GlobalSecondaryIndexUpdates and ReplicaUpdates are not supported by kvam yet");
	if (!have_pt && mode == NULL && !have_ss &&
		!KvamReqMember(req, "SSESpecification", &v) &&
		!KvamReqMember(req, "TableClass", &v) &&
		!KvamReqMember(req, "DeletionProtectionEnabled", &v))
		KvamRaise(KVAM_EX_VALIDATION,
				  "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
	if (have_ss)
		check_stream_spec(stream_on, viewtype, true);

	def = KvamControlTable(name, "UpdateTable", true);
	newmode = mode ? mode : billing_mode(def);
	if (strcmp(newmode, "PAY_PER_REQUEST") == 0 && have_pt)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
	if (strcmp(newmode, "PROVISIONED") == 0 && mode != NULL &&
		strcmp(billing_mode(def), "PROVISIONED") != 0 && !have_pt)
		KvamRaise(KVAM_EX_VALIDATION,
				  "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
	if (have_pt)
		check_throughput_bounds(rcu, wcu);
	if (have_ss)
	{
		if (stream_on && def->stream_enabled)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Table already has an enabled stream: TableName: %s", name);
		if (!stream_on && !def->stream_enabled)
			KvamRaise(KVAM_EX_VALIDATION,
					  "Table has no stream to disable: TableName: %s", name);
		def->stream_enabled = stream_on;
		if (stream_on)
			KvamStreamEnabling();	/* the stream slot, before any write */
		if (stream_on)
		{
			def->stream_view_type = viewtype;
			def->stream_label = NULL;	/* a new stream: a new label */
		}
	}
	if (mode != NULL)
		def->description = KvamDescriptionWith(def, "BillingMode",
											   psprintf("\"%s\"", mode));
	if (strcmp(newmode, "PAY_PER_REQUEST") == 0)
		def->description = KvamDescriptionWith(def, "ProvisionedThroughput", NULL);
	else if (have_pt)
	{
		KvamOut		pt;

		KvamOutInit(&pt);
		KvamOutInt64(&pt, "ReadCapacityUnits", rcu);
		KvamOutInt64(&pt, "WriteCapacityUnits", wcu);
		def->description = KvamDescriptionWith(def, "ProvisionedThroughput",
											   KvamOutFinish(&pt));
	}
	if (KvamReqMember(req, "TableClass", &v))
		def->description = KvamDescriptionWith(def, "TableClass", KvamJsonText(&v));
	if (KvamReqMember(req, "DeletionProtectionEnabled", &v))
		def->description = KvamDescriptionWith(def, "DeletionProtectionEnabled",
											   KvamJsonText(&v));
	KvamCatalogUpdate(def);
	if (have_ss)
		KvamStreamReplicaIdentity(def);
	if (have_ss && !stream_on)
		KvamStreamDisabled();	/* the last stream drops the slot */
	KvamDescribeTableOut(out, "TableDescription", KvamCatalogLookup(name), "ACTIVE");
}

/* ---------------------------- DeleteTable ---------------------------- */

void
KvamOpDeleteTable(const JsonbValue *req, KvamOut *out)
{
	char	   *name = KvamRequiredTableName(req);
	KvamTableDef *def = KvamControlTable(name, "DeleteTable", true);
	JsonbValue	v;

	if (KvamDescMember(def, "DeletionProtectionEnabled", &v) &&
		v.type == jbvBool && v.val.boolean)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
	KvamDescribeTableOut(out, "TableDescription", def, "DELETING");
	spi_exec(psprintf("DROP TABLE %s",
					  quote_qualified_identifier(get_namespace_name(get_rel_namespace(def->relid)),
												 get_rel_name(def->relid))));
	KvamCatalogDelete(name);
	if (def->stream_enabled)
		KvamStreamDisabled();	/* the last stream drops the slot */
}
