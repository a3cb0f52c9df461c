# Copyright (c) kvam contributors
#
# 028_split_concurrent.pl
#	  Splits and merges while three writers write: each writer changes the
#	  kvam table and its heap oracle in one transaction per round (inserts,
#	  updates of existing keys, deletes, key-index lookups), with its
#	  transaction open across the map changes (so its cached partition map
#	  goes stale), and the auto-admin flushes and compacts in the
#	  background.  Meanwhile one session splits the largest partition and
#	  merges adjacent ones, over and over.  At the end the table equals its
#	  oracle and kvam.check() is clean; no writer failed.  (The writers'
#	  rows are disjoint, so that they cannot deadlock among themselves.)

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';

my $node = kvam_node('split_concurrent', conf => qq{
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
kvam.partition_split_bytes = 0
kvam.partition_merge_bytes = 0
autovacuum = off
});
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($node, $db, 'a', 'text');
$node->safe_psql($db, dual(insert_rows('text', 1, 3000, 'load'), 'a'));

# one writer's rounds: a DO block whose transaction spans several rounds
sub writer_sql
{
	my ($w) = @_;
	my $rounds = '';
	for my $r (1 .. 40)
	{
		my $base = 100000 * $w + 1000 * $r;
		# REPEATABLE READ: the kvam statement and its heap twin see the
		# same snapshot (under READ COMMITTED another writer's commit could
		# fall between them)
		$rounds .= "BEGIN ISOLATION LEVEL REPEATABLE READ;\n"
		  . dual(insert_rows('text', $base, $base + 40, "w$w"), 'a')
		  . dual(qq{UPDATE {T} SET item = item || '{"w$w": $r}' WHERE (item->>'i')::int % 29 = ($r + $w) % 29 AND (item->>'i')::int % 3 = $w - 1}, 'a')
		  . dual(qq{DELETE FROM {T} WHERE (item->>'i')::int % 97 = ($r * 3 + $w) % 97 AND (item->>'i')::int < 3000 AND (item->>'i')::int % 3 = $w - 1}, 'a')
		  . "SELECT pg_sleep(0.02);\n"
		  . qq{SELECT count(*) FROM k_a WHERE pk = 'p7' AND sk > 's0000100';\n}
		  . dual(qq{UPDATE {T} SET item = item || '{"v$w": $r}' WHERE pk = 'p' || ($r % 97) AND (item->>'i')::int % 3 = $w - 1}, 'a')
		  . "COMMIT;\n";
	}
	return $rounds;
}

my @writers;
for my $w (1 .. 3)
{
	my $bg = $node->background_psql($db, on_error_stop => 1);
	$bg->query_until(qr/go$w/, "\\echo go$w\n" . writer_sql($w) . "\\echo done$w\n");
	push @writers, $bg;
}

my $edits = 0;
my $deadline = time() + 20;
while (time() < $deadline)
{
	my $n = $node->safe_psql($db, q{SELECT count(*) FROM kvam.partitions('k_a')});
	my $sql = $n < 4 || ($n < 10 && $edits % 3)
	  ? q{SELECT kvam.split_partition('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY run_blocks DESC, hash_lo LIMIT 1))}
	  : q{SELECT kvam.merge_partitions('k_a', (SELECT partition FROM kvam.partitions('k_a') ORDER BY hash_lo LIMIT 1))};
	$node->safe_psql($db, $sql);
	$edits++;
	usleep(50_000);
	my $alldone = 1;
	for my $w (0 .. 2)
	{
		$alldone = 0 unless $writers[$w]->{stdout} =~ /done@{[ $w + 1 ]}/;
	}
	last if $alldone && $edits >= 6;
}
ok($edits >= 6, "$edits splits and merges while the writers wrote");
for my $w (0 .. 2)
{
	$writers[$w]->query_until(qr/done@{[ $w + 1 ]}/, '');
	unlike($writers[$w]->{stderr}, qr/ERROR/, 'writer ' . ($w + 1) . ' had no error');
	$writers[$w]->quit;
}
compare_pairs($node, $db, 'after concurrent splits and merges', 'a');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'kvam.check clean');
$node->safe_psql($db, q{SELECT kvam.compact('k_a')});
$node->safe_psql($db, 'VACUUM k_a');
compare_pairs($node, $db, 'after compaction', 'a');
is($node->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'kvam.check clean after compaction');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
