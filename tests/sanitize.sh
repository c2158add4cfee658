#!/bin/bash
# ASan + UBSan run: builds everything into build-asan with the sanitizers, then runs the unit
# tests and the integration tests (tests/run.sh) against a private stack whose FastCGI workers
# and batch are the sanitized binaries. Every sanitizer report goes to
# var/test-artifacts/sanitize/; any report fails the run, even when the tests passed.
#   tests/sanitize.sh          (make sanitize)
# Environment: ONLY (default unit,db,integration), SANITIZE_BUILD (default build-asan),
# TEST_STACK_DIR (default var/asan-stack), JOBS (default 2).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=${SANITIZE_BUILD:-build-asan}
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
REPORTS=$ROOT/var/test-artifacts/sanitize
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
start=$(date +%s)

# CFLAGS through the environment: the Makefile appends its own flags (-I, -W...) to it, which a
# command-line CFLAGS= would replace. WARN keeps the warnings but not -Werror: at -O1 with the
# sanitizers gcc's value-range warnings differ from the -O2 build, which already holds -Werror.
WARN="-Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"
echo "== build ($B)"
if ! CFLAGS="-O1 -g $SAN" LDFLAGS="-fsanitize=address,undefined" \
	make --no-print-directory BUILD="$B" WARN="$WARN" -j"${JOBS:-2}" all unit-bin \
	>"$REPORTS/build.log" 2>&1; then
	tail -30 "$REPORTS/build.log"
	echo "sanitize: build failed"
	exit 1
fi

# Reports go to files (one per process) so a worker's report is not lost in nginx's logs.
# Leak checking stays on: a worker ends through main() on SIGTERM, so a leak per request shows.
# LSan's suppressions cover what libraries keep in globals until exit.
cat >"$REPORTS/lsan.supp" <<'SUPP'
# ClearSilver's and MariaDB's per-process globals, freed by exit only.
leak:libneo_
leak:mysql_server_init
leak:mysql_init
leak:libcrypto.so
SUPP
export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$REPORTS/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$REPORTS/ubsan:print_stacktrace=1:halt_on_error=0"

echo "== tests (unit, db, integration) with $B"
BUILD="$B" TEST_STACK_DIR=${TEST_STACK_DIR:-$ROOT/var/asan-stack} \
	ONLY=${ONLY:-unit,db,integration} tests/run.sh | tee "$REPORTS/run.log"
rc=${PIPESTATUS[0]}

# The stack's workers write their leak report as they exit, just after the runner returned.
for _ in $(seq 1 100); do
	busy=0
	for p in $(pgrep -x zaiko.fcgi 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$ROOT/$B/zaiko.fcgi" ] && \
			grep -q '^State:.*[RSD]' "/proc/$p/status" 2>/dev/null && busy=1
	done
	[ "$busy" = 0 ] && break
	sleep 0.1
done

reports=$(find "$REPORTS" -maxdepth 1 -type f \( -name 'asan.*' -o -name 'ubsan.*' \) -size +0 | sort)
n=0
for f in $reports; do
	# LSan with everything suppressed still writes a file without an error in it.
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
		n=$((n + 1))
		echo "---- $f"
		grep -E 'ERROR: |SUMMARY: |runtime error:' "$f" | head -5
		grep -E '^    #[0-9]+ ' "$f" | head -8
	fi
done
echo "sanitize: $n sanitizer report(s), tests exit $rc, $(( $(date +%s) - start )) s"
[ "$rc" = 0 ] && [ "$n" = 0 ]
