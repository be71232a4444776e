# SPDX-License-Identifier: MIT
"""The first call of a binary never seen before (issue 16, section 4).

A traced process that executes a file not probed yet is stopped at exec (bpf/proc.bpf.c) and
continued once its probes are in, or at the --hold-timeout deadline. A big static agent (Bun:
90 MB, a signature-tier inspection) copied to a fresh path is a new inode, a miss of the
inspection cache: without the hold its first request goes out before the probes are in."""
import os
import pty
import select
import shutil
import subprocess
import threading
import time

import otlp
from lib import PY, TRACER, FakeLLM, TestFailure, Workdir, check, eq
from test_static_tls import bun_path, BUN_VERSIONS

FETCH = """
const [url, n] = process.argv.slice(2);
const r = await fetch(url + "/v1/chat/completions", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ model: "gpt-4o-mini",
                         messages: [{ role: "user", content: "first call " + n }] }),
  tls: { rejectUnauthorized: false },
});
const b = await r.json();
console.log(r.status, b.id);
"""

# COMMAND: fresh copies of a binary, each run once (python3 itself is probed before it starts,
# so the copies are the only files executed that the tracer has not seen)
COPIES = """
import os, shutil, subprocess, sys
src, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    exe = os.path.join(work, "copy%d" % i, os.path.basename(src))
    os.makedirs(os.path.dirname(exe))
    shutil.copy2(src, exe)          # a new inode: unknown to the tracer and to its cache
    subprocess.run([exe] + sys.argv[4:] + [str(i)], check=True)
"""


def stats_line(stderr, key):
    """{name: int} of the last --stats line holding key (the one at exit: --stats also
    prints them every 10 s)."""
    for line in reversed(stderr.decode(errors="replace").splitlines()):
        if "stats:" in line and " %s=" % key in line:
            return {k: int(v) for k, v in (f.split("=", 1) for f in line.split()
                                            if "=" in f and f.split("=", 1)[1].isdigit())}
    raise TestFailure("no stats line with %s:\n%s" % (key, stderr.decode()[-2000:]))


def first_calls(t, reqs):
    """The LLM spans of trace t and the server's requests, paired by response id: one span for
    each request."""
    chats = sorted((s for s in t.spans if s.name.startswith("chat ")),
                   key=lambda s: s.get("gen_ai.response.id"))
    want = sorted(reqs, key=lambda r: r["response"]["id"])
    eq([s.get("gen_ai.response.id") for s in chats], [r["response"]["id"] for r in want],
       "one LLM span per request, every first call")
    return chats, want


def test_fresh_bun_first_call_x10():
    """Ten fresh copies of Bun, one after the other, each fetching once: every first (and
    only) request is an LLM span with the exact model and tokens the server sent."""
    bun = bun_path(BUN_VERSIONS[0])
    work = Workdir()
    script = work.file("fetch.mjs")
    with open(script, "w") as f:
        f.write(FETCH)
    out = work.file("otlp.jsonl")
    with FakeLLM(work) as fake:
        # the deadline is out of the way: capture must not depend on how loaded the host is
        cmd = [TRACER, "-o", out, "--format", "none", "--stats", "--hold-timeout", "60000",
               "--", PY, "-c", COPIES, bun, work.path, "10", script, fake.url]
        env = dict(os.environ, TT_TARGETS_CACHE=work.file("targets.cache"))
        p = subprocess.run(cmd, capture_output=True, timeout=600, env=env)
        eq(p.returncode, 0, "tracer and copies exit 0: %s" % p.stderr.decode()[-2000:])
        reqs = fake.llm()
    eq(len(reqs), 10, "the server answered ten requests")
    st = stats_line(p.stderr, "held")
    eq(st["held"], 10, "each fresh copy held at its exec")
    eq(st["hold_timeouts"], 0, "none continued by the deadline")
    t = otlp.load(out)
    chats, want = first_calls(t, reqs)
    for s, r in zip(chats, want):
        what = "LLM span of %s" % r["response"]["id"]
        eq(s.name, "chat gpt-4o-mini", what + ": name")
        eq(s.get("gen_ai.request.model"), "gpt-4o-mini", what + ": request model")
        eq(s.get("gen_ai.response.model"), r["response"]["model"], what + ": response model")
        eq(s.get("gen_ai.usage.input_tokens"), r["response"]["usage"]["input_tokens"],
           what + ": input tokens")
        eq(s.get("gen_ai.usage.output_tokens"), r["response"]["usage"]["output_tokens"],
           what + ": output tokens")
    eq(len({s.get("process.pid") for s in chats}), 10, "ten processes, one call each")


def held_command(work, name="tt-hold-true"):
    """/bin/sh writing its pid to a file and exec'ing a fresh copy of /bin/true whose name
    TT_TEST_HOLD_INSPECT matches (its inspection waits for a file the test controls)."""
    exe = work.file(name)
    shutil.copy2("/bin/true", exe)
    pidfile = work.file("pid")
    return ["/bin/sh", "-c", 'echo $$ > "$1"; exec "$2"', "sh", pidfile, exe], pidfile, exe


def test_hold_deadline_continues():
    """An inspection that never ends does not hang the program: it continues at the deadline,
    counted, and the tracer ends with it."""
    work = Workdir()
    cmd, _, _ = held_command(work)
    env = dict(os.environ, TT_TEST_HOLD_INSPECT=work.file("never"),
               TT_TARGETS_CACHE="off")
    # the watchdog's own deadline is 3 s (twice this and a second): the tracer's goes first
    p = subprocess.run([TRACER, "--format", "none", "--stats", "--hold-timeout", "1000", "--"] +
                       cmd, capture_output=True, timeout=120, env=env)
    eq(p.returncode, 0, "COMMAND ran to its end: %s" % p.stderr.decode()[-2000:])
    st = stats_line(p.stderr, "held")
    eq(st["held"], 1, "held at its exec")
    eq(st["hold_timeouts"], 1, "continued by the deadline")
    check(st["held_max_ns"] >= 1000 * 1000000, "held to the deadline: %d" % st["held_max_ns"])
    check(b"continued after" in p.stderr, "said so")


def test_no_hold_exec():
    """--no-hold-exec: nothing is stopped (and the inspection held by the hook delays no one)."""
    work = Workdir()
    cmd, _, _ = held_command(work)
    env = dict(os.environ, TT_TEST_HOLD_INSPECT=work.file("never"),
               TT_TARGETS_CACHE="off")
    p = subprocess.run([TRACER, "--format", "none", "--stats", "--no-hold-exec", "--"] + cmd,
                       capture_output=True, timeout=120, env=env)
    eq(p.returncode, 0, "COMMAND ran: %s" % p.stderr.decode()[-2000:])
    st = stats_line(p.stderr, "held")
    eq((st["held"], st["hold_timeouts"], st["held_max_ns"]), (0, 0, 0), "nothing held")


def proc_stat(pid):
    """(comm, state, ppid) of pid; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    head, rest = s.rsplit(")", 1)
    f = rest.split()
    return head.split("(", 1)[1], f[0], int(f[1])


def proc_state(pid):
    st = proc_stat(pid)
    return st[1] if st else "gone"


def wait_ended(pid):
    """Waits (60 s at most) for pid to end: gone, or a zombie; its last state."""
    for _ in range(600):
        if proc_state(pid) in ("gone", "Z"):
            break
        time.sleep(0.1)
    return proc_state(pid)


class Traced:
    """The tracer under -v on cmd, its stderr read line by line as it comes (wait_line)."""

    def __init__(self, cmd, env):
        self.proc = subprocess.Popen([TRACER, "-v", "--format", "none", "--stats",
                                      "--hold-timeout", "60000", "--"] + cmd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.lines, self.cond = [], threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line.decode(errors="replace"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return "".join(ln for ln in self.lines if ln)

    def wait_line(self, text):
        with self.cond:
            self.cond.wait_for(lambda: any(ln is None or text in ln for ln in self.lines),
                               timeout=60)
        check(text in self.text(), "tracer said %r: %s" % (text, self.text()[-2000:]))

    def end(self, pid):
        """Kills what is left (the held process continued first)."""
        if self.proc.poll() is None:
            if pid:
                os.kill(pid, 18)
            self.proc.kill()
            self.proc.wait()
        self.thread.join(10)


def held_now(t, hook, pidfile, exe):
    """Waits for the hook's message (the worker has the held process's file): the pid of the
    process, checked stopped at exec of exe."""
    t.wait_line("held until %s exists" % hook)
    pid = int(open(pidfile).read())
    eq(os.readlink("/proc/%d/exe" % pid), exe, "the held process runs the copy")
    # the stop takes effect on its way back to user space: on a loaded host, a moment later
    for _ in range(600):
        if proc_state(pid) == "T":
            break
        time.sleep(0.1)
    eq(proc_state(pid), "T", "stopped at exec")
    return pid


def traced_held(hook_name):
    """The tracer (Traced) on held_command, the hook waiting for the file hook_name: (the
    Traced, the hook's file, the pid file, the copy)."""
    work = Workdir()
    cmd, pidfile, exe = held_command(work)
    hook = work.file(hook_name)
    return (Traced(cmd, dict(os.environ, TT_TEST_HOLD_INSPECT=hook, TT_TARGETS_CACHE="off")),
            hook, pidfile, exe)


def test_hold_user_stop_left_stopped():
    """A held process that its user stops meanwhile (kill -STOP) stays stopped when its probes
    are in: continuing it is the user's, who does, and it ends normally."""
    t, go, pidfile, exe = traced_held("go")
    pid = None
    try:
        pid = held_now(t, go, pidfile, exe)
        os.kill(pid, 19)   # SIGSTOP: its user's stop
        open(go, "w").close()
        t.wait_line("pid %d left stopped" % pid)
        eq(proc_state(pid), "T", "still stopped once its file was probed")
        os.kill(pid, 18)   # SIGCONT: the user's continue
        rc = t.proc.wait(timeout=60)
    finally:
        t.end(pid)
    eq(rc, 0, "COMMAND ended normally")
    st = stats_line(t.text().encode(), "held")
    eq((st["held"], st["hold_timeouts"]), (1, 0), "held once, no deadline")


def test_hold_tracer_killed():
    """The tracer killed (SIGKILL) while it holds a process: its watchdog continues it, which
    runs to its end, and goes itself."""
    t, hook, pidfile, exe = traced_held("never")
    pid = None
    try:
        pid = held_now(t, hook, pidfile, exe)
        watch = [int(d) for d in os.listdir("/proc") if d.isdigit() and
                 proc_stat(int(d)) and proc_stat(int(d))[0] == "tt-holdwatch" and
                 proc_stat(int(d))[2] == t.proc.pid]
        eq(len(watch), 1, "the tracer has its watchdog")
        t.proc.kill()
        t.proc.wait()
        check(wait_ended(pid) in ("gone", "Z"), "the held process was continued and ended")
        pid = None
        check(wait_ended(watch[0]) in ("gone", "Z"), "the watchdog went too")
    finally:
        t.end(pid)


def test_job_control_job_not_held():
    """A job of an interactive shell (its own process group on the terminal) is not stopped:
    the shell would take the terminal back and leave it in the background. Counted."""
    work = Workdir()
    exe = work.file("tt-fresh-true")
    shutil.copy2("/bin/true", exe)
    env = dict(os.environ, TT_TARGETS_CACHE="off", PS1="$ ", TERM="dumb")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(TRACER, [TRACER, "--stats", "--format", "none", "--", "/bin/bash",
                           "--norc", "--noprofile", "-i"], env)
    os.write(fd, ("%s; echo tt-done-$?\nexit\n" % exe).encode())
    out, deadline = b"", time.time() + 120
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:   # EIO: the terminal's last user is gone
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode(errors="replace")
    eq(os.waitstatus_to_exitcode(status), 0, "bash and the tracer exit 0: %s" % text[-2000:])
    check("tt-done-0" in text, "the job ran in the foreground to its end: %s" % text[-2000:])
    check("Stopped" not in text, "the shell saw no stop: %s" % text[-2000:])
    st = stats_line(out, "held")
    eq((st["held"], st["hold_skipped"]), (0, 1), "not held, counted")


def test_parent_mirroring_the_stop_not_hung():
    """su waits for its child with WUNTRACED, stops itself when the child stops and continues
    it once continued: nobody would continue su. Its stop is cancelled and it continues the
    child itself (whose inspection never ends here): the command ends, nothing hangs."""
    work = Workdir()
    os.chmod(work.path, 0o755)   # the copy runs as nobody
    exe = work.file("tt-hold-true")
    shutil.copy2("/bin/true", exe)
    env = dict(os.environ, TT_TEST_HOLD_INSPECT=work.file("never"), TT_TARGETS_CACHE="off")
    p = subprocess.run([TRACER, "--format", "none", "--stats", "--hold-timeout", "60000", "--",
                        "/bin/sh", "-c", 'su -s "$1" nobody; echo rc=$?', "sh", exe],
                       capture_output=True, timeout=50, env=env)
    eq(p.returncode, 0, "the command ended: %s" % p.stderr.decode()[-2000:])
    eq(p.stdout.decode().split(), ["rc=0"], "su and its child ran to their end")
    st = stats_line(p.stderr, "held")
    eq((st["held"], st["hold_timeouts"]), (2, 0), "su and its child held, no deadline")


# COMMAND: curl against fresh copies of libssl.so.3 (LD_LIBRARY_PATH), each in a "tt-hold"
# directory. The TT_TEST_HOLD_INSPECT hook keeps the first copy's inspection waiting for the
# file rel, made only once the first curl is stopped with the copy open (held at its openat)
# or has exited (not held: its request went out before the probes could be in): deterministic
# either way, whatever the load. rel stays (the hook would also stop the worker on a rescan
# of an old copy): the later copies race with their inspection, which only a hold wins.
LIB_COPIES = """
import glob, os, shutil, subprocess, sys, time
lib, work, rel, url, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"first call %d"}]}'

def held_at_open(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] != "T":
                return False
        return any("tt-hold" in os.readlink(p) for p in glob.glob("/proc/%d/fd/*" % pid))
    except OSError:
        return False

for i in range(n):
    d = os.path.join(work, "tt-hold-lib%d" % i)
    os.makedirs(d)
    # a new inode, unknown to the tracer and to its cache, written under a name that is no
    # TLS library's (only the open that maps it is the test's)
    shutil.copy2(lib, os.path.join(work, "stage"))
    os.rename(os.path.join(work, "stage"), os.path.join(d, os.path.basename(lib)))
    env = dict(os.environ, LD_LIBRARY_PATH=d)
    c = subprocess.Popen(["curl", "-sk", "--http1.1", "-o", "/dev/null", "-H",
                          "content-type: application/json", "-d", body % i,
                          url + "/v1/chat/completions"], env=env)
    while c.poll() is None and not held_at_open(c.pid):
        time.sleep(0.01)
    open(rel, "w").close()
    if c.wait() != 0:
        sys.exit("curl %d failed" % i)
"""


def run_lib_copies(extra):
    """The tracer over LIB_COPIES x10: (its stderr, the spans, the server's requests)."""
    work = Workdir()
    out = work.file("otlp.jsonl")
    with FakeLLM(work) as fake:
        # the deadline is out of the way: capture must not depend on how loaded the host is
        cmd = [TRACER, "-o", out, "--format", "none", "--stats", "--hold-timeout", "60000"] + \
            extra + ["--", PY, "-c", LIB_COPIES, "/lib/x86_64-linux-gnu/libssl.so.3",
                     work.path, work.file("rel"), fake.url, "10"]
        env = dict(os.environ, TT_TARGETS_CACHE=work.file("targets.cache"),
                   TT_TEST_HOLD_INSPECT=work.file("rel"))
        p = subprocess.run(cmd, capture_output=True, timeout=600, env=env)
        eq(p.returncode, 0, "tracer and copies exit 0: %s" % p.stderr.decode()[-2000:])
        reqs = fake.llm()
    eq(len(reqs), 10, "the server answered ten requests")
    return p.stderr, otlp.load(out), reqs


def test_fresh_libssl_first_call_x10():
    """Ten curls, each loading a fresh copy of libssl.so.3: each is stopped as its openat of
    the copy returns and continued once the copy is probed, so every request (the write
    direction) is an LLM span with the exact model sent and the server's response."""
    stderr, t, reqs = run_lib_copies([])
    st = stats_line(stderr, "held")
    check(st["held"] >= 10, "each fresh copy held at its open: %d" % st["held"])
    eq(st["hold_timeouts"], 0, "none continued by the deadline")
    chats, want = first_calls(t, reqs)
    for s, r in zip(chats, want):
        what = "LLM span of %s" % r["response"]["id"]
        eq(s.get("gen_ai.request.model"), "gpt-4o-mini", what + ": request model")
        eq(s.get("gen_ai.response.model"), r["response"]["model"], what + ": response model")
    eq(len({s.get("process.pid") for s in chats}), 10, "ten processes, one call each")


def test_fresh_libssl_no_hold_missed():
    """The same with --no-hold-exec (what the tracer did before the library hold): no curl is
    stopped, and the first request goes out while its copy waits to be inspected: it is not
    captured. Shows the test above fails without the hold."""
    stderr, t, reqs = run_lib_copies(["--no-hold-exec"])
    eq(stats_line(stderr, "held")["held"], 0, "nothing held")
    first = reqs[0]["response"]["id"]
    eq([s for s in t.spans if s.get("gen_ai.response.id") == first], [],
       "the first request is not captured")
