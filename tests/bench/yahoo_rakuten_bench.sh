#!/bin/bash
# Benchmark of the Yahoo and Rakuten adapters against their simulators (limits and pacing off):
# pushes and order fetches per second, beside the bare HTTP round trip to the simulator.
# The simulators are single-process Python, so the figures bound the adapters from below.
#   tests/bench/yahoo_rakuten_bench.sh [ITEMS] [ORDERS]     (defaults 5000 200)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
[ -n "${SKIP_MAKE:-}" ] || make --no-print-directory BUILD="$BUILD" all >/dev/null
objs=$(ls "$BUILD"/obj/cgi-bin/core/*.o "$BUILD"/obj/cgi-bin/mall/*.o)
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Icgi-bin -Itests/unit \
	$(pkg-config --cflags libcurl libcjson) -o "$BUILD/yahoo_rakuten_bench" \
	tests/bench/yahoo_rakuten_bench.c $objs -lneo_cgi -lneo_cs -lneo_utl -lz -lexpat -lcrypto -lcrypt \
	$(pkg-config --libs libcurl libcjson) $(pkg-config --libs icu-uc icu-i18n 2>/dev/null || true) -lm
echo "\$ $BUILD/yahoo_rakuten_bench ${1:-5000} ${2:-200}"
"$BUILD/yahoo_rakuten_bench" "${1:-5000}" "${2:-200}"
