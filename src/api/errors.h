/*-------------------------------------------------------------------------
 *
 * errors.h
 *	  DynamoDB exceptions and the one table that maps them to SQLSTATEs.
 *
 * Every error that the DynamoDB API of kvam can return is raised through
 * KvamRaise() and friends: the SQLSTATE comes from the exception table in
 * errors.c, the primary message is DynamoDB's message text verbatim (it is
 * part of the API contract, so it does not follow PostgreSQL's lower-case
 * message style), and the error detail carries a JSON object
 *
 *	  {"__type":"com.amazonaws.dynamodb.v20120810#<Exception>","message":"..."}
 *
 * (plus any structured fields such as CancellationReasons) from which a
 * gateway can rebuild the exact DynamoDB error response.
 *
 * The mapping is reversible: each SQLSTATE listed in the table belongs to
 * exactly one exception (KvamExceptionFromSqlstate).  An exception may own
 * more than one SQLSTATE (ValidationException also owns 42601 for
 * expression syntax errors and 54000 for oversized items).
 *
 * IDENTIFICATION
 *	  src/api/errors.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_ERRORS_H
#define KVAM_API_ERRORS_H

/*
 * DynamoDB exceptions.  The numbering is internal (never stored); the
 * names and SQLSTATEs are the contract.
 */
typedef enum KvamException
{
	KVAM_EX_VALIDATION = 0,
	KVAM_EX_SERIALIZATION,
	KVAM_EX_CONDITIONAL_CHECK_FAILED,
	KVAM_EX_TRANSACTION_CANCELED,
	KVAM_EX_TRANSACTION_CONFLICT,
	KVAM_EX_RESOURCE_NOT_FOUND,
	KVAM_EX_RESOURCE_IN_USE,
	KVAM_EX_PROVISIONED_THROUGHPUT_EXCEEDED,
	KVAM_EX_ACCESS_DENIED,
	KVAM_EX_LIMIT_EXCEEDED,
	KVAM_EX_IDEMPOTENT_PARAMETER_MISMATCH,
	KVAM_EX_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED,
	KVAM_EX_REQUEST_LIMIT_EXCEEDED,
	KVAM_EX_INTERNAL_SERVER_ERROR,
	KVAM_EX_UNKNOWN_OPERATION,
	KVAM_EX_EXPIRED_ITERATOR,	/* DynamoDB Streams */
	KVAM_EX_TRIMMED_DATA_ACCESS,
	KVAM_EX__COUNT
} KvamException;

/*
 * KvamExceptionName returns DynamoDB's name of 'ex', e.g.
 * "ValidationException".
 */
extern const char *KvamExceptionName(KvamException ex);

/*
 * KvamExceptionSqlstate returns the primary SQLSTATE (MAKE_SQLSTATE form)
 * of 'ex'.
 */
extern int	KvamExceptionSqlstate(KvamException ex);

/*
 * KvamExceptionFromSqlstate maps a SQLSTATE back to its exception.  Codes
 * that are not in the table (errors raised by PostgreSQL itself, such as
 * stack depth or out of memory) map to KVAM_EX_INTERNAL_SERVER_ERROR,
 * except 40001 and 40P01 which map to TransactionConflictException.
 */
extern KvamException KvamExceptionFromSqlstate(int sqlerrcode);

/*
 * KvamRaise raises ERROR with the SQLSTATE of 'ex', the formatted DynamoDB
 * message as primary message and the JSON error document as detail.  Never
 * returns.
 */
extern void KvamRaise(KvamException ex, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();

/*
 * KvamRaiseCode is KvamRaise with one of the exception's secondary
 * SQLSTATEs (for instance ERRCODE_SYNTAX_ERROR for a ValidationException
 * caused by an expression syntax error).  'sqlerrcode' must map back to
 * 'ex' in the table; otherwise the primary code is used.
 */
extern void KvamRaiseCode(KvamException ex, int sqlerrcode, const char *fmt,...)
			pg_attribute_printf(3, 4) pg_attribute_noreturn();

/*
 * KvamRaiseFields raises like KvamRaiseCode with an already formatted
 * message, and appends 'json_fields' (a comma-separated list of JSON
 * members, e.g. "\"CancellationReasons\":[...]"; may be NULL) to the JSON
 * error document.  'sqlerrcode' 0 means the primary code.
 */
extern void KvamRaiseFields(KvamException ex, int sqlerrcode,
							const char *json_fields, const char *message)
			pg_attribute_noreturn();

/* Shorthand for the most common case. */
#define KvamValidationError(...) KvamRaise(KVAM_EX_VALIDATION, __VA_ARGS__)

#endif							/* KVAM_API_ERRORS_H */
