# SPDX-License-Identifier: MIT
"""rustls over aws-lc, stripped and static: Codex (npm @openai/codex, $TT_NPM_DIR/codex, make
npm-deps) runs `codex exec` against the fake LLM server (Responses API), asked to run a shell
command once. Its plaintext comes from the probes on aws-lc's EVP_AEAD_CTX_seal/open, found by
signature (tools/tls-targets.conf), each record bound to its socket (bpf/tlscap.bpf.h).

Checked: both requests and both SSE answers (on one connection or two), equal to what the
server parsed, with contiguous positions; every data record is from the record cipher; the
trace has the two LLM spans with the model and the token counts the wire carried, the tool call
span and the tool's process under it; no connection is reported as unsupported. The same over
HTTP/2, and doctor."""
import json
import os

import otlp
from lib import (FakeLLM, Workdir, by_type, check, eq, read_raw, run_traced, run_tracer,
                 streams)
from test_http2 import H2Server
from test_static_tls import http_messages
from test_unsupported_tls import cert_chain, codex_bin, codex_env, codex_tool_script, tls_spans

MARK = "tt-rustls-tool-ran"
PEND = 1 << 61          # TT_CONN_PEND


def sse_data(body):
    """The JSON data of each SSE event of body."""
    out = []
    for block in body.decode().replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip() for line in block.split("\n")
                         if line.startswith("data:"))
        if data and data != "[DONE]":
            out.append(json.loads(data))
    return out


def bind_sealed(recs):
    """Raw records with the sealed ones (conn TT_CONN_PEND | tid) moved to the connection and
    positions their aead_bind gives, as src/aead_bind.c does."""
    out, held = [], {}
    for r in recs:
        if r["type"] == "data" and int(r["conn"], 16) & PEND:
            held.setdefault(r["tid"], []).append(r)
        elif r["type"] == "aead_bind":
            for h in held.pop(r["tid"], []):
                check(h["pos"] + h["len"] <= r["len"], "sealed record within its bind")
                out.append(dict(h, conn=r["conn"], pos=r["base"] + h["pos"], fd=r["fd"]))
        else:
            out.append(r)
    eq(held, {}, "every sealed record was bound to a socket")
    return out


def test_codex_exec_captured():
    codex = codex_bin()
    ca, crt, key = cert_chain()
    w = Workdir()
    script = codex_tool_script(MARK)
    raw = w.file("raw.jsonl")
    with FakeLLM(w, script=script, extra=["--cert", crt, "--key", key]) as fake:
        env = codex_env(w, fake.url, ca, key="sk-test-dummy-rustls")
        p, out = run_traced(w, [codex, "exec", "--skip-git-repo-check", "--sandbox",
                                "danger-full-access", "Run echo " + MARK],
                            extra=["--raw=" + raw, "--stats"], env=env, timeout=120)
        llm = fake.llm()
    eq(len(llm), 2, "Codex made two model requests: %s" % p.stderr.decode()[-1500:])
    stats = dict(kv.split("=", 1) for line in p.stderr.decode().splitlines()
                 if line.startswith("tracetree-bpf: stats: ") for kv in line.split()[2:])
    check(int(stats["aead_bound"]) > 0, "sealed records were bound: %s" % stats)
    eq(stats["aead_dropped"], "0", "no sealed record dropped")
    eq(stats["aead_nosock"], "0", "every opened record had its socket")
    eq(stats["lost_records"], "0", "no record lost")

    # the bytes: one connection of the codex process carries both exchanges
    recs = bind_sealed(read_raw(raw))
    native = [r for r in by_type(recs, "exec") if "vendor" in r["filename"] and
              os.path.basename(r["filename"]) == "codex"]
    eq(len(native), 1, "one exec of the native codex binary")
    pid = native[0]["pid"]
    st = streams(recs)          # also checks that positions are contiguous
    first = {}
    for r in by_type(recs, "data"):
        first.setdefault(r["conn"], r["ts_ns"])
    conns = sorted({k[1] for k, v in st.items() if k[0] == pid and k[2] == "write"
                    and b"/v1/responses" in v}, key=lambda c: first[c])
    check(conns, "connections with the model requests (streams %s)" % list(st))
    reqs, resps = [], []
    for c in conns:
        check(int(c, 16) & (1 << 62), "the connection is keyed by its socket: %s" % c)
        rq = http_messages(st[(pid, c, "write")])
        rs = http_messages(st.get((pid, c, "read"), b""))
        eq(len(rs), len(rq), "as many responses as requests on %s" % c)
        reqs += rq
        resps += rs
    eq(len(reqs), 2, "two requests")
    for (head, fields, body), want in zip(reqs, llm):
        eq(head.split(b"\r\n")[0], b"POST /v1/responses HTTP/1.1", "request line")
        eq(json.loads(body), want["body"], "request body as the server parsed it")
        eq(fields[b"authorization"], b"Bearer sk-test-dummy-rustls", "api key header captured")
    for head, _, _ in resps:
        eq(head.split(b"\r\n")[0], b"HTTP/1.1 200 OK", "status line")
    ev1, ev2 = sse_data(resps[0][2]), sse_data(resps[1][2])
    done1, done2 = ev1[-1], ev2[-1]
    eq(done1["type"], "response.completed", "first stream complete")
    eq(done2["type"], "response.completed", "second stream complete")
    calls = [e["item"] for e in ev1 if e["type"] == "response.output_item.done"
             and e["item"]["type"] == "function_call"]
    eq([(c["name"], json.loads(c["arguments"])) for c in calls],
       [("exec_command", {"cmd": "echo " + MARK})], "the tool call asked for")
    check(MARK in json.dumps(llm[1]["body"]), "the second request carries the tool's output")
    data = [r for r in by_type(recs, "data") if r["pid"] == pid]
    eq({r["src"] for r in data}, {"aead"}, "codex's plaintext comes from the record cipher")

    # the trace
    t = otlp.load(out)
    agent = [s for s in t.spans if s.name == "invoke_agent codex" and
             "vendor" in (s.resource.get("process.executable.path") or "")]
    eq(len(agent), 1, "the native codex process is an agent:\n" + t.dump())
    cx = agent[0]
    chats = sorted(t.prefixed("chat "), key=lambda s: s.start)
    eq(len(chats), 2, "two LLM spans:\n" + t.dump())
    for s, done in zip(chats, (done1, done2)):
        u = done["response"]["usage"]
        eq(s.name, "chat gpt-test", "span name")
        eq(s.get("gen_ai.request.model"), "gpt-test", "request model")
        eq(s.get("gen_ai.response.id"), done["response"]["id"], "response id")
        eq(s.get("gen_ai.usage.input_tokens"), u["input_tokens"], "input tokens")
        eq(s.get("gen_ai.usage.output_tokens"), u["output_tokens"], "output tokens")
        eq(s.get("server.port"), fake.port, "server.port")
        check(cx in t.ancestors(s), "the LLM span is under codex")
    eq(chats[0].get("gen_ai.response.finish_reasons"), ["tool_calls"], "first call asks a tool")
    tools = t.prefixed("execute_tool ")
    eq([s.name for s in tools], ["execute_tool exec_command"], "one tool span")
    eq(tools[0].get("gen_ai.tool.call.id"), calls[0]["call_id"], "tool call id")
    check(cx in t.ancestors(tools[0]), "the tool span is under codex")
    # the command itself (bash -c "echo MARK"), not codex or node, whose prompt argument
    # ("Run echo MARK") carries the mark too
    ran = [s for s in t.spans if s.name.startswith("exec ") and
           any(a.startswith("echo ") and MARK in a
               for a in s.resource.get("process.command_args") or [])]
    check(ran, "the tool's process:\n" + t.dump())
    # Codex runs the command as soon as the call is complete in the stream, before the
    # response ends: the process still goes under the tool span (src/linker.c, wait_settle)
    eq(t.parent(ran[0]), tools[0], "the tool's process under the tool span:\n" + t.dump())
    check(tools[0].start <= ran[0].start, "the tool span starts before its process")
    eq(tls_spans(t), [], "no connection reported as unsupported")


def test_codex_exec_http2():
    """The same over HTTP/2, as Codex talks to api.openai.com: ALPN h2 with
    tests/e2e/h2_server.mjs, one Responses API call answered with text."""
    codex = codex_bin()
    ca, crt, key = cert_chain()
    w = Workdir()
    raw = w.file("raw.jsonl")
    srv = H2Server(w, chain=(crt, key))
    try:
        env = codex_env(w, srv.url, ca, key="sk-test-dummy-rustls")
        p, out = run_traced(w, [codex, "exec", "--skip-git-repo-check", "say hello"],
                            extra=["--raw=" + raw], env=env, timeout=120)
        logged = [r for r in srv.requests() if r["path"].endswith("/responses")]
    finally:
        srv.stop()
    eq(len(logged), 1, "one model request: %s" % p.stderr.decode()[-1500:])
    check(b"Hello over h2!" in p.stdout, "codex printed the answer: %r" % p.stdout[-300:])
    recs = bind_sealed(read_raw(raw))
    st = streams(recs)
    pid = [r for r in by_type(recs, "exec") if "vendor" in r["filename"]][0]["pid"]
    h2 = [k for k, v in st.items() if k[0] == pid and k[2] == "write" and
          v.startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    eq(len(h2), 1, "one HTTP/2 connection from its preface (streams %s)" % list(st))
    t = otlp.load(out)
    req = logged[0]
    chats = [s for s in t.prefixed("chat ") if s.get("gen_ai.response.id") == req["id"]]
    eq(len(chats), 1, "the chat span of %s:\n%s" % (req["id"], t.dump()))
    s = chats[0]
    eq(s.name, "chat gpt-test", "span name")
    eq(s.get("gen_ai.usage.input_tokens"), req["usage"]["input_tokens"], "input tokens")
    eq(s.get("gen_ai.usage.output_tokens"), req["usage"]["output_tokens"], "output tokens")
    eq(s.get("http.response.status_code"), 200, "status")
    eq(s.get("gen_ai.response.finish_reasons"), ["stop"], "finish reason")
    eq(s.get("server.port"), srv.port, "server.port")
    eq(tls_spans(t), [], "no connection reported as unsupported")


def test_codex_doctor():
    """doctor finds the record cipher in the stripped Codex binary by signature."""
    exe = os.path.realpath(os.path.join(os.path.dirname(codex_bin()), "..", "@openai",
                                        "codex-linux-x64", "vendor",
                                        "x86_64-unknown-linux-musl", "bin", "codex"))
    check(os.path.exists(exe), "the native binary at %s" % exe)
    p = run_tracer(["doctor", exe])
    out = p.stdout.decode()
    check("%s: aws-lc (aws-lc-aead)" % exe in out, "the signature set named:\n" + out)
    lines = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines()
             if ln.strip().startswith("EVP_AEAD_CTX_")}
    eq(lines.get("EVP_AEAD_CTX_seal"), ["0x1125ead0", "signature"], "seal found")
    eq(lines.get("EVP_AEAD_CTX_open"), ["0x1125ed10", "signature"], "open found")
    check("capture: writes yes, reads yes" in out, "both directions:\n" + out)
