#!/bin/bash
# The write cost of the listing triggers that keep the 在庫連携 list's counts (sql/210–212), in
# plain SQL on a bench stack's data: 20k listings inserted (a shop with none yet), 在庫連携
# switched off then on for 20k listings in one UPDATE each (the 一括切替), the 20k deleted; on
# listing with its triggers, and on listing_nt, a copy of listing without any (the baseline).
# Each FILE given is a mariadb client script that replaces the triggers (e.g. the triggers of
# one migration, DELIMITER //); the variants run interleaved, ROUNDS times, and the counts
# are compared with their definitions at the end.
#   counts_write_bench.sh [FILE...]   DIR (var/bench-screen), ROUNDS (3), N (20000)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DIR=${DIR:-$ROOT/var/bench-screen}
ROUNDS=${ROUNDS:-3}
N=${N:-20000}
sql() { tests/stack/stack.sh sql "$DIR" -N -B "$@"; }
COLS="shop_id, item_code, sub_code, sku_id, sync"
if [ "$(sql -e "SHOW TABLES LIKE 'listing_nt'")" = "" ]; then
	sql -e "CREATE TABLE listing_nt LIKE listing; INSERT INTO listing_nt ($COLS) SELECT $COLS FROM listing"
fi
ms() { local t0 t1; t0=$(date +%s%N); sql -e "$1"; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
ops() { # table
	local t=$1
	sql -e "DELETE FROM $t WHERE shop_id = 99" # an interrupted run's rows
	local i u1 u2 d
	i=$(ms "INSERT INTO $t ($COLS) SELECT 99, CONCAT('cwb-', id), '', sku_id, sync FROM listing_nt
	        WHERE shop_id = 1 ORDER BY id LIMIT $N")
	u1=$(ms "UPDATE $t SET sync = 0 WHERE shop_id = 1 AND sku_id <= $N")
	u2=$(ms "UPDATE $t SET sync = 1 WHERE shop_id = 1 AND sku_id <= $N")
	d=$(ms "DELETE FROM $t WHERE shop_id = 99")
	echo "$i $u1 $u2 $d"
}
echo "data: $(sql -e 'SELECT COUNT(*) FROM sku') SKUs, $(sql -e 'SELECT COUNT(*) FROM listing') listings; N=$N; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %6s %10s %10s %10s %6s\n' "variant (ms)" insert "sync off" "sync on" delete round
for r in $(seq 1 "$ROUNDS"); do
	printf '%-28s %6s %10s %10s %10s %6s\n' "no triggers (listing_nt)" $(ops listing_nt) "$r"
	for f in "$@"; do
		sql <"$f"
		printf '%-28s %6s %10s %10s %10s %6s\n' "$(basename "$f")" $(ops listing) "$r"
	done
done
bad=$(sql -e "SELECT COUNT(*) FROM (SELECT sh.shop_id, v.sync,
	(SELECT COALESCE(SUM(n), 0) FROM listed_sku_count c WHERE c.shop_id = sh.shop_id AND c.sync = v.sync) AS kept,
	(SELECT COUNT(*) FROM sku s WHERE EXISTS (SELECT 1 FROM listing l WHERE l.sku_id = s.id
	   AND (sh.shop_id = 0 OR l.shop_id = sh.shop_id) AND (v.sync = 2 OR l.sync = v.sync))) AS truth
	FROM (SELECT 0 AS shop_id UNION SELECT DISTINCT shop_id FROM listing) sh
	JOIN (SELECT 0 AS sync UNION ALL SELECT 1 UNION ALL SELECT 2) v) x WHERE kept <> truth")
echo "counts differing from their definition: $bad; load $(cut -d' ' -f1-3 /proc/loadavg)"
