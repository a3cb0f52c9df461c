/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing kvam.tables; the API's GUCs; ARNs.
 *
 * Invariants: a row exists for every table the API created; its relid
 * names the kvam relation holding the items (a row whose relation was
 * dropped with plain SQL is treated as absent and replaced by the next
 * CreateTable of that name).  Rows are written only here, by the control
 * plane, as the catalog's owner.  relid is a regclass (binary-identical to
 * an oid, read here and by the stream plugin as one): pg_dump writes it as
 * the relation's qualified name and restore resolves it to the new OID, so
 * restored tables are found again.
 *
 * IDENTIFICATION
 *	  src/api/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "api/catalog.h"
#include "api/errors.h"

char	   *kvam_api_schema = NULL;
char	   *kvam_region = NULL;
char	   *kvam_account_id = NULL;

/*
 * KvamApiDefineGucs: kvam.api_schema (where CreateTable puts relations),
 * kvam.region and kvam.account_id (ARNs).
 */
void
KvamApiDefineGucs(void)
{
	DefineCustomStringVariable("kvam.api_schema",
							   "Schema in which the DynamoDB API creates tables.",
							   NULL,
							   &kvam_api_schema,
							   "public",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.region",
							   "Region shown in the ARNs of the DynamoDB API.",
							   NULL,
							   &kvam_region,
							   "local",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("kvam.account_id",
							   "Account id shown in the ARNs of the DynamoDB API.",
							   NULL,
							   &kvam_account_id,
							   "000000000000",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);
}

static Oid
catalog_relid(void)
{
	Oid			nsp = get_namespace_oid("kvam", false);
	Oid			relid = get_relname_relid("tables", nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("catalog table kvam.tables does not exist"),
				 errhint("Recreate the extension kvam.")));
	return relid;
}

KvamAttrType
KvamAttrTypeFromKeyType(const char *t)
{
	if (t == NULL)
		return 0;
	switch (t[0])
	{
		case 'S':
			return KVAM_AT_S;
		case 'N':
			return KVAM_AT_N;
		case 'B':
			return KVAM_AT_B;
	}
	elog(ERROR, "kvam.tables holds an invalid key type \"%s\"", t);
	return 0;					/* keep compiler quiet */
}

static char *
text_or_null(Datum *values, bool *nulls, int attno)
{
	return nulls[attno - 1] ? NULL : TextDatumGetCString(values[attno - 1]);
}

static KvamTableDef *
def_from_tuple(HeapTuple tup, TupleDesc desc)
{
	Datum		values[Natts_kvam_tables];
	bool		nulls[Natts_kvam_tables];
	KvamTableDef *def = palloc0(sizeof(KvamTableDef));

	heap_deform_tuple(tup, desc, values, nulls);
	def->table_name = text_or_null(values, nulls, Anum_kvam_tables_table_name);
	def->relid = DatumGetObjectId(values[Anum_kvam_tables_relid - 1]);
	def->table_id = DatumGetCString(DirectFunctionCall1(uuid_out,
														values[Anum_kvam_tables_table_id - 1]));
	def->key.hash_name = text_or_null(values, nulls, Anum_kvam_tables_hash_key_name);
	def->key.hash_type = KvamAttrTypeFromKeyType(text_or_null(values, nulls,
															  Anum_kvam_tables_hash_key_type));
	def->key.range_name = text_or_null(values, nulls, Anum_kvam_tables_range_key_name);
	def->key.range_type = KvamAttrTypeFromKeyType(text_or_null(values, nulls,
															   Anum_kvam_tables_range_key_type));
	def->stream_enabled = !nulls[Anum_kvam_tables_stream_enabled - 1] &&
		DatumGetBool(values[Anum_kvam_tables_stream_enabled - 1]);
	def->stream_view_type = text_or_null(values, nulls, Anum_kvam_tables_stream_view_type);
	def->stream_label = text_or_null(values, nulls, Anum_kvam_tables_stream_label);
	def->created_at = DatumGetTimestampTz(values[Anum_kvam_tables_created_at - 1]);
	def->description = DatumGetJsonbPCopy(values[Anum_kvam_tables_description - 1]);
	return def;
}

/*
 * KvamCatalogLookup: one index probe of kvam.tables' primary key with the
 * latest snapshot.
 */
KvamTableDef *
KvamCatalogLookup(const char *name)
{
	Relation	rel = table_open(catalog_relid(), AccessShareLock);
	Oid			indexid = RelationGetPrimaryKeyIndex(rel);
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	KvamTableDef *def = NULL;

	ScanKeyEntryInitialize(&key, 0, Anum_kvam_tables_table_name,
						   BTEqualStrategyNumber, InvalidOid,
						   get_typcollation(TEXTOID), F_TEXTEQ,
						   CStringGetTextDatum(name));
	scan = systable_beginscan(rel, indexid, true, snap, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		def = def_from_tuple(tup, RelationGetDescr(rel));
	systable_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return def;
}

/*
 * Run one SPI command as the owner of kvam.tables (users cannot write the
 * catalog directly).
 */
static void
spi_as_owner(const char *sql, int nargs, Oid *types, Datum *values,
			 const char *nulls)
{
	Oid			owner;
	Oid			save_userid;
	int			save_sec;
	HeapTuple	tup;
	int			rc;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(catalog_relid()));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for kvam.tables");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);
}

static Datum
text_datum_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

void
KvamCatalogInsert(const KvamTableDef *def)
{
	Oid			types[10] = {TEXTOID, REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, BOOLOID, TEXTOID, JSONBOID};
	Datum		values[10];
	char		nulls[11] = "          ";

	values[0] = text_datum_or_null(def->table_name, &nulls[0]);
	values[1] = ObjectIdGetDatum(def->relid);
	values[2] = text_datum_or_null(def->table_id, &nulls[2]);
	values[3] = text_datum_or_null(def->key.hash_name, &nulls[3]);
	values[4] = text_datum_or_null(KvamAttrTypeName(def->key.hash_type), &nulls[4]);
	values[5] = text_datum_or_null(def->key.range_name, &nulls[5]);
	values[6] = text_datum_or_null(def->key.range_name ?
								   KvamAttrTypeName(def->key.range_type) : NULL,
								   &nulls[6]);
	values[7] = BoolGetDatum(def->stream_enabled);
	values[8] = text_datum_or_null(def->stream_view_type, &nulls[8]);
	values[9] = JsonbPGetDatum(def->description);
	spi_as_owner("INSERT INTO kvam.tables (table_name, relid, table_id, hash_key_name, "
				 "hash_key_type, range_key_name, range_key_type, stream_enabled, "
				 "stream_view_type, stream_label, description) "
				 "VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9, "
				 "CASE WHEN $8 THEN to_char(now() AT TIME ZONE 'UTC', "
				 "'YYYY-MM-DD\"T\"HH24:MI:SS.MS') END, $10)",
				 10, types, values, nulls);
}

void
KvamCatalogUpdate(const KvamTableDef *def)
{
	Oid			types[5] = {TEXTOID, BOOLOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		values[5];
	char		nulls[6] = "     ";

	values[0] = text_datum_or_null(def->table_name, &nulls[0]);
	values[1] = BoolGetDatum(def->stream_enabled);
	values[2] = text_datum_or_null(def->stream_view_type, &nulls[2]);
	values[3] = text_datum_or_null(def->stream_label, &nulls[3]);
	values[4] = JsonbPGetDatum(def->description);
	/* tells the data plane's row caches (table_cache.c) at commit */
	CacheInvalidateRelcacheByRelid(def->relid);
	spi_as_owner("UPDATE kvam.tables SET stream_enabled = $2, stream_view_type = $3, "
				 "stream_label = COALESCE($4, to_char(now() AT TIME ZONE 'UTC', "
				 "'YYYY-MM-DD\"T\"HH24:MI:SS.MS')), description = $5 "
				 "WHERE table_name = $1",
				 5, types, values, nulls);
}

void
KvamCatalogDelete(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	spi_as_owner("DELETE FROM kvam.tables WHERE table_name = $1", 1, types,
				 values, NULL);
}

/*
 * KvamCatalogList: names in byte order, as DynamoDB lists them.
 */
List *
KvamCatalogList(const char *after, int limit, bool *more)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		values[2];
	char		nulls[3] = "  ";
	List	   *names = NIL;
	uint64		i;
	MemoryContext oldcxt = CurrentMemoryContext;

	values[0] = text_datum_or_null(after, &nulls[0]);
	values[1] = Int64GetDatum(limit > 0 ? (int64) limit + 1 : PG_INT64_MAX);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT t.table_name FROM kvam.tables t "
							  "JOIN pg_catalog.pg_class c ON c.oid = t.relid "
							  "WHERE $1 IS NULL OR t.table_name COLLATE \"C\" > $1 "
							  "ORDER BY t.table_name COLLATE \"C\" LIMIT $2",
							  2, types, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list kvam.tables");
	*more = false;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									  1, &isnull);
		MemoryContext spicxt;

		if (limit > 0 && i == (uint64) limit)
		{
			*more = true;
			break;
		}
		spicxt = MemoryContextSwitchTo(oldcxt);
		names = lappend(names, TextDatumGetCString(d));
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	return names;
}

static char *
arn_prefix(void)
{
	return psprintf("arn:aws:dynamodb:%s:%s:table/", kvam_region, kvam_account_id);
}

char *
KvamTableArn(const char *name)
{
	return psprintf("%s%s", arn_prefix(), name);
}

char *
KvamStreamArn(const char *name, const char *label)
{
	return psprintf("%s%s/stream/%s", arn_prefix(), name, label);
}

char *
KvamTableNameFromArn(const char *arn)
{
	char	   *prefix = arn_prefix();
	size_t		plen = strlen(prefix);

	if (strncmp(arn, prefix, plen) != 0 || arn[plen] == '\0' ||
		strchr(arn + plen, '/') != NULL)
		return NULL;
	return pstrdup(arn + plen);
}
