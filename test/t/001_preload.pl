# Copyright (c) kvam contributors
#
# 001_preload.pl
#	  kvam loads through shared_preload_libraries with test/kvam.conf, and
#	  its library also loads without preloading (CREATE EXTENSION and
#	  kvam.version() work; storage entry points refuse with a clear error,
#	  see KvamCheckPreloaded()).
#
# Run with "make test" (or KVAM_TESTS=tap KVAM_TAP=001_preload make test);
# scripts/test.sh sets KVAM_TEST_CONF to test/kvam.conf plus any
# KVAM_EXTRA_CONF.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $kvam_conf = PostgreSQL::Test::Utils::slurp_file(
	$ENV{KVAM_TEST_CONF} || 'test/kvam.conf');

# A node configured like every kvam test server.
my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf', $kvam_conf);
$node->start;

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'kvam', 'kvam is in shared_preload_libraries');
is($node->safe_psql('postgres', 'SHOW wal_level'),
	'logical', 'wal_level is logical');

$node->safe_psql('postgres', 'CREATE EXTENSION kvam');
like($node->safe_psql('postgres', 'SELECT kvam.version()'),
	qr/^kvam 0\.1\b/, 'kvam.version() with kvam preloaded');

# The server restarts cleanly with kvam preloaded and its WAL written.
$node->restart;
like($node->safe_psql('postgres', 'SELECT kvam.version()'),
	qr/^kvam 0\.1\b/, 'kvam.version() after restart');
$node->stop;

# A node without kvam in shared_preload_libraries: the library must still
# load (GUCs only) so that CREATE EXTENSION and kvam.version() work.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;

is($plain->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'', 'plain node preloads nothing');
{
	my ($ret, $out, $err) = $plain->psql('postgres',
		'CREATE EXTENSION kvam; SELECT kvam.version();');
	is($ret, 0, 'CREATE EXTENSION kvam without preloading')
	  or diag($err);
	like($out, qr/^kvam 0\.1\b/, 'kvam.version() without preloading');
}
$plain->stop;

done_testing();
