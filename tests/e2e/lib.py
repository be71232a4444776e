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


class Skip(Exception):
    """Raised by a test whose prerequisite (a package, a tool) is missing: reported SKIP."""


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


# --- trace tree tests (test_trees.py) --------------------------------------------------------

FAKE_LLM = os.path.join(TOP, "tools/fake_llm.py")
AGENTS = os.path.join(TOP, "tests/e2e/agents")
NODE_E2E = os.path.join(TOP, ".output/node-e2e")   # npm install --prefix here (openai, anthropic)
_FAKE_CERT_DIR = None


class FakeLLM:
    """tools/fake_llm.py over TLS on 127.0.0.1 with its request log.

    url: https://127.0.0.1:PORT; cafile: its self-signed certificate (CA:TRUE, for --cafile,
    NODE_EXTRA_CA_CERTS, SSL_CERT_FILE); requests(): the parsed log lines; llm(): only the LLM
    API requests (not /tool/fetch, /health...)."""

    def __init__(self, work, script=None, extra=()):
        global _FAKE_CERT_DIR
        if _FAKE_CERT_DIR is None:   # one certificate per run: openssl takes a while
            _FAKE_CERT_DIR = tempfile.mkdtemp(prefix="tt-fake-cert-")
        self.log = work.file("fake_llm.jsonl")
        portf = work.file("fake_llm.port")
        args = [PY, FAKE_LLM, "--gen-cert", _FAKE_CERT_DIR, "--port-file", portf,
                "--log", self.log]
        if script is not None:
            if not isinstance(script, str):
                path = work.file("script.json")
                with open(path, "w") as f:
                    json.dump(script, f)
                script = path
            args += ["--script", script]
        self.stderr = open(work.file("fake_llm.stderr"), "w")
        self.proc = subprocess.Popen(args + list(extra), stderr=self.stderr,
                                     stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not (os.path.exists(portf) and os.path.getsize(portf) > 0):
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise TestFailure("fake_llm.py did not start: %s" %
                                  open(work.file("fake_llm.stderr")).read()[-1000:])
            time.sleep(0.02)
        self.port = int(open(portf).read())
        self.url = "https://127.0.0.1:%d" % self.port
        self.cafile = os.path.join(_FAKE_CERT_DIR, "cert.pem")

    def requests(self):
        out = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        return out

    def llm(self):
        return [r for r in self.requests()
                if r.get("endpoint", "").split(".")[0] in
                ("openai", "anthropic", "gemini", "ollama")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def need_python_module(name, package):
    """Skips the test when /usr/bin/python3 cannot import name (Debian package package)."""
    p = subprocess.run([PY, "-c", "import " + name], capture_output=True)
    if p.returncode != 0:
        raise Skip("%s needs the Python module %s (apt-get install %s)" % (name, name, package))


_NODE_SDKS = None


def node_sdks():
    """The directory holding node_modules/openai and node_modules/@anthropic-ai/sdk, installed
    from npm into .output/node-e2e on first use; Skip if node/npm or the install fail."""
    global _NODE_SDKS
    if _NODE_SDKS is not None:
        if isinstance(_NODE_SDKS, Skip):
            raise _NODE_SDKS
        return _NODE_SDKS
    mods = os.path.join(NODE_E2E, "node_modules")
    have = all(os.path.exists(os.path.join(mods, m, "package.json"))
               for m in ("openai", "@anthropic-ai/sdk"))
    reason = None
    if not have:
        if not os.path.exists("/usr/bin/node"):
            reason = "/usr/bin/node missing"
        else:
            try:
                os.makedirs(NODE_E2E, exist_ok=True)
                p = subprocess.run(["npm", "install", "--prefix", NODE_E2E, "--no-audit",
                                    "--no-fund", "--loglevel=error", "openai@6.49.0",
                                    "@anthropic-ai/sdk@1.12.0"], capture_output=True, timeout=300)
                if p.returncode != 0:
                    reason = "npm install openai @anthropic-ai/sdk failed: %s" % \
                        p.stderr.decode(errors="replace").strip()[-300:]
            except (OSError, subprocess.TimeoutExpired) as e:
                reason = "npm install openai @anthropic-ai/sdk failed: %s" % e
    if reason:
        _NODE_SDKS = Skip(reason)
        raise _NODE_SDKS
    _NODE_SDKS = NODE_E2E
    return NODE_E2E


def run_traced(work, cmd, extra=(), env=None, timeout=60, name="otlp"):
    """Runs COMMAND under the tracer with -o FILE --format tree; returns (CompletedProcess,
    path of the OTLP file). The traced command must exit 0."""
    out = work.file(name + ".jsonl")
    args = [TRACER, "-o", out, "--format", "tree"] + list(extra) + ["--"] + list(cmd)
    p = subprocess.run(args, capture_output=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise TestFailure("%s exited %d\nstdout: %s\nstderr: %s" %
                          (" ".join(args)[:300], p.returncode,
                           p.stdout.decode(errors="replace")[-2000:],
                           p.stderr.decode(errors="replace")[-2000:]))
    return p, out
