/*-------------------------------------------------------------------------
 *
 * lexer.c
 *	  The tokenizer shared by all DynamoDB expression kinds.
 *
 * The whole expression (at most KVAM_EXPR_MAX_LENGTH bytes, checked by the
 * caller) is tokenized up front, so that the parser has arbitrary
 * lookahead and syntax errors can quote the neighbouring tokens the way
 * DynamoDB does ('token: "x", near: "a x b"').  The token array always
 * ends with one TOK_EOF.  The lexer never fails: characters outside the
 * expression alphabet become TOK_OTHER tokens (one UTF-8 character each,
 * bounded by the input), which the parser rejects as syntax errors.
 *
 * IDENTIFICATION
 *	  src/expr/lexer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "expr/node.h"

static inline bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool
is_ident_part(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

static void
add_token(KvamParser *p, KvamTokType type, int start, int len)
{
	if (p->ntoks == 0 || p->toks == NULL)
		p->toks = palloc(sizeof(KvamToken) * (p->len + 2));
	p->toks[p->ntoks].type = type;
	p->toks[p->ntoks].start = start;
	p->toks[p->ntoks].len = len;
	p->ntoks++;
}

/*
 * KvamLex tokenizes p->src into p->toks.
 */
void
KvamLex(KvamParser *p)
{
	const char *s = p->src;
	int			n = p->len;
	int			i = 0;

	p->ntoks = 0;
	p->toks = palloc(sizeof(KvamToken) * (n + 2));
	while (i < n)
	{
		char		c = s[i];
		int			start = i;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			i++;
			continue;
		}
		if (is_ident_start(c))
		{
			while (i < n && is_ident_part(s[i]))
				i++;
			add_token(p, TOK_IDENT, start, i - start);
			continue;
		}
		if (c >= '0' && c <= '9')
		{
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			add_token(p, TOK_NUMBER, start, i - start);
			continue;
		}
		if ((c == '#' || c == ':') && i + 1 < n && is_ident_part(s[i + 1]))
		{
			i++;
			while (i < n && is_ident_part(s[i]))
				i++;
			add_token(p, c == '#' ? TOK_NAMEREF : TOK_VALREF, start, i - start);
			continue;
		}
		switch (c)
		{
			case '(':
				add_token(p, TOK_LPAREN, start, 1);
				break;
			case ')':
				add_token(p, TOK_RPAREN, start, 1);
				break;
			case '[':
				add_token(p, TOK_LBRACKET, start, 1);
				break;
			case ']':
				add_token(p, TOK_RBRACKET, start, 1);
				break;
			case '.':
				add_token(p, TOK_DOT, start, 1);
				break;
			case ',':
				add_token(p, TOK_COMMA, start, 1);
				break;
			case '+':
				add_token(p, TOK_PLUS, start, 1);
				break;
			case '-':
				add_token(p, TOK_MINUS, start, 1);
				break;
			case '=':
				add_token(p, TOK_EQ, start, 1);
				break;
			case '<':
				if (i + 1 < n && s[i + 1] == '>')
					add_token(p, TOK_NE, start, 2);
				else if (i + 1 < n && s[i + 1] == '=')
					add_token(p, TOK_LE, start, 2);
				else
					add_token(p, TOK_LT, start, 1);
				break;
			case '>':
				if (i + 1 < n && s[i + 1] == '=')
					add_token(p, TOK_GE, start, 2);
				else
					add_token(p, TOK_GT, start, 1);
				break;
			default:
				{
					int			l = utf8_len((unsigned char) c);

					if (l > n - i)
						l = n - i;
					add_token(p, TOK_OTHER, start, l);
				}
				break;
		}
		i += p->toks[p->ntoks - 1].len;
	}
	add_token(p, TOK_EOF, n, 0);
}

/*
 * KvamTokenText returns the source text of token 'tok' ("<EOF>" for the
 * end), palloc'd.
 */
char *
KvamTokenText(const KvamParser *p, int tok)
{
	const KvamToken *t = &p->toks[tok];

	if (t->type == TOK_EOF)
		return pstrdup("<EOF>");
	return pnstrdup(p->src + t->start, t->len);
}

/*
 * KvamTokenIsKeyword is true when token 'tok' is the identifier 'kw'
 * (upper case), compared case-insensitively.
 */
bool
KvamTokenIsKeyword(const KvamParser *p, int tok, const char *kw)
{
	const KvamToken *t = &p->toks[tok];
	int			i;

	if (t->type != TOK_IDENT || t->len != (int) strlen(kw))
		return false;
	for (i = 0; i < t->len; i++)
	{
		char		c = p->src[t->start + i];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != kw[i])
			return false;
	}
	return true;
}
