#!/usr/bin/python3
"""カラーミーショップ API v1 simulator, after the OpenAPI description served at
https://api.shop-pro.jp/v1/swagger.json (as generated into github.com/pepabo/colormeshop-ruby and
github.com/pepabo/colormeshop-mcp tools.json): PUT /v1/products/{id}.json (stocks, or
variants[] by option values; unknown keys refused; a product kept per option ignores "stocks"),
GET /v1/products/{id}.json, GET /v1/products.json (ids, limit ≤ 50, offset),
GET /v1/sales.json (after / before / update_date_min / update_date_max, limit ≤ 100, offset;
after defaults to 7 days back at 0:00), GET /v1/sales/{id}.json; errors
{"errors": [{"code", "message", "status"}]}; a cancelled sale has canceled true and every
product_num 0.

Demo credentials:
  access_token  zaiko-demo-colorme-token   (no expiry, as documented; revoke with control)
  client_id     zaiko-demo-colorme   client_secret  zaiko-demo-colorme-secret
  refresh_token zaiko-demo-colorme-refresh  (the refresh grant is the simulator's: カラーミー
                                             documents none)
A Book item is (product_id, "" | "opt1" | "opt1|opt2"); a product with any option row keeps its
stock per option. Extra control (besides simbase's):
  POST /_control/colorme {"revoke": true, "refresh_ok": bool, "omit_details": bool}
Choices the documentation does not make (the simulator's): a variant that does not exist is
404 (code 404100); limit beyond the maximum is 400; dates are "YYYY-MM-DD[ HH:MM:SS]" in JST; a
401 body code 401000; sales are listed newest first.
"""
import datetime
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402

STATIC_TOKEN = "zaiko-demo-colorme-token"
CLIENT_ID = "zaiko-demo-colorme"
CLIENT_SECRET = "zaiko-demo-colorme-secret"
REFRESH_TOKEN = "zaiko-demo-colorme-refresh"
JST = datetime.timezone(datetime.timedelta(hours=9))
NUM = re.compile(r"^[0-9]{1,18}$")
PRODUCT_KEYS = {"name", "price", "category_id_big", "category_id_small", "cost", "sales_price",
                "members_price", "model_number", "expl", "simple_expl", "smartphone_expl",
                "display_state", "stock_managed", "stocks", "group_ids", "variants",
                "tax_reduced"}


class ColorMe(simbase.Mall):
    name = "colorme"

    def on_reset(self):
        with self.lock:
            self.tokens = {STATIC_TOKEN}
            self.refresh_ok = True
            self.omit_details = False
            self.seq = 0

    def err(self, status, code, message):
        return self.json_reply(status, {"errors": [{"code": code, "message": message,
                                               "status": status}]})

    def error_response(self, status):
        if status == 429:
            return self.err(429, 429000, "リクエスト数が多すぎます。")
        return self.err(status, status * 1000, "サーバーエラーが発生しました。")

    def expired_token_response(self):
        with self.lock:
            self.tokens.clear()
        return self.err(401, 401000, "認証に失敗しました。")

    def control(self, req):
        if req.path == "/_control/colorme":
            b = req.json() if req.body else {}
            with self.lock:
                if b.get("revoke"):
                    self.tokens.clear()
                self.refresh_ok = bool(b.get("refresh_ok", self.refresh_ok))
                self.omit_details = bool(b.get("omit_details", self.omit_details))
            return {"ok": True}
        if req.path == "/_control/order":
            body = req.json()
            no = str(body.get("order_no") or "")
            with self.lock:
                self.seq += 1
                if not NUM.match(no):
                    no = str(100000000 + self.seq)
            for l in body["lines"]:
                if not NUM.match(str(l["code"])):
                    return {"error": "カラーミーの商品IDは数字です"}
            o = self.book.place(body["lines"], no)
            return {"order_no": o["order_no"]}
        return super().control(req)

    # --- dispatch ------------------------------------------------------------------------
    def handle(self, req):
        if req.path == "/oauth/token":
            return self.token(req)
        auth = req.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            ok = tok in self.tokens
        if not ok:
            return self.err(401, 401000, "認証に失敗しました。")
        p = req.path
        m = re.match(r"^/v1/products/([0-9]+)\.json$", p)
        if m and req.method == "PUT":
            return self.update_product(m.group(1), req)
        if m and req.method == "GET":
            prod = self.product_json(m.group(1))
            return self.json_reply(200, {"product": prod}) if prod else self.not_found()
        if p == "/v1/products.json" and req.method == "GET":
            return self.products(req)
        if p == "/v1/sales.json" and req.method == "GET":
            return self.sales(req)
        m = re.match(r"^/v1/sales/([0-9]+)\.json$", p)
        if m and req.method == "GET":
            with self.book.lock:
                for o in self.book.orders:
                    if o["order_no"] == m.group(1):
                        return self.json_reply(200, {"sale": self.sale_json(o, True)})
            return self.not_found()
        return self.not_found()

    def not_found(self):
        return self.err(404, 404100, "レコードが見つかりませんでした。")

    def token(self, req):
        f = req.form()
        if f.get("client_id") != CLIENT_ID or f.get("client_secret") != CLIENT_SECRET:
            return self.json_reply(401, {"error": "invalid_client"})
        with self.lock:
            if f.get("grant_type") != "refresh_token" or not self.refresh_ok or \
                    f.get("refresh_token") != REFRESH_TOKEN:
                return self.json_reply(400, {"error": "invalid_grant"})
            at = secrets.token_hex(16)
            self.tokens.add(at)
        return self.json_reply(200, {"access_token": at, "token_type": "bearer",
                                "scope": "read_products write_products read_sales"})

    # --- products ------------------------------------------------------------------------
    @staticmethod
    def split(sub):
        a, _, b = sub.partition("|")
        return a, b

    def product_json(self, pid):
        with self.book.lock:
            keys = sorted(k for k in self.book.stock if k[0] == pid)
            if not keys:
                return None
            opts = [k for k in keys if k[1]]
            return {"id": int(pid), "account_id": "PA00000000", "name": "商品%s" % pid,
                    "stock_managed": True,
                    "stocks": sum(self.book.stock[k] for k in opts) if opts
                    else self.book.stock[keys[0]],
                    "update_date": int(time.time()),
                    "variants": [{"product_id": int(pid), "option1_value": self.split(k[1])[0],
                                  "option2_value": self.split(k[1])[1],
                                  "title": "　x　".join(v for v in self.split(k[1]) if v),
                                  "stocks": self.book.stock[k]} for k in opts]}

    @staticmethod
    def stock_value(v, old):
        """New stock from an integer ≥ 0 or {"increment": n}; None when refused."""
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v if v >= 0 else None
        if isinstance(v, dict) and set(v) == {"increment"} and isinstance(v["increment"], int) \
                and not isinstance(v["increment"], bool):
            return old + v["increment"]
        return None

    def update_product(self, pid, req):
        try:
            body = req.json()
        except ValueError:
            return self.err(400, 400000, "リクエストの形式が不正です。")
        if not isinstance(body, dict) or set(body) - {"product"} or \
                not isinstance(body.get("product", {}), dict):
            return self.err(400, 400000, "不正なパラメーターです。")
        prod = body.get("product", {})
        if set(prod) - PRODUCT_KEYS:
            return self.err(400, 400000, "不正なパラメーターです。")
        with self.book.lock:
            keys = [k for k in self.book.stock if k[0] == pid]
            if not keys:
                return self.not_found()
            per_option = any(k[1] for k in keys)
            changes = {}
            if "stocks" in prod and not per_option:
                v = self.stock_value(prod["stocks"], self.book.stock[(pid, "")])
                if v is None:
                    return self.err(400, 400000, "在庫数が不正です。")
                changes[(pid, "")] = v
            for var in prod.get("variants", []) if isinstance(prod.get("variants", []), list) else [None]:
                if not isinstance(var, dict) or set(var) - {"option1_value", "option2_value", "stocks"}:
                    return self.err(400, 400000, "不正なパラメーターです。")
                sub = var.get("option1_value", "")
                if var.get("option2_value"):
                    sub += "|" + var["option2_value"]
                key = (pid, sub)
                if not sub or key not in self.book.stock:
                    return self.not_found()
                if "stocks" in var:
                    v = self.stock_value(var["stocks"], self.book.stock[key])
                    if v is None:
                        return self.err(400, 400000, "在庫数が不正です。")
                    changes[key] = v
            self.book.stock.update(changes)
        return self.json_reply(200, {"product": self.product_json(pid)})

    @staticmethod
    def page_args(a, default, maximum):
        limit = int(a.get("limit", default))
        offset = int(a.get("offset", 0))
        if limit < 1 or limit > maximum or offset < 0:
            raise ValueError
        return limit, offset

    def products(self, req):
        a = req.args()
        try:
            limit, offset = self.page_args(a, 10, 50)
        except ValueError:
            return self.err(400, 400000, "limitが不正です。")
        with self.book.lock:
            pids = sorted({k[0] for k in self.book.stock if NUM.match(k[0])}, key=int)
        if "ids" in a:
            want = set(a["ids"].split(","))
            pids = [p for p in pids if p in want]
        page = [self.product_json(p) for p in pids[offset:offset + limit]]
        return self.json_reply(200, {"products": page, "meta": {"total": len(pids), "limit": limit,
                                                           "offset": offset}})

    # --- sales ---------------------------------------------------------------------------
    @staticmethod
    def parse_time(s):
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(s, fmt).replace(tzinfo=JST).timestamp()
            except ValueError:
                pass
        return None

    def sale_json(self, o, details):
        out = {"id": int(o["order_no"]), "account_id": "PA00000000",
               "make_date": int(o["created"]), "update_date": int(o["updated"]),
               "paid": False, "delivered": False, "canceled": bool(o["cancelled"]),
               "total_price": 1000}
        if details:
            out["details"] = [{
                "id": int(o["order_no"]) * 100 + l["line_no"], "sale_id": int(o["order_no"]),
                "product_id": int(l["code"]), "option1_value": self.split(l["sub"])[0] or None,
                "option2_value": self.split(l["sub"])[1] or None,
                "product_num": 0 if o["cancelled"] else l["qty"], "price": 1000}
                for l in o["lines"]]
        return out

    def sales(self, req):
        a = req.args()
        try:
            limit, offset = self.page_args(a, 10, 100)
        except ValueError:
            return self.err(400, 400000, "limitが不正です。")
        bounds = {}
        for k in ("after", "before", "make_date_min", "make_date_max", "update_date_min",
                  "update_date_max"):
            if k in a:
                bounds[k] = self.parse_time(a[k])
                if bounds[k] is None:
                    return self.err(400, 400000, "%sが不正です。" % k)
        after = bounds.get("after", bounds.get("make_date_min"))
        before = bounds.get("before", bounds.get("make_date_max"))
        if after is None:
            base = before if before is not None else time.time()
            d = datetime.datetime.fromtimestamp(base - 7 * 86400, JST)
            after = d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        with self.book.lock:
            found = [o for o in self.book.orders
                     if int(o["created"]) >= after and (before is None or int(o["created"]) <= before)
                     and int(o["updated"]) >= bounds.get("update_date_min", 0)
                     and int(o["updated"]) <= bounds.get("update_date_max", 1e12)]
            found.sort(key=lambda o: (o["created"], o["order_no"]), reverse=True)
            with self.lock:
                omit = self.omit_details
            page = [self.sale_json(o, not omit) for o in found[offset:offset + limit]]
        return self.json_reply(200, {"sales": page, "meta": {"total": len(found), "limit": limit,
                                                        "offset": offset}})


if __name__ == "__main__":
    simbase.run_main(ColorMe)
