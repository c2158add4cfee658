#!/usr/bin/python3
"""Shopify Admin GraphQL simulator: productVariants by SKU, inventorySetQuantities (with
changeFromQuantity compare-and-set and @idempotent keys), orders with cursor paging (and
order(id) for more line items), calculated query cost (requested before, refunded to the
actual cost after) with THROTTLED answers, 401 on a bad
token, and the client-credentials token grant.

Demo credentials:
  access_token   shpat_zaikodemo0000000000000000000000   (static, never expires)
  client_id      zaiko-demo-client
  client_secret  zaiko-demo-shopify-secret   (POST /admin/oauth/access_token gives 24 h tokens)
  api_base       http://127.0.0.1:PORT        api_version  2026-01 (any YYYY-01/04/07/10)
  location       gid://shopify/Location/1 (本店), the only location

A variant SKU is the Book's code (sub ""). Extra control (besides simbase's):
  POST /_control/shopify {"refresh_ok": bool, "token_ttl": s, "orders_page": n, "lines_page": n,
                          "bucket_max": n, "restore_rate": n, "duplicate": "SKU",
                          "static_token": bool, "clear_faults": true,
                          "sell_before_set": "SKU",   (one unit sold just before the next set)
                          "refund": bool}   (false: a call keeps its whole requested cost)
  GET  /_control/costs   -> {"calls": [{at, op, requested, actual, before, after, restore}]}
                            (also printed, one line a call, to the simulator's output)
The GraphQL "parser" only recognises the root fields zaiko's adapter uses, but every query's
cost is calculated by Shopify's documented rules and a query above 1,000 points is refused
(MAX_COST_EXCEEDED), the search syntax is parsed as Shopify's (OR, AND, NOT, parentheses,
upper-case connectives only) and @idempotent is unknown before 2026-01: see shopify_rules.py.
"""
import base64
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
import shopify_rules  # noqa: E402

STATIC_TOKEN = "shpat_zaikodemo0000000000000000000000"
CLIENT_ID = "zaiko-demo-client"
CLIENT_SECRET = "zaiko-demo-shopify-secret"
LOCATION = "gid://shopify/Location/1"
GRAPHQL = re.compile(r"^/admin/api/(\d{4}-(?:01|04|07|10))/graphql\.json$")
REASONS = {"correction", "cycle_count_available", "damaged", "movement_created",
           "movement_updated", "movement_received", "movement_canceled", "other", "promotion",
           "quality_control", "received", "reservation_created", "reservation_deleted",
           "reservation_updated", "restock", "safety_stock", "shrinkage"}


class Shopify(simbase.Mall):
    name = "shopify"

    def on_reset(self):
        with self.lock:
            self.tokens = {}          # issued token -> expiry
            self.token_ttl = 86399
            self.static_ok = True
            self.refresh_ok = True
            self.orders_page_max = 250
            self.lines_page_max = 250
            self.bucket_max = 1000.0
            self.restore_rate = 100.0
            self.available = self.bucket_max
            self.at = time.monotonic()
            self.ids = {}             # sku -> number behind the variant / inventory item gids
            self.duplicates = set()
            self.idempotent = {}      # key -> earlier answer
            self.sell_before_set = None  # a SKU sold between a client's read and its set
            self.refund = True        # the bucket gets back requested - actual cost
            self.costs = []           # what each call asked and cost (/_control/costs)

    # --- envelopes -------------------------------------------------------------------------
    def error_response(self, status):
        if status == 429:
            return self.json_reply(429, {"errors": "Exceeded 2 calls per second for api client. "
                                                   "Reduce request rates to resume uninterrupted service."})
        return self.json_reply(status, {"errors": "Internal Server Error"})

    def expired_token_response(self):
        with self.lock:
            self.tokens.clear()
        return self.json_reply(401, {"errors": "[API] Invalid API key or access token "
                                               "(unrecognized login or wrong password)"})

    def control(self, req):
        if req.path == "/_control/shopify":
            b = req.json() if req.body else {}
            with self.lock:
                self.refresh_ok = bool(b.get("refresh_ok", self.refresh_ok))
                self.static_ok = bool(b.get("static_token", self.static_ok))
                self.orders_page_max = int(b.get("orders_page", self.orders_page_max))
                self.lines_page_max = int(b.get("lines_page", self.lines_page_max))
                if "bucket_max" in b:
                    self.bucket_max = self.available = float(b["bucket_max"])
                self.restore_rate = float(b.get("restore_rate", self.restore_rate))
                if "duplicate" in b:
                    self.duplicates.add(b["duplicate"])
                self.token_ttl = int(b.get("token_ttl", self.token_ttl))
                if "sell_before_set" in b:
                    self.sell_before_set = b["sell_before_set"]
                self.refund = bool(b.get("refund", self.refund))
            if b.get("clear_faults"):
                self.faults.clear()
            return {"ok": True}
        if req.path == "/_control/costs":
            with self.lock:
                return {"calls": list(self.costs), "bucket_max": self.bucket_max,
                        "restore_rate": self.restore_rate}
        return super().control(req)

    # --- dispatch ----------------------------------------------------------------------------
    def handle(self, req):
        if req.path == "/admin/oauth/access_token" and req.method == "POST":
            return self.token_grant(req)
        m = GRAPHQL.match(req.path)
        if not m:
            return self.json_reply(404, {"errors": "Not Found"})
        if req.method != "POST":
            return self.json_reply(405, {"errors": "Method Not Allowed"})
        tok = req.headers.get("X-Shopify-Access-Token", "")
        with self.lock:
            ok = (tok == STATIC_TOKEN and self.static_ok) or self.tokens.get(tok, 0) > time.time()
        if not ok:
            return self.expired_token_response() if tok in self.tokens else self.json_reply(
                401, {"errors": "[API] Invalid API key or access token "
                                "(unrecognized login or wrong password)"})
        try:
            body = req.json()
            query = body["query"]
            variables = body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return self.json_reply(400, {"errors": {"query": "Required parameter missing or invalid"}})
        version = m.group(1)
        try:
            cost = shopify_rules.query_cost(query, variables)
        except shopify_rules.GraphQLSyntaxError as e:
            return self.json_reply(200, {"errors": [{"message": "Parse error: %s" % e,
                                                     "extensions": {"code": "parseError"}}]})
        if cost > shopify_rules.MAX_QUERY_COST:
            return self.json_reply(200, {"errors": [{
                "message": "Query cost is %d, which exceeds the single query max cost limit (%d)."
                           % (cost, shopify_rules.MAX_QUERY_COST),
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost,
                               "maxCost": shopify_rules.MAX_QUERY_COST}}]})
        if "@idempotent" in query and version < "2026-01":
            return self.json_reply(200, {"errors": [{
                "message": "Directive 'idempotent' is not defined",
                "extensions": {"code": "undefinedDirective", "directiveName": "idempotent"}}]})
        if "inventorySetQuantities(" in query:
            op = self.set_quantities
        elif "productVariants(" in query:
            op = self.product_variants
        elif re.search(r"\borders\(", query):
            op = self.orders
        elif re.search(r"\border\(", query):
            op = self.order_lines
        else:
            return self.json_reply(200, {"errors": [{"message": "Field not supported by the simulator",
                                                     "extensions": {"code": "undefinedField"}}]})
        with self.lock:
            now = time.monotonic()
            self.available = min(self.bucket_max, self.available + (now - self.at) * self.restore_rate)
            self.at = now
            before = self.available
            throttled = self.limits and cost > self.available
            if not throttled:
                self.available -= cost
            status = {"maximumAvailable": self.bucket_max, "currentlyAvailable": int(self.available),
                      "restoreRate": self.restore_rate}
        if throttled:
            self.note_cost(op, cost, None, before, status)
            return self.json_reply(200, {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None,
                                        "throttleStatus": status}}})
        out = op(query, variables, version)
        # Once the query has run, the bucket gets back what the reply did not use.
        actual = shopify_rules.actual_cost(query, variables, out.get("data")) if self.refund \
            else cost
        actual = min(actual, cost)
        with self.lock:
            self.available = min(self.bucket_max, self.available + (cost - actual))
            status = dict(status, currentlyAvailable=int(self.available))
        self.note_cost(op, cost, actual, before, status)
        out.setdefault("extensions", {})["cost"] = {
            "requestedQueryCost": cost, "actualQueryCost": actual, "throttleStatus": status}
        return self.json_reply(200, out)

    def note_cost(self, op, requested, actual, before, status):
        """One line per GraphQL call in the log and in /_control/costs: what it asked, what it
        cost, and the bucket before and after (actual None: THROTTLED)."""
        e = {"at": round(time.time(), 3), "op": op.__name__, "requested": requested,
             "actual": actual, "before": round(before, 1),
             "after": status["currentlyAvailable"], "restore": status["restoreRate"]}
        with self.lock:
            self.costs.append(e)
            del self.costs[:-5000]
        print("cost %s %s requested %d actual %s bucket %.0f -> %d" % (
            time.strftime("%H:%M:%S", time.gmtime(e["at"])), e["op"], requested,
            "THROTTLED" if actual is None else actual, before, e["after"]), flush=True)

    @staticmethod
    def first(query, variables, default):
        m = re.search(r"first:\s*(\d+|\$\w+)", query)
        if not m:
            return default
        v = m.group(1)
        return int(variables.get(v[1:], default)) if v.startswith("$") else int(v)

    def token_grant(self, req):
        ctype = req.headers.get("Content-Type", "")
        f = req.json() if ctype.startswith("application/json") else req.form()
        if f.get("grant_type") != "client_credentials" or f.get("client_id") != CLIENT_ID or \
                f.get("client_secret") != CLIENT_SECRET or not self.refresh_ok:
            return self.json_reply(400, {"error": "invalid_client",
                                         "error_description": "Client credentials are invalid"})
        tok = "shpat_" + secrets.token_hex(16)
        with self.lock:
            self.tokens[tok] = time.time() + self.token_ttl
            ttl = self.token_ttl
        return self.json_reply(200, {"access_token": tok, "scope":
                                     "read_products,read_inventory,write_inventory,read_orders",
                                     "expires_in": ttl})

    # --- inventory ---------------------------------------------------------------------------
    def num(self, sku):
        with self.lock:
            if sku not in self.ids:
                self.ids[sku] = 1000 + len(self.ids)
            return self.ids[sku]

    def variant_node(self, sku, n, dup=0):
        return {"id": "gid://shopify/ProductVariant/%d" % (n + dup * 100000), "sku": sku,
                "inventoryItem": {"id": "gid://shopify/InventoryItem/%d" % (n + dup * 100000),
                                  "inventoryLevels": {"nodes": [{
                                      "location": {"id": LOCATION, "name": "本店"},
                                      "quantities": [{"name": "available", "quantity": n_stock},
                                                     {"name": "on_hand", "quantity": n_stock}]}
                                      for n_stock in [self.book.stock.get((sku, ""), 0)]]}}}

    def product_variants(self, query, variables, version):
        q = variables.get("q") or variables.get("query") or ""
        try:
            tree = shopify_rules.parse_search(q)
        except shopify_rules.SearchSyntaxError as e:
            return {"errors": [{"message": "Invalid search query: %s" % e,
                                "extensions": {"code": "BAD_REQUEST"}}]}

        def term(code):
            # Shopify's search matches more than the exact SKU; a prefix match imitates that.
            # A bare word (a lower-case "or", say) is matched against the title, which the
            # simulator's variants do not have: it matches nothing.
            return lambda field, op, value: field == "sku" and op == ":" and code.startswith(value)
        nodes = []
        with self.book.lock:
            hits = sorted({code for code, sub in self.book.stock
                           if not sub and tree != ("and", []) and
                           shopify_rules.search_match(tree, term(code))})
            for sku in hits:
                nodes.append(self.variant_node(sku, self.num(sku)))
                if sku in self.duplicates:
                    nodes.append(self.variant_node(sku, self.num(sku), 1))
        return {"data": {"productVariants": {"nodes": nodes[:self.first(query, variables, 50)]}}}

    def set_quantities(self, query, variables, version):
        m = re.search(r'@idempotent\(key:\s*"([^"]+)"\)', query)
        key = m.group(1) if m else None
        if key is None and version >= "2026-04":
            return {"errors": [{"message": "The @idempotent directive is required for this mutation.",
                                "extensions": {"code": "BAD_REQUEST"}}]}
        with self.lock:
            if key in self.idempotent:
                return self.idempotent[key]
        inp = variables.get("input")
        if not isinstance(inp, dict) or not isinstance(inp.get("quantities"), list):
            return {"errors": [{"message": "Variable $input of type InventorySetQuantitiesInput! "
                                           "was provided invalid value", "extensions": {"code": "INVALID_VARIABLE"}}]}
        errs = []
        if inp.get("name") not in ("available", "on_hand"):
            errs.append({"code": "INVALID_NAME", "field": ["input", "name"],
                         "message": "The quantity name must be either 'available' or 'on_hand'."})
        if inp.get("reason") not in REASONS:
            errs.append({"code": "INVALID_REASON", "field": ["input", "reason"],
                         "message": "The specified reason is invalid."})
        qs = inp["quantities"]
        # Before 2026-01 the compare field is compareQuantity (opt out with
        # ignoreCompareQuantity); changeFromQuantity does not exist there.
        legacy = version < "2026-01"
        for q in qs:
            if not isinstance(q, dict) or (legacy and "changeFromQuantity" in q):
                return {"errors": [{"message": "Variable $input of type InventorySetQuantitiesInput! "
                                               "was provided invalid value for quantities",
                                    "extensions": {"code": "INVALID_VARIABLE"}}]}
        if legacy and not inp.get("ignoreCompareQuantity") and \
                any("compareQuantity" not in q for q in qs):
            errs.append({"code": "COMPARE_QUANTITY_REQUIRED", "field": ["input", "quantities"],
                         "message": "compareQuantity is required unless ignoreCompareQuantity is true."})
        if len(qs) > 250:
            errs.append({"code": "INVALID_QUANTITY", "field": ["input", "quantities"],
                         "message": "Input array size of 251 is greater than the maximum allowed of 250."})
        by_item = {"gid://shopify/InventoryItem/%d" % n: s for s, n in self.ids.items()}
        with self.lock:
            sold, self.sell_before_set = self.sell_before_set, None
        if sold is not None:
            with self.book.lock:
                self.book.stock[(sold, "")] = self.book.stock.get((sold, ""), 0) - 1
        plan = []
        with self.book.lock:
            for i, q in enumerate(qs):
                f = ["input", "quantities", str(i)]
                sku = by_item.get(q.get("inventoryItemId"))
                if sku is None or (sku, "") not in self.book.stock:
                    errs.append({"code": "INVALID_INVENTORY_ITEM", "field": f + ["inventoryItemId"],
                                 "message": "The specified inventory item could not be found."})
                    continue
                if q.get("locationId") != LOCATION:
                    errs.append({"code": "INVALID_LOCATION", "field": f + ["locationId"],
                                 "message": "The specified location could not be found."})
                    continue
                n = q.get("quantity")
                if isinstance(n, bool) or not isinstance(n, int) or abs(n) > 1000000000:
                    errs.append({"code": "INVALID_QUANTITY_TOO_HIGH", "field": f + ["quantity"],
                                 "message": "The quantity is invalid."})
                    continue
                if version >= "2026-04" and "changeFromQuantity" not in q:
                    errs.append({"code": "INVALID", "field": f + ["changeFromQuantity"],
                                 "message": "changeFromQuantity is required."})
                    continue
                cur = self.book.stock[(sku, "")]
                cfq = q.get("compareQuantity") if legacy else q.get("changeFromQuantity")
                if legacy and inp.get("ignoreCompareQuantity"):
                    cfq = None
                if cfq is not None and cfq != cur:
                    errs.append({"code": "COMPARE_QUANTITY_STALE" if legacy else "CHANGE_FROM_QUANTITY_STALE",
                                 "field": f + ["compareQuantity" if legacy else "changeFromQuantity"],
                                 "message": "The specified compare quantity is stale."})
                    continue
                plan.append((sku, cur, n))
            if not errs:
                for sku, cur, n in plan:
                    self.book.stock[(sku, "")] = n
        group = None if errs else {"reason": inp["reason"], "changes": [
            {"name": inp["name"], "delta": n - cur, "quantityAfterChange": n} for _, cur, n in plan]}
        out = {"data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": group,
                                                    "userErrors": errs}}}
        if key:
            with self.lock:
                self.idempotent[key] = out
        return out

    # --- orders ------------------------------------------------------------------------------
    def order_num(self, o):
        return int(re.sub(r"\D", "", o["order_no"]) or "0") % 10 ** 12 or 1

    def lines_json(self, o, after, first):
        start = int(base64.b64decode(after).decode()) if after else 0
        n = min(first, self.lines_page_max)
        chunk = o["lines"][start:start + n]
        nodes = []
        for l in chunk:
            known = (l["code"], "") in self.book.stock
            nodes.append({"id": "gid://shopify/LineItem/%d%03d" % (self.order_num(o), l["line_no"]),
                          "sku": l["code"], "quantity": l["qty"],
                          "currentQuantity": 0 if o["cancelled"] else l["qty"],
                          "variant": {"id": "gid://shopify/ProductVariant/%d" % self.num(l["code"]),
                                      "sku": l["code"]} if known else None})
        more = start + n < len(o["lines"])
        return {"pageInfo": {"hasNextPage": more,
                             "endCursor": base64.b64encode(str(start + n).encode()).decode() if chunk else None},
                "nodes": nodes}

    def order_json(self, o, lines_first):
        return {"id": "gid://shopify/Order/%d" % self.order_num(o), "name": o["order_no"],
                "createdAt": simbase.iso(o["created"]), "updatedAt": simbase.iso(o["updated"]),
                "cancelledAt": simbase.iso(o["updated"]) if o["cancelled"] else None,
                "displayFinancialStatus": "VOIDED" if o["cancelled"] else "PAID",
                "displayFulfillmentStatus": "UNFULFILLED",
                "lineItems": self.lines_json(o, None, lines_first)}

    def orders(self, query, variables, version):
        q = variables.get("q") or ""
        try:
            tree = shopify_rules.parse_search(q)
        except shopify_rules.SearchSyntaxError as e:
            return {"errors": [{"message": "Invalid search query: %s" % e,
                                "extensions": {"code": "BAD_REQUEST"}}]}
        first = self.first(query, variables, 50)
        lines_first = 250
        m = re.search(r"lineItems\(first:\s*(\d+)", query)
        if m:
            lines_first = int(m.group(1))
        after = variables.get("after")
        test = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
                "<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ":": lambda a, b: a == b}

        def term(o):
            def decide(field, op, value):
                if field != "updated_at":
                    return False
                return test[op](int(o["updated"]), simbase.parse_iso(value))
            return decide
        try:
            pos = json.loads(base64.b64decode(after).decode()) if after else None
            with self.book.lock:
                for o in self.book.orders[:1]:
                    shopify_rules.search_match(tree, term(o))
        except ValueError:
            return {"errors": [{"message": "Invalid query or cursor", "extensions": {"code": "BAD_REQUEST"}}]}
        with self.book.lock:
            found = sorted((o for o in self.book.orders
                            if shopify_rules.search_match(tree, term(o))),
                           key=lambda o: (int(o["updated"]), o["order_no"]))
            if pos:
                found = [o for o in found if (int(o["updated"]), o["order_no"]) > tuple(pos)]
            n = min(first, self.orders_page_max)
            page = found[:n]
            nodes = [self.order_json(o, lines_first) for o in page]
        end = base64.b64encode(json.dumps([int(page[-1]["updated"]), page[-1]["order_no"]]).encode()
                               ).decode() if page else None
        return {"data": {"orders": {"pageInfo": {"hasNextPage": len(found) > n, "endCursor": end},
                                    "nodes": nodes}}}

    def order_lines(self, query, variables, version):
        oid = variables.get("id")
        first = 250
        m = re.search(r"lineItems\(first:\s*(\d+)", query)
        if m:
            first = int(m.group(1))
        with self.book.lock:
            o = next((x for x in self.book.orders
                      if "gid://shopify/Order/%d" % self.order_num(x) == oid), None)
            if o is None:
                return {"data": {"order": None}}
            return {"data": {"order": {"id": oid, "lineItems": self.lines_json(
                o, variables.get("after"), first)}}}


if __name__ == "__main__":
    simbase.run_main(Shopify)
