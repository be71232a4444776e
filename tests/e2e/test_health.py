# SPDX-License-Identifier: MIT
"""--health-addr and shutdown: /healthz and /metrics scraped from a live tracer (the exposition
parsed strictly, the numbers checked against the -o file), a server that idle and hostile
clients cannot stall, and SIGTERM with a collector that never answers: exit 0 within the
bound, the spans in the -o file, the ones that could not be sent counted."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from lib import PY, TRACER, FakeLLM, TestFailure, Workdir, check, eq

CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say hi"}]}'
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')


def curl_chat(url):
    return "curl -sk -H 'Content-Type: application/json' -d '%s' %s/v1/chat/completions " \
           "-o /dev/null" % (CHAT, url)


# The agent: one chat call carrying a traceparent (its trace is final at once, so its spans go
# out as they end, not when the agent exits), then it waits for the file argv[2].
AGENT = """
import json, os, ssl, sys, time, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/chat/completions", data=%r.encode(),
    headers={"Content-Type": "application/json", "Authorization": "Bearer " + KEY,
             "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
urllib.request.urlopen(req, context=ssl._create_unverified_context()).read()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
""".replace("KEY", repr("sk-proj-" + "tT9" * 16)) % CHAT
SECRET = "sk-proj-" + "tT9" * 16


def start(w, args, cmd):
    """The tracer (-v, --health-addr 127.0.0.1:0, args) running cmd (a list, or a string for
    sh -c): (Popen, port, stderr path). The port is the one it logs at -v."""
    errf = w.file("tracer.stderr")
    err = open(errf, "w")
    if isinstance(cmd, str):
        cmd = ["/bin/sh", "-c", cmd]
    p = subprocess.Popen([TRACER, "-v", "--health-addr", "127.0.0.1:0"] + args +
                         ["--"] + cmd, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 120
    while time.time() < deadline:
        m = re.search(r"listening on 127\.0\.0\.1:0 \(port (\d+)\)", open(errf).read())
        if m:
            return p, int(m.group(1)), errf
        if p.poll() is not None:
            break
        time.sleep(0.1)
    p.kill()
    p.wait()
    raise TestFailure("no health port logged: %s" % open(errf).read()[-2000:])


def get(port, path, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        c.close()


def parse_exposition(text):
    """Prometheus text format 0.0.4, strictly: {name: {labels: value}}; every sample's metric
    has one # HELP and one # TYPE before it, names and labels are valid, counters end in
    _total, values are numbers."""
    check(text.endswith("\n"), "ends in a newline")
    helps, types, out = {}, {}, {}
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, _, doc = line[7:].partition(" ")
            check(NAME.match(name) and name not in helps and doc, "HELP line: %r" % line)
            helps[name] = doc
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            check(name in helps and name not in types, "TYPE after its HELP, once: %r" % line)
            check(typ in ("counter", "gauge"), "type: %r" % line)
            check(typ != "counter" or name.endswith("_total"), "counter name: %r" % line)
            types[name] = typ
            continue
        m = SAMPLE.match(line)
        check(m, "sample line: %r" % line)
        name, labels = m.group(1), ()
        check(name in types, "sample of a metric with HELP and TYPE: %r" % line)
        if m.group(3):
            rest, pairs = m.group(3), []
            while rest:
                lm = LABEL.match(rest)
                check(lm, "labels: %r" % line)
                pairs.append((lm.group(1), lm.group(2)))
                rest = rest[lm.end():]
            labels = tuple(pairs)
        value = float(m.group(4))
        check(labels not in out.setdefault(name, {}), "one sample per labels: %r" % line)
        out[name][labels] = value
    eq(set(helps), set(types), "every HELP has a TYPE")
    eq(set(out), set(types), "every metric has samples")
    return out


def file_spans(path):
    n = 0
    if os.path.exists(path):
        for line in open(path):
            for rs in json.loads(line)["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    n += len(ss["spans"])
    return n


def one(metrics, name, **labels):
    return metrics[name][tuple(sorted(labels.items()))]


def settled_metrics(port, out, want_llm, timeout=60):
    """Scrapes until the numbers stop moving (two scrapes around a read of the -o file agree,
    and llm_calls reached want_llm): (metrics, spans in the file)."""
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        st, _, body = get(port, "/metrics")
        eq(st, 200, "/metrics status")
        m1 = parse_exposition(body)
        n = file_spans(out)
        m2 = parse_exposition(get(port, "/metrics")[2])
        if m1 == m2 and one(m1, "tracetree_llm_calls_total") == want_llm and n and \
                one(m1, "tracetree_spans_exported_total", exporter="file") == n:
            return m1, n
        last = (m1, n)
        time.sleep(0.5)
    raise TestFailure("metrics never settled: %s" % (last,))


def check_json_log(path):
    """--log-format json: every stderr line one object (time in UTC with ms, level, msg), the
    agent's key in none."""
    text = open(path).read()
    check(SECRET not in text, "no key logged")
    lines = [json.loads(line) for line in text.splitlines()]
    for o in lines:
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o["time"]), "time: %s" % o)
        check(o["level"] in ("error", "warning", "info", "debug") and o["msg"], "line: %s" % o)
        check(set(o) <= {"time", "level", "module", "msg"}, "fields: %s" % o)
    check(any(o.get("module") == "main" and o["msg"].startswith("probes attached to ")
              for o in lines), "the attach line: %s" % lines[:8])


def test_scrape():
    """/healthz is 200 "ok" while tracing; /metrics parses and says what happened: one LLM
    call over OpenSSL, the spans the -o file holds, records and probed files. The log is JSON
    lines (--log-format json)."""
    w = Workdir()
    fake = FakeLLM(w)
    out, stop = w.file("otlp.jsonl"), w.file("stop")
    p, port, errf = start(w, ["-o", out, "--format", "none", "--log-format", "json"],
                          [PY, "-c", AGENT, fake.url, stop])
    try:
        deadline = time.time() + 60
        while True:
            st, hdr, body = get(port, "/healthz")
            if st == 200 or time.time() > deadline:
                break
            time.sleep(0.2)
        eq((st, body), (200, "ok\n"), "/healthz")
        eq(hdr.get("Content-Type"), "text/plain; charset=utf-8", "/healthz type")
        m, n = settled_metrics(port, out, 1)
        st, hdr, _ = get(port, "/metrics")
        eq(hdr.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8", "metrics type")
        eq(one(m, "tracetree_probes_attached"), 1, "attached")
        check(one(m, "tracetree_records_total") > 0, "records")
        check(one(m, "tracetree_probed_files") >= 1, "probed files")
        eq(one(m, "tracetree_exchanges_total"), 1, "exchanges")
        eq(one(m, "tracetree_spans_exported_total", exporter="otlp_http"), 0, "no OTLP/HTTP")
        eq(one(m, "tracetree_lost_records_total"), 0, "lost records")
        eq(one(m, "tracetree_export_queue_drops_total"), 0, "queue drops")
        eq(n, 1, "the chat span in the file (the agent's own span ends when it does)")
        ssl = sum(v for k, v in m["tracetree_captured_bytes_total"].items()
                  if dict(k)["kind"] in ("openssl", "openssl_ex"))
        check(ssl > len(CHAT), "OpenSSL plaintext bytes captured: %s" % ssl)
        eq(set(dict(k)["kind"] for k in m["tracetree_captured_bytes_total"]),
           {"openssl", "openssl_ex", "gnutls", "nss", "go_tls", "socket", "aead", "other"},
           "kinds")
        eq(m["tracetree_build_info"], {(("version", "0.1.0"),): 1.0}, "build_info")
        # what is not GET, not known, not HTTP
        eq(get(port, "/metrics", "POST")[0], 405, "POST")
        eq(get(port, "/nope")[0], 404, "unknown path")
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 5000)
        eq(s.recv(4096).split(b"\r\n")[0], b"HTTP/1.1 400 Bad Request", "oversized head")
        s.close()
    finally:
        open(stop, "w").close()
        rc = p.wait(timeout=120)
        fake.stop()
    eq(rc, 0, "tracer exit (stderr: %s)" % open(errf).read()[-1500:])
    check_json_log(errf)


def test_idle_clients():
    """Connections that never send a byte (more than the server takes at once) neither stall
    the scrape nor the main loop: /healthz still answers 200 at once."""
    w = Workdir()
    stop = w.file("stop")
    p, port, errf = start(w, ["--format", "none"], "until [ -e %s ]; do sleep 0.1; done" % stop)
    idle = []
    try:
        deadline = time.time() + 60
        while get(port, "/healthz")[0] != 200:
            check(time.time() < deadline, "healthy within 60 s")
            time.sleep(0.2)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
        t0 = time.time()
        st, _, body = get(port, "/healthz")
        eq((st, body), (200, "ok\n"), "/healthz beside 40 idle connections")
        check(time.time() - t0 < 4, "answered before the idle ones time out (%.1f s)" %
              (time.time() - t0))
        # the idle ones are closed by the server: at most its 5 s deadline (plus slack)
        closed = 0
        for s in idle:
            s.settimeout(30)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
        eq(closed, len(idle), "idle connections closed by the server")
    finally:
        for s in idle:
            s.close()
        open(stop, "w").close()
        rc = p.wait(timeout=120)
    eq(rc, 0, "tracer exit (stderr: %s)" % open(errf).read()[-1500:])


class BlackHole:
    """A TCP server that accepts connections and never answers (a collector that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.done = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def stop(self):
        self.done = True
        self.sock.close()
        for c in self.conns:
            c.close()


def test_sigterm_black_hole_collector():
    """SIGTERM while the OTLP collector accepts connections and never answers: the tracer
    exits 0 well within a pod's 30 s grace period (drain bound 5 s), the -o file has every
    span (those the linker held until their trace's root ends, and the root's own, ended as
    incomplete), the ones that could not be sent are counted and reported."""
    w = Workdir()
    fake, hole = FakeLLM(w), BlackHole()
    out, pidf, done = w.file("otlp.jsonl"), w.file("pid"), w.file("done")
    script = "echo $$ > %s; %s; touch %s; exec sleep 600" % (pidf, curl_chat(fake.url), done)
    p, port, errf = start(w, ["-o", out, "--format", "none", "--otlp-endpoint",
                              "http://127.0.0.1:%d" % hole.port], script)
    child = None
    try:
        deadline = time.time() + 90
        while not os.path.exists(done) or \
                one(parse_exposition(get(port, "/metrics")[2]), "tracetree_llm_calls_total") < 1:
            check(time.time() < deadline and p.poll() is None,
                  "the call decoded (stderr: %s)" % open(errf).read()[-1500:])
            time.sleep(0.2)
        child = int(open(pidf).read())
        eq(file_spans(out), 0, "spans held until the trace's root ends")
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=25)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise TestFailure("still running 25 s after SIGTERM")
        took = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
        if child:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        hole.stop()
        fake.stop()
    err = open(errf).read()
    eq(rc, 0, "exit status after SIGTERM (stderr: %s)" % err[-1500:])
    check(took < 15, "exited %.1f s after SIGTERM (drain bound 5 s)" % took)
    spans = []
    for line in open(out):
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                spans += ss["spans"]
    names = sorted(s["name"] for s in spans)
    check(any(n.startswith("chat ") for n in names), "the chat span: %s" % names)
    check(any(a["key"] == "tracetree.incomplete" for s in spans for a in s["attributes"]),
          "the running root's span, ended incomplete: %s" % names)
    m = re.search(r"export: not every span was exported: (\d+) spans: file (\d+) written.*"
                  r"http (\d+) sent, (\d+) rejected, (\d+) dropped \(queue full\), (\d+) unsent",
                  err)
    check(m, "the unsent spans reported (stderr: %s)" % err[-1500:])
    total, written, sent, rejected, dropped, unsent = map(int, m.groups())
    eq(written, len(spans), "spans written to the file")
    eq((sent, total), (0, len(spans)), "none sent to the black hole, all received")
    eq(rejected + dropped + unsent, len(spans), "every span not sent is counted")
