# Copyright (c) kvam contributors
#
# 020_dump_restore.pl
#	  pg_dump / pg_restore round trip of kvam tables.  pg_dump restores a
#	  table's data before its indexes, so the rows arrive (by COPY) before
#	  the kvam_key index exists; kvam stages them and the key index build
#	  gives them their keys.  Custom and plain formats are checked.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $kvam_conf = PostgreSQL::Test::Utils::slurp_file(
	$ENV{KVAM_TEST_CONF} || 'test/kvam.conf');

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', $kvam_conf);
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
CREATE EXTENSION kvam;
CREATE TABLE orders (pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL,
                     item jsonb NOT NULL) USING kvam;
CREATE UNIQUE INDEX orders_key ON orders USING kvam_key (pk, sk);
INSERT INTO orders SELECT 'u' || (g % 97), 'o' || g, jsonb_build_object('n', g)
  FROM generate_series(1, 5000) g;
INSERT INTO orders VALUES ('big', 'x', jsonb_build_object('blob', repeat('z', 200000)));
SELECT kvam.flush('orders');
UPDATE orders SET item = item || '{"u": 1}' WHERE pk = 'u5';
DELETE FROM orders WHERE pk = 'u6';
CREATE TABLE nums (id numeric NOT NULL, v bytea) USING kvam;
CREATE UNIQUE INDEX nums_key ON nums USING kvam_key (id);
INSERT INTO nums SELECT g / 7.0, decode(md5(g::text), 'hex') FROM generate_series(-300, 300) g;
CREATE TABLE bins (pk bytea NOT NULL, sk numeric NOT NULL) USING kvam;
CREATE UNIQUE INDEX bins_key ON bins USING kvam_key (pk, sk);
INSERT INTO bins SELECT decode(lpad(to_hex(g % 13), 2, '0'), 'hex'), g FROM generate_series(1, 400) g;
});

# A DynamoDB table made by the API: kvam.tables (an extension config table)
# is dumped with it; its relid (regclass) is dumped as a name and restore
# resolves it to the restored relation, so the API finds the table again.
$node->safe_psql(
	'src', q{
SELECT kvam.create_table('{"TableName": "Music",
  "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                {"AttributeName": "Song", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                           {"AttributeName": "Song", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}');
SELECT kvam.put_item(jsonb_build_object('TableName', 'Music',
  'Item', jsonb_build_object('Artist', jsonb_build_object('S', 'a' || (g % 3)),
                             'Song', jsonb_build_object('S', 's' || g),
                             'Plays', jsonb_build_object('N', g::text))))
  FROM generate_series(1, 30) g;
});
my $api_check = q{
SELECT kvam.get_item('{"TableName": "Music", "Key": {"Artist": {"S": "a1"}, "Song": {"S": "s7"}}}')::text
    || ' ' || kvam.query('{"TableName": "Music", "KeyConditionExpression": "Artist = :a",
                           "ExpressionAttributeValues": {":a": {"S": "a2"}}}')::text
    || ' ' || (kvam.describe_table('{"TableName": "Music"}')->'Table'->>'TableName')};
my $api_expected = $node->safe_psql('src', $api_check);
like($api_expected, qr/"Plays": \{"N": "7"\}.*"Count": 10/, 'API table readable before dump');

my $digest = q{
SELECT (SELECT md5(string_agg(pk || '/' || sk || '/' || item::text, ',' ORDER BY pk, sk)) FROM orders)
    || (SELECT md5(string_agg(id::text || '/' || encode(v, 'hex'), ',' ORDER BY id)) FROM nums)
    || (SELECT md5(string_agg(encode(pk, 'hex') || '/' || sk::text, ',' ORDER BY pk, sk)) FROM bins)
    || (SELECT count(*) FROM orders)::text};
my $expected = $node->safe_psql('src', $digest);

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $bindir = $node->config_data('--bindir');

# custom format through pg_restore
$node->command_ok(
	[ "$bindir/pg_dump", '-Fc', '-f', "$tmp/src.dump", '-d', $node->connstr('src') ],
	'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE dst1');
$node->command_ok(
	[ "$bindir/pg_restore", '-d', $node->connstr('dst1'), "$tmp/src.dump" ],
	'pg_restore');
is($node->safe_psql('dst1', $digest), $expected, 'custom format round trip');
is($node->safe_psql('dst1', $api_check), $api_expected,
	'API GetItem and Query after pg_restore');
is($node->safe_psql('dst1', "SELECT relid::oid = 'public.\"Music\"'::regclass::oid FROM kvam.tables"),
	't', 'kvam.tables.relid names the restored relation');

# the restored tables are keyed: point lookups use the key, keys are unique
like($node->safe_psql('dst1',
		"EXPLAIN (COSTS OFF) SELECT * FROM orders WHERE pk = 'u1' AND sk = 'o1'"),
	qr/Index Scan using orders_key/, 'restored key index is used');
is($node->safe_psql('dst1', "SELECT item->>'n' FROM orders WHERE pk = 'u1' AND sk = 'o98'"),
	'98', 'point lookup after restore');
my ($ret, $out, $err) = $node->psql('dst1', "INSERT INTO orders VALUES ('u1', 'o98', '{}')");
like($err, qr/duplicate key value violates unique constraint "orders_key"/,
	'restored table enforces its key');

# plain format through psql, into a database where another restore runs
# with several jobs (parallel restore of data and indexes)
$node->command_ok(
	[ "$bindir/pg_dump", '-f', "$tmp/src.sql", '-d', $node->connstr('src') ],
	'pg_dump plain');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok(
	[ "$bindir/psql", '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$tmp/src.sql",
	  '-d', $node->connstr('dst2') ],
	'plain restore');
is($node->safe_psql('dst2', $digest), $expected, 'plain format round trip');
is($node->safe_psql('dst2', $api_check), $api_expected, 'API after plain restore');

$node->safe_psql('postgres', 'CREATE DATABASE dst3');
$node->command_ok(
	[ "$bindir/pg_restore", '-j', '2', '-d', $node->connstr('dst3'), "$tmp/src.dump" ],
	'parallel pg_restore');
is($node->safe_psql('dst3', $digest), $expected, 'parallel restore round trip');
is($node->safe_psql('dst3', $api_check), $api_expected, 'API after parallel restore');

$node->stop;
done_testing();
