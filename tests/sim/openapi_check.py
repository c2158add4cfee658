"""openapi_check: validates JSON values against Amazon's Swagger 2.0 models (the subset they
use: type, required, properties, additionalProperties, enum, items, minItems, minimum, $ref)
and query parameters against an operation's parameter list. Stdlib only.

    m = Model(os.path.join(MODELS, "ordersV0.json"))   # MODELS: see amazon_sim.py
    errs = m.check_response("getOrders", 200, body)      # [] when valid
    errs = m.check_request_body("patchListingsItem", body)
    errs = m.check_query("getOrders", {"MarketplaceIds": "A1VC38T7YXB528", ...})
"""
import json
import re

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Model:
    def __init__(self, path):
        with open(path) as f:
            self.doc = json.load(f)
        self.ops = {}
        for p, ops in self.doc["paths"].items():
            for method, op in ops.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.ops[op["operationId"]] = (method.upper(), p, op)

    def resolve(self, schema):
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/definitions/"):
                raise ValueError("unsupported $ref " + ref)
            schema = self.doc["definitions"][ref[len("#/definitions/"):]]
            seen += 1
            if seen > 50:
                raise ValueError("$ref loop at " + ref)
        return schema

    def validate(self, schema, value, where="$"):
        """Returns a list of messages, empty when value conforms to schema."""
        s = self.resolve(schema)
        errs = []
        t = s.get("type")
        if t is None and "properties" in s:
            t = "object"
        if t == "object":
            if not isinstance(value, dict):
                return ["%s: expected object, got %s" % (where, type(value).__name__)]
            for r in s.get("required", []):
                if r not in value:
                    errs.append("%s: missing required %r" % (where, r))
            props = s.get("properties", {})
            extra = s.get("additionalProperties", True)
            for k, v in value.items():
                if k in props:
                    errs += self.validate(props[k], v, "%s.%s" % (where, k))
                elif extra is False:
                    errs.append("%s: unexpected property %r" % (where, k))
                elif isinstance(extra, dict):
                    errs += self.validate(extra, v, "%s.%s" % (where, k))
        elif t == "array":
            if not isinstance(value, list):
                return ["%s: expected array, got %s" % (where, type(value).__name__)]
            if len(value) < s.get("minItems", 0):
                errs.append("%s: fewer than %d items" % (where, s["minItems"]))
            if "maxItems" in s and len(value) > s["maxItems"]:
                errs.append("%s: more than %d items" % (where, s["maxItems"]))
            for i, v in enumerate(value):
                if "items" in s:
                    errs += self.validate(s["items"], v, "%s[%d]" % (where, i))
        elif t == "string":
            if not isinstance(value, str):
                return ["%s: expected string, got %s" % (where, type(value).__name__)]
            if s.get("format") == "date-time" and not _DATE_TIME.match(value):
                errs.append("%s: not a date-time: %r" % (where, value))
        elif t == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return ["%s: expected integer, got %s" % (where, type(value).__name__)]
        elif t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return ["%s: expected number, got %s" % (where, type(value).__name__)]
        elif t == "boolean":
            if not isinstance(value, bool):
                return ["%s: expected boolean, got %s" % (where, type(value).__name__)]
        if "enum" in s and value not in s["enum"]:
            errs.append("%s: %r not one of %s" % (where, value, s["enum"]))
        if "minimum" in s and isinstance(value, (int, float)) and value < s["minimum"]:
            errs.append("%s: %r below minimum %r" % (where, value, s["minimum"]))
        if "maximum" in s and isinstance(value, (int, float)) and value > s["maximum"]:
            errs.append("%s: %r above maximum %r" % (where, value, s["maximum"]))
        return errs

    def check_response(self, op_id, status, body):
        """Validates a reply body (a parsed JSON value) for an operation and status."""
        _, _, op = self.ops[op_id]
        resp = op["responses"].get(str(status))
        if resp is None:
            return ["%s: status %d is not in the model" % (op_id, status)]
        if "schema" not in resp:
            return [] if body is None else ["%s: status %d has no body in the model" % (op_id, status)]
        return self.validate(resp["schema"], body, "%s/%d" % (op_id, status))

    def check_request_body(self, op_id, body):
        _, _, op = self.ops[op_id]
        for p in op.get("parameters", []):
            if p.get("in") == "body":
                return self.validate(p["schema"], body, op_id + "/body")
        return [] if body is None else [op_id + ": takes no body"]

    def check_query(self, op_id, args):
        """args: {name: raw string}; arrays are comma-separated as SP-API sends them."""
        _, _, op = self.ops[op_id]
        errs = []
        known = set()
        for p in op.get("parameters", []):
            if p.get("in") != "query":
                continue
            name = p["name"]
            known.add(name)
            if name not in args:
                if p.get("required"):
                    errs.append("%s: missing required parameter %s" % (op_id, name))
                continue
            raw = args[name]
            values = raw.split(",") if p.get("type") == "array" else [raw]
            item = p.get("items", {}) if p.get("type") == "array" else p
            if p.get("type") == "array":
                if len(values) > p.get("maxItems", 1 << 30):
                    errs.append("%s: %s has more than %d values" % (op_id, name, p["maxItems"]))
            for v in values:
                if item.get("type") == "integer":
                    if not re.match(r"^-?\d+$", v):
                        errs.append("%s: %s is not an integer" % (op_id, name))
                        continue
                    n = int(v)
                    if "minimum" in item and n < item["minimum"] or \
                       "maximum" in item and n > item["maximum"]:
                        errs.append("%s: %s out of range" % (op_id, name))
                elif item.get("type") == "boolean" and v not in ("true", "false"):
                    errs.append("%s: %s is not a boolean" % (op_id, name))
                if "enum" in item and v not in item["enum"]:
                    errs.append("%s: %s=%r not one of %s" % (op_id, name, v, item["enum"]))
        for name in args:
            if name not in known:
                errs.append("%s: unknown parameter %s" % (op_id, name))
        return errs


if __name__ == "__main__":
    import sys
    m = Model(sys.argv[1])
    body = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else json.load(sys.stdin)
    errs = m.check_response(sys.argv[2], int(sys.argv[3]), body)
    print("\n".join(errs) or "valid")
    sys.exit(1 if errs else 0)
