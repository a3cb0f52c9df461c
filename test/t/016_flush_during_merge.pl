# Copyright (c) kvam contributors
#
# 016_flush_during_merge.pl
#	  A memtable frozen while a background merge runs is not part of the
#	  merged run, so the merge's publish must leave it (and the L0 head)
#	  alone; it is flushed afterwards.  A merge claimed with no frozen
#	  memtable (the level-0 run bound) used to drop a memtable frozen
#	  meanwhile, losing committed rows.  Here kvam.flush() freezes the
#	  active memtable while a worker's merge waits between writing and
#	  publishing its run (kvam.debug_flush_delay); afterwards the table
#	  must still equal its heap oracle.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('main',
	conf => join("\n",
		'kvam.default_partitions = 1', 'kvam.l0_stop_runs = 2',
		"kvam.autoadmin_naptime = '100ms'", "kvam.debug_flush_delay = '2s'", ''));
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'x', 'text');

# The session's own bound and delay stay out of the way: only the worker
# merges, and only the worker's merge is slow.
my $session = "SET kvam.l0_stop_runs = 100; SET kvam.debug_flush_delay = 0;\n";
$node->safe_psql($db,
	$session . dual(insert_rows('text', 1, 300, 'a'), 'x') . "SELECT kvam.flush('k_x');");
$node->safe_psql($db,
	$session . dual(insert_rows('text', 301, 600, 'b'), 'x') . "SELECT kvam.flush('k_x');");

# Two level-0 runs: the worker merges them, without a frozen memtable.
ok( $node->poll_query_until(
		$db, q{SELECT count(*) > 0 FROM kvam.stat_progress WHERE command = 'merge'}),
	'a background merge is running');
$node->safe_psql($db,
	$session . dual(insert_rows('text', 601, 900, 'c'), 'x') . "SELECT kvam.flush('k_x');");
compare_pairs($node, $db, 'after a flush during a merge', 'x');
is( $node->safe_psql(
		$db, q{SELECT string_agg(level::text || ':' || versions, ',' ORDER BY run_id) FROM kvam.runs('k_x')}),
	'1:600,0:300',
	'the merged run and then the run of the memtable frozen during the merge');
$node->restart;
compare_pairs($node, $db, 'after a restart', 'x');
$node->stop;
done_testing();
