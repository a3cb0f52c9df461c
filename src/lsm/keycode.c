/*-------------------------------------------------------------------------
 *
 * keycode.c
 *	  Memcmp-comparable encoding of kvam keys (see keycode.h).
 *
 * This file owns the byte format of every key kvam stores: in L0 versions,
 * run data pages, run index separators, bloom fingerprints and the
 * memtable index.  The invariants everything else relies on:
 *
 *	- memcmp order over encoded full keys (KvamKeyCompare) is the order
 *	  (partition hash, pk, sk), where S and B compare as unsigned bytes
 *	  (UTF-8 for S, never by collation) and N compares as numeric_cmp;
 *	- every component encoding is self-delimiting and injective, and
 *	  canonical: numerically equal numerics (1, 1.0, 1.00) encode to the
 *	  same bytes, so byte equality is key equality;
 *	- the encoding depends on nothing but the value (not on the database
 *	  encoding, collation, typmod or platform), so it may be stored on disk
 *	  and in WAL.
 *
 * S and B: the bytes, with every 0x00 written as 0x00 0xFF, then the
 * terminator 0x00 0x01.  A string that is a prefix of another sorts first
 * because the terminator's 0x00 0x01 is below both 0x00 0xFF and any
 * non-zero byte.  Text is converted to UTF-8 when the database encoding is
 * something else.
 *
 * N: one class byte, then (except for zero) an exponent and the mantissa
 * digits.  With the value written as (+/-) 0.d1 d2 ... dn x 10^E, d1 != 0
 * and dn != 0 (trailing zeros dropped, which makes the form canonical):
 *
 *	  class  0x01 negative, E > 126			  exponent: 4 bytes
 *			 0x02 negative, -129 <= E <= 126  exponent: 1 byte
 *			 0x03 negative, E < -129		  exponent: 4 bytes
 *			 0x04 zero						  (nothing follows)
 *			 0x05 positive, E < -129		  exponent: 4 bytes
 *			 0x06 positive, -129 <= E <= 126  exponent: 1 byte
 *			 0x07 positive, E > 126			  exponent: 4 bytes
 *
 *	  1-byte exponent: E + 129 (0..255).  4-byte exponent: E as a
 *	  big-endian int32 with the sign bit flipped.  The 1-byte range is
 *	  exactly DynamoDB's (1e-130 has E = -129, 9.99...e125 has E = 126).
 *
 *	  mantissa: digit pairs (d1 d2), (d3 d4), ..., the last one padded with
 *	  a 0 digit; pair value p = 10 * a + b is written as 2p + 1, except the
 *	  last pair, written as 2p.  The even last byte delimits the mantissa;
 *	  a mantissa that is a prefix of another compares lower, as it should
 *	  (the longer one has more non-zero digits).
 *
 *	  For negative values every byte after the class byte is complemented
 *	  (255 - b), which reverses the order of exponents and mantissas.
 *
 * So 1 -> 06 82 14, -1 -> 02 7d eb, 0 -> 04, 123.45 -> 06 84 19 45 64.
 *
 * IDENTIFICATION
 *	  src/lsm/keycode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "lsm/keycode.h"

/* Class bytes of the N encoding.  Stored on disk: DO NOT RENUMBER. */
#define KVAM_N_NEG_BIG		0x01
#define KVAM_N_NEG_MID		0x02
#define KVAM_N_NEG_SMALL	0x03
#define KVAM_N_ZERO			0x04
#define KVAM_N_POS_SMALL	0x05
#define KVAM_N_POS_MID		0x06
#define KVAM_N_POS_BIG		0x07

/* Exponent range with a one-byte encoding: DynamoDB's whole range. */
#define KVAM_N_EXP_MIN		(-129)
#define KVAM_N_EXP_MAX		126

/* Seed of the bloom fingerprint, so that it is independent of the hash. */
#define KVAM_FINGERPRINT_SEED	UINT64CONST(0x6b76616d626c6f6d)	/* "kvambloom" */

static void encode_bytes(StringInfo out, const char *data, Size len);
static void encode_numeric(StringInfo out, Numeric num);
static bool render_component(StringInfo out, KvamKeyType type,
							 const unsigned char *p, Size len, Size *used);
static bool render_bytes(StringInfo out, KvamKeyType type,
						 const unsigned char *p, Size len, Size *used);
static bool render_numeric(StringInfo out, const unsigned char *p, Size len,
						   Size *used);

/*
 * KvamKeyTypeFromOid maps a key column's type to its key type: text and
 * varchar are S, numeric is N, bytea is B.  Domains over those are
 * accepted.  Anything else raises ERRCODE_DATATYPE_MISMATCH naming
 * 'colname'.
 */
KvamKeyType
KvamKeyTypeFromOid(Oid typid, const char *colname)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case TEXTOID:
		case VARCHAROID:
			return KVAM_KEY_S;
		case NUMERICOID:
			return KVAM_KEY_N;
		case BYTEAOID:
			return KVAM_KEY_B;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("key column \"%s\" has unsupported type %s",
							colname, format_type_be(typid)),
					 errhint("Key columns must be of type text, numeric or bytea.")));
	}
	return KVAM_KEY_NONE;		/* keep compiler quiet */
}

/*
 * KvamKeyEncodeValue appends enc(value) of one key component to 'out'.
 * 'value' must be a non-null datum of the type belonging to 'type' (text or
 * varchar for S, numeric for N, bytea for B), possibly toasted.  Raises
 * ERRCODE_INVALID_PARAMETER_VALUE for NaN and infinite numerics, and the
 * usual conversion error when a text value has no UTF-8 form.
 */
void
KvamKeyEncodeValue(StringInfo out, KvamKeyType type, Datum value)
{
	switch (type)
	{
		case KVAM_KEY_S:
			{
				text	   *t = DatumGetTextPP(value);
				const char *data = VARDATA_ANY(t);
				int			len = VARSIZE_ANY_EXHDR(t);
				char	   *utf8;

				utf8 = pg_server_to_any(data, len, PG_UTF8);
				if (utf8 != data)
					len = strlen(utf8);
				encode_bytes(out, utf8, len);
				if (utf8 != data)
					pfree(utf8);
				if ((Pointer) t != DatumGetPointer(value))
					pfree(t);
				break;
			}
		case KVAM_KEY_B:
			{
				bytea	   *b = DatumGetByteaPP(value);

				encode_bytes(out, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
				if ((Pointer) b != DatumGetPointer(value))
					pfree(b);
				break;
			}
		case KVAM_KEY_N:
			{
				Numeric		num = DatumGetNumeric(value);

				encode_numeric(out, num);
				if ((Pointer) num != DatumGetPointer(value))
					pfree(num);
				break;
			}
		default:
			elog(ERROR, "invalid kvam key type %d", (int) type);
	}
}

/*
 * KvamKeyEncode resets 'out' and writes the full key: the big-endian XXH3-64
 * of enc(pk), enc(pk) and, unless sktype is KVAM_KEY_NONE, enc(sk).  Throws
 * what KvamKeyEncodeValue throws.
 */
void
KvamKeyEncode(StringInfo out, KvamKeyType pktype, Datum pk,
			  KvamKeyType sktype, Datum sk)
{
	uint64		hash;
	int			i;

	resetStringInfo(out);
	/* reserve the hash, fill it in once enc(pk) is known */
	enlargeStringInfo(out, KVAM_KEY_HASH_BYTES);
	out->len = KVAM_KEY_HASH_BYTES;
	out->data[out->len] = '\0';

	KvamKeyEncodeValue(out, pktype, pk);
	hash = KvamKeyPartitionHash(out->data + KVAM_KEY_HASH_BYTES,
								out->len - KVAM_KEY_HASH_BYTES);
	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		out->data[i] = (char) (hash >> (8 * (KVAM_KEY_HASH_BYTES - 1 - i)));

	if (sktype != KVAM_KEY_NONE)
		KvamKeyEncodeValue(out, sktype, sk);
}

/*
 * KvamKeyPrefixSuccessor increments the last byte below 0xFF and drops
 * what follows it.
 */
bool
KvamKeyPrefixSuccessor(StringInfo s, int minlen)
{
	int			i;

	for (i = s->len - 1; i >= minlen; i--)
	{
		if ((unsigned char) s->data[i] != 0xFF)
		{
			s->data[i]++;
			s->len = i + 1;
			return true;
		}
	}
	return false;
}

/*
 * KvamKeyHashOf returns the partition hash stored in the first
 * KVAM_KEY_HASH_BYTES of an encoded full key.
 */
uint64
KvamKeyHashOf(const char *key)
{
	const unsigned char *p = (const unsigned char *) key;
	uint64		h = 0;
	int			i;

	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		h = (h << 8) | p[i];
	return h;
}

void
KvamKeyHashBytes(char *out, uint64 hash)
{
	int			i;

	for (i = KVAM_KEY_HASH_BYTES - 1; i >= 0; i--)
	{
		out[i] = (char) (hash & 0xFF);
		hash >>= 8;
	}
}

/*
 * KvamKeyPartitionHash returns XXH3-64 (seed 0) of an encoded partition key
 * component.
 */
uint64
KvamKeyPartitionHash(const char *enc, Size len)
{
	return (uint64) XXH3_64bits(enc, len);
}

/*
 * KvamKeyFingerprint returns XXH3-64 of a whole encoded key with a seed of
 * its own, so that bloom filter bits are independent of the partition hash
 * that every key of a partition shares a range of.
 */
uint64
KvamKeyFingerprint(const char *key, Size len)
{
	return (uint64) XXH3_64bits_withSeed(key, len, KVAM_FINGERPRINT_SEED);
}

/*
 * KvamKeyToText renders an encoded full key for error messages and
 * introspection: the hash in hex, then each component (S quoted, N as a
 * number, B as \x hex).  With pktype KVAM_KEY_NONE (types unknown) the
 * bytes after the hash are shown in hex.  Never fails on malformed or
 * truncated input: what cannot be decoded is shown as "<invalid>" or
 * "<truncated>".  palloc'd.
 */
char *
KvamKeyToText(const char *key, Size len,
			  KvamKeyType pktype, KvamKeyType sktype)
{
	StringInfoData buf;
	const unsigned char *p = (const unsigned char *) key;
	Size		used;
	int			i;

	initStringInfo(&buf);
	if (len < KVAM_KEY_HASH_BYTES)
	{
		appendStringInfoString(&buf, "<truncated>");
		return buf.data;
	}
	appendStringInfoString(&buf, "hash=");
	for (i = 0; i < KVAM_KEY_HASH_BYTES; i++)
		appendStringInfo(&buf, "%02x", p[i]);
	p += KVAM_KEY_HASH_BYTES;
	len -= KVAM_KEY_HASH_BYTES;

	if (pktype == KVAM_KEY_NONE)
	{
		/* component types unknown: show the bytes */
		appendStringInfoString(&buf, " \\x");
		for (Size j = 0; j < len; j++)
			appendStringInfo(&buf, "%02x", p[j]);
		return buf.data;
	}

	appendStringInfoString(&buf, " pk=");
	if (!render_component(&buf, pktype, p, len, &used))
		return buf.data;
	p += used;
	len -= used;

	if (sktype != KVAM_KEY_NONE)
	{
		appendStringInfoString(&buf, " sk=");
		if (!render_component(&buf, sktype, p, len, &used))
			return buf.data;
		p += used;
		len -= used;
	}
	if (len > 0)
		appendStringInfoString(&buf, " <invalid>");
	return buf.data;
}

/* ----------------------------------------------------------------
 *		Encoders
 * ----------------------------------------------------------------
 */

/* encode_bytes appends an S/B component: escaped bytes, terminator. */
static void
encode_bytes(StringInfo out, const char *data, Size len)
{
	const char *end = data + len;

	enlargeStringInfo(out, len + 2);
	while (data < end)
	{
		const char *zero = memchr(data, 0, end - data);

		if (zero == NULL)
		{
			appendBinaryStringInfo(out, data, end - data);
			break;
		}
		appendBinaryStringInfo(out, data, zero - data);
		appendStringInfoCharMacro(out, '\0');
		appendStringInfoCharMacro(out, (char) 0xFF);
		data = zero + 1;
	}
	appendStringInfoCharMacro(out, '\0');
	appendStringInfoCharMacro(out, (char) 0x01);
}

/*
 * encode_numeric appends an N component.  The digits come from numeric_out,
 * whose output for a finite value is "[-]digits[.digits]" without an
 * exponent, so the decimal exponent and digit string can be read off it.
 */
static void
encode_numeric(StringInfo out, Numeric num)
{
	char	   *str;
	char	   *p;
	bool		neg = false;
	char	   *digits;
	int			ndigits = 0;
	int			nint = -1;		/* digits before the decimal point */
	int			first;
	int			last;
	int			exponent;
	unsigned char flip;
	int			i;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("numeric key value must be finite"),
				 errdetail("NaN and infinity cannot be used in keys.")));

	str = DatumGetCString(DirectFunctionCall1(numeric_out,
											  NumericGetDatum(num)));
	p = str;
	if (*p == '-')
	{
		neg = true;
		p++;
	}
	digits = palloc(strlen(p) + 1);
	for (; *p; p++)
	{
		if (*p == '.')
			nint = ndigits;
		else if (*p >= '0' && *p <= '9')
			digits[ndigits++] = *p - '0';
		else
			elog(ERROR, "unexpected character in numeric output \"%s\"", str);
	}
	if (nint < 0)
		nint = ndigits;

	for (first = 0; first < ndigits && digits[first] == 0; first++)
		;
	if (first == ndigits)
	{
		/* zero, whatever its scale or sign */
		appendStringInfoCharMacro(out, (char) KVAM_N_ZERO);
		pfree(digits);
		pfree(str);
		return;
	}
	for (last = ndigits - 1; digits[last] == 0; last--)
		;
	/* value = 0.d[first..last] * 10^exponent */
	exponent = nint - first;

	flip = neg ? 0xFF : 0x00;
	if (exponent > KVAM_N_EXP_MAX || exponent < KVAM_N_EXP_MIN)
	{
		uint32		e = ((uint32) exponent) ^ ((uint32) 0x80000000);
		unsigned char cls;

		if (exponent > KVAM_N_EXP_MAX)
			cls = neg ? KVAM_N_NEG_BIG : KVAM_N_POS_BIG;
		else
			cls = neg ? KVAM_N_NEG_SMALL : KVAM_N_POS_SMALL;
		appendStringInfoCharMacro(out, (char) cls);
		for (i = 3; i >= 0; i--)
			appendStringInfoCharMacro(out, (char) (((e >> (8 * i)) & 0xFF) ^ flip));
	}
	else
	{
		appendStringInfoCharMacro(out,
								  (char) (neg ? KVAM_N_NEG_MID : KVAM_N_POS_MID));
		appendStringInfoCharMacro(out, (char) ((exponent - KVAM_N_EXP_MIN) ^ flip));
	}

	enlargeStringInfo(out, (last - first) / 2 + 1);
	for (i = first; i <= last; i += 2)
	{
		int			pair = digits[i] * 10 + (i + 1 <= last ? digits[i + 1] : 0);
		bool		final = (i + 2 > last);
		unsigned char b = (unsigned char) (2 * pair + (final ? 0 : 1));

		appendStringInfoCharMacro(out, (char) (b ^ flip));
	}

	pfree(digits);
	pfree(str);
}

/* ----------------------------------------------------------------
 *		Rendering (decoding for humans)
 * ----------------------------------------------------------------
 */

/*
 * render_component decodes one component at p[0..len) into 'out' and sets
 * *used to its encoded length.  Returns false (after writing a marker) if
 * the bytes are not a valid encoding.
 */
static bool
render_component(StringInfo out, KvamKeyType type,
				 const unsigned char *p, Size len, Size *used)
{
	switch (type)
	{
		case KVAM_KEY_S:
		case KVAM_KEY_B:
			return render_bytes(out, type, p, len, used);
		case KVAM_KEY_N:
			return render_numeric(out, p, len, used);
		default:
			appendStringInfoString(out, "<invalid>");
			return false;
	}
}

static bool
render_bytes(StringInfo out, KvamKeyType type,
			 const unsigned char *p, Size len, Size *used)
{
	StringInfoData raw;
	Size		i = 0;
	bool		ok = false;

	initStringInfo(&raw);
	while (i < len)
	{
		if (p[i] != 0)
		{
			appendStringInfoChar(&raw, (char) p[i]);
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		if (p[i + 1] == 0xFF)
			appendStringInfoChar(&raw, '\0');
		else if (p[i + 1] == 0x01)
		{
			ok = true;
			i += 2;
			break;
		}
		else
			break;
		i += 2;
	}

	if (type == KVAM_KEY_B)
	{
		appendStringInfoString(out, "\\x");
		for (Size j = 0; j < (Size) raw.len; j++)
			appendStringInfo(out, "%02x", (unsigned char) raw.data[j]);
	}
	else
	{
		/*
		 * Stored as UTF-8.  Show it as is in a UTF-8 database; elsewhere show
		 * non-ASCII bytes as \xNN rather than risk a conversion error.
		 */
		bool		asis = (GetDatabaseEncoding() == PG_UTF8 &&
							pg_verify_mbstr(PG_UTF8, raw.data, raw.len, true));

		appendStringInfoChar(out, '"');
		for (int j = 0; j < raw.len; j++)
		{
			unsigned char c = (unsigned char) raw.data[j];

			if (c == '"' || c == '\\')
			{
				appendStringInfoChar(out, '\\');
				appendStringInfoChar(out, (char) c);
			}
			else if (c == 0 || (c >= 0x80 && !asis))
				appendStringInfo(out, "\\x%02x", c);
			else
				appendStringInfoChar(out, (char) c);
		}
		appendStringInfoChar(out, '"');
	}
	pfree(raw.data);

	if (!ok)
	{
		appendStringInfoString(out, i >= len ? " <truncated>" : " <invalid>");
		return false;
	}
	*used = i;
	return true;
}

static bool
render_numeric(StringInfo out, const unsigned char *p, Size len, Size *used)
{
	unsigned char cls;
	unsigned char flip;
	bool		neg;
	int			exponent;
	Size		i = 1;
	StringInfoData digits;
	bool		ok = false;

	if (len < 1)
	{
		appendStringInfoString(out, "<truncated>");
		return false;
	}
	cls = p[0];
	if (cls == KVAM_N_ZERO)
	{
		appendStringInfoChar(out, '0');
		*used = 1;
		return true;
	}
	if (cls < KVAM_N_NEG_BIG || cls > KVAM_N_POS_BIG)
	{
		appendStringInfoString(out, "<invalid>");
		return false;
	}
	neg = (cls < KVAM_N_ZERO);
	flip = neg ? 0xFF : 0x00;

	if (cls == KVAM_N_NEG_MID || cls == KVAM_N_POS_MID)
	{
		if (len < 2)
		{
			appendStringInfoString(out, "<truncated>");
			return false;
		}
		exponent = (int) (p[1] ^ flip) + KVAM_N_EXP_MIN;
		i = 2;
	}
	else
	{
		uint32		e = 0;
		int			k;

		if (len < 5)
		{
			appendStringInfoString(out, "<truncated>");
			return false;
		}
		for (k = 1; k <= 4; k++)
			e = (e << 8) | (uint32) (p[k] ^ flip);
		exponent = (int32) (e ^ ((uint32) 0x80000000));
		i = 5;
	}

	initStringInfo(&digits);
	while (i < len)
	{
		unsigned char b = p[i] ^ flip;
		int			pair = b / 2;

		i++;
		if (pair > 99)
			break;
		appendStringInfoChar(&digits, (char) ('0' + pair / 10));
		appendStringInfoChar(&digits, (char) ('0' + pair % 10));
		if ((b & 1) == 0)
		{
			ok = true;
			break;
		}
	}
	/* the last pair may carry a padding zero */
	while (digits.len > 0 && digits.data[digits.len - 1] == '0')
		digits.data[--digits.len] = '\0';
	if (digits.len == 0)
		ok = false;

	if (neg && digits.len > 0)
		appendStringInfoChar(out, '-');
	if (digits.len > 0 && exponent > 0 && exponent <= 40)
	{
		/* plain notation, digits before the point */
		if (digits.len <= exponent)
		{
			appendStringInfoString(out, digits.data);
			for (int z = digits.len; z < exponent; z++)
				appendStringInfoChar(out, '0');
		}
		else
		{
			appendBinaryStringInfo(out, digits.data, exponent);
			appendStringInfoChar(out, '.');
			appendStringInfoString(out, digits.data + exponent);
		}
	}
	else if (digits.len > 0 && exponent <= 0 && exponent > -6)
	{
		appendStringInfoString(out, "0.");
		for (int z = exponent; z < 0; z++)
			appendStringInfoChar(out, '0');
		appendStringInfoString(out, digits.data);
	}
	else if (digits.len > 0)
	{
		/* scientific: d.ddd E(exponent - 1) */
		appendStringInfoChar(out, digits.data[0]);
		if (digits.len > 1)
		{
			appendStringInfoChar(out, '.');
			appendStringInfoString(out, digits.data + 1);
		}
		appendStringInfo(out, "E%+d", exponent - 1);
	}
	pfree(digits.data);

	if (!ok)
	{
		if (digits.len > 0)
			appendStringInfoChar(out, ' ');
		appendStringInfoString(out, i >= len ? "<truncated>" : "<invalid>");
		return false;
	}
	*used = i;
	return true;
}
