# Copyright (c) kvam contributors
#
# 010_crash_writes.pl
#	  Crash safety of writes: committed inserts, updates, key changes and
#	  deletes (autocommit, explicit transactions, savepoints, asynchronous
#	  commits, prepared transactions) survive "pg_ctl stop -m immediate";
#	  aborted, failed and still-open transactions leave nothing behind; the
#	  tables keep working afterwards (writes, unique violations, flush,
#	  another crash).
#
# Each kvam table has a heap twin (the oracle) that receives the same
# statements in the same transactions; after every restart both must hold
# exactly the same rows.  Tables: text (pk, sk), numeric (pk, sk),
# bytea (pk, sk) and a text partition key alone.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use KvamTAP;

my $t0 = time();
my $db = 'postgres';
my @kinds = qw(text numeric bytea hash);

my $node = kvam_node('crash_writes');
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION kvam');
$node->safe_psql($db, "ALTER SYSTEM SET kvam.default_partitions = 4");
$node->reload;

create_pair($node, $db, $_, $_) for @kinds;

# sql_all(template-generator): one string with the statement for every pair.
sub sql_all
{
	my ($gen) = @_;
	return join('', map { dual($gen->($_), $_) } @kinds);
}

# 1. Autocommit inserts, updates, key changes and deletes.
$node->safe_psql($db, sql_all(sub { insert_rows($_[0], 1, 3000, 'base') }));
$node->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 1}' WHERE (item->>'i')::int % 5 = 0} }));
$node->safe_psql($db,
	sql_all(sub { 'UPDATE {T} SET ' . key_change($_[0]) . q{ WHERE (item->>'i')::int % 13 = 1} }));
$node->safe_psql($db,
	sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 11 = 0} }));

# 2. An explicit transaction with several statements, including repeated
# updates of the same rows and a delete followed by a re-insert of the
# same keys.
$node->safe_psql($db,
	"BEGIN;\n"
	  . sql_all(sub { insert_rows($_[0], 3001, 3500, 'txn') })
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 2}' WHERE (item->>'i')::int % 7 = 0} })
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 3}' WHERE (item->>'i')::int % 14 = 0} })
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int BETWEEN 100 AND 149} })
	  . sql_all(sub { insert_rows($_[0], 100, 124, 'reinserted') })
	  . "COMMIT;");

# 3. A rolled back transaction.
$node->safe_psql($db,
	"BEGIN;\n"
	  . sql_all(sub { insert_rows($_[0], 4001, 4300, 'rolledback') })
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"rb": 1}' WHERE (item->>'i')::int % 3 = 0} })
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 4 = 0} })
	  . "ROLLBACK;");

# 4. Savepoints: the work between SAVEPOINT and ROLLBACK TO disappears, the
# rest commits.
$node->safe_psql($db,
	"BEGIN;\n"
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"sp": 0}' WHERE (item->>'i')::int % 17 = 0} })
	  . "SAVEPOINT a;\n"
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 2 = 0} })
	  . sql_all(sub { insert_rows($_[0], 4301, 4400, 'savepoint_rb') })
	  . "ROLLBACK TO a;\n"
	  . "SAVEPOINT b;\n"
	  . sql_all(sub { insert_rows($_[0], 4401, 4450, 'savepoint_ok') })
	  . "RELEASE b;\n"
	  . sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 19 = 0} })
	  . "COMMIT;");

# 5. A transaction that fails on a unique violation (kvam first): nothing
# of it may survive.
{
	my ($ret, $out, $err) = $node->psql($db,
		"BEGIN;\n"
		  . sql_all(sub { insert_rows($_[0], 4501, 4600, 'failed') })
		  . dual(insert_rows('text', 2, 2, 'dup'), 'text')
		  . "COMMIT;");
	like($err, qr/duplicate key value violates unique constraint "k_text_key"/,
		'a duplicate key aborts the transaction with unique_violation');
}

# 6. Asynchronous commits: whether they survive the crash is up to the
# server, but kvam and heap share each transaction, so they must agree.
$node->safe_psql($db,
	"SET synchronous_commit = off;\n"
	  . sql_all(sub { insert_rows($_[0], 5001, 5200, 'async') })
	  . sql_all(sub { q{UPDATE {T} SET item = item || '{"async": 1}' WHERE (item->>'i')::int % 23 = 0} }));

# 7. Prepared transactions survive a crash; one is committed and one rolled
# back after the restart.  They keep their rows locked until then, so
# nothing else before the restart touches rows 2001..2999 or their rows.
for my $gid (qw(p_commit p_rollback))
{
	$node->safe_psql($db,
		"BEGIN;\n"
		  . sql_all(sub { insert_rows($_[0], $gid eq 'p_commit' ? 6001 : 6101, $gid eq 'p_commit' ? 6050 : 6150, $gid) })
		  . sql_all(sub { $gid eq 'p_commit'
				? q{UPDATE {T} SET item = item || '{"prepared": 1}' WHERE (item->>'i')::int BETWEEN 2001 AND 2999 AND (item->>'i')::int % 29 = 0}
				: q{DELETE FROM {T} WHERE (item->>'i')::int BETWEEN 2001 AND 2999 AND (item->>'i')::int % 31 = 0 AND (item->>'i')::int % 29 <> 0} })
		  . "PREPARE TRANSACTION '$gid';");
}

# 8. An open transaction in a background session at the time of the crash:
# inserts, updates, deletes and key changes, plus a row lock (rows below
# 2000 only: the prepared transactions hold the others).
my $open = $node->background_psql($db, on_error_stop => 1);
$open->query_safe('BEGIN');
$open->query_safe(sql_all(sub { insert_rows($_[0], 7001, 7300, 'open') }));
$open->query_safe(sql_all(sub { q{UPDATE {T} SET item = item || '{"open": 1}' WHERE (item->>'i')::int < 2000 AND (item->>'i')::int % 6 = 0} }));
$open->query_safe(sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int < 2000 AND (item->>'i')::int % 8 = 0} }));
$open->query_safe(sql_all(sub { 'UPDATE {T} SET ' . key_change($_[0]) . q{ WHERE (item->>'i')::int < 2000 AND (item->>'i')::int % 37 = 2} }));
$open->query_safe(q{SELECT count(*) FROM (SELECT * FROM k_text WHERE pk = 'p5' AND (item->>'i')::int < 2000 FOR UPDATE) x});

# 9. Flush two of the tables while the prepared and the open transactions
# still run: their versions go into runs and must stay invisible after the
# crash (the open one) or follow their transaction's outcome (prepared).
$node->safe_psql($db, "SELECT kvam.flush('k_numeric'), kvam.flush('k_hash')");

# 10. An unlogged kvam table: empty after the crash, and usable.
$node->safe_psql($db, q{
	CREATE UNLOGGED TABLE k_unlogged (pk text COLLATE "C" NOT NULL, item jsonb NOT NULL) USING kvam;
	CREATE UNIQUE INDEX ON k_unlogged USING kvam_key (pk);
	INSERT INTO k_unlogged SELECT 'u' || i, '{}' FROM generate_series(1, 2000) i;
	SELECT kvam.flush('k_unlogged');
	INSERT INTO k_unlogged SELECT 'v' || i, '{}' FROM generate_series(1, 100) i;});

my $before = compare_pairs($node, $db, 'before the crash', @kinds);
note("rows before the crash: $before");

$node->stop('immediate');
eval { $open->quit; };
$node->start;

my $after = compare_pairs($node, $db, 'after crash recovery', @kinds);
note("rows after the crash: $after");
for my $k (@kinds)
{
	is($node->safe_psql($db,
		qq{SELECT count(*) FROM k_$k WHERE item->>'tag' IN ('open', 'rolledback', 'failed', 'savepoint_rb', 'p_commit', 'p_rollback') OR item ? 'open' OR item ? 'rb'}),
		'0', "k_$k: no row of an aborted, open or prepared transaction is visible");
	is($node->safe_psql($db,
		qq{SELECT count(*) FROM k_$k WHERE item->>'tag' = 'reinserted'}),
		'24', "k_$k: re-inserted keys are there");
}

is($node->safe_psql($db, q{SELECT count(*), sum(runs) FROM kvam.partitions('k_unlogged')}),
	'4|0', 'unlogged kvam table reset to empty partitions by the crash');
is($node->safe_psql($db, q{SELECT count(*) FROM k_unlogged}), '0',
	'unlogged kvam table is empty after the crash');
$node->safe_psql($db, q{INSERT INTO k_unlogged SELECT 'w' || i, '{}' FROM generate_series(1, 500) i});
is($node->safe_psql($db, q{SELECT kvam.flush('k_unlogged'), count(*) FROM k_unlogged WHERE pk = 'w7'}),
	'500|1', 'unlogged kvam table takes rows and flushes after the crash');

# Prepared transactions: still pending after recovery, then resolved.
is($node->safe_psql($db, 'SELECT string_agg(gid, \',\' ORDER BY gid) FROM pg_prepared_xacts'),
	'p_commit,p_rollback', 'prepared transactions survived the crash');
$node->safe_psql($db, "COMMIT PREPARED 'p_commit'");
$node->safe_psql($db, "ROLLBACK PREPARED 'p_rollback'");
compare_pairs($node, $db, 'after resolving prepared transactions', @kinds);
for my $k (@kinds)
{
	is($node->safe_psql($db,
		qq{SELECT count(*) FILTER (WHERE item->>'tag' = 'p_commit'), count(*) FILTER (WHERE item->>'tag' = 'p_rollback') FROM k_$k}),
		'50|0', "k_$k: committed prepared transaction visible, rolled back one not");
}

# The tables still work: keys written only by aborted transactions are
# free, live keys are not, updates and deletes work, point lookups agree.
$node->safe_psql($db, sql_all(sub { insert_rows($_[0], 7001, 7100, 'after') }));
$node->safe_psql($db, sql_all(sub { insert_rows($_[0], 4001, 4100, 'after') }));
{
	my ($ret, $out, $err) = $node->psql($db, dual(insert_rows('numeric', 3, 3, 'dup'), 'numeric'));
	like($err, qr/duplicate key value violates unique constraint "k_numeric_key"/,
		'unique violation on a live key after recovery');
	($ret, $out, $err) = $node->psql($db, dual(insert_rows('bytea', 7001, 7001, 'dup'), 'bytea'));
	like($err, qr/duplicate key value violates unique constraint "k_bytea_key"/,
		'unique violation on a key inserted after recovery');
	# i = 16 was deleted by the open transaction, which is gone: still live.
	($ret, $out, $err) = $node->psql($db, dual(insert_rows('hash', 16, 16, 'dup'), 'hash'));
	like($err, qr/duplicate key value violates unique constraint "k_hash_key"/,
		'unique violation on a key the crashed transaction had deleted');
}
$node->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 9}' WHERE (item->>'i')::int % 9 = 0} }));
$node->safe_psql($db, sql_all(sub { q{DELETE FROM {T} WHERE (item->>'i')::int % 10 = 3} }));
compare_pairs($node, $db, 'after further writes', @kinds);

# Point lookups through the key index agree with the oracle.
is($node->safe_psql($db, q{
	SET enable_seqscan = off;
	SELECT count(*) FROM h_text h WHERE NOT EXISTS (
		SELECT 1 FROM k_text k WHERE k.pk = h.pk AND k.sk = h.sk AND k.item = h.item)}),
	'0', 'every oracle row of k_text is found by a key lookup');
is($node->safe_psql($db, q{
	SELECT count(*) FROM generate_series(1, 7300) i
	WHERE (SELECT count(*) FROM k_hash WHERE pk = 'h' || i) <>
	      (SELECT count(*) FROM h_hash WHERE pk = 'h' || i)}),
	'0', 'point lookups by partition key agree with the oracle');

# Flush everything into runs, then check again and crash once more.
my $flushed = 0;
$flushed += $node->safe_psql($db, "SELECT kvam.flush('k_$_')") for @kinds;
note("versions flushed after recovery: $flushed");
for my $k (@kinds)
{
	is($node->safe_psql($db,
		"SELECT sum(l0_versions), sum(runs) > 0, sum(run_versions) > 0 FROM kvam.partitions('k_$k')"),
		'0|t|t', "k_$k: flushed into runs");
}
compare_pairs($node, $db, 'after flush', @kinds);

$node->safe_psql($db, sql_all(sub { insert_rows($_[0], 8001, 8200, 'after_flush') }));
$node->safe_psql($db,
	sql_all(sub { q{UPDATE {T} SET item = item || '{"v": 10}' WHERE (item->>'i')::int % 4 = 1} }));
$node->stop('immediate');
$node->start;
compare_pairs($node, $db, 'after a second crash', @kinds);

$node->restart;
my $final = compare_pairs($node, $db, 'after a clean restart', @kinds);
note("rows at the end: $final; elapsed " . elapsed($t0) . " s");

$node->stop;
done_testing();
