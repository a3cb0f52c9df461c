/*-------------------------------------------------------------------------
 *
 * meta.c
 *	  Metapage and manifest pages: creation, cached reads, edits.
 *
 * Metapage and manifest edits are rare (creation, key schema, run
 * publication), so they are WAL-logged as full page images
 * (log_newpage_buffer) rather than with dedicated record types: redo is
 * then PostgreSQL's own and cannot diverge from the primary.  The frequent
 * manifest change -- a new L0 page -- is part of kvam's insert record.
 *
 * IDENTIFICATION
 *	  src/lsm/meta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xloginsert.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/smgr.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/rel.h"

#include "lsm/meta.h"
#include "lsm/space.h"

/*
 * KvamPageInit formats a page of the given kvam page type.
 */
void
KvamPageInit(Page page, uint16 type, uint32 partid)
{
	KvamPageOpaque op;

	PageInit(page, BLCKSZ, MAXALIGN(sizeof(KvamPageOpaqueData)));
	op = KvamPageGetOpaque(page);
	op->page_type = type;
	op->format = KVAM_PAGE_FORMAT;
	op->partition = partid;
	op->next = InvalidBlockNumber;
	op->flags = 0;
	op->page_id = KVAM_PAGE_ID;
}

/* Set pd_lower so that the struct of 'size' bytes is not "unused space". */
static void
set_contents_size(Page page, Size size)
{
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) + size;
	Assert(((PageHeader) page)->pd_lower <= ((PageHeader) page)->pd_upper);
}

/*
 * KvamMetaCreate writes block 0 and one manifest page per partition into
 * the empty fork.  Pages are built in local memory and written with
 * smgrextend, then WAL-logged and synced, as index builds of empty
 * relations do.
 */
void
KvamMetaCreate(SMgrRelation srel, ForkNumber fork, int npartitions, bool needwal)
{
	PGAlignedBlock metabuf;
	PGAlignedBlock pagebuf;
	Page		meta = metabuf.data;
	KvamMetaPage m;
	uint64		step;
	int			i;

	Assert(npartitions >= 1 && npartitions <= KVAM_MAX_PARTITIONS);

	KvamPageInit(meta, KVAM_PAGE_META, 0);
	m = KvamPageGetMeta(meta);
	m->magic = KVAM_META_MAGIC;
	m->format = KVAM_PAGE_FORMAT;
	m->nonce = pg_prng_uint64(&pg_global_prng_state);
	m->pktype = KVAM_KEY_NONE;
	m->sktype = KVAM_KEY_NONE;
	m->npartitions = npartitions;
	m->next_partid = npartitions;
	m->next_run_id = 1;
	m->freemap = 1 + npartitions;

	/* Equal slices of the hash space; the last one absorbs the remainder. */
	step = PG_UINT64_MAX / (uint64) npartitions;
	for (i = 0; i < npartitions; i++)
	{
		m->parts[i].hash_lo = (uint64) i * step;
		m->parts[i].partid = i;
		m->parts[i].manifest = 1 + i;
	}
	set_contents_size(meta, offsetof(KvamMetaPageData, parts) +
					  npartitions * sizeof(KvamPartMapEntry));

	if (needwal)
		log_newpage(&srel->smgr_rnode.node, fork, KVAM_METAPAGE_BLKNO, meta, true);
	PageSetChecksumInplace(meta, KVAM_METAPAGE_BLKNO);
	smgrextend(srel, fork, KVAM_METAPAGE_BLKNO, meta, true);

	for (i = 0; i < npartitions; i++)
	{
		Page		page = pagebuf.data;
		KvamManifest mf;

		KvamPageInit(page, KVAM_PAGE_MANIFEST, i);
		mf = KvamPageGetManifest(page);
		mf->partid = i;
		mf->nruns = 0;
		mf->hash_lo = m->parts[i].hash_lo;
		mf->hash_hi = (i + 1 < npartitions) ? m->parts[i + 1].hash_lo - 1 : PG_UINT64_MAX;
		mf->l0_head = InvalidBlockNumber;
		mf->l0_tail = InvalidBlockNumber;
		mf->parent = KVAM_NO_PARTID;
		mf->parent2 = KVAM_NO_PARTID;
		set_contents_size(page, KvamManifestSize(0));
		if (needwal)
			log_newpage(&srel->smgr_rnode.node, fork, 1 + i, page, true);
		PageSetChecksumInplace(page, 1 + i);
		smgrextend(srel, fork, 1 + i, page, true);
	}

	/* the free-extent page follows the manifests */
	KvamFreeMapInitPage(pagebuf.data);
	if (needwal)
		log_newpage(&srel->smgr_rnode.node, fork, m->freemap, pagebuf.data, true);
	PageSetChecksumInplace(pagebuf.data, m->freemap);
	smgrextend(srel, fork, m->freemap, pagebuf.data, true);

	/*
	 * The pages bypassed shared buffers, so a checkpoint that started before
	 * the WAL records above would not cover them: sync now.
	 */
	smgrimmedsync(srel, fork);
}

static void
check_meta(Relation rel, Page page)
{
	KvamMetaPage m = KvamPageGetMeta(page);

	if (KvamPageType(page) != KVAM_PAGE_META || m->magic != KVAM_META_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("relation \"%s\" is not a valid kvam relation",
						RelationGetRelationName(rel)),
				 errdetail("Block 0 is not a kvam metapage.")));
	if (m->format != KVAM_PAGE_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("relation \"%s\" has kvam page format %u, this kvam reads format %u",
						RelationGetRelationName(rel), m->format,
						KVAM_PAGE_FORMAT)));
	if (m->npartitions < 1 || m->npartitions > KVAM_MAX_PARTITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("relation \"%s\" has an invalid kvam partition count %u",
						RelationGetRelationName(rel), m->npartitions)));
}

/*
 * Find the kvam_key index of 'rel' and fill the key schema of 'info'.
 */
static void
find_key_index(Relation rel, KvamRelInfo *info)
{
	Oid			keyam = get_index_am_oid("kvam_key", true);
	List	   *indexes;
	ListCell   *lc;

	info->keyed = false;
	info->keyindex = InvalidOid;
	if (!OidIsValid(keyam))
		return;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
		HeapTuple	indtup;
		Form_pg_index ind;
		TupleDesc	desc = RelationGetDescr(rel);

		if (!HeapTupleIsValid(classtup))
			continue;
		if (((Form_pg_class) GETSTRUCT(classtup))->relam != keyam)
		{
			ReleaseSysCache(classtup);
			continue;
		}
		ReleaseSysCache(classtup);
		indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (!HeapTupleIsValid(indtup))
			continue;
		ind = (Form_pg_index) GETSTRUCT(indtup);
		if (ind->indisvalid && ind->indnkeyatts >= 1 && ind->indnkeyatts <= 2)
		{
			Form_pg_attribute a = TupleDescAttr(desc, ind->indkey.values[0] - 1);

			info->keyindex = indexoid;
			info->keyed = true;
			info->pkattnum = ind->indkey.values[0];
			info->pktype = KvamKeyTypeFromOid(a->atttypid, NameStr(a->attname));
			if (ind->indnkeyatts == 2)
			{
				a = TupleDescAttr(desc, ind->indkey.values[1] - 1);
				info->skattnum = ind->indkey.values[1];
				info->sktype = KvamKeyTypeFromOid(a->atttypid, NameStr(a->attname));
			}
			else
			{
				info->skattnum = InvalidAttrNumber;
				info->sktype = KVAM_KEY_NONE;
			}
		}
		ReleaseSysCache(indtup);
		if (info->keyed)
			break;
	}
	list_free(indexes);
}

/* ---------- the backend-local cache of KvamRelInfo ---------- */

typedef struct InfoCacheEntry
{
	Oid			relid;			/* hash key */
	KvamRelInfo *info;
} InfoCacheEntry;

static HTAB *info_cache = NULL;
static List *retired_infos = NIL;	/* superseded, freed at transaction end */
static KvamRelInfo *last_info = NULL;	/* the last one returned: a shortcut */

/* Relcache invalidation: the copy of 'relid' (all if Invalid) is stale. */
static void
info_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	InfoCacheEntry *e;

	if (info_cache == NULL)
		return;
	if (OidIsValid(relid))
	{
		e = hash_search(info_cache, &relid, HASH_FIND, NULL);
		if (e)
			e->info->valid = false;
		return;
	}
	hash_seq_init(&seq, info_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		e->info->valid = false;
}

/* At transaction end nobody uses a superseded copy any more. */
static void
info_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_PREPARE)
		return;
	foreach(lc, retired_infos)
	{
		if (lfirst(lc) == last_info)
			last_info = NULL;
		pfree(lfirst(lc));
	}
	list_free(retired_infos);
	retired_infos = NIL;
}

void
KvamRelInfoInit(void)
{
	CacheRegisterRelcacheCallback(info_relcache_callback, (Datum) 0);
	RegisterXactCallback(info_xact_callback, NULL);
}

void
KvamRelInfoForget(KvamRelInfo *info)
{
	info->valid = false;
}

void
KvamRelForgetInfo(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	InfoCacheEntry *e;

	if (info_cache == NULL)
		return;
	e = hash_search(info_cache, &relid, HASH_FIND, NULL);
	if (e)
		e->info->valid = false;
}

/* Copy the map of metapage 'm' into 'info'. */
static void
copy_map(KvamMetaPage m, KvamRelInfo *info)
{
	info->nonce = m->nonce;
	info->npartitions = m->npartitions;
	info->freemap = m->freemap;
	memcpy(info->parts, m->parts, m->npartitions * sizeof(KvamPartMapEntry));
}

/*
 * KvamMetaReadMap: see meta.h.
 */
KvamRelInfo *
KvamMetaReadMap(Relation rel)
{
	KvamRelInfo *info = palloc0(sizeof(KvamRelInfo));
	Buffer		buf = ReadBuffer(rel, KVAM_METAPAGE_BLKNO);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	check_meta(rel, page);
	copy_map(KvamPageGetMeta(page), info);
	UnlockReleaseBuffer(buf);
	info->relid = RelationGetRelid(rel);
	info->node = rel->rd_node;
	info->valid = true;
	return info;
}

/*
 * KvamRelGetInfo returns the cached metapage summary and key schema of
 * 'rel', reading them again when the copy is invalid or belongs to other
 * storage.  A superseded copy stays allocated to the end of the
 * transaction, since callers may still hold it.
 */
KvamRelInfo *
KvamRelGetInfo(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	InfoCacheEntry *e;
	bool		found;
	KvamRelInfo info;
	KvamRelInfo *copy;
	Buffer		buf;
	Page		page;

	if (last_info && last_info->relid == relid && last_info->valid &&
		RelFileNodeEquals(last_info->node, rel->rd_node))
		return last_info;
	if (info_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(InfoCacheEntry);
		info_cache = hash_create("kvam relation info", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}
	e = hash_search(info_cache, &relid, HASH_FIND, NULL);
	if (e && e->info->valid && RelFileNodeEquals(e->info->node, rel->rd_node))
		return last_info = e->info;

	memset(&info, 0, sizeof(info));
	buf = ReadBuffer(rel, KVAM_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	check_meta(rel, page);
	copy_map(KvamPageGetMeta(page), &info);
	UnlockReleaseBuffer(buf);
	info.relid = relid;
	info.node = rel->rd_node;
	info.valid = true;

	find_key_index(rel, &info);

	/* only now, after everything that can fail */
	copy = MemoryContextAlloc(TopMemoryContext, sizeof(KvamRelInfo));
	memcpy(copy, &info, sizeof(KvamRelInfo));
	e = hash_search(info_cache, &relid, HASH_ENTER, &found);
	if (found)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		retired_infos = lappend(retired_infos, e->info);
		MemoryContextSwitchTo(old);
	}
	e->info = copy;
	return last_info = copy;
}

/*
 * KvamRelFindPartition: binary search for the last partition whose
 * hash_lo <= hash.
 */
int
KvamRelFindPartition(KvamRelInfo *info, uint64 hash)
{
	int			lo = 0,
				hi = info->npartitions - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (info->parts[mid].hash_lo <= hash)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Read-modify-write of the metapage, logged as a full page image. */
static void
modify_meta(Relation rel, void (*fn) (KvamMetaPage m, void *arg), void *arg)
{
	Buffer		buf = ReadBuffer(rel, KVAM_METAPAGE_BLKNO);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	check_meta(rel, page);

	START_CRIT_SECTION();
	fn(KvamPageGetMeta(page), arg);
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
}

typedef struct KeySchemaArg
{
	KvamKeyType pktype;
	AttrNumber	pkattnum;
	KvamKeyType sktype;
	AttrNumber	skattnum;
} KeySchemaArg;

static void
set_key_schema(KvamMetaPage m, void *arg)
{
	KeySchemaArg *a = (KeySchemaArg *) arg;

	m->pktype = a->pktype;
	m->pkattnum = a->pkattnum;
	m->sktype = a->sktype;
	m->skattnum = a->skattnum;
}

/*
 * KvamMetaSetKeySchema records the key schema and invalidates the cached
 * copy in this backend (others get a relcache invalidation from the index
 * creation itself).
 */
void
KvamMetaSetKeySchema(Relation rel, KvamKeyType pktype, AttrNumber pkattnum,
					 KvamKeyType sktype, AttrNumber skattnum)
{
	KeySchemaArg a = {pktype, pkattnum, sktype, skattnum};

	modify_meta(rel, set_key_schema, &a);
	KvamRelForgetInfo(rel);
}

/*
 * KvamManifestInitPage: see meta.h.
 */
void
KvamManifestInitPage(Page page, uint32 partid, uint64 lo, uint64 hi,
					 uint32 parent, uint32 parent2)
{
	KvamManifest mf;

	KvamPageInit(page, KVAM_PAGE_MANIFEST, partid);
	mf = KvamPageGetManifest(page);
	memset(mf, 0, sizeof(KvamManifestData));
	mf->partid = partid;
	mf->hash_lo = lo;
	mf->hash_hi = hi;
	mf->l0_head = InvalidBlockNumber;
	mf->l0_tail = InvalidBlockNumber;
	mf->parent = parent;
	mf->parent2 = parent2;
	set_contents_size(page, KvamManifestSize(0));
}

/*
 * KvamMetaReplaceParts: see meta.h.
 */
void
KvamMetaReplaceParts(Page meta, int idx, int nold,
					 const KvamPartMapEntry *ents, int nnew)
{
	KvamMetaPage m = KvamPageGetMeta(meta);
	int			tail = m->npartitions - idx - nold;

	Assert(idx + nold <= m->npartitions);
	Assert(m->npartitions - nold + nnew <= KVAM_MAX_PARTITIONS);
	memmove(&m->parts[idx + nnew], &m->parts[idx + nold],
			tail * sizeof(KvamPartMapEntry));
	memcpy(&m->parts[idx], ents, nnew * sizeof(KvamPartMapEntry));
	m->npartitions = m->npartitions - nold + nnew;
	set_contents_size(meta, offsetof(KvamMetaPageData, parts) +
					  m->npartitions * sizeof(KvamPartMapEntry));
}

/* The closed-partition entries: the last nclosed * 16 bytes before special. */
static KvamClosedPart *
closed_parts(Page meta)
{
	KvamMetaPage m = KvamPageGetMeta(meta);

	return (KvamClosedPart *) ((char *) meta + ((PageHeader) meta)->pd_special -
							   m->nclosed * sizeof(KvamClosedPart));
}

/*
 * KvamMetaAddClosed: see meta.h.
 */
void
KvamMetaAddClosed(Page meta, const KvamClosedPart *c)
{
	KvamMetaPage m = KvamPageGetMeta(meta);
	KvamClosedPart *old = closed_parts(meta);
	int			keep = Min(m->nclosed, KVAM_MAX_CLOSED - 1);

	/* keep the newest 'keep', one slot lower, and append */
	memmove((char *) (old + m->nclosed - keep) - sizeof(KvamClosedPart),
			old + m->nclosed - keep, keep * sizeof(KvamClosedPart));
	m->nclosed = keep + 1;
	closed_parts(meta)[keep] = *c;
	((PageHeader) meta)->pd_upper = ((PageHeader) meta)->pd_special -
		m->nclosed * sizeof(KvamClosedPart);
	Assert(((PageHeader) meta)->pd_lower <= ((PageHeader) meta)->pd_upper);
}

/*
 * KvamMetaReadClosed: see meta.h.
 */
KvamClosedPart *
KvamMetaReadClosed(Relation rel, int *n)
{
	Buffer		buf = ReadBuffer(rel, KVAM_METAPAGE_BLKNO);
	Page		page;
	KvamClosedPart *copy;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	check_meta(rel, page);
	*n = KvamPageGetMeta(page)->nclosed;
	copy = palloc(Max(*n, 1) * sizeof(KvamClosedPart));
	memcpy(copy, closed_parts(page), *n * sizeof(KvamClosedPart));
	UnlockReleaseBuffer(buf);
	return copy;
}

static void
bump_run_id(KvamMetaPage m, void *arg)
{
	*(uint64 *) arg = m->next_run_id++;
}

/*
 * KvamMetaNextRunId allocates a run id.
 */
uint64
KvamMetaNextRunId(Relation rel)
{
	uint64		id;

	modify_meta(rel, bump_run_id, &id);
	return id;
}

void
KvamManifestSetLower(Page page)
{
	set_contents_size(page, KvamManifestSize(KvamPageGetManifest(page)->nruns));
}

/*
 * KvamManifestLockForEdit reads partition 'idx's manifest page and locks
 * it exclusively.
 */
Buffer
KvamManifestLockForEdit(Relation rel, KvamRelInfo *info, int idx)
{
	Buffer		buf = ReadBuffer(rel, info->parts[idx].manifest);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	return buf;
}

/*
 * KvamManifestEdited finishes an edit of the exclusively locked manifest
 * buffer: pd_lower, dirty, full-page WAL record.  Caller is inside its
 * critical section.
 */
void
KvamManifestEdited(Relation rel, Buffer buf)
{
	KvamManifestSetLower(BufferGetPage(buf));
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
		log_newpage_buffer(buf, true);
}

/*
 * KvamManifestCheckRoom raises internal_error (releasing nothing: the
 * caller's buffer lock goes with the error) if a manifest would hold more
 * than KVAM_MAX_RUNS_PER_PARTITION runs.  A safety net only: the run bound
 * of compaction (lsm/compact.h) keeps every edit within the limit, so this
 * firing is a bug, never a user's doing.
 */
void
KvamManifestCheckRoom(Relation rel, KvamManifest mf, int64 nruns)
{
	if (nruns > KVAM_MAX_RUNS_PER_PARTITION)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("kvam partition %u of \"%s\" would have more than %d runs",
								 mf->partid, RelationGetRelationName(rel),
								 KVAM_MAX_RUNS_PER_PARTITION)));
}

/*
 * KvamManifestIsLive: see meta.h.
 */
bool
KvamManifestIsLive(Page page, uint32 partid)
{
	KvamManifest mf;

	if (KvamPageType(page) != KVAM_PAGE_MANIFEST)
		return false;
	mf = KvamPageGetManifest(page);
	return mf->partid == partid && (mf->flags & KVAM_MF_RETIRED) == 0;
}

/*
 * KvamManifestTryRead copies a partition's manifest, or returns NULL if the
 * page is no longer that partition's live manifest (split, merged, its
 * page reused): the map 'info' is stale.
 */
KvamManifest
KvamManifestTryRead(Relation rel, KvamRelInfo *info, int idx)
{
	Buffer		buf = ReadBuffer(rel, info->parts[idx].manifest);
	Page		page;
	KvamManifest mf,
				copy = NULL;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (KvamManifestIsLive(page, info->parts[idx].partid))
	{
		mf = KvamPageGetManifest(page);
		copy = palloc(KvamManifestSize(mf->nruns));
		memcpy(copy, mf, KvamManifestSize(mf->nruns));
	}
	UnlockReleaseBuffer(buf);
	if (copy == NULL)
		KvamRelInfoForget(info);
	return copy;
}

/*
 * KvamManifestRead: KvamManifestTryRead that raises when the map is stale.
 */
KvamManifest
KvamManifestRead(Relation rel, KvamRelInfo *info, int idx)
{
	KvamManifest mf = KvamManifestTryRead(rel, info, idx);

	if (mf == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("kvam partition map of relation \"%s\" changed",
						RelationGetRelationName(rel)),
				 errdetail("Partition %u was split or merged.",
						   info->parts[idx].partid),
				 errhint("Retry the operation.")));
	return mf;
}

/*
 * KvamManifestHasRun: see meta.h.
 */
bool
KvamManifestHasRun(KvamManifest mf, BlockNumber head, uint64 run_id)
{
	for (uint32 r = 0; r < mf->nruns; r++)
		if (mf->runs[r].head == head && mf->runs[r].run_id == run_id)
			return true;
	return false;
}

/*
 * KvamRunReferences: see meta.h.
 */
int
KvamRunReferences(Relation rel, KvamRelInfo *info, BlockNumber head,
				  uint64 run_id, int *idx)
{
	int			n = 0;

	for (int i = 0; i < (int) info->npartitions; i++)
	{
		KvamManifest mf = KvamManifestRead(rel, info, i);
		bool		found = KvamManifestHasRun(mf, head, run_id);

		pfree(mf);
		if (!found)
			continue;
		if (idx == NULL)
			return 1;
		idx[n++] = i;
	}
	return n;
}

void
KvamMapLock(Relation rel, LOCKMODE mode)
{
	LockPage(rel, KVAM_MAPLOCK_BLKNO, mode);
}

void
KvamMapUnlock(Relation rel, LOCKMODE mode)
{
	UnlockPage(rel, KVAM_MAPLOCK_BLKNO, mode);
}
