# Copyright (c) kvam contributors
#
# KvamTAP.pm
#	  Helpers shared by kvam's TAP tests (test/t/*.pl): nodes configured
#	  like every kvam test server, pairs of tables (a kvam table and a heap
#	  table that receives the same statements in the same transactions and
#	  serves as the oracle), and comparisons between the two.
#
# scripts/test.sh puts test/t on PERL5LIB, so a test says "use KvamTAP;".

package KvamTAP;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

our @EXPORT = qw(kvam_node kvam_conf create_pair dual compare_pair
  compare_pairs elapsed insert_rows key_change create_stream_table
  dual_ab check_ab wait_up check_after_crash kvam_standby crash_node);

# The configuration every kvam test server gets (test/kvam.conf plus
# KVAM_EXTRA_CONF, assembled by scripts/test.sh).
sub kvam_conf
{
	return PostgreSQL::Test::Utils::slurp_file($ENV{KVAM_TEST_CONF}
		  || 'test/kvam.conf');
}

# kvam_node(name, %opts): a new, initialised (not started) node with kvam
# preloaded.  opts: allows_streaming => 1 (for a primary), conf => extra
# lines for postgresql.conf.
sub kvam_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init(
		$opts{allows_streaming}
		? (allows_streaming => $opts{allows_streaming})
		: ());
	# test/kvam.conf sets wal_level = logical; init(allows_streaming)
	# appends its own lines first, ours come after and win.
	$node->append_conf('postgresql.conf', kvam_conf());
	$node->append_conf('postgresql.conf', $opts{conf}) if $opts{conf};
	return $node;
}

# Column and key definitions of the table kinds used by the tests.
my %kinds = (
	text => {
		cols => 'pk text COLLATE "C" NOT NULL, sk text COLLATE "C" NOT NULL, item jsonb NOT NULL',
		key => 'pk, sk',
	},
	numeric => {
		cols => 'pk numeric NOT NULL, sk numeric NOT NULL, item jsonb NOT NULL',
		key => 'pk, sk',
	},
	bytea => {
		cols => 'pk bytea NOT NULL, sk bytea NOT NULL, item jsonb NOT NULL',
		key => 'pk, sk',
	},
	hash => {
		cols => 'pk text COLLATE "C" NOT NULL, item jsonb NOT NULL',
		key => 'pk',
	},);

# Row generators: the key and item of row number i (an int column "i" of
# generate_series), per kind.  Every item holds "i" so that statements can
# pick rows by number: (item->>'i')::int.
my %gen = (
	text => [ q{'p' || (i % 97)}, q{'s' || lpad(i::text, 7, '0')} ],
	numeric => [ q{((i % 53) - 26)::numeric / 7}, q{i * 1.5 - 100} ],
	bytea => [ q{'\x00'::bytea || int4send(i % 61)}, q{int4send(i) || '\x00ff'::bytea} ],
	hash => [ q{'h' || i}, undef ],);

# A change of the key of a row that cannot collide with generated keys.
my %keychange = (
	text => q{sk = sk || 'x'},
	numeric => q{sk = sk + 10000000},
	bytea => q{sk = sk || '\x01'::bytea},
	hash => q{pk = pk || 'x'},);

# insert_rows(kind, from, to, tag): an INSERT template ({T}) of rows from..to
# whose items carry "tag" (a marker of the statement that wrote them).
sub insert_rows
{
	my ($kind, $from, $to, $tag) = @_;
	my ($pk, $sk) = @{ $gen{$kind} };
	my $item = qq{jsonb_build_object('i', i, 'tag', '$tag', 'pad', repeat('x', i % 50))};

	return "INSERT INTO {T} SELECT $pk, "
	  . (defined $sk ? "$sk, " : '')
	  . "$item FROM generate_series($from, $to) i";
}

# key_change(kind): the SET clause changing a row's key.
sub key_change
{
	my ($kind) = @_;
	return $keychange{$kind};
}

# create_pair(node, db, name, kind): creates the kvam table k_<name> with
# its kvam_key index and the heap table h_<name> with a btree primary key
# on the same columns (so that both raise unique_violation alike).
sub create_pair
{
	my ($node, $db, $name, $kind) = @_;
	my $k = $kinds{$kind} or die "unknown table kind $kind";

	$node->safe_psql(
		$db, qq{
		CREATE TABLE k_$name ($k->{cols}) USING kvam;
		CREATE UNIQUE INDEX k_${name}_key ON k_$name USING kvam_key ($k->{key});
		CREATE TABLE h_$name ($k->{cols}, PRIMARY KEY ($k->{key}));
	});
}

# dual(template, name): the statement for both tables of a pair, kvam
# first; '{T}' in the template is replaced by each table's name.
sub dual
{
	my ($tpl, $name) = @_;
	my $sql = '';

	for my $t ("k_$name", "h_$name")
	{
		(my $s = $tpl) =~ s/\{T\}/$t/g;
		$s =~ s/;?\s*$/;\n/;
		$sql .= $s;
	}
	return $sql;
}

# compare_pair(node, db, name, label): the kvam table and its heap oracle
# hold the same rows (EXCEPT both ways empty, equal counts); also checks a
# full scan ordered by the key against the oracle.  Returns the row count.
sub compare_pair
{
	my ($node, $db, $name, $label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my $res = $node->safe_psql(
		$db, qq{
		SET enable_indexscan = off; SET enable_bitmapscan = off;
		SELECT (SELECT count(*) FROM (SELECT * FROM k_$name EXCEPT ALL SELECT * FROM h_$name) x),
		       (SELECT count(*) FROM (SELECT * FROM h_$name EXCEPT ALL SELECT * FROM k_$name) x),
		       (SELECT count(*) FROM k_$name),
		       (SELECT count(*) FROM h_$name);
	});
	my ($kx, $hx, $kc, $hc) = split /\|/, $res;
	my $ok = is("$kx|$hx|$kc", "0|0|$hc",
		"$label: k_$name equals its heap oracle ($hc rows)");
	if (!$ok)
	{
		diag(
			$node->safe_psql(
				$db, qq{
			SELECT 'only in kvam', * FROM (SELECT * FROM k_$name EXCEPT ALL SELECT * FROM h_$name) x LIMIT 10;
			SELECT 'only in heap', * FROM (SELECT * FROM h_$name EXCEPT ALL SELECT * FROM k_$name) x LIMIT 10;
		}));
	}
	return $hc;
}

# compare_pairs(node, db, label, names...)
sub compare_pairs
{
	my ($node, $db, $label, @names) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $total = 0;

	$total += compare_pair($node, $db, $_, $label) for @names;
	return $total;
}

# create_stream_table(node, db, table, view): CREATE EXTENSION kvam and a
# DynamoDB table 'table' (hash key "p", S) with a stream of view type
# 'view', through kvam.create_table (which creates the stream slot).
sub create_stream_table
{
	my ($node, $db, $table, $view) = @_;

	$node->safe_psql($db, qq{
	CREATE EXTENSION kvam;
	SELECT kvam.create_table('{"TableName":"$table",
	  "KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],
	  "AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"}],
	  "BillingMode":"PAY_PER_REQUEST",
	  "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"$view"}}');
	});
}

# elapsed(start): seconds since 'start' (from Time::HiRes::time), rounded.
sub elapsed
{
	my ($start) = @_;
	return sprintf('%.1f', time() - $start);
}


# The crash tests' two pairs: a (text keys) and b (keys hashed over the
# partitions).  dual_ab(gen): the statement gen->(kind) for both pairs.
sub dual_ab
{
	my ($gen) = @_;
	return dual($gen->('text'), 'a') . dual($gen->('hash'), 'b');
}

# check_ab(node, db): kvam.check() of k_a and k_b as "problems|orphans".
sub check_ab
{
	my ($node, $db) = @_;
	return $node->safe_psql($db, q{
		SELECT count(*) FILTER (WHERE problem NOT LIKE 'orphan%'),
		       count(*) FILTER (WHERE problem LIKE 'orphan%')
		FROM (SELECT * FROM kvam.check('k_a') UNION ALL SELECT * FROM kvam.check('k_b')) c});
}

# crash_node(name, conf): the crash tests' server: 'conf' (kvam settings)
# plus restart_after_crash on and autovacuum off, started, with kvam and
# the pairs a (text keys) and b (hashed keys) in database postgres.
sub crash_node
{
	my ($name, $conf) = @_;
	my $node = kvam_node($name,
		conf => $conf . "\nrestart_after_crash = on\nautovacuum = off\n");

	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION kvam');
	create_pair($node, 'postgres', 'a', 'text');
	create_pair($node, 'postgres', 'b', 'hash');
	return $node;
}

# wait_up(node, db): wait until the server answers again after a crash.
sub wait_up
{
	my ($node, $db) = @_;
	$node->poll_query_until($db, 'SELECT true')
	  or die 'server did not come back';
}

# check_after_crash(node, db, label, pairs...): after a restart the pairs
# are equal, kvam.check finds only orphan pages, and none after VACUUM.
sub check_after_crash
{
	my ($node, $db, $label, @pairs) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	compare_pairs($node, $db, $label, @pairs);
	my ($problems, $orphans) = split /\|/, check_ab($node, $db);
	is($problems, '0', "$label: kvam.check finds only orphan pages ($orphans)")
	  or diag($node->safe_psql($db,
		q{SELECT * FROM kvam.check('k_a') UNION ALL SELECT * FROM kvam.check('k_b')}));
	$node->safe_psql($db, 'VACUUM k_a; VACUUM k_b;');
	is(check_ab($node, $db), '0|0', "$label: kvam.check clean after VACUUM");
	compare_pairs($node, $db, "$label, after VACUUM", @pairs);
}


# kvam_standby(primary, name, backup, conf): a streaming standby of
# 'primary' from its backup 'backup', with 'conf' appended; started.
sub kvam_standby
{
	my ($primary, $name, $backup, $conf) = @_;
	my $standby = PostgreSQL::Test::Cluster->new($name);

	$standby->init_from_backup($primary, $backup, has_streaming => 1);
	$standby->append_conf('postgresql.conf', $conf);
	$standby->start;
	return $standby;
}

1;
