/*-------------------------------------------------------------------------
 *
 * errors.c
 *	  The DynamoDB exception <-> SQLSTATE table and the functions that raise
 *	  DynamoDB errors as PostgreSQL errors.
 *
 * The table below is the single source of truth for the mapping (DESIGN
 * section 9, docs/errors.md).  Invariants: every exception has a primary
 * SQLSTATE; no SQLSTATE appears twice, so the mapping can be reversed by a
 * gateway; the primary message of a raised error is DynamoDB's text,
 * unchanged, and the detail is the JSON error document.
 *
 * This file uses only elog.h and stringinfo, so that the expression engine
 * can be built outside the server (fuzz/) with a small shim; the
 * SQL-callable function is compiled only in the server build.
 *
 * IDENTIFICATION
 *	  src/api/errors.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "api/errors.h"

#define KVAM_ERROR_TYPE_PREFIX "com.amazonaws.dynamodb.v20120810#"
/* exceptions of the AWS request layer, not of DynamoDB's model */
#define KVAM_COMMON_TYPE_PREFIX "com.amazon.coral.service#"

typedef struct KvamExceptionEntry
{
	KvamException ex;
	const char *name;
	int			sqlstate;		/* primary */
	int			alt1;			/* secondary codes, 0 if none */
	int			alt2;
} KvamExceptionEntry;

static const KvamExceptionEntry exception_table[KVAM_EX__COUNT] = {
	{KVAM_EX_VALIDATION, "ValidationException",
	ERRCODE_INVALID_PARAMETER_VALUE, ERRCODE_SYNTAX_ERROR, ERRCODE_PROGRAM_LIMIT_EXCEEDED},
	{KVAM_EX_SERIALIZATION, "SerializationException",
	ERRCODE_INVALID_TEXT_REPRESENTATION, 0, 0},
	{KVAM_EX_CONDITIONAL_CHECK_FAILED, "ConditionalCheckFailedException",
	ERRCODE_CHECK_VIOLATION, 0, 0},
	{KVAM_EX_TRANSACTION_CANCELED, "TransactionCanceledException",
	ERRCODE_T_R_INTEGRITY_CONSTRAINT_VIOLATION, 0, 0},
	{KVAM_EX_TRANSACTION_CONFLICT, "TransactionConflictException",
	ERRCODE_T_R_SERIALIZATION_FAILURE, ERRCODE_T_R_DEADLOCK_DETECTED, 0},
	{KVAM_EX_RESOURCE_NOT_FOUND, "ResourceNotFoundException",
	ERRCODE_UNDEFINED_TABLE, 0, 0},
	{KVAM_EX_RESOURCE_IN_USE, "ResourceInUseException",
	ERRCODE_OBJECT_IN_USE, ERRCODE_DUPLICATE_TABLE, 0},
	{KVAM_EX_PROVISIONED_THROUGHPUT_EXCEEDED, "ProvisionedThroughputExceededException",
	ERRCODE_INSUFFICIENT_RESOURCES, 0, 0},
	{KVAM_EX_ACCESS_DENIED, "AccessDeniedException",
	ERRCODE_INSUFFICIENT_PRIVILEGE, 0, 0},
	{KVAM_EX_LIMIT_EXCEEDED, "LimitExceededException",
	ERRCODE_CONFIGURATION_LIMIT_EXCEEDED, 0, 0},
	{KVAM_EX_IDEMPOTENT_PARAMETER_MISMATCH, "IdempotentParameterMismatchException",
	ERRCODE_DUPLICATE_OBJECT, 0, 0},
	{KVAM_EX_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED, "ItemCollectionSizeLimitExceededException",
	ERRCODE_DISK_FULL, 0, 0},
	{KVAM_EX_REQUEST_LIMIT_EXCEEDED, "RequestLimitExceeded",
	ERRCODE_TOO_MANY_CONNECTIONS, 0, 0},
	{KVAM_EX_INTERNAL_SERVER_ERROR, "InternalServerError",
	ERRCODE_INTERNAL_ERROR, 0, 0},
	{KVAM_EX_UNKNOWN_OPERATION, "UnknownOperationException",
	ERRCODE_UNDEFINED_FUNCTION, 0, 0},
	{KVAM_EX_EXPIRED_ITERATOR, "ExpiredIteratorException",
	ERRCODE_INVALID_CURSOR_STATE, 0, 0},
	{KVAM_EX_TRIMMED_DATA_ACCESS, "TrimmedDataAccessException",
	ERRCODE_SNAPSHOT_TOO_OLD, 0, 0},
};

static const KvamExceptionEntry *
entry_for(KvamException ex)
{
	if ((int) ex < 0 || ex >= KVAM_EX__COUNT)
		ex = KVAM_EX_INTERNAL_SERVER_ERROR;
	Assert(exception_table[ex].ex == ex);
	return &exception_table[ex];
}

/*
 * KvamExceptionName returns DynamoDB's name of 'ex'.
 */
const char *
KvamExceptionName(KvamException ex)
{
	return entry_for(ex)->name;
}

/*
 * KvamExceptionSqlstate returns the primary SQLSTATE of 'ex'.
 */
int
KvamExceptionSqlstate(KvamException ex)
{
	return entry_for(ex)->sqlstate;
}

/*
 * KvamExceptionFromSqlstate reverses the table; unknown codes are
 * InternalServerError.
 */
KvamException
KvamExceptionFromSqlstate(int sqlerrcode)
{
	int			i;

	if (sqlerrcode == 0)
		return KVAM_EX_INTERNAL_SERVER_ERROR;
	for (i = 0; i < KVAM_EX__COUNT; i++)
	{
		const KvamExceptionEntry *e = &exception_table[i];

		if (e->sqlstate == sqlerrcode || e->alt1 == sqlerrcode ||
			e->alt2 == sqlerrcode)
			return e->ex;
	}
	return KVAM_EX_INTERNAL_SERVER_ERROR;
}

/* Append 's' (len bytes, arbitrary content) as a JSON string literal. */
static void
append_json_string(StringInfo buf, const char *s, size_t len)
{
	size_t		i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				appendBinaryStringInfo(buf, "\\\"", 2);
				break;
			case '\\':
				appendBinaryStringInfo(buf, "\\\\", 2);
				break;
			case '\n':
				appendBinaryStringInfo(buf, "\\n", 2);
				break;
			case '\r':
				appendBinaryStringInfo(buf, "\\r", 2);
				break;
			case '\t':
				appendBinaryStringInfo(buf, "\\t", 2);
				break;
			default:
				if (c < 0x20)
					appendStringInfo(buf, "\\u%04x", c);
				else
					appendStringInfoChar(buf, (char) c);
		}
	}
	appendStringInfoChar(buf, '"');
}

/*
 * KvamRaiseFields raises the error; see errors.h.
 */
void
KvamRaiseFields(KvamException ex, int sqlerrcode, const char *json_fields,
				const char *message)
{
	const KvamExceptionEntry *e = entry_for(ex);
	StringInfoData detail;
	int			code = e->sqlstate;

	if (sqlerrcode != 0 &&
		(sqlerrcode == e->alt1 || sqlerrcode == e->alt2))
		code = sqlerrcode;

	initStringInfo(&detail);
	appendStringInfoString(&detail, "{\"__type\":");
	{
		StringInfoData type;

		initStringInfo(&type);
		appendStringInfo(&type, "%s%s",
						 ex == KVAM_EX_ACCESS_DENIED || ex == KVAM_EX_UNKNOWN_OPERATION ?
						 KVAM_COMMON_TYPE_PREFIX : KVAM_ERROR_TYPE_PREFIX, e->name);
		append_json_string(&detail, type.data, type.len);
		pfree(type.data);
	}
	appendStringInfoString(&detail, ",\"message\":");
	append_json_string(&detail, message, strlen(message));
	if (json_fields != NULL && json_fields[0] != '\0')
	{
		appendStringInfoChar(&detail, ',');
		appendStringInfoString(&detail, json_fields);
	}
	appendStringInfoChar(&detail, '}');

	ereport(ERROR,
			errcode(code),
			errmsg_internal("%s", message),
			errdetail_internal("%s", detail.data));
	pg_unreachable();
}

/* format_message: vsprintf into palloc'd memory. */
static char *format_message(const char *fmt, va_list args) pg_attribute_printf(1, 0);

static char *
format_message(const char *fmt, va_list args)
{
	StringInfoData msg;

	initStringInfo(&msg);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&msg, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	return msg.data;
}

/*
 * KvamRaise formats the message and raises with the primary SQLSTATE.
 */
void
KvamRaise(KvamException ex, const char *fmt,...)
{
	va_list		args;
	char	   *msg;

	va_start(args, fmt);
	msg = format_message(fmt, args);
	va_end(args);
	KvamRaiseFields(ex, 0, NULL, msg);
}

/*
 * KvamRaiseCode formats the message and raises with a secondary SQLSTATE.
 */
void
KvamRaiseCode(KvamException ex, int sqlerrcode, const char *fmt,...)
{
	va_list		args;
	char	   *msg;

	va_start(args, fmt);
	msg = format_message(fmt, args);
	va_end(args);
	KvamRaiseFields(ex, sqlerrcode, NULL, msg);
}

#ifndef KVAM_NO_SQL_FUNCTIONS

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(kvam_exceptions);

/*
 * kvam_exceptions is kvam.exceptions(): the exception table as rows
 * (exception, sqlstate, is_primary), for gateways and docs.
 */
Datum
kvam_exceptions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < KVAM_EX__COUNT; i++)
	{
		const KvamExceptionEntry *e = &exception_table[i];
		int			codes[3] = {e->sqlstate, e->alt1, e->alt2};
		int			j;

		for (j = 0; j < 3; j++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			if (codes[j] == 0)
				continue;
			values[0] = CStringGetTextDatum(e->name);
			values[1] = CStringGetTextDatum(unpack_sql_state(codes[j]));
			values[2] = BoolGetDatum(j == 0);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
	}
	return (Datum) 0;
}

#endif							/* KVAM_NO_SQL_FUNCTIONS */
