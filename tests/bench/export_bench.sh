#!/bin/bash
# CSV出力 すべて at size: SKUS SKUs × 4 shops (default 250k × 4 = 1M listings), streamed. Time to
# first byte and to the last, bytes, and the FastCGI worker's peak RSS (VmHWM) for the CP932
# export of every SKU, beside GET /login's time to first byte of the same stack (the floor)
# and the targets (first byte < 1 s, RSS < 50 MB).
#   SKUS (250000), WORKERS (1), DIR (var/bench-export), REUSE=1 uses the running stack in DIR
#   with its data (KEEP=1 keeps it; make bench reuses the screen bench's stack)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${DIR:-$ROOT/var/bench-export}
SKUS=${SKUS:-250000}
. tests/bench/lib.sh
sql() { tests/stack/stack.sh sql "$DIR" -N -B "$@"; }
if [ -n "${REUSE:-}" ]; then
	PORT=$(cat "$DIR/port")
	BASE=http://127.0.0.1:$PORT
	export ZAIKO_CONF=$DIR/zaiko.conf
else
	WORKERS=${WORKERS:-1} BUFFER_POOL=${BUFFER_POOL:-512M} bench_stack "$DIR"
	t0=$(date +%s.%N)
	bench_data "$DIR" "$SKUS"
	echo "data: $(sql -e 'SELECT COUNT(*) FROM sku') SKUs, $(sql -e 'SELECT COUNT(*) FROM listing') listings, generated in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
fi
# A user of its own (a reused stack has the other benches' users).
pw=bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
user=export$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$pw" | "$BUILD/zaiko-batch" useradd "$user" --role staff --password-stdin >/dev/null
JAR=$DIR/cookies-export
curl -s -c "$JAR" "$BASE/login" -o "$DIR/login.html"
pre=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$DIR/login.html" | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf=$pre&login=$user&password=$pw&next=/" "$BASE/login"
CSRF=$(curl -s -b "$JAR" "$BASE/" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')

# Peak RSS (kB) of every FastCGI worker, one line each: "pid VmHWM".
peaks() { for p in $(cat "$DIR/fcgi.pids"); do echo "$p $(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null)"; done; }
# Each worker's peak is reset first (clear_refs 5), so on a reused stack (make bench: the
# screen bench's, four workers) the peak afterwards is this export's, not an earlier page's.
for p in $(cat "$DIR/fcgi.pids"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
before=$(peaks)
login=$(curl -s -o /dev/null -w '%{time_starttransfer}' "$BASE/login")
out=$(curl -s -o "$DIR/export.csv" -b "$JAR" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' \
	--data-urlencode "csrf=$CSRF" --data-urlencode "scope=all" --data-urlencode "enc=cp932" \
	--data-urlencode "back=" "$BASE/stock/export")
after=$(peaks)
read -r code ttfb total bytes <<<"$out"
rows=$(($(wc -l <"$DIR/export.csv") - 1))
peak=$(echo "$after" | awk '{print $2}' | sort -n | tail -1)
start=$(echo "$before" | awk '{print $2}' | sort -n | tail -1)
printf '%-36s %10s %10s\n' "CSV出力 すべて (CP932)" "figure" "target"
printf '%-36s %10s %10s\n' "HTTP status / rows" "$code / $rows" "200"
printf '%-36s %10.3f %10s\n' "GET /login first byte s (floor)" "$login" ""
printf '%-36s %10.3f %10s\n' "export first byte s" "$ttfb" "< 1"
printf '%-36s %10.3f %10s\n' "export last byte s" "$total" ""
printf '%-36s %10.1f %10s\n' "export MB on the wire" "$(echo "$bytes / 1048576" | bc -l)" ""
printf '%-36s %10.1f %10s\n' "worker peak RSS MB (VmHWM)" "$(echo "$peak / 1024" | bc -l)" "< 50"
printf '%-36s %10.1f %10s\n' "worker peak RSS MB before the export" "$(echo "$start / 1024" | bc -l)" ""
