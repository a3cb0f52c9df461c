#!/usr/bin/env bash
#
# bench/amp.sh -- write amplification, space amplification and point reads
# after a random upsert load (= "make bench-amp"; issue 3's benchmark):
# kvam, the heap table and RocksDB (db_bench) side by side in one run.
#
# Per PostgreSQL table (kvam k, heap h; same key and item shapes as
# bench/run.sh, autovacuum and the kvam auto-admin on, as by default):
#   1. COPY N items (scrambled key order, transactions of --load-chunk rows)
#      into a fresh table; wait until the
#      auto-admin is idle; CHECKPOINT;
#   2. --ops random overwrites of existing keys (pgbench -M prepared,
#      --clients clients, -t ops/clients each; bench/workloads/overwrite.sql);
#      wait until the auto-admin is idle; CHECKPOINT;
#   3. point reads (bench/workloads/point.sql, --clients clients,
#      --read-reps runs of --read-seconds s);
#   4. full compaction (kvam: kvam.compact + VACUUM; heap: VACUUM FULL),
#      CHECKPOINT, the point reads again.
# For each of phases 1 and 2 (load, upserts) it records
#   disk bytes (server) = WAL bytes (pg_current_wal_lsn difference)
#                       + 8192 x (buffers_checkpoint + buffers_clean
#                                 + buffers_backend of pg_stat_bgwriter)
#   disk bytes (proc)   = write_bytes of /proc/<pid>/io summed over the
#                         postmaster (which holds its exited children's) and
#                         its live children (a cross-check; needs root or
#                         the server's OS user)
#   logical bytes       = rows written x average (key + item) bytes
#   WA = disk bytes / logical bytes
# and after phase 2 and 4: relation size (pg_total_relation_size), SA = size /
# live logical bytes (sum of key and item bytes of the live rows), and
# kvam's own counters (runs, run versions, free extents, WAL full-page images).
#
# RocksDB (db_bench of Debian's rocksdb-tools, installed if missing by
# scripts/deps.sh with KVAM_EXTRA_DEPS): filluniquerandom N (each key once, random order), then overwrite
# with the same op count (--clients threads, random keys), waitforcompaction;
# leveled compaction defaults, WAL on, sync off, no compression, 10-bit bloom
# filters, 128 MB block cache (= shared_buffers); key and value sizes = the
# PostgreSQL tables' averages. WA from --statistics (wal + flush + compaction
# write bytes) and /proc io; SA = du of its directory / N x (key + value);
# readrandom (--clients threads, --read-seconds s, --read-reps runs), then
# compactall and readrandom again.
#
# Usage:
#   bench/amp.sh [--items N] [--ops OPS] [--clients C] [--read-seconds S]
#                [--read-reps R] [--engines "kvam heap rocksdb"]
#                [--set "guc=value ..."] [--load-chunk ROWS] [--waldump]
#                [--tag NAME] [--keep] [--quick]
#   --ops       upserts (default: N)
#   --set       ALTER SYSTEM settings for the run (e.g. kvam.compaction_fanout=4)
#   --load-chunk COPY in transactions of ROWS rows (default 250000; lib.sh)
#   --waldump   keep pg_waldump --stats=record of each table's upserts
#               (the WAL must still be there: up to max_wal_size, 8 GB)
#   --tag NAME  results in bench/results/amp/<NAME>.csv and <NAME>.txt
#               (default: items<N>)
#   --quick     = --items 100000 --read-seconds 3 --read-reps 1; results go
#               to bench/out/amp-quick/ (smoke test)
# Defaults: --items 10000000 --clients 8 --read-seconds 10 --read-reps 3
#
# Environment: KVAM_BENCH_PORT, KVAM_BENCH_DIR (as bench/run.sh).

set -euo pipefail

B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$B/env.sh"
RES=$B/results/amp

N=10000000
ops=
clients=8
read_secs=10
read_reps=3
engines="kvam heap rocksdb"
sets=
tag=
keep=
waldump=
load_chunk=
sync_commit=off

while [ $# -gt 0 ]; do
	case $1 in
		--items) N=$2; shift 2 ;;
		--ops) ops=$2; shift 2 ;;
		--clients) clients=$2; shift 2 ;;
		--read-seconds) read_secs=$2; shift 2 ;;
		--read-reps) read_reps=$2; shift 2 ;;
		--engines) engines=$2; shift 2 ;;
		--set) sets=$2; shift 2 ;;
		--load-chunk) load_chunk=$2; shift 2 ;;
		--waldump) waldump=1; shift ;;
		--tag) tag=$2; shift 2 ;;
		--keep) keep=1; shift ;;
		--quick) N=100000; read_secs=3; read_reps=1; RES=$B/out/amp-quick; shift ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
		*) die "unknown argument: $1 (see --help)" ;;
	esac
done
ops=${ops:-$N}
tag=${tag:-items$N}
per_client=$((ops / clients))
ops=$((per_client * clients))

. "$B/lib.sh"

CSV=$RES/$tag.csv
TXT=$RES/$tag.txt
: >"$TXT"
log() { say "$*"; echo "$*" >>"$TXT"; }

# the settings of the run: autovacuum as by default, plus --set
q "ALTER SYSTEM SET autovacuum = on" >/dev/null
for s in $sets; do
	q "ALTER SYSTEM SET ${s%%=*} = '${s#*=}'" >/dev/null
done
q "SELECT pg_reload_conf()" >/dev/null
sleep 1
log "amp.sh: items=$N ops=$ops clients=$clients read=${read_reps}x${read_secs}s engines='$engines' set='$sets'"
log "settings: $(q "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
                    WHERE name LIKE 'kvam.%' AND name NOT LIKE 'kvam.%fail_at'
                       OR name IN ('autovacuum','checkpoint_timeout','max_wal_size','shared_buffers','synchronous_commit')")"

W=$S/workloads
mkdir -p "$W"
for t in k h; do
	for w in point overwrite; do
		sed "s/@T@/$t/g" "$B/workloads/$w.sql" >"$W/${w}_$t.sql"
	done
done

psqlb -f "$B/sql/schema.sql" >/dev/null
DATA=$S/items_$N.tsv
q "COPY (SELECT bench_pk(j), bench_sk(j), bench_item(j)
         FROM (SELECT (i * 7919) % $N AS j FROM generate_series(0::bigint, $N - 1) i) s)
   TO '$DATA'" >/dev/null
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
split_load "$DATA"
# average key and item bytes of the loaded rows and of the upserts' rows
read -r key_b load_v <<<"$(q "SELECT round(avg(octet_length(bench_pk(i)) + octet_length(bench_sk(i))), 1),
                                     round(avg(pg_column_size(bench_item(i))), 1)
                              FROM generate_series(0::bigint, $N - 1, greatest($N / 20000, 1)) i" | tr '|' ' ')"
up_v=$(q "SELECT round(avg(pg_column_size(bench_item((random() * 1000000000)::bigint))), 1)
          FROM generate_series(1, 20000)")
log "logical row: key $key_b B, item $load_v B (load) / $up_v B (upserts)"

# --- measurement helpers -------------------------------------------------

# bytes written by the cluster's processes (postmaster incl. exited children)
pgio() {
	local pm s=0 p w
	pm=$(head -1 "$D/postmaster.pid")
	for p in $pm $(ps -o pid= --ppid "$pm"); do
		w=$(awk '/^write_bytes/ {print $2}' "/proc/$p/io" 2>/dev/null) || w=0
		s=$((s + ${w:-0}))
	done
	echo "$s"
}
bgw() { q "SELECT buffers_checkpoint + buffers_clean + buffers_backend FROM pg_stat_bgwriter"; }
walfpi() { q "SELECT wal_fpi FROM pg_stat_wal"; }
snap() { echo "$(lsn) $(bgw) $(pgio) $(walfpi)"; }
# wait until no flush or compaction has run for 5 s (at most 30 min)
idle() {
	local quiet=0 t0
	t0=$(now)
	while [ $quiet -lt 5 ]; do
		if [ "$(q "SELECT count(*) FROM kvam.stat_progress")" -eq 0 ]; then
			quiet=$((quiet + 1))
		else
			quiet=0
		fi
		[ "$(echo "$(now) - $t0 > 1800" | bc)" -eq 1 ] && break
		sleep 1
	done
	printf '%.0f' "$(echo "$(now) - $t0 - 5" | bc)"
}
# window: "snap before" "snap after" logical_bytes label
window() {
	local l0 b0 p0 f0 l1 b1 p1 f1 wal pages pio
	read -r l0 b0 p0 f0 <<<"$1"
	read -r l1 b1 p1 f1 <<<"$2"
	wal=$(lsn_diff "$l0" "$l1")
	pages=$(((b1 - b0) * 8192))
	pio=$((p1 - p0))
	WIN="$wal,$pages,$pio,$((f1 - f0)),$(echo "scale=3; ($wal + $pages) / $3" | bc),$(echo "scale=3; $pio / $3" | bc)"
	log "$4: WAL $((wal / 1048576)) MB, data pages $((pages / 1048576)) MB, /proc write $((pio / 1048576)) MB, FPI $((f1 - f0)); logical $(($3 / 1048576)) MB; WA(server) $(echo "scale=2; ($wal + $pages) / $3" | bc), WA(proc) $(echo "scale=2; $pio / $3" | bc)"
}
# median ops/s of --read-reps point-read runs on table $1
reads() {
	local r out v=()
	for r in $(seq 1 "$read_reps"); do
		out=$("$BIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -T "$read_secs" \
			-D n="$N" -f "$W/point_$1.sql" -h "$SOCK" -p "$port" -U postgres bench 2>&1)
		v+=("$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")")
	done
	log "  point reads $1: ${v[*]}" >&2
	printf '%s\n' "${v[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR + 1) / 2)]}'
}
kvstate() {
	q "SELECT 'runs ' || sum(runs) || ', levels ' || max(levels) || ', run versions ' || sum(run_versions)
	        || ', run blocks ' || sum(run_blocks) || ', l0 pages ' || sum(l0_pages)
	        || ', flushes ' || sum(flushes) || ', compactions ' || sum(compactions)
	        || ', compact blocks ' || sum(compact_blocks)
	        || ', free blocks ' || (SELECT coalesce(sum(blocks), 0) FROM kvam.free_extents('k'))
	        || ', relation blocks ' || pg_relation_size('k') / 8192
	   FROM kvam.partitions('k')"
}
kvcounters() { q "SELECT sum(flushes) || ' ' || sum(compactions) || ' ' || sum(compact_blocks) FROM kvam.partitions('k')"; }
livebytes() { q "SELECT sum(octet_length(pk) + octet_length(sk) + pg_column_size(item))::bigint FROM $1"; }

echo "engine,items,ops,load_s,load_wal,load_pages,load_proc,load_fpi,load_wa,load_wa_proc,upsert_s,upsert_ops_s,idle_s,wal,pages,proc,fpi,wa,wa_proc,live_bytes,size,sa,size_compacted,sa_compacted,reads,reads_compacted,read_ratio,runs_bytes_compacted" >"$CSV"

# --- PostgreSQL tables -----------------------------------------------------

pg_engine() {
	local t=$1 runb= l0 name s0 s1 s2 t0 t1 t2 out tps wait live sz szc r1 r2 lwin uwin c0 c1 lsecs usecs
	[ "$t" = k ] && name=kvam || name=heap
	log "== $name"
	q "DROP TABLE IF EXISTS $t" >/dev/null
	if [ "$t" = k ]; then
		q "CREATE TABLE k (pk text COLLATE \"C\" NOT NULL, sk text COLLATE \"C\" NOT NULL, item jsonb NOT NULL) USING kvam" >/dev/null
		q "CREATE UNIQUE INDEX k_key ON k USING kvam_key (pk, sk)" >/dev/null
	else
		q "CREATE TABLE h (pk text COLLATE \"C\" NOT NULL, sk text COLLATE \"C\" NOT NULL, item jsonb NOT NULL, PRIMARY KEY (pk, sk))" >/dev/null
	fi
	q "CHECKPOINT" >/dev/null
	s0=$(snap)
	t0=$(now)
	copy_load "$t" "$DATA"
	t1=$(now)
	wait=$(idle)
	q "CHECKPOINT" >/dev/null
	s1=$(snap)
	lsecs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	log "load: ${lsecs} s (+ ${wait} s until the auto-admin was idle), $(($(relsize $t) / 1048576)) MB"
	window "$s0" "$s1" "$(echo "$N * ($key_b + $load_v)" | bc | cut -d. -f1)" "load WA"
	lwin=$WIN
	[ "$t" = k ] && log "  kvam after load: $(kvstate)"
	[ "$t" = k ] && c0=$(kvcounters)

	t0=$(now)
	out=$("$BIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -t "$per_client" \
		-D n="$N" -f "$W/overwrite_$t.sql" -h "$SOCK" -p "$port" -U postgres bench 2>&1) || {
		log "pgbench FAILED: $(grep -v '^pgbench (' <<<"$out" | head -5 | tr '\n' ' ')"
		tail -20 "$S/server.log" >>"$TXT"
		die "upserts on $name failed (server log tail in $TXT)"
	}
	t1=$(now)
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
	grep -qE "^number of failed transactions: 0|^number of transactions actually processed: $ops/" <<<"$out" ||
		log "pgbench: $(grep -E '^number of (failed|transactions)' <<<"$out" | tr '\n' ' ')"
	wait=$(idle)
	if [ -n "$waldump" ]; then
		read -r l0 _ <<<"$s1"
		"$BIN/pg_waldump" -p "$D/pg_wal" -s "$l0" -e "$(lsn)" --stats=record >"$RES/${tag}_waldump_$name.txt" 2>&1 || true
		log "  pg_waldump --stats=record of the upserts: $RES/${tag}_waldump_$name.txt"
	fi
	q "CHECKPOINT" >/dev/null
	s2=$(snap)
	usecs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	log "upserts: $ops in ${usecs} s ($(printf '%.0f' "$tps") ops/s), + ${wait} s until the auto-admin was idle"
	window "$s1" "$s2" "$(echo "$ops * ($key_b + $up_v)" | bc | cut -d. -f1)" "upsert WA"
	uwin=$WIN
	if [ "$t" = k ]; then
		c1=$(kvcounters)
		log "  kvam after upserts: $(kvstate)"
		read -r a0 b0 x0 <<<"$c0"
		read -r a1 b1 x1 <<<"$c1"
		log "  during upserts: flushes $((a1 - a0)), compactions $((b1 - b0)), compaction output $(((x1 - x0) * 8192 / 1048576)) MB"
		log "  free extents: $(q "SELECT count(*) || ' extents, ' || coalesce(sum(blocks), 0) || ' blocks, reusable ' || coalesce(sum(blocks) FILTER (WHERE reusable), 0) || ', l0 chunks ' || coalesce(sum(blocks) FILTER (WHERE l0_partition IS NOT NULL), 0) FROM kvam.free_extents('k')")"
		log "  runs by level: $(q "SELECT string_agg('L' || level || ' ' || n || ' runs ' || b || ' blocks ' || v || ' versions', '; ' ORDER BY level)
		                         FROM (SELECT level, count(*) n, sum(blocks) b, sum(versions) v FROM kvam.runs('k') GROUP BY level) s")"
	fi
	live=$(livebytes "$t")
	sz=$(relsize "$t")
	log "size after upserts: $((sz / 1048576)) MB; live logical $((live / 1048576)) MB; SA $(echo "scale=2; $sz / $live" | bc)"
	r1=$(reads "$t")
	if [ "$t" = k ]; then
		log "  kvam.compact: $(q "SELECT kvam.compact('k')")"
		q "VACUUM k" >/dev/null
		log "  kvam after compact + VACUUM: $(kvstate)"
		runb=$(q "SELECT sum(run_blocks) * 8192 FROM kvam.partitions('k')")
		log "  runs after compact: $((runb / 1048576)) MB, SA(runs only) $(echo "scale=2; $runb / $live" | bc)"
	else
		q "VACUUM FULL h" >/dev/null
	fi
	q "CHECKPOINT" >/dev/null
	szc=$(relsize "$t")
	log "size after full compaction: $((szc / 1048576)) MB; SA $(echo "scale=2; $szc / $live" | bc)"
	r2=$(reads "$t")
	log "point reads (median ops/s): after upserts $r1, compacted $r2, ratio $(echo "scale=3; $r1 / $r2" | bc)"
	echo "$name,$N,$ops,$lsecs,$lwin,$usecs,$(printf '%.0f' "$tps"),$wait,$uwin,$live,$sz,$(echo "scale=3; $sz / $live" | bc),$szc,$(echo "scale=3; $szc / $live" | bc),$r1,$r2,$(echo "scale=3; $r1 / $r2" | bc),$runb" >>"$CSV"
	# free the disk for the next engine
	q "DROP TABLE $t" >/dev/null
	q "CHECKPOINT" >/dev/null
}

# --- RocksDB ---------------------------------------------------------------

# db_bench $label args...: run it, keep its output, print "stat" lines
rdb() {
	local label=$1
	shift
	# the subshell's /proc/<pid>/io holds the waited-for db_bench's bytes
	bash -c 'db_bench "$@" >"'"$S/rdb_$label.out"'" 2>&1; rc=$?; awk "/^write_bytes/ {print \$2}" /proc/$$/io; exit $rc' \
		db_bench "$@"
}
rstat() { awk -v k="$2" '$1 == k {print $4; exit}' "$S/rdb_$1.out"; }
rops() { sed -n "s/^$2 *:.* \([0-9]*\) ops\/sec.*/\1/p" "$S/rdb_$1.out" | head -1; }
# rdb_reads: --read-reps readrandom runs on the existing database, logged;
# prints the median ops/s
rdb_reads() {
	local v=() r
	for r in $(seq 1 "$read_reps"); do
		rdb read "${common[@]}" --use_existing_db --benchmarks=readrandom --threads="$clients" \
			--duration="$read_secs" >/dev/null
		v+=("$(rops read readrandom)")
	done
	log "  readrandom: ${v[*]}" >&2
	printf '%s\n' "${v[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR + 1) / 2)]}'
}

rocksdb_engine() {
	local R=$S/rocksdb ks vs common pio wal fl cp wa lwa live sz szc r1 r2 t0 t1 usecs tps
	command -v db_bench >/dev/null 2>&1 ||
		KVAM_EXTRA_DEPS=rocksdb-tools "$ROOT/scripts/deps.sh" ||
		die "db_bench missing and rocksdb-tools could not be installed"
	log "== rocksdb ($(dpkg-query -W -f '${Version}' rocksdb-tools 2>/dev/null))"
	rm -rf "$R"
	ks=$(printf '%.0f' "$key_b")
	vs=$(printf '%.0f' "$up_v")
	common=(--db="$R" --key_size="$ks" --value_size="$vs" --num="$N" --compression_type=none
		--bloom_bits=10 --cache_size=134217728 --sync=false --disable_wal=false --statistics
		--seed=42)
	pio=$(rdb fill "${common[@]}" --benchmarks=filluniquerandom,waitforcompaction --threads=1)
	wal=$(rstat fill rocksdb.wal.bytes) fl=$(rstat fill rocksdb.flush.write.bytes) cp=$(rstat fill rocksdb.compact.write.bytes)
	live=$((N * (ks + vs)))
	lwa=$(echo "scale=3; ($wal + $fl + $cp) / $live" | bc)
	log "load (filluniquerandom): $(rops fill filluniquerandom) ops/s; WAL $((wal / 1048576)) MB, flush $((fl / 1048576)) MB, compaction $((cp / 1048576)) MB, /proc write $((pio / 1048576)) MB; WA $lwa, WA(proc) $(echo "scale=2; $pio / $live" | bc); $(du -sm "$R" | cut -f1) MB"
	t0=$(now)
	pio=$(rdb over "${common[@]}" --use_existing_db --benchmarks=overwrite,waitforcompaction \
		--threads="$clients" --writes="$per_client")
	t1=$(now)
	wal=$(rstat over rocksdb.wal.bytes) fl=$(rstat over rocksdb.flush.write.bytes) cp=$(rstat over rocksdb.compact.write.bytes)
	wa=$(echo "scale=3; ($wal + $fl + $cp) / ($ops * ($ks + $vs))" | bc)
	tps=$(rops over overwrite)
	usecs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	log "upserts (overwrite): $ops in ${usecs} s incl. waitforcompaction ($tps ops/s); WAL $((wal / 1048576)) MB, flush $((fl / 1048576)) MB, compaction $((cp / 1048576)) MB, /proc write $((pio / 1048576)) MB; WA $wa, WA(proc) $(echo "scale=2; $pio / ($ops * ($ks + $vs))" | bc)"
	grep -E '^ *(L[0-9]|Sum)' "$S/rdb_over.out" | head -12 >>"$TXT" || true
	sz=$(du -sb "$R" | cut -f1)
	log "size after upserts: $((sz / 1048576)) MB (SST $(du -cb "$R"/*.sst 2>/dev/null | tail -1 | cut -f1 | awk '{printf "%d", $1 / 1048576}') MB); live logical $((live / 1048576)) MB; SA $(echo "scale=2; $sz / $live" | bc)"
	r1=$(rdb_reads)
	rdb compact "${common[@]}" --use_existing_db --benchmarks=compactall --threads=1 >/dev/null
	szc=$(du -sb "$R" | cut -f1)
	log "size after compactall: $((szc / 1048576)) MB; SA $(echo "scale=2; $szc / $live" | bc)"
	r2=$(rdb_reads)
	log "point reads (median ops/s): after upserts $r1, compacted $r2, ratio $(echo "scale=3; $r1 / $r2" | bc)"
	echo "rocksdb,$N,$ops,,,,,,$lwa,,$usecs,$tps,,$wal,$((fl + cp)),$pio,,$wa,$(echo "scale=3; $pio / ($ops * ($ks + $vs))" | bc),$live,$sz,$(echo "scale=3; $sz / $live" | bc),$szc,$(echo "scale=3; $szc / $live" | bc),$r1,$r2,$(echo "scale=3; $r1 / $r2" | bc)," >>"$CSV"
	rm -rf "$R"
}

for e in $engines; do
	case $e in
		kvam) pg_engine k ;;
		heap) pg_engine h ;;
		rocksdb) rocksdb_engine ;;
		*) die "unknown engine: $e" ;;
	esac
done
rm -f "$DATA" "$DATA".part-*
log "results: $CSV"
[ -n "$keep" ] && say "cluster kept: ${AS_PG[*]} $BIN/psql -h $SOCK -p $port -U postgres bench"
say "done"
