-- DynamoDB Streams shards follow partition splits: the old partition's
-- shard is closed (EndingSequenceNumber: its last record) and stays listed
-- while it has retained records; the new partitions' shards name it as
-- ParentShardId.  Reading every shard returns every record once, and
-- parents before children gives each item's records in order.  Partitions
-- of a table whose stream is enabled are not merged.
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

-- the items of the split partition change: their records go to the
-- children, after their older records in the parent
SELECT count(*) AS written FROM (SELECT kvam.execute('PutItem', jsonb_build_object('TableName', 'ss_t',
       'Item', jsonb_build_object('k', jsonb_build_object('S', 'a' || g), 'v', jsonb_build_object('N', '1'))))
FROM generate_series(1, 40) g) w;
SELECT kvam.stream_pump() >= 0 AS pumped;
-- a reader that finishes a shard before it reads the shard's children sees
-- every item's records in order: between two consecutive records of an
-- item, the shard stays or becomes a child of the previous one
WITH sh AS (SELECT ('x' || right(id, 8))::bit(32)::int AS part,
                   ('x' || right(parent, 8))::bit(32)::int AS parent
            FROM ss_shards(:'arn')),
     r AS (SELECT shard, lag(shard) OVER (PARTITION BY record::jsonb -> 'dynamodb' -> 'Keys'
                                          ORDER BY seq) AS prev
           FROM kvam.stream_records WHERE relid = 'ss_t'::regclass)
SELECT count(*) FILTER (WHERE prev <> shard) > 0 AS items_changed_shard,
       count(*) FILTER (WHERE prev <> shard AND
                        prev IS DISTINCT FROM (SELECT parent FROM sh WHERE part = r.shard)) AS out_of_order
FROM r;

-- no merge while the stream is enabled: the merged partition's shard could
-- name only one of its two parents, and a reader that finished that one
-- could read the merged shard before the other parent (docs/streams.md);
-- the auto-admin does not merge such tables either
SELECT kvam.merge_partitions('ss_t', (SELECT partition FROM kvam.partitions('ss_t') ORDER BY hash_lo LIMIT 1));
-- with the stream disabled the merge runs; the stream's records stay
-- readable, each once
SELECT kvam.update_table('{"TableName":"ss_t","StreamSpecification":{"StreamEnabled":false}}')
  IS NOT NULL AS disabled;
SELECT kvam.merge_partitions('ss_t', (SELECT partition FROM kvam.partitions('ss_t') ORDER BY hash_lo LIMIT 1)) ? 'partition' AS merged;
SELECT sum(records) AS records FROM ss_read(:'arn');
SELECT count(*) = 120 AS all_records FROM kvam.stream_records
WHERE relid = 'ss_t'::regclass;

SELECT kvam.delete_table('{"TableName":"ss_t"}') -> 'TableDescription' ->> 'TableStatus';
