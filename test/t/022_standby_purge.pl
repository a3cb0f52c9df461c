# Copyright (c) kvam contributors
#
# 022_standby_purge.pl
#	  Compaction and hot standbys.  The primary purges versions and reuses
#	  retired pages; its XLOG_KVAM_CONFLICT records carry the conflict
#	  horizon.
#	  1. A standby without hot_standby_feedback: a REPEATABLE READ reader
#	     whose snapshot still needs purged versions is cancelled (a
#	     snapshot conflict, counted in pg_stat_database_conflicts), never
#	     shown wrong data.
#	  2. A standby with hot_standby_feedback: the primary keeps what the
#	     standby's reader needs, and the reader sees its snapshot unchanged.
#	  3. Both standbys then answer exactly as the primary, including after
#	     free pages were reused.  The primary runs with
#	     wal_consistency_checking = 'kvam' (free-map records included).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';

my $primary = kvam_node('primary', allows_streaming => 1, conf => qq{
wal_consistency_checking = 'kvam'
kvam.default_partitions = 2
kvam.memtable_size = '64kB'
kvam.compaction_l0_runs = 2
autovacuum = off
wal_keep_size = '1GB'
});
$primary->start;
$primary->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($primary, $db, 'a', 'text');
$primary->safe_psql($db, dual(insert_rows('text', 1, 5000, 'load'), 'a'));
$primary->safe_psql($db, q{SELECT kvam.compact('k_a')});
$primary->backup('b1');

my $plain = kvam_standby($primary, 'plain', 'b1', qq{
hot_standby_feedback = off
max_standby_streaming_delay = '1s'
});

my $fed = kvam_standby($primary, 'fed', 'b1', qq{
hot_standby_feedback = on
wal_receiver_status_interval = '1s'
});
$primary->wait_for_catchup($plain, 'replay');
$primary->wait_for_catchup($fed, 'replay');

my $digest = q{SELECT count(*) || ':' || md5(string_agg(pk || '/' || sk || '/' || item::text, ',' ORDER BY pk, sk)) FROM k_a};
my $before = $primary->safe_psql($db, $digest);

# overwrite everything, delete some rows and compact, three times: old
# versions are purged, replaced runs retired and their pages reused
sub churn
{
	my ($tag) = @_;
	for my $r (1 .. 3)
	{
		$primary->safe_psql($db,
			dual(qq{UPDATE {T} SET item = item || '{"$tag": $r}'}, 'a'));
		$primary->safe_psql($db,
			dual(q{DELETE FROM {T} WHERE (item->>'i')::int % 13 = } . "$r + length('$tag')", 'a'));
		$primary->safe_psql($db, q{SELECT kvam.compact('k_a')});
	}
}

# 1. The fed standby is stopped (its feedback would make the primary keep
# everything a standby needs).  On the plain standby the reader is one
# statement (a conflict cancels
# a running statement with an ERROR, whereas it terminates a session idle
# in a transaction).
$fed->stop;
my $r1 = $plain->background_psql($db, on_error_stop => 0);
$r1->query_until(qr/started/,
	"\\echo started\nSELECT ($digest) AS a, pg_sleep(60) IS NULL AS slept, ($digest) AS b;\n");
churn('p');
my $after = $primary->safe_psql($db, $digest);
isnt($after, $before, 'the primary changed the data');
$primary->wait_for_catchup($plain, 'replay');
my ($res, $failed) = $r1->query('SELECT 1');
like($r1->{stderr}, qr/canceling statement due to conflict with recovery/,
	'plain standby: the reader whose snapshot needs purged versions is cancelled');
unlike($res, qr/\|t\|/, 'plain standby: the reader did not complete');
$r1->quit;
ok($plain->safe_psql($db,
		q{SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = current_database()}) > 0,
	'plain standby: counted as a snapshot conflict');

# 2. On the fed standby a REPEATABLE READ reader keeps its snapshot: the
# primary keeps what it needs.
$before = $after;
$fed->start;
$primary->wait_for_catchup($fed, 'replay');
my $r2 = $fed->background_psql($db, on_error_stop => 0);
$r2->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
is($r2->query_safe($digest), $before, 'fed standby reader: snapshot taken');
$primary->poll_query_until($db,
	q{SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'fed' AND backend_xmin IS NOT NULL})
  or die 'no feedback from the standby';
churn('f');
$after = $primary->safe_psql($db, $digest);
$primary->wait_for_catchup($fed, 'replay');
is($r2->query_safe($digest), $before,
	'fed standby: the reader sees its snapshot unchanged across purge and reuse');
$r2->query_safe('COMMIT');
$r2->quit;
my $x = $primary->safe_psql($db, 'SELECT txid_current()');
$primary->poll_query_until($db,
	qq{SELECT count(*) = 1 FROM pg_stat_replication
	   WHERE application_name = 'fed' AND age(backend_xmin) < age('$x'::xid)})
  or die 'the standby still holds a snapshot';
$primary->wait_for_catchup($plain, 'replay');

is($plain->safe_psql($db, $digest), $after, 'plain standby answers as the primary');
is($fed->safe_psql($db, $digest), $after, 'fed standby answers as the primary');

# once the fed reader is gone, the primary purges what it kept
$primary->safe_psql($db, dual(q{UPDATE {T} SET item = item || '{"z": 1}' WHERE (item->>'i')::int < 100}, 'a'));
$x = $primary->safe_psql($db, 'SELECT txid_current()');
$primary->poll_query_until($db,
	qq{SELECT count(*) = 1 FROM pg_stat_replication
	   WHERE application_name = 'fed' AND age(backend_xmin) < age('$x'::xid)})
  or die 'the standby holds back the horizon';
my $stats = $primary->safe_psql($db, q{SELECT kvam.compact('k_a')->>'purged'});
ok($stats > 0, "the primary purges after the standby reader ended ($stats versions)");
is($primary->safe_psql($db, q{SELECT sum(run_versions) FROM kvam.partitions('k_a')}),
	$primary->safe_psql($db, q{SELECT count(*) FROM h_a}), 'one version per key left');
$primary->safe_psql($db, 'VACUUM k_a');
is($primary->safe_psql($db, q{SELECT count(*) FROM kvam.check('k_a')}), '0', 'primary kvam.check clean');
$primary->wait_for_catchup($fed, 'replay');
$primary->wait_for_catchup($plain, 'replay');
$after = $primary->safe_psql($db, $digest);
is($plain->safe_psql($db, $digest), $after, 'plain standby answers as the primary at the end');
is($fed->safe_psql($db, $digest), $after, 'fed standby answers as the primary at the end');
compare_pair($primary, $db, 'a', 'primary');

note('elapsed ' . elapsed($t0) . ' s');
done_testing();
