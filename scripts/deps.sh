#!/usr/bin/env bash
#
# scripts/deps.sh -- install what kvam needs on Debian bookworm.
#
# Installs only the packages that are missing; runs "apt-get update" only when
# something is missing.  Works as root (apt-get directly) and as a normal
# user with sudo.  Non-interactive and quiet: apt's output is shown only when
# it fails.  Safe to call often: when nothing is missing it costs one
# dpkg-query.
#
# Packages:
#   build-essential postgresql-server-dev-15   build kvam (PGXS, clang for bitcode)
#   postgresql-15 postgresql-contrib           the server, pg_regress & co. in pgxs
#   libxxhash-dev                               XXH3 (bloom filters, partitioning)
#   libipc-run-perl perl                        TAP tests (PostgreSQL::Test::Cluster, prove)
#   postgresql-15-wal2json                      change-stream comparisons in tests
#   gnuplot-nox                                 benchmark plots (bench/)
#   rsync                                       scripts/test.sh (private install, scratch copies)
#
# Extra packages can be added for one call with KVAM_EXTRA_DEPS="pkg ...":
# bench/amp.sh (make bench-amp) installs rocksdb-tools (db_bench) that way,
# only when it runs; the build and the tests never need it.

set -euo pipefail

PACKAGES=(
	build-essential
	postgresql-15
	postgresql-server-dev-15
	postgresql-contrib
	libxxhash-dev
	libipc-run-perl
	perl
	postgresql-15-wal2json
	gnuplot-nox
	rsync
)
# shellcheck disable=SC2206
PACKAGES+=(${KVAM_EXTRA_DEPS:-})

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: not root and sudo is not installed; install them as root." >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}"
log=$(mktemp /tmp/kvam-deps.XXXXXX)
trap 'rm -f "$log"' EXIT

apt_get() {
	if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
			-q -y -o Dpkg::Use-Pty=0 "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "deps.sh: apt-get $1 failed" >&2
		exit 1
	fi
}

apt_get update
apt_get install --no-install-recommends "${missing[@]}"
echo "deps.sh: done"
