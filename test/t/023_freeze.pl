# Copyright (c) kvam contributors
#
# 023_freeze.pl
#	  Transaction-id consumption: with a small autovacuum_freeze_max_age,
#	  more than a million xids are consumed while kvam tables hold old data
#	  (in runs and in L0).  Anti-wraparound autovacuum must freeze them:
#	  age(relfrozenxid) drops below the limit, every unfrozen xmin left is
#	  no older than relfrozenxid, datfrozenxid advances so that pg_xact is
#	  truncated, and afterwards every row still reads exactly as before
#	  (a version whose xmin was not frozen would need the truncated pg_xact).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my $maxage = 100000;

my $node = kvam_node('freeze', conf => qq{
autovacuum_freeze_max_age = $maxage
autovacuum_naptime = '1s'
vacuum_freeze_min_age = 10000
log_autovacuum_min_duration = 0
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');    # runs and L0
create_pair($node, $db, 'b', 'hash');    # L0 only
$node->safe_psql($db, dual(insert_rows('text', 1, 4000, 'old'), 'a'));
$node->safe_psql($db,
	dual(q{UPDATE {T} SET item = item || '{"u": 1}' WHERE (item->>'i')::int % 4 = 0}, 'a'));
$node->safe_psql($db, dual(q{DELETE FROM {T} WHERE (item->>'i')::int % 9 = 0}, 'a'));
$node->safe_psql($db, dual(insert_rows('hash', 1, 50, 'old'), 'b'));
my $parts = $node->safe_psql($db,
	q{SELECT sum(runs) > 0 AND sum(l0_versions) > 0 FROM kvam.partitions('k_a')});
is($parts, 't', 'k_a has data in runs and in L0');
is($node->safe_psql($db, q{SELECT sum(runs) FROM kvam.partitions('k_b')}), '0',
	'k_b has data in L0 only');

my $digest = q{SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM k_a t};
my $digest_b = q{SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM k_b t};
my $before = $node->safe_psql($db, $digest);
my $before_b = $node->safe_psql($db, $digest_b);
my $oldest_xact = $node->safe_psql($db, q{SELECT min(xmin::text::bigint) FROM k_a});

$node->safe_psql($db, q{
CREATE PROCEDURE burn(n int) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..n LOOP
		PERFORM pg_current_xact_id();
		COMMIT;
	END LOOP;
END $$;
});
# a little more than one pg_xact segment (1M xids), in pieces so that
# autovacuum runs in between
for (1 .. 24)
{
	$node->safe_psql($db, 'CALL burn(50000)');
}
note('xids consumed after ' . elapsed($t0) . ' s');

for my $t (qw(k_a k_b))
{
	ok( $node->poll_query_until($db,
			"SELECT age(relfrozenxid) < $maxage FROM pg_class WHERE relname = '$t'"),
		"autovacuum froze $t: age(relfrozenxid) below $maxage");
}
ok($node->poll_query_until($db,
		"SELECT age(datfrozenxid) < $maxage FROM pg_database WHERE datname = current_database()")
	  && $node->poll_query_until($db,
		"SELECT bool_and(age(datfrozenxid) < $maxage) FROM pg_database WHERE datallowconn"),
	'every database frozen: pg_xact can be truncated');
is( $node->safe_psql($db, q{
		SELECT count(*) FROM kvam.runs('k_a') r, pg_class c
		WHERE c.relname = 'k_a' AND r.min_xmin IS NOT NULL
		  AND age(r.min_xmin) > age(c.relfrozenxid)}),
	'0', 'no run holds an unfrozen xmin older than relfrozenxid');

# pg_xact segments before the frozen horizon are removed by the vacuum
# that sees every database's datfrozenxid advanced.  The autovacuum worker
# that advanced the last one may have computed the minimum while another
# database still lagged, so the truncation can wait for the next vacuum:
# run a small VACUUM (which updates datfrozenxid and truncates pg_xact)
# until it happens, for at most about 30 s.
my $xactdir = $node->data_dir . '/pg_xact';
my @segs;
for my $try (1 .. 60)
{
	$node->safe_psql($db, 'VACUUM pg_catalog.pg_class; CHECKPOINT');
	opendir(my $dh, $xactdir) or die "opendir $xactdir: $!";
	@segs = sort grep { /^[0-9A-F]+$/ } readdir($dh);
	closedir($dh);
	last if $segs[0] ne '0000';
	usleep(500_000);
}
note("pg_xact segments: @segs; the old rows were written by xid $oldest_xact");
isnt($segs[0], '0000', 'the pg_xact segment of the old writers is gone');

is($node->safe_psql($db, $digest), $before, 'k_a reads as before');
is($node->safe_psql($db, $digest_b), $before_b, 'k_b reads as before');
compare_pairs($node, $db, 'after freezing', qw(a b));
$node->safe_psql($db, 'VACUUM k_a; VACUUM k_b');
is($node->safe_psql($db,
		q{SELECT count(*) FROM (SELECT * FROM kvam.check('k_a') UNION ALL SELECT * FROM kvam.check('k_b')) c}),
	'0', 'kvam.check clean');
ok($node->safe_psql($db, q{SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('k_a', 'k_b') AND autovacuum_count > 0}) == 2,
	'autovacuum processed both kvam tables');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
