#!/usr/bin/python3
"""BASE API v1 simulator, after the official documentation (github.com/baseinc/api-docs,
commit 2760123): POST /1/oauth/token (refresh_token grant), POST /1/items/edit_stock,
GET /1/items/detail/:item_id, GET /1/orders (start_ordered / end_ordered, limit ≤ 100, offset),
GET /1/orders/detail/:unique_key; errors are 400 {"error", "error_description"}; 5000 calls an
hour and 100000 a day, counted from zero on the hour (hour_api_limit / day_api_limit).

Demo credentials:
  client_id      zaiko-demo-base          client_secret  zaiko-demo-base-secret
  redirect_uri   https://zaiko.example.jp/base/callback
  refresh_token  zaiko-demo-base-refresh  (always good unless refresh_ok is false; each grant
                                           also gives a new one, which then works too)
  access tokens  1 h
A Book item is (item_id, variation_id or ""), both decimal numbers; an item with variations
has its stock as the sum of theirs. Extra control (besides simbase's):
  POST /_control/base {"refresh_ok": bool, "token_ttl": s, "expire_tokens": true,
                       "hour_limit": n, "day_limit": n, "list_desc": bool,
                       "clear_faults": true}
Choices the documentation does not make (the simulator's, not BASE's): setting "stock" of an
item that has variations is refused with validation_error; a negative or non-integer stock is
validation_error; an expired token answers 400 invalid_request like an invalid one; orders are
listed newest first; the zone of start_ordered / end_ordered is JST.
"""
import datetime
import json
import os
import re
import secrets
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402

CLIENT_ID = "zaiko-demo-base"
CLIENT_SECRET = "zaiko-demo-base-secret"
REDIRECT_URI = "https://zaiko.example.jp/base/callback"
REFRESH_TOKEN = "zaiko-demo-base-refresh"
JST = datetime.timezone(datetime.timedelta(hours=9))
NUM = re.compile(r"^[0-9]{1,18}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class Base(simbase.Mall):
    name = "base"

    def on_reset(self):
        with self.lock:
            self.tokens = {}            # access token -> expiry
            self.refresh_tokens = {REFRESH_TOKEN}
            self.refresh_ok = True
            self.token_ttl = 3600
            self.hour_limit = 5000
            self.day_limit = 100000
            self.calls = {}             # ("h", hour) / ("d", day) -> count
            self.list_desc = True

    # --- envelopes -----------------------------------------------------------------------
    def err(self, code, desc):
        return self.json_reply(400, {"error": code, "error_description": desc})

    def error_response(self, status):
        if status == 429:
            return self.json_reply(429, {"error": "too_many_requests", "error_description": "simulated"})
        return self.json_reply(status, {"error": "server_error", "error_description": "DB error"})

    def expired_token_response(self):
        with self.lock:
            self.tokens.clear()
        return self.err("invalid_request", "アクセストークンが無効です。")

    def control(self, req):
        if req.path == "/_control/base":
            b = req.json() if req.body else {}
            with self.lock:
                self.refresh_ok = bool(b.get("refresh_ok", self.refresh_ok))
                self.token_ttl = int(b.get("token_ttl", self.token_ttl))
                self.hour_limit = int(b.get("hour_limit", self.hour_limit))
                self.day_limit = int(b.get("day_limit", self.day_limit))
                self.list_desc = bool(b.get("list_desc", self.list_desc))
                if b.get("expire_tokens"):
                    self.tokens.clear()
            if b.get("clear_faults"):
                self.faults.clear()
            return {"ok": True}
        if req.path == "/_control/order":
            body = req.json()
            no = body.get("order_no")
            if not no or not KEY.match(no):
                no = secrets.token_hex(8).upper()
            lines = body["lines"]
            for l in lines:
                if not NUM.match(str(l["code"])) or (l.get("sub") and not NUM.match(str(l["sub"]))):
                    return {"error": "BASE item and variation ids are numbers"}
            o = self.book.place(lines, no)
            return {"order_no": o["order_no"]}
        return super().control(req)

    # --- dispatch ------------------------------------------------------------------------
    def handle(self, req):
        if req.path == "/1/oauth/token":
            return self.token(req)
        if not req.path.startswith("/1/"):
            return self.json_reply(404, {"error": "not_found", "error_description": "Not Found"})
        auth = req.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            ok = self.tokens.get(tok, 0) > time.time()
        if not ok:
            return self.err("invalid_request", "アクセストークンが無効です。")
        limited = self.count_call()
        if limited:
            return limited
        p = req.path
        if p == "/1/items/edit_stock":
            if req.method != "POST":
                return self.err("not_post_method", "POSTで送信してください。")
            return self.edit_stock(req)
        if req.method != "GET":
            return self.err("bad_params", "不正なパラメーターです。")
        m = re.match(r"^/1/items/detail/([^/]+)$", p)
        if m:
            item = self.item_json(m.group(1))
            return self.json_reply(200, {"item": item}) if item else self.err(
                "bad_item_id", "不正なitem_idです。")
        if p == "/1/orders":
            return self.orders(req)
        m = re.match(r"^/1/orders/detail/([^/]*)$", p)
        if m:
            return self.order_detail(m.group(1))
        return self.json_reply(404, {"error": "not_found", "error_description": "Not Found"})

    def count_call(self):
        if not self.limits:
            return None
        now = time.time()
        hour = int(now // 3600)
        day = int((now + 9 * 3600) // 86400)
        with self.lock:
            h = self.calls.get(("h", hour), 0) + 1
            d = self.calls.get(("d", day), 0) + 1
            self.calls = {("h", hour): h, ("d", day): d}
            if d > self.day_limit:
                return self.err("day_api_limit", "1日のAPIの利用上限を超えました。日付が変わってからもう一度アクセスしてください。")
            if h > self.hour_limit:
                return self.err("hour_api_limit", "1時間のAPIの利用上限を超えました。時間が変わってからもう一度アクセスしてください。")
        return None

    def token(self, req):
        if req.method != "POST":
            return self.json_reply(400, {"error": "access_denied", "error_description": "POSTで送信してください。"})
        f = req.form()
        if f.get("grant_type") not in ("refresh_token", "authorization_code"):
            return self.err("invalid_request", "不正なgrant_typeです。")
        if not f.get("client_id") or not f.get("client_secret"):
            return self.err("invalid_request", "client_idもしくはclient_secretがありません。")
        if f.get("client_id") != CLIENT_ID or f.get("client_secret") != CLIENT_SECRET:
            return self.json_reply(400, {"error": "unauthorized_client",
                                    "error_description": "クライアントが見つかりませんでした。"})
        if f.get("redirect_uri") != REDIRECT_URI or f.get("grant_type") != "refresh_token":
            return self.err("invalid_request", "不正なパラメーターです。")
        with self.lock:
            if not self.refresh_ok or f.get("refresh_token") not in self.refresh_tokens:
                return self.err("invalid_request", "不正なリフレッシュトークンです。")
            at = secrets.token_hex(16)
            rt = secrets.token_hex(16)
            self.tokens[at] = time.time() + self.token_ttl
            self.refresh_tokens.add(rt)
            ttl = self.token_ttl
        return self.json_reply(200, {"access_token": at, "token_type": "bearer", "expires_in": ttl,
                                "refresh_token": rt})

    # --- items ---------------------------------------------------------------------------
    def keys_of(self, item_id):
        return sorted(k for k in self.book.stock if k[0] == item_id)

    def item_json(self, item_id):
        if not NUM.match(item_id):
            return None
        with self.book.lock:
            keys = self.keys_of(item_id)
            if not keys:
                return None
            vars_ = [k for k in keys if k[1]]
            stock = sum(self.book.stock[k] for k in vars_) if vars_ else self.book.stock[keys[0]]
            return {"item_id": int(item_id), "title": "商品%s" % item_id, "price": 1000,
                    "stock": stock, "visible": 1, "identifier": None,
                    "modified": int(time.time()),
                    "variations": [{"variation_id": int(k[1]), "variation": "種類%s" % k[1],
                                    "variation_stock": self.book.stock[k],
                                    "variation_identifier": None} for k in vars_]}

    def edit_stock(self, req):
        f = req.form()
        item_id = f.get("item_id", "")
        if not NUM.match(item_id):
            return self.err("bad_item_id", "不正なitem_idです。")
        with self.book.lock:
            keys = self.keys_of(item_id)
            if not keys:
                return self.err("bad_item_id", "不正なitem_idです。")
            has_vars = any(k[1] for k in keys)
            if "variation_id" in f:
                vid = f["variation_id"]
                if not NUM.match(vid) or (item_id, vid) not in self.book.stock:
                    return self.err("bad_variation_id", "不正なvariation_idです。")
                if "variation_stock" not in f:
                    return self.err("bad_params", "不正なパラメーターです。")
                val, key = f["variation_stock"], (item_id, vid)
            else:
                if "stock" not in f:
                    return self.err("bad_params", "不正なパラメーターです。")
                if has_vars:
                    return self.err("validation_error", "バリデーションエラーです。")
                val, key = f["stock"], (item_id, "")
            if not re.match(r"^[0-9]{1,9}$", val):
                return self.err("validation_error", "バリデーションエラーです。")
            self.book.stock[key] = int(val)
        return self.json_reply(200, {"item": self.item_json(item_id)})

    # --- orders --------------------------------------------------------------------------
    @staticmethod
    def parse_time(s):
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(s, fmt).replace(tzinfo=JST).timestamp()
            except ValueError:
                pass
        return None

    def order_json(self, o, detail=False):
        cancelled = int(o["updated"]) if o["cancelled"] else None
        out = {"unique_key": o["order_no"], "ordered": int(o["created"]), "cancelled": cancelled,
               "dispatched": None, "payment": "creditcard", "first_name": "太郎",
               "last_name": "山田", "total": 1000, "terminated": bool(o["cancelled"]),
               "dispatch_status": "cancelled" if o["cancelled"] else "ordered",
               "modified": int(o["updated"])}
        if detail:
            seq = zlib.crc32(o["order_no"].encode()) % 1000000
            out["order_items"] = [{
                "order_item_id": seq * 100 + l["line_no"], "item_id": int(l["code"]),
                "variation_id": int(l["sub"]) if l["sub"] else None, "title": "商品",
                "variation": None, "price": 1000, "amount": l["qty"], "total": 1000 * l["qty"],
                "status": "cancelled" if o["cancelled"] else "ordered",
                "modified": int(o["updated"])} for l in o["lines"]]
        return out

    def orders(self, req):
        a = req.args()
        start = self.parse_time(a["start_ordered"]) if "start_ordered" in a else 0
        end = self.parse_time(a["end_ordered"]) if "end_ordered" in a else 1e12
        if start is None or end is None:
            return self.err("bad_params", "不正なパラメーターです。")
        try:
            limit = min(int(a.get("limit", 20)), 100)
            offset = int(a.get("offset", 0))
            if limit < 1 or offset < 0:
                raise ValueError
        except ValueError:
            return self.err("bad_params", "不正なパラメーターです。")
        with self.book.lock:
            found = [o for o in self.book.orders if start <= int(o["created"]) <= end]
            found.sort(key=lambda o: (o["created"], o["order_no"]), reverse=self.list_desc)
            page = [self.order_json(o) for o in found[offset:offset + limit]]
        return self.json_reply(200, {"orders": page})

    def order_detail(self, key):
        if not key:
            return self.err("no_unique_key", "unique_keyは必須です。")
        with self.book.lock:
            for o in self.book.orders:
                if o["order_no"] == key:
                    return self.json_reply(200, {"order": self.order_json(o, detail=True)})
        return self.err("no_order", "注文情報が見つかりませんでした。")


if __name__ == "__main__":
    simbase.run_main(Base)
