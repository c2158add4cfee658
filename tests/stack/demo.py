#!/usr/bin/python3
"""Demo shops for `make run`: starts the mall simulators, and on the first start creates one
shop per mall (Yahoo! is the base shop), about 1,000 SKUs listed in every shop with some drift
and a few sets, and counts orders from now on (初期受注取得). The simulators keep their books in
memory, so every start points the shops at the fresh simulators and loads each one with the
stock its listings last showed. A mall added since the demo was made (BASE, カラーミーショップ)
gets its shop on the next start, listing what the base shop lists.

usage: demo.py STACKDIR [NSKUS]"""
import json
import os
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK = os.path.abspath(sys.argv[1])
NSKUS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
BATCH = os.path.join(ROOT, os.environ.get("BUILD", "build"), "zaiko-batch")
sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import simbase  # noqa: E402
MALLS = [("yahoo", "Yahoo!ショッピング店"), ("rakuten", "楽天市場店"), ("amazon", "Amazon店"),
         ("shopify", "Shopify店"), ("base", "BASE店"), ("colorme", "カラーミーショップ店")]
# Carts that know an item by a number: their listings are numbered (1000000 + listing id).
NUMBERED = ("base", "colorme")


def sql(query):
    out = subprocess.run([os.path.join(ROOT, "tests/stack/stack.sh"), "sql", STACK, "-N", "-B",
                          "-e", query], capture_output=True, check=True)
    return [l.split("\t") for l in out.stdout.decode().splitlines()]


def quote(s):
    return "'" + str(s).replace("\\", "\\\\").replace("'", "''") + "'"


def ctl(base, what, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/_control/" + what, data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def batch(*args, stdin=None):
    r = subprocess.run([BATCH] + list(args), input=stdin, capture_output=True)
    if r.returncode != 0:
        sys.exit("demo: zaiko-batch %s failed: %s" % (args[0], r.stderr.decode()[-500:]))
    return r.stdout.decode()


def credentials(mall, base):
    return simbase.demo_credentials(mall, base,
                                    ctl(base, "public_key") if mall == "yahoo" else None)


def number_listings(name):
    sql("UPDATE listing l JOIN shop s ON s.id = l.shop_id SET l.item_code = CAST(1000000 + l.id "
        "AS CHAR), l.sub_code = '' WHERE s.name = %s" % quote(name))


def main():
    subprocess.run([os.path.join(ROOT, "tests/stack/sims.sh"), "start", STACK], check=True)
    bases = {}
    for mall, _ in MALLS:
        with open(os.path.join(STACK, "sims", mall + ".port")) as f:
            bases[mall] = "http://127.0.0.1:%s" % f.read().strip()
    existing = {r[0] for r in sql("SELECT name FROM shop")}
    first = not existing
    added = []
    for mall, name in MALLS:
        creds, opts = credentials(mall, bases[mall])
        if first or name not in existing:
            if not first:
                added.append(name)
            args = ["shop-add", name, mall, "--base-url", bases[mall], "--credentials-stdin",
                    "--options", json.dumps(opts)]
            if mall == "yahoo":
                args.append("--base")
            batch(*args, stdin=json.dumps(creds).encode())
        else:
            sql("UPDATE shop SET api_base = %s, options = %s WHERE name = %s AND mall = %s" % (
                quote(bases[mall]), quote(json.dumps(opts)), quote(name), quote(mall)))
            batch("shop-credentials", name, stdin=json.dumps(creds).encode())
    if first:
        subprocess.run([os.path.join(ROOT, "tests/stack/gen_data.sh"), STACK, str(NSKUS), "DEMO"],
                       check=True, stdout=subprocess.DEVNULL)
        # Each mall names its variants its own way (as its simulator and CSV files do).
        sql("UPDATE listing l JOIN shop s ON s.id = l.shop_id SET l.item_code = l.sku_code, "
            "l.sub_code = '' WHERE s.mall IN ('amazon', 'shopify', 'yahoo')")
        sql("UPDATE listing l JOIN shop s ON s.id = l.shop_id SET l.sub_code = 'v1' "
            "WHERE s.mall = 'rakuten'")
        for mall, name in MALLS:
            if mall in NUMBERED:
                number_listings(name)
            batch("initial-fetch", name)
    for name in added:
        sql("INSERT INTO listing (shop_id, item_code, sub_code, sku_code, name, sku_id) "
            "SELECT n.id, CONCAT('new', l.id), '', l.sku_code, l.name, l.sku_id FROM listing l "
            "JOIN shop s ON s.id = l.shop_id AND s.is_base = 1 JOIN shop n ON n.name = %s" %
            quote(name))
        number_listings(name)
        batch("initial-fetch", name)
    # Load every simulator with what its shop's listings last showed.
    for mall, name in MALLS:
        rows = sql("SELECT l.item_code, l.sub_code, COALESCE(l.mall_stock, l.wanted, 0), l.sku_code "
                   "FROM listing l JOIN shop s ON s.id = l.shop_id WHERE s.name = %s" % quote(name))
        items = [{"code": c, "sub": s, "stock": int(n), "sku": k} for c, s, n, k in rows]
        for i in range(0, len(items), 2000):
            ctl(bases[mall], "items", {"items": items[i:i + 2000]})
    print("demo: %d shops, %s SKUs, %s listings" % (
        len(MALLS), sql("SELECT COUNT(*) FROM sku")[0][0],
        sql("SELECT COUNT(*) FROM listing")[0][0]))


if __name__ == "__main__":
    main()
