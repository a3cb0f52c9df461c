/*-------------------------------------------------------------------------
 *
 * reqparam.h
 *	  Reading members of a DynamoDB request document (jsonb).
 *
 * A request is a jsonb object; its members are read with these helpers,
 * which treat a JSON null like an absent member (as DynamoDB's
 * deserialiser does) and raise DynamoDB's SerializationException when a
 * member has the wrong JSON type.  Values returned point into the request
 * (jbvBinary containers for objects and arrays) and live as long as it.
 *
 * IDENTIFICATION
 *	  src/api/reqparam.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_REQPARAM_H
#define KVAM_API_REQPARAM_H

#include "utils/jsonb.h"

/*
 * KvamReqMember returns member 'name' of the object 'obj' (a jbvBinary
 * object container) in *out; false when absent or JSON null.
 */
extern bool KvamReqMember(const JsonbValue *obj, const char *name, JsonbValue *out);

/* KvamReqHas: is the member present and not null? */
extern bool KvamReqHas(const JsonbValue *obj, const char *name);

/*
 * Typed getters: false when absent; SerializationException when present
 * with the wrong JSON type.  Strings are palloc'd and NUL-terminated
 * (*len gets the length when 'len' is not NULL).
 */
extern bool KvamReqString(const JsonbValue *obj, const char *name, char **s, int *len);
extern bool KvamReqBool(const JsonbValue *obj, const char *name, bool *b);
extern bool KvamReqInt(const JsonbValue *obj, const char *name, int64 *i);
extern bool KvamReqObject(const JsonbValue *obj, const char *name, JsonbValue *out);
extern bool KvamReqArray(const JsonbValue *obj, const char *name, JsonbValue *out);

/* KvamReqIsObject / KvamReqIsArray test a value's JSON type. */
extern bool KvamReqIsObject(const JsonbValue *v);
extern bool KvamReqIsArray(const JsonbValue *v);

/*
 * KvamReqTableName returns the request's TableName, validated as DynamoDB
 * validates it (present, 3 to 255 characters of [a-zA-Z0-9_.-]).
 */
extern char *KvamReqTableName(const JsonbValue *req);

/* KvamReqRoot: the root of a request; SerializationException unless an object. */
extern void KvamReqRoot(Jsonb *req, JsonbValue *out);

/* KvamReqToJsonb turns a value into a jsonb datum (copy). */
extern Jsonb *KvamReqToJsonb(const JsonbValue *v);

#endif							/* KVAM_API_REQPARAM_H */
