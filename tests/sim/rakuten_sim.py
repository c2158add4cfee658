"""楽天市場 RMS WEB SERVICE simulator (Inventory API 2.0/2.1 bulk-upsert and bulk-get,
RakutenPay order API searchOrder/getOrder, licenseKey expiry date) on loopback, speaking the
wire protocol of PROTOCOLS.md §2.

Demo credentials (also at GET /_control/credentials):
  service_secret  SP000000_demoSecret
  license_key     SL000000_demoLicense
Every call needs `Authorization: ESA base64(service_secret:license_key)`; anything else is 401
{"Results":{"errorCode":"GA0001","message":"Un-Authorised"}} (as is the fault expired_token,
the simulated "licenseKey expired").

Extra control endpoints:
  GET  /_control/credentials    -> the demo credentials and the license expiry date
  POST /_control/license        {"expiry": "YYYY-MM-DDTHH:MM:SS"} (JST) sets the expiry date
  POST /_control/items          also takes "sku" per item: the システム連携用SKU番号 shown in
                                orders (merchantDefinedSkuId), and "reserved": true for a
                                予約商品 whose stock bulk-upsert refuses (IE1101)
  POST /_control/rakuten        {"delete_line": {"order_no": .., "line_no": n,
                                 "restore": bool or 0/1/2}} removes a line from an order the way
                                the RMS order screen does: deleteItemFlag 1 with
                                restoreInventoryFlag 1 (true: the unit goes back to stock),
                                2 (false: 在庫を戻さない, the stock stays as it is) or 0 (the
                                item's setting, here: back to stock), with no new change-reason
                                timestamp (PROTOCOLS §2.4)
With limits on: bulk-upsert and the order API allow 1 request/s, bulk-get 5 request/s
(429 + Retry-After), counted over a sliding second of arrival times, so calls paced at exactly
the limit are refused whenever the network brings two closer than a second (PROTOCOLS §2.1:
the limits are per second; what lies between is the client's margin).
RMS folds 商品管理番号 (manageNumber) to lower case (PROTOCOLS §2.2): the simulator keeps items
and order lines under the folded code, and getOrder reports the folded manageNumber whatever
case the item was registered or ordered in.
"""
import base64
import json
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402

SERVICE_SECRET = "SP000000_demoSecret"
LICENSE_KEY = "SL000000_demoLicense"
JST = timezone(timedelta(hours=9))
MANAGE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
SHOP_ID = "123456"


def jst(t, offset="+0900"):
    return datetime.fromtimestamp(t, JST).strftime("%Y-%m-%dT%H:%M:%S") + offset


def parse_dt(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S%z").timestamp()


def jbody(status, obj, headers=None):
    h = {"Content-Type": "application/json;charset=utf-8"}
    h.update(headers or {})
    return status, h, json.dumps(obj, ensure_ascii=False).encode()


class Rakuten(simbase.Mall):
    name = "rakuten"

    def on_reset(self):
        with self.lock:
            self.skus = {}
            self.reserved = set()
            self.expiry = time.time() + 90 * 86400
            self.calls = {}   # rate-limit class -> recent call times

    # ---- replies in Rakuten's shapes ----
    def expired_token_response(self):
        return jbody(401, {"Results": {"errorCode": "GA0001", "message": "Un-Authorised"}})

    def error_response(self, status):
        if status == 429:
            return jbody(429, {"Results": {"errorCode": "GA0429",
                                           "message": "Too Many Requests"}})
        return jbody(status, {"Results": {"errorCode": "GS0001",
                                          "message": "System Error (simulated %d)" % status}})

    def control(self, req):
        p = req.path
        if p == "/_control/credentials":
            return {"service_secret": SERVICE_SECRET, "license_key": LICENSE_KEY,
                    "expiry": datetime.fromtimestamp(self.expiry, JST).strftime(
                        "%Y-%m-%dT%H:%M:%S")}
        if p == "/_control/license":
            e = datetime.strptime(req.json()["expiry"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=JST)
            with self.lock:
                self.expiry = e.timestamp()
            return {"ok": True}
        if p == "/_control/rakuten":
            d = (req.json() or {}).get("delete_line")
            if d:
                r = d.get("restore", True)
                flag = (1 if r else 2) if isinstance(r, bool) else int(r)
                if flag not in (0, 1, 2):
                    return {"ok": False}
                return {"ok": self.delete_line(d["order_no"], int(d["line_no"]), flag)}
            return {"ok": True}
        if p in ("/_control/items", "/_control/order"):
            body = req.json()
            for it in body.get("items", body.get("lines", [])):
                it["code"] = it["code"].lower()   # RMS folds manageNumber to lower case
            req.body = json.dumps(body).encode()
        if p == "/_control/items":
            with self.lock:
                for it in req.json()["items"]:
                    if it.get("sku"):
                        self.skus[(it["code"], it.get("sub", ""))] = it["sku"]
                    if it.get("reserved"):
                        self.reserved.add((it["code"].lower(), it.get("sub", "")))
        return super().control(req)

    def delete_line(self, order_no, line_no, restore):
        with self.book.lock:
            for o in self.book.orders:
                if o["order_no"] != order_no:
                    continue
                for l in o["lines"]:
                    if l["line_no"] == line_no and not l.get("deleted"):
                        l["deleted"] = True
                        l["restore"] = restore
                        if restore != 2:
                            key = (l["code"], l["sub"])
                            self.book.stock[key] = self.book.stock.get(key, 0) + l["qty"]
                        return True
        return False

    def limited(self, kind, per_second):
        if not self.limits:
            return None
        now = time.time()
        with self.lock:
            recent = [t for t in self.calls.get(kind, []) if now - t < 1.0]
            if len(recent) >= per_second:
                self.calls[kind] = recent
                return jbody(429, {"Results": {"errorCode": "GA0429",
                                               "message": "Too Many Requests"}},
                             {"Retry-After": "1"})
            recent.append(now)
            self.calls[kind] = recent
        return None

    # ---- wire ----
    def handle(self, req):
        try:
            return self.route(req)
        except (TypeError, AttributeError, KeyError, ValueError) as e:
            # A request of a shape no check above foresaw: refused, as the real API would.
            return jbody(400, {"errors": [{"code": "GE0002", "message": "Bad request: %s" % e}]})

    def route(self, req):
        want = "ESA " + base64.b64encode(
            ("%s:%s" % (SERVICE_SECRET, LICENSE_KEY)).encode()).decode()
        if req.headers.get("Authorization", "") != want or time.time() > self.expiry:
            return self.expired_token_response()
        p = req.path
        m = re.match(r"^/es/2\.[01]/inventories/(bulk-upsert|bulk-get)$", p)
        if m and req.method == "POST":
            bad = self.check_type(req)
            if bad:
                return bad
            if m.group(1) == "bulk-upsert":
                return self.limited("upsert", 1) or self.bulk_upsert(req)
            return self.limited("get", 5) or self.bulk_get(req)
        if p in ("/es/2.0/order/searchOrder/", "/es/2.0/order/getOrder/") and req.method == "POST":
            bad = self.check_type(req)
            if bad:
                return bad
            lim = self.limited("order", 1)
            if lim:
                return lim
            try:
                body = req.json()
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                return jbody(400, {"MessageModelList": [{"messageType": "ERROR",
                             "messageCode": "ORDER_EXT_API_COMMON_ERROR",
                             "message": "JSON parse error"}]})
            return self.search_order(body) if "search" in p else self.get_order(body)
        if p == "/es/1.0/license-management/license-key/expiry-date" and req.method == "GET":
            if req.args().get("licenseKey") != LICENSE_KEY:
                return jbody(400, {"errors": [{"code": "GE0002", "message": "licenseKey is invalid"}]})
            return jbody(200, {"expiryDate": datetime.fromtimestamp(self.expiry, JST).strftime(
                "%Y-%m-%dT%H:%M:%S")})
        return jbody(404, {"errors": [{"code": "GE0014", "message": "Not Found"}]})

    @staticmethod
    def check_type(req):
        ct = req.headers.get("Content-Type", "").replace(" ", "").lower()
        if ct != "application/json;charset=utf-8":
            return jbody(415, {"Results": {"errorCode": "ES04-03",
                                           "message": "Unsupported Media Type"}})
        return None

    def inv_errors(self, invs, upsert):
        errs = []
        for i, it in enumerate(invs):
            def err(code, msg, prop):
                errs.append({"code": code, "message": msg,
                             "metadata": {"propertyPath": "inventories[%d].%s" % (i, prop)}})
            if not isinstance(it, dict):
                err("IE0002", "Invalid value.", "manageNumber")
                continue
            mn, vid = it.get("manageNumber"), it.get("variantId")
            if not isinstance(mn, str) or not mn or not MANAGE_RE.match(mn):
                err("IE0002", "manageNumber is invalid.", "manageNumber")
            elif len(mn.encode()) > 32:
                err("IE0004", "Max length of manageNumber must be within 32 bytes.", "manageNumber")
            if not isinstance(vid, str) or not vid:
                err("IE0002", "variantId is invalid.", "variantId")
            elif len(vid.encode()) > 32:
                err("IE0004", "Max length of variantId must be within 32 bytes.", "variantId")
            if upsert:
                mode, q = it.get("mode"), it.get("quantity")
                if mode not in ("ABSOLUTE", "RELATIVE"):
                    err("IE0105", "mode is required.", "mode")
                elif not isinstance(q, int) or isinstance(q, bool):
                    err("IE0002", "quantity is invalid.", "quantity")
                elif mode == "ABSOLUTE" and not 0 <= q <= 99999:
                    err("IE0003", "quantity is out of range.", "quantity")
                elif isinstance(mn, str) and (mn.lower(), vid) in self.reserved:
                    err("IE1101", "Inventory of a reservation item cannot be updated.",
                        "quantity")
        return errs

    def bulk_inventories(self, req, most, upsert):
        """A bulk request's inventories, checked: (list, None), or (None, the 400 reply)."""
        try:
            invs = req.json().get("inventories")
        except (ValueError, AttributeError):
            invs = None
        if not isinstance(invs, list) or not 1 <= len(invs) <= most:
            return None, jbody(400, {"errors": [{"code": "IE0105", "message":
                                                 "inventories must hold 1 to %d items." % most,
                                                 "metadata": {"propertyPath": "inventories"}}]})
        errs = self.inv_errors(invs, upsert)
        if errs:
            return None, jbody(400, {"errors": errs})
        return invs, None

    def bulk_upsert(self, req):
        invs, refused = self.bulk_inventories(req, 400, True)
        if refused:
            return refused
        with self.book.lock:
            for it in invs:
                key = (it["manageNumber"].lower(), it["variantId"])
                if it["mode"] == "ABSOLUTE":
                    self.book.stock[key] = it["quantity"]
                else:
                    self.book.stock[key] = self.book.stock.get(key, 0) + it["quantity"]
        return 204, {}, b""

    def bulk_get(self, req):
        invs, refused = self.bulk_inventories(req, 1000, False)
        if refused:
            return refused
        out = []
        now = jst(time.time(), "+09:00")
        with self.book.lock:
            for it in invs:
                key = (it["manageNumber"].lower(), it["variantId"])
                if key in self.book.stock:
                    out.append({"manageNumber": key[0], "variantId": key[1],
                                "quantity": self.book.stock[key], "created": now,
                                "updated": now})
        return jbody(200, {"inventories": out})

    @staticmethod
    def msg(kind, code, text):
        return [{"messageType": kind, "messageCode": code, "message": text}]

    def search_order(self, body):
        def error(code, text):
            return jbody(400, {"orderNumberList": None,
                               "MessageModelList": self.msg("ERROR", code, text)})
        if body.get("dateType") not in (1, 2, 3, 4, 5, 6):
            return error("ORDER_EXT_API_SEARCH_ORDER_ERROR_009", "dateTypeを指定してください。")
        try:
            start = parse_dt(body.get("startDatetime"))
            end = parse_dt(body.get("endDatetime"))
        except (TypeError, ValueError):
            return error("ORDER_EXT_API_SEARCH_ORDER_ERROR_011", "日時の形式が正しくありません。")
        if end < start or end - start > 63 * 86400:
            return error("ORDER_EXT_API_SEARCH_ORDER_ERROR_016", "期間は63日以内で指定してください。")
        pg = body.get("PaginationRequestModel") or {}
        if not isinstance(pg, dict):
            return error("ORDER_EXT_API_SEARCH_ORDER_ERROR_030", "ページ指定が正しくありません。")
        amount, page = pg.get("requestRecordsAmount", 30), pg.get("requestPage", 1)
        if not isinstance(amount, int) or not 1 <= amount <= 1000 or not isinstance(page, int) \
                or page < 1:
            return error("ORDER_EXT_API_SEARCH_ORDER_ERROR_030", "ページ指定が正しくありません。")
        progress = body.get("orderProgressList")
        with self.book.lock:
            hits = [o for o in self.book.orders if start <= int(o["created"]) <= end
                    and (not progress or self.progress(o) in progress)]
            hits.sort(key=lambda o: (o["created"], o["order_no"]))
        if not hits:
            return jbody(200, {"orderNumberList": [], "MessageModelList": self.msg(
                "INFO", "ORDER_EXT_API_SEARCH_ORDER_INFO_102", "注文検索結果が0件です。"),
                "PaginationResponseModel": None})
        pages = (len(hits) + amount - 1) // amount
        return jbody(200, {
            "orderNumberList": [o["order_no"] for o in hits[(page - 1) * amount:page * amount]],
            "MessageModelList": self.msg("INFO", "ORDER_EXT_API_SEARCH_ORDER_INFO_101",
                                         "注文検索に成功しました。"),
            "PaginationResponseModel": {"totalRecordsAmount": len(hits), "totalPages": pages,
                                        "requestPage": page}})

    @staticmethod
    def progress(o):
        return 900 if o["cancelled"] else 300

    def get_order(self, body):
        nums = body.get("orderNumberList")
        if not isinstance(nums, list) or not 1 <= len(nums) <= 100 or \
                not all(isinstance(n, str) for n in nums):
            return jbody(400, {"MessageModelList": self.msg(
                "ERROR", "ORDER_EXT_API_GET_ORDER_ERROR_002", "受注番号は1〜100件で指定してください。")})
        if not isinstance(body.get("version"), int) or body["version"] < 1:
            return jbody(400, {"MessageModelList": self.msg(
                "ERROR", "ORDER_EXT_API_GET_ORDER_ERROR_005", "versionを指定してください。")})
        out, msgs = [], []
        with self.book.lock:
            by_no = {o["order_no"]: o for o in self.book.orders}
            for n in nums:
                o = by_no.get(n)
                if o is None:
                    msgs.append({"messageType": "ERROR", "orderNumber": n,
                                 "messageCode": "ORDER_EXT_API_GET_ORDER_ERROR_101",
                                 "message": "注文が存在しません。"})
                    continue
                items = []
                for l in o["lines"]:
                    sku = [{"variantId": l["sub"],
                            "merchantDefinedSkuId": self.skus.get((l["code"], l["sub"])),
                            "skuInfo": ""}] if body["version"] >= 7 else None
                    items.append({"itemDetailId": 100000 * self.book.orders.index(o) + l["line_no"],
                                  "itemName": l["code"], "itemId": 1000 + l["line_no"],
                                  "itemNumber": l["code"], "manageNumber": l["code"].lower(),
                                  "price": 1000, "units": l["qty"], "inventoryType": 2,
                                  "restoreInventoryFlag": l.get("restore", 0),
                                  "deleteItemFlag": 1 if l.get("deleted") else 0,
                                  "SkuModelList": sku})
                out.append({
                    "orderNumber": o["order_no"], "orderProgress": self.progress(o),
                    "subStatusId": None, "orderDatetime": jst(o["created"]),
                    "shopOrderCfmDatetime": None, "orderFixDatetime": None,
                    "ChangeReasonModelList": [{"changeId": 1, "changeType": 1, "changeReason": 1,
                                               "changeApplyDatetime": jst(o["updated"])}]
                    if o["cancelled"] else [],
                    "PackageModelList": [{"basketId": 1, "ItemModelList": items}]})
        msgs.insert(0, {"messageType": "INFO", "messageCode": "ORDER_EXT_API_GET_ORDER_INFO_101",
                        "message": "受注情報取得に成功しました。(取得件数%d件)" % len(out)})
        return jbody(200, {"MessageModelList": msgs, "OrderModelList": out})


if __name__ == "__main__":
    simbase.quiet_disconnects()
    simbase.run_main(Rakuten)
