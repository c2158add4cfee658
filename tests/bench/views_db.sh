#!/bin/bash
# The database work of each search of the 在庫連携 screen, per request, from the server's own
# slow log (long_query_time 0): statements, their summed time and rows examined, and the
# costliest statement. The figures a loaded machine distorts least (a shared host's p99 is
# mostly its load). Every search is asked ROUNDS times (default 3) after the workers are
# restarted, so the first answer counts without any cached count (keyword counts are cached
# per worker for 10 s; a later answer may hit it). The counts of the default view and of
# listing conditions alone are read from the counts the database keeps (sql/210).
# Uses the running stack in DIR (a screen_bench.sh run with KEEP=1, or REUSE=1's var/dev);
# the log is switched on for the run and off after it.
#   DIR (var/bench-screen), ROUNDS (3), ONLY (a word of the labels: only those searches)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${DIR:-$ROOT/var/bench-screen}
ROUNDS=${ROUNDS:-3}
. tests/bench/lib.sh
sql() { tests/stack/stack.sh sql "$DIR" -N -B "$@"; }
PORT=$(cat "$DIR/port")
BASE=http://127.0.0.1:$PORT
export ZAIKO_CONF=$DIR/zaiko.conf
bench_login "$DIR"
LOG=$DIR/views-slow.log
trap 'sql -e "SET GLOBAL slow_query_log = 0; SET GLOBAL long_query_time = 10" || true' EXIT
sql -e "SET GLOBAL slow_query_log_file = '$LOG'; SET GLOBAL long_query_time = 0; SET GLOBAL slow_query_log = 1"
q() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
echo "data: $(sql -e 'SELECT COUNT(*) FROM sku') SKUs, $(sql -e 'SELECT COUNT(*) FROM listing') listings; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %5s %8s %6s %8s %10s   %s\n' "search (answer n of $ROUNDS)" "n" "http ms" "stmts" "db ms" "rows exam" "costliest statement (ms, rows examined)"
for spec in "GET /login (baseline)|/login" "default page|/" "last page|/?last=1" "差異商品|/?drift=1" \
	"shop only|/?shop=3" "紐づけ済み|/?link=linked" "shop + 在庫連携 on|/?shop=2&sync=on" \
	"在庫連携 off|/?sync=off" "在庫連携 on|/?sync=on" "shop + 在庫連携 off|/?shop=2&sync=off" \
	"セット商品|/?kind=set" "未紐づけ|/?link=unlinked" "未紐づけ + keyword|/?link=unlinked&q=$(q 白)" \
	"総在庫数 0〜5|/?tmin=0&tmax=5" "shop + 差異商品|/?shop=2&drift=1" \
	"keyword コットン,白|/?q=$(q コットン,白)" "keyword + 差異商品|/?drift=1&q=$(q コットン,白)" \
	"rare keyword + 差異商品|/?drift=1&q=$(q 白,1234)" "keyword 4 terms|/?q=$(q りねん、靴下、紺、XL)"; do
	label=${spec%%|*}
	path=${spec#*|}
	case "$label" in *"${ONLY:-}"*) ;; *) continue;; esac
	tests/stack/stack.sh restart-fcgi "$DIR" >/dev/null 2>&1
	for n in $(seq 1 "$ROUNDS"); do
		: >"$LOG"
		ms=$(curl -s -o /dev/null -w '%{time_total}' -b "zaiko_session=$SESSION" "$BASE$path" | awk '{printf "%.1f", $1 * 1000}')
		/usr/bin/python3 - "$LOG" "$label" "$n" "$ms" <<'PY'
import re, sys
log, label, n, ms = sys.argv[1:]
ents, cur = [], None
for line in open(log, encoding="utf-8", errors="replace"):
    m = re.match(r"# Query_time: (\S+)\s+Lock_time: \S+\s+Rows_sent: \d+\s+Rows_examined: (\d+)", line)
    if m:
        cur = {"t": float(m.group(1)) * 1000, "ex": int(m.group(2)), "q": ""}
        ents.append(cur)
    elif cur is not None and not line.startswith(("#", "SET timestamp", "use ")):
        cur["q"] += line.strip() + " "
top = max(ents, key=lambda e: e["t"]) if ents else {"t": 0, "ex": 0, "q": "-"}
print("%-34s %5s %8s %6d %8.1f %10d   %.1f ms, %d: %s" % (label, n, ms, len(ents), sum(e["t"] for e in ents),
      sum(e["ex"] for e in ents), top["t"], top["ex"], top["q"][:110]))
PY
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
