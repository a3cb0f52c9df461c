# Copyright (c) kvam contributors
#
# 051_cluster_failover.pl
#	  Kill each node in turn under a concurrent write load.
#
#	  Two client processes write new keys with PutItem through
#	  kvam.execute_routed(), each connected to one node and moving to the
#	  next node when its node cannot be reached.  A client records every
#	  key before sending it (attempted) and once the call returned without
#	  any error or warning (acknowledged).  Then, for a, b and c in turn:
#	  stop the node (immediate), kvam.cluster_failover() at a survivor,
#	  one write on a range the dead node led (the failover time is from
#	  the kill to that write), start the node again,
#	  kvam.cluster_rejoin() it and kvam.cluster_rebalance() the leaders
#	  (a clean handoff under the load).  Afterwards every acknowledged write is on
#	  all three nodes with its value, no node has a key that was never
#	  attempted, and the three nodes hold the same rows.  Writes that
#	  failed (in flight at a kill, or refused while their range moved) are
#	  indeterminate: counted, not checked.  Before the first kill, node a
#	  also gets a write that it commits but no follower receives (its
#	  synchronous replication wait is cancelled): after the failover and
#	  a's rejoin, no node has it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use POSIX ();
use IPC::Run;
use KvamTAP;
use KvamCluster;

my $t0 = time();
my $db = 'postgres';
my @all = cluster_nodes();
create_orders($_) for @all;
form_cluster(@all);

my $dir = PostgreSQL::Test::Utils::tempdir();
my @conninfo = map { cluster_conninfo($_) } @all;

# client($id): writes keys c<id>_<i> until $dir/stop exists
sub client
{
	my ($id) = @_;
	my $node = $id % 3;
	open(my $att, '>', "$dir/attempted.$id") or die;
	open(my $ack, '>', "$dir/acked.$id") or die;
	open(my $fail, '>', "$dir/failed.$id") or die;
	$_->autoflush(1) for ($att, $ack, $fail);
	local $ENV{PGCONNECT_TIMEOUT} = '3';
	local $ENV{PGOPTIONS} = '-c statement_timeout=15s';

	for (my $i = 1; !-e "$dir/stop"; $i++)
	{
		my $key = "c${id}_$i";
		my ($out, $err) = ('', '');
		print $att "$key\n";
		IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $conninfo[$node],
				'-c', put_sql('execute_routed', $key, $i) ],
			'>', \$out, '2>', \$err);
		if ($? == 0 && $err eq '' && $out =~ /^t/)
		{
			print $ack "$key $i\n";
			next;
		}
		$err =~ s/\n/ /g;
		print $fail "$key $err\n";
		# this node is gone: the next one
		$node = ($node + 1) % 3
		  if $err =~ /connection to server|could not connect|terminating connection|server closed/
		  && $err !~ /on cluster node/;
		sleep(0.05);
	}
	POSIX::_exit(0);
}

my @pids;
# the clients end with the test, also when it dies
END
{
	kill 'TERM', @pids if @pids;
}
for my $id (0 .. 1)
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	client($id) if $pid == 0;
	push @pids, $pid;
}

sub count_lines
{
	my ($kind) = @_;
	my $n = 0;
	for my $f (glob("$dir/$kind.*"))
	{
		open(my $h, '<', $f) or die;
		$n++ while <$h>;
	}
	return $n;
}

# wait until the clients have acknowledged writes
sub wait_acked
{
	my ($more) = @_;
	my $target = count_lines('acked') + $more;
	my $deadline = time() + 60;
	sleep(0.1) while count_lines('acked') < $target && time() < $deadline;
	return count_lines('acked') >= $target;
}

ok(wait_acked(50), 'the clients write');
my @failover_s;
for my $v (0 .. 2)
{
	my $victim = $all[$v];
	my $coord = $all[ ($v + 1) % 3 ];
	my $vname = $victim->name;
	my $key = $coord->safe_psql($db,
		"SELECT k FROM (SELECT 'probe${v}_' || i AS k FROM generate_series(1, 1000) i) x
		 JOIN kvam.cluster_ranges r ON r.range_id = kvam.cluster_range_of(x.k)
		 JOIN kvam.cluster_nodes n ON n.node_id = r.leader AND n.name = '$vname' LIMIT 1");

	# the first victim also holds a write committed at it but never
	# acknowledged: its followers stop, the write waits for them, its wait
	# is cancelled (committed locally only), then the node dies
	my $unacked;
	if ($v == 0)
	{
		$unacked = $key . 'x';
		$unacked .= 'x' while $coord->safe_psql($db,
			"SELECT r.leader FROM kvam.cluster_ranges r WHERE r.range_id = kvam.cluster_range_of('$unacked'::text)") ne '1';
		for my $f (@all[1, 2])
		{
			my $sub = 'kvam_' . $f->name . '_from_a';
			$f->safe_psql($db, "ALTER SUBSCRIPTION $sub DISABLE");
			$f->poll_query_until($db,
				"SELECT count(*) = 0 FROM pg_stat_subscription WHERE subname = '$sub' AND pid IS NOT NULL")
			  or die;
		}
		my $w = $victim->background_psql($db, on_error_stop => 0);
		$w->query_until(qr/sent/, "\\echo sent\n" . put_sql('execute', $unacked, 1) . ";\n");
		$victim->poll_query_until($db,
			"SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE '%$unacked%'")
		  or die;
		$victim->safe_psql($db,
			"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE '%$unacked%'");
		is($victim->safe_psql($db, "SELECT count(*) FROM public.orders WHERE pk = '$unacked'"),
			'1', 'a has a write that no follower has: committed locally, not acknowledged');
		eval { $w->quit; };
	}

	my $t_kill = time();
	$victim->stop('immediate');
	my $leader = $coord->safe_psql($db, "SELECT kvam.cluster_failover('$vname')");
	my $t_moved = time();
	# the first write on a range the dead node led (if it led one)
	$coord->safe_psql($db, put_sql('execute_routed', $key, 1)) if $key ne '';
	my $t_write = time();
	push @failover_s, $t_write - $t_kill;
	note(sprintf('%s killed: failover to %s took %.2f s, first write on its range after %.2f s',
			$vname, $leader, $t_moved - $t_kill, $t_write - $t_kill));
	isnt($leader, $vname, "$vname: its ranges moved to $leader");
	ok(wait_acked(30), "$vname down: the group keeps accepting writes");

	$victim->start;
	my $copied = $coord->safe_psql($db, "SELECT kvam.cluster_rejoin('$vname')");
	if (defined $unacked)
	{
		is( join(',', map { $_->safe_psql($db, "SELECT count(*) FROM public.orders WHERE pk = '$unacked'") } @all),
			'0,0,0', 'after the rejoin no node has the unacknowledged write');
	}
	note("$vname rejoined, $copied rows copied");
	ok(wait_acked(30), "$vname rejoined: writes go on");
	my $moved = $coord->safe_psql($db, 'SELECT kvam.cluster_rebalance()');
	is($moved, 4, 'rebalance under load moved the four ranges back');
	is( $all[$v]->safe_psql($db,
			q{SELECT string_agg(leader::text, ',' ORDER BY range_id) FROM kvam.cluster_ranges}),
		'1,2,3,1,2,3,1,2,3,1,2,3', "$vname: leaders spread again");
	ok(wait_acked(20), "after the rebalance writes go on");
}

open(my $stop, '>', "$dir/stop") or die;
close($stop);
waitpid($_, 0) for @pids;
@pids = ();

wait_all_caught_up(@all);

my (%attempted, %acked, %failed);
for my $f (glob("$dir/attempted.*"))
{
	open(my $h, '<', $f) or die;
	while (<$h>) { chomp; $attempted{$_} = 1; }
}
for my $f (glob("$dir/acked.*"))
{
	open(my $h, '<', $f) or die;
	while (<$h>) { chomp; my ($k, $v) = split / /; $acked{$k} = $v; }
}
for my $f (glob("$dir/failed.*"))
{
	open(my $h, '<', $f) or die;
	while (<$h>) { my ($k, $e) = split / /, $_, 2; $failed{$k} = $e; }
}

my @keys = map { node_keys($_) } @all;
for my $i (0 .. 2)
{
	my $name = $all[$i]->name;
	my $have = $keys[$i];
	my @lost = grep { !defined $have->{$_} || $have->{$_} ne $acked{$_} } sort keys %acked;
	is(scalar(@lost), 0, "$name: every acknowledged write is there")
	  or diag("missing at $name: @lost[0 .. ($#lost < 9 ? $#lost : 9)]");
	my @phantom = grep { /^c\d_/ && !$attempted{$_} } sort keys %$have;
	is(scalar(@phantom), 0, "$name: no key that was never attempted")
	  or diag("phantoms at $name: @phantom[0 .. ($#phantom < 9 ? $#phantom : 9)]");
}
for my $i (1 .. 2)
{
	is_deeply($keys[$i], $keys[0], $all[$i]->name . ' holds the same rows as a');
}

my $failed_present = grep { defined $keys[0]{$_} } keys %failed;
note(sprintf('attempted %d, acknowledged %d, failed %d (indeterminate; %d of them present), rows %d',
		scalar(keys %attempted), scalar(keys %acked), scalar(keys %failed),
		$failed_present, scalar(keys %{ $keys[0] })));
note(sprintf('failover times (kill to first accepted write): %s s',
		join(', ', map { sprintf('%.2f', $_) } @failover_s)));
my %why;
$why{ $failed{$_} =~ /no leader|is led by/ ? 'KV001 (range moving)' : $failed{$_} =~ /connect/ ? 'connection' : 'other' }++
  for keys %failed;
note("failed writes by cause: " . join(', ', map { "$_ $why{$_}" } sort keys %why));

note('051_cluster_failover: ' . elapsed($t0) . ' s');
done_testing();
