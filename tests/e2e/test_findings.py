# SPDX-License-Identifier: MIT
"""Findings live and by `analyze`: tools/demo_agent.py against tools/fake_llm.py scripted to
trigger error_in_content (a tool's process exits non-zero while the tool span says nothing),
runaway_iteration (the same call five times) and retry_storm (three 429s in one run); the
default conversation has none. Each finding is a `tracetree.finding` event on the span it cites,
shown under it in the tree view, and `analyze --format json` cites the same span."""
import json
import os
import subprocess

import otlp
from lib import PY, TOP, TRACER, FakeLLM, Workdir, check, eq, run_traced

DEMO_AGENT = os.path.join(TOP, "tools/demo_agent.py")


def traced_run(script, extra=()):
    work = Workdir()
    fake = FakeLLM(work, script=script)
    try:
        cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "openai", "--stream",
               "--cafile", fake.cafile, "--max-steps", "12"]
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
