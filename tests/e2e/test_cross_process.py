# SPDX-License-Identifier: MIT
"""Across processes on one host: a client (curl, /usr/bin/python3) posts to a local agent
service (tests/e2e/agents/agent_service.py) that calls the fake LLM over TLS for it. With both
ends traced, the client's HTTP span is the parent of the service's SERVER span, whose child is
the LLM call: one trace from the caller, with no header. A traceparent header still wins."""
import os
import signal
import subprocess
import time

import otlp
from lib import AGENTS, PY, TRACER, FakeLLM, TestFailure, Workdir, check, eq
from test_capture import wait_ready  # the tracer's -v line saying it is attached

# W3C trace context a client sends (its own span is the parent the header names)
TP_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TP_PARENT = "00f067aa0ba902b7"
TP = "00-%s-%s-01" % (TP_TRACE, TP_PARENT)

# a plain urllib client: POST a question to URL, an optional traceparent header
PY_CLIENT = r"""
import sys, urllib.request
h = {"traceparent": sys.argv[2]} if len(sys.argv) > 2 else {}
r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"a question", headers=h))
print(r.read().decode())
"""

# starts the service on a free port, waits for its port file, runs the client (the arguments;
# one "{url}" stands for the service's URL), waits for both
SCRIPT = r"""
"$PY" "$SERVICE" "$LLM" "$PORTF" "$N" &
i=0
while [ ! -s "$PORTF" ]; do
    i=$((i + 1)); [ $i -lt 400 ] || exit 3
    sleep 0.05
done
URL="http://127.0.0.1:$(cat "$PORTF")/ask"
for a; do shift; [ "$a" = "{url}" ] && a=$URL; set -- "$@" "$a"; done
"$@" || exit
wait
"""


def service_env(work, llm, n):
    """The service's port file and environment: it answers n connections."""
    portf = work.file("svc.port")
    return portf, dict(os.environ, PY=PY, SERVICE=os.path.join(AGENTS, "agent_service.py"),
                       LLM=llm.url, PORTF=portf, N=str(n), SSL_CERT_FILE=llm.cafile)


def traced_chain(work, client, n=1, conns=1):
    """Traces sh running the service (for conns connections) and client (argv; "{url}" stands
    for the service's URL) under -- COMMAND; n: requests; returns (stdout, spans)."""
    llm = FakeLLM(work)
    out = work.file("otlp.jsonl")
    try:
        _, env = service_env(work, llm, conns)
        cmd = ["sh", "-c", SCRIPT, "sh"] + list(client)
        p = subprocess.run([TRACER, "-o", out, "--format", "otlp-json", "--"] + cmd,
                           capture_output=True, timeout=90, env=env)
        if p.returncode != 0:
            raise TestFailure("tracer exited %d: %s" % (p.returncode,
                                                         p.stderr.decode()[-2000:]))
        eq(len(llm.llm()), n, "the fake LLM served one call a request")
    finally:
        llm.stop()
    return p.stdout, otlp.load(out)


def check_chain(t, client_name, n=1):
    """n requests: client span -> SERVER span -> chat, one trace each; returns the spans."""
    svc = t.one("invoke_agent agent_service")
    client = t.one(client_name)
    posts = t.named("POST")
    servers = t.named("POST /ask")
    chats = t.named("chat llama3.2")
    eq(len(posts), n, "client spans:\n%s" % t.dump())
    eq(len(servers), n, "SERVER spans:\n%s" % t.dump())
    eq(len(chats), n, "chat spans:\n%s" % t.dump())
    for post, srv, chat in zip(posts, servers, chats):
        eq(post.kind, 3, "client span is CLIENT")
        eq(post.parent_id, client.span_id, "the client's span under its process")
        eq(post.attrs["server.port"], srv.attrs["server.port"], "to the service's port")
        eq(srv.kind, 2, "SERVER")
        eq(chat.parent_id, srv.span_id, "the LLM call under the request it serves")
        eq(chat.trace_id, srv.trace_id, "the LLM call in its request's trace")
        check(srv.start <= chat.start and chat.end <= srv.end, "the call inside its request")
    return svc, client, posts, servers, chats


def test_curl_to_local_service():
    """curl -> agent service -> LLM over TLS, both ends under one -- COMMAND: the SERVER span
    under curl's POST span (before: under the service's process span)."""
    work = Workdir()
    out, t = traced_chain(work, ["curl", "-s", "-d", "a question", "{url}"])
    check(b"fake reply" in out, "the service answered: %r" % out[-200:])
    svc, curl, posts, servers, chats = check_chain(t, "exec curl")
    eq(servers[0].parent_id, posts[0].span_id, "SERVER span under curl's request:\n%s" % t.dump())
    eq(len(t.trace_ids()), 1, "one trace")
    eq(chats[0].attrs["server.address"], "127.0.0.1", "chat server.address")


def test_python_keepalive_to_local_service():
    """A python client posting three requests on one kept-alive connection (http.client): each
    SERVER span under its own request's span."""
    work = Workdir()
    client = ("import http.client, sys\n"
              "u = sys.argv[1].split('/')[2]\n"
              "c = http.client.HTTPConnection(u)\n"
              "for q in ('one', 'two', 'three'):\n"
              "    c.request('POST', '/ask', body=q.encode())\n"
              "    print(c.getresponse().read().decode())\n")
    out, t = traced_chain(work, [PY, "-c", client, "{url}"], n=3)
    eq(out.decode().count("fake reply"), 3, "three answers")
    pys = [s for s in t.named("exec python3")]
    client_span = [s for s in pys if "http.client" in " ".join(
        s.resource.get("process.command_args", []))]
    eq(len(client_span), 1, "the client's process span:\n%s" % t.dump())
    posts = t.named("POST")
    servers = t.named("POST /ask")
    eq(len(posts), 3, "client spans:\n%s" % t.dump())
    eq(len(servers), 3, "SERVER spans")
    for post, srv in zip(posts, servers):
        eq(post.parent_id, client_span[0].span_id, "client span under the client")
        eq(srv.parent_id, post.span_id, "each SERVER span under its own request's span")
    eq(len(t.trace_ids()), 1, "one trace")


def test_traceparent_wins():
    """The client sends a traceparent: the SERVER span is the child of the span it names, in
    its trace, not of the client's span; the LLM call follows the SERVER span."""
    work = Workdir()
    out, t = traced_chain(work, [PY, "-c", PY_CLIENT, "{url}", TP])
    check(b"fake reply" in out, "the service answered")
    srv = t.one("POST /ask")
    post = t.one("POST")
    chat = t.one("chat llama3.2")
    eq(srv.parent_id, TP_PARENT, "the traceparent's span is the parent:\n%s" % t.dump())
    eq(srv.trace_id, TP_TRACE, "the traceparent's trace")
    check(srv.parent_id != post.span_id, "not the client's span")
    eq(chat.parent_id, srv.span_id, "the call under the SERVER span")
    eq(chat.trace_id, TP_TRACE, "the call in the traceparent's trace")


def test_all_mode_joins_traces():
    """--all: the service and curl are two process trees (two traces before); the service's
    request, its SERVER span and LLM call, joins curl's trace under curl's POST span, and curl
    (no agent itself) has its process span."""
    work = Workdir()
    llm = FakeLLM(work)
    out = work.file("otlp.jsonl")
    portf, env = service_env(work, llm, 1)
    tr = subprocess.Popen([TRACER, "-v", "-o", out, "--format", "otlp-json", "--all",
                           "--duration", "60"], stderr=subprocess.PIPE,
                          stdout=subprocess.DEVNULL)
    svc = None
    try:
        wait_ready(tr)
        svc = subprocess.Popen([PY, env["SERVICE"], llm.url, portf, "1"], env=env)
        deadline = time.time() + 20
        while not (os.path.exists(portf) and os.path.getsize(portf)):
            check(time.time() < deadline and svc.poll() is None, "service start")
            time.sleep(0.05)
        port = int(open(portf).read())
        curl = subprocess.run(["curl", "-s", "-d", "a question",
                               "http://127.0.0.1:%d/ask" % port], capture_output=True,
                              timeout=30)
        check(b"fake reply" in curl.stdout, "the service answered")
        eq(svc.wait(20), 0, "service exit")
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(30), 0, "tracer exit after SIGINT")
    finally:
        for p in (svc, tr):
            if p is not None and p.poll() is None:
                p.kill()
        llm.stop()
    t = otlp.load(out)
    srv = [s for s in t.named("POST /ask") if s.resource.get("process.pid") == svc.pid]
    eq(len(srv), 1, "the service's SERVER span:\n%s" % t.dump())
    srv = srv[0]
    post = t.parent(srv)
    check(post is not None and post.name == "POST", "SERVER span under curl's POST span:\n%s" %
          t.dump())
    curl_span = t.parent(post)
    check(curl_span is not None and curl_span.name == "exec curl", "curl's process span")
    chat = t.children(srv, "chat llama3.2")
    eq(len(chat), 1, "the LLM call under the SERVER span")
    eq({srv.trace_id, post.trace_id, curl_span.trace_id, chat[0].trace_id}, {curl_span.trace_id},
       "one trace from curl")
    agent = [s for s in t.named("invoke_agent agent_service")
             if s.resource.get("process.pid") == svc.pid]
    eq(len(agent), 1, "the service's process span")
    check(agent[0].trace_id != curl_span.trace_id, "the service's own trace is another")
