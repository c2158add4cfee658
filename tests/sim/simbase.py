"""Common ground of the mall simulators: a threaded loopback HTTP server, the shared
stock/order book, fault injection, and the /_control interface tests use.

A simulator module subclasses Mall, routes its wire paths in handle(), and calls
run_main(MallClass). Control endpoints (JSON in, JSON out), the same for every mall:
  POST /_control/reset                      {}                      empty stock and orders
  POST /_control/items                      {"items":[{"code":..,"sub":..,"stock":n}]}
  GET  /_control/stock                      -> {"items":[{"code","sub","stock"}]}
  POST /_control/order                      {"order_no"?, "lines":[{"code","sub","qty"}],
                                             "ago"?: seconds (placed that long before now)}
  POST /_control/cancel                     {"order_no": ..}
  POST /_control/fault                      {"kind": "latency|500|429|expired_token|
                                              malformed|drop", "count": n, "ms": n,
                                              "path": substring (optional)}
  POST /_control/limits                     {"enabled": bool}
  GET  /_control/log                        -> the requests seen (method, path, status)
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Book:
    """Stock by (code, sub) and orders; every access holds the lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.stock = {}      # (code, sub) -> int
            self.orders = []     # dicts: order_no, created, updated, cancelled, lines
            self.seq = 0
            self.log = []

    def place(self, lines, order_no=None, at=None):
        with self.lock:
            self.seq += 1
            now = at or time.time()
            order = {"order_no": order_no or "ORD%06d" % self.seq, "created": now,
                     "updated": now, "cancelled": False,
                     "lines": [dict(code=l["code"], sub=l.get("sub", ""), qty=int(l["qty"]),
                                    line_no=i + 1) for i, l in enumerate(lines)]}
            for l in order["lines"]:
                key = (l["code"], l["sub"])
                self.stock[key] = self.stock.get(key, 0) - l["qty"]
            self.orders.append(order)
            return order

    def cancel(self, order_no):
        with self.lock:
            for o in self.orders:
                if o["order_no"] == order_no and not o["cancelled"]:
                    o["cancelled"] = True
                    o["updated"] = time.time()
                    for l in o["lines"]:
                        key = (l["code"], l["sub"])
                        self.stock[key] = self.stock.get(key, 0) + l["qty"]
                    return o
            return None


class Faults:
    """Faults queued by tests; each fires `count` times on requests whose path matches."""

    def __init__(self):
        self.lock = threading.Lock()
        self.queue = []

    def add(self, spec):
        with self.lock:
            self.queue.append(dict(kind=spec["kind"], count=int(spec.get("count", 1)),
                                   ms=int(spec.get("ms", 0)), path=spec.get("path", "")))

    def take(self, path):
        with self.lock:
            for f in self.queue:
                if f["path"] in path and f["count"] > 0:
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.queue.remove(f)
                    return f
        return None

    def clear(self):
        with self.lock:
            self.queue = []


def iso(t):
    """Epoch seconds as ISO 8601 in UTC with a Z, as the Amazon and Shopify APIs write it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    """ISO 8601 (Z or an offset; none means UTC) to epoch seconds."""
    import datetime
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


class Mall:
    """Override handle(req) -> (status, headers dict, body bytes) for the mall's wire paths,
    and expired_token_response() for the mall's own 'token expired' answer. self.lock guards
    the subclass's own state (tokens, settings); on_reset() sets that state up, at start and at
    each reset."""
    name = "mall"

    def __init__(self):
        self.book = Book()
        self.faults = Faults()
        self.limits = True
        self.lock = threading.Lock()
        self.on_reset()

    def json_reply(self, status, obj, headers=None):
        """A JSON answer (UTF-8, non-ASCII kept as is), with extra headers when given."""
        h = {"Content-Type": "application/json; charset=utf-8"}
        h.update(headers or {})
        return status, h, json.dumps(obj, ensure_ascii=False).encode()

    def handle(self, req):
        return 404, {}, b"not found"

    def expired_token_response(self):
        return 401, {"Content-Type": "application/json"}, b'{"error":"invalid_token"}'

    def error_response(self, status):
        return status, {"Content-Type": "application/json"}, json.dumps(
            {"error": "simulated %d" % status}).encode()

    def control(self, req):
        body = req.json() if req.body else {}
        p = req.path
        b = self.book
        if p == "/_control/reset":
            b.reset(); self.faults.clear(); self.limits = True; self.on_reset()
            return {"ok": True}
        if p == "/_control/items":
            with b.lock:
                for it in body["items"]:
                    b.stock[(it["code"], it.get("sub", ""))] = int(it.get("stock", 0))
            return {"ok": True}
        if p == "/_control/stock":
            with b.lock:
                return {"items": [{"code": c, "sub": s, "stock": n}
                                  for (c, s), n in sorted(b.stock.items())]}
        if p == "/_control/order":
            ago = float(body.get("ago", 0))
            o = b.place(body["lines"], body.get("order_no"), time.time() - ago if ago else None)
            return {"order_no": o["order_no"]}
        if p == "/_control/cancel":
            o = b.cancel(body["order_no"])
            return {"ok": o is not None}
        if p == "/_control/fault":
            self.faults.add(body)
            return {"ok": True}
        if p == "/_control/limits":
            self.limits = bool(body.get("enabled", True))
            return {"ok": True}
        if p == "/_control/log":
            with b.lock:
                return {"requests": list(b.log)}
        return None

    def on_reset(self):
        pass


class Request:
    def __init__(self, handler, body):
        self.method = handler.command
        full = handler.path
        self.path, _, self.query = full.partition("?")
        self.headers = handler.headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def form(self):
        from urllib.parse import parse_qs
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"),
                                              keep_blank_values=True).items()}

    def args(self):
        from urllib.parse import parse_qs
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}


def make_handler(mall):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the
        # client's delayed ACK (about 40 ms per call on loopback).
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def _send(self, status, headers, body):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _serve(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            req = Request(self, body)
            if req.path.startswith("/_control/"):
                out = mall.control(req)
                if out is None:
                    return self._send(404, {}, b"")
                return self._send(200, {"Content-Type": "application/json"},
                                  json.dumps(out).encode())
            fault = mall.faults.take(req.path)
            if fault:
                k = fault["kind"]
                if k == "latency":
                    time.sleep(fault["ms"] / 1000.0)
                elif k == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                elif k == "500":
                    return self._send(*mall.error_response(500))
                elif k == "429":
                    st, h, b = mall.error_response(429)
                    h = dict(h); h["Retry-After"] = "1"
                    return self._send(st, h, b)
                elif k == "expired_token":
                    return self._send(*mall.expired_token_response())
                elif k == "malformed":
                    st, h, b = mall.handle(req)
                    return self._send(st, h, b[: max(1, len(b) // 2)] + b"\x00<<")
            status, headers, out = mall.handle(req)
            with mall.book.lock:
                mall.book.log.append({"method": req.method, "path": req.path, "status": status})
                del mall.book.log[:-1000]
            self._send(status, headers, out)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


def demo_credentials(mall, base, public_key=None):
    """What each simulator accepts (its demo credentials, documented at the top of each
    simulator file) as `zaiko-batch shop-add … --credentials-stdin --options` take them:
    (credentials, options). base is the simulator's URL; Yahoo!'s needs the simulator's
    public key (GET /_control/public_key)."""
    if mall == "yahoo":
        return ({"client_id": "demo-client", "client_secret": "demo-secret",
                 "refresh_token": "demo-refresh", "seller_id": "demo-store",
                 "public_key": public_key["public_key"],
                 "key_version": public_key.get("key_version", "1")}, {})
    if mall == "rakuten":
        return ({"service_secret": "SP000000_demoSecret", "license_key": "SL000000_demoLicense"},
                {})
    if mall == "amazon":
        return ({"client_id": "amzn1.application-oa2-client.zaikodemo",
                 "client_secret": "zaiko-demo-secret", "refresh_token": "Atzr|zaiko-demo-refresh"},
                {"seller_id": "AZAIKODEMO1", "lwa_url": base + "/auth/o2/token"})
    if mall == "base":
        return ({"client_id": "zaiko-demo-base", "client_secret": "zaiko-demo-base-secret",
                 "refresh_token": "zaiko-demo-base-refresh",
                 "redirect_uri": "https://zaiko.example.jp/base/callback"}, {})
    if mall == "colorme":
        return ({"access_token": "zaiko-demo-colorme-token"}, {})
    if mall == "shopify":
        return ({"access_token": "shpat_zaikodemo0000000000000000000000"},
                {"api_version": "2026-04", "location_id": "gid://shopify/Location/1"})
    raise ValueError("no simulator for mall %r" % mall)


def quiet_disconnects():
    """A client that timed out or hung up is expected where a simulator injects latency and
    dropped connections (楽天, Yahoo!): print no traceback for it; other errors still print."""
    orig = ThreadingHTTPServer.handle_error

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        orig(self, request, client_address)

    ThreadingHTTPServer.handle_error = handle_error


def run_main(mall_class):
    ap = argparse.ArgumentParser(description="zaiko %s simulator" % mall_class.name)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--seed-file", help="JSON {items:[...]} loaded at start")
    args = ap.parse_args()
    mall = mall_class()
    if args.seed_file:
        with open(args.seed_file) as f:
            for it in json.load(f)["items"]:
                mall.book.stock[(it["code"], it.get("sub", ""))] = int(it.get("stock", 0))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(mall))
    server.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)
