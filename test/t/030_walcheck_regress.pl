# Copyright (c) kvam contributors
#
# 030_walcheck_regress.pl
#	  The pg_regress scripts of the storage layer (sql/am_*.sql) replayed on
#	  a streaming standby with wal_consistency_checking = 'kvam': every kvam
#	  record's redo is compared page by page with the primary's image (a
#	  mismatch stops the standby with "inconsistent page found").  Then a
#	  crash of the primary replays the same WAL once more in crash recovery.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $kvam_conf = PostgreSQL::Test::Utils::slurp_file(
	$ENV{KVAM_TEST_CONF} || 'test/kvam.conf');

my $primary = PostgreSQL::Test::Cluster->new('walcheck_primary');
$primary->init(allows_streaming => 'logical');
$primary->append_conf('postgresql.conf', $kvam_conf);
$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'kvam'\n");
$primary->start;
$primary->safe_psql('postgres',
	"SELECT pg_create_physical_replication_slot('walcheck')");
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('walcheck_standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "primary_slot_name = 'walcheck'\n");
$standby->start;

$primary->safe_psql('postgres', 'CREATE DATABASE regress');
# (am_bigxact writes 250k versions: with a full-page image on every record
# that is gigabytes of WAL; the others cover the same record types)
my @files = grep { !/am_bigxact/ } sort glob('sql/am_*.sql');
ok(@files >= 5, 'found the storage regression scripts');
foreach my $f (@files)
{
	# the scripts contain statements that fail on purpose
	my ($ret, $out, $err) = $primary->psql('regress', undef,
		on_error_stop => 0, extra_params => [ '-f', $f ]);
	like($err, qr/^(?!.*(PANIC|server closed the connection)).*$/s,
		"$f ran on the primary");
}
# leave some data behind for the comparison
$primary->safe_psql(
	'regress', q{
CREATE TABLE keep (pk text COLLATE "C" NOT NULL, sk numeric NOT NULL, v text) USING kvam;
CREATE UNIQUE INDEX keep_key ON keep USING kvam_key (pk, sk);
INSERT INTO keep SELECT 'p' || (g % 50), g, repeat('v', g % 300) FROM generate_series(1, 5000) g;
SELECT kvam.flush('keep');
UPDATE keep SET v = 'u' WHERE sk % 3 = 0;
DELETE FROM keep WHERE sk % 7 = 0;
});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

my $q = q{SELECT count(*), md5(string_agg(pk || sk || v, ',' ORDER BY pk, sk)) FROM keep};
is($standby->safe_psql('regress', $q), $primary->safe_psql('regress', $q),
	'standby answers like the primary');
ok(!($standby->log_contains(qr/inconsistent page found/)),
	'no inconsistent page during standby replay');

# crash recovery replays the same records with the same checks
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('regress', $q), $standby->safe_psql('regress', $q),
	'crash recovery reproduces the data');
ok(!($primary->log_contains(qr/inconsistent page found/)),
	'no inconsistent page during crash recovery');

$standby->stop;
$primary->stop;
done_testing();
