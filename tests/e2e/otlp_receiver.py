#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A local OTLP/HTTP trace receiver for the exporter tests (stdlib only, 127.0.0.1).

Accepts POSTs with application/json or application/x-protobuf bodies, gzip or not, decodes
protobuf with a small hand-written decoder into the OTLP/JSON shape tracetree-bpf writes (hex
ids, 64-bit integers as strings, status always with its code), and appends one JSON line per
request to --out: {"n", "path", "status", "content_type", "content_encoding", "headers",
"body" (the decoded TracesData, or null), "error"}. It can answer --fail N requests with
--fail-status (503) first, with an optional Retry-After, before answering 200.
"""
import argparse
import gzip
import json
import math
import os
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


def any_value(buf):
    out = {}
    for num, wire, val in fields(buf):
        if num == 1 and wire == 2:
            out["stringValue"] = val.decode("utf-8")
        elif num == 2 and wire == 0:
            out["boolValue"] = bool(val)
        elif num == 3 and wire == 0:
            out["intValue"] = str(val - (1 << 64) if val >= 1 << 63 else val)
        elif num == 4 and wire == 1:
            d = struct.unpack("<d", val)[0]
            if math.isnan(d):
                d = "NaN"
            elif math.isinf(d):
                d = "Infinity" if d > 0 else "-Infinity"
            out["doubleValue"] = d
        elif num == 5 and wire == 2:
            out["arrayValue"] = {"values": [any_value(v) for n, w, v in fields(val)
                                            if n == 1 and w == 2]}
        else:
            unknown(out, num, wire)
    return out


def key_value(buf):
    out = {}
    for num, wire, val in fields(buf):
        if num == 1 and wire == 2:
            out["key"] = val.decode("utf-8")
        elif num == 2 and wire == 2:
            out["value"] = any_value(val)
        else:
            unknown(out, num, wire)
    return out


def span(buf):
    out = {}
    status = None
    names = {1: "traceId", 2: "spanId", 4: "parentSpanId"}
    for num, wire, val in fields(buf):
        if num in names and wire == 2:
            out[names[num]] = val.hex()
        elif num == 5 and wire == 2:
            out["name"] = val.decode("utf-8")
        elif num == 6 and wire == 0:
            out["kind"] = val
        elif num in (7, 8) and wire == 1:
            out["startTimeUnixNano" if num == 7 else "endTimeUnixNano"] = \
                str(struct.unpack("<Q", val)[0])
        elif num == 9 and wire == 2:
            out.setdefault("attributes", []).append(key_value(val))
        elif num == 15 and wire == 2:
            status = {"code": 0}
            for n, w, v in fields(val):
                if n == 2 and w == 2:
                    status["message"] = v.decode("utf-8")
                elif n == 3 and w == 0:
                    status["code"] = v
                else:
                    unknown(status, n, w)
        elif num == 16 and wire == 5:
            out["flags"] = struct.unpack("<I", val)[0]
        else:
            unknown(out, num, wire)
    out["status"] = status or {"code": 0}
    return out


def scope_spans(buf):
    out = {}
    for num, wire, val in fields(buf):
        if num == 1 and wire == 2:
            scope = {}
            for n, w, v in fields(val):
                if n in (1, 2) and w == 2:
                    scope["name" if n == 1 else "version"] = v.decode("utf-8")
                else:
                    unknown(scope, n, w)
            out["scope"] = scope
        elif num == 2 and wire == 2:
            out.setdefault("spans", []).append(span(val))
        elif num == 3 and wire == 2:
            out["schemaUrl"] = val.decode("utf-8")
        else:
            unknown(out, num, wire)
    return out


def resource_spans(buf):
    out = {}
    for num, wire, val in fields(buf):
        if num == 1 and wire == 2:
            res = {"attributes": []}
            for n, w, v in fields(val):
                if n == 1 and w == 2:
                    res["attributes"].append(key_value(v))
                else:
                    unknown(res, n, w)
            out["resource"] = res
        elif num == 2 and wire == 2:
            out.setdefault("scopeSpans", []).append(scope_spans(val))
        elif num == 3 and wire == 2:
            out["schemaUrl"] = val.decode("utf-8")
        else:
            unknown(out, num, wire)
    return out


def decode_request(buf):
    out = {"resourceSpans": []}
    for num, wire, val in fields(buf):
        if num == 1 and wire == 2:
            out["resourceSpans"].append(resource_spans(val))
        else:
            unknown(out, num, wire)
    return out


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
        status = 200
        if srv.count <= srv.args.fail:
            status = srv.args.fail_status
        try:
            data = gzip.decompress(raw) if cenc == "gzip" else raw
            if ctype == "application/json":
                rec["body"] = json.loads(data)
            elif ctype == "application/x-protobuf":
                rec["body"] = decode_request(data)
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
                body = json.dumps({"partialSuccess": {"rejectedSpans": str(srv.args.partial),
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
    ap.add_argument("--out", required=True, help="JSON Lines of what was received")
    ap.add_argument("--fail", type=int, default=0, help="answer the first N requests with an error")
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--retry-after", type=int, help="Retry-After seconds on error answers")
    ap.add_argument("--partial", type=int, default=0, help="report N rejected spans on success")
    args = ap.parse_args()
    srv = HTTPServer(("127.0.0.1", args.port), Handler)
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
