# kvam: a DynamoDB data plane for PostgreSQL (PGXS build)
#
#   make             build kvam.so and the install script
#   make install     install into the PostgreSQL found by $(PG_CONFIG)
#   make run         install everything needed, build, install, start a demo server
#   make test        the whole test suite (pg_regress, isolation, TAP)
#
# Sources are found by wildcard so that each concern can live in its own
# file under src/<subsystem>/ without editing this file.

MODULE_big = kvam
EXTENSION  = kvam
DATA_built = kvam--0.1.sql

SRCS = $(sort $(wildcard src/*.c src/*/*.c))
OBJS = $(SRCS:.c=.o)

PG_CPPFLAGS = -I$(srcdir)/src -I$(libpq_srcdir)
# the cluster management code talks to other nodes with libpq (src/cluster/remote.c)
SHLIB_LINK_INTERNAL = $(libpq)
PG_CFLAGS   = -Wall -Wmissing-prototypes -Wpointer-arith -Wno-declaration-after-statement \
              -Werror=vla -Werror=implicit-function-declaration

# pg_regress inputs: every sql/<area>_<topic>.sql; isolation specs likewise.
REGRESS   = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))

# Rebuild objects when headers change (PGXS tracks dependencies only when asked).
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The install script is assembled from sql/install/*.sql in name order.
kvam--0.1.sql: $(sort $(wildcard sql/install/*.sql))
	cat $^ > $@

# Test and demo targets: see scripts/test.sh and scripts/run.sh for the
# environment knobs (KVAM_TESTS, KVAM_REGRESS, KVAM_EXTRA_CONF, ...).
.PHONY: run test test-regress test-isolation test-tap test-walcheck test-valgrind bench bench-api bench-decode bench-cluster bench-amp
run:
	./scripts/run.sh

test:
	./scripts/test.sh

test-regress:
	KVAM_TESTS=regress ./scripts/test.sh

test-isolation:
	KVAM_TESTS=isolation ./scripts/test.sh

test-tap:
	KVAM_TESTS=tap ./scripts/test.sh

# The whole suite with wal_consistency_checking = 'kvam'.
test-walcheck:
	KVAM_EXTRA_CONF=test/walcheck.conf ./scripts/test.sh

# regress and isolation with every server under valgrind memcheck (slow:
# about 20x); errors in kvam code fail it.  KVAM_TESTS/KVAM_REGRESS narrow it.
test-valgrind:
	KVAM_VALGRIND=1 KVAM_TESTS="$${KVAM_TESTS:-regress isolation}" ./scripts/test.sh

# kvam vs heap benchmark; writes bench/results/ and docs/benchmarks.md.
# Arguments: make bench BENCH_ARGS="--items 1000000,10000000 --reps 3"
bench:
	./bench/run.sh $(BENCH_ARGS)

# cost of the DynamoDB API layer; writes bench/results/api_runs.csv and
# docs/benchmarks-api.md.  make bench-api BENCH_ARGS="--quick"
bench-api:
	./bench/api.sh $(BENCH_ARGS)

# write/space amplification and point reads after random upserts: kvam,
# heap and RocksDB (db_bench); writes bench/results/amp/ (docs/benchmarks-amp.md).
# make bench-amp BENCH_ARGS="--items 1000000"
bench-amp:
	./bench/amp.sh $(BENCH_ARGS)

# decoding throughput of the kvam stream plugin vs wal2json; writes
# bench/results/decode/ and docs/benchmarks-streams.md
bench-decode:
	./bench/decode.sh $(BENCH_ARGS)

# a three-server cluster vs one server, and failover time; writes
# bench/results/cluster/ and docs/benchmarks-cluster.md
bench-cluster:
	./bench/cluster.sh $(BENCH_ARGS)
