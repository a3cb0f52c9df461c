/*-------------------------------------------------------------------------
 *
 * number.c
 *	  Validation, canonical text, ordering and size of DynamoDB numbers.
 *
 * Everything here works on text and never allocates outside the current
 * memory context or throws, so it is usable from the binary decoder and
 * from the fuzzing harness.  The canonical form is defined in number.h.
 * Arithmetic lives in number_arith.c (it needs numeric).
 *
 * IDENTIFICATION
 *	  src/item/number.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "item/number.h"

/* A decomposed number: sign, significant digits, exponent of the first. */
typedef struct DecNum
{
	bool		neg;
	bool		zero;
	const char *digits;			/* significant digits, not terminated */
	int			ndigits;
	int64		exp;			/* exponent of digits[0] */
} DecNum;

/*
 * Parse 's' into 'd'.  'buf' must have room for len bytes: it receives the
 * mantissa digits without the decimal point.  Returns false on syntax
 * errors.
 */
static bool
decompose(const char *s, int len, char *buf, DecNum *d)
{
	int			i = 0;
	int			nbuf = 0;
	int			intdigits = 0;
	int			lz;
	int64		e = 0;
	bool		seen_point = false;

	memset(d, 0, sizeof(DecNum));
	if (i < len && (s[i] == '-' || s[i] == '+'))
	{
		d->neg = (s[i] == '-');
		i++;
	}
	for (; i < len; i++)
	{
		if (s[i] >= '0' && s[i] <= '9')
		{
			buf[nbuf++] = s[i];
			if (!seen_point)
				intdigits++;
		}
		else if (s[i] == '.' && !seen_point)
			seen_point = true;
		else
			break;
	}
	if (nbuf == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		bool		eneg = false;
		int			edigits = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
		{
			eneg = (s[i] == '-');
			i++;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		{
			if (e < 1000000000)
				e = e * 10 + (s[i] - '0');
			edigits++;
		}
		if (edigits == 0)
			return false;
		if (eneg)
			e = -e;
	}
	if (i != len)
		return false;

	for (lz = 0; lz < nbuf && buf[lz] == '0'; lz++)
		;
	if (lz == nbuf)
	{
		d->zero = true;
		d->neg = false;
		return true;
	}
	d->digits = buf + lz;
	d->ndigits = nbuf - lz;
	while (d->ndigits > 0 && d->digits[d->ndigits - 1] == '0')
		d->ndigits--;
	d->exp = (int64) intdigits - lz - 1 + e;
	return true;
}

/* Render 'd' in canonical plain notation. */
static char *
render(const DecNum *d)
{
	char	   *out;
	char	   *p;
	int64		k;

	if (d->zero)
		return pstrdup("0");
	/* sign + integer part + point + fraction; bounded by the range checks */
	out = palloc(d->ndigits + Abs(d->exp) + 4);
	p = out;
	if (d->neg)
		*p++ = '-';
	if (d->exp >= 0)
	{
		for (k = 0; k <= d->exp; k++)
			*p++ = (k < d->ndigits) ? d->digits[k] : '0';
		if (d->ndigits > d->exp + 1)
		{
			*p++ = '.';
			for (k = d->exp + 1; k < d->ndigits; k++)
				*p++ = d->digits[k];
		}
	}
	else
	{
		*p++ = '0';
		*p++ = '.';
		for (k = -1; k > d->exp; k--)
			*p++ = '0';
		for (k = 0; k < d->ndigits; k++)
			*p++ = d->digits[k];
	}
	*p = '\0';
	return out;
}

/*
 * KvamNumberNormalize validates and canonicalises a number; see number.h.
 */
KvamNumberStatus
KvamNumberNormalize(const char *s, int len, char **canonical)
{
	char	   *buf;
	DecNum		d;
	KvamNumberStatus st = KVAM_NUM_OK;

	*canonical = NULL;
	if (len <= 0)
		return KVAM_NUM_INVALID;
	buf = palloc(len);
	if (!decompose(s, len, buf, &d))
		st = KVAM_NUM_INVALID;
	else if (!d.zero && d.exp > KVAM_NUMBER_MAX_EXP)
		st = KVAM_NUM_OVERFLOW;
	else if (!d.zero && d.exp < KVAM_NUMBER_MIN_EXP)
		st = KVAM_NUM_UNDERFLOW;
	else if (d.ndigits > KVAM_NUMBER_MAX_DIGITS)
		st = KVAM_NUM_PRECISION;
	else
		*canonical = render(&d);
	pfree(buf);
	return st;
}

/*
 * KvamNumberErrorMessage returns DynamoDB's message for 'st'.
 */
char *
KvamNumberErrorMessage(KvamNumberStatus st, const char *s, int len)
{
	switch (st)
	{
		case KVAM_NUM_OK:
			break;
		case KVAM_NUM_INVALID:
			if (len <= 0)
				return pstrdup("The parameter cannot be converted to a numeric value");
			return psprintf("The parameter cannot be converted to a numeric value: %.*s",
							len, s);
		case KVAM_NUM_OVERFLOW:
			return pstrdup("Number overflow. Attempting to store a number with magnitude larger than supported range");
		case KVAM_NUM_UNDERFLOW:
			return pstrdup("Number underflow. Attempting to store a number with magnitude smaller than supported range");
		case KVAM_NUM_PRECISION:
			return pstrdup("Attempting to store more than 38 significant digits in a Number");
	}
	return pstrdup("");
}

/* Decompose a canonical (or any valid) number, for ordering and size. */
static void
decompose_valid(const char *s, char *buf, DecNum *d)
{
	if (!decompose(s, strlen(s), buf, d))
	{
		/* not reachable for canonical input; order garbage as zero */
		memset(d, 0, sizeof(DecNum));
		d->zero = true;
	}
}

/*
 * KvamNumberCompare orders two canonical numbers.
 */
int
KvamNumberCompare(const char *a, const char *b)
{
	char		abuf[KVAM_NUMBER_MAX_DIGITS + 140];
	char		bbuf[KVAM_NUMBER_MAX_DIGITS + 140];
	char	   *ab = abuf;
	char	   *bb = bbuf;
	DecNum		da;
	DecNum		db;
	int			sa;
	int			sb;
	int			r = 0;
	int			i;
	size_t		la = strlen(a);
	size_t		lb = strlen(b);

	if (la > sizeof(abuf))
		ab = palloc(la);
	if (lb > sizeof(bbuf))
		bb = palloc(lb);
	decompose_valid(a, ab, &da);
	decompose_valid(b, bb, &db);
	sa = da.zero ? 0 : (da.neg ? -1 : 1);
	sb = db.zero ? 0 : (db.neg ? -1 : 1);
	if (sa != sb)
		r = (sa < sb) ? -1 : 1;
	else if (sa != 0)
	{
		if (da.exp != db.exp)
			r = (da.exp < db.exp) ? -1 : 1;
		else
		{
			for (i = 0; i < da.ndigits && i < db.ndigits && r == 0; i++)
				if (da.digits[i] != db.digits[i])
					r = (da.digits[i] < db.digits[i]) ? -1 : 1;
			if (r == 0 && da.ndigits != db.ndigits)
				r = (da.ndigits < db.ndigits) ? -1 : 1;
		}
		if (sa < 0)
			r = -r;
	}
	if (ab != abuf)
		pfree(ab);
	if (bb != bbuf)
		pfree(bb);
	return r;
}

/*
 * KvamNumberSize returns DynamoDB's size of a canonical number.
 */
int
KvamNumberSize(const char *canonical)
{
	size_t		len = strlen(canonical);
	char	   *buf = palloc(len + 1);
	DecNum		d;
	int			size;

	decompose_valid(canonical, buf, &d);
	if (d.zero)
		size = 1;
	else
		size = 1 + (d.ndigits + 1) / 2 +
			((d.ndigits % 2 == 0 && d.exp % 2 == 0) ? 1 : 0) +
			(d.neg ? 1 : 0);
	pfree(buf);
	return size;
}

/*
 * KvamNumberFromInt returns the canonical text of an integer.
 */
char *
KvamNumberFromInt(int64 v)
{
	return psprintf(INT64_FORMAT, v);
}
