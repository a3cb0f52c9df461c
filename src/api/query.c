/*-------------------------------------------------------------------------
 *
 * query.c
 *	  Query: the items of one partition key, in sort key order.
 *
 * The key condition (KeyConditionExpression or legacy KeyConditions)
 * becomes a range of encoded storage keys, hash(pk) | enc(pk) | enc(sk)
 * (lsm/keycode.h), which is one contiguous slice of one partition of the
 * LSM: a Query reads only the partition key's items, in sort key order
 * (S by UTF-8 bytes -- the byte-stuffed text of docs/api.md preserves it
 * --, N numerically, B by unsigned bytes), forward or backward
 * (ScanIndexForward).  begins_with(sk, p) is the range from enc(p) up to
 * the successor of p's escaped bytes: S and B encodings escape byte by
 * byte, so every key beginning with p lies in it.  ExclusiveStartKey
 * narrows the range to strictly after (or, backward, before) the start
 * key.  Filter, projection, Select, Limit and the 1 MB cap are readpage.c's.
 *
 * IDENTIFICATION
 *	  src/api/query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/acl.h"

#include "am/kvam_am.h"
#include "api/errors.h"
#include "api/multiops.h"
#include "api/readpage.h"
#include "api/request.h"
#include "api/table.h"
#include "expr/legacy.h"
#include "item/item.h"
#include "lsm/keycode.h"

#define KEY_TERMINATOR_LEN 2	/* 0x00 0x01 after an S/B component */

static void
encode_key(KvamApiTable *t, const KvamAttr *pk, const KvamAttr *sk, StringInfo out)
{
	const KvamKeySchema *ks = &t->def->key;
	KvamAttr   *key = KvamAttrMakeMap(2);

	KvamMapPut(key, ks->hash_name, strlen(ks->hash_name), (KvamAttr *) pk);
	if (sk)
		KvamMapPut(key, ks->range_name, strlen(ks->range_name), (KvamAttr *) sk);
	if (sk == NULL && ks->range_name)
	{
		/* hash | enc(pk) only */
		KvamRelInfo *info = KvamRelInfoKeyed(t->rel);

		KvamKeyEncode(out, info->pktype, KvamKeyAttrToDatum(pk), KVAM_KEY_NONE, (Datum) 0);
		return;
	}
	KvamTableEncodeKey(t, key, out);
}

static void
type_mismatch(void)
{
	KvamValidationError("One or more parameter values were invalid: Condition parameter type does not match schema type");
}

/* Check the condition's values against the key schema. */
static void
check_key_types(const KvamKeySchema *ks, const KvamKeyCondition *kc)
{
	if (kc->pk_value->type != ks->hash_type)
		type_mismatch();
	if (kc->sk_op != KVAM_KEY_OP_NONE &&
		(kc->sk_value1->type != ks->range_type ||
		 (kc->sk_value2 && kc->sk_value2->type != ks->range_type)))
		type_mismatch();
	KvamKeyCheckValue(kc->pk_value, ks->hash_name, true);
}

/*
 * The range [lower, upper] of encoded keys the condition selects.  The
 * StringInfos own the bound bytes.
 */
static void
key_range(KvamApiTable *t, const KvamKeyCondition *kc, StringInfo lo, StringInfo hi,
		  KvamRowBound *lower, KvamRowBound *upper)
{
	int			prefixlen;

	encode_key(t, kc->pk_value, NULL, lo);
	prefixlen = lo->len;
	resetStringInfo(hi);
	appendBinaryStringInfo(hi, lo->data, lo->len);
	lower->inclusive = true;
	upper->inclusive = false;
	if (!KvamKeyPrefixSuccessor(hi, KVAM_KEY_HASH_BYTES))
		elog(ERROR, "partition key encoding has no successor");

	switch (kc->sk_op)
	{
		case KVAM_KEY_OP_NONE:
			break;
		case KVAM_KEY_OP_EQ:
			encode_key(t, kc->pk_value, kc->sk_value1, lo);
			encode_key(t, kc->pk_value, kc->sk_value1, hi);
			upper->inclusive = true;
			break;
		case KVAM_KEY_OP_LT:
		case KVAM_KEY_OP_LE:
			encode_key(t, kc->pk_value, kc->sk_value1, hi);
			upper->inclusive = kc->sk_op == KVAM_KEY_OP_LE;
			break;
		case KVAM_KEY_OP_GT:
		case KVAM_KEY_OP_GE:
			encode_key(t, kc->pk_value, kc->sk_value1, lo);
			lower->inclusive = kc->sk_op == KVAM_KEY_OP_GE;
			break;
		case KVAM_KEY_OP_BETWEEN:
			encode_key(t, kc->pk_value, kc->sk_value1, lo);
			encode_key(t, kc->pk_value, kc->sk_value2, hi);
			upper->inclusive = true;
			break;
		case KVAM_KEY_OP_BEGINS_WITH:
			encode_key(t, kc->pk_value, kc->sk_value1, lo);
			resetStringInfo(hi);
			appendBinaryStringInfo(hi, lo->data, lo->len - KEY_TERMINATOR_LEN);
			if (!KvamKeyPrefixSuccessor(hi, prefixlen))
			{
				/* the prefix is all 0xFF bytes: up to the next partition key */
				resetStringInfo(hi);
				appendBinaryStringInfo(hi, lo->data, prefixlen);
				(void) KvamKeyPrefixSuccessor(hi, KVAM_KEY_HASH_BYTES);
			}
			break;
	}
	lower->key = lo->data;
	lower->len = lo->len;
	upper->key = hi->data;
	upper->len = hi->len;
}

/*
 * Narrow the range to after (forward) or before (backward) the start key,
 * after checking that the start key lies within the query's conditions.
 */
static void
apply_start_key(KvamApiTable *t, const KvamKeyCondition *kc, const KvamAttr *start,
				bool backward, StringInfo buf, KvamRowBound *lower, KvamRowBound *upper)
{
	const KvamKeySchema *ks = &t->def->key;
	const KvamAttr *spk = KvamMapGet(start, ks->hash_name, strlen(ks->hash_name));
	bool		same_pk = KvamAttrEqual(spk, kc->pk_value);

	if (ks->range_name == NULL || kc->sk_op == KVAM_KEY_OP_NONE)
	{
		if (!same_pk)
			KvamValidationError("The provided starting key is outside query boundaries based on provided conditions");
	}
	else
	{
		const KvamAttr *ssk = KvamMapGet(start, ks->range_name, strlen(ks->range_name));

		if (!KvamKeyConditionMatchesSort(kc, ssk))
			KvamValidationError("The provided starting key does not match the range key predicate");
		if (!same_pk)
			KvamValidationError("The query can return at most one row and cannot be restarted");
	}
	KvamTableEncodeKey(t, start, buf);
	if (backward)
	{
		if (KvamKeyCompare(buf->data, buf->len, upper->key, upper->len) < 0 ||
			(upper->inclusive &&
			 KvamKeyCompare(buf->data, buf->len, upper->key, upper->len) == 0))
		{
			upper->key = buf->data;
			upper->len = buf->len;
			upper->inclusive = false;
		}
	}
	else if (KvamKeyCompare(buf->data, buf->len, lower->key, lower->len) >= 0)
	{
		lower->key = buf->data;
		lower->len = buf->len;
		lower->inclusive = false;
	}
}

/*
 * KvamOpQuery runs a Query request.
 */
void
KvamOpQuery(const JsonbValue *req, KvamOut *out)
{
	KvamValErrors e;
	KvamReadPage rp;
	KvamApiTable *t;
	KvamKeyCondition *kc;
	KvamAttr   *start;
	char	   *table_name;
	char	   *expr;
	bool		forward = true;
	StringInfoData lo,
				hi,
				sbuf;
	KvamRowBound lower,
				upper;

	KvamValInit(&e);
	table_name = KvamReadPageValidate(&rp, req, &e);
	KvamValRaise(&e);
	KvamReadPageParse(&rp, req, KVAM_PARAMS_QUERY);
	if (!KvamReqHas(req, "KeyConditions") && !KvamReqHas(req, "KeyConditionExpression"))
		KvamValidationError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
	(void) KvamReqBool(req, "ScanIndexForward", &forward);
	/* the request's own validity comes before the table's existence */
	if ((expr = KvamReqString(req, "KeyConditionExpression")) != NULL)
		KvamKeyConditionCheckSyntax(expr, strlen(expr), rp.ctx);

	t = KvamTableOpen(table_name, "Query", ACL_SELECT);
	rp.ks = &t->def->key;
	if ((expr = KvamReqString(req, "KeyConditionExpression")) != NULL)
		kc = KvamKeyConditionParse(expr, strlen(expr), rp.ctx, rp.ks->hash_name, rp.ks->range_name);
	else
		kc = KvamLegacyKeyConditions(req, rp.ks->hash_name, rp.ks->range_name);
	KvamReadPageFinishParse(&rp);
	check_key_types(rp.ks, kc);
	if (rp.filter)
	{
		const char *what = rp.legacy ? "QueryFilter" : "Filter Expression";

		if (KvamConditionUsesAttribute(rp.filter, rp.ks->hash_name, strlen(rp.ks->hash_name)))
			KvamValidationError("%s can only contain non-primary key attributes: Primary key attribute: %s",
								what, rp.ks->hash_name);
		if (rp.ks->range_name &&
			KvamConditionUsesAttribute(rp.filter, rp.ks->range_name, strlen(rp.ks->range_name)))
			KvamValidationError("%s can only contain non-primary key attributes: Primary key attribute: %s",
								what, rp.ks->range_name);
	}
	start = KvamStartKeyFromRequest(req, rp.ks);

	initStringInfo(&lo);
	initStringInfo(&hi);
	initStringInfo(&sbuf);
	key_range(t, kc, &lo, &hi, &lower, &upper);
	if (start)
		apply_start_key(t, kc, start, !forward, &sbuf, &lower, &upper);

	KvamReadPageRun(&rp, t, lower, upper, !forward);
	KvamTableClose(t);
	KvamReadPageResponse(&rp, table_name, out);
}
