/*-------------------------------------------------------------------------
 *
 * json_text.c
 *	  A small JSON text parser for DynamoDB JSON that may contain U+0000.
 *
 * PostgreSQL's json/jsonb input refuses "\u0000" in strings, yet DynamoDB
 * strings and names may contain it.  This parser reads JSON text into an
 * in-memory JsonbValue tree whose strings are length-counted (so they can
 * hold 0x00), which KvamItemFromJson then validates like any jsonb input.
 * It is the lossless input path that pairs with KvamItemToJsonText.
 *
 * Strict RFC 8259 syntax; nesting deeper than JSON_MAX_DEPTH is refused
 * before recursing further (a DynamoDB item cannot be deeper than 32
 * levels anyway).  Malformed text is a SerializationException.
 *
 * IDENTIFICATION
 *	  src/item/json_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "api/errors.h"
#include "item/itemjson.h"

#define JSON_MAX_DEPTH 200

typedef struct JsonText
{
	const char *s;
	int			len;
	int			pos;
} JsonText;

static void
syntax_error(JsonText *t)
{
	KvamRaise(KVAM_EX_SERIALIZATION, "Unexpected character at position %d of the request JSON",
			  t->pos);
}

static void
skip_ws(JsonText *t)
{
	while (t->pos < t->len &&
		   (t->s[t->pos] == ' ' || t->s[t->pos] == '\t' ||
			t->s[t->pos] == '\n' || t->s[t->pos] == '\r'))
		t->pos++;
}

static bool
consume(JsonText *t, const char *word)
{
	int			n = strlen(word);

	if (t->len - t->pos >= n && memcmp(t->s + t->pos, word, n) == 0)
	{
		t->pos += n;
		return true;
	}
	return false;
}

static int
hex4(JsonText *t)
{
	int			v = 0;
	int			i;

	if (t->len - t->pos < 4)
		syntax_error(t);
	for (i = 0; i < 4; i++)
	{
		char		c = t->s[t->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			syntax_error(t);
	}
	return v;
}

static void
append_utf8(StringInfo buf, uint32 cp)
{
	if (cp < 0x80)
		appendStringInfoChar(buf, (char) cp);
	else if (cp < 0x800)
	{
		appendStringInfoChar(buf, (char) (0xC0 | (cp >> 6)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		appendStringInfoChar(buf, (char) (0xE0 | (cp >> 12)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		appendStringInfoChar(buf, (char) (0xF0 | (cp >> 18)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 12) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
}

/* Parse a string at '"'; the result may contain 0x00. */
static void
parse_string(JsonText *t, JsonbValue *out)
{
	StringInfoData buf;

	initStringInfo(&buf);
	t->pos++;					/* opening quote */
	for (;;)
	{
		unsigned char c;

		if (t->pos >= t->len)
			syntax_error(t);
		c = (unsigned char) t->s[t->pos++];
		if (c == '"')
			break;
		if (c < 0x20)
			syntax_error(t);
		if (c != '\\')
		{
			appendStringInfoChar(&buf, (char) c);
			continue;
		}
		if (t->pos >= t->len)
			syntax_error(t);
		c = (unsigned char) t->s[t->pos++];
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&buf, (char) c);
				break;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				break;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				break;
			case 'n':
				appendStringInfoChar(&buf, '\n');
				break;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				break;
			case 't':
				appendStringInfoChar(&buf, '\t');
				break;
			case 'u':
				{
					uint32		cp = hex4(t);

					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						uint32		lo;

						if (!consume(t, "\\u"))
							syntax_error(t);
						lo = hex4(t);
						if (lo < 0xDC00 || lo > 0xDFFF)
							syntax_error(t);
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					else if (cp >= 0xDC00 && cp <= 0xDFFF)
						syntax_error(t);
					append_utf8(&buf, cp);
				}
				break;
			default:
				syntax_error(t);
		}
	}
	out->type = jbvString;
	out->val.string.val = buf.data;
	out->val.string.len = buf.len;
}

static void
parse_number(JsonText *t, JsonbValue *out)
{
	int			start = t->pos;
	char	   *text;

	if (t->pos < t->len && t->s[t->pos] == '-')
		t->pos++;
	if (t->pos >= t->len || !isdigit((unsigned char) t->s[t->pos]))
		syntax_error(t);
	if (t->s[t->pos] == '0')
		t->pos++;
	else
		while (t->pos < t->len && isdigit((unsigned char) t->s[t->pos]))
			t->pos++;
	if (t->pos < t->len && t->s[t->pos] == '.')
	{
		t->pos++;
		if (t->pos >= t->len || !isdigit((unsigned char) t->s[t->pos]))
			syntax_error(t);
		while (t->pos < t->len && isdigit((unsigned char) t->s[t->pos]))
			t->pos++;
	}
	if (t->pos < t->len && (t->s[t->pos] == 'e' || t->s[t->pos] == 'E'))
	{
		t->pos++;
		if (t->pos < t->len && (t->s[t->pos] == '+' || t->s[t->pos] == '-'))
			t->pos++;
		if (t->pos >= t->len || !isdigit((unsigned char) t->s[t->pos]))
			syntax_error(t);
		while (t->pos < t->len && isdigit((unsigned char) t->s[t->pos]))
			t->pos++;
	}
	text = pnstrdup(t->s + start, t->pos - start);
	out->type = jbvNumeric;
	out->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
														   CStringGetDatum(text),
														   ObjectIdGetDatum(InvalidOid),
														   Int32GetDatum(-1)));
}

static void parse_value(JsonText *t, JsonbValue *out, int depth);

static void
parse_object(JsonText *t, JsonbValue *out, int depth)
{
	int			cap = 4;
	int			n = 0;
	JsonbPair  *pairs = palloc(sizeof(JsonbPair) * cap);

	t->pos++;					/* { */
	skip_ws(t);
	if (t->pos < t->len && t->s[t->pos] == '}')
		t->pos++;
	else
		for (;;)
		{
			if (n == cap)
			{
				cap *= 2;
				pairs = repalloc(pairs, sizeof(JsonbPair) * cap);
			}
			skip_ws(t);
			if (t->pos >= t->len || t->s[t->pos] != '"')
				syntax_error(t);
			parse_string(t, &pairs[n].key);
			skip_ws(t);
			if (!consume(t, ":"))
				syntax_error(t);
			parse_value(t, &pairs[n].value, depth + 1);
			pairs[n].order = n;
			n++;
			skip_ws(t);
			if (consume(t, "}"))
				break;
			if (!consume(t, ","))
				syntax_error(t);
		}
	out->type = jbvObject;
	out->val.object.nPairs = n;
	out->val.object.pairs = pairs;
}

static void
parse_array(JsonText *t, JsonbValue *out, int depth)
{
	int			cap = 4;
	int			n = 0;
	JsonbValue *elems = palloc(sizeof(JsonbValue) * cap);

	t->pos++;					/* [ */
	skip_ws(t);
	if (t->pos < t->len && t->s[t->pos] == ']')
		t->pos++;
	else
		for (;;)
		{
			if (n == cap)
			{
				cap *= 2;
				elems = repalloc(elems, sizeof(JsonbValue) * cap);
			}
			parse_value(t, &elems[n++], depth + 1);
			skip_ws(t);
			if (consume(t, "]"))
				break;
			if (!consume(t, ","))
				syntax_error(t);
		}
	out->type = jbvArray;
	out->val.array.nElems = n;
	out->val.array.elems = elems;
	out->val.array.rawScalar = false;
}

static void
parse_value(JsonText *t, JsonbValue *out, int depth)
{
	check_stack_depth();
	if (depth > JSON_MAX_DEPTH)
		KvamRaise(KVAM_EX_VALIDATION, "Nesting Levels have exceeded supported limits");
	skip_ws(t);
	if (t->pos >= t->len)
		syntax_error(t);
	switch (t->s[t->pos])
	{
		case '{':
			parse_object(t, out, depth);
			break;
		case '[':
			parse_array(t, out, depth);
			break;
		case '"':
			parse_string(t, out);
			break;
		case 't':
			if (!consume(t, "true"))
				syntax_error(t);
			out->type = jbvBool;
			out->val.boolean = true;
			break;
		case 'f':
			if (!consume(t, "false"))
				syntax_error(t);
			out->type = jbvBool;
			out->val.boolean = false;
			break;
		case 'n':
			if (!consume(t, "null"))
				syntax_error(t);
			out->type = jbvNull;
			break;
		default:
			parse_number(t, out);
	}
}

/*
 * KvamJsonTextParse parses JSON text that may contain \u0000 into an
 * in-memory JsonbValue tree (strings length-counted).
 */
void
KvamJsonTextParse(const char *s, int len, JsonbValue *out)
{
	JsonText	t = {s, len, 0};

	parse_value(&t, out, 0);
	skip_ws(&t);
	if (t.pos != t.len)
		syntax_error(&t);
}

/*
 * KvamItemFromJsonText parses DynamoDB JSON text (an attribute map) that
 * may contain \u0000 and converts it like KvamItemFromJson.
 */
KvamAttr *
KvamItemFromJsonText(const char *s, int len)
{
	JsonbValue	root;

	KvamJsonTextParse(s, len, &root);
	return KvamItemFromJson(&root, NULL, NULL);
}
