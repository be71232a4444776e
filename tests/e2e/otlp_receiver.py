#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A local OTLP/HTTP trace and metrics receiver for the exporter tests (stdlib only, 127.0.0.1).

Accepts POSTs with application/json or application/x-protobuf bodies, gzip or not, decodes
protobuf with a small hand-written decoder into the OTLP/JSON shape tracetree-bpf writes (hex
ids, 64-bit integers as strings, status always with its code), and appends one JSON line per
request to --out: {"n", "path", "status", "content_type", "content_encoding", "headers",
"body" (the decoded TracesData, or MetricsData for a path ending in /v1/metrics, or null),
"error"}. It can answer --fail N requests with --fail-status (503) first, with an optional
Retry-After, before answering 200. --decode FILE only prints one protobuf request decoded
(test_otlp_pb_round_trip checks the encoder with it; --decode-metrics FILE the same for an
ExportMetricsServiceRequest).
With --tls-cert and --tls-key it speaks HTTPS; --client-ca then requires a client certificate
signed by that CA (mTLS: a client without one never gets to send) and each line records its
subject's CN as "client_cn".
"""
import argparse
import gzip
import json
import math
import os
import ssl
import struct
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class DecodeError(Exception):
    pass


def varint(buf, pos):
    shift = result = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (number, wire type, value) of a protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        num, wire = key >> 3, key & 7
        if num == 0:
            raise DecodeError("field 0")
        if wire == 0:
            val, pos = varint(buf, pos)
        elif wire == 1:
            if pos + 8 > len(buf):
                raise DecodeError("truncated fixed64")
            val, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            if pos + 4 > len(buf):
                raise DecodeError("truncated fixed32")
            val, pos = buf[pos:pos + 4], pos + 4
        elif wire == 2:
            n, pos = varint(buf, pos)
            if pos + n > len(buf):
                raise DecodeError("length past the end")
            val, pos = buf[pos:pos + n], pos + n
        else:
            raise DecodeError("wire type %d" % wire)
        yield num, wire, val


def unknown(obj, num, wire):
    obj["unknown_%d_%d" % (num, wire)] = True


def _double(val):
    d = struct.unpack("<d", val)[0]
    if math.isnan(d):
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    return d


# How a field's value reads: its wire type and the JSON value it becomes.
STR = (2, lambda v: v.decode("utf-8"))
HEX = (2, lambda v: v.hex())
BOOL = (0, bool)
INT = (0, lambda v: str(v - (1 << 64) if v >= 1 << 63 else v))     # int64, as a string
ENUM = (0, lambda v: v)
FIXED32 = (5, lambda v: struct.unpack("<I", v)[0])
FIXED64 = (1, lambda v: str(struct.unpack("<Q", v)[0]))             # as a string
SFIXED64 = (1, lambda v: str(struct.unpack("<q", v)[0]))            # as a string
DOUBLE = (1, _double)


def _packed(val, conv):
    if len(val) % 8:
        raise DecodeError("packed 64-bit values: %d bytes" % len(val))
    return [conv(val[i:i + 8]) for i in range(0, len(val), 8)]


# packed repeated fields: one LEN field of 8-byte values (a list, extended by each field)
PACKED_FIXED64 = (2, lambda v: _packed(v, FIXED64[1]))
PACKED_DOUBLE = (2, lambda v: _packed(v, _double))


class Msg:
    """A message as the JSON it maps to: rules {field number: (JSON key, value kind)}, a kind
    above or another message's (Msg.kind). Keys in repeated gather in a list; keys in always
    are a list even without their field; defaults are members there until their field comes."""

    def __init__(self, rules, repeated=(), always=(), defaults=None, packed=()):
        self.rules, self.repeated, self.always = rules, repeated, always
        self.packed = packed
        self.defaults = defaults or {}

    @property
    def kind(self):
        return (2, self.decode)

    def decode(self, buf):
        out = dict(self.defaults)
        for key in self.always:
            out[key] = []
        for num, wire, val in fields(buf):
            key, kind = self.rules.get(num, (None, (None, None)))
            if kind[0] != wire:
                unknown(out, num, wire)
                continue
            v = kind[1](val)
            if key in self.packed:
                out.setdefault(key, []).extend(v)
            elif key in self.repeated or key in self.always:
                out.setdefault(key, []).append(v)
            else:
                out[key] = v
        return out


# The messages of opentelemetry/proto/{common,resource,trace}/v1 tracetree-bpf writes.
ANY_VALUE = Msg({1: ("stringValue", STR), 2: ("boolValue", BOOL), 3: ("intValue", INT),
                 4: ("doubleValue", DOUBLE)})
ARRAY_VALUE = Msg({1: ("values", ANY_VALUE.kind)}, always=("values",))
ANY_VALUE.rules[5] = ("arrayValue", ARRAY_VALUE.kind)
KEY_VALUE = Msg({1: ("key", STR), 2: ("value", ANY_VALUE.kind)})
STATUS = Msg({2: ("message", STR), 3: ("code", ENUM)}, defaults={"code": 0})
EVENT = Msg({1: ("timeUnixNano", FIXED64), 2: ("name", STR), 3: ("attributes", KEY_VALUE.kind)},
            repeated=("attributes",))
SPAN = Msg({1: ("traceId", HEX), 2: ("spanId", HEX), 4: ("parentSpanId", HEX),
            5: ("name", STR), 6: ("kind", ENUM), 7: ("startTimeUnixNano", FIXED64),
            8: ("endTimeUnixNano", FIXED64), 9: ("attributes", KEY_VALUE.kind),
            11: ("events", EVENT.kind), 12: ("droppedEventsCount", ENUM),
            15: ("status", STATUS.kind), 16: ("flags", FIXED32)},
           repeated=("attributes", "events"))
SCOPE = Msg({1: ("name", STR), 2: ("version", STR)})
SCOPE_SPANS = Msg({1: ("scope", SCOPE.kind), 2: ("spans", SPAN.kind), 3: ("schemaUrl", STR)},
                  repeated=("spans",))
RESOURCE = Msg({1: ("attributes", KEY_VALUE.kind)}, always=("attributes",))
RESOURCE_SPANS = Msg({1: ("resource", RESOURCE.kind), 2: ("scopeSpans", SCOPE_SPANS.kind),
                      3: ("schemaUrl", STR)}, repeated=("scopeSpans",))
EXPORT_REQUEST = Msg({1: ("resourceSpans", RESOURCE_SPANS.kind)}, always=("resourceSpans",))


# ... and of opentelemetry/proto/metrics/v1 (ExportMetricsServiceRequest, MetricsData).
NUMBER_POINT = Msg({2: ("startTimeUnixNano", FIXED64), 3: ("timeUnixNano", FIXED64),
                    4: ("asDouble", DOUBLE), 6: ("asInt", SFIXED64),
                    7: ("attributes", KEY_VALUE.kind)}, repeated=("attributes",))
HISTOGRAM_POINT = Msg({2: ("startTimeUnixNano", FIXED64), 3: ("timeUnixNano", FIXED64),
                       4: ("count", FIXED64), 5: ("sum", DOUBLE),
                       6: ("bucketCounts", PACKED_FIXED64), 7: ("explicitBounds", PACKED_DOUBLE),
                       9: ("attributes", KEY_VALUE.kind), 11: ("min", DOUBLE), 12: ("max", DOUBLE)},
                      repeated=("attributes",), packed=("bucketCounts", "explicitBounds"))
GAUGE = Msg({1: ("dataPoints", NUMBER_POINT.kind)}, always=("dataPoints",))
SUM = Msg({1: ("dataPoints", NUMBER_POINT.kind), 2: ("aggregationTemporality", ENUM),
           3: ("isMonotonic", BOOL)}, always=("dataPoints",))
HISTOGRAM = Msg({1: ("dataPoints", HISTOGRAM_POINT.kind), 2: ("aggregationTemporality", ENUM)},
                always=("dataPoints",))
METRIC = Msg({1: ("name", STR), 2: ("description", STR), 3: ("unit", STR),
              5: ("gauge", GAUGE.kind), 7: ("sum", SUM.kind), 9: ("histogram", HISTOGRAM.kind)})
SCOPE_METRICS = Msg({1: ("scope", SCOPE.kind), 2: ("metrics", METRIC.kind), 3: ("schemaUrl", STR)},
                    always=("metrics",))
RESOURCE_METRICS = Msg({1: ("resource", RESOURCE.kind), 2: ("scopeMetrics", SCOPE_METRICS.kind),
                        3: ("schemaUrl", STR)}, repeated=("scopeMetrics",))
METRICS_REQUEST = Msg({1: ("resourceMetrics", RESOURCE_METRICS.kind)},
                      always=("resourceMetrics",))


def decode_request(buf, path="/v1/traces"):
    if path.split("?")[0].endswith("/v1/metrics"):
        return METRICS_REQUEST.decode(buf)
    return EXPORT_REQUEST.decode(buf)


def encode_partial(rejected, message):
    """ExportTraceServiceResponse{partial_success{rejected_spans, error_message}}."""
    def vint(v):
        b = bytearray()
        while v >= 0x80:
            b.append((v & 0x7F) | 0x80)
            v >>= 7
        b.append(v)
        return bytes(b)
    msg = message.encode()
    inner = b"\x08" + vint(rejected) + b"\x12" + vint(len(msg)) + msg
    return b"\x0a" + vint(len(inner)) + inner


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        srv = self.server
        srv.count += 1
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        ctype = self.headers.get("Content-Type", "")
        cenc = self.headers.get("Content-Encoding", "")
        rec = {"n": srv.count, "path": self.path, "content_type": ctype,
               "content_encoding": cenc, "bytes": n,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": None, "error": None}
        if srv.args.client_ca:
            subject = dict(x[0] for x in self.connection.getpeercert().get("subject", ()))
            rec["client_cn"] = subject.get("commonName")
        status = 200
        if srv.count <= srv.args.fail:
            status = srv.args.fail_status
        try:
            data = gzip.decompress(raw) if cenc == "gzip" else raw
            if ctype == "application/json":
                rec["body"] = json.loads(data)
            elif ctype == "application/x-protobuf":
                rec["body"] = decode_request(data, self.path)
            else:
                rec["error"] = "content type %r" % ctype
                status = 415
        except (DecodeError, ValueError, OSError, EOFError) as e:
            rec["error"] = "%s: %s" % (type(e).__name__, e)
            status = 400
        rec["status"] = status
        srv.out.write(json.dumps(rec) + "\n")
        srv.out.flush()
        body = b""
        if status == 200 and srv.args.partial:
            if ctype == "application/json":
                what = ("rejectedDataPoints" if self.path.endswith("/v1/metrics")
                        else "rejectedSpans")
                body = json.dumps({"partialSuccess": {what: str(srv.args.partial),
                                                      "errorMessage": "test"}}).encode()
            else:
                body = encode_partial(srv.args.partial, "test")
        elif status == 200 and ctype == "application/json":
            body = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", ctype or "text/plain")
        if status != 200 and srv.args.retry_after is not None:
            self.send_header("Retry-After", str(srv.args.retry_after))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the listening port here once ready")
    ap.add_argument("--out", help="JSON Lines of what was received")
    ap.add_argument("--decode", metavar="FILE",
                    help="only print the protobuf request in FILE as OTLP/JSON (no server)")
    ap.add_argument("--decode-metrics", metavar="FILE",
                    help="the same for an ExportMetricsServiceRequest")
    ap.add_argument("--fail", type=int, default=0, help="answer the first N requests with an error")
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--retry-after", type=int, help="Retry-After seconds on error answers")
    ap.add_argument("--partial", type=int, default=0, help="report N rejected spans on success")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="... and its key")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA")
    args = ap.parse_args()
    if args.decode or args.decode_metrics:
        with open(args.decode or args.decode_metrics, "rb") as f:
            path = "/v1/traces" if args.decode else "/v1/metrics"
            print(json.dumps(decode_request(f.read(), path)))
        return 0
    if not args.out:
        ap.error("--out is required")
    srv = HTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
        # a failed handshake raises in accept(): HTTPServer drops that client and goes on
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.args = args
    srv.count = 0
    srv.out = open(args.out, "a")
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
