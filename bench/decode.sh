#!/usr/bin/env bash
#
# bench/decode.sh -- decoding throughput of the kvam stream plugin on a kvam
# table vs wal2json (format 2) on the equivalent heap table.
#
# Same private installation and throwaway cluster as bench/run.sh
# (bench/lib.sh; it lets the kvam plugin and wal2json be output plugins).
# Two phases write the same changes: first into the DynamoDB table "ddb"
# (kvam.create_table; REPLICA IDENTITY FULL, as a NEW_AND_OLD_IMAGES stream
# needs), then into the heap table "h" (REPLICA IDENTITY FULL): N inserts
# in transactions of T rows, then N/10 updates of the item.  A
# slot "sk" (plugin kvam, options all-tables + NEW_AND_OLD_IMAGES) is made
# before phase 1 and read up to the end of phase 1; a slot "sw" (wal2json,
# format-version 2) is made between the phases.  Both are read with
# pg_logical_slot_peek_changes (nothing consumed, so every repetition
# decodes the same WAL), alternating, --reps times; the server times each
# read (clock_timestamp around a count(*) of the rows).  Throughput counts
# changes (wal2json's BEGIN/COMMIT rows left out).  Medians reported.
#
# Results: bench/results/decode/ (decode_runs.csv, decode_summary.csv,
# settings.csv, machine.csv); report: docs/benchmarks-streams.md
#
# Stream lag (--lag S): afterwards, pgbench runs random PutItem upserts
# (bench/workloads/api/put_api.sql, 2 clients, S seconds) while one
# session polls a kvam slot every 100 ms with pg_logical_slot_get_changes
# (option kvam-routing, which carries each record's commit time in
# microseconds); lag of a record = when the poll returned it - its commit
# time.  p50/p99 in bench/results/decode/decode_lag.csv.  This is the lag a
# 100 ms polling consumer sees (decoding plus up to one poll interval).
#
# Usage: bench/decode.sh [--items N] [--txn-size T] [--reps R] [--lag S] [--keep] [--perf]
#   --txn-size: inserts per transaction (default 1000; 1 = every insert and
#               update its own transaction, which stresses per-transaction
#               costs)
#   --perf: also record a perf profile of two kvam reads (bench/results/
#           decode/decode_perf_kvam.txt, top symbols)
# Defaults: --items 100000 --reps 5

set -euo pipefail

B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$B/env.sh"
RES=$B/results/decode

N=100000
T=1000
reps=5
sync_commit=off
keep=
perf=
lag=


while [ $# -gt 0 ]; do
	case $1 in
		--items) N=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		--txn-size) T=$2; shift 2 ;;
		--lag) lag=$2; shift 2 ;;
		--keep) keep=1; shift ;;
		--perf) perf=1; shift ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
		*) die "unknown argument: $1 (see --help)" ;;
	esac
done


. "$B/lib.sh"

say "items=$N: schema"
psqlb -f "$B/sql/schema.sql" >/dev/null
psqlb -f "$B/sql/api_schema.sql" >/dev/null
q "ALTER TABLE ddb REPLICA IDENTITY FULL" >/dev/null
q "ALTER TABLE h REPLICA IDENTITY FULL" >/dev/null
psqlb >/dev/null <<'SQL'
-- one timed read of a slot: rows decoded and seconds, measured in the server
CREATE FUNCTION bench_peek(slot text, upto pg_lsn, VARIADIC opts text[],
                           OUT n bigint, OUT secs float8) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	SELECT count(*) INTO n FROM pg_logical_slot_peek_changes(slot, upto, NULL, VARIADIC opts);
	secs := extract(epoch FROM clock_timestamp() - t0);
END $$;
SQL

# write TABLE: N inserts ($T per transaction), N/10 updates (1000 per
# transaction; one per transaction when T is 1)
write_changes() {
	local t=$1 b
	if [ "$T" -eq 1 ]; then
		local ity=kvam.item
		[ "$t" = h ] && ity=jsonb
		psqlb >/dev/null <<SQL
SELECT format('INSERT INTO $t VALUES (%L, %L, %L::$ity)', bench_pk(i), bench_sk(i), '{' || bench_ditem(i) || '}')
FROM generate_series(0::bigint, $N - 1) i \\gexec
SELECT format('UPDATE $t SET item = %L::$ity WHERE pk = %L AND sk = %L', '{' || bench_ditem(i + 1) || '}', bench_pk(i), bench_sk(i))
FROM generate_series(0::bigint, $N - 1, 10) i \\gexec
SQL
		return
	fi
	for ((b = 0; b < N; b += T)); do
		if [ "$t" = ddb ]; then
			q "INSERT INTO ddb SELECT bench_pk(i), bench_sk(i), ('{' || bench_ditem(i) || '}')::kvam.item
			   FROM generate_series($b::bigint, least($b + $T - 1, $N - 1)) i" >/dev/null
		else
			q "INSERT INTO h SELECT bench_pk(i), bench_sk(i), ('{' || bench_ditem(i) || '}')::jsonb
			   FROM generate_series($b::bigint, least($b + $T - 1, $N - 1)) i" >/dev/null
		fi
	done
	for ((b = 0; b < N / 10; b += 1000)); do
		if [ "$t" = ddb ]; then
			q "UPDATE ddb SET item = ('{' || bench_ditem(pk_i + 1) || '}')::kvam.item
			   FROM (SELECT i * 10 AS pk_i FROM generate_series($b::bigint, least($b + 999, $N / 10 - 1)) i) s
			   WHERE pk = bench_pk(pk_i) AND sk = bench_sk(pk_i)" >/dev/null
		else
			q "UPDATE h SET item = ('{' || bench_ditem(pk_i + 1) || '}')::jsonb
			   FROM (SELECT i * 10 AS pk_i FROM generate_series($b::bigint, least($b + 999, $N / 10 - 1)) i) s
			   WHERE pk = bench_pk(pk_i) AND sk = bench_sk(pk_i)" >/dev/null
		fi
	done
}

q "SELECT 'ok' FROM pg_create_logical_replication_slot('sk', 'kvam')" >/dev/null
say "phase 1: kvam table"
write_changes ddb
q "CHECKPOINT" >/dev/null	# with synchronous_commit off: flush the WAL a slot reads
END_K=$(lsn)
q "SELECT 'ok' FROM pg_create_logical_replication_slot('sw', 'wal2json')" >/dev/null
say "phase 2: heap table"
write_changes h
q "CHECKPOINT" >/dev/null
END_W=$(lsn)

KOPTS="'all-tables', 'on', 'view-type', 'NEW_AND_OLD_IMAGES'"
WOPTS="'format-version', '2'"
RUNS_CSV=$RES/decode_runs_t$T.csv
echo "items,txn_size,rep,plugin,records,secs,records_per_s" >"$RUNS_CSV"
# records = changes: wal2json format 2 also writes a row per BEGIN and COMMIT
CK=$(q "SELECT count(*) FROM pg_logical_slot_peek_changes('sk', '$END_K', NULL, $KOPTS)")
CW=$(q "SELECT count(*) FROM pg_logical_slot_peek_changes('sw', '$END_W', NULL, $WOPTS)
        WHERE data NOT LIKE '{\"action\":\"B\"%' AND data NOT LIKE '{\"action\":\"C\"%'")
for rep in $(seq 0 "$reps"); do
	for p in kvam wal2json; do
		if [ $p = kvam ]; then
			r=$(q "SELECT n || ',' || secs FROM bench_peek('sk', '$END_K', $KOPTS)")
		else
			r=$(q "SELECT n || ',' || secs FROM bench_peek('sw', '$END_W', $WOPTS)")
		fi
		secs=${r#*,}
		if [ $p = kvam ]; then n=$CK; else n=$CW; fi
		# rep 0 warms the caches and is not recorded
		[ "$rep" -eq 0 ] && continue
		echo "$N,$T,$rep,$p,$n,$secs,$(echo "$n / $secs" | bc -l | cut -d. -f1)" >>"$RUNS_CSV"
		say "rep $rep $p: $n records in $secs s"
	done
done

if [ -n "$perf" ]; then
	pid=$(q "SELECT pg_backend_pid()")
	say "perf profile of a kvam read"
	PERF_OUT=$RES/decode_perf_kvam.txt
	psqlb -At >/dev/null <<SQL &
SELECT pg_sleep(1);
SELECT n FROM bench_peek('sk', '$END_K', $KOPTS);
SELECT n FROM bench_peek('sk', '$END_K', $KOPTS);
SQL
	sleep 0.5
	bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1)%' LIMIT 1")
	perf record -g -o "$S/perf.data" -p "$bpid" -- sleep 3 >/dev/null 2>&1 || true
	wait
	perf report -i "$S/perf.data" --no-children --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40 >"$PERF_OUT" || true
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mk=$(awk -F, '$4=="kvam" {print $6}' "$RUNS_CSV" | median)
mw=$(awk -F, '$4=="wal2json" {print $6}' "$RUNS_CSV" | median)
nk=$(awk -F, '$4=="kvam" {print $5; exit}' "$RUNS_CSV")
nw=$(awk -F, '$4=="wal2json" {print $5; exit}' "$RUNS_CSV")
ratio=$(echo "($nk / $mk) / ($nw / $mw)" | bc -l)
say "median: kvam $nk records in $mk s, wal2json $nw records in $mw s; ratio $(printf %.2f "$ratio")"
[ -f "$RES/decode_summary.csv" ] ||
	echo "items,txn_size,kvam_records,kvam_median_s,wal2json_records,wal2json_median_s,ratio" >"$RES/decode_summary.csv"
printf '%s,%s,%s,%s,%s,%s,%.3f\n' "$N" "$T" "$nk" "$mk" "$nw" "$mw" "$ratio" >>"$RES/decode_summary.csv"

if [ -n "$lag" ]; then
	say "stream lag: random PutItem upserts for $lag s, polled every 100 ms"
	q "SELECT 'ok' FROM pg_create_logical_replication_slot('sl', 'kvam')" >/dev/null
	q "CREATE TABLE lag_samples (lag_ms float8)" >/dev/null
	psqlb >/dev/null <<SQL &
DO \$\$
DECLARE
	t_end timestamptz := clock_timestamp() + interval '$lag s' + interval '1 s';
BEGIN
	WHILE clock_timestamp() < t_end LOOP
		INSERT INTO lag_samples
		SELECT extract(epoch FROM clock_timestamp()
		                          - to_timestamp(split_part(data, ' ', 4)::numeric / 1000000)) * 1000
		FROM pg_logical_slot_get_changes('sl', NULL, NULL, 'kvam-routing', 'on', 'all-tables', 'on')
		WHERE data <> 'C';
		PERFORM pg_sleep(0.1);
	END LOOP;
END \$\$;
SQL
	poller=$!
	"$BIN/pgbench" -n -M prepared -c 2 -j 2 -T "$lag" -D n="$N" -f "$B/workloads/api/put_api.sql" \
		-h "$SOCK" -p "$port" -U postgres bench >"$S/lag_pgbench.txt" 2>&1 || say "pgbench failed"
	wait "$poller"
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$S/lag_pgbench.txt")
	{
		echo "seconds,clients,tps,records,lag_p50_ms,lag_p99_ms,lag_max_ms"
		q "SELECT '$lag,2,${tps:-0},' || count(*) || ',' ||
		          round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms)::numeric, 1) || ',' ||
		          round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms)::numeric, 1) || ',' ||
		          round(max(lag_ms)::numeric, 1) FROM lag_samples"
	} >"$RES/decode_lag.csv"
	say "lag: $(tail -1 "$RES/decode_lag.csv")"
fi

