/*-------------------------------------------------------------------------
 *
 * resolve.c
 *	  ExpressionAttributeNames and ExpressionAttributeValues of a request.
 *
 * A KvamExprContext holds the request's #name and :value substitutions
 * and remembers which ones the expressions used (parse.c marks them while
 * resolving), so that KvamExprCheckUnused can raise DynamoDB's "unused"
 * errors once every expression of the request was parsed.  Keys are
 * validated when they are added; lookups are linear, which is fine for
 * the sizes DynamoDB allows in practice and keeps the registration order
 * for messages.
 *
 * IDENTIFICATION
 *	  src/expr/resolve.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "api/errors.h"
#include "expr/node.h"

/*
 * KvamExprContextCreate returns an empty context.
 */
KvamExprContext *
KvamExprContextCreate(void)
{
	return palloc0(sizeof(KvamExprContext));
}

static bool
valid_key(const char *key, int len, char sigil)
{
	int			i;

	if (len < 2 || key[0] != sigil)
		return false;
	for (i = 1; i < len; i++)
	{
		char		c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static KvamExprEntry *
add_entry(KvamExprEntry **arr, int *n, int *cap)
{
	if (*n == *cap)
	{
		*cap = Max(*cap * 2, 8);
		*arr = *arr ? repalloc(*arr, sizeof(KvamExprEntry) * *cap) :
			palloc(sizeof(KvamExprEntry) * *cap);
	}
	memset(&(*arr)[*n], 0, sizeof(KvamExprEntry));
	return &(*arr)[(*n)++];
}

/*
 * KvamExprContextAddName registers "#key" -> name.
 */
void
KvamExprContextAddName(KvamExprContext *ctx, const char *key, int keylen,
					   const char *name, int namelen)
{
	KvamExprEntry *e;

	if (!valid_key(key, keylen, '#'))
		KvamRaise(KVAM_EX_VALIDATION,
				  "ExpressionAttributeNames contains invalid key: Syntax error; key: \"%.*s\"",
				  keylen, key);
	e = add_entry(&ctx->names, &ctx->nnames, &ctx->capnames);
	e->key.data = pnstrdup(key, keylen);
	e->key.len = keylen;
	e->name.data = palloc(namelen + 1);
	memcpy((char *) e->name.data, name, namelen);
	((char *) e->name.data)[namelen] = '\0';
	e->name.len = namelen;
}

/*
 * KvamExprContextAddValue registers ":key" -> value.
 */
void
KvamExprContextAddValue(KvamExprContext *ctx, const char *key, int keylen,
						KvamAttr *value)
{
	KvamExprEntry *e;

	if (!valid_key(key, keylen, ':'))
		KvamRaise(KVAM_EX_VALIDATION,
				  "ExpressionAttributeValues contains invalid key: Syntax error; key: \"%.*s\"",
				  keylen, key);
	e = add_entry(&ctx->values, &ctx->nvalues, &ctx->capvalues);
	e->key.data = pnstrdup(key, keylen);
	e->key.len = keylen;
	e->value = value;
}

static void
check_unused(const KvamExprEntry *arr, int n, const char *what)
{
	StringInfoData keys;
	int			i;
	bool		any = false;

	initStringInfo(&keys);
	for (i = 0; i < n; i++)
	{
		if (arr[i].used)
			continue;
		if (any)
			appendStringInfoString(&keys, ", ");
		appendBinaryStringInfo(&keys, arr[i].key.data, arr[i].key.len);
		any = true;
	}
	if (any)
		KvamRaise(KVAM_EX_VALIDATION,
				  "Value provided in %s unused in expressions: keys: {%s}",
				  what, keys.data);
}

/*
 * KvamExprCheckUnused raises for names, then values, that no expression
 * used.
 */
void
KvamExprCheckUnused(const KvamExprContext *ctx)
{
	check_unused(ctx->names, ctx->nnames, "ExpressionAttributeNames");
	check_unused(ctx->values, ctx->nvalues, "ExpressionAttributeValues");
}
