-- The DynamoDB Streams read API: ListStreams, DescribeStream,
-- GetShardIterator (every iterator type), GetRecords (Limit, paging,
-- NextShardIterator), the stream slot's lifecycle, trimming and expiry.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;
SET kvam.default_partitions = 2;

-- what changes from run to run
CREATE FUNCTION st_mask(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
		regexp_replace(j::text,
		'"eventID": "[0-9a-f]{32}"', '"eventID": "*"', 'g'),
		'"(SequenceNumber|StartingSequenceNumber|EndingSequenceNumber)": "[0-9]{30}"', '"\1": "*"', 'g'),
		'"ApproximateCreationDateTime": [0-9]+', '"ApproximateCreationDateTime": "*"', 'g'),
		'"(ShardIterator|NextShardIterator)": "[^"]*"', '"\1": "*"', 'g'),
		'"CreationRequestDateTime": [0-9.]+', '"CreationRequestDateTime": "*"', 'g'),
		'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}', '<label>', 'g')::jsonb
$$;
-- is there a stream slot exactly when some stream of the database is enabled?
CREATE FUNCTION st_slot_ok() RETURNS bool LANGUAGE sql AS $$
	SELECT (SELECT count(*) FROM pg_replication_slots
	        WHERE slot_name = 'kvam_streams_' || (SELECT oid FROM pg_database
	                                             WHERE datname = current_database()))
	     = (SELECT least(count(*), 1) FROM kvam.tables WHERE stream_enabled)
$$;
-- every record of a stream, all shards, from TRIM_HORIZON, in order
CREATE FUNCTION st_all(arn text) RETURNS SETOF jsonb LANGUAGE sql AS $$
	SELECT r FROM jsonb_array_elements(kvam.describe_stream(jsonb_build_object('StreamArn', arn))
	                                   -> 'StreamDescription' -> 'Shards') s,
	     LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator',
	         kvam.get_shard_iterator(jsonb_build_object('StreamArn', arn,
	             'ShardId', s ->> 'ShardId', 'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator'))
	         -> 'Records') r
	ORDER BY r -> 'dynamodb' ->> 'SequenceNumber'
$$;
-- an operation's error, SQLSTATE and message (labels masked)
CREATE FUNCTION st_err(op text, req jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kvam.execute(op, req);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM,
		'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}', '<label>', 'g');
END $$;
-- an iterator of one shard
CREATE FUNCTION st_iter(arn text, shard int, type text, seq text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
	SELECT kvam.get_shard_iterator(jsonb_strip_nulls(jsonb_build_object('StreamArn', arn,
	    'ShardId', kvam.describe_stream(jsonb_build_object('StreamArn', arn))
	               -> 'StreamDescription' -> 'Shards' -> shard ->> 'ShardId',
	    'ShardIteratorType', type, 'SequenceNumber', seq))) ->> 'ShardIterator'
$$;

SELECT kvam.create_table('{"TableName":"st_orders",
  "KeySchema":[{"AttributeName":"user","KeyType":"HASH"},{"AttributeName":"order","KeyType":"RANGE"}],
  "AttributeDefinitions":[{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"order","AttributeType":"S"}],
  "BillingMode":"PAY_PER_REQUEST",
  "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}')
  -> 'TableDescription' -> 'StreamSpecification';
-- old images need REPLICA IDENTITY FULL (the control plane sets it, branch apifin)
ALTER TABLE st_orders REPLICA IDENTITY FULL;
SELECT st_slot_ok();

-- ListStreams
SELECT st_mask(kvam.list_streams('{"TableName":"st_orders"}'));
SELECT kvam.list_streams('{"TableName":"st_orders"}') -> 'Streams' -> 0 ->> 'StreamArn' AS arn \gset
SELECT :'arn' = 'arn:aws:dynamodb:' || current_setting('kvam.region') || ':'
       || current_setting('kvam.account_id') || ':table/st_orders/stream/'
       || (SELECT stream_label FROM kvam.tables WHERE table_name = 'st_orders') AS arn_ok;
SELECT set_config('st.arn', :'arn', false) IS NOT NULL AS set;
SELECT kvam.list_streams('{"TableName":"st_nothing"}');
SELECT kvam.execute('ListStreams', '{"Limit":0}');
SELECT kvam.execute('ListStreams', '{"Limit":101}');

-- changes: three puts, an update, a delete, one transaction with two puts
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u1"},"order":{"S":"o1"},"total":{"N":"10"}}}');
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u2"},"order":{"S":"o1"},"total":{"N":"20"}}}');
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u3"},"order":{"S":"o1"},"total":{"N":"30"}}}');
SELECT kvam.update_item('{"TableName":"st_orders","Key":{"user":{"S":"u1"},"order":{"S":"o1"}},
  "UpdateExpression":"SET #t = :t","ExpressionAttributeNames":{"#t":"total"},"ExpressionAttributeValues":{":t":{"N":"11"}}}');
SELECT kvam.delete_item('{"TableName":"st_orders","Key":{"user":{"S":"u2"},"order":{"S":"o1"}}}');
BEGIN;
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u1"},"order":{"S":"o2"}}}');
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u4"},"order":{"S":"o1"}}}');
COMMIT;
-- an aborted write never appears
BEGIN;
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u9"},"order":{"S":"o9"}}}');
ROLLBACK;

-- DescribeStream: one shard per partition, none closed
SELECT st_mask(kvam.describe_stream(jsonb_build_object('StreamArn', :'arn')));
SELECT kvam.describe_stream(jsonb_build_object('StreamArn', :'arn', 'Limit', 1))
       -> 'StreamDescription' ? 'LastEvaluatedShardId' AS paged;
SELECT jsonb_array_length(kvam.describe_stream(jsonb_build_object('StreamArn', :'arn',
         'ExclusiveStartShardId', kvam.describe_stream(jsonb_build_object('StreamArn', :'arn'))
             -> 'StreamDescription' -> 'Shards' -> 0 ->> 'ShardId'))
       -> 'StreamDescription' -> 'Shards') AS rest;

-- GetRecords from TRIM_HORIZON over all shards: every record once, in order
SELECT st_mask(r) FROM st_all(:'arn') r;
-- sequence numbers increase; records of one key stay in one shard
SELECT count(*) AS records, count(DISTINCT r -> 'dynamodb' ->> 'SequenceNumber') AS distinct_seq
FROM st_all(:'arn') r;
SELECT s.i AS shard, r -> 'dynamodb' -> 'Keys' -> 'user' ->> 'S' AS user_key, count(*)
FROM generate_series(0, 1) s(i),
     LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator',
         st_iter(:'arn', s.i, 'TRIM_HORIZON'))) -> 'Records') r
GROUP BY 1, 2 ORDER BY 2, 1;

-- Limit and NextShardIterator: page through shard 0 one record at a time
CREATE TEMP TABLE pages (n int, resp jsonb);
DO $$
DECLARE
	it text := st_iter(current_setting('st.arn'), 0, 'TRIM_HORIZON');
	resp jsonb;
	n int := 0;
BEGIN
	LOOP
		resp := kvam.get_records(jsonb_build_object('ShardIterator', it, 'Limit', 1));
		INSERT INTO pages VALUES (n, resp);
		EXIT WHEN jsonb_array_length(resp -> 'Records') = 0 OR n > 20;
		it := resp ->> 'NextShardIterator';
		n := n + 1;
	END LOOP;
END $$;
SELECT (SELECT count(*) FROM pages WHERE jsonb_array_length(resp -> 'Records') = 1)
     = (SELECT count(*) FROM jsonb_array_elements(kvam.get_records(jsonb_build_object(
          'ShardIterator', st_iter(:'arn', 0, 'TRIM_HORIZON'))) -> 'Records')) AS paged_all,
       bool_and(resp ? 'NextShardIterator') AS open_shard_has_next
FROM pages;

-- AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER
SELECT kvam.get_records(jsonb_build_object('ShardIterator', st_iter(:'arn', 0, 'TRIM_HORIZON'),
       'Limit', 2)) -> 'Records' AS two \gset
SELECT (:'two'::jsonb -> 0 -> 'dynamodb' ->> 'SequenceNumber') AS seq0,
       (:'two'::jsonb -> 1 -> 'dynamodb' ->> 'SequenceNumber') AS seq1 \gset
SELECT kvam.get_records(jsonb_build_object('ShardIterator', st_iter(:'arn', 0, 'AT_SEQUENCE_NUMBER', :'seq0'),
       'Limit', 1)) -> 'Records' -> 0 -> 'dynamodb' ->> 'SequenceNumber' = :'seq0' AS at_ok;
SELECT kvam.get_records(jsonb_build_object('ShardIterator', st_iter(:'arn', 0, 'AFTER_SEQUENCE_NUMBER', :'seq0'),
       'Limit', 1)) -> 'Records' -> 0 -> 'dynamodb' ->> 'SequenceNumber' = :'seq1' AS after_ok;

-- LATEST: only what is written after the iterator was made
CREATE TEMP TABLE latest AS
SELECT i, st_iter(:'arn', i, 'LATEST') AS it FROM generate_series(0, 1) i;
SELECT count(*) AS before_write
FROM latest, LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator', it)) -> 'Records');
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u5"},"order":{"S":"o1"},"new":{"BOOL":true}}}');
SELECT st_mask(r)
FROM latest, LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator', it)) -> 'Records') r;

-- kvam.execute knows the operations
SELECT st_mask(kvam.execute('ListStreams', '{"TableName":"st_orders"}'::jsonb));
SELECT kvam.execute('GetShardIterator', jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'LATEST')) ? 'ShardIterator' AS ok;

-- validation and not-found errors
\set VERBOSITY terse
SELECT kvam.describe_stream('{}');
SELECT kvam.describe_stream('{"StreamArn":"arn:aws:dynamodb:local:000000000000:table/nope/stream/2026-01-01T00:00:00.000"}');
SELECT kvam.describe_stream(jsonb_build_object('StreamArn', :'arn', 'Limit', 0));
SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'OLDEST'));
SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'AT_SEQUENCE_NUMBER'));
SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'LATEST',
       'SequenceNumber', '000000000000000000000000000001'));
SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'AT_SEQUENCE_NUMBER',
       'SequenceNumber', '1234567890abcdefghijkl'));
SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', :'arn',
       'ShardId', 'shardId-00000000000000000000-00000099', 'ShardIteratorType', 'LATEST'));
SELECT kvam.get_records('{}');
SELECT kvam.get_records('{"ShardIterator":"bm90IGFuIGl0ZXJhdG9y"}');
SELECT kvam.get_records(jsonb_build_object('ShardIterator', st_iter(:'arn', 0, 'LATEST'), 'Limit', 0));
SELECT kvam.get_records(jsonb_build_object('ShardIterator', st_iter(:'arn', 0, 'LATEST'), 'Limit', 1001));

-- only users who may read the table may read its stream
CREATE ROLE st_nobody;
SET ROLE st_nobody;
SELECT st_err('DescribeStream', jsonb_build_object('StreamArn', :'arn'));
RESET ROLE;

-- an iterator expires (kvam.stream_iterator_lifetime, 15 minutes by default)
SELECT st_iter(:'arn', 0, 'TRIM_HORIZON') AS old_it \gset
SET kvam.stream_iterator_lifetime = 0;
SELECT st_err('GetRecords', jsonb_build_object('ShardIterator', :'old_it'));
RESET kvam.stream_iterator_lifetime;

-- disabling: the stream stays readable, DISABLED, its shards closed; a
-- closed shard read to its end has no NextShardIterator
SELECT st_iter(:'arn', 0, 'TRIM_HORIZON') AS it0 \gset
SELECT kvam.update_table('{"TableName":"st_orders","StreamSpecification":{"StreamEnabled":false}}')
       -> 'TableDescription' ->> 'TableStatus';
SELECT st_slot_ok();
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u6"},"order":{"S":"o1"}}}');
SELECT st_mask(kvam.describe_stream(jsonb_build_object('StreamArn', :'arn'))) -> 'StreamDescription'
       -> 'StreamStatus' AS status,
       st_mask(kvam.describe_stream(jsonb_build_object('StreamArn', :'arn'))) -> 'StreamDescription'
       -> 'Shards' -> 0 -> 'SequenceNumberRange' AS range;
SELECT count(*) AS records_after_disable FROM st_all(:'arn');
SELECT kvam.get_records(jsonb_build_object('ShardIterator', :'it0')) ? 'NextShardIterator' AS has_next;

-- enabling again: a new stream (new label, new ARN), records from then on
SELECT pg_sleep(0.01);
SELECT kvam.update_table('{"TableName":"st_orders","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}')
       -> 'TableDescription' -> 'StreamSpecification' -> 'StreamViewType';
SELECT st_slot_ok();
SELECT kvam.list_streams('{"TableName":"st_orders"}') -> 'Streams' -> 0 ->> 'StreamArn' AS arn2 \gset
SELECT :'arn2' <> :'arn' AS new_arn;
SELECT st_err('DescribeStream', jsonb_build_object('StreamArn', :'arn'));
SELECT kvam.put_item('{"TableName":"st_orders","Item":{"user":{"S":"u7"},"order":{"S":"o1"},"x":{"N":"1"}}}');
SELECT st_mask(r) FROM st_all(:'arn2') r;

-- trimming (kvam.stream_retention, 24 hours by default): records older
-- than retention are gone; reading there is TrimmedDataAccessException,
-- in the shards that lost records
SELECT st_iter(:'arn2', 0, 'TRIM_HORIZON') AS th0, st_iter(:'arn2', 1, 'TRIM_HORIZON') AS th1 \gset
SELECT r -> 'dynamodb' ->> 'SequenceNumber' AS seq7 FROM st_all(:'arn2') r \gset
SET kvam.stream_retention = 0;
SELECT kvam.stream_pump() >= 0 AS pumped;
RESET kvam.stream_retention;
SELECT count(*) AS records_after_trim FROM st_all(:'arn2');
SELECT st_err('GetRecords', jsonb_build_object('ShardIterator', :'th0'));
SELECT st_err('GetRecords', jsonb_build_object('ShardIterator', :'th1'));
-- (trimming is per shard: the shard that held the trimmed record is
-- trimmed, the other one, which had no record, is not)
SELECT i AS shard, st_err('GetShardIterator', jsonb_build_object('StreamArn', :'arn2',
       'ShardId', kvam.describe_stream(jsonb_build_object('StreamArn', :'arn2'))
                  -> 'StreamDescription' -> 'Shards' -> i ->> 'ShardId',
       'ShardIteratorType', 'AT_SEQUENCE_NUMBER', 'SequenceNumber', :'seq7'))
FROM generate_series(0, 1) i;
-- a fresh TRIM_HORIZON iterator starts after the trimmed records
SELECT count(*) AS fresh FROM st_all(:'arn2');

-- deleting the table ends its stream and, with the last stream, the slot
SELECT kvam.delete_table('{"TableName":"st_orders"}') -> 'TableDescription' ->> 'TableStatus';
SELECT st_slot_ok();
SELECT st_err('DescribeStream', jsonb_build_object('StreamArn', :'arn2'));
DROP ROLE st_nobody;
