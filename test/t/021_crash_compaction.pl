# Copyright (c) kvam contributors
#
# 021_crash_compaction.pl
#	  Crash safety of compaction and space management.  A compaction is
#	  made to fail (kvam.compaction_fail_at) at each named point:
#	    merge    after its first output run is written,
#	    publish  after all output is written, before the manifest edit,
#	    retire   after the manifest edit, before the inputs are retired,
#	  once with ERROR followed by "pg_ctl stop -m immediate", once with a
#	  PANIC (the postmaster restarts the server itself); and a server is
#	  stopped immediately while a large compaction is running.  Also a
#	  compaction triggered by a flush inside a writer's transaction PANICs.
#	  After every restart the kvam tables equal their heap oracles, and
#	  after a VACUUM (whose sweep returns orphan pages to the free list)
#	  kvam.check() finds nothing; before it, only orphan pages.

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

my $node = crash_node('crash_compact', q{
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
kvam.compaction_run_size = '256kB'
});

$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 1, 6000, 'load') }));
$node->safe_psql($db,
	dual_ab(sub { q{UPDATE {T} SET item = item || '{"u": 1}' WHERE (item->>'i')::int % 3 = 0} }));
$node->safe_psql($db,
	dual_ab(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 7 = 0} }));
compare_pairs($node, $db, 'after the load', @pairs);

my $round = 0;
for my $point (qw(merge publish retire))
{
	for my $how (qw(error panic))
	{
		$round++;
		# new versions, so that the compaction has work to do
		$node->safe_psql($db,
			dual_ab(sub { qq{UPDATE {T} SET item = item || '{"r": $round}' WHERE (item->>'i')::int % 5 = $round % 5} }));
		$node->safe_psql($db,
			dual_ab(sub { qq{DELETE FROM {T} WHERE (item->>'i')::int % 11 = $round} }));
		my $fail = $how eq 'panic' ? "$point:panic" : $point;
		my ($ret, $out, $err) = $node->psql($db,
			"SET kvam.compaction_fail_at = '$fail'; SELECT kvam.compact('k_a');");
		like($err, qr/failure injected at "$point"|server closed the connection/,
			"compaction failed at $point ($how)");
		if ($how eq 'error')
		{
			# a commit makes the failed compaction's WAL durable: its
			# written output survives the crash as orphan pages.  The
			# commit must write WAL itself to be synchronous (a commit of
			# a bare xid is asynchronous: the old txid_current() here let
			# the check see 0 orphans now and then)
			$node->safe_psql($db,
				'CREATE TABLE IF NOT EXISTS flush_wal (i int); INSERT INTO flush_wal VALUES (1)');
			$node->stop('immediate');
			$node->start;
			my ($problems, $orphans) = split /\|/, check_ab($node, $db);
			ok($point eq 'retire' || $orphans > 0,
				"crash at $point: the unpublished output is orphaned ($orphans pages)");
		}
		else
		{
			wait_up($node, $db);
		}
		check_after_crash($node, $db, "crash at $point ($how)", @pairs);
	}
}

# A compaction run inline after a flush, inside a writer's transaction
# (the session's kvam.autoadmin off; an auto-admin worker that compacts
# meanwhile panics the same way): the writer's transaction is lost,
# everything committed before stays.
$node->safe_psql($db, "ALTER SYSTEM SET kvam.compaction_fail_at = 'publish:panic'");
$node->reload;
{
	my ($ret, $out, $err) = $node->psql($db,
		"SET kvam.autoadmin = off;\n"
		  . dual_ab(sub { insert_rows($_[0], 100001, 104000, 'lost') }));
	like($err, qr/server closed the connection|terminating connection/,
		'a flush-triggered compaction panics');
}
wait_up($node, $db);
$node->safe_psql($db, 'ALTER SYSTEM RESET kvam.compaction_fail_at');
$node->reload;
check_after_crash($node, $db, 'crash in a flush-triggered compaction', @pairs);
is($node->safe_psql($db, q{SELECT (SELECT count(*) FROM k_a WHERE item->>'tag' = 'lost') =
	  (SELECT count(*) FROM h_a WHERE item->>'tag' = 'lost')}),
	't', 'the crashed writer left its rows in both tables of a pair or in neither');

# Stopped immediately while a large compaction runs.
$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 200001, 260000, 'big') }));
$node->safe_psql($db,
	dual_ab(sub { q{UPDATE {T} SET item = item || '{"big": 2}' WHERE (item->>'i')::int > 200000} }));
{
	my $bg = $node->background_psql($db, on_error_stop => 0);
	my $before = $node->safe_psql($db, q{SELECT sum(compactions) FROM kvam.partitions('k_a')});
	$bg->query_until(qr/compacting/, "\\echo compacting\nSELECT kvam.compact('k_a');\n");
	my $deadline = time() + 30;
	while (time() < $deadline)
	{
		last if $node->safe_psql($db, q{SELECT sum(compactions) FROM kvam.partitions('k_a')}) > $before;
		usleep(1_000);
	}
	$node->stop('immediate');
	eval { $bg->quit; };
	$node->start;
	check_after_crash($node, $db, 'stop during kvam.compact()', @pairs);
}
is($node->safe_psql($db, q{SELECT kvam.compact('k_a') IS NOT NULL}), 't',
	'compaction works after the crashes');
compare_pairs($node, $db, 'final', @pairs);
is(check_ab($node, $db), '0|0', 'final kvam.check');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
