#!/usr/bin/python3
"""Writes TSV files of generated SKUs, listings (one per SKU and shop), set parts and initial
stock moves for tests/stack/gen_data.sh. Deterministic for a given seed. Stdlib only.

usage: gen_data.py OUTDIR NSKUS FIRST_SKU_ID SHOP_IDS(comma-separated) [PREFIX]
"""
import os
import random
import sys

MATERIALS = ["オーガニックコットン", "リネン", "ウール", "カシミヤ", "シルク", "デニム", "ナイロン",
             "ポリエステル", "ガーゼ", "レザー"]
ITEMS = ["Tシャツ", "シャツ", "パーカー", "靴下", "ストール", "トートバッグ", "キャップ", "エプロン",
         "ハンカチ", "パジャマ", "ワンピース", "カーディガン"]
COLOURS = ["白", "黒", "紺", "生成り", "グレー", "赤", "ベージュ", "カーキ", "ピンク", "水色"]
SIZES = ["S", "M", "L", "XL", "フリー"]


def esc(v):
    """TSV for LOAD DATA: \\N for NULL, backslash escapes for tab, newline, backslash."""
    if v is None:
        return "\\N"
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    out, n, first, shops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prefix = sys.argv[5] if len(sys.argv) > 5 else "G"
    shop_ids = [int(s) for s in shops.split(",") if s]
    rnd = random.Random(20261127 + first)
    os.makedirs(out, exist_ok=True)
    totals, names = [], []
    with open(os.path.join(out, "sku.tsv"), "w", encoding="utf-8") as f:
        for i in range(n):
            code = "%s%07d" % (prefix, i)
            name = "%s %s %s %s" % (rnd.choice(MATERIALS), rnd.choice(ITEMS), rnd.choice(COLOURS),
                                    rnd.choice(SIZES))
            total = rnd.choice([0, 0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 100, 250])
            totals.append(total)
            names.append(name)
            f.write("\t".join(esc(x) for x in (first + i, code, name, total)) + "\n")
    # A few sets: every 5000th SKU (at least 3) is a set of two others.
    nsets = max(3, n // 5000) if n >= 10 else 0
    set_ids = set()
    with open(os.path.join(out, "set_part.tsv"), "w", encoding="utf-8") as f:
        for k in range(nsets):
            s = (k * 4999 + 7) % n
            a, b = (s + 1) % n, (s + 2) % n
            set_ids.add(s)
            f.write("%d\t%d\t%d\n" % (first + s, first + a, rnd.choice([1, 2, 3])))
            f.write("%d\t%d\t%d\n" % (first + s, first + b, 1))
    with open(os.path.join(out, "set_ids.tsv"), "w") as f:
        for s in sorted(set_ids):
            f.write("%d\n" % (first + s))
    with open(os.path.join(out, "listing.tsv"), "w", encoding="utf-8") as f:
        for shop in shop_ids:
            for i in range(n):
                code = "%s%07d" % (prefix, i)
                total = totals[i]
                # Most shops hold what zaiko wants; about 3 % drift, 1 % unknown.
                r = rnd.random()
                if r < 0.03:
                    mall = max(0, total + rnd.choice([-3, -1, 1, 2, 5]))
                elif r < 0.04:
                    mall = None
                else:
                    mall = total
                max_stock = rnd.choice([None] * 9 + [10])
                if max_stock is not None and mall is not None and r >= 0.04:
                    mall = min(mall, max_stock)
                price = rnd.choice([980, 1480, 1980, 2980, 3980, 5800])
                f.write("\t".join(esc(x) for x in (
                    shop, code.lower(), "", code, names[i], "", price, mall,
                    max_stock, first + i)) + "\n")


if __name__ == "__main__":
    main()
