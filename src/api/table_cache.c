/*-------------------------------------------------------------------------
 *
 * table_cache.c
 *	  A backend-local cache of kvam.tables rows for the data plane
 *	  (contract in table.h, KvamTableCacheLookup).
 *
 * Every data-plane call used to probe kvam.tables' primary key and check
 * the relation's shape (item column, key types) again; this file keeps
 * the rows found, by table name, together with the result of the shape
 * check.
 *
 * Invariants:
 *	  - an entry is dropped when PostgreSQL invalidates the relcache entry of
 *		its relation (DROP, ALTER, GRANT, ... of the relation, a reset of all
 *		relcache entries) and when the control plane rewrites the row
 *		(KvamCatalogUpdate sends a relcache invalidation of the relation
 *		for that purpose); DeleteTable drops the relation, and CreateTable
 *		of a name makes a new relation.  Invalidations arrive at the
 *		latest when a transaction starts or takes a new lock, so a
 *		transaction never starts with a row that another committed
 *		transaction changed; KvamTableOpen re-reads the row when an
 *		invalidation arrives while it locks the relation;
 *	  - absent names are not cached (a CreateTable elsewhere is seen at
 *		once);
 *	  - a row handed out stays valid until the end of the transaction even
 *		if its entry is dropped meanwhile: dropped entries wait in a list
 *		that is freed at transaction end.
 *
 * IDENTIFICATION
 *	  src/api/table_cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "api/table.h"

#define CACHE_NAME_LEN 256		/* table names have at most 255 bytes */

typedef struct CacheEntry
{
	char		name[CACHE_NAME_LEN];	/* hash key */
	MemoryContext cxt;			/* owns ct */
	KvamCachedTable *ct;
} CacheEntry;

static HTAB *cache = NULL;
static List *dropped = NIL;		/* contexts of dropped entries */
static uint64 generation = 0;

static void
drop_entry(CacheEntry *e)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	dropped = lappend(dropped, e->cxt);
	MemoryContextSwitchTo(old);
	(void) hash_search(cache, e->name, HASH_REMOVE, NULL);
}

static void
relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	CacheEntry *e;

	generation++;
	hash_seq_init(&seq, cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (!OidIsValid(relid) || e->ct->def->relid == relid)
			drop_entry(e);
}

static void
xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	foreach(lc, dropped)
		MemoryContextDelete((MemoryContext) lfirst(lc));
	list_free(dropped);
	dropped = NIL;
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = CACHE_NAME_LEN;
	ctl.entrysize = sizeof(CacheEntry);
	cache = hash_create("kvam table cache", 16, &ctl, HASH_ELEM | HASH_STRINGS);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
}

uint64
KvamTableCacheGeneration(void)
{
	return generation;
}

KvamCachedTable *
KvamTableCacheLookup(const char *name)
{
	CacheEntry *e;
	bool		found;
	MemoryContext cxt;
	MemoryContext old;
	KvamCachedTable *ct;

	if (cache == NULL)
		init_cache();
	if (strlen(name) >= CACHE_NAME_LEN)
	{
		/* not a valid table name; never cached */
		KvamTableDef *def = KvamCatalogLookup(name);

		if (def == NULL)
			return NULL;
		ct = palloc0(sizeof(KvamCachedTable));
		ct->def = def;
		return ct;
	}
	e = hash_search(cache, name, HASH_FIND, NULL);
	if (e != NULL)
		return e->ct;

	cxt = AllocSetContextCreate(TopMemoryContext, "kvam table cache entry",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ct = palloc0(sizeof(KvamCachedTable));
		ct->def = KvamCatalogLookup(name);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	if (ct->def == NULL)
	{
		MemoryContextDelete(cxt);
		return NULL;
	}
	e = hash_search(cache, name, HASH_ENTER, &found);
	Assert(!found);
	e->cxt = cxt;
	e->ct = ct;
	return ct;
}
