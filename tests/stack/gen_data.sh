#!/bin/bash
# Fills a private stack with generated data: NSKUS SKUs with Japanese names, one listing per
# SKU in every existing shop (about 3 % drifting), a few sets, initial stock moves; then runs
# `zaiko-batch recompute` for wanted stock, pushes, drift and search documents.
#   tests/stack/gen_data.sh STACKDIR NSKUS [PREFIX]     (shops must exist; PREFIX default G)
# Environment: BUILD (default build); GEN_CACHE=DIR keeps the generated files in DIR, one
# folder per (NSKUS, first SKU id, shops, PREFIX), and loads them again from there on the next
# run with the same arguments (make bench generates its 250k data set once).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
DIR=${1:?usage: gen_data.sh STACKDIR NSKUS [PREFIX]}
N=${2:?usage: gen_data.sh STACKDIR NSKUS [PREFIX]}
PREFIX=${3:-G}
DIR=$(cd "$DIR" && pwd)
sql() { "$ROOT/tests/stack/stack.sh" sql "$DIR" --local-infile=1 -N -B "$@"; }

shops=$(sql -e "SELECT GROUP_CONCAT(id ORDER BY id) FROM shop")
[ "$shops" != "NULL" ] && [ -n "$shops" ] || { echo "gen_data: create shops first" >&2; exit 1; }
first=$(sql -e "SELECT COALESCE(MAX(id), 0) + 1 FROM sku")
t0=$(date +%s.%N)
if [ -n "${GEN_CACHE:-}" ]; then
	out=$GEN_CACHE/$N-$first-$shops-$PREFIX
	[ -f "$out/done" ] || { rm -rf "$out"; /usr/bin/python3 "$ROOT/tests/stack/gen_data.py" "$out" "$N" "$first" "$shops" "$PREFIX"; touch "$out/done"; }
else
	out=$DIR/gen-data
	rm -rf "$out"
	/usr/bin/python3 "$ROOT/tests/stack/gen_data.py" "$out" "$N" "$first" "$shops" "$PREFIX"
fi
# LOAD DATA LOCAL works with the --no-defaults client when --local-infile=1 is given.
sql <<SQL
SET unique_checks = 0;
LOAD DATA LOCAL INFILE '$out/sku.tsv' INTO TABLE sku CHARACTER SET utf8mb4
  (id, code, name, total) SET updated_at = UTC_TIMESTAMP();
INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, created_at)
  SELECT id, total, total, 'initial', 'gen_data', UTC_TIMESTAMP(3) FROM sku
  WHERE id >= $first AND total <> 0;
LOAD DATA LOCAL INFILE '$out/set_part.tsv' INTO TABLE set_part (set_sku_id, part_sku_id, quantity);
CREATE TEMPORARY TABLE gen_set (id INT PRIMARY KEY);
LOAD DATA LOCAL INFILE '$out/set_ids.tsv' INTO TABLE gen_set (id);
UPDATE sku s JOIN gen_set g ON g.id = s.id SET s.is_set = 1;
LOAD DATA LOCAL INFILE '$out/listing.tsv' INTO TABLE listing CHARACTER SET utf8mb4
  (shop_id, item_code, sub_code, sku_code, name, options, price, mall_stock, max_stock, sku_id)
  SET mall_stock_at = IF(mall_stock IS NULL, NULL, UTC_TIMESTAMP()), link_mode = 'code';
SQL
t1=$(date +%s.%N)
ZAIKO_CONF="$DIR/zaiko.conf" "$ROOT/$BUILD/zaiko-batch" recompute
t2=$(date +%s.%N)
echo "gen_data: $N SKUs × shops ($shops) loaded in $(echo "$t1 - $t0" | bc) s, recompute $(echo "$t2 - $t1" | bc) s"
[ -n "${GEN_CACHE:-}" ] || rm -rf "$out"
