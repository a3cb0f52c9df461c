# Copyright (c) kvam contributors
#
# 017_dropdb_worker.pl
#	  DROP DATABASE is not blocked by the auto-admin: a worker connected to
#	  the database leaves it when another session wants it alone (PG15's
#	  DROP DATABASE waits at most 5 s for other backends and signals only
#	  autovacuum workers), even in the middle of a flush (held open here
#	  by kvam.debug_flush_delay for far longer than DROP DATABASE waits).
#	  Afterwards the launcher stops starting workers for the dropped
#	  database, whose partition slots still held a frozen memtable.  An
#	  idle worker does not block DROP DATABASE either.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use KvamTAP;

my $node = kvam_node('main',
	conf => join("\n",
		"kvam.memtable_size = '64kB'", "kvam.autoadmin_naptime = '100ms'",
		"kvam.debug_flush_delay = '10min'", ''));
$node->start;

sub fill
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{CREATE EXTENSION kvam;
		CREATE TABLE t (pk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
		CREATE UNIQUE INDEX t_key ON t USING kvam_key (pk);
		INSERT INTO t SELECT 'k' || i, jsonb_build_object('pad', repeat('x', 100))
			FROM generate_series(1, 3000) i;});
	return;
}

sub workers
{
	my ($db) = @_;
	return $node->safe_psql('postgres',
		qq{SELECT count(*) FROM pg_stat_activity
		   WHERE backend_type = 'kvam auto-admin worker' AND datname = '$db'});
}

# 1. A worker in the middle of a (very slow) flush.
fill('d1');
ok($node->poll_query_until('d1', q{SELECT count(*) > 0 FROM kvam.stat_progress}),
	'a background flush is running in d1');
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d1');
is($ret, 0, 'DROP DATABASE succeeds while a worker flushes there');
is($err, '', 'no error from DROP DATABASE');

# The slots of d1 still had the frozen memtable; a worker started for it
# cannot connect, and then none is started any more.
my $gone = qr/FATAL:  database \d+ does not exist/;
my $n1 = 0;
for (1 .. 100)		# the launcher may take a few rounds to try
{
	$n1 = () = slurp_file($node->logfile) =~ /$gone/g;
	last if $n1 > 0;
	usleep(100_000);
}
$node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'kvam auto-admin worker'})
  or die 'workers do not go away';
$n1 = () = slurp_file($node->logfile) =~ /$gone/g;
$node->safe_psql('postgres', 'SELECT pg_sleep(1)');	# ten launcher rounds
my $n2 = () = slurp_file($node->logfile) =~ /$gone/g;
is($n2, $n1, "no more workers are started for the dropped database ($n1 failed)");

# 2. An idle worker (its flush done).
$node->safe_psql('postgres', 'ALTER SYSTEM SET kvam.debug_flush_delay = 0; SELECT pg_reload_conf()');
fill('d2');
ok($node->poll_query_until('d2', q{SELECT sum(flushes) > 0 FROM kvam.partitions('t')}),
	'a background flush ran in d2');
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d2');
is($ret, 0, 'DROP DATABASE succeeds after a background flush');

# 3. The auto-admin still works in other databases.
fill('d3');
ok($node->poll_query_until('d3', q{SELECT sum(flushes) > 0 FROM kvam.partitions('t')}),
	'a background flush ran in d3');
is($node->safe_psql('d3', 'SELECT count(*) FROM t'), '3000', 'd3 has its rows');
$node->stop;
done_testing();
