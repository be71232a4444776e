# SPDX-License-Identifier: MIT
"""Every connection-derived attribute of a span is the call's own connection's: a client with
two TLS connections open at once to two servers (HTTP/2 to tests/e2e/h2_server.mjs, HTTP/1.1 to
tools/fake_llm.py), calls in flight on both, each call's model naming its connection ("h2-N",
"h1-N"): every chat span has the port of the server that answered it. Go (net/http over
crypto/tls, tests/e2e/helpers/go/twoconns.go) and node (http2 and https). And Go making one
call per connection, closed in turn (twoconns -churn): a new connection under a closed one's
*tls.Conn address is a connection of its own.

And what cannot be read is still shown, also with --all: a client whose TLS the tracer cannot
see into (tls_hello of test_unsupported_tls.py) talking to this host is exported with its
process span and its `TLS <sni>` span, while a curl of the same server (read, no LLM call) is
not; and Codex, whose rustls the tracer is not told how to read (an empty --tls-db), started
outside the tracer, shows with its connections to the fake API and the tool it ran."""
import os
import shutil
import signal
import subprocess

import otlp
from lib import (FakeLLM, Skip, TestFailure, TOP, TRACER, Workdir, check, eq, run_traced)
from test_capture import wait_ready
from test_http2 import H2Server
from test_unsupported_tls import (HELLOS, SNI, TOOL_MARK, cert_chain, check_unsupported,
                                  codex_bin, codex_env, codex_tool_script, helper, tls_spans)

KEY = "sk-test-connattrs-0123456789abcdef"
ROUNDS = 3

_GO = {}


def go_helper(name):
    """tests/e2e/helpers/go/NAME.go built with Debian's go (once per run)."""
    if name in _GO:
        return _GO[name]
    go = shutil.which("go") or ("/usr/lib/go/bin/go" if os.path.exists("/usr/lib/go/bin/go")
                                else None)
    if not go:
        raise Skip("go not installed (Debian golang-go; make deps)")
    work = Workdir()
    out = work.file(name)
    env = dict(os.environ, GOCACHE=work.file("gocache"), GOPATH=work.file("gopath"),
               GO111MODULE="off", CGO_ENABLED="0")
    p = subprocess.run([go, "build", "-o", out,
                        os.path.join(TOP, "tests/e2e/helpers/go/%s.go" % name)],
                       env=env, capture_output=True, timeout=300)
    if p.returncode:
        raise TestFailure("go build: %s" % p.stderr.decode()[-2000:])
    _GO[name] = out
    return out


NODE_TWO = r"""
// node: HTTP/2 (http2.connect) to argv[1] and HTTP/1.1 (https, one keep-alive socket) to
// argv[2], calls on both at once; each call's model names its connection
const http2 = require('http2');
const https = require('https');
const [h2url, h1url, key, rounds] = process.argv.slice(1);
const s = http2.connect(h2url, { rejectUnauthorized: false });
s.on('error', (e) => { console.error(e); process.exit(1); });
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
const body = (model, stream) => JSON.stringify({ model, stream,
	messages: [{ role: 'user', content: 'which connection carried ' + model }],
	stream_options: stream ? { include_usage: true } : undefined });
function h2call(model, stream) {
	return new Promise((res, rej) => {
		const r = s.request({ ':method': 'POST', ':path': '/v1/chat/completions',
				      'content-type': 'application/json',
				      authorization: 'Bearer ' + key });
		let n = 0;
		r.on('data', (d) => { n += d.length; });
		r.on('end', () => res(model + ' h2 ' + n));
		r.on('error', rej);
		r.end(body(model, stream));
	});
}
function h1call(model, stream) {
	return new Promise((res, rej) => {
		const u = new URL(h1url + '/v1/chat/completions');
		const r = https.request(u, { method: 'POST', agent, rejectUnauthorized: false,
			headers: { 'content-type': 'application/json',
				   authorization: 'Bearer ' + key } }, (resp) => {
			let n = 0;
			resp.on('data', (d) => { n += d.length; });
			resp.on('end', () => res(model + ' h1 ' + n));
		});
		r.on('error', rej);
		r.end(body(model, stream));
	});
}
(async () => {
	console.log((await Promise.all([h2call('h2-first', false),
					h1call('h1-first', false)])).join('\n'));
	for (let i = 0; i < Number(rounds); i++)
		console.log((await Promise.all([h2call('h2-' + 2 * i, true),
			h1call('h1-' + 2 * i, true), h2call('h2-' + (2 * i + 1), false),
			h1call('h1-' + (2 * i + 1), false)])).join('\n'));
	s.close();
	agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def two_servers(cmd, want=None):
    """Runs cmd(h2_url, h1_url) under the tracer with both servers up; checks every chat span
    against the server that answered its call (want: the models' suffixes, default those of
    ROUNDS rounds of twoconns)."""
    work = Workdir()
    h2 = H2Server(work)
    try:
        with FakeLLM(work) as h1:
            _, out = run_traced(work, cmd(h2.url, h1.url), timeout=120,
                                extra=["--record", work.file("capture.ttcap")])
            h1_models = [(r.get("body") or {}).get("model") for r in h1.llm()]
        h2_models = [r["model"] for r in h2.requests()]
    finally:
        h2.stop()
    if want is None:
        want = (["h2-first"] + ["h2-%d" % i for i in range(2 * ROUNDS)],
                ["h1-first"] + ["h1-%d" % i for i in range(2 * ROUNDS)])
    eq(sorted(h2_models), sorted(want[0]), "models the HTTP/2 server answered")
    eq(sorted(h1_models), sorted(want[1]), "models the HTTP/1.1 server answered")
    print("  %s: ports h2 %d, h1 %d" % (work.path, h2.port, h1.port))
    t = otlp.load(out)
    chats = [s for s in t.spans if s.get("gen_ai.request.model") in h2_models + h1_models]
    eq(len(chats), len(h2_models) + len(h1_models), "one chat span per call (spans: %s)" %
       sorted(s.name for s in t.spans))
    for s in chats:
        model = s.get("gen_ai.request.model")
        port = h2.port if model.startswith("h2-") else h1.port
        what = "chat %s (%s)" % (model, "HTTP/2" if model.startswith("h2-") else "HTTP/1.1")
        eq(s.get("server.address"), "127.0.0.1", what + ": server.address")
        eq(s.get("server.port"), port, what + ": server.port")
    check(KEY not in open(out).read(), "the API key never leaves the tracer")
    return t, chats


def test_go_h2_and_h1_two_ports():
    client = go_helper("twoconns")
    two_servers(lambda h2, h1: [client, h2, h1, KEY, str(ROUNDS)])


CHURN = 12


def test_go_connection_after_connection():
    """One call per connection, each closed before the next, HTTP/2 and HTTP/1.1 in turn: a
    new connection whose *tls.Conn has the address of a closed one is a connection of its
    own, with its own protocol and server."""
    client = go_helper("twoconns")
    two_servers(lambda h2, h1: [client, "-churn", h2, h1, KEY, str(CHURN)],
                (["h2-%d" % i for i in range(0, CHURN, 2)],
                 ["h1-%d" % i for i in range(1, CHURN, 2)]))


def test_node_h2_and_h1_two_ports():
    if not os.path.exists("/usr/bin/node"):
        raise Skip("/usr/bin/node missing")
    two_servers(lambda h2, h1: ["/usr/bin/node", "-e", NODE_TWO, h2, h1, KEY, str(ROUNDS)])


def run_all(work, out, fn, args=()):
    """Runs fn() while the tracer runs with --all (and args), writing OTLP to out; returns what
    fn returned once the tracer has flushed and exited."""
    tr = subprocess.Popen([TRACER, "-v", "-o", out, "--format", "none", "--all",
                           "--duration", "120"] + list(args), stderr=subprocess.PIPE)
    try:
        wait_ready(tr)
        got = fn()
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(30), 0, "tracer exit code after SIGINT")
        return got
    finally:
        if tr.poll() is None:
            tr.kill()
            tr.wait()


def test_all_mode_shows_unreadable_client():
    """--all exports no tree without an LLM call, except one whose TLS to an LLM API or to this
    host could not be read: the agent the tracer cannot see into is still visible."""
    work = Workdir()
    out = work.file("all.jsonl")
    hello = helper()

    def clients():
        p = subprocess.run([hello, str(fake.port), os.path.join(HELLOS, "curl.bin")],
                           capture_output=True, timeout=20)
        eq(p.returncode, 0, "tls_hello exit code")
        subprocess.run(["curl", "-sk", "--http1.1", fake.url + "/health", "-o", "/dev/null"],
                       check=True, timeout=20)

    with FakeLLM(work) as fake:
        run_all(work, out, clients)
    t = otlp.load(out)
    proc = t.one("exec tls_hello")
    s = t.one("TLS " + SNI)
    check_unsupported(s, "tls_hello under --all")
    eq(t.parent(s), proc, "the TLS span under its process span")
    eq(s.trace_id, proc.trace_id, "one trace")
    eq(proc.parent_id, "", "the process is the root of its trace")
    eq(proc.get("process.exit.code"), 0, "its exit code")
    eq(s.get("server.port"), fake.port, "server.port")
    curls = [c for c in t.named("exec curl") if str(fake.port) in
             str(c.resource.get("process.command_args"))]
    eq(curls, [], "a curl whose TLS is read and that made no LLM call is not exported")


def test_all_mode_shows_unreadable_codex():
    codex = codex_bin()
    ca, crt, key = cert_chain()
    work = Workdir()
    out = work.file("all.jsonl")
    nodb = work.file("empty-tls-targets.conf")
    open(nodb, "w").close()
    with FakeLLM(work, script=codex_tool_script(TOOL_MARK),
                 extra=["--cert", crt, "--key", key]) as fake:
        env = codex_env(work, fake.url, ca)
        p = run_all(work, out, lambda: subprocess.run(
            [codex, "exec", "--skip-git-repo-check", "--sandbox", "danger-full-access",
             "Run echo " + TOOL_MARK], env=env, capture_output=True, timeout=120),
            ["--tls-db", nodb])
        llm = fake.llm()
    check(len(llm) >= 2, "Codex made its two model requests (got %d): %s" %
          (len(llm), p.stderr.decode(errors="replace")[-1500:]))
    t = otlp.load(out)
    native = [s for s in t.spans if s.name == "exec codex" and
              "vendor" in (s.resource.get("process.executable.path") or "")]
    eq(len(native), 1, "the native codex binary's span:\n" + t.dump())
    cx = native[0]
    conns = [s for s in tls_spans(t, cx.get("process.pid"))
             if s.get("network.peer.port") == fake.port]
    check(conns, "TLS connection spans of codex to the fake API:\n" + t.dump())
    for s in conns:
        eq(s.get("tracetree.capture"), "unsupported", "tracetree.capture")
        eq(t.parent(s), cx, "under the codex span")
    tool = [s for s in t.spans if s.name.startswith("exec ") and
            any(a.startswith("echo ") and TOOL_MARK in a
                for a in s.resource.get("process.command_args") or [])]
    check(tool, "the tool's process (echo %s):\n%s" % (TOOL_MARK, t.dump()))
    check(cx in t.ancestors(tool[0]), "the tool's process descends from codex:\n" + t.dump())
