#!/bin/bash
# make bench: every tests/bench/*_bench.sh in turn; each prints its own table of figures
# beside a baseline measured in the same run. Benchmarks never decide pass or fail (the
# failover bench excepted: it fails when one of its invariants is broken).
#
# The figures of a large shop are taken at SKUS SKUs × 4 shops (default 250,000 × 4 = 1M
# listings), generated once:
#   - export and screen share one stack and its data (var/bench-size): CSV出力 すべて first,
#     on the data as generated, then every search and the default page (the screen bench
#     adds its index-cost products last);
#   - history (migrations under orders, a year of history purged) needs a database at
#     sql/001: it loads the same generated files (GEN_CACHE) into a stack of its own;
#   - stock runs at SKUS × 2/5 and then SKUS (its two sizes, 100k and 250k by default).
# The other benches keep their own sizes (batch, page, web, mall and its Yahoo/Rakuten part,
# failover). At the end, the figures issue 18 asks for, each beside its floor or target, are
# read back from the benches' output (var/bench-logs/NAME.log).
#   SKUS (250000), ONLY=name,… (as in tests/bench/NAME_bench.sh) runs those alone,
#   LOGS (var/bench-logs)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BUILD=${BUILD:-build}
ONLY=${ONLY:-}
SIZE=${SKUS:-250000}
LOGS=${LOGS:-$ROOT/var/bench-logs}
SHARED=$ROOT/var/bench-size
export GEN_CACHE=$ROOT/var/bench-gen
# The benches read SKUS themselves, each with its own default: only the large ones get SIZE.
unset SKUS
mkdir -p "$LOGS"
rm -rf "$GEN_CACHE"
cleanup() {
	tests/stack/stack.sh stop "$SHARED" >/dev/null 2>&1 || true
	rm -rf "$GEN_CACHE"
}
trap cleanup EXIT
status=0
want() { [ -z "$ONLY" ] || case ",$ONLY," in *",$1,"*) return 0;; *) return 1;; esac; }

# The shared stack of export and screen, with SIZE SKUs × 4 shops (once, for the first of them).
shared=""
shared_stack() {
	[ -z "$shared" ] || { [ "$shared" = up ]; return; }
	shared=failed
	(
		set -eu
		. tests/bench/lib.sh
		t0=$(date +%s)
		KEEP=1 BUFFER_POOL=512M WORKERS=4 bench_stack "$SHARED"
		bench_data "$SHARED" "$SIZE"
		echo "data: $SIZE SKUs × 4 shops in $SHARED (shared by export and screen), generated in $(($(date +%s) - t0)) s"
	) && shared=up
}

run() { # name command…
	local name=$1 rc
	shift
	rm -f "$LOGS/$name.log"
	echo "=================== bench: $name"
	"$@" 2>&1 | tee "$LOGS/$name.log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || { echo "bench $name failed (exit $rc)"; status=1; }
}

order="export screen history stock batch failover page web mall"
for b in tests/bench/*_bench.sh; do
	name=$(basename "$b" _bench.sh)
	case " $order " in *" $name "*) ;; *) order="$order $name";; esac
done
for name in $order; do
	want "$name" || continue
	b=tests/bench/${name}_bench.sh
	[ -f "$b" ] || continue
	case $name in
	export | screen)
		shared_stack || { echo "bench: the shared stack failed"; status=1; continue; }
		run "$name" env REUSE=1 DIR="$SHARED" bash "$b"
		;;
	history) run "$name" env SKUS="$SIZE" bash "$b" ;;
	stock) run "$name" bash "$b" var/bench-stock 18291 $((SIZE * 2 / 5)) "$SIZE" ;;
	# mall_bench.sh runs the Yahoo/Rakuten bench as its second part.
	yahoo_rakuten) want mall && [ -f tests/bench/mall_bench.sh ] && continue; run "$name" bash "$b" ;;
	*) run "$name" bash "$b" ;;
	esac
	# The shared stack goes once its last bench has run.
	if [ "$name" = screen ] || { [ "$name" = export ] && ! want screen; }; then
		tests/stack/stack.sh stop "$SHARED" >/dev/null 2>&1 || true
	fi
done

# ---- the figures of issue 18, read back from the logs ----
log() { [ -f "$LOGS/$1.log" ]; }
echo
echo "=================== summary: $SIZE SKUs × 4 shops, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if want screen; then
	if log screen && grep -q '^summary (' "$LOGS/screen.log"; then
		echo "在庫連携 screen (screen bench; p99 target 100 ms, default page CPU and bytes on the wire):"
		sed -n '/^summary (/,/^$/p' "$LOGS/screen.log" | sed '1d; /^$/d'
	else echo "screen: NO FIGURES (see $LOGS/screen.log)"; fi
fi
if want export; then
	if log export && grep -q '^export first byte' "$LOGS/export.log"; then
		echo "CSV出力 すべて, CP932 (export bench; figure, target):"
		grep -E '^(HTTP status|GET /login first byte|export first byte|export last byte|worker peak RSS MB \(VmHWM\))' "$LOGS/export.log" | sed 's/^/  /'
	else echo "export: NO FIGURES (see $LOGS/export.log)"; fi
fi
if want history; then
	if log history && grep -q '^longest write stall' "$LOGS/history.log"; then
		echo "migrations under orders and the purge of a year of history (history bench):"
		grep -E '^migration \(|^[0-9]{3}_[a-z0-9_]*\.sql |^\(none: the writer alone|^longest write stall|^stated COPY|^NOT MEASURED|^purge \(periods|^zaiko-batch purge|^writer:' \
			"$LOGS/history.log" | sed 's/^/  /'
	else echo "history: NO FIGURES (see $LOGS/history.log)"; fi
fi
if want failover; then
	if log failover && grep -q '^failover invariants' "$LOGS/failover.log"; then
		sed -n '/^failover invariants/,/^failover: /p' "$LOGS/failover.log"
	else echo "failover: NO FIGURES (see $LOGS/failover.log)"; fi
fi
exit $status
