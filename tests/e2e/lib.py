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


PORT_FILE = "{port file}"


class Server:
    """A server process outside the tracer, on 127.0.0.1.

    cmd: its command line, in which PORT_FILE stands for the file it writes its port to once
    listening (its stderr goes to NAME.stderr in work). url: SCHEME://127.0.0.1:PORT;
    requests(): the lines of its JSON Lines log (log), if it keeps one. stop() ends it, as does
    leaving a with block."""

    def __init__(self, work, name, cmd, scheme="http", log=None, env=None, timeout=20):
        self.log = log
        portf = work.file(name + ".port")
        errf = work.file(name + ".stderr")
        with open(errf, "w") as err:
            self.proc = subprocess.Popen([portf if a == PORT_FILE else a for a in cmd],
                                         stdout=subprocess.DEVNULL, stderr=err, env=env)
        deadline = time.time() + timeout
        while not (os.path.exists(portf) and os.path.getsize(portf) > 0):
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise TestFailure("%s did not start: %s" % (name, open(errf).read()[-1000:]))
            time.sleep(0.02)
        self.port = int(open(portf).read())
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)

    def requests(self):
        if not self.log or not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class TlsServer(Server):
    """tests/e2e/tls_server.py: known bytes over TLS on 127.0.0.1."""

    def __init__(self, work):
        crt, key = cert(work)
        log = work.file("server.jsonl")
        super().__init__(work, "server", [PY, os.path.join(TOP, "tests/e2e/tls_server.py"),
                                          "--cert", crt, "--key", key, "--port-file",
                                          PORT_FILE, "--log", log],
                         scheme="https", log=log, timeout=10)

    def exchanges(self):
        """(request, response) bytes of each exchange, as on the wire."""
        return [(base64.b64decode(j["request"]), base64.b64decode(j["response"]))
                for j in self.requests()]


class JsonServer(Server):
    """tests/e2e/json_server.py over TLS on 127.0.0.1: routes is [(path suffix, document)],
    each request answered with the document of the first suffix its path ends in ("" matches
    every path)."""

    def __init__(self, work, name, routes):
        crt, key = cert(work)
        path = work.file(name + ".routes.json")
        with open(path, "w") as f:
            json.dump([[suffix, doc] for suffix, doc in routes], f)
        super().__init__(work, name, [PY, os.path.join(TOP, "tests/e2e/json_server.py"), crt,
                                      key, PORT_FILE, path], scheme="https")


def run_tracer(args, timeout=60, check_rc=True, env=None):
    """Runs tracetree-bpf with args; returns the CompletedProcess."""
    p = subprocess.run([TRACER] + args, capture_output=True, timeout=timeout, env=env)
    if check_rc and p.returncode != 0:
        raise TestFailure("tracetree-bpf %s exited %d: %s" %
                          (" ".join(args)[:200], p.returncode, p.stderr.decode()[-2000:]))
    return p


# HTTPS GET clients of a TlsServer URL (its certificate unchecked), by name:
# (their command line for the URL, the executable's name)
PY_GET = ("import ssl,sys,urllib.request;c=ssl._create_unverified_context();"
          "print(len(urllib.request.urlopen(sys.argv[1],context=c).read()))")
NODE_GET = ("const https=require('https');"
            "https.get(process.argv[1],{rejectUnauthorized:false},r=>{let n=0;"
            "r.on('data',d=>n+=d.length);r.on('end',()=>console.log(n))})"
            ".on('error',e=>{console.error(e);process.exit(1)})")
TLS_GET = {
    "curl": (lambda url: ["curl", "-sk", "--http1.1", url, "-o", "/dev/null"], "curl"),
    "python": (lambda url: [PY, "-c", PY_GET, url], "python3"),
    "node": (lambda url: ["node", "-e", NODE_GET, url], "node"),
}


def raw_with_server(work, cmd, args=(), timeout=60, env=None):
    """Runs the command cmd(server) under the tracer with --raw (and args) while a TlsServer
    answers it: (the raw records, the server's exchanges, the tracer's CompletedProcess)."""
    srv = TlsServer(work)
    try:
        out = work.file("raw.jsonl")
        p = run_tracer(["--raw=" + out] + list(args) + ["--"] + cmd(srv), timeout=timeout,
                       env=env)
        return read_raw(out), srv.exchanges(), p
    finally:
        srv.stop()


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


def check_one_conn(recs, pids, want_req, want_resp):
    """The processes pids made one connection, which carried want_req written and want_resp
    read: its pid and {direction: bytes}."""
    st = streams(recs)
    mine = {k: v for k, v in st.items() if k[0] in pids}
    conns = {(k[0], k[1]) for k in mine}
    eq(len(conns), 1, "one TLS connection of pids %s (streams: %s)" % (sorted(pids), list(st)))
    pid, conn = conns.pop()
    data = {d: mine.get((pid, conn, d)) for d in ("write", "read")}
    eq(data["write"], want_req, "request bytes (write direction)")
    eq(data["read"], want_resp, "response bytes (read direction)")
    return pid, data


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


class FakeLLM(Server):
    """tools/fake_llm.py on 127.0.0.1 with its request log, over TLS or (tls=False) not.

    url: https://127.0.0.1:PORT; cafile: its self-signed certificate (CA:TRUE, for --cafile,
    NODE_EXTRA_CA_CERTS, SSL_CERT_FILE); requests(): the parsed log lines; llm(): only the LLM
    API requests (not /tool/fetch, /health...)."""

    def __init__(self, work, script=None, extra=(), tls=True):
        global _FAKE_CERT_DIR
        args = [PY, FAKE_LLM, "--port-file", PORT_FILE, "--log", work.file("fake_llm.jsonl")]
        if tls:
            if _FAKE_CERT_DIR is None:   # one certificate per run: openssl takes a while
                _FAKE_CERT_DIR = tempfile.mkdtemp(prefix="tt-fake-cert-")
            args += ["--gen-cert", _FAKE_CERT_DIR]
            self.cafile = os.path.join(_FAKE_CERT_DIR, "cert.pem")
        if script is not None:
            if not isinstance(script, str):
                path = work.file("script.json")
                with open(path, "w") as f:
                    json.dump(script, f)
                script = path
            args += ["--script", script]
        super().__init__(work, "fake_llm", args + list(extra), scheme="https" if tls else "http",
                         log=work.file("fake_llm.jsonl"))

    def llm(self):
        return [r for r in self.requests()
                if r.get("endpoint", "").split(".")[0] in
                ("openai", "anthropic", "gemini", "ollama")]


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
