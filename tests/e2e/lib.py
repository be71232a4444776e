# SPDX-License-Identifier: MIT
"""Shared helpers of the end-to-end tests: servers, running the tracer, reading its output."""
import base64
import json
import os
import signal
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRACER = os.environ.get("TT_TRACER") or os.path.join(TOP, "tracetree-bpf")
PY = "/usr/bin/python3"


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def eq(got, want, what):
    if got != want:
        g, w = repr(got), repr(want)
        raise TestFailure("%s: got %s, want %s" % (what, g[:300], w[:300]))


class Workdir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="tt-e2e-")

    def file(self, name):
        return os.path.join(self.path, name)


_CERT = None


def cert(work):
    """A self-signed certificate for 127.0.0.1 (made once per run)."""
    global _CERT
    if _CERT is None:
        d = tempfile.mkdtemp(prefix="tt-cert-")
        key, crt = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        _CERT = (crt, key)
    return _CERT


class TlsServer:
    """tests/e2e/tls_server.py: known bytes over TLS on 127.0.0.1."""

    def __init__(self, work):
        crt, key = cert(work)
        self.log = work.file("server.jsonl")
        portf = work.file("server.port")
        self.proc = subprocess.Popen([PY, os.path.join(TOP, "tests/e2e/tls_server.py"),
                                      "--cert", crt, "--key", key, "--port-file", portf,
                                      "--log", self.log])
        deadline = time.time() + 10
        while not os.path.exists(portf):
            check(time.time() < deadline and self.proc.poll() is None, "TLS server start")
            time.sleep(0.02)
        self.port = int(open(portf).read())
        self.url = "https://127.0.0.1:%d" % self.port

    def exchanges(self):
        out = []
        if os.path.exists(self.log):
            for line in open(self.log):
                j = json.loads(line)
                out.append((base64.b64decode(j["request"]), base64.b64decode(j["response"])))
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


def run_tracer(args, timeout=60, check_rc=True):
    """Runs tracetree-bpf with args; returns the CompletedProcess."""
    p = subprocess.run([TRACER] + args, capture_output=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure("tracetree-bpf %s exited %d: %s" %
                          (" ".join(args)[:200], p.returncode, p.stderr.decode()[-2000:]))
    return p


def read_raw(path):
    recs = []
    for line in open(path, "rb"):
        recs.append(json.loads(line))
    return recs


def payload(rec):
    if "text" in rec:
        return rec["text"].encode()
    return base64.b64decode(rec["base64"])


def streams(recs):
    """{(pid, conn, dir): bytes} from data records, checking positions are contiguous."""
    parts = {}
    for r in recs:
        if r["type"] != "data":
            continue
        parts.setdefault((r["pid"], r["conn"], r["dir"]), []).append(r)
    out = {}
    for key, rs in parts.items():
        rs.sort(key=lambda r: r["pos"])
        data = b""
        for r in rs:
            eq(r["pos"], len(data), "contiguous position in %s" % (key,))
            check(not r["truncated"], "no truncation in %s" % (key,))
            data += payload(r)
        out[key] = data
    return out


def execs(recs, basename):
    return [r for r in recs if r["type"] == "exec" and
            os.path.basename(r["filename"]) == basename]


def by_type(recs, t):
    return [r for r in recs if r["type"] == t]
