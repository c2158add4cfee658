#!/bin/bash
# Load: wrk on the 在庫連携 list (logged in) while the batch runs cycles back to back, as cron
# would on a busy shop. Reports the page's throughput and latency under that load, every
# non-2xx answer, and the cycles the batch completed meanwhile (with their mean time).
#   tests/bench/load.sh              DURATION (60 s), CONNECTIONS (16), SKUS (10000), WORKERS (4)
# Uses the demo shops and mall simulators (tests/stack/demo.py), so cycles fetch orders and
# push stock.
# Exits 1 when any request failed or answered non-2xx.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
export BUILD
DIR=$ROOT/var/bench-load
DURATION=${DURATION:-60}
CONN=${CONNECTIONS:-16}
SKUS=${SKUS:-10000}
BATCH=$ROOT/$BUILD/zaiko-batch
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	tests/stack/sims.sh stop "$DIR" >/dev/null 2>&1 || true
	tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
WORKERS=${WORKERS:-4} tests/stack/stack.sh start "$DIR" "$PORT" >/dev/null
export ZAIKO_CONF=$DIR/zaiko.conf
BASE=http://127.0.0.1:$PORT
sqlq() { tests/stack/stack.sh sql "$DIR" -N -B "$@"; }

# Demo shops on the four mall simulators, with SKUS SKUs listed in each; orders keep arriving
# in the simulators, so each cycle has stock to move and push.
/usr/bin/python3 tests/stack/demo.py "$DIR" "$SKUS" >"$DIR/demo.log" 2>&1 || { tail -5 "$DIR/demo.log"; exit 1; }
/usr/bin/python3 tests/stack/demo_orders.py "$DIR" --every 0.2 >"$DIR/orders.log" 2>&1 &
pids+=($!)

. tests/bench/lib.sh
bench_login "$DIR" >/dev/null

# A first cycle sends the backlog of pushes the new shops start with; measured apart, so the
# cycles under load are the steady ones (orders arriving, a few pushes each).
t0=$(date +%s%N)
timeout "${WARMUP_LIMIT:-600}" "$BATCH" cycle >>"$DIR/batch.log" 2>&1 || true
warmup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
pending=$(sqlq -e "SELECT COUNT(*) FROM push WHERE state = 'pending'" 2>/dev/null || echo "?")

# The batch as cron on a busy host: one cycle after another for as long as wrk runs.
STOPFILE=$DIR/batch.stop
rm -f "$STOPFILE"
(
	n=0 fails=0 total=0
	while [ ! -f "$STOPFILE" ]; do
		t0=$(date +%s%N)
		"$BATCH" cycle >>"$DIR/batch.log" 2>&1 || fails=$((fails + 1))
		total=$((total + $(date +%s%N) - t0))
		n=$((n + 1))
	done
	echo "$n $fails $total" >"$DIR/batch.result"
) &
pids+=($!)
batch_loop=$!

moves0=$(sqlq -e "SELECT COUNT(*) FROM stock_move")
pushes0=$(sqlq -e "SELECT COUNT(*) FROM push WHERE state <> 'pending'" 2>/dev/null || echo 0)
out=$(wrk -t2 -c"$CONN" -d"${DURATION}s" --latency -H "Cookie: zaiko_session=$SESSION" "$BASE/")
touch "$STOPFILE"
wait "$batch_loop" 2>/dev/null || true
read -r cycles cycle_fails cycle_ns <"$DIR/batch.result"
moves1=$(sqlq -e "SELECT COUNT(*) FROM stock_move")
pushes1=$(sqlq -e "SELECT COUNT(*) FROM push WHERE state <> 'pending'" 2>/dev/null || echo 0)

rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
p90=$(echo "$out" | awk '$1 == "90%" {print $2}')
p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
reqs=$(echo "$out" | awk '/requests in/ {print $1}')
non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
sockerr=$(echo "$out" | awk '/Socket errors/ {s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s}')
echo "load: list GET / with $SKUS SKUs × 4 shops, wrk -t2 -c$CONN -d${DURATION}s, $(nproc) cores, demo shops on the mall simulators"
printf '  %-28s %s\n' "requests" "${reqs:-0}" "req/s" "${rps:-0}" "latency p50 / p90 / p99" "$p50 / $p90 / $p99" \
	"non-2xx answers" "${non2xx:-0}" "socket errors" "${sockerr:-0}"
printf '  %-28s %s\n' "first cycle (backlog)" "$warmup_ms ms, $pending pushes left pending"
printf '  %-28s %s\n' "batch cycles completed" "$cycles (failed: $cycle_fails)" \
	"mean cycle time" "$(awk -v t="$cycle_ns" -v n="$cycles" 'BEGIN {printf "%.0f ms", n ? t / n / 1e6 : 0}')" \
	"stock moves during the run" "$((moves1 - moves0))" "pushes finished during the run" "$((pushes1 - pushes0))"
[ "${non2xx:-0}" = 0 ] && [ "${sockerr:-0}" = 0 ] && [ -n "$reqs" ]
