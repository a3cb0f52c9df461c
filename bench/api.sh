#!/usr/bin/env bash
#
# bench/api.sh -- cost of kvam's DynamoDB API layer (= "make bench-api").
#
# Same private installation and throwaway cluster as bench/run.sh
# (bench/lib.sh).  Creates the DynamoDB table "ddb" with kvam.create_table
# and the heap table "h" (bench/sql/api_schema.sql), loads both with the
# same N items (COPY), then runs, with pgbench -M prepared at 2 and 8
# clients, each workload in three variants (bench/workloads/api/):
#
#   api   the DynamoDB request through the SQL API (kvam.get_item, ...)
#   kvam  the equivalent plain SQL on the same kvam table
#   heap  the equivalent plain SQL on the heap table
#
# workloads: get (GetItem), put (PutItem replacing an item), update
# (UpdateItem ADD on a counter), query (Query, 20 items).  Variants
# alternate in order; --reps repetitions; medians reported.  Afterwards,
# the latency at half load: get and put through the API at 8 clients,
# rate-limited (pgbench -R) to half the median peak throughput measured.
#
# Results: bench/results/api_runs.csv; report: docs/benchmarks-api.md
# (bench/api_report.py).
#
# Usage: bench/api.sh [--items N] [--duration S] [--reps R] [--clients "2 8"]
#                     [--workloads "get put update query"] [--quick] [--keep]
#   --quick = --items 100000 --duration 5 --reps 1 (results in bench/out/quick)
# Defaults: --items 1000000 --duration 20 --reps 3 (about 30 minutes)

set -euo pipefail

B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$B/env.sh"
RES=$B/results

N=1000000
duration=20
reps=3
clients="2 8"
workloads="get put update query"
sync_commit=off
keep=


while [ $# -gt 0 ]; do
	case $1 in
		--items) N=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		--clients) clients=$2; shift 2 ;;
		--workloads) workloads=$2; shift 2 ;;
		--quick) N=100000; duration=5; reps=1
			RES=$B/out/quick/results; DOCS=$B/out/quick/docs; shift ;;
		--keep) keep=1; shift ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
		*) die "unknown argument: $1 (see --help)" ;;
	esac
done
mkdir -p "$RES" "$DOCS"


. "$B/lib.sh"

RUNS_CSV=$RES/api_runs.csv
echo "items,rep,workload,variant,clients,rate,duration_s,xacts,failed,tps,lat_avg_ms,lat_p50_ms,lat_p99_ms,wal_bytes_per_op" >"$RUNS_CSV"

say "items=$N: schema and load"
psqlb -f "$B/sql/schema.sql" >/dev/null
psqlb -f "$B/sql/api_schema.sql" >/dev/null
DA=$S/api_a.tsv
DH=$S/api_h.tsv
q "COPY (SELECT bench_pk(j), bench_sk(j), '{' || bench_ditem(j) || '}'
         FROM (SELECT (i * 7919) % $N AS j FROM generate_series(0::bigint, $N - 1) i) s)
   TO '$DA'" >/dev/null
q "COPY (SELECT bench_pk(j), bench_sk(j), bench_item(j)
         FROM (SELECT (i * 7919) % $N AS j FROM generate_series(0::bigint, $N - 1) i) s)
   TO '$DH'" >/dev/null
q "COPY ddb FROM '$DA'" >/dev/null
q "SELECT kvam.flush('ddb')" >/dev/null
q "COPY h FROM '$DH'" >/dev/null
rm -f "$DA" "$DH"
q "VACUUM ANALYZE h" >/dev/null
q "ANALYZE ddb" >/dev/null
q "CHECKPOINT" >/dev/null
# every variant must see the same data: a cheap cross-check
[ "$(q "SELECT count(*) FROM ddb")" = "$N" ] || die "kvam table ddb: wrong row count"
[ "$(q "SELECT kvam.get_item(('{\"TableName\":\"ddb\",\"Key\":' || bench_dkey(7) || '}')::jsonb)->'Item'->'score'->>'N'")" = \
  "$(q "SELECT item->>'score' FROM h WHERE pk = bench_pk(7) AND sk = bench_sk(7)")" ] ||
	die "GetItem and the heap table disagree on item 7"

W=$B/workloads/api
# run NAME SCRIPT CLIENTS [RATE]: one pgbench run; prints the CSV tail
# "xacts,failed,tps,avg,p50,p99,wal_per_op"
run() {
	local name=$1 script=$2 c=$3 rate=${4:-}
	local out l0 l1 xacts failed tps lat wal
	rm -f "$LOGS/$name".*
	q "CHECKPOINT" >/dev/null
	l0=$(lsn)
	out=$("$BIN/pgbench" -n -M prepared -c "$c" -j "$c" -T "$duration" ${rate:+-R "$rate"} \
		-D n="$N" -f "$script" -l --log-prefix="$LOGS/$name" \
		-h "$SOCK" -p "$port" -U postgres bench 2>&1) ||
		{ echo "$out" | tail -5 >&2; say "pgbench FAILED: $name"; }
	l1=$(lsn)
	xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$xacts" ] && [ "$xacts" -gt 0 ] || xacts=1
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
	[ -n "$tps" ] || { tps=0; failed=$((${failed:-0} + 1)); }
	lat=$(python3 "$B/latency.py" "$LOGS/$name".*)
	rm -f "$LOGS/$name".*
	wal=$(lsn_diff "$l0" "$l1")
	printf '%s,%s,%s,%s,%.1f' "$xacts" "${failed:-0}" "$tps" "$lat" "$(echo "$wal / $xacts" | bc -l)"
}

i=0
for rep in $(seq 1 "$reps"); do
	for w in $workloads; do
		for c in $clients; do
			i=$((i + 1))
			case $((i % 3)) in
				0) order="api kvam heap" ;;
				1) order="kvam heap api" ;;
				*) order="heap api kvam" ;;
			esac
			for v in $order; do
				r=$(run "api_${w}_${v}_c${c}_r$rep" "$W/${w}_$v.sql" "$c")
				echo "$N,$rep,$w,$v,$c,,$duration,$r" >>"$RUNS_CSV"
				say "$w $v c=$c rep $rep: $(cut -d, -f3 <<<"$r") ops/s, p50/p99 $(cut -d, -f5,6 <<<"$r") ms"
			done
		done
	done
done

# latency at half of the measured peak (8 clients)
for w in get put; do
	case " $workloads " in *" $w "*) ;; *) continue ;; esac
	peak=$(python3 - "$RUNS_CSV" "$w" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))
        if r["workload"] == sys.argv[2] and r["variant"] == "api" and r["clients"] == "8" and not r["rate"]]
print(int(statistics.median(float(r["tps"]) for r in rows)) if rows else 0)
PY
)
	[ "$peak" -gt 0 ] || continue
	rate=$((peak / 2))
	r=$(run "api_${w}_api_half" "$W/${w}_api.sql" 8 "$rate")
	echo "$N,1,$w,api,8,$rate,$duration,$r" >>"$RUNS_CSV"
	say "$w api at half load ($rate/s): p50/p99 $(cut -d, -f5,6 <<<"$r") ms"
done

python3 "$B/api_report.py" "$RES" "$DOCS"
say "done"
