"""Places a random order in a random demo shop now and then, so `make run` visibly syncs:
the order lowers the total, and the other shops' stock follows within a cycle.

usage: demo_orders.py STACKDIR [--every SECONDS]"""
import argparse
import json
import os
import random
import time
import urllib.request


def control(port, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d/_control/%s" % (port, path), data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def ports(stack):
    out = {}
    d = os.path.join(stack, "sims")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.endswith(".port"):
            with open(os.path.join(d, name)) as f:
                out[name[:-5]] = int(f.read().strip())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stack")
    ap.add_argument("--every", type=float, default=20.0)
    args = ap.parse_args()
    rng = random.Random()
    placed = []
    while True:
        time.sleep(args.every * rng.uniform(0.5, 1.5))
        try:
            sims = ports(args.stack)
            if not sims:
                continue
            mall = rng.choice(sorted(sims))
            items = [i for i in control(sims[mall], "stock")["items"] if i["stock"] > 0]
            if not items:
                continue
            item = rng.choice(items)
            if placed and rng.random() < 0.1:
                m, order_no = placed.pop(0)
                if m in sims:
                    control(sims[m], "cancel", {"order_no": order_no})
                    print("demo: cancelled %s in %s" % (order_no, m), flush=True)
                continue
            qty = rng.randint(1, min(2, item["stock"]))
            out = control(sims[mall], "order", {"lines": [
                {"code": item["code"], "sub": item.get("sub", ""), "qty": qty}]})
            placed.append((mall, out["order_no"]))
            del placed[:-20]
            print("demo: order %s in %s: %s %s x%d" % (out["order_no"], mall, item["code"],
                                                      item.get("sub", ""), qty), flush=True)
        except (OSError, ValueError, KeyError) as e:
            print("demo: %s" % e, flush=True)


if __name__ == "__main__":
    main()
