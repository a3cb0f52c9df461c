# Copyright (c) kvam contributors
#
# 013_load_1m.pl
#	  A large load: 1,000,000 items into a kvam table with a small
#	  kvam.memtable_size (1MB), so that every partition flushes many times
#	  and reads merge L0 with many runs; the same rows go into a heap table
#	  (the oracle) in the same transactions.  Loaded with INSERT ... SELECT
#	  in batches and with COPY FROM.  Then, each compared with the oracle
#	  row for row (EXCEPT ALL both ways, counts) and by a sample of point
#	  lookups through the key index: after the load, after updating 10% and
#	  deleting 1% of the items (pseudo-random, deterministic), after
#	  kvam.flush(), and after a crash.
#
# The last comparison follows a crash ("stop -m immediate"), so that crash
# recovery replays the whole load (with make test-walcheck, checking every
# kvam record's page images).  KVAM_LOAD_ITEMS overrides the item count
# (a multiple of 10) for experiments.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';

my $node = kvam_node('load_1m', conf => qq{
kvam.memtable_size = '1MB'
shared_buffers = '256MB'
max_wal_size = '4GB'
checkpoint_timeout = '1h'
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'm', 'text');

my $walcheck = $node->safe_psql($db, 'SHOW wal_consistency_checking');
my $n = $ENV{KVAM_LOAD_ITEMS} || 1_000_000;
my $batch = $n / 10;
note("loading $n items in batches of $batch"
	  . ($walcheck eq '' ? '' : " (wal_consistency_checking = '$walcheck')"));

# The rows: 10007 partition keys, sort keys unique per row.
my $cols = q{'u' || (i % 10007), lpad(i::text, 8, '0'),
	jsonb_build_object('i', i, 'n', i * 7 % 1000, 's', md5(i::text))};

my %timing;

sub timed
{
	my ($what, $code) = @_;
	my $t = time();
	my @r = $code->();
	$timing{$what} += time() - $t;
	return wantarray ? @r : $r[0];
}

sub compare
{
	my ($label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $t = time();
	my $res = $node->safe_psql($db, q{
		SET work_mem = '512MB'; SET enable_indexscan = off; SET enable_bitmapscan = off;
		SELECT (SELECT count(*) FROM (SELECT * FROM k_m EXCEPT ALL SELECT * FROM h_m) x),
		       (SELECT count(*) FROM (SELECT * FROM h_m EXCEPT ALL SELECT * FROM k_m) x),
		       (SELECT count(*) FROM k_m), (SELECT count(*) FROM h_m)});
	my ($kx, $hx, $kc, $hc) = split /\|/, $res;
	is("$kx|$hx|$kc", "0|0|$hc", "$label: kvam table equals the heap oracle ($hc rows)");

	# point lookups through the key index, over the whole key range
	# (deleted and never inserted keys included)
	my $lookups = q{
		SELECT count(x.*), md5(string_agg(x::text, ',' ORDER BY j)) FROM
		generate_series(1, 5000) j
		CROSS JOIN LATERAL (SELECT (j::bigint * 7919) % (N + 1000) + 1 AS i) g
		LEFT JOIN LATERAL (SELECT * FROM T WHERE pk = 'u' || (g.i % 10007)
			AND sk = lpad(g.i::text, 8, '0')) x ON true};
	$lookups =~ s/\bN\b/$n/;
	(my $kq = $lookups) =~ s/\bT\b/k_m/;
	(my $hq = $lookups) =~ s/\bT\b/h_m/;
	my $kl = $node->safe_psql($db, "SET enable_seqscan = off; $kq");
	my $hl = $node->safe_psql($db, "SET enable_seqscan = off; $hq");
	is($kl, $hl, "$label: 5000 point lookups agree with the oracle ("
		  . (split /\|/, $hl)[0] . " hits)");
	$timing{compare} += time() - $t;
	return $hc;
}

sub partitions
{
	return $node->safe_psql($db, q{
		SELECT count(*), sum(runs), min(runs), max(runs), sum(run_versions),
		       sum(l0_versions), sum(flushes)
		FROM kvam.partitions('k_m')});
}

# 1. Load: the first 80% with INSERT ... SELECT in batches, the rest with
# COPY FROM a file.  The checkpoint first lets the final crash recovery
# replay as much of the load as max_wal_size allows (all of it, unless
# wal_consistency_checking inflates the WAL).
$node->safe_psql($db, 'CHECKPOINT');
my $lsn0 = $node->lsn('insert');
my $copy_from = $n * 8 / 10 + 1;
for (my $lo = 1; $lo < $copy_from; $lo += $batch)
{
	my $hi = $lo + $batch - 1;
	timed('load', sub {
		$node->safe_psql($db, qq{
			BEGIN;
			INSERT INTO k_m SELECT $cols FROM generate_series($lo, $hi) i;
			INSERT INTO h_m SELECT $cols FROM generate_series($lo, $hi) i;
			COMMIT;});
	});
}
my $file = $node->basedir . '/load.copy';
$node->safe_psql($db,
	"COPY (SELECT $cols FROM generate_series($copy_from, $n) i) TO '$file'");
timed('load', sub {
	$node->safe_psql($db, qq{
		BEGIN;
		COPY k_m FROM '$file';
		COPY h_m FROM '$file';
		COMMIT;});
});
unlink $file;
note(sprintf('load of %d items into both tables: %.1f s, %s of WAL', $n,
		$timing{load}, $node->safe_psql($db,
			"SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0'))")));

my ($np, $runs, $minruns, $maxruns, $runv, $l0v, $flushes) = split /\|/, partitions();
note("after the load: $np partitions, $runs runs (min $minruns, max $maxruns per partition), "
	  . "$runv versions in runs, $l0v in L0, $flushes flushes");
ok($minruns >= ($n >= 1_000_000 ? 10 : 1), "many runs in every partition (min $minruns)");
ok($maxruns < 128, "below the limit of 128 runs per partition (max $maxruns)");
is($runv + $l0v, $n, 'every item is in L0 or in a run');
is(compare('after the load'), $n, "$n items");

# 2. Update 10% and delete 1% of the items, pseudo-randomly.
timed('update', sub {
	$node->safe_psql($db, q{
		BEGIN;
		UPDATE k_m SET item = item || jsonb_build_object('u', 1, 'n', (item->>'n')::int + 1)
			WHERE abs(hashint4((item->>'i')::int)) % 10 = 0;
		UPDATE h_m SET item = item || jsonb_build_object('u', 1, 'n', (item->>'n')::int + 1)
			WHERE abs(hashint4((item->>'i')::int)) % 10 = 0;
		COMMIT;});
});
timed('delete', sub {
	$node->safe_psql($db, q{
		BEGIN;
		DELETE FROM k_m WHERE abs(hashint4((item->>'i')::int + 1)) % 100 = 0;
		DELETE FROM h_m WHERE abs(hashint4((item->>'i')::int + 1)) % 100 = 0;
		COMMIT;});
});
my $updated = $node->safe_psql($db, q{SELECT count(*) FROM k_m WHERE item ? 'u'});
note(sprintf('updated %d items in %.1f s, deleted in %.1f s',
		$updated, $timing{update}, $timing{delete}));
ok($updated > $n / 11 && $updated < $n / 9, "about 10% updated ($updated)");
my $rows = compare('after updates and deletes');
ok($rows > $n * 0.985 && $rows < $n * 0.995, "about 1% deleted ($rows left)");

# 3. Flush everything, compare, restart, compare.
my $flushed = timed('flush', sub { $node->safe_psql($db, "SELECT kvam.flush('k_m')") });
($np, $runs, $minruns, $maxruns, $runv, $l0v, $flushes) = split /\|/, partitions();
note(sprintf('kvam.flush() wrote %d versions in %.1f s; now %d runs (max %d per partition)',
		$flushed, $timing{flush}, $runs, $maxruns));
is($l0v, '0', 'L0 empty after kvam.flush()');
ok($maxruns < 128, "below the limit of 128 runs per partition (max $maxruns)");
compare('after kvam.flush()');

my $t = time();
$node->stop('immediate');
$node->start;
note('crash recovery took ' . elapsed($t) . ' s: '
	  . join(', ', slurp_file($node->logfile) =~ /(redo (?:starts|done) at \S+)/g));
compare('after crash recovery');

note(sprintf('timings: load %.1f s, update %.1f s, delete %.1f s, flush %.1f s, '
	  . 'comparisons %.1f s; table %s, oracle %s; total %s s',
	  $timing{load}, $timing{update}, $timing{delete}, $timing{flush},
	  $timing{compare},
	  $node->safe_psql($db, "SELECT pg_size_pretty(pg_relation_size('k_m'))"),
	  $node->safe_psql($db, "SELECT pg_size_pretty(pg_relation_size('h_m'))"),
	  elapsed($t0)));

$node->stop;
done_testing();
