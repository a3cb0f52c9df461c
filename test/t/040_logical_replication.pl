# Copyright (c) kvam contributors
#
# 040_logical_replication.pl
#	  Native logical replication (pgoutput) of kvam tables into kvam tables.
#	  The publisher holds four kvam tables (text, numeric, bytea and
#	  hash-only keys), each with a heap oracle that receives the same
#	  statements in the same transactions.  A subscription is created while
#	  three sessions write (inserts, updates, deletes, key changes, large
#	  items, rolled-back transactions and subtransactions), so the initial
#	  copy and the stream overlap; then TRUNCATE and more changes.  Once
#	  the subscriber has caught up, every subscriber table equals its
#	  publisher table row for row, and both equal the oracle.  Finally a
#	  transaction that wrote but had not committed when the publisher
#	  crashed produces no change: neither on the subscriber nor in a
#	  test_decoding slot.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my %kind = (a => 'text', n => 'numeric', y => 'bytea', b => 'hash');
my @pairs = sort keys %kind;
my $conf = "kvam.default_partitions = 4\nkvam.memtable_size = 256kB\n";

my $pub = kvam_node('pub', allows_streaming => 'logical', conf => $conf);
my $sub = kvam_node('sub', conf => $conf);
$pub->start;
$sub->start;

$pub->safe_psql($db, 'CREATE EXTENSION kvam');
$sub->safe_psql($db, 'CREATE EXTENSION kvam');
create_pair($pub, $db, $_, $kind{$_}) for @pairs;
for my $t (@pairs)
{
	# the subscriber's tables: kvam only, created as the publisher's
	my $ddl = $pub->safe_psql($db,
		"SELECT pg_get_indexdef('k_${t}_key'::regclass)");
	my $cols = $pub->safe_psql(
		$db, qq{
		SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod)
			|| CASE WHEN attcollation = 950 THEN ' COLLATE "C"' ELSE '' END
			|| CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY attnum)
		FROM pg_attribute WHERE attrelid = 'k_$t'::regclass AND attnum > 0});
	$sub->safe_psql($db, "CREATE TABLE k_$t ($cols) USING kvam; $ddl");
}
is( $sub->safe_psql(
		$db,
		q{SELECT string_agg(relname || ':' || relreplident::text, ',' ORDER BY relname)
		  FROM pg_class WHERE relname LIKE 'k\__' ESCAPE '\'}),
	'k_a:i,k_b:i,k_n:i,k_y:i',
	'the kvam_key indexes are the replica identities');

# initial rows, and a large item that goes out of line
$pub->safe_psql($db,
	join('', map { dual(insert_rows($kind{$_}, 1, 3000, 'initial'), $_) } @pairs));
$pub->safe_psql(
	$db, dual(
		q{INSERT INTO {T} VALUES ('big', 'item',
		  jsonb_build_object('i', 0, 'v', (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 3000) g)))},
		'a'));

# The write load: a procedure run by several sessions at once.  Session c
# of n owns the rows whose number i is c mod n, so sessions never collide
# on a key (collisions are the isolation tests' business); every statement
# goes to the kvam table and its oracle in the same transaction.
$pub->safe_psql(
	$db, q{
CREATE PROCEDURE load(c int, n int, round int, batches int) LANGUAGE plpgsql AS $$
DECLARE
	i int;
	op int;
	vpk text;
	vsk text;
	big jsonb;
BEGIN
	FOR b IN 1..batches LOOP
		FOR j IN 1..8 LOOP
			i := c + n * (1 + floor(random() * 1000)::int);
			op := floor(random() * 10)::int;
			vpk := 'p' || (i % 97);
			vsk := 's' || lpad(i::text, 7, '0');
			IF op < 4 THEN
				-- put: replace or insert
				UPDATE k_a SET item = jsonb_build_object('i', i, 'tag', 'put', 'b', b) WHERE k_a.pk = vpk AND k_a.sk = vsk;
				IF NOT FOUND THEN
					INSERT INTO k_a VALUES (vpk, vsk, jsonb_build_object('i', i, 'tag', 'new', 'b', b));
				END IF;
				UPDATE h_a SET item = jsonb_build_object('i', i, 'tag', 'put', 'b', b) WHERE h_a.pk = vpk AND h_a.sk = vsk;
				IF NOT FOUND THEN
					INSERT INTO h_a VALUES (vpk, vsk, jsonb_build_object('i', i, 'tag', 'new', 'b', b));
				END IF;
				UPDATE k_b SET item = item || jsonb_build_object('b', b) WHERE k_b.pk = 'h' || i;
				UPDATE h_b SET item = item || jsonb_build_object('b', b) WHERE h_b.pk = 'h' || i;
			ELSIF op < 6 THEN
				DELETE FROM k_a WHERE k_a.pk = vpk AND k_a.sk = vsk;
				DELETE FROM h_a WHERE h_a.pk = vpk AND h_a.sk = vsk;
				DELETE FROM k_b WHERE k_b.pk = 'h' || i;
				DELETE FROM h_b WHERE h_b.pk = 'h' || i;
			ELSIF op < 8 THEN
				-- key change, to a key no one else uses
				UPDATE k_a SET sk = k_a.sk || 'x' || c || '.' || round || '.' || b || '.' || j WHERE k_a.pk = vpk AND k_a.sk = vsk;
				UPDATE h_a SET sk = h_a.sk || 'x' || c || '.' || round || '.' || b || '.' || j WHERE h_a.pk = vpk AND h_a.sk = vsk;
			ELSIF op < 9 THEN
				-- a large item (TOAST), replacing or inserting
				big := jsonb_build_object('i', i, 'v', (SELECT string_agg(md5((g + i)::text), '') FROM generate_series(1, 400) g));
				DELETE FROM k_a WHERE k_a.pk = vpk AND k_a.sk = vsk;
				DELETE FROM h_a WHERE h_a.pk = vpk AND h_a.sk = vsk;
				INSERT INTO k_a VALUES (vpk, vsk, big);
				INSERT INTO h_a VALUES (vpk, vsk, big);
			ELSE
				-- a subtransaction that rolls back
				BEGIN
					INSERT INTO k_a VALUES (vpk || 'lost', vsk, '{}');
					DELETE FROM k_b WHERE k_b.pk = 'h' || i;
					RAISE EXCEPTION 'roll back';
				EXCEPTION WHEN raise_exception THEN
					NULL;
				END;
			END IF;
		END LOOP;
		IF b % 7 = 0 THEN
			ROLLBACK;
		ELSE
			COMMIT;
		END IF;
	END LOOP;
END
$$;
});

my $nsessions = 3;
my @bg = map { $pub->background_psql($db, on_error_stop => 1) } 1 .. $nsessions;
my $round = 0;
sub start_load
{
	my ($batches) = @_;
	$round++;
	for my $c (0 .. $#bg)
	{
		$bg[$c]->query_until(qr/started/,
			"\\echo started\nCALL load($c, $nsessions, $round, $batches);\n");
	}
}
sub finish_load
{
	# a session answers once its CALL is done
	$_->query_safe('SELECT 1') for @bg;
}

# the subscription starts while the sessions write
start_load(400);
$pub->safe_psql($db, 'CREATE PUBLICATION pub FOR TABLE ' . join(', ', map { "k_$_" } @pairs));
my $connstr = $pub->connstr . " dbname=$db";
$sub->safe_psql($db, "CREATE SUBSCRIPTION sub CONNECTION '$connstr' PUBLICATION pub");
finish_load();

# more changes after the initial copy: the load again, with a TRUNCATE of
# a table it does not write; then statements over whole tables of every
# kind (alone: they would deadlock with the load)
start_load(60);
$pub->safe_psql($db,
	"BEGIN;\n" . dual('TRUNCATE {T}', 'y') . dual(insert_rows('bytea', 1, 100, 'truncated'), 'y')
	  . "COMMIT;\n");
finish_load();
for my $t (@pairs)
{
	my $k = $kind{$t};
	$pub->safe_psql($db,
		dual("UPDATE {T} SET item = item || '{\"after\": true}' WHERE (item->>'i')::int % 5 = 1", $t)
		  . dual("DELETE FROM {T} WHERE (item->>'i')::int % 5 = 2", $t)
		  . dual("UPDATE {T} SET " . key_change($k) . " WHERE (item->>'i')::int % 5 = 3", $t)
		  . dual(insert_rows($k, 5001, 5500, 'later'), $t));
}
$sub->wait_for_subscription_sync($pub, 'sub');
$pub->wait_for_catchup('sub');

# Item by item: the subscriber's table, the publisher's table and the
# oracle hold the same rows.
sub ordered_rows
{
	my ($node, $table, $t) = @_;
	my $key = $kind{$t} eq 'hash' ? 'pk' : 'pk, sk';
	return $node->safe_psql($db,
		"SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY $key)), '') FROM $table x");
}
for my $t (@pairs)
{
	compare_pair($pub, $db, $t, 'publisher');
	my $p = ordered_rows($pub, "k_$t", $t);
	my $s = ordered_rows($sub, "k_$t", $t);
	is($s, $p, "k_$t: the subscriber has every row of the publisher ($p)");
	if ($s ne $p)
	{
		diag("publisher:\n"
			  . $pub->safe_psql($db, "SELECT * FROM k_$t ORDER BY 1, 2 LIMIT 20")
			  . "\nsubscriber:\n"
			  . $sub->safe_psql($db, "SELECT * FROM k_$t ORDER BY 1, 2 LIMIT 20"));
	}
}
is( $sub->safe_psql($db, "SELECT length(item->>'v') FROM k_a WHERE pk = 'big'"),
	'96000', 'the large item arrived whole');
is($sub->safe_psql($db, "SELECT count(*) FROM k_a WHERE pk LIKE '%lost'"),
	'0', 'rolled-back subtransactions did not replicate');

# The subscriber's apply found rows through the kvam_key index: changes
# to rows it cannot find would be skipped silently, so the equality above
# shows it; the log must not show apply errors either.
ok( !$sub->log_contains(qr/ERROR|could not find row|logical replication did not find/),
	'the apply worker reported no error and found every row');

#
# The apply worker meets local transactions on the subscriber: a row
# updated by an uncommitted local transaction (the dirty snapshot of the
# replica identity lookup reports the writer, apply waits for it) and a
# row locked FOR UPDATE (apply's tuple_lock waits).  Once they commit,
# apply replays the publisher's changes over them.
#
my $local = $sub->background_psql($db, on_error_stop => 1);
$local->query_safe(
	"BEGIN; UPDATE k_a SET item = '{\"local\": 1}' WHERE pk = 'big';
	 SELECT * FROM k_b WHERE pk = 'h1' FOR UPDATE");
$pub->safe_psql($db,
	"UPDATE k_a SET item = item || '{\"remote\": 1}' WHERE pk = 'big'; DELETE FROM k_b WHERE pk = 'h1'");
ok( $sub->poll_query_until(
		$db,
		q{SELECT count(*) > 0 FROM pg_stat_activity
		  WHERE backend_type = 'logical replication worker' AND wait_event = 'transactionid'}),
	'apply waits for the local writer');
$local->query_safe('COMMIT');
$local->quit;
$pub->wait_for_catchup('sub');
is( $sub->safe_psql($db,
		"SELECT item ? 'remote', item ? 'local', length(item->>'v') FROM k_a WHERE pk = 'big'"),
	't|f|96000', 'apply replaced the locally updated row once its writer committed');
is($sub->safe_psql($db, "SELECT count(*) FROM k_b WHERE pk = 'h1'"),
	'0', 'apply deleted the locked row once the lock was released');

#
# A crash between write and commit: no phantom change.
#
$pub->safe_psql($db,
	"SELECT 'init' FROM pg_create_logical_replication_slot('crash_slot', 'test_decoding')");
my $inflight = $pub->background_psql($db, on_error_stop => 1);
$inflight->query_safe(
	"BEGIN; INSERT INTO k_a VALUES ('phantom', '1', '{}'); UPDATE k_a SET item = '{\"phantom\": 1}' WHERE pk = 'big'; DELETE FROM k_b");
$pub->safe_psql($db, "INSERT INTO k_a VALUES ('committed', '1', '{}')");
$pub->stop('immediate');
eval { $inflight->quit; };
$pub->start;
$pub->safe_psql($db, "INSERT INTO k_a VALUES ('after', 'restart', '{}')");
is( $pub->safe_psql(
		$db,
		q{SELECT string_agg(data, E'\n') FROM pg_logical_slot_get_changes('crash_slot', NULL, NULL,
		  'include-xids', '0', 'skip-empty-xacts', '1') WHERE data LIKE 'table%'}),
	"table public.k_a: INSERT: pk[text]:'committed' sk[text]:'1' item[jsonb]:'{}'\n"
	  . "table public.k_a: INSERT: pk[text]:'after' sk[text]:'restart' item[jsonb]:'{}'",
	'after the crash, decoding shows the committed changes and not the in-flight ones');
$pub->wait_for_catchup('sub');
is( $sub->safe_psql($db,
		"SELECT string_agg(pk, ',' ORDER BY pk) FROM k_a WHERE pk IN ('phantom', 'committed', 'after')"),
	'after,committed', 'the subscriber got the committed rows and no phantom');
for my $t (@pairs)
{
	is(ordered_rows($sub, "k_$t", $t), ordered_rows($pub, "k_$t", $t),
		"k_$t: publisher and subscriber still equal after the crash");
}

$sub->safe_psql($db, 'DROP SUBSCRIPTION sub');
note('040_logical_replication: ' . elapsed($t0) . ' s');
done_testing();
