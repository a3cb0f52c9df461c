# Copyright (c) kvam contributors
#
# 050_cluster_setup.pl
#	  A three-server cluster formed from empty (docs/mirroring.md):
#	  node a holds rows before, b and c are empty; kvam.cluster_create()
#	  copies a's rows to b and c (initial sync), spreads the range leaders
#	  over the three nodes and sets W = 2 of N = 3.  Then: writes through
#	  kvam.execute_routed() from any node reach every node; a write or a
#	  strongly consistent read at a non-leader fails with KV001 and the
#	  leader in the JSON detail; eventually consistent reads are served by
#	  followers; kvam.cluster_status() and kvam.cluster_peers() report
#	  roles, epochs and staleness.

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

# rows at a before the cluster exists
$na->safe_psql($db, join(";\n", map { put_sql('execute', "seed$_", $_) } 1 .. 200));

like(form_cluster(@all), qr/cluster of 3 nodes, 12 ranges, initial data from a/,
	'cluster_create formed the cluster with a as the seed');

# the catalog is the same everywhere, each node is itself
for my $n (@all)
{
	is( $n->safe_psql($db,
			q{SELECT string_agg(name || ':' || state || ':' || is_self, ',' ORDER BY node_id) FROM kvam.cluster_nodes}),
		join(',', map { $_->name . ':active:' . ($_ == $n ? 'true' : 'false') } @all),
		$n->name . ': nodes and is_self');
	is( $n->safe_psql($db,
			q{SELECT string_agg(leader || '/' || epoch, ',' ORDER BY range_id) FROM kvam.cluster_ranges}),
		'1/1,2/1,3/1,1/1,2/1,3/1,1/1,2/1,3/1,1/1,2/1,3/1',
		$n->name . ': leaders spread round-robin');
	is($n->safe_psql($db, 'SHOW synchronous_standby_names'),
		'ANY 1 (' . join(', ', map { 'kvam_' . $_->name . '_from_' . $n->name } grep { $_ != $n } @all) . ')',
		$n->name . ': synchronous_standby_names is W = 2 of N = 3');
	is($n->safe_psql($db, 'SELECT count(*) FROM public.orders'),
		'200', $n->name . ': the initial rows are there');
}

# keys by leader: the first keys of each range's leader
my %by_leader;
for my $line (split /\n/, $na->safe_psql($db,
		q{SELECT n.name, x.k FROM (SELECT 'k' || i AS k, i FROM generate_series(1, 300) i) x
		  JOIN kvam.cluster_ranges r ON r.range_id = kvam.cluster_range_of(x.k)
		  JOIN kvam.cluster_nodes n ON n.node_id = r.leader ORDER BY x.i}))
{
	my ($l, $k) = split /\|/, $line;
	push @{ $by_leader{$l} }, $k;
}
ok(@{ $by_leader{$_} } > 20, "keys led by $_") for qw(a b c);

# writes through the routing helper from every node
my $i = 0;
for my $n (@all)
{
	for my $l (qw(a b c))
	{
		my @keys = @{ $by_leader{$l} }[ 0 .. 9 ];
		$n->safe_psql($db, join(";\n", map { put_sql('execute_routed', $_, ++$i) } @keys));
	}
}
wait_all_caught_up(@all);
for my $n (@all)
{
	is($n->safe_psql($db, q{SELECT count(*) FROM public.orders WHERE pk LIKE 'k%'}),
		'30', $n->name . ': every routed write arrived');
}

# redirects at a non-leader: writes (API and SQL) and strong reads
my $bkey = $by_leader{b}[0];
my ($ret, $out, $err) = $na->psql($db,
	"\\set VERBOSITY verbose\n" . put_sql('execute', $bkey, 1));
like($err, qr/KV001/, 'PutItem at a non-leader: KV001');
like($err, qr/DETAIL:  \{"leader": ?"b".*"conninfo"/, 'the detail names the leader and its conninfo');
($ret, $out, $err) = $na->psql($db,
	"\\set VERBOSITY verbose\nINSERT INTO public.orders VALUES ('$by_leader{b}[30]', '{}')");
like($err, qr/KV001/, 'SQL INSERT at a non-leader: KV001');
($ret, $out, $err) = $na->psql($db,
	"\\set VERBOSITY verbose\nSELECT kvam.execute('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$bkey\"}},\"ConsistentRead\":true}'::jsonb)");
like($err, qr/KV001/, 'strongly consistent GetItem at a non-leader: KV001');
is( $na->safe_psql($db,
		"SELECT kvam.execute('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$bkey\"}}}'::jsonb) #>> '{Item,id,S}'"),
	$bkey, 'eventually consistent GetItem at a follower is served locally');
is( $na->safe_psql($db,
		"SELECT kvam.execute_routed('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$bkey\"}},\"ConsistentRead\":true}'::jsonb) #>> '{Item,id,S}'"),
	$bkey, 'strongly consistent GetItem through execute_routed is served by the leader');
is( $nb->safe_psql($db,
		"SELECT kvam.execute('GetItem', '{\"TableName\":\"orders\",\"Key\":{\"id\":{\"S\":\"$bkey\"}},\"ConsistentRead\":true}'::jsonb) #>> '{Item,id,S}'"),
	$bkey, 'strongly consistent GetItem at the leader');

# a routed request has the caller's privileges at the leader: role app
# may write orders at a only
$_->safe_psql($db, 'CREATE ROLE app LOGIN') for @all;
$na->safe_psql($db, 'GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders TO app');
is( $na->safe_psql($db,
		"SET ROLE app;\n" . put_sql('execute_routed', $by_leader{a}[40], 1)),
	't', 'role app writes a key that a leads');
($ret, $out, $err) = $na->psql($db,
	"SET ROLE app;\n" . put_sql('execute_routed', $by_leader{b}[40], 1));
like($err, qr/permission denied|AccessDenied/,
	'forwarded to b, the same request runs as app there and is refused');
like($err, qr/on cluster node/, 'the error says it came from the leader');

# status
is( $na->safe_psql($db,
		q{SELECT string_agg(role, ',' ORDER BY range_id) FROM kvam.cluster_status()}),
	'leader,follower,follower,leader,follower,follower,leader,follower,follower,leader,follower,follower',
	'cluster_status: roles at a');
is( $na->safe_psql($db,
		q{SELECT count(*) FROM kvam.cluster_status() WHERE staleness IS NOT NULL AND staleness < '1 min'}),
	'12', 'cluster_status: a staleness bound for every range');
is( $nb->safe_psql($db,
		q{SELECT string_agg(node || ':' || state || ':' || enabled || ':' || (apply_pid IS NOT NULL) || ':' || array_to_string(leads, ' '), ',') FROM kvam.cluster_peers()}),
	'a:active:true:true:0 3 6 9,c:active:true:true:2 5 8 11', 'cluster_peers at b');

# a table added to the formed cluster (empty, created on every node)
for my $n (@all)
{
	$n->safe_psql($db, q{SELECT kvam.create_table('{"TableName":"items",
	  "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
	  "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
	  "BillingMode":"PAY_PER_REQUEST"}') IS NOT NULL});
}
$nb->safe_psql($db, q{SELECT kvam.cluster_add_table('public.items')});
$nc->safe_psql($db, join(";\n",
	map { qq{SELECT kvam.execute_routed('PutItem', '{"TableName":"items","Item":{"id":{"S":"i$_"}}}'::jsonb)} } 1 .. 30));
wait_all_caught_up(@all);
is(join(',', map { $_->safe_psql($db, 'SELECT count(*) FROM public.items') } @all),
	'30,30,30', 'a table added later is mirrored');
is($na->safe_psql($db, 'SELECT count(*) FROM kvam.cluster_tables'), '2', 'and in every catalog');

# every apply worker ran without an error
for my $n (@all)
{
	ok(!$n->log_contains(qr/exited with exit code|duplicate key|KV002|could not find row/),
		$n->name . ': no replication error in the server log');
}

note('050_cluster_setup: ' . elapsed($t0) . ' s');
done_testing();
