"""Yahoo!ショッピング Store API simulator (setStock, getStock, orderList, orderInfo, the
YConnect v2 token endpoint) on loopback, speaking the wire protocol of PROTOCOLS.md §1.

Demo credentials (also at GET /_control/credentials):
  client_id      demo-client
  client_secret  demo-secret
  refresh_token  demo-refresh
  seller_id      demo-store
  key_version    1
  public_key     a fresh RSA-2048 key made at start (GET /_control/public_key), or the
                 public half of --key PRIVATE.pem
Access tokens are issued only by POST /yconnect/v2/token (grant_type=refresh_token) and live
for an hour (POST /_control/token_ttl {"seconds": n} changes that for new tokens).

Extra control endpoints:
  GET  /_control/public_key     -> {"public_key": PEM, "key_version": "1"}
  GET  /_control/credentials    -> the demo credentials above (with the public key)
  POST /_control/revoke_refresh  the refresh token is refused from now on (invalid_grant)
  POST /_control/token_ttl      {"seconds": n}
  POST /_control/quota          {"count": n}: the next n API calls meet the daily quota
                                (403 "Your Request was Forbidden")
  POST /_control/signature      {"required": false, "unsigned_hours": 12}: order APIs also
                                take unsigned calls, until unsigned_hours after the first one
                                (then px-04102, as Yahoo's 12-hour limit without a key)
The fault kind expired_token really expires every access token issued so far.
Order APIs require X-sws-signature (RSA PKCS#1 v1.5 of "seller_id:unix_time", base64) and
X-sws-signature-version; a wrong, stale (more than 10 minutes) or (by default) missing one
is refused.
With limits on, setStock and getStock allow one request per second each; a call within the
second gets what the real service sends, 403 "Your Request was Forbidden" (the daily quota's
answer too), not a 429.
"""
import base64
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"
REFRESH_TOKEN = "demo-refresh"
SELLER_ID = "demo-store"
KEY_VERSION = "1"
SIGNATURE_SKEW = 600
API = "/ShoppingWebService/V1/"
JST = timezone(timedelta(hours=9))
CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,99}$")


def xml_escape(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def jst_iso(t):
    return datetime.fromtimestamp(t, JST).strftime("%Y-%m-%dT%H:%M:%S+09:00")


def parse_compact_jst(s):
    return datetime.strptime(s, "%Y%m%d%H%M%S").replace(tzinfo=JST).timestamp()


class RsaKey:
    """An RSA private key read through the openssl CLI; decryption is done in Python."""

    def __init__(self, key_path=None):
        self.dir = tempfile.mkdtemp(prefix="zaiko-yahoo-sim-")
        if not key_path:
            key_path = os.path.join(self.dir, "private.pem")
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                            "rsa_keygen_bits:2048", "-out", key_path], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.public_pem = subprocess.run(["openssl", "pkey", "-in", key_path, "-pubout"],
                                         check=True, capture_output=True).stdout.decode()
        text = subprocess.run(["openssl", "pkey", "-in", key_path, "-noout", "-text"],
                              check=True, capture_output=True).stdout.decode()
        self.n = self._field(text, "modulus")
        # CRT parts: four times faster than one pow with the private exponent.
        self.p, self.q = self._field(text, "prime1"), self._field(text, "prime2")
        self.dp, self.dq = self._field(text, "exponent1"), self._field(text, "exponent2")
        self.qinv = self._field(text, "coefficient")
        self.size = (self.n.bit_length() + 7) // 8
        self.cache = {}
        self.cache_lock = threading.Lock()

    @staticmethod
    def _field(text, name):
        m = re.search(r"^%s:\s*\n((?:\s+[0-9a-f:]+\n)+)" % name, text, re.M)
        return int(re.sub(r"[\s:]", "", m.group(1)), 16)

    def decrypt(self, data):
        """PKCS#1 v1.5 type 2 decryption; None when the block is not valid. A signature seen
        before is answered from a small cache (clients may reuse one within a second)."""
        with self.cache_lock:
            if data in self.cache:
                return self.cache[data]
        out = self._decrypt(data)
        with self.cache_lock:
            if len(self.cache) > 1000:
                self.cache.clear()
            self.cache[data] = out
        return out

    def _decrypt(self, data):
        c = int.from_bytes(data, "big")
        if len(data) != self.size or c >= self.n:
            return None
        m1, m2 = pow(c, self.dp, self.p), pow(c, self.dq, self.q)
        m = (m2 + (self.qinv * (m1 - m2) % self.p) * self.q).to_bytes(self.size, "big")
        if m[0] != 0 or m[1] != 2:
            return None
        sep = m.find(b"\x00", 2)
        if sep < 10:
            return None
        return m[sep + 1:]


class Yahoo(simbase.Mall):
    name = "yahoo"

    def __init__(self, key_path=None):
        super().__init__()
        self.key = RsaKey(key_path)

    def on_reset(self):
        with self.lock:
            self.tokens = {}          # access token -> expiry (epoch)
            self.ttl = 3600
            self.refresh_ok = True
            self.last_call = {}       # path -> time of the last stock call (rate limit)
            self.quota_hits = 0
            self.sig_required = True
            self.unsigned_hours = 12.0
            self.first_unsigned = None

    # ---- replies in Yahoo's shapes ----
    @staticmethod
    def xml(status, body, headers=None):
        h = {"Content-Type": "application/xml; charset=utf-8"}
        h.update(headers or {})
        return status, h, ('<?xml version="1.0" encoding="UTF-8"?>' + body).encode()

    def error(self, status, message, code=None, headers=None):
        body = "<Error><Message>%s</Message>%s</Error>" % (
            xml_escape(message), "<Code>%s</Code>" % code if code else "")
        return self.xml(status, body, headers)

    def error_response(self, status):
        if status == 429:
            return self.error(429, "Too many requests in a short time.", "px-04429")
        return self.error(status, "Internal server error (simulated %d)." % status)

    def expired_token_response(self):
        with self.lock:
            for t in self.tokens:
                self.tokens[t] = 0
        return self.invalid_token("expired token")

    def invalid_token(self, why):
        www = 'Bearer realm="yahooapis.jp", error="invalid_token", error_description="%s"' % why
        return self.error(401, "Please provide valid credentials. " + www, None,
                          {"WWW-Authenticate": www})

    # ---- control ----
    def control(self, req):
        p = req.path
        if p == "/_control/public_key":
            return {"public_key": self.key.public_pem, "key_version": KEY_VERSION}
        if p == "/_control/credentials":
            return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                    "refresh_token": REFRESH_TOKEN, "seller_id": SELLER_ID,
                    "key_version": KEY_VERSION, "public_key": self.key.public_pem}
        if p == "/_control/revoke_refresh":
            with self.lock:
                self.refresh_ok = False
            return {"ok": True}
        if p == "/_control/signature":
            body = req.json()
            with self.lock:
                self.sig_required = bool(body.get("required", True))
                self.unsigned_hours = float(body.get("unsigned_hours", 12))
                self.first_unsigned = None
            return {"ok": True}
        if p == "/_control/quota":
            with self.lock:
                self.quota_hits = int(req.json().get("count", 1))
            return {"ok": True}
        if p == "/_control/token_ttl":
            with self.lock:
                self.ttl = int(req.json().get("seconds", 3600))
            return {"ok": True}
        return super().control(req)

    # ---- wire ----
    def handle(self, req):
        try:
            return self.route(req)
        except (TypeError, AttributeError, KeyError, ValueError, UnicodeDecodeError) as e:
            # A request of a shape no check below foresaw: refused, as the real API would.
            return self.error(400, "Bad request: %s" % e, "px-04001")

    def route(self, req):
        if req.path == "/yconnect/v2/token":
            return self.token(req)
        if not req.path.startswith(API) or req.method != "POST":
            return self.error(404, "Not found.")
        api = req.path[len(API):]
        with self.lock:
            if self.quota_hits > 0:
                self.quota_hits -= 1
                return self.error(403, "Your Request was Forbidden")
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.invalid_token("no token")
        with self.lock:
            exp = self.tokens.get(auth[7:].strip())
        if exp is None:
            return self.invalid_token("invalid token")
        if exp <= time.time():
            return self.invalid_token("expired token")
        if api in ("setStock", "getStock"):
            if self.limits:
                now = time.time()
                with self.lock:
                    last = self.last_call.get(api, 0)
                    if now - last < 1.0:
                        # Yahoo answers a call within the second like the daily quota (the
                        # 1クエリ/秒 of the stock API page; 403 as the probes of issue 16 saw).
                        return self.error(403, "Your Request was Forbidden")
                    self.last_call[api] = now
            return self.set_stock(req) if api == "setStock" else self.get_stock(req)
        if api in ("orderList", "orderInfo"):
            bad = self.check_signature(req)
            if bad:
                return bad
            try:
                root = ET.fromstring(req.body)
            except ET.ParseError:
                return self.error(400, "Request body is not XML.", "px-04001")
            if root.findtext("SellerId") != SELLER_ID:
                return self.error(400, '"SellerId" is invalid.', "px-04001")
            return self.order_list(root) if api == "orderList" else self.order_info(root)
        return self.error(404, "Not found.")

    def token(self, req):
        f = req.form()
        cid, csec = f.get("client_id"), f.get("client_secret")
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                cid, _, csec = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                cid = None
        hdr = {"Content-Type": "application/json"}
        if cid != CLIENT_ID or csec != CLIENT_SECRET:
            return 401, hdr, b'{"error":"invalid_client","error_description":"client authentication failed"}'
        if f.get("grant_type") != "refresh_token":
            return 400, hdr, b'{"error":"unsupported_grant_type"}'
        with self.lock:
            if f.get("refresh_token") != REFRESH_TOKEN or not self.refresh_ok:
                return 400, hdr, b'{"error":"invalid_grant","error_description":"refresh token is invalid"}'
            tok = secrets.token_urlsafe(32)
            self.tokens[tok] = time.time() + self.ttl
            ttl = self.ttl
        import json
        return 200, hdr, json.dumps({"access_token": tok, "token_type": "Bearer",
                                     "expires_in": ttl}).encode()

    def check_signature(self, req):
        sig = req.headers.get("X-sws-signature")
        ver = req.headers.get("X-sws-signature-version")
        if not sig and not ver and not self.sig_required:
            with self.lock:
                if self.first_unsigned is None:
                    self.first_unsigned = time.time()
                if time.time() - self.first_unsigned < self.unsigned_hours * 3600:
                    return None
            return self.error(401, "Re-authorization is required (no public key).", "px-04102")
        if not sig or not ver:
            return self.error(401, "Public key authentication is required.", "px-04102")
        if ver != KEY_VERSION:
            return self.error(401, "Unknown public key version.", "px-04102")
        try:
            plain = self.key.decrypt(base64.b64decode(sig, validate=True))
            seller, _, ts = plain.decode().partition(":")
            ts = int(ts)
        except Exception:
            plain = None
        if plain is None or seller != SELLER_ID or abs(time.time() - ts) > SIGNATURE_SKEW:
            return self.error(401, "Public key authentication failed.", "px-04102")
        return None

    def set_stock(self, req):
        f = req.form()
        if f.get("seller_id") != SELLER_ID:
            return self.error(400, '"seller_id" is invalid.', "px-04001")
        codes = f.get("item_code", "").split(",")
        qtys = f.get("quantity", "").split(",")
        if not codes or len(codes) != len(qtys) or len(codes) > 1000:
            return self.error(400, '"item_code" and "quantity" do not match.', "px-04001")
        parsed = []
        for c, q in zip(codes, qtys):
            code, _, sub = c.partition(":")
            if not CODE_RE.match(code) or (sub and not CODE_RE.match(sub)):
                return self.error(400, '"item_code" is invalid: %s' % c, "px-04001")
            if q == "INI":
                return self.error(400, "INI is no longer accepted.", "st-02104")
            if not re.match(r"^[+-]?\d{1,9}$", q):
                return self.error(400, '"quantity" is invalid: %s' % q, "px-04001")
            parsed.append((code, sub, q))
        out = []
        with self.book.lock:
            for code, sub, q in parsed:
                key = (code, sub)
                known = key in self.book.stock
                cur = self.book.stock.get(key, 0)
                n = cur + int(q) if q[0] in "+-" else int(q)
                self.book.stock[key] = n
                if known:
                    # Only registered items are echoed back; an unknown code is stored silently.
                    out.append("<Result><ItemCode>%s</ItemCode>%s<Quantity>%d</Quantity></Result>" % (
                        code, "<SubCode>%s</SubCode>" % sub if sub else "", n))
        return self.xml(200, '<ResultSet totalResultsAvailable="%d" totalResultsReturned="%d" '
                        'firstResultPosition="1">%s</ResultSet>' % (len(out), len(out), "".join(out)))

    def get_stock(self, req):
        f = req.form()
        if f.get("seller_id") != SELLER_ID:
            return self.error(400, '"seller_id" is invalid.', "px-04001")
        codes = [c for c in f.get("item_code", "").split(",") if c]
        if not codes or len(codes) > 1000:
            return self.error(400, '"item_code" is invalid.', "px-04001")
        out = []
        with self.book.lock:
            for c in codes:
                code, _, sub = c.partition(":")
                subx = "<SubCode>%s</SubCode>" % xml_escape(sub) if sub else ""
                if (code, sub) in self.book.stock:
                    out.append("<Result><ItemCode>%s</ItemCode>%s<Status>1</Status><Quantity>%d"
                               "</Quantity><AllowOverdraft>0</AllowOverdraft><IsPublished>1"
                               "</IsPublished><UpdateTime>%s</UpdateTime></Result>" % (
                                   xml_escape(code), subx, self.book.stock[(code, sub)],
                                   jst_iso(time.time())))
                else:
                    out.append("<Result><ItemCode>%s</ItemCode>%s<Status>0</Status></Result>" % (
                        xml_escape(code), subx))
        return self.xml(200, '<ResultSet totalResultsAvailable="%d" totalResultsReturned="%d" '
                        'firstResultPosition="1">%s</ResultSet>' % (len(out), len(out), "".join(out)))

    @staticmethod
    def order_status(o):
        return 4 if o["cancelled"] else 2

    def order_list(self, root):
        s = root.find("Search")
        if s is None or not s.findtext("Field"):
            return self.error(400, '"Field" is not specified.', "px-04001")
        try:
            start = int(s.findtext("Start") or 1)
            count = int(s.findtext("Result") or 10)
            cond = s.find("Condition")
            tfrom = cond.findtext("OrderTimeFrom") if cond is not None else None
            tto = cond.findtext("OrderTimeTo") if cond is not None else None
            tfrom = parse_compact_jst(tfrom) if tfrom else None
            tto = parse_compact_jst(tto) if tto else None
        except (ValueError, TypeError):
            return self.error(400, "Invalid search condition.", "px-04001")
        if start < 1 or count < 1:
            return self.error(400, "Invalid Start or Result.", "px-04001")
        fields = [x.strip() for x in s.findtext("Field").split(",")]
        with self.book.lock:
            hits = [o for o in self.book.orders
                    if (tfrom is None or int(o["created"]) >= tfrom)
                    and (tto is None or int(o["created"]) <= tto)]
            hits.sort(key=lambda o: (o["created"], o["order_no"]),
                      reverse=(s.findtext("Sort") or "+order_time").startswith("-"))
            rows = []
            for i, o in enumerate(hits[start - 1:start - 1 + count]):
                vals = {"OrderId": o["order_no"], "OrderTime": jst_iso(o["created"]),
                        "LastUpdateTime": jst_iso(o["updated"]),
                        "OrderStatus": self.order_status(o)}
                rows.append("<OrderInfo><Index>%d</Index>%s</OrderInfo>" % (
                    start + i, "".join("<%s>%s</%s>" % (k, xml_escape(v), k)
                                       for k, v in vals.items() if k in fields)))
        return self.xml(200, "<Result><Status>OK</Status><Search><TotalCount>%d</TotalCount>%s"
                        "</Search></Result>" % (len(hits), "".join(rows)))

    def order_info(self, root):
        oid = root.findtext("Target/OrderId")
        with self.book.lock:
            o = next((x for x in self.book.orders if x["order_no"] == oid), None)
            if o is None:
                return self.error(400, "Order not found: %s" % oid, "od-00001")
            items = "".join(
                "<Item><LineId>%d</LineId><ItemId>%s</ItemId><Title>%s</Title>%s"
                "<Quantity>%d</Quantity><UnitPrice>1000</UnitPrice></Item>" % (
                    l["line_no"], xml_escape(l["code"]), xml_escape(l["code"]),
                    "<SubCode>%s</SubCode>" % xml_escape(l["sub"]) if l["sub"] else "<SubCode/>",
                    l["qty"]) for l in o["lines"])
            body = ("<OrderInfo><OrderId>%s</OrderId><Version>1</Version><OrderTime>%s</OrderTime>"
                    "<LastUpdateTime>%s</LastUpdateTime><OrderStatus>%d</OrderStatus>%s"
                    "<Pay><PayStatus>1</PayStatus></Pay><Ship><ShipStatus>0</ShipStatus></Ship>"
                    "%s</OrderInfo>" % (
                        xml_escape(o["order_no"]), jst_iso(o["created"]), jst_iso(o["updated"]),
                        self.order_status(o),
                        "<CancelReason>100</CancelReason>" if o["cancelled"] else "<CancelReason/>",
                        items))
        return self.xml(200, '<ResultSet totalResultsAvailable="1" totalResultsReturned="1" '
                        'firstResultPosition="1"><Result><Status>OK</Status>%s</Result>'
                        '</ResultSet>' % body)


def main():
    key = None
    if "--key" in sys.argv:
        i = sys.argv.index("--key")
        key = sys.argv[i + 1]
        del sys.argv[i:i + 2]

    class Configured(Yahoo):
        def __init__(self):
            super().__init__(key)

    simbase.quiet_disconnects()
    simbase.run_main(Configured)


if __name__ == "__main__":
    main()
