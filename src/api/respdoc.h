/*-------------------------------------------------------------------------
 *
 * respdoc.h
 *	  Building DynamoDB response documents (jsonb).
 *
 * A thin layer over pushJsonbValue: members are appended in call order
 * (jsonb sorts object keys anyway), items and attribute values are
 * rendered with item/itemjson.h (so a string holding U+0000 raises
 * ERRCODE_UNTRANSLATABLE_CHARACTER, the limit of jsonb).  All memory is
 * palloc'd in the current context; the finished Jsonb does not point into
 * the inputs.
 *
 * IDENTIFICATION
 *	  src/api/respdoc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_API_RESPDOC_H
#define KVAM_API_RESPDOC_H

#include "utils/jsonb.h"

#include "item/attrval.h"

typedef struct KvamResp
{
	JsonbParseState *ps;
} KvamResp;

/* Open and close objects and arrays; 'key' NULL inside arrays. */
extern void KvamRespBeginObject(KvamResp *r, const char *key);
extern void KvamRespEndObject(KvamResp *r);
extern void KvamRespBeginArray(KvamResp *r, const char *key);
extern void KvamRespEndArray(KvamResp *r);

/* Members ('key' NULL for array elements). */
extern void KvamRespItem(KvamResp *r, const char *key, const KvamAttr *item);
extern void KvamRespAttr(KvamResp *r, const char *key, const KvamAttr *value);
extern void KvamRespInt(KvamResp *r, const char *key, int64 v);
extern void KvamRespNumber(KvamResp *r, const char *key, double v);
extern void KvamRespString(KvamResp *r, const char *key, const char *s);
extern void KvamRespJsonb(KvamResp *r, const char *key, Jsonb *jb);

/* KvamRespFinish returns the document (the outermost object is closed). */
extern Jsonb *KvamRespFinish(KvamResp *r);

#endif							/* KVAM_API_RESPDOC_H */
