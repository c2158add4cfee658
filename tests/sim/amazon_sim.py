#!/usr/bin/python3
"""Amazon SP-API simulator: LWA token exchange, Listings Items 2021-08-01 (PATCH/GET of
fulfillment_availability) and Orders v0 (getOrders, getOrderItems), checked both ways against
Amazon's own models, kept in tests/sim/amazon-models (see SOURCE.md there), or
$ZAIKO_AMAZON_MODELS.

Demo credentials (shop credentials JSON / options):
  client_id      amzn1.application-oa2-client.zaikodemo
  client_secret  zaiko-demo-secret
  refresh_token  Atzr|zaiko-demo-refresh
  seller_id      AZAIKODEMO1        marketplace_id  A1VC38T7YXB528
  lwa_url        http://127.0.0.1:PORT/auth/o2/token     api_base  http://127.0.0.1:PORT

A seller SKU is the Book's code (sub ""): a listing exists only under its seller SKU, which
need not be zaiko's SKU code. Each listing has a product type (default "HOME"; set with
"product_types"); a PATCH must name the listing's own productType (PROTOCOLS §4.2: required,
"use the listing's real product type"; Amazon answers INVALID otherwise), and getListingsItem
returns it in summaries (the default includedData). Extra control (besides simbase's):
  POST /_control/amazon {"token_ttl": s, "refresh_ok": bool, "orders_page": n,
                         "items_page": n, "expire_tokens": true, "apply_delay_ms": n,
                         "product_types": {"SELLER-SKU": "TYPE", ...},
                         "limited_ops": ["patchListingsItem", ...] | null}
                         -> the current settings
  (limited_ops: while limits are on, only these operations' quotas are enforced; null, the
  default after reset: all of them)
A PATCH is ACCEPTED at once and applied apply_delay_ms later (0: at once), as Amazon queues it.
Every request body is validated (400 InvalidInput when it fails); every reply is validated too,
and a reply that fails is answered as 500 "model violation" and printed on stderr.
"""
import base64
import json
import os
import secrets
import sys
import threading
import time
import zlib
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from openapi_check import Model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.environ.get("ZAIKO_AMAZON_MODELS",
                        os.path.join(ROOT, "tests", "sim", "amazon-models"))
DEFAULT_PRODUCT_TYPE = "HOME"
CLIENT_ID = "amzn1.application-oa2-client.zaikodemo"
CLIENT_SECRET = "zaiko-demo-secret"
REFRESH_TOKEN = "Atzr|zaiko-demo-refresh"
SELLER_ID = "AZAIKODEMO1"
MARKETPLACE = "A1VC38T7YXB528"
LISTINGS = "/listings/2021-08-01/items/"

# operation -> (rate per second, burst), as PROTOCOLS §4 and the models give them
RATES = {"patchListingsItem": (5.0, 5), "getListingsItem": (5.0, 10),
         "getOrders": (0.0167, 20), "getOrderItems": (0.5, 30)}


class Bucket:
    def __init__(self, rate, burst):
        self.rate, self.burst, self.tokens, self.at = rate, burst, float(burst), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Amazon(simbase.Mall):
    name = "amazon"

    def __init__(self):
        super().__init__()
        self.listings = Model(os.path.join(MODELS, "listingsItems_2021-08-01.json"))
        self.orders_model = Model(os.path.join(MODELS, "ordersV0.json"))

    def on_reset(self):
        with self.lock:
            self.tokens = {}         # access token -> expiry (epoch seconds)
            self.token_ttl = 3600
            self.refresh_ok = True
            self.orders_page_max = 100
            self.items_page = 100
            self.apply_delay_ms = 0
            self.next_tokens = {}    # NextToken -> remaining work
            self.product_types = {}  # seller SKU -> product type (DEFAULT_PRODUCT_TYPE)
            self.buckets = {op: Bucket(*rb) for op, rb in RATES.items()}
            self.limited_ops = None  # None: every operation's quota; else only these

    # --- envelopes -------------------------------------------------------------------------
    def envelope(self, status, code, message, details="", headers=None):
        h = {"Content-Type": "application/json",
             "x-amzn-RequestId": secrets.token_hex(8)}
        h.update(headers or {})
        return status, h, json.dumps({"errors": [{"code": code, "message": message,
                                                  "details": details}]}).encode()

    def error_response(self, status):
        if status == 429:
            return self.envelope(429, "QuotaExceeded",
                                 "You exceeded your quota for the requested resource.",
                                 headers={"x-amzn-RateLimit-Limit": "5.0"})
        if status == 503:
            return self.envelope(503, "ServiceUnavailable", "Service temporarily unavailable.")
        return self.envelope(status, "InternalFailure",
                             "We encountered an internal error. Please try again.")

    def expired_token_response(self):
        with self.lock:
            self.tokens.clear()   # the token really is gone: only a refresh brings one back
        return self.envelope(403, "Unauthorized", "Access to requested resource is denied.",
                             "The access token you provided has expired.")

    def control(self, req):
        if req.path == "/_control/amazon":
            body = req.json() if req.body else {}
            with self.lock:
                self.token_ttl = int(body.get("token_ttl", self.token_ttl))
                self.refresh_ok = bool(body.get("refresh_ok", self.refresh_ok))
                self.orders_page_max = int(body.get("orders_page", self.orders_page_max))
                self.items_page = int(body.get("items_page", self.items_page))
                self.apply_delay_ms = int(body.get("apply_delay_ms", self.apply_delay_ms))
                if "limited_ops" in body:
                    ops = body["limited_ops"]
                    self.limited_ops = None if ops is None else set(map(str, ops))
                for k, v in (body.get("product_types") or {}).items():
                    self.product_types[str(k)] = str(v)
                if body.get("expire_tokens"):
                    self.tokens = {k: 0 for k in self.tokens}
                return {"token_ttl": self.token_ttl, "refresh_ok": self.refresh_ok,
                        "apply_delay_ms": self.apply_delay_ms,
                        "orders_page": self.orders_page_max, "items_page": self.items_page}
        return super().control(req)

    # --- dispatch ----------------------------------------------------------------------------
    def handle(self, req):
        if req.path == "/auth/o2/token":
            return self.lwa_token(req)
        op = None
        model = None
        args = {}
        if req.path.startswith(LISTINGS):
            parts = req.path[len(LISTINGS):].split("/")
            if len(parts) != 2 or not parts[1]:
                return self.envelope(404, "NotFound", "Resource not found.")
            model = self.listings
            op = {"PATCH": "patchListingsItem", "GET": "getListingsItem"}.get(req.method)
            args = {"sellerId": unquote(parts[0]), "sku": unquote(parts[1])}
        elif req.path == "/orders/v0/orders" and req.method == "GET":
            model, op = self.orders_model, "getOrders"
        elif req.path.startswith("/orders/v0/orders/") and req.path.endswith("/orderItems") \
                and req.method == "GET":
            model, op = self.orders_model, "getOrderItems"
            args = {"orderId": unquote(req.path[len("/orders/v0/orders/"):-len("/orderItems")])}
        if op is None:
            return self.envelope(404, "NotFound", "Resource not found.")
        status, headers, body = self.api(req, model, op, args)
        errs = model.check_response(op, status, json.loads(body.decode()))
        if errs:
            print("amazon_sim: model violation in %s %d reply: %s" % (op, status, errs),
                  file=sys.stderr, flush=True)
            return 500, {"Content-Type": "application/json"}, json.dumps(
                {"errors": [{"code": "InternalFailure", "message": "model violation",
                             "details": "; ".join(errs)[:1000]}]}).encode()
        return status, headers, body

    def api(self, req, model, op, args):
        token = req.headers.get("x-amz-access-token", "")
        with self.lock:
            exp = self.tokens.get(token)
        if exp is None:
            return self.envelope(403, "Unauthorized", "Access to requested resource is denied.",
                                 "The access token you provided is revoked, malformed or invalid.")
        if exp < time.time():
            return self.envelope(403, "Unauthorized", "Access to requested resource is denied.",
                                 "The access token you provided has expired.")
        rate = {"x-amzn-RateLimit-Limit": "%g" % RATES[op][0]}
        if self.limits and (self.limited_ops is None or op in self.limited_ops):
            with self.lock:
                ok = self.buckets[op].take()
            if not ok:
                return self.envelope(429, "QuotaExceeded",
                                     "You exceeded your quota for the requested resource.",
                                     headers=rate)
        query = req.args()
        errs = model.check_query(op, query)
        body = None
        if req.method in ("PATCH", "PUT", "POST"):
            if not req.headers.get("Content-Type", "").startswith("application/json"):
                return self.envelope(415, "InvalidInput", "Unsupported media type.")
            try:
                body = req.json()
            except ValueError:
                return self.envelope(400, "InvalidInput", "Invalid Input", "body is not JSON")
            errs += model.check_request_body(op, body)
        if errs:
            return self.envelope(400, "InvalidInput", "Invalid Input", "; ".join(errs)[:1000],
                                 headers=rate)
        status, out = getattr(self, op)(query, args, body)
        h = {"Content-Type": "application/json", "x-amzn-RequestId": secrets.token_hex(8)}
        h.update(rate)
        return status, h, json.dumps(out).encode()

    # --- LWA ---------------------------------------------------------------------------------
    def lwa_token(self, req):
        h = {"Content-Type": "application/json"}
        if req.method != "POST" or not req.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded"):
            return 400, h, json.dumps({"error": "invalid_request",
                                       "error_description": "form POST expected"}).encode()
        f = req.form()
        if f.get("grant_type") != "refresh_token":
            return 400, h, json.dumps({"error": "unsupported_grant_type",
                                       "error_description": "grant_type"}).encode()
        if f.get("client_id") != CLIENT_ID or f.get("client_secret") != CLIENT_SECRET:
            return 401, h, json.dumps({"error": "invalid_client",
                                       "error_description": "Client authentication failed"}).encode()
        with self.lock:
            if f.get("refresh_token") != REFRESH_TOKEN or not self.refresh_ok:
                return 400, h, json.dumps({"error": "invalid_grant",
                                           "error_description": "The request has an invalid grant parameter : refresh_token"}).encode()
            tok = "Atza|" + secrets.token_urlsafe(24)
            self.tokens[tok] = time.time() + self.token_ttl
            ttl = self.token_ttl
        return 200, h, json.dumps({"access_token": tok, "refresh_token": REFRESH_TOKEN,
                                   "token_type": "bearer", "expires_in": ttl}).encode()

    # --- Listings ----------------------------------------------------------------------------
    def check_listing_target(self, query, args):
        if args["sellerId"] != SELLER_ID:
            return self.envelope(403, "Unauthorized", "Access to requested resource is denied.",
                                 "The seller is not authorised for this application.")
        if MARKETPLACE not in query.get("marketplaceIds", "").split(","):
            return self.envelope(400, "InvalidInput", "Invalid Input",
                                 "marketplaceIds must include the seller's marketplace")
        return None

    def patchListingsItem(self, query, args, body):
        bad = self.check_listing_target(query, args)
        if bad:
            return bad[0], json.loads(bad[2])
        sku = args["sku"]
        issues = []
        qty = None
        for p in body["patches"]:
            if p["path"] != "/attributes/fulfillment_availability":
                continue
            if p["op"] not in ("merge", "replace"):
                issues.append(("90000900", "op %s is not supported here" % p["op"]))
                continue
            for v in p.get("value", []):
                code = v.get("fulfillment_channel_code")
                q = v.get("quantity")
                if not isinstance(code, str) or not code:
                    issues.append(("90000900", "fulfillment_channel_code is required"))
                elif code != "DEFAULT":
                    issues.append(("90000900", "quantity cannot be set for channel " + code))
                elif isinstance(q, bool) or not isinstance(q, int) or q < 0:
                    issues.append(("90244", "quantity must be a non-negative integer"))
                else:
                    qty = q
        with self.lock:
            ptype = self.product_types.get(sku, DEFAULT_PRODUCT_TYPE)
        with self.book.lock:
            known = (sku, "") in self.book.stock
            if not known:
                issues.append(("4000001", "SKU %s does not exist for this seller" % sku))
            elif body.get("productType") != ptype:
                issues.append(("4000003", "The provided productType %s does not match the "
                               "productType %s of this listing" % (body.get("productType"), ptype)))
            if not issues and qty is not None and query.get("mode") != "VALIDATION_PREVIEW":
                if self.apply_delay_ms > 0:
                    threading.Timer(self.apply_delay_ms / 1000.0, self.apply, (sku, qty)).start()
                else:
                    self.book.stock[(sku, "")] = qty
        out = {"sku": sku, "status": "INVALID" if issues else "ACCEPTED",
               "submissionId": secrets.token_hex(16)}
        if issues:
            out["issues"] = [{"code": c, "message": m, "severity": "ERROR",
                              "categories": ["INVALID_ATTRIBUTE"],
                              "attributeNames": ["fulfillment_availability"]} for c, m in issues]
        return 200, out

    def apply(self, sku, qty):
        with self.book.lock:
            self.book.stock[(sku, "")] = qty

    def getListingsItem(self, query, args, body):
        bad = self.check_listing_target(query, args)
        if bad:
            return bad[0], json.loads(bad[2])
        sku = args["sku"]
        with self.book.lock:
            n = self.book.stock.get((sku, ""))
        if n is None:
            return 404, {"errors": [{"code": "NOT_FOUND",
                                     "message": "SKU '%s' not found in marketplace %s" % (sku, MARKETPLACE),
                                     "details": ""}]}
        out = {"sku": sku}
        included = query.get("includedData", "summaries").split(",")
        if "summaries" in included:
            with self.lock:
                ptype = self.product_types.get(sku, DEFAULT_PRODUCT_TYPE)
            out["summaries"] = [{"marketplaceId": MARKETPLACE, "productType": ptype,
                                 "asin": "B0%08d" % (zlib.crc32(sku.encode()) % 10 ** 8),
                                 "status": ["BUYABLE", "DISCOVERABLE"], "itemName": "商品 " + sku,
                                 "createdDate": "2026-01-01T00:00:00Z",
                                 "lastUpdatedDate": "2026-01-01T00:00:00Z"}]
        if "fulfillmentAvailability" in included:
            out["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "DEFAULT",
                                               "quantity": max(0, n)}]
        return 200, out

    # --- Orders ------------------------------------------------------------------------------
    def order_json(self, o):
        qty = sum(l["qty"] for l in o["lines"])
        return {"AmazonOrderId": o["order_no"], "PurchaseDate": simbase.iso(o["created"]),
                "LastUpdateDate": simbase.iso(o["updated"]),
                "OrderStatus": "Canceled" if o["cancelled"] else "Unshipped",
                "FulfillmentChannel": "MFN", "SalesChannel": "Amazon.co.jp",
                "NumberOfItemsShipped": 0, "NumberOfItemsUnshipped": 0 if o["cancelled"] else qty,
                "MarketplaceId": MARKETPLACE, "OrderType": "StandardOrder",
                "IsBusinessOrder": False, "IsPrime": False}

    def bad_request(self, msg):
        return 400, {"errors": [{"code": "InvalidInput", "message": "Invalid Input",
                                 "details": msg}]}

    def getOrders(self, query, args, body):
        tok = query.get("NextToken")
        if tok is not None:
            with self.lock:
                rest = self.next_tokens.pop(tok, None)
            if rest is None:
                return self.bad_request("Invalid NextToken")
            ids, page = rest
        else:
            if MARKETPLACE not in query["MarketplaceIds"].split(","):
                return self.bad_request("Invalid MarketplaceIds")
            if ("CreatedAfter" in query) == ("LastUpdatedAfter" in query):
                return self.bad_request("Exactly one of CreatedAfter or LastUpdatedAfter is required")
            try:
                after = simbase.parse_iso(query.get("LastUpdatedAfter") or query["CreatedAfter"])
                before_s = query.get("LastUpdatedBefore") or query.get("CreatedBefore")
                before = simbase.parse_iso(before_s) if before_s else None
            except ValueError:
                return self.bad_request("Invalid date-time")
            if before is not None and before > time.time() - 120:
                return self.bad_request("LastUpdatedBefore must be at least 2 minutes before now")
            key = "updated" if "LastUpdatedAfter" in query else "created"
            statuses = query.get("OrderStatuses")
            page = int(query.get("MaxResultsPerPage", "100"))
            if not 1 <= page <= 100:
                return self.bad_request("MaxResultsPerPage must be 1-100")
            with self.book.lock:
                found = sorted((o for o in self.book.orders
                                if o[key] >= after and (before is None or o[key] <= before)),
                               key=lambda o: (o[key], o["order_no"]))
                if statuses:
                    want = statuses.split(",")
                    found = [o for o in found if self.order_json(o)["OrderStatus"] in want]
                ids = [o["order_no"] for o in found]
        page = min(page, self.orders_page_max)
        with self.book.lock:
            byid = {o["order_no"]: o for o in self.book.orders}
            orders = [self.order_json(byid[i]) for i in ids[:page] if i in byid]
        out = {"payload": {"Orders": orders}}
        if len(ids) > page:
            t = base64.b64encode(secrets.token_bytes(24)).decode()
            with self.lock:
                self.next_tokens[t] = (ids[page:], page)
            out["payload"]["NextToken"] = t
        return 200, out

    def getOrderItems(self, query, args, body):
        oid = args["orderId"]
        with self.book.lock:
            o = next((x for x in self.book.orders if x["order_no"] == oid), None)
            lines = [dict(l) for l in o["lines"]] if o else None
        if o is None:
            return 404, {"errors": [{"code": "NotFound", "message": "Order not found",
                                     "details": oid}]}
        start = 0
        tok = query.get("NextToken")
        if tok is not None:
            with self.lock:
                st = self.next_tokens.pop(tok, None)
            if st is None or st[0] != oid:
                return self.bad_request("Invalid NextToken")
            start = st[1]
        chunk = lines[start:start + self.items_page]
        items = [{"ASIN": "B0%08d" % (zlib.crc32(l["code"].encode()) % 10 ** 8),
                  "OrderItemId": "%s-%04d" % (oid.replace("-", ""), l["line_no"]),
                  "SellerSKU": l["code"], "Title": "商品 " + l["code"],
                  "QuantityOrdered": l["qty"], "QuantityShipped": 0,
                  "ItemPrice": {"CurrencyCode": "JPY", "Amount": "%d.00" % (1000 * l["qty"])}}
                 for l in chunk]
        out = {"payload": {"AmazonOrderId": oid, "OrderItems": items}}
        if start + self.items_page < len(lines):
            t = base64.b64encode(secrets.token_bytes(24)).decode()
            with self.lock:
                self.next_tokens[t] = (oid, start + self.items_page)
            out["payload"]["NextToken"] = t
        return 200, out


if __name__ == "__main__":
    simbase.run_main(Amazon)
