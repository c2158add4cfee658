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
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
trap 'tests/stack/stack.sh stop "$DIR" >/dev/null 2>&1 || true' EXIT
WORKERS=${WORKERS:-4} tests/stack/stack.sh start "$DIR" "$PORT" >/dev/null
export ZAIKO_CONF=$DIR/zaiko.conf
BASE=http://127.0.0.1:$PORT
"$BUILD/zaiko-batch" shop-add "Yahoo店" yahoo --base-url http://127.0.0.1:9 --base </dev/null >/dev/null 2>&1 || \
	tests/stack/stack.sh sql "$DIR" -e "INSERT INTO shop (name, mall, is_base, created_at) VALUES ('Yahoo店','yahoo',1,UTC_TIMESTAMP())"
for m in rakuten amazon shopify; do
	tests/stack/stack.sh sql "$DIR" -e "INSERT INTO shop (name, mall, created_at) VALUES ('$m店','$m',UTC_TIMESTAMP())"
done
if [ -x tests/stack/gen_data.sh ]; then
	tests/stack/gen_data.sh "$DIR" "$SKUS" >/dev/null
else
	tests/stack/stack.sh sql "$DIR" -e "INSERT INTO sku (code, name, total, updated_at) SELECT CONCAT('SKU', LPAD(seq, 7, '0')), CONCAT('商品 ', seq), seq % 50, UTC_TIMESTAMP() FROM seq_1_to_$SKUS"
fi
PW=bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$PW" | "$BUILD/zaiko-batch" useradd bench --role staff --password-stdin
JAR=$DIR/cookies
curl -s -c "$JAR" "$BASE/login" -o "$DIR/login.html"
PRE=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$DIR/login.html" | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf=$PRE&login=bench&password=$PW&next=/" "$BASE/login"
SESSION=$(awk '$6 == "zaiko_session" {print $7}' "$JAR")
[ -n "$SESSION" ] || { echo "bench: login failed"; exit 1; }

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
