#!/bin/bash
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target (clang, ASan + UBSan) and runs each
# for N seconds on its seed corpus in tests/fuzz/corpus/<target>/.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (make fuzz SECONDS_PER_TARGET=30)
# The cgi-bin sources (all but the two main()s) go into one static archive, so each target
# pulls in only the objects it uses. New inputs found go to $FUZZ_BUILD/new-corpus/<target>/,
# leaving the committed seed corpus alone. Prints executions and crashes per target; exits 1
# on a crash or a build failure (a cgi-bin source or a target that does not compile is a
# failure, never a skip), or when no target was found.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SECS=${1:-60}
shift || true
OUT=${FUZZ_BUILD:-$ROOT/build-fuzz}
CC=${FUZZ_CC:-clang}
ART=${ZAIKO_ARTIFACTS:-$ROOT/var/test-artifacts}/fuzz
mkdir -p "$OUT/obj" "$ART"
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (tests/stack/deps.sh installs clang)" >&2; exit 1; }

PKGS="libmariadb libcurl libcjson"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-O1 -g $SAN -std=c11 -D_GNU_SOURCE -Icgi-bin -I/usr/include/ClearSilver $(pkg-config --cflags $PKGS 2>/dev/null)"
LDLIBS="-lneo_cgi -lneo_cs -lneo_utl -lz -lfcgi -lexpat -lcrypto -lcrypt $(pkg-config --libs $PKGS 2>/dev/null) -lm"

# Objects: rebuilt when the source or any header is newer (headers are few; a blunt check).
newest_h=$(find cgi-bin -name '*.h' -printf '%T@\n' | sort -n | tail -1)
objs=()
build_failed=0
for src in $(find cgi-bin -name '*.c' ! -path cgi-bin/web/main.c ! -path cgi-bin/batch/main.c | sort); do
	o="$OUT/obj/${src%.c}.o"
	mkdir -p "$(dirname "$o")"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || \
	   [ "$(stat -c %Y "$o")" -lt "${newest_h%.*}" ]; then
		if ! $CC $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src" 2>"$o.log"; then
			# A target may not need this file, but a source that does not compile under the
			# fuzz flags is a defect all the same: the run fails (after the targets run).
			echo "fuzz: cannot compile $src (FAILED; left out of the archive):"; head -5 "$o.log"
			rm -f "$o"
			build_failed=1
			continue
		fi
	fi
	objs+=("$o")
done
rm -f "$OUT/libzaiko.a"
ar rcs "$OUT/libzaiko.a" "${objs[@]}"

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do [ -f "$f" ] && targets+=("$(basename "$f" .c)"); done
fi

if [ ${#targets[@]} = 0 ]; then echo "fuzz: no target (tests/fuzz/fuzz_*.c)"; exit 1; fi
printf '%-22s %12s %10s %8s %s\n' target executions exec/s crashes result
total_crash=0
for t in "${targets[@]}"; do
	src=tests/fuzz/$t.c
	bin=$OUT/$t
	if [ ! -f "$src" ]; then
		printf '%-22s %12s %10s %8s %s\n' "$t" - - - "NO SUCH TARGET ($src)"
		build_failed=1
		continue
	fi
	if ! $CC $CFLAGS -fsanitize=fuzzer -o "$bin" "$src" "$OUT/libzaiko.a" $LDLIBS 2>"$OUT/$t.build.log"; then
		printf '%-22s %12s %10s %8s %s\n' "$t" - - - "BUILD FAILED ($OUT/$t.build.log)"
		head -5 "$OUT/$t.build.log"
		build_failed=1
		continue
	fi
	# The seed corpus is tests/fuzz/corpus/<target>/ (or corpus/<name without fuzz_>/).
	seeds=tests/fuzz/corpus/$t
	[ -d "$seeds" ] || [ ! -d "tests/fuzz/corpus/${t#fuzz_}" ] || seeds=tests/fuzz/corpus/${t#fuzz_}
	mkdir -p "$seeds" "$OUT/new-corpus/$t" "$ART/$t"
	log=$ART/$t.log
	# -fork would survive one crash to find more; one crash is enough to fail the run.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$ART/$t/" \
		"$OUT/new-corpus/$t" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
	speed=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
	crashes=$(find "$ART/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$bin" | wc -l)
	if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
	result=ok
	if [ "$crashes" != 0 ]; then
		result="CRASH (see $log)"
		total_crash=$((total_crash + crashes))
		grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -5
	fi
	printf '%-22s %12s %10s %8s %s\n' "$t" "${execs:-0}" "${speed:-0}" "$crashes" "$result"
done
[ "$total_crash" = 0 ] && [ "$build_failed" = 0 ]
