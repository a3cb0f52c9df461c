#!/usr/bin/env bash
#
# scripts/run.sh -- build kvam and start a local demo server (= "make run").
#
#   1. scripts/deps.sh (installs missing Debian packages), make.
#   2. make install into the system PostgreSQL 15 (with sudo unless root).
#   3. A Debian cluster 15/kvam on port 5433 (pg_createcluster; reused when it
#      exists, whatever its port), run by the "postgres" OS user, with
#      conf.d/kvam.conf: shared_preload_libraries = 'kvam', wal_level = logical,
#      wal_compression = lz4.
#      Started, or restarted so that the freshly installed kvam.so is loaded.
#   4. Database "kvam", dropped and recreated on every run (the on-disk format
#      still changes), then scripts/demo.sql is run in it.  A non-root caller
#      also gets a superuser role of its own name, so that a plain
#      "psql -p 5433 -d kvam" works.
#
# Re-runnable: a second run rebuilds, reinstalls, restarts and reloads the demo.
#
# Environment knobs:
#   KVAM_PORT=5433     port of a newly created cluster (an existing 15/kvam
#                      keeps its port)
#   KVAM_KEEP_DB=1     keep the existing database "kvam" (demo.sql runs again)
#
# Stop the server:    sudo pg_ctlcluster 15 kvam stop
# Remove it entirely: sudo pg_dropcluster --stop 15 kvam

set -euo pipefail

PGVER=15
CLUSTER=kvam
DB=kvam
PORT=${KVAM_PORT:-5433}
PG_CONFIG=/usr/lib/postgresql/$PGVER/bin/pg_config

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "run.sh: $*" >&2; exit 1; }
say() { printf '=== %s\n' "$*"; }

unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS \
	PGPASSWORD PGPASSFILE 2>/dev/null || true

me=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
	AS_POSTGRES=(runuser -u postgres --)
else
	command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed"
	SUDO=(sudo)
	AS_POSTGRES=(sudo -u postgres)
fi

# run_quiet CMD...: run CMD, show its output only if it fails.
run_quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		die "failed: $*"
	fi
}

# psql as the postgres OS user (from /, which it can read).
psql_pg() {
	(cd / && "${AS_POSTGRES[@]}" psql -X -v ON_ERROR_STOP=1 -p "$PORT" "$@")
}

say "dependencies"
"$ROOT/scripts/deps.sh"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found (postgresql-server-dev-$PGVER)"

say "build"
make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG"

say "install into $("$PG_CONFIG" --pkglibdir)"
run_quiet "${SUDO[@]}" make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG" install

cluster_field() {	# column of pg_lsclusters for our cluster, empty if none
	pg_lsclusters -h 2>/dev/null |
		awk -v v="$PGVER" -v c="$CLUSTER" -v f="$1" '$1 == v && $2 == c { print $f }'
}

if [ -z "$(cluster_field 2)" ]; then
	say "create cluster $PGVER/$CLUSTER on port $PORT"
	run_quiet "${SUDO[@]}" pg_createcluster --start-conf=manual \
		--locale=C.UTF-8 --port="$PORT" "$PGVER" "$CLUSTER"
else
	existing=$(cluster_field 3)
	say "reuse cluster $PGVER/$CLUSTER (port $existing)"
	PORT=$existing
fi

confdir=/etc/postgresql/$PGVER/$CLUSTER/conf.d
"${SUDO[@]}" mkdir -p "$confdir"
"${SUDO[@]}" tee "$confdir/kvam.conf" >/dev/null <<'EOF'
# Written by kvam's scripts/run.sh on every run; edits are lost.
shared_preload_libraries = 'kvam'
wal_level = logical
# kvam's WAL is mostly full-page images of new runs: lz4 roughly halves it
# (docs/benchmarks-amp.md, "WAL compression")
wal_compression = lz4
EOF
# the trusted output plugins list (a setting of Debian's PostgreSQL 15 build):
# let the kvam stream plugin be used
if grep -qa output_plugin_libraries /usr/lib/postgresql/$PGVER/bin/postgres; then
	echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2json, kvam'" |
		"${SUDO[@]}" tee -a "$confdir/kvam.conf" >/dev/null
fi
"${SUDO[@]}" chown postgres:postgres "$confdir" "$confdir/kvam.conf"
if ! "${SUDO[@]}" grep -Eq "^[[:space:]]*include_dir[[:space:]]*=[[:space:]]*'conf\.d'" \
		"/etc/postgresql/$PGVER/$CLUSTER/postgresql.conf"; then
	die "/etc/postgresql/$PGVER/$CLUSTER/postgresql.conf does not include conf.d"
fi

status=$(cluster_field 4)
if [[ $status == online* ]]; then
	say "restart $PGVER/$CLUSTER"
	action=restart
else
	say "start $PGVER/$CLUSTER"
	action=start
fi
if ! "${SUDO[@]}" pg_ctlcluster "$PGVER" "$CLUSTER" "$action"; then
	echo "--- /var/log/postgresql/postgresql-$PGVER-$CLUSTER.log (tail)" >&2
	"${SUDO[@]}" tail -n 30 "/var/log/postgresql/postgresql-$PGVER-$CLUSTER.log" >&2 || true
	die "could not $action cluster $PGVER/$CLUSTER"
fi

preload=$(psql_pg -d postgres -tAc 'SHOW shared_preload_libraries')
[[ $preload =~ (^|[[:space:],])kvam($|[[:space:],]) ]] ||
	die "kvam is not in shared_preload_libraries ($preload); check $confdir"

if [ -z "${KVAM_KEEP_DB:-}" ]; then
	say "recreate database $DB"
	psql_pg -q -d postgres -c 'SET client_min_messages = warning' \
		-c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
if [ "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
	psql_pg -q -d postgres -c "CREATE DATABASE $DB"
fi
if [ "$me" != root ] && [ "$me" != postgres ]; then
	psql_pg -q -d postgres -v u="$me" <<'EOF'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'u')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
EOF
fi

say "scripts/demo.sql"
psql_pg -d "$DB" -f - <"$ROOT/scripts/demo.sql"

if [ "$me" = root ]; then
	connect="runuser -u postgres -- psql -p $PORT -d $DB    (as the postgres OS user)"
	ctl="pg_ctlcluster"
elif [ "$me" = postgres ]; then
	connect="psql -p $PORT -d $DB    (as the postgres OS user)"
	ctl="sudo pg_ctlcluster"
else
	connect="psql -p $PORT -d $DB    (as $me, a superuser role; or: sudo -u postgres psql -p $PORT -d $DB)"
	ctl="sudo pg_ctlcluster"
fi
cat <<EOF

kvam demo server is running: PostgreSQL $PGVER cluster $PGVER/$CLUSTER, port $PORT, database $DB
  connect:  $connect
  log:      /var/log/postgresql/postgresql-$PGVER-$CLUSTER.log
  stop:     $ctl $PGVER $CLUSTER stop
EOF
