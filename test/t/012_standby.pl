# Copyright (c) kvam contributors
#
# 012_standby.pl
#	  A streaming hot standby of a primary writing kvam tables returns the
#	  same answers as the primary: full scans (in scan order and ordered by
#	  key), point lookups through the kvam_key index and counts, while the
#	  primary inserts, updates, deletes, changes keys, flushes (explicitly
#	  and automatically), truncates, and rolls back; the standby is read
#	  between the batches so that its memtables must follow the primary's
#	  L0 through flushes and truncations.  The primary runs with
#	  wal_consistency_checking = 'kvam', so the standby compares every kvam
#	  record's page images with the primary's (a mismatch is a FATAL
#	  "inconsistent page" in the startup process).  Finally the standby is
#	  promoted and must accept writes.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my %kind = (a => 'text', n => 'numeric', y => 'bytea', b => 'hash');
my @pairs = sort keys %kind;

my $primary = kvam_node('primary', allows_streaming => 'logical',
	conf => "wal_consistency_checking = 'kvam'\nkvam.default_partitions = 4\n");
$primary->start;
$primary->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($primary, $db, $_, $kind{$_}) for @pairs;

# a slot keeps the WAL the standby needs after its own crash (5c)
$primary->safe_psql($db, "SELECT pg_create_physical_replication_slot('standby')");
$primary->backup('b1');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b1', has_streaming => 1);
# Compaction purges versions (and reuses pages) that no snapshot of the
# primary needs; the standby's readers keep theirs through feedback
# (without it they would be cancelled by snapshot conflicts, see
# 022_standby_purge.pl).
$standby->append_conf('postgresql.conf',
	"primary_slot_name = 'standby'\nhot_standby_feedback = on\n");
$standby->start;

sub sql_all
{
	my ($gen) = @_;
	return join('', map { dual($gen->($kind{$_}), $_) } @pairs);
}

# The answers compared between the nodes, one line per query.
sub answers
{
	my ($node) = @_;
	my @q;

	for my $t (@pairs)
	{
		my $key = $kind{$t} eq 'hash' ? 'pk' : 'pk, sk';
		push @q,
		  # scan order (hash order), not only the set of rows
		  qq{SELECT '$t scan', count(*), md5(string_agg(t::text, ',')) FROM k_$t t},
		  qq{SELECT '$t ordered', md5(string_agg(t::text, ',' ORDER BY $key)) FROM k_$t t},
		  qq{SELECT '$t tags', string_agg(tag || ':' || n, ',' ORDER BY tag) FROM
			   (SELECT item->>'tag' AS tag, count(*) AS n FROM k_$t GROUP BY 1) x};
	}
	# point lookups through the key index, hits and misses
	push @q, q{SELECT 'a lookups', count(x.*), md5(string_agg(x::text, ',' ORDER BY i)) FROM
		generate_series(1, 14000, 11) i LEFT JOIN LATERAL
		(SELECT * FROM k_a WHERE pk = 'p' || (i % 97) AND sk = 's' || lpad(i::text, 7, '0')) x ON true},
	  q{SELECT 'b lookups', count(x.*), md5(string_agg(x::text, ',' ORDER BY i)) FROM
		generate_series(1, 14000, 11) i LEFT JOIN LATERAL
		(SELECT * FROM k_b WHERE pk = 'h' || i) x ON true},
	  q{SELECT 'n lookups', count(x.*), md5(string_agg(x::text, ',' ORDER BY i)) FROM
		generate_series(1, 14000, 11) i LEFT JOIN LATERAL
		(SELECT * FROM k_n WHERE pk = ((i % 53) - 26)::numeric / 7 AND sk = i * 1.5 - 100) x ON true},
	  q{SELECT 'y range', count(*), md5(string_agg(x::text, ',' ORDER BY sk)) FROM
		(SELECT * FROM k_y WHERE pk = '\x00'::bytea || int4send(5)) x};
	return $node->safe_psql($db,
		"SET enable_seqscan = off;\n" . join(";\n", @q) . ';');
}

my $round = 0;

sub check_same
{
	my ($label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	$round++;
	my $t = time();
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	my $tc = elapsed($t);
	$t = time();
	my $p = answers($primary);
	my $tp = elapsed($t);
	$t = time();
	my $s = answers($standby);
	note("round $round: catch-up $tc s, primary answers $tp s, standby answers "
		  . elapsed($t) . " s");
	is($s, $p, "round $round ($label): the standby answers like the primary");
	compare_pairs($primary, $db, "round $round ($label), primary", @pairs)
	  if $round % 3 == 1;
	return;
}

# 1. Inserts, then reads on both (builds the standby's memtables).
$primary->safe_psql($db, sql_all(sub { insert_rows($_[0], 1, 4000, 'base') }));
check_same('inserts');

# 2. Updates, key changes, deletes, in autocommit and in a transaction.
$primary->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 1}' WHERE (item->>'i')::int % 5 = 0} }));
$primary->safe_psql($db,
	"BEGIN;\n"
	  . sql_all(sub { 'UPDATE {T} SET ' . key_change($_[0]) . q{ WHERE (item->>'i')::int % 13 = 1} })
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 11 = 0} })
	  . sql_all(sub { insert_rows($_[0], 4001, 4400, 'txn') })
	  . "COMMIT;");
check_same('updates and deletes');

# 3. A rolled back transaction and a savepoint.
$primary->safe_psql($db,
	"BEGIN;\n"
	  . sql_all(sub { insert_rows($_[0], 5001, 5400, 'rolledback') })
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 3 = 0} })
	  . "ROLLBACK;\n"
	  . "BEGIN;\n"
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 2}' WHERE (item->>'i')::int % 7 = 0} })
	  . "SAVEPOINT s;\n"
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 2 = 0} })
	  . "ROLLBACK TO s;\n"
	  . "COMMIT;");
check_same('rollbacks');

# 4. An explicit flush, then writes on top of the runs.
my $flushed = 0;
$flushed += $primary->safe_psql($db, "SELECT kvam.flush('k_$_')") for @pairs;
note("versions flushed: $flushed");
check_same('flush');
$primary->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 3}' WHERE (item->>'i')::int % 4 = 0} }));
$primary->safe_psql($db, sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 9 = 0} }));
$primary->safe_psql($db, sql_all(sub { insert_rows($_[0], 6001, 6400, 'after_flush') }));
check_same('writes after flush');

# 5. Automatic flushes: a small memtable and a larger load in batches,
# with the standby read between batches.
$primary->safe_psql($db, "ALTER SYSTEM SET kvam.memtable_size = '64kB'");
$primary->reload;
for my $batch (0 .. 3)
{
	my $lo = 7001 + $batch * 1500;
	$primary->safe_psql($db, sql_all(sub { insert_rows($_[0], $lo, $lo + 1499, "auto$batch") }));
	$primary->safe_psql($db,
		sql_all(sub { qq{UPDATE {T} SET item = item || '{"b": $batch}' WHERE (item->>'i')::int % 6 = $batch} }));
	check_same("automatic flushes, batch $batch");
}
my $runs = $primary->safe_psql($db, q{SELECT sum(runs) FROM kvam.partitions('k_a')});
ok($runs > 8, "k_a has many runs after automatic flushes ($runs)");

# 5b. Readers on the standby while redo replays writes and flushes: a table
# whose rows are only updated must always show the same count and sum, in
# scans and in key lookups.  The reader stops when it sees the final DELETE
# of one row; a scan sees that row or not depending on its own snapshot, so
# the scan itself says whether the DELETE is in it (an exit check in a
# separate statement, with its own snapshot, would race with redo).
$primary->safe_psql($db, q{
	CREATE TABLE k_c (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
	CREATE UNIQUE INDEX k_c_key ON k_c USING kvam_key (pk, sk);
	INSERT INTO k_c SELECT 'c' || (i % 10), lpad(i::text, 5, '0'), jsonb_build_object('v', 0)
		FROM generate_series(1, 2000) i;});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
{
	my $reader = $standby->background_psql($db, on_error_stop => 0);
	$reader->query_until(qr/reading/, q{\echo reading
DO $$
DECLARE
	c bigint;
	s numeric;
	m bigint;
	n int := 0;
BEGIN
	LOOP
		SELECT count(*), sum((item->>'v')::int),
			   count(*) FILTER (WHERE pk = 'c0' AND sk = '00010')
		  INTO c, s, m FROM k_c;
		IF m = 0 AND c = 1999 AND s = 1999 * 12 THEN
			EXIT;				-- the final DELETE, after the last UPDATE
		END IF;
		IF c <> 2000 OR m <> 1 OR s % 2000 <> 0 THEN
			RAISE EXCEPTION 'scan saw % rows, sum %, % sentinel', c, s, m;
		END IF;
		SELECT count(*) INTO c FROM k_c WHERE pk = 'c3' AND sk = lpad((n * 10 % 2000 + 3)::text, 5, '0');
		IF c <> 1 THEN
			RAISE EXCEPTION 'lookup % saw % rows', n, c;
		END IF;
		n := n + 1;
		PERFORM pg_sleep(0.005);
	END LOOP;
	RAISE NOTICE 'reader done after % rounds', n;
END $$;
});
	for my $r (1 .. 12)
	{
		$primary->safe_psql($db, "UPDATE k_c SET item = jsonb_build_object('v', $r)");
	}
	$primary->safe_psql($db, "DELETE FROM k_c WHERE pk = 'c0' AND sk = '00010'");
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	$reader->query('SELECT 1');
	my $stderr = $reader->{stderr};
	$reader->quit;
	like($stderr, qr/reader done after \d+ rounds/,
		'standby readers saw consistent data during the replay of updates and flushes');
	unlike($stderr, qr/ERROR/, 'no error in the standby reader');
	note("standby reader: $stderr");
	my $runs = $primary->safe_psql($db, q{SELECT sum(flushes) FROM kvam.partitions('k_c')});
	ok($runs >= 4, "k_c was flushed during the reads ($runs flushes)");
}

$primary->safe_psql($db, "ALTER SYSTEM RESET kvam.memtable_size");
$primary->reload;

# 5c. The standby crashes and restarts from its last restartpoint.
$standby->safe_psql($db, 'CHECKPOINT');
$primary->safe_psql($db, sql_all(sub { q{UPDATE {T} SET item = item || '{"r": 1}' WHERE (item->>'i')::int % 5 = 1} }));
$primary->safe_psql($db, "SELECT kvam.flush('k_a')");
$primary->safe_psql($db, sql_all(sub { insert_rows($_[0], 13001, 13500, 'standby_crash') }));
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
$standby->stop('immediate');
$primary->safe_psql($db, sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 17 = 3} }));
$standby->start;
check_same('standby crash and restart');

# 6. TRUNCATE: of a table with runs and L0, then refilled; and of a table
# created in the same transaction (non-transactional truncation).
$primary->safe_psql($db, "SET kvam.default_partitions = 6; TRUNCATE k_b, h_b");
check_same('truncate');
is($standby->safe_psql($db, "SELECT count(*), sum(runs), sum(l0_versions) FROM kvam.partitions('k_b')"),
	'4|0|0', 'standby: truncated table is empty and keeps its 4 partitions');
$primary->safe_psql($db, sql_all(sub { $_[0] eq 'hash' ? insert_rows('hash', 1, 3000, 'refill') : 'SELECT 1' }));
$primary->safe_psql($db, q{
	BEGIN;
	CREATE TABLE k_t (pk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
	CREATE UNIQUE INDEX k_t_key ON k_t USING kvam_key (pk);
	INSERT INTO k_t SELECT 'x' || i, '{}' FROM generate_series(1, 1000) i;
	TRUNCATE k_t;
	INSERT INTO k_t SELECT 'y' || i, '{}' FROM generate_series(1, 500) i;
	COMMIT;
	BEGIN;
	TRUNCATE k_t;
	INSERT INTO k_t SELECT 'z' || i, '{}' FROM generate_series(1, 300) i;
	ROLLBACK;});
check_same('refill after truncate');
is($standby->safe_psql($db, q{SELECT count(*), min(pk), max(pk) FROM k_t}),
	'500|y1|y99', 'standby: table truncated in its creating transaction');
is($standby->safe_psql($db, q{SELECT count(*) FROM k_t WHERE pk = 'y250'}),
	'1', 'standby: point lookup in that table');

# The standby survived every consistency check.
ok($standby->safe_psql($db, 'SELECT pg_is_in_recovery()') eq 't',
	'standby is up and in recovery');
my $slog = slurp_file($standby->logfile);
unlike($slog, qr/inconsistent page/, 'standby log: no inconsistent page');
unlike($slog, qr/PANIC|FATAL:.*startup|TRAP/, 'standby log: no PANIC, FATAL or assertion');

# 7. Promote the standby: it takes writes, reads and flushes.
my $final = answers($standby);
$primary->stop;
$standby->promote;
$standby->poll_query_until($db, 'SELECT NOT pg_is_in_recovery()')
  or die 'standby did not leave recovery';
is(answers($standby), $final, 'the promoted standby answers as before');
compare_pairs($standby, $db, 'promoted standby', @pairs);
$standby->safe_psql($db, sql_all(sub { insert_rows($_[0], 40001, 41000, 'promoted') }));
$standby->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"p": 1}' WHERE (item->>'i')::int % 8 = 0} }));
$standby->safe_psql($db, sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 10 = 7} }));
{
	my ($ret, $out, $err) = $standby->psql($db, dual(insert_rows('text', 40001, 40001, 'dup'), 'a'));
	like($err, qr/duplicate key value violates unique constraint "k_a_key"/,
		'promoted standby: unique violation');
}
$standby->safe_psql($db, "SELECT kvam.flush('k_$_')") for @pairs;
compare_pairs($standby, $db, 'promoted standby after writes and flush', @pairs);
$standby->restart;
my $rows = compare_pairs($standby, $db, 'promoted standby after restart', @pairs);
note("rows at the end: $rows; elapsed " . elapsed($t0) . " s");

$standby->stop;
done_testing();
