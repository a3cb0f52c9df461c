/*-------------------------------------------------------------------------
 *
 * request.h
 *	  Reading DynamoDB request documents and writing responses.
 *
 * A request is a JsonbValue: the root of a jsonb datum (jbvBinary) or the
 * in-memory tree of the text path (KvamJsonTextParse, which carries
 * U+0000).  Accessors raise SerializationException for members of the
 * wrong JSON type, as DynamoDB's deserialiser does before any validation;
 * a member that is JSON null counts as absent.  Constraint violations are
 * collected in a KvamValErrors and raised together in DynamoDB's format
 * ("2 validation errors detected: Value 'x' at 'tableName' failed to
 * satisfy constraint: ...; ...").
 *
 * Responses are written through a KvamOut in one of two modes: JSON text
 * (KvamOutInit), so that items with U+0000 can be returned by
 * kvam.execute(text, text), or jsonb (KvamOutInitJsonb) for the jsonb
 * entry points, which builds the jsonb value directly, without writing
 * and re-parsing text.  Both modes give the same document: jsonb sorts
 * and de-duplicates object keys the same way whether it is parsed or
 * pushed.  In jsonb mode a string holding U+0000 raises 22P05, as the
 * text-then-jsonb_in path did.
 *
 * IDENTIFICATION
 *	  src/api/request.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_REQUEST_H
#define KVAM_API_REQUEST_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "item/attrval.h"

/* ------------------------------ input ------------------------------ */

/* KvamReqMember sets *out to member 'name'; false when absent or null. */
extern bool KvamReqMember(const JsonbValue *obj, const char *name, JsonbValue *out);

/* KvamReqHas: is member 'name' present and not null? */
extern bool KvamReqHas(const JsonbValue *obj, const char *name);

/* Typed members; NULL / false when absent.  Wrong JSON type: Serialization. */
extern char *KvamReqString(const JsonbValue *obj, const char *name);
extern bool KvamReqBool(const JsonbValue *obj, const char *name, bool *out);
extern bool KvamReqInt64(const JsonbValue *obj, const char *name, int64 *out);
/* KvamReqInteger: an Integer member (Limit, Segment, ...), as KvamReqInt64 */
extern bool KvamReqInteger(const JsonbValue *obj, const char *name, int64 *out);
extern bool KvamReqObject(const JsonbValue *obj, const char *name, JsonbValue *out);
/* KvamReqArray returns the elements (count in *n), or NULL when absent. */
extern JsonbValue *KvamReqArray(const JsonbValue *obj, const char *name, int *n);

/* KvamReqIsObject: is 'v' a JSON object? */
extern bool KvamReqIsObject(const JsonbValue *v);

/* KvamReqToJsonb returns 'v' as a jsonb datum. */
extern Jsonb *KvamReqToJsonb(const JsonbValue *v);

/*
 * KvamReqObjectJsonb returns object member 'name' of 'req' as jsonb, or
 * NULL when it is absent (type errors as KvamReqObject).
 */
extern Jsonb *KvamReqObjectJsonb(const JsonbValue *req, const char *name);

/* --------------------------- validation --------------------------- */

typedef struct KvamValErrors
{
	int			n;
	StringInfoData msg;
} KvamValErrors;

extern void KvamValInit(KvamValErrors *e);

/*
 * KvamValAdd records "Value '<value>' at '<path>' failed to satisfy
 * constraint: <constraint>" (value NULL prints "Value null").  DynamoDB
 * reports at most 10.
 */
extern void KvamValAdd(KvamValErrors *e, const char *value, const char *path,
					   const char *constraint);

/* KvamValRaise raises the collected errors as one ValidationException. */
extern void KvamValRaise(KvamValErrors *e);

/*
 * KvamValTableName checks a table name: not null (when 'required'),
 * pattern [a-zA-Z0-9_.-]+, length 3..255.
 */
extern void KvamValTableName(KvamValErrors *e, const char *name, const char *path,
							 bool required);

/*
 * KvamValEnum checks that 'value' (may be NULL: no error) is one of the
 * NULL-terminated 'allowed'; the message lists them as DynamoDB does,
 * in the order given.
 */
extern void KvamValEnum(KvamValErrors *e, const char *value, const char *path,
						const char *const *allowed);

/* ReturnConsumedCapacity */
typedef enum KvamReturnCapacity
{
	KVAM_RCC_NONE,
	KVAM_RCC_TOTAL,
	KVAM_RCC_INDEXES
} KvamReturnCapacity;

/*
 * KvamReqReturnCapacity reads and checks ReturnConsumedCapacity (path
 * "returnConsumedCapacity").
 */
extern KvamReturnCapacity KvamReqReturnCapacity(const JsonbValue *req, KvamValErrors *e);

/* ------------------------------ output ------------------------------ */

#define KVAM_OUT_MAX_DEPTH 16

typedef struct KvamOut
{
	StringInfoData buf;			/* text mode: the document so far */
	int			depth;
	bool		first[KVAM_OUT_MAX_DEPTH];
	/* jsonb mode */
	bool		jsonb;
	bool		in_array[KVAM_OUT_MAX_DEPTH];
	JsonbParseState *ps;
	MemoryContext cxt;			/* where the jsonb value is built */
} KvamOut;

/* KvamOutInit starts a response object as JSON text. */
extern void KvamOutInit(KvamOut *o);

/*
 * KvamOutInitJsonb starts a response object built as jsonb in the current
 * memory context (KvamOutFinishJsonb returns it).
 */
extern void KvamOutInitJsonb(KvamOut *o);

/* KvamOutKey writes '"key":' (or only the separator when key is NULL). */
extern void KvamOutKey(KvamOut *o, const char *key);

/* Open/close an object or array member ('{' / '['). */
extern void KvamOutOpen(KvamOut *o, const char *key, char bracket);
extern void KvamOutClose(KvamOut *o, char bracket);

extern void KvamOutString(KvamOut *o, const char *key, const char *value);
extern void KvamOutBool(KvamOut *o, const char *key, bool value);
extern void KvamOutInt64(KvamOut *o, const char *key, int64 value);
/* KvamOutNumber writes a JSON number given as its text ("1.5"). */
extern void KvamOutNumber(KvamOut *o, const char *key, const char *number);
/* KvamOutRaw writes a JSON value given as text. */
extern void KvamOutRaw(KvamOut *o, const char *key, const char *json);
/* KvamOutItem writes an item (attribute map) in DynamoDB JSON. */
extern void KvamOutItem(KvamOut *o, const char *key, const KvamAttr *item);

/* KvamOutFinish closes the response object and returns its text. */
extern char *KvamOutFinish(KvamOut *o);

/* KvamOutFinishJsonb closes the response object of jsonb mode. */
extern Jsonb *KvamOutFinishJsonb(KvamOut *o);

#endif							/* KVAM_API_REQUEST_H */
