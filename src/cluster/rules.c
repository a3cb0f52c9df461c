/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  Rules 1 to 4 of a kvam cluster (rules.h; docs/mirroring.md, "Rules
 *	  every node enforces"): who may write and strongly read which range
 *	  of a mirrored table, and what replication workers may do.
 *
 * All checks start from the cluster map (map.c): without a configured
 * cluster they return after one cached flag; with one, a write or read
 * check is a binary search of the mirrored tables and an array lookup of
 * the range, no catalog access.
 *
 * Sessions:
 *	  - ordinary sessions obey rules 1 and 2 (at a joining node, whose copy
 *		is being rebuilt, eventually consistent API reads obey rule 2 too);
 *	  - logical replication workers (apply and table synchronisation) and
 *		sessions with kvam.cluster_bypass on write any range (rule 3) and
 *		their INSERTs of a live key overwrite it (rule 4);
 *	  - any session with a replication origin whose name is pg_<subid>[_...]
 *		of a subscription kvam_<self>_from_<node> has the changes of <node>:
 *		they are refused (KV002) while <node> is fenced.  The origin is
 *		resolved once per map.
 *
 * IDENTIFICATION
 *	  src/cluster/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_subscription.h"
#include "replication/logicalworker.h"
#include "replication/origin.h"
#include "utils/json.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "am/kvam_am.h"
#include "cluster/map.h"
#include "cluster/rules.h"
#include "lsm/keycode.h"

/* Rule 3: does this session write any range? */
static inline bool
writes_any_range(void)
{
	return kvam_cluster_bypass || IsLogicalWorker();
}

/* The map, if 'rel' is a mirrored table of a configured cluster. */
static inline KvamClusterMap *
map_for(Relation rel)
{
	KvamClusterMap *m = KvamClusterGetMap();

	if (likely(m == NULL) || !KvamClusterIsMirrored(m, RelationGetRelid(rel)))
		return NULL;
	return m;
}

/* Append 's' as a JSON string, or null. */
static void
json_string_or_null(StringInfo buf, const char *s)
{
	if (s != NULL)
		escape_json(buf, s);
	else
		appendStringInfoString(buf, "null");
}

/* Raise KV001 for range 'r' of 'rel'. */
static void
not_leader(const KvamClusterMap *m, Relation rel, int r)
{
	const KvamClusterRange *rg = r < m->nranges ? &m->ranges[r] : NULL;
	const KvamClusterNode *leader = rg && rg->leader >= 0 ?
		&m->nodes[rg->leader] : NULL;
	StringInfoData d;

	initStringInfo(&d);
	appendStringInfoString(&d, "{\"leader\":");
	json_string_or_null(&d, leader ? leader->name : NULL);
	appendStringInfoString(&d, ",\"conninfo\":");
	json_string_or_null(&d, leader ? leader->conninfo : NULL);
	appendStringInfo(&d, ",\"range\":%d,\"epoch\":" INT64_FORMAT "}",
					 r, rg ? rg->epoch : 0);
	if (leader)
		ereport(ERROR,
				(errcode(ERRCODE_KVAM_NOT_LEADER),
				 errmsg("range %d of table \"%s\" is led by node \"%s\"",
						r, RelationGetRelationName(rel), leader->name),
				 errdetail_internal("%s", d.data),
				 errhint("Send the request to the leader; kvam.execute_routed() follows this redirect.")));
	ereport(ERROR,
			(errcode(ERRCODE_KVAM_NOT_LEADER),
			 errmsg("range %d of table \"%s\" has no leader (moving)",
					r, RelationGetRelationName(rel)),
			 errdetail_internal("%s", d.data),
			 errhint("Retry when the range has a new leader.")));
}

static inline bool
leads(const KvamClusterMap *m, int r)
{
	return r < m->nranges && m->ranges[r].leader == m->self;
}

/*
 * The node whose changes this session's replication origin carries: the
 * source of subscription kvam_<self>_from_<src> whose origin is
 * pg_<subid> (apply) or pg_<subid>_<relid> (table synchronisation); -1
 * for any other origin.
 */
static int
origin_source(KvamClusterMap *m)
{
	RepOriginId origin = replorigin_session_origin;
	char	   *oname;
	Oid			subid;
	HeapTuple	tup;

	if (m->origin == origin)
		return m->origin_node;
	m->origin = origin;
	m->origin_node = -1;
	if (!replorigin_by_oid(origin, true, &oname) ||
		sscanf(oname, "pg_%u", &subid) != 1)
		return -1;
	tup = SearchSysCache1(SUBSCRIPTIONOID, ObjectIdGetDatum(subid));
	if (HeapTupleIsValid(tup))
	{
		const char *subname = NameStr(((Form_pg_subscription) GETSTRUCT(tup))->subname);
		char	   *prefix = psprintf("kvam_%s_from_", m->nodes[m->self].name);

		if (strncmp(subname, prefix, strlen(prefix)) == 0)
			m->origin_node = KvamClusterNodeByName(m, subname + strlen(prefix));
		pfree(prefix);
		ReleaseSysCache(tup);
	}
	return m->origin_node;
}

/* Rule 3: refuse changes that come from a fenced node. */
static void
check_origin(KvamClusterMap *m, Relation rel)
{
	int			src = origin_source(m);
	char	   *oname;

	if (src < 0 || m->nodes[src].state != KVAM_NODE_FENCED)
		return;
	(void) replorigin_by_oid(replorigin_session_origin, true, &oname);
	ereport(ERROR,
			(errcode(ERRCODE_KVAM_FENCED_ORIGIN),
			 errmsg("changes from node \"%s\" to table \"%s\" are refused: the node is fenced",
					m->nodes[src].name, RelationGetRelationName(rel)),
			 errdetail("Replication origin \"%s\" carries changes of node \"%s\", which a failover deposed.",
					   oname ? oname : "?", m->nodes[src].name),
			 errhint("Disable the subscription from the fenced node; it rejoins with kvam.cluster_rejoin().")));
}

/*
 * KvamClusterCheckWrite: see rules.h.
 */
void
KvamClusterCheckWrite(Relation rel, const char *key, Size keylen)
{
	KvamClusterMap *m = map_for(rel);
	int			r;

	if (m == NULL)
		return;
	if (replorigin_session_origin != InvalidRepOriginId)
		check_origin(m, rel);
	if (writes_any_range() || KvamKeyIsSynthetic(key, keylen))
		return;
	r = KvamClusterRangeOfHash(m, KvamKeyHashOf(key));
	if (!leads(m, r))
		not_leader(m, rel, r);
}

bool
KvamClusterReadChecked(Relation rel, bool consistent)
{
	KvamClusterMap *m = map_for(rel);

	return m != NULL && !writes_any_range() &&
		(consistent || m->nodes[m->self].state == KVAM_NODE_JOINING);
}

/*
 * KvamClusterCheckRead: see rules.h.
 */
void
KvamClusterCheckRead(Relation rel, uint64 lo, uint64 hi)
{
	KvamClusterMap *m = map_for(rel);
	int			r;
	int			last;

	if (m == NULL || writes_any_range())
		return;
	last = KvamClusterRangeOfHash(m, hi);
	for (r = KvamClusterRangeOfHash(m, lo); r <= last; r++)
		if (!leads(m, r))
			not_leader(m, rel, r);
}

bool
KvamClusterInsertOverwrites(Relation rel)
{
	return writes_any_range() && map_for(rel) != NULL;
}
