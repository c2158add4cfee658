#!/bin/bash
# Benchmark of stock pushes through the four mall adapters against their simulators: with
# limits off (Amazon, Shopify) beside the bare HTTP round trip, and with the published limits on
# (all four) beside the limit-bound minimum, with the ratio carried to 100,000 listings; then
# yahoo_rakuten_bench as is for Yahoo and Rakuten with limits off. About 2.5 minutes.
#   tests/bench/mall_bench.sh [TARGET_S] [AMAZON_OFF] [SHOPIFY_OFF]     (defaults 25 2000 5000)
# TARGET_S: seconds each limits-on run takes at its limit; *_OFF: listings pushed limits off.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
[ -n "${SKIP_MAKE:-}" ] || make --no-print-directory BUILD="$BUILD" all >/dev/null
objs=$(ls "$BUILD"/obj/cgi-bin/core/*.o "$BUILD"/obj/cgi-bin/mall/*.o)
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -Icgi-bin -Itests/unit \
	$(pkg-config --cflags libcurl libcjson) -o "$BUILD/mall_bench" \
	tests/bench/mall_bench.c $objs -lneo_cgi -lneo_cs -lneo_utl -lz -lexpat -lcrypto -lcrypt \
	$(pkg-config --libs libcurl libcjson) $(pkg-config --libs icu-uc icu-i18n 2>/dev/null || true) -lm
args="${1:-25} ${2:-2000} ${3:-5000}"
echo "\$ BUILD=$BUILD tests/bench/mall_bench.sh $args    (runs $BUILD/mall_bench $args)"
status=0
"$BUILD/mall_bench" $args || status=$?
echo
echo "Yahoo and Rakuten with limits off (tests/bench/yahoo_rakuten_bench.sh, defaults):"
SKIP_MAKE=1 BUILD="$BUILD" bash tests/bench/yahoo_rakuten_bench.sh || status=$?
exit $status
