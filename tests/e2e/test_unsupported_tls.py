# SPDX-License-Identifier: MIT
"""TLS connections whose plaintext cannot be captured still show up: a span per connection,
`TLS <sni or peer>`, with the peer, the SNI of the ClientHello, byte counts and
tracetree.capture=unsupported (bpf/sock.bpf.c, src/linker_tls.c).

- tls_hello (tests/e2e/helpers/tls/tls_hello.c): a client that sends a recorded ClientHello, no
  TLS library at all, so nothing can be probed; always available.
- Codex (npm @openai/codex, a stripped static rustls binary) running `codex exec` against the
  fake LLM server with a Responses API provider, from $TT_NPM_DIR/codex (make npm-deps), with
  an empty --tls-db: without its signatures (tests/e2e/test_rustls.py has it captured) it
  stands for a real agent whose TLS stack the tracer does not know.
- curl, whose TLS is captured: no such span."""
import json
import os
import subprocess
import tempfile

import otlp
from lib import TOP, FakeLLM, Skip, TestFailure, Workdir, check, eq, run_traced

NPM_DIR = os.environ.get("TT_NPM_DIR") or os.path.join(TOP, ".output", "npm")
HELLOS = os.path.join(TOP, "tests/fixtures/tls")
SNI = "llm.example.test"        # the server name in the recorded hellos

_HELPER = None
_CHAIN = None


def helper():
    """tests/e2e/helpers/tls/tls_hello.c, compiled once per run (like the Go helpers)."""
    global _HELPER
    if _HELPER:
        return _HELPER
    src = os.path.join(TOP, "tests/e2e/helpers/tls/tls_hello.c")
    out = os.path.join(tempfile.mkdtemp(prefix="tt-helper-"), "tls_hello")
    p = subprocess.run(["cc", "-O2", "-Wall", "-o", out, src], capture_output=True)
    if p.returncode != 0:
        raise Skip("cannot compile tests/e2e/helpers/tls/tls_hello.c: %s" %
                   p.stderr.decode(errors="replace")[-300:])
    _HELPER = out
    return out


def cert_chain():
    """A CA and a server certificate it signed, for 127.0.0.1 and localhost. rustls (webpki)
    refuses the fake server's own self-signed CA:TRUE certificate as a server certificate
    (CaUsedAsEndEntity), so Codex gets a proper chain. Returns (ca, cert, key)."""
    global _CHAIN
    if _CHAIN:
        return _CHAIN
    d = tempfile.mkdtemp(prefix="tt-chain-")
    f = lambda n: os.path.join(d, n)  # noqa: E731
    with open(f("ext.cnf"), "w") as e:
        e.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    for cmd in (["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=tracetree test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("leaf.key"),
                 "-out", f("leaf.csr"), "-subj", "/CN=localhost"],
                ["openssl", "x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.pem"), "-CAkey",
                 f("ca.key"), "-CAcreateserial", "-out", f("leaf.pem"), "-days", "2",
                 "-extfile", f("ext.cnf")]):
        subprocess.run(cmd, check=True, capture_output=True)
    _CHAIN = (f("ca.pem"), f("leaf.pem"), f("leaf.key"))
    return _CHAIN


def tls_spans(t, pid=None):
    return [s for s in t.prefixed("TLS ") if pid is None or s.get("process.pid") == pid]


def check_unsupported(s, what):
    eq(s.kind, 3, "%s: CLIENT span" % what)
    eq(s.get("tracetree.capture"), "unsupported", "%s: tracetree.capture" % what)
    check("tracetree-bpf doctor" in (s.get("tracetree.capture.reason") or ""),
          "%s: the reason points to doctor: %r" % (what, s.get("tracetree.capture.reason")))
    eq(s.get("network.peer.address"), "127.0.0.1", "%s: network.peer.address" % what)
    eq(s.get("network.transport"), "tcp", "%s: network.transport" % what)


def run_hello(keep_open):
    w = Workdir()
    with FakeLLM(w) as fake:
        cmd = [helper(), str(fake.port), os.path.join(HELLOS, "curl.bin")]
        if keep_open:
            cmd.append("--keep-open")
        p, out = run_traced(w, cmd)
    t = otlp.load(out)
    proc = t.one("exec tls_hello")
    s = t.one("TLS " + SNI)
    check_unsupported(s, "tls_hello")
    eq(t.parent(s), proc, "under the process span")
    eq(s.get("server.address"), SNI, "server.address is the SNI")
    eq(s.get("tls.client.server_name"), SNI, "tls.client.server_name")
    eq(s.get("server.port"), fake.port, "server.port")
    eq(s.get("network.peer.port"), fake.port, "network.peer.port")
    eq(s.get("tracetree.tls.alpn"), "h2,http/1.1", "ALPN curl offered")
    sent, got = _counts(p.stdout.decode())
    eq(s.get("tracetree.tls.bytes_sent"), sent, "bytes sent")
    eq(s.get("tracetree.tls.bytes_received"), got, "bytes received")
    check(got > 0, "the server answered")
    check(proc.start <= s.start <= s.end <= proc.end, "inside the process's lifetime")
    check(s.get("tracetree.incomplete") is None, "complete")


def _counts(stdout):
    """'sent N received M' printed by tls_hello (the tree view is printed too)."""
    for line in stdout.splitlines():
        if line.startswith("sent "):
            f = line.split()
            return int(f[1]), int(f[3])
    raise TestFailure("tls_hello printed no counts: %r" % stdout[-500:])


def test_hello_client_closes():
    run_hello(False)


def test_hello_client_exits_with_socket_open():
    """No close(): the counts come from exit_group()."""
    run_hello(True)


def test_captured_client_has_no_tls_span():
    """curl's OpenSSL is probed: its connection is an HTTP span, never `TLS ...`."""
    w = Workdir()
    with FakeLLM(w) as fake:
        _, out = run_traced(w, ["curl", "-s", "--cacert", fake.cafile, fake.url + "/health"])
    t = otlp.load(out)
    t.one("exec curl")
    check(t.named("GET"), "the HTTP span of the captured request:\n" + t.dump())
    eq(tls_spans(t), [], "no TLS connection spans for a captured process")


# ---- Codex ------------------------------------------------------------------------------------

CODEX_PIN = "@openai/codex@0.169.0"
TOOL_MARK = "tt-codex-tool-ran"


def codex_bin():
    p = os.path.join(NPM_DIR, "codex", "node_modules", ".bin", "codex")
    if not os.path.exists(p):
        raise Skip("Codex not installed (npm %s under %s/codex; make npm-deps)" %
                   (CODEX_PIN, NPM_DIR))
    return p


def codex_home(w, url):
    """A HOME whose ~/.codex/config.toml points a Responses API provider at the fake server."""
    home = w.file("home")
    os.makedirs(os.path.join(home, ".codex"))
    with open(os.path.join(home, ".codex", "config.toml"), "w") as f:
        f.write('model = "gpt-test"\n'
                'model_provider = "fake"\n'
                '[model_providers.fake]\n'
                'name = "fake"\n'
                'base_url = "%s/v1"\n'
                'env_key = "TT_FAKE_KEY"\n'
                'wire_api = "responses"\n'
                'request_max_retries = 0\n'
                'stream_max_retries = 0\n' % url)
    return home


def codex_env(w, url, ca, key="sk-test-dummy"):
    """The environment of a Codex run against the fake server at url (its CA trusted)."""
    home = codex_home(w, url)
    env = dict(os.environ, HOME=home, CODEX_HOME=os.path.join(home, ".codex"),
               TT_FAKE_KEY=key, SSL_CERT_FILE=ca, NO_COLOR="1")
    for k in ("OPENAI_API_KEY", "CODEX_API_KEY", "OPENAI_BASE_URL"):
        env.pop(k, None)
    return env


def codex_tool_script(mark):
    """A fake-server script: one exec_command call printing mark, then a text answer."""
    return {"steps": [{"tool_calls": [{"name": "exec_command",
                                       "arguments": {"cmd": "echo " + mark}}]},
                      {"text": "The command printed: {result}"}]}


def test_codex_exec():
    codex = codex_bin()
    ca, crt, key = cert_chain()
    w = Workdir()
    script = codex_tool_script(TOOL_MARK)
    with FakeLLM(w, script=script, extra=["--cert", crt, "--key", key]) as fake:
        env = codex_env(w, fake.url, ca)
        nodb = w.file("empty-tls-targets.conf")
        open(nodb, "w").close()
        p, out = run_traced(w, [codex, "exec", "--skip-git-repo-check", "--sandbox",
                                "danger-full-access", "Run echo " + TOOL_MARK],
                            extra=["--tls-db", nodb], env=env, timeout=120)
        llm = fake.llm()
    check(len(llm) >= 2, "Codex made its two model requests (got %d): %s" %
          (len(llm), p.stderr.decode(errors="replace")[-1500:]))
    check(any(TOOL_MARK in json.dumps(r.get("body")) for r in llm[1:]),
          "the second request carries the tool's output")
    t = otlp.load(out)
    procs = [s for s in t.spans if s.name in ("exec codex", "invoke_agent codex")]
    check(procs, "the codex process span:\n" + t.dump())
    native = [s for s in procs if "vendor" in (s.resource.get("process.executable.path") or "")]
    check(native, "the native codex binary's span:\n" + t.dump())
    cx = native[0]
    pid = cx.get("process.pid")
    # the command the model asked for (bash -c "echo MARK"), not the codex and node processes
    # whose prompt argument ("Run echo MARK") carries the mark too: which of them comes first
    # in the export depends on when each ended
    tool = [s for s in t.spans if s.name.startswith("exec ") and
            any(a.startswith("echo ") and TOOL_MARK in a
                for a in s.resource.get("process.command_args") or [])]
    check(tool, "the tool's process (echo %s):\n%s" % (TOOL_MARK, t.dump()))
    check(cx in t.ancestors(tool[0]), "the tool's process descends from codex:\n" + t.dump())
    conns = [s for s in tls_spans(t, pid) if s.get("network.peer.port") == fake.port]
    check(conns, "TLS connection spans of codex to the fake server:\n" + t.dump())
    for s in conns:
        check_unsupported(s, s.name)
        # an IP address in base_url: rustls sends no SNI, the span is named by the peer
        eq(s.name, "TLS 127.0.0.1", "named by the peer")
        eq(s.get("server.port"), fake.port, "server.port")
        eq(t.parent(s), cx, "under the codex process span")
        check(cx.resource.get("process.executable.path") in s.get("tracetree.capture.reason"),
              "the reason names the executable")
    check(sum(s.get("tracetree.tls.bytes_sent") or 0 for s in conns) > 2000,
          "request bytes counted: %r" % [s.attrs for s in conns])
    check(sum(s.get("tracetree.tls.bytes_received") or 0 for s in conns) > 2000,
          "response bytes counted: %r" % [s.attrs for s in conns])
