/*-------------------------------------------------------------------------
 *
 * number.h
 *	  DynamoDB numbers: validation, canonical text, ordering, arithmetic.
 *
 * A DynamoDB number has at most 38 significant digits and a magnitude in
 * [1E-130, 9.9999999999999999999999999999999999999E+125], or is zero.
 * kvam keeps numbers as canonical decimal text: plain notation (never an
 * exponent), no leading zeros in the integer part except a single "0",
 * no trailing zeros in the fraction, no decimal point without fraction
 * digits, "-" only for negative values ("-0" is "0").  Two numbers are
 * numerically equal iff their canonical texts are equal.
 *
 * Ordering is computed on the canonical text (exact); arithmetic uses
 * PostgreSQL's numeric (number_arith.c) and re-validates the result.
 *
 * IDENTIFICATION
 *	  src/item/number.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_ITEM_NUMBER_H
#define KVAM_ITEM_NUMBER_H

#define KVAM_NUMBER_MAX_DIGITS	38
#define KVAM_NUMBER_MAX_EXP		125		/* largest exponent of first digit */
#define KVAM_NUMBER_MIN_EXP		(-130)	/* smallest exponent of first digit */

typedef enum KvamNumberStatus
{
	KVAM_NUM_OK = 0,
	KVAM_NUM_INVALID,			/* not a number */
	KVAM_NUM_OVERFLOW,
	KVAM_NUM_UNDERFLOW,
	KVAM_NUM_PRECISION			/* more than 38 significant digits */
} KvamNumberStatus;

/*
 * KvamNumberNormalize parses 'len' bytes of 's' as a DynamoDB number
 * ([+-]digits[.digits][(e|E)[+-]digits], or [+-].digits...) and, when it
 * is valid, sets *canonical to its palloc'd canonical text.  Never throws.
 */
extern KvamNumberStatus KvamNumberNormalize(const char *s, int len,
											char **canonical);

/*
 * KvamNumberErrorMessage returns DynamoDB's message for a failed
 * normalisation of 's' (palloc'd).
 */
extern char *KvamNumberErrorMessage(KvamNumberStatus st, const char *s, int len);

/*
 * KvamNumberCompare orders two canonical numbers: <0, 0, >0.
 */
extern int	KvamNumberCompare(const char *a, const char *b);

/*
 * KvamNumberSize is the size DynamoDB charges for a canonical number:
 * 1 byte for zero, otherwise 1 + one byte per base-100 digit (digits
 * paired around the decimal point) + 1 for negative numbers.
 */
extern int	KvamNumberSize(const char *canonical);

/*
 * KvamNumberAdd returns the canonical text of a + b (or a - b when
 * 'subtract'), computed exactly with numeric.  Raises ValidationException
 * with DynamoDB's message when the result is out of range or has more than
 * 38 significant digits.
 */
extern char *KvamNumberAdd(const char *a, const char *b, bool subtract);

/* KvamNumberFromInt returns the canonical text of 'v'. */
extern char *KvamNumberFromInt(int64 v);

#endif							/* KVAM_ITEM_NUMBER_H */
