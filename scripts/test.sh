#!/usr/bin/env bash
#
# scripts/test.sh -- kvam's whole test suite (= "make test").
#
#   1. scripts/deps.sh, then "make".
#   2. Install kvam into a private, relocated copy of PostgreSQL 15 in
#      ./tmp_install ($T): /usr/lib/postgresql/15 and /usr/share/postgresql/15
#      are mirrored there with rsync (cheap after the first run), then
#      "make install DESTDIR=$T".  The system installation is never touched
#      and no root is needed.
#   3. Copy the source tree (without .git) into a fresh scratch directory
#      under /tmp and run, from there, against temporary servers:
#        regress    pg_regress over sql/*.sql (expected/*.out), name order
#        isolation  pg_isolation_regress over test/isolation/specs/*.spec
#                   (expected in test/isolation/expected/*.out)
#        tap        prove over test/t/*.pl (PostgreSQL::Test::Cluster),
#                   one prove run per file
#      Temporary files and sockets go to the scratch directory (TMPDIR).
#      Every server gets test/kvam.conf (shared_preload_libraries = 'kvam',
#      wal_level = logical, ...) plus $KVAM_EXTRA_CONF.  initdb refuses to
#      run as root, so as root the scratch directory belongs to the
#      "postgres" OS user and the tests run as that user (runuser).
#   4. Copy diffs and logs back to ./test-output/ (git-ignored; emptied at
#      the start of each run) and print one last line "N passed, N failed"
#      (pg_regress tests + isolation tests + TAP files).  Exit status 0 only
#      if nothing failed.
#
# Environment knobs:
#   KVAM_TESTS="regress isolation tap"  which stages to run (default: all)
#   KVAM_REGRESS="am_basic ..."         only these pg_regress tests (sql/<name>.sql)
#   KVAM_ISOLATION="name ..."           only these isolation specs
#   KVAM_TAP="001_preload ..."          only these TAP files (test/t/<name>.pl)
#   KVAM_EXTRA_CONF=file                appended to every test server's
#                                       configuration, e.g. test/walcheck.conf
#                                       (= "make test-walcheck")
#   KVAM_PROVE_FLAGS="--verbose"        extra flags for prove
#   KVAM_KEEP_SCRATCH=1                 keep the scratch directory (data
#                                       directories of failed runs) for a look
#   KVAM_VALGRIND=1                     run every test server under valgrind
#                                       memcheck (= "make test-valgrind"; see
#                                       "Valgrind" below)
#
# Examples:
#   make test
#   KVAM_TESTS=regress KVAM_REGRESS=am_basic make test
#   KVAM_TESTS=tap KVAM_TAP=001_preload KVAM_PROVE_FLAGS=-v make test
#   make test-walcheck

set -euo pipefail

PGVER=15
PG_SYS_LIB=/usr/lib/postgresql/$PGVER
PG_SYS_SHARE=/usr/share/postgresql/$PGVER
PG_CONFIG=$PG_SYS_LIB/bin/pg_config

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$ROOT/tmp_install
OUT=$ROOT/test-output

die() { echo "test.sh: $*" >&2; exit 2; }
say() { printf '\n=== %s\n' "$*"; }

# Resolve KVAM_EXTRA_CONF relative to the caller's directory, then the checkout.
extra_conf=
if [ -n "${KVAM_EXTRA_CONF:-}" ]; then
	if [ -f "$KVAM_EXTRA_CONF" ]; then
		extra_conf=$(realpath "$KVAM_EXTRA_CONF")
	elif [ -f "$ROOT/$KVAM_EXTRA_CONF" ]; then
		extra_conf=$ROOT/$KVAM_EXTRA_CONF
	else
		die "KVAM_EXTRA_CONF: no such file: $KVAM_EXTRA_CONF"
	fi
fi

stages=${KVAM_TESTS:-regress isolation tap}
for s in $stages; do
	case $s in
		regress|isolation|tap) ;;
		*) die "KVAM_TESTS: unknown stage '$s' (want: regress isolation tap)" ;;
	esac
done
want() { [[ " $stages " == *" $1 "* ]]; }

cd "$ROOT"

passed=0
failed=0
failures=()
summary_printed=
S=

# On any exit: remove the scratch directory; if the script stops before its
# summary (build error, setup error, interrupt), count that as one failure so
# that the last line is still "N passed, N failed".
on_exit() {
	local rc=$?
	if [ -n "$S" ]; then
		if [ -n "${KVAM_KEEP_SCRATCH:-}" ]; then
			echo "test.sh: scratch directory kept: $S"
		else
			rm -rf "$S"
		fi
	fi
	if [ -z "$summary_printed" ]; then
		echo
		echo "test.sh: stopped before the end (exit status $rc)"
		echo "$passed passed, $((failed + 1)) failed"
		[ "$rc" -ne 0 ] || rc=1
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Deterministic environment: UTF-8 databases with byte-order collation and
# English messages; no libpq variables pointing at some other server.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LANGUAGE PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE \
	PGSERVICEFILE PGOPTIONS PGDATA PGPASSWORD PGPASSFILE PGSSLMODE \
	PGAPPNAME PGTZ PGDATESTYLE PGCLIENTENCODING 2>/dev/null || true

# list_tests DIR EXT SUBSET-VAR: set the array "tests" to the names
# (basename without extension) of DIR/*.EXT in byte order like make's
# $(sort), or to the names in $SUBSET-VAR after checking that they exist.
list_tests() {
	local dir=$1 ext=$2 subset=${!3:-} f n
	tests=()
	if [ -n "$subset" ]; then
		for n in $subset; do
			n=$(basename "$n" ".$ext")
			[ -f "$dir/$n.$ext" ] || die "$3: no such test: $dir/$n.$ext"
			tests+=("$n")
		done
	else
		for f in "$dir"/*."$ext"; do
			if [ -f "$f" ]; then
				tests+=("$(basename "$f" ".$ext")")
			fi
		done
	fi
	if [ ${#tests[@]} -gt 0 ]; then
		mapfile -t tests < <(printf '%s\n' "${tests[@]}" | LC_ALL=C sort -u)
	fi
}

#
# 1. Dependencies and build.
#
say "deps and build"
"$ROOT/scripts/deps.sh"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found (postgresql-server-dev-$PGVER)"
make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG"

#
# 2. Private PostgreSQL copy with kvam installed.  One test run per checkout
#    at a time (several checkouts may test at once).
#
mkdir -p "$T"
exec 9>"$T/.lock"
if ! flock -n 9; then
	echo "test.sh: another test run in $ROOT holds $T/.lock; waiting"
	flock 9
fi

rm -rf "$OUT"

mkdir -p "$T/usr/lib/postgresql/$PGVER" "$T/usr/share/postgresql/$PGVER"
# Mirror the system installation; kvam files (say from "make run") are
# excluded and deleted, then reinstalled from this checkout.
rsync -a --delete --delete-excluded \
	--exclude=/lib/kvam.so --exclude=/lib/bitcode/kvam/ \
	--exclude=/lib/bitcode/kvam.index.bc \
	"$PG_SYS_LIB/" "$T/usr/lib/postgresql/$PGVER/"
rsync -a --delete --delete-excluded \
	--exclude='/extension/kvam.control' --exclude='/extension/kvam--*' \
	"$PG_SYS_SHARE/" "$T/usr/share/postgresql/$PGVER/"
make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG" install DESTDIR="$T" >/dev/null

#
# 3. Scratch directory, owned by whoever runs the servers.
#
S=$(mktemp -d /tmp/kvam-test.XXXXXX)

rsync -a --exclude=/.git --exclude=/tmp_install --exclude=/test-output \
	--exclude=/results --exclude=/output_iso --exclude='/tmp_check*' \
	--exclude=/log --exclude='/regression.*' "$ROOT/" "$S/src/"
mkdir -p "$S/out/regress" "$S/out/isolation" "$S/out/tap" "$S/tmp"

{
	echo "# test/kvam.conf"
	cat "$ROOT/test/kvam.conf"
	if [ -n "$extra_conf" ]; then
		echo
		echo "# KVAM_EXTRA_CONF=$extra_conf"
		cat "$extra_conf"
	fi
} >"$S/test.conf"
# output_plugin_libraries (the trusted output plugins) exists in the Debian
# PostgreSQL 15 build this project is tested on; a build without it would
# refuse to start with the line in place.
if ! grep -qa output_plugin_libraries "$PG_SYS_LIB/bin/postgres"; then
	sed -i '/^output_plugin_libraries/d' "$S/test.conf"
fi

TI=$T	# the installation the tests use
if [ -n "${KVAM_VALGRIND:-}" ]; then
	# the valgrind wrapper replaces bin/postgres: do it in a copy
	mkdir -p "$S/inst"
	rsync -a "$T/usr" "$S/inst/"
	TI=$S/inst
fi
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' OS user (postgresql-common)"
	RUNAS=(runuser -u postgres -- env)
	# The postgres user must reach the private installation; if the
	# checkout is private (say under /root), use a copy inside the scratch
	# directory.
	if ! runuser -u postgres -- test -x "$T/usr/lib/postgresql/$PGVER/bin/postgres" -a \
			-r "$T/usr/lib/postgresql/$PGVER/lib/kvam.so" -a \
			-r "$T/usr/share/postgresql/$PGVER/extension/kvam.control"; then
		if [ "$TI" = "$T" ]; then
			mkdir -p "$S/inst"
			rsync -a "$T/usr" "$S/inst/"
			TI=$S/inst
		fi
	fi
	chown -R postgres:postgres "$S"
	echo "running the test servers as OS user 'postgres' in $S"
else
	RUNAS=(env)
fi

BIN=$TI/usr/lib/postgresql/$PGVER/bin
PGXS_T=$TI/usr/lib/postgresql/$PGVER/lib/pgxs
pkglibdir=$("$BIN/pg_config" --pkglibdir)
[ "$pkglibdir" = "$TI/usr/lib/postgresql/$PGVER/lib" ] ||
	die "private install is not relocated: pg_config --pkglibdir says $pkglibdir"
export PATH="$BIN:$PATH"

#
# Valgrind (KVAM_VALGRIND=1).  bin/postgres of the private copy becomes a
# wrapper that runs the real binary under memcheck, one log per process in
# $S/out/valgrind/ (initdb's bootstrap and single-user runs and "postgres
# -V/-C" go straight to the binary).  Debian's PostgreSQL is built without
# USE_VALGRIND, so memcheck does not see palloc chunk bounds; it does see
# reads of uninitialised memory, invalid accesses outside malloc'd blocks
# and invalid frees.  test/valgrind.supp silences the known noise of such a
# build (uninitialised padding written to WAL and to sockets).  An error
# whose stack passes through kvam.so counts as one failure ("valgrind");
# the others are listed in the log only.
#
if [ -n "${KVAM_VALGRIND:-}" ]; then
	command -v valgrind >/dev/null || die "KVAM_VALGRIND: valgrind is not installed"
	VG_LOGS=$S/out/valgrind
	mkdir -p "$VG_LOGS"
	mv "$BIN/postgres" "$BIN/postgres.real"
	cat >"$BIN/postgres" <<WRAP
#!/bin/sh
real="\$(dirname "\$0")/postgres.real"
case "\$1" in
--boot|--single|-V|--version|-C|--describe-config) exec "\$real" "\$@" ;;
esac
exec valgrind --quiet --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \\
	--log-file="$VG_LOGS/%p.log" --suppressions="$S/src/test/valgrind.supp" \\
	--num-callers=30 --read-var-info=no --leak-check=no \\
	--gen-suppressions=all "\$real" "\$@"
WRAP
	chmod 755 "$BIN/postgres"
	[ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$S"
	# TAP's own timeouts assume full speed
	export PG_TEST_TIMEOUT_DEFAULT=1800
fi

cd "$S/src"

# run_logged LOG CMD...: run CMD showing its output and saving it in LOG;
# returns CMD's exit status.
run_logged() {
	local log=$1 rc
	shift
	set +e
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

# count_pg_regress STAGE LOG RC NAMES...: one result per test from
# pg_regress's output: "test NAME ... ok" / "     NAME ... ok" (PG <= 15) or
# "ok N - NAME" (PG >= 16).  A test without an "ok" line failed.
count_pg_regress() {
	local stage=$1 log=$2 rc=$3 n st nfail=0
	shift 3
	declare -A status=()
	while read -r n st; do
		status[$n]=$st
	done < <(awk '
		$1 == "test" && $3 == "..."                  { print $2, ($4 == "" ? "no-result" : $4); next }
		$2 == "..."                                  { print $1, ($3 == "" ? "no-result" : $3); next }
		$1 == "ok" && ($3 == "-" || $3 == "+")       { print $4, "ok"; next }
		$1 == "not" && $2 == "ok" && ($4 == "-" || $4 == "+") { print $5, "FAILED" }
		' "$log")
	for n in "$@"; do
		if [ "${status[$n]:-}" = ok ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1)); nfail=$((nfail + 1))
			failures+=("$stage/$n (${status[$n]:-no result})")
		fi
	done
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$stage (exit status $rc)")
	fi
}

#
# 4a. pg_regress
#
if want regress; then
	list_tests sql sql KVAM_REGRESS
	if [ ${#tests[@]} -eq 0 ]; then
		say "regress: no tests (sql/*.sql), skipped"
	else
		say "regress: ${tests[*]}"
		rc=0
		run_logged "$S/out/regress/pg_regress.log" \
			"${RUNAS[@]}" PATH="$PATH" TMPDIR="$S/tmp" \
			"$PGXS_T/src/test/regress/pg_regress" \
			--temp-instance="$S/tmp_regress" --temp-config="$S/test.conf" \
			--inputdir=. --outputdir="$S/out/regress" --bindir="$BIN" \
			--dbname=contrib_regression "${tests[@]}" || rc=$?
		count_pg_regress regress "$S/out/regress/pg_regress.log" "$rc" "${tests[@]}"
	fi
fi

#
# 4b. pg_isolation_regress (isolationtester is found next to it)
#
if want isolation; then
	list_tests test/isolation/specs spec KVAM_ISOLATION
	if [ ${#tests[@]} -eq 0 ]; then
		say "isolation: no specs (test/isolation/specs/*.spec), skipped"
	else
		say "isolation: ${tests[*]}"
		rc=0
		run_logged "$S/out/isolation/pg_isolation_regress.log" \
			"${RUNAS[@]}" PATH="$PATH" TMPDIR="$S/tmp" \
			"$PGXS_T/src/test/isolation/pg_isolation_regress" \
			--temp-instance="$S/tmp_isolation" --temp-config="$S/test.conf" \
			--inputdir=test/isolation --outputdir="$S/out/isolation" \
			--bindir="$BIN" "${tests[@]}" || rc=$?
		count_pg_regress isolation "$S/out/isolation/pg_isolation_regress.log" "$rc" "${tests[@]}"
	fi
fi

#
# 4c. TAP, as PGXS's prove_installcheck does it, one prove run per file
#     (its exit status is the file's result).  Logs: tmp_check/log.
#
if want tap; then
	list_tests test/t pl KVAM_TAP
	if [ ${#tests[@]} -eq 0 ]; then
		say "tap: no tests (test/t/*.pl), skipped"
	else
		say "tap: ${tests[*]}"
		# shellcheck disable=SC2206
		prove_flags=(${KVAM_PROVE_FLAGS:-})
		for n in "${tests[@]}"; do
			rc=0
			run_logged "$S/out/tap/$n.prove.log" \
				"${RUNAS[@]}" PATH="$PATH" TMPDIR="$S/tmp" \
				TESTDIR="$S/out/tap" PGPORT=65432 \
				PG_REGRESS="$PGXS_T/src/test/regress/pg_regress" \
				PERL5LIB="$PGXS_T/src/test/perl:$S/src/test/t${PERL5LIB:+:$PERL5LIB}" \
				KVAM_TEST_CONF="$S/test.conf" \
				prove -I "$PGXS_T/src/test/perl" -I "$S/src/test/t" \
				"${prove_flags[@]}" "test/t/$n.pl" || rc=$?
			if [ "$rc" -eq 0 ]; then
				passed=$((passed + 1))
			else
				failed=$((failed + 1))
				failures+=("tap/$n (prove exit status $rc)")
			fi
		done
		# Keep the logs, not the data directories of failed nodes.
		if [ -d "$S/out/tap/tmp_check/log" ]; then
			mv "$S/out/tap/tmp_check/log" "$S/out/tap/log"
		fi
		rm -rf "$S/out/tap/tmp_check"
	fi
fi

#
# 4d. Valgrind's findings: errors with a kvam.so frame fail the run.
#
if [ -n "${KVAM_VALGRIND:-}" ]; then
	vg_all=0
	vg_kvam=0
	for f in "$VG_LOGS"/*.log; do
		[ -s "$f" ] || continue
		n=$(grep -c '^==[0-9]*== VALGRINDERROR-BEGIN' "$f" || true)
		k=$(awk '/VALGRINDERROR-BEGIN/ { e = 1; hit = 0 }
			e && /kvam\.so/ { hit = 1 }
			/VALGRINDERROR-END/ { if (hit) n++; e = 0 }
			END { print n + 0 }' "$f")
		vg_all=$((vg_all + n))
		vg_kvam=$((vg_kvam + k))
		[ "$k" -eq 0 ] || echo "valgrind: $k error(s) in kvam code: ${f#"$S"/out/}"
	done
	say "valgrind: $vg_all error(s) in all, $vg_kvam with a kvam.so frame"
	if [ "$vg_kvam" -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("valgrind ($vg_kvam errors in kvam code; see valgrind/)")
	fi
fi

#
# 5. Results
#
mkdir -p "$OUT"
cp -r "$S/out/." "$OUT/"
cp "$S/test.conf" "$OUT/test.conf"
if [ "$(id -u)" -eq 0 ]; then
	chown -R --reference="$ROOT" "$OUT" 2>/dev/null || true
fi

if [ "$failed" -ne 0 ]; then
	say "FAILED"
	printf '  %s\n' "${failures[@]}"
	for d in "$OUT"/regress/regression.diffs "$OUT"/isolation/regression.diffs; do
		[ -s "$d" ] || continue
		echo
		echo "--- ${d#"$ROOT"/} (first 200 lines)"
		head -n 200 "$d"
	done
	echo
	echo "Logs: ${OUT#"$ROOT"/}/ (*/regression.diffs, */results/, */log/postmaster.log, tap/log/)"
fi
echo
echo "$passed passed, $failed failed"
summary_printed=1
[ "$failed" -eq 0 ]
