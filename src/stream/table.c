/*-------------------------------------------------------------------------
 *
 * table.c
 *	  What the stream plugin knows of a decoded change's table: its row in
 *	  kvam.tables (key schema, stream settings) and its columns.
 *
 * kvam.tables is a user_catalog_table, so an output plugin may read it:
 * with logical decoding's historic snapshot active, a catalog scan sees the
 * row as it was when the change was made (a stream enabled after a change
 * does not show that change, a table's key schema is the one its rows were
 * written with).  The scan goes through systable_beginscan without a
 * snapshot, which during decoding is the historic one.
 *
 * Rows of an API table are (pk [, sk], item kvam.item) per docs/api.md;
 * the full item is the key attributes (named by the catalog) plus the
 * item column (src/api/keymap.c does the key mapping).
 *
 * IDENTIFICATION
 *	  src/stream/table.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "api/catalog.h"
#include "api/itemtype.h"
#include "stream/stream.h"

static const char *const view_names[] = {
	[KVAM_VIEW_NONE] = NULL,
	[KVAM_VIEW_KEYS_ONLY] = "KEYS_ONLY",
	[KVAM_VIEW_NEW_IMAGE] = "NEW_IMAGE",
	[KVAM_VIEW_OLD_IMAGE] = "OLD_IMAGE",
	[KVAM_VIEW_NEW_AND_OLD_IMAGES] = "NEW_AND_OLD_IMAGES",
};

KvamStreamView
KvamStreamViewFromName(const char *name)
{
	int			i;

	for (i = KVAM_VIEW_KEYS_ONLY; i <= KVAM_VIEW_NEW_AND_OLD_IMAGES; i++)
		if (name != NULL && strcmp(name, view_names[i]) == 0)
			return (KvamStreamView) i;
	return KVAM_VIEW_NONE;
}

const char *
KvamStreamViewName(KvamStreamView view)
{
	return view_names[view];
}

static char *
text_or_null(Datum *values, bool *nulls, int att)
{
	return nulls[att - 1] ? NULL : TextDatumGetCString(values[att - 1]);
}

/* Read the catalog row of 'relid' into 't'; false if there is none. */
static bool
read_catalog(Oid relid, KvamStreamTable *t)
{
	Oid			nsp = get_namespace_oid("kvam", true);
	Oid			catoid = OidIsValid(nsp) ? get_relname_relid("tables", nsp) : InvalidOid;
	Relation	cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(catoid))
		return false;
	cat = table_open(catoid, AccessShareLock);
	ScanKeyInit(&key, Anum_kvam_tables_relid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(cat, InvalidOid, false, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		values[Natts_kvam_tables];
		bool		nulls[Natts_kvam_tables];
		char	   *s;

		heap_deform_tuple(tup, RelationGetDescr(cat), values, nulls);
		t->table_name = text_or_null(values, nulls, Anum_kvam_tables_table_name);
		t->key.hash_name = text_or_null(values, nulls, Anum_kvam_tables_hash_key_name);
		t->key.hash_type = KvamAttrTypeFromKeyType(text_or_null(values, nulls,
																Anum_kvam_tables_hash_key_type));
		t->key.range_name = text_or_null(values, nulls, Anum_kvam_tables_range_key_name);
		s = text_or_null(values, nulls, Anum_kvam_tables_range_key_type);
		t->key.range_type = s ? KvamAttrTypeFromKeyType(s) : 0;
		t->stream_enabled = !nulls[Anum_kvam_tables_stream_enabled - 1] &&
			DatumGetBool(values[Anum_kvam_tables_stream_enabled - 1]);
		t->view = KvamStreamViewFromName(text_or_null(values, nulls,
													  Anum_kvam_tables_stream_view_type));
		t->stream_label = text_or_null(values, nulls, Anum_kvam_tables_stream_label);
		found = true;
	}
	systable_endscan(scan);
	table_close(cat, AccessShareLock);
	return found;
}

/*
 * KvamStreamTableLookup: see stream.h.
 */
KvamStreamTable *
KvamStreamTableLookup(Relation rel)
{
	KvamStreamTable *t = palloc0(sizeof(KvamStreamTable));
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	t->relid = RelationGetRelid(rel);
	if (!read_catalog(t->relid, t))
		return t;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped)
			continue;
		if (strcmp(NameStr(a->attname), "pk") == 0)
			t->pkatt = a->attnum;
		else if (strcmp(NameStr(a->attname), "sk") == 0)
			t->skatt = a->attnum;
		else if (strcmp(NameStr(a->attname), "item") == 0)
			t->itematt = a->attnum;
	}
	/* a table that does not have the API's shape is not streamed */
	t->api = t->pkatt != 0 && t->itematt != 0 &&
		(t->key.range_name == NULL || t->skatt != 0);
	return t;
}

/*
 * KvamStreamEnabled: see stream.h.
 */
bool
KvamStreamEnabled(Relation rel)
{
	KvamStreamTable t;

	memset(&t, 0, sizeof(t));
	return read_catalog(RelationGetRelid(rel), &t) && t.stream_enabled;
}

/*
 * KvamStreamRowImage: see stream.h.
 */
KvamAttr *
KvamStreamRowImage(const KvamStreamTable *t, Relation rel, HeapTuple tuple,
				   KvamAttr **keys)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	Datum		d;
	KvamAttr   *key = KvamAttrMakeMap(2);
	KvamAttr   *rest;

	d = heap_getattr(tuple, t->pkatt, desc, &isnull);
	if (isnull)
		return NULL;
	KvamMapPut(key, t->key.hash_name, strlen(t->key.hash_name),
			   KvamKeyDatumToAttr(t->key.hash_type, d));
	if (t->key.range_name != NULL)
	{
		d = heap_getattr(tuple, t->skatt, desc, &isnull);
		if (isnull)
			return NULL;
		KvamMapPut(key, t->key.range_name, strlen(t->key.range_name),
				   KvamKeyDatumToAttr(t->key.range_type, d));
	}
	*keys = key;

	d = heap_getattr(tuple, t->itematt, desc, &isnull);
	rest = isnull ? KvamAttrMakeMap(0) : KvamItemFromDatum(d);
	return KvamItemWithKey(key, rest);
}
