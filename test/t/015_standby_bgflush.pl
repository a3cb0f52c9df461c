# Copyright (c) kvam contributors
#
# 015_standby_bgflush.pl
#	  Readers never miss (or double) a committed row while background
#	  flushes and compactions run: on the primary, and on a streaming hot
#	  standby that replays them (with hot_standby_feedback, so that purge
#	  does not cancel its readers).  A small memtable, a low compaction
#	  trigger (so background compactions run often, while writers and
#	  kvam.flush() freeze new memtables) and a pause between writing a run
#	  and publishing it make flushes, freezes and compactions overlap.  The
#	  writer changes a kvam table and its heap oracle in the same
#	  transactions; readers compare the two in single statements (one
#	  snapshot for both tables), so every comparison must find them equal:
#	  a full scan, and key lookups through the kvam_key index.  The
#	  readers stop at a flag and report how many comparisons they made.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my $primary = kvam_node('primary', allows_streaming => 1,
	conf => join("\n",
		'kvam.default_partitions = 2', "kvam.memtable_size = '64kB'",
		'kvam.compaction_l0_runs = 3', "kvam.autoadmin_naptime = '50ms'",
		"kvam.debug_flush_delay = '20ms'", ''));
$primary->start;
$primary->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($primary, $db, 'c', 'text');
$primary->safe_psql($db, 'CREATE TABLE stopflag (x int)');
$primary->backup('b1');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b1', has_streaming => 1);
$standby->append_conf('postgresql.conf', 'hot_standby_feedback = on');
$standby->start;

# The plans the readers rely on: a lookup per key through kvam_key.
$primary->safe_psql($db, dual(q{INSERT INTO {T} VALUES ('x', 'y', '{}')}, 'c'));
like(
	$primary->safe_psql($db, q{SET enable_seqscan = off;
		EXPLAIN (COSTS OFF) SELECT * FROM h_c h JOIN LATERAL
		(SELECT item FROM k_c k WHERE k.pk = h.pk AND k.sk = h.sk) k ON true}),
	qr/Index Scan using k_c_key/, 'lookups go through the kvam_key index');
$primary->safe_psql($db, dual(q{DELETE FROM {T}}, 'c'));

# A reader: 'scan' compares full scans, 'lookup' compares key lookups of a
# different slice of the oracle's keys each round.  Each check is one
# statement, so both tables are read with the same snapshot.
sub start_reader
{
	my ($node, $kind) = @_;
	my $check =
	  $kind eq 'scan'
	  ? q{SET enable_seqscan = on;
		SELECT (SELECT count(*) FROM (SELECT * FROM k_c EXCEPT ALL SELECT * FROM h_c) x)
			+ (SELECT count(*) FROM (SELECT * FROM h_c EXCEPT ALL SELECT * FROM k_c) x)}
	  : q{SET enable_seqscan = off;
		SELECT count(*) FROM (SELECT * FROM h_c WHERE (item->>'i')::int % 8 = $1 % 8) h
			LEFT JOIN LATERAL (SELECT item FROM k_c k WHERE k.pk = h.pk AND k.sk = h.sk) k ON true
			WHERE k.item IS DISTINCT FROM h.item};
	my ($set, $select) = split /;\s*/, $check, 2;
	my $reader = $node->background_psql($db, on_error_stop => 0);
	$reader->query_until(qr/reading/, qq{\\echo reading
$set;
DO \$\$
DECLARE
	bad bigint;
	n int := 0;
BEGIN
	LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM stopflag);
		EXECUTE \$q\$$select\$q\$ INTO bad USING n;
		IF bad <> 0 THEN
			RAISE EXCEPTION '$kind check % found % rows that differ from the oracle', n, bad;
		END IF;
		n := n + 1;
	END LOOP;
	RAISE NOTICE '$kind reader done after % checks', n;
END \$\$;
});
	return $reader;
}

my @readers = (
	[ 'standby scan', start_reader($standby, 'scan') ],
	[ 'standby lookup', start_reader($standby, 'lookup') ],
	[ 'primary scan', start_reader($primary, 'scan') ],
	[ 'primary lookup', start_reader($primary, 'lookup') ]);

# The writer: rounds of inserts, updates and deletes (a sliding window of
# live rows), each in one transaction on both tables; every third round
# forces a flush, which freezes the active memtable even while a
# background compaction is running.
my $rounds = 0;
my $wstart = time();
while ($rounds < 100 && time() - $wstart < 20)
{
	my $r = $rounds++;
	my $lo = $r * 300 + 1;
	$primary->safe_psql($db,
		"BEGIN;\n"
		  . dual(insert_rows('text', $lo, $lo + 299, "r$r"), 'c')
		  . dual(qq{UPDATE {T} SET item = item || '{"u": $r}' WHERE (item->>'i')::int % 7 = $r % 7}, 'c')
		  . dual(q{DELETE FROM {T} WHERE (item->>'i')::int <= } . ($lo - 3000), 'c')
		  . "COMMIT;\n"
		  . ($r % 3 == 2 ? "SELECT kvam.flush('k_c');\n" : ''));
}
$primary->safe_psql($db, 'INSERT INTO stopflag VALUES (1)');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
note("writer: $rounds rounds in " . elapsed($wstart) . ' s');

for my $rd (@readers)
{
	my ($label, $reader) = @$rd;
	$reader->query('SELECT 1');
	my $stderr = $reader->{stderr};
	$reader->quit;
	note("$label reader: $stderr");
	like($stderr, qr/reader done after [1-9]\d* checks/,
		"$label reader: every check found the kvam table equal to its oracle");
	unlike($stderr, qr/ERROR/, "$label reader: no error");
}

my ($flushes, $merged) = split /\|/, $primary->safe_psql($db, q{
	SELECT (SELECT sum(flushes) FROM kvam.partitions('k_c')),
	       (SELECT count(*) FROM kvam.runs('k_c') WHERE level > 0)});
ok($flushes >= 10, "many flushes ran during the reads ($flushes)");
ok($merged >= 1, "compactions ran during the reads ($merged runs above level 0)");
compare_pairs($primary, $db, 'primary at the end', 'c');
compare_pairs($standby, $db, 'standby at the end', 'c');

my $slog = slurp_file($standby->logfile);
unlike($slog, qr/PANIC|TRAP/, 'standby log: no PANIC or assertion');
note('elapsed ' . elapsed($t0) . ' s');
$standby->stop;
$primary->stop;
done_testing();
