# SPDX-License-Identifier: MIT
"""Trace trees end to end: real agents (curl from a shell script, /usr/bin/python3 with urllib and
httpx, node with the official openai and @anthropic-ai/sdk packages) against tools/fake_llm.py,
traced with -o FILE --format tree. Everything is asserted from the OTLP file against what the
fake server logged it sent: one trace per run, the agent span, the LLM spans with the exact
models, ids and token counts, the tool span with its name and call id, the tool's processes under
it with their exit codes, and no credential anywhere in the OTLP or the tree output."""
import json
import os
import subprocess

import otlp
from lib import (AGENTS, PY, TOP, FakeLLM, TestFailure, Workdir, check, eq, need_python_module,
                 node_sdks, run_traced)

DEMO_AGENT = os.path.join(TOP, "tools/demo_agent.py")
CURL_AGENT = os.path.join(AGENTS, "curl_agent.sh")
HTTPX_AGENT = os.path.join(AGENTS, "httpx_agent.py")
SDK_AGENT = os.path.join(AGENTS, "sdk_agent.mjs")

CLIENT, INTERNAL = 3, 1
# Credentials the agents send (headers) or carry on command lines: none may be exported.
SECRETS = ["sk-test-FAKE", "Bearer", "tracetree-0123456789abcdef", "0123456789abcdefABCDEF",
           "tracetree-curl-0123", "tracetree-httpx-0123", "tracetree-sdk-0123"]
FINISH_TOOL = {"openai": "tool_calls", "anthropic": "tool_use"}
FINISH_END = {"openai": "stop", "anthropic": "end_turn"}
CALL_ID = {"openai": "call_1", "anthropic": "toolu_01"}


def fail(t, what):
    raise TestFailure("%s\ntree:\n%s" % (what, t.dump()))


def expect(t, cond, what):
    if not cond:
        fail(t, what)


def no_secrets(t, tree_text, extra=()):
    """No credential string in any OTLP line nor in the tree view."""
    for s in list(SECRETS) + list(extra):
        for n, line in enumerate(t.lines, 1):
            i = line.find(s)
            check(i < 0, "credential %r in OTLP line %d: ...%s..." % (s, n, line[max(0, i - 200):i + 80]))
        i = tree_text.find(s)
        check(i < 0, "credential %r in the tree output: ...%s..." % (s, tree_text[max(0, i - 200):i + 80]))


def load(path):
    try:
        return otlp.load(path)
    except otlp.OtlpError as e:
        raise TestFailure("OTLP file %s: %s" % (path, e))


def one(t, name):
    got = t.named(name)
    expect(t, len(got) == 1, "want exactly one span %r, got %d" % (name, len(got)))
    return got[0]


def check_llm_span(t, s, req, provider, port, pid):
    """An LLM span against the fake server's log line for its request."""
    r = req["response"]
    u = r["usage"]
    what = "LLM span %s (response %s)" % (s.name, r["id"])
    eq(s.name, "chat " + req["body"]["model"], what + ": name")
    eq(s.kind, CLIENT, what + ": kind CLIENT")
    eq(s.status_code, 0, what + ": status unset")
    want = {
        "process.pid": pid,
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": req["body"]["model"],
        "gen_ai.response.model": r["model"],
        "gen_ai.response.id": r["id"],
        "gen_ai.response.finish_reasons": [r["finish_reason"]],
        "gen_ai.usage.input_tokens": u["input_tokens"],
        "gen_ai.usage.output_tokens": u["output_tokens"],
        "gen_ai.usage.cache_read.input_tokens": u["cache_read_input_tokens"],
        "gen_ai.request.stream": bool(r["stream"]),
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
    }
    if provider == "anthropic":
        want["gen_ai.usage.cache_creation.input_tokens"] = u["cache_creation_input_tokens"]
        want["gen_ai.request.max_tokens"] = req["body"]["max_tokens"]
    for k, v in want.items():
        eq(s.get(k), v, "%s: %s" % (what, k))
    if provider != "openai":
        bad = sorted(k for k in s.attrs if k.startswith("openai."))
        eq(bad, [], what + ": no openai.* attributes on a %s call" % provider)


def check_tool_procs(t, tool, command="ls /tmp"):
    """Under the tool span: exec sh (/bin/sh -c COMMAND, exit 0) -> exec ls (ls /tmp, exit 0)."""
    shs = [s for s in t.spans if s.name == "exec sh" and
           s.resource.get("process.command_args") == ["/bin/sh", "-c", command]]
    expect(t, len(shs) == 1, "one exec sh for the tool command %r, got %d" % (command, len(shs)))
    sh = shs[0]
    expect(t, tool in t.ancestors(sh),
           "the tool's process exec sh (pid %s) is under %s (path: %s)" %
           (sh.get("process.pid"), tool.name, t.path(sh)))
    eq(sh.get("process.exit.code"), 0, "exec sh: process.exit.code")
    eq(sh.status_code, 0, "exec sh: status")
    eq(sh.kind, INTERNAL, "exec sh: kind")
    ls = t.children(sh, "exec ls")
    expect(t, len(ls) == 1, "one exec ls under exec sh")
    eq(ls[0].get("process.exit.code"), 0, "exec ls: process.exit.code")
    eq(ls[0].resource.get("process.command_args"), ["ls", "/tmp"], "exec ls: command_args")
    eq(ls[0].get("process.pid"), ls[0].resource.get("process.pid"), "exec ls: process.pid")
    return sh


def check_agent_run(t, fake, agent_name, provider, pid=None, call_id=None, root=True,
                    llm_in_child=False):
    """One agent with exactly two LLM calls (a tool call, then the answer), one tool span
    execute_tool run_command with the server's call id, and the tool's processes under it.
    Returns the agent span."""
    reqs = fake.llm()
    eq(len(reqs), 2, "LLM requests the fake server saw")
    r1, r2 = reqs
    eq(r1["response"]["kind"], "tool_calls", "first answer asks for a tool")
    eq(r2["response"]["kind"], "text", "second answer is the final text")
    eq(r1["response"]["finish_reason"], FINISH_TOOL[provider], "first finish reason (server)")
    eq(r2["response"]["finish_reason"], FINISH_END[provider], "second finish reason (server)")
    call_id = call_id or CALL_ID[provider]
    eq([c["id"] for c in r1["response"]["tool_calls"]], [call_id], "tool call id (server)")

    eq(len(t.trace_ids()), 1, "one trace (trace ids %s)" % t.trace_ids())
    agents = t.prefixed("invoke_agent ")
    expect(t, [a.name for a in agents] == ["invoke_agent " + agent_name],
           "exactly one agent span 'invoke_agent %s', got %s" % (agent_name, [a.name for a in agents]))
    agent = agents[0]
    if root:
        eq(t.roots(), [agent], "the agent span is the only root")
        eq(agent.parent_id, "", "the root agent has no parent")
    eq(agent.kind, INTERNAL, "agent span kind")
    eq(agent.get("gen_ai.operation.name"), "invoke_agent", "agent gen_ai.operation.name")
    eq(agent.get("gen_ai.agent.name"), agent_name, "gen_ai.agent.name")
    eq(agent.get("process.exit.code"), 0, "agent process.exit.code")
    eq(agent.resource.get("service.name"), agent_name, "agent resource service.name")
    if pid is not None:
        eq(agent.get("process.pid"), pid, "agent process.pid")

    chats = t.prefixed("chat ")
    eq(len(chats), 2, "LLM spans")
    for s, req in zip(chats, reqs):
        expect(t, agent in t.ancestors(s), "%s is under the agent span" % s.name)
        check_llm_span(t, s, req, provider, fake.port,
                       s.get("process.pid") if llm_in_child else agent.get("process.pid"))
    c1, c2 = chats

    tools = t.prefixed("execute_tool ")
    eq([s.name for s in tools], ["execute_tool run_command"], "tool spans")
    tool = tools[0]
    eq(t.parent(tool), agent, "parent of the tool span")
    eq(tool.get("gen_ai.operation.name"), "execute_tool", "tool gen_ai.operation.name")
    eq(tool.get("gen_ai.tool.name"), "run_command", "gen_ai.tool.name")
    eq(tool.get("gen_ai.tool.call.id"), call_id, "gen_ai.tool.call.id")
    eq(tool.get("gen_ai.tool.type"), "function", "gen_ai.tool.type")
    eq(tool.status_code, 0, "tool span status")
    # streamed: when the stream carried the call's last part (an agent may run it then);
    # else at the end of the answer
    if r1["response"]["stream"]:
        check(c1.start < tool.start <= c1.end, "tool span starts within the streamed first "
              "answer (%d, %d..%d)" % (tool.start, c1.start, c1.end))
    else:
        eq(tool.start, c1.end, "tool span starts when the first answer ends")
    check(tool.end <= c2.start, "tool span ends when the second request starts (%d > %d)" %
          (tool.end, c2.start))
    for s in chats:
        expect(t, tool not in t.ancestors(s), "%s is not under the tool span" % s.name)
    check_tool_procs(t, tool)
    return agent


def tree_part(out):
    """The tracer's tree view from stdout, which the traced agent shares: the view starts at the
    first line naming a root span (the agent's transcript is printed before it, while it runs)."""
    lines = out.splitlines(True)
    for i, line in enumerate(lines):
        if line.startswith("invoke_agent ") or line.startswith("exec "):
            return "".join(lines[i:])
    raise TestFailure("no tree view on stdout:\n%s" % out[-2000:])


def run_agent(fake, cmd, extra=(), env=None):
    """Runs the agent under the tracer; returns (spans, the tree view)."""
    work = fake.work
    p, path = run_traced(work, cmd, extra=extra, env=env)
    out = p.stdout.decode(errors="replace")
    check("FINAL:" in out, "the agent printed a final answer: %s" % out[-1500:])
    return load(path), tree_part(out)


def fake_llm(script=None, extra=("--gzip",)):
    work = Workdir()
    fake = FakeLLM(work, script=script, extra=extra)
    fake.work = work
    return fake


# ---- 1. curl from a shell script --------------------------------------------------------------
#
# curl_agent.sh makes the two LLM calls with two curl processes and runs the tool itself
# (/bin/sh -c "ls /tmp" from a subshell). The agent is the script, not curl: curl is only the
# HTTP client the script uses, and the tool loop (reading the tool call, running it, sending the
# result back) is the script's. So the tree must be:
#
#   invoke_agent curl_agent            (the /bin/sh running curl_agent.sh, the root)
#   ├── (exec curl) chat gpt-4o-mini   LLM span, parent: the curl process span under the agent,
#   │                                   or the agent span itself; never a second invoke_agent
#   ├── execute_tool run_command call_1
#   │   └── ... exec sh (/bin/sh -c "ls /tmp", exit 0) └── exec ls (exit 0)
#   └── (exec curl) chat gpt-4o-mini   not under the tool span (it carries the tool's result)

def test_curl_shell_script():
    fake = fake_llm(extra=())
    try:
        t, out = run_agent(fake, [CURL_AGENT, fake.url, fake.cafile])
    finally:
        fake.stop()
    no_secrets(t, out)
    agent = check_agent_run(t, fake, "curl_agent", "openai", llm_in_child=True)
    eq(agent.resource.get("process.command_args"), ["/bin/sh", CURL_AGENT, fake.url, fake.cafile],
       "agent command_args")
    for s in t.prefixed("chat "):
        p = t.parent(s)
        expect(t, p is agent or (p.name == "exec curl" and t.parent(p) is agent and
                                 p.get("process.pid") == s.get("process.pid")),
               "%s's parent is the agent or its exec curl process span, not %s" % (s.name, p.name))
    # the curl command lines carried "Authorization: Bearer <key>": redacted
    for s in t.named("exec curl"):
        args = s.resource.get("process.command_args")
        check("REDACTED" in " ".join(args), "curl command_args redacted: %s" % args)


# ---- 2. /usr/bin/python3: demo_agent.py (http.client) and httpx --------------------------------

def demo_agent(provider, stream, gzip, extra_args=()):
    fake = fake_llm()
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", provider,
               "--cafile", fake.cafile] + (["--stream"] if stream else []) + \
              (["--gzip"] if gzip else []) + list(extra_args)
        t, out = run_agent(fake, cmd)
    finally:
        fake.stop()
    no_secrets(t, out)
    agent = check_agent_run(t, fake, "demo_agent", provider)
    eq(agent.resource.get("process.command_args"), cmd, "agent command_args")
    eq(agent.resource.get("process.executable.path"), PY, "agent process.executable.path")
    return t, fake


def test_python_urllib_openai_stream_gzip():
    demo_agent("openai", True, True)


def test_python_urllib_openai_json():
    demo_agent("openai", False, False)


def test_python_urllib_anthropic_stream():
    demo_agent("anthropic", True, False)


def test_python_urllib_anthropic_json_gzip():
    demo_agent("anthropic", False, True)


def httpx_agent(provider, stream):
    need_python_module("httpx", "python3-httpx")
    fake = fake_llm()
    try:
        cmd = [PY, HTTPX_AGENT, "--base-url", fake.url, "--cafile", fake.cafile,
               "--provider", provider] + (["--stream"] if stream else [])
        t, out = run_agent(fake, cmd)
    finally:
        fake.stop()
    no_secrets(t, out)
    check_agent_run(t, fake, "httpx_agent", provider)
    eq(fake.llm()[0]["headers"].get("user-agent", "")[:12], "python-httpx", "the client is httpx")


def test_python_httpx_openai_stream():
    httpx_agent("openai", True)


def test_python_httpx_anthropic_json():
    httpx_agent("anthropic", False)


def test_python_subagent():
    """--subagent: run_command, then run_subagent starting another demo_agent.py (its own
    run_command and answer), then the final answer: the sub-agent nests under the
    execute_tool run_subagent span of its parent, in the same trace."""
    fake = fake_llm()
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "openai", "--stream",
               "--gzip", "--cafile", fake.cafile, "--subagent"]
        t, out = run_agent(fake, cmd)
    finally:
        fake.stop()
    no_secrets(t, out)
    reqs = fake.llm()
    eq(len(reqs), 5, "LLM requests (3 of the agent, 2 of the sub-agent)")
    top_client = reqs[0]["client"]
    mine = [r for r in reqs if r["client"] == top_client]
    sub = [r for r in reqs if r["client"] != top_client]
    eq((len(mine), len(sub)), (3, 2), "requests per connection (agent, sub-agent)")
    eq(len(t.trace_ids()), 1, "one trace")
    agents = t.named("invoke_agent demo_agent")
    eq(len(agents), 2, "invoke_agent demo_agent spans")
    root = [a for a in agents if not a.parent_id]
    eq(len(root), 1, "one root agent")
    root = root[0]
    eq(t.roots(), [root], "the agent is the only root")
    nested = [a for a in agents if a is not root][0]

    for agent, rs in ((root, mine), (nested, sub)):
        chats = t.children(agent)
        chats = [s for s in chats if s.name.startswith("chat ")]
        eq(len(chats), len(rs), "LLM spans of agent pid %s" % agent.get("process.pid"))
        for s, r in zip(chats, rs):
            check_llm_span(t, s, r, "openai", fake.port, agent.get("process.pid"))
    eq([s.name for s in t.children(root) if s.name.startswith("execute_tool")],
       ["execute_tool run_command", "execute_tool run_subagent"], "tool spans of the agent")
    run_cmd, run_sub = [s for s in t.children(root) if s.name.startswith("execute_tool")]
    eq((run_cmd.get("gen_ai.tool.call.id"), run_sub.get("gen_ai.tool.call.id")),
       ("call_1", "call_2"), "tool call ids of the agent")
    eq(t.parent(nested), run_sub, "the sub-agent's parent span")
    eq(nested.trace_id, root.trace_id, "the sub-agent's trace")
    eq(nested.get("process.exit.code"), 0, "sub-agent exit code")
    eq(nested.resource.get("process.parent_pid"), root.get("process.pid"),
       "sub-agent process.parent_pid")
    sub_tools = [s for s in t.children(nested) if s.name.startswith("execute_tool")]
    eq([(s.name, s.get("gen_ai.tool.call.id")) for s in sub_tools],
       [("execute_tool run_command", "call_1")], "tool spans of the sub-agent")
    shs = [s for s in t.spans if s.name == "exec sh"]
    eq(len(shs), 2, "exec sh spans (one per run_command)")
    for tool in (run_cmd, sub_tools[0]):
        kids = t.children(tool, "exec sh")
        eq(len(kids), 1, "exec sh under %s of pid %s" % (tool.name, tool.get("process.pid")))
        eq(kids[0].get("process.exit.code"), 0, "exec sh exit code")
        eq([c.get("process.exit.code") for c in t.children(kids[0], "exec ls")], [0],
           "exec ls under exec sh")
    # the sub-agent was started with --api-key <the fake key>
    args = nested.resource.get("process.command_args")
    i = args.index("--api-key")
    eq(args[i + 1], "REDACTED", "sub-agent --api-key value")


# ---- 3. node with the official SDKs ---------------------------------------------------------

def sdk_agent(provider, stream):
    mods = node_sdks()
    fake = fake_llm()
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=fake.cafile)
    try:
        cmd = ["/usr/bin/node", SDK_AGENT, "--modules", mods, "--base-url", fake.url,
               "--provider", provider] + (["--stream"] if stream else [])
        t, out = run_agent(fake, cmd, env=env)
    finally:
        fake.stop()
    no_secrets(t, out)
    check_agent_run(t, fake, "sdk_agent", provider)
    ua = fake.llm()[0]["headers"].get("user-agent", "")
    want = "OpenAI/JS" if provider == "openai" else "Anthropic/JS"
    check(ua.startswith(want), "the client is the official SDK (user-agent %r)" % ua)


def test_node_sdk_openai_stream():
    sdk_agent("openai", True)


def test_node_sdk_openai_json():
    sdk_agent("openai", False)


def test_node_sdk_anthropic_stream():
    sdk_agent("anthropic", True)


def test_node_sdk_anthropic_json():
    sdk_agent("anthropic", False)


# ---- 4. credentials -------------------------------------------------------------------------

TOOL_SECRETS = ["sk-live-1234567890abcdefXYZ", "hunter2hunter2", "plainsecretvalue42",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789"]
SECRET_CMD = ("env MY_TOKEN=plainsecretvalue42 GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 "
              "/bin/echo deploy --api-key sk-live-1234567890abcdefXYZ --password hunter2hunter2")
CMDLINE_KEY = "sk-test-FAKE-tracetree-cmdline-0123456789abcdef"


def secrets_run(capture_content):
    script = {"steps": [{"tool_calls": [{"name": "run_command",
                                         "arguments": {"command": SECRET_CMD}}]}],
              "final_text": "ok: {result}"}
    fake = fake_llm(script=script)
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "anthropic", "--gzip",
               "--cafile", fake.cafile, "--api-key", CMDLINE_KEY]
        t, out = run_agent(fake, cmd, extra=["--capture-content"] if capture_content else [])
    finally:
        fake.stop()
    no_secrets(t, out, extra=TOOL_SECRETS + [CMDLINE_KEY])
    # the server got the key as x-api-key (and removed it from its log)
    eq(fake.llm()[0]["auth_headers"], ["x-api-key"], "the agent sent x-api-key")
    agent = one(t, "invoke_agent demo_agent")
    args = agent.resource.get("process.command_args")
    eq(args[-2:], ["--api-key", "REDACTED"], "agent command_args end")
    # the tool's processes: sh -c "env ... /bin/echo ..." (dash execs env, env execs echo, or
    # they fork): every command line redacted, the words around the secrets kept
    tool = one(t, "execute_tool run_command")
    procs = [s for s in t.spans if s.name.startswith("exec ") and tool in t.ancestors(s)]
    expect(t, procs, "processes under the tool span")
    seen_echo = False
    for s in procs:
        a = s.resource.get("process.command_args")
        text = " ".join(a)
        check("REDACTED" in text, "%s command_args redacted: %s" % (s.name, a))
        if a[0] == "/bin/echo":
            seen_echo = True
            eq(a, ["/bin/echo", "deploy", "--api-key", "REDACTED", "--password", "REDACTED"],
               "echo command_args")
        if a[0] == "/bin/sh":
            check(a[2].startswith("env ") and "/bin/echo deploy --api-key REDACTED --password REDACTED"
                  in a[2], "sh -c text redacted word by word: %r" % a[2])
        if a[0] == "env":
            check(all(w in ("MY_TOKEN=REDACTED", "GITHUB_TOKEN=REDACTED", "REDACTED")
                      for w in a[1:3]), "env NAME=value words redacted: %s" % a)
    check(seen_echo, "a process span for /bin/echo under the tool span: %s" %
          [s.resource.get("process.command_args") for s in procs])
    if capture_content:
        chats = t.prefixed("chat ")
        eq(len(chats), 2, "LLM spans")
        msgs = chats[1].get("gen_ai.input.messages")
        check(msgs is not None, "--capture-content: gen_ai.input.messages on the second call")
        check("REDACTED" in json.dumps(msgs), "the tool result in the input messages is redacted")


def test_no_credentials():
    secrets_run(False)


def test_no_credentials_capture_content():
    secrets_run(True)


# ---- 5. replay of a --record capture ------------------------------------------------------------

def test_replay_matches_live():
    """The demo_agent.py run recorded with --record, replayed with 'replay FILE -o': the same
    spans (names, parents, kinds, statuses, attributes, resources), ids and times aside."""
    fake = fake_llm()
    work = fake.work
    cap = work.file("capture.ttcap")
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "openai", "--stream",
               "--gzip", "--cafile", fake.cafile, "--subagent"]
        live, out = run_agent(fake, cmd, extra=["--record", cap])
    finally:
        fake.stop()
    check(os.path.getsize(cap) > 0, "the capture file is not empty")
    rout = work.file("replay.jsonl")
    p = subprocess.run([os.path.join(TOP, "tracetree-bpf"), "replay", cap, "-o", rout,
                        "--format", "tree"], capture_output=True, timeout=60)
    eq(p.returncode, 0, "replay exit status (stderr: %s)" % p.stderr.decode()[-1000:])
    replay = load(rout)
    no_secrets(replay, p.stdout.decode(errors="replace"))
    eq(len(replay.spans), len(live.spans), "span count, replay vs live")
    eq(sorted(s.name for s in replay.spans), sorted(s.name for s in live.spans), "span names")
    a, b = live.shape(), replay.shape()
    if a != b:
        la, lb = set(_flat(live)), set(_flat(replay))
        raise TestFailure("replay differs from live:\n only live: %s\n only replay: %s" %
                          (sorted(la - lb)[:10], sorted(lb - la)[:10]))
    # ids are new, times are the recorded ones
    check(not ({s.span_id for s in live.spans} & {s.span_id for s in replay.spans}),
          "replay makes new span ids")


def _flat(t):
    """(path, attributes) per span, for showing where two trees differ."""
    out = []
    for s in t.spans:
        out.append((t.path(s), json.dumps(s.attrs, sort_keys=True),
                    json.dumps(s.resource, sort_keys=True)))
    return out
