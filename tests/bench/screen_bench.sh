#!/bin/bash
# The 在庫連携 screen at size: SKUS SKUs × 4 shops (default 250k × 4 = 1M listings). Server
# time p50/p99 (sequential curl, N requests) and wrk req/s of the default page and of every
# search the screen offers, each beside GET /login of the same stack in the same run and the
# p99 target of 100 ms; the default page's server CPU split (db / fcgi / nginx) and its bytes on
# the wire (gzip, and without); CSV出力 すべて: time to first byte and the worker's peak RSS;
# then the 総在庫数 CSV update of CSV_ROWS rows through the screen (preview + apply) beside
# LOAD DATA + UPDATE … JOIN of the same file, and the same update with a 確保在庫数 column.
# 一括切替 of every listing, off and on, while orders are applied: the longest order latency.
# A summary at the end puts each figure beside its
# target.
# Every keyword search is timed twice: through the search index (search_gram, the default)
# and as the scan it replaces (setting search_index = 'off'), in the same run. The index's
# write cost: 商品データ取込 of INDEX_ROWS new products with its triggers and without them, the
# build of the whole index, and its size.
#   SKUS (250000), CSV_ROWS (100000), N (200), CAP (30 s a search at most), DURATION (5 s),
#   CONNECTIONS (4), WORKERS (4), INDEX_ROWS (20000),
#   RUN_CSV=0 skips the CSV part, RUN_SYNC_ALL=0 the 一括切替 under orders (run last),
#   PAGES=0 skips the page timings, RUN_INDEX=0 the index's
#   write cost, BROWSER=0 the Chromium timing (BROWSER_N loads, 20), KEEP=1 keeps the stack
#   running, DIR (var/bench-screen) the stack's directory, REUSE=1 uses the running stack in
#   DIR with its data
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${DIR:-$ROOT/var/bench-screen}
SKUS=${SKUS:-250000}
CSV_ROWS=${CSV_ROWS:-100000}
N=${N:-200}
DURATION=${DURATION:-5}
CONN=${CONNECTIONS:-4}
. tests/bench/lib.sh
sql() { tests/stack/stack.sh sql "$DIR" --local-infile=1 -N -B "$@"; }
if [ -n "${REUSE:-}" ]; then
	# The running stack in DIR with its data (a run before with KEEP=1); the index write cost
	# below adds INDEX_ROWS × 2 products to it.
	PORT=$(cat "$DIR/port")
	BASE=http://127.0.0.1:$PORT
	export ZAIKO_CONF=$DIR/zaiko.conf
	SKUS=$(sql -e "SELECT COUNT(*) FROM sku")
	echo "data: reused, $SKUS SKUs, $(sql -e 'SELECT COUNT(*) FROM listing') listings"
else
BUFFER_POOL=${BUFFER_POOL:-512M} bench_stack "$DIR"
t0=$(date +%s.%N)
bench_data "$DIR" "$SKUS"
echo "data: $SKUS SKUs × 4 shops = $(sql -e 'SELECT COUNT(*) FROM listing') listings, $(sql -e 'SELECT COUNT(*) FROM sku WHERE drift = 1') drifting SKUs, generated in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"
fi

bench_login "$DIR"
# Each figure beside its target, printed at the end (whichever parts ran).
summary=()
CSRF=$(curl -s -b "$JAR" "$BASE/" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')

if [ "${PAGES:-1}" != 0 ]; then
# p50 and p99 in ms of N sequential requests (curl's time_total: connect to last byte).
# The baseline /login is asked without the session (logged in, it only redirects).
cookie_for() { [ "$1" = /login ] && echo "x=y" || echo "zaiko_session=$SESSION"; }
# A slow search stops after CAP seconds (default 30) with the requests made so far.
timing() {
	local i end=$((SECONDS + ${CAP:-30}))
	for i in $(seq 1 "$N"); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -b "$(cookie_for "$1")" "$BASE$1"
		[ "$SECONDS" -lt "$end" ] || break
	done | awk -v path="$1" '
		$1 != 200 { bad++ } { t[NR] = $2 * 1000 }
		END { n = asort(t); if (bad) printf("WARN %s: %d answers not 200\n", path, bad) > "/dev/stderr";
		      printf("%.1f %.1f", t[int(n * 0.5 + 0.5)], t[int(n * 0.99 + 0.5)]) }'
}
# The same, each request with a different second term, so no worker has its count cached:
# what the first view of a keyword search costs. $1 offsets the terms (each run its own).
timing_fresh() {
	local i end=$((SECONDS + ${CAP:-30}))
	for i in $(seq 1 "$N"); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -b "zaiko_session=$SESSION" \
			"$BASE/?q=$KW_WHITE,$(($1 + i))"
		[ "$SECONDS" -lt "$end" ] || break
	done | awk '$1 != 200 { bad++ } { t[NR] = $2 * 1000 }
		END { n = asort(t); printf("%.1f %.1f", t[int(n * 0.5 + 0.5)], t[int(n * 0.99 + 0.5)]) }'
}
# The keyword search as the scan (the index switched off for the run of one timing), p50 p99.
scan_timing() {
	sql -e "UPDATE setting SET value = 'off' WHERE name = 'search_index'"
	"$@"
	sql -e "UPDATE setting SET value = 'built' WHERE name = 'search_index'"
}
[ "$(sql -e "SELECT value FROM setting WHERE name = 'search_index'")" = built ] ||
	echo "WARNING: the search index is not built: every keyword search below scans"
# wrk's req/s, and the server's CPU per request in ms as "db fcgi nginx" (CPU time of the
# stack's processes over the run, divided by the requests wrk made). wrk asks for gzip as
# every browser does, so nginx's share includes compressing the page.
wrk_rps() {
	local before after out
	before=$(stack_cpu "$DIR")
	out=$(wrk -t2 -c"$CONN" -d"${DURATION}s" -H "Cookie: $(cookie_for "$1")" -H "Accept-Encoding: gzip" "$BASE$1")
	after=$(stack_cpu "$DIR")
	awk -v b="$before" -v a="$after" '
		/requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
		END { if (!n) { printf("0 - - -"); exit }
		      split(b, x, " "); split(a, y, " ");
		      printf("%s %.2f %.2f %.2f", rps, (y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n) }' <<<"$out"
}
KW=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("コットン,白"))')
KW_WHITE=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("白"))')
KW_NONE=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("存在しない語"))')
KW_LONG=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("ｵｰｶﾞﾆｯｸｺｯﾄﾝ Ｔシャツ"))')
KW_FOUR=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("りねん、靴下、紺、XL"))')
printf '\n%-34s %9s %9s %10s %8s   %-17s %-22s %s\n' "page ($SKUS SKUs × 4 shops)" "p50 ms" "p99 ms" "req/s" "÷ login" \
	"CPU ms: db fcgi nginx" "scan p50/p99 ms" "target"
base_rps=""
for spec in "GET /login (baseline)|/login" "default page (100 rows + count)|/" \
	"keyword コットン,白|/?q=$KW" "rare keyword 白,1234|/?q=$KW_WHITE,1234" "差異商品|/?drift=1" \
	"last page|/?last=1" "code prefix G00012*|/?q=G00012*" "shop + keyword|/?shop=2&q=$KW" \
	"shop only|/?shop=3" "在庫連携 off|/?sync=off" "セット商品|/?kind=set" \
	"未紐づけ|/?link=unlinked" "総在庫数 0〜5|/?tmin=0&tmax=5" "shop + 差異商品|/?shop=2&drift=1" \
	"keyword, not found|/?q=$KW_NONE" "keyword, 1 character 白|/?q=$KW_WHITE" \
	"keyword, long ｵｰｶﾞﾆｯｸｺｯﾄﾝ Ｔシャツ|/?q=$KW_LONG" "keyword, 4 terms|/?q=$KW_FOUR" \
	"keyword + 差異商品|/?drift=1&q=$KW"; do
	label=${spec%%|*}
	path=${spec#*|}
	read -r p50 p99 <<<"$(timing "$path")"
	read -r rps db fcgi web <<<"$(wrk_rps "$path")"
	if [ -z "$base_rps" ]; then
		base_rps=$rps base_cpu=$(echo "$db + $fcgi + $web" | bc)
	fi
	[ "$path" = / ] && page_db=$db page_fcgi=$fcgi page_web=$web page_cpu=$(echo "$db + $fcgi + $web" | bc)
	verdict="p99 < 100 ms: $(awk -v p="$p99" 'BEGIN { print (p < 100) ? "met" : "MISSED" }')"
	[ "$path" = /login ] && verdict="baseline"
	# A keyword matched in the documents (not a code prefix): the scan of the same search.
	scan="-"
	case "$path" in *q=*'*'*) ;; *q=*) read -r s50 s99 <<<"$(scan_timing timing "$path")"; scan="$s50 / $s99";; esac
	[ "$path" = /login ] || summary+=("$(printf '%-44s p50 %6s ms  p99 %6s ms   %s%s' "$label" "$p50" "$p99" "$verdict" \
		"$([ "$scan" = - ] || echo "   (scan p50 / p99: $scan ms)")")")
	printf '%-34s %9s %9s %10s %8s   %5s %5s %5s   %-22s %s\n' "$label" "$p50" "$p99" "$rps" \
		"$(echo "scale=3; ${rps:-0} / $base_rps" | bc)" "$db" "$fcgi" "$web" "$scan" "$verdict"
done
read -r p50 p99 <<<"$(timing_fresh 1000)"
read -r s50 s99 <<<"$(scan_timing timing_fresh 5000)"
verdict="p99 < 100 ms: $(awk -v p="$p99" 'BEGIN { print (p < 100) ? "met" : "MISSED" }')"
printf '%-34s %9s %9s %10s %8s   %17s   %-22s %s\n' "keyword, count not cached (白,N)" "$p50" "$p99" "-" "-" "" "$s50 / $s99" "$verdict"
summary+=("$(printf '%-44s p50 %6s ms  p99 %6s ms   %s   (scan p50 / p99: %s ms)' "keyword, count not cached (白,N)" "$p50" "$p99" "$verdict" "$s50 / $s99")")
echo "(keyword counts are cached per worker for 10 s; the rows above repeat one search; scan: the"
echo " same search with setting search_index = 'off', in this run)"
# What bounds the default page: its server CPU beside the baseline's, and the req/s its
# database work alone would allow on this machine's cores with nothing else running.
printf '\nserver CPU per request: default page %s ms, /login %s ms (%s×); the page'"'"'s database part alone\n' \
	"$page_cpu" "$base_cpu" "$(echo "scale=1; $page_cpu / $base_cpu" | bc)"
printf 'allows at most %.0f req/s on %d cores = %.3f of /login'"'"'s req/s\n' \
	"$(echo "$(nproc) * 1000 / $page_db" | bc -l)" "$(nproc)" \
	"$(echo "$(nproc) * 1000 / $page_db / $base_rps" | bc -l)"
summary+=("$(printf '%-44s db %s  fcgi %s  nginx %s ms (gzip)   target fcgi + nginx ≤ db: %s' "default page server CPU per request" \
	"$page_db" "$page_fcgi" "$page_web" "$(echo "$page_fcgi + $page_web <= $page_db" | bc | sed 's/1/met/; s/0/MISSED/')")")

# Bytes on the wire of the default page: as a browser asks (gzip) and without compression.
gz=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' -b "zaiko_session=$SESSION" "$BASE/")
raw=$(curl -s -o /dev/null -w '%{size_download}' -b "zaiko_session=$SESSION" "$BASE/")
printf '\ndefault page on the wire: %s bytes with gzip, %s without (target < 100 KB)\n' "$gz" "$raw"
summary+=("$(printf '%-44s %s bytes (uncompressed %s)   target < 102400: %s' "default page on the wire (gzip)" "$gz" "$raw" \
	"$([ "$gz" -lt 102400 ] && echo met || echo MISSED)")")

# The same page in Chromium at this size (tests/bench/page_timing.mjs): the browser's time to
# a usable page beside the server's time to first byte. BROWSER=0 skips it.
if [ "${BROWSER:-1}" != 0 ] && [ -x /usr/bin/chromium ]; then
	echo
	bt=$(BASE=$BASE SESSION=$SESSION ZAIKO_ROOT=$ROOT N=${BROWSER_N:-20} node tests/bench/page_timing.mjs 2>&1 || true)
	echo "$bt"
	u=$(grep -m1 '^  usable /:' <<<"$bt" | sed 's/^  usable \/: //')
	[ -z "$u" ] || summary+=("$(printf '%-44s %s' "default page usable in Chromium" "$u")")
fi
fi

# ---- CSV出力 すべて: time to first byte, total, and the worker's peak RSS ----
if [ "${RUN_EXPORT:-1}" != 0 ]; then
	# Each worker's peak RSS is reset (clear_refs 5) so VmHWM afterwards is this export's.
	for p in $(cat "$DIR/fcgi.pids"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
	read -r ttfb total size code <<<"$(curl -s -o /dev/null -b "$JAR" -w '%{time_starttransfer} %{time_total} %{size_download} %{http_code}' \
		-d "csrf=$CSRF&scope=all&enc=utf8" "$BASE/stock/export")"
	peak=0
	for p in $(cat "$DIR/fcgi.pids"); do
		k=$(awk '/^VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		[ "${k:-0}" -gt "$peak" ] && peak=$k
	done
	printf '\nCSV出力 すべて (%s): HTTP %s, %s bytes, first byte after %.2f s, all after %.1f s; worker peak RSS %d MB\n' \
		"$SKUS SKUs × 4 shops" "$code" "$size" "$ttfb" "$total" "$((peak / 1024))"
	summary+=("$(printf '%-44s first byte %.2f s, all %.1f s   target < 1 s: %s' "CSV出力 すべて" "$ttfb" "$total" \
		"$(awk -v t="$ttfb" 'BEGIN { print (t < 1) ? "met" : "MISSED" }')")")
	summary+=("$(printf '%-44s %d MB   target < 50 MB: %s' "CSV出力 すべて, worker peak RSS" "$((peak / 1024))" \
		"$([ "$peak" -lt 51200 ] && echo met || echo MISSED)")")
fi
# ---- the search index's write cost: 商品データ取込 with and without its triggers, its build ----
if [ "${RUN_INDEX:-1}" != 0 ]; then
	IROWS=${INDEX_ROWS:-20000}
	bench_cc "$BUILD/search_bench" tests/bench/search_bench.c
	base_shop=$(sql -e "SELECT id FROM shop WHERE is_base = 1 LIMIT 1")
	with=$("$BUILD/search_bench" import "$base_shop" IDXW "$IROWS")
	# The triggers' statements, as sql/180 creates them (a DELIMITER script for the client).
	triggers=$(/usr/bin/python3 - sql/180_search_gram.sql <<'PY'
import sys
out, cur = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    if line.lstrip().startswith("--"):
        continue
    cur.append(line)
    s = "".join(cur).rstrip()
    if s.endswith(";"):
        if "TRIGGER" in s:
            out.append(s[:-1])
        cur = []
print("DELIMITER //\n" + "".join(s + "\n//\n" for s in out))
PY
)
	sql -e "DROP TRIGGER sku_search_gram_insert; DROP TRIGGER sku_search_gram_update; DROP TRIGGER sku_search_gram_delete"
	without=$("$BUILD/search_bench" import "$base_shop" IDXN "$IROWS")
	sql <<<"$triggers"
	build=$("$BUILD/search_bench" build)
	size=$(sql -e "SELECT CONCAT(ROUND((data_length + index_length) / 1048576), ' MB') FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'search_gram'")
	skusize=$(sql -e "SELECT CONCAT(ROUND((data_length + index_length) / 1048576), ' MB') FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'sku'")
	nskus=$(sql -e "SELECT COUNT(*) FROM sku")
	printf '\nsearch index write cost (商品データ取込 of %s new products, one transaction, into the base shop)\n' "$IROWS"
	printf '  with the index (triggers):    %s\n  without (triggers dropped):    %s\n' "$with" "$without"
	printf '  whole index built from empty: %s for %s SKUs; search_gram %s beside sku %s\n' "$build" "$nskus" "$size" "$skusize"
	summary+=("$(printf '%-44s with index: %s   without: %s' "商品データ取込, $IROWS new products" \
		"$(echo "$with" | awk '{print $4 " s"}')" "$(echo "$without" | awk '{print $4 " s"}')")")
fi
if [ ${#summary[@]} -gt 0 ]; then
	echo
	echo "summary ($SKUS SKUs × 4 shops; migrations and purge: history bench; failover: failover bench)"
	printf '  %s\n' "${summary[@]}"
fi

if [ "${RUN_CSV:-1}" != 0 ]; then
	# ---- 総在庫数 CSV update: the screen (upload, preview, apply) vs LOAD DATA + UPDATE JOIN ----
	CSV=$DIR/totals.csv
	{ printf 'SKUコード,総在庫数\r\n'; sql -e "SELECT CONCAT(code, ',', total + 7) FROM sku WHERE is_set = 0 ORDER BY id LIMIT $CSV_ROWS" | sed 's/$/\r/'; } >"$CSV"
	rows=$(($(wc -l <"$CSV") - 1))
	t0=$(date +%s.%N)
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" -F "csrf=$CSRF" -F mode=absolute \
		-F "file=@$CSV;type=text/csv" "$BASE/stock/csv/totals")
	t1=$(date +%s.%N)
	job=${loc##*job=}
	[ -n "$job" ] && [ "$job" != "$loc" ] || { echo "bench: CSV upload refused"; exit 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -d "csrf=$CSRF&job=$job" "$BASE/stock/csv/apply")
	t2=$(date +%s.%N)
	[ "$code" = 303 ] || { echo "bench: CSV apply answered $code"; exit 1; }
	moves=$(sql -e "SELECT COUNT(*) FROM stock_move WHERE reason = 'csv'")
	pushes=$(sql -e "SELECT COUNT(*) FROM push WHERE state = 'pending'")
	# The floor: the same file by LOAD DATA into a scratch table and one UPDATE … JOIN (+7 again).
	sed 's/,\([0-9]*\)\r$/,\1/' "$CSV" | awk -F, 'NR > 1 {print $1 "\t" $2 + 7}' >"$DIR/totals.tsv"
	t3=$(date +%s.%N)
	sql -e "CREATE TABLE csv_floor (code VARCHAR(128) COLLATE utf8mb4_bin PRIMARY KEY, total INT);
		LOAD DATA LOCAL INFILE '$DIR/totals.tsv' INTO TABLE csv_floor CHARACTER SET utf8mb4;
		UPDATE sku s JOIN csv_floor c ON c.code = s.code SET s.total = c.total;
		DROP TABLE csv_floor;"
	t4=$(date +%s.%N)
	up=$(echo "$t1 - $t0" | bc)
	ap=$(echo "$t2 - $t1" | bc)
	ld=$(echo "$t4 - $t3" | bc)
	printf '\n%-44s %8s %10s\n' "総在庫数 CSV update, $rows rows" "seconds" "rows/s"
	printf '%-44s %8.2f %10.0f\n' "screen: upload + preview (parse, look up)" "$up" "$(echo "$rows / $up" | bc -l)"
	printf '%-44s %8.2f %10.0f\n' "screen: apply (one transaction, moves, pushes)" "$ap" "$(echo "$rows / $ap" | bc -l)"
	printf '%-44s %8.2f %10.0f\n' "floor: LOAD DATA + UPDATE JOIN (no moves)" "$ld" "$(echo "$rows / $ld" | bc -l)"
	printf 'apply ÷ floor: %.1f× slower; %s csv stock_move rows, %s pending pushes after apply\n' \
		"$(echo "$ap / $ld" | bc -l)" "$moves" "$pushes"
	# The same update with a 確保在庫数 column beside 総在庫数 (every total +7 again, every reserve
	# 2): the reserves go to their own scratch table in the same transaction and the one re-queue
	# counts both; beside the totals-only apply above.
	{ printf 'SKUコード,総在庫数,確保在庫数\r\n'; sql -e "SELECT CONCAT(code, ',', total + 7, ',2') FROM sku WHERE is_set = 0 ORDER BY id LIMIT $CSV_ROWS" | sed 's/$/\r/'; } >"$DIR/totals_reserve.csv"
	t5=$(date +%s.%N)
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" -F "csrf=$CSRF" -F mode=absolute \
		-F "file=@$DIR/totals_reserve.csv;type=text/csv" "$BASE/stock/csv/totals")
	t6=$(date +%s.%N)
	job=${loc##*job=}
	[ -n "$job" ] && [ "$job" != "$loc" ] || { echo "bench: CSV upload with reserves refused"; exit 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -d "csrf=$CSRF&job=$job" "$BASE/stock/csv/apply")
	t7=$(date +%s.%N)
	[ "$code" = 303 ] || { echo "bench: CSV apply with reserves answered $code"; exit 1; }
	up2=$(echo "$t6 - $t5" | bc)
	ap2=$(echo "$t7 - $t6" | bc)
	printf '%-44s %8.2f %10.0f\n' "screen+確保在庫数: upload + preview" "$up2" "$(echo "$rows / $up2" | bc -l)"
	printf '%-44s %8.2f %10.0f\n' "screen+確保在庫数: apply (totals and reserves)" "$ap2" "$(echo "$rows / $ap2" | bc -l)"
	printf 'apply with reserves ÷ totals-only apply: %.2f×; %s SKUs with reserve 2\n' \
		"$(echo "$ap2 / $ap" | bc -l)" "$(sql -e 'SELECT COUNT(*) FROM sku WHERE reserve = 2')"
fi

# ---- 一括切替 of every listing (off, then on again) while orders are applied ----
# tests/bench/order_writer.c applies one-line orders one after another throughout; the longest
# order latency during each switch beside the writer's own longest before it (the floor). Last,
# as its recompute queues a push for every listing (the bench has no malls to take them), which
# every later write would pay for.
if [ "${RUN_SYNC_ALL:-1}" != 0 ]; then
	bench_cc "$BUILD/order_writer" tests/bench/order_writer.c
	SW=$DIR/sync-all-writer.log
	: >"$SW"
	# The generated SKUs (G…; the index part adds others, and REUSE counts them in SKUS).
	"$BUILD/order_writer" "$SW" G "$(sql -e "SELECT COUNT(*) FROM sku WHERE code LIKE 'G%'")" \
		"$(sql -e 'SELECT MIN(id) FROM shop')" >/dev/null 2>"$DIR/sync-all-writer.err" &
	swp=$!
	sleep 5
	sw_floor=$(awk '{ if ($2 > m) m = $2 } END { printf("%.0f", m) }' "$SW")
	printf '
一括切替 of every listing (%s listings) while orders are applied: writer alone %s ms (floor)
' \
		"$(sql -e 'SELECT COUNT(*) FROM listing')" "$sw_floor"
	for on in 0 1; do
		# The question (its job), then the answer; the job's progress, as the page polls it,
		# sampled every 10 s while the answer runs.
		job=$(curl -s -b "$JAR" -d "csrf=$CSRF&on=$on&back=" "$BASE/stock/sync-all" |
			sed -n 's/.*data-job="\([0-9]*\)".*/\1/p')
		a=$(date +%s.%N)
		curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' -b "$JAR" \
			-d "csrf=$CSRF&on=$on&confirmed=1&back=&job=$job" "$BASE/stock/sync-all" >"$DIR/sync-all.out" &
		cp=$!
		seen=""
		while kill -0 "$cp" 2>/dev/null; do
			for _ in $(seq 1 100); do kill -0 "$cp" 2>/dev/null && sleep 0.1; done
			kill -0 "$cp" 2>/dev/null || break
			seen="$seen $(curl -s -b "$JAR" "$BASE/stock/csv/job?job=$job" |
				/usr/bin/python3 -c 'import json, sys; j = json.load(sys.stdin); print("%d%%" % (100 * j["done"] // max(j["total"], 1)))')"
		done
		wait "$cp" || true
		read -r code where <"$DIR/sync-all.out"
		switched=$(sed -n 's/.*[?&]n=\([0-9]*\).*/\1/p' <<<"$where")
		b=$(date +%s.%N)
		st=$(awk -v a="$a" -v b="$b" '$1 < b && $1 + $2 / 1000 > a && $2 > m { m = $2 } END { printf("%.0f", m) }' "$SW")
		n=$(awk -v a="$a" -v b="$b" '$1 >= a && $1 < b { n++ } END { print n + 0 }' "$SW")
		printf '  %-4s HTTP %s, %s listings switched in %.1f s; %s orders applied meanwhile; longest order %s ms (%s× floor)\n' \
			"$([ $on = 1 ] && echo on || echo off)" "$code" "${switched:-?}" "$(echo "$b - $a" | bc)" "$n" "$st" \
			"$(echo "scale=1; $st / ($sw_floor + 1)" | bc)"
		printf '       longest order < 1,000 ms: %s\n' "$([ "$st" -lt 1000 ] && echo met || echo MISSED)"
		printf '       progress the page showed, every 10 s: %s\n' "${seen:- (done within 10 s)}"
	done
	kill "$swp" 2>/dev/null || true
	wait "$swp" 2>/dev/null || true
	refused=$(awk '$3 != 0 { n++ } END { print n + 0 }' "$SW")
	[ "$refused" = 0 ] || echo "  WARN: $refused orders refused (see $DIR/sync-all-writer.err)"
fi
