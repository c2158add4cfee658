#!/bin/bash
# One FastCGI worker under valgrind (memcheck) behind the private stack's nginx, driven through
# a smoke sequence: login page, login, the list (plain, searched, paged), a 404, a refused
# POST, 一括切替 with its job, logout. Fails when memcheck reports any error or a definite leak.
#   tests/valgrind_smoke.sh            (BUILD=build-x to use another build)
# The report is var/test-artifacts/valgrind/worker.<pid>.log.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
STACK=${VALGRIND_STACK_DIR:-$ROOT/var/valgrind-stack}
OUT=$ROOT/var/test-artifacts/valgrind
PY=/usr/bin/python3
if ! command -v valgrind >/dev/null; then
	# Only this check needs it, so tests/stack/deps.sh leaves it out.
	echo "valgrind_smoke: installing valgrind"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	{ $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind; } \
		>/dev/null || { echo "valgrind_smoke: cannot install valgrind" >&2; exit 1; }
fi
[ -x "$BUILD/zaiko.fcgi" ] || { echo "valgrind_smoke: build $BUILD/zaiko.fcgi first" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
	if [ -f "$STACK/vg.pid" ]; then kill "$(cat "$STACK/vg.pid")" 2>/dev/null || true; fi
	tests/stack/stack.sh stop "$STACK" >/dev/null 2>&1 || true
}
trap cleanup EXIT

tests/stack/stack.sh stop "$STACK" >/dev/null 2>&1 || true
rm -rf "$STACK"
WORKERS=1 BUILD=$BUILD tests/stack/stack.sh start "$STACK" "$PORT" >"$OUT/stack.log" 2>&1 || {
	cat "$OUT/stack.log"; exit 1; }
export ZAIKO_CONF=$STACK/zaiko.conf
PW="Vg-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$PW" | "$BUILD/zaiko-batch" useradd vgadmin --role admin --password-stdin >/dev/null 2>&1 || {
	echo "valgrind_smoke: useradd failed"; exit 1; }

# Swap the stack's supervised worker for one under memcheck on the same socket (owner only:
# nginx's workers run as this user, see tests/stack/stack.sh).
tests/stack/stack.sh stop-fcgi "$STACK"
rm -f "$STACK/fcgi.sock"
ZAIKO_CONF=$STACK/zaiko.conf spawn-fcgi -s "$STACK/fcgi.sock" -M 0600 -F 1 -P "$STACK/vg.pid" -- \
	/usr/bin/valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes \
	--num-callers=30 --log-file="$OUT/worker.%p.log" "$ROOT/$BUILD/zaiko.fcgi" \
	>/dev/null 2>>"$OUT/worker.stderr" || { echo "valgrind_smoke: spawn-fcgi failed"; exit 1; }
VG=$(cat "$STACK/vg.pid")

URL=http://127.0.0.1:$PORT
JAR=$OUT/cookies
fails=0
# check NAME EXPECTED_STATUS curl-args...
check() {
	local name=$1 want=$2; shift 2
	local got
	got=$(curl -s -o "$OUT/last.html" -w '%{http_code}' -b "$JAR" -c "$JAR" --max-time 120 "$@")
	if [ "$got" = "$want" ]; then
		echo "  ok   $name ($got)"
	else
		echo "  FAIL $name: expected $want, got $got"
		fails=$((fails + 1))
	fi
}
csrf() { grep -o 'name="csrf" value="[0-9a-f]*"' "$OUT/last.html" | head -1 | sed 's/.*value="//; s/"//'; }

echo "== smoke through one worker under memcheck (pid $VG)"
check "login page" 200 "$URL/login"
token=$(csrf)
check "login" 303 --data-urlencode "login=vgadmin" --data-urlencode "password=$PW" \
	--data-urlencode "csrf=$token" "$URL/login"
check "list" 200 "$URL/"
token=$(csrf)
check "list searched" 200 "$URL/?q=%E3%83%86%E3%82%B9%E3%83%88"
check "list bad page" 400 "$URL/?page=abc"
check "404" 404 "$URL/no/such/page"
check "POST without CSRF" 403 -X POST --data "x=1" "$URL/logout"
# 一括切替: the question (its job), the progress the page polls, the answer, and the answer again.
check "sync-all asks" 200 --data-urlencode "csrf=$token" --data "on=1" "$URL/stock/sync-all"
job=$(sed -n 's/.*data-job="\([0-9]*\)".*/\1/p' "$OUT/last.html")
check "sync-all progress" 200 "$URL/stock/csv/job?job=${job:-0}"
check "sync-all answered" 303 --data-urlencode "csrf=$token" --data "on=1&confirmed=1&job=${job:-0}" \
	"$URL/stock/sync-all"
check "sync-all answered twice" 409 --data-urlencode "csrf=$token" \
	--data "on=1&confirmed=1&job=${job:-0}" "$URL/stock/sync-all"
check "logout" 303 --data-urlencode "csrf=$token" "$URL/logout"
check "list after logout" 303 "$URL/"

# SIGTERM ends the accept loop; memcheck writes its summary (leaks included) at exit.
kill -TERM "$VG"
for _ in $(seq 1 300); do kill -0 "$VG" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$VG" 2>/dev/null; then
	echo "valgrind_smoke: the worker did not stop on SIGTERM"; kill -KILL "$VG"; fails=$((fails + 1))
fi
rm -f "$STACK/vg.pid"
log=$(ls "$OUT"/worker.*.log 2>/dev/null | head -1)
errors=$(grep -Eo 'ERROR SUMMARY: [0-9]+ errors' "$log" 2>/dev/null | awk '{print $3}' | tail -1)
definite=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" 2>/dev/null | awk '{print $3}' | tr -d , | tail -1)
echo "valgrind_smoke: ${errors:-?} memcheck errors, ${definite:-0} bytes definitely lost, $fails failed requests, $(( $(date +%s) - start )) s ($log)"
if [ -z "$errors" ] || [ "$errors" != 0 ]; then
	grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)' "$log" | head -10
	exit 1
fi
[ "$fails" = 0 ]
