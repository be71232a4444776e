# SPDX-License-Identifier: MIT
"""Plaintext HTTP from the socket syscalls: Ollama-style calls over plain HTTP, an agent service
receiving requests (SERVER spans), MCP over streamable HTTP, and TLS captured exactly once."""
import json
import os
import subprocess
import time

import otlp
from lib import (AGENTS, PORT_FILE, PY, TOP, TRACER, FakeLLM, Server, Skip, TestFailure, Workdir,
                 by_type, check, eq, raw_with_server, read_raw, streams)

# the Makefile's npm-deps installs @modelcontextprotocol/sdk into $TT_NPM_DIR/mcp
NPM_DIR = os.environ.get("TT_NPM_DIR") or os.path.join(TOP, ".output", "npm")
MCP_NODE_MODULES = os.path.join(NPM_DIR, "mcp", "node_modules")


def fake_llm(work, script=None):
    """tools/fake_llm.py on plain HTTP (Ollama /api/chat, /api/generate, OpenAI ...)."""
    return FakeLLM(work, script, tls=False)


def traced(work, cmd, env=None, timeout=60):
    """Runs cmd under the tracer with --raw and -o; returns (stdout, raw records, spans)."""
    raw, out = work.file("raw.jsonl"), work.file("otlp.jsonl")
    p = subprocess.run([TRACER, "--raw=" + raw, "-o", out, "--format", "otlp-json", "--"] + cmd,
                       capture_output=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise TestFailure("tracer exited %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    return p.stdout, read_raw(raw), otlp.load(out)


def llm_tokens(fake, endpoint_prefix):
    """(input, output) tokens of each request the fake served, in order."""
    out = []
    for r in fake.requests():
        if r.get("endpoint", "").startswith(endpoint_prefix):
            u = r["response"]["usage"]
            out.append((u["input_tokens"], u["output_tokens"]))
    return out


def check_plain_streams(recs, pid, want_conns):
    """Socket records of pid: contiguous, untruncated, one HTTP request and response each."""
    data = [r for r in by_type(recs, "data") if r["pid"] == pid]
    check(data, "data records of pid %d" % pid)
    eq({r["src"] for r in data}, {"sock"}, "plaintext goes through the socket path")
    st = streams(data)
    eq(len({k[1] for k in st}), want_conns, "connections of pid %d" % pid)
    for (p, conn, d), b in st.items():
        check(b.startswith(b"HTTP/1.1 " if d == "read" else b"POST "),
              "%s %s stream starts an HTTP message: %r" % (conn, d, b[:40]))
    socks = [r for r in by_type(recs, "sock") if r["pid"] == pid]
    eq(sorted(r["conn"] for r in socks), sorted({k[1] for k in st}), "one sock record each")
    return socks


def test_ollama_curl():
    work = Workdir()
    srv = fake_llm(work)
    try:
        body = json.dumps({"model": "llama3.2", "stream": False,
                           "messages": [{"role": "user", "content": "why is the sky blue"}]})
        out, recs, t = traced(work, ["curl", "-s", srv.url + "/api/chat", "-d", body])
    finally:
        srv.stop()
    resp = json.loads(out)
    pid = t.one("invoke_agent curl").resource["process.pid"]
    socks = check_plain_streams(recs, pid, 1)
    eq((socks[0]["addr"], socks[0]["port"]), ("127.0.0.1", srv.port), "peer of the socket")
    agent = t.one("invoke_agent curl")
    chat = t.one("chat llama3.2")
    eq(chat.parent_id, agent.span_id, "chat under the agent")
    eq(chat.kind, 3, "CLIENT")
    eq(chat.attrs["gen_ai.provider.name"], "ollama", "provider")
    eq(chat.attrs["gen_ai.response.model"], "llama3.2", "response model")
    eq(chat.attrs["gen_ai.usage.input_tokens"], resp["prompt_eval_count"], "input tokens")
    eq(chat.attrs["gen_ai.usage.output_tokens"], resp["eval_count"], "output tokens")
    eq(chat.attrs["server.address"], "127.0.0.1", "server.address")
    eq(chat.attrs["server.port"], srv.port, "server.port")
    eq(chat.attrs["http.response.status_code"], 200, "status")
    eq(len(t.spans), 2, "spans: %s" % t.spans)


PY_OLLAMA = r"""
import json, sys, urllib.request
url = sys.argv[1]
def post(path, obj):
    r = urllib.request.urlopen(urllib.request.Request(url + path, data=json.dumps(obj).encode()))
    return r.read().decode()
lines = post("/api/chat", {"model": "qwen2.5", "messages": [{"role": "user", "content": "hi"}]})
print(len(lines.splitlines()))
print(post("/api/generate", {"model": "llama3.2", "prompt": "count to three", "stream": False}))
"""


def test_ollama_python_stream_and_generate():
    work = Workdir()
    srv = fake_llm(work)
    try:
        out, recs, t = traced(work, [PY, "-c", PY_OLLAMA, srv.url])
    finally:
        srv.stop()
    agent = t.one("invoke_agent python3")
    check_plain_streams(recs, agent.resource["process.pid"], 2)
    toks = llm_tokens(srv, "ollama")
    eq(len(toks), 2, "the fake served two calls")
    chat = t.one("chat qwen2.5")
    gen = t.one("text_completion llama3.2")
    for s, (tin, tout) in ((chat, toks[0]), (gen, toks[1])):
        eq(s.parent_id, agent.span_id, "%s under the agent" % s.name)
        eq(s.attrs["gen_ai.usage.input_tokens"], tin, "%s input tokens" % s.name)
        eq(s.attrs["gen_ai.usage.output_tokens"], tout, "%s output tokens" % s.name)
        eq(s.attrs["server.port"], srv.port, "%s server.port" % s.name)
    eq(chat.attrs["gen_ai.request.stream"], True, "NDJSON stream (Ollama's default)")
    eq(gen.attrs["gen_ai.request.stream"], False, "generate not streamed")
    for s in (chat, gen):
        eq(s.attrs["gen_ai.response.finish_reasons"], ["stop"], "%s finish" % s.name)
        eq(s.attrs["gen_ai.provider.name"], "ollama", "%s provider" % s.name)


def test_agent_service_server_spans():
    work = Workdir()
    llm = fake_llm(work)
    portf = work.file("svc.port")
    raw, out = work.file("raw.jsonl"), work.file("otlp.jsonl")
    tracer = subprocess.Popen([TRACER, "--raw=" + raw, "-o", out, "--format", "otlp-json", "--",
                               PY, os.path.join(AGENTS, "agent_service.py"), llm.url, portf,
                               "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not os.path.exists(portf):
            check(time.time() < deadline and tracer.poll() is None, "agent service start")
            time.sleep(0.05)
        port = int(open(portf).read())
        answers = []
        for q in ("first question", "second question"):
            p = subprocess.run(["curl", "-s", "-d", q, "http://127.0.0.1:%d/ask?id=%s" %
                                (port, q.split()[0])], capture_output=True, timeout=20)
            answers.append(p.stdout.decode())
        _, err = tracer.communicate(timeout=30)
        eq(tracer.returncode, 0, "tracer exit (%s)" % err.decode()[-500:])
    finally:
        if tracer.poll() is None:
            tracer.kill()
        llm.stop()
    check(all("fake reply" in a for a in answers), "service answered: %r" % answers)
    t = otlp.load(out)
    agent = t.one("invoke_agent agent_service")
    servers = sorted(t.named("POST /ask"), key=lambda s: s.start)
    chats = sorted(t.named("chat llama3.2"), key=lambda s: s.start)
    eq(len(servers), 2, "two SERVER spans")
    eq(len(chats), 2, "two chat spans")
    for srv, chat, q in zip(servers, chats, ("first", "second")):
        eq(srv.kind, 2, "SERVER")
        eq(srv.parent_id, agent.span_id, "SERVER span under the service process")
        eq(chat.parent_id, srv.span_id, "chat under the request that caused it")
        eq(srv.attrs["http.request.method"], "POST", "method")
        eq(srv.attrs["url.path"], "/ask", "url.path (query aside)")
        eq(srv.attrs["server.port"], port, "server.port: the accepting port")
        eq(srv.attrs["http.response.status_code"], 200, "status")
        eq(srv.attrs["client.address"], "127.0.0.1", "client.address")
        check(srv.attrs["client.port"] > 0, "client.port")
        check(srv.start <= chat.start and chat.end <= srv.end, "chat inside its request")
        eq(chat.attrs["server.port"], llm.port, "chat server.port")
    check(servers[0].end <= servers[1].start, "requests one after the other")


def mcp_env():
    if not os.path.exists(os.path.join(MCP_NODE_MODULES, "@modelcontextprotocol/sdk")):
        raise Skip("@modelcontextprotocol/sdk not installed in %s (make npm-deps)" %
                   MCP_NODE_MODULES)
    if not os.path.exists("/usr/bin/node"):
        raise Skip("/usr/bin/node missing")
    return dict(os.environ, NODE_PATH=MCP_NODE_MODULES)


def _mcp_server(work, mode):
    srv = Server(work, "mcp", ["node", os.path.join(AGENTS, "mcp_server.cjs"), PORT_FILE, mode],
                 env=mcp_env())
    srv.url += "/mcp"
    return srv


def mcp_sdk_client(mode):
    work = Workdir()
    env = mcp_env()
    srv = _mcp_server(work, mode)
    try:
        client = os.path.join(AGENTS, "mcp_client.cjs")
        out, recs, t = traced(work, ["sh", "-c", "node %s %s add '{\"a\":2,\"b\":3}' && "
                                     "node %s %s fail '{}'" % (client, srv.url, client, srv.url)],
                              env=env)
    finally:
        srv.stop()
    lines = out.decode().splitlines()
    eq(json.loads(lines[0])["content"][0]["text"], "5", "tool result")
    inits = t.named("initialize")
    eq(len(inits), 2, "one initialize per client")
    for name, err in (("execute_tool add", None), ("execute_tool fail", "tool_error")):
        call = t.one(name)
        proc = t.parent(call)
        eq(proc.name, "exec node", "MCP call under the client process")
        init = [s for s in inits if s.parent_id == proc.span_id]
        eq(len(init), 1, "the client's initialize")
        init = init[0]
        sid = init.attrs["mcp.session.id"]
        check(len(sid) >= 16, "session id from the initialize response: %r" % sid)
        eq(init.attrs["mcp.method.name"], "initialize", "initialize method")
        eq(init.attrs["jsonrpc.request.id"], "0", "initialize id")
        check(init.attrs["mcp.protocol.version"], "negotiated protocol version")
        a = call.attrs
        eq(call.kind, 3, "CLIENT")
        eq(a["mcp.method.name"], "tools/call", "method")
        eq(a["gen_ai.operation.name"], "execute_tool", "operation")
        eq(a["gen_ai.tool.name"], name.split()[1], "tool name")
        eq(a["jsonrpc.request.id"], "1", "request id")
        eq(a["mcp.session.id"], sid, "session id sent with the call")
        eq(a["server.address"], "127.0.0.1", "server.address")
        eq(a["server.port"], srv.port, "server.port")
        eq(a["network.transport"], "tcp", "transport")
        eq(a.get("error.type"), err, "error.type")
        eq(call.status_code, 2 if err else 0, "status")
        check("rpc.response.status_code" not in a, "no JSON-RPC error")
    # every data record of the clients is plaintext from the socket path
    eq({r["src"] for r in by_type(recs, "data")}, {"sock"}, "sources")


def test_mcp_sdk_sse():
    mcp_sdk_client("sse")


def test_mcp_sdk_json():
    mcp_sdk_client("json")


def test_mcp_call_under_llm_tool():
    env = mcp_env()
    work = Workdir()
    llm = fake_llm(work, {"steps": [{"tool_calls": [{"name": "add", "arguments":
                                                     {"a": 40, "b": 2}}]}],
                          "final_text": "The sum is {result}"})
    srv = _mcp_server(work, "sse")
    try:
        out, recs, t = traced(work, [PY, os.path.join(AGENTS, "mcp_agent.py"), llm.url,
                                     srv.url], env=env)
    finally:
        srv.stop()
        llm.stop()
    eq(out.decode().strip(), "The sum is 42", "agent answer")
    agent = t.one("invoke_agent mcp_agent")
    chats = t.named("chat gpt-4o-mini")
    eq(len(chats), 2, "two LLM calls")
    tools = t.named("execute_tool add")
    window = [s for s in tools if "mcp.method.name" not in s.attrs]
    mcp = [s for s in tools if "mcp.method.name" in s.attrs]
    eq((len(window), len(mcp)), (1, 1), "the LLM's tool span and the MCP call")
    window, mcp = window[0], mcp[0]
    eq(window.parent_id, agent.span_id, "tool span under the agent")
    eq(mcp.parent_id, window.span_id, "MCP call under the tool call that caused it")
    eq(mcp.attrs["gen_ai.tool.call.id"], window.attrs["gen_ai.tool.call.id"], "call id")
    eq(mcp.attrs["jsonrpc.request.id"], "2", "request id")
    eq(mcp.attrs["mcp.protocol.version"], "2025-06-18", "MCP-Protocol-Version header")
    init = t.one("initialize")
    eq(init.parent_id, agent.span_id, "initialize (before any tool call) under the agent")
    eq(mcp.attrs["mcp.session.id"], init.attrs["mcp.session.id"], "one session")


def tls_once(client_cmd, exe, src):
    recs, ex, _ = raw_with_server(Workdir(), lambda srv: client_cmd(srv.url + "/bytes/3000"))
    eq(len(ex), 1, "server saw one exchange")
    data = by_type(recs, "data")
    eq({r["src"] for r in data}, {src}, "%s: TLS only through the TLS probes" % exe)
    eq(by_type(recs, "sock"), [], "no plaintext socket reported")
    st = streams(data)
    eq(len({k[1] for k in st}), 1, "one connection")
    for (pid, conn, d), b in st.items():
        eq(b, ex[0][0] if d == "write" else ex[0][1], "%s bytes exactly once" % d)


def test_tls_captured_once_curl():
    tls_once(lambda u: ["curl", "-sk", "--http1.1", u, "-o", "/dev/null"], "curl", "ssl")


def test_tls_captured_once_python():
    code = ("import ssl,sys,urllib.request;c=ssl._create_unverified_context();"
            "print(len(urllib.request.urlopen(sys.argv[1],context=c).read()))")
    tls_once(lambda u: [PY, "-c", code, u], "python3", "ssl_ex")


def test_no_plaintext_when_not_http():
    """A TCP connection that never carries HTTP (here: an echo of random bytes) is not captured."""
    work = Workdir()
    code = r"""
import os, socket, threading
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
def echo():
    c, _ = ls.accept()
    while True:
        b = c.recv(4096)
        if not b:
            break
        c.sendall(b)
    c.close()
th = threading.Thread(target=echo); th.start()
s = socket.create_connection(ls.getsockname())
for i in range(100):
    s.sendall(b"\x00\x01binary" + os.urandom(32)); s.recv(4096)
s.close(); th.join()
"""
    out, recs, t = traced(work, [PY, "-c", code])
    eq(by_type(recs, "data"), [], "no data records")
    eq(by_type(recs, "sock"), [], "no socket reported")


PY_VECTORED = r"""
import json, os, socket, sys
port = int(sys.argv[1])
body = json.dumps({"model": "llama3.2", "stream": False,
                   "messages": [{"role": "user", "content": "vectored hello"}]}).encode()
head = ("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        "Content-Length: %d\r\nConnection: close\r\n\r\n" % (port, len(body))).encode()
s = socket.create_connection(("127.0.0.1", port))
# sendmsg: the head and the body split over four iovecs
s.sendmsg([head[:10], head[10:], body[:5], body[5:]])
got, i = b"", 0
while True:
    # recvmsg_into two small iovecs, readv, recv in turn: partial reads everywhere
    if i % 3 == 0:
        a, c = bytearray(7), bytearray(5)
        b = (bytes(a) + bytes(c))[:s.recvmsg_into([a, c])[0]]
    elif i % 3 == 1:
        a, c = bytearray(3), bytearray(4)
        b = (bytes(a) + bytes(c))[:os.readv(s.fileno(), [a, c])]
    else:
        b = s.recv(11)
    i += 1
    if not b:
        break
    got += b
print(len(got))
"""


def test_vectored_and_partial_io():
    """sendmsg with iovecs, recvmsg_into/readv/recv in small pieces: exact, contiguous bytes."""
    work = Workdir()
    srv = fake_llm(work)
    try:
        out, recs, t = traced(work, [PY, "-c", PY_VECTORED, str(srv.port)])
    finally:
        srv.stop()
    agent = t.one("invoke_agent python3")
    pid = agent.resource["process.pid"]
    data = [r for r in by_type(recs, "data") if r["pid"] == pid]
    st = streams(data)
    eq(len(st), 2, "one connection, two directions")
    req = [b for k, b in st.items() if k[2] == "write"][0]
    resp = [b for k, b in st.items() if k[2] == "read"][0]
    check(req.startswith(b"POST /api/chat HTTP/1.1\r\n") and req.endswith(b"}"), "request")
    check(resp.startswith(b"HTTP/1.") and b"vectored hello" in resp, "response")
    eq(len(resp), int(out), "every byte the client read, once")
    check(len([r for r in data if r["dir"] == "write"]) >= 4, "one record per iovec")
    check(len([r for r in data if r["dir"] == "read"]) > 10, "many partial reads")
    chat = t.one("chat llama3.2")
    eq(chat.parent_id, agent.span_id, "decoded from the pieces")
    eq(chat.attrs["http.response.status_code"], 200, "status")
