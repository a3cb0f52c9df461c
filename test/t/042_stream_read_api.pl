# Copyright (c) kvam contributors
#
# 042_stream_read_api.pl
#	  The Streams read API keeps every record exactly once across pumps
#	  that roll back (several in one transaction, and one in a
#	  subtransaction), a crash of the server, and a restart: the retained
#	  store (kvam.stream_records) and the slot position move together
#	  (src/stream/store.c).  After the crash GetRecords from TRIM_HORIZON
#	  over all shards returns each committed put once, in sequence order,
#	  and never the transaction that was in flight.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('streamapi', allows_streaming => 'logical',
	conf => "kvam.default_partitions = 4\n");
$node->start;
create_stream_table($node, $db, 'events', 'NEW_IMAGE');
$node->safe_psql($db, q{
	-- all records of a stream, every shard, from TRIM_HORIZON
	CREATE FUNCTION all_records() RETURNS SETOF text LANGUAGE sql AS $$
		WITH arn AS (SELECT kvam.list_streams('{"TableName":"events"}') -> 'Streams' -> 0 ->> 'StreamArn' AS a)
		SELECT r -> 'dynamodb' -> 'Keys' -> 'p' ->> 'S'
		FROM arn, jsonb_array_elements(kvam.describe_stream(jsonb_build_object('StreamArn', a))
		                               -> 'StreamDescription' -> 'Shards') s,
		     LATERAL jsonb_array_elements(kvam.get_records(jsonb_build_object('ShardIterator',
		         kvam.get_shard_iterator(jsonb_build_object('StreamArn', a, 'ShardId', s ->> 'ShardId',
		             'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator')) -> 'Records') r
		ORDER BY r -> 'dynamodb' ->> 'SequenceNumber'
	$$;
});

sub put
{
	my ($from, $to) = @_;
	my $sql = '';
	$sql .= qq{SELECT kvam.put_item('{"TableName":"events","Item":{"p":{"S":"k$_"}}}');\n}
	  for ($from .. $to);
	$node->safe_psql($db, $sql);
}

put(1, 20);
# pumps that roll back: two in one transaction, one in a subtransaction
$node->safe_psql($db, q{
	BEGIN;
	SELECT count(*) FROM all_records();
	SELECT count(*) FROM all_records();
	ROLLBACK;
	BEGIN;
	SAVEPOINT a;
	SELECT kvam.stream_pump();
	ROLLBACK TO a;
	SELECT count(*) FROM all_records();
	ROLLBACK;
});
put(21, 30);
is($node->safe_psql($db, 'SELECT count(*) FROM all_records()'), '30',
	'30 records after pumps that rolled back');
put(31, 40);

# a transaction in flight at the crash, then the crash
my $inflight = $node->background_psql($db);
$inflight->query_safe(q{BEGIN; SELECT kvam.put_item('{"TableName":"events","Item":{"p":{"S":"ghost"}}}')});
$node->stop('immediate');
$inflight->quit;
$node->start;
put(41, 50);

my @keys = split /\n/, $node->safe_psql($db, 'SELECT * FROM all_records()');
is(scalar(@keys), 50, '50 records after the crash');
is_deeply([ sort @keys ], [ sort map { "k$_" } 1 .. 50 ], 'each committed put exactly once');
ok(!grep({ $_ eq 'ghost' } @keys), 'the transaction in flight never appears');
is($node->safe_psql($db, q{
	SELECT count(*) FROM kvam.stream_records WHERE seq <= (SELECT horizon FROM kvam.stream_state)}),
	'0', 'nothing at or below the horizon');

$node->stop;
done_testing();
