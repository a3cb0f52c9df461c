/*-------------------------------------------------------------------------
 *
 * number_arith.c
 *	  Exact arithmetic on DynamoDB numbers with PostgreSQL's numeric.
 *
 * Operands are canonical texts (number.h); results are re-validated
 * against DynamoDB's limits, so an update can never store a number that a
 * PutItem would have refused.
 *
 * IDENTIFICATION
 *	  src/item/number_arith.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "item/number.h"

/*
 * KvamNumberAdd computes a + b or a - b exactly; see number.h.
 */
char *
KvamNumberAdd(const char *a, const char *b, bool subtract)
{
	Datum		na;
	Datum		nb;
	Datum		r;
	char	   *text;
	char	   *canonical;
	KvamNumberStatus st;

	na = DirectFunctionCall3(numeric_in, CStringGetDatum(a),
							 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	nb = DirectFunctionCall3(numeric_in, CStringGetDatum(b),
							 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	r = DirectFunctionCall2(subtract ? numeric_sub : numeric_add, na, nb);
	text = DatumGetCString(DirectFunctionCall1(numeric_out, r));
	st = KvamNumberNormalize(text, strlen(text), &canonical);
	if (st != KVAM_NUM_OK)
		KvamRaise(KVAM_EX_VALIDATION, "%s",
				  KvamNumberErrorMessage(st, text, strlen(text)));
	return canonical;
}
