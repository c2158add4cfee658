"""What real Shopify refuses, as the simulator enforces it (each rule with its source).

Calculated query cost (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits,
"Cost calculation"; PROTOCOLS.md §3.5 says the same): a scalar or enum field costs 0, an
object 1, a connection (sized by its first/last argument) 2 plus that many times the cost of
one node, a mutation 10. A query whose requested cost is above 1,000 is refused before it
runs with MAX_COST_EXCEEDED, whatever the bucket holds. Before a query runs the bucket must
hold its requested cost; once it has run, the bucket is refunded the difference between the
requested cost and the actual cost, which counts what the reply holds (a connection's nodes as
returned, not as asked) ("Requested and actual cost").

Search syntax (https://shopify.dev/docs/api/usage/search-syntax): terms are `field:value`
(or a bare word, matched against default fields) with an optional comparator (:<, :<=, :>,
:>=), values quoted with "…" or '…'; terms next to each other are joined by AND; the
connectives AND, OR and NOT are upper case (a lower-case `or` is a search term); parentheses
group. A query that ends inside a quote or a group is invalid.
"""
import re

MAX_QUERY_COST = 1000
MUTATION_COST = 10


class GraphQLSyntaxError(ValueError):
    pass


_TOKEN = re.compile(r'\s*(?:(#[^\n]*)|(\.\.\.)|([A-Za-z_][A-Za-z0-9_]*)|(\$[A-Za-z_][A-Za-z0-9_]*)|'
                    r'("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([{}()\[\]:!=@,]))')


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise GraphQLSyntaxError("unexpected character at %d" % pos)
        pos = m.end()
        if m.group(1) or m.group(7) == ",":
            continue
        out.append(m.group(0).strip())
    return out


class _Parser:
    def __init__(self, text, variables):
        self.t = _tokens(text)
        self.i = 0
        self.vars = variables or {}

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise GraphQLSyntaxError("expected %s, got %s" % (want, tok))
        self.i += 1
        return tok

    def value(self):
        tok = self.take()
        if tok in ("[", "{"):
            close = "]" if tok == "[" else "}"
            while self.peek() != close:
                if tok == "{":
                    self.take()
                    self.take(":")
                self.value()
            self.take(close)
            return None
        if tok.startswith("$"):
            v = self.vars.get(tok[1:])
            return v if isinstance(v, int) and not isinstance(v, bool) else None
        if re.match(r"-?\d+$", tok):
            return int(tok)
        return None

    def arguments(self):
        args = {}
        if self.peek() == "(":
            self.take("(")
            while self.peek() != ")":
                name = self.take()
                self.take(":")
                args[name] = self.value()
            self.take(")")
        return args

    def directives(self):
        out = []
        while self.peek() == "@":
            self.take("@")
            out.append((self.take(), self.arguments()))
        return out

    def selection(self, in_connection=False):
        self.take("{")
        total = 0
        while self.peek() != "}":
            if self.peek() == "...":
                self.take("...")
                if self.peek() == "on":
                    self.take("on")
                    self.take()
                total += self.selection(in_connection)
                continue
            total += self.field(in_connection)
        self.take("}")
        return total

    def field(self, in_connection):
        name = self.take()
        if self.peek() == ":":
            self.take(":")
            name = self.take()
        args = self.arguments()
        self.directives()
        if self.peek() != "{":
            return 0
        if in_connection:
            if name in ("nodes", "node"):
                return 1 + self.selection()
            if name == "edges":
                return self.selection(True)
            self.selection()
            return 0
        count = args.get("first", args.get("last"))
        if "first" in args or "last" in args:
            return 2 + (count or 0) * self.selection(True)
        return 1 + self.selection()


class _TreeParser(_Parser):
    """The same grammar as _Parser, read into a tree of (key, name, args, children) for the
    actual cost: children is None for a leaf, fragments are merged into their parent."""

    def tree_selection(self):
        self.take("{")
        out = []
        while self.peek() != "}":
            if self.peek() == "...":
                self.take("...")
                if self.peek() == "on":
                    self.take("on")
                    self.take()
                out.extend(self.tree_selection())
                continue
            key = name = self.take()
            if self.peek() == ":":
                self.take(":")
                name = self.take()
            args = self.arguments()
            self.directives()
            out.append((key, name, args, self.tree_selection() if self.peek() == "{" else None))
        self.take("}")
        return out


def _actual(sel, data):
    """The actual cost of selection sel over the reply's data (Shopify's "actual cost": what
    the result holds; a connection counts the nodes it returned, a null object only itself)."""
    total = 0
    for key, name, args, children in sel:
        if children is None:
            continue
        v = data.get(key) if isinstance(data, dict) else None
        if "first" in args or "last" in args:
            total += 2
            for ckey, cname, _, csel in children:
                items = v.get(ckey) if isinstance(v, dict) else None
                if csel is None or not isinstance(items, list):
                    continue
                for it in items:
                    if cname == "edges":
                        for ekey, ename, _, esel in csel:
                            if ename == "node" and esel is not None:
                                total += 1 + _actual(esel, (it or {}).get(ekey))
                    elif cname in ("nodes", "node"):
                        total += 1 + _actual(csel, it)
        else:
            if isinstance(v, list):
                v = v[0] if v else None
            total += 1 + (_actual(children, v) if isinstance(v, dict) else 0)
    return total


def _skip_operation_head(p):
    """After `query` or `mutation`: the operation's name and its (variables), if any."""
    if p.peek() not in ("(", "{", None):
        p.take()
    if p.peek() == "(":
        depth = 0
        while True:
            tok = p.take()
            depth += tok == "("
            depth -= tok == ")"
            if depth == 0:
                break


def actual_cost(text, variables, data):
    """What a query that ran costs by what it returned (the bucket is refunded the rest of its
    requested cost): mutations 10, queries by _actual."""
    p = _TreeParser(text, variables)
    if p.peek() in ("query", "mutation"):
        if p.take() == "mutation":
            return MUTATION_COST
        _skip_operation_head(p)
    return _actual(p.tree_selection(), data or {})


def query_cost(text, variables=None):
    """(requested cost, directives by name) of a GraphQL document, by Shopify's rules."""
    p = _Parser(text, variables)
    mutation = False
    if p.peek() in ("query", "mutation"):
        mutation = p.take() == "mutation"
        _skip_operation_head(p)
    cost = p.selection()
    if p.peek() is not None:
        raise GraphQLSyntaxError("text after the operation")
    return MUTATION_COST if mutation else cost


# --- search syntax ----------------------------------------------------------------------------
_STOKEN = re.compile(r'\s*(?:(\()|(\))|(-)?([A-Za-z_][A-Za-z0-9_.]*):(<=|>=|<|>)?'
                     r'(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|([^\s()]+))|'
                     r'"((?:[^"\\]|\\.)*)"|([^\s()]+))')


class SearchSyntaxError(ValueError):
    pass


def parse_search(q):
    """A tree of ("and"|"or", [..]), ("not", x), ("term", field, op, value) for q."""
    toks = []
    pos = 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        m = _STOKEN.match(q, pos)
        if not m:
            raise SearchSyntaxError("unreadable search text at %d" % pos)
        pos = m.end()
        if m.group(1):
            toks.append("(")
        elif m.group(2):
            toks.append(")")
        elif m.group(4):
            val = next(v for v in (m.group(6), m.group(7), m.group(8)) if v is not None)
            val = re.sub(r"\\(.)", r"\1", val)
            term = ("term", m.group(4), m.group(5) or ":", val)
            toks.append(("not", term) if m.group(3) else term)
        else:
            word = m.group(9) if m.group(9) is not None else m.group(10)
            if m.group(10) in ("AND", "OR", "NOT"):
                toks.append(m.group(10))
            else:
                toks.append(("term", None, ":", re.sub(r"\\(.)", r"\1", word)))
    i = 0

    def peek():
        return toks[i] if i < len(toks) else None

    def expr_or():
        nonlocal i
        parts = [expr_and()]
        while peek() == "OR":
            i += 1
            parts.append(expr_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def expr_and():
        nonlocal i
        parts = [unary()]
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                i += 1
            parts.append(unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary():
        nonlocal i
        t = peek()
        if t == "NOT":
            i += 1
            return ("not", unary())
        if t == "(":
            i += 1
            e = expr_or()
            if peek() != ")":
                raise SearchSyntaxError("unclosed parenthesis")
            i += 1
            return e
        if t is None or t in (")", "AND", "OR"):
            raise SearchSyntaxError("a connective without a term")
        i += 1
        return t

    if not toks:
        return ("and", [])
    tree = expr_or()
    if i != len(toks):
        raise SearchSyntaxError("unbalanced parenthesis")
    return tree


def search_match(tree, value_of):
    """Evaluates tree; value_of(field, op, value) decides one term."""
    kind = tree[0]
    if kind == "and":
        return all(search_match(t, value_of) for t in tree[1])
    if kind == "or":
        return any(search_match(t, value_of) for t in tree[1])
    if kind == "not":
        return not search_match(tree[1], value_of)
    return value_of(tree[1], tree[2], tree[3])
