# SPDX-License-Identifier: MIT
"""HTTP/2 over TLS: curl --http2 and node's http2 client (two streams on one connection) against
tests/e2e/h2_server.mjs, a fake OpenAI chat completions API; the chat spans carry the model and
token counts the server sent."""
import json
import os
import subprocess

import otlp
from lib import PORT_FILE, TOP, Server, Skip, TestFailure, Workdir, cert, check, eq, run_traced

NODE = "/usr/bin/node"
KEY = "sk-test-h2-0123456789abcdef"


class H2Server(Server):
    """tests/e2e/h2_server.mjs: a fake chat completions API over HTTP/2, TLS or (plain) h2c."""

    def __init__(self, work, plain=False, chain=None):
        if not os.path.exists(NODE):
            raise Skip("/usr/bin/node missing")
        crt, key = chain or cert(work)
        log = work.file("h2_server.jsonl")
        tls = ["--plain", "1"] if plain else ["--cert", crt, "--key", key]
        super().__init__(work, "h2_server", [NODE, os.path.join(TOP, "tests/e2e/h2_server.mjs")] +
                         tls + ["--port-file", PORT_FILE, "--log", log],
                         scheme="http" if plain else "https", log=log, timeout=10)


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


def traced_chats(work, cmd, n, plain=False):
    """Runs cmd(url) under the tracer against an H2Server: it answered n requests, each has its
    chat span (check_chat, streaming as asked), the API key is nowhere in the output. Returns
    the requests the server logged."""
    srv = H2Server(work, plain=plain)
    try:
        _, out = run_traced(work, cmd(srv.url))
        reqs = srv.requests()
    finally:
        srv.stop()
    eq(len(reqs), n, "the server answered %d requests" % n)
    t = load(out)
    for r in reqs:
        s = check_chat(t, r, srv.port)
        eq(s.get("gen_ai.request.stream"), r["stream"], "gen_ai.request.stream")
    no_secrets(out)
    return reqs


def curl_chat_cmd(opts, body):
    """cmd(url) of traced_chats: curl, with options opts, posting body to /v1/chat/completions."""
    return lambda url: ["curl"] + opts + ["-o", "/dev/null",
                                          "-H", "content-type: application/json",
                                          "-H", "authorization: Bearer " + KEY,
                                          url + "/v1/chat/completions", "-d", json.dumps(body)]


def curl_chat(stream):
    body = {"model": "gpt-4o", "stream": stream,
            "messages": [{"role": "user", "content": "hi over h2"}]}
    if stream:
        body["stream_options"] = {"include_usage": True}
    reqs = traced_chats(Workdir(), curl_chat_cmd(["--http2", "-sk"], body), 1)
    eq(reqs[0]["stream"], stream, "stream as asked")


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
    reqs = traced_chats(Workdir(), lambda url: [NODE, "-e", NODE_MUX, url, KEY], 2)
    eq(sorted(r["h2_stream"] for r in reqs), [1, 3], "streams 1 and 3 of one connection")


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
    traced_chats(work, lambda url: [client, url, KEY], 3)


def test_curl_h2c_prior_knowledge():
    """h2c: HTTP/2 without TLS (prior knowledge), captured from the socket syscalls."""
    body = {"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "hi over h2c"}]}
    reqs = traced_chats(Workdir(), curl_chat_cmd(["--http2-prior-knowledge", "-s"], body), 1,
                        plain=True)
    eq(reqs[0]["stream"], True, "stream as asked")
