/*-------------------------------------------------------------------------
 *
 * shim.c
 *	  A minimal stand-in for the PostgreSQL backend runtime, so that the
 *	  item model and the expression engine can be linked into a libFuzzer
 *	  binary outside the server.
 *
 * It provides palloc and friends (every allocation is tracked and freed by
 * KvamShimReset after each fuzz input), StringInfo, psprintf, ereport
 * (errstart/errfinish: an ERROR longjmps to PG_exception_stack, exactly
 * as in the backend) and check_stack_depth (1 MB of stack).  Nothing here
 * is compiled into the extension.
 *
 * IDENTIFICATION
 *	  fuzz/shim.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "item/number.h"
#include "shim.h"

sigjmp_buf *PG_exception_stack = NULL;
MemoryContext CurrentMemoryContext = NULL;
volatile sig_atomic_t InterruptPending = false;

typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
	size_t		size;
	max_align_t align[];
} Chunk;

static Chunk *chunks = NULL;
static char *stack_base = NULL;
static int	cur_elevel;
static int	cur_sqlstate;
char		KvamShimLastMessage[1024];
int			KvamShimLastSqlstate;

void
KvamShimSetStackBase(void)
{
	char		here;

	stack_base = &here;
}

void
KvamShimReset(void)
{
	while (chunks != NULL)
	{
		Chunk	   *next = chunks->next;

		free(chunks);
		chunks = next;
	}
}

static void *
alloc_chunk(size_t size, bool zero)
{
	Chunk	   *c = malloc(sizeof(Chunk) + size);

	if (c == NULL)
		abort();
	c->size = size;
	c->prev = NULL;
	c->next = chunks;
	if (chunks)
		chunks->prev = c;
	chunks = c;
	if (zero)
		memset(c->align, 0, size);
	return c->align;
}

void *
palloc(Size size)
{
	if (size > MaxAllocSize)
		elog(ERROR, "invalid memory alloc request size %zu", size);
	return alloc_chunk(size, false);
}

void *
palloc0(Size size)
{
	if (size > MaxAllocSize)
		elog(ERROR, "invalid memory alloc request size %zu", size);
	return alloc_chunk(size, true);
}

void
pfree(void *pointer)
{
	Chunk	   *c = (Chunk *) ((char *) pointer - offsetof(Chunk, align));

	if (c->prev)
		c->prev->next = c->next;
	else
		chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

void *
repalloc(void *pointer, Size size)
{
	Chunk	   *c = (Chunk *) ((char *) pointer - offsetof(Chunk, align));
	void	   *n = palloc(size);

	memcpy(n, pointer, Min(size, c->size));
	pfree(pointer);
	return n;
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len + 1);
	return out;
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
psprintf(const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

/* ------------------------------ StringInfo ------------------------------ */

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

int
appendStringInfoVA(StringInfo str, const char *fmt, va_list args)
{
	int			avail = str->maxlen - str->len;
	int			nprinted;

	if (avail < 16)
		return 32;
	nprinted = vsnprintf(str->data + str->len, avail, fmt, args);
	if (nprinted < avail)
	{
		str->len += nprinted;
		return 0;
	}
	str->data[str->len] = '\0';
	return nprinted + 1;
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(str, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(str, needed);
	}
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len] = ch;
	str->len++;
	str->data[str->len] = '\0';
}

/* ------------------------------- ereport ------------------------------- */

bool
errstart(int elevel, const char *domain)
{
	cur_elevel = elevel;
	cur_sqlstate = 0;
	KvamShimLastMessage[0] = '\0';
	return elevel >= ERROR;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	cur_sqlstate = sqlerrcode;
	return 0;
}

static void
record_message(const char *fmt, va_list args)
{
	vsnprintf(KvamShimLastMessage, sizeof(KvamShimLastMessage), fmt, args);
}

int
errmsg(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	record_message(fmt, args);
	va_end(args);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	record_message(fmt, args);
	va_end(args);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	return 0;
}

int
errhint(const char *fmt,...)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	KvamShimLastSqlstate = cur_sqlstate;
	if (cur_elevel >= ERROR)
	{
		if (PG_exception_stack == NULL)
			abort();
		siglongjmp(*PG_exception_stack, 1);
	}
}

bool
stack_is_too_deep(void)
{
	char		here;

	return stack_base != NULL && (stack_base - &here) > 1024 * 1024;
}

void
check_stack_depth(void)
{
	if (stack_is_too_deep())
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
}

/*
 * KvamNumberAdd replaces number_arith.c (which needs numeric): an
 * approximate sum, re-validated like the real one.  Enough to exercise the
 * update paths.
 */
char *
KvamNumberAdd(const char *a, const char *b, bool subtract)
{
	long double x = strtold(a, NULL);
	long double y = strtold(b, NULL);
	char		buf[64];
	char	   *c;
	KvamNumberStatus st;

	snprintf(buf, sizeof(buf), "%.20Lg", subtract ? x - y : x + y);
	st = KvamNumberNormalize(buf, strlen(buf), &c);
	if (st != KVAM_NUM_OK)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg_internal("%s", KvamNumberErrorMessage(st, buf, strlen(buf)))));
	return c;
}
