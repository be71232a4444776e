# SPDX-License-Identifier: MIT
"""--all --select: two curl clients of the fake LLM API, one whose executable matches
`--select exe=GLOB` and one that does not. The first's LLM call is exported exactly, nothing of
the second: its records are dropped before reassembly (--stats: unselected)."""
import os
import re
import shutil
import signal
import subprocess
import time

import otlp
from lib import TRACER, FakeLLM, TestFailure, Workdir, check, eq

CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say hi"}]}'


def curl_chat(curl, url):
    return [curl, "-sk", "--http1.1", "-H", "Content-Type: application/json", "-d", CHAT,
            url + "/v1/chat/completions", "-o", "/dev/null"]


def wait_ready_file(tr, errf, timeout=120):
    """Waits for the tracer's -v line saying the probes are attached (stderr in errf)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if re.search(r"main: .*tracing", open(errf, errors="replace").read()):
            return
        if tr.poll() is not None:
            break
        time.sleep(0.1)
    raise TestFailure("the tracer did not report ready (exit %s): %s" %
                      (tr.poll(), open(errf, errors="replace").read()[-2000:]))


def stats_of(text, key):
    m = re.findall(r"\b%s=(\d+)" % key, text)
    check(m, "--stats says %s:\n%s" % (key, text[-3000:]))
    return int(m[-1])


def test_select_exe_glob():
    w = Workdir()
    fake = FakeLLM(w)
    # the selected client: curl under a name of its own (same libcurl and libssl as the other)
    bindir = w.file("bin")
    os.makedirs(bindir, exist_ok=True)
    agent = os.path.join(bindir, "agent-curl")
    shutil.copy("/usr/bin/curl", agent)
    out, errf = w.file("otlp.jsonl"), w.file("tracer.stderr")
    err = open(errf, "wb")
    tr = subprocess.Popen([TRACER, "-v", "--stats", "-o", out, "--format", "none", "--all",
                           "--select", "exe=*/agent-curl", "--duration", "120"],
                          stderr=err)
    try:
        wait_ready_file(tr, errf)
        sel = subprocess.Popen(curl_chat(agent, fake.url))
        sel_pid = [sel.pid]
        other = subprocess.Popen(curl_chat("/usr/bin/curl", fake.url))
        other_pid = [other.pid]
        eq((sel.wait(60), other.wait(60)), (0, 0), "both clients succeed")
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(60), 0, "tracer exit code after SIGINT")
    finally:
        if tr.poll() is None:
            tr.kill()
            tr.wait()
        fake.stop()
        err.close()
    eq(len(fake.llm()), 2, "the fake API served both calls")
    spans = otlp.load(out)
    chats = spans.prefixed("chat ")
    eq([s.name for s in chats], ["chat gpt-4o-mini"], "exactly the selected client's call:\n" +
       spans.dump())
    agent_span = spans.parent(chats[0])
    check(agent_span is not None and agent_span.name.startswith("invoke_agent ") and
          agent_span.get("process.pid") == sel_pid[0],
          "the call under its process span:\n" + spans.dump())
    eq(chats[0].get("gen_ai.request.model"), "gpt-4o-mini", "model")
    eq(chats[0].get("server.address"), "127.0.0.1", "server")
    eq(chats[0].get("process.pid"), sel_pid[0], "the selected client's pid")
    pids = set(s.get("process.pid") for s in spans.spans)
    check(other_pid[0] not in pids, "nothing of the unselected curl:\n" + spans.dump())
    text = open(errf, errors="replace").read()
    check(stats_of(text, "unselected_procs") >= 1, "the other curl decided against")
    check(stats_of(text, "unselected_records") > 0, "its records dropped")
