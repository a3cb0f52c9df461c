# Copyright (c) kvam contributors
#
# KvamCluster.pm
#	  Helpers shared by the three-server TAP tests (test/t/05x_cluster_*):
#	  three kvam nodes a, b, c with the same DynamoDB table, formed into a
#	  cluster by kvam.cluster_create(); waiting until every subscription
#	  has caught up; the set of keys a node holds.
#
# The table is "orders" (hash key "id", S): relation public.orders, whose
# partition key column pk holds the id.

package KvamCluster;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

our @EXPORT = qw(cluster_nodes form_cluster create_orders put_sql
  wait_all_caught_up node_keys cluster_conninfo);

my $db = 'postgres';

# the configuration of a cluster node: logical replication among three
# nodes (two walsenders, two apply workers each, table sync workers)
my $conf = <<'EOF';
kvam.default_partitions = 4
max_worker_processes = 24
max_logical_replication_workers = 8
max_sync_workers_per_subscription = 2
wal_receiver_status_interval = 1s
wal_sender_timeout = 20s
EOF

# cluster_nodes(extra_conf): three started nodes a, b, c
sub cluster_nodes
{
	my ($extra) = @_;
	my @nodes;

	for my $name (qw(a b c))
	{
		my $node = kvam_node($name, allows_streaming => 'logical',
			conf => $conf . ($extra // ''));
		$node->start;
		$node->safe_psql($db, 'CREATE EXTENSION kvam');
		push @nodes, $node;
	}
	return @nodes;
}

sub cluster_conninfo
{
	my ($node) = @_;
	return 'host=' . $node->host . ' port=' . $node->port . " dbname=$db";
}

# create_orders(node): the API table "orders" (hash key id, S)
sub create_orders
{
	my ($node) = @_;
	$node->safe_psql(
		$db, q{SELECT kvam.create_table('{"TableName":"orders",
	  "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
	  "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
	  "BillingMode":"PAY_PER_REQUEST"}')});
}

# put_sql(fn, key, value): a PutItem of key with attribute v through
# kvam.<fn> (execute or execute_routed)
sub put_sql
{
	my ($fn, $key, $v) = @_;
	return qq{SELECT kvam.$fn('PutItem', '{"TableName":"orders","Item":{"id":{"S":"$key"},"v":{"N":"$v"}}}'::jsonb) IS NOT NULL};
}

# form_cluster(nodes...): registers the nodes at the first one, adds
# public.orders and forms the cluster from the first node
sub form_cluster
{
	my @nodes = @_;
	my $first = $nodes[0];

	for my $n (@nodes)
	{
		$first->safe_psql($db,
			    "SELECT kvam.cluster_add_node('"
			  . $n->name . "', '"
			  . cluster_conninfo($n)
			  . "')");
	}
	$first->safe_psql($db, q{SELECT kvam.cluster_add_table('public.orders')});
	return $first->safe_psql($db,
		"SELECT kvam.cluster_create('" . $first->name . "')");
}

# wait_all_caught_up(nodes...): every running subscription among the
# nodes has applied what its publisher had written when this was called
sub wait_all_caught_up
{
	my @nodes = @_;

	for my $src (@nodes)
	{
		for my $dst (@nodes)
		{
			next if $src == $dst;
			$src->wait_for_catchup('kvam_' . $dst->name . '_from_' . $src->name);
		}
	}
}

# node_keys(node): the ids in public.orders at node, as a hash id => v
sub node_keys
{
	my ($node) = @_;
	my %keys;

	for my $line (split /\n/,
		$node->safe_psql($db, q{SELECT pk || ' ' || coalesce(item::jsonb #>> '{v,N}', '') FROM public.orders}))
	{
		my ($k, $v) = split / /, $line;
		$keys{$k} = $v;
	}
	return \%keys;
}

1;
