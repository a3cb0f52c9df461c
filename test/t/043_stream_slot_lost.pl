# Copyright (c) kvam contributors
#
# 043_stream_slot_lost.pl
#	  An unread stream does not fill the disk: with max_slot_wal_keep_size
#	  the server invalidates the stream slot instead of keeping WAL.  The
#	  next Streams call warns, re-creates the slot and trims the stream up
#	  to that point: an iterator from before the loss gets
#	  TrimmedDataAccessException (never a silent gap), and records written
#	  after the re-creation are read normally (docs/streams.md, "Retention,
#	  trimming and disk use").

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('slotlost', allows_streaming => 'logical',
	conf => "kvam.default_partitions = 2\nmax_slot_wal_keep_size = 1MB\n");
$node->start;
create_stream_table($node, $db, 'events', 'KEYS_ONLY');
$node->safe_psql($db, q{
	CREATE FUNCTION arn() RETURNS text LANGUAGE sql AS $$
		SELECT kvam.list_streams('{"TableName":"events"}') -> 'Streams' -> 0 ->> 'StreamArn'
	$$;
	CREATE FUNCTION iter(shard int) RETURNS text LANGUAGE sql AS $$
		SELECT kvam.get_shard_iterator(jsonb_build_object('StreamArn', arn(),
		    'ShardId', kvam.describe_stream(jsonb_build_object('StreamArn', arn()))
		               -> 'StreamDescription' -> 'Shards' -> shard ->> 'ShardId',
		    'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator'
	$$;
	CREATE FUNCTION all_records() RETURNS SETOF text LANGUAGE sql AS $$
		SELECT r -> 'dynamodb' -> 'Keys' -> 'p' ->> 'S'
		FROM generate_series(0, 1) s,
		     LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator', iter(s)))
		                                  -> 'Records') r
		ORDER BY r -> 'dynamodb' ->> 'SequenceNumber'
	$$;
	CREATE TABLE filler (x text);
});

sub put
{
	my ($from, $to) = @_;
	$node->safe_psql($db, join '',
		map { qq{SELECT kvam.put_item('{"TableName":"events","Item":{"p":{"S":"k$_"}}}');\n} }
		  ($from .. $to));
}

my $slot = $node->safe_psql($db,
	q{SELECT 'kvam_streams_' || oid FROM pg_database WHERE datname = current_database()});
put(1, 5);
is($node->safe_psql($db, 'SELECT count(*) FROM all_records()'), '5', 'five records read');
my @old = map { $node->safe_psql($db, "SELECT iter($_)") } (0, 1);

# nobody reads while the WAL grows past max_slot_wal_keep_size
put(6, 10);
for (1 .. 4)
{
	$node->safe_psql($db,
		q{INSERT INTO filler SELECT repeat('x', 100) FROM generate_series(1, 1000); SELECT pg_switch_wal()});
}
$node->safe_psql($db, 'CHECKPOINT');
is($node->safe_psql($db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$slot'"),
	'lost', 'the server invalidated the unread stream slot instead of keeping WAL');

# the next Streams call warns and trims; old positions are trimmed
my ($rc, $out, $err) = $node->psql($db,
	"SELECT kvam.get_records(jsonb_build_object('ShardIterator', '$old[0]'))");
like($err, qr/WARNING:  stream slot "$slot" was invalidated/, 'a warning names the lost slot');
like($err, qr/The operation attempted to read past the oldest stream record in a shard/,
	'an iterator from before the loss: TrimmedDataAccessException');
is($node->safe_psql($db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$slot'"),
	'reserved', 'the slot was re-created');

put(11, 12);
is($node->safe_psql($db, q{SELECT string_agg(k, ',' ORDER BY k) FROM all_records() k}),
	'k11,k12', 'records written after the re-creation are read, nothing older');

$node->stop;
done_testing();
