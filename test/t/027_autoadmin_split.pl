# Copyright (c) kvam contributors
#
# 027_autoadmin_split.pl
#	  The auto-admin splits partitions that grow past
#	  kvam.partition_split_bytes and merges adjacent cold partitions both
#	  under kvam.partition_merge_bytes (never below kvam.default_partitions
#	  partitions), in the background, while a writer writes.  The table
#	  always equals its heap oracle and kvam.check() stays clean.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';

my $node = kvam_node('autosplit', conf => qq{
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
kvam.partition_split_bytes = '512kB'
kvam.partition_merge_bytes = '128kB'
kvam.autoadmin_naptime = '100ms'
autovacuum = off
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');

my $nparts = q{SELECT count(*) FROM kvam.partitions('k_a')};
for my $r (1 .. 8)
{
	$node->safe_psql($db, dual(insert_rows('text', 5000 * $r, 5000 * $r + 4999, "r$r"), 'a'));
}
ok($node->poll_query_until($db, "SELECT ($nparts) > 4"),
	'the auto-admin split the growing partitions');
my $n = $node->safe_psql($db, $nparts);
note("partitions after the load: $n");
ok($node->safe_psql($db, q{SELECT count(*) FROM kvam.partitions('k_a') WHERE parent IS NOT NULL}) > 0,
	'the new partitions name their parents');
compare_pairs($node, $db, 'after automatic splits', 'a');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'kvam.check clean after automatic splits');

# shrink: most rows go, compaction drops them; cold small partitions merge
$node->safe_psql($db, dual(q{DELETE FROM {T} WHERE (item->>'i')::int % 20 <> 0}, 'a'));
$node->safe_psql($db, q{SELECT kvam.compact('k_a')});
# a little write traffic wakes the auto-admin, which then looks at the map
for my $i (1 .. 40)
{
	$node->safe_psql($db, dual(insert_rows('text', 900000 + $i * 10, 900000 + $i * 10 + 9, 'wake'), 'a'));
	$node->safe_psql($db, q{SELECT kvam.flush('k_a')});
	last if $node->safe_psql($db, $nparts) < $n;
	sleep(1) if $i % 4 == 0;
}
my $m = $node->safe_psql($db, $nparts);
ok($m < $n && $m >= 2, "the auto-admin merged cold small partitions ($n -> $m)");
compare_pairs($node, $db, 'after automatic merges', 'a');
$node->safe_psql($db, 'VACUUM k_a');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'kvam.check clean after automatic merges');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
