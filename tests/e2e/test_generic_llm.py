# SPDX-License-Identifier: MIT
"""Never silent: an agent on an API no decoder knows (/usr/bin/python3 posting a model call to a
local TLS server on a path of its own) still gets its LLM span, flagged tracetree.decode=generic,
with the exact model and token counts, and its process tree, under -- COMMAND and under --all."""
import signal
import subprocess

import otlp
from lib import PY, TRACER, JsonServer, TestFailure, Workdir, cert, check, eq
from test_capture import wait_ready

# A model API no decoder knows: JSON in, JSON out, token counts under inputTokens/outputTokens.
ANSWER = {"id": "inf-e2e-1", "model": "acme-large-2-0601",
          "output": {"role": "assistant", "content": "Teal."},
          "usage": {"inputTokens": 21, "outputTokens": 3}}

# The agent: one model call with http.client, then a tool process.
AGENT = r'''
import http.client, json, ssl, subprocess, sys
port, cafile = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=cafile)
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
body = json.dumps({"model": "acme-large-2", "max_new_tokens": 64,
                   "messages": [{"role": "user", "content": "Name a colour."}]})
conn.request("POST", "/v3/infer", body, {"Content-Type": "application/json"})
resp = json.loads(conn.getresponse().read())
assert resp["usage"]["outputTokens"] == 3, resp
conn.close()
subprocess.run(["/bin/echo", "tool ran"], check=True)
'''


def start_server(work):
    return JsonServer(work, "generic_server", [("", ANSWER)])


def agent_cmd(work, srv):
    path = work.file("generic_agent.py")
    with open(path, "w") as f:
        f.write(AGENT)
    return [PY, path, str(srv.port), cert(work)[0]]


def generic_span(spans, pid):
    """The one LLM span of pid, with its exact attributes checked."""
    got = [s for s in spans.spans
           if s.get("process.pid") == pid and s.get("gen_ai.operation.name") == "chat" and
           s.get("gen_ai.provider.name") is not None]
    if len(got) != 1:
        raise TestFailure("want one LLM span of pid %d, got %d:\n%s" %
                          (pid, len(got), spans.dump()))
    s = got[0]
    eq(s.name, "chat acme-large-2", "span name")
    eq(s.kind, 3, "kind CLIENT")
    eq(s.get("tracetree.decode"), "generic", "flagged generic")
    eq(s.get("gen_ai.provider.name"), "unknown", "provider: host unknown")
    eq(s.get("gen_ai.request.model"), "acme-large-2", "request model")
    eq(s.get("gen_ai.response.model"), "acme-large-2-0601", "response model")
    eq(s.get("gen_ai.response.id"), "inf-e2e-1", "response id")
    eq(s.get("gen_ai.usage.input_tokens"), 21, "input tokens")
    eq(s.get("gen_ai.usage.output_tokens"), 3, "output tokens")
    eq(s.get("gen_ai.request.max_tokens"), 64, "max tokens")
    eq(s.get("server.address"), "127.0.0.1", "server address")
    return s


def check_tree(spans, llm):
    """The LLM span under its agent's process span, the tool process under the agent too."""
    agent = spans.parent(llm)
    check(agent is not None, "the LLM span has a parent:\n" + spans.dump())
    eq(agent.get("process.pid"), llm.get("process.pid"), "parent: the agent's process span")
    check(agent.name.startswith("invoke_agent "), "the agent span: %r" % agent.name)
    echo = [s for s in spans.prefixed("exec echo") if s.trace_id == llm.trace_id]
    eq(len(echo), 1, "the tool process in the agent's trace:\n" + spans.dump())
    check(agent in spans.ancestors(echo[0]), "the tool process under the agent:\n" + spans.dump())


def test_generic_llm_command():
    work = Workdir()
    with start_server(work) as srv:
        out = work.file("otlp.jsonl")
        p = subprocess.run([TRACER, "-o", out, "--format", "none", "--"] + agent_cmd(work, srv),
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise TestFailure("tracer exited %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    spans = otlp.load(out)
    pys = [s for s in spans.spans if s.name.startswith("invoke_agent ")]
    eq(len(pys), 1, "one agent:\n" + spans.dump())
    check_tree(spans, generic_span(spans, pys[0].get("process.pid")))


def test_generic_llm_all():
    """--all: the agent was not started by the tracer; its call and its tree are exported."""
    work = Workdir()
    with start_server(work) as srv:
        out = work.file("otlp.jsonl")
        tr = subprocess.Popen([TRACER, "-v", "-o", out, "--format", "none", "--all",
                               "--duration", "60"], stderr=subprocess.PIPE)
        try:
            wait_ready(tr)
            agent = subprocess.Popen(agent_cmd(work, srv), stdout=subprocess.DEVNULL)
            eq(agent.wait(30), 0, "agent exit code")
            tr.send_signal(signal.SIGINT)
            eq(tr.wait(30), 0, "tracer exit code after SIGINT")
        finally:
            if tr.poll() is None:
                tr.kill()
                tr.wait()
    spans = otlp.load(out)
    check_tree(spans, generic_span(spans, agent.pid))
