/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  The kvam.tables catalog: one row per DynamoDB table (docs/api.md).
 *
 * Reads go straight through the catalog's primary key index with a fresh
 * snapshot (the latest committed state, or the transaction snapshot under
 * REPEATABLE READ), so the data-plane operations pay no SQL round trip.
 * Writes (control plane only) go through SPI as the catalog's owner: users
 * may read kvam.tables but only the API functions write it.
 *
 * Also home of the API's GUCs (kvam.api_schema, kvam.region,
 * kvam.account_id) and of ARNs.
 *
 * IDENTIFICATION
 *	  src/api/catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_CATALOG_H
#define KVAM_API_CATALOG_H

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "api/keymap.h"

/* Column numbers of kvam.tables (the contract of docs/api.md). */
#define Anum_kvam_tables_table_name			1
#define Anum_kvam_tables_relid				2
#define Anum_kvam_tables_table_id			3
#define Anum_kvam_tables_hash_key_name		4
#define Anum_kvam_tables_hash_key_type		5
#define Anum_kvam_tables_range_key_name		6
#define Anum_kvam_tables_range_key_type		7
#define Anum_kvam_tables_stream_enabled		8
#define Anum_kvam_tables_stream_view_type	9
#define Anum_kvam_tables_stream_label		10
#define Anum_kvam_tables_created_at			11
#define Anum_kvam_tables_description		12
#define Natts_kvam_tables					12

/* One row of kvam.tables, palloc'd. */
typedef struct KvamTableDef
{
	char	   *table_name;
	Oid			relid;
	char	   *table_id;		/* uuid text */
	KvamKeySchema key;
	bool		stream_enabled;
	char	   *stream_view_type;	/* NULL when no stream was ever enabled */
	char	   *stream_label;
	TimestampTz created_at;
	Jsonb	   *description;
} KvamTableDef;

/* GUCs */
extern char *kvam_api_schema;
extern char *kvam_region;
extern char *kvam_account_id;

/* KvamApiDefineGucs defines the API's GUCs; called from _PG_init. */
extern void KvamApiDefineGucs(void);

/*
 * KvamCatalogLookup returns the row of TableName 'name', or NULL.  Never
 * takes a lock on the table itself.
 */
extern KvamTableDef *KvamCatalogLookup(const char *name);

/*
 * KvamCatalogList returns the rows (names ascending) with a name greater
 * than 'after' (NULL: from the start), at most 'limit' of them (0: all),
 * skipping rows whose relation no longer exists.  *more is set when rows
 * beyond the limit exist.
 */
extern List *KvamCatalogList(const char *after, int limit, bool *more);

/*
 * KvamCatalogInsert / Update / Delete write rows as the catalog's owner
 * (SPI).  Update rewrites the stream columns and the description of the
 * row of def->table_name.
 */
extern void KvamCatalogInsert(const KvamTableDef *def);
extern void KvamCatalogUpdate(const KvamTableDef *def);
extern void KvamCatalogDelete(const char *name);

/* KvamTableArn returns "arn:aws:dynamodb:<region>:<account>:table/<name>". */
extern char *KvamTableArn(const char *name);

/* KvamStreamArn returns the table ARN + "/stream/" + label. */
extern char *KvamStreamArn(const char *name, const char *label);

/*
 * KvamTableNameFromArn returns the TableName of a table ARN of this
 * region and account, or NULL when 'arn' is not one.
 */
extern char *KvamTableNameFromArn(const char *arn);

/* KvamAttrTypeFromKeyType maps 'S'/'N'/'B' text to KVAM_AT_*. */
extern KvamAttrType KvamAttrTypeFromKeyType(const char *t);

#endif							/* KVAM_API_CATALOG_H */
