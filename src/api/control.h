/*-------------------------------------------------------------------------
 *
 * control.h
 *	  Helpers shared by the control-plane operations.
 *
 * IDENTIFICATION
 *	  src/api/control.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_CONTROL_H
#define KVAM_API_CONTROL_H

#include "api/catalog.h"
#include "api/request.h"

/*
 * KvamControlTable returns the catalog row of an existing table (its
 * relation exists), else raises ResourceNotFoundException "Requested
 * resource not found: Table: <name> not found".  With 'owner', the
 * caller must own the relation (AccessDeniedException naming 'operation').
 */
extern KvamTableDef *KvamControlTable(const char *name, const char *operation,
									  bool owner);

/* KvamDescribeTableOut writes a TableDescription member. */
extern void KvamDescribeTableOut(KvamOut *o, const char *key,
								 const KvamTableDef *def, const char *status);

/*
 * KvamRequiredTableName returns the request's TableName after DynamoDB's
 * checks of a required table name (ValidationException otherwise).
 */
extern char *KvamRequiredTableName(const JsonbValue *req);

/* KvamOutKeySchema writes a KeySchema member (also DescribeStream's). */
extern void KvamOutKeySchema(KvamOut *o, const KvamTableDef *def);

/* KvamDescMember reads a member of def->description (false: absent). */
extern bool KvamDescMember(const KvamTableDef *def, const char *name, JsonbValue *out);

/* KvamJsonText renders a JSON value as text. */
extern char *KvamJsonText(const JsonbValue *v);

/*
 * KvamDescriptionWith returns def->description with member 'name' set to
 * the JSON text 'json' (NULL removes it).
 */
extern Jsonb *KvamDescriptionWith(const KvamTableDef *def, const char *name,
								  const char *json);

/*
 * KvamRaiseAccessDenied raises DynamoDB's AccessDeniedException for the
 * current role, 'operation' (e.g. "UpdateTable") and 'resource' (an ARN).
 */
extern void KvamRaiseAccessDenied(const char *operation, const char *resource)
			pg_attribute_noreturn();

/*
 * KvamStreamReplicaIdentity makes the replica identity of the table's
 * relation match its stream (src/api/replident.c): FULL when an enabled
 * stream's view type needs old images (OLD_IMAGE, NEW_AND_OLD_IMAGES), the
 * kvam_key index otherwise.  The caller has checked ownership.
 */
extern void KvamStreamReplicaIdentity(const KvamTableDef *def);

#endif							/* KVAM_API_CONTROL_H */
