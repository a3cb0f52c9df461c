# Copyright (c) kvam contributors
#
# 026_standby_split.pl
#	  Partition split and merge on a hot standby.  The primary splits and
#	  merges partitions (one XLOG_FPI record of the metapage and manifests
#	  each, wal_consistency_checking = 'kvam') while writing and compacting.
#	  On the standby (hot_standby_feedback on):
#	    - a REPEATABLE READ reader keeps seeing its snapshot across the
#	      splits, merges and compactions;
#	    - a session that read the table before the split (its partition
#	      map cached) answers the same queries as the primary afterwards:
#	      scans, key-index lookups and key ranges;
#	    - the standby's kvam.partitions() shows the primary's map.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';

my $primary = kvam_node('primary', allows_streaming => 1, conf => qq{
wal_consistency_checking = 'kvam'
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
kvam.partition_split_bytes = 0
kvam.partition_merge_bytes = 0
autovacuum = off
wal_keep_size = '1GB'
});
$primary->start;
$primary->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($primary, $db, 'a', 'text');
$primary->safe_psql($db, dual(insert_rows('text', 1, 4000, 'load'), 'a'));
$primary->safe_psql($db, q{SELECT kvam.flush('k_a')});
$primary->backup('b1');

my $standby = kvam_standby($primary, 'standby', 'b1', qq{
hot_standby_feedback = on
wal_receiver_status_interval = '1s'
});
$primary->wait_for_catchup($standby, 'replay');

my $digest = q{SELECT count(*) || ':' || md5(string_agg(pk || '/' || sk || '/' || item::text, ',' ORDER BY pk, sk)) FROM k_a};
my $lookups = q{SET enable_seqscan = off;
  SELECT count(*) || ':' || md5(string_agg(item::text, ',' ORDER BY i))
  FROM generate_series(1, 4000, 7) i,
       LATERAL (SELECT item FROM k_a WHERE pk = 'p' || (i % 97) AND sk = 's' || lpad(i::text, 7, '0')) k};
my $range = q{SET enable_seqscan = off;
  SELECT count(*) || ':' || md5(string_agg(sk, ',' ORDER BY sk DESC))
  FROM k_a WHERE pk = 'p42' AND sk > 's0001000'};
my $map = q{SELECT string_agg(partition || ':' || hash_lo || ':' || coalesce(parent, -1), ',' ORDER BY hash_lo) FROM kvam.partitions('k_a')};

sub same_answers
{
	my ($label, $session) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	for my $q ([ 'scan', $digest ], [ 'key lookups', $lookups ], [ 'key range', $range ])
	{
		my $want = $primary->safe_psql($db, $q->[1]);
		my $got = $session ? $session->query_safe($q->[1]) : $standby->safe_psql($db, $q->[1]);
		is($got, $want, "$label: $q->[0] as on the primary");
	}
}

my $snap = $standby->background_psql($db, on_error_stop => 0);
$snap->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $before = $snap->query_safe($digest);
is($before, $primary->safe_psql($db, $digest), 'standby reader: snapshot taken');
my $cached = $standby->background_psql($db, on_error_stop => 0);
same_answers('before the splits', $cached);
$primary->poll_query_until($db,
	q{SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'standby' AND backend_xmin IS NOT NULL})
  or die 'no feedback from the standby';

for my $round (1 .. 3)
{
	$primary->safe_psql($db,
		dual(qq{UPDATE {T} SET item = item || '{"r": $round}' WHERE (item->>'i')::int % 4 = $round}, 'a'));
	$primary->safe_psql($db,
		q{SELECT kvam.split_partition('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo DESC LIMIT 1))});
	$primary->safe_psql($db,
		dual(qq{DELETE FROM {T} WHERE (item->>'i')::int % 17 = $round}, 'a'));
	$primary->safe_psql($db, dual(insert_rows('text', 10000 * $round, 10000 * $round + 500, "r$round"), 'a'));
	$primary->safe_psql($db, q{SELECT kvam.compact('k_a')}) if $round == 2;
	$primary->wait_for_catchup($standby, 'replay');
	same_answers("after split $round", $cached);
	is($standby->safe_psql($db, $map), $primary->safe_psql($db, $map),
		"after split $round: the standby's partition map is the primary's");
}
$primary->safe_psql($db,
	q{SELECT kvam.merge_partitions('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo DESC OFFSET 1 LIMIT 1))});
$primary->safe_psql($db, dual(q{UPDATE {T} SET item = item || '{"m": 1}' WHERE (item->>'i')::int % 9 = 0}, 'a'));
$primary->safe_psql($db, q{SELECT kvam.compact('k_a')});
$primary->wait_for_catchup($standby, 'replay');
same_answers('after a merge and a compaction', $cached);
same_answers('after a merge, new session', undef);
is($standby->safe_psql($db, $map), $primary->safe_psql($db, $map),
	"after the merge: the standby's partition map is the primary's");

is($snap->query_safe($digest), $before,
	'standby reader: its snapshot unchanged across splits, merge and compactions');
$snap->query_safe('COMMIT');
$snap->quit;
$cached->quit;
compare_pairs($primary, $db, 'primary', 'a');
is($primary->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'primary: kvam.check clean');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
