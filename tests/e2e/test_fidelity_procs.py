# SPDX-License-Identifier: MIT
"""Issue 16, sections 1 and 2, end to end, under `-- COMMAND` and under --all:

- the root is what the user started: a node CLI relaunching node twice (--expose-gc, as agent
  CLIs do to get a bigger heap) whose grandchild calls the model (over TLS; plain HTTP under
  --all, see relaunch()); the first node is the root
  span (its command line, its exit code), the middle one has its span, the LLM span is under
  the grandchild (tests/e2e/agents/relaunch_cli.cjs);
- no process is dropped: a /usr/bin/python3 agent runs the two tools of one answer at once, in
  the opposite order, with argv lists and no shell, each living about a millisecond; both
  process spans appear exactly once, each under its own tool span, also when the answer was
  streamed and its end read only after the tools ran (tests/e2e/agents/parallel_tools.py).

Under --all the command is started by this test runner, a process found running when the
tracer attached: it is no launcher, so the trees are the command's own."""
import os
import signal
import subprocess
import threading
import time

import otlp
from lib import AGENTS, PY, TRACER, FakeLLM, TestFailure, Workdir, check, eq, run_traced
from test_trees import expect, load

NODE = "/usr/bin/node"
RELAUNCH = os.path.join(AGENTS, "relaunch_cli.cjs")
PARALLEL = os.path.join(AGENTS, "parallel_tools.py")
ECHO = ["/bin/echo", "alpha-one"]
PRINTF = ["/usr/bin/printf", "%s", "beta-two"]
PARALLEL_SCRIPT = {"steps": [{"tool_calls": [{"name": "run_argv", "arguments": {"argv": ECHO}},
                                             {"name": "run_argv", "arguments": {"argv": PRINTF}}]}],
                   "final_text": "done: {result}"}


def trace_of(t, pid):
    """The spans of the trace holding the span of process pid (--all traces the whole host)."""
    mine = [s for s in t.spans if s.get("process.pid") == pid]
    check(mine, "a span of pid %d among %d spans" % (pid, len(t.spans)))
    tid = mine[0].trace_id
    spans = [s for s in t.spans if s.trace_id == tid]
    return otlp.Spans(spans, [line for line in t.lines if tid in line])


def run_command(work, cmd, env=None):
    """cmd under `tracetree-bpf -o FILE -- cmd`: (the spans, cmd's pid, its stdout)."""
    p, path = run_traced(work, cmd, env=env)
    t = load(path)
    roots = t.roots()
    check(len(roots) == 1, "one root under -- COMMAND, got %s" % roots)
    return t, roots[0].get("process.pid"), p.stdout.decode(errors="replace")


def follow(tr, timeout=30):
    """Reads the tracer's -v stderr until it says it is tracing; then a thread keeps reading it
    (a chatty tracer never blocks on a full pipe) into the list returned, after the lines
    before."""
    deadline = time.time() + timeout
    lines = []
    while time.time() < deadline:
        line = tr.stderr.readline()
        if not line:
            break
        lines.append(line.decode(errors="replace"))
        if b"tracing" in line and b"main:" in line:
            threading.Thread(target=lambda: lines.extend(x.decode(errors="replace")
                                                         for x in tr.stderr),
                             daemon=True).start()
            return lines
    raise TestFailure("the tracer did not report ready (exit %s)" % tr.poll())


def run_all(work, cmd, env=None):
    """cmd started by this runner while `tracetree-bpf --all -o FILE` runs: (the spans of its
    trace, its pid, its stdout)."""
    out = work.file("otlp.jsonl")
    tr = subprocess.Popen([TRACER, "-v", "--all", "-o", out, "--format", "none"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        follow(tr)
        p = subprocess.run(cmd, capture_output=True, timeout=60, env=env)
        eq(p.returncode, 0, "%s exit code (stderr: %s)" %
           (os.path.basename(cmd[1]), p.stderr.decode(errors="replace")[-1500:]))
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(30), 0, "tracer exit code after SIGINT")
    finally:
        if tr.poll() is None:
            tr.kill()
            tr.wait()
    t = load(out)
    me = os.getpid()
    top = [s for s in t.spans if s.resource.get("process.parent_pid") == me and
           s.resource.get("process.command_args") == cmd and s.name.startswith(("exec ",
                                                                             "invoke_agent "))]
    check(len(top) == 1, "one span of the command started by the runner (pid %d), got %s; "
          "spans of its programs: %s" % (me, top, [
              (s.name, s.get("process.pid"), s.resource.get("process.parent_pid"),
               s.resource.get("process.command_args"), s.parent_id, s.trace_id[:8])
              for s in t.spans if s.resource.get("process.executable.path") == cmd[0]]))
    pid = top[0].get("process.pid")
    return trace_of(t, pid), pid, p.stdout.decode(errors="replace")


# ---- 1. the root is what the user started ---------------------------------------------------

def relaunch(all_mode):
    """Under --all the model is called over plain HTTP: there, attaching node's TLS probes
    fails with EPERM on this base (the tracer's log: "attaching SSL_write ... failed:
    Permission denied"; a loader matter), and this test is about the tree."""
    work = Workdir()
    fake = FakeLLM(work, script={"steps": [{"text": "relaunched ok"}]}, tls=not all_mode)
    env = dict(os.environ)
    if not all_mode:
        env["NODE_EXTRA_CA_CERTS"] = fake.cafile
    env.pop("TT_RELAUNCH_GEN", None)
    cmd = [NODE, RELAUNCH, fake.url]
    try:
        t, pid, out = (run_all if all_mode else run_command)(work, cmd, env=env)
    finally:
        fake.stop()
    check("FINAL: " in out, "the CLI printed its answer: %s" % out[-800:])
    eq(len(fake.llm()), 1, "LLM requests the fake server saw")
    eq(len(t.trace_ids()), 1, "one trace")
    agents = t.prefixed("invoke_agent ")
    expect(t, [a.name for a in agents] == ["invoke_agent relaunch_cli"],
           "one agent span, got %s" % [a.name for a in agents])
    gc = agents[0]
    mid = t.parent(gc)
    expect(t, mid is not None and mid.name == "exec node", "the agent's parent is a node span")
    first = t.parent(mid)
    expect(t, first is not None and first.name == "exec node",
           "the relaunch's parent is a node span")
    eq(t.roots(), [first], "the first node is the only root")
    eq(first.parent_id, "", "the root has no parent")
    eq(first.get("process.pid"), pid, "root process.pid: the command")
    eq(first.resource.get("process.command_args"), cmd, "root command_args")
    relaunched = [NODE, "--expose-gc", RELAUNCH, fake.url]
    eq(mid.resource.get("process.command_args"), relaunched, "middle node command_args")
    eq(gc.resource.get("process.command_args"), relaunched, "agent command_args")
    eq(mid.resource.get("process.parent_pid"), pid, "middle node's parent pid")
    eq(gc.resource.get("process.parent_pid"), mid.get("process.pid"), "agent's parent pid")
    for s, what in ((first, "root"), (mid, "middle node"), (gc, "agent")):
        eq(s.get("process.exit.code"), 0, what + " process.exit.code")
        eq(s.status_code, 0, what + " status")
    chats = t.prefixed("chat ")
    eq([c.name for c in chats], ["chat gpt-4o-mini"], "LLM spans")
    eq(t.parent(chats[0]), gc, "the LLM span's parent: the grandchild")
    eq(chats[0].get("process.pid"), gc.get("process.pid"), "LLM span process.pid")
    # --all also traces the fake server (plain HTTP in this runner): both ends of the local
    # connection are traced, so its SERVER span is the child of the call (issue 16 section 7)
    servers = [s for s in t.spans if s.kind == 2]  # SPAN_KIND_SERVER
    want = ["chat gpt-4o-mini", "exec node", "exec node", "invoke_agent relaunch_cli"]
    if all_mode:
        eq([s.name for s in servers], ["POST /v1/chat/completions"], "the fake server's span")
        eq(t.parent(servers[0]), chats[0], "the SERVER span's parent: the LLM call")
        want = sorted(want + ["POST /v1/chat/completions"])
    else:
        eq(servers, [], "no SERVER span: the fake server is not traced")
    eq(sorted(s.name for s in t.spans), want, "every span of the trace")


def test_relaunch_command():
    relaunch(False)


def test_relaunch_all():
    relaunch(True)


# ---- 2. no process is dropped -------------------------------------------------------------

def parallel(all_mode, stream):
    work = Workdir()
    fake = FakeLLM(work, script=PARALLEL_SCRIPT)
    cmd = [PY, PARALLEL, fake.url, fake.cafile] + (["--stream"] if stream else [])
    try:
        t, pid, out = (run_all if all_mode else run_command)(work, cmd)
    finally:
        fake.stop()
    check("FINAL: " in out, "the agent printed its answer: %s" % out[-800:])
    reqs = fake.llm()
    eq(len(reqs), 2, "LLM requests the fake server saw")
    ids = [c["id"] for c in reqs[0]["response"]["tool_calls"]]
    eq(len(ids), 2, "tool calls asked for (server)")
    eq(len(t.trace_ids()), 1, "one trace")
    agent = t.one("invoke_agent parallel_tools")
    eq(agent.get("process.pid"), pid, "agent process.pid")
    eq(t.roots(), [agent], "the agent is the root")
    tools = {s.get("gen_ai.tool.call.id"): s for s in t.prefixed("execute_tool ")}
    eq(sorted(tools), sorted(ids), "tool spans by call id")
    for want, tid in ((ECHO, ids[0]), (PRINTF, ids[1])):
        name = "exec " + os.path.basename(want[0])
        got = [s for s in t.spans if s.name == name]
        expect(t, len(got) == 1, "exactly one %s span, got %d" % (name, len(got)))
        s = got[0]
        eq(s.resource.get("process.command_args"), want, name + " command_args")
        eq(s.resource.get("process.parent_pid"), pid, name + " parent pid: the agent")
        eq(len([x for x in t.spans if x.get("process.pid") == s.get("process.pid") and
                x.name.startswith("exec ")]), 1, name + ": one process span for its pid")
        expect(t, t.parent(s) is tools[tid],
               "%s is under its tool span %s (path: %s)" % (name, tid, t.path(s)))
        eq(s.get("process.exit.code"), 0, name + " process.exit.code")
        eq(t.parent(tools[tid]), agent, "tool span %s under the agent" % tid)
    eq(len([s for s in t.spans if s.name.startswith("exec ")]), 2,
       "process spans besides the agent's")


def test_parallel_reverse_command():
    parallel(False, False)


def test_parallel_reverse_command_stream():
    parallel(False, True)


def test_parallel_reverse_all():
    parallel(True, False)


def test_parallel_reverse_all_stream():
    parallel(True, True)
