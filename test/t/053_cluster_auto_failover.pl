# Copyright (c) kvam contributors
#
# 053_cluster_auto_failover.pl
#	  The cluster monitor (src/cluster/monitor.c): with
#	  kvam.cluster_auto_failover on, a node that stops answering is failed
#	  over by the lowest surviving node after kvam.cluster_failover_timeout,
#	  and when it comes back it finds itself fenced and rejoins on its own.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use KvamTAP;
use KvamCluster;

my $t0 = time();
my $db = 'postgres';
my ($na, $nb, $nc) = cluster_nodes(<<'EOF2');
kvam.cluster_database = 'postgres'
kvam.cluster_auto_failover = on
kvam.cluster_probe_interval = 200ms
kvam.cluster_failover_timeout = 2s
EOF2
my @all = ($na, $nb, $nc);
create_orders($_) for @all;
form_cluster(@all);
is($na->safe_psql($db, q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'kvam cluster monitor'}),
	'1', 'the monitor runs');

# a key c leads
my $key = $na->safe_psql($db,
	"SELECT k FROM (SELECT 'k' || i AS k FROM generate_series(1, 1000) i) x
	 JOIN kvam.cluster_ranges r ON r.range_id = kvam.cluster_range_of(x.k)
	 WHERE r.leader = 3 LIMIT 1");
$na->safe_psql($db, put_sql('execute_routed', $key, 1));

my $t_kill = time();
$nc->stop('immediate');
my $accepted;
my $deadline = time() + 60;
while (time() < $deadline)
{
	my ($ret) = $na->psql($db, put_sql('execute_routed', $key, 2));
	if ($ret == 0) { $accepted = time(); last; }
	sleep(0.1);
}
ok(defined $accepted, 'a write on a range of the dead node is accepted again');
note(sprintf('automatic failover: kill to first accepted write %.2f s (failover timeout 2 s)',
		$accepted - $t_kill)) if $accepted;
is($na->safe_psql($db, q{SELECT state FROM kvam.cluster_nodes WHERE name = 'c'}),
	'fenced', 'c is fenced');
is($nb->safe_psql($db, q{SELECT count(*) FROM kvam.cluster_ranges WHERE leader = 3}),
	'0', 'b agrees: c leads nothing');

# c comes back and rejoins on its own
$nc->start;
ok( $na->poll_query_until($db, q{SELECT state = 'active' FROM kvam.cluster_nodes WHERE name = 'c'}),
	'c rejoined by itself');
ok($nc->poll_query_until($db, q{SELECT state = 'active' FROM kvam.cluster_nodes WHERE is_self}),
	'c sees itself active');
$na->safe_psql($db, put_sql('execute_routed', "after$_", $_)) for 1 .. 20;
$nc->safe_psql($db, put_sql('execute_routed', "fromc$_", $_)) for 1 .. 20;
wait_all_caught_up(@all);
my $ka = node_keys($na);
is_deeply(node_keys($nb), $ka, 'b holds the same rows as a');
is_deeply(node_keys($nc), $ka, 'c holds the same rows as a');
is($ka->{$key}, '2', 'the write accepted after the failover is everywhere');
ok($nc->log_contains(qr/is fenced by its peers, rejoining/), 'c logged its rejoin');
ok($na->log_contains(qr/node "c" unreachable for 2000 ms, failing it over/), 'a logged the failover');

note('053_cluster_auto_failover: ' . elapsed($t0) . ' s');
done_testing();
