# SPDX-License-Identifier: MIT
"""Long requests decode whole (issue 16 section 5): coding agents send chat requests of many
megabytes (long histories, tool definitions, file contents), and the OpenAI Python SDK writes
"model" after "messages". /usr/bin/python3 (ssl + http.client, one SSL_write_ex per body) and
the official openai npm SDK post such requests to tools/fake_llm.py under the tracer:
  - 8 MiB: under the capture cap, decoded whole: the exact request model, every tool offered,
    the tool result in the last message; no call truncated, no record lost;
  - 20 MiB: over the cap, the call's head and tail are kept: the model and the tools, written
    after the messages, come from the tail, the history up to the cut from the head, and the
    span is flagged tracetree.truncated; over TLS and over plain HTTP (a local model server)."""
import json
import os
import re

import otlp
from lib import PY, FakeLLM, TestFailure, Workdir, check, eq, node_sdks, run_traced

MIB = 1 << 20
MODEL = "gpt-4o-2024-08-06"
SYSTEM = "You are a coding agent working in /src."
RESULT = "RESULT-OF-CALL-7f3a: 1234 files"
N_TOOLS = 24

HIST = 64 * 1024     # bytes of text per message of the long history


def request_body(size):
    """A chat request of exactly size bytes in the OpenAI Python SDK's order (messages, then
    model and tools): a system prompt, a history of numbered messages of HIST bytes, the
    assistant's tool call and its result last. Returns (body, [(start, end) of each history
    message's text in body])."""
    tools = [{"type": "function", "function": {
        "name": "tool_%02d" % i, "description": "tool %d" % i,
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}
        for i in range(N_TOOLS)]

    def text(i, n):
        return ("h%05d " % i + "lorem ipsum dolor sit amet " * (n // 27 + 1))[:n]

    def build(n_hist, last):
        hist = [{"role": ("user", "assistant")[i % 2], "content": text(i, HIST)}
                for i in range(n_hist)] + [{"role": "user", "content": text(n_hist, last)}]
        msgs = [{"role": "system", "content": SYSTEM}] + hist + [
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_big_1", "type": "function",
                 "function": {"name": "tool_03", "arguments": "{\"path\": \"/src\"}"}}]},
            {"role": "tool", "tool_call_id": "call_big_1", "content": RESULT}]
        return json.dumps({"messages": msgs, "model": MODEL, "tools": tools, "stream": False},
                          separators=(",", ":")).encode()

    one = len(build(1, 10)) - len(build(0, 10))     # what a message of HIST bytes adds
    n_hist = max(0, (size - len(build(0, 10))) // one - 1)
    body = build(n_hist, 10)
    body = build(n_hist, 10 + size - len(body))
    assert len(body) == size, len(body)
    spans, at = [], 0
    for i in range(n_hist + 1):
        at = body.index(b"h%05d " % i, at)
        spans.append((at, body.index(b'"', at)))
    return body, spans


# Sends the request body in FILE as CPython does: one SSL_write_ex (or, without TLS, one
# send(2)) for the whole body.
CLIENT = r'''
import http.client, ssl, sys
from urllib.parse import urlsplit
url, ca, path = sys.argv[1:4]
data = open(path, "rb").read()
u = urlsplit(url)
if u.scheme == "https":
    c = http.client.HTTPSConnection(u.hostname, u.port,
                                    context=ssl.create_default_context(cafile=ca))
else:
    c = http.client.HTTPConnection(u.hostname, u.port)
c.request("POST", "/v1/chat/completions", body=data,
          headers={"Content-Type": "application/json",
                   "Authorization": "Bearer sk-test-FAKE-large-0123456789"})
r = c.getresponse()
r.read()
sys.exit(0 if r.status == 200 else 1)
'''

# The same request through the official openai npm package (fetch: the body in many writes).
NODE_CLIENT = r'''
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
const [mods, baseURL, file] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(mods), 'package.json'));
const OpenAI = require('openai');
const client = new (OpenAI.default || OpenAI)({ baseURL, apiKey: 'sk-test-FAKE-large-0123456789' });
await client.chat.completions.create(JSON.parse(readFileSync(file, 'utf8')));
'''


def stats(stderr):
    """The tracer's exit counters (--stats) as {name: int}."""
    m = re.findall(r"stats: (records=.*)", stderr.decode(errors="replace"))
    if not m:
        raise TestFailure("no stats line in the tracer's stderr:\n%s" % stderr.decode()[-2000:])
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m[-1])}


def traced_request(body, node=False, tls=True):
    """Runs one chat request of these bytes under the tracer with --capture-content --stats:
    (the LLM span, the fake server's log line of the request, the tracer's counters)."""
    work = Workdir()
    path = work.file("body.json")
    with open(path, "wb") as f:
        f.write(body)
    with FakeLLM(work, tls=tls) as fake:
        env = None
        if node:
            script = work.file("client.mjs")
            with open(script, "w") as f:
                f.write(NODE_CLIENT)
            cmd = ["node", script, node_sdks(), fake.url + "/v1", path]
            env = dict(os.environ, NODE_EXTRA_CA_CERTS=fake.cafile)
        else:
            script = work.file("client.py")
            with open(script, "w") as f:
                f.write(CLIENT)
            cmd = [PY, script, fake.url, fake.cafile if tls else "-", path]
        p, out = run_traced(work, cmd, extra=["--capture-content", "--stats"], env=env,
                            timeout=180)
        reqs = fake.llm()
    eq(len(reqs), 1, "the server got one LLM request")
    eq(reqs[0]["body"]["model"], MODEL, "the server read the whole request")
    t = otlp.load(out)
    chats = t.prefixed("chat ")
    eq(len(chats), 1, "one LLM span: %s" % [s.name for s in t.spans])
    return chats[0], reqs[0], stats(p.stderr)


def tool_names(span):
    defs = span.get("gen_ai.tool.definitions")
    check(defs is not None, "gen_ai.tool.definitions on the span")
    return [d.get("name") for d in json.loads(defs)]


def text_of(msg):
    return "".join(q.get("content", "") for q in msg.get("parts", []) if q.get("type") == "text")


def check_whole(size, node=False):
    body, _ = request_body(size)
    s, req, st = traced_request(body, node)
    eq(st["truncated_calls"], 0, "no call over the cap")
    eq(st["lost_records"], 0, "no record lost")
    eq(s.name, "chat " + MODEL, "span name")
    eq(s.get("gen_ai.request.model"), MODEL, "request model")
    eq(s.get("gen_ai.response.id"), req["response"]["id"], "response id")
    eq(tool_names(s), ["tool_%02d" % i for i in range(N_TOOLS)], "every tool offered")
    msgs = json.loads(s.get("gen_ai.input.messages"))
    last = msgs[-1]
    eq(last.get("role"), "tool", "the last message is the tool result")
    eq([(q.get("id"), q.get("response")) for q in last.get("parts", [])],
       [("call_big_1", RESULT)], "the tool result, whole")


def test_python_8mib_request_decodes_whole():
    check_whole(8 * MIB)


def test_node_sdk_8mib_request_decodes_whole():
    check_whole(8 * MIB, node=True)


def check_head_and_tail(tls):
    """Over the default cap (16 MiB): the call's first 15 MiB and last 1 MiB are kept."""
    body, spans = request_body(20 * MIB)
    head = 15 * MIB
    s, _, st = traced_request(body, tls=tls)
    eq(st["truncated_calls"], 1, "the body's call is over the cap")
    eq(st["lost_records"], 0, "no record lost")
    eq(s.get("tracetree.truncated"), True, "flagged truncated")
    eq(s.get("gen_ai.request.model"), MODEL, "request model, from the tail")
    eq(s.name, "chat " + MODEL, "span name")
    eq(tool_names(s), ["tool_%02d" % i for i in range(N_TOOLS)], "tools, from the tail")
    # the head: its history up to the cut (the content cap keeps its newest messages)
    cut = next(i for i, (a, b) in enumerate(spans) if a < head <= b)
    msgs = json.loads(s.get("gen_ai.input.messages"))
    check(len(msgs) >= 2, "messages from the head: %d" % len(msgs))
    a, b = spans[cut]
    eq(text_of(msgs[-1]), body[a:head].decode(), "the last message: cut where the head ends")
    a, b = spans[cut - 1]
    eq(text_of(msgs[-2]), body[a:b].decode(), "the one before it, whole")


def test_python_20mib_request_keeps_head_and_tail():
    check_head_and_tail(True)


def test_python_plaintext_20mib_request_keeps_head_and_tail():
    """The same over plain HTTP (a local model server): one send(2) of 20 MiB, captured at the
    socket."""
    check_head_and_tail(False)
