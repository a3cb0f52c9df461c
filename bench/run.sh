#!/usr/bin/env bash
#
# bench/run.sh -- kvam vs heap benchmark (= "make bench").
#
# One command: builds kvam, installs it into a private relocated copy of
# PostgreSQL 15 (like scripts/test.sh, but under the scratch directory),
# creates a throwaway cluster on a spare port (loopback + Unix socket in the
# scratch directory; run by the "postgres" OS user when called as root),
# and for every item count:
#
#   1. creates the kvam table k and the heap table h (bench/sql/),
#      bulk-loads both with COPY from the same file (--load-reps times,
#      alternating which goes first);
#   2. runs the pgbench workloads point, range, overwrite, insert
#      (bench/workloads/*.sql, -M prepared, -c C -j C for C in --clients,
#      -T --duration), kvam and heap alternating, --reps repetitions;
#      a CHECKPOINT precedes every run; after a kvam write run,
#      kvam.flush('k') is called and its WAL is counted with the run's;
#   3. records per run: ops/s, p50/p99/avg latency (from pgbench's
#      per-transaction log), WAL bytes (pg_current_wal_lsn() difference),
#      WAL records and full-page images (pg_stat_wal), bytes on disk
#      (pg_total_relation_size) afterwards;
#
# then writes bench/results/*.csv and regenerates docs/benchmarks.md and
# its plots (bench/report.py, gnuplot).
#
# Usage:
#   bench/run.sh [--items N[,N...]] [--duration S] [--reps R] [--clients "2 8"]
#                [--workloads "point range overwrite insert"] [--load-reps R]
#                [--load-chunk ROWS] [--sync-commit on|off] [--quick] [--keep] [--no-report]
#                [--tag NAME] [--profile "overwrite insert point range"]
#   --quick     = --items 100000 --duration 5 --reps 1 --load-reps 1 (smoke test;
#               results and report go to bench/out/quick/, not bench/results/)
#   --load-chunk COPY in transactions of ROWS rows (default 250000; see lib.sh)
#   --keep      keep the cluster running at the end (prints how to reach it)
#   --tag NAME  results go to bench/results/<NAME>_*.csv (default: items<N>)
#   --profile W after the runs, profile the kvam backends under workloads W
#               (2 clients, --duration s each) with "perf record -g";
#               reports in bench/results/<tag>_perf_<W>.txt (--reps 0: only
#               load and profile)
#
# Defaults: --items 1000000,10000000 --duration 30 --reps 3 --clients "2 8"
#           --load-reps 3 (1 when items >= 5M) --sync-commit off
#           (the full default matrix takes about 75 minutes on 2 cores; the
#           committed results were made with the reduced commands listed in
#           docs/benchmarks.md)
#
# Environment: KVAM_BENCH_PORT (default: first free port from 55432),
#              KVAM_BENCH_DIR (scratch directory; default mktemp under /var/tmp)

set -euo pipefail

B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$B/env.sh"
RES=$B/results

items_list="1000000 10000000"
duration=30
reps=3
clients="2 8"
workloads="point range overwrite insert"
load_reps=
load_chunk=
sync_commit=off
keep=
report=1
tag=
profile=
quick=


while [ $# -gt 0 ]; do
	case $1 in
		--items) items_list=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		--clients) clients=$2; shift 2 ;;
		--workloads) workloads=$2; shift 2 ;;
		--load-reps) load_reps=$2; shift 2 ;;
		--load-chunk) load_chunk=$2; shift 2 ;;
		--sync-commit) sync_commit=$2; shift 2 ;;
		--quick) items_list=100000; duration=5; reps=1; load_reps=1; quick=1; shift ;;
		--keep) keep=1; shift ;;
		--no-report) report=; shift ;;
		--tag) tag=$2; shift 2 ;;
		--profile) profile=$2; shift 2 ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
		*) die "unknown argument: $1 (see --help)" ;;
	esac
done
items_list=${items_list//,/ }
if [ -n "$quick" ]; then
	# a smoke test must not overwrite the committed results
	RES=$B/out/quick/results
	DOCS=$B/out/quick/docs
	mkdir -p "$DOCS"
fi

. "$B/lib.sh"

# pgbench scripts with the table name filled in
W=$S/workloads
mkdir -p "$W"
for t in k h; do
	for w in point range overwrite insert; do
		sed "s/@T@/$t/g" "$B/workloads/$w.sql" >"$W/${w}_$t.sql"
	done
done

tname() { [ "$1" = k ] && echo kvam || echo heap; }

for N in $items_list; do
	rtag=${tag:-items$N}
	LOAD_CSV=$RES/${rtag}_load.csv
	RUNS_CSV=$RES/${rtag}_runs.csv
	echo "items,rep,table,seconds,rows_per_s,wal_bytes,wal_bytes_per_row,wal_records,wal_fpi,bytes_on_disk" >"$LOAD_CSV"
	echo "items,rep,workload,table,clients,duration_s,xacts,failed,tps,lat_avg_ms,lat_p50_ms,lat_p99_ms,wal_bytes,wal_bytes_per_op,wal_records,wal_fpi,flush_wal_bytes,bytes_on_disk,kvam_runs_before" >"$RUNS_CSV"

	lr=${load_reps:-$([ "$N" -ge 5000000 ] && echo 1 || echo 3)}
	say "items=$N: schema, data file"
	psqlb -f "$B/sql/schema.sql" >/dev/null
	DATA=$S/items_$N.tsv
	# rows in a scrambled key order: item (i * 7919) mod N for i = 0..N-1
	t0=$(now)
	q "COPY (SELECT bench_pk(j), bench_sk(j), bench_item(j)
	         FROM (SELECT (i * 7919) % $N AS j FROM generate_series(0::bigint, $N - 1) i) s)
	   TO '$DATA'" >/dev/null
	say "data file: $(du -h "$DATA" | cut -f1) in $(printf '%.0f' "$(echo "$(now) - $t0" | bc)") s, COPY in transactions of $load_chunk rows"
	split_load "$DATA"

	for rep in $(seq 1 "$lr"); do
		psqlb -f "$B/sql/tables.sql" >/dev/null 2>&1
		if [ $((rep % 2)) -eq 1 ]; then order="k h"; else order="h k"; fi
		for t in $order; do
			q "CHECKPOINT" >/dev/null
			l0=$(lsn); read -r r0 f0 <<<"$(walstat)"
			t0=$(now)
			copy_load "$t" "$DATA"
			t1=$(now)
			[ "$t" = k ] && q "SELECT kvam.flush('k')" >/dev/null
			sleep 0.5
			l1=$(lsn); read -r r1 f1 <<<"$(walstat)"
			wal=$(lsn_diff "$l0" "$l1")
			secs=$(echo "$t1 - $t0" | bc -l)
			sz=$(relsize "$t")
			printf '%s,%s,%s,%.3f,%.0f,%s,%.1f,%s,%s,%s\n' "$N" "$rep" "$(tname $t)" \
				"$secs" "$(echo "$N / $secs" | bc -l)" "$wal" "$(echo "$wal / $N" | bc -l)" \
				$((r1 - r0)) $((f1 - f0)) "$sz" >>"$LOAD_CSV"
			say "load $(tname $t) rep $rep: $(printf '%.1f' "$secs") s, WAL $((wal / N)) B/row, $((sz / 1048576)) MB"
		done
	done
	q "VACUUM ANALYZE h" >/dev/null
	q "ANALYZE k" >/dev/null || true
	q "CHECKPOINT" >/dev/null

	# plans (generic plan, as pgbench -M prepared ends up using)
	{
		for t in k h; do
			echo "== $(tname $t)"
			psqlb -c "SET plan_cache_mode = force_generic_plan" \
				-c "PREPARE pt(bigint) AS SELECT * FROM $t WHERE pk = bench_pk(\$1) AND sk = bench_sk(\$1)" \
				-c "EXPLAIN EXECUTE pt(12345)" \
				-c "PREPARE rg(bigint) AS SELECT * FROM $t WHERE pk = bench_pk(\$1) AND sk >= bench_sk(\$1) ORDER BY sk LIMIT 20" \
				-c "EXPLAIN EXECUTE rg(12345)" \
				-c "PREPARE up(bigint, bigint) AS UPDATE $t SET item = bench_item(\$2) WHERE pk = bench_pk(\$1) AND sk = bench_sk(\$1)" \
				-c "EXPLAIN EXECUTE up(12345, 1)"
		done
	} >"$RES/${rtag}_explain.txt" 2>&1
	q "SELECT count(*) FROM kvam.runs('k')" >"$RES/${rtag}_runs_after_load.txt"

	i=0
	for rep in $(seq 1 "$reps"); do
		for w in $workloads; do
			for c in $clients; do
				i=$((i + 1))
				if [ $(((i + rep) % 2)) -eq 0 ]; then order="k h"; else order="h k"; fi
				for t in $order; do
					name=${rtag}_${w}_$(tname $t)_c${c}_r$rep
					rm -f "$LOGS/$name".*
					nruns=$(q "SELECT count(*) FROM kvam.runs('k')")
					q "CHECKPOINT" >/dev/null
					l0=$(lsn); read -r r0 f0 <<<"$(walstat)"
					out=$("$BIN/pgbench" -n -M prepared -c "$c" -j "$c" -T "$duration" \
						-D n="$N" -f "$W/${w}_$t.sql" -l --log-prefix="$LOGS/$name" \
						-h "$SOCK" -p "$port" -U postgres bench 2>&1) || {
						# keep going: record the error, count the run as failed
						{ echo "== $name"; echo "$out" | grep -v '^pgbench (' | head -20
						  q "SELECT count(*) || ' runs in ' || count(DISTINCT partition) || ' partitions, max per partition ' ||
						            (SELECT max(runs) FROM kvam.partitions('k'))
						     FROM kvam.runs('k')"; } >>"$RES/${rtag}_errors.txt" 2>&1
						say "pgbench FAILED: $name (see bench/results/${rtag}_errors.txt)"; }
					sleep 0.5
					l1=$(lsn)
					fw=0
					if [ "$t" = k ] && { [ "$w" = overwrite ] || [ "$w" = insert ]; }; then
						q "SELECT kvam.flush('k')" >/dev/null
						l2=$(lsn)
						fw=$(lsn_diff "$l1" "$l2")
						l1=$l2
					fi
					read -r r1 f1 <<<"$(walstat)"
					wal=$(lsn_diff "$l0" "$l1")
					if [ "$rep" -eq 1 ] && { [ "$w" = overwrite ] || [ "$w" = insert ]; }; then
						mkdir -p "$RES/waldump"
						"$BIN/pg_waldump" -p "$D/pg_wal" -s "$l0" -e "$l1" --stats \
							>"$RES/waldump/$name.txt" 2>&1 || true
					fi
					xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
					[ -n "$xacts" ] && [ "$xacts" -gt 0 ] || xacts=1
					failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
					tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
					[ -n "$tps" ] || { tps=0; failed=$((${failed:-0} + 1)); }
					lat=$(python3 "$B/latency.py" "$LOGS/$name".*)
					sz=$(relsize "$t")
					rm -f "$LOGS/$name".*
					printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.1f,%s,%s,%s,%s,%s\n' "$N" "$rep" "$w" \
						"$(tname $t)" "$c" "$duration" "$xacts" "${failed:-0}" "$tps" "$lat" \
						"$wal" "$(echo "$wal / $xacts" | bc -l)" $((r1 - r0)) $((f1 - f0)) \
						"$fw" "$sz" "$nruns" >>"$RUNS_CSV"
					say "$w $(tname $t) c=$c rep $rep: $(printf '%.0f' "$tps") ops/s, lat(avg,p50,p99) $lat ms, WAL $((wal / xacts)) B/op"
				done
			done
		done
	done
	for w in $profile; do
		for t in k; do
			say "perf profile: $w on $(tname $t)"
			q "CHECKPOINT" >/dev/null
			"$BIN/pgbench" -n -M prepared -c 2 -j 2 -T $((duration + 4)) -D n="$N" \
				-f "$W/${w}_$t.sql" -h "$SOCK" -p "$port" -U postgres bench \
				>"$S/pgbench_profile.out" 2>&1 &
			pb=$!
			sleep 2
			pids=$(q "SELECT string_agg(pid::text, ',') FROM pg_stat_activity
			          WHERE application_name = 'pgbench' AND backend_type = 'client backend'")
			pdata=$S/perf_${w}_$t.data
			perf record -q -g -F 999 -p "$pids" -o "$pdata" -- sleep "$duration" >/dev/null 2>&1 || true
			# wait events of the 8-client version of the workload, sampled
			wait "$pb" || true
			"$BIN/pgbench" -n -M prepared -c 8 -j 8 -T 12 -D n="$N" \
				-f "$W/${w}_$t.sql" -h "$SOCK" -p "$port" -U postgres bench \
				>"$S/pgbench_profile8.out" 2>&1 &
			pb=$!
			sleep 1
			waits=$(psqlb -At -c "CREATE TEMP TABLE ws (e text);" -c "DO \$\$ BEGIN
				FOR i IN 1..200 LOOP
					PERFORM pg_stat_clear_snapshot();
					INSERT INTO ws SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
					  FROM pg_stat_activity WHERE application_name = 'pgbench' AND state = 'active';
					PERFORM pg_sleep(0.05);
				END LOOP; END \$\$" \
				-c "SELECT rpad(e, 32) || round(100.0 * count(*) / sum(count(*)) OVER (), 1) || ' %'
				    FROM ws GROUP BY e ORDER BY count(*) DESC")
			wait "$pb" || true
			pf=$RES/${rtag}_perf_${w}_$(tname $t).txt
			{
				echo "# perf record -g -F 999 -p <2 pgbench backends> for ${duration}s; workload $w on $(tname $t), $N items"
				grep -E '^(tps|number of transactions actually)' "$S/pgbench_profile.out"
				echo
				echo "## wait events of active backends at 8 clients (200 samples, 50 ms apart; CPU = no wait event)"
				grep -E '^tps' "$S/pgbench_profile8.out"
				echo "$waits"
				echo
				echo "## flat profile (self time, symbols >= 0.7%)"
				perf report -i "$pdata" --stdio --no-children -g none --percent-limit 0.7 \
					--sort dso,symbol 2>/dev/null | grep -v '^#' | grep -v '^$'
				echo
				echo "## inclusive (children) profile, symbols >= 4%"
				perf report -i "$pdata" --stdio --children -g none --percent-limit 4 \
					--sort symbol 2>/dev/null | grep -v '^#' | grep -v '^$'
			} >"$pf"
			rm -f "$pdata"
		done
	done
	q "SELECT * FROM kvam.partitions('k')" -F, >"$RES/${rtag}_partitions_end.txt" || true
	q "SELECT count(*) FROM kvam.runs('k')" >>"$RES/${rtag}_runs_after_load.txt"
	rm -f "$DATA" "$DATA".part-*
done

grep -E 'checkpoint (starting|complete)' "$S/server.log" | tail -n 200 >"$RES/checkpoints_${tag:-items${items_list// /_}}.log" || true

if [ -n "$report" ]; then
	say "report"
	python3 "$B/report.py" "$RES" "$DOCS"
fi

if [ -n "$keep" ]; then
	say "cluster kept: ${AS_PG[*]} $BIN/psql -h $SOCK -p $port -U postgres bench ; stop: ${AS_PG[*]} $BIN/pg_ctl -D $D stop"
fi
say "done"
