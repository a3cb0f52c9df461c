# Copyright (c) kvam contributors
#
# 011_crash_flush.pl
#	  Crash safety around flushes ("pg_ctl stop -m immediate"):
#	  1. right after kvam.flush() returns (with and without a later commit
#	     that makes its WAL durable);
#	  2. in the middle of an explicit kvam.flush() of a large L0;
#	  3. repeatedly, while a procedure loads and updates rows in committed
#	     batches with a small kvam.memtable_size, so that automatic flushes
#	     of committed and of still-running versions happen all the time.
#	  After every restart the kvam tables must equal their heap oracles
#	  (same statements, same transactions), kvam.partitions() must be sane
#	  and the tables must keep working.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my @pairs = qw(a b);    # a: text (pk, sk); b: text partition key only

my $node = kvam_node('crash_flush');
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');
create_pair($node, $db, 'b', 'hash');

# partitions(table): "partitions|with L0|with runs|l0 versions|run versions|flushes"
sub partitions
{
	my ($t) = @_;
	return $node->safe_psql($db, qq{
		SELECT count(*), count(*) FILTER (WHERE l0_versions > 0),
		       count(*) FILTER (WHERE runs > 0), sum(l0_versions),
		       sum(run_versions), sum(flushes)
		FROM kvam.partitions('$t')});
}

sub set_memtable_size
{
	my ($size) = @_;
	$node->safe_psql($db, "ALTER SYSTEM SET kvam.memtable_size = '$size'");
	$node->reload;
}

sub crash_and_restart
{
	my ($label) = @_;
	$node->stop('immediate');
	$node->start;
	return compare_pairs($node, $db, $label, @pairs);
}

#
# 1. Crash right after kvam.flush() returns.
#
set_memtable_size('1GB');
$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 1, 20000, 'one') }));
$node->safe_psql($db,
	dual_ab(sub { q{UPDATE {T} SET item = item || '{"v": 1}' WHERE (item->>'i')::int % 3 = 0} }));
like(partitions('k_a'), qr/^8\|8\|0\|/, 'k_a: L0 data in all 8 partitions, no runs');

# 1a. kvam.flush() writes no commit record of its own; whatever part of it
# reached the disk, nothing may be lost or doubled.
$node->safe_psql($db, "SELECT kvam.flush('k_a'), kvam.flush('k_b')");
crash_and_restart('crash right after kvam.flush()');
my ($np, $l0p, $runp, $l0v, $runv) = split /\|/, partitions('k_a');
is($l0v + $runv, 20000 + 6666, 'k_a: every version is either in L0 or in a run');
note("after crash right after flush: $l0p partitions with L0, $runp with runs");

# 1b. A later commit makes the flush durable: runs everywhere, L0 empty.
$node->safe_psql($db, "SELECT kvam.flush('k_a'), kvam.flush('k_b')");
$node->safe_psql($db, dual_ab(sub { q{UPDATE {T} SET item = item || '{"v": 2}' WHERE (item->>'i')::int = 7} }));
crash_and_restart('crash after a committed flush');
for my $t (qw(k_a k_b))
{
	my ($n, $withl0, $withruns, $l0, $runs) = split /\|/, partitions($t);
	is("$withruns|" . ($runs > 0 ? 'runs' : 'none'), "$n|runs",
		"$t: every partition has runs after a durable flush");
	ok($l0 <= 2, "$t: L0 holds only the versions written after the flush ($l0)");
}

#
# 2. Crash in the middle of an explicit flush of a large L0.
#
$node->safe_psql($db, dual_ab(sub { insert_rows($_[0], 20001, 80000, 'two') }));
$node->safe_psql($db,
	dual_ab(sub { q{UPDATE {T} SET item = item || '{"v": 3}' WHERE (item->>'i')::int % 4 = 1} }));
{
	my $bg = $node->background_psql($db, on_error_stop => 0);
	my $l0_before = (split /\|/, partitions('k_a'))[3];

	$bg->query_until(qr/flushing/, "\\echo flushing\nSELECT kvam.flush('k_a');\n");
	# Crash once the flush has visibly made progress (a partition's L0
	# was published as a run) but before it is done, if we can catch it.
	my $deadline = time() + 30;
	my $state;
	while (time() < $deadline)
	{
		$state = partitions('k_a');
		my ($n, $withl0, $withruns) = split /\|/, $state;
		last if $withl0 < $n;
		usleep(2_000);
	}
	$node->stop('immediate');
	eval { $bg->quit; };
	note("k_a at the crash during kvam.flush(): $state (L0 versions before: $l0_before)");
	$node->start;
	compare_pairs($node, $db, 'crash during kvam.flush()', @pairs);
	my ($n, $withl0, $withruns, $l0, $runs) = split /\|/, partitions('k_a');
	note("k_a after the crash during kvam.flush(): $withl0 partitions with L0, $withruns with runs");
	ok($l0 > 0 || $runs > 0, 'k_a: versions are in L0 or runs');
	is($node->safe_psql($db, "SELECT kvam.flush('k_a') >= 0"), 't',
		'the interrupted flush can be redone');
	is((split /\|/, partitions('k_a'))[3], '0', 'k_a: L0 empty after the flush');
	compare_pairs($node, $db, 'after redoing the flush', @pairs);
}

#
# 3. Repeated crashes while two sessions load in committed batches and
# small memtables make inserts flush automatically.  Every committed batch
# is in both tables of a pair, the batch in flight in neither.
#
$node->safe_psql($db, q{
CREATE PROCEDURE load(lo int, hi int, batch int, rewrite bool) LANGUAGE plpgsql AS $$
DECLARE
	s int;
	j int;
BEGIN
	FOR s IN lo..hi BY batch LOOP
		INSERT INTO k_a SELECT 'p' || (i % 97), 's' || lpad(i::text, 7, '0'),
			jsonb_build_object('i', i, 'tag', 'load', 'pad', repeat('x', i % 90))
			FROM generate_series(s, s + batch - 1) i;
		INSERT INTO h_a SELECT 'p' || (i % 97), 's' || lpad(i::text, 7, '0'),
			jsonb_build_object('i', i, 'tag', 'load', 'pad', repeat('x', i % 90))
			FROM generate_series(s, s + batch - 1) i;
		INSERT INTO k_b SELECT 'h' || i, jsonb_build_object('i', i, 'tag', 'load')
			FROM generate_series(s, s + batch - 1) i;
		INSERT INTO h_b SELECT 'h' || i, jsonb_build_object('i', i, 'tag', 'load')
			FROM generate_series(s, s + batch - 1) i;
		-- rewrite some older rows too (updates and deletes)
		CONTINUE WHEN NOT rewrite;
		UPDATE k_a SET item = item || jsonb_build_object('u', s)
			WHERE pk = 'p' || (s % 97) AND sk >= 's' || lpad((s - 20000)::text, 7, '0');
		UPDATE h_a SET item = item || jsonb_build_object('u', s)
			WHERE pk = 'p' || (s % 97) AND sk >= 's' || lpad((s - 20000)::text, 7, '0');
		FOR j IN s - 3000 .. s - 2990 LOOP
			DELETE FROM k_b WHERE pk = 'h' || j;
			DELETE FROM h_b WHERE pk = 'h' || j;
		END LOOP;
		COMMIT;
	END LOOP;
END $$});

my $from = 100001;
my @sizes = ('64kB', '128kB', '256kB', '64kB');
for my $cycle (1 .. scalar @sizes)
{
	set_memtable_size($sizes[ $cycle - 1 ]);
	my $flushes0 = (split /\|/, partitions('k_a'))[5];
	my $bg = $node->background_psql($db, on_error_stop => 0);
	my $bg2 = $node->background_psql($db, on_error_stop => 0);
	my $to = $from + 400000;

	# two loaders: one also rewrites older rows, the other only inserts
	$bg->query_until(qr/loading/,
		"\\echo loading\nCALL load($from, $from + 199999, 500, true);\n");
	$bg2->query_until(qr/loading/,
		"\\echo loading\nCALL load($from + 200000, $to, 500, false);\n");
	# Let it run until a few automatic flushes happened, varying per cycle.
	my $want = $flushes0 + 4 * $cycle + 2;
	my $deadline = time() + 40;
	my $flushes = $flushes0;
	while (time() < $deadline)
	{
		$flushes = (split /\|/, partitions('k_a'))[5];
		last if $flushes >= $want;
		usleep(20_000);
	}
	usleep(7_000 * $cycle);
	$node->stop('immediate');
	eval { $bg->quit; };
	eval { $bg2->quit; };
	$node->start;

	my $rows = compare_pairs($node, $db, "crash cycle $cycle ($sizes[$cycle - 1])", @pairs);
	my $loaded = $node->safe_psql($db,
		qq{SELECT count(*) FROM k_b WHERE (item->>'i')::int >= $from});
	ok($loaded > 0,
		"cycle $cycle: committed batches survived ($loaded rows of the load)");
	note("cycle $cycle: flushes $flushes0 -> $flushes before the crash; "
		  . "$loaded rows of this load; k_a partitions: " . partitions('k_a'));
	my ($n, $withl0, $withruns, $l0, $runs) = split /\|/, partitions('k_a');
	is($withruns, $n, "cycle $cycle: k_a has runs in every partition");

	# The table still works: unique violation, a point lookup.  The load
	# deletes keys $from + 500 m + (0..10) later on, never $from + 250.
	my $key = 'h' . ($from + 250);
	my ($ret, $out, $err) = $node->psql($db,
		"INSERT INTO k_b VALUES ('$key', '{}')");
	like($err, qr/duplicate key value/, "cycle $cycle: unique violation on a loaded key");
	is($node->safe_psql($db, "SELECT count(*) FROM k_b WHERE pk = '$key'"),
		'1', "cycle $cycle: point lookup of a loaded key");
	$from = $to + 1;
}

# Final flush, another crash, a clean restart.
$node->safe_psql($db, "SELECT kvam.flush('k_a'), kvam.flush('k_b')");
is((split /\|/, partitions('k_a'))[3], '0', 'k_a: L0 empty after the final flush');
crash_and_restart('crash after the final flush');
$node->restart;
my $final = compare_pairs($node, $db, 'after a clean restart', @pairs);
note("k_a: " . partitions('k_a') . "; k_b: " . partitions('k_b'));
note("rows at the end: $final; elapsed " . elapsed($t0) . " s");

$node->stop;
done_testing();
