# SPDX-License-Identifier: MIT
"""Reading the tracer's OTLP JSON Lines output (-o FILE) into span objects for the e2e tests.

    t = otlp.load(path)          # every span of every line
    agent = t.one("invoke_agent demo_agent")
    agent.attrs["gen_ai.agent.name"], agent.resource["process.pid"], t.parent(span), t.children(agent)

Attribute values are decoded: stringValue -> str, intValue (a decimal string on the wire) -> int,
doubleValue -> float, boolValue -> bool, arrayValue -> list, kvlistValue -> dict, bytesValue -> str.
The wire shape is checked as it is read (lowercase hex ids of the right length, 64-bit integers as
decimal strings, enums as integers), so a malformed line fails the test with the reason."""
import json
import re

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_DEC = re.compile(r"^-?[0-9]+$")


class OtlpError(Exception):
    pass


def _need(cond, what):
    if not cond:
        raise OtlpError(what)


def value(v):
    """Decodes one OTLP AnyValue."""
    _need(isinstance(v, dict) and len(v) == 1, "AnyValue with one field: %r" % (v,))
    (k, x), = v.items()
    if k == "stringValue":
        _need(isinstance(x, str), "stringValue is a string: %r" % (x,))
        return x
    if k == "intValue":
        _need(isinstance(x, str) and _DEC.match(x), "intValue is a decimal string: %r" % (x,))
        return int(x)
    if k == "doubleValue":
        _need(isinstance(x, (int, float)) and not isinstance(x, bool), "doubleValue number: %r" % (x,))
        return float(x)
    if k == "boolValue":
        _need(isinstance(x, bool), "boolValue is a bool: %r" % (x,))
        return x
    if k == "arrayValue":
        return [value(e) for e in x.get("values", [])]
    if k == "kvlistValue":
        return attrs(x.get("values", []))
    if k == "bytesValue":
        return x
    raise OtlpError("unknown AnyValue field %r" % k)


def attrs(lst):
    """[{key, value}] -> {key: decoded value}; a duplicated key is an error."""
    out = {}
    for a in lst or []:
        _need(a["key"] not in out, "duplicate attribute %r" % a["key"])
        out[a["key"]] = value(a["value"])
    return out


class Span:
    def __init__(self, raw, resource, scope, line):
        self.raw = raw
        self.resource = resource          # {key: value} of the span's resource
        self.scope = scope
        self.line = line                  # 1-based line of the file it came from
        self.trace_id = raw.get("traceId", "")
        self.span_id = raw.get("spanId", "")
        self.parent_id = raw.get("parentSpanId", "") or ""
        self.name = raw.get("name", "")
        self.kind = raw.get("kind", 0)
        self.start = int(raw.get("startTimeUnixNano", "0"))
        self.end = int(raw.get("endTimeUnixNano", "0"))
        self.attrs = attrs(raw.get("attributes"))
        st = raw.get("status") or {}
        self.status_code = st.get("code", 0)
        self.status_message = st.get("message", "")
        _need(_HEX32.match(self.trace_id), "traceId 32 lowercase hex: %r" % self.trace_id)
        _need(_HEX16.match(self.span_id), "spanId 16 lowercase hex: %r" % self.span_id)
        _need(not self.parent_id or _HEX16.match(self.parent_id),
              "parentSpanId 16 lowercase hex: %r" % self.parent_id)
        _need(isinstance(self.kind, int), "kind is an integer enum: %r" % (self.kind,))
        _need(isinstance(self.status_code, int), "status.code is an integer: %r" % (self.status_code,))
        for k in ("startTimeUnixNano", "endTimeUnixNano"):
            _need(isinstance(raw.get(k), str) and _DEC.match(raw[k]), "%s decimal string" % k)
        _need(self.start <= self.end, "%s: start <= end" % self.name)

    def get(self, key, default=None):
        return self.attrs.get(key, default)

    def __repr__(self):
        return "<%s %s parent=%s pid=%s>" % (self.name, self.span_id, self.parent_id or "-",
                                             self.attrs.get("process.pid"))


class Spans:
    def __init__(self, spans, lines):
        self.spans = spans
        self.lines = lines                # the raw text lines (for credential checks)
        self.by_id = {}
        for s in spans:
            _need(s.span_id not in self.by_id, "span id %s used twice" % s.span_id)
            self.by_id[s.span_id] = s

    # lookups
    def named(self, name):
        """Spans with this exact name, in start time order."""
        return sorted([s for s in self.spans if s.name == name], key=lambda s: (s.start, s.end))

    def prefixed(self, prefix):
        return sorted([s for s in self.spans if s.name.startswith(prefix)],
                      key=lambda s: (s.start, s.end))

    def one(self, name):
        got = self.named(name)
        if len(got) != 1:
            raise OtlpError("want exactly one span %r, got %d; all spans:\n%s" %
                            (name, len(got), self.dump()))
        return got[0]

    def parent(self, span):
        return self.by_id.get(span.parent_id) if span.parent_id else None

    def children(self, span, name=None):
        return sorted([s for s in self.spans if s.parent_id == span.span_id and
                       (name is None or s.name == name)], key=lambda s: (s.start, s.end))

    def ancestors(self, span):
        out = []
        p = self.parent(span)
        while p is not None and len(out) < 1000:
            out.append(p)
            p = self.parent(p)
        return out

    def roots(self):
        return [s for s in self.spans if not s.parent_id or s.parent_id not in self.by_id]

    def trace_ids(self):
        return sorted({s.trace_id for s in self.spans})

    # views
    def path(self, span):
        """'invoke_agent a > execute_tool t > exec sh' from the root down to span."""
        return " > ".join(s.name for s in reversed([span] + self.ancestors(span)))

    def dump(self):
        """The tree as indented text (for failure messages)."""
        out = []

        def walk(s, depth):
            a = {k: v for k, v in s.attrs.items()
                 if k in ("process.pid", "process.exit.code", "gen_ai.tool.call.id",
                          "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")}
            out.append("%s%s %s%s" % ("  " * depth, s.name, a,
                                      " status=%d" % s.status_code if s.status_code else ""))
            for c in self.children(s):
                walk(c, depth + 1)
        for r in sorted(self.roots(), key=lambda s: s.start):
            walk(r, 0)
        return "\n".join(out)

    def shape(self, drop_attrs=()):
        """The tree without ids and times: a sorted nested tuple of (name, kind, status, attrs,
        resource attrs, children). Two runs of the same thing compare equal on it."""
        def norm(d):
            return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in d.items()
                                if k not in drop_attrs))

        def walk(s):
            kids = tuple(sorted(walk(c) for c in self.children(s)))
            return (s.name, s.kind, s.status_code, s.status_message, norm(s.attrs),
                    norm(s.resource), kids)
        return tuple(sorted(walk(r) for r in self.roots()))


def load(path):
    """Every span of the OTLP JSON Lines file at path."""
    spans, lines = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            lines.append(line)
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError as e:
                raise OtlpError("line %d is not JSON: %s" % (n, e))
            _need(isinstance(doc, dict) and "resourceSpans" in doc,
                  "line %d is a TracesData object" % n)
            for rs in doc["resourceSpans"]:
                res = attrs(rs.get("resource", {}).get("attributes"))
                for ss in rs.get("scopeSpans", []):
                    scope = ss.get("scope", {})
                    for raw in ss.get("spans", []):
                        spans.append(Span(raw, res, scope, n))
    return Spans(spans, lines)
