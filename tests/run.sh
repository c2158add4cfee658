#!/bin/bash
# Runs every test layer and ends with one line: "N passed, N failed".
#   unit        build/tests/test_*         pure C, no database
#   db          build/tests/db/test_*      C against the private stack's MariaDB
#   integration tests/integration/test_*.py  HTTP through nginx, the batch, the simulators
#   browser     tests/browser/test_*.mjs   headless Chromium through playwright-core
# ONLY=unit,db,... limits the layers and T=PATTERN the tests (a shell glob on the file name,
# e.g. T='test_sets*'); the stack lives in var/test-stack and is torn down at the end,
# whatever happened.
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

run_one() {
	local name=$1; shift
	local log="$ARTIFACTS/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log" 2>&1
	tally "$name" "$log" $?
}

if want unit; then
	echo "== unit"
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] && picked "$t" || continue
		run_one "unit/$(basename "$t")" "$t"
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
trap 'exit 130' INT TERM

if want db || want integration || want browser; then
	echo "== private stack in $STACK"
	tests/stack/stack.sh stop "$STACK" >/dev/null 2>&1 || true
	rm -rf "$STACK"
	PORT=${TEST_PORT:-$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
	stack_up=1
	if ! FLUSH_AT_COMMIT=2 tests/stack/stack.sh start "$STACK" "$PORT" >"$ARTIFACTS/stack.log" 2>&1; then
		cat "$ARTIFACTS/stack.log"
		failed=$((failed + 1)); failures+=("stack start")
		ONLY=unit
	fi
	export ZAIKO_CONF=$STACK/zaiko.conf ZAIKO_URL=http://127.0.0.1:$PORT ZAIKO_STACK_DIR=$STACK
	export ZAIKO_ROOT=$ROOT ZAIKO_BUILD=$ROOT/$BUILD ZAIKO_ARTIFACTS=$ARTIFACTS
fi

if want db; then
	echo "== db"
	for t in "$BUILD"/tests/db/test_*; do
		[ -x "$t" ] && picked "$t" || continue
		run_one "db/$(basename "$t")" "$t"
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
