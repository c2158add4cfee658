#!/bin/bash
# The 在庫連携 page in a browser: Chromium's navigation timing of the default page (100 rows ×
# 4 shops) at SKUS SKUs × 4 shops — the server's time to first byte, the last byte, the page
# usable (stock.js ready: boxes editable, menus and the poll set up) and the load event, with
# its bytes — beside GET /login of the same stack in the same run; then the stack's CPU per
# default page (db / fcgi / nginx) over the same loads.
#   SKUS (20000), N (30 loads a page), WORKERS (4), DIR (var/bench-page), KEEP=1
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${DIR:-$ROOT/var/bench-page}
SKUS=${SKUS:-20000}
export N=${N:-30}
. tests/bench/lib.sh
bench_stack "$DIR"
bench_data "$DIR" "$SKUS"
bench_login "$DIR"
echo "data: $SKUS SKUs × 4 shops"
export BASE SESSION ZAIKO_ROOT=$ROOT
node tests/bench/page_timing.mjs
before=$(stack_cpu "$DIR")
PAGES_TO_TIME=/ node tests/bench/page_timing.mjs >/dev/null
after=$(stack_cpu "$DIR")
read -r db0 fc0 ng0 <<<"$before"
read -r db1 fc1 ng1 <<<"$after"
awk -v n="$N" -v db=$((db1 - db0)) -v fc=$((fc1 - fc0)) -v ng=$((ng1 - ng0)) 'BEGIN {
	printf("stack CPU per default page in the browser (ms, %d loads): db %.1f  fcgi %.1f  nginx %.1f  (target: fcgi + nginx <= db)\n",
	       n, db / n, fc / n, ng / n) }'
