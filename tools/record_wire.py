#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""record_wire.py: records HTTP/1.1 wire bytes of real clients as test fixtures.

Starts a local HTTP server (stdlib only) on 127.0.0.1:18080, runs each client case under
strace (which records every read/write syscall on the client's socket) and writes, per case,
tests/fixtures/http/<case>/{request.bin,response.bin,meta.json}:

  request.bin   bytes the client sent (TT_DIR_WRITE of the traced client)
  response.bin  bytes the client received (TT_DIR_READ)
  meta.json     the client command and "segments": every read/write of the client, in order, as
                {"dir": "write"|"read", "off": N, "len": N, "t_ns": N}; each is replayed as
                one captured call with that arrival time.

Usage: tools/record_wire.py [--out tests/fixtures/http] [case ...]
       tools/record_wire.py --fuzz-seeds DIR   (libFuzzer corpora for tests/fuzz/fuzz_*)
Needs strace, curl, /usr/bin/python3 with python3-httpx, /usr/bin/node. Plain TCP only: when the TLS
capture tool exists, re-record with `tracetree-bpf --record` against an HTTPS variant.
"""
import argparse
import re
import tempfile
import ctypes
import ctypes.util
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 18080  # fixed, so Host headers in the fixtures are stable
JSON_BODY = b'{"id":"msg_01","type":"message","content":[{"type":"text","text":"Hello!"}]}'
SSE_EVENTS = [
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01"}}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"Hel"}}\n\n',
    b': keep-alive comment\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"lo"}}\n\n',
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n',
]
NDJSON_LINES = [
    b'{"model":"llama3","response":"Hel","done":false}\n',
    b'{"model":"llama3","response":"lo","done":false}\n',
    b'{"model":"llama3","response":"","done":true,"eval_count":2}\n',
]


def brotli_compress(data):
    lib = ctypes.CDLL(ctypes.util.find_library("brotlienc") or "libbrotlienc.so.1")
    out = ctypes.create_string_buffer(len(data) + 1024)
    size = ctypes.c_size_t(len(out))
    lib.BrotliEncoderCompress.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                          ctypes.c_size_t, ctypes.c_char_p,
                                          ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p]
    if not lib.BrotliEncoderCompress(9, 22, 0, len(data), data, ctypes.byref(size), out):
        raise RuntimeError("brotli failed")
    return out.raw[:size.value]


def zstd_compress(data):
    lib = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
    lib.ZSTD_compressBound.restype = ctypes.c_size_t
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                  ctypes.c_size_t, ctypes.c_int]
    cap = lib.ZSTD_compressBound(ctypes.c_size_t(len(data)))
    out = ctypes.create_string_buffer(cap)
    n = lib.ZSTD_compress(out, cap, data, len(data), 3)
    return out.raw[:n]


def raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def head(self, status, headers):
        reason = {200: "OK", 204: "No Content", 304: "Not Modified"}[status]
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Server: record-wire",
                 "Date: Thu, 01 Jan 2026 00:00:00 GMT"] + headers
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def plain(self, body, extra=()):
        h = ["Content-Type: application/json", "Content-Length: %d" % len(body)] + list(extra)
        if self.command == "HEAD":
            self.send(self.head(200, h))
        else:
            self.send(self.head(200, h) + body)

    def do_HEAD(self):
        self.plain(JSON_BODY)

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        self.read_body()
        path = self.path.split("?")[0]
        if path == "/v1/json" or path == "/v1/continue":
            self.plain(JSON_BODY, ["Set-Cookie: session=abc123; HttpOnly"])
        elif path == "/v1/gzip":
            self.plain(gzip.compress(JSON_BODY, mtime=0), ["Content-Encoding: gzip"])
        elif path == "/v1/br":
            self.plain(brotli_compress(JSON_BODY), ["Content-Encoding: br"])
        elif path == "/v1/zstd":
            self.plain(zstd_compress(JSON_BODY), ["Content-Encoding: zstd"])
        elif path == "/v1/deflate":
            self.plain(raw_deflate(JSON_BODY), ["Content-Encoding: deflate"])
        elif path == "/v1/stacked":
            self.plain(brotli_compress(gzip.compress(JSON_BODY, mtime=0)),
                       ["Content-Encoding: gzip, br"])
        elif path == "/v1/chunked":
            self.send(self.head(200, ["Content-Type: application/json",
                                      "Transfer-Encoding: chunked"]))
            for i in range(0, len(JSON_BODY), 30):
                self.send(chunk(JSON_BODY[i:i + 30]))
            self.send(b"0\r\n\r\n")
        elif path == "/v1/trailers":
            self.send(self.head(200, ["Content-Type: application/json",
                                      "Transfer-Encoding: chunked", "Trailer: X-Checksum"]))
            self.send(chunk(JSON_BODY[:40]) + chunk(JSON_BODY[40:]))
            self.send(b"0\r\nX-Checksum: %08x\r\n\r\n" % zlib.crc32(JSON_BODY))
        elif path in ("/v1/sse", "/v1/sse-gzip"):
            self.stream(SSE_EVENTS, "text/event-stream", path.endswith("gzip"))
        elif path == "/v1/ndjson":
            self.stream(NDJSON_LINES, "application/x-ndjson", False)
        elif path == "/v1/empty":
            self.send(self.head(204, []))
        elif path == "/v1/cached":
            self.send(self.head(304, ['ETag: "v1"']))
        elif path == "/v1/close":
            self.send(self.head(200, ["Content-Type: text/plain", "Connection: close"]))
            self.send(b"delimited by close\n")
            self.send(b"second line\n")
            self.close_connection = True
        else:
            self.send_error(404)

    def stream(self, events, ctype, gz):
        h = ["Content-Type: %s" % ctype, "Transfer-Encoding: chunked", "Cache-Control: no-cache"]
        z = None
        if gz:
            h.append("Content-Encoding: gzip")
            z = zlib.compressobj(6, zlib.DEFLATED, 31)
        for i, ev in enumerate(events):
            data = z.compress(ev) + z.flush(zlib.Z_SYNC_FLUSH) if z else ev
            # The head and the first event go out in one write (one read for the client).
            self.send((self.head(200, h) if i == 0 else b"") + chunk(data))
            time.sleep(0.02)
        tail = chunk(z.flush()) if z else b""
        self.send(tail + b"0\r\n\r\n")


SYSCALL = re.compile(r'^(?:\d+ +)?(\d+)\.(\d+) (\w+)\((\d+)<TCP:\[([^\]]*)\]>, (.*)\) += (-?\d+)')
HEXSTR = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')
WRITES = {"write", "writev", "send", "sendto", "sendmsg"}


def trace_client(cmd, port):
    """Runs cmd under strace; returns {connection: [(dir, t_ns, bytes)]} for sockets to port.

    Each read/write syscall on the socket is one segment: the boundaries the TLS probes will
    see once the same client talks HTTPS (one SSL_write per write, one SSL_read per read).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as tf:
        subprocess.run(["strace", "-f", "-qq", "-ttt", "-xx", "-s", "4194304", "-yy",
                        "-e", "signal=none", "-e",
                        "trace=read,write,readv,writev,recvfrom,sendto,recvmsg,sendmsg",
                        "-o", tf.name, "--"] + cmd, check=True, timeout=60)
        conns = {}
        for line in tf:
            m = SYSCALL.match(line)
            if not m or not m.group(5).endswith(":%d" % port) or int(m.group(7)) <= 0:
                continue
            if "MSG_PEEK" in m.group(6):
                continue
            ret = int(m.group(7))
            data = b"".join(bytes.fromhex(x.replace("\\x", ""))
                            for x in HEXSTR.findall(m.group(6)))[:ret]
            d = "write" if m.group(3) in WRITES else "read"
            t = int(m.group(1)) * 10**9 + int(m.group(2).ljust(9, "0"))
            conns.setdefault(m.group(5), []).append((d, t, data))
        return conns


NODE_HTTP = r"""
const http = require('http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const port = process.argv[1];
function req(opts, body) {
  return new Promise((res, rej) => {
    const r = http.request({ host: '127.0.0.1', port, agent, ...opts }, (resp) => {
      const parts = [];
      resp.on('data', (d) => parts.push(d));
      resp.on('end', () => res(Buffer.concat(parts)));
    });
    r.on('error', rej);
    if (body) { r.write(body.slice(0, 10)); r.write(body.slice(10)); }
    r.end();
  });
}
(async () => {
  await req({ path: '/v1/ndjson', method: 'GET', headers: { 'x-goog-api-key': 'AIza-test' } });
  await req({ path: '/v1/br', method: 'POST',
              headers: { 'content-type': 'application/json' } }, '{"prompt":"why is the sky blue?"}');
  await req({ path: '/v1/zstd', method: 'GET' });
  await req({ path: '/v1/stacked', method: 'GET' });
  agent.destroy();
})();
"""

NODE_FETCH = r"""
const port = process.argv[1];
(async () => {
  const r = await fetch(`http://127.0.0.1:${port}/v1/sse`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
    body: JSON.stringify({ model: 'claude', stream: true }) });
  for await (const _ of r.body) {}
})();
"""

PY_URLLIB = r"""
import json, sys, urllib.request
port = sys.argv[1]
req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/gzip",
    data=json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode(),
    headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test-0123456789abcdef"})
urllib.request.urlopen(req).read()
"""

PY_HTTPX = r"""
import sys, httpx
port = sys.argv[1]
with httpx.Client() as c:
    with c.stream("POST", f"http://127.0.0.1:{port}/v1/sse-gzip",
                  json={"model": "claude", "stream": True},
                  headers={"x-api-key": "sk-ant-test-key"}) as r:
        for _ in r.iter_raw():
            pass
"""

PY_MULTI = r"""
import sys, http.client
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/v1/continue", body=b'{"big":"request"}',
          headers={"Expect": "100-continue", "Content-Type": "application/json"})
c.getresponse().read()
c.request("HEAD", "/v1/json"); c.getresponse().read()
c.request("GET", "/v1/empty"); c.getresponse().read()
c.request("GET", "/v1/cached", headers={"If-None-Match": '"v1"', "Cookie": "a=b"})
c.getresponse().read()
c.request("GET", "/v1/deflate"); c.getresponse().read()
c.request("GET", "/v1/close"); c.getresponse().read()
c.close()
"""


def cases(port):
    base = "http://127.0.0.1:%d" % port
    return {
        "curl_keepalive": ["curl", "-sS", "-o", "/dev/null", "-H",
                           "Authorization: Bearer sk-test-0123456789abcdef",
                           "-H", "Content-Type: application/json", "-d", '{"q":1}',
                           base + "/v1/json", "--next", "-sS", "-o", "/dev/null",
                           base + "/v1/trailers", "--next", "-sS", "-o", "/dev/null", "-I",
                           base + "/v1/json"],
        "urllib_post_gzip": ["/usr/bin/python3", "-c", PY_URLLIB, str(port)],
        "httpx_sse_gzip": ["/usr/bin/python3", "-c", PY_HTTPX, str(port)],
        "node_http_keepalive": ["/usr/bin/node", "-e", NODE_HTTP, str(port)],
        "node_fetch_sse": ["/usr/bin/node", "-e", NODE_FETCH, str(port)],
        "python_multi": ["/usr/bin/python3", "-c", PY_MULTI, str(port)],
    }


def save(outdir, name, cmd, segs):
    os.makedirs(os.path.join(outdir, name), exist_ok=True)
    buf = {"write": b"", "read": b""}
    meta = []
    t0 = segs[0][1]
    for d, t, data in segs:
        meta.append({"dir": d, "off": len(buf[d]), "len": len(data), "t_ns": t - t0})
        buf[d] += data
    with open(os.path.join(outdir, name, "request.bin"), "wb") as f:
        f.write(buf["write"])
    with open(os.path.join(outdir, name, "response.bin"), "wb") as f:
        f.write(buf["read"])
    cmd = [c if len(c) < 200 else "<script in tools/record_wire.py>" for c in cmd]
    with open(os.path.join(outdir, name, "meta.json"), "w") as f:
        json.dump({"case": name, "command": cmd, "recorded_by": "tools/record_wire.py",
                   "transport": "plain TCP on 127.0.0.1", "segments": meta}, f, indent=1)
        f.write("\n")


def flushed_gzip(body, step, level=6):
    """gzip flushed every step bytes (Z_SYNC_FLUSH), as streaming servers send it."""
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    out = b"".join(z.compress(body[i:i + step]) + z.flush(zlib.Z_SYNC_FLUSH)
                   for i in range(0, len(body), step))
    return out + z.flush()


def fuzz_seeds(fixtures, outdir):
    """Writes libFuzzer seed corpora from the fixtures: <outdir>/fuzz_{http1,sse,body,conn}/
    (directories named after the harnesses, as tests/fuzz/run.sh looks them up)."""
    for sub in ("http1", "sse", "body", "conn"):
        os.makedirs(os.path.join(outdir, "fuzz_" + sub), exist_ok=True)
    for case in sorted(os.listdir(fixtures)):
        d = os.path.join(fixtures, case)
        if not os.path.isfile(os.path.join(d, "meta.json")):
            continue
        data = {"write": open(os.path.join(d, "request.bin"), "rb").read(),
                "read": open(os.path.join(d, "response.bin"), "rb").read()}
        for k, v in data.items():
            with open(os.path.join(outdir, "fuzz_http1", case + "-" + k), "wb") as f:
                f.write(v)
            with open(os.path.join(outdir, "fuzz_sse", case + "-" + k), "wb") as f:
                f.write(b"\x10" + v[v.find(b"\r\n\r\n") + 4:])
        # fuzz_conn: per record ctl (dir | FIRST | LAST), skew 0, 16-bit length, payload
        out = b""
        for seg in json.load(open(os.path.join(d, "meta.json")))["segments"]:
            buf = data[seg["dir"]][seg["off"]:seg["off"] + seg["len"]]
            for i in range(0, len(buf), 65535):
                part = buf[i:i + 65535]
                out += bytes([(seg["dir"] == "read") | 6 << 2, 0, len(part) & 255,
                              len(part) >> 8]) + part
        with open(os.path.join(outdir, "fuzz_conn", case), "wb") as f:
            f.write(out)
    body = JSON_BODY * 4
    seeds = {"gzip": b"\x00" + gzip.compress(body), "deflate": b"\x01" + zlib.compress(body),
             "br": b"\x02" + brotli_compress(body), "zstd": b"\x03" + zstd_compress(body),
             "identity": b"\x06" + body, "gzip-flushed": b"\x00" + flushed_gzip(body, 97),
             "gzip-flushed-stored": b"\x00" + flushed_gzip(body.replace(b"a", b"\0\0\xff\xff"), 61, 0)}
    for name, v in seeds.items():
        with open(os.path.join(outdir, "fuzz_body", name), "wb") as f:
            f.write(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/http")
    ap.add_argument("--fuzz-seeds", metavar="DIR",
                    help="only write fuzz seed corpora from the fixtures into DIR")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.fuzz_seeds:
        fuzz_seeds(a.out, a.fuzz_seeds)
        return
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    for name, cmd in cases(PORT).items():
        if a.cases and name not in a.cases:
            continue
        conns = list(trace_client(cmd, PORT).values())
        if len(conns) != 1:
            sys.exit("%s: expected one connection, got %d" % (name, len(conns)))
        save(a.out, name, cmd, conns[0])
        print("%s: %d segments" % (name, len(conns[0])))


if __name__ == "__main__":
    main()
