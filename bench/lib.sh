# bench/lib.sh -- shared set-up of the benchmark drivers (sourced by
# bench/run.sh, bench/api.sh and bench/decode.sh, never run on its own).
#
# Expects, from bench/env.sh: ROOT, B, PGVER, PG_SYS_LIB, PG_SYS_SHARE,
# PG_CONFIG, die(), say(); from the driver: RES (results directory),
# sync_commit, keep.
# Provides: a private relocated installation with kvam ($I, $BIN), a
# throwaway cluster ($D, port $port, socket dir $SOCK) with a database
# "bench", the cleanup trap, $RES/settings.csv and $RES/machine.csv, and the
# helpers psqlb, q, lsn, lsn_diff, walstat, relsize, now, split_load,
# copy_load; $LOGS is a scratch
# directory for pgbench logs, $S the scratch root, AS_PG the prefix that
# runs a command as the server's OS user.

#
# 1. Build and private installation.
#
say "build kvam"
make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG" >/dev/null

S=${KVAM_BENCH_DIR:-$(mktemp -d /var/tmp/kvam-bench.XXXXXX)}
mkdir -p "$S"
I=$S/inst
mkdir -p "$I/usr/lib/postgresql/$PGVER" "$I/usr/share/postgresql/$PGVER"
rsync -a --delete "$PG_SYS_LIB/" "$I/usr/lib/postgresql/$PGVER/"
rsync -a --delete "$PG_SYS_SHARE/" "$I/usr/share/postgresql/$PGVER/"
make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG" install DESTDIR="$I" >/dev/null
BIN=$I/usr/lib/postgresql/$PGVER/bin
[ "$("$BIN/pg_config" --pkglibdir)" = "$I/usr/lib/postgresql/$PGVER/lib" ] ||
	die "private install is not relocated"

if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' OS user"
	chown -R postgres:postgres "$S"
	AS_PG=(runuser -u postgres --)
else
	AS_PG=()
fi

port=${KVAM_BENCH_PORT:-}
if [ -z "$port" ]; then
	port=55432
	while ss -Hltn "sport = :$port" 2>/dev/null | grep -q . ||
		[ -e "/tmp/.s.PGSQL.$port" ]; do
		port=$((port + 1))
	done
fi

D=$S/data
SOCK=$S/sock
LOGS=$S/pgbench-logs
mkdir -p "$SOCK" "$LOGS"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SOCK"

cleanup() {
	if [ -z "$keep" ] && [ -f "$D/postmaster.pid" ]; then
		"${AS_PG[@]}" "$BIN/pg_ctl" -D "$D" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ -z "$keep" ] && [ -z "${KVAM_BENCH_DIR:-}" ]; then
		rm -rf "$S"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "initdb in $D (port $port)"
rm -rf "$D"
"${AS_PG[@]}" "$BIN/initdb" -D "$D" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$D/postgresql.conf" <<EOF

# ---- bench/run.sh ----
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SOCK'
max_connections = 40
shared_buffers = 128MB
shared_preload_libraries = 'kvam'
wal_level = logical
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
synchronous_commit = $sync_commit
autovacuum = off
logging_collector = off
log_checkpoints = on
EOF
# the trusted output plugins list of Debian's PostgreSQL 15 build (where it
# exists): the kvam stream plugin and wal2json (bench/decode.sh)
if grep -qa output_plugin_libraries "$BIN/postgres"; then
	echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2json, kvam'" >>"$D/postgresql.conf"
fi
"${AS_PG[@]}" "$BIN/pg_ctl" -D "$D" -l "$S/server.log" -w start >/dev/null

PSQL=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$port" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
psqlb() { "${PSQL[@]}" -d bench "$@"; }
q() { psqlb -At -c "$1"; }

mkdir -p "$RES"
SETTINGS_CSV=$RES/settings.csv
{
	echo "name,setting"
	q "SELECT name || ',' || current_setting(name) FROM pg_settings
	   WHERE name IN ('shared_buffers','wal_level','max_wal_size','min_wal_size',
	     'checkpoint_timeout','checkpoint_completion_target','synchronous_commit',
	     'autovacuum','full_page_writes','wal_compression','fsync','wal_buffers',
	     'kvam.memtable_size','kvam.memtable_pool','kvam.default_partitions',
	     'server_version','max_connections','jit')
	   ORDER BY name"
} >"$SETTINGS_CSV"

{
	echo "key,value"
	echo "date,$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu,\"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') x $(nproc)\""
	echo "memory_gb,$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
	echo "kernel,$(uname -r)"
	echo "postgres,\"$(q 'SELECT version()' | cut -d, -f1)\""
	echo "kvam_commit,$(git -C "$ROOT" log -1 --format=%h -- src sql kvam.control)"
	echo "disk,\"$(df -h "$S" | awk 'NR==2 {print $1 " " $2}')\""
} >"$RES/machine.csv"

lsn() { q "SELECT pg_current_wal_lsn()"; }
lsn_diff() { q "SELECT pg_wal_lsn_diff('$2', '$1')::bigint"; }
walstat() { q "SELECT wal_records || ' ' || wal_fpi FROM pg_stat_wal"; }
relsize() { q "SELECT pg_total_relation_size('$1')"; }
now() { date +%s.%N; }

# Bulk loads go in transactions of $load_chunk rows (default 250000): a
# kvam table cannot reuse the extents compaction retires while one
# transaction runs (reuse waits for every snapshot to be newer than the
# retirement), so a 10M-row COPY in one transaction grows the relation by
# everything compaction writes during it (past 66 GB, docs/benchmarks-amp.md).
# split_load FILE: cut FILE into FILE.part-NNNN of $load_chunk lines each
# (and remove FILE).
# copy_load TABLE FILE: COPY every part of FILE into TABLE, one transaction each.
load_chunk=${load_chunk:-250000}
split_load() {
	rm -f "$1".part-*
	split -l "$load_chunk" -d -a 4 "$1" "$1.part-"
	rm -f "$1"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$1".part-*
	return 0
}
copy_load() {
	local f
	for f in "$2".part-*; do
		q "COPY $1 FROM '$f'" >/dev/null
	done
}
