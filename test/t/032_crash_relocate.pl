# Copyright (c) kvam contributors
#
# 032_crash_relocate.pl
#	  Crash safety of run relocation (src/lsm/relocate.c).  Each round
#	  leaves the runs of k_a at the end of its file (most rows deleted,
#	  kvam.compact), then a VACUUM that would move them down is made to
#	  fail (kvam.relocate_fail_at) at each named point:
#	    publish   a run copied, no manifest edited yet,
#	    retire    the manifests edited, the old extent not yet retired,
#	    truncate  every move done, before the tail is cut,
#	  once with ERROR followed by "pg_ctl stop -m immediate", once with a
#	  PANIC.  After every restart the kvam tables equal their heap oracles,
#	  kvam.check finds at most orphan pages (none after a VACUUM), and that
#	  VACUUM shrinks the file to about its runs.  Last, runs shared by the
#	  descendants of three rounds of splits are moved: every manifest
#	  follows.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my @pairs = qw(a b);

# level 0 is compacted only by kvam.compact: no background compaction
# changes where the runs lie
my $node = crash_node('crash_relocate', q{
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 64
kvam.compaction_run_size = '64kB'
});
$node->safe_psql($db, 'CREATE TABLE flushed (x int)');

sub blocks
{
	my ($t) = @_;
	return $node->safe_psql($db, "SELECT pg_relation_size('$t') / 8192");
}

sub run_blocks
{
	my ($t) = @_;
	return $node->safe_psql($db, "SELECT coalesce(sum(blocks), 0) FROM kvam.runs('$t')");
}

# rows of round r, compacted; then 90 % of them deleted and compacted
# again: the small output lands at the end of the file, above the space
# the first compaction's runs held (not reusable before kvam.compact ends)
sub tail_runs
{
	my ($r, $runsize) = @_;
	my $set = $runsize ? "SET kvam.compaction_run_size = '$runsize';" : '';
	my ($from, $to) = ($r * 100000 + 1, $r * 100000 + 30000);

	$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], $from, $to, "r$r") }));
	$node->safe_psql($db, q{SELECT kvam.compact('k_a'), kvam.compact('k_b')});
	$node->safe_psql($db, 'VACUUM k_a; VACUUM k_b;');
	$node->safe_psql($db,
		dual_ab(sub { qq{DELETE FROM {T} WHERE item->>'tag' = 'r$r' AND (item->>'i')::int % 10 <> 0} }));
	$node->safe_psql($db, qq{$set SELECT kvam.compact('k_a'), kvam.compact('k_b')});
	my $end = $node->safe_psql($db,
		q{SELECT max(head_block + blocks) = pg_relation_size('k_a') / 8192 FROM kvam.runs('k_a')});
	is($end, 't', "round $r: a run ends the file of k_a");
}

my $round = 0;
for my $point (qw(publish retire truncate))
{
	for my $how (qw(error panic))
	{
		$round++;
		tail_runs($round);
		my $before = blocks('k_a');
		my $fail = $how eq 'panic' ? "$point:panic" : $point;
		my $logpos = -s $node->logfile;
		my ($ret, $out, $err) = $node->psql($db,
			"SET kvam.relocate_fail_at = '$fail'; VACUUM k_a;");
		like($err, qr/failure injected at "$point"|server closed the connection/,
			"relocation failed at $point ($how)");
		if ($how eq 'error')
		{
			# a commit that wrote WAL flushes it, the failed VACUUM's
			# too (one that only took an xid would commit asynchronously)
			$node->safe_psql($db, 'INSERT INTO flushed VALUES (1)');
			$node->stop('immediate');
			$node->start;
			my ($problems, $orphans) = split /\|/, check_ab($node, $db);
			ok($point eq 'truncate' ? $orphans == 0 : $orphans > 0,
				"crash at $point: orphan pages as expected ($orphans)")
			  or diag($node->safe_psql($db, q{
				SELECT min(block), max(block), count(*), problem FROM kvam.check('k_a') GROUP BY problem;
				SELECT min(block), max(block), count(*), problem FROM kvam.check('k_b') GROUP BY problem;
				SELECT pg_relation_size('k_a') / 8192, pg_relation_size('k_b') / 8192;
				SELECT * FROM kvam.runs('k_a');
				SELECT * FROM kvam.free_extents('k_a');}));
		}
		else
		{
			# the postmaster may not have noticed the PANIC yet
			$node->wait_for_log(qr/all server processes terminated; reinitializing/, $logpos);
			wait_up($node, $db);
		}
		check_after_crash($node, $db, "crash at $point ($how)", @pairs);
		my ($after, $runs) = (blocks('k_a'), run_blocks('k_a'));
		ok($after < $before && $after <= 2 * $runs + 16,
			"crash at $point ($how): the next VACUUM shrinks k_a ($before -> $after blocks, runs $runs)")
		  or diag($node->safe_psql($db, q{
				SELECT * FROM kvam.runs('k_a');
				SELECT * FROM kvam.free_extents('k_a');}));
	}
}

# A run shared by the descendants of splits moves once, for all of them
# (one run per partition, three rounds of splits: up to 8 manifests in
# one WAL record).
$round++;
tail_runs($round, '64MB');
for my $gen (1 .. 3)
{
	$node->safe_psql($db, q{
		SELECT kvam.split_partition('k_a', partition)
		FROM (SELECT DISTINCT partition FROM kvam.partitions('k_a')) p});
}
my $shared = $node->safe_psql($db, q{
	SELECT max(n) FROM (SELECT count(*) AS n FROM kvam.runs('k_a')
	                    GROUP BY run_id, head_block) s});
ok($shared > 5, "a run is shared by $shared partitions");
my $before = blocks('k_a');
$node->safe_psql($db, 'VACUUM k_a');
my ($after, $runs) = (blocks('k_a'), run_blocks('k_a'));
ok($after < $before, "VACUUM moved shared runs and shrank k_a ($before -> $after blocks)");
is($node->safe_psql($db, q{
	SELECT count(*) FROM (SELECT run_id FROM kvam.runs('k_a')
	                      GROUP BY 1 HAVING count(DISTINCT head_block) > 1) s}),
	'0', 'every reference to a moved run names its new place');
is(check_ab($node, $db), '0|0', 'kvam.check clean after moving shared runs');
compare_pairs($node, $db, 'after moving shared runs', @pairs);
$node->stop('immediate');
$node->start;
compare_pairs($node, $db, 'shared runs moved, after a crash', @pairs);
is(check_ab($node, $db), '0|0', 'kvam.check clean after the crash');

# A cut replayed after the file grew again: VACUUM cuts the file, a writer
# then reserves an L0 chunk at the new end (zero pages whose extension is
# not WAL-logged, only the free map names them), and the server crashes
# before a checkpoint.  Redo replays the cut, then the free map: the file
# must cover what the map names.
$node->safe_psql($db, q{
	CREATE TABLE z (pk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
	CREATE UNIQUE INDEX z_key ON z USING kvam_key (pk);
	INSERT INTO z SELECT 'z' || g, '{}' FROM generate_series(1, 3000) g;
	SELECT kvam.compact('z');});
$node->safe_psql($db, 'VACUUM z');
$node->safe_psql($db, 'CHECKPOINT');
$node->safe_psql($db, q{DELETE FROM z; SELECT kvam.compact('z');});
$node->safe_psql($db, 'VACUUM z');
my $cut = blocks('z');
$node->safe_psql($db, q{INSERT INTO z VALUES ('after', '{}')});
ok(blocks('z') > $cut, "a writer extended the cut file ($cut -> " . blocks('z') . ' blocks)');
$node->stop('immediate');
$node->start;
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('z')}), '0',
	'kvam.check clean after replaying the cut and the extension');
is($node->safe_psql($db, q{SELECT pk FROM z}), 'after', 'the row written after the cut is there');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
