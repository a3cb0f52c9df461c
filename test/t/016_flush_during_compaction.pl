# Copyright (c) kvam contributors
#
# 016_flush_during_compaction.pl
#	  A memtable frozen and flushed while a background compaction runs is
#	  not part of the compaction's output, so the compaction's publish
#	  must keep the new level-0 run (in front of its output) and leave the
#	  L0 head alone.  (The stop-gap merge that preceded compaction once
#	  dropped such a memtable, losing committed rows.)  Here kvam.flush()
#	  freezes and flushes the active memtable while a worker's compaction
#	  waits between writing and publishing its run
#	  (kvam.debug_flush_delay); afterwards the table must still equal its
#	  heap oracle.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('main',
	conf => join("\n",
		'kvam.default_partitions = 1', 'kvam.compaction_l0_runs = 2',
		"kvam.autoadmin_naptime = '100ms'", "kvam.debug_flush_delay = '2s'", ''));
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'x', 'text');

# The session's own delay stays out of the way: only the worker compacts
# (kvam.flush() leaves compaction to it), and only the worker is slow.
my $session = "SET kvam.debug_flush_delay = 0;\n";
$node->safe_psql($db,
	$session . dual(insert_rows('text', 1, 300, 'a'), 'x') . "SELECT kvam.flush('k_x');");
$node->safe_psql($db,
	$session . dual(insert_rows('text', 301, 600, 'b'), 'x') . "SELECT kvam.flush('k_x');");

# Two level-0 runs: the worker compacts them.
ok( $node->poll_query_until(
		$db, q{SELECT count(*) > 0 FROM kvam.stat_progress
			   WHERE command = 'compact' AND phase = 'publishing run'
			     AND versions_read > 0 AND versions_written > 0
			     AND blocks_written > 0}),
	'a background compaction is running (and reports its counts)');
$node->safe_psql($db,
	$session . dual(insert_rows('text', 601, 900, 'c'), 'x') . "SELECT kvam.flush('k_x');");
compare_pairs($node, $db, 'after a flush during a compaction', 'x');
# The compaction publishes after its delay (a flush does not wait for it).
ok( $node->poll_query_until(
		$db, q{SELECT count(*) = 0 FROM kvam.stat_progress WHERE command = 'compact'}),
	'the background compaction finished');
compare_pairs($node, $db, 'after the compaction published', 'x');
is( $node->safe_psql(
		$db, q{SELECT string_agg(level::text || ':' || versions, ',' ORDER BY run_id) FROM kvam.runs('k_x')}),
	'1:600,0:300',
	'the compacted run and then the run of the memtable flushed during the compaction');
$node->restart;
compare_pairs($node, $db, 'after a restart', 'x');
$node->stop;
done_testing();
