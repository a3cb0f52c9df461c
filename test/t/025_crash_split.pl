# Copyright (c) kvam contributors
#
# 025_crash_split.pl
#	  Crash safety of partition split and merge (src/lsm/split.c).  A split
#	  and a merge are made to fail (kvam.split_fail_at) at each named point:
#	    flushed  after the old partitions' L0 was flushed,
#	    publish  after the new manifest pages were allocated, before the
#	             one WAL record that switches the map,
#	    retire   after that record, before the old manifest pages are
#	             retired,
#	  once with ERROR followed by "pg_ctl stop -m immediate", once with a
#	  PANIC.  After every restart the kvam tables equal their heap oracles
#	  (the map is the old one or the new one, never a mix), kvam.check()
#	  finds only orphan pages, and none after VACUUM.  Then splits and
#	  merges run while writers write, and the server is stopped immediately
#	  during a split.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my @pairs = qw(a b);

my $node = kvam_node('crash_split', conf => qq{
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
kvam.compaction_run_size = '256kB'
restart_after_crash = on
autovacuum = off
# no automatic splits or merges: the test decides the map
kvam.partition_split_bytes = 0
kvam.partition_merge_bytes = 0
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');
create_pair($node, $db, 'b', 'hash');

sub partitions
{
	my ($t) = @_;
	return $node->safe_psql($db,
		"SELECT string_agg(partition::text, ',' ORDER BY hash_lo) FROM kvam.partitions('$t')");
}

$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 1, 5000, 'load') }));
$node->safe_psql($db,
	dual_ab(sub { q{UPDATE {T} SET item = item || '{"u": 1}' WHERE (item->>'i')::int % 3 = 0} }));
$node->safe_psql($db,
	dual_ab(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 7 = 0} }));
compare_pairs($node, $db, 'after the load', @pairs);

my $round = 0;
for my $op (qw(split merge))
{
	for my $point (qw(flushed publish retire))
	{
		for my $how (qw(error panic))
		{
			$round++;
			# versions in L0, so that the split has something to flush
			$node->safe_psql($db,
				dual_ab(sub { qq{UPDATE {T} SET item = item || '{"r": $round}' WHERE (item->>'i')::int % 5 = $round % 5} }));
			$node->safe_psql($db,
				dual_ab(sub { qq{DELETE FROM {T} WHERE (item->>'i')::int % 11 = $round} }));
			# merges need a split to undo: keep the map above 2 partitions
			$node->safe_psql($db,
				q{SELECT kvam.split_partition('k_a', (SELECT max(partition) FROM kvam.partitions('k_a')))})
			  if $op eq 'merge';
			my $before = partitions('k_a');
			my $fail = $how eq 'panic' ? "$point:panic" : $point;
			my $call = $op eq 'split'
			  ? q{kvam.split_partition('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo LIMIT 1))}
			  : q{kvam.merge_partitions('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo LIMIT 1))};
			my ($ret, $out, $err) = $node->psql($db,
				"SET kvam.split_fail_at = '$fail'; SELECT $call;");
			like($err, qr/failure injected at "$point"|server closed the connection/,
				"$op failed at $point ($how)");
			if ($how eq 'error')
			{
				# make the failed call's WAL durable (a commit that wrote
				# nothing else would be asynchronous)
				$node->safe_psql($db, 'SELECT pg_switch_wal()');
				$node->stop('immediate');
				$node->start;
			}
			else
			{
				wait_up($node, $db);
			}
			my $after = partitions('k_a');
			if ($point eq 'retire' && $how eq 'error')
			{
				isnt($after, $before, "$op at $point: the new map survived ($after)");
			}
			elsif ($point eq 'retire')
			{
				# a PANIC may come before the map edit reached the disk
				ok(1, "$op at $point ($how): map $after");
			}
			else
			{
				is($after, $before, "$op at $point: the old map survived");
			}
			check_after_crash($node, $db, "$op crash at $point ($how)", @pairs);
		}
	}
}

# Splits and merges while a writer writes; then an immediate stop during a
# split of a partition with a lot of L0 to flush.
{
	my $w = $node->background_psql($db, on_error_stop => 0);
	$w->query_safe('SET kvam.autoadmin = off');
	for my $i (1 .. 6)
	{
		$w->query_until(qr/sent$i/,
			"\\echo sent$i\n"
			  . dual_ab(sub { insert_rows($_[0], 10000 * $i, 10000 * $i + 999, "w$i") }));
		my $sql = $i % 2
		  ? q{SELECT kvam.split_partition('k_b', (SELECT max(partition) FROM kvam.partitions('k_b')))}
		  : q{SELECT kvam.merge_partitions('k_b', (SELECT partition FROM kvam.partitions('k_b') ORDER BY hash_lo LIMIT 1))};
		$node->safe_psql($db, $sql);
		$w->query_safe('SELECT 1');
	}
	$w->quit;
	compare_pairs($node, $db, 'splits and merges under a writer', @pairs);
	is(check_ab($node, $db), '0|0', 'kvam.check clean after splits and merges under a writer')
	  or diag($node->safe_psql($db,
		q{SELECT * FROM kvam.check('k_a') UNION ALL SELECT * FROM kvam.check('k_b')}));
}
$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 200001, 230000, 'big') }));
{
	my $bg = $node->background_psql($db, on_error_stop => 0);
	$bg->query_until(qr/splitting/,
		"\\echo splitting\nSELECT kvam.split_partition('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo LIMIT 1));\n");
	usleep(20_000);
	$node->stop('immediate');
	eval { $bg->quit; };
	$node->start;
	check_after_crash($node, $db, 'stop during kvam.split_partition()', @pairs);
}
is($node->safe_psql($db,
	q{SELECT kvam.split_partition('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo LIMIT 1)) ? 'children'}),
	't', 'a split works after the crashes');
compare_pairs($node, $db, 'final', @pairs);
is(check_ab($node, $db), '0|0', 'final kvam.check');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
