#!/bin/sh
# Build the libFuzzer target for the expression engine and item codec.
#
#   fuzz/build.sh            -> fuzz/build/fuzz_expr
#   fuzz/build/fuzz_expr -max_total_time=600 -dict=fuzz/expr.dict \
#       fuzz/build/corpus fuzz/corpus
#
# Needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)
# and the PostgreSQL server headers (postgresql-server-dev-15).  The server
# runtime is replaced by fuzz/shim.c; number_arith.c (numeric) and the
# SQL-callable and jsonb files are not part of this build.
set -e
cd "$(dirname "$0")/.."
CC=${CC:-clang}
PGINC=$(pg_config --includedir-server)
OUT=fuzz/build
mkdir -p "$OUT" "$OUT/corpus"
SRCS="src/api/errors.c
      src/item/attrval.c src/item/number.c src/item/item_codec.c src/item/item_size.c
      src/expr/lexer.c src/expr/parse.c src/expr/reserved.c src/expr/resolve.c
      src/expr/eval.c src/expr/update.c src/expr/project.c src/expr/keycond.c
      fuzz/shim.c fuzz/fuzz_expr.c"
$CC -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -DKVAM_NO_SQL_FUNCTIONS \
    -Wall -Wno-unused-command-line-argument -Wno-ignored-attributes \
    -Isrc -Ifuzz -I"$PGINC" $SRCS "$(pg_config --pkglibdir)/libpgport.a" -lm \
    -o "$OUT/fuzz_expr"
echo "built $OUT/fuzz_expr"
