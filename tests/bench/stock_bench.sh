#!/bin/bash
# Benchmark of the stock core on generated data: order lines applied per second (with their
# pushes queued), claim + done of pushes, and the push queue and drift queries at 100k SKUs ×
# 4 shops (400k listings) and then 250k × 4 (1M listings). Each figure is printed beside a
# baseline measured just before it on the same stack, and their ratio (stock_bench.c says which:
# bare commits of one-row inserts for orders, commits of a batch of primary-key updates for
# claim + done, 100 rows by primary key for the queries).
#   tests/bench/stock_bench.sh [STACKDIR] [PORT] [NSKUS] [NSKUS_BIG]
# Defaults: var/bench-stock 18291 100000 250000. The stack directory is its own: its tables are
# emptied first, and the stack is stopped at the end (KEEP=1 leaves it running for a look).
# Environment: BUILD (default build), ORDERS (default 20000), PROCS (default 4), KEEP.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${1:-var/bench-stock}
mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd)
PORT=${2:-18291}
N=${3:-100000}
NBIG=${4:-250000}
ORDERS=${ORDERS:-20000}
PROCS=${PROCS:-4}
export BUILD
sql() { tests/stack/stack.sh sql "$DIR" -N -B "$@"; }

# The bench program links the same objects as the programs (no Makefile rule needed).
[ -n "${SKIP_MAKE:-}" ] || make --no-print-directory BUILD="$BUILD" all >/dev/null
. tests/bench/lib.sh
bench_cc "$BUILD/stock_bench" tests/bench/stock_bench.c
[ -n "${KEEP:-}" ] || trap 'tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true' EXIT
tests/stack/stack.sh start "$DIR" "$PORT"
export ZAIKO_CONF=$DIR/zaiko.conf

sql <<'SQL'
SET FOREIGN_KEY_CHECKS = 0;
TRUNCATE push; TRUNCATE mall_order_line; TRUNCATE mall_order; TRUNCATE stock_move;
TRUNCATE set_part; TRUNCATE listing; TRUNCATE sku; TRUNCATE error_log; TRUNCATE shop;
TRUNCATE sku_count; TRUNCATE listed_sku_count; TRUNCATE sku_shop_listings;
INSERT INTO shop (name, mall, is_base, order_cursor, created_at) VALUES
  ('bench-yahoo', 'yahoo', 1, UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP()),
  ('bench-rakuten', 'rakuten', 0, UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP()),
  ('bench-amazon', 'amazon', 0, UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP()),
  ('bench-shopify', 'shopify', 0, UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP());
SQL
echo "== $N SKUs × 4 shops"
echo "\$ tests/stack/gen_data.sh $DIR $N"
tests/stack/gen_data.sh "$DIR" "$N"
# Start from an empty queue, as after a cycle that sent everything.
sql -e "UPDATE listing SET mall_stock = wanted WHERE wanted IS NOT NULL; DELETE FROM push;"
ZAIKO_CONF=$ZAIKO_CONF "$BUILD/zaiko-batch" recompute
echo "\$ stock_bench orders $ORDERS $PROCS G $N"
"$BUILD/stock_bench" orders "$ORDERS" "$PROCS" G "$N"
echo "\$ stock_bench orders $((ORDERS / 4)) 1 G $N"
"$BUILD/stock_bench" orders $((ORDERS / 4)) 1 G "$N"
echo "\$ stock_bench orders $((ORDERS / 4)) 1 G $N 50     (stock_apply_orders, 50 per transaction)"
"$BUILD/stock_bench" orders $((ORDERS / 4)) 1 G "$N" 50
echo "\$ stock_bench orders $ORDERS $PROCS G $N 50"
"$BUILD/stock_bench" orders "$ORDERS" "$PROCS" G "$N" 50
echo "\$ stock_bench queries 50"
"$BUILD/stock_bench" queries 50
echo "\$ stock_bench claim 1 500"
"$BUILD/stock_bench" claim 1 500
if [ "$NBIG" -gt "$N" ]; then
	echo "== $NBIG SKUs × 4 shops"
	tests/stack/gen_data.sh "$DIR" $((NBIG - N)) H
	echo "\$ stock_bench queries 50"
	"$BUILD/stock_bench" queries 50
	echo "\$ stock_bench orders $ORDERS $PROCS G $N"
	"$BUILD/stock_bench" orders "$ORDERS" "$PROCS" G "$N"
fi
[ -z "${KEEP:-}" ] || echo "the stack runs on; stop it with: tests/stack/stack.sh stop $DIR"
