#!/bin/bash
# zaiko-batch figures on a private stack and the four mall simulators:
#   latency from an order in one simulator to the new stock in all others (loop mode, Amazon
#   paced at 5 PATCH/s), then the same while BACKLOG bulk pushes drain on the very Amazon shop
#   the orders must reach; one cycle with 1,000 new orders over 4 shops, an idle cycle at many
#   listings, peak RSS.
# Standalone: tests/bench/batch_bench.sh [STACKDIR] [PORT]
# Environment: BUILD (default build), ORDERS (200), BULK (1000), LISTINGS (SKUs per shop, 20000),
#              INTERVAL (loop interval, 0.2), BACKLOG (1000).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BUILD=${BUILD:-build}
DIR=${1:-var/bench-batch}
PORT=${2:-18391}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
cleanup() {
	tests/stack/sims.sh stop "$DIR" >/dev/null 2>&1 || true
	tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
tests/stack/stack.sh start "$DIR" "$PORT"
tests/stack/sims.sh start "$DIR"
ZAIKO_CONF=$DIR/zaiko.conf ZAIKO_STACK_DIR=$DIR ZAIKO_BUILD=$ROOT/$BUILD \
	/usr/bin/python3 tests/bench/batch_bench.py
