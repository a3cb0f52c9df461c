/*-------------------------------------------------------------------------
 *
 * lsmdebug.c
 *	  SQL-callable test functions for the LSM primitives: key encoding,
 *	  bloom filters and runs.
 *
 * These functions exist for the regression tests (sql/lsm_keycode.sql,
 * sql/lsm_run.sql) and for debugging.  Their SQL names start with an
 * underscore (kvam._key_encode, ...) to mark them internal; they are not
 * part of kvam's API and may change at any time.
 *
 * kvam._run_selftest writes a run into the main fork of the relation it is
 * given, whatever that relation is: it is restricted to superusers, and is
 * meant for a scratch heap table that is never scanned afterwards (the
 * appended pages are not heap pages).  Its results are counts and booleans
 * only, so that regression output is stable; a failing check names itself
 * in "first_error".
 *
 * IDENTIFICATION
 *	  src/lsm/lsmdebug.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "lsm/bloom.h"
#include "lsm/keycode.h"
#include "lsm/page.h"
#include "lsm/run.h"

PG_FUNCTION_INFO_V1(kvam__key_component);
PG_FUNCTION_INFO_V1(kvam__key_encode);
PG_FUNCTION_INFO_V1(kvam__key_to_text);
PG_FUNCTION_INFO_V1(kvam__bloom_selftest);
PG_FUNCTION_INFO_V1(kvam__run_selftest);
PG_FUNCTION_INFO_V1(kvam__run_verify);

/* ----------------------------------------------------------------
 *		Key encoding
 * ----------------------------------------------------------------
 */

/*
 * key_arg returns argument 'argno' as a key datum and sets *type; an
 * untyped literal is taken as text.
 */
static Datum
key_arg(FunctionCallInfo fcinfo, int argno, const char *name,
		KvamKeyType *type)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Datum		value = PG_GETARG_DATUM(argno);

	if (!OidIsValid(typid))
		elog(ERROR, "could not determine the type of argument %d", argno);
	if (typid == UNKNOWNOID)
	{
		*type = KVAM_KEY_S;
		return CStringGetTextDatum(DatumGetCString(value));
	}
	*type = KvamKeyTypeFromOid(typid, name);
	return value;
}

static bytea *
stringinfo_to_bytea(StringInfo buf)
{
	bytea	   *result = palloc(VARHDRSZ + buf->len);

	SET_VARSIZE(result, VARHDRSZ + buf->len);
	memcpy(VARDATA(result), buf->data, buf->len);
	return result;
}

/*
 * kvam._key_component(v anyelement) RETURNS bytea: enc(v), one component
 * without the hash.
 */
Datum
kvam__key_component(PG_FUNCTION_ARGS)
{
	KvamKeyType type;
	Datum		value = key_arg(fcinfo, 0, "v", &type);
	StringInfoData buf;

	initStringInfo(&buf);
	KvamKeyEncodeValue(&buf, type, value);
	PG_RETURN_BYTEA_P(stringinfo_to_bytea(&buf));
}

/*
 * kvam._key_encode(pk "any" [, sk "any"]) RETURNS bytea: the full key.  A
 * null pk gives null; a null sk means "no sort key".
 */
Datum
kvam__key_encode(PG_FUNCTION_ARGS)
{
	KvamKeyType pktype;
	KvamKeyType sktype = KVAM_KEY_NONE;
	Datum		pk;
	Datum		sk = (Datum) 0;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pk = key_arg(fcinfo, 0, "pk", &pktype);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		sk = key_arg(fcinfo, 1, "sk", &sktype);

	initStringInfo(&buf);
	KvamKeyEncode(&buf, pktype, pk, sktype, sk);
	PG_RETURN_BYTEA_P(stringinfo_to_bytea(&buf));
}

static KvamKeyType
key_type_from_text(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "S") == 0)
		return KVAM_KEY_S;
	if (strcmp(s, "N") == 0)
		return KVAM_KEY_N;
	if (strcmp(s, "B") == 0)
		return KVAM_KEY_B;
	if (strcmp(s, "") == 0)
		return KVAM_KEY_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid key type \"%s\"", s),
			 errhint("Key types are S, N and B.")));
	return KVAM_KEY_NONE;		/* keep compiler quiet */
}

/*
 * kvam._key_to_text(key bytea, pktype text, sktype text DEFAULT NULL)
 * RETURNS text: KvamKeyToText of an encoded full key.
 */
Datum
kvam__key_to_text(PG_FUNCTION_ARGS)
{
	bytea	   *key;
	KvamKeyType pktype;
	KvamKeyType sktype = KVAM_KEY_NONE;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	key = PG_GETARG_BYTEA_PP(0);
	pktype = key_type_from_text(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
		sktype = key_type_from_text(PG_GETARG_TEXT_PP(2));
	PG_RETURN_TEXT_P(cstring_to_text(KvamKeyToText(VARDATA_ANY(key),
												   VARSIZE_ANY_EXHDR(key),
												   pktype, sktype)));
}

/* ----------------------------------------------------------------
 *		Self-test result, as jsonb
 * ----------------------------------------------------------------
 */

typedef struct SelftestResult
{
	StringInfoData json;
	char	   *first_error;
} SelftestResult;

static void
result_init(SelftestResult *r)
{
	initStringInfo(&r->json);
	appendStringInfoChar(&r->json, '{');
	r->first_error = NULL;
}

static void
result_sep(SelftestResult *r)
{
	if (r->json.len > 1)
		appendStringInfoString(&r->json, ", ");
}

static void
result_int(SelftestResult *r, const char *name, int64 value)
{
	result_sep(r);
	appendStringInfo(&r->json, "\"%s\": " INT64_FORMAT, name, value);
}

static void
result_bool(SelftestResult *r, const char *name, bool value)
{
	result_sep(r);
	appendStringInfo(&r->json, "\"%s\": %s", name, value ? "true" : "false");
}

static void
result_float(SelftestResult *r, const char *name, double value)
{
	result_sep(r);
	appendStringInfo(&r->json, "\"%s\": %.6f", name, value);
}

/* result_fail records the first failure (printf-style) */
static void
result_fail(SelftestResult *r, const char *fmt,...) pg_attribute_printf(2, 3);

static void
result_fail(SelftestResult *r, const char *fmt,...)
{
	va_list		args;
	StringInfoData msg;

	if (r->first_error != NULL)
		return;
	initStringInfo(&msg);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&msg, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	r->first_error = msg.data;
}

static Datum
result_finish(SelftestResult *r)
{
	if (r->first_error != NULL)
	{
		result_sep(r);
		appendStringInfoString(&r->json, "\"first_error\": ");
		escape_json(&r->json, r->first_error);
	}
	appendStringInfoChar(&r->json, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(r->json.data));
}

/* ----------------------------------------------------------------
 *		Bloom filter self-test
 * ----------------------------------------------------------------
 */

/*
 * kvam._bloom_selftest(nkeys int, nprobes int) RETURNS jsonb: builds a
 * filter of KvamBloomPagesFor(nkeys) pages in local memory over nkeys
 * synthetic keys, checks that every key is found, and measures the false
 * positive rate over nprobes keys that were not added.
 */
Datum
kvam__bloom_selftest(PG_FUNCTION_ARGS)
{
	int32		nkeys = PG_GETARG_INT32(0);
	int32		nprobes = PG_GETARG_INT32(1);
	uint32		npages;
	char	  **pages;
	char		key[32];
	int64		false_negatives = 0;
	int64		false_positives = 0;
	double		rate;
	SelftestResult r;

	if (nkeys < 0 || nkeys > 100000000 || nprobes < 1 || nprobes > 100000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nkeys must be between 0 and %d and nprobes between 1 and %d",
						100000000, 100000000)));

	npages = KvamBloomPagesFor(nkeys);
	pages = palloc(npages * sizeof(char *));
	for (uint32 p = 0; p < npages; p++)
	{
		pages[p] = palloc(BLCKSZ);
		KvamBloomInitPage(pages[p], 0);
	}
	for (int32 i = 0; i < nkeys; i++)
	{
		int			len = snprintf(key, sizeof(key), "present:%d", i);
		uint64		fp = KvamKeyFingerprint(key, len);

		KvamBloomAdd(pages[KvamBloomPageOf(fp, npages)], fp);
	}
	for (int32 i = 0; i < nkeys; i++)
	{
		int			len = snprintf(key, sizeof(key), "present:%d", i);
		uint64		fp = KvamKeyFingerprint(key, len);

		if (!KvamBloomMayContain(pages[KvamBloomPageOf(fp, npages)], fp))
			false_negatives++;
	}
	for (int32 i = 0; i < nprobes; i++)
	{
		int			len = snprintf(key, sizeof(key), "absent:%d", i);
		uint64		fp = KvamKeyFingerprint(key, len);

		if (KvamBloomMayContain(pages[KvamBloomPageOf(fp, npages)], fp))
			false_positives++;
	}
	rate = (double) false_positives / nprobes;

	result_init(&r);
	result_int(&r, "pages", npages);
	result_float(&r, "bits_per_key",
				 nkeys > 0 ? (double) npages * KVAM_BLOOM_BITS_PER_PAGE / nkeys : 0);
	result_int(&r, "false_negatives", false_negatives);
	result_bool(&r, "fp_rate_below_1pct", rate < 0.01);
	result_float(&r, "fp_rate", rate);
	PG_RETURN_DATUM(result_finish(&r));
}

/* ----------------------------------------------------------------
 *		Run self-test
 * ----------------------------------------------------------------
 */

typedef struct RunTest
{
	Relation	rel;
	KvamRunRef	ref;
	KvamRunHeaderData hdr;
	int32		nkeys;
	int32		vpk;			/* versions per key */
	int32		keysize;
	TransactionId xid;
	char	   *key;			/* scratch key buffer */
	char	   *key2;
	SelftestResult *r;
} RunTest;

/*
 * make_key writes synthetic key number n into buf: keysize - 8 filler bytes
 * (so that neighbouring keys share a long prefix and index separators are
 * long), then n as 8 big-endian bytes.  Present keys are the odd numbers
 * 1, 3, ..., 2 * nkeys - 1; the even numbers are absent.
 */
static void
make_key(char *buf, int32 keysize, uint64 n)
{
	memset(buf, 'k', keysize - 8);
	for (int i = 0; i < 8; i++)
		buf[keysize - 8 + i] = (char) (n >> (8 * (7 - i)));
}

/* the tuple data length of version (i, j): varies to vary packing */
static inline int
payload_len(int32 i, int32 j)
{
	return (int) (((int64) i * 7 + (int64) j * 13) % 97);
}

/* whether version (i, j) is a tombstone */
static inline bool
is_tombstone(int32 i, int32 j)
{
	return (i + j) % 5 == 4;
}

/*
 * make_version builds version j of key i into buf (MAXALIGNed, large
 * enough) and returns its length.  Its birth TID is (i, j + 1), which the
 * readers use to identify it.
 */
static Size
make_version(RunTest *t, char *buf, int32 i, int32 j)
{
	KvamVersion v = (KvamVersion) buf;
	Size		len;

	memset(buf, 0, KvamVersionTupleOffset(t->keysize));
	v->xmin = t->xid;
	v->cid = j;
	ItemPointerSet(&v->birth, i, j + 1);
	v->flags = is_tombstone(i, j) ? KVAM_V_TOMBSTONE : 0;
	v->keylen = t->keysize;
	make_key(v->key, t->keysize, 2 * (uint64) i + 1);
	len = SizeOfKvamVersionHeader + t->keysize;
	if (!is_tombstone(i, j))
	{
		HeapTupleHeader tup = KvamVersionGetTuple(v);
		int			plen = payload_len(i, j);

		memset(tup, 0, SizeofHeapTupleHeader);
		HeapTupleHeaderSetXmin(tup, t->xid);
		HeapTupleHeaderSetNatts(tup, 0);
		tup->t_hoff = MAXALIGN(SizeofHeapTupleHeader);
		memset((char *) tup + tup->t_hoff, (i + j) & 0xFF, plen);
		len = KvamVersionTupleOffset(t->keysize) + tup->t_hoff + plen;
	}
	return len;
}

/*
 * check_version verifies that 'v' (of item length 'len', at 'tid') is
 * version j of key i.
 */
static bool
check_version(RunTest *t, KvamVersion v, Size len, ItemPointer tid,
			  int32 i, int32 j)
{
	Size		explen;

	if (ItemPointerGetBlockNumber(&v->birth) != (BlockNumber) i ||
		ItemPointerGetOffsetNumber(&v->birth) != j + 1)
	{
		result_fail(t->r, "expected version (%d, %d), found (%u, %d) at (%u, %u)",
					i, j, ItemPointerGetBlockNumber(&v->birth),
					ItemPointerGetOffsetNumber(&v->birth) - 1,
					ItemPointerGetBlockNumber(tid),
					ItemPointerGetOffsetNumber(tid));
		return false;
	}
	make_key(t->key, t->keysize, 2 * (uint64) i + 1);
	explen = is_tombstone(i, j) ? SizeOfKvamVersionHeader + t->keysize :
		KvamVersionTupleOffset(t->keysize) +
		MAXALIGN(SizeofHeapTupleHeader) + payload_len(i, j);
	if (v->xmin != t->xid || v->cid != (CommandId) j ||
		v->flags != (is_tombstone(i, j) ? KVAM_V_TOMBSTONE : 0) ||
		v->keylen != t->keysize || memcmp(v->key, t->key, t->keysize) != 0 ||
		len != explen)
	{
		result_fail(t->r, "version (%d, %d) has wrong contents", i, j);
		return false;
	}
	if (!is_tombstone(i, j))
	{
		HeapTupleHeader tup = KvamVersionGetTuple(v);
		char	   *data = (char *) tup + tup->t_hoff;

		for (int k = 0; k < payload_len(i, j); k++)
			if (data[k] != (char) ((i + j) & 0xFF))
			{
				result_fail(t->r, "version (%d, %d) has a wrong payload", i, j);
				return false;
			}
	}
	if (ItemPointerGetBlockNumber(tid) < t->hdr.data_start ||
		ItemPointerGetBlockNumber(tid) >= t->hdr.data_start + t->hdr.ndata ||
		ItemPointerGetOffsetNumber(tid) < FirstOffsetNumber ||
		ItemPointerGetOffsetNumber(tid) > MaxHeapTuplesPerPage)
	{
		result_fail(t->r, "version (%d, %d) has TID (%u, %u) outside the data pages",
					i, j, ItemPointerGetBlockNumber(tid),
					ItemPointerGetOffsetNumber(tid));
		return false;
	}
	return true;
}

/*
 * scan_range iterates the run over [lo, hi] (hi exclusive unless
 * 'inclusive'; -1 means unbounded), where lo and hi are key numbers, and
 * checks that exactly the versions of the present keys in the range come
 * back, in order.
 */
static bool
scan_range(RunTest *t, int64 lo, int64 hi, bool inclusive)
{
	KvamRunIter *it;
	KvamVersion v;
	ItemPointerData tid;
	ItemPointerData prev;
	int64		first;
	int64		last;
	int64		i;
	int32		j = 0;
	bool		ok = true;

	if (lo >= 0)
		make_key(t->key2, t->keysize, lo);
	if (hi >= 0)
		make_key(t->key, t->keysize, hi);
	it = KvamRunIterBegin(t->rel, &t->ref,
						  lo >= 0 ? t->key2 : NULL, t->keysize,
						  hi >= 0 ? t->key : NULL, t->keysize, inclusive);

	/* the present keys (odd numbers) in range, as key indexes */
	first = (lo < 0) ? 0 : lo / 2;	/* 2i + 1 >= lo */
	if (hi < 0)
		last = t->nkeys - 1;
	else if (inclusive)
		last = Min((hi - 1) / 2, (int64) t->nkeys - 1);	/* 2i + 1 <= hi */
	else
		last = Min((hi - 2) / 2, (int64) t->nkeys - 1);	/* 2i + 1 < hi */
	if (hi >= 0 && hi < 1 + (inclusive ? 0 : 1))
		last = -1;

	i = first;
	ItemPointerSetInvalid(&prev);
	while ((v = KvamRunIterNext(it, &tid)) != NULL)
	{
		if (i > last)
		{
			result_fail(t->r, "range [%lld, %lld%s returned too much",
						(long long) lo, (long long) hi, inclusive ? "]" : ")");
			ok = false;
			break;
		}
		if (!check_version(t, v, KvamRunIterVersionLength(it), &tid, i, j))
		{
			ok = false;
			break;
		}
		if (ItemPointerIsValid(&prev) && ItemPointerCompare(&prev, &tid) >= 0)
		{
			result_fail(t->r, "TIDs not increasing at version (%d, %d)",
						(int) i, j);
			ok = false;
			break;
		}
		prev = tid;
		if (++j == t->vpk)
		{
			j = 0;
			i++;
		}
	}
	if (ok && (i <= last || j != 0))
	{
		result_fail(t->r, "range [%lld, %lld%s ended early at version (%d, %d)",
					(long long) lo, (long long) hi, inclusive ? "]" : ")",
					(int) i, j);
		ok = false;
	}
	KvamRunIterEnd(it);
	return ok;
}

/*
 * runtest_open validates the self-test arguments and opens the relation
 * with an AccessExclusiveLock.
 */
static void
runtest_open(RunTest *t, SelftestResult *r, Oid relid, int32 nkeys,
			 int32 vpk, int32 keysize)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to run kvam run self-tests")));

	memset(t, 0, sizeof(RunTest));
	t->nkeys = nkeys;
	t->vpk = vpk;
	t->keysize = keysize;
	if (t->nkeys < 0 || t->nkeys > 10000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nkeys must be between 0 and 10000000")));
	if (t->vpk < 1 || t->vpk > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("versions_per_key must be between 1 and 1000")));
	if (t->keysize < 16 || t->keysize > KVAM_MAX_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keysize must be between 16 and %d", KVAM_MAX_KEY_BYTES)));

	t->rel = table_open(relid, AccessExclusiveLock);
	if (t->rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table",
						RelationGetRelationName(t->rel))));
	t->key = palloc(t->keysize);
	t->key2 = palloc(t->keysize);
	t->r = r;
	result_init(r);
}

/*
 * verify_run reads the run t->ref back every way the reader offers and
 * adds the results to t->r.  The run must be non-empty.
 */
static void
verify_run(RunTest *t)
{
	SelftestResult *r = t->r;
	StringInfoData first;
	StringInfoData last;
	bool		ok;
	int64		absent_probes = 0;
	int64		false_positives = 0;
	int64		false_negatives = 0;
	uint64		seed;

	initStringInfo(&first);
	initStringInfo(&last);
	KvamRunReadHeader(t->rel, &t->ref, &t->hdr, &first, &last);
	if (!TransactionIdIsValid(t->xid))
		t->xid = t->hdr.min_xmin;	/* kvam._run_verify */
	result_int(r, "nkeys", t->hdr.nkeys);
	result_int(r, "ntombstones", t->hdr.ntombstones);
	result_int(r, "nblocks", t->ref.nblocks);
	result_int(r, "data_pages", t->hdr.ndata);
	result_int(r, "index_pages", t->hdr.nindex);
	result_int(r, "index_levels", t->hdr.index_levels);
	result_int(r, "bloom_pages", t->hdr.nbloom);
	{
		int64		ntomb = 0;

		for (int32 i = 0; i < t->nkeys; i++)
			for (int32 j = 0; j < t->vpk; j++)
				ntomb += is_tombstone(i, j);
		make_key(t->key, t->keysize, 1);
		make_key(t->key2, t->keysize, 2 * (uint64) t->nkeys - 1);
		ok = t->hdr.nversions == (uint64) t->nkeys * t->vpk &&
			t->hdr.nkeys == (uint64) t->nkeys &&
			t->hdr.ntombstones == (uint64) ntomb &&
			t->hdr.min_xmin == t->xid && t->hdr.max_xmin == t->xid &&
			t->hdr.run_id == t->ref.run_id &&
			last.len == t->keysize &&
			memcmp(last.data, t->key2, t->keysize) == 0 &&
			first.len <= t->keysize &&
			memcmp(first.data, t->key, first.len) == 0;
		/* the first key is whole unless both keys do not fit */
		if (2 * t->keysize + sizeof(KvamRunHeaderData) + SizeOfPageHeaderData +
			MAXALIGN(sizeof(KvamPageOpaqueData)) <= BLCKSZ)
			ok = ok && first.len == t->keysize;
		if (!ok)
			result_fail(r, "header does not match");
		result_bool(r, "header_ok", ok);
	}

	/* full scan, then point lookups of every key */
	result_bool(r, "scan_ok", scan_range(t, -1, -1, false));
	ok = true;
	for (int32 i = 0; i < t->nkeys && ok; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ok = scan_range(t, 2 * (int64) i + 1, 2 * (int64) i + 1, true);
	}
	result_bool(r, "point_lookups_ok", ok);

	/* absent keys: nothing at the key, and the next key after it */
	ok = true;
	for (int32 i = 0; i <= t->nkeys && ok; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ok = scan_range(t, 2 * (int64) i, 2 * (int64) i, true) &&
			scan_range(t, 2 * (int64) i, 2 * (int64) i + 2, false);
	}
	result_bool(r, "absent_lookups_ok", ok);

	/* pseudo-random ranges, inclusive and exclusive, present and absent */
	ok = true;
	seed = 12345;
	for (int k = 0; k < 200 && ok; k++)
	{
		int64		lo;
		int64		hi;

		CHECK_FOR_INTERRUPTS();
		seed = seed * UINT64CONST(6364136223846793005) + 1442695040888963407;
		lo = (int64) ((seed >> 33) % (2 * (uint64) t->nkeys + 2));
		seed = seed * UINT64CONST(6364136223846793005) + 1442695040888963407;
		hi = lo + (int64) ((seed >> 33) % Min(2 * (uint64) t->nkeys + 2, 64));
		ok = scan_range(t, lo, hi, (k & 1) == 0) &&
			scan_range(t, lo, -1, false) &&
			scan_range(t, -1, hi, (k & 1) != 0);
	}
	/* an exclusive upper bound equal to the lower bound is empty */
	ok = ok && scan_range(t, 1, 1, false);
	result_bool(r, "ranges_ok", ok);

	/* bloom: every present key; absent keys inside and outside the range */
	for (int32 i = 0; i < t->nkeys; i++)
	{
		make_key(t->key, t->keysize, 2 * (uint64) i + 1);
		if (!KvamRunMayContain(t->rel, &t->ref, t->key, t->keysize))
			false_negatives++;
	}
	for (int32 i = 1; i < t->nkeys; i++)
	{
		make_key(t->key, t->keysize, 2 * (uint64) i);
		absent_probes++;
		if (KvamRunMayContain(t->rel, &t->ref, t->key, t->keysize))
			false_positives++;
	}
	make_key(t->key, t->keysize, 0);
	make_key(t->key2, t->keysize, 2 * (uint64) t->nkeys);
	result_int(r, "bloom_false_negatives", false_negatives);
	result_bool(r, "out_of_range_rejected",
				!KvamRunMayContain(t->rel, &t->ref, t->key, t->keysize) &&
				!KvamRunMayContain(t->rel, &t->ref, t->key2, t->keysize));
	result_bool(r, "fp_rate_below_1pct",
				false_positives < 0.01 * Max(absent_probes, 1));
	result_float(r, "bloom_fp_rate",
				 absent_probes > 0 ? (double) false_positives / absent_probes : 0);
}

/*
 * kvam._run_selftest(rel regclass, nkeys int, versions_per_key int,
 * keysize int) RETURNS jsonb: builds a run of nkeys keys of keysize bytes
 * with versions_per_key versions each (xmin: the current transaction) in
 * rel's main fork, then reads it back every way the reader offers.  The
 * result includes "head" and "nblocks" for kvam._run_verify.  Superuser
 * only; takes an AccessExclusiveLock on rel.
 */
Datum
kvam__run_selftest(PG_FUNCTION_ARGS)
{
	RunTest		t;
	SelftestResult r;
	KvamRunBuilder *b;
	BlockNumber oldnblocks;
	char	   *vbuf;

	runtest_open(&t, &r, PG_GETARG_OID(0), PG_GETARG_INT32(1),
				 PG_GETARG_INT32(2), PG_GETARG_INT32(3));
	t.xid = GetCurrentTransactionId();

	oldnblocks = RelationGetNumberOfBlocks(t.rel);
	vbuf = palloc(BLCKSZ);
	b = KvamRunBuildBegin(t.rel, 7, t.nkeys, 42);
	for (int32 i = 0; i < t.nkeys; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int32 j = 0; j < t.vpk; j++)
			KvamRunBuildAdd(b, (KvamVersion) vbuf, make_version(&t, vbuf, i, j));
	}
	KvamRunBuildFinish(b, &t.ref);

	result_int(&r, "nversions", t.ref.nversions);
	if (t.nkeys == 0)
	{
		result_bool(&r, "empty_ok",
					t.ref.nblocks == 0 && t.ref.head == InvalidBlockNumber &&
					t.ref.run_id == 42 &&
					RelationGetNumberOfBlocks(t.rel) == oldnblocks &&
					!KvamRunMayContain(t.rel, &t.ref, "kkkkkkkkkkkkkkkk", 16) &&
					scan_range(&t, -1, -1, false));
	}
	else
	{
		result_int(&r, "head", t.ref.head);
		result_bool(&r, "extent_ok",
					t.ref.head == oldnblocks &&
					RelationGetNumberOfBlocks(t.rel) == oldnblocks + t.ref.nblocks &&
					t.ref.run_id == 42);
		verify_run(&t);
	}
	table_close(t.rel, NoLock);
	PG_RETURN_DATUM(result_finish(&r));
}

/*
 * kvam._run_verify(rel regclass, head bigint, nblocks bigint, nkeys int,
 * versions_per_key int, keysize int) RETURNS jsonb: the read checks of
 * kvam._run_selftest on a run it built earlier (for instance before a
 * crash and recovery), given that run's head and nblocks.  The versions'
 * xmin is taken from the run header.
 */
Datum
kvam__run_verify(PG_FUNCTION_ARGS)
{
	RunTest		t;
	SelftestResult r;
	int64		head = PG_GETARG_INT64(1);
	int64		nblocks = PG_GETARG_INT64(2);

	runtest_open(&t, &r, PG_GETARG_OID(0), PG_GETARG_INT32(3),
				 PG_GETARG_INT32(4), PG_GETARG_INT32(5));
	if (head < 0 || head >= MaxBlockNumber || nblocks < 1 ||
		nblocks > MaxBlockNumber - head || t.nkeys < 1 ||
		head + nblocks > RelationGetNumberOfBlocks(t.rel))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no run of %lld blocks at block %lld of \"%s\"",
						(long long) nblocks, (long long) head,
						RelationGetRelationName(t.rel))));
	t.ref.head = (BlockNumber) head;
	t.ref.nblocks = (BlockNumber) nblocks;
	t.ref.nversions = (uint64) t.nkeys * t.vpk;
	t.ref.run_id = 42;
	t.ref.hash_first = 0;		/* unknown: the whole hash space */
	t.ref.hash_last = PG_UINT64_MAX;

	result_int(&r, "nversions", t.ref.nversions);
	verify_run(&t);
	table_close(t.rel, NoLock);
	PG_RETURN_DATUM(result_finish(&r));
}
