# Copyright (c) kvam contributors
#
# 041_stream_recvlogical.pl
#	  pg_recvlogical reads the kvam stream plugin across a crash of the
#	  server.  After the crash the slot restarts from its durable confirmed
#	  position (PostgreSQL 15 persists a confirmation only when the slot is
#	  saved for another reason, so records after that position may come
#	  again: at-least-once).  Checked: nothing before the durable position
#	  is sent again, a record sent twice is the same record (same
#	  SequenceNumber, same content: consumers deduplicate on it), every
#	  committed change arrives, the transaction in flight at the crash never
#	  appears, and sequence numbers increase along the deduplicated stream.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('stream', allows_streaming => 'logical',
	conf => "kvam.default_partitions = 4\n");
$node->start;
$node->safe_psql(
	$db, q{
	CREATE EXTENSION kvam;
	CREATE TABLE events (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL,
	                     item kvam.item NOT NULL) USING kvam;
	CREATE UNIQUE INDEX events_key ON events USING kvam_key (pk, sk);
	INSERT INTO kvam.tables (table_name, relid, table_id, hash_key_name, hash_key_type,
	                         range_key_name, range_key_type, stream_enabled,
	                         stream_view_type, stream_label, description)
	VALUES ('Events', 'events'::regclass, gen_random_uuid(), 'p', 'S', 'n', 'N',
	        true, 'NEW_IMAGE', '2026-01-01T00:00:00.000', '{}');
	SELECT 'init' FROM pg_create_logical_replication_slot('st', 'kvam');
});

# batch(name, from, to): one committed transaction per 10 items
sub batch
{
	my ($name, $from, $to) = @_;
	my $sql = '';
	for (my $i = $from; $i <= $to; $i += 10)
	{
		my $j = $i + 9 > $to ? $to : $i + 9;
		$sql .= "INSERT INTO events SELECT '$name', g, '{\"v\":{\"N\":\"1\"}}' FROM generate_series($i, $j) g;\n";
	}
	$node->safe_psql($db, $sql);
}

# read(): what pg_recvlogical delivers up to the current end of WAL
sub read_stream
{
	my $end = $node->safe_psql($db, 'SELECT pg_current_wal_lsn()');
	my $out = $node->pg_recvlogical_upto($db, 'st', $end, $PostgreSQL::Test::Utils::timeout_default);
	return grep { length } split /\n/, $out;
}

sub items
{
	my (@lines) = @_;
	return map { /"Keys":\{"n": \{"N": "(\d+)"\}, "p": \{"S": "(\w+)"\}\}/ ? "$2$1" : "?" } @lines;
}

batch('a', 1, 200);
my @first = read_stream();
is(scalar(@first), 200, 'the first read delivers the first 200 records');
# (a checkpoint does not make a mere confirmation durable in PostgreSQL 15)
$node->safe_psql($db, 'CHECKPOINT');

# a transaction in flight at the crash, and committed ones around it
my $inflight = $node->background_psql($db, on_error_stop => 1);
$inflight->query_safe("BEGIN; INSERT INTO events VALUES ('phantom', 1, '{}')");
batch('b', 1, 150);
$node->stop('immediate');
eval { $inflight->quit; };
$node->start;
batch('c', 1, 50);

# the durable confirmed position, as 20 decimal digits (the first part of
# a SequenceNumber is the commit LSN in that form)
my $confirmed = $node->safe_psql($db,
	q{SELECT lpad(((confirmed_flush_lsn - '0/0')::numeric)::text, 20, '0')
	  FROM pg_replication_slots WHERE slot_name = 'st'});
my @second = read_stream();

sub seqno { return $_[0] =~ /"SequenceNumber":"(\d{30})"/ ? $1 : '' }

is(scalar(grep { substr(seqno($_), 0, 20) lt $confirmed } @second),
	0, 'nothing before the durable confirmed position is sent again');
my (%by_seq, %items, $conflicts);
for my $line (@first, @second)
{
	my $seq = seqno($line);
	$conflicts++ if exists $by_seq{$seq} && $by_seq{$seq} ne $line;
	$by_seq{$seq} = $line;
}
is($conflicts // 0, 0, 'a record sent twice is the same record');
my @records = map { $by_seq{$_} } sort keys %by_seq;
$items{$_}++ for items(@records);
is(scalar(grep { $items{$_} > 1 } keys %items), 0,
	'deduplicated by SequenceNumber, every item appears once');
is(scalar(grep { /^phantom/ } keys %items), 0,
	'the transaction in flight at the crash does not appear');
is(scalar(keys %items), 400, 'every committed item arrived (200 + 150 + 50)');
is(scalar(grep { $_ eq '?' } keys %items), 0, 'every record names its key');

# the stream as delivered, without repeats, is in sequence order
my (@order, %done);
for my $line (@first, @second)
{
	my $seq = seqno($line);
	push @order, $seq unless $done{$seq}++;
}
is_deeply(\@order, [ sort @order ],
	'sequence numbers increase along the stream, across the crash');
ok(!grep({ !/"eventName":"INSERT"/ } @records), 'all records are INSERTs');
note('records re-sent after the crash: ' . (scalar(@first) + scalar(@second) - scalar(@records)));

done_testing();
