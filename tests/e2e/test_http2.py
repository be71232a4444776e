# SPDX-License-Identifier: MIT
"""HTTP/2 over TLS: curl --http2 and node's http2 client (two streams on one connection) against
tests/e2e/h2_server.mjs, a fake OpenAI chat completions API; the chat spans carry the model and
token counts the server sent."""
import json
import os
import subprocess
import time

import otlp
from lib import TOP, Skip, TestFailure, Workdir, cert, check, eq, run_traced

NODE = "/usr/bin/node"
KEY = "sk-test-h2-0123456789abcdef"


class H2Server:
    def __init__(self, work, plain=False, chain=None):
        if not os.path.exists(NODE):
            raise Skip("/usr/bin/node missing")
        crt, key = chain or cert(work)
        self.log = work.file("h2_server.jsonl")
        portf = work.file("h2_server.port")
        self.stderr = open(work.file("h2_server.stderr"), "w")
        tls = ["--plain", "1"] if plain else ["--cert", crt, "--key", key]
        self.proc = subprocess.Popen([NODE, os.path.join(TOP, "tests/e2e/h2_server.mjs")] +
                                     tls + ["--port-file", portf, "--log", self.log],
                                     stderr=self.stderr, stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(portf):
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise TestFailure("h2_server.mjs did not start: %s" %
                                  open(work.file("h2_server.stderr")).read()[-1000:])
            time.sleep(0.02)
        self.port = int(open(portf).read())
        self.url = "%s://127.0.0.1:%d" % ("http" if plain else "https", self.port)

    def requests(self):
        if not os.path.exists(self.log):
            return []
        return [json.loads(line) for line in open(self.log) if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def load(path):
    try:
        return otlp.load(path)
    except otlp.OtlpError as e:
        raise TestFailure("OTLP file %s: %s" % (path, e))


def check_chat(t, req, port):
    """The chat span of the server's log line req."""
    spans = [s for s in t.named("chat " + req["model"])
             if s.get("gen_ai.response.id") == req["id"]]
    eq(len(spans), 1, "one chat %s span with response id %s (spans: %s)" %
       (req["model"], req["id"], [s.name for s in t.spans]))
    s = spans[0]
    want = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": req["model"],
        "gen_ai.response.model": req["model"],
        "gen_ai.usage.input_tokens": req["usage"]["prompt_tokens"],
        "gen_ai.usage.output_tokens": req["usage"]["completion_tokens"],
        "gen_ai.response.finish_reasons": ["stop"],
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
    }
    for k, v in want.items():
        eq(s.get(k), v, "chat span %s: %s" % (req["id"], k))
    eq(s.status_code, 0, "chat span status unset")
    return s


def no_secrets(path):
    data = open(path).read()
    check(KEY not in data, "the API key never leaves the tracer")


def curl_chat(stream):
    work = Workdir()
    srv = H2Server(work)
    body = {"model": "gpt-4o", "stream": stream,
            "messages": [{"role": "user", "content": "hi over h2"}]}
    if stream:
        body["stream_options"] = {"include_usage": True}
    try:
        _, out = run_traced(work, ["curl", "--http2", "-sk", "-o", "/dev/null",
                                   "-H", "content-type: application/json",
                                   "-H", "authorization: Bearer " + KEY,
                                   srv.url + "/v1/chat/completions", "-d", json.dumps(body)])
        reqs = srv.requests()
    finally:
        srv.stop()
    eq(len(reqs), 1, "the server answered one request")
    eq(reqs[0]["stream"], stream, "stream as asked")
    t = load(out)
    s = check_chat(t, reqs[0], srv.port)
    eq(s.get("gen_ai.request.stream"), stream, "gen_ai.request.stream")
    no_secrets(out)


def test_curl_http2_stream():
    curl_chat(True)


def test_curl_http2_json():
    curl_chat(False)


NODE_MUX = r"""
const http2 = require('http2');
const s = http2.connect(process.argv[1], { rejectUnauthorized: false });
s.on('error', (e) => { console.error(e); process.exit(1); });
function call(model, stream) {
	return new Promise((res, rej) => {
		const body = JSON.stringify({ model, stream,
			messages: [{ role: 'user', content: model }],
			stream_options: stream ? { include_usage: true } : undefined });
		const r = s.request({ ':method': 'POST', ':path': '/v1/chat/completions',
				      'content-type': 'application/json',
				      authorization: 'Bearer ' + process.argv[2] });
		let n = 0;
		r.on('data', (d) => { n += d.length; });
		r.on('end', () => res(n));
		r.on('error', rej);
		r.end(body);
	});
}
Promise.all([call('gpt-4o', true), call('gpt-4o-mini', false)])
	.then((n) => { console.log(n.join(' ')); s.close(); })
	.catch((e) => { console.error(e); process.exit(1); });
"""


def test_node_http2_multiplexed():
    """Two calls at once on one HTTP/2 connection: a streaming one and a JSON one."""
    work = Workdir()
    srv = H2Server(work)
    try:
        _, out = run_traced(work, [NODE, "-e", NODE_MUX, srv.url, KEY])
        reqs = srv.requests()
    finally:
        srv.stop()
    eq(len(reqs), 2, "the server answered two requests")
    eq(sorted(r["h2_stream"] for r in reqs), [1, 3], "streams 1 and 3 of one connection")
    t = load(out)
    for r in reqs:
        s = check_chat(t, r, srv.port)
        eq(s.get("gen_ai.request.stream"), r["stream"], "gen_ai.request.stream")
    no_secrets(out)


def test_go_http2_client():
    """Go's net/http negotiates h2 with a TLS server offering it: three calls (two at once on
    one connection) through the Go crypto/tls probes and the HTTP/2 decoder."""
    import shutil
    go = shutil.which("go") or ("/usr/lib/go/bin/go" if os.path.exists("/usr/lib/go/bin/go")
                                else None)
    if not go:
        raise Skip("go not installed (Debian golang-go; make deps)")
    work = Workdir()
    client = work.file("h2chat")
    env = dict(os.environ, GOCACHE=work.file("gocache"), GOPATH=work.file("gopath"),
               GO111MODULE="off", CGO_ENABLED="0")
    p = subprocess.run([go, "build", "-o", client,
                        os.path.join(TOP, "tests/e2e/helpers/go/h2chat.go")],
                       env=env, capture_output=True, timeout=300)
    if p.returncode:
        raise TestFailure("go build: %s" % p.stderr.decode()[-2000:])
    srv = H2Server(work)
    try:
        _, out = run_traced(work, [client, srv.url, KEY])
        reqs = srv.requests()
    finally:
        srv.stop()
    eq(len(reqs), 3, "the server answered three requests")
    t = load(out)
    for r in reqs:
        s = check_chat(t, r, srv.port)
        eq(s.get("gen_ai.request.stream"), r["stream"], "gen_ai.request.stream")
    no_secrets(out)


def test_curl_h2c_prior_knowledge():
    """h2c: HTTP/2 without TLS (prior knowledge), captured from the socket syscalls."""
    work = Workdir()
    srv = H2Server(work, plain=True)
    body = {"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "hi over h2c"}]}
    try:
        _, out = run_traced(work, ["curl", "--http2-prior-knowledge", "-s", "-o", "/dev/null",
                                   "-H", "content-type: application/json",
                                   "-H", "authorization: Bearer " + KEY,
                                   srv.url + "/v1/chat/completions", "-d", json.dumps(body)])
        reqs = srv.requests()
    finally:
        srv.stop()
    eq(len(reqs), 1, "the server answered one request")
    t = load(out)
    s = check_chat(t, reqs[0], srv.port)
    eq(s.get("gen_ai.request.stream"), True, "gen_ai.request.stream")
    no_secrets(out)
