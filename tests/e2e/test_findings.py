# SPDX-License-Identifier: MIT
"""Findings live and by `analyze`: tools/demo_agent.py against tools/fake_llm.py scripted to
trigger error_in_content (a tool's process exits non-zero while the tool span says nothing),
runaway_iteration (the same call five times), retry_storm (three 429s in one run),
tool_latency_concentration (one slow command), unexpected_tool (an argument the schema does not
have, found live without content too) and subagent_failure (a sub-agent whose LLM call fails);
the default conversation, with or without a sub-agent, has none. Each finding is a
`tracetree.finding` event on the span it cites, shown under it in the tree view, and `analyze
--format json` cites the same span. Every sub-agent span carries its handoff (objective and
result) with --capture-content, and nothing of it without."""
import json
import os
import re
import subprocess

import otlp
from lib import PY, TOP, TRACER, FakeLLM, Workdir, check, eq, run_traced

DEMO_AGENT = os.path.join(TOP, "tools/demo_agent.py")


def traced_run(script, extra=(), agent=()):
    work = Workdir()
    fake = FakeLLM(work, script=script)
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "openai", "--stream",
               "--cafile", fake.cafile, "--max-steps", "12"] + list(agent)
        p, path = run_traced(work, cmd, extra=extra)
    finally:
        fake.stop()
    return otlp.load(path), p.stdout.decode(errors="replace"), path


def findings_of(t):
    """[(kind, span)] of every tracetree.finding event in the file."""
    out = []
    for s in t.spans:
        for e in s.raw.get("events") or []:
            if e.get("name") != "tracetree.finding":
                continue
            kv = otlp.attrs(e.get("attributes"))
            out.append((kv.get("tracetree.finding.kind"), s, kv.get("tracetree.finding.summary")))
    return out


def analyze_json(path):
    p = subprocess.run([TRACER, "analyze", path, "--format", "json"], capture_output=True,
                       timeout=60)
    check(p.returncode in (0, 1), "analyze exit code %d: %s" % (p.returncode, p.stderr[-500:]))
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


def expect_only(t, path, kind, cited, offline=True):
    got = findings_of(t)
    eq([(k, s.span_id) for k, s, _ in got], [(kind, cited.span_id)], "live findings")
    off = [(f["kind"], f["span_id"]) for f in analyze_json(path)]
    eq(off, [(kind, cited.span_id)] if offline else [], "analyze --format json findings")
    return got[0][2]


def test_findings_clean():
    t, out, path = traced_run(None)
    eq(findings_of(t), [], "no finding on the default conversation")
    eq(analyze_json(path), [], "analyze finds none either")
    check(" finding " not in out, "no finding line in the tree view")


def test_findings_error_in_content():
    script = {"steps": [{"tool_calls": [{"name": "run_command",
                                         "arguments": {"command": "ls /nonexistent-tt-19"}}]},
                        {"text": "done"}]}
    t, out, path = traced_run(script)
    tool = t.named("execute_tool run_command")
    eq(len(tool), 1, "one tool span")
    summary = expect_only(t, path, "error_in_content", tool[0])
    check("exited 2" in summary, "summary names the exit code: %s" % summary)
    check("finding error_in_content: tool run_command ran " in out,
          "the tree view shows it:\n%s" % out[-2000:])


def test_findings_runaway_iteration():
    """Live, the linker tells repeats by a private hash of the arguments; the file has no
    arguments without --capture-content, so analyze finds the repeats only with it."""
    call = {"tool_calls": [{"name": "run_command", "arguments": {"command": "true"}}]}
    script = {"steps": [call] * 5 + [{"text": "done"}]}
    for extra in ((), ("--capture-content",)):
        t, out, path = traced_run(script, extra)
        agents = t.named("invoke_agent demo_agent")
        eq(len(agents), 1, "one agent")
        eq(len(t.named("execute_tool run_command")), 5, "five tool spans")
        summary = expect_only(t, path, "runaway_iteration", agents[0], offline=bool(extra))
        eq(summary, "tool run_command called 5 times with the same arguments", "summary")


def test_findings_retry_storm():
    script = {"steps": [{"text": "hello", "errors": [{"status": 429, "times": 3}]}]}
    t, out, path = traced_run(script)
    agents = t.named("invoke_agent demo_agent")
    eq(len(agents), 1, "one agent")
    summary = expect_only(t, path, "retry_storm", agents[0])
    eq(summary, "3 LLM calls failed with 429/5xx/overloaded in this run", "summary")


SUB_PROMPT = "Count the files in /nonexistent-tt-19 and report the number."
HANDOFF = ("tracetree.subagent.objective", "tracetree.subagent.result")
# The parent's steps (only it is offered run_subagent): the sub-agent between two equal
# commands, so that neither the sub-agent (however long the machine makes it) nor a command
# dominates the run (no tool_latency_concentration by timing luck).
SLEEP = {"only_if_tool": "run_subagent",
         "tool_calls": [{"name": "run_command", "arguments": {"command": "sleep 1.2"}}]}


def subagent_script(prompt, sub_step):
    return {"steps": [SLEEP, {"only_if_tool": "run_subagent",
                              "tool_calls": [{"name": "run_subagent",
                                              "arguments": {"prompt": prompt}}]},
                      SLEEP, dict(sub_step, unless_tool="run_subagent")]}


def subagent_of(t):
    """The sub-agent span (a demo_agent under the run_subagent tool span) and that tool span."""
    tool = t.one("execute_tool run_subagent")
    subs = [s for s in t.named("invoke_agent demo_agent") if s.parent_id == tool.span_id]
    eq(len(subs), 1, "one sub-agent under the run_subagent tool span")
    return subs[0], tool


def test_findings_clean_subagent():
    """A sub-agent that lists /tmp and answers: no finding; the handoff is on the sub-agent
    span with content, and absent without."""
    script = subagent_script("List the files in /tmp and report the first one.",
                             {"tool_calls": [{"name": "run_command",
                                              "arguments": {"command": "ls /tmp"}}]})
    for extra in (("--capture-content",), ()):
        t, out, path = traced_run(script, extra, agent=("--subagent",))
        eq(findings_of(t), [], "no finding")
        eq(analyze_json(path), [], "analyze finds none either")
        sub, tool = subagent_of(t)
        if not extra:
            eq([sub.get(k) for k in HANDOFF], [None, None], "no handoff without content")
            continue
        eq(json.loads(sub.get(HANDOFF[0])),
           {"prompt": "List the files in /tmp and report the first one."}, "objective")
        eq(sub.get(HANDOFF[0]), tool.get("gen_ai.tool.call.arguments"), "the tool's arguments")
        eq(sub.get(HANDOFF[1]), tool.get("gen_ai.tool.call.result"), "the tool's result")
        check(sub.get(HANDOFF[1], "").startswith('Done. The tool result begins with: "'),
              "the sub-agent's answer: %r" % sub.get(HANDOFF[1]))


def test_findings_subagent_failure():
    """The sub-agent's only LLM call gets a 400 (a step for requests without run_subagent: the
    sub-agent's): it exits 1, the parent goes on. Cited: the sub-agent span."""
    script = subagent_script(SUB_PROMPT, {"errors": [{"status": 400, "times": -1}],
                                          "text": "never sent"})
    for extra in (("--capture-content",), ()):
        t, out, path = traced_run(script, extra, agent=("--subagent",))
        sub, tool = subagent_of(t)
        eq(sub.get("process.exit.code"), 1, "the sub-agent exited 1")
        summary = expect_only(t, path, "subagent_failure", sub)
        eq(summary, "sub-agent invoke_agent demo_agent exited 1", "summary")
        check("finding subagent_failure: sub-agent invoke_agent demo_agent exited 1" in out,
              "the tree view shows it:\n%s" % out[-2000:])
        if not extra:
            eq([sub.get(k) for k in HANDOFF], [None, None], "no handoff without content")
            continue
        eq(json.loads(sub.get(HANDOFF[0])), {"prompt": SUB_PROMPT}, "objective")
        res = sub.get(HANDOFF[1]) or ""
        check(res.startswith("sub-agent failed (exit 1): "), "result: %r" % res)
        eq(res, tool.get("gen_ai.tool.call.result"), "the tool's result")


def test_findings_tool_latency():
    script = {"steps": [{"tool_calls": [{"name": "run_command",
                                         "arguments": {"command": "sleep 4"}}]},
                        {"text": "done"}]}
    t, out, path = traced_run(script)
    tool = t.one("execute_tool run_command")
    summary = expect_only(t, path, "tool_latency_concentration", tool)
    check(re.match(r"^execute_tool run_command took \d+% of the run \(\d+\.\d s\), "
                   r"\d+\.\dx its siblings' longest$", summary), "summary: %r" % summary)
    off = analyze_json(path)[0]
    eq(off["summary"], summary, "analyze's summary")
    check(off["evidence"]["duration_ns"] >= 4 * 10**9, "evidence: %r" % off["evidence"])


def test_findings_unexpected_tool():
    """run_command with a field its schema does not have (demo_agent's schema lists only
    command): live without content from the private offer and argument shape (analyze has no
    definitions in that file), live and by analyze with content. Nothing of the offer leaves
    without content."""
    script = {"steps": [{"tool_calls": [{"name": "run_command",
                                         "arguments": {"command": "true",
                                                       "cwd": "/tt-secret-dir-19"}}]},
                        {"text": "done"}]}
    want = ("tool run_command was called with arguments that do not fit its schema: "
            "unknown field cwd")
    for extra in ((), ("--capture-content",)):
        t, out, path = traced_run(script, extra)
        tool = t.one("execute_tool run_command")
        eq(expect_only(t, path, "unexpected_tool", tool, offline=bool(extra)), want, "summary")
        if not extra:
            text = "\n".join(t.lines)
            for secret in ("Run a shell command", "fetch_url", "required", "tt-secret-dir-19"):
                check(secret not in text, "%r exported without content" % secret)
