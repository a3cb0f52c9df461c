-- DynamoDB Streams shards follow partition splits and merges: the old
-- partition's shard is closed (EndingSequenceNumber: its last record) and
-- stays listed while it has retained records; the new partitions' shards
-- name it as ParentShardId.  Reading every shard returns every record once.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 2;

-- the shards of a stream: id, parent, closed (masked ids: index in the list)
CREATE FUNCTION ss_shards(arn text) RETURNS TABLE (n bigint, id text, parent text, closed bool)
LANGUAGE sql AS $$
	SELECT o, s ->> 'ShardId', s ->> 'ParentShardId',
	       s -> 'SequenceNumberRange' ? 'EndingSequenceNumber'
	FROM jsonb_array_elements(kvam.describe_stream(jsonb_build_object('StreamArn', arn))
	                          -> 'StreamDescription' -> 'Shards') WITH ORDINALITY AS x(s, o)
$$;
-- every record of every shard from TRIM_HORIZON, and whether each shard's
-- last page had a next iterator
CREATE FUNCTION ss_read(arn text) RETURNS TABLE (id text, records int, has_next bool)
LANGUAGE sql AS $$
	SELECT s.id, jsonb_array_length(g -> 'Records'), g ? 'NextShardIterator'
	FROM ss_shards(arn) s,
	     LATERAL kvam.get_records(jsonb_build_object('ShardIterator',
	         kvam.get_shard_iterator(jsonb_build_object('StreamArn', arn,
	             'ShardId', s.id, 'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator')) g
$$;

SELECT kvam.create_table('{"TableName":"ss_t",
  "KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],
  "BillingMode":"PAY_PER_REQUEST",
  "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}')
  -> 'TableDescription' -> 'StreamSpecification';
SELECT kvam.describe_table('{"TableName":"ss_t"}') -> 'Table' ->> 'LatestStreamArn' AS arn \gset
SELECT count(*) AS written FROM (SELECT kvam.execute('PutItem', jsonb_build_object('TableName', 'ss_t',
       'Item', jsonb_build_object('k', jsonb_build_object('S', 'a' || g))))
FROM generate_series(1, 40) g) w;
SELECT kvam.stream_pump() >= 0 AS pumped;
SELECT n, parent IS NOT NULL AS has_parent, closed FROM ss_shards(:'arn') ORDER BY n;

-- split the first partition: its shard closes, two child shards open
SELECT kvam.split_partition('ss_t', (SELECT partition FROM kvam.partitions('ss_t') ORDER BY hash_lo LIMIT 1)) ? 'children' AS split;
SELECT count(*) AS written FROM (SELECT kvam.execute('PutItem', jsonb_build_object('TableName', 'ss_t',
       'Item', jsonb_build_object('k', jsonb_build_object('S', 'b' || g))))
FROM generate_series(1, 40) g) w;
SELECT kvam.stream_pump() >= 0 AS pumped;
SELECT n, closed, parent = (SELECT id FROM ss_shards(:'arn') WHERE closed) AS child_of_closed
FROM ss_shards(:'arn') ORDER BY n;
-- every record once; the closed shard read to its end has no next iterator
SELECT sum(records) AS records FROM ss_read(:'arn');
SELECT s.closed, r.has_next FROM ss_read(:'arn') r JOIN ss_shards(:'arn') s USING (id) ORDER BY s.n;

-- merge the two children: they close, the merged shard names the left one
SELECT kvam.merge_partitions('ss_t', (SELECT partition FROM kvam.partitions('ss_t') ORDER BY hash_lo LIMIT 1)) ? 'partition' AS merged;
SELECT count(*) AS written FROM (SELECT kvam.execute('DeleteItem', jsonb_build_object('TableName', 'ss_t',
       'Key', jsonb_build_object('k', jsonb_build_object('S', 'a' || g))))
FROM generate_series(1, 40) g) w;
SELECT kvam.stream_pump() >= 0 AS pumped;
SELECT count(*) AS shards, count(*) FILTER (WHERE closed) AS closed,
       count(*) FILTER (WHERE parent IS NOT NULL) AS with_parent
FROM ss_shards(:'arn');
SELECT sum(records) AS records FROM ss_read(:'arn');
SELECT count(*) = 120 AS all_records FROM kvam.stream_records
WHERE relid = 'ss_t'::regclass;

SELECT kvam.delete_table('{"TableName":"ss_t"}') -> 'TableDescription' ->> 'TableStatus';
