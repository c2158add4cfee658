#!/bin/bash
# Runs every test layer and ends with one line: "N passed, N failed".
#   unit        build/tests/test_*         pure C, no database
#   db          build/tests/db/test_*      C against the private stack's MariaDB
#   integration tests/integration/test_*.py  HTTP through nginx, the batch, the simulators
#   browser     tests/browser/test_*.mjs   headless Chromium through playwright-core
# ONLY=unit,db,... limits the layers and T=PATTERN the tests (a shell glob on the file name,
# e.g. T='test_sets*'); the stack lives in var/test-stack and is torn down at the end,
# whatever happened.
# Fails fast: before the db, integration and browser layers, the stack must answer a real
# page (GET /login through nginx, 200 with the login form); if not, the run stops at once with
# the reason. Each test file runs under `timeout` (TEST_TIMEOUT seconds, default 900; a hung
# simulator or page ends that file as a failure, not the run). A test binary that was not
# built (tests/unit/test_X.c without build/tests/test_X) is a failure, not a skip.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
export BUILD
ONLY=${ONLY:-unit,db,integration,browser}
# Absolute: the CGI test hands it to processes that run elsewhere.
STACK=$(realpath -m "${TEST_STACK_DIR:-$ROOT/var/test-stack}")
PY=/usr/bin/python3
passed=0
failed=0
failures=()
ARTIFACTS=$ROOT/var/test-artifacts
mkdir -p "$ARTIFACTS"

# The Amazon simulator (unit, integration and browser tests use it) validates against Amazon's
# own SP-API models, kept in tests/sim/amazon-models (or $ZAIKO_AMAZON_MODELS). Without them
# most layers cannot work.
models=${ZAIKO_AMAZON_MODELS:-$ROOT/tests/sim/amazon-models}
if [ ! -f "$models/ordersV0.json" ]; then
	echo "run.sh: Amazon's SP-API models are not in $models; the mall simulators need them."
	echo "run.sh: restore tests/sim/amazon-models (git checkout), or set ZAIKO_AMAZON_MODELS to"
	echo "run.sh: a directory holding listingsItems_2021-08-01.json, ordersV0.json, orders_2026-01-01.json"
	echo "0 passed, 1 failed"
	exit 1
fi

want() { case ",$ONLY," in *",$1,"*) return 0;; esac; return 1; }
T=${T:-*}
# shellcheck disable=SC2053
picked() { [[ $(basename "$1") == $T ]]; }

# Adds the counts found in a test's output; a program that printed none failed once.
tally() {
	local name=$1 log=$2 rc=$3 p f
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	if grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
		p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | awk '{print $1}')
		f=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | awk '{print $3}')
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" != 0 ]; then
		failures+=("$name")
		echo "---- $name (exit $rc) ----"
		tail -40 "$log"
	else
		echo "  ok   $name ($p)"
	fi
}

TEST_TIMEOUT=${TEST_TIMEOUT:-900}
current=""
run_one() {
	local name=$1; shift
	local log="$ARTIFACTS/$(echo "$name" | tr '/ ' '__').log" rc
	# In the background so that Ctrl-C (the trap below) can end it; timeout puts the test in
	# its own process group and ends that whole group (simulators a test started, Chromium).
	timeout -k 15 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 &
	current=$!
	wait "$current"
	rc=$?
	current=""
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "run.sh: $name did not finish within TEST_TIMEOUT=$TEST_TIMEOUT s; ended" >>"$log"
	fi
	tally "$name" "$log" $rc
}

# A test whose source exists but whose program was not built fails (make unit-bin builds them).
missing_bin() {
	local name=$1 bin=$2
	echo "---- $name: $bin was not built (make all unit-bin)"
	failed=$((failed + 1))
	failures+=("$name")
}

if want unit; then
	echo "== unit"
	for src in tests/unit/test_*.c; do
		[ -f "$src" ] && picked "${src%.c}" || continue
		t=$BUILD/tests/$(basename "$src" .c)
		if [ -x "$t" ]; then run_one "unit/$(basename "$t")" "$t"
		else missing_bin "unit/$(basename "$t")" "$t"; fi
	done
fi

stack_up=0
teardown() {
	if [ "$stack_up" = 1 ]; then
		tests/stack/sims.sh stop "$STACK" >/dev/null 2>&1 || true
		tests/stack/stack.sh stop "$STACK" >/dev/null 2>&1 || true
	fi
}
trap teardown EXIT
trap '[ -n "$current" ] && kill -TERM "$current" 2>/dev/null; exit 130' INT TERM

# The reason the stack does not serve a page, or nothing: GET /login must answer 200 with the
# login form (a 502 means nginx cannot reach the FastCGI workers).
preflight() {
	local url=$1 body=$ARTIFACTS/preflight.html code rc i
	for i in $(seq 1 50); do
		code=$(curl -s -o "$body" -w '%{http_code}' --max-time 20 "$url/login" 2>/dev/null)
		rc=$?
		[ "$code" = 200 ] && grep -q 'name="password"' "$body" && return 0
		[ "$rc" = 7 ] || break      # only "connection refused" is worth waiting for
		sleep 0.1
	done
	[ "$rc" = 28 ] && code="nothing within 20 s (the FastCGI workers do not take requests)"
	echo "GET $url/login answered ${code/#000/nothing (no connection)}, not the login page."
	case $code in
	502|504) echo "nginx cannot reach the FastCGI workers on $STACK/fcgi.sock:";;
	*) echo "nginx's error log:";;
	esac
	tail -5 "$STACK/nginx/logs/error.log" 2>/dev/null | sed 's/^/  /'
	if [ -s "$STACK/fcgi.log" ]; then
		echo "the workers' stderr ($STACK/fcgi.log):"; tail -5 "$STACK/fcgi.log" | sed 's/^/  /'
	fi
	return 1
}

if want db || want integration || want browser; then
	echo "== private stack in $STACK"
	tests/stack/stack.sh stop "$STACK" >/dev/null 2>&1 || true
	rm -rf "$STACK"
	PORT=${TEST_PORT:-$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
	stack_up=1
	if ! FLUSH_AT_COMMIT=2 tests/stack/stack.sh start "$STACK" "$PORT" >"$ARTIFACTS/stack.log" 2>&1; then
		cat "$ARTIFACTS/stack.log"
		echo "run.sh: the private stack did not start; stopping here (log: $ARTIFACTS/stack.log)"
		echo "$passed passed, $((failed + 1)) failed"
		exit 1
	fi
	if ! why=$(preflight "http://127.0.0.1:$PORT"); then
		echo "$why"
		echo "run.sh: the private stack does not serve pages; stopping here"
		echo "$passed passed, $((failed + 1)) failed"
		exit 1
	fi
	echo "  ok   the stack serves the login page on port $PORT"
	export ZAIKO_CONF=$STACK/zaiko.conf ZAIKO_URL=http://127.0.0.1:$PORT ZAIKO_STACK_DIR=$STACK
	export ZAIKO_ROOT=$ROOT ZAIKO_BUILD=$ROOT/$BUILD ZAIKO_ARTIFACTS=$ARTIFACTS
fi

if want db; then
	echo "== db"
	for src in tests/db/test_*.c; do
		[ -f "$src" ] && picked "${src%.c}" || continue
		t=$BUILD/tests/db/$(basename "$src" .c)
		if [ -x "$t" ]; then run_one "db/$(basename "$t")" "$t"
		else missing_bin "db/$(basename "$t")" "$t"; fi
	done
fi

if want integration; then
	echo "== integration"
	for t in tests/integration/test_*.py; do
		[ -f "$t" ] && picked "$t" || continue
		run_one "integration/$(basename "$t")" $PY "$t"
	done
fi

if want browser; then
	echo "== browser"
	for t in tests/browser/test_*.mjs; do
		[ -f "$t" ] && picked "$t" || continue
		run_one "browser/$(basename "$t")" node "$t"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
