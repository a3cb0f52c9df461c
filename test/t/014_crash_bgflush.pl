# Copyright (c) kvam contributors
#
# 014_crash_bgflush.pl
#	  Crash ("pg_ctl stop -m immediate") while the auto-admin's worker is
#	  flushing frozen memtables in the background.  kvam.debug_flush_delay
#	  keeps each background flush between writing its run and publishing
#	  it for a while, so the crash lands there; kvam.stat_progress shows
#	  the flush (pid of an auto-admin worker, its phase and counters) until
#	  then.  After every restart the kvam table must equal its heap oracle
#	  (same statements, same transactions) and keep working; at the end a
#	  normal background flush empties L0.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use KvamTAP;

my $db = 'postgres';
my $node = kvam_node('crash_bgflush', conf => q{
kvam.memtable_size = '64kB'
kvam.l0_stall_bytes = '64MB'
kvam.autoadmin_naptime = '100ms'
kvam.debug_flush_delay = '5s'
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');

# Wait until a background flush of k_a is in its window; returns its row
# of kvam.stat_progress joined with pg_stat_activity.
sub wait_for_bgflush
{
	my $deadline = time() + 120;
	while (time() < $deadline)
	{
		my $row = $node->safe_psql($db, q{
			SELECT a.backend_type, p.relation, p.command, p.phase,
			       p.versions_read > 0, p.versions_written > 0, p.bytes_written > 0
			  FROM kvam.stat_progress p JOIN pg_stat_activity a USING (pid)
			 WHERE p.relation = 'k_a'::regclass AND p.phase = 'writing run'
			 LIMIT 1});
		return $row if $row ne '';
		usleep(50_000);
	}
	return '';
}

my $next = 1;
for my $cycle (1 .. 3)
{
	my $from = $next;
	my $to = $next + 9999;
	$next = $to + 1;
	$node->safe_psql($db, dual(insert_rows('text', $from, $to, "c$cycle"), 'a'));
	$node->safe_psql($db,
		dual(qq{UPDATE {T} SET item = item || '{"u": $cycle}'
				WHERE (item->>'i')::int % 7 = $cycle}, 'a'));

	is(wait_for_bgflush(),
		'kvam auto-admin worker|k_a|flush|writing run|t|t|t',
		"cycle $cycle: a worker is flushing k_a in the background");

	$node->stop('immediate');
	$node->start;
	my $n = compare_pair($node, $db, 'a', "cycle $cycle: crash during a background flush");
	is($n, $to, "cycle $cycle: every committed row is back");
}

# Without the delay, the background flushes complete: L0 drains to below
# one memtable per partition without anyone calling kvam.flush().
$node->safe_psql($db, 'ALTER SYSTEM SET kvam.debug_flush_delay = 0');
$node->reload;
$node->safe_psql($db, dual(insert_rows('text', $next, $next + 9999, 'last'), 'a'));
my $drained = $node->poll_query_until($db, q{
	SELECT bool_and(l0_bytes < 2 * 65536) AND sum(flushes) > 0
	  FROM kvam.partitions('k_a')});
ok($drained, 'background flushes drain L0');
compare_pair($node, $db, 'a', 'after the background flushes');
is($node->safe_psql($db, 'SELECT count(*) FROM kvam.stat_progress'), '0',
	'no flush in progress at the end');

$node->stop;
done_testing();
