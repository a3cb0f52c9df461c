-- Internal test functions of the LSM primitives (src/lsm/lsmdebug.c).
-- Names start with '_': not part of kvam's API, may change at any time.

-- enc(v) of one key component: text/varchar (S), numeric (N), bytea (B).
CREATE FUNCTION kvam._key_component(v anyelement) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kvam__key_component' LANGUAGE C STRICT IMMUTABLE;

-- The full encoded key: hash(enc(pk)) | enc(pk) [| enc(sk)]; a null sk
-- means no sort key.  "any" lets pk and sk have different types.
CREATE FUNCTION kvam._key_encode(pk "any") RETURNS bytea
	AS 'MODULE_PATHNAME', 'kvam__key_encode' LANGUAGE C IMMUTABLE;
CREATE FUNCTION kvam._key_encode(pk "any", sk "any") RETURNS bytea
	AS 'MODULE_PATHNAME', 'kvam__key_encode' LANGUAGE C IMMUTABLE;

-- KvamKeyToText of an encoded full key; key types 'S', 'N', 'B'.
CREATE FUNCTION kvam._key_to_text(key bytea, pktype text, sktype text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'kvam__key_to_text' LANGUAGE C IMMUTABLE;

-- Bloom filter in local memory: false negatives and false-positive rate.
CREATE FUNCTION kvam._bloom_selftest(nkeys int, nprobes int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam__bloom_selftest' LANGUAGE C STRICT VOLATILE;

-- Builds a synthetic run in rel's main fork and reads it back.  Appends
-- non-heap pages to rel: use a scratch table that is never scanned.
CREATE FUNCTION kvam._run_selftest(rel regclass, nkeys int, versions_per_key int,
								   keysize int) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam__run_selftest' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION kvam._run_selftest(regclass, int, int, int) FROM PUBLIC;

-- The read checks of _run_selftest on a run it built earlier (head and
-- nblocks as _run_selftest reported them), e.g. after crash recovery.
CREATE FUNCTION kvam._run_verify(rel regclass, head bigint, nblocks bigint,
								 nkeys int, versions_per_key int, keysize int)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam__run_verify' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION kvam._run_verify(regclass, bigint, bigint, int, int, int)
	FROM PUBLIC;
