# bench/env.sh -- what every benchmark driver starts with (sourced by
# bench/run.sh, bench/api.sh and bench/decode.sh right after "set -euo
# pipefail", never run on its own).
#
# Expects: B, the bench/ directory.  Provides: PGVER, PG_SYS_LIB,
# PG_SYS_SHARE, PG_CONFIG (the system PostgreSQL 15 the private
# installation is copied from), ROOT (the checkout), DOCS, die() and say()
# (messages prefixed with the driver's name), a C.UTF-8 locale and no
# libpq environment that could point the drivers at another server.

PGVER=15
PG_SYS_LIB=/usr/lib/postgresql/$PGVER
PG_SYS_SHARE=/usr/share/postgresql/$PGVER
PG_CONFIG=$PG_SYS_LIB/bin/pg_config

ROOT=$(cd "$B/.." && pwd)
DOCS=$ROOT/docs

die() { echo "$(basename "$0" .sh): $*" >&2; exit 2; }
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS \
	PGPASSWORD PGPASSFILE 2>/dev/null || true
