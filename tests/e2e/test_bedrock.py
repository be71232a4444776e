# SPDX-License-Identifier: MIT
"""AWS Bedrock Runtime through the official SDK (@aws-sdk/client-bedrock-runtime, node): Converse
with a tool, ConverseStream (an AWS event stream) with a tool, and InvokeModel with an Anthropic
body, against tests/e2e/bedrock_server.mjs over TLS; HTTP/2 (the SDK as shipped) and HTTP/1.1
(its NodeHttpHandler). Each call's span carries the exact model, token counts and tool call the
server sent; the SigV4 credentials are nowhere in the output."""
import json
import os

import otlp
from lib import PORT_FILE, TOP, Server, Skip, TestFailure, Workdir, cert, check, eq, run_traced

NODE = "/usr/bin/node"
# the Makefile's npm-deps installs @aws-sdk/client-bedrock-runtime into $TT_NPM_DIR/bedrock
NPM_DIR = os.environ.get("TT_NPM_DIR") or os.path.join(TOP, ".output", "npm")
MODS = os.path.join(NPM_DIR, "bedrock", "node_modules")
AGENT = os.path.join(TOP, "tests/e2e/agents/bedrock_agent.mjs")
SECRETS = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzE2e2eSESSIONTOKEN")


class BedrockServer(Server):
    def __init__(self, work):
        crt, key = cert(work)
        log = work.file("bedrock_server.jsonl")
        super().__init__(work, "bedrock_server",
                         [NODE, os.path.join(TOP, "tests/e2e/bedrock_server.mjs"), "--cert", crt,
                          "--key", key, "--port-file", PORT_FILE, "--log", log],
                         scheme="https", log=log, timeout=10)


def one_span(t, name, pred, what):
    spans = [s for s in t.named(name) if pred(s)]
    eq(len(spans), 1, "one %s span (%s; spans: %s)" % (name, what, [s.name for s in t.spans]))
    return spans[0]


def tool_call_part(out_msgs, tool):
    """The tool_call part of the span's output messages."""
    msgs = json.loads(out_msgs or "[]")
    parts = [p for m in msgs for p in m.get("parts", []) if p.get("type") == "tool_call"]
    eq(len(parts), 1, "one tool call in gen_ai.output.messages: %s" % out_msgs)
    eq((parts[0].get("id"), parts[0].get("name"), parts[0].get("arguments")),
       (tool["toolUseId"], tool["name"], tool["input"]), "the tool call the server sent")


def sdk_calls(mode, http):
    if not os.path.exists(NODE):
        raise Skip("/usr/bin/node missing")
    if not os.path.exists(os.path.join(MODS, "@aws-sdk", "client-bedrock-runtime")):
        raise Skip("@aws-sdk/client-bedrock-runtime not installed (make npm-deps): %s" % MODS)
    work = Workdir()
    srv = BedrockServer(work)
    env = dict(os.environ, NODE_TLS_REJECT_UNAUTHORIZED="0", NODE_NO_WARNINGS="1")
    parsed = work.file("sdk.json")
    try:
        _, out = run_traced(work, [NODE, AGENT, MODS, srv.url, mode, parsed],
                            extra=["--capture-content"], env=env, timeout=120)
        reqs = srv.requests()
    finally:
        srv.stop()
    eq([(r["op"], r["http"]) for r in reqs],
       [("converse", http), ("converse-stream", http), ("invoke", http)],
       "the server answered the three calls over HTTP/%s" % http)
    sdk = json.load(open(parsed))
    try:
        t = otlp.load(out)
    except otlp.OtlpError as e:
        raise TestFailure("OTLP file %s: %s" % (out, e))
    conv, stream, inv = reqs
    common = {"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat",
              "server.address": "127.0.0.1", "server.port": srv.port,
              "http.response.status_code": 200}

    s = one_span(t, "chat " + conv["model"], lambda s: not s.get("gen_ai.request.stream"),
                 "Converse")
    want = dict(common, **{"gen_ai.request.model": conv["model"],
                           "gen_ai.usage.input_tokens": conv["usage"]["inputTokens"],
                           "gen_ai.usage.output_tokens": conv["usage"]["outputTokens"],
                           "gen_ai.response.finish_reasons": ["tool_use"]})
    for k, v in want.items():
        eq(s.get(k), v, "Converse span: " + k)
    tool_call_part(s.get("gen_ai.output.messages"), conv["tool"]["toolUse"])
    eq(sdk["converse"]["usage"]["inputTokens"], conv["usage"]["inputTokens"], "SDK agrees")

    s = one_span(t, "chat " + stream["model"], lambda s: True, "ConverseStream")
    want = dict(common, **{"gen_ai.request.model": stream["model"],
                           "gen_ai.request.stream": True,
                           "gen_ai.usage.input_tokens": stream["usage"]["inputTokens"],
                           "gen_ai.usage.output_tokens": stream["usage"]["outputTokens"],
                           "gen_ai.response.finish_reasons": ["tool_use"]})
    for k, v in want.items():
        eq(s.get(k), v, "ConverseStream span: " + k)
    check(s.get("gen_ai.response.time_to_first_chunk") is not None, "ttft of the stream")
    tool_call_part(s.get("gen_ai.output.messages"), stream["tool"]["toolUse"])
    eq(sdk["stream"]["input"], json.dumps(stream["tool"]["toolUse"]["input"],
                                          separators=(",", ":")), "SDK parsed the stream")

    s = one_span(t, "chat " + inv["model"], lambda s: True, "InvokeModel")
    want = dict(common, **{"gen_ai.request.model": inv["model"],
                           "gen_ai.response.model": "claude-3-5-sonnet-20241022",
                           "gen_ai.response.id": inv["id"],
                           "gen_ai.request.max_tokens": 100,
                           "gen_ai.usage.input_tokens": inv["usage"]["input_tokens"],
                           "gen_ai.usage.output_tokens": inv["usage"]["output_tokens"],
                           "gen_ai.response.finish_reasons": ["end_turn"]})
    for k, v in want.items():
        eq(s.get(k), v, "InvokeModel span: " + k)

    data = open(out).read()
    for secret in SECRETS:
        check(secret not in data, "the SigV4 credentials never leave the tracer (%s)" % secret[:8])


def test_bedrock_sdk_http2():
    sdk_calls("h2", "2.0")


def test_bedrock_sdk_http1():
    sdk_calls("h1", "1.1")
