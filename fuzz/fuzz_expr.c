/*-------------------------------------------------------------------------
 *
 * fuzz_expr.c
 *	  libFuzzer target for the expression parser and evaluator and the
 *	  binary item decoder.
 *
 * Input layout: byte 0 selects the entry point (mod 6: condition, filter,
 * key condition, update, projection, item decoder); the bytes up to the
 * first 0x00 are the expression; the rest is a binary-encoded item
 * (KvamItemDecode), replaced by a fixed item when it does not decode.
 * ExpressionAttributeNames #a..#e and ExpressionAttributeValues of every
 * type are always defined.  Errors raised with ereport are expected
 * (they longjmp back here); crashes, sanitizer reports and hangs are
 * findings.
 *
 * IDENTIFICATION
 *	  fuzz/fuzz_expr.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>

#include "lib/stringinfo.h"

#include "expr/expr.h"
#include "item/item.h"
#include "item/number.h"
#include "shim.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static KvamAttr *
num(const char *s)
{
	char	   *c;

	if (KvamNumberNormalize(s, strlen(s), &c) != KVAM_NUM_OK)
		abort();
	return KvamAttrMakeScalar(KVAM_AT_N, c, strlen(c));
}

static KvamAttr *
str(const char *s)
{
	return KvamAttrMakeScalar(KVAM_AT_S, s, strlen(s));
}

static KvamAttr *
fixed_item(void)
{
	KvamAttr   *item = KvamAttrMakeMap(8);
	KvamAttr   *m = KvamAttrMakeMap(2);
	KvamAttr   *l = KvamAttrMakeList(3);
	KvamBytes	ss[2] = {{"x", 1}, {"y", 1}};
	int			dup;

	KvamMapPut(m, "c", 1, num("1"));
	KvamMapPut(m, "d", 1, str("dee"));
	KvamListAppend(l, num("1"));
	KvamListAppend(l, str("two"));
	KvamListAppend(l, KvamAttrMakeMap(0));
	KvamMapPut(item, "a", 1, str("abc"));
	KvamMapPut(item, "b", 1, num("12.5"));
	KvamMapPut(item, "m", 1, m);
	KvamMapPut(item, "l", 1, l);
	KvamMapPut(item, "s", 1, KvamAttrMakeSet(KVAM_AT_SS, ss, 2, &dup));
	KvamMapPut(item, "t", 1, KvamAttrMakeBool(true));
	KvamMapPut(item, "n", 1, KvamAttrMakeNull());
	KvamMapPut(item, "a\0b", 3, KvamAttrMakeScalar(KVAM_AT_B, "\0\1", 2));
	return item;
}

static KvamExprContext *
fixed_context(void)
{
	KvamExprContext *ctx = KvamExprContextCreate();
	KvamBytes	ns[2] = {{"1", 1}, {"2", 1}};
	KvamBytes	ss[1] = {{"x", 1}};
	int			dup;
	KvamAttr   *l = KvamAttrMakeList(1);

	KvamListAppend(l, num("7"));
	KvamExprContextAddName(ctx, "#a", 2, "a", 1);
	KvamExprContextAddName(ctx, "#b", 2, "b", 1);
	KvamExprContextAddName(ctx, "#c", 2, "status", 6);
	KvamExprContextAddName(ctx, "#d", 2, "m", 1);
	KvamExprContextAddName(ctx, "#e", 2, "a\0b", 3);
	KvamExprContextAddValue(ctx, ":s", 2, str("ab"));
	KvamExprContextAddValue(ctx, ":n", 2, num("3"));
	KvamExprContextAddValue(ctx, ":m", 2, num("-1e-130"));
	KvamExprContextAddValue(ctx, ":b", 2, KvamAttrMakeScalar(KVAM_AT_B, "\0", 1));
	KvamExprContextAddValue(ctx, ":t", 2, KvamAttrMakeBool(true));
	KvamExprContextAddValue(ctx, ":z", 2, KvamAttrMakeNull());
	KvamExprContextAddValue(ctx, ":l", 2, l);
	KvamExprContextAddValue(ctx, ":o", 2, KvamAttrMakeMap(0));
	KvamExprContextAddValue(ctx, ":ns", 3, KvamAttrMakeSet(KVAM_AT_NS, ns, 2, &dup));
	KvamExprContextAddValue(ctx, ":ss", 3, KvamAttrMakeSet(KVAM_AT_SS, ss, 1, &dup));
	KvamExprContextAddValue(ctx, ":ty", 3, str("SS"));
	return ctx;
}

static void
check_canonical(const KvamAttr *item)
{
	StringInfoData a;
	StringInfoData b;

	initStringInfo(&a);
	KvamItemEncode(&a, item);
	initStringInfo(&b);
	KvamItemEncode(&b, KvamItemDecode(a.data, a.len));
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();				/* decode(encode(x)) must be x */
	(void) KvamItemSize(item);
}

static void
run(const uint8_t *data, size_t size)
{
	int			mode = data[0] % 6;
	const char *expr = (const char *) data + 1;
	const char *sep = memchr(expr, 0, size - 1);
	int			elen = sep ? (int) (sep - expr) : (int) size - 1;
	const char *rest = sep ? sep + 1 : NULL;
	int			rlen = sep ? (int) (size - 1 - elen - 1) : 0;
	KvamAttr   *item = NULL;
	KvamExprContext *ctx;
	sigjmp_buf	jb;
	sigjmp_buf *volatile save = PG_exception_stack;

	if (mode == 5)
	{
		if (sigsetjmp(jb, 0) == 0)
		{
			PG_exception_stack = &jb;
			check_canonical(KvamItemDecode(expr, (int) size - 1));
		}
		PG_exception_stack = save;
		return;
	}
	if (rest != NULL && rlen > 0 && sigsetjmp(jb, 0) == 0)
	{
		PG_exception_stack = &jb;
		item = KvamItemDecode(rest, rlen);
	}
	PG_exception_stack = save;
	if (item == NULL)
		item = fixed_item();
	ctx = fixed_context();

	if (sigsetjmp(jb, 0) == 0)
	{
		PG_exception_stack = &jb;
		switch (mode)
		{
			case 0:
			case 1:
				{
					KvamCondition *c = KvamConditionParse(mode == 0 ? KVAM_EXPR_CONDITION :
														  KVAM_EXPR_FILTER, expr, elen, ctx);

					(void) KvamConditionEval(c, item);
					(void) KvamConditionEval(c, NULL);
				}
				break;
			case 2:
				{
					KvamKeyCondition *kc = KvamKeyConditionParse(expr, elen, ctx, "a", "b");

					(void) KvamKeyConditionMatchesSort(kc, KvamMapGet(item, "b", 1));
				}
				break;
			case 3:
				{
					KvamUpdate *u = KvamUpdateParse(expr, elen, ctx);
					const KvamPath *paths;
					int			n;
					KvamAttr   *newitem;

					paths = KvamUpdatePaths(u, &n);
					newitem = KvamUpdateApply(u, item);
					check_canonical(newitem);
					(void) KvamProjectPaths(paths, n, item);
					(void) KvamProjectPaths(paths, n, newitem);
					(void) KvamUpdateApply(u, NULL);
				}
				break;
			case 4:
				{
					KvamProjection *p = KvamProjectionParse(expr, elen, ctx);

					check_canonical(KvamProjectionApply(p, item));
				}
				break;
		}
		KvamExprCheckUnused(ctx);
	}
	PG_exception_stack = save;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	KvamShimSetStackBase();
	run(data, size);
	KvamShimReset();
	return 0;
}
