# Copyright (c) kvam contributors
#
# 031_run_bound.pl
#	  The run bound (src/lsm/compact.h): a flush that would leave more than
#	  KVAM_MAX_L0_RUNS (37) level-0 runs compacts first, waiting for a
#	  compaction in progress, instead of letting level 0 grow towards the
#	  manifest's 128-run limit.  Session B holds the partition's
#	  compaction (kvam.debug_flush_delay) while session A, whose inline
#	  compactions then give up (they do not wait), writes enough for far
#	  more than 37 flushes with kvam.compaction_l0_runs = 64; A's flush
#	  must make room itself (its DEBUG1 message says so), A's writes all
#	  succeed, and the table equals its heap oracle and checks clean.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('run_bound',
	conf => join("\n",
		'kvam.default_partitions = 1', "kvam.memtable_size = '64kB'",
		"kvam.compaction_run_size = '64kB'", 'kvam.autoadmin = off',
		'kvam.l0_stop_runs = 120', ''));
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'x', 'numeric');

# some data in levels 1.. and two level-0 runs, so that B's compaction is due
$node->safe_psql($db, "SET kvam.compaction_l0_runs = 64;\n"
	  . dual(insert_rows('numeric', 1, 2000, 'a'), 'x')
	  . "SELECT kvam.compact('k_x');\n"
	  . dual(insert_rows('numeric', 2001, 2100, 'b'), 'x')
	  . "SELECT kvam.flush('k_x');\n"
	  . dual(insert_rows('numeric', 2101, 2200, 'b'), 'x')
	  . "SELECT kvam.flush('k_x');\n");

# B: its flush (nothing to flush: no delay) and then an AUTO compaction
# that waits 15 s between writing and publishing, holding the partition's
# compaction lock
my $b = $node->background_psql($db, on_error_stop => 1);
$b->query_until(qr/started/, q{
SET kvam.compaction_l0_runs = 2;
SET kvam.debug_flush_delay = '15s';
\echo started
SELECT kvam.flush('k_x');
\echo finished
});
ok( $node->poll_query_until(
		$db, q{SELECT count(*) > 0 FROM kvam.stat_progress WHERE command = 'compact'}),
	'B compacts');

# A: far more than 37 flushes of 64 kB
my ($out, $err) = ('', '');
my $rc = $node->psql($db,
	"SET kvam.compaction_l0_runs = 64;\nSET client_min_messages = debug1;\n"
	  . dual(insert_rows('numeric', 3001, 40000, 'c'), 'x'),
	stdout => \$out, stderr => \$err);
is($rc, 0, 'A writes without an error') or diag($err);
unlike($err, qr/would have more than/, 'no run-limit error');
like($err, qr/compacts first to make room/, 'a flush made room first');
$b->query_until(qr/finished/, '');
$b->quit;

my $runs = $node->safe_psql($db, q{SELECT max(runs) FROM kvam.partitions('k_x')});
cmp_ok($runs, '<=', 128, "runs within the limit ($runs)");
compare_pairs($node, $db, 'A and B done', 'x');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_x')}), '0',
	'kvam.check is clean');
$node->stop;
done_testing();
