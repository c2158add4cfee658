#!/bin/bash
# The request pipeline under wrk: the 在庫連携 list (logged in, demo-sized data) beside a
# trivial page of the same stack (the login form: one route, one template, no query) and a
# static file through the same nginx, all measured in this run.
#   DURATION (10 s), CONNECTIONS (4), SKUS (1000)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=$ROOT/var/bench-web
DURATION=${DURATION:-10}
CONN=${CONNECTIONS:-4}
SKUS=${SKUS:-1000}
. tests/bench/lib.sh
bench_stack "$DIR"
bench_data "$DIR" "$SKUS"
bench_login "$DIR"

run_wrk() { # path [cookie]
	local out
	if [ -n "${2:-}" ]; then
		out=$(wrk -t2 -c"$CONN" -d"${DURATION}s" --latency -H "Cookie: zaiko_session=$2" "$BASE$1")
	else
		out=$(wrk -t2 -c"$CONN" -d"${DURATION}s" --latency "$BASE$1")
	fi
	local rps p50 p99 errs
	rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	errs=$(echo "$out" | awk '/Non-2xx/ {print $4}')
	echo "$rps $p50 $p99 ${errs:-0}"
}
printf '%-34s %10s %9s %9s %8s\n' "page ($SKUS SKUs × 4 shops)" "req/s" "p50" "p99" "non-2xx"
read -r s_rps s50 s99 serr <<<"$(run_wrk /static/css/zaiko.css)"
printf '%-34s %10s %9s %9s %8s\n' "static file (nginx)" "$s_rps" "$s50" "$s99" "$serr"
read -r t_rps t50 t99 terr <<<"$(run_wrk /login)"
printf '%-34s %10s %9s %9s %8s\n' "trivial page GET /login" "$t_rps" "$t50" "$t99" "$terr"
read -r l_rps l50 l99 lerr <<<"$(run_wrk / "$SESSION")"
printf '%-34s %10s %9s %9s %8s\n' "list GET / (logged in)" "$l_rps" "$l50" "$l99" "$lerr"
echo "ratio list/trivial: $(echo "$l_rps $t_rps" | awk '{printf "%.2f", $1 / $2}')   (wrk -t2 -c$CONN -d${DURATION}s, $(nproc) cores)"
