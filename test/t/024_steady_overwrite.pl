# Copyright (c) kvam contributors
#
# 024_steady_overwrite.pl
#	  Space under a steady overwrite load: 100,000 keys are overwritten in
#	  eight rounds of 100 transactions, with a VACUUM after each round (as
#	  autovacuum would run it).  Flushes retire their L0 pages, compactions
#	  the runs they replace, and both are reused once no snapshot needs
#	  them, so the relation stays within twice the size of its live data
#	  (the size of the table fully compacted) and does not grow from round
#	  to round.  Also reports (as notes, not checked) the write
#	  amplification: WAL bytes and compaction output per logical byte.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my $keys = 100000;
my $rounds = 8;

# The auto-admin is off: writers flush and compact inline, so the sizes
# measured after each round do not depend on how far the background
# workers lag behind.  With the workers on, the peak after a round is
# 2.0-2.3x the live data today (the workers' L0 backlog, up to
# kvam.l0_stall_bytes per partition, and later reuse); that is a known gap
# (docs/architecture.md, "Not yet"), not what this test measures.
my $node = kvam_node('steady', conf => qq{
kvam.default_partitions = 8
kvam.memtable_size = '256kB'
kvam.autoadmin = off
autovacuum = off
});
$node->start;
$node->safe_psql($db, qq{
CREATE EXTENSION kvam;
CREATE TABLE s (pk text COLLATE "C" NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX s_key ON s USING kvam_key (pk);
CREATE PROCEDURE round(r int) LANGUAGE plpgsql AS \$\$
BEGIN
	FOR i IN 0..99 LOOP
		IF r = 0 THEN
			INSERT INTO s SELECT 'k' || g, repeat('x', 150)
			FROM generate_series(i * ($keys / 100) + 1, (i + 1) * ($keys / 100)) g;
		ELSE
			UPDATE s SET v = repeat(chr(97 + r % 26), 150)
			WHERE pk IN (SELECT 'k' || g
						 FROM generate_series(i * ($keys / 100) + 1, (i + 1) * ($keys / 100)) g);
		END IF;
		COMMIT;
	END LOOP;
END \$\$;
});
$node->safe_psql($db, 'CALL round(0)');
$node->safe_psql($db, 'VACUUM s');

my $lsn0 = $node->safe_psql($db, 'SELECT pg_current_wal_lsn()');
my $cb0 = $node->safe_psql($db, q{SELECT sum(compact_blocks) FROM kvam.partitions('s')});
my @sizes;
for my $r (1 .. $rounds)
{
	$node->safe_psql($db, "CALL round($r)");
	$node->safe_psql($db, 'VACUUM s');
	push @sizes, $node->safe_psql($db, q{SELECT pg_relation_size('s') / 8192});
}
my $wal = $node->safe_psql($db, qq{SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')});
my $cb = $node->safe_psql($db, q{SELECT sum(compact_blocks) FROM kvam.partitions('s')}) - $cb0;
my $logical = $node->safe_psql($db, q{SELECT sum(pg_column_size(s.*)) FROM s}) * $rounds;
is($node->safe_psql($db, q{SELECT count(*), count(DISTINCT v) FROM s}), "$keys|1",
	'every key holds the last round\'s value');

# live data: the table fully compacted (runs only, one version per key)
$node->safe_psql($db, q{SELECT kvam.compact('s')});
my $live = $node->safe_psql($db, q{SELECT sum(run_blocks) FROM kvam.partitions('s')});
note("live data $live blocks; relation after each round: @sizes blocks");
for my $r (1 .. $rounds)
{
	my $size = $sizes[ $r - 1 ];
	ok($size <= 2 * $live, "round $r: $size blocks, within twice the live data");
}
ok($sizes[-1] <= 1.2 * $sizes[0], 'the relation does not grow from round to round');
note(sprintf('space amplification after the rounds: %.2f', $sizes[-1] / $live));
note(sprintf('write amplification: %.2f WAL bytes and %.2f compaction output bytes per logical byte',
		$wal / $logical, $cb * 8192 / $logical));
$node->safe_psql($db, 'VACUUM s');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('s')}), '0', 'kvam.check clean');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
