# Copyright (c) kvam contributors
#
# 052_cluster_lagging_follower.pl
#	  A follower cut off from one leader (its subscription disabled) falls
#	  behind on that leader's ranges while writes go on (acknowledged by
#	  the other follower: W = 2 of N = 3), reports an unbounded staleness
#	  for them, still follows the other leader, and catches up once its
#	  subscription runs again.  With both followers cut off a write is
#	  never acknowledged.  A deposed leader's stream is refused (KV002) by
#	  real apply workers, and its rejoin discards what it wrote alone.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;
use KvamCluster;

my $t0 = time();
my $db = 'postgres';
my ($na, $nb, $nc) = cluster_nodes();
my @all = ($na, $nb, $nc);
create_orders($_) for @all;
form_cluster(@all);

# keys led by a and by b
sub keys_led_by
{
	my ($name, $n) = @_;
	return split /\n/, $na->safe_psql($db,
		"SELECT k FROM (SELECT 'k' || i AS k FROM generate_series(1, 2000) i) x
		 JOIN kvam.cluster_ranges r ON r.range_id = kvam.cluster_range_of(x.k)
		 JOIN kvam.cluster_nodes n ON n.node_id = r.leader AND n.name = '$name'
		 ORDER BY 1 LIMIT $n");
}
my @ka = keys_led_by('a', 200);
my @kb = keys_led_by('b', 50);

# c stops following a
$nc->safe_psql($db, 'ALTER SUBSCRIPTION kvam_c_from_a DISABLE');
$nc->poll_query_until($db,
	q{SELECT count(*) = 0 FROM pg_stat_subscription WHERE subname = 'kvam_c_from_a' AND pid IS NOT NULL})
  or die;
is( $nc->safe_psql($db,
		q{SELECT enabled || ':' || (staleness IS NULL) FROM kvam.cluster_peers() WHERE node = 'a'}),
	'false:true', 'c: its subscription from a is off, staleness unbounded');
is( $nc->safe_psql($db,
		q{SELECT count(*) FROM kvam.cluster_status() WHERE leader = 'a' AND staleness IS NULL}),
	'4', "c: a's four ranges have no staleness bound");

# writes at a are still acknowledged (by b)
$na->safe_psql($db, join(";\n", map { put_sql('execute_routed', $_, 1) } @ka));
$nb->safe_psql($db, join(";\n", map { put_sql('execute_routed', $_, 2) } @kb));
$na->wait_for_catchup('kvam_b_from_a');
$nb->wait_for_catchup('kvam_c_from_b');
is($nb->safe_psql($db, 'SELECT count(*) FROM public.orders'), '250', 'b has every write');
is($nc->safe_psql($db, 'SELECT count(*) FROM public.orders'), '50',
	"c has b's writes and none of a's: it lags behind a");
is( $nc->safe_psql($db,
		"SELECT kvam.execute('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$ka[0]\"}}}'::jsonb)"),
	'{}', 'an eventually consistent read at c does not see the write yet');

# c catches up
$nc->safe_psql($db, 'ALTER SUBSCRIPTION kvam_c_from_a ENABLE');
$na->wait_for_catchup('kvam_c_from_a');
is($nc->safe_psql($db, 'SELECT count(*) FROM public.orders'), '250', 'c caught up');
is( $nc->safe_psql($db,
		"SELECT kvam.execute('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$ka[0]\"}}}'::jsonb) #>> '{Item,v,N}'"),
	'1', 'the eventually consistent read at c sees it now');
ok( $nc->poll_query_until($db,
		q{SELECT count(*) = 12 FROM kvam.cluster_status() WHERE staleness IS NOT NULL}),
	'c: every range has a staleness bound again');

# no quorum: b and c both stop following a; a write at a waits for
# synchronous replication and is not acknowledged (a cancelled wait
# reports a warning: the write is committed at a only)
$nb->safe_psql($db, 'ALTER SUBSCRIPTION kvam_b_from_a DISABLE');
$nc->safe_psql($db, 'ALTER SUBSCRIPTION kvam_c_from_a DISABLE');
my $w = $na->background_psql($db, on_error_stop => 0);
$w->query_until(qr/sent/, "\\echo sent\n" . put_sql('execute', $ka[0], 3) . ";\n");
ok( $na->poll_query_until($db,
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'SyncRep'}),
	'without a follower, the write waits for synchronous replication');
$na->safe_psql($db,
	q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'});
$w->quit;
like($w->{stderr}, qr/canceling wait for synchronous replication/,
	'a cancelled wait is reported: the write was not acknowledged');
$nb->safe_psql($db, 'ALTER SUBSCRIPTION kvam_b_from_a ENABLE');
$nc->safe_psql($db, 'ALTER SUBSCRIPTION kvam_c_from_a ENABLE');
wait_all_caught_up(@all);
is($nb->safe_psql($db, "SELECT item::jsonb #>> '{v,N}' FROM public.orders WHERE pk = '$ka[0]'"),
	'3', 'once a follower is back it receives the write');

# A deposed leader's stream is refused (KV002): c is failed over while
# down; back up (not rejoined) it still believes it leads its ranges and,
# with synchronous_commit = local, commits a write of one of them.  If a
# subscription from c runs again (here: enabled by hand), a's apply worker
# refuses c's changes because c is fenced.  The rejoin discards the write.
my $ck = $na->safe_psql($db,
	"SELECT k FROM (SELECT 'old' || i AS k FROM generate_series(1, 1000) i) x
	 JOIN kvam.cluster_ranges r ON r.range_id = kvam.cluster_range_of(x.k)
	 WHERE r.leader = 3 LIMIT 1");
$nc->stop('immediate');
$na->safe_psql($db, "SELECT kvam.cluster_failover('c')");
$nc->start;
$nc->safe_psql($db, "SET synchronous_commit = local;\n" . put_sql('execute', $ck, 9));
$na->safe_psql($db, 'ALTER SUBSCRIPTION kvam_a_from_c ENABLE');
ok($na->wait_for_log(qr/are refused: the node is fenced/), "a's apply worker refuses the fenced node's changes");
is($na->safe_psql($db, "SELECT count(*) FROM public.orders WHERE pk = '$ck'"),
	'0', "the deposed leader's write did not arrive");
$na->safe_psql($db, 'ALTER SUBSCRIPTION kvam_a_from_c DISABLE');
$na->safe_psql($db, "SELECT kvam.cluster_rejoin('c')");
wait_all_caught_up(@all);
is( join(',', map { $_->safe_psql($db, "SELECT count(*) FROM public.orders WHERE pk = '$ck'") } @all),
	'0,0,0', 'after the rejoin no node has it');
is_deeply(node_keys($nc), node_keys($na), 'c holds the same rows as a again');

note('052_cluster_lagging_follower: ' . elapsed($t0) . ' s');
done_testing();
