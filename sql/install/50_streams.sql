-- ---------------------------------------------------------------------
-- The DynamoDB Streams read API (src/stream, docs/streams.md): the
-- retained store of decoded records and the four operations.
-- ---------------------------------------------------------------------

-- Decoded records, filled from the database's stream slot by the pump
-- (kvam.stream_pump, and every Streams call) and trimmed by retention.
-- Only the API reads and writes it (as this table's owner).
CREATE TABLE kvam.stream_records (
	seq          text COLLATE "C" PRIMARY KEY,  -- SequenceNumber, 30 digits
	relid        oid NOT NULL,                  -- the table
	stream_label text NOT NULL,                 -- StreamLabel when written
	shard        int NOT NULL,                  -- partition id = shard
	commit_time  timestamptz NOT NULL,          -- ApproximateCreationDateTime
	record       text NOT NULL                  -- the Record, DynamoDB JSON
);
CREATE INDEX stream_records_shard ON kvam.stream_records (relid, stream_label, shard, seq);
CREATE INDEX stream_records_time ON kvam.stream_records (commit_time);
COMMENT ON TABLE kvam.stream_records IS 'DynamoDB Streams records kept for the read API (kvam.stream_retention)';

-- One row: how far the slot was pumped (commits before pumped_lsn are
-- stored) and the database-wide trim horizon (records with seq <= horizon
-- are gone from every shard: set when a lost slot was re-created).
CREATE TABLE kvam.stream_state (
	pumped_lsn   pg_lsn NOT NULL,
	horizon      text COLLATE "C" NOT NULL
);
INSERT INTO kvam.stream_state VALUES ('0/0', repeat('0', 30));
COMMENT ON TABLE kvam.stream_state IS 'progress of the stream slot pump and trim horizon of DynamoDB Streams';

-- Per shard: the highest sequence number retention removed from it.  A
-- position below it in that shard is trimmed; other shards are not
-- affected (a quiet shard's reader is never trimmed by another's expiry).
CREATE TABLE kvam.stream_shard_horizons (
	relid        oid NOT NULL,
	stream_label text NOT NULL,
	shard        int NOT NULL,
	horizon      text COLLATE "C" NOT NULL,
	PRIMARY KEY (relid, stream_label, shard)
);

CREATE FUNCTION kvam._stream_shard(relid oid, hash text) RETURNS int
	AS 'MODULE_PATHNAME', 'kvam__stream_shard' LANGUAGE C STRICT STABLE;
REVOKE ALL ON FUNCTION kvam._stream_shard(oid, text) FROM PUBLIC;
CREATE FUNCTION kvam.stream_pump() RETURNS bigint
	AS 'MODULE_PATHNAME', 'kvam_stream_pump' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.stream_pump() IS 'move decoded changes from the stream slot into kvam.stream_records; returns records stored';

CREATE FUNCTION kvam.list_streams(request jsonb DEFAULT '{}') RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.describe_stream(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.get_shard_iterator(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.get_records(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'kvam_api_op' LANGUAGE C STRICT VOLATILE;
